"""Un paso de entrenamiento del curso (``training.make_trainer``), para comparar la pérdida registrada.

Lo usan las pruebas de ``tests/test_training.py`` en un proceso y, con
``PYTHONPATH=. python -m torch.distributed.run --nproc_per_node 2 tests/ddp_loss_worker.py BATCH GA SALIDA.json``
(desde la raíz del repositorio: ``PYTHONPATH`` deja importar ``tests.conftest``), en DDP (dos procesos en CPU con
gloo). El proceso 0 escribe la entrada registrada del paso.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

TEXTS = [f"review number {w}" for w in "abcdefgh"]  # 8 reseñas de la misma longitud en tokens
LABELS = [0, 1] * 4


def tiny_splits(tokenizer):
    """8 reseñas de entrenamiento y 4 de validación, tokenizadas como en el curso."""
    import datasets

    from course_utils import training

    splits = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict({"text": TEXTS, "label": LABELS}),
        "validation": datasets.Dataset.from_dict({"text": TEXTS[:4], "label": LABELS[:4]}),
    })
    return training.tokenize_splits(splits, tokenizer, max_length=16).remove_columns("text")


def one_step(batch_size: int, grad_accum: int, output_dir: str, tokenizer) -> dict:
    """Entrena 1 paso (8 reseñas = ``batch_size × grad_accum × procesos``) sin dropout y devuelve su registro."""
    from course_utils import params, runtime, training
    from tests.conftest import make_tiny_bert

    p = params.validate_training_params(
        n_per_class=4, epochs=1, batch_size=batch_size, grad_accum=grad_accum, learning_rate=1e-5, warmup=0.0,
        max_length=16, mc_passes=2, threshold=0.6, test_size=0.25, seed=0,
    )
    args = training.training_arguments(output_dir, p, device="cpu", precision=runtime.Precision(False, False))
    trainer = training.make_trainer(make_tiny_bert(hidden_dropout=0.0, attention_dropout=0.0), tokenizer,
                                    tiny_splits(tokenizer), args)
    trainer.train()
    logged = [entry for entry in trainer.state.log_history if "loss" in entry]
    return {"loss": logged[0]["loss"], "grad_norm": logged[0]["grad_norm"], "steps": trainer.state.global_step,
            "world_size": trainer.args.world_size}


def main() -> None:
    import datasets
    import torch
    import transformers
    from transformers import AutoTokenizer

    from course_utils.models import offline_model_dir

    torch.set_num_threads(1)
    transformers.utils.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    batch_size, grad_accum, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    tokenizer = AutoTokenizer.from_pretrained(str(offline_model_dir()))
    result = one_step(batch_size, grad_accum, tempfile.mkdtemp(), tokenizer)
    if int(os.environ.get("RANK", "0")) == 0:
        out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
