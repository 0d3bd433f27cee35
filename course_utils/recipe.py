"""Una receta de ajuste fino de principio a fin, con el protocolo del cuaderno 06.3, en una llamada.

El cuaderno 06.3 enseña cada paso por separado (datos, tokenizador, ``Trainer``, validación,
prueba, línea base, MC dropout). Aquí están los mismos pasos empaquetados para repetirlos muchas
veces: con otra semilla, otra tasa o sin preentrenar (los experimentos del 06.3), una ejecución por
semilla en ``make bench`` (sección ``semillas``) y la orden ``python -m course_utils.entrenar``,
que también corre en varios procesos (``torchrun``, ``accelerate launch``).

Qué controla cada semilla:

- ``seed``: todo lo aleatorio del entrenamiento: la cabeza inicial, el orden de los lotes y las
  máscaras de dropout.
- ``sample_seed`` (por defecto, ``seed``): qué reseñas de la partición de entrenamiento forman el
  entrenamiento y la validación.
- ``test_seed`` (por defecto, ``sample_seed``): qué reseñas de la partición de prueba se usan. Para
  comparar ejecuciones reseña a reseña, fíjala (p. ej. 42) y varía las demás.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_utils._checks import check_choice, check_float, check_int, fail

METHODS = ("full", "top_k", "lora", "frozen")
INITS = ("pretrained", "random")


@dataclass(frozen=True)
class Recipe:
    """Todo lo que decide una ejecución de ajuste fino (los parámetros del cuaderno 06.3, en minúsculas).

    Los valores por defecto son los de la lección (los de la celda de parámetros del 06.3);
    :func:`recipe_for_profile` aplica los de un perfil (``local``, ``smoke``). ``method`` elige cuánto
    se ajusta (cuaderno 06.5): ``"full"`` (todo), ``"top_k"`` (las ``top_k`` capas superiores y la
    cabeza), ``"lora"`` (LoRA, r = 8) o ``"frozen"`` (rasgos del codificador congelado + regresión
    logística). ``init="random"`` usa la misma arquitectura sin preentrenar.
    """

    model: str = "bert-base-uncased"
    data: str = "imdb"
    text_column: str = "text"
    label_column: str = "label"
    label_names: tuple[str, ...] | None = ("negativo", "positivo")
    n_per_class: int = 500
    validation_size: float | int = 0.2
    n_test: int | None = 1000
    test_size: float = 0.2
    epochs: float = 5
    batch_size: int = 8
    grad_accum: int = 4
    learning_rate: float = 5e-5
    warmup: float = 0.1
    max_length: int = 256
    truncation: str = "head+tail"
    attention_dropout: float | None = None
    method: str = "full"
    top_k: int = 2
    init: str = "pretrained"
    seed: int = 42
    sample_seed: int | None = None
    test_seed: int | None = None
    mc_passes: int = 5
    n_mc: int = 1000
    threshold: float = 0.6
    device: str = "auto"
    mixed_precision: bool = True

    def replace(self, **changes: Any) -> Recipe:
        """Una copia con ``changes`` (p. ej. ``recipe.replace(seed=7)``; una lista de ``label_names`` se guarda
        como tupla)."""
        if isinstance(changes.get("label_names"), list):
            changes["label_names"] = tuple(changes["label_names"])
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Los campos como diccionario (para ``metrics.json``)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def recipe_for_profile(profile: str, **changes: Any) -> Recipe:
    """La receta de un perfil de :mod:`course_utils.profiles` (``"local"``, ``"smoke"``, ``"completo"``), con cambios.

    Parámetros
    ----------
    profile : {"local", "smoke", "completo"}
        El perfil: los mismos valores que recibe el cuaderno 06.3 con ``PERFIL=profile``.
    **changes
        Campos de :class:`Recipe` que se fijan por encima del perfil (p. ej. ``seed=7``).

    Devuelve
    --------
    Recipe

    Errores
    -------
    CourseParameterError
        Si el perfil no existe o un cambio no es un campo de :class:`Recipe`.

    Ejemplo
    -------
    >>> recipe_for_profile("local", seed=7).max_length
    512
    """
    from course_utils import profiles

    names = {f.name for f in dataclasses.fields(Recipe)}
    unknown = sorted(set(changes) - names)
    if unknown:
        raise fail("changes", unknown, "no son campos de la receta", f"usa algunos de: {', '.join(sorted(names))}")
    values, _ = profiles.profile_params(profile, data=changes.get("data"))
    fields = {key.lower(): value for key, value in values.items() if key.lower() in names}
    if "label_names" in fields and fields["label_names"] is not None:
        fields["label_names"] = tuple(fields["label_names"])
    if "label_names" in changes and changes["label_names"] is not None:
        changes["label_names"] = tuple(changes["label_names"])
    return Recipe(**{**fields, **changes})


def from_notebook(namespace: dict[str, Any]) -> Recipe:
    """La receta de un cuaderno: los parámetros en MAYÚSCULAS de ``namespace`` (``globals()``) que son campos de
    :class:`Recipe`.

    ``MODEL`` → ``model``, ``EPOCHS`` → ``epochs``, etc.; lo que el cuaderno no define queda con su valor por
    defecto. Así el cuaderno 06.3 repite su propia receta (con otra semilla, otra tasa...) sin reescribirla.

    Parámetros
    ----------
    namespace : dict
        ``globals()`` del cuaderno, con el perfil ya aplicado.

    Devuelve
    --------
    Recipe
    """
    if not isinstance(namespace, dict):
        raise fail("namespace", type(namespace).__name__, "debe ser un dict", "pasa globals()")
    names = {f.name for f in dataclasses.fields(Recipe)}
    values = {key.lower(): value for key, value in namespace.items() if key.isupper() and key.lower() in names}
    if isinstance(values.get("label_names"), list):
        values["label_names"] = tuple(values["label_names"])
    return Recipe(**values)


# Los experimentos cortos del 06.3 (tasa, semillas, sin preentrenar): la receta del cuaderno, más pequeña.
QUICK_REVIEWS = 400  # reseñas de entrenamiento
QUICK_MAX_LENGTH = 128
QUICK_EPOCHS = 1


def quick_recipe(recipe: Recipe) -> Recipe:
    """La misma receta en pequeño, para experimentos que cuestan segundos y no minutos (cuaderno 06.3).

    Con el mismo tamaño de validación (``validation_size``) y la misma semilla de muestra, pero a lo sumo
    ``QUICK_REVIEWS`` reseñas de entrenamiento, ``QUICK_MAX_LENGTH`` *tokens*, ``QUICK_EPOCHS`` época y sin MC
    dropout. Su muestra es más pequeña, así que su validación tiene otras reseñas que la del cuaderno: se compara
    con otros experimentos cortos (:func:`compare_validation`), nunca con las etiquetas del cuaderno.
    Sus cifras no son las de la receta entera: sirven para comparar entre sí experimentos iguales en todo
    salvo en una cosa (la tasa, la semilla, el preentrenamiento).

    Parámetros
    ----------
    recipe : Recipe
        La receta del cuaderno.

    Devuelve
    --------
    Recipe
    """
    if not isinstance(recipe, Recipe):
        raise fail("recipe", type(recipe).__name__, "no es una receta",
                   "usa course_utils.recipe.Recipe o recipe_for_profile")
    validation = recipe.validation_size
    if isinstance(validation, float) and validation < 1:  # fracción: la validación es una parte de la muestra
        n_per_class = min(recipe.n_per_class, round(QUICK_REVIEWS / (1 - validation) / 2))
    else:
        n_per_class = min(recipe.n_per_class, (QUICK_REVIEWS + int(validation)) // 2)
    return recipe.replace(n_per_class=n_per_class, max_length=min(recipe.max_length, QUICK_MAX_LENGTH),
                          epochs=min(recipe.epochs, QUICK_EPOCHS), n_mc=0)


@dataclass
class RecipeRun:
    """Lo que produce :func:`run_recipe`: predicciones, cifras con intervalo y de dónde salen.

    Las probabilidades y logits van en el orden de las reseñas de su parte (``test_ids``).
    ``y_test``/``test_logits`` (con ``evaluate_test=False``), ``tfidf_probs``, ``mc_probs``,
    ``temperature`` y ``model`` (con ``keep_model=True``) son ``None`` si no se calcularon.
    """

    recipe: Recipe
    device: str
    precision: str
    world_size: int
    hashes: dict[str, str]
    n_train: int
    test_ids: list[str]
    y_validation: np.ndarray
    validation_logits: np.ndarray
    y_test: np.ndarray | None
    test_logits: np.ndarray | None
    train_seconds: float
    best_epoch: float | None = None
    log_history: list[dict[str, Any]] = field(default_factory=list)
    tfidf_probs: np.ndarray | None = None
    tfidf_validation_probs: np.ndarray | None = None
    tfidf_choice: str = ""
    mc_rows: np.ndarray | None = None
    mc_probs: np.ndarray | None = None
    temperature: float | None = None
    model: Any = None
    tokenizer: Any = None

    @property
    def test_probs(self) -> np.ndarray:
        """Probabilidades de prueba (softmax de los logits; el congelado ya da probabilidades)."""
        from course_utils.calibration import softmax

        return softmax(self.test_logits)

    @property
    def validation_probs(self) -> np.ndarray:
        from course_utils.calibration import softmax

        return softmax(self.validation_logits)

    def summary(self) -> dict[str, Any]:
        """Las cifras de la ejecución, con su intervalo al 95 % (para ``metrics.json`` y para imprimir).

        Devuelve
        --------
        dict
            ``accuracy``, ``f1``, ``ece`` (de :class:`~course_utils.evaluation.Interval`, como dict),
            ``validation_accuracy``; si se calcularon: ``tfidf_accuracy`` y ``vs_tfidf`` (diferencia
            emparejada), ``mc_vs_single`` (MC dropout − una pasada, en la submuestra), ``temperature``,
            ``ece_temperature`` y ``ece_temperature_minus_single``.
        """
        from course_utils import calibration, evaluation

        seed = self.recipe.seed
        out: dict[str, Any] = {"validation_accuracy": evaluation.metric_interval(self.y_validation,
                                                                                 self.validation_logits).as_dict()}
        if self.tfidf_validation_probs is not None:
            out["tfidf_validation_accuracy"] = evaluation.metric_interval(self.y_validation,
                                                                          self.tfidf_validation_probs).as_dict()
        if self.test_logits is None:
            return out
        probs = self.test_probs
        for name in ("accuracy", "f1", "ece"):
            out[name] = evaluation.metric_interval(self.y_test, probs, metric=name, seed=seed).as_dict()
        if self.tfidf_probs is not None:
            out["tfidf_accuracy"] = evaluation.metric_interval(self.y_test, self.tfidf_probs).as_dict()
            out["vs_tfidf"] = evaluation.paired_difference(self.y_test, probs, self.tfidf_probs, seed=seed).as_dict()
        if self.mc_probs is not None:
            single = probs[self.mc_rows]
            y_mc = self.y_test[self.mc_rows]
            out["mc_accuracy"] = evaluation.metric_interval(y_mc, self.mc_probs).as_dict()
            out["mc_vs_single"] = evaluation.paired_difference(y_mc, self.mc_probs, single, seed=seed).as_dict()
        if self.temperature is not None:
            scaled = calibration.softmax(self.test_logits, temperature=self.temperature)
            out["temperature"] = self.temperature
            out["ece_temperature"] = evaluation.metric_interval(self.y_test, scaled, metric="ece", seed=seed).as_dict()
            out["ece_temperature_minus_single"] = evaluation.paired_difference(self.y_test, scaled, probs, metric="ece",
                                                                               seed=seed).as_dict()
        return out


def is_main_process() -> bool:
    """``True`` en el proceso que escribe e imprime (rango 0; el único sin ``torchrun``/``accelerate``)."""
    return int(os.environ.get("RANK", "0")) == 0


def check_recipe(recipe: Recipe):
    """Valida una receta con las reglas de los cuadernos y devuelve sus ``TrainingParams``.

    Errores
    -------
    CourseParameterError
        En el primer campo inválido, con el nombre del parámetro del cuaderno (``EPOCHS``, ``MAX_LENGTH``...).
    """
    from course_utils import params, tokenization

    if not isinstance(recipe, Recipe):
        raise fail("recipe", type(recipe).__name__, "no es una receta",
                   "usa course_utils.recipe.Recipe o recipe_for_profile")
    check_choice("METHOD", recipe.method, METHODS)
    check_choice("INIT", recipe.init, INITS)
    check_choice("TRUNCATION", recipe.truncation, tokenization.TRUNCATIONS)
    check_int("N_MC", recipe.n_mc, minimum=0, fix="usa un número de reseñas de prueba >= 0 (0: sin MC dropout)")
    check_int("TOP_K", recipe.top_k, minimum=0, fix="usa un entero >= 0 (0 = solo la cabeza)")
    for name in ("sample_seed", "test_seed"):
        value = getattr(recipe, name)
        if value is not None:
            check_int(name.upper(), value, minimum=0, fix="usa un entero >= 0, o None para usar SEED")
    if recipe.attention_dropout is not None:
        check_float("ATTENTION_DROPOUT", recipe.attention_dropout, 0.0, 1.0, high_inclusive=False,
                    fix="usa una probabilidad en [0, 1), p. ej. 0.0, o None para la del modelo")
    return params.validate_training_params(
        n_per_class=recipe.n_per_class, epochs=recipe.epochs, batch_size=recipe.batch_size,
        grad_accum=recipe.grad_accum, learning_rate=recipe.learning_rate, warmup=recipe.warmup,
        max_length=recipe.max_length, mc_passes=recipe.mc_passes, threshold=recipe.threshold,
        test_size=recipe.test_size, seed=recipe.seed,
    )


def load_protocol(recipe: Recipe):
    """Las tres partes de la receta (:func:`course_utils.data.load_evaluation_splits` con sus semillas)."""
    from course_utils import data

    sample_seed = recipe.seed if recipe.sample_seed is None else recipe.sample_seed
    return data.load_evaluation_splits(
        recipe.data, n_per_class=recipe.n_per_class, validation_size=recipe.validation_size, n_test=recipe.n_test,
        test_size=recipe.test_size, seed=sample_seed, test_seed=recipe.test_seed,
        label_names=None if recipe.label_names is None else list(recipe.label_names),
        text_column=recipe.text_column, label_column=recipe.label_column,
        infer_label_names=recipe.label_names is None, cap_n_per_class=True,
    )


def _model(recipe: Recipe, label_names: list[str]):
    from course_utils import adaptation, models

    loaded = models.load_model_and_tokenizer(
        recipe.model, num_labels=len(label_names), id2label=dict(enumerate(label_names)),
        attention_dropout=recipe.attention_dropout, pretrained=recipe.init == "pretrained",
    )
    model = loaded.model
    if recipe.method == "top_k":
        adaptation.freeze_all_but_top(model, recipe.top_k)
    elif recipe.method == "lora":
        from peft import get_peft_model

        model = get_peft_model(model, adaptation.lora_config())
    return loaded, model


@contextlib.contextmanager
def _quiet(enabled: bool):
    """Sin el informe de carga de transformers (los pesos «MISSING» de la cabeza nueva, esperados aquí)."""
    import transformers

    if not enabled:
        yield
        return
    before = transformers.utils.logging.get_verbosity()
    transformers.utils.logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers.utils.logging.set_verbosity(before)


def _frozen_features(recipe: Recipe, loaded, splits, device: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Codificador congelado + regresión logística con ``C`` elegido en validación (como el 06.5)."""
    from sklearn.linear_model import LogisticRegression

    from course_utils import adaptation

    model = loaded.model.to(device)
    options = dict(max_length=recipe.max_length, truncation=recipe.truncation)
    start = time.perf_counter()
    x = {part: adaptation.mean_pooled_features(model, loaded.tokenizer, list(splits[part]["text"]), **options)
         for part in ("train", "validation")}
    y_train, y_val = np.asarray(splits["train"]["label"]), np.asarray(splits["validation"]["label"])
    search = {c: LogisticRegression(C=c, max_iter=2000).fit(x["train"], y_train) for c in (0.01, 0.1, 1.0, 10.0, 100.0)}
    best = max(search, key=lambda c: (float(np.mean(search[c].predict(x["validation"]) == y_val)), -c))
    seconds = time.perf_counter() - start
    x_test = adaptation.mean_pooled_features(model, loaded.tokenizer, list(splits["test"]["text"]), **options)
    # La regresión da probabilidades; sus logaritmos son «logits» válidos (softmax(log p) = p).
    log = lambda p: np.log(np.clip(p, 1e-12, 1.0))  # noqa: E731
    return log(search[best].predict_proba(x["validation"])), log(search[best].predict_proba(x_test)), seconds


def run_recipe(
    recipe: Recipe,
    *,
    protocol=None,
    baseline: bool = True,
    output_dir: str | Path | None = None,
    save_model: bool = False,
    evaluate_test: bool = True,
    keep_model: bool = False,
    verbose: bool = True,
) -> RecipeRun:
    """Entrena y evalúa una receta con el protocolo del curso: validación para elegir, prueba una vez.

    Pasos (los del cuaderno 06.3): las tres partes; el modelo (preentrenado o no, entero, capas
    superiores, LoRA o congelado); tokenizar con ``max_length`` y ``truncation``; ``CourseTrainer``
    con :func:`course_utils.training.training_arguments` (la mejor época por F1 en validación);
    predecir validación y prueba en su orden; TF-IDF con las mismas reseñas (``baseline``); MC dropout
    en ``n_mc`` reseñas de prueba y la temperatura ajustada en validación.

    En varios procesos (``torchrun``, ``accelerate launch``) cada uno entrena su parte de los lotes y
    ``Trainer`` reúne las predicciones de todos: cada reseña de prueba se predice una vez. Solo el
    proceso 0 imprime, calcula TF-IDF y MC dropout, y escribe.

    Parámetros
    ----------
    recipe : Recipe
        La receta (:func:`recipe_for_profile`).
    protocol : course_utils.data.EvaluationSplits, opcional
        Las tres partes ya cargadas (si no, :func:`load_protocol`). Deben ser las de la receta.
    baseline : bool
        Entrenar también TF-IDF + regresión logística con las mismas reseñas.
    output_dir : str o Path, opcional
        Si se da, ``metrics.json`` y ``predicciones.npz`` (ver :func:`save_run`) se escriben allí, y los
        puntos de control del entrenamiento van a ``checkpoints/`` (se borran al terminar). Obligatoria
        en varios procesos: todos leen de ella la mejor época.
    save_model : bool
        Guardar también el modelo elegido y su tokenizador en ``output_dir/modelo``.
    evaluate_test : bool
        ``False``: solo validación (los experimentos que eligen algo no tocan la prueba); sin prueba no
        hay MC dropout.
    keep_model : bool
        Devolver también el modelo entrenado y su tokenizador (``run.model``, ``run.tokenizer``).
    verbose : bool
        Imprimir lo que se elige y el resumen.

    Devuelve
    --------
    RecipeRun

    Errores
    -------
    CourseParameterError
        Si la receta tiene un parámetro inválido (antes de cargar nada).
    """
    from course_utils import baseline as tfidf_baseline
    from course_utils import calibration, data, runtime, training, uncertainty

    params = check_recipe(recipe)
    main = is_main_process()
    say = verbose and main
    runtime.configure_progress_bars()  # barras solo en Colab
    device = runtime.resolve_device(recipe.device, verbose=say)
    precision = runtime.mixed_precision(device, enabled=recipe.mixed_precision, verbose=say)
    protocol = protocol or load_protocol(recipe)
    splits, label_names = protocol.splits, protocol.label_names
    parts = ("validation", "test") if evaluate_test else ("validation",)
    runtime.seed_everything(recipe.seed)  # antes de crear el modelo: la cabeza nueva sale de esta semilla
    if say:
        print(protocol.summary())
    with _quiet(not say):
        loaded, model = _model(recipe, label_names)
    from course_utils.params import check_max_length

    check_max_length(params.max_length, loaded.max_positions)
    y_val = np.asarray(splits["validation"]["label"])
    y_test = np.asarray(splits["test"]["label"]) if evaluate_test else None
    best_epoch, history, world_size = None, [], int(os.environ.get("WORLD_SIZE", "1"))
    if recipe.method == "frozen":
        val_logits, test_logits, train_seconds = _frozen_features(recipe, loaded, splits, device)
        test_logits = test_logits if evaluate_test else None
        trained = None
    else:
        with_ids = splits
        tokenized = training.tokenize_splits(with_ids.remove_columns("id"), loaded.tokenizer,
                                             max_length=params.max_length,
                                             truncation=recipe.truncation).remove_columns("text")
        import tempfile

        if output_dir is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise fail("output_dir", None, "con varios procesos todos deben leer la mejor época de la misma carpeta",
                       "da una carpeta de salida (--salida)")
        checkpoints = Path(output_dir) / "checkpoints" if output_dir else Path(tempfile.mkdtemp(prefix="receta-"))
        args = training.training_arguments(checkpoints, params, device=device, precision=precision)
        trainer = training.make_trainer(model, loaded.tokenizer, tokenized, args)
        if not say:  # sin la línea de registro de cada época (las cifras salen en el resultado)
            from transformers.trainer_callback import PrinterCallback, ProgressCallback

            trainer.remove_callback(PrinterCallback)
            trainer.remove_callback(ProgressCallback)
        start = time.perf_counter()
        trainer.train()
        train_seconds = time.perf_counter() - start
        world_size = trainer.args.world_size
        history = trainer.state.log_history
        evaluations = [e for e in history if "eval_f1" in e]
        if evaluations:
            best_epoch = max(evaluations, key=lambda e: (e["eval_f1"], -e["epoch"]))["epoch"]
        logits = {part: np.asarray(trainer.predict(tokenized[part]).predictions, dtype=np.float64) for part in parts}
        val_logits, test_logits = logits["validation"], logits.get("test")
        trained = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
        if save_model and output_dir is not None:
            trainer.save_model(str(Path(output_dir) / "modelo"))  # solo escribe el proceso 0
            if main:
                loaded.tokenizer.save_pretrained(str(Path(output_dir) / "modelo"))
        if main:
            import shutil

            shutil.rmtree(checkpoints, ignore_errors=True)
    run = RecipeRun(recipe=recipe, device=device, precision=precision.name, world_size=world_size,
                    hashes=protocol.hashes, n_train=len(splits["train"]),
                    test_ids=list(splits["test"]["id"]) if evaluate_test else [], y_validation=y_val,
                    validation_logits=val_logits, y_test=y_test, test_logits=test_logits, train_seconds=train_seconds,
                    best_epoch=best_epoch, log_history=history)
    if keep_model:
        run.model, run.tokenizer = (trained if trained is not None else loaded.model), loaded.tokenizer
    if evaluate_test and len(test_logits) != len(y_test):  # un reparto entre procesos que duplicara o perdiera reseñas
        raise RuntimeError(f"{len(test_logits)} predicciones para {len(y_test)} reseñas de prueba: revisa el reparto "
                           "entre procesos.")
    if not main:
        return run
    if baseline:
        tfidf = tfidf_baseline.fit_tfidf(splits["train"]["text"], splits["train"]["label"],
                                         splits["validation"]["text"], y_val)
        if evaluate_test:
            run.tfidf_probs = tfidf.model.predict_proba(list(splits["test"]["text"]))
        run.tfidf_validation_probs = tfidf.model.predict_proba(list(splits["validation"]["text"]))
        run.tfidf_choice = f"C={tfidf.C:g}, n-gramas 1–{tfidf.ngram_max}"
    if trained is not None and evaluate_test and recipe.n_mc > 0:
        # La submuestra sale de la semilla de la prueba: ejecuciones con otra semilla usan las mismas reseñas de MC.
        subset_seed = next(s for s in (recipe.test_seed, recipe.sample_seed, recipe.seed) if s is not None)
        run.mc_rows = data.stratified_subset(y_test, min(recipe.n_mc, len(y_test)), seed=subset_seed, name="N_MC")
        texts = [splits["test"]["text"][i] for i in run.mc_rows]
        run.mc_probs = uncertainty.mc_dropout_predict(
            trained.to(device), loaded.tokenizer, texts, n_passes=params.mc_passes, max_length=params.max_length,
            truncation=recipe.truncation, seed=recipe.seed, precision=precision.name).mean_probs
    if evaluate_test and len(y_val) >= 2:
        run.temperature = calibration.fit_temperature(y_val, val_logits)
    if say:
        print(describe_run(run))
    if output_dir is not None:
        save_run(run, output_dir)
    return run


def compare_validation(run_a: RecipeRun, run_b: RecipeRun, *, seed: int = 0):
    """Exactitud de ``run_a`` − la de ``run_b`` en validación, emparejada reseña a reseña.

    Cada ejecución trae sus etiquetas de validación: se emparejan las suyas, no las de otro sitio (una receta
    corta saca su validación de una muestra más pequeña, con otras reseñas que las del cuaderno).

    Parámetros
    ----------
    run_a, run_b : RecipeRun
        Dos ejecuciones medidas en la misma validación (la misma huella ``hashes["validation"]``).
    seed : int
        Semilla del *bootstrap*.

    Devuelve
    --------
    Interval
        La diferencia con su intervalo al 95 % (:func:`course_utils.evaluation.paired_difference`).

    Errores
    -------
    CourseParameterError
        Si no son ejecuciones o no se midieron en las mismas reseñas de validación.
    """
    from course_utils import evaluation

    for name, run in (("run_a", run_a), ("run_b", run_b)):
        if not isinstance(run, RecipeRun):
            raise fail(name, type(run).__name__, "no es una ejecución", "pasa lo que devuelve run_recipe")
    ours, theirs = run_a.hashes.get("validation"), run_b.hashes.get("validation")
    if ours != theirs or not np.array_equal(run_a.y_validation, run_b.y_validation):
        raise fail("run_b", f"validación {theirs}",
                   f"no se midió en las mismas reseñas de validación que run_a ({ours})",
                   "compara ejecuciones de la misma receta de datos (misma muestra, misma semilla de muestra)")
    return evaluation.paired_difference(run_a.y_validation, run_a.validation_logits, run_b.validation_logits,
                                        seed=seed)


def describe_run(run: RecipeRun) -> str:
    """Resumen en español de una ejecución: receta, tiempo y cifras con su intervalo."""
    from course_utils.evaluation import Interval, describe_difference

    s = run.summary()
    r = run.recipe
    iv = lambda d: Interval(**d)  # noqa: E731
    lines = [f"Receta: {r.model}, {r.method}" + (" sin preentrenar" if r.init == "random" else "")
             + f", {run.n_train} reseñas, {r.epochs:g} épocas, lr {r.learning_rate:g}, {r.max_length} tokens "
             f"({r.truncation}), semilla {r.seed}; {run.device} ({run.precision}), {run.world_size} proceso(s); "
             f"entrenamiento {run.train_seconds:.0f} s"
             + (f", mejor época en validación: {run.best_epoch:g}" if run.best_epoch else ""),
             f"Exactitud en validación ({len(run.y_validation)} reseñas): {iv(s['validation_accuracy'])}"]
    if "accuracy" in s:
        lines.append(f"Exactitud en prueba ({len(run.y_test)} reseñas, huella {run.hashes['test']}): "
                     f"{iv(s['accuracy'])}")
    if "vs_tfidf" in s:
        lines.append(f"TF-IDF ({run.tfidf_choice}, elegido en validación), en prueba: {iv(s['tfidf_accuracy'])}")
        lines.append(describe_difference(iv(s["vs_tfidf"]), "ajuste fino", "TF-IDF"))
    if "mc_vs_single" in s:
        lines.append(describe_difference(iv(s["mc_vs_single"]), f"MC dropout (T={r.mc_passes})", "una pasada"))
    if "ece_temperature_minus_single" in s:
        lines.append(describe_difference(iv(s["ece_temperature_minus_single"]),
                                         f"temperatura (τ={s['temperature']:.2f})", "una pasada", metric="ECE"))
    return "\n".join(lines)


def save_run(run: RecipeRun, output_dir: str | Path) -> Path:
    """Escribe ``metrics.json`` (cifras, receta, huellas, una fila del marcador) y ``predicciones.npz``.

    ``predicciones.npz`` guarda ``test_ids``, ``y_test``, ``test_probs``, ``y_validation``,
    ``validation_logits`` y, si se calcularon, ``tfidf_probs``, ``mc_rows`` y ``mc_probs``: con ellas
    se combinan varias ejecuciones (:mod:`course_utils.variance`).

    Devuelve
    --------
    Path
        La ruta de ``metrics.json``.
    """
    from course_utils import evaluation, outputs, runtime

    root = Path(output_dir)
    root.mkdir(parents=True, exist_ok=True)
    paths = outputs.OutputPaths(root=root, model_dir=root / "modelo", metrics_path=root / "metrics.json", previous=None)
    summary = run.summary()
    arrays = {"y_validation": run.y_validation, "validation_logits": run.validation_logits}
    rows, test = [], {}
    if run.test_logits is not None:
        row = evaluation.scoreboard_row(f"ajuste fino ({run.recipe.model}, {run.recipe.method}, "
                                        f"semilla {run.recipe.seed})",
                                        run.y_test, run.test_probs, test_ids=run.test_ids, seconds=run.train_seconds,
                                        seed=run.recipe.seed)
        if "vs_tfidf" in summary:
            evaluation.add_versus(row, "TF-IDF (exactitud)", evaluation.Interval(**summary["vs_tfidf"]))
        rows.append(row)
        arrays.update(test_ids=np.asarray(run.test_ids), y_test=run.y_test, test_probs=run.test_probs)
        test = dict(n_test=len(run.y_test), n_test_predictions=len(run.test_logits), test_ids_sha256=run.hashes["test"])
    for name in ("tfidf_probs", "tfidf_validation_probs", "mc_rows", "mc_probs"):
        if getattr(run, name) is not None:
            arrays[name] = getattr(run, name)
    np.savez_compressed(root / "predicciones.npz", **arrays)
    return outputs.write_metrics(
        paths, "course_utils.entrenar", metrics=summary, parameters=run.recipe.as_dict(),
        n_train=run.n_train, n_validation=len(run.y_validation), **test, split_hashes=run.hashes,
        best_epoch=run.best_epoch, train_seconds=run.train_seconds, device=run.device, precision=run.precision,
        world_size=run.world_size, machine=runtime.machine_description(run.device), scoreboard=rows,
    )
