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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import lab  # noqa: E402
from notebook_files import course_notebooks  # noqa: E402


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
    """Lo que hace make lab (tools/lab.py), sin navegador: el servidor responde y lista las copias."""
    port, token = _free_port(), "prueba"
    dest = tmp_path / "mis"
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "lab.py"), "--carpeta", str(dest), "--no-browser",
         f"--port={port}", f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1", "--allow-root"],  # CI corre como root
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
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
