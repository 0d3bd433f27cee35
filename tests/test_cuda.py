"""El mismo código del curso en una GPU de verdad (CUDA): dispositivo, precisión, MC dropout y entrenamiento.

Se saltan donde no hay GPU (aquí y en CI). Las pruebas de CPU cubren la lógica; estas comprueban lo que
solo se ve en CUDA: que los tensores viajan al dispositivo del modelo, que las pasadas siguen alineadas
con los textos y sembradas con el generador de la GPU, que autocast bf16/fp16 da lo mismo que fp32 y que
``Trainer`` entrena con la precisión que elige el curso.
"""

import datasets
import numpy as np
import pytest
import torch

from course_utils import params, runtime, training, uncertainty

from .conftest import make_tiny_bert

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no hay GPU CUDA en esta máquina")

TEXTS = ["a wonderful film", "the plot was dull and far too long", "great cast, weak ending", "not bad at all",
         "i would not watch it again, not even for free", "superb"]


def cuda_bert(**kwargs):
    return make_tiny_bert(**kwargs).to("cuda")


def test_auto_device_and_precision_follow_this_gpu(capsys):
    assert runtime.resolve_device("auto") == "cuda"
    precision = runtime.mixed_precision("cuda")
    native_bf16 = torch.cuda.get_device_capability() >= (8, 0)
    assert (precision.bf16, precision.fp16) == (native_bf16, not native_bf16)
    out = capsys.readouterr().out
    assert f"Precisión numérica: {precision.name}" in out
    assert not torch.backends.cuda.cudnn_sdp_enabled() and "sin el núcleo cuDNN" in out


@pytest.mark.parametrize("mode", ["full", "head", "top"])
def test_mc_dropout_on_gpu_is_seeded_aligned_and_restores_modes(tokenizer, mode):
    model = cuda_bert()
    kwargs = {"n_passes": 4, "max_length": 32, "mode": mode, **({"top_layers": 1} if mode == "top" else {})}
    first = uncertainty.mc_dropout_predict(model, tokenizer, TEXTS, seed=3, **kwargs)
    again = uncertainty.mc_dropout_predict(model, tokenizer, TEXTS, seed=3, **kwargs)
    other = uncertainty.mc_dropout_predict(model, tokenizer, TEXTS, seed=4, **kwargs)
    assert first.pass_probs.shape == (4, len(TEXTS), 2)
    np.testing.assert_array_equal(first.pass_probs, again.pass_probs)  # el generador de la GPU, sembrado
    assert not np.array_equal(first.pass_probs, other.pass_probs)
    assert not model.training and not any(m.training for m in model.modules())
    # Alineación con los textos: en modo evaluación, invertir el orden de entrada invierte el de las filas.
    logits = uncertainty.predict_logits(model, tokenizer, TEXTS, max_length=32)
    reversed_logits = uncertainty.predict_logits(model, tokenizer, TEXTS[::-1], max_length=32)
    np.testing.assert_allclose(logits, reversed_logits[::-1], rtol=1e-4, atol=1e-5)


def test_gpu_and_cpu_give_the_same_deterministic_logits(tokenizer):
    model = make_tiny_bert()
    on_cpu = uncertainty.predict_logits(model, tokenizer, TEXTS, max_length=32)
    on_gpu = uncertainty.predict_logits(model.to("cuda"), tokenizer, TEXTS, max_length=32)
    np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-3, atol=1e-4)


def test_reduced_precision_mc_matches_fp32_on_gpu(tokenizer):
    model = cuda_bert()
    reduced = runtime.mixed_precision("cuda", verbose=False).name
    fp32 = uncertainty.mc_dropout_predict(model, tokenizer, TEXTS, n_passes=3, max_length=32, seed=0)
    low = uncertainty.mc_dropout_predict(model, tokenizer, TEXTS, n_passes=3, max_length=32, seed=0, precision=reduced)
    # Las mismas máscaras (misma semilla y formas): solo cambia el redondeo.
    np.testing.assert_allclose(low.mean_probs, fp32.mean_probs, atol=2e-2)
    assert low.mean_probs.dtype == fp32.mean_probs.dtype


def test_trainer_trains_on_the_gpu_with_the_chosen_precision(tmp_path, tokenizer):
    texts = [f"review number {w}" for w in "abcdefgh"]
    splits = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": texts, "label": [0, 1] * 4}),
        "validation": datasets.Dataset.from_dict({"text": texts[:4], "label": [0, 1] * 2}),
    })
    tokenized = training.tokenize_splits(splits, tokenizer, max_length=16).remove_columns("text")
    p = params.validate_training_params(n_per_class=4, epochs=2, batch_size=4, grad_accum=1, learning_rate=1e-3,
                                        warmup=0.0, max_length=16, mc_passes=2, threshold=0.6, test_size=0.25, seed=0)
    precision = runtime.mixed_precision("cuda", verbose=False)
    args = training.training_arguments(tmp_path, p, device="cuda", precision=precision)
    assert not args.use_cpu and (args.bf16, args.fp16) == (precision.bf16, precision.fp16)
    model = make_tiny_bert()
    before = model.classifier.weight.detach().clone()
    trainer = training.make_trainer(model, tokenizer, tokenized, args)
    trainer.train()
    assert next(trainer.model.parameters()).device.type == "cuda"
    assert trainer.state.global_step == 4
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    assert losses and all(np.isfinite(losses))
    assert not torch.equal(trainer.model.classifier.weight.detach().cpu(), before)
    # predict() en el orden del conjunto, también en GPU.
    out = trainer.predict(tokenized["validation"]).predictions
    model.eval()
    with torch.no_grad():
        enc = tokenizer(texts[:4], padding=True, return_tensors="pt").to("cuda")
        direct = model(**enc).logits.float().cpu().numpy()
    np.testing.assert_allclose(out, direct, atol=5e-2)
