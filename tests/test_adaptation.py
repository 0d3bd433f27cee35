"""course_utils.adaptation: congelar capas, LoRA con peft, rasgos congelados y medida de memoria."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import CourseParameterError, adaptation
from tests.conftest import make_tiny_bert

TEXTS = ["una película excelente", "aburrida y larga", "me gustó mucho el final", "no la recomiendo"]


def _batch(tokenizer, texts=TEXTS):
    return tokenizer(texts, padding=True, truncation=True, max_length=16, return_tensors="pt")


def _train_steps(model, tokenizer, steps=3):
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    batch = _batch(tokenizer)
    labels = torch.tensor([1, 0, 1, 0])
    for _ in range(steps):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()


def test_frozen_parameters_bitwise_unchanged_and_top_layer_moves(tokenizer):
    model = make_tiny_bert()
    counts = adaptation.freeze_all_but_top(model, 1)
    snapshot = adaptation.parameters_snapshot(model)
    top_before = model.bert.encoder.layer[1].attention.self.query.weight.detach().clone()
    assert any(name.startswith("bert.embeddings") for name in snapshot)
    assert any(name.startswith("bert.encoder.layer.0.") for name in snapshot)
    assert not any(name.startswith("bert.encoder.layer.1.") or name.startswith("classifier") for name in snapshot)
    _train_steps(model, tokenizer)
    assert adaptation.changed_parameters(model, snapshot) == []
    assert not torch.equal(model.bert.encoder.layer[1].attention.self.query.weight, top_before)
    expected = sum(p.numel() for n, p in model.named_parameters()
                   if n.startswith(("bert.encoder.layer.1.", "bert.pooler", "classifier")))
    assert counts.trainable == expected
    assert counts.total == sum(p.numel() for p in model.parameters())


def test_freeze_k_extremes():
    model = make_tiny_bert()
    head_only = adaptation.freeze_all_but_top(model, 0)
    head = sum(p.numel() for n, p in model.named_parameters() if n.startswith(("bert.pooler", "classifier")))
    assert head_only.trainable == head
    everything = adaptation.freeze_all_but_top(model, 2)
    embeddings = sum(p.numel() for p in model.bert.embeddings.parameters())
    assert everything.trainable == everything.total - embeddings


@pytest.mark.parametrize("k", [-1, 3, 1.5, True, "2"])
def test_freeze_bad_k(k):
    with pytest.raises(CourseParameterError, match="k="):
        adaptation.freeze_all_but_top(make_tiny_bert(), k)


def test_freeze_rejects_non_bert():
    with pytest.raises(CourseParameterError, match="encoder.layer"):
        adaptation.freeze_all_but_top(torch.nn.Linear(3, 2), 0)


@pytest.mark.parametrize("targets", [["query", "value"], ["query", "key", "value", "attention.output.dense"]])
def test_lora_trainable_count_matches_formula(targets):
    from peft import get_peft_model

    model = make_tiny_bert()
    r = 4
    formula = adaptation.lora_parameter_count(model, r=r, target_modules=targets)
    # A mano: 2 capas × len(targets) proyecciones de 32 → 32, cada una r·(32 + 32); cabeza 32·2 + 2.
    assert formula.lora == 2 * len(targets) * r * (32 + 32)
    assert formula.head == 32 * 2 + 2
    peft_model = get_peft_model(model, adaptation.lora_config(r=r, alpha=8, target_modules=targets))
    assert adaptation.count_parameters(peft_model).trainable == formula.total
    trainable, _ = peft_model.get_nb_trainable_parameters()
    assert trainable == formula.total


def test_lora_adapter_round_trip(tmp_path, tokenizer):
    from peft import PeftModel, get_peft_model

    peft_model = get_peft_model(make_tiny_bert(seed=1), adaptation.lora_config(r=4, alpha=8, dropout=0.0))
    _train_steps(peft_model, tokenizer)
    batch = _batch(tokenizer)
    with torch.no_grad():
        before = peft_model(**batch).logits
    peft_model.save_pretrained(tmp_path / "adaptador")
    saved = {p.name for p in (tmp_path / "adaptador").iterdir()}
    assert "adapter_config.json" in saved
    # El adaptador se carga sobre el mismo modelo base (misma semilla = mismos pesos base).
    reloaded = PeftModel.from_pretrained(make_tiny_bert(seed=1), tmp_path / "adaptador")
    reloaded.eval()
    with torch.no_grad():
        after = reloaded(**batch).logits
    assert torch.equal(before, after)


def test_partially_frozen_model_round_trip(tmp_path, tokenizer):
    from transformers import AutoModelForSequenceClassification

    model = make_tiny_bert()
    adaptation.freeze_all_but_top(model, 1)
    _train_steps(model, tokenizer)
    batch = _batch(tokenizer)
    with torch.no_grad():
        before = model(**batch).logits
    model.save_pretrained(tmp_path / "modelo")
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path / "modelo").eval()
    with torch.no_grad():
        assert torch.equal(before, reloaded(**batch).logits)


@pytest.mark.parametrize("kwargs, name", [
    ({"r": 0}, "r="), ({"alpha": 0}, "alpha="), ({"target_modules": "query"}, "target_modules="),
    ({"target_modules": []}, "target_modules="), ({"dropout": 1.0}, "dropout="),
])
def test_lora_config_bad_inputs(kwargs, name):
    with pytest.raises(CourseParameterError, match=name):
        adaptation.lora_config(**kwargs)


def test_lora_count_unknown_target():
    with pytest.raises(CourseParameterError, match="target_modules="):
        adaptation.lora_parameter_count(make_tiny_bert(), r=4, target_modules=["q_proj"])


def test_mean_pooled_features_ignore_padding_and_keep_order(tokenizer):
    model = make_tiny_bert()
    features = adaptation.mean_pooled_features(model, tokenizer, TEXTS, max_length=16, batch_size=3)
    assert features.shape == (4, 32) and features.dtype == np.float32
    # Cada texto solo (sin relleno) da el mismo vector que dentro de un lote con relleno.
    for i, text in enumerate(TEXTS):
        alone = adaptation.mean_pooled_features(model, tokenizer, [text], max_length=16)
        np.testing.assert_allclose(alone[0], features[i], atol=1e-5)
    with pytest.raises(CourseParameterError, match="texts="):
        adaptation.mean_pooled_features(model, tokenizer, [], max_length=16)


def test_measure_peak_memory_cpu_sees_an_allocation():
    with adaptation.measure_peak_memory("cpu", interval=0.005) as peak:
        big = torch.ones(64 * 2**20 // 4)  # 64 MiB
        big += 1
        import time

        time.sleep(0.05)
        del big
    assert peak.peak_mib > 32 and peak.seconds > 0 and "RSS" in peak.method
    with pytest.raises(CourseParameterError, match="device="):
        with adaptation.measure_peak_memory("tpu"):
            pass
