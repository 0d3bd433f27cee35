"""El resumen de ``make run-all``: el resultado de cada cuaderno, ``build/index.html``, ``build/resumen.md`` y
``build/ejecucion.json``, y el mensaje final (lo usa :mod:`tools.run_course`)."""

from __future__ import annotations

import html
import json
import os
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course_utils.evaluation import format_row
from tools.run_stop import stop_key, stop_reason


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


def to_html(notebook: Path) -> str:
    """Convierte un cuaderno ejecutado a HTML con nbconvert (de una vez: nunca a medias); devuelve el nombre del
    archivo."""
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


KEY_METRICS = ("accuracy", "f1", "vs_tfidf", "accuracy_lora", "lora_vs_full", "ece_temperature", "temperature",
               "train_seconds", "solved", "tokens_median", "truncated_fraction")
SCOREBOARD_COLUMNS = ("método", "cuaderno", "reseñas de prueba", "huella de la prueba", "exactitud", "F1", "ECE",
                      "diferencia emparejada", "tiempo (s)", "nota")


def scoreboard_rows(results: list[Result]) -> tuple[list[dict[str, str]], str]:
    """Filas del marcador (textos con intervalos) y una frase sobre las reseñas de prueba que comparten."""
    rows = []
    for r in results:
        for row in r.scoreboard:
            text = format_row(row)
            # format_row redondea a enteros: 0.4 s salía «0».
            text["tiempo (s)"] = format_seconds(row.get("seconds"))
            rows.append({**text, "cuaderno": r.name, "huella de la prueba": row["test_ids_sha256"]})
    if not rows:
        return [], ""
    hashes = Counter((row["reseñas de prueba"], row["huella de la prueba"]) for row in rows)
    (n, common), _ = hashes.most_common(1)[0]
    others = [row["método"] for row in rows if row["huella de la prueba"] != common]
    note = f"Todas las filas se evaluaron con las mismas {n} reseñas de prueba (huella {common})"
    if others:
        note = f"{note}, salvo {', '.join(others)} (ver la nota de cada fila)"
    board = [{c: row.get(c, "") for c in SCOREBOARD_COLUMNS} for row in rows]
    return board, note + ". Intervalos de confianza al 95 %."


def write_summary(build: Path, results: list[Result], profile: str, total: float) -> None:
    """Escribe ``build/index.html`` y ``build/resumen.md``: el marcador de métodos y una fila por cuaderno."""
    def fmt(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    board, board_note = scoreboard_rows(results)
    md = [f"# Resumen de la ejecución (perfil {profile}, {total:.0f} s)", ""]
    board_html = ""
    if board:
        md += ["## Marcador", "", board_note, "", "| " + " | ".join(SCOREBOARD_COLUMNS) + " |",
               "|" + "---|" * len(SCOREBOARD_COLUMNS)]
        md += ["| " + " | ".join(row[c] for c in SCOREBOARD_COLUMNS) + " |" for row in board]
        md += [""]
        head = "".join(f"<th>{html.escape(c)}</th>" for c in SCOREBOARD_COLUMNS)
        cells = ("".join(f"<td>{html.escape(row[c])}</td>" for c in SCOREBOARD_COLUMNS) for row in board)
        body = "\n".join(f"<tr class='marcador'>{row}</tr>" for row in cells)
        board_html = (f"<h2>Marcador</h2><p>{html.escape(board_note)}</p><table id='marcador'><thead><tr>{head}</tr>"
                      f"</thead><tbody>\n{body}\n</tbody></table>")
    md += ["## Cuadernos", "", "| cuaderno | estado | duración (s) | parámetros | métricas / error | HTML |",
           "|---|---|---|---|---|---|"]
    rows = []
    for r in results:
        shown = (f"{k}={v}" for k, v in r.parameters.items() if k not in ("OUTPUT_DIR", "FINETUNED_DIR"))
        params = ", ".join(shown) or "por defecto"
        mets = ", ".join(f"{k}={fmt(r.metrics[k])}" for k in KEY_METRICS if r.metrics.get(k) is not None)
        mets = mets or r.error or "—"
        seconds = format_seconds(r.seconds) if r.status != "no ejecutado" else "—"
        md_link = f"[{r.html}]({r.html})" if r.html else "—"
        md.append(f"| {r.name} | {r.status} | {seconds} | {params} | {mets} | {md_link} |")
        link = f'<a href="{html.escape(r.html)}">{html.escape(r.html)}</a>' if r.html else "—"
        rows.append(
            f"<tr class='{r.status.replace(' ', '-')}' data-notebook='{html.escape(r.name)}'>"
            f"<td>{html.escape(r.name)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{seconds}</td><td>{html.escape(params)}</td>"
            f"<td>{html.escape(mets)}</td><td>{link}</td></tr>"
        )
    (build / "resumen.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Curso: resultados de la ejecución</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{border:1px solid #ccc;padding:.4em .7em}}
tr.ok td:nth-child(2){{color:#080}}tr.error td:nth-child(2){{color:#b00;font-weight:bold}}
tr.interrumpido td:nth-child(2){{color:#c60;font-weight:bold}}tr.no-ejecutado td{{color:#777}}</style></head>
<body><h1>Resultados de la ejecución</h1><p>Perfil: <b>{html.escape(profile)}</b> · duración total {total:.0f} s</p>
{board_html}
<h2>Cuadernos</h2>
<table><thead><tr><th>cuaderno</th><th>estado</th><th>duración (s)</th><th>parámetros</th>
<th>métricas / error</th><th>HTML</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    (build / "index.html").write_text(page, encoding="utf-8")


def hardware_description() -> dict[str, str]:
    """El *hardware* de esta ejecución, en palabras: procesador, núcleos y GPU (lo muestra el sitio,
    ``make site``)."""
    import torch  # pesado: solo al escribir el resumen

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
    info = {
        "perfil": profile,
        "inicio": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "fin": datetime.fromtimestamp(started + total, UTC).isoformat(timespec="seconds"),
        "duracion_s": round(total, 1),
        "hardware": hardware_description(),
        "cuadernos": {r.name: r.status for r in results},
    }
    (build / "ejecucion.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def report(build: Path, results: list[Result], total: float, interrupted: bool, signum: int, where: str) -> int:
    """Imprime el final de la ejecución (qué falló, o dónde se interrumpió) y devuelve el código de salida."""
    print(f"\nResumen: {build / 'index.html'} y {build / 'resumen.md'} ({total:.0f} s en total).")
    failed = [r for r in results if r.status == "error"]
    for r in failed:
        print(f"  ✗ {r.name}: {r.error} (cuaderno parcial en {build / (r.name + '.ipynb')})")
    if interrupted:
        stopped = next((r for r in results if r.status == "interrumpido"), None)
        what = "no se ejecutó nada más"
        if stopped and stopped.html:
            what = "se detuvo su núcleo y " + what
        print(f"Interrumpido {stop_reason(signum)} {where}{stop_key(signum)}: {what}.")
        if stopped:
            print(f"  {stopped.name}: {stopped.error} (en {build}).")
        pending = [r.name for r in results if r.status == "no ejecutado"]
        if pending:
            print(f"  Sin ejecutar: {', '.join(pending)}.")
        resume = [r.name for r in results if r.status in ("interrumpido", "no ejecutado")]
        if resume:
            print("  Para seguir desde ahí: la misma orden (make run-all, make smoke...) con "
                  f"NOTEBOOKS={','.join(resume)}")
        return 128 + signum
    if failed or any(r.status != "ok" for r in results):
        return 1
    print("Todos los cuadernos terminaron bien.")
    return 0
