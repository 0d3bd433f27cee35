"""Variación entre ejecuciones de entrenamiento: una ejecución es una muestra.

Los intervalos de :mod:`course_utils.evaluation` cubren **una** fuente de incertidumbre: qué
reseñas de prueba tocaron. Otra semilla (otra muestra de entrenamiento, otra cabeza inicial, otro
orden de los lotes, otras máscaras de dropout) u otra máquina (otros núcleos de cálculo) da otro
modelo, y esa segunda fuente puede ser tan grande como las diferencias que se quieren afirmar
(Dodge et al., 2020; Bouthillier et al., 2021). Aquí se resumen varias ejecuciones de la misma
receta, evaluadas en **las mismas** reseñas de prueba, y se da un intervalo que cubre las dos
fuentes a la vez.

El diseño es *cruzado*: cada ejecución predice todas las reseñas (una matriz ejecuciones ×
reseñas). :func:`crossed_bootstrap` remuestrea con reemplazo, de forma independiente, las
ejecuciones (filas) y las reseñas (columnas), el *bootstrap* «de palomar» de Owen (2007, *The
pigeonhole bootstrap*, Annals of Applied Statistics 1(2)) para datos con dos factores aleatorios
cruzados. Es algo conservador (sobrestima un poco la varianza), que es el lado bueno para afirmar
algo. No existe en scipy ni en scikit-learn: ``scipy.stats.bootstrap`` remuestrea un solo índice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from course_utils._checks import check_float, check_int, fail
from course_utils.evaluation import CONFIDENCE, N_RESAMPLES, Interval


@dataclass(frozen=True)
class RunSummary:
    """Una cifra medida en varias ejecuciones (una por semilla).

    Attributes
    ----------
    values : numpy.ndarray
        La cifra de cada ejecución, en el orden recibido.
    mean, std, low, high : float
        Media, desviación típica (con ``ddof=1``; 0 con una sola ejecución), mínimo y máximo.
    positive : int
        Ejecuciones con la cifra > 0 (en una diferencia: cuántas veces gana el primero).
    """

    values: np.ndarray
    mean: float
    std: float
    low: float
    high: float
    positive: int

    @property
    def n_runs(self) -> int:
        """Número de ejecuciones."""
        return int(self.values.size)

    def format(self, digits: int = 3, *, signed: bool = False) -> str:
        """Texto ``"media ± desviación (mín.–máx.)"``, p. ej. ``"0.851 ± 0.008 (0.838–0.860)"``."""
        spec = f"{'+' if signed else ''}.{digits}f"
        return f"{self.mean:{spec}} ± {self.std:.{digits}f} ({self.low:{spec}} a {self.high:{spec}})"

    def as_dict(self) -> dict[str, Any]:
        """Campos como diccionario (para JSON)."""
        return {"values": self.values.tolist(), "mean": self.mean, "std": self.std, "low": self.low, "high": self.high,
                "positive": self.positive, "n_runs": self.n_runs}


def summarize_runs(values: Any) -> RunSummary:
    """Media, desviación típica, mínimo, máximo y número de valores positivos de una cifra por ejecución.

    Parámetros
    ----------
    values : array-like (R,)
        Una cifra por ejecución (p. ej. la exactitud de cada semilla, o su diferencia con TF-IDF).

    Devuelve
    --------
    RunSummary

    Errores
    -------
    CourseParameterError
        Si no hay valores o alguno no es finito.

    Ejemplo
    -------
    >>> summarize_runs([0.86, 0.84, 0.85]).format()
    '0.850 ± 0.010 (0.840 a 0.860)'
    """
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise fail("values", "[]", "no hay ninguna ejecución", "pasa una cifra por ejecución (semilla)")
    if not np.all(np.isfinite(array)):
        raise fail("values", array.tolist(), "hay valores que no son números finitos",
                   "revisa las ejecuciones que fallaron")
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return RunSummary(array, float(array.mean()), std, float(array.min()), float(array.max()), int(np.sum(array > 0)))


def _run_matrices(arrays: tuple[Any, ...]) -> list[np.ndarray]:
    matrices = [np.asarray(a) for a in arrays]
    if not matrices:
        raise fail("arrays", "()", "no hay datos", "pasa al menos una matriz ejecuciones × reseñas")
    shapes = {m.shape[:2] if m.ndim >= 2 else m.shape for m in matrices}
    if any(m.ndim < 2 for m in matrices) or len(shapes) != 1:
        raise fail("arrays", [m.shape for m in matrices],
                   "cada dato debe ser una matriz (ejecuciones, reseñas, ...) con las mismas "
                   "dos primeras dimensiones",
                   "apila una fila por ejecución, con las reseñas de prueba en el mismo orden")
    runs, reviews = matrices[0].shape[:2]
    if runs < 1 or reviews < 1:
        raise fail("arrays", matrices[0].shape, "no hay ejecuciones o no hay reseñas",
                   "pasa al menos una ejecución y una reseña")
    return matrices


def crossed_bootstrap(
    statistic: Callable[..., Any],
    *arrays: Any,
    confidence: float = CONFIDENCE,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    shared_reviews: bool = True,
) -> Interval:
    """Intervalo que cubre a la vez la variación entre ejecuciones y la de las reseñas de prueba.

    Cada remuestreo elige, con reemplazo, R ejecuciones de las R y N reseñas de las N (las mismas
    reseñas para todas las ejecuciones: están cruzadas), calcula ``statistic`` de cada ejecución
    elegida en esas reseñas y promedia sobre las ejecuciones. El intervalo son los percentiles de
    esas medias; la estimación, la media de ``statistic`` sobre las ejecuciones con todas las reseñas.

    - Si todas las ejecuciones predicen lo mismo, remuestrear ejecuciones no cambia nada y el
      intervalo es el *bootstrap* ordinario de las reseñas.
    - Si hay una sola reseña (o ``statistic`` no depende de ellas), el intervalo es el *bootstrap*
      de la media de las ejecuciones.

    Parámetros
    ----------
    statistic : callable
        ``statistic(*matrices)`` recibe matrices de forma (R', N', ...) (ejecuciones elegidas ×
        reseñas elegidas) y devuelve un array (R',): la cifra de cada ejecución, p. ej.
        ``lambda correct: correct.mean(axis=1)`` para la exactitud.
    *arrays : array-like (R, N, ...)
        Datos por ejecución y reseña, alineados: fila = ejecución, columna = reseña de prueba.
    confidence : float
        Nivel de confianza en (0, 1).
    n_resamples : int
        Remuestreos (>= 100).
    seed : int
        Semilla: mismo intervalo en cada llamada.
    shared_reviews : bool
        ``True`` (diseño cruzado): la columna j es la misma reseña en todas las ejecuciones, y se
        remuestrean las mismas columnas para todas. ``False`` (diseño anidado): cada ejecución tiene sus
        propias reseñas (p. ej. la validación de cada semilla) y cada una se remuestrea por separado.

    Devuelve
    --------
    Interval
        ``n`` = número de reseñas; ``method = "bootstrap cruzado (ejecuciones × reseñas)"`` (o
        ``"bootstrap anidado (ejecuciones, reseñas de cada una)"``).

    Errores
    -------
    CourseParameterError
        Si los datos no son matrices con las mismas dos primeras dimensiones, o si ``statistic``
        no devuelve una cifra por ejecución.
    """
    confidence = check_float("confidence", confidence, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    n_resamples = check_int("n_resamples", n_resamples, minimum=100)
    seed = check_int("seed", seed, minimum=0)
    matrices = _run_matrices(arrays)
    runs, reviews = matrices[0].shape[:2]

    def per_run(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        if columns.ndim == 1:  # las mismas reseñas para todas las ejecuciones elegidas
            picked = [m[rows][:, columns] for m in matrices]
        else:  # columns (R, N): las reseñas remuestreadas de cada ejecución
            picked = [m[rows[:, None], columns[rows]] for m in matrices]
        values = np.asarray(statistic(*picked), dtype=np.float64).reshape(-1)
        if values.size != rows.size:
            raise fail("statistic", f"{values.size} valores", f"debe devolver uno por ejecución ({rows.size})",
                       "reduce solo el eje de las reseñas (axis=1)")
        return values

    all_runs, all_reviews = np.arange(runs), np.arange(reviews)
    estimate = float(per_run(all_runs, all_reviews).mean())
    rng = np.random.default_rng(seed)
    draws = np.empty(n_resamples)
    for b in range(n_resamples):
        columns = rng.integers(0, reviews, size=reviews if shared_reviews else (runs, reviews))
        rows = rng.integers(0, runs, size=runs)
        # Las ejecuciones repetidas solo cuentan varias veces: se calcula cada una una vez y se pondera.
        counts = np.bincount(rows, minlength=runs)
        chosen = np.flatnonzero(counts)
        draws[b] = float(np.average(per_run(chosen, columns), weights=counts[chosen]))
    alpha = (1 - confidence) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])
    method = ("bootstrap cruzado (ejecuciones × reseñas)" if shared_reviews
              else "bootstrap anidado (ejecuciones, reseñas de cada una)")
    return Interval(estimate, float(low), float(high), reviews, method, confidence)


def accuracy_per_run(y_true: Any, probs: Any) -> np.ndarray:
    """Acierto (0/1) de cada ejecución en cada reseña: una matriz (R, N) lista para :func:`crossed_bootstrap`.

    Parámetros
    ----------
    y_true : array-like (N,)
        Etiquetas de las reseñas de prueba, las mismas para todas las ejecuciones.
    probs : array-like (R, N, C)
        Probabilidades de cada ejecución, en el orden de ``y_true``.

    Devuelve
    --------
    numpy.ndarray (R, N) de float
        1.0 donde la clase predicha es la verdadera.

    Errores
    -------
    CourseParameterError
        Si las formas no encajan.
    """
    y = np.asarray(y_true).reshape(-1)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 3 or p.shape[1] != y.size:
        raise fail("probs", p.shape, f"debe tener forma (ejecuciones, reseñas, clases) con {y.size} reseñas",
                   "apila las probabilidades de prueba de cada ejecución (np.stack)")
    return (p.argmax(axis=2) == y[None, :]).astype(np.float64)


# La tabla de referencia de make bench (sección «semillas»), en docs/resultados/ del repositorio. Fuera del repositorio
# (Colab instala course_utils desde git, sin docs/), se lee de GitHub en la etiqueta de esta versión del paquete.
REPOSITORY_RAW = "https://raw.githubusercontent.com/curso-nlp-es/ajuste-fino-transformers"


def reference_path(name: str = "semillas") -> Path:
    """Dónde está la tabla de referencia ``name`` en un clon del repositorio (``docs/resultados/<name>.json``)."""
    return Path(__file__).resolve().parents[1] / "docs" / "resultados" / f"{name}.json"


def load_reference(name: str = "semillas", *, timeout: float = 5.0) -> dict[str, Any] | None:
    """La tabla de referencia ``name`` que escribió ``make bench`` (con fecha, máquina y orden), o ``None`` si no la
    hay.

    Primero la del repositorio (``docs/resultados/<name>.json``); si el paquete se instaló sin él (Colab), la de
    GitHub en la etiqueta ``v<versión>`` del paquete: las cifras de referencia de la versión del cuaderno.

    Parámetros
    ----------
    name : str
        El nombre de la sección (``"semillas"``).
    timeout : float
        Segundos de espera para GitHub.

    Devuelve
    --------
    dict o None
        ``date``, ``machine``, ``command`` y ``result`` (las tablas de la sección).
    """
    path = reference_path(name)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    from urllib.request import urlopen

    from course_utils import __version__

    try:
        with urlopen(f"{REPOSITORY_RAW}/v{__version__}/docs/resultados/{name}.json",  # noqa: S310
                     timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except Exception:  # sin red, sin la etiqueta o sin el archivo: no hay referencia que mostrar
        return None


def reference_report(reference: dict[str, Any] | None) -> str:
    """Las ejecuciones de referencia de la receta, en texto: semilla a semilla, el resumen y lo que permiten afirmar.

    Parámetros
    ----------
    reference : dict o None
        Lo que devuelve :func:`load_reference`.

    Devuelve
    --------
    str
        Incluye la fecha, la máquina y la orden que reproduce las cifras.
    """
    if reference is None:
        return ("No se encontró la tabla de referencia (docs/resultados/semillas.json en el repositorio): la escribe "
                "`make bench BENCH_SECTIONS=semillas` (horas en una CPU de 2 núcleos).")
    group = reference["result"]["groups"].get("todo")
    if not group:
        return f"La tabla de referencia ({reference['date']}) no tiene el grupo «todo»."
    lines = [f"Referencia medida el {reference['date']} en {reference['machine']} con `{reference['command']}`:",
             f"la receta de este perfil con {len(group['rows'])} semillas; cada una cambia la muestra de "
             f"entrenamiento, la cabeza, el orden y el dropout; las mismas {group['accuracy']['n_reviews']} "
             "reseñas de prueba.", ""]
    lines.append(f"{'semilla':>8}  {'ajuste fino':<22} {'TF-IDF':<22} ajuste fino − TF-IDF")
    for row in group["rows"]:
        lines.append(f"{row['seed']:>8}  {Interval(**row['accuracy']).format():<22} "
                     f"{Interval(**row['tfidf_accuracy']).format():<22} "
                     f"{Interval(**row['vs_tfidf']).format(signed=True)}")
    diff = group["vs_tfidf"]
    s = diff["summary"]
    both = Interval(**diff["interval"])
    lines += ["", f"Ajuste fino − TF-IDF sobre las semillas: media {s['mean']:+.3f}, de {s['low']:+.3f} a "
              f"{s['high']:+.3f}; positiva en {s['positive']} de {s['n_runs']}; el intervalo de una sola ejecución "
              f"excluyó el 0 en {group['excludes_zero']} de {len(group['rows'])}.",
              f"Intervalo que cubre las ejecuciones y las reseñas: {both.format(signed=True)}. " + (
                  "Excluye el 0: sobre semillas, el ajuste fino supera a TF-IDF." if both.low > 0 else
                  "Queda por debajo de 0: sobre semillas, TF-IDF supera al ajuste fino." if both.high < 0 else
                  "Contiene el 0: sobre semillas, con 900 etiquetas no se puede afirmar "
                  "que el ajuste fino supere a TF-IDF.")]
    fixed = reference["result"]["groups"].get("muestra-fija") or {}
    if len(fixed.get("rows", [])) >= 2:
        accuracy = [row["accuracy"]["estimate"] for row in fixed["rows"]]
        gaps = [row["vs_tfidf"]["estimate"] for row in fixed["rows"]]
        lines.append(f"Con la misma muestra y solo otra semilla de entrenamiento ({len(accuracy)} ejecuciones): "
                     f"ajuste fino de {min(accuracy):.3f} a {max(accuracy):.3f}, y frente a TF-IDF de "
                     f"{min(gaps):+.3f} a {max(gaps):+.3f}: la semilla, sola, ya cambia el modelo.")
    return "\n".join(lines)
