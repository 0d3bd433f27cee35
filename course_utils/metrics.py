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

from course_utils._checks import check_choice, check_int, check_labels, check_predictions, fail

AVERAGES = ("auto", "binary", "macro")


def f1_average(labels: Any, predictions: Any, *, num_labels: int | None = None) -> tuple[str, list[int]]:
    """La regla única del curso para la F1: binaria o macro, y sobre qué clases.

    La usan :func:`classification_metrics` (con scikit-learn) y ``evaluation.metric_interval`` (F1
    vectorizada para el *bootstrap*), para que las dos den la misma cifra.

    - Las clases son ``0 … num_labels-1`` si se conoce el número de clases (el ancho de los logits o
      probabilidades); si no, las que aparecen en ``labels`` o en ``predictions``, como en scikit-learn
      (con etiquetas {1, 2} no se inventa una clase 0 vacía).
    - Si esas clases son 0 y 1 (o una de ellas), la F1 es **binaria**: la de la clase positiva, 1.
    - Si no (3 o más clases, o clases como {1, 2}), es **macro**: la media de la F1 de cada clase.

    Parámetros
    ----------
    labels, predictions : array-like de int (N,)
        Etiquetas verdaderas y predichas (ya validadas).
    num_labels : int, opcional
        Número de clases, si se conoce.

    Devuelve
    --------
    (str, list of int)
        ``("binary", clases)`` o ``("macro", clases)``.
    """
    if num_labels:
        classes = list(range(num_labels))
    else:
        classes = [int(c) for c in np.union1d(np.asarray(labels).reshape(-1), np.asarray(predictions).reshape(-1))]
    return ("binary" if set(classes) <= {0, 1} else "macro"), classes


def _unwrap(predictions: Any) -> np.ndarray:
    # Algunos modelos devuelven una *tupla* (logits, estados_ocultos, ...): nos quedamos con los logits. Una lista
    # es un dato (p. ej. [[0.1, 0.9], ...], probabilidades por fila): no se desenvuelve.
    while isinstance(predictions, tuple) and len(predictions) and not np.isscalar(predictions[0]):
        predictions = predictions[0]
    return np.asarray(predictions)


def classification_metrics(
    labels: Any,
    predictions: Any,
    *,
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
        ``"auto"``: binaria (clase positiva = 1) si las clases son 0 y 1, macro (y ponderada) si no
        (:func:`f1_average`, la misma regla que ``evaluation.metric_interval``).

    Devuelve
    --------
    dict
        ``accuracy``, ``precision``, ``recall``, ``f1`` (floats); con más de 2 clases además
        ``precision_weighted``, ``recall_weighted``, ``f1_weighted``. Las divisiones entre
        cero (una clase nunca predicha) cuentan como 0.

    Errores
    -------
    CourseParameterError
        Si ``average="binary"`` con más de dos clases o con clases distintas de 0 y 1, si las
        longitudes no coinciden, si no hay filas, si las etiquetas no son índices de clase enteros
        (textos, booleanos, decimales, una etiqueta >= número de columnas) o si las predicciones 2-D
        no son finitas o son «probabilidades» fuera de [0, 1].
    """
    check_choice("average", average, AVERAGES)
    labels, preds, num_labels = _labels_and_predictions(labels, predictions, num_labels)
    _, classes = f1_average(labels, preds, num_labels=num_labels)
    if average == "binary" and len(classes) > 2:
        raise fail("average", average, f"las métricas binarias no sirven con {len(classes)} clases",
                   'usa average="macro" (o "auto")')
    if average == "binary" and not set(classes) <= {0, 1}:
        raise fail(
            "average", average, f"las métricas binarias necesitan las clases 0 y 1 (positiva = 1) y hay {classes}",
            'usa average="macro" (o "auto"), o codifica las clases como 0 y 1',
        )
    binary = f1_average(labels, preds, num_labels=num_labels)[0] == "binary" and average != "macro"
    result = {"accuracy": float(accuracy_score(labels, preds))}
    p, r, f, _ = precision_recall_fscore_support(
        labels, preds, average="binary" if binary else "macro", labels=None if binary else classes, zero_division=0
    )
    result.update(precision=float(p), recall=float(r), f1=float(f))
    if not binary:
        pw, rw, fw, _ = precision_recall_fscore_support(labels, preds, average="weighted", zero_division=0)
        result.update(precision_weighted=float(pw), recall_weighted=float(rw), f1_weighted=float(fw))
    return result


def _labels_and_predictions(labels: Any, predictions: Any,
                            num_labels: int | None = None) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Valida etiquetas y predicciones (1-D o 2-D) con los validadores comunes; devuelve también el número de clases."""
    if num_labels is not None:
        num_labels = check_int("num_labels", num_labels, minimum=2, fix="un clasificador tiene al menos 2 clases")
    labels = check_labels("labels", labels, n_classes=num_labels)
    preds, width = check_predictions("predictions", _unwrap(predictions), n_rows=labels.size, num_labels=num_labels)
    if width is not None:
        num_labels = num_labels or width
        labels = check_labels("labels", labels, n_classes=width)
    return labels, preds, num_labels


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
    labels : array-like de int
        Etiquetas verdaderas.
    predictions : array-like
        Etiquetas predichas (1-D) o logits/probabilidades (2-D, se toma el argmax).
    label_names : list of str
        Nombre de cada clase, en orden de índice.

    Devuelve
    --------
    pandas.DataFrame
        Filas = clase real, columnas = clase predicha.

    Errores
    -------
    CourseParameterError
        Etiquetas o predicciones inválidas (ver :func:`classification_metrics`).
    """
    import pandas as pd

    labels, preds, _ = _labels_and_predictions(labels, predictions, len(label_names))
    matrix = confusion_matrix(labels, preds, labels=list(range(len(label_names))))
    return pd.DataFrame(
        matrix,
        index=pd.Index([f"real: {n}" for n in label_names]),
        columns=pd.Index([f"pred.: {n}" for n in label_names]),
    )


def report_text(labels: Any, predictions: Any, label_names: list[str]) -> str:
    """Informe de clasificación de scikit-learn con nombres de clase (texto); entradas como :func:`confusion_table`."""
    labels, preds, _ = _labels_and_predictions(labels, predictions, len(label_names))
    return classification_report(
        labels, preds, labels=list(range(len(label_names))), target_names=label_names, zero_division=0, digits=3
    )
