"""tools/ es un paquete con una convención: módulos cortos, líneas de 120 caracteres como mucho y ningún truco con
sys.path (las herramientas se ejecutan con python -m tools.<nombre> desde la raíz)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = sorted((ROOT / "tools").rglob("*.py"))
MAX_LINES = 500
MAX_WIDTH = 120


def test_tools_is_a_package_and_every_module_is_short():
    assert (ROOT / "tools" / "__init__.py").is_file() and (ROOT / "tools" / "bench" / "__main__.py").is_file()
    assert not (ROOT / "tools" / "bench.py").exists() and not (ROOT / "tools" / "bench_seeds.py").exists()
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in TOOLS}
    long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not long, f"módulos de más de {MAX_LINES} líneas: {long}"


def test_no_line_in_tools_is_wider_than_120_characters():
    wide = [f"{p.relative_to(ROOT)}:{i}" for p in TOOLS
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if len(line) > MAX_WIDTH]
    assert not wide, f"líneas de más de {MAX_WIDTH} caracteres: {wide}"


def test_nothing_edits_sys_path():
    pattern = re.compile(r"sys\.path\.(insert|append)\(")
    offenders = [p.relative_to(ROOT).as_posix() for folder in ("tools", "tests") for p in (ROOT / folder).rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders, f"editan sys.path (usa python -m tools.<nombre> y from tools import ...): {offenders}"


@pytest.mark.parametrize("tool", ["run_course", "lab", "build_site", "bench", "dropout_masks"])
def test_every_tool_runs_as_a_module_from_the_repository_root(tool):
    proc = subprocess.run([sys.executable, "-m", f"tools.{tool}", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and "--help" in proc.stdout, proc.stderr[-2000:]


def test_the_tools_without_help_import_as_a_package():
    # sync_install_cell y make_sample_data escriben al ejecutarse (las celdas de los cuadernos, los datos de muestra):
    # aquí solo se importan, en otro proceso, desde la raíz.
    code = "import tools.sync_install_cell, tools.make_sample_data, tools.notebook_files, tools.run_summary"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
