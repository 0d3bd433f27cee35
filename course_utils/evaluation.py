"""Evaluación honesta: intervalos de confianza, comparaciones emparejadas y el marcador del curso.

Una cifra sin intervalo no dice cuánto podría haber salido distinta con otras reseñas de prueba.
Con 200 reseñas, una exactitud de 0.85 es compatible con 0.80–0.90; con 1000, con 0.83–0.87.

- Una proporción (exactitud, cobertura, riesgo): intervalo de Wilson (``scipy.stats.binomtest``).
- Cualquier otra métrica (F1, ECE, AURC): *bootstrap* de percentiles con semilla fija
  (``scipy.stats.bootstrap``): se remuestrean las reseñas de prueba con reemplazo y se toma
  el percentil 2.5 y 97.5 de la métrica.
- Dos modelos sobre **las mismas** reseñas: *bootstrap emparejado* de la diferencia (cada remuestreo
  usa las mismas reseñas para los dos). Si el intervalo contiene el 0, los datos no distinguen los
  modelos.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from course_utils._checks import (
    check_choice,
    check_float,
    check_int,
    check_labels,
    check_predictions,
    check_probabilities,
    fail,
)
from course_utils.calibration import _ece as _ece_core
from course_utils.metrics import f1_average

CONFIDENCE = 0.95
N_RESAMPLES = 2000
METRICS = ("accuracy", "f1", "ece")


@dataclass(frozen=True)
class Interval:
    """Una cifra con su intervalo de confianza.

    ``str(intervalo)`` da ``"0.860 [0.838, 0.880]"``.
    """

    estimate: float
    low: float
    high: float
    n: int
    method: str
    confidence: float = CONFIDENCE

    def __str__(self) -> str:
        return self.format()

    def format(self, digits: int = 3, signed: bool = False) -> str:
        """Texto ``"estimación [bajo, alto]"`` con ``digits`` decimales (``signed``: con signo, para diferencias)."""
        spec = f"{'+' if signed else ''}.{digits}f"
        return f"{self.estimate:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"

    @property
    def contains_zero(self) -> bool:
        """¿Incluye el 0? En una diferencia, sí = los datos no distinguen los dos modelos."""
        return self.low <= 0.0 <= self.high

    def as_dict(self) -> dict[str, Any]:
        """Campos como diccionario (para ``metrics.json``)."""
        return asdict(self)


def _truth_and_predictions(y_true: Any, probs: Any, name: str = "probs") -> tuple[np.ndarray, np.ndarray, int | None]:
    """Valida etiquetas y predicciones con los validadores comunes de ``_checks``.

    Devuelve las etiquetas, las etiquetas predichas (argmax si ``probs`` es 2-D) y el número de columnas (o ``None``).
    """
    y_true = check_labels("y_true", y_true)
    y_pred, width = check_predictions(name, probs, n_rows=y_true.size)
    if width is not None:
        y_true = check_labels("y_true", y_true, n_classes=width)
    return y_true, y_pred, width


def _confidences(y_true: np.ndarray, probs: Any, name: str = "probs") -> np.ndarray:
    """Confianza *top-label* de cada reseña, para el ECE (que necesita probabilidades, no etiquetas)."""
    if np.asarray(probs).ndim != 2:
        raise fail(name, f"forma {np.asarray(probs).shape}", "el ECE necesita probabilidades (N, C), no etiquetas",
                   "pasa las probabilidades (calibration.softmax de los logits)")
    return check_probabilities(name, probs, n_rows=y_true.size).max(axis=1)


def wilson_interval(successes: int, n: int, *, confidence: float = CONFIDENCE) -> Interval:
    """Intervalo de Wilson para una proporción ``successes / n`` (exactitud, cobertura, riesgo).

    Parámetros
    ----------
    successes : int
        Aciertos (0 <= successes <= n).
    n : int
        Ensayos (>= 1).
    confidence : float
        Nivel de confianza en (0, 1).

    Devuelve
    --------
    Interval
        ``estimate = successes / n``; ``method = "wilson"``.

    Errores
    -------
    CourseParameterError
        Si ``n < 1`` o ``successes`` no está en [0, n].
    """
    from scipy.stats import binomtest

    n = check_int("n", n, minimum=1, fix="un intervalo necesita al menos una observación")
    successes = check_int("successes", successes, minimum=0)
    if successes > n:
        raise fail("successes", successes, f"supera n={n}", "cuenta aciertos entre 0 y n")
    confidence = check_float("confidence", confidence, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(successes / n, float(ci.low), float(ci.high), n, "wilson", confidence)


def bootstrap_interval(
    statistic: Callable[..., Any],
    *samples: Any,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    vectorized: bool = True,
) -> Interval:
    """Intervalo *bootstrap* de percentiles de ``statistic(*samples)``, con las muestras emparejadas.

    Cada remuestreo elige N índices con reemplazo y los aplica a *todas* las muestras (etiquetas,
    predicciones...), como ``scipy.stats.bootstrap(..., paired=True)``. Se usan percentiles (y no
    BCa, el método por defecto de scipy) porque son fáciles de explicar y dan exactamente [0, 0]
    cuando la diferencia es 0 en cada remuestreo.

    Parámetros
    ----------
    statistic : callable
        ``statistic(*muestras, axis=-1)``: recibe arrays (..., N) y reduce el último eje. Si no se
        puede vectorizar (p. ej. ajusta algo en cada remuestreo), ``vectorized=False`` y recibe arrays (N,).
    *samples : array-like (N,)
        Muestras de igual longitud.
    confidence : float
        Nivel de confianza en (0, 1).
    n_resamples : int
        Remuestreos (>= 100).
    seed : int
        Semilla: mismo resultado en cada ejecución.
    vectorized : bool
        Si ``statistic`` acepta ``axis`` y lotes de remuestreos.

    Devuelve
    --------
    Interval
        ``estimate = statistic(*samples)``; ``method = "bootstrap"``.

    Errores
    -------
    CourseParameterError
        Si no hay muestras, tienen longitudes distintas o menos de 2 elementos.
    """
    from scipy.stats import bootstrap

    confidence = check_float("confidence", confidence, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    n_resamples = check_int("n_resamples", n_resamples, minimum=100)
    seed = check_int("seed", seed, minimum=0)
    arrays = [np.asarray(s).reshape(-1) for s in samples]
    if not arrays or len({a.size for a in arrays}) != 1 or arrays[0].size < 2:
        raise fail("samples", [a.size for a in arrays],
                   "hacen falta muestras de igual longitud, con al menos 2 elementos",
                   "pasa etiquetas y predicciones de las mismas reseñas")
    estimate = float(statistic(*arrays, axis=-1) if vectorized else statistic(*arrays))
    result = bootstrap(
        tuple(arrays), statistic, n_resamples=n_resamples, vectorized=vectorized, paired=True, axis=-1,
        confidence_level=confidence, method="percentile", rng=np.random.default_rng(seed),
    )
    ci = result.confidence_interval
    return Interval(estimate, float(ci.low), float(ci.high), arrays[0].size, "bootstrap", confidence)


def _accuracy(y_true, y_pred, axis=-1):
    return np.mean(y_true == y_pred, axis=axis)


def _f1_statistic(y_true: np.ndarray, y_pred: np.ndarray, num_labels: int | None) -> Callable[..., Any]:
    """F1 vectorizada con la regla de :func:`course_utils.metrics.f1_average` (binaria de la clase 1 o macro).

    Las clases se fijan una vez con todas las reseñas (no en cada remuestreo), como hace
    ``classification_metrics``: así la estimación coincide con la suya.
    """
    average, classes = f1_average(y_true, y_pred, num_labels=num_labels)
    positive = [1] if average == "binary" else classes
    return lambda y, p, axis=-1: _f1(y, p, positive, axis=axis)


def _f1(y_true, y_pred, positive, axis=-1):
    # F1 de cada clase de `positive`, promediada. Escrita a mano porque f1_score de scikit-learn
    # no se vectoriza sobre los 2000 remuestreos (sería un bucle de Python de 2000 llamadas).
    scores = []
    for c in positive:
        tp = np.sum((y_true == c) & (y_pred == c), axis=axis)
        wrong = np.sum((y_true == c) != (y_pred == c), axis=axis)  # falsos positivos + falsos negativos
        with np.errstate(invalid="ignore", divide="ignore"):
            scores.append(np.where(2 * tp + wrong > 0, 2 * tp / (2 * tp + wrong), 0.0))
    return np.mean(scores, axis=0)


def _ece(y_true, confidence, predicted, axis=-1):
    return _ece_core(y_true == predicted, confidence, axis=axis)


def metric_interval(y_true: Any, probs: Any, *, metric: str = "accuracy", seed: int = 0,
                    n_resamples: int = N_RESAMPLES) -> Interval:
    """Intervalo de ``accuracy`` (Wilson), ``f1`` o ``ece`` (bootstrap) de unas predicciones.

    Parámetros
    ----------
    y_true : array-like (N,)
        Etiquetas verdaderas (índices de clase enteros).
    probs : array-like (N, C) o (N,)
        Probabilidades (obligatorias para ``ece``), logits o etiquetas predichas (enteras).
    metric : {"accuracy", "f1", "ece"}
        Métrica. ``f1``: binaria o macro según :func:`course_utils.metrics.f1_average` (la misma cifra
        que ``classification_metrics``). ``ece``: 10 tramos de igual anchura, confianza *top-label*.
    seed, n_resamples : int
        Del *bootstrap*.

    Devuelve
    --------
    Interval

    Errores
    -------
    CourseParameterError
        Métrica desconocida, longitudes distintas, 0 filas, etiquetas que no son índices de clase,
        predicciones no finitas o fuera de [0, 1], o ``ece`` sin probabilidades.
    """
    check_choice("metric", metric, METRICS)
    y_true, y_pred, width = _truth_and_predictions(y_true, probs, "probs")
    if metric == "accuracy":
        return wilson_interval(int(np.sum(y_true == y_pred)), y_true.size)
    if metric == "f1":
        return bootstrap_interval(_f1_statistic(y_true, y_pred, width), y_true, y_pred, seed=seed,
                                  n_resamples=n_resamples)
    return bootstrap_interval(_ece, y_true, _confidences(y_true, probs), y_pred, seed=seed, n_resamples=n_resamples)


def paired_difference(
    y_true: Any,
    probs_a: Any,
    probs_b: Any,
    *,
    metric: str = "accuracy",
    seed: int = 0,
    n_resamples: int = N_RESAMPLES,
) -> Interval:
    """Intervalo *bootstrap* emparejado de ``métrica(a) − métrica(b)`` sobre las mismas reseñas.

    Cada remuestreo toma las mismas reseñas para los dos modelos: así se descuenta lo que tienen de
    fácil o difícil esas reseñas, y el intervalo es mucho más estrecho que comparar dos intervalos
    sueltos. Si contiene el 0, los datos no distinguen los modelos. Con predicciones idénticas da
    exactamente [0, 0].

    Parámetros
    ----------
    y_true : array-like (N,)
        Etiquetas verdaderas, en el orden de las predicciones.
    probs_a, probs_b : array-like (N, C) o (N,)
        Predicciones de los dos modelos sobre las mismas reseñas, en el mismo orden.
    metric : {"accuracy", "f1", "ece"}
        Métrica (``ece`` necesita probabilidades en los dos).
    seed, n_resamples : int
        Del *bootstrap*.

    Devuelve
    --------
    Interval
        ``estimate`` = diferencia observada; ``method = "bootstrap emparejado"``.

    Errores
    -------
    CourseParameterError
        Métrica desconocida, longitudes distintas, entradas inválidas (como en :func:`metric_interval`)
        o ``ece`` sin probabilidades.
    """
    check_choice("metric", metric, METRICS)
    y_true, pred_a, width_a = _truth_and_predictions(y_true, probs_a, "probs_a")
    _, pred_b, width_b = _truth_and_predictions(y_true, probs_b, "probs_b")
    if metric == "ece":
        conf_a, conf_b = _confidences(y_true, probs_a, "probs_a"), _confidences(y_true, probs_b, "probs_b")

        def statistic(y, ca, pa, cb, pb, axis=-1):
            return _ece(y, ca, pa, axis=axis) - _ece(y, cb, pb, axis=axis)

        samples: tuple = (y_true, conf_a, pred_a, conf_b, pred_b)
    else:
        if metric == "accuracy":
            single = _accuracy
        else:  # las mismas clases para los dos modelos: las de los dos juntos
            width = max(w for w in (width_a, width_b, 0) if w is not None) or None
            single = _f1_statistic(y_true, np.concatenate([pred_a, pred_b]), width)

        def statistic(y, pa, pb, axis=-1):
            return single(y, pa, axis=axis) - single(y, pb, axis=axis)

        samples = (y_true, pred_a, pred_b)
    interval = bootstrap_interval(statistic, *samples, seed=seed, n_resamples=n_resamples)
    return Interval(interval.estimate, interval.low, interval.high, interval.n, "bootstrap emparejado",
                    interval.confidence)


def describe_difference(interval: Interval, name_a: str, name_b: str, *, metric: str = "exactitud") -> str:
    """Frase en español que dice lo que el intervalo de una diferencia permite afirmar, y nada más.

    Parámetros
    ----------
    interval : Interval
        Resultado de :func:`paired_difference` (``a − b``).
    name_a, name_b : str
        Nombres de los dos modelos.
    metric : str
        Nombre de la métrica, en español.

    Devuelve
    --------
    str
    """
    # «de el ajuste fino» → «del ajuste fino» (la contracción del español)
    of_a = f"del {name_a[3:]}" if name_a.startswith("el ") else f"de {name_a}"
    text = f"{metric} {of_a} − {name_b}: {interval.format(signed=True)} ({interval.n} reseñas, {interval.method})"
    if interval.contains_zero:
        return text + ". El intervalo contiene el 0: con estas reseñas no se puede afirmar que uno sea mejor."
    higher, lower = (name_a, name_b) if interval.estimate > 0 else (name_b, name_a)
    return text + f". El intervalo excluye el 0: con estas reseñas, {metric} es mayor con {higher} que con {lower}."


def ids_hash(ids: Sequence[Any]) -> str:
    """Huella SHA-256 (16 primeros caracteres hex) de una lista ordenada de identificadores.

    Dos cuadernos con la misma huella de prueba evaluaron exactamente las mismas reseñas, en el mismo orden.
    """
    return hashlib.sha256("\n".join(str(i) for i in ids).encode("utf-8")).hexdigest()[:16]


def scoreboard_row(
    method: str,
    y_true: Any,
    probs: Any,
    *,
    test_ids: Sequence[Any],
    seconds: float | None = None,
    seed: int = 0,
    note: str = "",
    versus: tuple[str, Interval] | None = None,
) -> dict[str, Any]:
    """Una fila del marcador de ``make run-all``: exactitud, F1 y ECE con intervalo, tiempo y prueba usada.

    Parámetros
    ----------
    method : str
        Nombre del método, en español.
    y_true : array-like (N,)
        Etiquetas de prueba.
    probs : array-like (N, C)
        Probabilidades predichas.
    test_ids : sequence
        Identificadores de las reseñas de prueba, en el orden de ``y_true``.
    seconds : float, opcional
        Tiempo de entrenamiento (o de predicción, si se dice en ``note``).
    seed : int
        Semilla del *bootstrap*.
    note : str
        Aclaración (p. ej. «subconjunto de 200 reseñas»).
    versus : (str, Interval), opcional
        Comparación emparejada con otro método sobre las mismas reseñas (:func:`paired_difference`).

    Devuelve
    --------
    dict
        ``method``, ``n_test``, ``test_ids_sha256``, ``seconds``, ``note``, ``accuracy``, ``f1`` y
        ``ece`` como diccionarios de :class:`Interval`, y ``versus`` (``{"against", ...campos de Interval}``) si se da.

    Errores
    -------
    CourseParameterError
        Si ``test_ids`` no tiene un identificador por etiqueta.
    """
    y_true = np.asarray(y_true).reshape(-1)
    if len(test_ids) != y_true.size:
        raise fail("test_ids", f"{len(test_ids)} identificadores", f"hay {y_true.size} etiquetas",
                   "pasa el id de cada reseña de prueba")
    row: dict[str, Any] = {"method": method, "n_test": int(y_true.size), "test_ids_sha256": ids_hash(test_ids),
                           "seconds": seconds, "note": note}
    for metric in METRICS:
        row[metric] = metric_interval(y_true, probs, metric=metric, seed=seed).as_dict()
    if versus is not None:
        add_versus(row, *versus)
    return row


def add_versus(row: dict[str, Any], against: str, interval: Interval) -> dict[str, Any]:
    """Añade a una fila del marcador su diferencia emparejada con ``against`` (y la devuelve)."""
    row["versus"] = {"against": against, **interval.as_dict()}
    return row


def format_row(row: dict[str, Any], *, digits: int = 3) -> dict[str, str]:
    """Una fila de :func:`scoreboard_row` como textos ``"0.860 [0.838, 0.880]"`` (para tablas)."""
    out = {"método": row["method"], "reseñas de prueba": str(row["n_test"])}
    for metric, label in (("accuracy", "exactitud"), ("f1", "F1"), ("ece", "ECE")):
        out[label] = Interval(**row[metric]).format(digits) if row.get(metric) else "—"
    out["tiempo (s)"] = "—" if row.get("seconds") is None else f"{row['seconds']:.0f}"
    versus = row.get("versus")
    out["diferencia emparejada"] = "—" if not versus else (
        f"{versus['against']}: "
        + Interval(**{k: v for k, v in versus.items() if k != "against"}).format(digits, signed=True))
    out["nota"] = row.get("note", "")
    return out
