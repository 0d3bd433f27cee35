"""Entorno de ejecución: dispositivo, precisión mixta, semillas, versiones y acceso al Hub."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from course_utils._checks import check_choice, check_int, fail

DEVICES = ("auto", "cpu", "cuda", "mps")

COLAB_GPU_HELP = (
    "en Colab: menú «Entorno de ejecución» → «Cambiar tipo de entorno de ejecución» → "
    "elige una GPU (p. ej. T4) y vuelve a ejecutar; o usa DEVICE=\"auto\" (elige solo) o DEVICE=\"cpu\""
)

# Bibliotecas cuya versión se informa al principio de cada cuaderno.
REPORTED_PACKAGES = (
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "peft",
    "scikit-learn",
    "numpy",
    "pandas",
    "matplotlib",
    "course_utils",
)


def _available(device: str) -> bool:
    if device == "cpu":
        return True
    if device == "cuda":
        return torch.cuda.is_available()
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def resolve_device(device: str = "auto", *, verbose: bool = True) -> str:
    """Resuelve el parámetro ``DEVICE`` a un dispositivo de torch disponible.

    Parámetros
    ----------
    device : {"auto", "cpu", "cuda", "mps"}
        ``"auto"`` elige ``cuda`` si hay GPU NVIDIA, si no ``mps`` (Apple), si no ``cpu``.
    verbose : bool
        Si es ``True``, imprime qué dispositivo se eligió y por qué.

    Devuelve
    --------
    str
        ``"cpu"``, ``"cuda"`` o ``"mps"``.

    Errores
    -------
    CourseParameterError
        Si ``device`` no es una opción conocida o el dispositivo pedido no existe en esta máquina.

    Ejemplo
    -------
    >>> resolve_device("cpu", verbose=False)
    'cpu'
    """
    check_choice("DEVICE", device, DEVICES)
    if device == "auto":
        chosen = next(d for d in ("cuda", "mps", "cpu") if _available(d))
        if verbose:
            reason = "hay una GPU disponible" if chosen != "cpu" else "no se encontró ninguna GPU (ni CUDA ni MPS)"
            print(f"DEVICE=\"auto\" → se usa '{chosen}' ({reason}).")
        return chosen
    if not _available(device):
        raise fail("DEVICE", device, f"no hay dispositivo '{device}' en esta máquina", COLAB_GPU_HELP)
    if verbose:
        print(f"DEVICE=\"{device}\" → se usa '{device}'.")
    return device


@dataclass(frozen=True)
class Precision:
    """Precisión numérica (mixta) elegida para ``TrainingArguments`` (campos ``bf16`` y ``fp16``)."""

    bf16: bool
    fp16: bool

    @property
    def name(self) -> str:
        """Nombre legible: ``"bf16"``, ``"fp16"`` o ``"fp32"``."""
        return "bf16" if self.bf16 else "fp16" if self.fp16 else "fp32"


def cpu_name() -> str:
    """Nombre del procesador (de /proc/cpuinfo en Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU desconocida"


def cpu_flags() -> set[str]:
    """Las instrucciones que declara la CPU (``flags`` de /proc/cpuinfo en Linux; vacío en otros sistemas)."""
    try:
        return set(Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="ignore").split())
    except OSError:
        return set()


def cpu_supports_bf16() -> bool:
    """``True`` si la CPU tiene instrucciones bf16 nativas (``avx512_bf16`` o ``amx_bf16``, Linux).

    Sin ellas, bf16 en CPU se emula y es *más lento* que fp32; por eso no basta con que torch lo admita.
    """
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


# Las instrucciones que cambian los números de un entrenamiento en CPU (otros núcleos de cálculo, otro redondeo).
CPU_FEATURES = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 bf16"), ("avx512f", "AVX-512"), ("avx2", "AVX2"))


def machine_description(device: str = "cpu") -> str:
    """Una línea que identifica la máquina de una cifra: procesador, sus instrucciones de cálculo, hilos y GPU.

    Dos máquinas con otra línea pueden dar otro modelo con la misma semilla (otros núcleos de cálculo
    en bf16 o fp32): por eso cada cifra medida la lleva.

    Parámetros
    ----------
    device : str
        Dispositivo resuelto (:func:`resolve_device`); con ``"cuda"`` se añade el nombre de la GPU.

    Devuelve
    --------
    str
        P. ej. ``"AMD EPYC (AVX2), 2 hilos"`` o
        ``"Intel(R) Xeon(R) Processor (AMX, AVX-512 bf16, AVX-512, AVX2), 2 hilos"``.

    Ejemplo
    -------
    >>> "hilos" in machine_description("cpu")
    True
    """
    flags = cpu_flags()
    features = ", ".join(name for flag, name in CPU_FEATURES if flag in flags)
    text = f"{cpu_name()}{f' ({features})' if features else ''}, {torch.get_num_threads()} hilos"
    if device == "cuda" and torch.cuda.is_available():
        text += f", GPU {torch.cuda.get_device_name(0)}"
    return text


def mixed_precision(device: str, *, enabled: bool = True, verbose: bool = True) -> Precision:
    """Decide la precisión numérica reducida (bf16/fp16) según el *hardware*.

    CUDA: bf16 si la GPU lo tiene nativo (capacidad >= 8.0), si no fp16 (una T4 de Colab: fp16). CPU: bf16 (autocast)
    solo si la CPU tiene instrucciones bf16 nativas. MPS u otro caso: fp32.

    Parámetros
    ----------
    device : str
        Dispositivo ya resuelto con :func:`resolve_device`.
    enabled : bool
        ``False`` fuerza fp32 (parámetro ``MIXED_PRECISION`` de los cuadernos).
    verbose : bool
        Si es ``True``, imprime la elección y el motivo.

    Devuelve
    --------
    Precision
        Campos ``bf16`` y ``fp16``, listos para ``TrainingArguments(**precision_kwargs(p))``.
    """
    if not enabled:
        result, why = Precision(bf16=False, fp16=False), "desactivada con MIXED_PRECISION=False"
    elif device == "cuda":
        # bf16 nativo desde Ampere (capacidad 8.0). torch.cuda.is_bf16_supported() cuenta también el bf16
        # *emulado*, que en una T4 (7.5, la GPU habitual de Colab) es más lento que fp16.
        capability = torch.cuda.get_device_capability()
        bf16 = capability >= (8, 0)
        result = Precision(bf16=bf16, fp16=not bf16)
        cc = f"{capability[0]}.{capability[1]}"
        why = f"GPU con bf16 nativo (capacidad {cc})" if bf16 else f"GPU de capacidad {cc}, sin bf16 nativo: fp16"
    elif device == "cpu" and cpu_supports_bf16():
        result, why = Precision(bf16=True, fp16=False), "CPU con instrucciones bf16 (autocast)"
    else:
        result = Precision(bf16=False, fp16=False)
        why = "la CPU no tiene instrucciones bf16 nativas" if device == "cpu" else f"dispositivo '{device}'"
    if verbose:
        print(f"Precisión numérica: {result.name} ({why}).")
    if device == "cuda" and result.name != "fp32":
        disable_cudnn_attention(device, verbose=verbose)
    return result


def disable_cudnn_attention(device: str, *, verbose: bool = True) -> bool:
    """Quita el núcleo cuDNN de la atención de PyTorch (``scaled_dot_product_attention``) en GPU.

    En una GPU reciente (medido en una H100, torch 2.11), la atención con máscara de relleno en bf16/fp16
    va primero a cuDNN, que prepara un plan de ejecución para cada forma de lote nueva (cientos de ms a
    la ida y otros tantos a la vuelta). Con el relleno dinámico del curso casi cada lote trae una forma
    nueva: el entrenamiento en bf16 iba 20 veces más lento que en fp32. Sin cuDNN, PyTorch usa
    FlashAttention o la atención «memory-efficient», que no preparan nada por forma. Cambia una opción
    global de PyTorch (``torch.backends.cuda.enable_cudnn_sdp``) para todo el proceso, y lo dice.
    :func:`mixed_precision` la llama al elegir bf16/fp16 en CUDA.

    Parámetros
    ----------
    device : str
        Dispositivo resuelto; fuera de ``"cuda"`` no hace nada.
    verbose : bool
        Si es ``True``, imprime qué se cambió y por qué.

    Devuelve
    --------
    bool
        ``True`` si estaba activado y se ha quitado.
    """
    if device != "cuda" or not torch.backends.cuda.cudnn_sdp_enabled():
        return False
    torch.backends.cuda.enable_cudnn_sdp(False)
    if verbose:
        print("Atención: sin el núcleo cuDNN (prepara un plan por cada forma de lote nueva y, con relleno dinámico, "
              "casi cada lote es nuevo); se usan FlashAttention o «memory-efficient».")
    return True


def precision_kwargs(precision: Precision) -> dict[str, bool]:
    """Devuelve ``{"bf16": ..., "fp16": ...}`` para ``TrainingArguments``."""
    return asdict(precision)


def seed_everything(seed: int) -> int:
    """Fija la semilla de ``random``, ``numpy`` y ``torch`` (con ``transformers.set_seed``).

    Parámetros
    ----------
    seed : int
        Semilla, entero >= 0.

    Devuelve
    --------
    int
        La semilla usada.

    Errores
    -------
    CourseParameterError
        Si ``seed`` no es un entero >= 0.
    """
    from transformers import set_seed

    seed = check_int("SEED", seed, minimum=0)
    set_seed(seed)
    return seed


def in_colab() -> bool:
    """``True`` si el código corre dentro de Google Colab."""
    return "google.colab" in sys.modules


def library_versions() -> dict[str, str]:
    """Versiones instaladas de las bibliotecas del curso (``"no instalada"`` si falta alguna)."""
    versions = {"python": platform.python_version()}
    for name in REPORTED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name.replace("_", "-"))
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "no instalada"
    return versions


def environment_report(device: str | None = None) -> dict[str, str]:
    """Imprime y devuelve las versiones de las bibliotecas y el *hardware* disponible.

    Parámetros
    ----------
    device : str, opcional
        Dispositivo que se va a usar, si ya se eligió (solo se informa).

    Devuelve
    --------
    dict
        Versión de cada biblioteca más ``"gpu"``, ``"entorno"`` y, si se da, ``"DEVICE"``.
    """
    report = library_versions()
    if torch.cuda.is_available():
        report["gpu"] = torch.cuda.get_device_name(0)
    elif _available("mps"):
        report["gpu"] = "Apple MPS"
    else:
        report["gpu"] = "ninguna (se entrenará en CPU)"
    report["cpu"] = f"{cpu_name()}{' (con bf16)' if cpu_supports_bf16() else ''}, {torch.get_num_threads()} hilos"
    report["entorno"] = "Google Colab" if in_colab() else f"{platform.system()} {platform.machine()}"
    if device is not None:
        report["DEVICE"] = device
    width = max(len(k) for k in report)
    print("Entorno de ejecución")
    for key, value in report.items():
        print(f"  {key:<{width}}  {value}")
    return report


def configure_progress_bars(show: bool | None = None) -> bool:
    """Activa o desactiva las barras de progreso de datasets, transformers y huggingface_hub.

    En un cuaderno interactivo (Colab) las barras ayudan; en una ejecución con papermill o
    ``make run-all`` llenan el registro con una línea por actualización.

    Parámetros
    ----------
    show : bool, opcional
        ``None`` (por defecto): mostrarlas solo en Colab.

    Devuelve
    --------
    bool
        Si quedaron activadas.
    """
    import datasets
    import huggingface_hub.utils
    import transformers

    show = in_colab() if show is None else bool(show)
    if show:
        datasets.enable_progress_bars()
        transformers.utils.logging.enable_progress_bar()
        huggingface_hub.utils.enable_progress_bars()
    else:
        datasets.disable_progress_bars()
        transformers.utils.logging.disable_progress_bar()
        huggingface_hub.utils.disable_progress_bars()
    return show


def _env_true(name: str) -> bool:
    """Lee una variable booleana como huggingface_hub (``1``, ``ON``, ``YES``, ``TRUE``)."""
    return os.environ.get(name, "").upper() in {"1", "ON", "YES", "TRUE"}


def hub_reachable(timeout: float = 3.0) -> bool:
    """Comprueba, con un tiempo límite, si el Hub de Hugging Face responde.

    Hace una petición ``HEAD`` a la raíz del Hub con la misma sesión HTTP que usan
    ``huggingface_hub`` (y por tanto ``transformers`` y ``datasets``):
    ``huggingface_hub.get_session()``. Así respeta lo mismo que una descarga real:
    ``HF_ENDPOINT`` (un espejo), los proxies de ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``
    (leídos al crear esa sesión) y ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE``. Se escribe a mano
    porque ``transformers`` y ``datasets`` reintentan durante ~30-50 s antes de rendirse sin red.
    No imprime nada.

    Parámetros
    ----------
    timeout : float
        Segundos máximos de espera de cada fase (conexión, respuesta).

    Devuelve
    --------
    bool
        ``True`` si el Hub (o el espejo de ``HF_ENDPOINT``) responde con un código < 400;
        ``False`` en modo sin conexión, si no se puede conectar, si no responde a tiempo o si
        el proxy o el servidor devuelven un error.
    """
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.is_offline_mode() or _env_true("HF_HUB_OFFLINE") or _env_true("TRANSFORMERS_OFFLINE"):
        return False
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    try:
        response = get_session().head(f"{endpoint}/", timeout=timeout, follow_redirects=True)
    except Exception:  # sin red, DNS, tiempo agotado, proxy caído, URL inválida, modo sin conexión
        return False
    return response.status_code < 400
