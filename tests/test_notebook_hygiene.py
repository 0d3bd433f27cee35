"""Los cuadernos son fuentes: sin salidas, una celda de parámetros literal, insignia de Colab correcta."""

import ast
import re
from pathlib import Path

import nbformat
import pytest

from tools import run_course, sync_install_cell
from tools.notebook_files import course_notebooks, redirect_target

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS = course_notebooks(ROOT / "notebooks")
# Argumentos que transformers 5 ya no acepta (TypeError), por llamada.
REMOVED_API = {
    "TrainingArguments": {"evaluation_strategy", "warmup_ratio", "logging_dir"},
    "Trainer": {"tokenizer"},
}


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
            assert i > 0 and notebook.cells[i - 1].cell_type == "markdown", (f"{path.name}: celda {i} sin explicación "
                                                                             "previa")


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
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name)]
    for call in calls:
        keywords = {k.arg for k in call.keywords}
        removed = REMOVED_API.get(call.func.id, set()) & keywords
        assert not removed, (f"{path.name}: {call.func.id}({', '.join(sorted(removed))}=...) ya no existe en "
                             "transformers 5")
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
    problems = make_trainer_problems(code)
    assert not problems, f"{path.name}: " + "; ".join(problems)


def _mentions_test(node: ast.AST) -> bool:
    """¿Nombra la prueba? Un texto o un identificador con «test» (``"test"``, ``test_pool``, ``tok.test``)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and "test" in sub.value:
            return True
        if isinstance(sub, ast.Name) and "test" in sub.id or isinstance(sub, ast.Attribute) and "test" in sub.attr:
            return True
    return False


def _validation_from_test(node: ast.AST) -> bool:
    """¿Construye una partición «validation» con algo de la prueba (``{"validation": t["test"]}``,
    ``validation=...test...``)?"""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Dict):
            if any(isinstance(k, ast.Constant) and k.value == "validation" and _mentions_test(v)
                   for k, v in zip(sub.keys, sub.values, strict=True)):
                return True
        if isinstance(sub, ast.Call) and any(k.arg == "validation" and _mentions_test(k.value) for k in sub.keywords):
            return True
    return False


def make_trainer_problems(code: str) -> list[str]:
    """Por qué las llamadas ``make_trainer(model, tok, X, args)`` de ``code`` podrían evaluar en la prueba.

    Cada ``X`` debe ser una variable (no ``tok["test"]`` ni un diccionario escrito en la llamada) que el código asigna,
    y nunca se le asigna una partición ``"validation"`` hecha con la prueba (``X["validation"] = ...test...``,
    ``X = DatasetDict(validation=...test...)``) ni se le asigna la partición de prueba (``X = t["test"]``).
    """
    tree = ast.parse(code)
    problems = []
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and
             (isinstance(n.func, ast.Name) and n.func.id == "make_trainer"
              or isinstance(n.func, ast.Attribute) and n.func.attr == "make_trainer")]
    assignments: dict[str, list[ast.AST]] = {}
    subscript_writes: dict[str, list[tuple[ast.AST, ast.AST]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for t in ast.walk(target):
                    if isinstance(t, ast.Name):
                        assignments.setdefault(t.id, []).append(node.value)
                    elif isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                        subscript_writes.setdefault(t.value.id, []).append((t.slice, node.value))
    for call in calls:
        where = f"l. {call.lineno}: {ast.unparse(call)[:80]}"
        tokenized = call.args[2] if len(call.args) >= 3 else next((k.value for k in call.keywords
                                                                   if k.arg == "tokenized"), None)
        if tokenized is None:
            problems.append(f"{where}: falta el tercer argumento (las particiones tokenizadas)")
            continue
        if not isinstance(tokenized, ast.Name):
            problems.append(f"{where}: el tercer argumento, {ast.unparse(tokenized)}, debe ser la variable con las "
                            "particiones tokenizadas")
            continue
        name = tokenized.id
        if name not in assignments:
            problems.append(f"{where}: {name} no se asigna en el cuaderno")
        for value in assignments.get(name, []):
            if _validation_from_test(value) or isinstance(value, ast.Subscript) and _mentions_test(value.slice):
                problems.append(f"{where}: {name} = {ast.unparse(value)[:60]} usa la prueba como validación")
        for key, value in subscript_writes.get(name, []):
            if _mentions_test(value) and not _mentions_test(key):  # la prueba, en "train" o "validation"
                problems.append(f"{where}: {name}[{ast.unparse(key)}] = {ast.unparse(value)[:60]} mete la prueba en lo "
                                "que ve Trainer")
    return problems


TRAINER_SNIPPETS = {
    "bien": ("tokenized = training.tokenize_splits(splits.remove_columns('id'), tok, max_length=8)\n"
             "trainer = training.make_trainer(model, tok, tokenized, args)", False),
    "prueba en la llamada": ("tokenized = training.tokenize_splits(splits, tok, max_length=8)\n"
                             "trainer = training.make_trainer(model, tok, tokenized['test'], args)", True),
    "diccionario en la llamada": ("trainer = make_trainer(model, tok, {'train': t['train'], 'validation': t['test']}, "
                                  "args)", True),
    "validación sustituida": ("tokenized = training.tokenize_splits(splits, tok, max_length=8)\n"
                              "tokenized['validation'] = tokenized['test']\n"
                              "trainer = training.make_trainer(model, tok, tokenized, args)", True),
    "DatasetDict con la prueba": ("tokenized = DatasetDict(train=t['train'], validation=t['test'])\n"
                                  "trainer = training.make_trainer(model, tok, tokenized, args)", True),
    "diccionario con la prueba": ("tokenized = {'train': t['train'], 'validation': test_part}\n"
                                  "trainer = training.make_trainer(model, tok, tokenized=tokenized, args=args)", True),
    "variable sin asignar": ("trainer = training.make_trainer(model, tok, tokenized, args)", True),
}


@pytest.mark.parametrize("snippet, bad", TRAINER_SNIPPETS.values(), ids=TRAINER_SNIPPETS.keys())
def test_make_trainer_checker_catches_the_test_part(snippet, bad):
    # La comprobación de arriba puede fallar: con cada forma de colar la prueba en Trainer, da un problema.
    assert bool(make_trainer_problems(snippet)) is bad, make_trainer_problems(snippet)


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_cells_are_short(nb):
    """Una idea por celda: ~120 palabras como mucho (se admite un pequeño margen)."""
    long = [(len(s.split()), s[:60]) for s in _markdown(nbformat.read(nb, as_version=4)) if len(s.split()) > 130]
    assert not long, f"celdas de texto demasiado largas (palabras, inicio): {long}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_objectives_and_closes_with_essentials_and_self_check(nb):
    """El camino central abre con objetivos y tiempo y cierra con «Lo esencial» y la autoevaluación; detrás pueden ir
    apéndices opcionales (celdas con la etiqueta opcional al final del cuaderno)."""
    all_cells = nbformat.read(nb, as_version=4).cells
    while all_cells and "opcional" in all_cells[-1].metadata.get("tags", []):
        all_cells = all_cells[:-1]
    cells = [c.source for c in all_cells if c.cell_type == "markdown"]
    opening, closing = "\n".join(cells[:4]), "\n".join(cells[-10:])
    assert "Objetivos" in opening and ("Prerrequisitos" in opening
                                       or "Requisitos" in opening), "faltan objetivos y prerrequisitos al principio"
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
    assert all(c.cell_type == "markdown" for c in after[:resolver]), ("la celda de perfil va justo después de los "
                                                                      "parámetros")
    for name, value in values.items():
        if name in LESSON_VALUES and values.get("DATA") == "imdb":
            assert value in LESSON_VALUES[name], (f"{name}={value!r}: el perfil solo cambia valores de la lección "
                                                  f"{LESSON_VALUES[name]}")


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
    assert [p.stem for p in NOTEBOOKS] == list(run_course.READING_ORDER)


def test_one_builder_of_the_course_training_arguments():
    """Los TrainingArguments del curso salen de un solo sitio, ``training.training_arguments``: el 06.3 entrena su
    ``CourseTrainer`` con ellos, y el bench y los demás cuadernos también. La única excepción es la versión en una
    pantalla del 06.3, que escribe los suyos a propósito (es el mecanismo, antes del helper)."""
    notebook = nbformat.read(ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    tree = ast.parse(code)
    assigned = {t.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    trainers = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "CourseTrainer"]
    assert trainers, "el 06.3 entrena con training.CourseTrainer"
    for call in trainers:
        args = next(k.value for k in call.keywords if k.arg == "args")
        assert isinstance(args, ast.Name) and ast.unparse(assigned[args.id].func) == "training.training_arguments", (
            f"CourseTrainer(args={ast.unparse(args)}): deben ser los de training.training_arguments")
    assert code.count("TrainingArguments(") == 1, "solo la versión en una pantalla construye TrainingArguments a mano"
    for path in sorted((ROOT / "tools").rglob("*.py")):
        assert "TrainingArguments(" not in path.read_text(encoding="utf-8"), f"{path}: usa training.training_arguments"
    for path in NOTEBOOKS:
        if path.name != "06_3_Ajuste_Fino_Clasificacion.ipynb":
            other = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
            assert "TrainingArguments(" not in other, f"{path.name}: usa training.training_arguments"
