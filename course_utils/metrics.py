"""Métricas de clasificación para ``Trainer`` y para el análisis en el cuaderno."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)

from course_utils._checks import check_choice, fail

AVERAGES = ("auto", "binary", "macro")


def _unwrap(predictions: Any) -> np.ndarray:
    # Algunos modelos devuelven una *tupla* (logits, estados_ocultos, ...): nos quedamos con los logits. Una lista
    # es un dato (p. ej. [[0.1, 0.9], ...], probabilidades por fila): no se desenvuelve.
    while isinstance(predictions, tuple) and len(predictions) and not np.isscalar(predictions[0]):
        predictions = predictions[0]
    return np.asarray(predictions)


def classification_metrics(
    labels: Any,
    predictions: Any,
    num_labels: int | None = None,
    average: str = "auto",
) -> dict[str, float]:
    """Exactitud, precisión, exhaustividad (recall) y F1.

    Parámetros
    ----------
    labels : array-like de int
        Etiquetas verdaderas.
    predictions : array-like
        Etiquetas predichas (1-D) o logits/probabilidades (2-D, se toma el argmax).
    num_labels : int, opcional
        Número de clases (índices ``0 … num_labels-1``); por defecto, el ancho de los logits. Con
        etiquetas predichas 1-D y sin ``num_labels``, las clases son las que aparecen en
        ``labels`` o en ``predictions`` (como en scikit-learn): con etiquetas {1, 2} no se inventa
        una clase 0 vacía que bajaría la media macro. Para contar una clase que no aparece, pasa
        ``num_labels`` o logits.
    average : {"auto", "binary", "macro"}
        ``"auto"``: binaria (clase positiva = 1) si las clases son 0 y 1, macro (y ponderada) si no.

    Devuelve
    --------
    dict
        ``accuracy``, ``precision``, ``recall``, ``f1`` (floats); con más de 2 clases además
        ``precision_weighted``, ``recall_weighted``, ``f1_weighted``. Las divisiones entre
        cero (una clase nunca predicha) cuentan como 0.

    Errores
    -------
    CourseParameterError
        Si ``average="binary"`` con más de dos clases o con clases distintas de 0 y 1, o si las
        longitudes no coinciden.
    """
    check_choice("average", average, AVERAGES)
    preds = _unwrap(predictions)
    if preds.ndim == 2:
        num_labels = num_labels or preds.shape[1]
        preds = preds.argmax(axis=-1)
    labels = np.asarray(labels).reshape(-1)
    preds = preds.reshape(-1)
    if len(labels) != len(preds):
        raise fail("predictions", f"{len(preds)} predicciones", f"hay {len(labels)} etiquetas", "pasa una predicción por etiqueta")
    if num_labels:
        classes = list(range(num_labels))
    else:  # solo las clases que aparecen: {1, 2} no crea una clase 0 vacía
        classes = np.union1d(labels, preds).tolist()
    if average == "binary" and len(classes) > 2:
        raise fail("average", average, f"las métricas binarias no sirven con {len(classes)} clases", 'usa average="macro" (o "auto")')
    if average == "binary" and not set(classes) <= {0, 1}:
        raise fail(
            "average", average, f"las métricas binarias necesitan las clases 0 y 1 (positiva = 1) y hay {classes}",
            'usa average="macro" (o "auto"), o codifica las clases como 0 y 1',
        )
    binary = set(classes) <= {0, 1} and average != "macro"
    result = {"accuracy": float(accuracy_score(labels, preds))}
    p, r, f, _ = precision_recall_fscore_support(
        labels, preds, average="binary" if binary else "macro", labels=None if binary else classes, zero_division=0
    )
    result.update(precision=float(p), recall=float(r), f1=float(f))
    if not binary:
        pw, rw, fw, _ = precision_recall_fscore_support(labels, preds, average="weighted", zero_division=0)
        result.update(precision_weighted=float(pw), recall_weighted=float(rw), f1_weighted=float(fw))
    return result


def compute_metrics(eval_pred: Any) -> dict[str, float]:
    """Función ``compute_metrics`` para ``transformers.Trainer``.

    Parámetros
    ----------
    eval_pred : transformers.EvalPrediction o tupla ``(logits, etiquetas)``
        Los logits pueden venir dentro de una tupla (se desenvuelven).

    Devuelve
    --------
    dict
        Solo escalares: ver :func:`classification_metrics`.
    """
    if hasattr(eval_pred, "predictions"):
        logits, labels = eval_pred.predictions, eval_pred.label_ids
    else:
        logits, labels = eval_pred
    return classification_metrics(labels, _unwrap(logits))


def confusion_table(labels: Any, predictions: Any, label_names: list[str]):
    """Matriz de confusión como ``pandas.DataFrame`` con nombres de clase.

    Parámetros
    ----------
    labels, predictions : array-like de int
        Etiquetas verdaderas y predichas.
    label_names : list of str
        Nombre de cada clase, en orden de índice.

    Devuelve
    --------
    pandas.DataFrame
        Filas = clase real, columnas = clase predicha.
    """
    import pandas as pd

    preds = _unwrap(predictions)
    preds = preds.argmax(axis=-1) if preds.ndim == 2 else preds
    matrix = confusion_matrix(labels, preds, labels=list(range(len(label_names))))
    return pd.DataFrame(
        matrix,
        index=pd.Index([f"real: {n}" for n in label_names]),
        columns=pd.Index([f"pred.: {n}" for n in label_names]),
    )


def report_text(labels: Any, predictions: Any, label_names: list[str]) -> str:
    """Informe de clasificación de scikit-learn con nombres de clase (texto)."""
    preds = _unwrap(predictions)
    preds = preds.argmax(axis=-1) if preds.ndim == 2 else preds
    return classification_report(
        labels, preds, labels=list(range(len(label_names))), target_names=label_names, zero_division=0, digits=3
    )
