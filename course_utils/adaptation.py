"""¿Cuánto ajustar? Congelar capas, LoRA, rasgos congelados y medir su coste (cuaderno 06.5).

Funciones pequeñas que el cuaderno 06.5 usa para comparar cinco maneras de adaptar un modelo preentrenado:
contar parámetros entrenables, congelar todo salvo las ``k`` capas superiores y la cabeza, la fórmula del
número de parámetros de LoRA, una configuración de ``peft`` explicada, los rasgos de un codificador
congelado (media de sus vectores) y el pico de memoria de un bloque de código.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils._checks import check_choice, check_int, fail
from course_utils.models import encoder_parts
from course_utils.tokenization import TRUNCATIONS
from course_utils.uncertainty import length_sorted_batches, restored_modes

# Nombres de las proyecciones de atención en BERT/MiniLM (``BertSelfAttention`` y ``BertSelfOutput``).
ATTENTION_MODULES = ("query", "key", "value", "attention.output.dense")


@dataclass(frozen=True)
class ParameterCounts:
    """Parámetros de un modelo: totales y entrenables (``requires_grad``)."""

    total: int
    trainable: int

    @property
    def fraction(self) -> float:
        """Fracción entrenable (0 a 1)."""
        return self.trainable / self.total if self.total else 0.0

    def describe(self) -> str:
        """Frase en español, p. ej. «1 234 de 22 713 216 parámetros entrenables (5.43 %)»."""
        return (f"{self.trainable:,} de {self.total:,} parámetros entrenables "
                f"({100 * self.fraction:.2f} %)").replace(",", " ")


def count_parameters(model: nn.Module) -> ParameterCounts:
    """Cuenta los parámetros totales y los entrenables de ``model``.

    Parámetros
    ----------
    model : torch.nn.Module
        Cualquier modelo de PyTorch (también uno envuelto por ``peft``).

    Devuelve
    --------
    ParameterCounts

    Errores
    -------
    CourseParameterError
        Si ``model`` no es un ``torch.nn.Module``.
    """
    if not isinstance(model, nn.Module):
        raise fail("model", type(model).__name__, "no es un torch.nn.Module", "pasa el modelo cargado con transformers")
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return ParameterCounts(total=total, trainable=trainable)


def freeze_all_but_top(model: nn.Module, k: int) -> ParameterCounts:
    """Congela el modelo salvo las ``k`` capas superiores del codificador y lo que va encima (*pooler* y cabeza).

    Los *embeddings* y las capas inferiores quedan con ``requires_grad=False``: el optimizador no las toca y
    no se guardan sus gradientes. ``k=0`` deja solo la cabeza (y el *pooler*); ``k`` = número de capas, todo
    salvo los *embeddings*.

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo de clasificación tipo BERT (se modifica en el sitio).
    k : int
        Número de capas superiores que se entrenan, entre 0 y el número de capas.

    Devuelve
    --------
    ParameterCounts
        Parámetros totales y entrenables tras congelar.

    Errores
    -------
    CourseParameterError
        Si ``k`` no es un entero entre 0 y el número de capas, o el modelo no es tipo BERT.
    """
    layers = encoder_parts(model).layers
    n_layers = len(layers)
    k = check_int("k", k, minimum=0, fix=f"usa un entero entre 0 y {n_layers} (el número de capas del modelo)")
    if k > n_layers:
        raise fail("k", k, f"el modelo solo tiene {n_layers} capas", f"usa un entero entre 0 y {n_layers}")
    base = getattr(model, "base_model", model)
    for p in model.parameters():
        p.requires_grad = True
    for p in base.embeddings.parameters():
        p.requires_grad = False
    for layer in layers[: n_layers - k]:
        for p in layer.parameters():
            p.requires_grad = False
    return count_parameters(model)


def _target_linears(model: nn.Module, target_modules: Sequence[str]) -> list[tuple[str, nn.Linear]]:
    found = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear) and any(name == t or name.endswith("." + t) for t in target_modules):
            found.append((name, module))
    return found


def _check_targets(target_modules: Any) -> tuple[str, ...]:
    if isinstance(target_modules, str) or not isinstance(target_modules, Sequence) or not target_modules \
            or not all(isinstance(t, str) and t for t in target_modules):
        raise fail("target_modules", target_modules, "debe ser una lista no vacía de nombres de capas lineales",
                   'usa p. ej. ["query", "value"]')
    return tuple(target_modules)


@dataclass(frozen=True)
class LoraCount:
    """Parámetros que añade LoRA, contados a mano: ``r·(d_entrada + d_salida)`` por capa adaptada."""

    per_layer: dict[str, int] = field(default_factory=dict)  # {nombre de la capa: r·(d_in + d_out)}
    head: int = 0  # la cabeza de clasificación, que también se entrena (modules_to_save de peft)

    @property
    def lora(self) -> int:
        """Solo las matrices A y B."""
        return sum(self.per_layer.values())

    @property
    def total(self) -> int:
        """Lo que ``peft`` marca como entrenable: A y B de cada capa más la cabeza."""
        return self.lora + self.head


def lora_parameter_count(model: nn.Module, *, r: int, target_modules: Sequence[str],
                         head: str = "classifier") -> LoraCount:
    """Número de parámetros entrenables de LoRA según la fórmula, sin crear el adaptador.

    Cada capa lineal adaptada ``W`` (``d_out × d_in``) recibe ``A`` (``r × d_in``) y ``B`` (``d_out × r``):
    ``r·(d_in + d_out)`` parámetros, frente a los ``d_in·d_out`` de ``W``. ``peft`` entrena además la cabeza
    de clasificación (``head``), que se crea nueva para la tarea.

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo base (sin adaptador).
    r : int
        Rango de LoRA (≥ 1).
    target_modules : sequence of str
        Nombres (o finales de nombre) de las capas lineales adaptadas, como en ``peft.LoraConfig``.
    head : str
        Nombre del módulo de la cabeza; ``""`` si no se entrena.

    Devuelve
    --------
    LoraCount

    Errores
    -------
    CourseParameterError
        Si ``r`` no es un entero ≥ 1 o ningún módulo coincide con ``target_modules``.
    """
    r = check_int("r", r, minimum=1, fix="usa un rango entero >= 1 (p. ej. 8)")
    targets = _check_targets(target_modules)
    linears = _target_linears(model, targets)
    if not linears:
        raise fail("target_modules", list(targets), "ninguna capa lineal del modelo tiene ese nombre",
                   'usa nombres de capas lineales, p. ej. ["query", "value"] en BERT')
    per_layer = {name: r * (m.in_features + m.out_features) for name, m in linears}
    head_params = sum(p.numel() for p in getattr(model, head).parameters()) if head and hasattr(model, head) else 0
    return LoraCount(per_layer=per_layer, head=head_params)


def lora_config(*, r: int = 8, alpha: int = 16, target_modules: Sequence[str] = ("query", "value"),
                dropout: float = 0.1):
    """Configuración de ``peft`` para LoRA en clasificación de secuencias (``task_type="SEQ_CLS"``).

    Parámetros
    ----------
    r : int
        Rango: cuántas columnas tienen ``B`` y filas ``A``.
    alpha : int
        Escala: la actualización ``B·A`` se multiplica por ``alpha / r``.
    target_modules : sequence of str
        Capas lineales adaptadas.
    dropout : float
        *Dropout* aplicado a la entrada de ``A``, en [0, 1).

    Devuelve
    --------
    peft.LoraConfig

    Errores
    -------
    CourseParameterError
        Si algún valor está fuera de rango.
    """
    from peft import LoraConfig, TaskType

    r = check_int("r", r, minimum=1, fix="usa un rango entero >= 1 (p. ej. 8)")
    alpha = check_int("alpha", alpha, minimum=1, fix="usa un entero >= 1 (a menudo 2·r)")
    targets = _check_targets(target_modules)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise fail("dropout", dropout, "debe ser un número en [0, 1)", "usa p. ej. 0.1")
    return LoraConfig(task_type=TaskType.SEQ_CLS, r=r, lora_alpha=alpha, target_modules=list(targets),
                      lora_dropout=float(dropout))


def mean_pooled_features(
    model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    *,
    max_length: int = 256,
    truncation: str = "head",
    batch_size: int = 32,
) -> np.ndarray:
    """Rasgos de un codificador congelado: la media de los vectores de la última capa (sin el relleno).

    Una sola pasada hacia delante por reseña, sin gradientes: ``model`` no cambia.

    Parámetros
    ----------
    model : torch.nn.Module
        Modelo tipo BERT (de clasificación o el codificador solo); se usa ``model.base_model``.
    tokenizer : transformers.PreTrainedTokenizerBase
        Su tokenizador.
    texts : sequence of str
        Textos.
    max_length : int
        Longitud máxima en *tokens*.
    truncation : {"head", "head+tail"}
        Truncado (:func:`course_utils.tokenization.encode`).
    batch_size : int
        Reseñas por lote.

    Devuelve
    --------
    numpy.ndarray, forma (N, d)
        Un vector float32 por texto, en el orden de ``texts``.

    Errores
    -------
    CourseParameterError
        Textos vacíos o parámetros fuera de rango.
    """
    if isinstance(texts, str) or not isinstance(texts, Sequence) or len(texts) == 0:
        raise fail("texts", type(texts).__name__, "debe ser una lista no vacía de textos", "pasa una lista de reseñas")
    max_length = check_int("max_length", max_length, minimum=8, fix="usa un entero >= 8 (p. ej. 256)")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_choice("truncation", truncation, TRUNCATIONS)
    base = getattr(model, "base_model", model)
    device = next(model.parameters()).device
    out: np.ndarray | None = None
    # Los mismos lotes ordenados por longitud que predict_logits y MC dropout, y la misma restauración de modos.
    with restored_modes(model), torch.inference_mode():
        model.eval()
        for rows, batch in length_sorted_batches(tokenizer, list(texts), max_length=max_length, device=device,
                                                 batch_size=batch_size, truncation=truncation):
            hidden = base(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = ((hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)).cpu().numpy()
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[rows] = pooled
    return out


@dataclass
class MemoryPeak:
    """Pico de memoria de un bloque (lo rellena :func:`measure_peak_memory` al salir)."""

    device: str
    method: str = ""
    peak_mib: float = float("nan")
    seconds: float = float("nan")


@contextmanager
def measure_peak_memory(device: str, *, interval: float = 0.02) -> Iterator[MemoryPeak]:
    """Mide el pico de memoria **adicional** y el tiempo de un bloque ``with``.

    - En GPU (``"cuda"``): ``torch.cuda.max_memory_allocated`` menos la memoria ya ocupada al empezar (los
      tensores de PyTorch: pesos, activaciones, gradientes y estado del optimizador).
    - En CPU: la memoria residente (RSS) del proceso, muestreada cada ``interval`` segundos en un hilo, menos
      la de antes de empezar. Incluye todo lo que el proceso reserva (también fuera de PyTorch) y puede perder
      picos más breves que ``interval``; la memoria que el proceso ya tenía reservada y reutiliza no cuenta.

    Parámetros
    ----------
    device : {"cpu", "cuda", "mps"}
        Dispositivo donde corre el bloque.
    interval : float
        Periodo de muestreo en CPU (segundos, > 0).

    Devuelve
    --------
    MemoryPeak
        Se rellena al salir del bloque: ``peak_mib`` (MiB), ``seconds`` y ``method`` (qué se midió).

    Errores
    -------
    CourseParameterError
        Si ``device`` o ``interval`` no son válidos.
    """
    check_choice("device", device, ("cpu", "cuda", "mps"))
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
        raise fail("interval", interval, "debe ser un número > 0", "usa p. ej. 0.02 segundos")
    result = MemoryPeak(device=device)
    start = time.perf_counter()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        try:
            yield result
        finally:
            torch.cuda.synchronize()
            result.peak_mib = (torch.cuda.max_memory_allocated() - before) / 2**20
            result.method = "torch.cuda.max_memory_allocated − memoria ocupada al empezar"
            result.seconds = time.perf_counter() - start
        return
    import psutil

    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()
        peak[0] = max(peak[0], process.memory_info().rss)
        result.peak_mib = (peak[0] - before) / 2**20
        result.method = f"memoria residente (RSS) del proceso, muestreada cada {interval * 1000:.0f} ms, − la de antes"
        result.seconds = time.perf_counter() - start


def parameters_snapshot(model: nn.Module, *, only_frozen: bool = True) -> dict[str, torch.Tensor]:
    """Copia de los parámetros (por defecto, solo los congelados) para comprobar después que no cambiaron."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if not (only_frozen and p.requires_grad)}


def changed_parameters(model: nn.Module, snapshot: dict[str, torch.Tensor]) -> list[str]:
    """Nombres de los parámetros de ``snapshot`` que ya no son idénticos bit a bit en ``model``.

    Errores
    -------
    CourseParameterError
        Si ``snapshot`` nombra un parámetro que ``model`` no tiene.
    """
    current = dict(model.named_parameters())
    missing = [n for n in snapshot if n not in current]
    if missing:
        raise fail("snapshot", missing[:3], "nombra parámetros que el modelo no tiene",
                   "toma la copia con parameters_snapshot del mismo modelo")
    return [n for n, saved in snapshot.items() if not torch.equal(current[n].detach().cpu(), saved.cpu())]
