"""Operaciones de coma flotante (FLOPs) de un codificador tipo BERT, contadas con una sola fórmula.

Sirve para comparar lo que consigue un entrenamiento o una predicción (FLOP/s) con lo que puede
hacer la máquina (el pico de un producto de matrices grande): ``make bench`` la usa en cada fila.

La fórmula cuenta los productos de matrices, que son casi todo el cálculo; un producto de una
matriz ``m × k`` por otra ``k × p`` son ``2·m·k·p`` FLOPs (una multiplicación y una suma por
término). Para una secuencia de ``n`` tokens, con dimensión oculta ``d`` y capa intermedia
``d_ff``, **cada token en cada capa** cuesta en el paso hacia delante::

    2·(4·d² + 2·d·d_ff)   # proyecciones Q, K, V y salida (4·d²) y las dos capas de la FFN (2·d·d_ff)
    + 2·2·n·d             # atención: puntuaciones Q·Kᵀ y contexto (pesos × V), cada una n·d por token

y cada secuencia suma la cabeza de clasificación: ``2·(d² + d·c)`` (el *pooler* sobre el token
[CLS] y la capa final, con ``c`` clases). Entrenar cuesta **3 veces** el paso hacia delante: el
paso hacia atrás hace dos productos por cada uno del de ida (gradiente de la entrada y de los pesos).

No cuenta los *embeddings* (son búsquedas en una tabla, no productos), la normalización de capa, el
softmax, la GELU, el dropout ni el optimizador: cuestan tiempo, pero pocas operaciones. Por eso la
fórmula coincide con ``torch.utils.flop_counter.FlopCounterMode``, que tampoco los cuenta.

Los tokens de relleno **sí** cuestan: el modelo los calcula igual. Para el cálculo ejecutado se usa
la longitud del lote rellenado; para el cálculo útil, la longitud real de cada secuencia.
"""

from __future__ import annotations

from typing import Any

from course_utils._checks import check_int

__all__ = ["layer_flops", "head_flops", "forward_flops", "flops_per_token"]


def layer_flops(*, hidden_size: int, intermediate_size: int, seq_len: int, n_sequences: int = 1) -> int:
    """FLOPs del paso hacia delante de **una** capa del codificador.

    Parámetros
    ----------
    hidden_size : int
        Dimensión oculta ``d`` (384 en MiniLM, 768 en BERT base).
    intermediate_size : int
        Dimensión de la capa intermedia ``d_ff`` (normalmente ``4·d``).
    seq_len : int
        Tokens por secuencia ``n``, contando el relleno si lo hay (el modelo también los calcula).
    n_sequences : int
        Secuencias del lote.

    Devuelve
    --------
    int
        ``n_sequences · n · (2·(4·d² + 2·d·d_ff) + 2·2·n·d)``.
    """
    d = check_int("hidden_size", hidden_size)
    d_ff = check_int("intermediate_size", intermediate_size)
    n = check_int("seq_len", seq_len)
    b = check_int("n_sequences", n_sequences, minimum=0)
    return b * n * (2 * (4 * d * d + 2 * d * d_ff) + 2 * 2 * n * d)


def head_flops(*, hidden_size: int, num_labels: int, n_sequences: int = 1) -> int:
    """FLOPs del paso hacia delante de la cabeza de clasificación de BERT (*pooler* + capa final).

    Parámetros
    ----------
    hidden_size : int
        Dimensión oculta ``d``.
    num_labels : int
        Número de clases ``c``.
    n_sequences : int
        Secuencias del lote (la cabeza actúa una vez por secuencia, sobre el token [CLS]).

    Devuelve
    --------
    int
        ``n_sequences · 2·(d² + d·c)``.
    """
    d = check_int("hidden_size", hidden_size)
    c = check_int("num_labels", num_labels)
    b = check_int("n_sequences", n_sequences, minimum=0)
    return b * 2 * (d * d + d * c)


def forward_flops(config: Any, *, seq_len: int, n_sequences: int = 1, training: bool = False) -> int:
    """FLOPs de un lote de ``n_sequences`` secuencias de ``seq_len`` tokens por todo el modelo.

    Parámetros
    ----------
    config : transformers.PretrainedConfig
        La configuración del modelo (``model.config``): usa ``hidden_size``, ``intermediate_size``,
        ``num_hidden_layers`` y ``num_labels``.
    seq_len : int
        Tokens por secuencia (la longitud del lote rellenado, o la real de una secuencia).
    n_sequences : int
        Secuencias del lote.
    training : bool
        ``True``: paso hacia delante y hacia atrás (3 veces el de ida).

    Devuelve
    --------
    int
        Capas × :func:`layer_flops` + :func:`head_flops`, por 3 si ``training``.

    Errores
    -------
    CourseParameterError
        Si a ``config`` le falta alguno de esos campos.
    """
    from course_utils._checks import fail

    missing = [k for k in ("hidden_size", "intermediate_size", "num_hidden_layers", "num_labels")
               if not hasattr(config, k)]
    if missing:
        raise fail("config", type(config).__name__, f"le falta {', '.join(missing)}",
                   "pasa `model.config` de un modelo tipo BERT")
    layers = check_int("config.num_hidden_layers", config.num_hidden_layers)
    total = layers * layer_flops(hidden_size=config.hidden_size, intermediate_size=config.intermediate_size,
                                 seq_len=seq_len, n_sequences=n_sequences)
    total += head_flops(hidden_size=config.hidden_size, num_labels=config.num_labels, n_sequences=n_sequences)
    return 3 * total if training else total


def flops_per_token(config: Any, *, seq_len: int, training: bool = False) -> float:
    """FLOPs por token de una secuencia de ``seq_len`` tokens (la cabeza, repartida entre sus tokens).

    Parámetros
    ----------
    config : transformers.PretrainedConfig
        La configuración del modelo (``model.config``).
    seq_len : int
        Tokens de la secuencia: el término de atención crece con ella.
    training : bool
        ``True``: paso hacia delante y hacia atrás.

    Devuelve
    --------
    float
        ``forward_flops(config, seq_len=seq_len, training=training) / seq_len``; para MiniLM
        (d = 384, d_ff = 1536, 6 capas) a 256 tokens, unos 23,6 millones hacia delante.
    """
    return forward_flops(config, seq_len=seq_len, training=training) / seq_len
