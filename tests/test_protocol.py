"""El protocolo de evaluación: tres partes disjuntas, prueba de la partición propia, truncado y línea base."""

import datasets
import numpy as np
import pytest

from course_utils import CourseParameterError, baseline, data, evaluation, tokenization, training

from .conftest import IMDB_DIR, requires_imdb


def labelled(n_per_class, prefix="t"):
    texts = [f"{prefix} {'good' if i % 2 else 'bad'} review number {i}" for i in range(2 * n_per_class)]
    return data.prepare_labelled(datasets.Dataset.from_dict({"text": texts,
                                                             "label": [i % 2 for i in range(2 * n_per_class)]}))


def assert_disjoint(splits):
    ids = {name: set(part["id"]) for name, part in splits.items()}
    assert (not ids["train"] & ids["validation"] and not ids["train"] & ids["test"]
            and not ids["validation"] & ids["test"])


def test_test_reviews_come_from_the_test_split_when_there_is_one():
    ev = data.evaluation_splits(
        labelled(30), data.prepare_labelled(labelled(20, "x")).add_column("id", [f"test:{i}" for i in range(40)]),
        n_per_class=20, validation_size=10, n_test=16, seed=0)
    s = ev.splits
    assert (len(s["train"]), len(s["validation"]), len(s["test"])) == (30, 10, 16)
    assert all(i.startswith("test:") for i in s["test"]["id"]) and all(i.startswith("train:") for i in s["train"]["id"])
    assert (np.bincount(s["test"]["label"]).tolist() == [8, 8]
            and np.bincount(s["validation"]["label"]).tolist() == [5, 5])
    assert ev.test_source == "test" and ev.hashes["test"] == evaluation.ids_hash(s["test"]["id"])
    assert_disjoint(s)
    # Misma semilla → mismas reseñas (huellas iguales); otra semilla → otras.
    again = data.evaluation_splits(
        labelled(30), data.prepare_labelled(labelled(20, "x")).add_column("id", [f"test:{i}" for i in range(40)]),
        n_per_class=20, validation_size=10, n_test=16, seed=0)
    assert again.hashes == ev.hashes


def test_without_a_test_split_a_stratified_part_is_held_out(capsys):
    ev = data.evaluation_splits(labelled(50), None, n_per_class=50, validation_size=0.25, n_test=1000, test_size=0.2,
                                seed=1)
    s = ev.splits
    assert ev.test_source == "train" and len(s["test"]) == 20 and len(s["validation"]) == 20 and len(s["train"]) == 60
    printed = capsys.readouterr().out
    assert "no tienen partición de prueba" in printed and "N_TEST no se usa" in printed
    assert_disjoint(s)


def test_sample_dataset_has_its_own_test_split():
    ev = data.load_evaluation_splits("resenas-mini", n_per_class=10, validation_size=4, n_test=None, seed=0)
    assert (ev.test_source == "test"
            and len(ev.splits["test"]) == len(data.load_text_dataset("resenas-mini", split="test")))
    assert_disjoint(ev.splits)
    assert "huella" in ev.summary() and "prueba" in ev.summary()


@requires_imdb
def test_imdb_protocol_of_the_local_profile():
    ev = data.load_evaluation_splits(str(IMDB_DIR), n_per_class=550, validation_size=200, n_test=1000, seed=42)
    s = ev.splits
    assert (len(s["train"]), len(s["validation"]), len(s["test"])) == (900, 200, 1000)
    assert np.bincount(s["test"]["label"]).tolist() == [500, 500]
    assert_disjoint(s)
    # Además de los ids, ningún texto de prueba aparece en entrenamiento o validación.
    assert not set(s["test"]["text"]) & (set(s["train"]["text"]) | set(s["validation"]["text"]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"validation_size": 0}, r"VALIDATION_SIZE=0 "),
        ({"validation_size": 60}, r"VALIDATION_SIZE=60 .*solo hay 60"),
        ({"validation_size": 1.5}, r"VALIDATION_SIZE=1.5"),
        ({"n_test": 1}, r"N_TEST=1 "),
        ({"n_per_class": 0}, r"N_PER_CLASS=0 "),
    ],
)
def test_protocol_bad_parameters(kwargs, match):
    args = {"n_per_class": 30, "validation_size": 10, "n_test": 10, "seed": 0, **kwargs}
    with pytest.raises(CourseParameterError, match=match):
        data.evaluation_splits(labelled(30), labelled(20, "x"), **args)


def test_stratified_subset_keeps_classes_and_is_seeded():
    labels = np.array([0] * 90 + [1] * 10)
    rows = data.stratified_subset(labels, 20, seed=3)
    assert np.bincount(labels[rows]).tolist() == [18, 2]
    assert np.array_equal(rows, data.stratified_subset(labels, 20, seed=3))
    assert np.array_equal(data.stratified_subset(labels, 500), np.arange(100))


def test_trainer_never_evaluates_on_the_test_part(tokenizer, tmp_path):
    from course_utils import params, runtime

    from .conftest import make_tiny_bert

    ev = data.evaluation_splits(labelled(12), None, n_per_class=12, validation_size=4, n_test=None, seed=0)
    tokenized = training.tokenize_splits(ev.splits, tokenizer, max_length=16)
    p = params.validate_training_params(n_per_class=12, epochs=1, batch_size=4, grad_accum=1, learning_rate=1e-5,
                                        warmup=0.0, max_length=16, mc_passes=2, threshold=0.6, test_size=0.2, seed=0)
    args = training.training_arguments(tmp_path, p, device="cpu", precision=runtime.Precision(False, False))
    trainer = training.make_trainer(make_tiny_bert(), tokenizer, tokenized, args)
    assert trainer.eval_dataset["id"] == ev.splits["validation"]["id"]
    without_validation = datasets.DatasetDict({"train": tokenized["train"], "test": tokenized["test"]})
    with pytest.raises(CourseParameterError, match="no tiene partición 'validation'"):
        training.make_trainer(make_tiny_bert(), tokenizer, without_validation, args)


def test_head_truncation_equals_the_tokenizer_and_head_tail_keeps_both_ends(tokenizer):
    long_text = " ".join(["start"] * 5 + [f"w{i}" for i in range(300)] + ["verdict", "terrible"])
    texts = [long_text, "short one"]
    head = tokenization.encode(tokenizer, texts, max_length=64)
    assert head == {k: v for k, v in tokenizer(texts, truncation=True, max_length=64).items()}
    both = tokenization.encode(tokenizer, texts, max_length=64, truncation="head+tail")
    ids = both["input_ids"][0]
    full = tokenizer(long_text)["input_ids"]
    h, t = tokenization.head_tail_sizes(62, "head+tail")
    assert (h, t) == (16, 46) and tokenization.head_tail_sizes(254, "head+tail") == (64, 190)
    assert len(ids) == 64 and ids == full[: 1 + h] + full[-(t + 1):]
    assert tokenizer.decode(ids[-3:-1]) == "verdict terrible" and tokenizer.decode(ids[1:2]) == "start"
    assert both["input_ids"][1] == head["input_ids"][1]  # un texto corto no cambia
    with pytest.raises(CourseParameterError, match="TRUNCATION='tail'"):
        tokenization.encode(tokenizer, texts, max_length=64, truncation="tail")


def test_tfidf_baseline_chooses_on_validation():
    train, val = labelled(40), labelled(10, "v")
    result = baseline.fit_tfidf(train["text"], train["label"], val["text"], val["label"], c_grid=(0.5, 2.0),
                                ngram_grid=(1, 2))
    assert len(result.validation_table) == 4 and result.C in (0.5, 2.0) and result.ngram_max in (1, 2)
    best = result.validation_table["exactitud (validación)"].max()
    assert np.mean(result.model.predict(val["text"]) == np.asarray(val["label"])) == pytest.approx(best)
    with pytest.raises(CourseParameterError, match="c_grid"):
        baseline.fit_tfidf(train["text"], train["label"], val["text"], val["label"], c_grid=(0.0,))
    with pytest.raises(CourseParameterError, match="y_train"):
        baseline.fit_tfidf(train["text"], train["label"][:-1], val["text"], val["label"])
