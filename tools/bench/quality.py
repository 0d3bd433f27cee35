"""Secciones ``max_length``, ``truncation`` y ``recipe``: la receta local entrenada y puntuada en **validación**
(la prueba no se toca; ``truncation`` informa una vez en la prueba de una elección hecha en validación), frente a
TF-IDF con las mismas reseñas y con intervalos emparejados.

El caso de todas ellas (y de ``adaptation``) es :class:`RecipeCase`, que mide :func:`recipe_case`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_utils import adaptation, baseline, calibration, data, evaluation, models, profiles, runtime, uncertainty
from course_utils.evaluation import Interval
from course_utils.runtime import Precision
from tools.bench.common import (
    COMMON_OPTIONS,
    Case,
    Env,
    Runner,
    Section,
    data_source,
    peak_rss_mb,
    prepare_process,
    run_cases,
)

TRUNCATIONS = ("head", "head+tail")


@dataclass(frozen=True)
class RecipeCase(Case):
    """Una receta entrenada con ``n_train`` reseñas y puntuada en ``n_validation`` de validación.

    ``method``: ``"full"`` (el ajuste completo), ``"top_k"`` (las ``top_k`` capas superiores y la cabeza),
    ``"lora"`` o ``"frozen"`` (codificador congelado + regresión logística). ``n_test`` > 0 puntúa además esas
    reseñas de la prueba (solo la sección ``truncation``); ``seed``, la de la muestra.
    """

    env: Env
    n_train: int
    n_validation: int
    epochs: float
    batch: int
    learning_rate: float
    max_length: int
    truncation: str = "head"
    bf16: bool = False
    fp16: bool = False
    attention_dropout: float | None = None
    n_test: int = 0
    seed: int = 0
    method: str = "full"
    top_k: int = 2
    lora_r: int = 8
    lora_alpha: int = 16
    lora_targets: tuple[str, ...] = ("query", "value")


@dataclass(frozen=True)
class RecipeSpec:
    """Una receta de ``--recipes``: ``n_train:épocas:lr:max_length:truncado[:dropout_atención]``.

    Sin el sexto campo, el dropout de la atención es el de la receta del curso (``attention_dropout=None``).
    """

    n_train: int
    epochs: float
    learning_rate: float
    max_length: int
    truncation: str
    attention_dropout: float | None = None
    text: str = field(default="", compare=False)  # tal como se escribió: el nombre de la fila repite sus cifras

    FORM = "n_train:épocas:lr:max_length:truncado[:dropout_atención]"
    EXAMPLE = "900:2:1e-4:256:head+tail o 900:2:1e-4:512:head+tail:0"

    @classmethod
    def parse(cls, text: str) -> RecipeSpec:
        """``"900:2:1e-4:256:head+tail"`` → :class:`RecipeSpec`; ``ValueError`` en español si no tiene esa forma."""
        fields = text.strip().split(":")
        try:
            if len(fields) not in (5, 6) or fields[4] not in TRUNCATIONS:
                raise ValueError
            dropout = float(fields[5]) if len(fields) == 6 else None
            if dropout is not None and not 0 <= dropout < 1:
                raise ValueError
            return cls(int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3]), fields[4], dropout,
                       text=text.strip())
        except ValueError:
            raise ValueError(f"{text.strip()!r} no tiene la forma {cls.FORM} (p. ej. {cls.EXAMPLE})") from None

    def name(self, course_dropout: float | None) -> str:
        """El nombre de la fila, con las cifras como se escribieron (``lr 1e-4``, no ``lr 0.0001``)."""
        n_train, epochs, lr, length, truncation = self.text.split(":")[:5]
        dropout = course_dropout if self.attention_dropout is None else self.attention_dropout
        return (f"{n_train} reseñas, {epochs} épocas, lr {lr}, {length} tokens, {truncation}, "
                + "dropout de la atención " + ("del modelo" if dropout is None else f"{dropout:g}"))


def iv(d: dict[str, Any] | None, signed: bool = False) -> str:
    """Un intervalo guardado (``Interval.as_dict()``) como texto: ``0.860 [0.837, 0.880]``; «—» si falta."""
    return "—" if not d else Interval(**d).format(3, signed=signed)


def recipe_case(case: RecipeCase) -> dict[str, Any]:
    """Entrena una receta del curso y puntúa la partición de **validación** (en un subproceso).

    Usa el protocolo del curso (``data.load_evaluation_splits``): ``n_train`` reseñas de entrenamiento
    y ``n_validation`` de validación, disjuntas, de la partición de entrenamiento; la prueba no se
    toca (las elecciones se hacen en validación). Con las mismas reseñas entrena también la línea
    base TF-IDF (``baseline.fit_tfidf``) para la diferencia emparejada.
    """
    import dataclasses

    from course_utils import training
    from course_utils.params import validate_training_params

    env = case.env
    prepare_process(env)
    runtime.seed_everything(0)
    parts = data.load_evaluation_splits(
        data_source(), n_per_class=(case.n_train + case.n_validation) // 2, validation_size=case.n_validation,
        n_test=case.n_test or 2, seed=case.seed,
    ).splits
    loaded = models.load_model_and_tokenizer(env.model, num_labels=2, attention_dropout=case.attention_dropout)
    length, truncation = case.max_length, case.truncation
    if case.method == "frozen":
        return frozen_case(parts, loaded, length, truncation)
    model = adapted_model(loaded.model, case.method, top_k=case.top_k, lora_r=case.lora_r, lora_alpha=case.lora_alpha,
                          lora_targets=case.lora_targets)
    train_only = parts.remove_columns("id")
    tokenized = training.tokenize_splits(train_only, loaded.tokenizer, max_length=length, truncation=truncation)
    tokenized = tokenized.remove_columns("text")
    truncated = float(np.mean([len(ids) >= length for ids in tokenized["train"]["input_ids"]]))
    # Los TrainingArguments del curso (training.training_arguments, los del 06.3), sin evaluar ni guardar por época:
    # aquí se puntúa la validación una vez, al final.
    params = validate_training_params(n_per_class=(case.n_train + case.n_validation) // 2, epochs=case.epochs,
                                      batch_size=case.batch, grad_accum=1, learning_rate=case.learning_rate, warmup=0.1,
                                      max_length=length, mc_passes=1, threshold=0.6, test_size=0.2, seed=0)
    precision = Precision(bf16=case.bf16, fp16=case.fp16)
    args = dataclasses.replace(training.training_arguments(env.tmp, params, device=env.device, precision=precision),
                               save_strategy="no", eval_strategy="no", logging_strategy="no",
                               load_best_model_at_end=False)
    trainer = training.make_trainer(model, loaded.tokenizer, tokenized, args)
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    texts, labels = list(parts["validation"]["text"]), np.asarray(parts["validation"]["label"])
    start = time.perf_counter()
    logits = uncertainty.predict_logits(trainer.model, loaded.tokenizer, texts, max_length=length,
                                        truncation=truncation)
    predict_seconds = time.perf_counter() - start
    tfidf = baseline.fit_tfidf(parts["train"]["text"], parts["train"]["label"], texts, labels)
    result = {
        "labels": labels.tolist(), "probs": calibration.softmax(logits).tolist(),
        "tfidf_probs": tfidf.model.predict_proba(texts).tolist(), "train_seconds": train_seconds,
        "predict_seconds": predict_seconds, "truncated_fraction": truncated, "n_train": len(parts["train"]),
        "n_validation": len(labels), "peak_rss_mb": peak_rss_mb(),
    }
    if case.n_test:  # solo «truncation», que informa en la prueba de una elección ya hecha en validación
        test_texts = list(parts["test"]["text"])
        test_logits = uncertainty.predict_logits(trainer.model, loaded.tokenizer, test_texts, max_length=length,
                                                 truncation=truncation)
        result["test"] = {"labels": parts["test"]["label"], "probs": calibration.softmax(test_logits).tolist(),
                          "tfidf_probs": tfidf.model.predict_proba(test_texts).tolist(), "n_test": len(test_texts)}
    return result


def adapted_model(model, method: str = "full", *, top_k: int = 2, lora_r: int = 8, lora_alpha: int = 16,
                  lora_targets: tuple[str, ...] | list[str] = ("query", "value")):
    """El modelo que entrena :func:`recipe_case` según ``method``: entero (``"full"``), solo las ``top_k`` capas
    superiores y la cabeza (``"top_k"``) o LoRA (``"lora"``)."""
    if method == "top_k":
        adaptation.freeze_all_but_top(model, top_k)
    elif method == "lora":
        from peft import get_peft_model

        config = adaptation.lora_config(r=lora_r, alpha=lora_alpha, target_modules=list(lora_targets))
        model = get_peft_model(model, config)
    return model


def frozen_case(parts, loaded, length: int, truncation: str) -> dict[str, Any]:
    """Codificador congelado + regresión logística (como el 06.5), puntuado en **validación**.

    El C se elige con validación cruzada (5 particiones, o menos con muy pocas reseñas) sobre el entrenamiento, no
    en la validación que se puntúa: la cifra no sale optimista por haber elegido en ella.
    """
    from sklearn.linear_model import LogisticRegressionCV

    features = dict(max_length=length, truncation=truncation)
    train_texts, y_train = list(parts["train"]["text"]), np.asarray(parts["train"]["label"])
    texts, labels = list(parts["validation"]["text"]), np.asarray(parts["validation"]["label"])
    start = time.perf_counter()
    x_train = adaptation.mean_pooled_features(loaded.model, loaded.tokenizer, train_texts, **features)
    folds = int(min(5, np.bincount(y_train).min()))  # 5 particiones, o menos si alguna clase tiene menos reseñas
    clf = LogisticRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0, 100.0], cv=folds, max_iter=2000).fit(x_train, y_train)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    probs = clf.predict_proba(adaptation.mean_pooled_features(loaded.model, loaded.tokenizer, texts, **features))
    predict_seconds = time.perf_counter() - start
    tfidf = baseline.fit_tfidf(train_texts, y_train, texts, labels)
    return {"labels": labels.tolist(), "probs": probs.tolist(),
            "tfidf_probs": tfidf.model.predict_proba(texts).tolist(), "train_seconds": train_seconds,
            "predict_seconds": predict_seconds, "n_train": len(y_train), "n_validation": len(labels),
            "peak_rss_mb": peak_rss_mb(), "C": float(clf.C_[0])}


def score_recipe(r: dict[str, Any], reference: dict[str, Any] | None = None) -> None:
    """Añade a ``r`` la exactitud con intervalo y las diferencias emparejadas (contra TF-IDF y ``reference``)."""
    y, probs, tfidf = np.asarray(r["labels"]), np.asarray(r["probs"]), np.asarray(r["tfidf_probs"])
    r["accuracy"] = evaluation.metric_interval(y, probs, metric="accuracy").as_dict()
    r["f1"] = evaluation.metric_interval(y, probs, metric="f1").as_dict()
    r["tfidf_accuracy"] = evaluation.metric_interval(y, tfidf, metric="accuracy").as_dict()
    r["vs_tfidf"] = evaluation.paired_difference(y, probs, tfidf, metric="accuracy").as_dict()
    if reference is not None:
        ref = np.asarray(reference["probs"])
        r["vs_reference"] = evaluation.paired_difference(y, probs, ref, metric="accuracy").as_dict()


def recipe_base(args, env: Env, precision) -> RecipeCase:
    """La receta local del curso (``profiles.LOCAL_PARAMS``) con las reseñas de ``--length-train`` y
    ``--validation``."""
    local = profiles.LOCAL_PARAMS
    return RecipeCase(env=env, n_train=args.length_train, n_validation=args.validation, epochs=local["EPOCHS"],
                      batch=args.batch, learning_rate=local["LEARNING_RATE"], max_length=args.course_max_length,
                      truncation=local["TRUNCATION"], bf16=precision.bf16, fp16=precision.fp16,
                      attention_dropout=args.course_attention_dropout)


def max_length_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Exactitud (en validación) y tiempo de la receta local a cada MAX_LENGTH de ``--lengths``."""
    base = recipe_base(args, env, precision)
    suffix = f" ({precision.name})" if precision.name != "fp32" else ""
    course = f"MAX_LENGTH={args.course_max_length}, {base.truncation}{suffix}"
    cases = [(f"MAX_LENGTH={length}, {base.truncation}{suffix}", base.replace(max_length=length))
             for length in args.lengths]
    if precision.name != "fp32":
        # La misma longitud en fp32: comprueba que la precisión reducida no baja la exactitud.
        cases.append((f"MAX_LENGTH={args.course_max_length} (fp32)", base.replace(bf16=False, fp16=False)))
    rows = run_cases("longitud", recipe_case, cases, run)
    reference = rows.get(course)
    for name, r in rows.items():
        score_recipe(r, None if name == course else reference)
    return {"rows": rows, "reference": course,
            "settings": {"epochs": base.epochs, "learning_rate": base.learning_rate, "batch": args.batch}}


def max_length_table(section: dict[str, Any]) -> str:
    """La tabla de la sección ``max_length`` en Markdown."""
    s = section["settings"]
    first = next(iter(section["rows"].values()))
    lines = [f"**MAX_LENGTH: exactitud en validación frente a tiempo** ({first['n_train']} reseñas de entrenamiento, "
             f"{s['epochs']:g} épocas, lr {s['learning_rate']:g}, lote {s['batch']}; {first['n_validation']} reseñas "
             f"de validación, intervalos al 95 %; diferencia emparejada frente a «{section['reference']}»):", "",
             "| configuración | reseñas truncadas | exactitud | diferencia | frente a TF-IDF | entrenamiento (s) | "
             "predicción (s) | pico de memoria (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in section["rows"].items():
        diff = iv(r["vs_reference"], signed=True) if "vs_reference" in r else "referencia"
        lines.append(f"| {name} | {r['truncated_fraction']:.0%} | {iv(r['accuracy'])} | {diff} | "
                     f"{iv(r['vs_tfidf'], signed=True)} | {r['train_seconds']:.0f} | {r['predict_seconds']:.1f} | "
                     f"{r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def truncation_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """«head» frente a «head+tail» con la receta local: se elige en validación y se informa en la prueba (una
    vez)."""
    # Semilla 42, la de los cuadernos: las mismas N_TEST reseñas de prueba que el perfil local de make run-all.
    base = recipe_base(args, env, precision).replace(n_test=args.n_test, seed=42)
    rows = run_cases("truncado", recipe_case, [(t, base.replace(truncation=t)) for t in TRUNCATIONS], run)
    comparison = {}
    head, both = rows["head"], rows["head+tail"]
    for part, r_head, r_both in (("validation", head, both), ("test", head["test"], both["test"])):
        y, p_head, p_both = np.asarray(r_head["labels"]), np.asarray(r_head["probs"]), np.asarray(r_both["probs"])
        tfidf = np.asarray(r_head["tfidf_probs"])
        comparison[part] = {
            "head": evaluation.metric_interval(y, p_head, metric="accuracy").as_dict(),
            "head+tail": evaluation.metric_interval(y, p_both, metric="accuracy").as_dict(),
            "tfidf": evaluation.metric_interval(y, tfidf, metric="accuracy").as_dict(),
            "head+tail − head": evaluation.paired_difference(y, p_both, p_head, metric="accuracy").as_dict(),
            "head+tail − tfidf": evaluation.paired_difference(y, p_both, tfidf, metric="accuracy").as_dict(),
            "head − tfidf": evaluation.paired_difference(y, p_head, tfidf, metric="accuracy").as_dict(),
            "n": int(y.size),
        }
    return {"comparison": comparison, "train_seconds": {k: r["train_seconds"] for k, r in rows.items()},
            "settings": {"n_train": head["n_train"], "max_length": args.course_max_length, "epochs": base.epochs,
                         "learning_rate": base.learning_rate}}


def truncation_table(section: dict[str, Any]) -> str:
    """La tabla de la sección ``truncation`` en Markdown."""
    s = section["settings"]
    lines = [f"**Truncado a {s['max_length']} tokens: «head» (el principio) frente a «head+tail» (principio y "
             f"final)** ({s['n_train']} reseñas de entrenamiento, {s['epochs']:g} épocas, lr {s['learning_rate']:g}; "
             "TF-IDF con las mismas reseñas; intervalos al 95 %, diferencias emparejadas):", "",
             "| parte | reseñas | head | head+tail | TF-IDF | head+tail − head | head+tail − TF-IDF | "
             "head − TF-IDF |",
             "|---|---|---|---|---|---|---|---|"]
    for part, label in (("validation", "validación (elige)"), ("test", "prueba (informa)")):
        c = section["comparison"][part]
        lines.append(f"| {label} | {c['n']} | {iv(c['head'])} | {iv(c['head+tail'])} | {iv(c['tfidf'])} | "
                     f"{iv(c['head+tail − head'], True)} | {iv(c['head+tail − tfidf'], True)} | "
                     f"{iv(c['head − tfidf'], True)} |")
    t = section["train_seconds"]
    lines += ["", f"Entrenamiento: head {t['head']:.0f} s, head+tail {t['head+tail']:.0f} s."]
    return "\n".join(lines)


def recipe_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Búsqueda en validación de la receta local más barata que supera a TF-IDF con un intervalo que excluye el 0."""
    base = recipe_base(args, env, precision)
    cases = []
    for spec in args.recipes:
        dropout = base.attention_dropout if spec.attention_dropout is None else spec.attention_dropout
        cases.append((spec.name(base.attention_dropout),
                      base.replace(n_train=spec.n_train, epochs=spec.epochs, learning_rate=spec.learning_rate,
                                   max_length=spec.max_length, truncation=spec.truncation, attention_dropout=dropout)))
    rows = run_cases("receta", recipe_case, cases, run)
    for r in rows.values():
        score_recipe(r)
    return {"rows": rows, "settings": {"batch": args.batch, "n_validation": args.validation}}


def validation_table(intro: str, section: dict[str, Any], tfidf_header: str = "TF-IDF",
                     diff_header: str = "diferencia emparejada") -> str:
    """Tabla de recetas puntuadas en validación frente a TF-IDF con las mismas reseñas (``recipe`` y
    ``adaptation``)."""
    lines = [intro, "", f"| receta | exactitud | {tfidf_header} | {diff_header} | entrenamiento (s) |",
             "|---|---|---|---|---|"]
    for name, r in section["rows"].items():
        lines.append(f"| {name} | {iv(r['accuracy'])} | {iv(r['tfidf_accuracy'])} | {iv(r['vs_tfidf'], signed=True)} | "
                     f"{r['train_seconds']:.0f} |")
    return "\n".join(lines)


def recipe_table(section: dict[str, Any]) -> str:
    """La tabla de la sección ``recipe`` en Markdown."""
    s = section["settings"]
    return validation_table(
        f"**Búsqueda de la receta local** (lote {s['batch']}; {s['n_validation']} reseñas de validación de la "
        "partición de entrenamiento; la prueba no se toca; TF-IDF con las mismas reseñas de entrenamiento y su C y "
        "n-gramas elegidos en esa validación):", section)


MAX_LENGTH_SECTION = Section(
    name="max_length", page="longitud", title="`MAX_LENGTH`: exactitud en validación frente a tiempo",
    about="Entrena la receta local a cada `MAX_LENGTH` de `--lengths` (y, con precisión reducida, también en fp32) y "
          "puntúa reseñas de **validación** de la partición de entrenamiento (nunca la prueba), con su intervalo, la "
          "diferencia emparejada frente a la longitud del curso y frente a TF-IDF con las mismas reseñas, y los "
          "tiempos.",
    measure=max_length_section, table=max_length_table,
    options=(*COMMON_OPTIONS, "lengths", "length_train", "validation", "batch", "course_max_length"))
TRUNCATION_SECTION = Section(
    name="truncation", page="truncado", title="Truncado: «head» frente a «head+tail»",
    about="Compara, a la longitud del curso, conservar el principio de cada reseña larga (`head`) o su principio y "
          "su final (`head+tail`): elige en validación e informa una sola vez en las mismas reseñas de prueba que "
          "`make run-all`.",
    measure=truncation_section, table=truncation_table,
    options=(*COMMON_OPTIONS, "length_train", "validation", "n_test", "batch", "course_max_length"))
RECIPE_SECTION = Section(
    name="recipe", page="receta", title="La receta local: ¿supera el ajuste fino a TF-IDF?",
    about="Entrena cada receta de `--recipes` (reseñas de entrenamiento, épocas, tasa, longitud, truncado y dropout "
          "de la atención) con el MiniLM empaquetado y, con las mismas reseñas, TF-IDF + regresión logística con su "
          "`C` y sus n-gramas elegidos en validación; las compara en validación con un intervalo emparejado.",
    measure=recipe_section, table=recipe_table,
    options=(*COMMON_OPTIONS, "recipes", "validation", "batch"))
