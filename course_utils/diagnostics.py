"""Lecturas de un resultado: la frase que interpreta *esta* ejecución, escrita a partir de sus cifras.

Un texto fijo en un cuaderno («la pérdida de validación baja», «el intervalo excluye el 0») es
cierto en la máquina y el día en que se escribió, y falso en otra ejecución. Estas funciones
reciben las cifras de la ejecución y devuelven la frase que les corresponde, y nada más: cada
cuaderno las imprime justo debajo de lo que interpretan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils._checks import check_float, fail
from course_utils.evaluation import Interval

LN2 = math.log(2)


def _epoch_losses(log_history: Sequence[dict[str, Any]]) -> tuple[dict[float, float], dict[float, float]]:
    if not isinstance(log_history, (list, tuple)):
        raise fail("log_history", type(log_history).__name__, "debe ser una lista de registros",
                   "pasa trainer.state.log_history")
    train = {float(e["epoch"]): float(e["loss"]) for e in log_history if "loss" in e and "epoch" in e}
    validation = {float(e["epoch"]): float(e["eval_loss"]) for e in log_history if "eval_loss" in e and "epoch" in e}
    return train, validation


def learning_curve_reading(log_history: Sequence[dict[str, Any]], *, chosen_epoch: float | None = None) -> str:
    """Qué dicen las curvas de aprendizaje de esta ejecución: sobreajuste, infraajuste o sanas.

    Reglas, en este orden:

    - **Sin aprender** (infraajuste): la última pérdida de validación sigue cerca del azar
      (≥ 0.9 · ln C con C clases; con 2 clases, ≥ 0.62).
    - **Sobreajuste**: la pérdida de validación sube de una época a la siguiente mientras la de
      entrenamiento baja.
    - **Sana**: las dos bajan (o la de validación se queda quieta).

    Parámetros
    ----------
    log_history : list of dict
        ``trainer.state.log_history`` (entradas con ``loss`` y ``eval_loss`` por época).
    chosen_epoch : float, opcional
        La época que eligió la validación (se nombra en la frase).

    Devuelve
    --------
    str

    Errores
    -------
    CourseParameterError
        Si no hay ninguna pérdida de validación registrada.
    """
    train, validation = _epoch_losses(log_history)
    if not validation:
        raise fail("log_history", f"{len(log_history)} registros", "no hay ninguna pérdida de validación",
                   'entrena con eval_strategy="epoch" (training.training_arguments lo hace)')
    epochs = sorted(validation)
    last = validation[epochs[-1]]
    chosen = f" La época elegida en validación es la {chosen_epoch:g}." if chosen_epoch is not None else ""
    values = ", ".join(f"{validation[e]:.3f}" for e in epochs)
    if last >= 0.9 * LN2:
        return (f"Infraajuste: la pérdida de validación termina en {last:.3f}, cerca de ln 2 ≈ 0.693 (el azar con 2 "
                f"clases): el modelo apenas aprendió. Faltan épocas o datos, o la tasa no es adecuada.{chosen}")
    rises = [(a, b) for a, b in zip(epochs, epochs[1:], strict=False) if validation[b] > validation[a]
             and train.get(b, math.inf) < train.get(a, -math.inf)]
    if rises:
        a, b = rises[0]
        return (f"Sobreajuste: entre las épocas {a:g} y {b:g} la pérdida de validación sube ({validation[a]:.3f} → "
                f"{validation[b]:.3f}) mientras la de entrenamiento baja ({train[a]:.3f} → {train[b]:.3f}): el modelo "
                f"empieza a memorizar. Por eso se elige la época en validación.{chosen}")
    if len(epochs) == 1:
        return f"Una sola época: pérdida de validación {values}. Con un punto no hay curva que leer.{chosen}"
    return f"Sanas: la pérdida de validación no sube de una época a otra ({values}).{chosen}"


def temperature_reading(tau: Interval) -> str:
    """Qué dice el intervalo de la temperatura τ: demasiado seguro (τ > 1), poco seguro (τ < 1) o no se distingue.

    Parámetros
    ----------
    tau : Interval
        La temperatura ajustada en validación con su intervalo *bootstrap*.

    Devuelve
    --------
    str
    """
    if not isinstance(tau, Interval):
        raise fail("tau", type(tau).__name__, "debe ser un Interval",
                   "pasa evaluation.bootstrap_interval(...) de la temperatura")
    text = f"τ = {tau.format(2)}."
    if tau.low <= 1.0 <= tau.high:
        return text + (" El intervalo contiene τ = 1: con esta validación no se puede afirmar que el modelo esté mal "
                       "calibrado en ninguna dirección.")
    if tau.low > 1.0:
        return text + (" El intervalo queda por encima de 1: el modelo está demasiado seguro (sobreconfiado), y la "
                       "validación basta para afirmarlo.")
    return text + (" El intervalo queda por debajo de 1: el modelo está poco seguro (infraconfiado), y la validación "
                   "basta para afirmarlo.")


def risk_reading(risk: Interval | None, target: float) -> str:
    """Qué dice el riesgo de prueba de un umbral elegido en validación frente a su objetivo.

    Parámetros
    ----------
    risk : Interval o None
        Riesgo (tasa de error entre las reseñas respondidas) en la prueba, con su intervalo de Wilson;
        ``None`` si no se respondió ninguna.
    target : float
        El riesgo objetivo (``TARGET_RISK``).

    Devuelve
    --------
    str
    """
    target = check_float("target", target, 0.0, 1.0, low_inclusive=False)
    if risk is None:
        return "El umbral no responde ninguna reseña de prueba: no hay riesgo que medir."
    text = f"Riesgo en la prueba {risk.format(3)} frente al objetivo {target:.2f}."
    if risk.low > target:
        return text + (" El intervalo queda entero por encima del objetivo: en la prueba el umbral no cumple lo que "
                       "prometía la validación (demasiado pequeña o distinta de la prueba). No se reajusta mirando la "
                       "prueba: se informa así.")
    if risk.high < target:
        return text + " El intervalo queda por debajo del objetivo: el umbral cumple, con margen."
    return text + " El intervalo contiene el objetivo: con estas reseñas no se puede decir que el umbral lo incumpla."


def confident_examples_reading(confidence: Any, threshold: float, *, names: Sequence[str] | None = None) -> str:
    """Cuántos de unos ejemplos (p. ej. frases ambiguas) salieron seguros (confianza ≥ ``threshold``) y cuántos
    «inciertos».

    Parámetros
    ----------
    confidence : array-like (N,)
        Confianza media de cada ejemplo.
    threshold : float
        Umbral de abstención.
    names : sequence of str, opcional
        Cómo llamar a cada ejemplo en la frase (p. ej. su número).

    Devuelve
    --------
    str
    """
    threshold = check_float("threshold", threshold, 0.0, 1.0)
    conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
    if conf.size == 0 or not np.all(np.isfinite(conf)):
        raise fail("confidence", conf.tolist(), "debe tener al menos un valor finito",
                   "pasa la confianza de cada ejemplo")
    names = list(names) if names is not None else [str(i + 1) for i in range(conf.size)]
    uncertain = [n for n, c in zip(names, conf, strict=True) if c < threshold]
    if not uncertain:
        return (f"Ninguno salió «incierto»: todos con confianza ≥ {threshold} (mínima {conf.min():.3f}). El modelo no "
                "duda de estas frases, aunque a un lector le parezcan ambiguas: una confianza alta no garantiza "
                "acertar.")
    if len(uncertain) == conf.size:
        return f"Todos salieron «incierto» (confianza < {threshold}): el modelo duda de todos, o apenas aprendió."
    return (f"Salieron «incierto» {len(uncertain)} de {conf.size} ({', '.join(uncertain)}); el resto, con confianza ≥ "
            f"{threshold}.")


def cheapest_equivalent(rows: Sequence[dict[str, Any]], *, reference: str) -> str:
    """La regla de elección del 06.5: el método más barato que el ajuste completo no supera según su intervalo.

    Un método «empata» con la referencia si el intervalo emparejado de su diferencia de exactitud
    contiene el 0 (o queda por encima). Entre la referencia y los que empatan, se elige el de menor
    tiempo de entrenamiento.

    Parámetros
    ----------
    rows : sequence of dict
        Filas con ``method``, ``seconds`` y, salvo la referencia, ``versus`` (campos de
        :class:`~course_utils.evaluation.Interval`: la diferencia método − referencia).
    reference : str
        El ``method`` de la referencia (el ajuste completo).

    Devuelve
    --------
    str
        La frase con la elección y por qué.
    """
    by_name = {r.get("method"): r for r in rows}
    if reference not in by_name:
        raise fail("reference", reference, f"no está entre los métodos {sorted(map(str, by_name))}",
                   "pasa el nombre exacto de la fila del ajuste completo")
    candidates = [by_name[reference]]
    for row in rows:
        versus = row.get("versus")
        if row is by_name[reference] or not versus:
            continue
        if versus["high"] >= 0.0:  # contiene el 0 o queda por encima: los datos no dicen que sea peor
            candidates.append(row)
    timed = [r for r in candidates if r.get("seconds") is not None]
    if not timed:
        return (f"Sin tiempos medidos no se puede aplicar la regla; los que no se distinguen de «{reference}»: "
                + ", ".join(r["method"] for r in candidates))
    choice = min(timed, key=lambda r: r["seconds"])
    tied = [r["method"] for r in candidates if r is not by_name[reference]]
    if choice is by_name[reference]:
        return (f"Elección: «{reference}». Ningún método más barato empata con él: todos los intervalos de su "
                "diferencia quedan por debajo de 0"
                + (f" (o los que empatan, {', '.join(tied)}, no son más baratos)." if tied else "."))
    return (f"Elección: «{choice['method']}» ({choice['seconds']:.1f} s de entrenamiento frente a "
            f"{by_name[reference]['seconds']:.0f} s): su diferencia con «{reference}» tiene un intervalo que contiene "
            "el 0 (o queda por encima), así que estas reseñas no dicen que sea peor, y es el más barato de los que "
            f"empatan ({', '.join(tied)}).")


def run_reading(y_true: Any, logits: Any, *, chance: float | None = None) -> str:
    """Qué le pasó a un entrenamiento, visto en sus predicciones: se quedó en una clase, apenas aprendió o aprendió.

    - **Una sola clase**: más del 95 % de las predicciones son la misma clase (lo que pasa con una tasa demasiado alta).
    - **Apenas aprendió**: el intervalo de Wilson de la exactitud contiene el azar (1 / número de clases).
    - **Aprendió**: el intervalo queda por encima del azar.

    Parámetros
    ----------
    y_true : array-like (N,)
        Etiquetas.
    logits : array-like (N, C)
        Logits o probabilidades.
    chance : float, opcional
        La exactitud del azar (por defecto, 1/C).

    Devuelve
    --------
    str
    """
    from course_utils import evaluation
    from course_utils._checks import check_labels, check_scores

    scores = check_scores("logits", logits)
    y = check_labels("y_true", y_true, n_classes=scores.shape[1], n_rows=scores.shape[0])
    chance = 1.0 / scores.shape[1] if chance is None else chance
    accuracy = evaluation.metric_interval(y, scores)
    shares = np.bincount(scores.argmax(axis=1), minlength=scores.shape[1]) / len(y)
    if shares.max() > 0.95:
        return (f"{accuracy}: predice una sola clase (el {shares.max() * 100:.0f} % de las reseñas): el entrenamiento "
                "se hundió.")
    if accuracy.low <= chance:
        return f"{accuracy}: el intervalo contiene el azar ({chance:.2f}): apenas aprendió."
    return f"{accuracy}: aprendió (el intervalo queda por encima del azar, {chance:.2f})."


def overlap_reading(first: Interval | None, second: Interval | None, *, names: tuple[str, str], quantity: str) -> str:
    """Si los intervalos de una misma cantidad en dos grupos se solapan, y qué permite afirmar eso.

    Dos intervalos que no se solapan bastan para afirmar que la cantidad difiere entre los grupos (es
    una comprobación exigente: dos que se solapan aún podrían diferir, pero esta comparación no lo
    muestra). Sirve, por ejemplo, para la entropía media de los aciertos frente a la de los errores.

    Parámetros
    ----------
    first, second : Interval o None
        La cantidad en cada grupo, con su intervalo; ``None`` si el grupo no tiene bastantes
        elementos para un intervalo.
    names : tuple of str
        Cómo se llama cada grupo en la frase, en el mismo orden (p. ej. ``("los aciertos", "los errores")``).
    quantity : str
        Qué se compara, con su artículo (p. ej. ``"la entropía media"``).

    Devuelve
    --------
    str

    Errores
    -------
    CourseParameterError
        Si ``names`` no son dos nombres.
    """
    if not isinstance(names, (tuple, list)) or len(names) != 2:
        raise fail("names", names, "deben ser dos nombres, uno por grupo",
                   'pasa p. ej. names=("los aciertos", "los errores")')
    missing = [name for name, iv in zip(names, (first, second), strict=True) if iv is None]
    if missing:
        return f"Sin intervalo para {' ni para '.join(missing)} (muy pocos): no se puede comparar {quantity}."
    for name, iv in zip(("first", "second"), (first, second), strict=True):
        if not isinstance(iv, Interval):
            raise fail(name, type(iv).__name__, "debe ser un Interval o None",
                       "pasa evaluation.bootstrap_interval(...) de cada grupo")
    text = f"{quantity[:1].upper()}{quantity[1:]}: {names[0]} {first.format(3)}, {names[1]} {second.format(3)}."
    if first.high < second.low or second.high < first.low:
        higher, lower = (names[1], names[0]) if second.estimate > first.estimate else names
        return text + (f" Los intervalos no se solapan: {quantity} es mayor en {higher} que en {lower}, y estas "
                       "reseñas bastan para afirmarlo.")
    return text + (f" Los intervalos se solapan: con esta comparación no se puede afirmar que {quantity} difiera entre "
                   f"{names[0]} y {names[1]}.")


def passes_reading(pass_probs: Any, *, used: int, tolerance: float = 0.05) -> str:
    """Si ``used`` pasadas de MC dropout bastan: cuánto se aparta su media de la media con todas las pasadas.

    El cambio es, para cada ejemplo, la mayor diferencia absoluta entre las probabilidades medias
    con ``used`` pasadas y con todas, promediada sobre los ejemplos (con 2 clases, el cambio medio
    de p). Si no pasa de ``tolerance``, más pasadas apenas mueven la media. Si ``used`` ya son
    todas las pasadas, se mide cuánto mueve la media la última.

    Parámetros
    ----------
    pass_probs : array-like (T, N, C)
        Las probabilidades de cada pasada (``pass_probs`` de ``uncertainty.mc_dropout_predict``).
    used : int
        Las pasadas que se usan (``MC_PASSES``), entre 1 y T.
    tolerance : float
        El cambio medio que se acepta (0.05 por defecto).

    Devuelve
    --------
    str

    Errores
    -------
    CourseParameterError
        Si ``pass_probs`` no tiene forma (T, N, C) o ``used`` no está entre 1 y T.
    """
    probs = np.asarray(pass_probs, dtype=np.float64)
    if probs.ndim != 3 or probs.shape[0] < 1 or probs.shape[1] < 1 or not np.all(np.isfinite(probs)):
        raise fail("pass_probs", f"forma {probs.shape}",
                   "debe tener forma (pasadas, ejemplos, clases) y valores finitos",
                   "pasa el pass_probs que devuelve uncertainty.mc_dropout_predict")
    total = probs.shape[0]
    if isinstance(used, bool) or not isinstance(used, (int, np.integer)) or not 1 <= used <= total:
        raise fail("used", used, f"debe ser un entero entre 1 y {total} (las pasadas que hay)", "pasa MC_PASSES")
    tolerance = check_float("tolerance", tolerance, 0.0, 1.0, low_inclusive=False)
    if total == 1:
        return "Una sola pasada: no hay media que estabilizar."

    def moved(first: int) -> float:
        return float(np.abs(probs[:first].mean(axis=0) - probs.mean(axis=0)).max(axis=1).mean())

    if used == total:
        text = (f"Se usan todas las pasadas (T = {total}): la última mueve la media {moved(total - 1):.4f} (tolerancia "
                f"{tolerance:g})")
        if moved(total - 1) <= tolerance:
            return text + ": la media ya se estabiliza. Para comprobarlo con más margen, sube MC_PASSES_MAX."
        return text + ": la media aún no se estabiliza; sube MC_PASSES y MC_PASSES_MAX."
    change = moved(used)
    text = f"Con T = {used} pasadas, la media se aparta {change:.4f} de la de T = {total} (tolerancia {tolerance:g})"
    if change <= tolerance:
        return text + f": bastan {used} pasadas; más apenas mueven la media."
    return text + ": hacen falta más pasadas (o el dropout es demasiado fuerte para MC)."
