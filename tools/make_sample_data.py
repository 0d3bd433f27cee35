"""Genera «resenas-mini», uno de los conjuntos pequeños que viajan con el paquete (course_utils/sample_data/).

«resenas-mini»: reseñas de cine inventadas (en inglés, como IMDB, para que los modelos en inglés del curso
las entiendan), 2 clases, ordenadas por etiqueta como IMDB. Se construye con plantillas escritas por el
proyecto; no contiene texto copiado.

«opiniones-es», el conjunto de los ejercicios, no sale de aquí: sus 330 opiniones en español (3 clases)
están escritas una a una por el proyecto, sin plantillas, directamente en
course_utils/sample_data/opiniones_es/{train,test}.csv.

Uso: python -m tools.make_sample_data
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "course_utils" / "sample_data"
OUT = SAMPLE_DIR / "resenas_mini"

SUBJECTS = ["The film", "This movie", "The sequel", "The documentary", "This thriller", "The comedy", "The remake",
            "This drama"]
POSITIVE = [
    "is a delight from start to finish",
    "kept me smiling for two hours",
    "has a warm heart and a clever script",
    "features wonderful acting and a moving story",
    "is beautifully shot and genuinely touching",
    "left me happy and wanting to watch it again",
]
NEGATIVE = [
    "is a tedious mess from start to finish",
    "made me check my watch every five minutes",
    "has a lazy script and wooden acting",
    "is boring, confusing and far too long",
    "wastes a good cast on a terrible plot",
    "left me angry that I paid for a ticket",
]
POS_ENDINGS = ["Highly recommended.", "A real gem.", "I loved it.", "Ten out of ten."]
NEG_ENDINGS = ["Avoid it.", "A total disappointment.", "I hated it.", "One out of ten."]


def reviews(phrases: list[str], endings: list[str], rng: random.Random) -> list[str]:
    combos = [f"{s} {p}. {e}" for s, p, e in itertools.product(SUBJECTS, phrases, endings)]
    rng.shuffle(combos)
    return combos


def main(n_train: int = 40, n_test: int = 12) -> None:
    rng = random.Random(6)
    pos = reviews(POSITIVE, POS_ENDINGS, rng)
    neg = reviews(NEGATIVE, NEG_ENDINGS, rng)
    OUT.mkdir(parents=True, exist_ok=True)
    splits = {"train": (0, n_train), "test": (n_train, n_train + n_test)}
    for split, (a, b) in splits.items():
        # Ordenado por etiqueta, como IMDB en el Hub: así las pruebas ejercitan el muestreo balanceado.
        rows = [(t, 0) for t in neg[a:b]] + [(t, 1) for t in pos[a:b]]
        with (OUT / f"{split}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "label"])
            writer.writerows(rows)
    print(f"Escrito {OUT} ({n_train}+{n_train} entrenamiento, {n_test}+{n_test} prueba)")


if __name__ == "__main__":
    main()
