"""course_utils.training: argumentos del curso y pérdida correcta con acumulación de gradiente."""

import datasets

from course_utils import data, params, runtime, training

from .conftest import make_tiny_bert


def small_params(grad_accum):
    return params.validate_training_params(
        n_per_class=8, epochs=1, batch_size=2, grad_accum=grad_accum, learning_rate=1e-5, warmup=0.0,
        max_length=16, mc_passes=2, threshold=0.6, test_size=0.25, seed=0,
    )


def test_training_arguments_use_current_api(tmp_path):
    args = training.training_arguments(tmp_path, small_params(4), "cpu", runtime.Precision(False, False))
    assert args.eval_strategy == "epoch" and args.save_strategy == "epoch"
    assert args.load_best_model_at_end and args.metric_for_best_model == "f1"
    assert args.warmup_steps == 0.0 and args.gradient_accumulation_steps == 4
    assert args.train_sampling_strategy == "group_by_length" and args.report_to == []
    assert args.use_cpu and not args.bf16 and not args.fp16


def test_logged_loss_is_a_mean_under_gradient_accumulation(tmp_path, tokenizer):
    ds = data.prepare_labelled(datasets.Dataset.from_dict({"text": [f"text number {i}" for i in range(16)], "label": [0, 1] * 8}))
    parts = data.stratified_split(ds, 0.25, seed=0)
    splits = datasets.DatasetDict({"train": parts["train"], "validation": parts["test"]})
    tokenized = training.tokenize_splits(splits, tokenizer, 16)
    p = small_params(4)
    trainer = training.make_trainer(
        make_tiny_bert(), tokenizer, tokenized, training.training_arguments(tmp_path, p, "cpu", runtime.Precision(False, False))
    )
    assert trainer.loss_is_scaled_for_ga is False
    result = trainer.train()
    # Pérdida inicial de un clasificador binario al azar ≈ ln 2 = 0.69; sin la corrección sería ≈ 4 × 0.69.
    assert 0.4 < result.training_loss < 1.0
