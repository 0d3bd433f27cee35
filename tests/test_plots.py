"""course_utils.plots: series extraídas del historial y figuras con lo esperado."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import (
    CourseParameterError,  # noqa: E402
    plots,  # noqa: E402
)
from course_utils.uncertainty import MCDropoutResult, uncertainty_measures  # noqa: E402

HISTORY = [
    {"loss": 0.69, "epoch": 1.0, "step": 10},
    {"eval_loss": 0.5, "eval_accuracy": 0.8, "eval_f1": 0.79, "epoch": 1.0, "step": 10},
    {"loss": 0.4, "epoch": 2.0, "step": 20},
    {"eval_loss": 0.45, "eval_accuracy": 0.85, "eval_f1": 0.84, "epoch": 2.0, "step": 20},
    {"train_runtime": 12.0, "epoch": 2.0, "step": 20},
]


def test_learning_curve_series():
    series = plots.learning_curves(HISTORY)
    assert series["loss"] == [(1.0, 0.69), (2.0, 0.4)]
    assert series["eval_f1"] == [(1.0, 0.79), (2.0, 0.84)]
    assert "eval_precision" not in series


def test_plot_learning_curves():
    fig = plots.plot_learning_curves(HISTORY)
    loss_ax, metric_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["entrenamiento", "validación"]
    assert [line.get_label() for line in metric_ax.lines] == ["exactitud", "F1"]
    with pytest.raises(CourseParameterError, match=r"no contiene pérdidas.*trainer.train\(\)"):
        plots.plot_learning_curves([{"epoch": 1.0, "train_runtime": 1.0}])


def test_plot_confusion_matrix():
    fig = plots.plot_confusion_matrix([0, 1, 1], np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]]), ["neg", "pos"])
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0", "1", "1", "1"]


def test_plot_uncertainty():
    probs = np.array([[[0.9, 0.1], [0.4, 0.6]], [[0.8, 0.2], [0.7, 0.3]]])
    m = uncertainty_measures(probs)
    result = MCDropoutResult(
        texts=["a", "b"], label_names=["neg", "pos"], pass_probs=probs, predicted=m["mean_probs"].argmax(-1),
        confidence=m["mean_probs"].max(-1), threshold=0.6, abstained=np.array([False, True]), **m,
    )
    fig = plots.plot_uncertainty(result)
    conf_ax, mi_ax = fig.axes
    assert sum(p.get_height() for p in conf_ax.patches) == 2
    assert any("umbral 0.6" in t.get_text() for t in conf_ax.get_legend().get_texts())


def test_plot_reliability_and_risk_coverage():
    from course_utils import calibration

    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    a = calibration.expected_calibration_error([0, 1, 1, 0], probs, n_bins=5)
    b = calibration.expected_calibration_error([0, 0, 1, 1], probs, n_bins=5)
    fig = plots.plot_reliability({"una pasada": a, "MC dropout": b})
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["calibración perfecta", f"una pasada (ECE {a.ece:.3f})", f"MC dropout (ECE {b.ece:.3f})"]
    assert sum(p.get_height() for p in fig.axes[1].patches) == 8
    with pytest.raises(CourseParameterError, match=r"reports=\{\} .*está vacío"):
        plots.plot_reliability({})
    curve = calibration.risk_coverage_curve([True, False], [0.9, 0.6])
    fig = plots.plot_risk_coverage({"MC": curve})
    assert fig.axes[0].lines[0].get_ydata().tolist() == [0.0, 0.5]
