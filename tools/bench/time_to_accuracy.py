"""Sección ``time_to_accuracy``: tiempo hasta terminar y exactitud en la prueba de la receta local del curso frente a
la configuración del cuaderno original, con las mismas reseñas de entrenamiento, validación y prueba que
``make run-all``.

La original tarda más de una hora en 2 núcleos: por defecto se usa su medida guardada en
``tools/bench_original.json``; ``--original`` la vuelve a medir (y reescribe ese archivo).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils import calibration, data, evaluation, models, profiles, runtime
from course_utils.params import validate_training_params
from course_utils.runtime import Precision
from tools.bench.common import (
    COMMON_OPTIONS,
    ROOT,
    Case,
    Env,
    Runner,
    Section,
    data_source,
    peak_rss_mb,
    prepare_process,
    shown_path,
)
from tools.bench.quality import iv

ORIGINAL_RECORD = ROOT / "tools" / "bench_original.json"


@dataclass(frozen=True)
class TrainingRecipe(Case):
    """Una configuración de entrenamiento completa, como la guarda cada medida (``"recipe"``)."""

    max_length: int
    pad_to_max: bool
    epochs: float
    batch: int
    grad_accum: int
    learning_rate: float
    truncation: str
    group: bool
    bf16: bool = False
    fp16: bool = False
    attention_dropout: float | None = None


# La configuración del cuaderno original (cbadenes/curso-pln): relleno fijo a 512, 5 épocas, lote 8 × acumulación 4,
# lr 5e-5, calentamiento 10 %, fp32, sin agrupar por longitud; la mejor época por F1 (aquí en validación, no en la
# prueba como hacía el original).
ORIGINAL_RECIPE = TrainingRecipe(max_length=512, pad_to_max=True, epochs=5, batch=8, grad_accum=4, learning_rate=5e-5,
                                 truncation="head", group=False)


@dataclass(frozen=True)
class TtaCase(Case):
    """Una configuración entrenada de principio a fin con las particiones del perfil local."""

    env: Env
    name: str
    recipe: TrainingRecipe
    n_per_class: int
    n_validation: int
    n_test: int


def tta_case(case: TtaCase) -> dict[str, Any]:
    """Entrena una configuración completa como ``make run-all`` y la puntúa una vez en la prueba (en un subproceso).

    Las particiones son las del perfil local (semilla 42: las mismas ``n_test`` reseñas de prueba que
    ``make run-all``). La mejor época se elige por F1 en validación. El reloj cuenta todo lo que
    espera un usuario desde el modelo cargado: tokenizar, entrenar (con la evaluación de cada época)
    y predecir la prueba. ``epochs`` guarda cuándo terminó cada época y su exactitud en validación.
    """
    from transformers import TrainerCallback

    from course_utils import training

    env, recipe = case.env, case.recipe
    prepare_process(env)
    runtime.seed_everything(42)
    parts = data.load_evaluation_splits(data_source(), n_per_class=case.n_per_class, validation_size=case.n_validation,
                                        n_test=case.n_test, seed=42)
    loaded = models.load_model_and_tokenizer(env.model, num_labels=2, attention_dropout=recipe.attention_dropout)
    tok, length = loaded.tokenizer, recipe.max_length
    start = time.perf_counter()
    if recipe.pad_to_max:  # como el original: cada reseña rellenada hasta max_length
        tokenized = parts.splits.map(lambda b: tok(b["text"], truncation=True, max_length=length, padding="max_length"),
                                     batched=True)
    else:
        tokenized = training.tokenize_splits(parts.splits, tok, max_length=length, truncation=recipe.truncation)
    tokenized = tokenized.remove_columns(["text", "id"])
    params = validate_training_params(n_per_class=case.n_per_class, epochs=recipe.epochs, batch_size=recipe.batch,
                                      grad_accum=recipe.grad_accum, learning_rate=recipe.learning_rate, warmup=0.1,
                                      max_length=length, mc_passes=1, threshold=0.6, test_size=0.2, seed=42)
    args = training.training_arguments(env.tmp + f"/tta-{case.name}", params, device=env.device,
                                       precision=Precision(bf16=recipe.bf16, fp16=recipe.fp16))
    if not recipe.group:
        args = dataclasses.replace(args, train_sampling_strategy="random")
    curve: list[dict[str, float]] = []

    class EpochClock(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            curve.append({"epoch": float(state.epoch), "seconds": time.perf_counter() - start,
                          "validation_accuracy": float(metrics["eval_accuracy"]),
                          "validation_f1": float(metrics["eval_f1"])})

    trainer = training.make_trainer(loaded.model, tok, tokenized, args, callbacks=[EpochClock()])
    trainer.train()
    train_seconds = time.perf_counter() - start
    logits = trainer.predict(tokenized["test"]).predictions
    total_seconds = time.perf_counter() - start
    y, probs = np.asarray(parts.splits["test"]["label"]), calibration.softmax(np.asarray(logits))
    best_f1 = max((c["validation_f1"] for c in curve), default=None)
    return {
        "labels": y.tolist(), "probs": probs.tolist(), "test_hash": parts.hashes["test"], "n_test": int(y.size),
        "n_train": len(parts.splits["train"]), "n_validation": len(parts.splits["validation"]),
        "accuracy": evaluation.metric_interval(y, probs, metric="accuracy").as_dict(),
        "train_seconds": train_seconds, "total_seconds": total_seconds, "epochs": curve,
        "best_epoch": next((c["epoch"] for c in curve if c["validation_f1"] == best_f1), None),
        "peak_rss_mb": peak_rss_mb(), "recipe": dataclasses.asdict(recipe),
    }


def time_to_accuracy_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Receta local del curso frente a la configuración original: tiempo hasta terminar y exactitud en la prueba."""
    local = profiles.LOCAL_PARAMS
    course_recipe = TrainingRecipe(max_length=args.course_max_length, pad_to_max=False, epochs=local["EPOCHS"], batch=8,
                                   grad_accum=local["GRAD_ACCUM"], learning_rate=local["LEARNING_RATE"],
                                   truncation=local["TRUNCATION"], group=True, bf16=precision.bf16, fp16=precision.fp16,
                                   attention_dropout=args.course_attention_dropout)
    base = TtaCase(env=env, name="curso", recipe=course_recipe, n_per_class=local["N_PER_CLASS"],
                   n_validation=local["VALIDATION_SIZE"], n_test=args.n_test)
    course = run(tta_case, base)
    record = ORIGINAL_RECORD
    if args.original:
        original = run(tta_case, base.replace(name="original", recipe=ORIGINAL_RECIPE))
        original["measured"] = {"date": datetime.date.today().isoformat(), "machine": env.machine}
        record.write_text(json.dumps(original, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"  Medida de la configuración original guardada en {shown_path(record)}.")
    elif record.is_file():
        original = json.loads(record.read_text(encoding="utf-8"))
        print(f"  Configuración original: medida guardada el {original['measured']['date']} ({shown_path(record)}; "
              "--original la vuelve a medir, más de una hora en 2 núcleos).")
    else:
        original = None
        print(f"  No hay medida guardada de la configuración original ({shown_path(record)}): usa --original.")
    result: dict[str, Any] = {"course": course, "original": original}
    if original is not None:
        if original["test_hash"] != course["test_hash"]:
            raise SystemExit("La medida guardada de la original usó otras reseñas de prueba "
                             f"({original['test_hash']} frente a {course['test_hash']}): vuelve a medirla con "
                             "--original.")
        y = np.asarray(course["labels"])
        result["difference"] = evaluation.paired_difference(y, np.asarray(course["probs"]),
                                                            np.asarray(original["probs"]), metric="accuracy").as_dict()
        result["speedup"] = original["total_seconds"] / course["total_seconds"]
        # Si la original se midió con la máquina compartida, su tiempo de pared sobra: el objetivo usa también el
        # mínimo que permite su tiempo de CPU (CPU / hilos), la cota prudente.
        floor = original.get("measured", {}).get("wall_floor_seconds")
        result["speedup_floor"] = floor / course["total_seconds"] if floor else None
        speedup = min(result["speedup"], result["speedup_floor"] or result["speedup"])
        result["target"] = {"speedup": 4.0, "met": speedup >= 4.0 and result["difference"]["high"] >= 0}
    return result


def recipe_words(x: dict[str, Any]) -> str:
    """Una configuración guardada (``"recipe"``) en palabras."""
    pad = f"relleno a {x['max_length']}"
    if not x["pad_to_max"]:
        pad = f"relleno dinámico, {x['max_length']} tokens, {x['truncation']}"
    prec = "bf16" if x["bf16"] else "fp16" if x["fp16"] else "fp32"
    attention = "" if x.get("attention_dropout") is None else f", dropout de la atención {x['attention_dropout']:g}"
    return (f"{pad}, {x['epochs']:g} épocas, lote {x['batch']} × {x['grad_accum']}, lr {x['learning_rate']:g}, "
            f"{'agrupado por longitud, ' if x['group'] else ''}{prec}{attention}")


def time_to_accuracy_table(section: dict[str, Any]) -> str:
    """Las tablas de la sección en Markdown."""
    c, o = section["course"], section["original"]
    lines = [f"**Tiempo hasta la exactitud** ({c['n_train']} reseñas de entrenamiento, {c['n_validation']} de "
             f"validación para elegir la época, {c['n_test']} de la prueba de IMDB, hash {c['test_hash']}; el tiempo "
             "incluye tokenizar, entrenar con la evaluación de cada época y predecir la prueba):", "",
             "| configuración | tiempo total (s) | entrenamiento (s) | mejor época (validación) | "
             "exactitud en la prueba | pico de memoria (MB) |",
             "|---|---|---|---|---|---|"]
    for name, r in (("curso", c), ("original", o)):
        if r is None:
            continue
        when = f" (medida el {r['measured']['date']})" if "measured" in r else ""
        lines.append(f"| {name}: {recipe_words(r['recipe'])}{when} | {r['total_seconds']:.0f} | "
                     f"{r['train_seconds']:.0f} | {r['best_epoch']:g} | {iv(r['accuracy'])} | {r['peak_rss_mb']:.0f} |")
    if o is None:
        lines += ["", "Sin medida de la configuración original: "
                  "`python -m tools.bench --sections time_to_accuracy --original` (o `make bench "
                  "BENCH_SECTIONS=time_to_accuracy ORIGINAL=1`)."]
        return "\n".join(lines)
    t = section["target"]
    if o.get("measured", {}).get("note"):
        lines += ["", f"Medida de la original ({o['measured']['date']}, {o['measured']['machine']}): "
                  f"{o['measured']['note']}."]
    floor = ""
    if section.get("speedup_floor"):
        floor = f" ({section['speedup_floor']:.1f}× frente al mínimo de pared de la original)"
    lines += ["", f"Curso frente a original: {section['speedup']:.1f}× antes{floor}; diferencia emparejada de "
              f"exactitud {iv(section['difference'], signed=True)}. Objetivo (≥ 4× antes con exactitud igual o "
              "mejor, es decir, un intervalo de la diferencia que no quede entero por debajo de 0): "
              f"{'✓' if t['met'] else '✗'}."]
    per_epoch = "; ".join(
        f"{name} " + ", ".join(f"{e['epoch']:g}: {e['validation_accuracy']:.3f} ({e['seconds']:.0f} s)"
                               for e in r["epochs"])
        for name, r in (("curso", c), ("original", o)))
    lines += ["", f"Exactitud en validación al terminar cada época (segundos desde el inicio): {per_epoch}"]
    return "\n".join(lines)


SECTION = Section(
    name="time_to_accuracy", page="tiempo-exactitud", title="Tiempo hasta la exactitud: el curso frente al original",
    about="Entrena de principio a fin la receta local del curso y la configuración del cuaderno original (relleno a "
          "512, 5 épocas, lote 8 × acumulación 4, lr 5e-5, fp32, sin agrupar por longitud) con el mismo modelo y las "
          "mismas reseñas que `make run-all`, y da el tiempo total (tokenizar, entrenar evaluando cada época y "
          "predecir la prueba) y la exactitud en la prueba con su intervalo y la diferencia emparejada. La original "
          "tarda más de una hora en 2 núcleos: su medida se guarda en `tools/bench_original.json` y `--original` "
          "(`ORIGINAL=1`) la repite.",
    measure=time_to_accuracy_section, table=time_to_accuracy_table,
    options=(*COMMON_OPTIONS, "course_max_length", "n_test", "original"))
