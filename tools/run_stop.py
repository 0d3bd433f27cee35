"""Detener ``make run-all`` sin perder nada: las señales, el núcleo de cada cuaderno y papermill en un hilo.

Lo usa :mod:`tools.run_course`. Ctrl+C (SIGINT) o SIGTERM llegan al hilo principal, que solo espera a papermill
(:func:`execute_notebook`); la primera señal mata el núcleo del cuaderno en curso (:func:`kill_kernels`), espera a
que papermill guarde la copia parcial y relanza la interrupción. Mientras se mueven archivos o se escribe el
resumen, una señal solo se anota (:func:`signals_deferred`).
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Segundos que se espera, tras matar el núcleo, a que papermill guarde la copia parcial y termine.
STOP_WAIT_S = 15.0


class StopRequested(KeyboardInterrupt):
    """Ctrl+C (SIGINT) o SIGTERM: se trata como un Ctrl+C, recordando qué señal fue."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _StopState:
    """La parada pedida con una señal, compartida por el manejador de señales, :func:`tools.run_course.run_one` y
    :func:`tools.run_course.main`.

    ``signum``: la primera señal recibida (``None`` si no hubo). ``deferred``: mientras se mueven archivos o se
    escribe el resumen, la señal solo se anota (no interrumpe a medias); :func:`main` para antes del siguiente
    cuaderno. ``stop`` y ``kernels``: los de la ejecución en curso (un núcleo que arranca tras la señal se mata nada
    más arrancar).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.deferred = False
        self.stop = threading.Event()
        self.kernels: list[Any] = []
        self.lock = threading.Lock()


STOP = _StopState()


def stop_reason(signum: int | None) -> str:
    """«por el usuario» (Ctrl+C), «por una señal SIGTERM»...: quién detuvo la ejecución, en palabras."""
    if signum in (None, signal.SIGINT):
        return "por el usuario"
    return f"por una señal {signal.Signals(signum).name}"


def stop_key(signum: int | None) -> str:
    """« (Ctrl+C)» si fue SIGINT (la señal ya se nombra en :func:`stop_reason` si fue otra)."""
    return " (Ctrl+C)" if signum in (None, signal.SIGINT) else ""


def _on_signal(signum: int, frame: Any) -> None:
    """Manejador de SIGINT y SIGTERM que instala :func:`stop_on_signals`: la primera señal detiene la ejecución; las
    demás, no."""
    if STOP.signum is not None:
        return  # ya se está deteniendo: no interrumpir a medias el guardado ni el resumen
    STOP.signum = signum
    STOP.stop.set()
    if not STOP.deferred:
        raise StopRequested(signum)


@contextmanager
def signals_deferred():
    """Dentro, una señal solo se anota (``STOP.signum``): lo que se hace aquí no queda a medias."""
    previous, STOP.deferred = STOP.deferred, True
    try:
        yield
    finally:
        STOP.deferred = previous


@contextmanager
def stop_on_signals():
    """Instala :func:`_on_signal` para SIGINT y SIGTERM (solo en el hilo principal) y deja los anteriores al salir."""
    STOP.signum, STOP.deferred = None, False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def kill_kernels() -> None:
    """Mata (SIGKILL) el núcleo de la ejecución en curso y los procesos que lanzó (su grupo de procesos)."""
    with STOP.lock:
        kernels = list(STOP.kernels)
    for km in kernels:
        pid = getattr(getattr(km, "provisioner", None), "pid", None)
        if not pid:
            continue
        try:
            if hasattr(os, "killpg") and os.getpgid(pid) != os.getpgrp():
                # jupyter_client lo lanza en su propia sesión: el grupo es suyo.
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            else:
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        except (ProcessLookupError, PermissionError):
            pass


class _QuietWhenStopping(logging.Filter):
    """Calla lo que papermill/nbclient registran en inglés sobre el núcleo que acabamos de matar a propósito
    («Kernel died while waiting for execute reply»): tras una señal, el mensaje en español lo da :func:`main`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not STOP.stop.is_set()


logging.getLogger("papermill").addFilter(_QuietWhenStopping())


@functools.cache
def kernel_manager_class() -> type:
    """El gestor de núcleos de papermill (``AsyncKernelManager``) con dos cambios.

    - Cifra el canal con el núcleo (CurveZMQ, ``transport_encryption="auto"``; el *kernelspec* de ipykernel declara
      que lo admite). Así el núcleo no avisa en inglés, en cada cuaderno, de que su canal TCP va sin cifrar
      («[IPKernelApp] WARNING | Kernel is running over TCP without encryption»): se quita la causa, no el mensaje.
    - Se anota en ``STOP.kernels`` al arrancar, para que Ctrl+C/SIGTERM lo maten (:func:`kill_kernels`).
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    class CourseKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            if zmq.has("curve"):  # las ruedas de pyzmq lo traen; sin él, el canal va sin cifrar (y avisa)
                kwargs.setdefault("transport_encryption", "auto")
            super().__init__(**kwargs)

        async def start_kernel(self, **kwargs: Any) -> None:
            await super().start_kernel(**kwargs)
            with STOP.lock:
                STOP.kernels.append(self)
            if STOP.stop.is_set():  # la señal llegó mientras arrancaba
                kill_kernels()

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrumpe (SIGINT) el núcleo antes de apagarlo; con el cuaderno ya terminado está
            # ocioso, y la interrupción solo le hacía escribir, a veces,
            # «[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.»
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return CourseKernelManager


def execute_notebook(path: Path, output: Path, run_params: dict[str, Any], build: Path) -> BaseException | None:
    """Ejecuta el cuaderno con papermill en un hilo y devuelve su excepción (``None`` si terminó bien).

    El hilo principal solo espera: así recibe Ctrl+C/SIGTERM al momento y decide qué hacer. (En el hilo principal,
    nbclient, dentro de papermill, pone sus propios manejadores de SIGINT y SIGTERM mientras ejecuta, que solo apagan
    el núcleo: según el momento, el cuaderno acababa con un error, o «interrumpido», y un SIGTERM mataba el proceso
    sin escribir el resumen. Fuera del hilo principal no puede ponerlos.) Con la señal mata el núcleo, espera a que
    papermill guarde la copia parcial y relanza la interrupción (``KeyboardInterrupt``).
    """
    import papermill

    outcome: dict[str, BaseException] = {}
    # Se espera a un Event, no con Thread.join: en Python 3.11, un join interrumpido por Ctrl+C da el hilo por
    # terminado aunque siga vivo (bpo-45274), y la copia parcial se movería antes de que papermill la guarde.
    done = threading.Event()
    with STOP.lock:
        STOP.stop, STOP.kernels = threading.Event(), []

    def work() -> None:
        try:
            papermill.execute_notebook(
                str(path), str(output), parameters=run_params, cwd=str(build), progress_bar=False,
                stdout_file=sys.stdout, stderr_file=sys.stderr, kernel_name="python3",
                kernel_manager_class=kernel_manager_class(),
            )
        except BaseException as exc:  # noqa: BLE001 - se devuelve al hilo principal
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name=f"papermill {path.stem}", daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt as exc:
        with signals_deferred():
            STOP.stop.set()
            kill_kernels()
            done.wait(STOP_WAIT_S)
        if done.is_set() and "error" not in outcome:
            # La señal llegó cuando papermill ya cerraba un cuaderno terminado: cuenta como terminado, y main() no
            # lanza el siguiente.
            STOP.signum = STOP.signum or getattr(exc, "signum", signal.SIGINT)
            return None
        raise
    finally:
        with STOP.lock:
            STOP.kernels = []
    return outcome.get("error")

