"""Sección ``adaptation``: las recetas del 06.5 (cuánto ajustar), elegidas en validación.

Las tasas de aprendizaje de las capas superiores y de LoRA con 900 etiquetas (1 época: lo que cabe en los 6 minutos
del 06.5), y los cinco métodos con 100 etiquetas (con 100 reseñas, 5 épocas cuestan menos que 1 con 900). Mismas
reseñas que ``recipe`` (``--length-train`` de entrenamiento, ``--validation`` de validación, de la partición de
entrenamiento de IMDB; la prueba no se toca), a la longitud del 06.5 en el perfil local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from course_utils import profiles
from tools.bench.common import COMMON_OPTIONS, Env, Runner, Section, run_cases
from tools.bench.quality import recipe_base, recipe_case, score_recipe, validation_table

ADAPT_METHODS = {"frozen": "codificador congelado + reg. logística", "top_k": "capas superiores + cabeza",
                 "lora": "LoRA", "full": "ajuste completo"}
ADAPT_RECIPES = ",".join(
    [f"top_k:900:1:{lr}" for lr in ("1e-4", "1e-3", "3e-3")] + [f"lora:900:1:{lr}" for lr in ("5e-4", "2e-3", "5e-3")]
    + ["frozen:900:0:0", "frozen:100:0:0", "top_k:100:5:1e-3", "lora:100:5:2e-3", "full:100:5:1e-4"])


@dataclass(frozen=True)
class AdaptSpec:
    """Un caso de ``--adapt-recipes``: ``método:n_train:épocas:lr`` (el congelado ignora épocas y lr)."""

    method: str
    n_train: int
    epochs: float
    learning_rate: float
    text: str = field(default="", compare=False)  # tal como se escribió: el nombre de la fila repite sus cifras

    FORM = "método:n_train:épocas:lr"

    @classmethod
    def parse(cls, text: str) -> AdaptSpec:
        """``"lora:900:1:2e-3"`` → :class:`AdaptSpec`; ``ValueError`` en español si no tiene esa forma."""
        fields = text.strip().split(":")
        try:
            if len(fields) != 4 or fields[0] not in ADAPT_METHODS:
                raise ValueError
            return cls(fields[0], int(fields[1]), float(fields[2]), float(fields[3]), text=text.strip())
        except ValueError:
            raise ValueError(f"{text.strip()!r} no tiene la forma {cls.FORM} con método en {', '.join(ADAPT_METHODS)} "
                             "(p. ej. lora:900:1:1e-3)") from None

    @property
    def name(self) -> str:
        """El nombre de la fila, con las cifras como se escribieron."""
        _, n_train, epochs, lr = self.text.split(":")
        details = "" if self.method == "frozen" else f", {epochs} época(s), lr {lr}"
        return f"{ADAPT_METHODS[self.method]}, {n_train} reseñas{details}"


def adaptation_section(args, run: Runner, env: Env, precision) -> dict[str, Any]:
    """Búsqueda en validación de las recetas del 06.5 (épocas y tasa de aprendizaje) y de qué método conviene con
    pocas etiquetas."""
    base = recipe_base(args, env, precision).replace(max_length=profiles.LOCAL_PARAMS["ADAPT_MAX_LENGTH"],
                                                     top_k=args.top_k)
    cases = [(spec.name, base.replace(method=spec.method, n_train=spec.n_train, epochs=spec.epochs,
                                      learning_rate=spec.learning_rate)) for spec in args.adapt_recipes]
    rows = run_cases("adaptación", recipe_case, cases, run)
    for r in rows.values():
        score_recipe(r)
    return {"rows": rows, "settings": {"batch": args.batch, "n_validation": args.validation,
                                       "max_length": base.max_length, "top_k": args.top_k,
                                       "truncation": base.truncation}}


def adaptation_table(section: dict[str, Any]) -> str:
    """La tabla de la sección en Markdown."""
    s = section["settings"]
    return validation_table(
        f"**Recetas del 06.5, elegidas en validación** ({s['n_validation']} reseñas de validación de la partición "
        f"de entrenamiento; la prueba no se toca; {s['max_length']} tokens, {s['truncation']}, lote {s['batch']}; "
        f"capas superiores: k = {s['top_k']}; LoRA: r = 8, α = 16, query+value; el C del congelado, por validación "
        "cruzada en el entrenamiento):",
        section, tfidf_header="TF-IDF (mismas reseñas)", diff_header="diferencia emparejada con TF-IDF")


SECTION = Section(
    name="adaptation", page="adaptacion", title="Las recetas del 06.5: capas superiores, LoRA y pocas etiquetas",
    about="Elige en validación la tasa de aprendizaje de las capas superiores y de LoRA (1 época a la longitud del "
          "06.5, lo que cabe en sus 6 minutos) y compara los métodos del 06.5 con 100 reseñas de entrenamiento, "
          "frente a TF-IDF con las mismas reseñas. Validación y entrenamiento salen de la partición de entrenamiento; "
          "la prueba no se toca.",
    measure=adaptation_section, table=adaptation_table,
    options=(*COMMON_OPTIONS, "adapt_recipes", "top_k", "validation", "batch"))
