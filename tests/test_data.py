"""course_utils.data: carga local, validación, muestreo balanceado, partición y distribución."""

import json

import datasets
import numpy as np
import pandas as pd
import pytest

from course_utils import CourseParameterError, data
from course_utils.models import HubUnavailableError

from .conftest import IMDB_DIR, requires_imdb


def sorted_dataset(n_neg=30, n_pos=20, names=None):
    """Conjunto ordenado por etiqueta, como IMDB en el Hub."""
    texts = ([f"negative review number {i}" for i in range(n_neg)]
             + [f"positive review number {i}" for i in range(n_pos)])
    labels = [0] * n_neg + [1] * n_pos
    return data.prepare_labelled(datasets.Dataset.from_dict({"text": texts, "label": labels}), label_names=names)


@pytest.fixture
def frame():
    return pd.DataFrame({"review": ["good", "bad", "great", "awful"], "stars": [1, 0, 1, 0]})


@pytest.mark.parametrize("ext", ["csv", "parquet", "json", "jsonl"])
def test_load_local_formats_with_renamed_columns(tmp_path, frame, ext):
    path = tmp_path / f"train.{ext}"
    if ext == "csv":
        frame.to_csv(path, index=False)
    elif ext == "parquet":
        frame.to_parquet(path)
    elif ext == "json":
        path.write_text(json.dumps(frame.to_dict(orient="records")))
    else:
        frame.to_json(path, orient="records", lines=True)
    ds = data.load_text_dataset(str(path), text_column="review", label_column="stars", label_names=["neg", "pos"])
    assert ds.column_names == ["text", "label"]
    assert ds["text"] == ["good", "bad", "great", "awful"]
    assert ds["label"] == [1, 0, 1, 0]
    assert data.label_names_of(ds) == ["neg", "pos"]


def test_load_folder_picks_split(tmp_path, frame):
    frame.rename(columns={"review": "text", "stars": "label"}).to_csv(tmp_path / "test.csv", index=False)
    ds = data.load_text_dataset(str(tmp_path), split="test")
    assert len(ds) == 4
    with pytest.raises(CourseParameterError, match=r"no contiene la partición 'train'"):
        data.load_text_dataset(str(tmp_path), split="train")


def test_sample_dataset_is_label_sorted_and_balanced():
    ds = data.load_text_dataset("resenas-mini")
    labels = ds["label"]
    assert labels == sorted(labels), "resenas-mini debe venir ordenado por etiqueta, como IMDB"
    assert [r["n"] for r in data.class_distribution(ds)] == [40, 40]
    assert len(data.load_text_dataset("resenas-mini", split="test")) == 24


def test_spanish_three_class_sample():
    ds = data.load_text_dataset("opiniones-es", text_column="opinion", label_column="sentimiento",
                                label_names=["negativo", "neutro", "positivo"])
    assert data.label_names_of(ds) == ["negativo", "neutro", "positivo"]
    assert [r["n"] for r in data.class_distribution(ds)] == [150, 150, 150]
    assert len(data.load_text_dataset("opiniones-es", split="test", text_column="opinion",
                                      label_column="sentimiento")) == 300


def test_string_labels_are_encoded(tmp_path):
    pd.DataFrame({"text": ["a", "b", "c"], "label": ["pos", "neg", "pos"]}).to_csv(tmp_path / "d.csv", index=False)
    ds = data.load_text_dataset(str(tmp_path / "d.csv"))
    assert data.label_names_of(ds) == ["neg", "pos"]
    assert ds["label"] == [1, 0, 1]
    ds = data.load_text_dataset(str(tmp_path / "d.csv"), label_names=["pos", "neg"])
    assert ds["label"] == [0, 1, 0]


@pytest.mark.parametrize(
    "columns, kwargs, pattern",
    [
        ({"texto": ["a", "b"], "label": [0, 1]}, {},
         r"TEXT_COLUMN='text' .*columnas disponibles: \['texto', 'label'\].*TEXT_COLUMN = \"texto\""),
        ({"text": ["a", "b"], "y": [0, 1]}, {}, r"LABEL_COLUMN='label' .*la columna no existe"),
        ({"text": ["a", "  "], "label": [0, 1]}, {}, r"la fila 1 tiene un texto vacío"),
        ({"text": ["a", None], "label": [0, 1]}, {}, r"text=None .*la fila 1 no tiene texto"),
        ({"text": ["a", "b"], "label": [1, 1]}, {}, r"solo hay una clase"),
        ({"text": ["a", "b"], "label": [0.5, 1.0]}, {}, r"label=0.5 .*no son enteros ni nombres"),
        ({"text": ["a", "b"], "label": [1, 2]}, {}, r"label=\[1, 2\] .*0, 1, ..., K-1"),
        ({"text": ["a", "b"], "label": [0, None]}, {}, r"la fila 1 no tiene etiqueta"),
        ({"text": ["a", "b"], "label": ["x", "y"]}, {"label_names": ["x"]},
         r"LABEL_NAMES=\['x'\] .*no están ahí: \['y'\]"),
        ({"text": ["a", "b", "c"], "label": [0, 1, 2]}, {"label_names": ["a", "b"]},
         r"hay 3 clases pero solo 2 nombres"),
    ],
)
def test_prepare_labelled_errors(columns, kwargs, pattern):
    with pytest.raises(CourseParameterError, match=pattern):
        data.prepare_labelled(datasets.Dataset.from_dict(columns), **kwargs)


def test_non_utf8_csv(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\nuna película estupenda,1\nmala,0\n".encode("latin-1"))
    with pytest.raises(CourseParameterError, match=r"no está en UTF-8 \(línea 2.*encoding='utf-8'"):
        data.load_text_dataset(str(path))


@pytest.mark.parametrize("source", ["./no/existe", "datos_que_no_existen.csv"])
def test_missing_path(source):
    with pytest.raises(CourseParameterError, match=r"DATA='.*' no es válido: la ruta no existe.*comprueba la ruta"):
        data.load_text_dataset(source)


def test_unsupported_format(tmp_path):
    (tmp_path / "x.txt").write_text("hola")
    with pytest.raises(CourseParameterError, match=r"formato '.txt' no admitido"):
        data.load_text_dataset(str(tmp_path / "x.txt"))


@pytest.mark.parametrize("bad", ["", None, 3])
def test_data_must_be_text(bad):
    with pytest.raises(CourseParameterError, match=r"DATA=.*debe ser un texto no vacío"):
        data.load_text_dataset(bad)


def test_hub_name_without_network_names_offline_alternative(monkeypatch):
    monkeypatch.setattr(data, "hub_reachable", lambda timeout=3.0: False)
    with pytest.raises(HubUnavailableError, match=r"DATA='imdb'.*no responde.*\.\./shared/data/imdb.*resenas-mini"):
        data.load_text_dataset("imdb")


def test_balanced_sample_on_label_sorted_data():
    ds = sorted_dataset(30, 20)
    # La trampa: las primeras filas son de una sola clase.
    assert set(ds.select(range(10))["label"]) == {0}
    sample = data.balanced_sample(ds, 7, seed=1)
    assert sorted(np.bincount(sample["label"])) == [7, 7]
    # Barajado otra vez: no queda agrupado por clase (más de un cambio de clase a lo largo del conjunto;
    # [0,0,0,0,0,0,0,1,...] o [0,0,0,1,1,1,1,...] tienen uno solo).
    changes = int(np.sum(np.diff(sample["label"]) != 0))
    assert changes > 1
    assert data.balanced_sample(ds, 7, seed=1)["text"] == sample["text"]
    assert data.balanced_sample(ds, 7, seed=2)["text"] != sample["text"]


def test_balanced_sample_errors():
    ds = sorted_dataset(30, 20, names=["neg", "pos"])
    with pytest.raises(CourseParameterError,
                       match=r"N_PER_CLASS=25 .*la clase 'pos' solo tiene 20 ejemplos.*N_PER_CLASS <= 20"):
        data.balanced_sample(ds, 25)
    with pytest.raises(CourseParameterError, match=r"N_PER_CLASS=0"):
        data.balanced_sample(ds, 0)
    one_class = datasets.Dataset.from_dict({"text": ["a", "b"], "label": [1, 1]})
    with pytest.raises(CourseParameterError, match=r"solo hay una clase"):
        data.balanced_sample(one_class, 1)


def test_stratified_split_keeps_proportions():
    ds = sorted_dataset(40, 20)
    parts = data.stratified_split(ds, test_size=0.25, seed=0)
    assert len(parts["train"]) == 45 and len(parts["test"]) == 15
    assert list(np.bincount(parts["test"]["label"])) == [10, 5]
    assert set(parts["train"]["text"]).isdisjoint(parts["test"]["text"])


def test_stratified_split_errors():
    ds = sorted_dataset(2, 2)
    with pytest.raises(CourseParameterError, match=r"TEST_SIZE=0.1 .*la parte tendría 1 y el resto 3"):
        data.stratified_split(ds, test_size=0.1)
    with pytest.raises(CourseParameterError, match=r"TEST_SIZE=0 "):
        data.stratified_split(ds, test_size=0)


def test_class_distribution_report(capsys):
    ds = sorted_dataset(3, 1, names=["negativo", "positivo"])
    rows = data.print_class_distribution(ds, title="Prueba")
    assert rows == [
        {"label": 0, "nombre": "negativo", "n": 3, "porcentaje": 75.0},
        {"label": 1, "nombre": "positivo", "n": 1, "porcentaje": 25.0},
    ]
    out = capsys.readouterr().out
    assert "Prueba (4 ejemplos):" in out
    assert "0 (negativo):      3   75.0 %" in out


@requires_imdb
def test_real_imdb_is_label_sorted_and_balances():
    ds = data.load_text_dataset(str(IMDB_DIR), label_names=["negativo", "positivo"])
    assert len(ds) == 25000
    assert set(ds.select(range(500))["label"]) == {0}
    sample = data.balanced_sample(ds, 500, seed=42)
    assert list(np.bincount(sample["label"])) == [500, 500]


def test_stratified_split_never_drops_a_minority_class():
    # 97/3: con el 10 % de prueba, la estratificación redondea la clase minoritaria a 0. Antes se aceptaba en silencio.
    labels = np.array([0] * 97 + [1] * 3)
    with pytest.raises(CourseParameterError,
                       match=r"TEST_SIZE=0.1 .*la parte \(10 ejemplos\) se quedaría sin la clase \[1\]"):
        data.stratified_indices(labels, 0.1, seed=0)
    rest, part = data.stratified_indices(labels, 0.2, seed=0)
    assert set(labels[part]) == set(labels[rest]) == {0, 1}


def test_string_labels_take_their_names_from_the_data_when_the_user_did_not_set_them(capsys):
    raw = datasets.Dataset.from_dict({"text": ["a", "b", "c"], "label": ["pos", "neg", "pos"]})
    ds = data.prepare_labelled(raw, label_names=["negativo", "positivo"], infer_label_names=True)
    assert data.label_names_of(ds) == ["neg", "pos"] and ds["label"] == [1, 0, 1]
    assert "se usan las de los datos" in capsys.readouterr().out
    with pytest.raises(CourseParameterError, match=r'LABEL_NAMES=.*pon LABEL_NAMES = \["neg", "pos"\]'):
        data.prepare_labelled(raw, label_names=["negativo", "positivo"])  # fijados por el usuario: error


def test_profile_n_per_class_is_capped_to_the_data_only_when_asked(capsys):
    raw = datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(130)], "label": [0] * 60 + [1] * 70})
    raw = raw.cast_column("label", datasets.ClassLabel(names=["neg", "pos"]))
    with pytest.raises(CourseParameterError, match=r"N_PER_CLASS=250 .*solo tiene 60"):
        data.evaluation_splits(raw, None, n_per_class=250, validation_size=0.2, n_test=None)
    parts = data.evaluation_splits(raw, None, n_per_class=250, validation_size=0.2, n_test=None, cap_n_per_class=True)
    assert sum(len(parts.splits[name]) for name in parts.splits) == 120 and parts.n_per_class == 60
    assert "se usan 60 por clase" in capsys.readouterr().out


def test_column_values_reads_the_whole_column_as_a_list():
    from datasets import Dataset

    ds = Dataset.from_dict({"text": ["a", "b", "c"], "label": [1, 0, 1]})
    values = data.column_values(ds, "label")
    assert values == [1, 0, 1] and isinstance(values, list)
    assert data.column_values(ds.select([2, 0]), "text") == ["c", "a"]  # respeta una selección de filas


def test_column_values_names_a_missing_column():
    from datasets import Dataset

    with pytest.raises(CourseParameterError, match="'etiqueta'.*columnas disponibles"):
        data.column_values(Dataset.from_dict({"text": ["a"]}), "etiqueta")
