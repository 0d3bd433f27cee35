"""Línea base clásica: TF-IDF + regresión logística, con sus hiperparámetros elegidos en validación.

Una comparación justa no debilita la línea base: recibe las mismas reseñas de entrenamiento que el
transformer y elige su ``C`` y sus n-gramas en la misma validación.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils._checks import check_int, fail

C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
NGRAM_GRID = (1, 2)


@dataclass(frozen=True)
class BaselineResult:
    """La línea base elegida en validación y cómo se eligió."""

    model: Any  # sklearn.pipeline.Pipeline ya entrenado (con C y n-gramas elegidos)
    C: float
    ngram_max: int
    validation_table: Any  # pandas.DataFrame: exactitud de validación de cada combinación
    train_seconds: float  # entrenar el modelo elegido (la búsqueda aparte)
    search_seconds: float


def make_tfidf(*, C: float = 1.0, ngram_max: int = 2, max_features: int = 20000):
    """``Pipeline`` TF-IDF (tf sublineal, hasta ``ngram_max``-gramas) + regresión logística."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(max_features=max_features, ngram_range=(1, ngram_max), sublinear_tf=True),
        LogisticRegression(C=C, max_iter=2000),
    )


def fit_tfidf(
    train_texts: Sequence[str],
    y_train: Any,
    validation_texts: Sequence[str],
    y_validation: Any,
    *,
    c_grid: Sequence[float] = C_GRID,
    ngram_grid: Sequence[int] = NGRAM_GRID,
    max_features: int = 20000,
) -> BaselineResult:
    """Entrena TF-IDF + regresión logística eligiendo ``C`` y n-gramas por exactitud en validación.

    Cada combinación se entrena en ``train_texts`` y se puntúa en validación; la mejor (a igualdad,
    la más regularizada: menor ``C`` y menos n-gramas) es la que se devuelve. La prueba no se toca.

    Parámetros
    ----------
    train_texts, y_train
        Reseñas y etiquetas de entrenamiento (las mismas que recibe el transformer).
    validation_texts, y_validation
        Reseñas y etiquetas de validación.
    c_grid : sequence of float
        Valores de ``C`` (inversa de la regularización) a probar.
    ngram_grid : sequence of int
        ``ngram_max`` a probar (1: palabras; 2: palabras y pares).
    max_features : int
        Tamaño máximo del vocabulario.

    Devuelve
    --------
    BaselineResult

    Errores
    -------
    CourseParameterError
        Longitudes distintas, rejillas vacías o valores no positivos.
    """
    import pandas as pd

    y_train, y_validation = np.asarray(y_train), np.asarray(y_validation)
    if len(train_texts) != len(y_train) or len(validation_texts) != len(y_validation):
        raise fail("y_train", f"{len(y_train)}/{len(y_validation)} etiquetas", "no hay una etiqueta por reseña",
                   "pasa textos y etiquetas de la misma parte")
    if not c_grid or any(c <= 0 for c in c_grid):
        raise fail("c_grid", list(c_grid), "debe tener valores positivos", "usa p. ej. (0.3, 1, 3, 10)")
    if not ngram_grid:
        raise fail("ngram_grid", list(ngram_grid), "está vacía", "usa (1, 2)")
    ngram_grid = [check_int("ngram_grid", n, minimum=1) for n in ngram_grid]
    max_features = check_int("max_features", max_features, minimum=10)
    start = time.perf_counter()
    rows = []
    for ngram_max in sorted(ngram_grid):
        for C in sorted(c_grid):
            model = make_tfidf(C=C, ngram_max=ngram_max, max_features=max_features).fit(list(train_texts), y_train)
            rows.append({"ngram_max": ngram_max, "C": C, "exactitud (validación)":
                         float(np.mean(model.predict(list(validation_texts)) == y_validation))})
    table = pd.DataFrame(rows)
    best = table.loc[table["exactitud (validación)"].idxmax()]  # idxmax: la primera, la más sencilla, si empatan
    search_seconds = time.perf_counter() - start
    start = time.perf_counter()
    model = make_tfidf(C=float(best["C"]), ngram_max=int(best["ngram_max"]),
                       max_features=max_features).fit(list(train_texts), y_train)
    return BaselineResult(model, float(best["C"]), int(best["ngram_max"]), table, time.perf_counter() - start,
                          search_seconds)
