"""La prosa de los cuadernos: solo la ejecución habla de sí misma, y el camino central cabe en dos sesiones.

- Una celda de texto que afirma una cifra medida (un intervalo ``0.86 [0.84, 0.88]``, una diferencia con signo
  ``+0.032``, una cifra de tres decimales ``0.860``) lleva la etiqueta ``referencia`` y dice la fecha, el
  *hardware* y la orden que la reproduce: es una medida fechada, no una afirmación sobre la ejecución del lector.
  Las constantes (ln 2 ≈ 0.693), los ejemplos resueltos dentro de ``<details>`` y el código entre comillas
  invertidas no cuentan.
- El camino central (el texto de las celdas sin la etiqueta ``opcional``, Soluciones aparte) no pasa de 8000
  palabras, y no nombra la ingeniería que vive en el apéndice para instructores.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [p for p in sorted((ROOT / "notebooks").glob("06_*.ipynb"))
             if p.name != "06_Ajuste_Fino_Clasificacion.ipynb"]
CORE_WORDS_LIMIT = 8000
# Una cifra medida: un intervalo con decimales, una diferencia con signo, o una cifra de tres decimales (salvo 0.693 =
# ln 2 y 0.500, el azar).
FIGURE = re.compile(
    r"\[\s*[+−-]?\d[.,]\d+\s*,\s*[+−-]?\d[.,]\d+\s*\]"
    r"|(?<![\w.])[+−]0[.,]\d{2,3}(?!\d)"
    r"|(?<![\w.+−-])0[.,](?!693|500)\d{3}(?!\d)"
)
DATE = re.compile(r"\b(\d{2}-\d{2}-\d{4}|\d{4}-\d{2}-\d{2})\b")
HARDWARE = re.compile(r"\b(CPU|GPU|Intel|AMD|Xeon|EPYC|T4|H100|núcleos)\b", re.IGNORECASE)
COMMAND = re.compile(r"`(make|python|papermill|\.venv/bin/\w+) [^`]+`")
ENGINEERING = re.compile(r"\b(SDPA|cuDNN|FLOPs?|RSS|papermill|H100|AMX|AVX[\w-]*|FIJADOS)\b|núcleo fusionado",
                         re.IGNORECASE)


def _plain(text: str) -> str:
    """El texto sin respuestas desplegables ni código entre comillas invertidas."""
    return re.sub(r"`[^`]*`", " ", re.sub(r"(?s)<details>.*?</details>", " ", text))


def measured_figures(text: str) -> list[str]:
    """Las cifras con aspecto de medida que afirma un texto."""
    return [m.group(0) for m in FIGURE.finditer(_plain(text))]


def referencia_problems(text: str) -> list[str]:
    """Lo que le falta a una celda ``referencia``: fecha, *hardware* y la orden que la reproduce."""
    missing = []
    if not DATE.search(text):
        missing.append("la fecha (dd-mm-aaaa)")
    if not HARDWARE.search(text):
        missing.append("el hardware (CPU/GPU, modelo, núcleos)")
    if not COMMAND.search(text):
        missing.append("la orden que la reproduce (`make ...`, `python ...`)")
    return missing


def prose_problems(cells) -> list[str]:
    """Cada celda de texto que incumple la regla, con su índice y el porqué."""
    problems = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        tags = cell.metadata.get("tags", [])
        if "referencia" in tags:
            missing = referencia_problems(cell.source)
            if missing:
                problems.append(f"celda {i} (referencia) no dice {', '.join(missing)}")
        elif measured_figures(cell.source):
            problems.append(f"celda {i} afirma {measured_figures(cell.source)} sin la etiqueta referencia: imprímelo "
                            "desde el código de la ejecución, o etiquétala con fecha, hardware y orden")
    return problems


def core_markdown(cells) -> list[str]:
    return [c.source for c in cells if c.cell_type == "markdown" and "opcional" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_only_the_run_states_measured_figures(nb):
    problems = prose_problems(nbformat.read(nb, as_version=4).cells)
    assert not problems, f"{nb.name}:\n" + "\n".join(problems)


def md(text: str, *tags: str):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)})


def test_the_rule_fails_on_figures_without_a_dated_reference_and_passes_otherwise():
    bad = [md("El ajuste fino dio 0.860 [0.837, 0.880], que excluye el 0."),
           md("Diferencia emparejada +0.032 frente a TF-IDF."),
           md("En nuestra CPU salió 0.855.", "referencia")]
    problems = prose_problems(bad)
    assert len(problems) == 3 and "sin la etiqueta referencia" in problems[0] and "no dice la fecha" in problems[2]
    good = [md("Medido el 02-12-2026 en una CPU AMD EPYC de 2 núcleos con `make run-all PERFIL=local`: "
               "0.855 [0.832, 0.875].",
               "referencia"),
            md("Con dos clases, la duda total es ln 2 ≈ 0.693; el azar, 0.500. "
               "`metric_interval(y, p)` da `0.86 [0.84, 0.88]`."),
            md("<details><summary>Respuesta</summary>La exactitud 0.84 [0.81, 0.86] significa…</details>")]
    assert prose_problems(good) == []


def test_core_path_fits_two_lab_sessions():
    counts = {nb.stem: sum(len(t.split()) for t in core_markdown(nbformat.read(nb, as_version=4).cells))
              for nb in NOTEBOOKS if "Soluciones" not in nb.name}
    total = sum(counts.values())
    print("Palabras del camino central: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f"; total {total}")
    assert total <= CORE_WORDS_LIMIT, f"camino central de {total} palabras (máximo {CORE_WORDS_LIMIT}): {counts}"


@pytest.mark.parametrize("nb", [p for p in NOTEBOOKS if "Soluciones" not in p.name], ids=lambda p: p.stem)
def test_core_markdown_leaves_engineering_to_the_appendix(nb):
    found = sorted({m.group(0) for text in core_markdown(nbformat.read(nb, as_version=4).cells)
                    for m in ENGINEERING.finditer(text)})
    assert not found, f"{nb.name}: el camino central nombra {found}; llévalo al apéndice (etiqueta opcional) o a docs/"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_optional_sections_say_so_in_their_heading(nb):
    """Cada sección opcional lo dice en su título; sus subsecciones heredan el aviso del título de la sección."""
    missing, section_optional = [], False
    for cell in nbformat.read(nb, as_version=4).cells:
        if cell.cell_type != "markdown" or not cell.source.startswith("#"):
            continue
        heading, optional = cell.source.splitlines()[0], "opcional" in cell.metadata.get("tags", [])
        says = "opcional" in heading.lower()
        if heading.startswith("## ") or heading.startswith("# "):
            section_optional = optional
            if optional and not says:
                missing.append(heading)
        elif optional and not says and not section_optional:
            missing.append(heading)
    assert not missing, f"{nb.name}: secciones opcionales que no lo dicen en su título: {missing}"
