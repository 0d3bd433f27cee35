"""Variación entre ejecuciones: el resumen por semillas y el bootstrap cruzado (ejecuciones × reseñas)."""

import numpy as np
import pytest
from scipy.stats import bootstrap

from course_utils import variance
from course_utils._checks import CourseParameterError


def test_summary_of_runs():
    s = variance.summarize_runs([0.86, 0.84, 0.85])
    assert s.n_runs == 3 and s.mean == pytest.approx(0.85) and s.std == pytest.approx(0.01)
    assert (s.low, s.high, s.positive) == (0.84, 0.86, 3)
    assert s.format() == "0.850 ± 0.010 (0.840 a 0.860)"
    d = variance.summarize_runs([0.032, 0.010, -0.005])
    assert d.positive == 2 and d.format(signed=True).startswith("+0.012")
    assert variance.summarize_runs([0.5]).std == 0.0


@pytest.mark.parametrize("bad", [[], [0.5, float("nan")]])
def test_summary_rejects_empty_or_nan(bad):
    with pytest.raises(CourseParameterError, match="values=.*Solución"):
        variance.summarize_runs(bad)


def accuracy(correct):
    return correct.mean(axis=1)


def test_identical_runs_reduce_to_the_ordinary_bootstrap_of_the_reviews():
    rng = np.random.default_rng(0)
    correct = (rng.random(800) < 0.85).astype(float)
    runs = np.tile(correct, (5, 1))  # cinco ejecuciones que aciertan exactamente las mismas reseñas
    crossed = variance.crossed_bootstrap(accuracy, runs, n_resamples=4000, seed=1)
    ordinary = bootstrap((correct,), np.mean, n_resamples=4000, method="percentile",
                         rng=np.random.default_rng(1)).confidence_interval
    assert crossed.estimate == pytest.approx(correct.mean())
    assert (crossed.low == pytest.approx(ordinary.low, abs=0.004)
            and crossed.high == pytest.approx(ordinary.high, abs=0.004))


def test_one_review_per_run_without_test_noise_reflects_the_spread_of_runs():
    values = np.array([0.81, 0.84, 0.86, 0.83, 0.88, 0.85, 0.79, 0.87])
    crossed = variance.crossed_bootstrap(accuracy, values[:, None], n_resamples=4000, seed=2)
    ordinary = bootstrap((values,), np.mean, n_resamples=4000, method="percentile",
                         rng=np.random.default_rng(2)).confidence_interval
    assert crossed.estimate == pytest.approx(values.mean())
    assert (crossed.low == pytest.approx(ordinary.low, abs=0.004)
            and crossed.high == pytest.approx(ordinary.high, abs=0.004))
    assert crossed.n == 1
    constant = variance.crossed_bootstrap(accuracy, np.full((4, 1), 0.7), n_resamples=200)
    assert (constant.low, constant.estimate, constant.high) == pytest.approx((0.7, 0.7, 0.7))


def test_both_sources_widen_the_interval():
    rng = np.random.default_rng(3)
    # Cada ejecución tiene su propia exactitud (0.80 a 0.90): la variación entre ejecuciones se suma a la de las
    # reseñas.
    runs = np.stack([(rng.random(1000) < p).astype(float) for p in (0.80, 0.83, 0.85, 0.87, 0.90)])
    crossed = variance.crossed_bootstrap(accuracy, runs, seed=4)
    reviews_only = variance.crossed_bootstrap(accuracy, runs[[2]], seed=4)
    runs_only = variance.crossed_bootstrap(accuracy, runs.mean(axis=1, keepdims=True), seed=4)
    width = crossed.high - crossed.low
    assert width > reviews_only.high - reviews_only.low and width > runs_only.high - runs_only.low


def test_crossed_bootstrap_is_seeded_and_reproducible():
    rng = np.random.default_rng(5)
    runs = (rng.random((3, 200)) < 0.8).astype(float)
    a = variance.crossed_bootstrap(accuracy, runs, n_resamples=300, seed=7)
    b = variance.crossed_bootstrap(accuracy, runs, n_resamples=300, seed=7)
    c = variance.crossed_bootstrap(accuracy, runs, n_resamples=300, seed=8)
    assert a == b and (a.low, a.high) != (c.low, c.high)
    assert a.method == "bootstrap cruzado (ejecuciones × reseñas)"


def test_paired_difference_over_runs_and_reviews():
    rng = np.random.default_rng(6)
    a = (rng.random((4, 500)) < 0.86).astype(float)
    b = (rng.random((4, 500)) < 0.82).astype(float)
    diff = variance.crossed_bootstrap(lambda x, y: x.mean(axis=1) - y.mean(axis=1), a, b, seed=0)
    assert diff.estimate == pytest.approx(a.mean() - b.mean())
    assert diff.low < diff.estimate < diff.high


def test_accuracy_per_run():
    y = np.array([0, 1, 1])
    probs = np.array([[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [[0.3, 0.7], [0.1, 0.9], [0.2, 0.8]]])
    assert variance.accuracy_per_run(y, probs).tolist() == [[1, 1, 0], [0, 1, 1]]
    with pytest.raises(CourseParameterError, match="probs=.*Solución"):
        variance.accuracy_per_run(y, probs[0])


def test_bad_inputs_name_the_argument():
    with pytest.raises(CourseParameterError, match="arrays=.*Solución"):
        variance.crossed_bootstrap(accuracy, np.ones(5))
    with pytest.raises(CourseParameterError, match="arrays=.*Solución"):
        variance.crossed_bootstrap(lambda a, b: a.mean(1), np.ones((2, 5)), np.ones((3, 5)))
    with pytest.raises(CourseParameterError, match="statistic=.*Solución"):
        variance.crossed_bootstrap(lambda a: a.mean(), np.ones((2, 5)), n_resamples=100)
    with pytest.raises(CourseParameterError, match="n_resamples=.*Solución"):
        variance.crossed_bootstrap(accuracy, np.ones((2, 5)), n_resamples=10)


def test_nested_design_resamples_each_runs_own_reviews():
    rng = np.random.default_rng(9)
    runs = (rng.random((5, 300)) < 0.85).astype(float)  # p. ej. la validación de cada semilla: reseñas distintas
    nested = variance.crossed_bootstrap(accuracy, runs, seed=1, shared_reviews=False)
    assert nested.method.startswith("bootstrap anidado") and nested.estimate == pytest.approx(runs.mean())
    # Una sola ejecución: anidado y cruzado remuestrean lo mismo (sus reseñas).
    one = variance.crossed_bootstrap(accuracy, runs[:1], seed=1, shared_reviews=False, n_resamples=4000)
    ordinary = bootstrap((runs[0],), np.mean, n_resamples=4000, method="percentile",
                         rng=np.random.default_rng(1)).confidence_interval
    assert one.low == pytest.approx(ordinary.low, abs=0.006) and one.high == pytest.approx(ordinary.high, abs=0.006)


def _reference(diffs):
    def iv(e, lo, hi):
        return {"estimate": e, "low": lo, "high": hi, "n": 1000, "method": "wilson", "confidence": 0.95}

    rows = [{"seed": s, "accuracy": iv(0.85, 0.83, 0.87), "tfidf_accuracy": iv(0.83, 0.81, 0.85),
             "vs_tfidf": iv(d, d - 0.024, d + 0.024)}
            for s, d in zip((42, 1, 2), diffs, strict=True)]
    summary = variance.summarize_runs(diffs)
    low, high = min(diffs) - 0.03, max(diffs) + 0.03
    return {"date": "2026-12-02", "machine": "AMD EPYC (AVX2), 2 hilos",
            "command": "make bench BENCH_SECTIONS=semillas",
            "result": {"groups": {"todo": {"rows": rows, "accuracy": {"n_reviews": 1000},
                                           "excludes_zero": sum(d > 0.024 for d in diffs),
                                           "vs_tfidf": {"summary": summary.as_dict(),
                                                        "interval": iv(summary.mean, low, high)}}}}}


def test_reference_report_states_the_conclusion_over_seeds():
    text = variance.reference_report(_reference([0.027, 0.019, 0.001]))
    assert text.startswith("Referencia medida el 2026-12-02 en AMD EPYC (AVX2), 2 hilos con `make bench "
                           "BENCH_SECTIONS=semillas`")
    assert "positiva en 3 de 3" in text and "Contiene el 0" in text
    assert "Excluye el 0" in variance.reference_report(_reference([0.06, 0.05, 0.07]))
    assert "make bench BENCH_SECTIONS=semillas" in variance.reference_report(None)
    assert "misma muestra" not in text  # sin el grupo «muestra-fija», no lo menciona


def test_reference_report_shows_what_the_training_seed_alone_changes():
    reference = _reference([0.027, 0.019, 0.028])
    fixed = [{"accuracy": {"estimate": a}, "vs_tfidf": {"estimate": d}} for a, d in ((0.855, 0.027), (0.817, -0.011))]
    reference["result"]["groups"]["muestra-fija"] = {"rows": fixed}
    text = variance.reference_report(reference)
    assert ("Con la misma muestra y solo otra semilla de entrenamiento (2 ejecuciones): ajuste fino de 0.817 a "
            "0.855, y frente a TF-IDF de -0.011 a +0.027") in text
    reference["result"]["groups"]["muestra-fija"] = {"rows": fixed[:1]}  # una sola: no hay dispersión que mostrar
    assert "misma muestra" not in variance.reference_report(reference)


def test_reference_is_read_from_the_repository(tmp_path, monkeypatch):
    import json

    path = tmp_path / "semillas.json"
    path.write_text(json.dumps(_reference([0.02, 0.01, 0.03])), encoding="utf-8")
    monkeypatch.setattr(variance, "reference_path", lambda name="semillas": path)
    assert variance.load_reference()["date"] == "2026-12-02"
