"""MC dropout: aleatoriedad real, restauración de modos, determinismo, lotes alineados y errores."""

import warnings

import numpy as np
import pytest
import torch
from scipy.stats import entropy
from torch import nn

from course_utils import CourseParameterError, uncertainty

from .conftest import make_tiny_bert

BertEmbeddings = pytest.importorskip("transformers.models.bert.modeling_bert").BertEmbeddings

TEXTS = [
    "a wonderful film",
    "the worst plot i have ever seen, long and boring and painfully slow",
    "ok",
    "a truly great cast with a moving and clever story that kept me watching",
    "bad",
]


def predict(model, tokenizer, texts=TEXTS, **kwargs):
    kwargs.setdefault("max_length", 64)
    return uncertainty.mc_dropout_predict(model, tokenizer, texts, **kwargs)


def test_passes_differ_and_fields_have_documented_shapes(tiny_bert, tokenizer):
    result = predict(tiny_bert, tokenizer, n_passes=4)
    assert result.pass_probs.shape == (4, len(TEXTS), 2)
    assert not np.allclose(result.pass_probs[0], result.pass_probs[1])
    assert np.allclose(result.pass_probs.sum(axis=-1), 1.0, atol=1e-5)
    assert np.allclose(result.mean_probs, result.pass_probs.mean(axis=0))
    assert np.allclose(result.std_probs, result.pass_probs.std(axis=0))
    assert result.confidence.shape == result.predicted.shape == result.mutual_information.shape == (len(TEXTS),)
    # Medidas recalculadas con scipy a partir de las pasadas (la información mutua ya está recortada en 0,
    # así que «>= 0» no podía fallar): H[p̄], media_t H[p_t] y su diferencia.
    predictive = entropy(result.mean_probs, axis=-1)
    expected = entropy(result.pass_probs, axis=-1).mean(axis=0)
    np.testing.assert_allclose(result.predictive_entropy, predictive, atol=1e-9)
    np.testing.assert_allclose(result.expected_entropy, expected, atol=1e-9)
    np.testing.assert_allclose(result.mutual_information, predictive - expected, atol=1e-9)
    assert result.mutual_information.max() > 1e-6  # las pasadas difieren: hay información mutua
    assert result.label_names == ["clase0", "clase1"]


def test_attention_dropout_alone_makes_passes_differ(tokenizer):
    # Solo dropout de atención: en transformers 5 la aplica el módulo de atención según su propio
    # `training`, no un nn.Dropout. Si no se activara, las pasadas serían idénticas.
    model = make_tiny_bert(hidden_dropout=0.0, attention_dropout=0.5, classifier_dropout=0.0)
    active = uncertainty.stochastic_modules(model)
    assert {type(m).__name__ for m in active} >= {"BertSelfAttention"}
    result = predict(model, tokenizer, n_passes=3)
    assert not np.allclose(result.pass_probs[0], result.pass_probs[1])


def test_modules_with_float_dropout_attribute_are_activated():
    # Atención al estilo de Llama: guarda la probabilidad como float y llama a F.dropout(training=self.training).
    class FloatDropoutAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention_dropout = 0.2
            self.proj = nn.Linear(4, 4)

    model = nn.Sequential(FloatDropoutAttention(), nn.Linear(4, 2)).eval()
    active = uncertainty.stochastic_modules(model)
    assert [type(m).__name__ for m in active] == ["FloatDropoutAttention"]
    with uncertainty.mc_dropout_mode(model):
        assert model[0].training and not model[0].proj.training and not model.training
    assert not model[0].training


def test_every_training_flag_restored(tiny_bert, tokenizer):
    tiny_bert.eval()
    tiny_bert.bert.encoder.layer[0].train()  # un estado mixto, para ver que se restaura tal cual
    before = {name: m.training for name, m in tiny_bert.named_modules()}
    predict(tiny_bert, tokenizer, n_passes=2)
    assert {name: m.training for name, m in tiny_bert.named_modules()} == before


def test_training_flags_restored_after_exception(tiny_bert):
    before = {name: m.training for name, m in tiny_bert.named_modules()}
    with pytest.raises(RuntimeError, match="fallo simulado"):
        with uncertainty.mc_dropout_mode(tiny_bert) as active:
            assert all(m.training for m in active)
            assert not tiny_bert.training or tiny_bert in active
            raise RuntimeError("fallo simulado")
    assert {name: m.training for name, m in tiny_bert.named_modules()} == before


@pytest.mark.parametrize("mode", ["full", "head", "top"])
def test_training_flags_restored_when_the_forward_raises_mid_prediction(tokenizer, mode):
    model = make_tiny_bert(classifier_dropout=0.5)
    model.bert.encoder.layer[0].train()  # estado mixto
    before = {name: m.training for name, m in model.named_modules()}
    calls = []

    def fail_on_second_batch(module, args, output):
        calls.append(any(m.training for m in module.modules()))
        if len(calls) == 2:
            raise RuntimeError("fallo simulado en el segundo lote")

    handle = model.register_forward_hook(fail_on_second_batch)
    try:
        with pytest.raises(RuntimeError, match="segundo lote"):
            predict(model, tokenizer, n_passes=2, mode=mode, batch_size=1)
    finally:
        handle.remove()
    assert len(calls) == 2 and calls[0] == (mode != "head")  # el fallo llegó a mitad de la predicción
    assert {name: m.training for name, m in model.named_modules()} == before
    assert isinstance(model.bert.embeddings, BertEmbeddings) and len(model.bert.encoder.layer) == 2  # sin sustitutos


@pytest.mark.parametrize("mode", ["full", "top"])
def test_training_flags_restored_when_consuming_a_batch_raises(tokenizer, mode):
    # El fallo ocurre fuera del modelo, al guardar el segundo lote (3 clases en vez de 2), con el generador
    # de pasadas suspendido y la excepción (y su traza) aún viva, como en IPython.
    model = make_tiny_bert()
    modules = dict(model.named_modules())
    before = {name: m.training for name, m in model.named_modules()}
    calls = []

    def widen_second_batch(module, args, output):
        calls.append(1)
        if len(calls) == 2:
            output.logits = torch.cat([output.logits, output.logits[:, :1]], dim=-1)
        return output

    handle = model.register_forward_hook(widen_second_batch)
    try:
        with pytest.raises(ValueError) as kept:
            predict(model, tokenizer, n_passes=2, batch_size=1, mode=mode, top_layers=1)
    finally:
        handle.remove()
    assert kept.value is not None and len(calls) == 2
    assert {name: m.training for name, m in model.named_modules()} == before
    assert dict(model.named_modules()) == modules  # los mismos objetos: embeddings y capas devueltos a su sitio


def test_three_classes(tokenizer):
    model = make_tiny_bert(num_labels=3, classifier_dropout=0.5)
    result = predict(model, tokenizer, n_passes=6, threshold=0.4, seed=0)
    assert result.pass_probs.shape == (6, len(TEXTS), 3)
    assert result.label_names == ["clase0", "clase1", "clase2"]  # de model.config.id2label
    np.testing.assert_allclose(result.pass_probs.sum(axis=-1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(result.predicted, result.mean_probs.argmax(axis=-1))
    np.testing.assert_allclose(result.confidence, result.mean_probs.max(axis=-1))
    np.testing.assert_allclose(result.mutual_information,
                               entropy(result.mean_probs, axis=-1) - entropy(result.pass_probs, axis=-1).mean(axis=0),
                               atol=1e-9)
    np.testing.assert_array_equal(result.abstained, result.confidence < 0.4)
    assert result.verdicts == ["incierto" if a else result.label_names[p]
                               for p, a in zip(result.predicted, result.abstained, strict=True)]
    frame = result.to_frame()
    assert list(frame.columns) == ["texto", "veredicto", "confianza", "p(clase0)", "std(clase0)", "p(clase1)",
                                   "std(clase1)", "p(clase2)", "std(clase2)", "entropía", "info. mutua"]
    np.testing.assert_allclose(frame["p(clase2)"], result.mean_probs[:, 2])
    # 0.4 sí puede abstener con 3 clases (con 2 no podría); 1/3 nunca.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predict(model, tokenizer, n_passes=2, threshold=0.4)
    with pytest.warns(UserWarning, match=r"nunca abstiene: con 3 clases"):
        predict(model, tokenizer, n_passes=2, threshold=1 / 3)


def test_three_classes_stay_aligned_with_inputs(tokenizer):
    # Dropout casi nula: cada pasada es la predicción en modo evaluación de su propio texto, también con 3 clases.
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9, classifier_dropout=1e-9, num_labels=3)
    result = predict(model, tokenizer, n_passes=3, batch_size=2)
    expected = torch.softmax(torch.from_numpy(uncertainty.predict_logits(model, tokenizer, TEXTS, max_length=64,
                                                                         batch_size=1)), -1)
    for one_pass in result.pass_probs:
        np.testing.assert_allclose(one_pass, expected.numpy(), atol=1e-5)


def test_same_seed_same_result_and_global_rng_untouched(tiny_bert, tokenizer):
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = predict(tiny_bert, tokenizer, n_passes=3, seed=7)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = predict(tiny_bert, tokenizer, n_passes=3, seed=7)
    c = predict(tiny_bert, tokenizer, n_passes=3, seed=8)
    np.testing.assert_array_equal(a.pass_probs, b.pass_probs)
    assert not np.allclose(a.pass_probs, c.pass_probs)


def test_batched_results_stay_aligned_with_inputs(tokenizer):
    # Dropout casi nula: cada pasada equivale a una en modo evaluación, así que el resultado por
    # lotes (ordenados por longitud) debe coincidir texto a texto con la predicción individual.
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9, seed=3)

    def one_by_one():
        with torch.no_grad():
            return np.stack([torch.softmax(model(**tokenizer([t], return_tensors="pt")).logits, -1)[0].numpy()
                             for t in TEXTS])

    # Cabeza ampliada y centrada entre el 2.º y el 3.er texto: así las predicciones difieren entre textos.
    with torch.no_grad():
        model.classifier.weight.mul_(200.0)
        probs = one_by_one()
        gaps = np.sort(np.log(probs[:, 1] / probs[:, 0]))
        model.classifier.bias[1] -= float((gaps[1] + gaps[2]) / 2)
    single = one_by_one()
    assert len(set(single.argmax(-1))) == 2, "el caso de prueba necesita predicciones distintas"
    result = predict(model, tokenizer, n_passes=3, batch_size=2)
    np.testing.assert_allclose(result.mean_probs, single, atol=1e-5)
    np.testing.assert_array_equal(result.predicted, single.argmax(-1))
    assert result.texts == TEXTS


def test_token_budget_gives_same_result_as_one_big_batch(tokenizer):
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9)
    small = predict(model, tokenizer, n_passes=2, max_batch_tokens=16)
    big = predict(model, tokenizer, n_passes=2, batch_size=64, max_batch_tokens=100_000)
    np.testing.assert_allclose(small.mean_probs, big.mean_probs, atol=1e-5)


def test_chunks_respect_token_budget(tokenizer):
    # Textos de 50, 10, 30, 10 y 40 tokens (con [CLS] y [SEP]), por la función pública de los lotes.
    texts = [" ".join(["film"] * (n - 2)) for n in (50, 10, 30, 10, 40)]
    lengths = np.array([len(ids) for ids in tokenizer(texts)["input_ids"]])
    assert lengths.tolist() == [50, 10, 30, 10, 40]
    batches = list(uncertainty.length_sorted_batches(tokenizer, texts, max_length=64, device="cpu", n_passes=2,
                                                     batch_size=8, max_batch_tokens=200))
    chunks = [rows for rows, _ in batches]
    assert sorted(np.concatenate(chunks).tolist()) == [0, 1, 2, 3, 4]
    for rows, batch in batches:
        assert len(rows) == 1 or len(rows) * 2 * lengths[rows].max() <= 200
        assert batch["input_ids"].shape == (2 * len(rows), lengths[rows].max())  # T copias, relleno hasta el más largo


def test_default_budget_depends_on_device_and_mode():
    assert uncertainty.default_batch_tokens("cpu", mode="full", n_passes=5, max_length=256) == 5 * 256
    assert uncertainty.default_batch_tokens(torch.device("cpu"), mode="head", n_passes=5,
                                            max_length=256) == uncertainty.DEFAULT_BATCH_TOKENS
    assert uncertainty.default_batch_tokens("cuda", mode="full", n_passes=5,
                                            max_length=256) == uncertainty.DEFAULT_BATCH_TOKENS
    # Modo «top» en CPU: con dropout en la atención, como el completo; sin él, más tokens para las capas bajas.
    assert uncertainty.default_batch_tokens("cpu", mode="top", n_passes=5, max_length=512) == 5 * 512
    assert uncertainty.default_batch_tokens("cpu", mode="top", n_passes=5, max_length=512,
                                            attention_dropout=False) == uncertainty.CPU_TOP_BATCH_TOKENS == 8192
    assert uncertainty.default_batch_tokens("cpu", mode="top", n_passes=20, max_length=512,
                                            attention_dropout=False) == 20 * 512  # nunca menos que un texto largo
    assert uncertainty.default_batch_tokens("cpu", mode="full", n_passes=5, max_length=512,
                                            attention_dropout=False) == 5 * 512
    assert uncertainty.default_batch_tokens("cuda", mode="top", n_passes=5, max_length=512,
                                            attention_dropout=False) == uncertainty.DEFAULT_BATCH_TOKENS


def test_attention_dropout_is_read_from_the_config(tokenizer):
    from transformers import GPT2Config, GPT2ForSequenceClassification

    assert uncertainty.has_attention_dropout(make_tiny_bert(attention_dropout=0.1))
    assert not uncertainty.has_attention_dropout(make_tiny_bert(attention_dropout=0.0))
    # Sin el campo (GPT-2 lo llama attn_pdrop): no se sabe, así que se supone que sí.
    assert uncertainty.has_attention_dropout(GPT2ForSequenceClassification(GPT2Config(n_layer=1, n_embd=8, n_head=2)))


def test_top_mode_on_cpu_without_attention_dropout_gives_the_lower_layers_more_texts(tokenizer):
    shapes = {}
    for attention in (0.1, 0.0):
        model = make_tiny_bert(attention_dropout=attention)
        seen = shapes.setdefault(attention, [])
        hook = model.bert.encoder.layer[0].register_forward_pre_hook(
            lambda m, a, kw, seen=seen: seen.append(tuple(a[0].shape[:2])), with_kwargs=True)
        try:
            uncertainty.mc_dropout_predict(model, tokenizer, TEXTS * 20, n_passes=5, max_length=16, mode="top",
                                           top_layers=1)
        finally:
            hook.remove()
    # Con dropout en la atención: 5 × 16 = 80 tokens por llamada, así que la capa baja ve 1 texto de 16 (o pocos
    # cortos).
    assert max(rows * length for rows, length in shapes[0.1]) <= 16
    # Sin él: 8192 tokens por llamada (hasta batch_size=16 textos), así que la capa baja ve muchos a la vez.
    assert max(rows for rows, _ in shapes[0.0]) == 16


def test_cpu_full_mode_default_budget_one_long_text_or_several_short(tiny_bert, tokenizer):
    shapes = []
    hook = tiny_bert.register_forward_pre_hook(lambda m, a, kw: shapes.append(tuple(kw["input_ids"].shape)),
                                               with_kwargs=True)
    try:
        result = predict(tiny_bert, tokenizer, n_passes=3, max_length=16)
    finally:
        hook.remove()
    assert result.pass_probs.shape == (3, len(TEXTS), 2)
    budget = 3 * 16
    assert all(rows * length <= budget for rows, length in shapes), shapes
    assert shapes[0] == (3, 16), "el texto más largo (truncado a 16) va solo con sus 3 copias"
    assert any(rows > 3 for rows, _ in shapes), "los textos cortos deberían compartir llamada"


def test_abstention_with_threshold(tiny_bert, tokenizer):
    result = predict(tiny_bert, tokenizer, n_passes=3, threshold=0.999)
    assert result.abstained.all()
    assert result.verdicts == ["incierto"] * len(TEXTS)
    with pytest.warns(UserWarning, match="nunca abstiene"):
        confident = predict(tiny_bert, tokenizer, n_passes=3, threshold=0.0)
    assert not confident.abstained.any()
    assert confident.verdicts == [confident.label_names[i] for i in confident.predicted]
    frame = result.to_frame()
    assert list(frame["veredicto"]) == result.verdicts
    assert {"texto", "confianza", "p(clase0)", "std(clase1)", "entropía", "info. mutua"} <= set(frame.columns)


def test_threshold_that_can_never_abstain_warns(tiny_bert, tokenizer):
    with pytest.warns(UserWarning, match=r"threshold=0.5 nunca abstiene"):
        predict(tiny_bert, tokenizer, n_passes=2, threshold=0.5)


def test_uncertainty_measures_hand_computed():
    # Dos pasadas que discrepan por completo: p̄ = (0.5, 0.5), H[p̄] = ln 2, cada pasada H = 0 → MI = ln 2.
    probs = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    m = uncertainty.uncertainty_measures(probs)
    assert m["mean_probs"].tolist() == [[0.5, 0.5]]
    assert m["predictive_entropy"][0] == pytest.approx(np.log(2))
    assert m["expected_entropy"][0] == pytest.approx(0.0, abs=1e-9)
    assert m["mutual_information"][0] == pytest.approx(np.log(2))
    # Pasadas idénticas e inseguras: toda la entropía es del dato, MI = 0.
    same = uncertainty.uncertainty_measures(np.array([[[0.5, 0.5]], [[0.5, 0.5]]]))
    assert same["mutual_information"][0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(CourseParameterError, match=r"forma \(T, N, C\)"):
        uncertainty.uncertainty_measures(np.zeros((2, 2)))


def test_refuses_batch_norm(tokenizer):
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.1)).eval()
    with pytest.raises(CourseParameterError, match=r"batch normalization \(1\)"):
        with uncertainty.mc_dropout_mode(model):
            pass
    assert not any(m.training for m in model.modules())


def test_refuses_model_without_active_dropout(tokenizer):
    model = make_tiny_bert(hidden_dropout=0.0, attention_dropout=0.0, classifier_dropout=0.0)
    with pytest.raises(CourseParameterError, match=r"no tiene ningún dropout activo"):
        predict(model, tokenizer)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"texts": "un texto suelto"}, r"es un texto suelto, no una lista.*\[texto\]"),
        ({"texts": []}, r"la lista está vacía"),
        ({"texts": ["bien", ""]}, r"el elemento 1 no es un texto o está vacío"),
        ({"n_passes": 0}, r"n_passes=0 .*al menos 1 pasada"),
        ({"max_length": 4}, r"MAX_LENGTH=4 "),
        ({"max_length": 1000}, r"MAX_LENGTH=1000 .*solo admite 128 tokens"),
        ({"threshold": 1.2}, r"threshold=1.2 .*\[0.0, 1.0\]"),
        ({"batch_size": 0}, r"batch_size=0"),
        ({"max_batch_tokens": 0}, r"max_batch_tokens=0 .*mayor o igual que 8"),
        ({"seed": -1}, r"seed=-1 "),
    ],
)
def test_input_errors(tiny_bert, tokenizer, kwargs, pattern):
    texts = kwargs.pop("texts", TEXTS)
    with pytest.raises(CourseParameterError, match=pattern):
        uncertainty.mc_dropout_predict(tiny_bert, tokenizer, texts, **{"max_length": 64, **kwargs})


def test_packaged_minilm_mc_dropout(minilm):
    # Realismo: el modelo empaquetado (6 capas BERT), con todas sus dropouts activadas y luego restauradas.
    result = uncertainty.mc_dropout_predict(minilm.model, minilm.tokenizer, TEXTS, n_passes=3, max_length=64,
                                            threshold=0.6)
    assert result.pass_probs.shape == (3, len(TEXTS), 2)
    assert not np.allclose(result.pass_probs[0], result.pass_probs[1])
    assert not any(m.training for m in minilm.model.modules())
    assert result.label_names == ["negativo", "positivo"]


def test_predict_logits_in_input_order_and_restores_mode(tiny_bert, tokenizer):
    tiny_bert.train()
    logits = uncertainty.predict_logits(tiny_bert, tokenizer, TEXTS, max_length=64, batch_size=2)
    assert tiny_bert.training and all(m.training for m in tiny_bert.modules())
    tiny_bert.eval()
    with torch.no_grad():
        expected = np.stack([tiny_bert(**tokenizer([t], return_tensors="pt")).logits[0].numpy() for t in TEXTS])
    np.testing.assert_allclose(logits, expected, atol=1e-5)
    with pytest.raises(CourseParameterError, match=r"la lista está vacía"):
        uncertainty.predict_logits(tiny_bert, tokenizer, [])


def test_head_mode_samples_only_the_head(tokenizer):
    model = make_tiny_bert(hidden_dropout=0.1, attention_dropout=0.1, classifier_dropout=0.5)
    before = {name: m.training for name, m in model.named_modules()}
    result = predict(model, tokenizer, n_passes=4, mode="head", seed=3)
    assert not np.allclose(result.pass_probs[0], result.pass_probs[1])
    assert {name: m.training for name, m in model.named_modules()} == before
    np.testing.assert_array_equal(result.pass_probs,
                                  predict(model, tokenizer, n_passes=4, mode="head", seed=3).pass_probs)



def test_head_mode_runs_the_encoder_in_eval_mode(tokenizer):
    # Dropout 0.5 en el codificador y casi nula en la cabeza: si «solo cabeza» muestreara el codificador,
    # las pasadas se alejarían de la predicción en modo evaluación (como en «full», comprobado abajo).
    model = make_tiny_bert(hidden_dropout=0.5, attention_dropout=0.5, classifier_dropout=1e-9)
    eval_probs = torch.softmax(torch.from_numpy(uncertainty.predict_logits(model, tokenizer, TEXTS, max_length=64)),
                               -1).numpy()
    head = predict(model, tokenizer, n_passes=4, mode="head")
    for one_pass in head.pass_probs:
        np.testing.assert_allclose(one_pass, eval_probs, atol=1e-6)
    full = predict(model, tokenizer, n_passes=4, mode="full")
    assert np.abs(full.pass_probs - eval_probs).max() > 1e-4


def test_head_mode_errors(tokenizer):
    with pytest.raises(CourseParameterError, match=r"mode='head' .*el dropout de la cabeza es 0.*mode=\"full\""):
        predict(make_tiny_bert(classifier_dropout=0.0), tokenizer, mode="head")
    with pytest.raises(CourseParameterError, match=r"mode='rápido' .*elige una de: 'full', 'head'"):
        predict(make_tiny_bert(), tokenizer, mode="rápido")
    with pytest.raises(CourseParameterError, match=r"Sequential no tiene `classifier` y `dropout`"):
        uncertainty.classification_head(nn.Sequential(nn.Linear(2, 2)))


def test_bf16_autocast_gives_close_probabilities(tiny_bert, tokenizer):
    fp32 = predict(tiny_bert, tokenizer, n_passes=2, seed=1)
    bf16 = predict(tiny_bert, tokenizer, n_passes=2, seed=1, precision="bf16")
    assert bf16.pass_probs.dtype == np.float64
    np.testing.assert_allclose(bf16.pass_probs, fp32.pass_probs, atol=0.05)
    with pytest.raises(CourseParameterError, match=r"precision='fp8'"):
        predict(tiny_bert, tokenizer, precision="fp8")


def test_label_names_of_the_wrong_length_raise(tokenizer):
    from course_utils import CourseParameterError

    from .conftest import make_tiny_bert

    # Antes se sustituían en silencio por "0", "1"...
    with pytest.raises(CourseParameterError, match=r"label_names=\['a', 'b', 'c'\] .*3 nombres y el modelo 2 clases"):
        uncertainty.mc_dropout_predict(make_tiny_bert(), tokenizer, ["hola"], n_passes=2, max_length=16,
                                       label_names=["a", "b", "c"])


def test_seeding_touches_only_the_generators_it_restores(tokenizer, monkeypatch):
    # torch.manual_seed siembra todas las GPU y fork_rng solo restaura las indicadas: en una máquina con varias, el
    # estado global cambiaba. En CPU no debe sembrarse ninguna GPU ni MPS.
    from .conftest import make_tiny_bert

    model = make_tiny_bert()  # (construirlo siembra con torch.manual_seed: antes de espiar)
    calls = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda seed: calls.append(("cuda", seed)))
    monkeypatch.setattr(torch.mps, "manual_seed", lambda seed: calls.append(("mps", seed)))
    before = torch.random.get_rng_state()
    first = uncertainty.mc_dropout_predict(model, tokenizer, ["uno", "dos tres"], n_passes=3, max_length=16, seed=5)
    assert calls == [] and torch.equal(torch.random.get_rng_state(), before)
    again = uncertainty.mc_dropout_predict(model, tokenizer, ["uno", "dos tres"], n_passes=3, max_length=16, seed=5)
    assert np.array_equal(first.pass_probs, again.pass_probs)


def _eval_probs(model, tokenizer, texts=TEXTS):
    return torch.softmax(torch.from_numpy(uncertainty.predict_logits(model, tokenizer, texts, max_length=64)),
                         -1).numpy()


def _set_dropout(modules, p):
    for module in modules:
        for sub in module.modules():
            if isinstance(sub, nn.Dropout):
                sub.p = p


@pytest.mark.parametrize("top_layers", [1, 2])
def test_top_mode_without_dropout_equals_eval_mode(tokenizer, top_layers):
    # Dropout casi nula (1e-9: con 0 el modo MC se niega): cada pasada de «top» debe dar lo mismo que una
    # pasada en modo evaluación, lo que prueba que capas bajas y altas se empalman bien (máscara incluida).
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9, seed=5)
    expected = _eval_probs(model, tokenizer)
    result = predict(model, tokenizer, n_passes=3, mode="top", top_layers=top_layers, batch_size=2)
    for one_pass in result.pass_probs:
        np.testing.assert_allclose(one_pass, expected, atol=1e-6)


def test_top_mode_samples_only_the_top_layers(tokenizer):
    # Dropout 0.5 en embeddings y capa baja, casi nula arriba: «top» con k = 1 no debe notar la de abajo.
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9, classifier_dropout=1e-9)
    _set_dropout([model.bert.embeddings, model.bert.encoder.layer[0]], 0.5)
    expected = _eval_probs(model, tokenizer)
    low = predict(model, tokenizer, n_passes=3, mode="top", top_layers=1)
    np.testing.assert_allclose(low.pass_probs, np.broadcast_to(expected, low.pass_probs.shape), atol=1e-6)
    assert np.abs(predict(model, tokenizer, n_passes=3, mode="top", top_layers=2).pass_probs - expected).max() > 1e-4
    # Y al revés: dropout solo en la capa de arriba, sin cabeza: las pasadas difieren.
    model = make_tiny_bert(hidden_dropout=1e-9, attention_dropout=1e-9, classifier_dropout=1e-9)
    _set_dropout([model.bert.encoder.layer[1]], 0.5)
    top = predict(model, tokenizer, n_passes=3, mode="top", top_layers=1)
    assert not np.allclose(top.pass_probs[0], top.pass_probs[1])


def test_top_mode_with_every_layer_samples_like_full(tokenizer):
    # Con k = L solo quedan deterministas los embeddings: con su dropout a 0, «top» y «full» muestrean
    # las mismas máscaras en el mismo orden, así que con la misma semilla coinciden.
    model = make_tiny_bert(hidden_dropout=0.3, attention_dropout=0.3, classifier_dropout=0.3)
    _set_dropout([model.bert.embeddings], 0.0)
    full = predict(model, tokenizer, n_passes=3, mode="full", seed=4)
    top = predict(model, tokenizer, n_passes=3, mode="top", top_layers=2, seed=4)
    np.testing.assert_allclose(top.pass_probs, full.pass_probs, atol=1e-6)


def test_top_mode_stays_aligned_with_inputs_and_is_seeded(tokenizer):
    model = make_tiny_bert(hidden_dropout=0.2, attention_dropout=0.2, classifier_dropout=0.2, seed=2)
    model.bert.encoder.layer[0].train()  # estado mixto, que debe volver tal cual
    before = {name: m.training for name, m in model.named_modules()}
    batched = predict(model, tokenizer, n_passes=4, mode="top", top_layers=1, batch_size=2, seed=9)
    assert {name: m.training for name, m in model.named_modules()} == before
    model.eval()
    eval_probs = _eval_probs(model, tokenizer)
    for i, text in enumerate(TEXTS):
        alone = predict(model, tokenizer, [text], n_passes=200, mode="top", top_layers=1, seed=i)
        # Cada texto, solo, tiene una media de 200 pasadas cercana a la de su fila en el lote, no a la de otra.
        distances = np.abs(eval_probs[:, 1] - alone.mean_probs[0, 1])
        assert distances.argmin() == i or distances[i] < 0.02
        assert abs(alone.mean_probs[0, 1] - batched.mean_probs[i, 1]) < 0.15
    again = predict(model, tokenizer, n_passes=4, mode="top", top_layers=1, batch_size=2, seed=9)
    other = predict(model, tokenizer, n_passes=4, mode="top", top_layers=1, batch_size=2, seed=10)
    np.testing.assert_array_equal(again.pass_probs, batched.pass_probs)
    assert not np.allclose(other.pass_probs, batched.pass_probs)


@pytest.mark.parametrize(
    "top_layers, pattern",
    [(0, r"top_layers=0 .*entre 1 y 2"), (3, r"top_layers=3 .*solo tiene 2 capas.*entre 1 y 2"),
     (True, r"top_layers=True .*número entero"), ("2", r"top_layers='2' .*número entero")],
)
def test_top_mode_errors(tiny_bert, tokenizer, top_layers, pattern):
    with pytest.raises(CourseParameterError, match=pattern):
        predict(tiny_bert, tokenizer, mode="top", top_layers=top_layers)


def test_top_mode_needs_a_bert_like_encoder(tokenizer):
    with pytest.raises(CourseParameterError,
                       match=r"mode='top' .*Sequential no tiene `embeddings` y una lista `encoder.layer`"):
        predict(nn.Sequential(nn.Linear(2, 2)), tokenizer, mode="top")
    assert uncertainty.default_batch_tokens("cpu", mode="top", n_passes=5, max_length=256) == 5 * 256
