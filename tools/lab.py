"""``make lab``: abre JupyterLab sobre copias de trabajo de los cuadernos, en una carpeta que git ignora.

Los cuadernos de ``notebooks/`` son fuentes sin salidas: si el estudiante los ejecuta y edita ahí, sus cambios
chocan con ``git pull``. Por eso ``make lab`` trabaja en ``mis_cuadernos/`` (en ``.gitignore``):

- la primera vez copia allí cada cuaderno;
- después **nunca** sobrescribe una copia (son del estudiante); si el original cambió desde que se copió
  (p. ej. tras ``git pull``), lo dice y explica cómo recibir la versión nueva;
- los cuadernos nuevos del curso se copian al volver a ejecutar ``make lab``.

JupyterLab se abre en español (paquete de idioma ``jupyterlab-language-pack-es-ES``, en requirements.txt) y sin la
pregunta de las noticias de Jupyter: son valores por defecto que ``make lab`` pone en ``.lab/`` (git la ignora) y le
pasa con ``JUPYTER_CONFIG_PATH``; lo que cambies en Configuración manda. Como root (un contenedor Docker, un
servidor de laboratorio) añade ``--allow-root``, sin el que JupyterLab no arranca.

Uso:
    python -m tools.lab                  # prepara mis_cuadernos/ y abre JupyterLab
    python -m tools.lab --solo-preparar  # solo prepara la carpeta (lo usan las pruebas)
    python -m tools.lab --solo-orden     # prepara todo y muestra la orden de JupyterLab, sin lanzarla
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tools.notebook_files import course_notebooks

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
WORKSPACE = ROOT / "mis_cuadernos"
# Huella de cada original en el momento de copiarlo: así se sabe si el curso lo cambió después.
MANIFEST = ".origen.json"
# Configuración de JupyterLab solo para make lab (en .gitignore): un directorio de JUPYTER_CONFIG_PATH.
LAB_CONFIG = ROOT / ".lab"
LANGUAGE_PACK = "jupyterlab-language-pack-es-ES"
LOCALE = "es_ES"
# Valores por defecto de los ajustes de JupyterLab (labconfig/default_setting_overrides.json): la interfaz en español
# y sin «Would you like to get notified about official Jupyter news?» (fetchNews "false": nunca; "none" pregunta).
SETTING_OVERRIDES = {
    "@jupyterlab/translation-extension:plugin": {"locale": LOCALE},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
}


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
        raise FileNotFoundError(f"No hay cuadernos en source={str(source)!r}: "
                                "ejecuta make lab desde la raíz del repositorio.")
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


def language_pack_version() -> str | None:
    """Versión instalada del paquete de idioma español de JupyterLab (``None`` si falta)."""
    try:
        return importlib.metadata.version(LANGUAGE_PACK)
    except importlib.metadata.PackageNotFoundError:
        return None


def write_lab_settings(config_dir: Path = LAB_CONFIG, *, spanish: bool = True) -> Path:
    """Escribe los valores por defecto de JupyterLab para ``make lab`` en ``config_dir/labconfig`` y devuelve el
    archivo.

    Son *valores por defecto* (``default_setting_overrides.json``, que JupyterLab lee de cada carpeta de
    ``JUPYTER_CONFIG_PATH``): lo que el estudiante cambie en Configuración los sustituye. ``spanish=False`` (sin el
    paquete de idioma) no fija el idioma: JupyterLab avisaría de que falta.
    """
    overrides = {plugin: dict(values) for plugin, values in SETTING_OVERRIDES.items()}
    if not spanish:
        del overrides["@jupyterlab/translation-extension:plugin"]
    target = config_dir / "labconfig" / "default_setting_overrides.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(overrides, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temp, target)  # de una vez: otro make lab a la vez nunca lee medio archivo
    return target


def is_root() -> bool:
    """¿Corre como root? (un contenedor Docker, un servidor de laboratorio; en Windows, nunca)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(workspace: Path, jupyter_args: list[str], *, root: bool | None = None) -> tuple[list[str], list[str]]:
    """La orden que abre JupyterLab sobre ``workspace`` y una frase por cada opción que añade ``make lab``.

    Como root (``root=None``: se mira :func:`is_root`) añade ``--allow-root``: sin ella JupyterLab se detiene con
    «Running as root is not recommended. Use --allow-root to bypass.».
    """
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={workspace}", *jupyter_args]
    notes = []
    root = is_root() if root is None else root
    given = {arg.split("=")[0] for arg in jupyter_args}
    if root and not given & {"--allow-root", "--ServerApp.allow_root"}:
        command.append("--allow-root")
        notes.append("Se ejecuta como root (p. ej. en un contenedor Docker o un servidor de laboratorio): se añade "
                     "--allow-root, sin el que JupyterLab se niega a arrancar como root.")
    return command, notes


def lab_environment(config_dir: Path = LAB_CONFIG, base: dict[str, str] | None = None) -> dict[str, str]:
    """El entorno de JupyterLab: el de ``base`` (por defecto, el actual) con ``config_dir`` al frente de
    ``JUPYTER_CONFIG_PATH``."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(config_dir), env.get("JUPYTER_CONFIG_PATH", "")) if p)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solo-preparar", action="store_true", help="prepara mis_cuadernos/ sin abrir JupyterLab")
    parser.add_argument("--solo-orden", action="store_true",
                        help="prepara todo y muestra la orden de JupyterLab, sin lanzarla")
    parser.add_argument("--carpeta", type=Path, default=WORKSPACE,
                        help="carpeta de trabajo (por defecto mis_cuadernos/)")
    args, jupyter_args = parser.parse_known_args(argv)
    workspace = prepare_workspace(SOURCE, args.carpeta)
    report(workspace)
    if args.solo_preparar:
        return 0
    version = language_pack_version()
    settings = write_lab_settings(LAB_CONFIG, spanish=version is not None)
    if version:
        print(f"JupyterLab en español (paquete de idioma {LANGUAGE_PACK} {version}) y sin la pregunta de las noticias "
              f"de Jupyter: valores por defecto en {settings.relative_to(ROOT)}; los cambias en Configuración.")
    else:
        print(f"⚠ Falta el paquete de idioma {LANGUAGE_PACK}: JupyterLab se abrirá en inglés. "
              "Lo instala make install (está en requirements.txt).")
    command, notes = lab_command(workspace.path, jupyter_args)
    for note in notes:
        print(note)
    if args.solo_orden:
        print("JUPYTER_CONFIG_PATH=" + lab_environment()["JUPYTER_CONFIG_PATH"])
        print(" ".join(command))
        return 0
    print("Abriendo JupyterLab (Ctrl+C dos veces para cerrarlo)...", flush=True)
    if hasattr(os, "execve") and sys.platform != "win32":
        # Este proceso pasa a ser JupyterLab: Ctrl+C o un SIGTERM le llegan a él, y no queda un servidor huérfano
        # si alguien termina este proceso (antes, subprocess.call dejaba JupyterLab vivo).
        os.execve(command[0], command, lab_environment())
    return subprocess.call(command, env=lab_environment())


if __name__ == "__main__":
    sys.exit(main())
