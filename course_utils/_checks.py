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
