"""Las tablas de la sección ``semillas``: reúne ejecuciones terminadas (de una o de varias máquinas) en cifras por
ejecución, resúmenes y las afirmaciones del curso con el intervalo de las dos fuentes de incertidumbre.

Una ejecución se identifica por su máquina y su semilla: dos máquinas con la misma semilla son dos ejecuciones (la
misma semilla da otro modelo en otra CPU o GPU). Dos variantes se comparan ejecución a ejecución, con la misma
máquina y semilla, en las mismas reseñas de prueba.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from course_utils import calibration, variance
from course_utils.evaluation import Interval
from course_utils.variance import RunSummary

TEST_SEED = 42  # las mismas 1000 reseñas de prueba que el perfil local de make run-all
GROUPS = ("todo", "muestra-fija")
CURVE = ((100, 5), (200, 4), (400, 3))  # reseñas de entrenamiento y épocas de la curva etiquetas–exactitud


@dataclass(frozen=True)
class RunRecord:
    """Una ejecución terminada: su grupo, variante, semilla, máquina y la carpeta con ``metrics.json`` y
    ``predicciones.npz``."""

    group: str
    variant: str
    seed: int
    machine: str
    slug: str
    folder: Path


@dataclass
class Loaded:
    """Las ejecuciones de una variante y un grupo, alineadas por (máquina, semilla)."""

    keys: list[tuple[str, int]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    arrays: list[dict[str, np.ndarray]] = field(default_factory=list)

    @property
    def seeds(self) -> list[int]:
        return [seed for _, seed in self.keys]


def load(records: list[RunRecord], group: str, variant: str, order: list[tuple[str, int]]) -> Loaded:
    """Las ejecuciones de ``group``/``variant``, en el orden de ``order``; si alguna se puntuó en otras reseñas de
    prueba (otra huella), se deja fuera y se dice: no se puede emparejar con las demás."""
    chosen = sorted((r for r in records if r.group == group and r.variant == variant),
                    key=lambda r: order.index((r.slug, r.seed)))
    out = Loaded()
    for r in chosen:
        out.keys.append((r.slug, r.seed))
        out.metrics.append(json.loads((r.folder / "metrics.json").read_text(encoding="utf-8")))
        with np.load(r.folder / "predicciones.npz") as npz:
            out.arrays.append({k: npz[k] for k in npz.files})
    hashes = Counter(m["test_ids_sha256"] for m in out.metrics)
    if len(hashes) > 1:
        common = hashes.most_common(1)[0][0]
        keep = [i for i, m in enumerate(out.metrics) if m["test_ids_sha256"] == common]
        dropped = [f"{out.keys[i][0]}/semilla {out.keys[i][1]}" for i in range(len(out.keys)) if i not in keep]
        print(f"  {group}/{variant}: {', '.join(dropped)} se puntuaron en otras reseñas de prueba: se dejan fuera.")
        out = Loaded([out.keys[i] for i in keep], [out.metrics[i] for i in keep], [out.arrays[i] for i in keep])
    return out


def _stack(loaded: Loaded, key: str) -> np.ndarray:
    return np.stack([a[key] for a in loaded.arrays])


def _correct(loaded: Loaded, key: str = "test_probs", labels: str = "y_test") -> np.ndarray:
    return np.stack([(a[key].argmax(axis=1) == a[labels]).astype(float) for a in loaded.arrays])


def mean_per_run(a: np.ndarray) -> np.ndarray:
    """Exactitud de cada ejecución (media de sus aciertos)."""
    return a.mean(axis=1)


def difference_per_run(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Diferencia de exactitud de cada ejecución (a − b, en las mismas reseñas)."""
    return a.mean(axis=1) - b.mean(axis=1)


def ece_difference_per_run(conf_a, ok_a, conf_b, ok_b) -> np.ndarray:
    """ECE(a) − ECE(b) de cada ejecución (10 tramos, confianza top-label)."""
    ece = calibration.ece_from_confidence
    return ece(ok_a, conf_a, axis=-1) - ece(ok_b, conf_b, axis=-1)


def claim(name: str, per_run, *arrays: np.ndarray, keys: list[tuple[str, int]], shared_reviews: bool = True,
          **extra: Any) -> dict[str, Any]:
    """Una afirmación medida en varias ejecuciones: la cifra de cada una, su resumen y el intervalo de las dos
    fuentes."""
    by_seed = np.asarray(per_run(*arrays), dtype=float)
    return {"name": name, "seeds": [s for _, s in keys], "machines": [m for m, _ in keys], "by_seed": by_seed.tolist(),
            "summary": variance.summarize_runs(by_seed).as_dict(),
            "interval": variance.crossed_bootstrap(per_run, *arrays, seed=0, shared_reviews=shared_reviews).as_dict(),
            "n_reviews": int(arrays[0].shape[1]), "shared_reviews": shared_reviews, **extra}


def _val_correct(arrays: dict[str, np.ndarray], key: str = "validation_logits") -> np.ndarray:
    return (arrays[key].argmax(1) == arrays["y_validation"]).astype(float)


def _pick(loaded: Loaded, matrix: np.ndarray, keys: list[tuple[str, int]]) -> np.ndarray:
    return matrix[[loaded.keys.index(k) for k in keys]]


def _order(records: list[RunRecord], seeds: tuple[int, ...]) -> tuple[list[tuple[str, int]], list[dict[str, Any]]]:
    """El orden de las ejecuciones (máquina por máquina; en cada una, las semillas de ``seeds`` primero) y las
    máquinas, con su etiqueta corta (M1, M2...)."""
    slugs = sorted({r.slug for r in records})
    described = {r.slug: r.machine for r in records}
    keys = sorted({(r.slug, r.seed) for r in records},
                  key=lambda k: (slugs.index(k[0]), seeds.index(k[1]) if k[1] in seeds else len(seeds), k[1]))
    machines = [{"label": f"M{i}", "slug": slug, "machine": described[slug] or "(sin describir)",
                 "runs": sum(1 for r in records if r.slug == slug)} for i, slug in enumerate(slugs, 1)]
    return keys, machines


def aggregate(records: list[RunRecord], seeds: tuple[int, ...] = (42, 1, 2, 3, 4)) -> dict[str, Any]:
    """Reúne las ejecuciones hechas: tablas por ejecución, resúmenes y las afirmaciones del curso con su intervalo.

    ``records``: las de :func:`tools.bench.seeds.collect_store` (todas las máquinas) o
    :func:`tools.bench.seeds.collect_runs` (una carpeta de ejecuciones). ``seeds`` solo ordena: se reúnen todas.
    """
    order, machines = _order(records, seeds)
    params = [json.loads((r.folder / "metrics.json").read_text(encoding="utf-8"))["parameters"] for r in records]
    header = {key: ", ".join(sorted({str(p.get(key)) for p in params if p.get(key)})) or None
              for key in ("data", "model")}
    result: dict[str, Any] = {"seeds": list(seeds), "machines": machines, "groups": {}, "claims": [], "validation": [],
                              "adaptation_seconds": {}, "n_runs": len(records), "header": header}
    recipe = {g: load(records, g, "receta", order) for g in GROUPS}
    for group, loaded in recipe.items():
        if len(loaded.keys) < 2:
            continue
        rows = []
        for (slug, seed), m in zip(loaded.keys, loaded.metrics, strict=True):
            s = m["metrics"]
            rows.append({"seed": seed, "machine_slug": slug, "sample_seed": m["parameters"]["sample_seed"],
                         "validation_accuracy": s["validation_accuracy"], "best_epoch": m.get("best_epoch"),
                         "accuracy": s["accuracy"], "tfidf_accuracy": s.get("tfidf_accuracy"),
                         "vs_tfidf": s.get("vs_tfidf"), "train_seconds": m["train_seconds"],
                         "machine": m.get("machine", ""), "precision": m.get("precision"),
                         "test_hash": m["test_ids_sha256"], "train_hash": m["split_hashes"]["train"]})
        ft, tf = _correct(loaded), _correct(loaded, "tfidf_probs")
        result["groups"][group] = {
            "rows": rows,
            "accuracy": claim("exactitud del ajuste fino", mean_per_run, ft, keys=loaded.keys),
            "tfidf_accuracy": claim("exactitud de TF-IDF", mean_per_run, tf, keys=loaded.keys),
            "vs_tfidf": claim("ajuste fino − TF-IDF (exactitud)", difference_per_run, ft, tf, keys=loaded.keys),
            "excludes_zero": sum(1 for r in rows if r["vs_tfidf"] and r["vs_tfidf"]["low"] > 0),
        }
    todo = recipe["todo"]
    if len(todo.keys) >= 2:
        _claims(result, records, order, todo)
    return result


def _claims(result: dict[str, Any], records: list[RunRecord], order: list[tuple[str, int]], todo: Loaded) -> None:
    """Las afirmaciones del curso (grupo «todo»), la elección en validación y la curva etiquetas–exactitud."""
    claims = result["claims"]
    claims.append(result["groups"]["todo"]["vs_tfidf"])
    if all("mc_probs" in a for a in todo.arrays):
        mc = np.stack([(a["mc_probs"].argmax(1) == a["y_test"][a["mc_rows"]]).astype(float) for a in todo.arrays])
        single = np.stack([(a["test_probs"][a["mc_rows"]].argmax(1) == a["y_test"][a["mc_rows"]]).astype(float)
                           for a in todo.arrays])
        claims.append(claim("MC dropout − una pasada (exactitud, submuestra de prueba)", difference_per_run, mc,
                            single, keys=todo.keys))
    temps = [m["metrics"].get("temperature") for m in todo.metrics]
    if all(t is not None for t in temps):
        probs = _stack(todo, "test_probs")
        scaled = np.stack([calibration.softmax(np.log(np.clip(p, 1e-12, 1.0)), temperature=t)
                           for p, t in zip(probs, temps, strict=True)])
        y = todo.arrays[0]["y_test"]
        claims.append(claim("temperatura − una pasada (ECE)", ece_difference_per_run, scaled.max(2),
                            (scaled.argmax(2) == y).astype(float), probs.max(2), (probs.argmax(2) == y).astype(float),
                            keys=todo.keys, temperatures=temps))
    ft_todo = _correct(todo)
    val_todo = np.stack([_val_correct(a) for a in todo.arrays])
    result["validation"].append(claim("ajuste fino − TF-IDF (exactitud en validación)", difference_per_run, val_todo,
                                      np.stack([_val_correct(a, "tfidf_validation_probs") for a in todo.arrays]),
                                      keys=todo.keys, shared_reviews=False))
    for variant, name in (("256", "512 − 256 tokens"), ("head", "head+tail − head")):
        other = load(records, "todo", variant, order)
        common = [k for k in todo.keys if k in other.keys]
        if len(common) < 2:
            continue
        claims.append(claim(f"{name} (exactitud)", difference_per_run, _pick(todo, ft_todo, common),
                            _pick(other, _correct(other), common), keys=common))
        val_other = np.stack([_val_correct(a) for a in other.arrays])
        result["validation"].append(claim(f"{name} (exactitud en validación)", difference_per_run,
                                          _pick(todo, val_todo, common), _pick(other, val_other, common), keys=common,
                                          shared_reviews=False))
    for variant, name in (("capas", "capas superiores"), ("lora", "LoRA"), ("congelado", "codificador congelado")):
        other = load(records, "todo", variant, order)
        common = [k for k in todo.keys if k in other.keys]
        if len(common) < 2:
            continue
        claims.append(claim(f"{name} − ajuste completo (exactitud, 06.5)", difference_per_run,
                            _pick(other, _correct(other), common), _pick(todo, ft_todo, common), keys=common))
        result["adaptation_seconds"][name] = [m["train_seconds"] for m in other.metrics]
    claims.append(claim("TF-IDF − ajuste completo (exactitud, 06.5)", difference_per_run,
                        _correct(todo, "tfidf_probs"), ft_todo, keys=todo.keys))
    result["curve"] = []
    recipe_point = (todo.metrics[0]["n_train"], todo.metrics[0]["parameters"]["epochs"])
    for n, epochs in (*CURVE, recipe_point):
        loaded = todo if n == recipe_point[0] else load(records, "todo", f"n{n}", order)
        if len(loaded.keys) < 2:
            continue
        ft, tf = _correct(loaded), _correct(loaded, "tfidf_probs")
        result["curve"].append({"n_train": n, "epochs": epochs, "seeds": loaded.seeds,
                                "accuracy": claim(f"ajuste fino, {n} reseñas", mean_per_run, ft, keys=loaded.keys),
                                "tfidf_accuracy": claim(f"TF-IDF, {n} reseñas", mean_per_run, tf, keys=loaded.keys),
                                "vs_tfidf": claim(f"ajuste fino − TF-IDF, {n} reseñas", difference_per_run, ft, tf,
                                                  keys=loaded.keys),
                                "train_seconds": [m["train_seconds"] for m in loaded.metrics]})


def _iv(d: dict[str, Any] | None, signed: bool = False) -> str:
    return "—" if not d else Interval(**d).format(3, signed=signed)


def _runs(c: dict[str, Any], signed: bool = True) -> str:
    s = c["summary"]
    summary = RunSummary(np.asarray(s["values"]), s["mean"], s["std"], s["low"], s["high"], s["positive"])
    return summary.format(signed=signed)


def verdict(c: dict[str, Any]) -> str:
    """Qué permite afirmar una afirmación medida en varias semillas, en una frase corta."""
    iv, s = c["interval"], c["summary"]
    wins = f"positiva en {s['positive']} de {s['n_runs']} semillas"
    if iv["low"] > 0:
        return f"{wins}; el intervalo de las dos fuentes excluye el 0: se sostiene"
    if iv["high"] < 0:
        return f"{wins}; el intervalo de las dos fuentes queda por debajo de 0: lo contrario se sostiene"
    return f"{wins}; el intervalo de las dos fuentes contiene el 0: no se puede afirmar"


def _per_run(c: dict[str, Any], labels: dict[str, str]) -> str:
    """Las cifras de cada ejecución; con varias máquinas, cada una con su máquina y semilla («M2/42 +0.012»)."""
    if len(labels) < 2:
        return ", ".join(f"{v:+.3f}" for v in c["by_seed"])
    runs = zip(c["machines"], c["seeds"], c["by_seed"], strict=True)
    return ", ".join(f"{labels[m]}/{s} {v:+.3f}" for m, s, v in runs)


def table(result: dict[str, Any]) -> str:
    """Las tablas de la sección en Markdown (español)."""
    labels = {m["slug"]: m["label"] for m in result.get("machines", [])}
    if not result["groups"]:
        return f"Sin ejecuciones de la receta que reunir ({result.get('n_runs', 0)} ejecuciones en total)."
    lines = ["**Máquinas de las ejecuciones**: " + "; ".join(
        f"{m['label']} = {m['machine']} ({m['runs']} ejecuciones, carpeta `{m['slug']}`)" for m in result["machines"])
        + ".", ""]
    for group, title in (("todo", "Cada semilla cambia todo (muestra de entrenamiento y validación, cabeza, orden, "
                                  "dropout)"),
                         ("muestra-fija", "La misma muestra (la de la semilla 42); solo cambia la semilla del "
                                          "entrenamiento")):
        g = result["groups"].get(group)
        if not g:
            continue
        lines += [f"**{title}** — las mismas {g['accuracy']['n_reviews']} reseñas de prueba (huella "
                  f"{g['rows'][0]['test_hash']}):", "",
                  "| máquina | semilla | muestra (huella) | validación | mejor época | ajuste fino | TF-IDF | "
                  "ajuste fino − TF-IDF | entrenamiento (s) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in g["rows"]:
            epoch = "—" if r["best_epoch"] is None else format(r["best_epoch"], "g")
            lines.append(f"| {labels.get(r['machine_slug'], '—')} | {r['seed']} | {r['sample_seed']} "
                         f"({r['train_hash'][:8]}) | {_iv(r['validation_accuracy'])} | {epoch} | "
                         f"{_iv(r['accuracy'])} | {_iv(r['tfidf_accuracy'])} | {_iv(r['vs_tfidf'], True)} | "
                         f"{r['train_seconds']:.0f} |")
        lines += ["", f"- Ajuste fino: {_runs(g['accuracy'], False)}; intervalo de las dos fuentes "
                  f"{_iv(g['accuracy']['interval'])}.",
                  f"- TF-IDF: {_runs(g['tfidf_accuracy'], False)}.",
                  f"- Ajuste fino − TF-IDF: {_runs(g['vs_tfidf'])}; intervalo de las dos fuentes "
                  f"{_iv(g['vs_tfidf']['interval'], True)}; {verdict(g['vs_tfidf'])}. El intervalo de una sola "
                  f"ejecución excluyó el 0 en {g['excludes_zero']} de {len(g['rows'])}.", ""]
    if result["claims"]:
        lines += ["**Las afirmaciones del curso, sobre semillas** (grupo «todo»; cada fila compara dos métodos en "
                  "las mismas reseñas de prueba y con la misma muestra de cada semilla; el intervalo cubre las "
                  "ejecuciones y las reseñas):", "",
                  "| afirmación | por semilla | media ± desv. (mín. a máx.) | intervalo (ejecuciones × reseñas) "
                  "| lectura |", "|---|---|---|---|---|"]
        for c in result["claims"]:
            lines.append(f"| {c['name']} | {_per_run(c, labels)} | {_runs(c)} | {_iv(c['interval'], True)} | "
                         f"{verdict(c)} |")
        lines.append("")
    if result.get("curve"):
        lines += ["**Curva etiquetas–exactitud** (grupo «todo»: cada semilla, otra muestra; las mismas reseñas de "
                  "prueba; la mejor época en validación):", "",
                  "| reseñas de entrenamiento | épocas | ajuste fino | TF-IDF | ajuste fino − TF-IDF | gana en | "
                  "intervalo (ejecuciones × reseñas) | entrenamiento (s) |", "|---|---|---|---|---|---|---|---|"]
        for point in result["curve"]:
            d = point["vs_tfidf"]
            lines.append(f"| {point['n_train']} | {point['epochs']:g} | {_runs(point['accuracy'], False)} | "
                         f"{_runs(point['tfidf_accuracy'], False)} | {_runs(d)} | {d['summary']['positive']} de "
                         f"{d['summary']['n_runs']} | {_iv(d['interval'], True)} | "
                         f"{np.mean(point['train_seconds']):.0f} |")
        lines.append("")
    if result["validation"]:
        lines += ["**La elección de la receta, en validación** (cada semilla con su propia validación; intervalo "
                  "anidado: ejecuciones y reseñas de cada una):", "",
                  "| comparación | por semilla | media ± desv. (mín. a máx.) | intervalo | lectura |",
                  "|---|---|---|---|---|"]
        for c in result["validation"]:
            lines.append(f"| {c['name']} | {_per_run(c, labels)} | {_runs(c)} | {_iv(c['interval'], True)} | "
                         f"{verdict(c)} |")
        lines.append("")
    return "\n".join(lines)
