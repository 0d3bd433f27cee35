"""course_utils.training: argumentos del curso, pérdida correcta con acumulación de gradiente (también
en DDP) y predicción en el orden del conjunto."""

import json
import math
import os
import signal
import subprocess
import sys

import datasets
import numpy as np
import pytest
import torch

from course_utils import data, params, runtime, training, uncertainty

from . import ddp_loss_worker
from .conftest import ROOT, make_tiny_bert


def small_params(grad_accum):
    return params.validate_training_params(
        n_per_class=8, epochs=1, batch_size=2, grad_accum=grad_accum, learning_rate=1e-5, warmup=0.0,
        max_length=16, mc_passes=2, threshold=0.6, test_size=0.25, seed=0,
    )


def test_training_arguments_use_current_api(tmp_path):
    args = training.training_arguments(tmp_path, small_params(4), device="cpu",
                                       precision=runtime.Precision(False, False))
    assert args.eval_strategy == "epoch" and args.save_strategy == "epoch"
    assert args.load_best_model_at_end and args.metric_for_best_model == "f1"
    assert args.warmup_steps == 0.0 and args.gradient_accumulation_steps == 4
    assert args.train_sampling_strategy == "group_by_length" and args.report_to == []
    assert args.use_cpu and not args.bf16 and not args.fp16


def initial_loss(tokenizer):
    """Entropía cruzada media del modelo inicial (sin dropout) en las 8 reseñas: lo que debe registrar el paso 1."""
    model = make_tiny_bert(hidden_dropout=0.0, attention_dropout=0.0)
    enc = tokenizer(ddp_loss_worker.TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        return float(model(**enc, labels=torch.tensor(ddp_loss_worker.LABELS)).loss)


def test_logged_loss_with_gradient_accumulation_equals_loss_without(tmp_path, tokenizer):
    # El mismo paso de 8 reseñas: 4 minilotes de 2 acumulados frente a un lote de 8.
    accumulated = ddp_loss_worker.one_step(2, 4, str(tmp_path / "ga4"), tokenizer)
    single = ddp_loss_worker.one_step(8, 1, str(tmp_path / "ga1"), tokenizer)
    assert accumulated["steps"] == single["steps"] == 1
    # Sin la corrección, la pérdida y la norma del gradiente acumulados salen × 4.
    assert accumulated["loss"] == pytest.approx(single["loss"], rel=1e-4)
    assert accumulated["grad_norm"] == pytest.approx(single["grad_norm"], rel=1e-3)
    assert single["loss"] == pytest.approx(initial_loss(tokenizer), rel=1e-4)


@pytest.mark.slow
def test_logged_loss_is_a_mean_under_ddp(tmp_path, tokenizer):
    """Dos procesos DDP en CPU (gloo) × 2 minilotes de 2 acumulados: el mismo paso de 8 reseñas.

    ``trainer.loss_is_scaled_for_ga = False`` (la corrección anterior) registraba 2 × la pérdida y 2 × el
    gradiente, porque ``compute_loss`` la multiplica por el número de procesos.
    """
    out = tmp_path / "ddp.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(ROOT / "tests" / "ddp_loss_worker.py"), "2", "2", str(out)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:  # también los procesos hijos de torchrun
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr[-3000:]
    ddp = json.loads(out.read_text())
    single = ddp_loss_worker.one_step(8, 1, str(tmp_path / "single"), tokenizer)
    assert ddp["world_size"] == 2 and ddp["steps"] == 1
    assert ddp["loss"] == pytest.approx(single["loss"], rel=1e-4)
    assert ddp["grad_norm"] == pytest.approx(single["grad_norm"], rel=1e-3)


def test_logged_loss_is_a_mean_under_gradient_accumulation(tmp_path, tokenizer):
    ds = data.prepare_labelled(datasets.Dataset.from_dict({"text": [f"text number {i}" for i in range(16)],
                                                           "label": [0, 1] * 8}))
    parts = data.stratified_split(ds, 0.25, seed=0)
    splits = datasets.DatasetDict({"train": parts["train"], "validation": parts["test"]})
    tokenized = training.tokenize_splits(splits, tokenizer, max_length=16)
    p = small_params(4)
    trainer = training.make_trainer(
        make_tiny_bert(), tokenizer, tokenized,
        training.training_arguments(tmp_path, p, device="cpu", precision=runtime.Precision(False, False))
    )
    result = trainer.train()
    # Pérdida inicial de un clasificador binario al azar ≈ ln 2 = 0.69; sin la corrección sería ≈ 4 × 0.69.
    assert 0.4 < result.training_loss < 1.0
    assert math.isfinite(result.training_loss)


def varied_length_splits(tokenizer, n=120):
    """Reseñas de 1 a 59 palabras en orden aleatorio: group_by_length las reordenaría."""
    rng = np.random.default_rng(0)
    texts = [" ".join(["word"] * int(k)) for k in rng.integers(1, 60, n)]
    labels = rng.integers(0, 2, n).tolist()
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels})
    splits = datasets.DatasetDict({"train": ds.select(range(8)), "validation": ds, "test": ds})
    return training.tokenize_splits(splits, tokenizer, max_length=64)


def test_predict_and_evaluate_keep_dataset_order_with_group_by_length(tmp_path, tokenizer):
    tokenized = varied_length_splits(tokenizer)
    args = training.training_arguments(tmp_path, small_params(1), device="cpu",
                                       precision=runtime.Precision(False, False))
    assert args.train_sampling_strategy == "group_by_length"
    trainer = training.make_trainer(make_tiny_bert(), tokenizer, tokenized, args)
    out = trainer.predict(tokenized["test"])
    assert np.array_equal(out.label_ids, np.asarray(tokenized["test"]["label"]))
    # Fila a fila: la reseña i recibe sus propios logits (un texto cada vez, sin relleno).
    model = trainer.model.eval()
    with torch.no_grad():
        for i in [0, 1, 57, 119]:
            enc = tokenizer(tokenized["test"][i]["text"], truncation=True, max_length=64, return_tensors="pt")
            np.testing.assert_allclose(out.predictions[i], model(**enc).logits[0].numpy(), atol=1e-5)
    # La evaluación (la que elige la mejor época) recorre el mismo conjunto en orden.
    assert list(trainer.get_eval_dataloader().sampler) == list(range(len(tokenized["validation"])))


def test_predict_logits_agrees_with_trainer_predict_in_order(tmp_path, tokenizer):
    # Los dos caminos de inferencia del curso (Trainer y uncertainty.predict_logits) dan los mismos logits, fila a fila.
    tokenized = varied_length_splits(tokenizer)
    args = training.training_arguments(tmp_path, small_params(1), device="cpu",
                                       precision=runtime.Precision(False, False))
    trainer = training.make_trainer(make_tiny_bert(), tokenizer, tokenized, args)
    from_trainer = trainer.predict(tokenized["test"]).predictions
    direct = uncertainty.predict_logits(trainer.model, tokenizer, list(tokenized["test"]["text"]), max_length=64,
                                        batch_size=7)
    assert direct.shape == from_trainer.shape == (len(tokenized["test"]), 2)
    np.testing.assert_allclose(direct, from_trainer, atol=1e-5)
