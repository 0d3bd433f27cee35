"""Las lecturas impresas de cada ejecución: cada una en un caso sintético que la dispara y en otro que no."""

import pytest

from course_utils import diagnostics
from course_utils._checks import CourseParameterError
from course_utils.evaluation import Interval


def history(train, validation):
    log = []
    for epoch, (t, v) in enumerate(zip(train, validation, strict=True), start=1):
        log += [{"loss": t, "epoch": float(epoch)}, {"eval_loss": v, "eval_f1": 0.8, "epoch": float(epoch)}]
    return log


def test_learning_curves_overfitting_is_named_when_validation_loss_rises():
    text = diagnostics.learning_curve_reading(history([0.45, 0.20], [0.378, 0.467]), chosen_epoch=1)
    assert text.startswith("Sobreajuste") and "0.378 → 0.467" in text and "época elegida en validación es la 1" in text


def test_learning_curves_healthy_when_both_losses_fall():
    text = diagnostics.learning_curve_reading(history([0.55, 0.30], [0.40, 0.35]))
    assert text.startswith("Sanas") and "Sobreajuste" not in text


def test_learning_curves_underfitting_near_chance():
    assert diagnostics.learning_curve_reading(history([0.70, 0.69], [0.70, 0.69])).startswith("Infraajuste")
    assert diagnostics.learning_curve_reading(history([0.6], [0.5])).startswith("Una sola época")


def test_learning_curves_need_validation():
    with pytest.raises(CourseParameterError, match="log_history=.*Solución"):
        diagnostics.learning_curve_reading([{"loss": 0.5, "epoch": 1.0}])


def iv(estimate, low, high):
    return Interval(estimate, low, high, 200, "bootstrap")


@pytest.mark.parametrize("tau, expected", [
    (iv(1.14, 0.90, 1.35), "contiene τ = 1"),
    (iv(1.52, 1.25, 1.85), "demasiado seguro"),
    (iv(0.80, 0.70, 0.90), "poco seguro"),
])
def test_temperature_reading(tau, expected):
    assert expected in diagnostics.temperature_reading(tau)


@pytest.mark.parametrize("risk, expected", [
    (iv(0.121, 0.101, 0.144), "entero por encima"),
    (iv(0.080, 0.060, 0.098), "por debajo del objetivo"),
    (iv(0.110, 0.090, 0.130), "contiene el objetivo"),
    (None, "no responde ninguna"),
])
def test_risk_reading(risk, expected):
    assert expected in diagnostics.risk_reading(risk, 0.10)


def test_confident_examples_reading():
    assert (diagnostics.confident_examples_reading([0.99, 0.95, 0.90, 0.884, 0.93], 0.6)
            .startswith("Ninguno salió «incierto»"))
    mixed = diagnostics.confident_examples_reading([0.99, 0.55, 0.58], 0.6, names=["1", "2", "3"])
    assert mixed.startswith("Salieron «incierto» 2 de 3 (2, 3)")
    assert diagnostics.confident_examples_reading([0.5, 0.51], 0.6).startswith("Todos salieron")
    with pytest.raises(CourseParameterError, match="confidence=.*Solución"):
        diagnostics.confident_examples_reading([], 0.6)


def row(method, seconds, versus=None):
    out = {"method": method, "seconds": seconds}
    if versus:
        out["versus"] = {"estimate": versus[0], "low": versus[1], "high": versus[2], "n": 1000,
                         "method": "bootstrap emparejado", "confidence": 0.95, "against": "completo"}
    return out


def test_cheapest_equivalent_picks_a_cheap_method_that_ties():
    rows = [row("TF-IDF", 7.0, (-0.010, -0.034, 0.014)), row("LoRA", 88.0, (-0.056, -0.079, -0.034)),
            row("completo", 309.0)]
    text = diagnostics.cheapest_equivalent(rows, reference="completo")
    assert text.startswith("Elección: «TF-IDF»") and "LoRA" not in text.split("empatan")[-1]


def test_cheapest_equivalent_keeps_the_reference_when_everything_cheaper_loses():
    rows = [row("TF-IDF", 7.0, (-0.032, -0.056, -0.008)), row("LoRA", 88.0, (-0.056, -0.079, -0.034)),
            row("completo", 254.0)]
    assert diagnostics.cheapest_equivalent(rows, reference="completo").startswith("Elección: «completo»")
    with pytest.raises(CourseParameterError, match="reference=.*Solución"):
        diagnostics.cheapest_equivalent(rows, reference="otro")


def test_run_reading_tells_collapse_from_chance_from_learning():
    import numpy as np

    y = np.array([0, 1] * 50)
    assert "una sola clase (el 100 %" in diagnostics.run_reading(y, np.tile([[0.0, 1.0]], (100, 1)))
    assert "aprendió (el intervalo queda por encima" in diagnostics.run_reading(y, 3 * np.eye(2)[y])
    noisy = np.random.default_rng(0).normal(size=(100, 2))
    assert "apenas aprendió" in diagnostics.run_reading(y, noisy)
    with pytest.raises(CourseParameterError, match="y_true=.*Solución"):
        diagnostics.run_reading(np.array([0, 2]), np.ones((2, 2)) / 2)


def test_overlap_reading_names_a_gap_only_when_the_intervals_do_not_overlap():
    names, what = ("los aciertos", "los errores"), "la entropía media"
    apart = diagnostics.overlap_reading(iv(0.10, 0.08, 0.12), iv(0.40, 0.33, 0.47), names=names, quantity=what)
    assert "no se solapan" in apart and "mayor en los errores que en los aciertos" in apart
    reversed_gap = diagnostics.overlap_reading(iv(0.40, 0.33, 0.47), iv(0.10, 0.08, 0.12), names=names, quantity=what)
    assert "mayor en los aciertos que en los errores" in reversed_gap
    overlapping = diagnostics.overlap_reading(iv(0.10, 0.05, 0.20), iv(0.25, 0.15, 0.40), names=names, quantity=what)
    assert "se solapan: con esta comparación no se puede afirmar" in overlapping and "no se solapan" not in overlapping
    assert "Sin intervalo para los errores" in diagnostics.overlap_reading(iv(0.1, 0.08, 0.12), None, names=names,
                                                                           quantity=what)
    with pytest.raises(CourseParameterError, match="names=.*Solución"):
        diagnostics.overlap_reading(iv(0.1, 0.08, 0.12), iv(0.4, 0.3, 0.5), names=("solo uno",), quantity=what)


def test_passes_reading_says_when_more_passes_are_needed():
    import numpy as np

    steady = np.tile([[[0.2, 0.8]]], (10, 3, 1))
    assert "bastan 5 pasadas" in diagnostics.passes_reading(steady, used=5)
    noisy = np.zeros((10, 1, 2))
    noisy[:5] = [0.0, 1.0]
    noisy[5:] = [1.0, 0.0]
    assert "hacen falta más pasadas" in diagnostics.passes_reading(noisy, used=5)  # la media pasa de 1.0 a 0.5
    assert "la media ya se estabiliza" in diagnostics.passes_reading(steady, used=10)
    # la última pasada mueve la media 0.5
    assert "aún no se estabiliza" in diagnostics.passes_reading(noisy[4:6], used=2)
    assert "Una sola pasada" in diagnostics.passes_reading(steady[:1], used=1)
    with pytest.raises(CourseParameterError, match="used=.*Solución"):
        diagnostics.passes_reading(steady, used=11)
    with pytest.raises(CourseParameterError, match="pass_probs=.*Solución"):
        diagnostics.passes_reading(np.ones((3, 2)), used=1)
