"""Los cuadernos son fuentes: sin salidas, una celda de parámetros literal, insignia de Colab correcta."""

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebook_files import course_notebooks, redirect_target  # noqa: E402

NOTEBOOKS = course_notebooks(ROOT / "notebooks")
# Argumentos que transformers 5 ya no acepta (TypeError), por llamada.
REMOVED_API = {
    "TrainingArguments": {"evaluation_strategy", "warmup_ratio", "logging_dir"},
    "Trainer": {"tokenizer"},
}

sys.path.insert(0, str(ROOT / "tools"))
import sync_install_cell  # noqa: E402


def test_there_are_notebooks_and_readme_lists_them():
    assert "06_3_Ajuste_Fino_Clasificacion.ipynb" in [p.name for p in NOTEBOOKS]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    repo = sync_install_cell.repository_url().removeprefix("https://github.com/")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"el README no enlaza {path.name}"
        assert f"colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name}" in readme


def test_links_between_notebooks_resolve():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        for target in re.findall(r"\]\(([^)#:]+\.ipynb)\)", text):
            assert (path.parent / target).is_file(), f"{path.name} enlaza {target}, que no existe"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_valid_and_without_outputs(nb):
    path, notebook = nb
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: la celda {i} tiene salidas"
            assert cell.execution_count is None, f"{path.name}: la celda {i} tiene execution_count"


def test_exactly_one_parameters_cell_of_literals(nb):
    path, notebook = nb
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: {len(cells)} celdas 'parameters'"
    for stmt in ast.parse(cells[0].source).body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1, ast.unparse(stmt)
        ast.literal_eval(stmt.value)  # lanza ValueError si no es un literal
        assert stmt.targets[0].id.isupper(), f"{stmt.targets[0].id}: los parámetros van en MAYÚSCULAS"


def test_every_code_cell_is_introduced_by_markdown(nb):
    path, notebook = nb
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert i > 0 and notebook.cells[i - 1].cell_type == "markdown", f"{path.name}: celda {i} sin explicación previa"


def test_colab_badge_points_to_itself(nb):
    path, notebook = nb
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    repo = sync_install_cell.repository_url().removeprefix("https://github.com/")
    expected = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name}"
    assert expected in first.source


def test_no_removed_transformers_arguments(nb):
    path, notebook = nb
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    for call in calls:
        keywords = {k.arg for k in call.keywords}
        removed = REMOVED_API.get(call.func.id, set()) & keywords
        assert not removed, f"{path.name}: {call.func.id}({', '.join(sorted(removed))}=...) ya no existe en transformers 5"
    assert any(c.func.id == "TrainingArguments" for c in calls) or "TrainingArguments" not in code


def test_install_cell_generated_from_requirements(nb):
    path, notebook = nb
    cells = [c for c in notebook.cells if "setup" in c.metadata.get("tags", [])]
    assert len(cells) == 1 and cells[0].source == sync_install_cell.install_cell_source(), (
        f"{path.name}: celda de instalación desactualizada; ejecuta make sync-notebooks"
    )
    assert notebook.cells.index(cells[0]) < 4
    assert "torch" not in cells[0].source.split("no reinstalar torch")[0].replace("torch ni numpy", "")


def test_trainer_never_evaluates_on_the_test_part(nb):
    # Elegir la mejor época con la partición de prueba la convierte en validación: sus cifras dejan de ser honestas.
    path, notebook = nb
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for call in ast.walk(ast.parse(code)):
        name = call.func.id if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else \
            call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else None
        if name in ("Trainer", "CourseTrainer"):
            eval_dataset = next((k.value for k in call.keywords if k.arg == "eval_dataset"), None)
            assert eval_dataset is not None, f"{path.name}: Trainer sin eval_dataset"
            assert "validation" in ast.unparse(eval_dataset) and "test" not in ast.unparse(eval_dataset), (
                f"{path.name}: Trainer(eval_dataset={ast.unparse(eval_dataset)}) debe ser la validación"
            )
    assert "make_trainer" not in code or "validation" in code


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_cells_are_short(nb):
    """Una idea por celda: ~120 palabras como mucho (se admite un pequeño margen)."""
    long = [(len(s.split()), s[:60]) for s in _markdown(nbformat.read(nb, as_version=4)) if len(s.split()) > 130]
    assert not long, f"celdas de texto demasiado largas (palabras, inicio): {long}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_objectives_and_closes_with_essentials_and_self_check(nb):
    cells = _markdown(nbformat.read(nb, as_version=4))
    opening, closing = "\n".join(cells[:4]), "\n".join(cells[-10:])
    assert "Objetivos" in opening and ("Prerrequisitos" in opening or "Requisitos" in opening), "faltan objetivos y prerrequisitos al principio"
    assert "tiempo" in opening.lower(), "falta el tiempo estimado al principio"
    assert "Lo esencial" in closing, "falta «Lo esencial» al final"
    assert closing.count("<details>") >= 4, "la autoevaluación final necesita 4-6 preguntas con respuesta desplegable"


FIGURE = re.compile(r"plt\.show\(\)|plots\.\w+\(|display\(")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_and_table_is_followed_by_what_to_see(nb):
    """Tras cada gráfico o tabla, «Qué deberías ver» (salvo cuando la figura es el propio ejercicio)."""
    cells = nbformat.read(nb, as_version=4).cells
    missing = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or "ejercicio" in cell.metadata.get("tags", []) or not FIGURE.search(cell.source):
            continue
        following = next((c.source for c in cells[i + 1:] if c.cell_type == "markdown"), "")
        if "Qué deberías ver" not in following:
            missing.append(cell.get("id"))
    assert not missing, f"celdas con figura o tabla sin «Qué deberías ver» después: {missing}"


MODEL_OR_DATA = {"MODEL", "DATA"}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_profile_is_resolved_in_the_notebook_from_lesson_values(nb):
    """«Ejecutar todo» sin editar: PERFIL="auto" y la celda de perfil, antes de usar los parámetros."""
    from course_utils.profiles import LESSON_VALUES

    cells = nbformat.read(nb, as_version=4).cells
    params = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    values = {t.id: ast.literal_eval(node.value) for node in ast.parse(params.source).body
              if isinstance(node, ast.Assign) for t in node.targets}
    if not MODEL_OR_DATA & set(values):
        pytest.skip("el cuaderno no carga modelo ni datos")
    assert values.get("PERFIL") == "auto"
    after = cells[cells.index(params) + 1:]
    resolver = next(i for i, c in enumerate(after) if "profiles.resolve_profile(PERFIL" in c.source)
    assert all(c.cell_type == "markdown" for c in after[:resolver]), "la celda de perfil va justo después de los parámetros"
    for name, value in values.items():
        if name in LESSON_VALUES and values.get("DATA") == "imdb":
            assert value in LESSON_VALUES[name], f"{name}={value!r}: el perfil solo cambia valores de la lección {LESSON_VALUES[name]}"


def test_renamed_notebooks_keep_a_working_link_at_the_old_path():
    """La ruta antigua del cuaderno central sigue abriendo algo útil: un enlace (y una insignia) al nuevo."""
    old = ROOT / "notebooks" / "06_Ajuste_Fino_Clasificacion.ipynb"
    target = redirect_target(old)
    assert target == "06_3_Ajuste_Fino_Clasificacion.ipynb" and (ROOT / "notebooks" / target).is_file()
    cell, params = nbformat.read(old, as_version=4).cells  # el enlace, y una celda de parámetros (es un cuaderno)
    assert cell.cell_type == "markdown" and f"]({target})" in cell.source and f"notebooks/{target})" in cell.source
    assert "parameters" in params.metadata.tags and target in params.source
    assert old not in NOTEBOOKS


def test_file_names_sort_in_reading_order():
    """En un explorador de archivos, el orden alfabético es el orden de lectura del README."""
    sys.path.insert(0, str(ROOT / "tools"))
    import run_course

    assert [p.stem for p in NOTEBOOKS] == list(run_course.READING_ORDER)
