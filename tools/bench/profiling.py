"""Sección ``profile``: dónde se va el tiempo de unos pasos del entrenamiento del curso, por categorías
(``torch.profiler``, solo en CPU)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from course_utils import models, profiles
from course_utils.params import validate_training_params
from course_utils.runtime import Precision
from tools.bench.common import COMMON_OPTIONS, Case, Env, Runner, Section, load_texts, peak_rss_mb, prepare_process

PROFILE_CATEGORIES = (
    ("datos (DataLoader y collator)", ()),
    ("optimizador (AdamW) y recorte del gradiente", ("_foreach_", "clip_grad", "aten::linalg_vector_norm")),
    ("productos de matrices", ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "mkldnn")),
    ("atención fusionada (SDPA)", ("aten::_scaled_dot_product", "aten::_flash_attention")),
    ("softmax de la atención", ("aten::_softmax", "aten::_softmax_backward_data")),
    ("dropout (máscaras bernoulli y su aplicación)",
     ("aten::bernoulli", "aten::native_dropout", "aten::dropout", "aten::_fused_dropout")),
    ("normalización de capa", ("aten::native_layer_norm",)),
    ("GELU", ("aten::gelu",)),
    ("copias y conversiones de tipo (autocast)",
     ("aten::copy_", "aten::_to_copy", "aten::to", "aten::clone", "aten::contiguous")),
    ("sumas, productos elemento a elemento y máscaras",
     ("aten::add", "aten::mul", "aten::div", "aten::sub", "aten::where", "aten::masked_fill", "aten::sum",
      "aten::fill_", "aten::zero_")),
)
REST = "resto (Python de Trainer, autograd y otras operaciones)"


@dataclass(frozen=True)
class ProfileCase(Case):
    """``steps`` pasos perfilados, tras ``warmup`` sin perfilar, de la receta del curso a ``max_length``."""

    env: Env
    max_length: int
    truncation: str
    grad_accum: int
    learning_rate: float
    steps: int = 6
    warmup: int = 2
    batch: int = 8
    bf16: bool = False
    fp16: bool = False
    attention_dropout: float | None = None


def profile_category(name: str, ancestors: list[str]) -> str:
    """Categoría de la tabla del perfil para una operación (por su nombre y los de sus antepasados)."""
    if any(a.startswith("enumerate(DataLoader)") for a in ancestors):
        return PROFILE_CATEGORIES[0][0]
    if any(a.startswith(("Optimizer.step", "Optimizer.zero_grad")) for a in [*ancestors, name]):
        return PROFILE_CATEGORIES[1][0]
    for label, prefixes in PROFILE_CATEGORIES[1:]:
        if any(name.startswith(p) for p in prefixes):
            return label
    return REST


def profile_case(case: ProfileCase) -> dict[str, Any]:
    """Perfila con ``torch.profiler`` unos pasos del entrenamiento del curso (en un subproceso).

    La configuración de ``make run-all`` (``training.training_arguments``: relleno dinámico, lotes
    agrupados por longitud, la precisión reducida del *hardware*) con IMDB real y el ``MAX_LENGTH``
    del perfil local. Tras ``warmup`` pasos sin medir, reparte el tiempo propio de cada operación de
    ``steps`` pasos por categorías (:func:`profile_category`), incluido el DataLoader y el optimizador.
    """
    import datasets
    import torch
    from transformers import TrainerCallback

    from course_utils import training

    env = case.env
    prepare_process(env)
    warmup, steps, batch = case.warmup, case.steps, case.batch
    sample = load_texts("train", 2 * (warmup + steps) * batch, seed=0)
    loaded = models.load_model_and_tokenizer(env.model, num_labels=2, attention_dropout=case.attention_dropout)
    tok, length = loaded.tokenizer, case.max_length
    columns = {"text": list(sample.texts), "label": list(sample.labels)}
    splits = datasets.DatasetDict({part: datasets.Dataset.from_dict(columns) for part in ("train", "validation")})
    tokenized = training.tokenize_splits(splits, tok, max_length=length, truncation=case.truncation)
    tokenized = tokenized.remove_columns("text")
    params = validate_training_params(n_per_class=len(sample.texts) // 2, epochs=1, batch_size=batch,
                                      grad_accum=case.grad_accum, learning_rate=case.learning_rate, warmup=0.1,
                                      max_length=length, mc_passes=1, threshold=0.6, test_size=0.2, seed=0)
    precision = Precision(bf16=case.bf16, fp16=case.fp16)
    args = training.training_arguments(env.tmp + "/perfil", params, device=env.device, precision=precision)
    args = dataclasses.replace(args, max_steps=warmup + steps, eval_strategy="no", save_strategy="no",
                               logging_strategy="no", load_best_model_at_end=False)
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
    return {"seconds": totals, "top_ops": top_ops, "steps": steps, "warmup": warmup, "batch": batch,
            "max_length": length, "precision": precision.name, "step_seconds_profiled": sum(step_seconds[warmup:]),
            "peak_rss_mb": peak_rss_mb()}


def profile_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Dónde se va el tiempo de un paso de entrenamiento del curso (``torch.profiler``)."""
    local = profiles.LOCAL_PARAMS
    length = args.profile_max_length or args.course_max_length
    case = ProfileCase(env=env, max_length=length, truncation=local["TRUNCATION"], grad_accum=local["GRAD_ACCUM"],
                       learning_rate=local["LEARNING_RATE"], steps=args.profile_steps, batch=args.batch,
                       bf16=precision.bf16, fp16=precision.fp16, attention_dropout=args.course_attention_dropout)
    print(f"  perfil: {args.profile_steps} pasos (MAX_LENGTH={length}, {precision.name})...", flush=True)
    return run(profile_case, case)


def profile_table(section: dict[str, Any]) -> str:
    """La tabla de la sección en Markdown."""
    total = sum(section["seconds"].values())
    lines = [f"**Perfil del entrenamiento del curso** (`torch.profiler`, {section['steps']} pasos × lote "
             f"{section['batch']} tras {section['warmup']} de calentamiento, MAX_LENGTH={section['max_length']}, "
             f"relleno dinámico y agrupado por longitud, {section['precision']}; tiempo propio de cada operación, "
             f"con el del perfilador incluido: {1000 * total / section['steps']:.0f} ms por paso):", "",
             "| parte | ms por paso | fracción |", "|---|---|---|"]
    for name, seconds in sorted(section["seconds"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {name} | {1000 * seconds / section['steps']:.0f} | {seconds / total:.0%} |")
    top = ", ".join(f"`{name}` {seconds / total:.0%}" for name, seconds in section["top_ops"].items())
    lines += ["", f"Operaciones con más tiempo propio: {top}."]
    return "\n".join(lines)


SECTION = Section(
    name="profile", page="perfil", title="Perfil: dónde se va el tiempo al entrenar",
    about="Perfila con `torch.profiler` unos pasos del entrenamiento del curso (la configuración de `make run-all`: "
          "relleno dinámico, lotes agrupados por longitud, la precisión reducida de la máquina y el `MAX_LENGTH` del "
          "perfil local) y reparte el tiempo propio de cada operación por categorías. Solo en CPU; el perfilador "
          "añade su propio coste, así que las fracciones valen más que los milisegundos.",
    measure=profile_section, table=profile_table,
    options=(*COMMON_OPTIONS, "profile_steps", "profile_max_length", "course_max_length", "batch"))
