"""Calibración: error de calibración esperado (ECE), escalado de temperatura y curva riesgo–cobertura.

Un modelo está *calibrado* si, entre las predicciones hechas con confianza 0.8, acierta el 80 %.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from course_utils._checks import (
    check_confidence,
    check_correct,
    check_float,
    check_int,
    check_labels,
    check_logits,
    check_probabilities,
    fail,
)


def _check_temperature(temperature) -> float:
    return check_float("temperature", temperature, 0.0, None, low_inclusive=False,
                       fix="usa una temperatura > 0 (1 = sin cambio)")


def softmax(logits, *, temperature: float = 1.0) -> np.ndarray:
    """Softmax estable de ``logits / temperature`` por filas (a lo largo del último eje).

    Parámetros
    ----------
    logits : array (..., C)
        Logits finitos; lo habitual, (N, C).
    temperature : float
        Temperatura τ > 0 (:func:`fit_temperature`); 1 no cambia nada.

    Devuelve
    --------
    numpy.ndarray
        Probabilidades de la misma forma; cada fila suma 1.

    Errores
    -------
    CourseParameterError
        Logits no finitos o vacíos, o ``temperature`` <= 0.
    """
    temperature = _check_temperature(temperature)
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 2:
        z = check_logits("logits", z)
    elif z.size == 0 or z.ndim == 0 or not np.isfinite(z).all():
        raise fail("logits", f"forma {z.shape}", "deben ser logits finitos con al menos una fila",
                   "pasa los logits del modelo, forma (N, C)")
    z = z / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class CalibrationReport:
    """ECE y su desglose por tramos de confianza (confianza = probabilidad de la clase predicha)."""

    ece: float
    n_bins: int
    bin_edges: np.ndarray  # (n_bins + 1,)
    bin_counts: np.ndarray  # (n_bins,)
    bin_confidence: np.ndarray  # (n_bins,) confianza media (nan si el tramo está vacío)
    bin_accuracy: np.ndarray  # (n_bins,) exactitud (nan si está vacío)


def expected_calibration_error(labels, probs, *, n_bins: int = 10) -> CalibrationReport:
    """Error de calibración esperado (ECE) con confianza *top-label* y tramos de igual anchura.

    ECE = Σ_b (n_b / N) · |exactitud_b − confianza_b|, con ``n_bins`` tramos de igual anchura en
    (0, 1]; cada ejemplo cae en el tramo de su confianza máxima (el límite derecho se incluye).

    Parámetros
    ----------
    labels : array (N,)
        Etiquetas verdaderas (índices de clase enteros).
    probs : array (N, C)
        Probabilidades predichas (no logits: aplica :func:`softmax` antes).
    n_bins : int
        Número de tramos (10 o 15 son habituales).

    Devuelve
    --------
    CalibrationReport

    Errores
    -------
    CourseParameterError
        Etiquetas que no son índices de clase, probabilidades que no lo son (NaN, fuera de [0, 1],
        filas que no suman 1, 1-D), formas incompatibles, 0 filas o ``n_bins`` < 1.
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    labels = check_labels("labels", labels)
    probs = check_probabilities("probs", probs, n_rows=labels.size)
    labels = check_labels("labels", labels, n_classes=probs.shape[1])
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = bin_index(confidence, n_bins=n_bins)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        acc = np.bincount(index, weights=correct, minlength=n_bins) / counts
    ece = float(_ece(correct, confidence, n_bins=n_bins))
    return CalibrationReport(ece=ece, n_bins=n_bins, bin_edges=edges, bin_counts=counts, bin_confidence=conf,
                             bin_accuracy=acc)


def bin_index(confidence: np.ndarray, *, n_bins: int) -> np.ndarray:
    """Tramo de cada confianza: tramos (a, b] de igual anchura en (0, 1]; el límite derecho se incluye."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)


def ece_from_confidence(correct, confidence, *, n_bins: int = 10, axis: int = -1):
    """ECE a partir del acierto y la confianza de cada predicción, vectorizado a lo largo de ``axis``.

    Es el núcleo de :func:`expected_calibration_error`; acepta ejes extra delante (p. ej. los
    remuestreos de un *bootstrap*), cosa que el informe por tramos no necesita.

    Parámetros
    ----------
    correct : array (..., N)
        Acierto de cada predicción (True/False o 1/0).
    confidence : array (..., N)
        Confianza (probabilidad de la clase predicha), en [0, 1], de la misma forma.
    n_bins : int
        Número de tramos.
    axis : int
        Eje de los ejemplos.

    Devuelve
    --------
    numpy.ndarray o float
        ECE por cada combinación de los demás ejes.

    Errores
    -------
    CourseParameterError
        Aciertos que no son 0/1, confianzas no finitas o fuera de [0, 1], formas distintas, 0 filas o ``n_bins`` < 1.
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    confidence = check_confidence("confidence", confidence)
    correct = check_correct("correct", correct, shape=confidence.shape)
    return _ece(correct, confidence, n_bins=n_bins, axis=axis)


def _ece(correct, confidence, *, n_bins: int = 10, axis: int = -1):
    """:func:`ece_from_confidence` sin validar (para los remuestreos del *bootstrap*, ya validados)."""
    confidence = np.moveaxis(np.asarray(confidence, dtype=np.float64), axis, -1)
    correct = np.moveaxis(np.asarray(correct, dtype=np.float64), axis, -1)
    lead, n = confidence.shape[:-1], confidence.shape[-1]
    rows = int(np.prod(lead)) if lead else 1
    # Un tramo por (fila, tramo): np.bincount sobre índices desplazados suma cada fila por separado.
    index = bin_index(confidence.reshape(rows, n), n_bins=n_bins) + n_bins * np.arange(rows)[:, None]
    gap_sum = np.bincount(index.ravel(), weights=(correct - confidence).reshape(-1),
                          minlength=rows * n_bins).reshape(rows, n_bins)
    # Σ_b (n_b/N)·|acc_b − conf_b| = Σ_b |Σ_{i∈b} (acierto_i − confianza_i)| / N
    ece = np.abs(gap_sum).sum(axis=1) / n
    return ece.reshape(lead) if lead else float(ece[0])


def negative_log_likelihood(labels, logits, *, temperature: float = 1.0) -> float:
    """Log-verosimilitud negativa media de ``softmax(logits / τ)`` (τ: la temperatura).

    Parámetros
    ----------
    labels : array (N,)
        Etiquetas verdaderas (índices de clase enteros).
    logits : array (N, C)
        Logits (antes del softmax), números reales finitos.
    temperature : float
        Temperatura τ > 0.

    Devuelve
    --------
    float

    Errores
    -------
    CourseParameterError
        Etiquetas o logits inválidos, formas incompatibles o ``temperature`` <= 0.
    """
    temperature = _check_temperature(temperature)
    labels, logits = _labels_logits(labels, logits)
    return _nll(labels, logits, temperature)


def _labels_logits(labels, logits) -> tuple[np.ndarray, np.ndarray]:
    labels = check_labels("labels", labels)
    logits = check_logits("logits", logits, n_rows=labels.size)
    return check_labels("labels", labels, n_classes=logits.shape[1]), logits


def _nll(labels: np.ndarray, logits: np.ndarray, temperature: float) -> float:
    from scipy.special import log_softmax

    z = logits / temperature
    # log_softmax exacto: log(clip(softmax)) subestimaría los errores muy seguros a baja temperatura.
    return float(-np.mean(log_softmax(z, axis=-1)[np.arange(len(labels)), labels]))


def fit_temperature(labels, logits, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Ajusta la temperatura τ que minimiza la log-verosimilitud negativa en validación.

    Escalado de temperatura (Guo et al., 2017): un único parámetro τ > 0 divide los logits.
    τ > 1 suaviza un modelo demasiado seguro; no cambia la clase predicha, solo la confianza.
    Ajústalo en una partición de *validación*, nunca en la de prueba.

    Parámetros
    ----------
    labels : array (N,)
        Etiquetas de validación (índices de clase enteros).
    logits : array (N, C)
        Logits de validación (antes del softmax).
    bounds : (float, float)
        Rango de búsqueda de τ.

    Devuelve
    --------
    float
        La temperatura óptima.

    Errores
    -------
    CourseParameterError
        Etiquetas o logits inválidos, formas incompatibles o menos de 2 ejemplos.
    """
    from scipy.optimize import minimize_scalar

    labels, logits = _labels_logits(labels, logits)
    if len(labels) < 2:
        raise fail("logits", logits.shape, f"hay {len(labels)} ejemplo: hacen falta al menos 2",
                   "pasa los logits de la partición de validación")
    # Se busca log τ para que el problema sea simétrico en torno a τ = 1.
    result = minimize_scalar(
        lambda log_t: _nll(labels, logits, float(np.exp(log_t))),
        bounds=(np.log(bounds[0]), np.log(bounds[1])),
        method="bounded",
        options={"xatol": 1e-5},
    )
    temperature = float(np.exp(result.x))
    if min(abs(np.log(temperature / b)) for b in bounds) < 1e-3:
        warnings.warn(
            f"La temperatura ajustada ({temperature:.3g}) toca el límite de bounds={bounds}: el óptimo puede estar "
            "fuera. Suele pasar con muy pocas reseñas de validación o si el modelo acierta (o falla) todas; usa más "
            "validación.",
            stacklevel=2,
        )
    return temperature


def risk_coverage_curve(correct, confidence) -> dict[str, np.ndarray | float]:
    """Curva riesgo–cobertura de un clasificador que se abstiene por debajo de un umbral.

    Se ordenan los ejemplos de más a menos confianza; responder los que tienen confianza >= umbral
    da una cobertura (fracción respondida) y un riesgo (tasa de error entre ellos). Como en las curvas
    de scikit-learn, los empates se agrupan: un umbral responde a todos los ejemplos con esa
    confianza o no responde a ninguno, así que el resultado no depende del orden de entrada.

    Parámetros
    ----------
    correct : array (N,) de bool (o 0/1)
        Si cada predicción fue correcta.
    confidence : array (N,)
        Confianza de cada predicción (cualquier puntuación finita: más alta = más segura).

    Devuelve
    --------
    dict
        ``coverage``, ``risk`` y ``threshold``: un valor por confianza distinta, de mayor a menor;
        y ``aurc`` (área bajo la curva: la media, sobre los N ejemplos, del riesgo del umbral que
        los incluye por primera vez; menor es mejor).

    Errores
    -------
    CourseParameterError
        Aciertos que no son 0/1, confianzas no finitas, formas distintas o 0 filas.
    """
    confidence = check_confidence("confidence", confidence, unit_interval=False)
    if confidence.ndim != 1:
        raise fail("confidence", f"forma {confidence.shape}", "debe ser un vector (N,)", "pasa un valor por predicción")
    correct = check_correct("correct", correct, shape=confidence.shape).astype(bool)
    order = np.argsort(-confidence, kind="stable")
    sorted_conf = confidence[order]
    errors = np.cumsum(~correct[order])
    # Último índice de cada grupo de confianzas iguales: solo ahí hay un umbral.
    ends = np.r_[np.flatnonzero(np.diff(sorted_conf) != 0), len(order) - 1]
    answered = ends + 1
    risk = errors[ends] / answered
    group_sizes = np.diff(np.r_[0, answered])
    aurc = float(np.sum(group_sizes * risk) / len(order))
    return {"coverage": answered / len(order), "risk": risk, "threshold": sorted_conf[ends], "aurc": aurc}
