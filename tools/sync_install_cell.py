"""Genera la celda de instalación (etiqueta ``setup``) de cada cuaderno a partir de requirements.txt.

La celda es la misma en todos los cuadernos y no se copia a mano: este script la reescribe, y
``tests/test_notebook_hygiene.py`` comprueba que está al día. Uso:
    python -m tools.sync_install_cell          # reescribe las celdas (make sync-notebooks)
    python -m tools.sync_install_cell --check  # solo comprueba (sale con 1 si hay diferencias)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import nbformat

from tools.notebook_files import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
# Solo las librerías de Hugging Face: Colab ya trae torch, numpy, pandas, scikit-learn y matplotlib,
# y reinstalarlos obliga a reiniciar el entorno (o rompe sus extensiones CUDA).
COLAB_PINNED = ("transformers", "datasets", "accelerate", "peft")


def pinned_versions() -> dict[str, str]:
    """Versiones fijadas en requirements.txt, ``{paquete: versión}``."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def repository_url() -> str:
    """URL del repositorio, tomada de pyproject.toml."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return meta["project"]["urls"]["Repository"]


def course_version() -> str:
    """Versión del paquete (pyproject.toml): la celda instala esa etiqueta git, ``v<versión>``, no ``main``."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return meta["project"]["version"]


# Variable de entorno que cambia de dónde se instala course_utils (la simulación de Colab usa un clon local).
REPO_URL_ENV = "CURSO_REPO_URL"
# Largo máximo de las líneas de la celda: el de ruff (E501) en el resto del curso.
MAX_LINE = 120


def _wrapped_arguments(items: list[str], indent: str, end: str) -> str:
    """``items`` separados por comas, en líneas de ``MAX_LINE`` caracteres como mucho que empiezan con ``indent``;
    la última termina en ``end`` (lo que cierra la llamada)."""
    lines: list[str] = []
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else end)
        if lines and len(lines[-1]) + 1 + len(piece) <= MAX_LINE:
            lines[-1] += " " + piece
        else:
            lines.append(indent + piece)
    return "\n".join(lines)


def install_cell_source() -> str:
    """Código de la celda de instalación."""
    pins = pinned_versions()
    # La lista de paquetes, alineada bajo el corchete de subprocess.run([ y partida si no cabe en una línea.
    packages = _wrapped_arguments([f'"{name}=={pins[name]}"' for name in COLAB_PINNED], " " * 20, "], check=True)")
    return f'''# Celda generada por tools/sync_install_cell.py a partir de requirements.txt: no la edites a mano.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
{packages}
    # course_utils en la versión de este cuaderno (etiqueta v{course_version()}), sin dependencias:
    # --no-deps no reinstala torch ni numpy (Colab ya los trae). No hace falta reiniciar el entorno.
    repo = os.environ.get("{REPO_URL_ENV}", "git+{repository_url()}")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    f"course_utils @ {{repo}}@v{course_version()}"], check=True)
    print("Listo. ¿Sin GPU? Entorno de ejecución → Cambiar tipo de entorno de ejecución → GPU.")
else:
    print("Fuera de Colab: se usa el entorno ya instalado (make install).")'''


def main(check: bool = False) -> int:
    expected = install_cell_source()
    stale = []
    for path in course_notebooks(ROOT / "notebooks"):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
        if len(cells) != 1:
            stale.append(f"{path.name}: {len(cells)} celdas con la etiqueta 'setup' (se espera 1)")
            continue
        if cells[0].source != expected:
            stale.append(path.name)
            if not check:
                cells[0].source = expected
                nbformat.write(nb, path)
    if check and stale:
        print("Celda de instalación desactualizada en: " + ", ".join(stale))
        print("Ejecuta: make sync-notebooks (python -m tools.sync_install_cell)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
