"""Ejecuta los cuadernos del curso con papermill en build/, los pasa a HTML y escribe un resumen.

Lo llama ``make run-all`` (y ``make smoke``); ver ``python -m tools.run_course --help``. El resumen lo escribe
:mod:`tools.run_summary` y la parada con Ctrl+C o SIGTERM, :mod:`tools.run_stop`.
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
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# La regla de perfiles vive en course_utils.profiles (una sola copia: la usan también los cuadernos).
from course_utils.profiles import EXPECTED_MINUTES, LOCAL_PARAMS, PROFILES, SMOKE_PARAMS  # noqa: F401
from tools.notebook_files import course_notebooks
from tools.run_stop import STOP, execute_notebook, signals_deferred, stop_key, stop_on_signals, stop_reason
from tools.run_summary import Result, format_seconds, report, to_html, write_run_info, write_summary

ROOT = Path(__file__).resolve().parents[1]
# El cuaderno que entrena el modelo que otros reutilizan (parámetro FINETUNED_DIR), y dónde lo deja en build/.
FINETUNED_NOTEBOOK = "06_3_Ajuste_Fino_Clasificacion"
# Parámetros que el resumen muestra por cuaderno (los que escribe en metrics.json y mueven los resultados).
SHOWN_PARAMETERS = ("MODEL", "DATA", "DEVICE", "precision", "n_per_class", "epochs", "learning_rate", "max_length",
                    "MAX_LENGTH", "ATTENTION_DROPOUT", "TRUNCATION", "N_TEST", "N_MC", "N_PER_CLASS")


def parse_value(text: str) -> Any:
    """Convierte ``"3"`` → 3, ``"5e-5"`` → 5e-05, ``"cpu"`` → ``"cpu"`` (como literales de Python)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def choose_profile(requested: str, data_override: str | None,
                   user_params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Resuelve el perfil con :mod:`course_utils.profiles` (``auto`` → ``completo`` si el Hub responde, si no
    ``local``) y devuelve sus parámetros, con los del usuario (``-p``, ``--data``) por encima.
    """
    from course_utils import profiles

    user_params = user_params or {}
    profile, why = profiles.choose_profile(requested)
    if requested == "auto":
        print(f"PERFIL={requested} → «{profile}»: {why}.")
    else:
        print(f"PERFIL={profile} (elegido por ti).")
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
        # solo lo que fijó el usuario, y así distingue lo tuyo de lo del perfil (p. ej. para ajustar N_PER_CLASS a tus
        # datos).
        given = {k: params[k] for k in sorted(explicit) if k in known and k in params}
        run_params = {"PERFIL": params["PERFIL"], **given}
        # Lo que diste en la línea de órdenes no lo cambia el perfil, aunque sea el valor de la lección.
        if "FIJADOS" in known:
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
        error = execute_notebook(path, running, run_params, build)
    except KeyboardInterrupt as exc:
        stopped, error = exc, None
    if isinstance(error, KeyboardInterrupt):
        stopped, error = error, None
    result.seconds = time.perf_counter() - start
    with signals_deferred():
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
    parser.add_argument("--source", default=str(ROOT / "notebooks"),
                        help="carpeta de cuadernos (por defecto notebooks/)")
    parser.add_argument("-p", "--param", action="append", default=[], help="NOMBRE=valor, se pasa a papermill")
    args = parser.parse_args(argv)
    with stop_on_signals():
        try:
            return run_course(args)
        except KeyboardInterrupt as exc:  # antes de lanzar ningún cuaderno (p. ej. mientras se elige el perfil)
            signum = STOP.signum or getattr(exc, "signum", signal.SIGINT)
            print(f"\nInterrumpido {stop_reason(signum)}{stop_key(signum)} antes de ejecutar ningún cuaderno.",
                  flush=True)
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
            elapsed = time.perf_counter() - start
            print(f"\n[{i}/{len(notebooks)}] {path.name} (transcurrido {elapsed:.0f} s)", flush=True)
            result = run_one(path, build, {**params, "PERFIL": profile}, frozenset(explicit))
            results.append(result)
            print(f"[{i}/{len(notebooks)}] {path.name}: {result.status} en {format_seconds(result.seconds)} s "
                  f"{result.error}", flush=True)
            if result.status == "interrumpido":
                break
    except KeyboardInterrupt as exc:  # fuera de la ejecución de un cuaderno (p. ej. al leer sus parámetros)
        STOP.signum = STOP.signum or getattr(exc, "signum", signal.SIGINT)
        if current is not None and not any(r.name == current.stem for r in results):
            results.append(Result(name=current.stem, status="interrumpido",
                                  error=f"interrumpido {stop_reason(STOP.signum)}{stop_key(STOP.signum)} "
                                        "antes de ejecutarlo"))
    stopped = next((r for r in results if r.status == "interrumpido"), None)
    interrupted = stopped is not None or STOP.signum is not None
    signum = STOP.signum or signal.SIGINT
    where = f"en {stopped.name}" if stopped else f"tras {results[-1].name}" if results else "al empezar"
    with signals_deferred():  # desde aquí una señal ya no interrumpe: el resumen se escribe entero
        if interrupted:
            done = {r.name for r in results}
            not_run = "no se ejecutó: la ejecución se interrumpió antes"
            results += [Result(name=p.stem, status="no ejecutado", error=not_run)
                        for p in notebooks if p.stem not in done]
        total = time.perf_counter() - start
        write_summary(build, results, profile, total)
        write_run_info(build, results, profile, total, started)
        return report(build, results, total, interrupted, signum, where)




if __name__ == "__main__":
    sys.exit(main())
