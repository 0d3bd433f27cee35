"""Qué archivos de ``notebooks/`` son cuadernos del curso (y cuáles solo redirigen a su nueva ruta).

Un cuaderno que cambió de nombre deja en su ruta antigua un cuaderno mínimo, con una celda de texto que enlaza
al nuevo (y una celda ``parameters`` con su nombre, como todo cuaderno del curso) y ``metadata.curso.redirige_a``:
así siguen funcionando los enlaces y las insignias de Colab que ya circulan. Esos no se ejecutan, no llevan celda
de instalación y no se copian a ``mis_cuadernos/``.
"""

from __future__ import annotations

import json
from pathlib import Path


def redirect_target(path: Path) -> str | None:
    """Nombre del cuaderno al que redirige ``path``, o ``None`` si es un cuaderno del curso."""
    meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return meta.get("curso", {}).get("redirige_a")


def course_notebooks(folder: Path) -> list[Path]:
    """Los cuadernos del curso en ``folder`` (sin los que solo redirigen), por nombre."""
    return sorted(p for p in folder.glob("*.ipynb") if redirect_target(p) is None)
