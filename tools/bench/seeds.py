"""Sección ``semillas`` de ``make bench``: una ejecución es una muestra.

Entrena la receta local (y las variantes que sostienen las afirmaciones del curso) con varias
semillas, una orden ``python -m course_utils.entrenar`` por semilla, como se haría en un clúster,
y reúne lo que varía entre ejecuciones:

- grupo ``todo``: cada semilla cambia todo lo aleatorio de una ejecución: la muestra de
  entrenamiento y validación (``--semilla-muestra``), la cabeza inicial, el orden y el dropout
  (``--semilla``). Todas se puntúan en las mismas reseñas de prueba (``--semilla-prueba 42``, las
  del perfil local).
- grupo ``muestra-fija``: la muestra de la semilla 42 y solo cambia la semilla del entrenamiento:
  la diferencia con el grupo anterior dice cuánto viene de los datos y cuánto de la ejecución.

Cada ejecución deja ``metrics.json`` y ``predicciones.npz`` en ``<ejecuciones>/<grupo>/<variante>/semilla-<s>/``;
una ejecución ya hecha con la misma receta no se repite (se puede interrumpir y seguir). Las terminadas se copian
en ``docs/resultados/semillas/<máquina>/<grupo>/<variante>-s<semilla>/``, y las tablas se reúnen desde ahí, con las
de todas las máquinas que haya (``--solo-reunir`` solo reúne, sin entrenar). Los intervalos de las afirmaciones
cubren las dos fuentes de incertidumbre (ejecuciones y reseñas de prueba):
:func:`course_utils.variance.crossed_bootstrap` (:mod:`tools.bench.seeds_report`).

Las funciones :func:`plan`, :func:`execute`, :func:`~tools.bench.seeds_report.aggregate` y
:func:`~tools.bench.seeds_report.table` no dependen de la línea de órdenes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils.profiles import LOCAL_PARAMS
from tools.bench.common import ROOT, Env, Runner, Section, shown_path
from tools.bench.seeds_report import CURVE, GROUPS, TEST_SEED, RunRecord, aggregate, table

__all__ = ["DEFAULT_SEEDS", "GROUPS", "SeedRun", "aggregate", "collect_runs", "collect_store", "copy_to_store",
           "execute", "link_twins", "machine_slug", "plan", "semillas_section", "semillas_table", "table", "variants",
           "SECTION"]

DEFAULT_SEEDS = (42, 1, 2, 3, 4)
DEFAULT_RUNS_DIR = ROOT / "build" / "semillas"


def variants() -> dict[str, dict[str, str]]:
    """Las variantes de la receta local que el curso compara, como opciones de ``course_utils.entrenar``.

    Sus valores salen del perfil local (``profiles.LOCAL_PARAMS``): las del 06.5 entrenan a su longitud,
    épocas y tasas, con el dropout de la atención del modelo, como en el cuaderno.
    """
    local = LOCAL_PARAMS
    adapt = {"--max-length": str(local["ADAPT_MAX_LENGTH"]), "--epocas": str(local["ADAPT_EPOCHS"]),
             "--dropout-atencion": "modelo", "--n-mc": "0"}
    return {
        "receta": {},
        "256": {"--max-length": "256", "--n-mc": "0"},
        "head": {"--truncado": "head", "--n-mc": "0"},
        "capas": {**adapt, "--metodo": "capas", "--lr": f"{local['TOP_K_LEARNING_RATE']:g}"},
        "lora": {**adapt, "--metodo": "lora", "--lr": f"{local['LORA_LEARNING_RATE']:g}"},
        "congelado": {"--max-length": str(local["ADAPT_MAX_LENGTH"]), "--metodo": "congelado", "--n-mc": "0"},
        # Curva etiquetas–exactitud: menos reseñas de entrenamiento (la misma validación de 200), más épocas para
        # compensar los pasos (la mejor se elige en validación).
        **{f"n{n}": {"--n-por-clase": str((n + local["VALIDATION_SIZE"]) // 2), "--epocas": str(epochs), "--n-mc": "0"}
           for n, epochs in CURVE},
    }


@dataclass(frozen=True)
class SeedRun:
    """Una ejecución del plan: qué variante, con qué semillas, y dónde deja sus resultados."""

    group: str
    variant: str
    seed: int
    sample_seed: int
    options: tuple[tuple[str, str], ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.group}/{self.variant}/semilla-{self.seed}"

    def command(self, runs_dir: Path, python: str = sys.executable, profile: str = "local") -> list[str]:
        """La orden que la ejecuta (la misma que se lanzaría en un clúster, una por semilla)."""
        cmd = [python, "-m", "course_utils.entrenar", "--perfil", profile, "--salida", str(runs_dir / self.folder),
               "--sin-modelo", "--semilla", str(self.seed), "--semilla-muestra", str(self.sample_seed),
               "--semilla-prueba", str(TEST_SEED)]
        for option, value in self.options:
            cmd += [option, value]
        return cmd


def plan(*, seeds: tuple[int, ...] = DEFAULT_SEEDS, names: tuple[str, ...] | None = None,
         fixed_sample: bool = True) -> list[SeedRun]:
    """Las ejecuciones de la sección, en orden de prioridad: la receta con todas las semillas primero.

    Parámetros
    ----------
    seeds : tuple of int
        Semillas (al menos 2).
    names : tuple of str, opcional
        Variantes (por defecto, todas las de :func:`variants`).
    fixed_sample : bool
        Añadir el grupo ``muestra-fija`` (la receta con la muestra de la semilla 42).
    """
    options = variants()
    names = names or tuple(options)
    unknown = [n for n in names if n not in options]
    if unknown:
        raise SystemExit(f"--variantes: {unknown} no existen. Solución: usa algunas de {', '.join(options)}.")
    if len(seeds) < 2:
        raise SystemExit(f"--semillas: {list(seeds)} tiene menos de 2 semillas. "
                         "Solución: da al menos 2 (el curso usa 5).")
    recipe = tuple(options["receta"].items())
    runs = [SeedRun("todo", "receta", s, s, recipe) for s in seeds] if "receta" in names else []
    if fixed_sample and "receta" in names:
        runs += [SeedRun("muestra-fija", "receta", s, TEST_SEED, recipe) for s in seeds]
    runs += [SeedRun("todo", n, s, s, tuple(options[n].items())) for n in names if n != "receta" for s in seeds]
    return runs


def is_done(run: SeedRun, runs_dir: Path) -> bool:
    """¿Ya hay resultados de esta ejecución, con la misma receta? (la misma semilla en otra carpeta, no cuenta)."""
    folder = runs_dir / run.folder
    metrics = folder / "metrics.json"
    if not (metrics.is_file() and (folder / "predicciones.npz").is_file()):
        return False
    saved = json.loads(metrics.read_text(encoding="utf-8"))["parameters"]
    wanted = {"seed": run.seed, "sample_seed": run.sample_seed, "test_seed": TEST_SEED}
    return all(saved.get(key) == value for key, value in wanted.items())


def same_run_elsewhere(run: SeedRun, runs_dir: Path) -> Path | None:
    """La receta con semilla 42 y muestra 42 es la misma en los dos grupos: se reutiliza en vez de repetirla."""
    if run.group == "muestra-fija" and run.seed == run.sample_seed:
        twin = SeedRun("todo", run.variant, run.seed, run.sample_seed, run.options)
        return runs_dir / twin.folder if is_done(twin, runs_dir) else None
    return None


def link_twin(run: SeedRun, twin: Path, runs_dir: Path) -> None:
    """Enlaza la carpeta de ``run`` con la de su gemela (la misma ejecución en el otro grupo)."""
    folder = runs_dir / run.folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    if folder.is_symlink():
        folder.unlink()
    folder.symlink_to(os.path.relpath(twin, folder.parent))


def link_twins(runs: list[SeedRun], runs_dir: Path) -> None:
    """Enlaza las ejecuciones del plan que son la misma que otra ya hecha (también con ``--solo-reunir``, para
    que el grupo ``muestra-fija`` cuente la semilla 42 aunque se entrenara fuera de :func:`execute`)."""
    for run in runs:
        twin = same_run_elsewhere(run, runs_dir)
        if twin is not None and not is_done(run, runs_dir):
            link_twin(run, twin, runs_dir)


def execute(runs: list[SeedRun], runs_dir: Path, *, profile: str = "local") -> list[str]:
    """Ejecuta lo que falte del plan, una orden por ejecución; devuelve las carpetas que fallaron."""
    failed = []
    for i, run in enumerate(runs, 1):
        folder = runs_dir / run.folder
        twin = same_run_elsewhere(run, runs_dir)
        if is_done(run, runs_dir):
            print(f"  [{i}/{len(runs)}] {run.folder}: ya hecha", flush=True)
            continue
        if twin is not None:
            link_twin(run, twin, runs_dir)
            print(f"  [{i}/{len(runs)}] {run.folder}: la misma ejecución que {twin.relative_to(runs_dir)}", flush=True)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        command = run.command(runs_dir, profile=profile)
        print(f"  [{i}/{len(runs)}] {run.folder}: " + " ".join(command[1:]), flush=True)
        with (folder / "registro.txt").open("w", encoding="utf-8") as log:
            code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        ok = code == 0 and is_done(run, runs_dir)
        status = "ok" if ok else f"falló (código {code}; ver {folder / 'registro.txt'})"
        print(f"      {status} en {time.perf_counter() - start:.0f} s", flush=True)
        if status != "ok":
            failed.append(run.folder)
    return failed


def machine_slug(machine: str) -> str:
    """El nombre de carpeta de una máquina: ``"AMD EPYC (AVX2), 2 hilos"`` → ``"amd-epyc-avx2-2-hilos"``."""
    ascii_text = unicodedata.normalize("NFKD", machine).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80].strip("-") or "maquina-desconocida"


def _record(folder: Path, group: str, variant: str, seed: int) -> RunRecord | None:
    metrics = folder / "metrics.json"
    if not (metrics.is_file() and (folder / "predicciones.npz").is_file()):
        return None
    machine = json.loads(metrics.read_text(encoding="utf-8")).get("machine", "")
    return RunRecord(group=group, variant=variant, seed=seed, machine=machine, slug=machine_slug(machine),
                     folder=folder)


def collect_runs(runs_dir: Path) -> list[RunRecord]:
    """Las ejecuciones terminadas de una carpeta de ejecuciones (``<grupo>/<variante>/semilla-<s>/``)."""
    records = []
    for folder in sorted(runs_dir.glob("*/*/semilla-*")):
        group, variant, seed = folder.parent.parent.name, folder.parent.name, folder.name.removeprefix("semilla-")
        if group in GROUPS and seed.isdigit() and (record := _record(folder, group, variant, int(seed))):
            records.append(record)
    return records


def collect_store(store: Path) -> list[RunRecord]:
    """Las ejecuciones copiadas en ``docs/resultados/semillas`` (``<máquina>/<grupo>/<variante>-s<semilla>/``), de
    todas las máquinas."""
    records = []
    for folder in sorted(store.glob("*/*/*-s*")):
        group = folder.parent.name
        variant, _, seed = folder.name.rpartition("-s")
        if group in GROUPS and seed.isdigit() and (record := _record(folder, group, variant, int(seed))):
            records.append(record)
    return records


def copy_to_store(records: list[RunRecord], store: Path) -> int:
    """Copia ``metrics.json`` (compacto) y ``predicciones.npz`` de cada ejecución en
    ``store/<máquina>/<grupo>/<variante>-s<semilla>/``; devuelve cuántas copió."""
    for r in records:
        target = store / r.slug / r.group / f"{r.variant}-s{r.seed}"
        target.mkdir(parents=True, exist_ok=True)
        metrics = json.loads((r.folder / "metrics.json").read_text(encoding="utf-8"))
        (target / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, separators=(",", ":")) + "\n",
                                             encoding="utf-8")
        shutil.copyfile(r.folder / "predicciones.npz", target / "predicciones.npz")
    return len(records)


def semillas_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Entrena lo que falte del plan (salvo ``--solo-reunir``), copia las ejecuciones terminadas en
    ``<docs>/resultados/semillas`` y reúne desde ahí las de todas las máquinas."""
    runs_dir, store = Path(args.semillas_ejecuciones), Path(args.docs) / "resultados" / "semillas"
    runs = plan(seeds=args.seeds, names=args.variants)
    if not args.solo_reunir:
        print(f"  {len(runs)} ejecuciones en {shown_path(runs_dir)} (perfil {args.perfil}).", flush=True)
        failed = execute(runs, runs_dir, profile=args.perfil)
        if failed:
            print("  Fallaron: " + ", ".join(failed))
    if runs_dir.is_dir():
        link_twins(runs, runs_dir)
    copied = copy_to_store(collect_runs(runs_dir), store) if runs_dir.is_dir() else 0
    print(f"  {copied} ejecuciones copiadas en {shown_path(store)}; se reúnen todas las que hay allí.", flush=True)
    result = aggregate(collect_store(store), seeds=args.seeds)
    if runs_dir.is_dir():
        (runs_dir / "semillas.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return result


def semillas_table(result: dict[str, Any]) -> str:
    """Las tablas de la sección en Markdown (:func:`tools.bench.seeds_report.table`)."""
    return table(result)


SECTION = Section(
    name="semillas", page="semillas", title="Semillas: una ejecución es una muestra",
    about="Entrena la receta local y sus variantes con varias semillas (una orden `python -m course_utils.entrenar` "
          "por semilla) y reúne lo que varía entre ejecuciones: cada cifra por semilla, su media y dispersión, y las "
          "afirmaciones del curso con un intervalo que cubre las ejecuciones y las reseñas de prueba. Las ejecuciones "
          "se guardan en `docs/resultados/semillas/<máquina>/`, y las tablas reúnen las de todas las máquinas.",
    measure=semillas_section, table=semillas_table,
    options=("perfil", "seeds", "variants", "solo_reunir"))
