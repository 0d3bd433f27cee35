"""Validaciones comunes con mensajes en español.

Cada mensaje nombra el parámetro, el valor recibido y cómo corregirlo, para que el
error aparezca *antes* de que falle una llamada profunda de torch o transformers.
"""

from __future__ import annotations

import numbers
from typing import Any


class CourseParameterError(ValueError):
    """Parámetro o entrada inválida; el mensaje (en español) dice cómo corregirlo."""


def fail(name: str, value: Any, problem: str, fix: str) -> CourseParameterError:
    """Construye un :class:`CourseParameterError` con el formato común del curso.

    Parámetros
    ----------
    name : str
        Nombre del parámetro o columna.
    value : Any
        Valor recibido.
    problem : str
        Qué está mal.
    fix : str
        Cómo corregirlo.

    Devuelve
    --------
    CourseParameterError
        El error, listo para ``raise``.
    """
    return CourseParameterError(f"{name}={value!r} no es válido: {problem}. Solución: {fix}.")


def check_int(name: str, value: Any, minimum: int = 1, fix: str | None = None) -> int:
    """Comprueba que ``value`` sea un entero (no bool) mayor o igual que ``minimum``.

    Parámetros
    ----------
    name : str
        Nombre del parámetro, tal como lo ve el estudiante.
    value : Any
        Valor recibido.
    minimum : int
        Mínimo admitido.
    fix : str, opcional
        Sugerencia de corrección; por defecto «usa un entero >= minimum».

    Devuelve
    --------
    int
        El valor como ``int``.

    Errores
    -------
    CourseParameterError
        Si no es entero o es menor que ``minimum``.
    """
    fix = fix or f"usa un número entero mayor o igual que {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise fail(name, value, "debe ser un número entero", fix)
    if value < minimum:
        raise fail(name, value, f"debe ser mayor o igual que {minimum}", fix)
    return int(value)


def check_float(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    fix: str | None = None,
) -> float:
    """Comprueba que ``value`` sea un número real dentro de un intervalo.

    Parámetros
    ----------
    name : str
        Nombre del parámetro.
    value : Any
        Valor recibido.
    low, high : float, opcional
        Límites del intervalo (``None`` = sin límite).
    low_inclusive, high_inclusive : bool
        Si cada límite está incluido.
    fix : str, opcional
        Sugerencia de corrección.

    Devuelve
    --------
    float
        El valor como ``float``.

    Errores
    -------
    CourseParameterError
        Si no es número o está fuera del intervalo.
    """
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    interval = f"{left}{'-∞' if low is None else low}, {'∞' if high is None else high}{right}"
    fix = fix or f"usa un número en el intervalo {interval}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise fail(name, value, "debe ser un número", fix)
    too_low = low is not None and (value < low or (not low_inclusive and value == low))
    too_high = high is not None and (value > high or (not high_inclusive and value == high))
    if too_low or too_high:
        raise fail(name, value, f"debe estar en el intervalo {interval}", fix)
    return float(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Comprueba que ``value`` sea una de las opciones admitidas.

    Parámetros
    ----------
    name : str
        Nombre del parámetro.
    value : Any
        Valor recibido.
    choices : tuple of str
        Opciones válidas.

    Devuelve
    --------
    str
        El valor validado.

    Errores
    -------
    CourseParameterError
        Si ``value`` no está entre ``choices``.
    """
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise fail(name, value, f"no es una opción conocida ({options})", f"elige una de: {options}")
    return value


# --- Etiquetas, probabilidades y logits: una sola validación para métricas, intervalos, calibración y gráficos ---

ROW_SUM_ATOL = 1e-3  # tolerancia de «cada fila suma 1» (probabilidades en float32 o redondeadas)
_PROB_ATOL = 1e-6  # margen de redondeo de [0, 1] (un softmax en float32 puede dar 1.0000001)


def _preview(array: Any, limit: int = 6) -> Any:
    """Lo recibido, para el mensaje: la lista de valores si son pocos; si no, su forma y su tipo."""
    if array.size <= limit:
        return array.tolist()
    return f"array de forma {tuple(array.shape)} ({array.dtype})"


def _as_array(name: str, values: Any, fix: str):
    import numpy as np

    if isinstance(values, (str, bytes)) or values is None:
        raise fail(name, values, "no es una lista ni un array de números", fix)
    try:
        return np.asarray(values)
    except (TypeError, ValueError) as exc:  # listas de longitudes distintas, objetos raros
        raise fail(name, type(values).__name__, f"no se puede convertir en un array ({exc})", fix) from None


def check_labels(name: str, values: Any, *, n_classes: int | None = None, n_rows: int | None = None):
    """Comprueba que ``values`` sean etiquetas de clase: un vector (N,) no vacío de enteros >= 0.

    Se admiten enteros de numpy o de Python y decimales que son números enteros (``1.0``); no se
    admiten booleanos, textos ni decimales como ``0.7``.

    Parámetros
    ----------
    name : str
        Nombre del argumento (``labels``, ``y_true``, ``predictions``...).
    values : array-like
        Valores recibidos.
    n_classes : int, opcional
        Número de clases (columnas de las probabilidades o logits): cada etiqueta debe ser menor.
    n_rows : int, opcional
        Número de etiquetas esperado (el de la otra entrada).

    Devuelve
    --------
    numpy.ndarray
        Las etiquetas como ``int64``, forma (N,).

    Errores
    -------
    CourseParameterError
        Con el nombre del argumento, lo recibido y cómo corregirlo.
    """
    import numpy as np

    fix = "pasa un índice de clase entero (0, 1, ..., C-1) por ejemplo"
    array = _as_array(name, values, fix)
    if array.ndim != 1:
        extra = ("; si son probabilidades o logits (N, C), pásalos como predicciones, no como etiquetas"
                 if array.ndim == 2 else "")
        raise fail(name, _preview(array),
                   f"debe ser un vector (N,) de etiquetas y tiene forma {tuple(array.shape)}{extra}",
                   "pasa una etiqueta por ejemplo, p. ej. np.asarray(ds['label'])")
    if array.size == 0:
        raise fail(name, [], "no hay ninguna etiqueta (0 filas)",
                   "pasa al menos un ejemplo; revisa el filtro o la partición")
    if n_rows is not None and array.size != n_rows:
        raise fail(name, f"{array.size} valores", f"hay {n_rows} etiquetas",
                   "pasa un valor por etiqueta, en el mismo orden")
    if array.dtype == bool:
        raise fail(name, _preview(array), "son booleanos, no índices de clase",
                   "convierte los aciertos o clases a enteros con .astype(int), o pasa las etiquetas de clase")
    if array.dtype.kind in "USO":
        bad = next((v for v in array.tolist() if isinstance(v, (str, bytes, bool)) or not isinstance(v, numbers.Real)),
                   None)
        if bad is not None:
            raise fail(name, _preview(array), f"contiene {bad!r}, que no es un índice de clase entero",
                       "codifica las clases como enteros 0..C-1 (p. ej. con los ClassLabel de data.load_text_dataset, "
                       "o {nombre: i for i, nombre in enumerate(label_names)})")
        array = array.astype(np.float64)
    if array.dtype.kind == "c" or array.dtype.kind not in "iuf":
        raise fail(name, _preview(array), f"tiene tipo {array.dtype}, no son índices de clase", fix)
    if array.dtype.kind == "f":
        bad_rows = np.flatnonzero(~np.isfinite(array) | (array != np.round(array)))
        if bad_rows.size:
            i = int(bad_rows[0])
            raise fail(name, _preview(array),
                       f"la fila {i} vale {float(array[i])!r}, que no es un índice de clase entero",
                       "pasa índices de clase enteros (0..C-1); si son probabilidades de la clase 1, pasa las dos "
                       "columnas: np.column_stack([1 - p, p])")
    if (array < 0).any():
        raise fail(name, _preview(array), f"hay etiquetas negativas ({array.min():g})",
                   "usa índices de clase 0, 1, ..., C-1")
    labels = array.astype(np.int64)
    if n_classes is not None and labels.max() >= n_classes:
        raise fail(name, _preview(array),
                   f"hay una etiqueta {labels.max()} y solo {n_classes} columnas (clases 0..{n_classes - 1})",
                   f"usa etiquetas entre 0 y {n_classes - 1}, o pasa una columna de probabilidades/logits por clase")
    return labels


def _check_matrix(name: str, values: Any, n_rows: int | None, what: str, fix: str):
    import numpy as np

    array = _as_array(name, values, fix)
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise fail(name, _preview(array), f"tiene tipo {array.dtype}, no son {what} numéricos", fix)
    if array.ndim != 2:
        raise fail(name, _preview(array),
                   f"debe tener forma (N, C), una fila de {what} por ejemplo, y tiene forma {tuple(array.shape)}", fix)
    if array.shape[0] == 0:
        raise fail(name, f"forma {tuple(array.shape)}", "no hay ninguna fila (0 ejemplos)",
                   "pasa al menos un ejemplo; revisa el filtro o la partición")
    if array.shape[1] < 2:
        raise fail(name, f"forma {tuple(array.shape)}", f"hace falta una columna de {what} por clase (al menos 2)", fix)
    if n_rows is not None and array.shape[0] != n_rows:
        raise fail(name, f"forma {tuple(array.shape)}",
                   f"debe tener forma (N, C) con N = {n_rows} (una fila por etiqueta) y tiene {array.shape[0]} filas",
                   "pasa una fila por ejemplo, en el mismo orden que las etiquetas")
    array = array.astype(np.float64)
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        i = int(bad[0][0])
        raise fail(name, array[i].tolist(),
                   f"la fila {i} tiene valores no finitos (NaN o infinito); filas así: {len(np.unique(bad[:, 0]))}",
                   "revisa de dónde salen (una división entre 0, un modelo que diverge en fp16...) y elimina o corrige "
                   "esas filas")
    return array


def check_probabilities(name: str, values: Any, *, n_rows: int | None = None):
    """Comprueba que ``values`` sean probabilidades (N, C): finitas, en [0, 1] y con filas que suman 1.

    Parámetros
    ----------
    name : str
        Nombre del argumento (``probs``, ``probs_a``...).
    values : array-like (N, C)
        Valores recibidos.
    n_rows : int, opcional
        Filas esperadas (el número de etiquetas).

    Devuelve
    --------
    numpy.ndarray
        ``float64``, forma (N, C).

    Errores
    -------
    CourseParameterError
        Forma distinta de (N, C), sin filas, valores no finitos, fuera de [0, 1] o filas que no suman 1.
    """
    import numpy as np

    fix = ("pasa una fila de probabilidades por ejemplo, forma (N, C): aplica calibration.softmax a los logits; "
           "si solo tienes p(clase 1), usa np.column_stack([1 - p, p]); las etiquetas predichas no bastan aquí")
    probs = _check_matrix(name, values, n_rows, "probabilidades", fix)
    outside = np.argwhere((probs < -_PROB_ATOL) | (probs > 1 + _PROB_ATOL))
    if outside.size:
        i = int(outside[0][0])
        raise fail(name, probs[i].tolist(), f"la fila {i} tiene valores fuera de [0, 1], así que no son probabilidades",
                   "si son logits, conviértelos con calibration.softmax(logits); si son probabilidades, revisa cómo se "
                   "calcularon")
    sums = probs.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1.0) > ROW_SUM_ATOL)
    if off.size:
        i = int(off[0])
        raise fail(name, probs[i].tolist(),
                   f"la fila {i} suma {sums[i]:.4g} (y {off.size} filas no suman 1), así que no son probabilidades",
                   "aplica calibration.softmax a los logits (una fila por ejemplo, una columna por clase)")
    return probs


def check_logits(name: str, values: Any, *, n_rows: int | None = None):
    """Comprueba que ``values`` sean logits (N, C): cualquier número real finito, al menos 2 columnas.

    Parámetros
    ----------
    name : str
        Nombre del argumento (``logits``).
    values : array-like (N, C)
        Valores recibidos (antes del softmax).
    n_rows : int, opcional
        Filas esperadas (el número de etiquetas).

    Devuelve
    --------
    numpy.ndarray
        ``float64``, forma (N, C).

    Errores
    -------
    CourseParameterError
        Forma distinta de (N, C), sin filas o valores no finitos.
    """
    fix = "pasa los logits del modelo, una fila por ejemplo y una columna por clase (p. ej. uncertainty.predict_logits)"
    return _check_matrix(name, values, n_rows, "logits", fix)


def check_scores(name: str, values: Any, *, n_rows: int | None = None):
    """Comprueba predicciones 2-D que pueden ser logits o probabilidades (la clase predicha es su argmax).

    Como :func:`check_logits`; además, si todas las filas suman 1 (son probabilidades), exige que estén en [0, 1]:
    unas «probabilidades» negativas que suman 1 son un error de cálculo, no logits.
    """
    import numpy as np

    scores = check_logits(name, values, n_rows=n_rows)
    if np.allclose(scores.sum(axis=1), 1.0, atol=ROW_SUM_ATOL):
        outside = np.argwhere((scores < -_PROB_ATOL) | (scores > 1 + _PROB_ATOL))
        if outside.size:
            i = int(outside[0][0])
            raise fail(name, scores[i].tolist(),
                       f"las filas suman 1, como probabilidades, pero la fila {i} tiene valores fuera de [0, 1]",
                       "revisa cómo se calcularon las probabilidades (calibration.softmax de los logits); si son "
                       "logits, pasa los logits originales del modelo")
    return scores


def check_predictions(name: str, values: Any, *, n_rows: int | None = None, num_labels: int | None = None):
    """Etiquetas predichas a partir de predicciones 1-D (índices de clase) o 2-D (logits o probabilidades).

    Parámetros
    ----------
    name : str
        Nombre del argumento (``predictions``, ``probs``...).
    values : array-like (N,) o (N, C)
        Etiquetas predichas, o logits/probabilidades de las que se toma el argmax (:func:`check_scores`).
    n_rows : int, opcional
        Filas esperadas (el número de etiquetas).
    num_labels : int, opcional
        Número de clases: las etiquetas predichas 1-D deben ser menores.

    Devuelve
    --------
    (numpy.ndarray, int o None)
        Las etiquetas predichas (N,) ``int64`` y el número de columnas si eran 2-D (``None`` si eran 1-D).
    """
    import numpy as np

    array = _as_array(name, values, "pasa etiquetas predichas (N,) o logits/probabilidades (N, C)")
    if array.ndim == 1 and n_rows is not None and array.size != n_rows and array.size:
        raise fail(name, f"{array.size} predicciones", f"hay {n_rows} etiquetas",
                   "pasa una predicción por etiqueta, en el mismo orden")
    if array.ndim == 2:
        scores = check_scores(name, array, n_rows=n_rows)
        return scores.argmax(axis=1).astype(np.int64), scores.shape[1]
    return check_labels(name, array, n_classes=num_labels, n_rows=n_rows), None


def check_correct(name: str, values: Any, *, shape: tuple[int, ...] | None = None):
    """Comprueba aciertos por predicción: booleanos o 0/1, no vacíos (y con forma ``shape`` si se da).

    Devuelve
    --------
    numpy.ndarray
        ``float64`` con 0.0 y 1.0, de la misma forma.
    """
    import numpy as np

    fix = "pasa un acierto por predicción: True/False o 1/0, p. ej. probs.argmax(axis=1) == labels"
    array = _as_array(name, values, fix)
    if array.ndim == 0 or array.size == 0:
        raise fail(name, _preview(array), "no hay ninguna predicción (0 filas)",
                   "pasa al menos un ejemplo; revisa el filtro o la partición")
    if shape is not None and array.shape != tuple(shape):
        raise fail(name, f"forma {tuple(array.shape)}", f"debe tener la misma forma que la confianza {tuple(shape)}",
                   "pasa un valor por predicción, en el mismo orden")
    if array.dtype != bool:
        if array.dtype.kind not in "iuf":
            raise fail(name, _preview(array), f"tiene tipo {array.dtype}, no son aciertos", fix)
        wrong = np.flatnonzero(~np.isin(array.reshape(-1), (0, 1)))
        if wrong.size:
            raise fail(name, _preview(array),
                       f"contiene {array.reshape(-1)[wrong[0]]!r}, y un acierto solo puede ser 0 o 1", fix)
    return array.astype(np.float64)


def check_confidence(name: str, values: Any, *, unit_interval: bool = True):
    """Comprueba confianzas por predicción: números finitos, no vacíos, en [0, 1] si ``unit_interval``.

    Devuelve
    --------
    numpy.ndarray
        ``float64``, de la misma forma.
    """
    import numpy as np

    fix = "pasa la confianza de cada predicción: la probabilidad de la clase predicha, p. ej. probs.max(axis=1)"
    array = _as_array(name, values, fix)
    if array.dtype == bool or array.dtype.kind not in "iuf":
        raise fail(name, _preview(array), f"tiene tipo {array.dtype}, no son confianzas numéricas", fix)
    if array.ndim == 0 or array.size == 0:
        raise fail(name, _preview(array), "no hay ninguna predicción (0 filas)",
                   "pasa al menos un ejemplo; revisa el filtro o la partición")
    array = array.astype(np.float64)
    flat = array.reshape(-1)
    bad = np.flatnonzero(~np.isfinite(flat))
    if bad.size:
        raise fail(name, _preview(array), f"el valor {int(bad[0])} es {float(flat[bad[0]])!r} (no finito)",
                   "revisa de dónde salen esas confianzas")
    if unit_interval:
        bad = np.flatnonzero((flat < -_PROB_ATOL) | (flat > 1 + _PROB_ATOL))
        if bad.size:
            raise fail(name, _preview(array), f"el valor {int(bad[0])} es {float(flat[bad[0]])!r}, fuera de [0, 1]",
                       fix)
    return array
