"""Ejecuta los cuadernos del curso con papermill en build/, los pasa a HTML y escribe un resumen.

Lo llama ``make run-all`` (y ``make smoke``); ver ``python tools/run_course.py --help``.
Los cuadernos de ``notebooks/`` nunca se modifican: las copias ejecutadas van a ``build/``.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import sys
import time
import traceback
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


def run_one(path: Path, build: Path, params: dict[str, Any], explicit: frozenset[str] = frozenset()) -> Result:
    """Ejecuta un cuaderno con papermill en ``build/`` y lo convierte a HTML.

    ``explicit`` son los parámetros que dio el usuario (``-p``/``--data``): se pasan siempre.
    """
    import papermill
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
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(path), str(output), parameters=run_params, cwd=str(build), progress_bar=False,
            stdout_file=sys.stdout, stderr_file=sys.stderr, kernel_name="python3",
        )
        result.status = "ok"
    except PapermillExecutionError as exc:
        result.status = "error"
        first_line = next((line for line in exc.source.splitlines() if line.strip()), "")[:60]
        result.error = f"celda [{exc.exec_count}] «{first_line}»: {exc.ename}: {exc.evalue}"
    except KeyboardInterrupt:
        # Se registra y se devuelve: main() deja de lanzar cuadernos pero escribe el resumen.
        result.status = "interrumpido"
        result.error = "ejecución interrumpida (Ctrl-C)"
    except Exception as exc:  # noqa: BLE001 - cualquier otro fallo se informa y no detiene al resto
        result.status = "error"
        result.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        result.seconds = time.perf_counter() - start
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
    """Convierte un cuaderno ejecutado a HTML con nbconvert; devuelve el nombre del archivo."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target = notebook.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target.name


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
        md.append(f"| {r.name} | {r.status} | {r.seconds:.0f} | {params} | {mets} | [{r.html}]({r.html}) |")
        link = f'<a href="{html.escape(r.html)}">{html.escape(r.html)}</a>' if r.html else "—"
        rows.append(
            f"<tr class='{r.status}' data-notebook='{html.escape(r.name)}'><td>{html.escape(r.name)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{r.seconds:.0f}</td><td>{html.escape(params)}</td>"
            f"<td>{html.escape(mets)}</td><td>{link}</td></tr>"
        )
    (build / "resumen.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Curso: resultados de la ejecución</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1.5em}}td,th{{border:1px solid #ccc;padding:.4em .7em}}
tr.ok td:nth-child(2){{color:#080}}tr.error td:nth-child(2){{color:#b00;font-weight:bold}}</style></head>
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
    try:
        for i, path in enumerate(notebooks, start=1):
            print(f"\n[{i}/{len(notebooks)}] {path.name} (transcurrido {time.perf_counter() - start:.0f} s)", flush=True)
            result = run_one(path, build, {**params, "PERFIL": profile}, frozenset(explicit))
            results.append(result)
            print(f"[{i}/{len(notebooks)}] {path.name}: {result.status} en {result.seconds:.0f} s {result.error}", flush=True)
            if result.status == "interrumpido":
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("\nInterrumpido: se conserva lo ya terminado en build/ (y el cuaderno parcial).")
    total = time.perf_counter() - start
    write_summary(build, results, profile, total)
    write_run_info(build, results, profile, total, started)
    failed = [r for r in results if r.status != "ok"]
    print(f"\nResumen: {build / 'index.html'} y {build / 'resumen.md'} ({total:.0f} s en total).")
    if failed or len(results) < len(notebooks):
        for r in failed:
            print(f"  ✗ {r.name}: {r.error} (cuaderno parcial en {build / (r.name + '.ipynb')})")
        return 1
    print("Todos los cuadernos terminaron bien.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
