"""course_utils.metrics comparado con scikit-learn en casos conocidos."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
from transformers import EvalPrediction

from course_utils import CourseParameterError, metrics


def logits_for(preds, num_labels):
    out = np.zeros((len(preds), num_labels))
    out[np.arange(len(preds)), preds] = 3.0
    return out


def test_binary_matches_sklearn_and_hand_values():
    labels = np.array([0, 1, 1, 1, 0, 0])
    preds = np.array([0, 1, 0, 1, 1, 0])
    result = metrics.compute_metrics(EvalPrediction(predictions=logits_for(preds, 2), label_ids=labels))
    # A mano: TP=2, FP=1, FN=1 → P=R=F1=2/3; exactitud 4/6.
    assert result == pytest.approx({"accuracy": 4 / 6, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3})
    assert result["f1"] == pytest.approx(f1_score(labels, preds))
    assert all(type(v) is float for v in result.values())


def test_three_classes_macro_and_weighted_match_sklearn():
    labels = np.array([0, 1, 2, 2, 1, 0, 2, 2])
    preds = np.array([0, 2, 2, 2, 1, 1, 0, 2])
    result = metrics.compute_metrics((logits_for(preds, 3), labels))
    assert result["accuracy"] == pytest.approx(accuracy_score(labels, preds))
    for avg, suffix in (("macro", ""), ("weighted", "_weighted")):
        assert result[f"precision{suffix}"] == pytest.approx(precision_score(labels, preds, average=avg))
        assert result[f"recall{suffix}"] == pytest.approx(recall_score(labels, preds, average=avg))
        assert result[f"f1{suffix}"] == pytest.approx(f1_score(labels, preds, average=avg))


def test_tuple_predictions_are_unwrapped():
    labels = np.array([0, 1])
    hidden = np.zeros((2, 5, 4))
    result = metrics.compute_metrics(((logits_for([0, 1], 2), hidden), labels))
    assert result["accuracy"] == 1.0


def test_zero_division_counts_as_zero():
    # El modelo nunca predice la clase positiva: precisión indefinida → 0, sin avisos.
    result = metrics.classification_metrics([0, 1, 1], [0, 0, 0])
    assert result["precision"] == 0.0 and result["recall"] == 0.0 and result["f1"] == 0.0


def test_absent_class_counts_in_macro():
    # Con 3 clases declaradas y una ausente, la macro la promedia como 0.
    result = metrics.classification_metrics([0, 1, 1], logits_for([0, 1, 1], 3))
    assert result["f1"] == pytest.approx(2 / 3)


def test_labels_one_and_two_do_not_create_a_phantom_class_zero():
    # Etiquetas {1, 2} predichas 1-D: las clases son las presentes, como en scikit-learn.
    labels, preds = [1, 2, 1, 2, 2], [1, 2, 2, 2, 2]
    result = metrics.classification_metrics(labels, preds)
    # 0.762; con una clase 0 vacía, 0.508
    assert result["f1"] == pytest.approx(f1_score(labels, preds, average="macro"))
    assert result["precision"] == pytest.approx(precision_score(labels, preds, average="macro"))
    assert result["accuracy"] == pytest.approx(0.8)
    # Con num_labels (o logits de 3 columnas), la clase 0 existe y cuenta como 0 en la media macro.
    declared = metrics.classification_metrics(labels, preds, num_labels=3)
    assert declared["f1"] == pytest.approx(f1_score(labels, preds, labels=[0, 1, 2], average="macro", zero_division=0))
    assert metrics.classification_metrics(labels, logits_for(preds, 3))["f1"] == pytest.approx(declared["f1"])
    with pytest.raises(CourseParameterError, match=r"average='binary' .*clases 0 y 1.*\[1, 2\]"):
        metrics.classification_metrics(labels, preds, average="binary")


def test_errors():
    with pytest.raises(CourseParameterError, match=r"average='binary' .*3 clases.*average=\"macro\""):
        metrics.classification_metrics([0, 1, 2], [0, 1, 2], average="binary")
    with pytest.raises(CourseParameterError, match=r"average='micro' .*elige una de"):
        metrics.classification_metrics([0, 1], [0, 1], average="micro")
    with pytest.raises(CourseParameterError, match=r"3 predicciones.*hay 2 etiquetas"):
        metrics.classification_metrics([0, 1], [0, 1, 1])


def test_confusion_table_and_report():
    table = metrics.confusion_table([0, 0, 1, 1], [0, 1, 1, 1], ["neg", "pos"])
    assert table.loc["real: neg", "pred.: pos"] == 1
    assert table.loc["real: pos", "pred.: pos"] == 2
    assert table.to_numpy().sum() == 4
    text = metrics.report_text([0, 0, 1, 1], logits_for([0, 1, 1, 1], 2), ["neg", "pos"])
    assert "neg" in text and "pos" in text and "0.750" in text


def test_a_list_of_probability_rows_is_data_not_a_tuple_of_outputs():
    # Antes, cualquier lista se tomaba por (logits, extras): [[0, 1], [1, 0]] daba exactitud 0.0 en vez de 1.0.
    assert metrics.classification_metrics([1, 0], [[0, 1], [1, 0]])["accuracy"] == 1.0
    assert metrics.classification_metrics([1, 0], ([[0, 1], [1, 0]], "estados ocultos"))["accuracy"] == 1.0


F1_CASES = {
    "2 clases": ([0, 1, 1, 0, 1, 0, 1, 1], [0, 1, 0, 0, 1, 1, 1, 1]),
    "3 clases": ([0, 1, 2, 2, 1, 0, 2, 2], [0, 2, 2, 2, 1, 1, 0, 2]),
    "2 clases {1, 2}": ([1, 2, 1, 2, 2, 1, 2, 2], [1, 2, 2, 2, 2, 1, 1, 2]),
}


@pytest.mark.parametrize("labels, preds", F1_CASES.values(), ids=F1_CASES.keys())
def test_f1_is_the_same_number_in_metrics_and_evaluation(labels, preds):
    # Una sola regla (metrics.f1_average): binaria con las clases 0 y 1; macro con más, o con clases como {1, 2}.
    from course_utils import evaluation

    num_labels = max(max(labels), max(preds)) + 1
    for predictions in (preds, logits_for(preds, num_labels)):  # etiquetas predichas 1-D y logits 2-D
        expected = metrics.classification_metrics(labels, predictions)["f1"]
        assert evaluation.metric_interval(labels, predictions, metric="f1",
                                          n_resamples=200).estimate == pytest.approx(expected)
    average, classes = metrics.f1_average(np.asarray(labels), np.asarray(preds))
    assert average == ("binary" if set(labels) <= {0, 1} else "macro")
    reference = f1_score(labels, preds, average=average, labels=None if average == "binary" else classes)
    assert metrics.classification_metrics(labels, preds)["f1"] == pytest.approx(reference)
