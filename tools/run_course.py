"""Ejecuta los cuadernos del curso con papermill en build/, los pasa a HTML y escribe un resumen.

Lo llama ``make run-all`` (y ``make smoke``); ver ``python tools/run_course.py --help``.
Los cuadernos de ``notebooks/`` nunca se modifican: las copias ejecutadas van a ``build/``.

Detener una ejecución no pierde nada. Cada cuaderno se ejecuta en ``build/<cuaderno>.en-curso.ipynb`` y solo al
terminar sustituye a ``build/<cuaderno>.ipynb`` (y a su HTML); si falla, la copia parcial ocupa su sitio, como
siempre, para inspeccionarla. Ctrl+C (SIGINT, a todo el grupo de procesos o solo a este) o SIGTERM matan el núcleo
del cuaderno en curso en unos segundos: su copia parcial queda en ``build/<cuaderno>.interrumpido.ipynb``, la
última ejecución completa sigue en ``build/<cuaderno>.ipynb``, el resumen lo marca «interrumpido» y el proceso sale
con 130 (SIGINT) o 143 (SIGTERM).
"""

from __future__ import annotations

import argparse
import ast
import functools
import html
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from notebook_files import course_notebooks  # noqa: E402

# La regla de perfiles vive en course_utils.profiles (una sola copia: la usan también los cuadernos).
from course_utils.profiles import EXPECTED_MINUTES, LOCAL_PARAMS, PROFILES, SMOKE_PARAMS  # noqa: E402,F401

# El cuaderno que entrena el modelo que otros reutilizan (parámetro FINETUNED_DIR), y dónde lo deja en build/.
FINETUNED_NOTEBOOK = "06_3_Ajuste_Fino_Clasificacion"


# Parámetros que el resumen muestra por cuaderno (los que escribe en metrics.json y mueven los resultados).
SHOWN_PARAMETERS = ("MODEL", "DATA", "DEVICE", "precision", "n_per_class", "epochs", "learning_rate", "max_length",
                    "MAX_LENGTH", "ATTENTION_DROPOUT", "TRUNCATION", "N_TEST", "N_MC", "N_PER_CLASS")


@dataclass
class Result:
    """Resultado de ejecutar un cuaderno."""

    name: str
    status: str = "pendiente"
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    scoreboard: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    html: str = ""


def parse_value(text: str) -> Any:
    """Convierte ``"3"`` → 3, ``"5e-5"`` → 5e-05, ``"cpu"`` → ``"cpu"`` (como literales de Python)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def choose_profile(requested: str, data_override: str | None, user_params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Resuelve el perfil con :mod:`course_utils.profiles` (``auto`` → ``completo`` si el Hub responde, si no
    ``local``) y devuelve sus parámetros, con los del usuario (``-p``, ``--data``) por encima.
    """
    from course_utils import profiles

    user_params = user_params or {}
    profile, why = profiles.choose_profile(requested)
    print(f"PERFIL={requested} → '{profile}': {why}." if requested == "auto" else f"PERFIL={profile} (elegido por ti).")
    params, notes = profiles.profile_params(profile, data=data_override, user_params=user_params)
    for note in notes:
        print(f"  {note} (cámbialo con {note.split('=')[0]}=...)")
    params.update(user_params)
    if params:
        print("  Parámetros del perfil: " + ", ".join(f"{k}={v!r}" for k, v in params.items()))
    return profile, params


def notebook_params(path: Path) -> dict[str, dict[str, Any]]:
    """Parámetros de la celda ``parameters`` del cuaderno: ``{nombre: {"default": ..., ...}}``."""
    import papermill

    return dict(papermill.inspect_notebook(str(path)))


def notebook_run_params(path: Path, params: dict[str, Any], explicit: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Los parámetros que recibe un cuaderno: los que define, con sus datos propios respetados.

    Avisa de los que el cuaderno no define (no se pasan). ``OUTPUT_DIR`` se incluye (con su valor
    por defecto) si el cuaderno lo define, para que quien llama lo fije.
    """
    known = notebook_params(path)
    if "PERFIL" in known and "PERFIL" in params:
        # El cuaderno resuelve su perfil con la misma regla (course_utils.profiles): recibe el perfil elegido y
        # solo lo que fijó el usuario, y así distingue lo tuyo de lo del perfil (p. ej. para ajustar N_PER_CLASS a tus datos).
        run_params = {"PERFIL": params["PERFIL"], **{k: params[k] for k in sorted(explicit) if k in known and k in params}}
        if "FIJADOS" in known:  # lo que diste en la línea de órdenes no lo cambia el perfil, aunque sea el valor de la lección
            run_params["FIJADOS"] = sorted(k for k in run_params if k not in ("PERFIL", "DATA"))
        ignored = sorted(k for k in explicit if k not in known)
        if ignored:
            print(f"  ⚠ {path.name} no define {', '.join(ignored)}: esos parámetros no se le pasan.")
        for name in ("OUTPUT_DIR", "FINETUNED_DIR"):
            if name in known:
                run_params.setdefault(name, parse_value(str(known[name]["default"])))
        return run_params
    params = {k: v for k, v in params.items() if k != "PERFIL"}
    unknown = sorted(set(params) - set(known))
    if unknown:
        print(f"  ⚠ {path.name} no define {', '.join(unknown)}: esos parámetros no se le pasan.")
    run_params = {k: v for k, v in params.items() if k in known}
    # Los perfiles apuntan DATA a IMDB; un cuaderno con otros datos (p. ej. los ejercicios en español,
    # con su conjunto incluido en el paquete) conserva los suyos.
    default_data = str(known.get("DATA", {}).get("default", "")).strip("'\"")
    if "DATA" in run_params and default_data and default_data != "imdb" and "DATA" not in explicit:
        print(f"  {path.name} usa sus propios datos (DATA={default_data!r}); el perfil no los cambia.")
        del run_params["DATA"]
        # Y no pide más ejemplos por clase de los que el cuaderno usa con esos datos.
        own_n = parse_value(str(known.get("N_PER_CLASS", {}).get("default", "None")))
        if isinstance(own_n, int) and run_params.get("N_PER_CLASS", 0) > own_n and "N_PER_CLASS" not in explicit:
            print(f"  N_PER_CLASS={run_params['N_PER_CLASS']} supera los datos de {path.name}: se usa {own_n}.")
            run_params["N_PER_CLASS"] = own_n
    for name in ("OUTPUT_DIR", "FINETUNED_DIR"):
        if name in known:
            run_params.setdefault(name, parse_value(str(known[name]["default"])))
    return run_params


# Dónde escribe papermill mientras ejecuta un cuaderno (build/<cuaderno>.en-curso.ipynb) y dónde queda la copia
# parcial de un cuaderno interrumpido (build/<cuaderno>.interrumpido.ipynb): build/<cuaderno>.ipynb solo cambia al
# terminar (bien o con un error).
RUNNING_SUFFIX = ".en-curso"
INTERRUPTED_SUFFIX = ".interrumpido"
# Segundos que se espera, tras matar el núcleo, a que papermill guarde la copia parcial y termine.
STOP_WAIT_S = 15.0


class StopRequested(KeyboardInterrupt):
    """Ctrl+C (SIGINT) o SIGTERM: se trata como un Ctrl+C, recordando qué señal fue."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _StopState:
    """La parada pedida con una señal, compartida por el manejador de señales, :func:`run_one` y :func:`main`.

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
    """Manejador de SIGINT y SIGTERM que instala :func:`main`: la primera señal detiene la ejecución; las demás, no."""
    if STOP.signum is not None:
        return  # ya se está deteniendo: no interrumpir a medias el guardado ni el resumen
    STOP.signum = signum
    STOP.stop.set()
    if not STOP.deferred:
        raise StopRequested(signum)


@contextmanager
def _signals_deferred():
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
                os.killpg(os.getpgid(pid), signal.SIGKILL)  # jupyter_client lo lanza en su propia sesión: el grupo es suyo
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
            # jupyter_client interrumpe (SIGINT) el núcleo antes de apagarlo; con el cuaderno ya terminado está ocioso,
            # y la interrupción solo le hacía escribir, a veces, «[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.»
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return CourseKernelManager


def _execute(path: Path, output: Path, run_params: dict[str, Any], build: Path) -> BaseException | None:
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
        with _signals_deferred():
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


def _running_cell(notebook: Path) -> str:
    """«celda [3] «import time»»: la celda que se ejecutaba en la copia parcial (vacío si no se sabe).

    Es la última que llegó a empezar (con número de ejecución): al cerrar, papermill marca como terminadas las
    pendientes, así que su estado no sirve.
    """
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001 - una copia a medio escribir no impide informar
        return ""
    started = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    running = [c for c in nb.cells if c.get("metadata", {}).get("papermill", {}).get("status") == "running"]
    cell = (running or started or [None])[-1]
    if cell is None:
        return ""
    first_line = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
    return f"celda [{cell.get('execution_count') or '?'}] «{first_line}»"


def _finish(temp: Path, target: Path) -> None:
    """Pone la copia ejecutada ``temp`` en ``target`` de una vez (``os.replace``), con su ruta en los metadatos."""
    import nbformat

    nb = nbformat.read(temp, as_version=4)
    nb.metadata.setdefault("papermill", {})["output_path"] = str(target)
    nbformat.write(nb, temp)
    os.replace(temp, target)


def run_one(path: Path, build: Path, params: dict[str, Any], explicit: frozenset[str] = frozenset()) -> Result:
    """Ejecuta un cuaderno con papermill en ``build/`` y lo convierte a HTML.

    ``explicit`` son los parámetros que dio el usuario (``-p``/``--data``): se pasan siempre. papermill escribe en
    ``build/<cuaderno>.en-curso.ipynb``; al terminar (bien, o con un error: la copia parcial se inspecciona) pasa a
    ``build/<cuaderno>.ipynb`` con su HTML. Si se interrumpe (Ctrl+C, SIGTERM), va a
    ``build/<cuaderno>.interrumpido.ipynb`` y la ejecución completa anterior se queda como estaba.
    """
    from papermill.exceptions import PapermillExecutionError

    result = Result(name=path.stem)
    run_params = notebook_run_params(path, params, explicit)
    if "OUTPUT_DIR" in run_params:
        run_params["OUTPUT_DIR"] = str(build / path.stem)
    if "FINETUNED_DIR" in run_params and "FINETUNED_DIR" not in explicit:
        # Reutiliza el modelo que el cuaderno 06.3 dejó en este mismo build/ (el cuaderno comprueba las huellas).
        run_params["FINETUNED_DIR"] = str(build / FINETUNED_NOTEBOOK / "modelo")
    result.parameters = run_params
    output = build / path.name
    running = build / f"{path.stem}{RUNNING_SUFFIX}.ipynb"
    interrupted = build / f"{path.stem}{INTERRUPTED_SUFFIX}.ipynb"
    running.unlink(missing_ok=True)
    start = time.perf_counter()
    stopped: KeyboardInterrupt | None = None
    try:
        error = _execute(path, running, run_params, build)
    except KeyboardInterrupt as exc:
        stopped, error = exc, None
    if isinstance(error, KeyboardInterrupt):
        stopped, error = error, None
    result.seconds = time.perf_counter() - start
    with _signals_deferred():
        if stopped is not None:
            signum = getattr(stopped, "signum", None) or STOP.signum
            result.status = "interrumpido"
            cell = _running_cell(running) if running.is_file() else ""
            where = f" en la {cell}" if cell else ""
            result.error = f"interrumpido {stop_reason(signum)}{stop_key(signum)}{where}"
            if running.is_file():
                _finish(running, interrupted)
                result.html = to_html(interrupted)
                result.error += f"; la ejecución parcial queda en {interrupted.name}"
            if output.is_file():
                result.error += f" y {output.name} conserva la última ejecución completa"
            return result
        if error is None:
            result.status = "ok"
        elif isinstance(error, PapermillExecutionError):
            result.status = "error"
            first_line = next((line for line in error.source.splitlines() if line.strip()), "")[:60]
            result.error = f"celda [{error.exec_count}] «{first_line}»: {error.ename}: {error.evalue}"
        else:  # cualquier otro fallo se informa y no detiene al resto
            result.status = "error"
            result.error = f"{type(error).__name__}: {error}"
            traceback.print_exception(error)
        if running.is_file():
            # Terminó (bien o con un error): ahora sí sustituye a la ejecución anterior; la copia de una
            # interrupción anterior ya no dice nada nuevo.
            _finish(running, output)
            for stale in (interrupted, interrupted.with_suffix(".html")):
                stale.unlink(missing_ok=True)
        metrics_file = build / path.stem / "metrics.json"
        if metrics_file.is_file() and result.status == "ok":
            summary = json.loads(metrics_file.read_text(encoding="utf-8"))
            result.metrics = summary.get("metrics", {})
            # Los valores con los que corrió de verdad (el cuaderno resuelve su perfil), no solo los que recibió.
            used = {k: v for k, v in summary.get("parameters", {}).items() if k in SHOWN_PARAMETERS}
            if used:
                result.parameters = {"PERFIL": summary.get("profile", run_params.get("PERFIL")), **used,
                                     **({"FIJADOS": run_params["FIJADOS"]} if run_params.get("FIJADOS") else {})}
            result.scoreboard = [{**row, "notebook": path.stem} for row in summary.get("scoreboard", [])]
        if output.is_file():
            result.html = to_html(output)
    return result


def to_html(notebook: Path) -> str:
    """Convierte un cuaderno ejecutado a HTML con nbconvert (de una vez: nunca a medias); devuelve el nombre del archivo."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target = notebook.with_suffix(".html")
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(body, encoding="utf-8")
    os.replace(temp, target)
    return target.name


def format_seconds(seconds: float | None) -> str:
    """Segundos para las tablas: enteros desde 1 s (``"12"``), con un decimal por debajo (``"0.4"``: TF-IDF entrena
    en menos de un segundo, y «0» diría que no tardó nada); ``"—"`` si no se midió.

    >>> format_seconds(0.42), format_seconds(0.04), format_seconds(12.4), format_seconds(None)
    ('0.4', '<0.1', '12', '—')
    """
    if seconds is None:
        return "—"
    if seconds >= 0.95 or seconds == 0:
        return f"{seconds:.0f}"
    return f"{seconds:.1f}" if seconds >= 0.05 else "<0.1"


KEY_METRICS = ("accuracy", "f1", "vs_tfidf", "accuracy_lora", "lora_vs_full", "ece_temperature", "temperature", "train_seconds", "solved", "tokens_median", "truncated_fraction")
SCOREBOARD_COLUMNS = ("método", "cuaderno", "reseñas de prueba", "huella de la prueba", "exactitud", "F1", "ECE", "diferencia emparejada", "tiempo (s)", "nota")


def scoreboard_rows(results: list[Result]) -> tuple[list[dict[str, str]], str]:
    """Filas del marcador (textos con intervalos) y una frase sobre las reseñas de prueba que comparten."""
    sys.path.insert(0, str(ROOT))
    from collections import Counter

    from course_utils.evaluation import format_row

    rows = []
    for r in results:
        for row in r.scoreboard:
            text = format_row(row)
            text["tiempo (s)"] = format_seconds(row.get("seconds"))  # format_row redondea a enteros: 0.4 s salía «0»
            rows.append({**text, "cuaderno": r.name, "huella de la prueba": row["test_ids_sha256"]})
    if not rows:
        return [], ""
    hashes = Counter((row["reseñas de prueba"], row["huella de la prueba"]) for row in rows)
    (n, common), _ = hashes.most_common(1)[0]
    others = [row["método"] for row in rows if row["huella de la prueba"] != common]
    note = f"Todas las filas se evaluaron con las mismas {n} reseñas de prueba (huella {common})"
    if others:
        note = f"{note}, salvo {', '.join(others)} (ver la nota de cada fila)"
    return [{c: row.get(c, "") for c in SCOREBOARD_COLUMNS} for row in rows], note + ". Intervalos de confianza al 95 %."


def write_summary(build: Path, results: list[Result], profile: str, total: float) -> None:
    """Escribe ``build/index.html`` y ``build/resumen.md``: el marcador de métodos y una fila por cuaderno."""
    def fmt(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    board, board_note = scoreboard_rows(results)
    md = [f"# Resumen de la ejecución (perfil {profile}, {total:.0f} s)", ""]
    board_html = ""
    if board:
        md += ["## Marcador", "", board_note, "", "| " + " | ".join(SCOREBOARD_COLUMNS) + " |", "|" + "---|" * len(SCOREBOARD_COLUMNS)]
        md += ["| " + " | ".join(row[c] for c in SCOREBOARD_COLUMNS) + " |" for row in board]
        md += [""]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in SCOREBOARD_COLUMNS)
        body = "\n".join("<tr class='marcador'>" + "".join(f"<td>{html.escape(row[c])}</td>" for c in SCOREBOARD_COLUMNS) + "</tr>" for row in board)
        board_html = f"<h2>Marcador</h2><p>{html.escape(board_note)}</p><table id='marcador'><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"
    md += ["## Cuadernos", "", "| cuaderno | estado | duración (s) | parámetros | métricas / error | HTML |", "|---|---|---|---|---|---|"]
    rows = []
    for r in results:
        params = ", ".join(f"{k}={v}" for k, v in r.parameters.items() if k not in ("OUTPUT_DIR", "FINETUNED_DIR")) or "por defecto"
        mets = ", ".join(f"{k}={fmt(r.metrics[k])}" for k in KEY_METRICS if r.metrics.get(k) is not None) or (r.error or "—")
        seconds = format_seconds(r.seconds) if r.status != "no ejecutado" else "—"
        md.append(f"| {r.name} | {r.status} | {seconds} | {params} | {mets} | {f'[{r.html}]({r.html})' if r.html else '—'} |")
        link = f'<a href="{html.escape(r.html)}">{html.escape(r.html)}</a>' if r.html else "—"
        rows.append(
            f"<tr class='{r.status.replace(' ', '-')}' data-notebook='{html.escape(r.name)}'><td>{html.escape(r.name)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{seconds}</td><td>{html.escape(params)}</td>"
            f"<td>{html.escape(mets)}</td><td>{link}</td></tr>"
        )
    (build / "resumen.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Curso: resultados de la ejecución</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1.5em}}td,th{{border:1px solid #ccc;padding:.4em .7em}}
tr.ok td:nth-child(2){{color:#080}}tr.error td:nth-child(2){{color:#b00;font-weight:bold}}
tr.interrumpido td:nth-child(2){{color:#c60;font-weight:bold}}tr.no-ejecutado td{{color:#777}}</style></head>
<body><h1>Resultados de la ejecución</h1><p>Perfil: <b>{html.escape(profile)}</b> · duración total {total:.0f} s</p>
{board_html}
<h2>Cuadernos</h2>
<table><thead><tr><th>cuaderno</th><th>estado</th><th>duración (s)</th><th>parámetros</th><th>métricas / error</th><th>HTML</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    (build / "index.html").write_text(page, encoding="utf-8")


def hardware_description() -> dict[str, str]:
    """El *hardware* de esta ejecución, en palabras: procesador, núcleos y GPU (lo muestra el sitio, ``make site``)."""
    import os
    import platform

    import torch

    from course_utils import runtime

    if torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    elif torch.backends.mps.is_available():
        gpu = "Apple MPS"
    else:
        gpu = "ninguna"
    bf16 = " (con bf16)" if runtime.cpu_supports_bf16() else ""
    return {"cpu": f"{runtime.cpu_name()}{bf16}, {os.cpu_count()} núcleos", "gpu": gpu,
            "entorno": "Google Colab" if runtime.in_colab() else f"{platform.system()} {platform.machine()}"}


def write_run_info(build: Path, results: list[Result], profile: str, total: float, started: float) -> None:
    """Escribe ``build/ejecucion.json``: perfil, cuándo, cuánto, en qué *hardware* y el estado de cada cuaderno."""
    from datetime import UTC, datetime

    info = {
        "perfil": profile,
        "inicio": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "fin": datetime.fromtimestamp(started + total, UTC).isoformat(timespec="seconds"),
        "duracion_s": round(total, 1),
        "hardware": hardware_description(),
        "cuadernos": {r.name: r.status for r in results},
    }
    (build / "ejecucion.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# Orden de lectura del módulo (el del README); los cuadernos que no estén aquí van después, por nombre.
READING_ORDER = (
    "06_1_Datos_y_Balanceo",
    "06_2_Linea_Base_Clasica",
    "06_3_Ajuste_Fino_Clasificacion",
    "06_4_Incertidumbre_y_Calibracion",
    "06_5_Cuanto_Ajustar",
    "06_6_Ejercicios",
    "06_6_Soluciones",
)


def reading_order(path: Path) -> tuple[int, str]:
    """Clave de orden: posición en :data:`READING_ORDER`, luego el nombre."""
    return (READING_ORDER.index(path.stem) if path.stem in READING_ORDER else len(READING_ORDER), path.name)


def select_notebooks(spec: str | None, source: Path = ROOT / "notebooks") -> list[Path]:
    """Cuadernos de ``source`` en orden de lectura (todos, o los que casen con ``spec``, separados por comas)."""
    available = sorted(course_notebooks(source), key=reading_order)
    if not spec:
        return available
    chosen = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        matches = [nb for nb in available if part in nb.name]
        if not matches:
            names = ", ".join(nb.stem for nb in available)
            raise SystemExit(f"NOTEBOOKS={part!r} no coincide con ningún cuaderno. Disponibles: {names}")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--perfil", choices=PROFILES, default="auto")
    parser.add_argument("--notebooks", default=None, help="subconjunto: partes del nombre, separadas por comas")
    parser.add_argument("--data", default=None, help="DATA para el perfil local (ruta de un archivo o carpeta)")
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--source", default=str(ROOT / "notebooks"), help="carpeta de cuadernos (por defecto notebooks/)")
    parser.add_argument("-p", "--param", action="append", default=[], help="NOMBRE=valor, se pasa a papermill")
    args = parser.parse_args(argv)
    with stop_on_signals():
        try:
            return run_course(args)
        except KeyboardInterrupt as exc:  # antes de lanzar ningún cuaderno (p. ej. mientras se elige el perfil)
            signum = STOP.signum or getattr(exc, "signum", signal.SIGINT)
            print(f"\nInterrumpido {stop_reason(signum)}{stop_key(signum)} antes de ejecutar ningún cuaderno.", flush=True)
            return 128 + signum


def run_course(args: argparse.Namespace) -> int:
    """Lo que hace :func:`main` con sus argumentos: ejecuta, resume y devuelve el código de salida.

    0 si todo terminó bien, 1 si algún cuaderno falló, 128 + la señal (130 con Ctrl+C, 143 con SIGTERM) si se
    interrumpió.
    """
    notebooks = select_notebooks(args.notebooks, Path(args.source))
    user_params = {name: parse_value(value) for name, _, value in (item.partition("=") for item in args.param)}
    profile, params = choose_profile(args.perfil, args.data, user_params)
    explicit = set(user_params) | ({"DATA"} if args.data else set())
    build = Path(args.build).resolve()
    build.mkdir(parents=True, exist_ok=True)
    print(f"{len(notebooks)} cuaderno(s) → {build}. Tiempo esperado: {EXPECTED_MINUTES.get(profile, '?')}.")

    results: list[Result] = []
    started = time.time()
    start = time.perf_counter()
    current: Path | None = None
    try:
        for i, path in enumerate(notebooks, start=1):
            if STOP.signum is not None:  # la señal llegó mientras se guardaba el anterior
                break
            current = path
            print(f"\n[{i}/{len(notebooks)}] {path.name} (transcurrido {time.perf_counter() - start:.0f} s)", flush=True)
            result = run_one(path, build, {**params, "PERFIL": profile}, frozenset(explicit))
            results.append(result)
            print(f"[{i}/{len(notebooks)}] {path.name}: {result.status} en {format_seconds(result.seconds)} s {result.error}", flush=True)
            if result.status == "interrumpido":
                break
    except KeyboardInterrupt as exc:  # fuera de la ejecución de un cuaderno (p. ej. al leer sus parámetros)
        STOP.signum = STOP.signum or getattr(exc, "signum", signal.SIGINT)
        if current is not None and not any(r.name == current.stem for r in results):
            results.append(Result(name=current.stem, status="interrumpido",
                                  error=f"interrumpido {stop_reason(STOP.signum)}{stop_key(STOP.signum)} antes de ejecutarlo"))
    stopped = next((r for r in results if r.status == "interrumpido"), None)
    interrupted = stopped is not None or STOP.signum is not None
    signum = STOP.signum or signal.SIGINT
    where = f"en {stopped.name}" if stopped else f"tras {results[-1].name}" if results else "al empezar"
    with _signals_deferred():  # desde aquí una señal ya no interrumpe: el resumen se escribe entero
        if interrupted:
            done = {r.name for r in results}
            results += [Result(name=p.stem, status="no ejecutado", error="no se ejecutó: la ejecución se interrumpió antes")
                        for p in notebooks if p.stem not in done]
        total = time.perf_counter() - start
        write_summary(build, results, profile, total)
        write_run_info(build, results, profile, total, started)
        return _report(build, results, total, interrupted, signum, where)


def _report(build: Path, results: list[Result], total: float, interrupted: bool, signum: int, where: str) -> int:
    """Imprime el final de la ejecución (qué falló, o dónde se interrumpió) y devuelve el código de salida."""
    print(f"\nResumen: {build / 'index.html'} y {build / 'resumen.md'} ({total:.0f} s en total).")
    failed = [r for r in results if r.status == "error"]
    for r in failed:
        print(f"  ✗ {r.name}: {r.error} (cuaderno parcial en {build / (r.name + '.ipynb')})")
    if interrupted:
        stopped = next((r for r in results if r.status == "interrumpido"), None)
        what = "se detuvo su núcleo y no se ejecutó nada más" if stopped and stopped.html else "no se ejecutó nada más"
        print(f"Interrumpido {stop_reason(signum)} {where}{stop_key(signum)}: {what}.")
        if stopped:
            print(f"  {stopped.name}: {stopped.error} (en {build}).")
        pending = [r.name for r in results if r.status == "no ejecutado"]
        if pending:
            print(f"  Sin ejecutar: {', '.join(pending)}.")
        resume = [r.name for r in results if r.status in ("interrumpido", "no ejecutado")]
        if resume:
            print(f"  Para seguir desde ahí: la misma orden (make run-all, make smoke...) con NOTEBOOKS={','.join(resume)}")
        return 128 + signum
    if failed or any(r.status != "ok" for r in results):
        return 1
    print("Todos los cuadernos terminaron bien.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
