"""``make lab``: abre JupyterLab sobre copias de trabajo de los cuadernos, en una carpeta que git ignora.

Los cuadernos de ``notebooks/`` son fuentes sin salidas: si el estudiante los ejecuta y edita ahí, sus cambios
chocan con ``git pull``. Por eso ``make lab`` trabaja en ``mis_cuadernos/`` (en ``.gitignore``):

- la primera vez copia allí cada cuaderno;
- después **nunca** sobrescribe una copia (son del estudiante); si el original cambió desde que se copió
  (p. ej. tras ``git pull``), lo dice y explica cómo recibir la versión nueva;
- los cuadernos nuevos del curso se copian al volver a ejecutar ``make lab``.

Uso:
    python tools/lab.py                  # prepara mis_cuadernos/ y abre JupyterLab
    python tools/lab.py --solo-preparar  # solo prepara la carpeta (lo usan las pruebas)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_files import course_notebooks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
WORKSPACE = ROOT / "mis_cuadernos"
# Huella de cada original en el momento de copiarlo: así se sabe si el curso lo cambió después.
MANIFEST = ".origen.json"


@dataclass
class Workspace:
    """Lo que hizo :func:`prepare_workspace`: cuadernos copiados, conservados y con versión nueva."""

    path: Path
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    updated_upstream: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare_workspace(source: Path = SOURCE, dest: Path = WORKSPACE) -> Workspace:
    """Copia a ``dest`` los cuadernos de ``source`` que faltan, sin tocar los que ya están.

    Parameters
    ----------
    source : Path
        Carpeta con los cuadernos fuente (``notebooks/``).
    dest : Path
        Carpeta de trabajo del estudiante (``mis_cuadernos/``, ignorada por git).

    Returns
    -------
    Workspace
        ``copied`` (copiados ahora), ``kept`` (ya estaban: no se tocan) y ``updated_upstream`` (ya estaban
        y el original cambió desde que se copiaron).
    """
    notebooks = course_notebooks(source)
    if not notebooks:
        raise FileNotFoundError(f"No hay cuadernos en source={str(source)!r}: ejecuta make lab desde la raíz del repositorio.")
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    result = Workspace(path=dest)
    for notebook in notebooks:
        target = dest / notebook.name
        digest = _sha256(notebook)
        if target.exists():
            result.kept.append(notebook.name)
            if manifest.get(notebook.name) not in (None, digest):
                result.updated_upstream.append(notebook.name)
            manifest.setdefault(notebook.name, digest)
        else:
            shutil.copy2(notebook, target)
            manifest[notebook.name] = digest
            result.copied.append(notebook.name)
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def report(workspace: Workspace) -> None:
    """Imprime en español lo que se preparó."""
    print(f"Carpeta de trabajo: {workspace.path} (git la ignora: tus cambios y salidas no chocan con git pull).")
    if workspace.copied:
        print(f"  Copiados ahora: {', '.join(workspace.copied)}")
    if workspace.kept:
        print(f"  Ya estaban (no se tocan, son tuyos): {len(workspace.kept)} cuadernos")
    for name in workspace.updated_upstream:
        print(f"  ⚠ El curso actualizó {name} desde que lo copiaste. Para recibir la versión nueva, renombra o "
              f"borra tu copia {workspace.path.name}/{name} y vuelve a ejecutar make lab.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solo-preparar", action="store_true", help="prepara mis_cuadernos/ sin abrir JupyterLab")
    parser.add_argument("--carpeta", type=Path, default=WORKSPACE, help="carpeta de trabajo (por defecto mis_cuadernos/)")
    args, jupyter_args = parser.parse_known_args(argv)
    workspace = prepare_workspace(SOURCE, args.carpeta)
    report(workspace)
    if args.solo_preparar:
        return 0
    print("Abriendo JupyterLab (Ctrl+C dos veces para cerrarlo)...")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={workspace.path}", *jupyter_args]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
