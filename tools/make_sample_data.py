"""Genera los conjuntos pequeños que viajan con el paquete (course_utils/sample_data/).

- «resenas-mini»: reseñas de cine inventadas (en inglés, como IMDB, para que los modelos en inglés
  del curso las entiendan), 2 clases, ordenadas por etiqueta como IMDB.
- «opiniones-es»: opiniones de compras inventadas, en español, 3 clases (negativo, neutro,
  positivo) con la etiqueta como texto: el conjunto de los ejercicios.

Todo se construye con plantillas escritas por el proyecto; no contiene texto copiado.
Uso: python tools/make_sample_data.py
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "course_utils" / "sample_data"
OUT = SAMPLE_DIR / "resenas_mini"

SUBJECTS = ["The film", "This movie", "The sequel", "The documentary", "This thriller", "The comedy", "The remake", "This drama"]
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


ES_SUBJECTS = ["El móvil", "La cafetera", "Este libro", "El hotel", "La aspiradora", "Este restaurante", "La mochila", "El portátil"]
ES_PHRASES = {
    "negativo": [
        "llegó roto y nadie respondió a mis quejas",
        "es una decepción y no lo recomiendo",
        "dejó de funcionar a la semana",
        "tiene una calidad pésima para lo que cuesta",
    ],
    "neutro": [
        "cumple su función, sin más",
        "es correcto, aunque nada especial",
        "está bien para salir del paso",
        "hace lo que promete y poco más",
    ],
    "positivo": [
        "es una maravilla y lo volvería a comprar",
        "superó todas mis expectativas",
        "funciona de maravilla desde el primer día",
        "tiene una calidad excelente y un precio justo",
    ],
}
ES_ENDINGS = {
    "negativo": ["Muy mal.", "No repetiré.", "Dinero tirado."],
    "neutro": ["Ni fu ni fa.", "Aprobado justo.", "Normalito."],
    "positivo": ["¡Encantado!", "Muy recomendable.", "Cinco estrellas."],
}


def spanish_opinions(n_train: int = 30, n_test: int = 10) -> None:
    rng = random.Random(7)
    out = SAMPLE_DIR / "opiniones_es"
    out.mkdir(parents=True, exist_ok=True)
    rows = {"train": [], "test": []}
    for label, phrases in ES_PHRASES.items():
        combos = [f"{s} {p}. {e}" for s, p, e in itertools.product(ES_SUBJECTS, phrases, ES_ENDINGS[label])]
        rng.shuffle(combos)
        rows["train"] += [(t, label) for t in combos[:n_train]]
        rows["test"] += [(t, label) for t in combos[n_train : n_train + n_test]]
    for split, data in rows.items():
        rng.shuffle(data)
        with (out / f"{split}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["opinion", "sentimiento"])
            writer.writerows(data)
    print(f"Escrito {out} ({n_train} por clase en entrenamiento, {n_test} en prueba)")


if __name__ == "__main__":
    main()
    spanish_opinions()
