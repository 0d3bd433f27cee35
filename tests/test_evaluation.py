"""course_utils.evaluation: intervalos contra scipy y casos conocidos, diferencias emparejadas, marcador."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from course_utils import CourseParameterError, calibration, evaluation


def accuracy(y_true, y_pred, axis=-1):
    return np.mean(y_true == y_pred, axis=axis)


def random_predictions(n=400, seed=0, accuracy=0.8):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    right = rng.random(n) < accuracy
    confidence = rng.uniform(0.5, 1.0, n)
    p1 = np.where((y == 1) == right, confidence, 1 - confidence)
    return y, np.stack([1 - p1, p1], axis=1)


def test_wilson_matches_the_closed_form():
    # Wilson (1927): centro (k + z²/2)/(n + z²), semianchura z·sqrt(k(n−k)/n + z²/4)/(n + z²).
    k, n, z = 81, 100, stats.norm.ppf(0.975)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z * np.sqrt(k * (n - k) / n + z**2 / 4) / (n + z**2)
    iv = evaluation.wilson_interval(k, n)
    assert iv.estimate == 0.81 and iv.method == "wilson" and iv.n == 100
    assert iv.low == pytest.approx(centre - half, abs=1e-9) and iv.high == pytest.approx(centre + half, abs=1e-9)
    # Casos extremos: 0 y n aciertos dan intervalos dentro de [0, 1] que tocan el borde.
    assert (evaluation.wilson_interval(0, 20).low == 0.0
            and evaluation.wilson_interval(20, 20).high == pytest.approx(1.0))


def test_accuracy_interval_is_wilson_and_about_five_points_with_200_reviews():
    y, probs = random_predictions(n=200, accuracy=0.85)
    iv = evaluation.metric_interval(y, probs, metric="accuracy")
    correct = int(np.sum(probs.argmax(1) == y))
    assert iv == evaluation.wilson_interval(correct, 200)
    assert 0.04 < (iv.high - iv.low) / 2 < 0.06  # el «±5 puntos» del curso


def test_bootstrap_matches_scipy_reference():
    y, probs = random_predictions()
    pred = probs.argmax(1)
    ours = evaluation.metric_interval(y, probs, metric="f1", seed=3, n_resamples=1000)
    ref = stats.bootstrap(
        (y, pred), lambda a, b: f1_score(a, b), paired=True, vectorized=False, n_resamples=1000,
        method="percentile", rng=np.random.default_rng(3),
    ).confidence_interval
    assert ours.estimate == pytest.approx(f1_score(y, pred))
    assert ours.low == pytest.approx(ref.low, abs=1e-12) and ours.high == pytest.approx(ref.high, abs=1e-12)


def test_vectorized_f1_and_ece_equal_the_reference_implementations():
    y, probs = random_predictions(n=300, seed=1)
    pred = probs.argmax(1)
    assert evaluation.metric_interval(y, pred, metric="f1").estimate == pytest.approx(f1_score(y, pred))
    three = np.array([0, 1, 2, 2, 1, 0, 2])
    guess = np.array([0, 2, 2, 1, 1, 0, 0])
    assert (evaluation.metric_interval(three, guess, metric="f1").estimate
            == pytest.approx(f1_score(three, guess, average="macro")))
    assert (evaluation.metric_interval(y, probs, metric="ece").estimate
            == pytest.approx(calibration.expected_calibration_error(y, probs).ece))
    # Vectorizado: una fila por remuestreo, igual que fila a fila.
    stacked = calibration.ece_from_confidence(np.stack([pred == y] * 3), np.stack([probs.max(1)] * 3), n_bins=10)
    assert stacked.shape == (3,) and np.allclose(stacked, calibration.expected_calibration_error(y, probs).ece)


def test_paired_interval_on_identical_predictions_is_exactly_zero():
    y, probs = random_predictions()
    for metric in evaluation.METRICS:
        iv = evaluation.paired_difference(y, probs, probs.copy(), metric=metric)
        assert (iv.estimate, iv.low, iv.high) == (0.0, 0.0, 0.0), metric
        assert iv.contains_zero


def test_paired_interval_is_narrower_than_unpaired_and_detects_a_real_gain():
    y, probs = random_predictions(n=1000, seed=2, accuracy=0.80)
    better = probs.copy()
    wrong = np.flatnonzero(probs.argmax(1) != y)[:60]  # arregla 60 errores: +0.06 exactos
    better[wrong] = better[wrong][:, ::-1]
    diff = evaluation.paired_difference(y, better, probs, metric="accuracy")
    assert diff.estimate == pytest.approx(0.06)
    assert diff.low > 0 and not diff.contains_zero
    single = evaluation.metric_interval(y, probs, metric="accuracy")
    assert diff.high - diff.low < single.high - single.low
    text = evaluation.describe_difference(diff, "A", "B")
    assert "excluye el 0" in text and "mayor con A que con B" in text
    assert "no se puede afirmar" in evaluation.describe_difference(
        evaluation.paired_difference(y, probs, probs, metric="accuracy"), "A", "B")


def test_interval_format():
    iv = evaluation.Interval(0.8612, 0.8391, 0.8804, 1000, "wilson")
    assert str(iv) == "0.861 [0.839, 0.880]" and iv.format(2) == "0.86 [0.84, 0.88]"
    assert evaluation.Interval(-0.01, -0.03, 0.012, 10, "x").format(signed=True) == "-0.010 [-0.030, +0.012]"


def test_scoreboard_row_records_the_test_reviews():
    y, probs = random_predictions(n=50)
    ids = [f"test:{i}" for i in range(50)]
    row = evaluation.scoreboard_row("m", y, probs, test_ids=ids, seconds=1.5)
    assert row["n_test"] == 50 and row["test_ids_sha256"] == evaluation.ids_hash(ids)
    assert set(row) >= {"accuracy", "f1", "ece"} and row["accuracy"]["method"] == "wilson"
    assert evaluation.ids_hash(ids) != evaluation.ids_hash(ids[::-1])  # el orden cuenta: mismas reseñas, mismo orden
    evaluation.add_versus(row, "otro", evaluation.paired_difference(y, probs, probs, metric="accuracy"))
    assert evaluation.format_row(row)["diferencia emparejada"] == "otro: +0.000 [+0.000, +0.000]"
    with pytest.raises(CourseParameterError, match="test_ids"):
        evaluation.scoreboard_row("m", y, probs, test_ids=ids[:-1])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: evaluation.wilson_interval(5, 0), r"n=0"),
        (lambda: evaluation.wilson_interval(6, 5), r"successes=6 .*supera n=5"),
        (lambda: evaluation.metric_interval([0, 1], [0, 1], metric="auc"), r"metric='auc'"),
        (lambda: evaluation.metric_interval([0, 1, 1], [0, 1], metric="accuracy"), r"probs='2 predicciones'"),
        (lambda: evaluation.metric_interval([0, 1], [0, 1], metric="ece"), r"el ECE necesita probabilidades"),
        (lambda: evaluation.metric_interval([], [], metric="accuracy"), r"y_true"),
        (lambda: evaluation.paired_difference([0, 1], [[0.5, 0.5], [0.2, 0.8]], [0, 1], metric="ece"), r"probs_b"),
        (lambda: evaluation.bootstrap_interval(accuracy, [0, 1], [0]), r"samples"),
        (lambda: evaluation.bootstrap_interval(accuracy, [0, 1], [0, 1], n_resamples=10), r"n_resamples=10"),
    ],
)
def test_bad_inputs_fail_in_spanish(call, match):
    with pytest.raises(CourseParameterError, match=match):
        call()
