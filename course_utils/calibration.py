"""Calibración: error de calibración esperado (ECE), escalado de temperatura y curva riesgo–cobertura.

Un modelo está *calibrado* si, entre las predicciones hechas con confianza 0.8, acierta el 80 %.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from course_utils._checks import check_int, fail


def _probs_labels(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1)
    if probs.ndim != 2 or probs.shape[0] != labels.shape[0]:
        raise fail("probs", probs.shape, f"debe tener forma (N, C) con N = {labels.shape[0]} etiquetas", "pasa una fila de probabilidades por ejemplo")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise fail("probs", "filas que no suman 1", "no son probabilidades", "aplica softmax a los logits antes (scipy.special.softmax(logits, axis=1))")
    return probs, labels


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Softmax estable de ``logits / temperature`` por filas."""
    z = np.asarray(logits, dtype=np.float64) / temperature
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


def expected_calibration_error(probs, labels, n_bins: int = 10) -> CalibrationReport:
    """Error de calibración esperado (ECE) con confianza *top-label* y tramos de igual anchura.

    ECE = Σ_b (n_b / N) · |exactitud_b − confianza_b|, con ``n_bins`` tramos de igual anchura en
    (0, 1]; cada ejemplo cae en el tramo de su confianza máxima (el límite derecho se incluye).

    Parámetros
    ----------
    probs : array (N, C)
        Probabilidades predichas.
    labels : array (N,)
        Etiquetas verdaderas.
    n_bins : int
        Número de tramos (10 o 15 son habituales).

    Devuelve
    --------
    CalibrationReport

    Errores
    -------
    CourseParameterError
        Formas incompatibles, filas que no suman 1, ``n_bins`` < 1.
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    probs, labels = _probs_labels(probs, labels)
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = bin_index(confidence, n_bins)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        acc = np.bincount(index, weights=correct, minlength=n_bins) / counts
    ece = float(ece_from_confidence(confidence, correct, n_bins))
    return CalibrationReport(ece=ece, n_bins=n_bins, bin_edges=edges, bin_counts=counts, bin_confidence=conf, bin_accuracy=acc)


def bin_index(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Tramo de cada confianza: tramos (a, b] de igual anchura en (0, 1]; el límite derecho se incluye."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)


def ece_from_confidence(confidence, correct, n_bins: int = 10, axis: int = -1):
    """ECE a partir de la confianza y el acierto de cada predicción, vectorizado a lo largo de ``axis``.

    Es el núcleo de :func:`expected_calibration_error`; acepta ejes extra delante (p. ej. los
    remuestreos de un *bootstrap*), cosa que el informe por tramos no necesita.

    Parámetros
    ----------
    confidence, correct : array (..., N)
        Confianza (probabilidad de la clase predicha) y acierto (0/1) de cada predicción.
    n_bins : int
        Número de tramos.
    axis : int
        Eje de los ejemplos.

    Devuelve
    --------
    numpy.ndarray o float
        ECE por cada combinación de los demás ejes.
    """
    confidence = np.moveaxis(np.asarray(confidence, dtype=np.float64), axis, -1)
    correct = np.moveaxis(np.asarray(correct, dtype=np.float64), axis, -1)
    lead, n = confidence.shape[:-1], confidence.shape[-1]
    rows = int(np.prod(lead)) if lead else 1
    # Un tramo por (fila, tramo): np.bincount sobre índices desplazados suma cada fila por separado.
    index = bin_index(confidence.reshape(rows, n), n_bins) + n_bins * np.arange(rows)[:, None]
    gap_sum = np.bincount(index.ravel(), weights=(correct - confidence).reshape(-1), minlength=rows * n_bins).reshape(rows, n_bins)
    # Σ_b (n_b/N)·|acc_b − conf_b| = Σ_b |Σ_{i∈b} (acierto_i − confianza_i)| / N
    ece = np.abs(gap_sum).sum(axis=1) / n
    return ece.reshape(lead) if lead else float(ece[0])


def negative_log_likelihood(logits, labels, temperature: float = 1.0) -> float:
    """Log-verosimilitud negativa media de ``softmax(logits / τ)`` (τ: la temperatura)."""
    from scipy.special import log_softmax

    z = np.asarray(logits, dtype=np.float64) / temperature
    labels = np.asarray(labels).reshape(-1)
    # log_softmax exacto: log(clip(softmax)) subestimaría los errores muy seguros a baja temperatura.
    return float(-np.mean(log_softmax(z, axis=-1)[np.arange(len(labels)), labels]))


def fit_temperature(logits, labels, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Ajusta la temperatura τ que minimiza la log-verosimilitud negativa en validación.

    Escalado de temperatura (Guo et al., 2017): un único parámetro τ > 0 divide los logits.
    τ > 1 suaviza un modelo demasiado seguro; no cambia la clase predicha, solo la confianza.
    Ajústalo en una partición de *validación*, nunca en la de prueba.

    Parámetros
    ----------
    logits : array (N, C)
        Logits de validación (antes del softmax).
    labels : array (N,)
        Etiquetas de validación.
    bounds : (float, float)
        Rango de búsqueda de τ.

    Devuelve
    --------
    float
        La temperatura óptima.

    Errores
    -------
    CourseParameterError
        Si las formas no coinciden o hay menos de 2 ejemplos.
    """
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1)
    if logits.ndim != 2 or logits.shape[0] != labels.shape[0] or len(labels) < 2:
        raise fail("logits", logits.shape, f"debe tener forma (N, C) con N = {len(labels)} >= 2", "pasa los logits de la partición de validación")
    # Se busca log τ para que el problema sea simétrico en torno a τ = 1.
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, labels, float(np.exp(log_t))),
        bounds=(np.log(bounds[0]), np.log(bounds[1])),
        method="bounded",
        options={"xatol": 1e-5},
    )
    temperature = float(np.exp(result.x))
    if min(abs(np.log(temperature / b)) for b in bounds) < 1e-3:
        warnings.warn(
            f"La temperatura ajustada ({temperature:.3g}) toca el límite de bounds={bounds}: el óptimo puede estar fuera. "
            "Suele pasar con muy pocas reseñas de validación o si el modelo acierta (o falla) todas; usa más validación.",
            stacklevel=2,
        )
    return temperature


def risk_coverage_curve(confidence, correct) -> dict[str, np.ndarray | float]:
    """Curva riesgo–cobertura de un clasificador que se abstiene por debajo de un umbral.

    Se ordenan los ejemplos de más a menos confianza; responder los que tienen confianza >= umbral
    da una cobertura (fracción respondida) y un riesgo (tasa de error entre ellos). Como en las curvas
    de scikit-learn, los empates se agrupan: un umbral responde a todos los ejemplos con esa
    confianza o no responde a ninguno, así que el resultado no depende del orden de entrada.

    Parámetros
    ----------
    confidence : array (N,)
        Confianza de cada predicción.
    correct : array (N,) de bool
        Si cada predicción fue correcta.

    Devuelve
    --------
    dict
        ``coverage``, ``risk`` y ``threshold``: un valor por confianza distinta, de mayor a menor;
        y ``aurc`` (área bajo la curva: la media, sobre los N ejemplos, del riesgo del umbral que
        los incluye por primera vez; menor es mejor).
    """
    confidence = np.asarray(confidence, dtype=np.float64).reshape(-1)
    correct = np.asarray(correct, dtype=bool).reshape(-1)
    if confidence.shape != correct.shape or confidence.size == 0:
        raise fail("confidence", confidence.shape, f"debe tener la misma forma que correct {correct.shape} y no estar vacía", "pasa un valor por predicción")
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
