"""course_utils.calibration contra casos calculados a mano."""

import numpy as np
import pytest

from course_utils import CourseParameterError, calibration


def test_ece_hand_computed():
    # 4 ejemplos, 2 intervalos (0, .5] y (.5, 1].
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    labels = np.array([0, 1, 1, 0])
    # Todos caen en (.5, 1]: confianza media (.9+.8+.6+.7)/4 = .75; aciertos 2/4 = .5 → ECE = .25.
    report = calibration.expected_calibration_error(labels, probs, n_bins=2)
    assert report.ece == pytest.approx(0.25)
    assert report.bin_counts.tolist() == [0, 4]
    assert report.bin_accuracy[1] == pytest.approx(0.5) and np.isnan(report.bin_accuracy[0])


def test_ece_bins_with_right_edge_included():
    probs = np.array([[0.5, 0.5], [1.0, 0.0], [0.6, 0.4]])
    labels = np.array([0, 0, 1])
    report = calibration.expected_calibration_error(labels, probs, n_bins=2)
    # 0.5 → (0, .5] (acierto, conf .5: hueco 0.5); 1.0 y 0.6 → (.5, 1] (conf .8, exactitud .5: hueco .3).
    assert report.bin_counts.tolist() == [1, 2]
    assert report.ece == pytest.approx(1 / 3 * 0.5 + 2 / 3 * 0.3)


def test_perfectly_calibrated_is_zero():
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert calibration.expected_calibration_error([0, 1], probs).ece == 0.0


def test_ece_errors():
    with pytest.raises(CourseParameterError, match=r"no son probabilidades.*softmax"):
        calibration.expected_calibration_error([0], np.array([[2.0, 1.0]]))
    with pytest.raises(CourseParameterError, match=r"forma \(N, C\) con N = 2"):
        calibration.expected_calibration_error([0, 1], np.array([[1.0, 0.0]]))
    with pytest.raises(CourseParameterError, match=r"n_bins=0"):
        calibration.expected_calibration_error([0], np.array([[1.0, 0.0]]), n_bins=0)


def test_temperature_recovers_known_overconfidence():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(size=(4000, 3))
    labels = np.array([rng.choice(3, p=p) for p in calibration.softmax(true_logits)])
    # Un modelo 3 veces "demasiado seguro": T óptima ≈ 3.
    t = calibration.fit_temperature(labels, 3.0 * true_logits)
    assert t == pytest.approx(3.0, rel=0.1)
    nll = calibration.negative_log_likelihood
    assert nll(labels, 3 * true_logits, temperature=t) < nll(labels, 3 * true_logits, temperature=1.0)
    with pytest.raises(CourseParameterError, match=r"logits=\(1, 3\)"):
        calibration.fit_temperature(labels[:1], true_logits[:1])


def test_softmax_and_nll_hand_values():
    assert calibration.softmax([[0.0, 0.0]]).tolist() == [[0.5, 0.5]]
    assert calibration.negative_log_likelihood([1], [[0.0, 0.0]]) == pytest.approx(np.log(2))
    assert calibration.softmax([[2.0, 0.0]], temperature=2.0)[0, 0] == pytest.approx(np.e / (np.e + 1))


def test_risk_coverage_hand_computed():
    curve = calibration.risk_coverage_curve([True, False, True, False], [0.9, 0.6, 0.8, 0.7])
    # Orden por confianza: .9 ✓, .8 ✓, .7 ✗, .6 ✗ → riesgos 0, 0, 1/3, 1/2.
    assert curve["coverage"].tolist() == [0.25, 0.5, 0.75, 1.0]
    assert curve["risk"].tolist() == pytest.approx([0, 0, 1 / 3, 0.5])
    assert curve["threshold"].tolist() == [0.9, 0.8, 0.7, 0.6]
    assert curve["aurc"] == pytest.approx((0 + 0 + 1 / 3 + 0.5) / 4)
    with pytest.raises(CourseParameterError, match=r"misma forma"):
        calibration.risk_coverage_curve([True, False], [0.9])


def test_nll_is_exact_for_confident_errors_at_low_temperature():
    # log(clip(softmax, 1e-12)) se quedaba en -log(1e-12) = 27.6 como mucho: un error seguro contaba de menos.
    logits, labels = np.array([[0.0, 5.0]]), np.array([0])
    assert calibration.negative_log_likelihood(labels, logits, temperature=0.1) == pytest.approx(50.0, abs=1e-9)


def test_temperature_at_a_bound_warns():
    logits = np.array([[5.0, -5.0], [-5.0, 5.0], [4.0, -4.0]])
    with pytest.warns(UserWarning, match="toca el límite"):
        calibration.fit_temperature(np.array([0, 1, 0]), logits, bounds=(0.5, 2.0))


def test_risk_coverage_collapses_ties_so_input_order_does_not_matter():
    # Tres ejemplos con la misma confianza (uno acertado): antes el AURC salía 0.611 o 0.278 según el orden.
    conf, correct = np.array([0.7, 0.7, 0.7, 0.9]), np.array([False, False, True, True])
    a = calibration.risk_coverage_curve(correct, conf)
    b = calibration.risk_coverage_curve(correct[[2, 1, 0, 3]], conf[[2, 1, 0, 3]])
    assert a["aurc"] == b["aurc"] == pytest.approx((1 * 0.0 + 3 * (2 / 4)) / 4)
    assert (a["threshold"].tolist() == [0.9, 0.7] and a["coverage"].tolist() == [0.25, 1.0]
            and a["risk"].tolist() == [0.0, 0.5])
