"""Validación de los parámetros de los cuadernos (la celda ``parameters`` y papermill)."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any

from course_utils._checks import check_choice, check_float, check_int, fail

__all__ = ["check_choice", "check_float", "check_int", "check_epochs", "check_max_length", "validate_training_params",
           "TrainingParams"]

MIN_MAX_LENGTH = 8


@dataclass(frozen=True)
class TrainingParams:
    """Parámetros de entrenamiento y predicción ya validados."""

    n_per_class: int
    epochs: float
    batch_size: int
    grad_accum: int
    learning_rate: float
    warmup: float
    max_length: int
    mc_passes: int
    threshold: float
    test_size: float
    seed: int

    def as_dict(self) -> dict[str, Any]:
        """Los parámetros como diccionario (para el JSON de métricas)."""
        return asdict(self)


def check_epochs(epochs: Any) -> float:
    """Valida ``EPOCHS``: un número > 0 (se admiten fracciones, como en ``TrainingArguments``)."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Real):
        raise fail("EPOCHS", epochs, "debe ser un número", "usa un número de épocas mayor que 0, p. ej. EPOCHS=3")
    return check_float("EPOCHS", epochs, 0.0, None, low_inclusive=False,
                       fix="usa un número de épocas mayor que 0, p. ej. EPOCHS=3")


def check_max_length(max_length: Any, model_limit: int | None = None) -> int:
    """Valida ``MAX_LENGTH`` entre 8 y el límite del modelo (si se conoce).

    Parámetros
    ----------
    max_length : Any
        Valor recibido.
    model_limit : int, opcional
        Longitud máxima que admite el modelo (``max_position_embeddings``, 512 en BERT).

    Devuelve
    --------
    int

    Errores
    -------
    CourseParameterError
        Si no es entero, es menor que 8 o supera el límite del modelo.
    """
    upper = f" y {model_limit}" if model_limit else ""
    value = check_int("MAX_LENGTH", max_length, minimum=MIN_MAX_LENGTH,
                      fix=f"usa un entero entre {MIN_MAX_LENGTH}{upper} (p. ej. 256)")
    if model_limit and value > model_limit:
        raise fail("MAX_LENGTH", value, f"el modelo solo admite {model_limit} tokens",
                   f"usa un valor <= {model_limit} (p. ej. 256)")
    return value


def validate_training_params(
    *,
    n_per_class: Any,
    epochs: Any,
    batch_size: Any,
    grad_accum: Any,
    learning_rate: Any,
    warmup: Any,
    max_length: Any,
    mc_passes: Any,
    threshold: Any,
    test_size: Any,
    seed: Any,
) -> TrainingParams:
    """Valida de una vez los parámetros de un cuaderno de ajuste fino.

    Cada error nombra el parámetro (en MAYÚSCULAS, como en la celda ``parameters``), el valor
    recibido y cómo corregirlo, antes de que falle una llamada profunda de transformers. Todos los
    parámetros se pasan por nombre (``n_per_class=N_PER_CLASS, ...``): con once números seguidos, el
    orden sería una trampa.

    Parámetros
    ----------
    n_per_class : int
        Ejemplos por clase (>= 1).
    epochs : float
        Épocas (> 0).
    batch_size, grad_accum : int
        Tamaño de lote y pasos de acumulación de gradiente (>= 1).
    learning_rate : float
        Tasa de aprendizaje en (0, 1).
    warmup : float
        Fracción de pasos de calentamiento en [0, 1).
    max_length : int
        Longitud máxima en tokens (>= 8; el límite del modelo se comprueba al cargarlo).
    mc_passes : int
        Pasadas de MC dropout (>= 1).
    threshold : float
        Umbral de confianza para abstenerse, en [0, 1].
    test_size : float
        Fracción de prueba en (0, 1).
    seed : int
        Semilla (>= 0).

    Devuelve
    --------
    TrainingParams

    Errores
    -------
    CourseParameterError
        En el primer parámetro inválido.
    """
    return TrainingParams(
        n_per_class=check_int("N_PER_CLASS", n_per_class, minimum=1, fix="usa un entero >= 1 (p. ej. 500)"),
        epochs=check_epochs(epochs),
        batch_size=check_int("BATCH_SIZE", batch_size, minimum=1, fix="usa un entero >= 1 (p. ej. 8)"),
        grad_accum=check_int("GRAD_ACCUM", grad_accum, minimum=1, fix="usa un entero >= 1 (1 = sin acumulación)"),
        learning_rate=check_float("LEARNING_RATE", learning_rate, 0.0, 1.0, low_inclusive=False, high_inclusive=False,
                                  fix="usa un valor pequeño y positivo, p. ej. 5e-5"),
        warmup=check_float("WARMUP", warmup, 0.0, 1.0, high_inclusive=False,
                           fix="usa una fracción de los pasos en [0, 1), p. ej. 0.1"),
        max_length=check_max_length(max_length),
        mc_passes=check_int("MC_PASSES", mc_passes, minimum=1, fix="usa al menos 1 pasada (lo habitual es de 5 a 20)"),
        threshold=check_float("THRESHOLD", threshold, 0.0, 1.0, fix="usa una confianza en [0, 1], p. ej. 0.6"),
        test_size=check_float("TEST_SIZE", test_size, 0.0, 1.0, low_inclusive=False, high_inclusive=False,
                              fix="usa una fracción en (0, 1), p. ej. 0.2"),
        seed=check_int("SEED", seed, minimum=0, fix="usa un entero >= 0"),
    )
