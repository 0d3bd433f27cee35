"""Validación de parámetros: cada error nombra el parámetro, el valor y la solución."""

import pytest

from course_utils import CourseParameterError
from course_utils.params import (
    check_choice,
    check_epochs,
    check_float,
    check_int,
    check_max_length,
    validate_training_params,
)

GOOD = dict(
    n_per_class=500, epochs=5, batch_size=8, grad_accum=4, learning_rate=5e-5, warmup=0.1,
    max_length=256, mc_passes=5, threshold=0.6, test_size=0.2, seed=42,
)


def test_valid_params_roundtrip():
    p = validate_training_params(**GOOD)
    assert p.as_dict() == {**GOOD, "epochs": 5.0}


@pytest.mark.parametrize(
    "name, value, fragments",
    [
        ("epochs", 0, ["EPOCHS=0", "mayor que 0"]),
        ("epochs", -1, ["EPOCHS=-1", "intervalo"]),
        ("epochs", "tres", ["EPOCHS='tres'", "debe ser un número"]),
        ("n_per_class", 0, ["N_PER_CLASS=0", "mayor o igual que 1"]),
        ("batch_size", 0, ["BATCH_SIZE=0", "entero >= 1"]),
        ("grad_accum", 2.5, ["GRAD_ACCUM=2.5", "debe ser un número entero"]),
        ("learning_rate", 0, ["LEARNING_RATE=0", "5e-5"]),
        ("learning_rate", -1e-5, ["LEARNING_RATE=-1e-05", "positivo"]),
        ("warmup", 1.0, ["WARMUP=1.0", "[0, 1)"]),
        ("max_length", 4, ["MAX_LENGTH=4", "entre 8"]),
        ("mc_passes", 0, ["MC_PASSES=0", "al menos 1 pasada"]),
        ("threshold", 1.5, ["THRESHOLD=1.5", "[0, 1]"]),
        ("threshold", -0.1, ["THRESHOLD=-0.1", "0.6"]),
        ("test_size", 1.0, ["TEST_SIZE=1.0", "(0, 1)"]),
        ("seed", -3, ["SEED=-3", ">= 0"]),
        ("seed", True, ["SEED=True", "entero"]),
    ],
)
def test_invalid_param_message(name, value, fragments):
    with pytest.raises(CourseParameterError) as info:
        validate_training_params(**{**GOOD, name: value})
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    assert "Solución:" in message


def test_max_length_above_model_limit():
    assert check_max_length(512, 512) == 512
    with pytest.raises(CourseParameterError, match=r"MAX_LENGTH=600 .*solo admite 512 tokens.*<= 512"):
        check_max_length(600, 512)


def test_epochs_accepts_fractions():
    assert check_epochs(0.5) == 0.5


def test_generic_checks():
    assert check_int("X", 3) == 3
    assert check_float("Y", 0.5, 0, 1) == 0.5
    with pytest.raises(CourseParameterError, match=r"Y=nan .*debe ser un número"):
        check_float("Y", float("nan"), 0, 1)
    with pytest.raises(CourseParameterError, match=r"Z='x' .*elige una de: 'a', 'b'"):
        check_choice("Z", "x", ("a", "b"))
    assert issubclass(CourseParameterError, ValueError)
