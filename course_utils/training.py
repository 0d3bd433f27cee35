"""Entrenamiento con ``Trainer`` tal como se explica en el cuaderno 06.3, empaquetado para los demás."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import Trainer

from course_utils._checks import check_choice, fail
from course_utils.metrics import compute_metrics
from course_utils.params import TrainingParams
from course_utils.runtime import Precision, precision_kwargs
from course_utils.tokenization import TRUNCATIONS, encode


def tokenize_splits(splits, tokenizer, *, max_length: int, truncation: str = "head"):
    """Tokeniza cada partición con truncado a ``max_length`` y sin relleno (lo hace el collator).

    Parámetros
    ----------
    splits : datasets.DatasetDict
        Particiones con columna ``text``.
    tokenizer : transformers.PreTrainedTokenizerBase
        Tokenizador del modelo.
    max_length : int
        Longitud máxima, la misma que se usará al predecir.
    truncation : {"head", "head+tail"}
        Qué parte de un texto largo se conserva (:func:`course_utils.tokenization.encode`).

    Devuelve
    --------
    datasets.DatasetDict
        Con ``input_ids``, ``attention_mask`` (y ``token_type_ids`` si el modelo los usa).
    """
    check_choice("TRUNCATION", truncation, TRUNCATIONS)
    return splits.map(lambda batch: encode(tokenizer, batch["text"], max_length=max_length, truncation=truncation),
                      batched=True, desc="Tokenizando")


def training_arguments(output_dir: str | Path, params: TrainingParams, *, device: str, precision: Precision,
                       show_progress: bool = False):
    """Los ``TrainingArguments`` del curso (API de transformers 5), explicados en el cuaderno 06.

    Parámetros
    ----------
    output_dir : str o Path
        Carpeta de los puntos de control.
    params : TrainingParams
        Parámetros validados (:func:`course_utils.params.validate_training_params`).
    device : str
        Dispositivo resuelto (``"cpu"`` fuerza ``use_cpu=True``).
    precision : Precision
        Precisión mixta (:func:`course_utils.runtime.mixed_precision`).
    show_progress : bool
        Barra de progreso de ``Trainer``.

    Devuelve
    --------
    transformers.TrainingArguments
        Evaluación y guardado por época, mejor modelo por F1, calentamiento como fracción, lotes
        agrupados por longitud y ``report_to="none"``.
    """
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=params.epochs,
        per_device_train_batch_size=params.batch_size,
        per_device_eval_batch_size=2 * params.batch_size,
        gradient_accumulation_steps=params.grad_accum,
        learning_rate=params.learning_rate,
        warmup_steps=params.warmup,
        weight_decay=0.01,
        eval_strategy="epoch",
        save_strategy="epoch",
        logging_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="f1",
        save_total_limit=1,
        train_sampling_strategy="group_by_length",
        use_cpu=device == "cpu",
        seed=params.seed,
        report_to="none",
        disable_tqdm=not show_progress,
        **precision_kwargs(precision),
    )


class CourseTrainer(Trainer):
    """``Trainer`` con las dos correcciones del cuaderno 06, en un solo sitio.

    1. **Pérdida con acumulación de gradiente (un dispositivo y DDP).** ``BertForSequenceClassification``
       acepta ``**kwargs`` en ``forward`` pero ignora ``num_items_in_batch`` y devuelve una pérdida
       media. ``Trainer`` deduce de esa firma que el modelo «acepta kwargs de pérdida»
       (``model_accepts_loss_kwargs``, calculado en ``Trainer.__init__``) y entonces: no divide la
       pérdida entre ``gradient_accumulation_steps`` (``Trainer.training_step``), la multiplica por el
       número de procesos en DDP (``Trainer.compute_loss``) y cuenta y reúne ``num_items_in_batch``
       (``Trainer._get_num_items_in_batch``). Con ``model.accepts_loss_kwargs = False``, el atributo
       que ``Trainer.__init__`` consulta antes que la firma (el mismo que declaran los modelos de
       transformers), los tres caminos tratan la pérdida como una media: la registrada y el gradiente
       son los de un lote efectivo, sin × ``GRAD_ACCUM`` ni × procesos.
       (``trainer.loss_is_scaled_for_ga = False`` solo arregla el primero.)
    2. **Evaluación y predicción en el orden del conjunto.** Con
       ``train_sampling_strategy="group_by_length"``, ``Trainer._get_eval_sampler`` usa también un
       ``LengthGroupedSampler`` al evaluar y predecir, así que ``predict(ds).predictions`` sale
       permutado respecto a ``ds``. Aquí la evaluación recorre el conjunto en orden
       (``SequentialSampler``; en varios procesos, el reparto en orden de ``accelerate``), y el
       entrenamiento sigue agrupando por longitud.

    Se crea como ``Trainer`` (mismos argumentos); :func:`make_trainer` lo usa con las opciones del
    curso. Modifica el modelo que recibe: le pone ``accepts_loss_kwargs = False``.
    """

    def __init__(self, model=None, *args: Any, **kwargs: Any):
        if model is not None:
            model.accepts_loss_kwargs = False  # lo lee Trainer.__init__ (model_accepts_loss_kwargs)
        super().__init__(model, *args, **kwargs)

    def _get_eval_sampler(self, eval_dataset):
        """Recorre ``eval_dataset`` en orden aunque el entrenamiento agrupe por longitud."""
        from torch.utils.data import SequentialSampler
        from transformers.trainer_utils import has_length

        if eval_dataset is None or not has_length(eval_dataset):
            return None
        # Como Trainer._get_eval_sampler sin la rama group_by_length: en varios procesos, None deja
        # que accelerate reparta los lotes en orden y gather_for_metrics los reúna en orden.
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None


def make_trainer(model, tokenizer, tokenized, args, **kwargs: Any):
    """Crea el :class:`CourseTrainer` del curso (las dos correcciones del cuaderno 06).

    Pérdida correcta con acumulación de gradiente, evaluación y predicción en el orden del conjunto
    (ver :class:`CourseTrainer`) y relleno dinámico con ``DataCollatorWithPadding``.

    Parámetros
    ----------
    model, tokenizer
        Modelo y tokenizador.
    tokenized : datasets.DatasetDict
        Con particiones ``"train"`` y ``"validation"``. ``Trainer`` evalúa (y elige la mejor época)
        en validación; la prueba nunca se le pasa.
    args : transformers.TrainingArguments
        Ver :func:`training_arguments`.
    **kwargs
        Se pasan a ``Trainer``.

    Devuelve
    --------
    CourseTrainer

    Errores
    -------
    CourseParameterError
        Si ``tokenized`` no tiene partición ``"validation"``.
    """
    from transformers import DataCollatorWithPadding

    if "validation" not in tokenized:
        raise fail(
            "tokenized", list(tokenized), "no tiene partición 'validation'",
            "usa data.load_evaluation_splits: la mejor época se elige en validación, nunca en la prueba",
        )
    eval_split = "validation"
    return CourseTrainer(
        model=model,
        args=args,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized[eval_split],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer=tokenizer),
        compute_metrics=compute_metrics,
        **kwargs,
    )
