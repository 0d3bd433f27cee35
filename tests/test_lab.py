"""make lab: copias de trabajo en una carpeta ignorada, sin pisar las del estudiante, y JupyterLab arranca."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tools import lab
from tools.notebook_files import course_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "notebooks"
    source.mkdir()
    for name in ("a.ipynb", "b.ipynb"):
        (source / name).write_text(json.dumps({"cells": [], "name": name}))
    return source


def test_first_run_copies_every_notebook(tmp_path):
    source = _source(tmp_path)
    workspace = lab.prepare_workspace(source, tmp_path / "mis")
    assert workspace.copied == ["a.ipynb", "b.ipynb"] and workspace.kept == []
    assert (tmp_path / "mis" / "a.ipynb").read_text() == (source / "a.ipynb").read_text()


def test_student_edits_are_never_overwritten_and_upstream_changes_are_reported(tmp_path, capsys):
    source = _source(tmp_path)
    dest = tmp_path / "mis"
    lab.prepare_workspace(source, dest)
    (dest / "a.ipynb").write_text("mi versión con salidas")
    (source / "b.ipynb").write_text(json.dumps({"cells": [], "name": "b, version 2"}))  # git pull cambia b
    (source / "c.ipynb").write_text("{}")  # y añade un cuaderno nuevo
    workspace = lab.prepare_workspace(source, dest)
    assert (dest / "a.ipynb").read_text() == "mi versión con salidas"
    assert "version 2" not in (dest / "b.ipynb").read_text()
    assert workspace.copied == ["c.ipynb"]
    assert workspace.updated_upstream == ["b.ipynb"]  # a cambió en la copia, no en el curso
    lab.report(workspace)
    out = capsys.readouterr().out
    assert "b.ipynb" in out and "renombra o borra" in out
    # El aviso persiste hasta que el estudiante actúe; al borrar su copia recibe la nueva.
    (dest / "b.ipynb").unlink()
    workspace = lab.prepare_workspace(source, dest)
    assert workspace.copied == ["b.ipynb"] and workspace.updated_upstream == []
    assert "version 2" in (dest / "b.ipynb").read_text()


def test_empty_source_is_a_spanish_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No hay cuadernos en source="):
        lab.prepare_workspace(tmp_path, tmp_path / "mis")


def test_workspace_is_ignored_by_git():
    out = subprocess.run(["git", "check-ignore", "mis_cuadernos/x.ipynb"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, "mis_cuadernos/ debe estar en .gitignore"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_jupyterlab_on_the_copies(tmp_path):
    """Lo que hace make lab (python -m tools.lab), sin navegador: el servidor responde y lista las copias."""
    port, token = _free_port(), "prueba"
    dest = tmp_path / "mis"
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        # Sin --allow-root: como root (CI, un contenedor Docker), python -m tools.lab lo añade él solo.
        [sys.executable, "-m", "tools.lab", "--carpeta", str(dest), "--no-browser",
         f"--port={port}", f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")},
    )
    try:
        deadline, body = time.time() + 90, None
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=2) as r:
                    body = json.load(r)
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "JupyterLab no respondió en 90 s:\n" + (tmp_path / "lab.log").read_text()[-2000:]
        names = {item["name"] for item in body["content"]}
        assert {p.name for p in course_notebooks(ROOT / "notebooks")} <= names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5) as r:
            assert r.status == 200 and "JupyterLab" in r.read().decode()
        # En español y sin la pregunta de las noticias: los valores por defecto que sirve este servidor.
        def get(path):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=10) as r:
                return json.load(r)

        translation = get("/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert translation["schema"]["properties"]["locale"]["default"] == "es_ES"
        notification = get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
        assert notification["schema"]["properties"]["fetchNews"]["default"] == "false"
        assert get("/lab/api/translations")["data"]["es_ES"]["nativeName"] == "Español (España)"
        assert get("/lab/api/translations/es_ES")["data"]["jupyterlab"]["Settings"] == ["Configuración"]
        if os.geteuid() == 0:
            assert "se añade --allow-root" in (tmp_path / "lab.log").read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_as_root_make_lab_adds_allow_root_and_says_why(tmp_path):
    """make lab como root (un contenedor Docker) acababa en «Running as root is not recommended» y
    make: *** [lab] Error 1."""
    command, notes = lab.lab_command(tmp_path, ["--port", "8890"], root=True)
    assert command[-1] == "--allow-root" and command[1:3] == ["-m", "jupyterlab"] and "--port" in command
    assert len(notes) == 1 and "como root" in notes[0] and "--allow-root" in notes[0]
    assert lab.lab_command(tmp_path, [], root=False) == ([sys.executable, "-m", "jupyterlab",
                                                          f"--ServerApp.root_dir={tmp_path}"], [])
    # ya lo diste: no se repite
    assert lab.lab_command(tmp_path, ["--allow-root"], root=True)[0].count("--allow-root") == 1
    # La orden que arma python -m tools.lab de verdad, con el usuario que corre la prueba (root en CI y en Docker).
    out = subprocess.run([sys.executable, "-m", "tools.lab", "--carpeta", str(tmp_path / "mis"), "--solo-orden"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert ("--allow-root" in out.splitlines()[-1]) == (os.geteuid() == 0), out
    assert ("se añade --allow-root" in out) == (os.geteuid() == 0)
    assert out.splitlines()[-2].startswith(f"JUPYTER_CONFIG_PATH={lab.LAB_CONFIG}")


def test_lab_settings_default_to_spanish_without_the_news_question(tmp_path, monkeypatch):
    target = lab.write_lab_settings(tmp_path / "cfg")
    assert target == tmp_path / "cfg" / "labconfig" / "default_setting_overrides.json"
    assert json.loads(target.read_text()) == {"@jupyterlab/translation-extension:plugin": {"locale": "es_ES"},
                                              "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
    env = lab.lab_environment(tmp_path / "cfg", base={"JUPYTER_CONFIG_PATH": "/otra"})
    assert env["JUPYTER_CONFIG_PATH"] == os.pathsep.join([str(tmp_path / "cfg"), "/otra"])
    # JupyterLab (jupyterlab_server) los toma como valores por defecto de sus ajustes con ese entorno.
    from jupyterlab_server.settings_utils import _get_overrides

    monkeypatch.setenv("JUPYTER_CONFIG_PATH", env["JUPYTER_CONFIG_PATH"])
    overrides, error = _get_overrides(str(tmp_path / "sin-ajustes"))
    assert not error and overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "es_ES"
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # Sin el paquete de idioma no se fija el idioma (JupyterLab avisaría de que falta), pero sí lo de las noticias.
    assert list(json.loads(lab.write_lab_settings(tmp_path / "sin", spanish=False).read_text())) == [
        "@jupyterlab/apputils-extension:notification"]


def test_spanish_language_pack_is_installed_at_the_pinned_version():
    import importlib.metadata

    from tools import sync_install_cell

    pinned = sync_install_cell.pinned_versions()["jupyterlab-language-pack-es-es"]
    assert lab.language_pack_version() == importlib.metadata.version("jupyterlab-language-pack-es-ES") == pinned
    # Los paquetes de idioma siguen la versión menor de JupyterLab (4.5.postN); no hay uno 4.6: el más cercano es el
    # 4.5.
    jupyterlab = sync_install_cell.pinned_versions()["jupyterlab"]
    assert (pinned.split(".")[0] == jupyterlab.split(".")[0]
            and int(pinned.split(".")[1]) <= int(jupyterlab.split(".")[1]))
    (entry,) = [e for e in importlib.metadata.entry_points(group="jupyterlab.languagepack") if e.name == "es_ES"]
    assert entry.value == "jupyterlab_language_pack_es_ES"
