"""Predicción con MC dropout: pasadas estocásticas por lotes, medidas de incertidumbre y abstención.

MC dropout (Gal y Ghahramani, 2016) deja el dropout activo en inferencia y promedia T pasadas:
la media aproxima la predictiva y su dispersión mide la incertidumbre del modelo.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from course_utils._checks import check_choice, check_float, check_int, fail
from course_utils.models import attention_dropout_field, encoder_parts, usable_positions
from course_utils.params import check_max_length
from course_utils.tokenization import TRUNCATIONS, encode

UNCERTAIN = "incierto"
# Atributos con los que algunos módulos guardan una probabilidad de dropout (float) que aplican
# con ``nn.functional.dropout(..., training=self.training)`` sin tener un ``nn.Dropout``.
_DROPOUT_FLOAT_ATTRS = ("attention_dropout", "dropout", "dropout_p", "attn_dropout", "dropout_prob")
_NORM_WITH_RUNNING_STATS = (nn.modules.batchnorm._BatchNorm,)
DEFAULT_BATCH_TOKENS = 16384  # tokens por llamada al modelo (textos × pasadas × longitud)
CPU_TOP_BATCH_TOKENS = 8192  # modo «top» en CPU sin dropout en la atención (ver default_batch_tokens)


def _is_active_dropout(module: nn.Module) -> bool:
    return isinstance(module, nn.modules.dropout._DropoutNd) and module.p > 0


def stochastic_modules(model: nn.Module) -> list[nn.Module]:
    """Módulos cuyo ``training`` debe estar activo para que actúe *todo* el dropout del modelo.

    No basta con los ``nn.Dropout``: en transformers 5, la atención de BERT aplica su dropout
    con ``dropout=0.0 if not self.training else self.dropout.p``, es decir, según el ``training``
    del propio módulo de atención, no del ``nn.Dropout`` que contiene. Por eso se incluyen:

    1. cada ``nn.Dropout`` (y variantes) con ``p > 0``;
    2. cada módulo (salvo la raíz) que contiene directamente uno de ellos;
    3. cada módulo con un atributo numérico de dropout > 0 (``attention_dropout``, ``dropout``...).

    Parámetros
    ----------
    model : torch.nn.Module
        El modelo.

    Devuelve
    --------
    list of torch.nn.Module
        Sin repetidos, en el orden de ``model.modules()``.
    """
    selected: dict[int, nn.Module] = {}
    for name, module in model.named_modules():
        if _is_active_dropout(module):
            selected[id(module)] = module
        elif name and any(_is_active_dropout(child) for child in module.children()):
            selected[id(module)] = module
        elif any(
            isinstance(getattr(module, attr, None), float) and getattr(module, attr) > 0
            for attr in _DROPOUT_FLOAT_ATTRS
        ):
            selected[id(module)] = module
    return list(selected.values())


@contextlib.contextmanager
def restored_modes(model: nn.Module) -> Iterator[None]:
    """Contexto que, al salir (también tras una excepción), devuelve a cada módulo su ``training``."""
    previous = {module: module.training for module in model.modules()}
    try:
        yield
    finally:
        for module, was_training in previous.items():
            module.training = was_training


@contextlib.contextmanager
def mc_dropout_mode(model: nn.Module) -> Iterator[list[nn.Module]]:
    """Contexto que activa todo el dropout del modelo y deja el resto en modo evaluación.

    Al salir (también si se lanza una excepción) restaura el ``training`` de *cada* módulo tal
    como estaba. El cuaderno original dejaba el modelo en ``train()`` tras predecir.

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo sin capas de batch normalization.

    Devuelve
    --------
    contexto
        Produce la lista de módulos activados.

    Errores
    -------
    CourseParameterError
        Si el modelo tiene batch normalization (en modo ``train`` actualizaría sus estadísticas
        y cambiaría el modelo) o si no tiene ningún dropout con probabilidad > 0.
    """
    batch_norms = [n for n, m in model.named_modules() if isinstance(m, _NORM_WITH_RUNNING_STATS)]
    if batch_norms:
        raise fail(
            "model",
            type(model).__name__,
            f"tiene capas de batch normalization ({', '.join(batch_norms[:3])}), que en modo entrenamiento cambiarían "
            "sus estadísticas",
            "MC dropout solo es seguro en modelos con dropout y sin batch normalization (como BERT); "
            "usa una sola pasada",
        )
    active = stochastic_modules(model)
    if not active:
        raise fail(
            "model",
            type(model).__name__,
            "no tiene ningún dropout activo (todos con p = 0), así que las T pasadas serían idénticas",
            "carga el modelo con dropout > 0 (p. ej. hidden_dropout_prob=0.1) o usa una sola pasada",
        )
    with restored_modes(model):
        model.eval()
        for module in active:
            module.training = True
        yield active


def uncertainty_measures(pass_probs: np.ndarray) -> dict[str, np.ndarray]:
    """Medidas de incertidumbre a partir de las probabilidades de cada pasada.

    Parámetros
    ----------
    pass_probs : numpy.ndarray, forma (T, N, C)
        Probabilidades (softmax) de T pasadas para N textos y C clases.

    Devuelve
    --------
    dict
        ``mean_probs`` (N, C) media p̄; ``std_probs`` (N, C) desviación entre pasadas;
        ``predictive_entropy`` (N,) H[p̄]; ``expected_entropy`` (N,) media_t H[p_t];
        ``mutual_information`` (N,) H[p̄] − media_t H[p_t] (incertidumbre del modelo).
        Entropías en nats.
    """
    probs = np.asarray(pass_probs, dtype=np.float64)
    if probs.ndim != 3:
        raise fail("pass_probs", probs.shape, "debe tener forma (T, N, C)",
                   "apila las probabilidades de cada pasada en el eje 0")
    mean = probs.mean(axis=0)

    def entropy(p: np.ndarray) -> np.ndarray:
        return -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=-1)

    predictive = entropy(mean)
    expected = entropy(probs).mean(axis=0)
    return {
        "mean_probs": mean,
        "std_probs": probs.std(axis=0),
        "predictive_entropy": predictive,
        "expected_entropy": expected,
        "mutual_information": np.maximum(predictive - expected, 0.0),
    }


@dataclass
class MCDropoutResult:
    """Resultado de :func:`mc_dropout_predict`. Ejes: T pasadas, N textos, C clases."""

    texts: list[str]
    label_names: list[str]
    pass_probs: np.ndarray  # (T, N, C)
    mean_probs: np.ndarray  # (N, C)
    std_probs: np.ndarray  # (N, C)
    predicted: np.ndarray  # (N,) índice de la clase con mayor p̄
    confidence: np.ndarray  # (N,) max_c p̄
    predictive_entropy: np.ndarray  # (N,)
    expected_entropy: np.ndarray  # (N,)
    mutual_information: np.ndarray  # (N,)
    threshold: float | None = None
    abstained: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (N,)

    @property
    def verdicts(self) -> list[str]:
        """Nombre de la clase predicha, o ``"incierto"`` si la confianza quedó bajo el umbral."""
        return [UNCERTAIN if a else self.label_names[p] for p, a in zip(self.predicted, self.abstained, strict=True)]

    def to_frame(self):
        """Tabla (``pandas.DataFrame``) con una fila por texto: veredicto, confianza, dispersión y entropías."""
        import pandas as pd

        frame = pd.DataFrame({"texto": self.texts, "veredicto": self.verdicts, "confianza": self.confidence})
        for c, name in enumerate(self.label_names):
            frame[f"p({name})"] = self.mean_probs[:, c]
            frame[f"std({name})"] = self.std_probs[:, c]
        frame["entropía"] = self.predictive_entropy
        frame["info. mutua"] = self.mutual_information
        return frame


def _validate_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise fail("texts", texts[:40], "es un texto suelto, no una lista", "pásalo dentro de una lista: [texto]")
    texts = list(texts)
    if not texts:
        raise fail("texts", texts, "la lista está vacía", "pasa al menos un texto")
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise fail("texts", text, f"el elemento {i} no es un texto o está vacío", "pasa solo textos no vacíos")
    return texts


def _chunks(lengths: np.ndarray, n_passes: int, batch_size: int, max_batch_tokens: int) -> Iterator[np.ndarray]:
    # Textos ordenados de más largo a más corto: cada lote se rellena hasta su primer texto, así
    # que el relleno es mínimo. Un lote lleva `filas × T` secuencias; se corta cuando superaría
    # el presupuesto de tokens (memoria acotada aunque los textos sean largos).
    order = np.argsort(-lengths, kind="stable")
    start = 0
    while start < len(order):
        longest = int(lengths[order[start]])
        rows = max(1, min(batch_size, max_batch_tokens // max(1, longest * n_passes)))
        yield order[start : start + rows]
        start += rows


def length_sorted_batches(
    tokenizer,
    texts: list[str],
    *,
    max_length: int,
    device,
    n_passes: int = 1,
    batch_size: int = 32,
    max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
    truncation: str = "head",
):
    """Lotes ``(filas, entradas)`` de textos de longitud parecida (menos relleno), listos para el modelo.

    La única forma de agrupar textos para predecir del proyecto: la usan :func:`predict_logits`, MC dropout
    y ``adaptation.mean_pooled_features``. No valida sus argumentos (lo hacen las funciones públicas que la llaman).

    Parámetros
    ----------
    tokenizer : transformers.PreTrainedTokenizerBase
        Tokenizador del modelo.
    texts : list of str
        Textos.
    max_length : int
        Longitud máxima en *tokens*.
    device : str o torch.device
        Dónde se ponen los tensores.
    n_passes : int
        Cada texto va repetido ``n_passes`` veces seguidas en su lote (las pasadas de MC dropout).
    batch_size : int
        Textos por lote, como mucho.
    max_batch_tokens : int
        *Tokens* por lote (con las repeticiones y el relleno), como mucho.
    truncation : {"head", "head+tail"}
        Qué parte de un texto largo se conserva.

    Devuelve
    --------
    iterador de (numpy.ndarray, dict)
        Los índices de los textos del lote en ``texts`` y sus entradas (``input_ids``, ``attention_mask``...).
    """
    encoded = encode(tokenizer, texts, max_length=max_length, truncation=truncation)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    for rows in _chunks(lengths, n_passes, batch_size, max_batch_tokens):
        features = [{k: encoded[k][i] for k in encoded.keys()} for i in rows]
        batch = tokenizer.pad(features, return_tensors="pt")
        yield rows, {k: v.to(device).repeat(n_passes, *([1] * (v.dim() - 1))) for k, v in batch.items()}


def _check_max_length(model: nn.Module, max_length: int) -> int:
    return check_max_length(max_length, usable_positions(getattr(model, "config", None)))


def predict_logits(
    model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    *,
    max_length: int = 256,
    batch_size: int = 32,
    max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
    truncation: str = "head",
) -> np.ndarray:
    """Logits de una sola pasada determinista (modo evaluación, sin dropout), en el orden de ``texts``.

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo de clasificación de secuencias.
    tokenizer : transformers.PreTrainedTokenizerBase
        Su tokenizador.
    texts : sequence of str
        Textos.
    max_length : int
        Longitud máxima en tokens (la del entrenamiento).
    batch_size, max_batch_tokens : int
        Límites de cada lote.
    truncation : {"head", "head+tail"}
        El truncado del entrenamiento (:func:`course_utils.tokenization.encode`).

    Devuelve
    --------
    numpy.ndarray, forma (N, C)
        Logits en float32. El modo (``training``) de cada módulo se restaura al terminar.

    Errores
    -------
    CourseParameterError
        Textos vacíos o parámetros fuera de rango.
    """
    texts = _validate_texts(texts)
    max_length = _check_max_length(model, max_length)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    max_batch_tokens = check_int("max_batch_tokens", max_batch_tokens, minimum=8)
    check_choice("truncation", truncation, TRUNCATIONS)
    device = next(model.parameters()).device
    out = None
    with restored_modes(model), torch.inference_mode():
        model.eval()
        for rows, batch in length_sorted_batches(tokenizer, texts, max_length=max_length, device=device, n_passes=1,
                                                 batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                                                 truncation=truncation):
            logits = model(**batch).logits.float().cpu().numpy()
            if out is None:
                out = np.zeros((len(texts), logits.shape[-1]), dtype=np.float32)
            out[rows] = logits
    return out


MODES = ("full", "head", "top")  # "top": entre los dos (capas de arriba y cabeza muestreadas)
AUTOCAST = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def _autocast(device: torch.device, precision: str):
    dtype = AUTOCAST[precision]
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()


def _full_passes(model, tokenizer, texts, max_length, n_passes, batch_size, max_batch_tokens, device, truncation):
    """Cada lote repite sus textos T veces: una llamada al modelo da las T pasadas."""
    with mc_dropout_mode(model):
        for rows, batch in length_sorted_batches(tokenizer, texts, max_length=max_length, device=device,
                                                 n_passes=n_passes, batch_size=batch_size,
                                                 max_batch_tokens=max_batch_tokens, truncation=truncation):
            logits = model(**batch).logits.float()
            yield rows, torch.softmax(logits, dim=-1).view(n_passes, len(rows), -1).cpu().numpy()


def classification_head(model: nn.Module) -> tuple[nn.Module, nn.Dropout]:
    """La capa de clasificación y su dropout (``model.classifier`` y ``model.dropout``, como en BERT).

    Errores
    -------
    CourseParameterError
        Si el modelo no tiene esa estructura o su dropout es 0.
    """
    head, dropout = getattr(model, "classifier", None), getattr(model, "dropout", None)
    if not isinstance(head, nn.Module) or not isinstance(dropout, nn.Dropout):
        raise fail("mode", "head", f"{type(model).__name__} no tiene `classifier` y `dropout` como BERT",
                   'usa mode="full"')
    if dropout.p <= 0:
        raise fail("mode", "head", "el dropout de la cabeza es 0, así que las pasadas serían idénticas",
                   'usa mode="full" o un modelo con classifier_dropout > 0')
    return head, dropout


def _head_passes(model, tokenizer, texts, max_length, n_passes, batch_size, max_batch_tokens, device, truncation):
    """El codificador una vez (modo evaluación); el dropout de la cabeza, T veces."""
    head, dropout = classification_head(model)
    captured: list[torch.Tensor] = []
    # La entrada de `classifier` en modo evaluación es la representación agrupada (el dropout es la identidad).
    handle = head.register_forward_pre_hook(lambda module, args: captured.append(args[0]))
    try:
        with restored_modes(model):
            model.eval()
            for rows, batch in length_sorted_batches(tokenizer, texts, max_length=max_length, device=device, n_passes=1,
                                                     batch_size=batch_size, max_batch_tokens=max_batch_tokens,
                                                     truncation=truncation):
                captured.clear()
                model(**batch)
                features = captured[0].unsqueeze(0).expand(n_passes, *captured[0].shape)
                logits = head(nn.functional.dropout(features, p=dropout.p, training=True)).float()
                yield rows, torch.softmax(logits, dim=-1).cpu().numpy()
    finally:
        handle.remove()


def _top_mode_parts(model: nn.Module):
    """Las piezas tipo BERT que necesita ``mode="top"`` (:func:`course_utils.models.encoder_parts`)."""
    return encoder_parts(model, parameter="mode", value="top", fix='usa mode="full" o mode="head"')


class _CachedEmbeddings(nn.Module):
    """Sustituto de ``embeddings`` que devuelve un estado oculto ya calculado (las capas bajas)."""

    def __init__(self, hidden: torch.Tensor):
        super().__init__()
        self.hidden = hidden

    def forward(self, *args, **kwargs) -> torch.Tensor:
        return self.hidden


@contextlib.contextmanager
def _swapped(owner: nn.Module, name: str, value: nn.Module) -> Iterator[None]:
    """Cambia ``owner.name`` por ``value`` y lo devuelve al salir, también tras una excepción."""
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _top_passes(model, tokenizer, texts, max_length, n_passes, batch_size, max_batch_tokens, device, truncation,
                top_layers):
    """Embeddings y capas bajas una vez (modo evaluación); las ``top_layers`` de arriba y la cabeza, T veces.

    Se llama al propio ``forward`` del modelo con ``embeddings`` y ``encoder.layer`` sustituidos,
    en vez de llamar a las capas a mano: así la máscara de atención la construye el modelo con
    su propio formato (SDPA, eager...) a partir de ``attention_mask``, igual que en los otros modos.
    """
    parts = _top_mode_parts(model)
    base, layers = parts.base, parts.layers
    split = len(layers) - top_layers
    lower, upper = nn.ModuleList(layers[:split]), nn.ModuleList(layers[split:])
    with mc_dropout_mode(model):  # restaura el `training` de todos los módulos, también los sustituidos
        base.embeddings.eval()
        lower.eval()  # las capas bajas y los embeddings, deterministas; las de arriba con su dropout
        for rows, batch in length_sorted_batches(tokenizer, texts, max_length=max_length, device=device,
                                                 n_passes=n_passes, batch_size=batch_size,
                                                 max_batch_tokens=max_batch_tokens, truncation=truncation):
            single = {k: v[: len(rows)] for k, v in batch.items()}  # el lote repite los textos T veces
            with _swapped(base.encoder, "layer", lower):
                hidden = base(**single).last_hidden_state
            stub = _CachedEmbeddings(hidden.repeat(n_passes, 1, 1))  # mismo orden que `batch`: pasada × fila
            with _swapped(base, "embeddings", stub), _swapped(base.encoder, "layer", upper):
                logits = model(**batch).logits.float()
            yield rows, torch.softmax(logits, dim=-1).view(n_passes, len(rows), -1).cpu().numpy()


def default_batch_tokens(device: torch.device | str, *, mode: str, n_passes: int, max_length: int,
                         attention_dropout: bool = True) -> int:
    """Presupuesto de tokens por llamada al modelo que usa :func:`mc_dropout_predict` si no se le da uno.

    En CPU y con MC dropout completo, ``n_passes × max_length``: el texto más largo va solo con sus
    T copias y los cortos se agrupan hasta ese tamaño (igual en modo ``"top"``, cuyas capas de arriba
    reciben las T copias, si el modelo tiene dropout en la atención). En modo ``"top"`` sin dropout en
    la atención (el modelo del perfil local), :data:`CPU_TOP_BATCH_TOKENS`: las capas bajas reciben
    1/T del presupuesto, y con ``n_passes × max_length`` calcularían lotes de un solo texto largo,
    que en CPU desaprovechan el producto de matrices; con el dropout de la atención activo, en cambio,
    los lotes grandes son más lentos. En CPU, en general, lotes mayores son *más lentos*: el relleno
    y la máscara de atención cuestan más de lo que ahorra el lote, y el tensor de atención deja de
    caber en la caché; además, generar las máscaras de dropout (``bernoulli_``) es una parte grande
    del tiempo en ambos casos. Las cifras medidas están en el README
    («Velocidad y ``MAX_LENGTH``»), y ``make bench`` las repite. En GPU (y en modo ``"head"``, que ejecuta el
    codificador en modo evaluación) conviene llenar el lote: 16384.

    Parámetros
    ----------
    device : torch.device o str
        Dispositivo del modelo.
    mode : {"full", "top", "head"}
        Modo de :func:`mc_dropout_predict`.
    n_passes, max_length : int
        Pasadas T y longitud máxima.
    attention_dropout : bool
        Si el modelo tiene dropout en la atención (:func:`has_attention_dropout`).

    Devuelve
    --------
    int
        Tokens por llamada (textos × T × longitud del más largo del lote).
    """
    if torch.device(device).type == "cpu" and mode == "top" and not attention_dropout:
        return max(CPU_TOP_BATCH_TOKENS, n_passes * max_length)
    if torch.device(device).type == "cpu" and mode in ("full", "top"):
        return n_passes * max_length
    return DEFAULT_BATCH_TOKENS


def has_attention_dropout(model: nn.Module) -> bool:
    """``True`` si la configuración del modelo tiene dropout en la atención > 0, o si no se sabe (sin ese campo).

    Lee el campo de :func:`course_utils.models.attention_dropout_field` (el que fija ``ATTENTION_DROPOUT``).
    """
    config = getattr(model, "config", None)
    field_name = attention_dropout_field(config) if config is not None else None
    return field_name is None or float(getattr(config, field_name) or 0.0) > 0


@contextlib.contextmanager
def _seeded_rng(device: torch.device, seed: int) -> Iterator[None]:
    """Siembra solo los generadores que se restauran al salir: el de la CPU y el del dispositivo del modelo.

    ``torch.manual_seed`` siembra además *todas* las GPU (y MPS), mientras que ``fork_rng`` restaura
    solo las que se le dicen: el estado aleatorio global de las demás quedaría cambiado.
    """
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        with torch.random.fork_rng(devices=[index], device_type="cuda"), torch.cuda.device(index):
            torch.random.default_generator.manual_seed(seed)
            torch.cuda.manual_seed(seed)  # solo el dispositivo actual, el del modelo
            yield
    elif device.type == "mps":
        with torch.random.fork_rng(device_type="mps"):
            torch.random.default_generator.manual_seed(seed)
            torch.mps.manual_seed(seed)
            yield
    else:
        with torch.random.fork_rng(devices=[]):
            torch.random.default_generator.manual_seed(seed)
            yield


def mc_dropout_predict(
    model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    *,
    n_passes: int = 5,
    max_length: int = 256,
    threshold: float | None = None,
    seed: int = 0,
    batch_size: int = 16,
    max_batch_tokens: int | None = None,
    label_names: list[str] | None = None,
    mode: str = "full",
    precision: str = "fp32",
    truncation: str = "head",
    top_layers: int = 2,
) -> MCDropoutResult:
    """Predice con MC dropout: T pasadas estocásticas, por lotes de textos, sin gradientes.

    Cada lote repite sus textos T veces en el eje del lote, de modo que una sola llamada al modelo
    produce las T pasadas (cada fila recibe su propia máscara de dropout). Los textos se tokenizan
    con ``truncation=True, max_length=max_length``: usa el mismo ``max_length`` que en el
    entrenamiento (el cuaderno original entrenaba a 512 y predecía a 256).

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo de clasificación de secuencias (devuelve ``.logits``).
    tokenizer : transformers.PreTrainedTokenizerBase
        Su tokenizador.
    texts : sequence of str
        Textos a clasificar.
    n_passes : int
        Número de pasadas T (>= 1).
    max_length : int
        Longitud máxima en tokens, entre 8 y la del modelo.
    threshold : float, opcional
        Umbral de confianza en [0, 1]: por debajo, el veredicto es ``"incierto"``. ``None``: sin abstención.
    seed : int
        Semilla de las máscaras de dropout; misma semilla → mismo resultado. No altera el
        estado aleatorio global.
    batch_size : int
        Máximo de textos por lote.
    max_batch_tokens : int, opcional
        Presupuesto de tokens por llamada al modelo (textos × T × longitud); acota la memoria
        aunque los textos sean largos. ``None`` elige según el caso (:func:`default_batch_tokens`):
        en CPU con ``mode="full"``, ``n_passes × max_length`` (un texto largo, o varios cortos, por
        llamada), y con ``mode="top"`` lo mismo, o 8192 si el modelo no tiene dropout en la atención;
        en los demás casos, 16384.
    label_names : list of str, opcional
        Nombres de clase; por defecto ``model.config.id2label``.
    mode : {"full", "top", "head"}
        ``"full"``: todo el dropout del modelo se muestrea en cada pasada (MC dropout completo).
        ``"top"``: los embeddings y las L − k capas bajas del codificador se ejecutan una sola vez,
        en modo evaluación; su estado oculto se repite T veces y las k capas de arriba
        (``top_layers``), el *pooler* y la cabeza se ejecutan con todo su dropout activo. Cuesta
        ≈ (L − k + k·T) / (L·T) del modo completo (L = 6, k = 2, T = 5: 0,47).
        ``"head"``: el codificador se ejecuta una sola vez, en modo evaluación, y solo se muestrea el
        dropout de la cabeza de clasificación T veces. Mucho más barato (≈ una pasada), pero mide
        solo la incertidumbre de la cabeza; el cuaderno de calibración compara los tres.
    precision : {"fp32", "bf16", "fp16"}
        Autocast durante la inferencia (``Precision.name`` de :func:`course_utils.runtime.mixed_precision`).
    truncation : {"head", "head+tail"}
        El truncado del entrenamiento (:func:`course_utils.tokenization.encode`).
    top_layers : int
        Solo con ``mode="top"``: cuántas capas k de arriba se muestrean, entre 1 y L (el número de
        capas del codificador). Con ``k = L`` solo los embeddings quedan deterministas.

    Devuelve
    --------
    MCDropoutResult
        Probabilidades por pasada, media, desviación, clase, confianza, entropías, abstención.

    Errores
    -------
    CourseParameterError
        Parámetros fuera de rango, textos vacíos, un modelo sin dropout o con batch normalization,
        o ``mode="top"`` con un modelo sin ``encoder.layer`` como BERT.

    Ejemplo
    -------
    >>> r = mc_dropout_predict(model, tokenizer, ["Great film!"], n_passes=5, threshold=0.6)  # doctest: +SKIP
    >>> r.verdicts  # doctest: +SKIP
    ['positivo']
    """
    texts = _validate_texts(texts)
    n_passes = check_int("n_passes", n_passes, minimum=1, fix="usa al menos 1 pasada (lo habitual es de 5 a 20)")
    max_length = _check_max_length(model, max_length)
    if threshold is not None:
        threshold = check_float("threshold", threshold, 0.0, 1.0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    check_choice("mode", mode, MODES)
    if mode == "top":
        n_layers = len(_top_mode_parts(model).layers)
        top_layers = check_int("top_layers", top_layers, minimum=1,
                               fix=f"usa un entero entre 1 y {n_layers} (las capas del codificador)")
        if top_layers > n_layers:
            raise fail("top_layers", top_layers, f"el codificador solo tiene {n_layers} capas",
                       f"usa un entero entre 1 y {n_layers}")
    check_choice("precision", precision, tuple(AUTOCAST))
    check_choice("truncation", truncation, TRUNCATIONS)
    config_names = getattr(getattr(model, "config", None), "id2label", None) or {}
    names = list(label_names) if label_names else [config_names[i] for i in sorted(config_names)]
    num_labels = getattr(getattr(model, "config", None), "num_labels", None)
    if label_names and num_labels and len(names) != num_labels:
        raise fail("label_names", list(label_names), f"tiene {len(names)} nombres y el modelo {num_labels} clases",
                   "da un nombre por clase, en el orden de los índices (o no lo pases y se usa model.config.id2label)")

    device = next(model.parameters()).device
    if max_batch_tokens is None:
        max_batch_tokens = default_batch_tokens(device, mode=mode, n_passes=n_passes, max_length=max_length,
                                                attention_dropout=has_attention_dropout(model))
    max_batch_tokens = check_int("max_batch_tokens", max_batch_tokens, minimum=8)
    probs = None
    sampler = {"full": _full_passes, "head": _head_passes,
               "top": functools.partial(_top_passes, top_layers=top_layers)}[mode]
    with torch.inference_mode(), _seeded_rng(device, seed), _autocast(device, precision):
        for rows, chunk in sampler(model, tokenizer, texts, max_length, n_passes, batch_size, max_batch_tokens, device,
                                   truncation):
            if probs is None:
                probs = np.zeros((n_passes, len(texts), chunk.shape[-1]))
            probs[:, rows, :] = chunk
    if len(names) != probs.shape[-1]:
        names = [str(i) for i in range(probs.shape[-1])]
    measures = uncertainty_measures(probs)
    mean = measures["mean_probs"]
    confidence = mean.max(axis=-1)
    if threshold is not None and threshold <= 1.0 / probs.shape[-1]:
        warnings.warn(
            f"threshold={threshold} nunca abstiene: con {probs.shape[-1]} clases la confianza es siempre >= "
            f"{1 / probs.shape[-1]:.2f}. Usa un umbral mayor (p. ej. 0.6 con 2 clases).",
            stacklevel=2,
        )
    abstained = confidence < threshold if threshold is not None else np.zeros(len(texts), dtype=bool)
    return MCDropoutResult(
        texts=texts,
        label_names=names,
        pass_probs=probs,
        predicted=mean.argmax(axis=-1),
        confidence=confidence,
        threshold=threshold,
        abstained=abstained,
        **measures,
    )
