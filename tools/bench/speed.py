"""Sección ``speed``: el entrenamiento y el MC dropout del curso frente a los del cuaderno original, palanca a
palanca, con el pico de memoria de cada medida y la fracción del pico de la máquina que aprovecha cada fila."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils import flops, models, uncertainty
from course_utils.runtime import Precision
from tools.bench.common import (
    COMMON_OPTIONS,
    MODEL,
    Case,
    Env,
    PeakCase,
    Runner,
    Section,
    load_texts,
    matmul_peak,
    peak_case,
    peak_rss_mb,
    prepare_process,
    run_cases,
)

LOOP = "original: bucle texto a texto"


@dataclass(frozen=True)
class TrainCase(Case):
    """Una fila de entrenamiento: ``warmup + steps`` pasos de lote ``batch`` con una configuración.

    ``pad_to_max``: relleno fijo a ``max_length`` (el original) o dinámico; ``group``: lotes agrupados por
    longitud; ``peak_size``: lado del producto de matrices del pico fp32 que se mide justo antes y después.
    """

    env: Env
    max_length: int
    pad_to_max: bool
    group: bool
    steps: int = 8
    warmup: int = 0
    batch: int = 8
    bf16: bool = False
    fp16: bool = False
    attention_dropout: float | None = None
    peak_size: int | None = None


@dataclass(frozen=True)
class McCase(Case):
    """Una fila de MC dropout: ``n_texts`` reseñas × ``passes`` pasadas con una implementación (``impl``:
    ``"original"``, el bucle texto a texto, o un modo de ``uncertainty.mc_dropout_predict``)."""

    env: Env
    impl: str
    n_texts: int
    passes: int
    max_length: int
    precision: str = "fp32"
    repeats: int = 1
    attention_dropout: float | None = None
    max_batch_tokens: int | None = None
    top_layers: int = 0


def step_timer(device: str):
    """Callback que guarda la duración de cada paso (sin la preparación de ``Trainer``).

    En GPU sincroniza al empezar y al acabar cada paso: el trabajo en la GPU es asíncrono y, sin
    esperar a que acabe, el reloj mediría solo lo que tarda Python en encolarlo.
    """
    import torch
    from transformers import TrainerCallback

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.durations: list[float] = []
            self._start = 0.0

        def on_step_begin(self, args, state, control, **kwargs):
            sync()
            self._start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            sync()
            self.durations.append(time.perf_counter() - self._start)

    return StepTimer()


def random_bert_base(folder: Path) -> str:
    """Guarda en ``folder`` un BERT del tamaño de ``bert-base-uncased`` (12 capas, 768 dimensiones, 110 M de
    parámetros) con pesos aleatorios y el tokenizador del MiniLM empaquetado (el mismo vocabulario *uncased*), y
    devuelve la ruta.

    El modelo del cuaderno original, sin red: solo sirve para medir velocidad (los pesos no cambian el tiempo),
    nunca exactitud.
    """
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    source = models.resolve_model_source(MODEL)
    config = AutoConfig.from_pretrained(source, num_labels=2)
    config.update({"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072})
    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_config(config).save_pretrained(folder)
    models.load_tokenizer(MODEL).save_pretrained(folder)
    return str(folder)


def train_case(case: TrainCase) -> dict[str, Any]:
    """Entrena ``warmup + steps`` pasos y devuelve reseñas/s de los ``steps`` últimos (en un subproceso).

    Los ``warmup`` primeros pasos no se miden: pagan lo que solo ocurre una vez (reservar memoria,
    elegir y preparar los núcleos de cálculo de cada forma, en GPU cargar los módulos de CUDA).
    El conjunto tiene ``4 × steps × batch`` reseñas: con ese tamaño, ``group_by_length`` de
    transformers ordena por longitud «megalotes» de ``steps`` lotes (ver
    ``get_length_grouped_indices``), así que los pasos medidos se agrupan como en el curso, donde
    los megalotes son de 12 a 50 lotes. Con solo ``steps × batch`` reseñas los megalotes serían de
    2 lotes y el agrupado casi no actuaría.
    """
    import dataclasses

    import datasets
    from transformers import DataCollatorWithPadding, default_data_collator

    from course_utils import training
    from course_utils.params import validate_training_params
    from course_utils.training import CourseTrainer

    env = case.env
    prepare_process(env)
    sample = load_texts("train", 2 * case.steps * case.batch, seed=0)
    loaded = models.load_model_and_tokenizer(env.model, num_labels=2, attention_dropout=case.attention_dropout)
    tok, model = loaded.tokenizer, loaded.model
    padding = "max_length" if case.pad_to_max else False
    ds = datasets.Dataset.from_dict({"text": list(sample.texts), "label": list(sample.labels)}).map(
        lambda b: tok(b["text"], truncation=True, max_length=case.max_length, padding=padding), batched=True
    ).remove_columns("text")
    precision = Precision(bf16=case.bf16, fp16=case.fp16)
    # Los TrainingArguments del curso (training.training_arguments), con pasos fijos y sin evaluar ni guardar; el
    # agrupado por longitud, la palanca que se mide.
    params = validate_training_params(n_per_class=case.steps * case.batch, epochs=1, batch_size=case.batch,
                                      grad_accum=1, learning_rate=5e-5, warmup=0.0, max_length=case.max_length,
                                      mc_passes=1, threshold=0.6, test_size=0.2, seed=0)
    args = dataclasses.replace(
        training.training_arguments(env.tmp, params, device=env.device, precision=precision),
        max_steps=case.warmup + case.steps, train_sampling_strategy="group_by_length" if case.group else "random",
        save_strategy="no", eval_strategy="no", logging_strategy="no", load_best_model_at_end=False)
    collator = default_data_collator if case.pad_to_max else DataCollatorWithPadding(tok)
    timer = step_timer(env.device)
    trainer = CourseTrainer(model=model, args=args, train_dataset=ds, data_collator=collator, processing_class=tok,
                            callbacks=[timer])
    per_step: list[dict[str, int]] = []  # una llamada al modelo por paso (sin acumulación de gradiente)
    config = model.config

    def count_tokens(module, args, kwargs):
        # FLOPs ejecutados: el lote rellenado entero (b × n); útiles: cada reseña con su longitud real.
        mask = kwargs["attention_mask"]
        lengths = mask.sum(1).tolist()
        useful = sum(flops.forward_flops(config, seq_len=int(n), n_sequences=c, training=True)
                     for n, c in Counter(lengths).items())
        per_step.append({
            "real": int(sum(lengths)), "total": mask.numel(), "useful_flops": useful,
            "flops": flops.forward_flops(config, seq_len=mask.shape[1], n_sequences=mask.shape[0], training=True),
        })

    hook = model.register_forward_pre_hook(count_tokens, with_kwargs=True)
    # El pico fp32 justo antes y justo después de la fila, en este proceso: la velocidad de la máquina deriva
    # durante una ejecución (aquí, hasta un 24 % entre el principio y el final), y el pico de toda la ejecución
    # la compara con un momento que no es el suyo.
    around = [matmul_peak(size=case.peak_size, repeats=3, device=env.device)["best_gflops"]] if case.peak_size else []
    trainer.train()
    if case.peak_size:
        around.append(matmul_peak(size=case.peak_size, repeats=3, device=env.device)["best_gflops"])
    hook.remove()
    measured = per_step[case.warmup:]
    tokens = {key: sum(step[key] for step in measured) for key in ("real", "total", "flops", "useful_flops")}
    seconds = sum(timer.durations[case.warmup:])
    samples = len(timer.durations[case.warmup:]) * case.batch
    return {"seconds": seconds, "samples_per_second": samples / seconds, "peak_rss_mb": peak_rss_mb(),
            "warmup_steps": case.warmup, "padding_fraction": 1 - tokens["real"] / tokens["total"],
            "real_tokens": tokens["real"], "total_tokens": tokens["total"], "flops": tokens["flops"],
            "useful_flops": tokens["useful_flops"], "precision": precision.name,
            **({"row_peak_gflops": around} if around else {})}


def count_inference_flops(model) -> tuple[dict[str, int], list[Any]]:
    """Ganchos que suman los FLOPs de cada llamada a una capa del codificador y a la cabeza.

    Valen para cualquier modo de MC dropout (completo, solo cabeza, capas superiores): cuentan lo
    que se ejecuta de verdad, capa a capa, con la forma del lote que recibe cada una (relleno
    incluido). La cabeza cuenta el *pooler* en cada llamada al clasificador: con «solo cabeza» lo
    sobrestima T − 1 veces, menos de una cienmilésima del total. Devuelve el contador y los ganchos
    (quítalos con ``handle.remove()``).
    """
    cfg, total = model.config, {"flops": 0}

    def on_layer(module, args, kwargs):
        hidden = args[0] if args else kwargs["hidden_states"]
        total["flops"] += flops.layer_flops(hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
                                            seq_len=hidden.shape[-2], n_sequences=hidden[..., 0, 0].numel())

    def on_head(module, args):
        total["flops"] += flops.head_flops(hidden_size=cfg.hidden_size, num_labels=cfg.num_labels,
                                           n_sequences=args[0][..., 0].numel())

    handles = [layer.register_forward_pre_hook(on_layer, with_kwargs=True) for layer in model.base_model.encoder.layer]
    handles.append(model.classifier.register_forward_pre_hook(on_head))
    return total, handles


def mc_case(case: McCase) -> dict[str, Any]:
    """MC dropout de N reseñas × T pasadas con una implementación (en un subproceso)."""
    import numpy as np
    import torch

    env = case.env
    prepare_process(env)
    texts = list(load_texts("test", case.n_texts // 2, seed=1).texts)
    loaded = models.load_model_and_tokenizer(env.model, num_labels=2, attention_dropout=case.attention_dropout)
    model, tok = loaded.model.to(env.device), loaded.tokenizer

    def predict(batch: list[str]):
        if case.impl == "original":
            # Como el cuaderno original: texto a texto, T pasadas seguidas con model.train().
            model.train()
            means = []
            with torch.no_grad():
                for text in batch:
                    inputs = tok(text, truncation=True, max_length=case.max_length, return_tensors="pt").to(env.device)
                    passes = [torch.softmax(model(**inputs).logits, -1) for _ in range(case.passes)]
                    means.append(torch.stack(passes).mean(0)[0].cpu().numpy())
            return np.stack(means)
        return uncertainty.mc_dropout_predict(
            model, tok, batch, n_passes=case.passes, max_length=case.max_length, mode=case.impl,
            precision=case.precision, max_batch_tokens=case.max_batch_tokens,
            **({"top_layers": case.top_layers} if case.impl == "top" else {}),
        ).mean_probs

    # Calentamiento, sin medir ni contar: lo que solo pasa una vez (en GPU, cargar los módulos de CUDA) no entra
    # en la fila.
    predict(texts[:2])
    counted, handles = count_inference_flops(model)
    if env.device == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(case.repeats):  # la mediana de las repeticiones; los FLOPs, los de una
        counted["flops"] = 0
        start = time.perf_counter()
        mean = predict(texts)
        if env.device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[len(times) // 2]
    for handle in handles:
        handle.remove()
    return {"seconds": seconds, "texts_per_second": len(texts) / seconds, "peak_rss_mb": peak_rss_mb(),
            "n_texts": len(mean), "repeats": len(times), "flops": counted["flops"],
            "precision": "fp32" if case.impl == "original" else case.precision}


def add_efficiency(r: dict[str, Any], peaks: dict[str, dict[str, Any]]) -> None:
    """Añade a una fila los GFLOP/s conseguidos y su fracción del pico de cada tipo medido.

    La fracción del pico fp32 va en todas las filas (es la que pide el objetivo); la del pico de la
    precisión reducida, solo en las filas que calculan en ella (frente a ese pico, una fila fp32 no
    dice nada).
    """
    r["gflops"] = r["flops"] / r["seconds"] / 1e9
    if "useful_flops" in r:
        r["useful_gflops"] = r["useful_flops"] / r["seconds"] / 1e9
    r["fraction_of_peak"] = {dt: r["gflops"] / p["gflops"] for dt, p in peaks.items() if dt in ("fp32", r["precision"])}
    if "row_peak_gflops" in r:  # frente al pico fp32 medido junto a la fila (el mayor de antes y después)
        r["fraction_of_row_peak"] = r["gflops"] / max(r["row_peak_gflops"])


def training_cases(args, env: Env, precision) -> list[tuple[str, TrainCase]]:
    """Las filas de entrenamiento: el original y cada palanca a su longitud, y la configuración del curso."""
    reduced = precision.name != "fp32"
    length = args.original_max_length
    base = TrainCase(env=env, max_length=length, pad_to_max=False, group=True, steps=args.steps,
                     warmup=args.warmup_steps, batch=args.batch, peak_size=args.peak_size)
    lowp = {"bf16": precision.bf16, "fp16": precision.fp16}
    cases = [
        (f"original: relleno a {length}", base.replace(pad_to_max=True, group=False)),
        (f"relleno dinámico ({length})", base.replace(group=False)),
        (f"dinámico + agrupado por longitud ({length})", base),
    ]
    if reduced:
        cases.append((f"dinámico + agrupado + {precision.name} ({length})", base.replace(**lowp)))
    attention = args.course_attention_dropout
    if attention is not None:  # la receta del curso quita el dropout de la atención: la palanca, a igual longitud
        cases.append((f"dinámico + agrupado{' + ' + precision.name if reduced else ''} + dropout de la atención "
                      f"{attention:g} ({length})", base.replace(**lowp, attention_dropout=attention)))
    course = (f"curso: MAX_LENGTH={args.course_max_length}" + (f" + {precision.name}" if reduced else "")
              + (f" + dropout de la atención {attention:g}" if attention is not None else ""))
    cases.append((course, base.replace(max_length=args.course_max_length, attention_dropout=attention, **lowp)))
    return cases


def mc_cases(args, env: Env, precision) -> list[tuple[str, McCase]]:
    """Las filas de MC dropout: el bucle del original y cada modo de ``course_utils`` (con el modelo del curso y su
    dropout de la atención: comparan implementaciones)."""
    base = McCase(env=env, impl="full", n_texts=args.mc_texts, passes=args.mc_passes, max_length=args.course_max_length,
                  repeats=args.mc_repeats, attention_dropout=args.course_attention_dropout)
    budget = uncertainty.default_batch_tokens(env.device, mode="full", n_passes=args.mc_passes,
                                              max_length=args.course_max_length)
    cases = [(LOOP, base.replace(impl="original")),
             (f"course_utils: MC completo (fp32, {budget} tokens por llamada)", base)]
    if budget != uncertainty.DEFAULT_BATCH_TOKENS:
        cases.append((f"course_utils: MC completo (fp32, lotes grandes: {uncertainty.DEFAULT_BATCH_TOKENS} tokens)",
                      base.replace(max_batch_tokens=uncertainty.DEFAULT_BATCH_TOKENS)))
    if precision.name != "fp32":
        cases.append((f"course_utils: MC completo ({precision.name})", base.replace(precision=precision.name)))
    cases.append(("course_utils: solo cabeza", base.replace(impl="head", precision=precision.name)))
    cases += [(f"course_utils: capas superiores k={k}",
               base.replace(impl="top", top_layers=k, precision=precision.name)) for k in (1, 2, 3)]
    return cases


def speed_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Entrenamiento y MC dropout, palanca a palanca, frente a la configuración original."""
    # El pico de la máquina, antes y después de las filas (si la máquina se carga entre medias, se ve).
    peak = PeakCase(env=env, dtypes=("fp32", precision.name) if precision.name != "fp32" else ("fp32",),
                    size=args.peak_size)
    print("  pico de la máquina (producto de matrices)...", flush=True)
    peaks_before = run(peak_case, peak)
    training = run_cases("entrenamiento", train_case, training_cases(args, env, precision), run)
    train_ref = next(iter(training.values()))["samples_per_second"]
    for r in training.values():
        r["ratio_vs_original"] = r["samples_per_second"] / train_ref
    mc = run_cases("MC dropout", mc_case, mc_cases(args, env, precision), run)
    mc_ref = mc[LOOP]["seconds"]
    for r in mc.values():
        r["ratio_vs_original"] = mc_ref / r["seconds"]

    print("  pico de la máquina, otra vez...", flush=True)
    peaks_after = run(peak_case, peak)
    peaks = {dt: {"before": peaks_before[dt], "after": peaks_after[dt],
                  "gflops": max(peaks_before[dt]["best_gflops"], peaks_after[dt]["best_gflops"])} for dt in peak.dtypes}
    for r in [*training.values(), *mc.values()]:
        add_efficiency(r, peaks)
    goals = targets(training, mc, device=env.device, length=args.original_max_length)
    return {"training": training, "mc_dropout": mc, "targets": goals, "peaks": peaks,
            "settings": {"steps": args.steps, "warmup_steps": args.warmup_steps, "batch": args.batch,
                         "mc_texts": mc[LOOP]["n_texts"], "mc_passes": args.mc_passes, "mc_repeats": args.mc_repeats,
                         "course_max_length": args.course_max_length}}


def targets(training: dict[str, Any], mc: dict[str, Any], *, device: str, length: int) -> dict[str, dict[str, Any]]:
    """Los objetivos de la sección, cada uno medido en la configuración que usa el curso (todas las palancas a la
    vez), no en la mejor fila: elegir la mejor premiaría el ruido. ``length``: la longitud del original."""
    same_length = [n for n in training if n.endswith(f"({length})")][-1]
    best_full = [n for n in mc if "completo" in n and "lotes grandes" not in n][-1]
    course_row = [n for n in training if n.startswith("curso:")][-1]
    head, top2 = mc["course_utils: solo cabeza"], mc["course_utils: capas superiores k=2"]
    goals = {
        "entrenamiento >= 3x a igual max_length": {"row": same_length, "target": 3.0,
                                                   "ratio": training[same_length]["ratio_vs_original"]},
        "MC completo no más lento que el bucle": {"row": best_full, "ratio": mc[best_full]["ratio_vs_original"],
                                                  "target": 1.0},
        "MC solo cabeza >= 2.5x": {"row": "course_utils: solo cabeza", "ratio": head["ratio_vs_original"],
                                   "target": 2.5},
        "MC k=2 >= 2x frente a completo": {"row": "course_utils: capas superiores k=2", "target": 2.0,
                                           "ratio": mc[best_full]["seconds"] / top2["seconds"]},
    }
    if device == "cpu":  # el objetivo de eficiencia es de CPU; en GPU la tabla da la fracción de cada pico
        # Frente al pico medido junto a la fila; la tabla da también la fracción del pico de toda la ejecución.
        course = training[course_row]
        goals["entrenamiento del curso >= 60 % del pico fp32"] = {
            "row": course_row, "ratio": course["fraction_of_row_peak"], "target": 0.6, "unit": "%",
            "run_peak_ratio": course["fraction_of_peak"]["fp32"]}
    if device == "cuda":
        goals["MC completo por lotes >= 5x (GPU)"] = {"row": best_full, "ratio": mc[best_full]["ratio_vs_original"],
                                                      "target": 5.0}
    for t in goals.values():
        t["met"] = t["ratio"] >= t["target"]
    return goals


def efficiency_cells(r: dict[str, Any], dtypes: list[str]) -> str:
    return " | ".join(f"{r['fraction_of_peak'][dt]:.0%}" if dt in r["fraction_of_peak"] else "—" for dt in dtypes)


def target_value(t: dict[str, Any]) -> str:
    """La cifra de un objetivo: «2.45×», o un porcentaje con un decimal (junto al objetivo, «60 %» con ✗ no se
    entendería)."""
    if t.get("unit") != "%":
        return f"{t['ratio']:.2f}×"
    run_peak = ""
    if "run_peak_ratio" in t:
        run_peak = f" del pico junto a la fila ({t['run_peak_ratio']:.1%} del de la ejecución)"
    return f"{t['ratio']:.1%}{run_peak}"


def speed_table(speed: dict[str, Any]) -> str:
    """Las tablas de la sección en Markdown."""
    s, peaks = speed["settings"], speed["peaks"]
    dtypes = list(peaks)
    peak_heads = " | ".join(f"% del pico {dt}" for dt in dtypes)
    rule = "|---" * len(dtypes)
    warmup = s.get("warmup_steps", 0)
    lines = [f"**Entrenamiento** ({s['steps']} pasos × lote {s['batch']}"
             + (f" tras {warmup} de calentamiento sin medir" if warmup else "")
             + ", tiempo de los pasos; GFLOP/s ejecutados, relleno incluido, y útiles, solo los tokens reales):", "",
             f"| configuración | reseñas/s | × original | relleno | GFLOP/s | GFLOP/s útiles | {peak_heads} | "
             "pico fp32 junto a la fila (antes / después, GFLOP/s) | % de ese pico | pico de memoria (MB) |",
             f"|---|---|---|---|---|---{rule}|---|---|---|"]
    for name, r in speed["training"].items():
        around = " / ".join(f"{g:.0f}" for g in r.get("row_peak_gflops", [])) or "—"
        row_fraction = f"{r['fraction_of_row_peak']:.0%}" if "fraction_of_row_peak" in r else "—"
        lines.append(f"| {name} | {r['samples_per_second']:.2f} | {r['ratio_vs_original']:.2f} | "
                     f"{r['padding_fraction']:.0%} | {r['gflops']:.1f} | {r['useful_gflops']:.1f} | "
                     f"{efficiency_cells(r, dtypes)} | {around} | {row_fraction} | {r['peak_rss_mb']:.0f} |")
    repeats = s.get("mc_repeats", 1)
    lines += ["", f"**MC dropout** ({s['mc_texts']} reseñas × {s['mc_passes']} pasadas, "
              f"MAX_LENGTH={s['course_max_length']}, tras una llamada de calentamiento sin medir"
              + (f"; mediana de {repeats} medidas" if repeats > 1 else "") + "):", "",
              f"| implementación | segundos | × original | GFLOP/s | {peak_heads} | pico de memoria (MB) |",
              f"|---|---|---|---{rule}|---|"]
    for name, r in speed["mc_dropout"].items():
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['ratio_vs_original']:.2f} | {r['gflops']:.1f} | "
                     f"{efficiency_cells(r, dtypes)} | {r['peak_rss_mb']:.0f} |")
    first = next(iter(peaks.values()))["before"]
    measured = "; ".join(f"{dt} {p['before']['best_gflops']:.0f} / {p['after']['best_gflops']:.0f} GFLOP/s"
                         for dt, p in peaks.items())
    lines += ["", f"Pico de la máquina (producto de matrices {first['size']} × {first['size']}, {first['threads']} "
              f"hilos, la mejor de {first['repeats']} medidas tras calentar, antes / después de las filas; se usa la "
              f"mayor): {measured}."]
    goals = "; ".join(f"{k}: {target_value(t)} {'✓' if t['met'] else '✗'}" for k, t in speed["targets"].items())
    lines += ["", "Objetivos: " + goals]
    return "\n".join(lines)


SECTION = Section(
    name="speed", page="velocidad", title="Velocidad: el curso frente al cuaderno original",
    about="El entrenamiento (reseñas/s en pasos fijos) y el MC dropout del curso frente a los del cuaderno original, "
          "palanca a palanca (relleno dinámico, agrupado por longitud, precisión reducida, sin dropout en la "
          "atención; MC dropout por lotes, solo cabeza y capas superiores), con el pico de memoria de cada medida y "
          "la fracción del pico de la máquina (un producto de matrices grande, medido antes y después) que "
          "aprovecha cada fila.",
    measure=speed_section, table=speed_table,
    options=(*COMMON_OPTIONS, "steps", "warmup_steps", "batch", "original_max_length", "course_max_length",
             "mc_texts", "mc_passes", "mc_repeats", "peak_size", "model_size"))
