"""Las salidas de ``make bench`` en ``docs/``: una página Markdown por sección (``docs/bench/<página>.md``) y sus
cifras en bruto (``docs/resultados/<sección>.json``).

Cada página empieza con una cabecera que dice que la genera ``make bench`` (no se edita a mano), la fecha, el
*hardware*, los datos, el modelo y la orden que la reproduce; después van sus tablas. Todo lo que sigue a la marca
:data:`HISTORY_MARKER` («Mediciones anteriores») se conserva tal cual al reescribirla: ahí quedan las medidas de
versiones anteriores del código, con su fecha y su máquina.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.bench.common import FALLBACK_DATA, IMDB, Section

HISTORY_MARKER = "<!-- mediciones-anteriores: desde aquí, make bench conserva el texto tal cual -->"
HISTORY_HEADING = "## Mediciones anteriores"
GENERATED = "<!-- Página generada por make bench (python -m tools.bench): no la edites a mano. -->"


@dataclass(frozen=True)
class PageInfo:
    """Lo que dice la cabecera de una página: cuándo, dónde, con qué datos y modelo, y cómo repetirla."""

    date: str
    machine: str
    data: str
    model: str
    command: str
    make_command: str


def data_words(source: str) -> str:
    """Los datos de una medida en palabras (IMDB de ``../shared`` o el conjunto pequeño del proyecto)."""
    if Path(source).parts[-3:] == IMDB.parts[-3:]:  # shared/data/imdb, en esta máquina o en la que la midió
        return "IMDB (`../shared/data/imdb`)"
    if source == FALLBACK_DATA:
        return f"`{FALLBACK_DATA}`, el conjunto pequeño del proyecto (no está IMDB: las cifras no representan IMDB)"
    return f"`{source}`"


def header(section: Section, info: PageInfo | None) -> str:
    """La cabecera de la página de ``section`` (sin medición todavía si ``info`` es ``None``)."""
    lines = [GENERATED, f"# {section.title}", "",
             "> **Página generada por `make bench`: no la edites a mano.** Se reescribe cada vez que se mide esta "
             f"sección; lo que va desde «{HISTORY_HEADING[3:]}» se conserva tal cual.", ">"]
    if info is None:
        lines += ["> - **Sin medición con el código actual todavía.** La escribe: "
                  f"`make bench BENCH_SECTIONS={section.name}` (`python -m tools.bench --sections {section.name}`)."]
    else:
        lines += [f"> - **Fecha:** {info.date}",
                  f"> - **Hardware:** {info.machine}",
                  f"> - **Datos:** {info.data}",
                  f"> - **Modelo:** {info.model}",
                  f"> - **Orden que la reproduce:** `{info.make_command}` (es decir, `{info.command}`)",
                  f"> - **Cifras en bruto:** [`docs/resultados/{section.name}.json`]"
                  f"(../resultados/{section.name}.json)"]
    return "\n".join([*lines, "", section.about, ""])


def history(page: Path) -> str:
    """Lo que una página ya escrita guarda desde :data:`HISTORY_MARKER` (vacío si no hay)."""
    if not page.is_file():
        return ""
    text = page.read_text(encoding="utf-8")
    return text[text.index(HISTORY_MARKER):] if HISTORY_MARKER in text else ""


def render_page(section: Section, info: PageInfo | None, table: str | None, previous: str = "") -> str:
    """La página entera: cabecera, resultados (si los hay) y, al final, ``previous`` tal cual."""
    parts = [header(section, info)]
    if table is not None:
        parts += ["## Resultados", "", table.strip(), ""]
    text = "\n".join(parts)
    if previous:
        text += "\n" + previous.rstrip("\n") + "\n"
    return text


def rounded(value: Any, digits: int = 6) -> Any:
    """``value`` con cada número real redondeado a ``digits`` cifras significativas (JSON de ``docs/`` compacto)."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, digits) for v in value]
    return value


def write_section(docs: Path, section: Section, info: PageInfo, result: dict[str, Any], table: str) -> list[Path]:
    """Escribe ``docs/bench/<página>.md`` (conservando sus mediciones anteriores) y ``docs/resultados/<sección>.json``;
    devuelve las dos rutas."""
    page = docs / "bench" / f"{section.page}.md"
    raw = docs / "resultados" / f"{section.name}.json"
    page.parent.mkdir(parents=True, exist_ok=True)
    raw.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render_page(section, info, table, history(page)), encoding="utf-8")
    record = {"section": section.name, **asdict(info), "result": rounded(result)}
    raw.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [page, raw]
