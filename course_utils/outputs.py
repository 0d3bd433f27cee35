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


def prepare_output_dir(output_dir: str | Path, stamp: str | None = None) -> OutputPaths:
    """Prepara ``output_dir`` para una ejecución nueva, conservando la anterior.

    Si la carpeta ya tiene contenido (un modelo o métricas de otra ejecución), se renombra a
    ``<nombre>.anterior-AAAAMMDD-HHMMSS`` y se avisa: volver a ejecutar nunca borra en silencio
    el trabajo previo.

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
    root = Path(output_dir).expanduser()
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
