"""Carpetas de resultados: cada ejecución escribe en la suya sin destruir la anterior."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from course_utils._checks import fail


@dataclass(frozen=True)
class OutputPaths:
    """Rutas de resultados de una ejecución."""

    root: Path
    model_dir: Path
    metrics_path: Path
    previous: Path | None  # dónde quedó la ejecución anterior, si la había


def _outside_sources(root: Path) -> Path:
    # Los cuadernos de notebooks/ son fuentes: si Jupyter se abrió en esa carpeta, una ruta relativa
    # como "salidas/..." caería dentro. En ese caso se usa build/ del repositorio y se dice.
    absolute = root.resolve()
    for parent in absolute.parents:
        if parent.name == "notebooks" and (parent.parent / "course_utils").is_dir() and any(parent.glob("*.ipynb")):
            target = parent.parent / "build" / absolute.relative_to(parent)
            print(f"OUTPUT_DIR={str(root)!r} caería dentro de notebooks/ (solo fuentes): se usa {target}.")
            return target
    return root


def prepare_output_dir(output_dir: str | Path, *, stamp: str | None = None) -> OutputPaths:
    """Prepara ``output_dir`` para una ejecución nueva, conservando la anterior.

    Si la carpeta ya tiene contenido (un modelo o métricas de otra ejecución), se renombra a
    ``<nombre>.anterior-AAAAMMDD-HHMMSS`` y se avisa: volver a ejecutar nunca borra en silencio
    el trabajo previo. Si la ruta cae dentro de la carpeta ``notebooks/`` del curso (Jupyter abierto
    allí), se usa la misma ruta bajo ``build/`` y se avisa.

    Parámetros
    ----------
    output_dir : str o Path
        Parámetro ``OUTPUT_DIR``.
    stamp : str, opcional
        Marca de tiempo para el nombre de la copia (por defecto, la hora actual).

    Devuelve
    --------
    OutputPaths
        ``root``, ``model_dir`` (``modelo/``), ``metrics_path`` (``metrics.json``) y ``previous``.

    Errores
    -------
    CourseParameterError
        Si ``output_dir`` está vacío o es un archivo.
    """
    if not str(output_dir).strip():
        raise fail("OUTPUT_DIR", output_dir, "está vacío", 'usa una carpeta, p. ej. "salidas/06_ajuste_fino"')
    root = _outside_sources(Path(output_dir).expanduser())
    if root.exists() and not root.is_dir():
        raise fail("OUTPUT_DIR", str(output_dir), "es un archivo, no una carpeta", "elige otra ruta")
    previous = None
    if root.is_dir() and any(root.iterdir()):
        stamp = stamp or time.strftime("%Y%m%d-%H%M%S")
        previous = root.with_name(f"{root.name}.anterior-{stamp}")
        suffix = 1
        while previous.exists():
            previous = root.with_name(f"{root.name}.anterior-{stamp}-{suffix}")
            suffix += 1
        root.rename(previous)
        print(f"La ejecución anterior en {root} se conserva en {previous}.")
    root.mkdir(parents=True, exist_ok=True)
    return OutputPaths(root=root, model_dir=root / "modelo", metrics_path=root / "metrics.json", previous=previous)


def write_metrics(paths: OutputPaths, notebook: str, metrics: dict, parameters: dict, **extra) -> Path:
    """Escribe ``metrics.json`` con las métricas finales y los parámetros usados.

    ``make run-all`` y las pruebas leen este archivo. Los valores ``NaN`` se escriben como ``null``
    (JSON no admite ``NaN``).

    Parámetros
    ----------
    paths : OutputPaths
        Resultado de :func:`prepare_output_dir`.
    notebook : str
        Nombre del cuaderno.
    metrics : dict
        Métricas (números).
    parameters : dict
        Parámetros usados.
    **extra
        Otros campos de primer nivel (p. ej. ``n_train``).

    Devuelve
    --------
    Path
        La ruta escrita.
    """
    import json
    import math

    def clean(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if hasattr(value, "item"):  # escalares de numpy
            return clean(value.item())
        return value

    summary = {
        "notebook": notebook,
        "metrics": {k: clean(v) for k, v in metrics.items()},
        "parameters": {k: clean(v) for k, v in parameters.items()},
        **{k: clean(v) for k, v in extra.items()},
    }
    paths.metrics_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Métricas guardadas en {paths.metrics_path}")
    return paths.metrics_path


def update_metrics(paths: OutputPaths, metrics: dict) -> Path:
    """Añade cifras al ``metrics.json`` ya escrito (p. ej. las de una sección opcional que corre después).

    Parámetros
    ----------
    paths : OutputPaths
        Las rutas de :func:`prepare_output_dir` (el archivo ya existe: :func:`write_metrics`).
    metrics : dict
        Cifras que se añaden (o sustituyen) en ``"metrics"``.

    Devuelve
    --------
    Path
        La ruta escrita.

    Errores
    -------
    CourseParameterError
        Si todavía no hay ``metrics.json``.
    """
    import json

    if not paths.metrics_path.is_file():
        raise fail("paths", str(paths.metrics_path), "todavía no hay metrics.json",
                   "llama antes a outputs.write_metrics")
    summary = json.loads(paths.metrics_path.read_text(encoding="utf-8"))
    summary["metrics"].update({k: (v.item() if hasattr(v, "item") else v) for k, v in metrics.items()})
    paths.metrics_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return paths.metrics_path
