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

Cada ejecución deja ``metrics.json`` y ``predicciones.npz`` en su carpeta; una ejecución ya hecha
con la misma receta no se repite (se puede interrumpir y seguir). Los intervalos de las
afirmaciones cubren las dos fuentes de incertidumbre (ejecuciones y reseñas de prueba):
:func:`course_utils.variance.crossed_bootstrap`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEST_SEED = 42  # las mismas 1000 reseñas de prueba que el perfil local de make run-all
DEFAULT_SEEDS = (42, 1, 2, 3, 4)
GROUPS = ("todo", "muestra-fija")
CURVE = ((100, 5), (200, 4), (400, 3))  # reseñas de entrenamiento y épocas de la curva etiquetas–exactitud


def variants() -> dict[str, dict[str, str]]:
    """Las variantes de la receta local que el curso compara, como opciones de ``course_utils.entrenar``.

    Sus valores salen del perfil local (``profiles.LOCAL_PARAMS``): las del 06.5 entrenan a su longitud,
    épocas y tasas, con el dropout de la atención del modelo, como en el cuaderno.
    """
    from course_utils.profiles import LOCAL_PARAMS as local

    adapt = {"--max-length": str(local["ADAPT_MAX_LENGTH"]), "--epocas": str(local["ADAPT_EPOCHS"]), "--dropout-atencion": "modelo",
             "--n-mc": "0"}
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
        cmd = [python, "-m", "course_utils.entrenar", "--perfil", profile, "--salida", str(runs_dir / self.folder), "--sin-modelo",
               "--semilla", str(self.seed), "--semilla-muestra", str(self.sample_seed), "--semilla-prueba", str(TEST_SEED)]
        for option, value in self.options:
            cmd += [option, value]
        return cmd


def plan(*, seeds: tuple[int, ...] = DEFAULT_SEEDS, names: tuple[str, ...] | None = None, fixed_sample: bool = True) -> list[SeedRun]:
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
    table = variants()
    names = names or tuple(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        raise SystemExit(f"--variantes: {unknown} no existen. Solución: usa algunas de {', '.join(table)}.")
    if len(seeds) < 2:
        raise SystemExit(f"--semillas: {list(seeds)} tiene menos de 2 semillas. Solución: da al menos 2 (el curso usa 5).")
    runs = [SeedRun("todo", "receta", s, s, tuple(table["receta"].items())) for s in seeds] if "receta" in names else []
    if fixed_sample and "receta" in names:
        runs += [SeedRun("muestra-fija", "receta", s, TEST_SEED, tuple(table["receta"].items())) for s in seeds]
    runs += [SeedRun("todo", n, s, s, tuple(table[n].items())) for n in names if n != "receta" for s in seeds]
    return runs


def _done(run: SeedRun, runs_dir: Path) -> bool:
    """¿Ya hay resultados de esta ejecución, con la misma receta? (la misma semilla en otra carpeta, no cuenta)."""
    folder = runs_dir / run.folder
    metrics = folder / "metrics.json"
    if not (metrics.is_file() and (folder / "predicciones.npz").is_file()):
        return False
    saved = json.loads(metrics.read_text(encoding="utf-8"))["parameters"]
    return saved.get("seed") == run.seed and saved.get("sample_seed") == run.sample_seed and saved.get("test_seed") == TEST_SEED


def same_run_elsewhere(run: SeedRun, runs_dir: Path) -> Path | None:
    """La receta con semilla 42 y muestra 42 es la misma en los dos grupos: se reutiliza en vez de repetirla."""
    if run.group == "muestra-fija" and run.seed == run.sample_seed:
        twin = SeedRun("todo", run.variant, run.seed, run.sample_seed, run.options)
        return runs_dir / twin.folder if _done(twin, runs_dir) else None
    return None


def execute(runs: list[SeedRun], runs_dir: Path, *, profile: str = "local") -> list[str]:
    """Ejecuta lo que falte del plan, una orden por ejecución; devuelve las carpetas que fallaron."""
    failed = []
    for i, run in enumerate(runs, 1):
        folder = runs_dir / run.folder
        twin = same_run_elsewhere(run, runs_dir)
        if _done(run, runs_dir):
            print(f"  [{i}/{len(runs)}] {run.folder}: ya hecha", flush=True)
            continue
        if twin is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            if folder.is_symlink() or folder.exists():
                folder.unlink() if folder.is_symlink() else None
            folder.symlink_to(os.path.relpath(twin, folder.parent))
            print(f"  [{i}/{len(runs)}] {run.folder}: la misma ejecución que {twin.relative_to(runs_dir)}", flush=True)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        command = run.command(runs_dir, profile=profile)
        print(f"  [{i}/{len(runs)}] {run.folder}: " + " ".join(command[1:]), flush=True)
        with (folder / "registro.txt").open("w", encoding="utf-8") as log:
            code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        status = "ok" if code == 0 and _done(run, runs_dir) else f"falló (código {code}; ver {folder / 'registro.txt'})"
        print(f"      {status} en {time.perf_counter() - start:.0f} s", flush=True)
        if status != "ok":
            failed.append(run.folder)
    return failed


@dataclass
class Loaded:
    """Las ejecuciones de una variante y un grupo, alineadas por semilla."""

    seeds: list[int] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    arrays: list[dict[str, np.ndarray]] = field(default_factory=list)


def load(runs_dir: Path, group: str, variant: str, seeds: tuple[int, ...]) -> Loaded:
    out = Loaded()
    for seed in seeds:
        folder = runs_dir / group / variant / f"semilla-{seed}"
        if not (folder / "metrics.json").is_file() or not (folder / "predicciones.npz").is_file():
            continue
        out.seeds.append(seed)
        out.metrics.append(json.loads((folder / "metrics.json").read_text(encoding="utf-8")))
        with np.load(folder / "predicciones.npz") as npz:
            out.arrays.append({k: npz[k] for k in npz.files})
    return out


def _stack(loaded: Loaded, key: str) -> np.ndarray:
    return np.stack([a[key] for a in loaded.arrays])


def _correct(loaded: Loaded, key: str = "test_probs", labels: str = "y_test", rows: str | None = None) -> np.ndarray:
    out = []
    for a in loaded.arrays:
        y = a[labels] if rows is None else a[labels][a[rows]]
        out.append((a[key].argmax(axis=1) == y).astype(float))
    return np.stack(out)


def mean_per_run(a: np.ndarray) -> np.ndarray:
    """Exactitud de cada ejecución (media de sus aciertos)."""
    return a.mean(axis=1)


def difference_per_run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Diferencia de exactitud de cada ejecución (a − b, en las mismas reseñas)."""
    return a.mean(axis=1) - b.mean(axis=1)


def ece_difference_per_run(conf_a, ok_a, conf_b, ok_b) -> np.ndarray:
    """ECE(a) − ECE(b) de cada ejecución (10 tramos, confianza top-label)."""
    from course_utils import calibration

    return calibration.ece_from_confidence(ok_a, conf_a, axis=-1) - calibration.ece_from_confidence(ok_b, conf_b, axis=-1)


def claim(name: str, per_run, *arrays: np.ndarray, seeds: list[int], shared_reviews: bool = True, **extra: Any) -> dict[str, Any]:
    """Una afirmación medida en varias ejecuciones: la cifra de cada semilla, su resumen y el intervalo de las dos fuentes."""
    from course_utils import variance

    by_seed = np.asarray(per_run(*arrays), dtype=float)
    return {"name": name, "seeds": list(seeds), "by_seed": by_seed.tolist(), "summary": variance.summarize_runs(by_seed).as_dict(),
            "interval": variance.crossed_bootstrap(per_run, *arrays, seed=0, shared_reviews=shared_reviews).as_dict(),
            "n_reviews": int(arrays[0].shape[1]), "shared_reviews": shared_reviews, **extra}


def _val_correct(arrays: dict[str, np.ndarray], key: str = "validation_logits") -> np.ndarray:
    return (arrays[key].argmax(1) == arrays["y_validation"]).astype(float)


def _pick(loaded: Loaded, matrix: np.ndarray, seeds: list[int]) -> np.ndarray:
    return matrix[[loaded.seeds.index(s) for s in seeds]]


def aggregate(runs_dir: Path, seeds: tuple[int, ...]) -> dict[str, Any]:
    """Reúne las ejecuciones hechas: tablas por semilla, resúmenes y las afirmaciones del curso con su intervalo."""
    from course_utils import calibration

    result: dict[str, Any] = {"seeds": list(seeds), "groups": {}, "claims": [], "validation": [], "adaptation_seconds": {}}
    recipe = {g: load(runs_dir, g, "receta", seeds) for g in GROUPS}
    for group, loaded in recipe.items():
        if len(loaded.seeds) < 2:
            continue
        rows = []
        for seed, m in zip(loaded.seeds, loaded.metrics, strict=True):
            s = m["metrics"]
            rows.append({"seed": seed, "sample_seed": m["parameters"]["sample_seed"], "validation_accuracy": s["validation_accuracy"],
                         "best_epoch": m.get("best_epoch"), "accuracy": s["accuracy"], "tfidf_accuracy": s.get("tfidf_accuracy"),
                         "vs_tfidf": s.get("vs_tfidf"), "train_seconds": m["train_seconds"], "machine": m.get("machine", ""),
                         "precision": m.get("precision"), "test_hash": m["test_ids_sha256"], "train_hash": m["split_hashes"]["train"]})
        ft, tf = _correct(loaded), _correct(loaded, "tfidf_probs")
        result["groups"][group] = {
            "rows": rows,
            "accuracy": claim("exactitud del ajuste fino", mean_per_run, ft, seeds=loaded.seeds),
            "tfidf_accuracy": claim("exactitud de TF-IDF", mean_per_run, tf, seeds=loaded.seeds),
            "vs_tfidf": claim("ajuste fino − TF-IDF (exactitud)", difference_per_run, ft, tf, seeds=loaded.seeds),
            "excludes_zero": sum(1 for r in rows if r["vs_tfidf"] and r["vs_tfidf"]["low"] > 0),
        }
    todo = recipe["todo"]
    if len(todo.seeds) < 2:
        return result
    claims = result["claims"]
    claims.append(result["groups"]["todo"]["vs_tfidf"])
    if all("mc_probs" in a for a in todo.arrays):
        mc = np.stack([(a["mc_probs"].argmax(1) == a["y_test"][a["mc_rows"]]).astype(float) for a in todo.arrays])
        single = np.stack([(a["test_probs"][a["mc_rows"]].argmax(1) == a["y_test"][a["mc_rows"]]).astype(float) for a in todo.arrays])
        claims.append(claim("MC dropout − una pasada (exactitud, submuestra de prueba)", difference_per_run, mc, single, seeds=todo.seeds))
    temps = [m["metrics"].get("temperature") for m in todo.metrics]
    if all(t is not None for t in temps):
        probs = _stack(todo, "test_probs")
        scaled = np.stack([calibration.softmax(np.log(np.clip(p, 1e-12, 1.0)), temperature=t) for p, t in zip(probs, temps, strict=True)])
        y = todo.arrays[0]["y_test"]
        claims.append(claim("temperatura − una pasada (ECE)", ece_difference_per_run, scaled.max(2), (scaled.argmax(2) == y).astype(float),
                            probs.max(2), (probs.argmax(2) == y).astype(float), seeds=todo.seeds, temperatures=temps))
    ft_todo = _correct(todo)
    val_todo = np.stack([_val_correct(a) for a in todo.arrays])
    result["validation"].append(claim("ajuste fino − TF-IDF (exactitud en validación)", difference_per_run, val_todo,
                                      np.stack([_val_correct(a, "tfidf_validation_probs") for a in todo.arrays]),
                                      seeds=todo.seeds, shared_reviews=False))
    for variant, name in (("256", "512 − 256 tokens"), ("head", "head+tail − head")):
        other = load(runs_dir, "todo", variant, seeds)
        common = [s for s in todo.seeds if s in other.seeds]
        if len(common) < 2:
            continue
        claims.append(claim(f"{name} (exactitud)", difference_per_run, _pick(todo, ft_todo, common), _pick(other, _correct(other), common),
                            seeds=common))
        val_other = np.stack([_val_correct(a) for a in other.arrays])
        result["validation"].append(claim(f"{name} (exactitud en validación)", difference_per_run, _pick(todo, val_todo, common),
                                          _pick(other, val_other, common), seeds=common, shared_reviews=False))
    for variant, name in (("capas", "capas superiores"), ("lora", "LoRA"), ("congelado", "codificador congelado")):
        other = load(runs_dir, "todo", variant, seeds)
        common = [s for s in todo.seeds if s in other.seeds]
        if len(common) < 2:
            continue
        claims.append(claim(f"{name} − ajuste completo (exactitud, 06.5)", difference_per_run, _pick(other, _correct(other), common),
                            _pick(todo, ft_todo, common), seeds=common))
        result["adaptation_seconds"][name] = [m["train_seconds"] for m in other.metrics]
    claims.append(claim("TF-IDF − ajuste completo (exactitud, 06.5)", difference_per_run, _correct(todo, "tfidf_probs"), ft_todo,
                        seeds=todo.seeds))
    result["curve"] = []
    for n, epochs in (*CURVE, (todo.metrics[0]["n_train"], todo.metrics[0]["parameters"]["epochs"])):
        loaded = todo if n == todo.metrics[0]["n_train"] else load(runs_dir, "todo", f"n{n}", seeds)
        if len(loaded.seeds) < 2:
            continue
        ft, tf = _correct(loaded), _correct(loaded, "tfidf_probs")
        result["curve"].append({"n_train": n, "epochs": epochs, "seeds": loaded.seeds,
                                "accuracy": claim(f"ajuste fino, {n} reseñas", mean_per_run, ft, seeds=loaded.seeds),
                                "tfidf_accuracy": claim(f"TF-IDF, {n} reseñas", mean_per_run, tf, seeds=loaded.seeds),
                                "vs_tfidf": claim(f"ajuste fino − TF-IDF, {n} reseñas", difference_per_run, ft, tf, seeds=loaded.seeds),
                                "train_seconds": [m["train_seconds"] for m in loaded.metrics]})
    return result


def _iv(d: dict[str, Any] | None, signed: bool = False) -> str:
    from course_utils.evaluation import Interval

    return "—" if not d else Interval(**d).format(3, signed=signed)


def _runs(c: dict[str, Any], signed: bool = True) -> str:
    from course_utils.variance import RunSummary

    s = c["summary"]
    return RunSummary(np.asarray(s["values"]), s["mean"], s["std"], s["low"], s["high"], s["positive"]).format(signed=signed)


def verdict(c: dict[str, Any]) -> str:
    """Qué permite afirmar una afirmación medida en varias semillas, en una frase corta."""
    iv, s = c["interval"], c["summary"]
    wins = f"positiva en {s['positive']} de {s['n_runs']} semillas"
    if iv["low"] > 0:
        return f"{wins}; el intervalo de las dos fuentes excluye el 0: se sostiene"
    if iv["high"] < 0:
        return f"{wins}; el intervalo de las dos fuentes queda por debajo de 0: lo contrario se sostiene"
    return f"{wins}; el intervalo de las dos fuentes contiene el 0: no se puede afirmar"


def table(result: dict[str, Any]) -> str:
    """Las tablas de la sección en Markdown (español)."""
    lines = []
    for group, title in (("todo", "Cada semilla cambia todo (muestra de entrenamiento y validación, cabeza, orden, dropout)"),
                         ("muestra-fija", "La misma muestra (la de la semilla 42); solo cambia la semilla del entrenamiento")):
        g = result["groups"].get(group)
        if not g:
            continue
        lines += [f"**{title}** — las mismas {g['accuracy']['n_reviews']} reseñas de prueba (huella {g['rows'][0]['test_hash']}):", "",
                  "| semilla | muestra (huella) | validación | mejor época | ajuste fino | TF-IDF | ajuste fino − TF-IDF | entrenamiento (s) |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in g["rows"]:
            lines.append(f"| {r['seed']} | {r['sample_seed']} ({r['train_hash'][:8]}) | {_iv(r['validation_accuracy'])} | "
                         f"{'—' if r['best_epoch'] is None else format(r['best_epoch'], 'g')} | {_iv(r['accuracy'])} | {_iv(r['tfidf_accuracy'])} | "
                         f"{_iv(r['vs_tfidf'], True)} | {r['train_seconds']:.0f} |")
        lines += ["", f"- Ajuste fino: {_runs(g['accuracy'], False)}; intervalo de las dos fuentes {_iv(g['accuracy']['interval'])}.",
                  f"- TF-IDF: {_runs(g['tfidf_accuracy'], False)}.",
                  f"- Ajuste fino − TF-IDF: {_runs(g['vs_tfidf'])}; intervalo de las dos fuentes {_iv(g['vs_tfidf']['interval'], True)}; "
                  f"{verdict(g['vs_tfidf'])}. El intervalo de una sola ejecución excluyó el 0 en {g['excludes_zero']} de "
                  f"{len(g['rows'])}.", ""]
    if result["claims"]:
        lines += ["**Las afirmaciones del curso, sobre semillas** (grupo «todo»; cada fila compara dos métodos en las mismas reseñas de "
                  "prueba y con la misma muestra de cada semilla; el intervalo cubre las ejecuciones y las reseñas):", "",
                  "| afirmación | por semilla | media ± desv. (mín. a máx.) | intervalo (ejecuciones × reseñas) | lectura |", "|---|---|---|---|---|"]
        for c in result["claims"]:
            per_seed = ", ".join(f"{v:+.3f}" for v in c["by_seed"])
            lines.append(f"| {c['name']} | {per_seed} | {_runs(c)} | {_iv(c['interval'], True)} | {verdict(c)} |")
        lines.append("")
    if result.get("curve"):
        lines += ["**Curva etiquetas–exactitud** (grupo «todo»: cada semilla, otra muestra; las mismas reseñas de prueba; la mejor época "
                  "en validación):", "", "| reseñas de entrenamiento | épocas | ajuste fino | TF-IDF | ajuste fino − TF-IDF | gana en | "
                  "intervalo (ejecuciones × reseñas) | entrenamiento (s) |", "|---|---|---|---|---|---|---|---|"]
        for point in result["curve"]:
            d = point["vs_tfidf"]
            lines.append(f"| {point['n_train']} | {point['epochs']:g} | {_runs(point['accuracy'], False)} | {_runs(point['tfidf_accuracy'], False)} | "
                         f"{_runs(d)} | {d['summary']['positive']} de {d['summary']['n_runs']} | {_iv(d['interval'], True)} | "
                         f"{np.mean(point['train_seconds']):.0f} |")
        lines.append("")
    if result["validation"]:
        lines += ["**La elección de la receta, en validación** (cada semilla con su propia validación; intervalo anidado: ejecuciones y "
                  "reseñas de cada una):", "", "| comparación | por semilla | media ± desv. (mín. a máx.) | intervalo | lectura |",
                  "|---|---|---|---|---|"]
        for c in result["validation"]:
            lines.append(f"| {c['name']} | {', '.join(f'{v:+.3f}' for v in c['by_seed'])} | {_runs(c)} | {_iv(c['interval'], True)} | "
                         f"{verdict(c)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semillas", default=",".join(map(str, DEFAULT_SEEDS)), help="semillas separadas por comas")
    parser.add_argument("--variantes", default=",".join(variants()), help="variantes separadas por comas")
    parser.add_argument("--ejecuciones", type=Path, default=ROOT / "build" / "semillas", help="carpeta de las ejecuciones")
    parser.add_argument("--solo-reunir", action="store_true", help="no entrena: reúne las ejecuciones que ya haya")
    parser.add_argument("--perfil", default="local", choices=("local", "smoke"), help="smoke: diminuto, para probar la sección")
    args = parser.parse_args(argv)
    seeds = tuple(int(s) for s in args.semillas.split(",") if s.strip())
    runs = plan(seeds=seeds, names=tuple(v.strip() for v in args.variantes.split(",") if v.strip()))
    if not args.solo_reunir:
        failed = execute(runs, args.ejecuciones, profile=args.perfil)
        if failed:
            print("Fallaron: " + ", ".join(failed))
    result = aggregate(args.ejecuciones, seeds)
    print(table(result))
    out = args.ejecuciones / "semillas.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Resultados en {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
