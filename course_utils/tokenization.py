"""Tokenización con truncado: el principio de la reseña, o su principio y su final.

Las reseñas de IMDB suelen pasar de 256 tokens. Truncar por el final (``"head"``, lo que hace el
tokenizador con ``truncation=True``) pierde la conclusión, donde a menudo está el veredicto
(«...in the end, a waste of time»). Sun et al. (2019, «How to Fine-Tune BERT for Text
Classification?») encontraron que conservar el principio **y** el final (``"head+tail"``) funciona
mejor en IMDB a la misma longitud: 128 tokens del principio y 382 del final con 512.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from course_utils._checks import check_choice, check_int

TRUNCATIONS = ("head", "head+tail")
HEAD_SHARE = 0.25  # fracción del espacio que va al principio con "head+tail" (128 de 510 en Sun et al.)


def head_tail_sizes(budget: int, truncation: str) -> tuple[int, int]:
    """Tokens del principio y del final que caben en ``budget`` (sin contar los especiales).

    Parámetros
    ----------
    budget : int
        Tokens de texto disponibles (``max_length`` menos ``[CLS]`` y ``[SEP]``).
    truncation : {"head", "head+tail"}
        Estrategia.

    Devuelve
    --------
    (int, int)
        ``(principio, final)``; con ``"head"``, ``(budget, 0)``. Con 254 (``MAX_LENGTH=256``): ``(64, 190)``.
    """
    check_choice("TRUNCATION", truncation, TRUNCATIONS)
    if truncation == "head":
        return budget, 0
    head = round(budget * HEAD_SHARE)
    return head, budget - head


def encode(tokenizer, texts: Sequence[str], *, max_length: int, truncation: str = "head") -> dict[str, list[list[int]]]:
    """Tokeniza ``texts`` sin relleno, truncando cada uno a ``max_length`` tokens según ``truncation``.

    Con ``"head"`` da lo mismo que ``tokenizer(texts, truncation=True, max_length=max_length)``. Con
    ``"head+tail"``, un texto largo conserva sus primeros y sus últimos tokens
    (:func:`head_tail_sizes`) y los tokens especiales de siempre. Es la única función del curso que
    trunca: la usan el entrenamiento, la predicción y MC dropout, para que los tres vean lo mismo.

    Parámetros
    ----------
    tokenizer : transformers.PreTrainedTokenizerBase
        Tokenizador rápido del modelo.
    texts : sequence of str
        Textos.
    max_length : int
        Longitud máxima, especiales incluidos (>= número de especiales + 2).
    truncation : {"head", "head+tail"}
        Qué parte del texto conservar.

    Devuelve
    --------
    dict
        ``input_ids``, ``attention_mask`` (y ``token_type_ids`` si el tokenizador los da): una lista por texto.

    Errores
    -------
    CourseParameterError
        Si ``truncation`` no es una de las admitidas o ``max_length`` es demasiado pequeño.
    """
    check_choice("TRUNCATION", truncation, TRUNCATIONS)
    n_special = tokenizer.num_special_tokens_to_add(pair=False)
    max_length = check_int("MAX_LENGTH", max_length, minimum=n_special + 2,
                           fix=f"usa al menos {n_special + 2} tokens (p. ej. 256)")
    # Sin truncar (y sin el aviso de «secuencia más larga que el máximo»: aquí truncamos nosotros).
    full = tokenizer(list(texts), truncation=False, return_special_tokens_mask=True, verbose=False)
    head, tail = head_tail_sizes(max_length - n_special, truncation)
    out: dict[str, list[list[int]]] = {key: [] for key in full.keys() if key != "special_tokens_mask"}
    for i, mask in enumerate(full["special_tokens_mask"]):
        keep = _kept_positions(mask, head, tail)
        for key in out:
            values: list[Any] = full[key][i]
            out[key].append(values if keep is None else [values[j] for j in keep])
    return out


def _kept_positions(special_mask: list[int], head: int, tail: int) -> list[int] | None:
    """Posiciones a conservar: especiales iniciales, ``head`` + ``tail`` tokens de texto, especiales finales."""
    text_positions = [j for j, special in enumerate(special_mask) if not special]
    if len(text_positions) <= head + tail:
        return None  # cabe entero
    first, last = text_positions[0], text_positions[-1]
    body = text_positions[:head] + (text_positions[-tail:] if tail else [])
    return list(range(first)) + body + list(range(last + 1, len(special_mask)))


def truncated_fraction(tokenizer, texts: Sequence[str], *, max_length: int) -> float:
    """Fracción de ``texts`` que no caben enteros en ``max_length`` tokens (especiales incluidos)."""
    lengths = [len(ids) for ids in tokenizer(list(texts), truncation=False, verbose=False)["input_ids"]]
    return sum(n > max_length for n in lengths) / max(1, len(lengths))
