"""Comprobaciones de los ejercicios del módulo 06: dicen qué falta sin interrumpir el cuaderno.

Cada función imprime «✓ Ejercicio N: ...» o «✗ Ejercicio N ...  Pista: ...» y devuelve ``True``/``False``;
no lanza errores por una respuesta mal formada, para que el cuaderno de ejercicios se pueda ejecutar entero
(también en CI) aunque esté sin resolver. Las pistas orientan sin dar la respuesta.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from course_utils import calibration, data, evaluation, metrics, models
from course_utils._checks import CourseParameterError, check_float, check_int, fail
from course_utils.models import OFFLINE_MODEL

SPANISH_MODELS = (
    "dccuchile/bert-base-spanish-wwm-uncased",
    "dccuchile/bert-base-spanish-wwm-cased",
    "PlanTL-GOB-ES/roberta-base-bne",
    "bert-base-multilingual-cased",
    "bert-base-multilingual-uncased",
    "xlm-roberta-base",
)
ENGLISH_MODELS = ("bert-base-uncased", "bert-base-cased", "distilbert-base-uncased", "roberta-base")
# Pistas de que un nombre del Hub es un modelo para español o multilingüe (BETO, MarIA, BERTIN, mBERT, XLM-R...).
SPANISH_HINTS = ("spanish", "bne", "beto", "bertin", "multilingual", "xlm-roberta", "mdeberta", "labse")
MAX_LENGTH_CANDIDATES = (16, 32, 64, 128, 256, 512)
TOTAL = 10
# Las firmas que citan las pistas: cómo se llama cada función, no qué hay que pasarle.
RISK_COVERAGE_SIGNATURE = ("calibration.risk_coverage_curve(correct, confidence) devuelve un dict: «coverage», "
                           "«risk» y «threshold» (arrays, un valor por confianza distinta, de la más alta a la más "
                           "baja) y «aurc» (un número)")
PREDICT_LOGITS_SIGNATURE = ("uncertainty.predict_logits(model, tokenizer, texts, *, max_length=...) devuelve un array "
                            "(N, C)")
METRICS_SIGNATURE = ("metrics.classification_metrics(labels, predictions, *, average=...) devuelve un dict con "
                     "«accuracy», «f1»…")
MC_DROPOUT_SIGNATURE = ("uncertainty.mc_dropout_predict(model, tokenizer, texts, *, n_passes=..., threshold=..., "
                        "label_names=..., max_length=...) devuelve un resultado con el campo .abstained (un bool por "
                        "texto)")


def _report(number: int, ok: bool, message: str, hint: str = "") -> bool:
    if ok:
        print(f"✓ Ejercicio {number}: {message}")
    else:
        print(f"✗ Ejercicio {number}: {message}" + (f" Pista: {hint}" if hint else ""))
    return ok


def _pending(number: int, what: str, hint: str) -> bool:
    print(f"… Ejercicio {number} (pendiente): {what} Pista: {hint}")
    return False


def _pct(x: float, digits: int = 0) -> str:
    """Porcentaje a la española: «9,9 %»."""
    return f"{100 * float(x):.{digits}f}".replace(".", ",") + " %"


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
            and np.isfinite(value))


# --- Ejercicio 1: la trampa de los datos ordenados por etiqueta (06.1) ---------------------------------


def check_label_order(ds: Any, n_classes_first: Any, sample: Any, *, n_first: int = 20, n_per_class: int = 10) -> bool:
    """Ejercicio 1: cuántas clases hay entre los primeros ejemplos de un conjunto ordenado, y una muestra correcta.

    Parámetros
    ----------
    ds : datasets.Dataset
        El conjunto ordenado por etiqueta (``resenas-mini``), con columna ``label``.
    n_classes_first : int o None
        Respuesta del estudiante: clases distintas entre los ``n_first`` primeros ejemplos.
    sample : datasets.Dataset o None
        La muestra del estudiante, que debe traer ``n_per_class`` ejemplos de cada clase.
    n_first, n_per_class : int
        Tamaño del trozo inicial y ejemplos por clase pedidos.

    Devuelve
    --------
    bool
    """
    if n_classes_first is None or sample is None:
        return _pending(1, "responde n_clases_primeras y construye muestra.",
                        f"mira la columna label de los {n_first} primeros ejemplos")
    labels = data.column_values(ds, "label")
    actual = len(set(labels[:n_first]))
    if not _is_number(n_classes_first) or int(n_classes_first) != actual:
        return _report(1, False,
                       f"n_clases_primeras={n_classes_first!r} no es lo que hay en los {n_first} primeros ejemplos.",
                       "cuéntalo en los datos (p. ej. con set) en vez de suponerlo")
    counts = (np.bincount(np.asarray(data.column_values(sample, "label"), dtype=int), minlength=len(set(labels)))
              if "label" in getattr(sample, "column_names", []) else None)
    if counts is None:
        return _report(1, False, "muestra no es un Dataset con columna label.",
                       "usa una función de course_utils.data que muestree")
    if (counts == 0).any():
        return _report(1, False, f"a tu muestra le faltan clases (ejemplos por clase: {counts.tolist()}).",
                       "es la trampa que acabas de ver: coger los primeros ejemplos no sirve si los datos vienen "
                       "ordenados")
    if (counts != n_per_class).any():
        return _report(1, False, f"tu muestra no está equilibrada: {counts.tolist()} ejemplos por clase; se piden "
                                 f"{n_per_class} de cada una.",
                       "hay una función en course_utils.data que toma N ejemplos de cada clase")
    first = "de una sola clase" if actual == 1 else f"de {actual} clases"
    return _report(1, True, f"los {n_first} primeros ejemplos son {first}; tu muestra tiene {counts.tolist()} ejemplos "
                            "por clase.")


# --- Ejercicio 2: leer una matriz de confusión (06.3, 06.2) -------------------------------------------------


def check_confusion(matrix: Any, label_names: Sequence[str], *, worst_recall: Any, worst_precision: Any,
                    main_confusion: Any) -> bool:
    """Ejercicio 2: la clase con peor exhaustividad, la de peor precisión y la confusión más frecuente.

    Parámetros
    ----------
    matrix : array (C, C)
        Matriz de confusión: filas = clase real, columnas = clase predicha.
    label_names : list of str
        Nombre de cada clase.
    worst_recall, worst_precision : str o None
        Respuestas del estudiante (nombres de clase).
    main_confusion : tuple (str, str) o None
        ``(clase real, clase predicha)`` de la casilla fuera de la diagonal con más ejemplos.

    Devuelve
    --------
    bool
    """
    if worst_recall is None or worst_precision is None or main_confusion is None:
        return _pending(2, "responde las tres preguntas.", "filas = clase real, columnas = clase predicha")
    m = np.asarray(matrix, dtype=float)
    names = list(label_names)
    recall = np.diag(m) / m.sum(axis=1)
    precision = np.diag(m) / m.sum(axis=0)
    true_recall, true_precision = names[int(recall.argmin())], names[int(precision.argmin())]
    off = m.copy()
    np.fill_diagonal(off, -1)
    r, c = np.unravel_index(int(off.argmax()), off.shape)
    true_pair = (names[r], names[c])
    for answer in (worst_recall, worst_precision):
        if answer not in names:
            return _report(2, False, f"{answer!r} no es una clase.", f"usa uno de estos nombres: {names}")
    if worst_recall != true_recall:
        hint = ("esa es la de peor precisión: la exhaustividad se calcula por filas (de los reales de una clase, "
                "cuántos acierta)"
                if worst_recall == true_precision else "divide la diagonal entre el total de cada fila")
        return _report(2, False, f"{worst_recall!r} no es la clase con peor exhaustividad.", hint)
    if worst_precision != true_precision:
        hint = ("esa es la de peor exhaustividad: la precisión se calcula por columnas (de los predichos como una "
                "clase, cuántos lo son)"
                if worst_precision == true_recall else "divide la diagonal entre el total de cada columna")
        return _report(2, False, f"{worst_precision!r} no es la clase con peor precisión.", hint)
    if not isinstance(main_confusion, (tuple, list)) or len(main_confusion) != 2:
        return _report(2, False, f"confusion_principal={main_confusion!r} debe ser una pareja (real, predicha).",
                       'p. ej. ("negativo", "neutro")')
    pair = tuple(main_confusion)
    if pair != true_pair:
        hint = ("el orden es (real, predicha): las filas son la clase real" if pair == true_pair[::-1]
                else "busca la casilla más grande fuera de la diagonal")
        return _report(2, False, f"{pair} no es la confusión más frecuente.", hint)
    return _report(2, True, f"peor exhaustividad: {true_recall} ({recall.min():.2f}); peor precisión: {true_precision} "
                            f"({precision.min():.2f}); el error más común es {true_pair[0]} → {true_pair[1]}.")


# --- Ejercicio 3: elegir MAX_LENGTH (06.1) -----------------------------------------------------------------


def check_max_length_choice(lengths: Any, max_length: Any, *, coverage: float = 0.95,
                            candidates: Sequence[int] = MAX_LENGTH_CANDIDATES) -> bool:
    """Ejercicio 3: el menor ``MAX_LENGTH`` de ``candidates`` que deja enteras al menos ``coverage`` de las opiniones.

    No confundir con :func:`course_utils.params.check_max_length`, que *valida* el parámetro ``MAX_LENGTH``;
    esta comprueba la *respuesta* del ejercicio.

    Parámetros
    ----------
    lengths : array (N,) de int
        Longitud en tokens de cada texto (con los especiales).
    max_length : int o None
        Respuesta del estudiante.
    coverage : float
        Fracción mínima de textos que no se recortan.
    candidates : sequence of int
        Valores entre los que se elige.

    Devuelve
    --------
    bool
    """
    if max_length is None:
        return _pending(3, "elige max_length_elegido.", "mira qué fracción de las opiniones cabe en cada candidato")
    if not _is_number(max_length) or int(max_length) not in candidates:
        return _report(3, False, f"max_length_elegido={max_length!r} no es uno de los candidatos {list(candidates)}.",
                       "elige uno de la lista")
    lengths = np.asarray(lengths)
    fits = {c: float(np.mean(lengths <= c)) for c in candidates}
    chosen = int(max_length)
    if fits[chosen] < coverage:
        return _report(3, False, f"con MAX_LENGTH={chosen} se recortaría el {_pct(1 - fits[chosen])} de las opiniones; "
                                 f"se pide como mucho el {_pct(1 - coverage)}.",
                       "un valor mayor")
    smaller = [c for c in candidates if c < chosen and fits[c] >= coverage]
    if smaller:
        return _report(3, False, f"MAX_LENGTH={chosen} basta, pero un candidato menor también deja enteras al menos el "
                                 f"{_pct(coverage)} de las opiniones.",
                       "un tope más alto no aporta nada y deja pasar textos largos que encarecen su minilote (la "
                       "atención crece con el cuadrado de la longitud)")
    return _report(3, True, f"MAX_LENGTH={chosen} deja enteras el {_pct(fits[chosen])} de las opiniones (la más larga "
                            f"tiene {int(lengths.max())} tokens).")


# --- Ejercicios 4 a 7: adaptar el ajuste fino a tres clases en español ----------------------------------


def check_dataset(ds: Any, label_names: list[str]) -> bool:
    """Ejercicio 4: un ``Dataset`` con columnas ``text``/``label`` y las clases ``label_names``.

    Parámetros
    ----------
    ds : datasets.Dataset o None
        Lo que cargó el estudiante.
    label_names : list of str
        Clases esperadas, en orden.

    Devuelve
    --------
    bool
    """
    if ds is None:
        return _pending(4, "aún no has cargado los datos.",
                        "data.load_text_dataset tiene parámetros para elegir las columnas y el orden de las clases")
    columns = getattr(ds, "column_names", None)
    if columns != ["text", "label"]:
        return _report(4, False, f"las columnas son {columns}, se esperan ['text', 'label'].",
                       "usa text_column y label_column para elegirlas")
    names = list(getattr(ds.features["label"], "names", []))
    if names != list(label_names):
        return _report(4, False, f"las clases son {names}, se esperan {list(label_names)} en ese orden.",
                       "sin label_names, las etiquetas de texto se ordenan alfabéticamente; fija tú el orden")
    return _report(4, True, f"{len(ds)} opiniones en {len(names)} clases.")


def check_model_name(name: Any) -> bool:
    """Ejercicio 5: ``model_name`` es un modelo preentrenado para español o multilingüe.

    El modelo empaquetado (``OFFLINE_MODEL``, en inglés) no es una respuesta: sin conexión, el ejercicio 10 entrena
    con el ``MODEL`` del perfil (:func:`model_to_train`) y lo dice.

    Parámetros
    ----------
    name : str o None
        Valor de ``model_name`` en el cuaderno.

    Devuelve
    --------
    bool
    """
    if name is None:
        return _pending(5, "elige model_name.",
                        "busca en el Hub un modelo preentrenado con textos en español, o uno multilingüe")
    if not isinstance(name, str) or not name.strip():
        return _report(5, False, f"model_name={name!r} debe ser un texto.",
                       "el nombre de un modelo del Hub o la ruta de una carpeta")
    if name in ENGLISH_MODELS:
        return _report(5, False, f"{name!r} se preentrenó solo en inglés: su vocabulario trocea el español en pedazos "
                                 "sin sentido.",
                       "busca un modelo preentrenado en español, o uno multilingüe")
    if name == OFFLINE_MODEL:
        return _report(5, False, f"{name!r} es el modelo empaquetado, preentrenado en inglés: sirve sin conexión para "
                                 "probar el código, no es un modelo para español.",
                       "escribe el que elegirías con conexión; sin ella, el ejercicio 10 entrena con el MODEL del "
                       "perfil y lo dice")
    if name in SPANISH_MODELS:
        return _report(5, True, f"model_name={name!r} (modelo para español o multilingüe).")
    if any(word in name.lower() for word in SPANISH_HINTS):
        return _report(5, True, f"model_name={name!r}: por su nombre, para español o multilingüe; confírmalo en su "
                                "ficha del Hub.")
    return _report(5, False, f"nada indica que {name!r} se preentrenara con textos en español.",
                   "mira la lista de modelos del principio del cuaderno o la ficha del modelo en el Hub (idiomas)")


def check_head(num_labels: Any, id2label: Any, label_names: list[str]) -> bool:
    """Ejercicio 6: la cabeza de clasificación tiene una salida por clase y sus nombres.

    Parámetros
    ----------
    num_labels : int o None
        Salidas de la cabeza.
    id2label : dict o None
        Índice → nombre de clase.
    label_names : list of str
        Clases, en el orden de sus índices.

    Devuelve
    --------
    bool
    """
    expected = dict(enumerate(label_names))
    if num_labels is None or id2label is None:
        return _pending(6, "define num_labels e id2label.", "una salida por clase; id2label va de índice a nombre")
    if num_labels != len(label_names):
        return _report(6, False, f"num_labels={num_labels!r}, pero hay {len(label_names)} clases.",
                       "una salida por clase")
    if not isinstance(id2label, dict) or id2label != expected:
        return _report(6, False, f"id2label={id2label!r} no asigna a cada índice el nombre de su clase.",
                       "las claves son los índices 0, 1, 2…; los valores, los nombres en el orden de LABEL_NAMES")
    return _report(6, True, f"{num_labels} salidas: {expected}.")


def check_average(average: Any, num_classes: int) -> bool:
    """Ejercicio 7: con más de dos clases y todas con el mismo peso, el promedio es ``"macro"``.

    Parámetros
    ----------
    average : str o None
        Respuesta del estudiante.
    num_classes : int
        Número de clases.

    Devuelve
    --------
    bool
    """
    if average is None:
        return _pending(7, "elige average.", "con más de dos clases no hay una única «clase positiva»")
    if average == "binary" and num_classes > 2:
        return _report(7, False, f'average="binary" supone una única clase positiva, y aquí hay {num_classes} clases.',
                       "promedia por clase")
    if average == "weighted":
        return _report(7, False, f'average="weighted" es válido con {num_classes} clases, pero pesa cada clase por su '
                                 "número de ejemplos: una clase pequeña y mal predicha apenas movería la cifra. Se "
                                 "pide que todas cuenten lo mismo.",
                       "el otro promedio por clase")
    if average not in ("macro", "binary"):
        return _report(7, False, f"average={average!r} no es una opción.",
                       'las de scikit-learn son "binary", "micro", "macro" y "weighted"')
    return _report(7, True, f'average="{average}": cada clase cuenta lo mismo.')


# --- Ejercicio 8: el ECE a mano (06.4) ---------------------------------------------------------------------


def check_ece(correct: Any, confidence: Any, value: Any, *, n_bins: int = 5) -> bool:
    """Ejercicio 8: el ECE calculado a mano coincide con :func:`course_utils.calibration.ece_from_confidence`.

    Parámetros
    ----------
    correct, confidence : array (N,)
        Acierto (0/1) y confianza de cada predicción.
    value : float o None
        El ECE que calculó el estudiante.
    n_bins : int
        Número de tramos de igual anchura en (0, 1].

    Devuelve
    --------
    bool
    """
    if value is None:
        return _pending(8, "calcula ece_a_mano.",
                        "reparte las predicciones en tramos de confianza y compara, en cada tramo, confianza media y "
                        "exactitud")
    if not _is_number(value):
        return _report(8, False, f"ece_a_mano={value!r} debe ser un número.", "un float entre 0 y 1")
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    reference = float(calibration.ece_from_confidence(ok, conf, n_bins=n_bins))
    if abs(float(value) - reference) < 1e-6:
        return _report(8, True, f"ECE = {reference:.3f}, igual que calibration.ece_from_confidence.")
    index = calibration.bin_index(conf, n_bins=n_bins)
    gaps = [abs(ok[index == b].mean() - conf[index == b].mean()) for b in range(n_bins) if (index == b).any()]
    if not 0 <= float(value) <= 1:
        hint = "el ECE es una media de diferencias entre probabilidades: está entre 0 y 1"
    elif abs(float(value) - float(np.mean(gaps))) < 1e-6:
        hint = "no todos los tramos pesan igual: pondera cada uno por la fracción de predicciones que contiene"
    elif abs(float(value) - abs(ok.mean() - conf.mean())) < 1e-6:
        hint = "eso es la diferencia global; el ECE compara confianza y exactitud dentro de cada tramo y luego suma"
    else:
        hint = (f"comprueba a qué tramo va cada confianza: {n_bins} tramos de igual anchura en (0, 1], con el límite "
                "derecho incluido")
    return _report(8, False, f"ece_a_mano={float(value):.4f} no coincide con la referencia.", hint)


# --- Ejercicio 9: el umbral de abstención, elegido en validación y comprobado en prueba (06.4) -------------


def simulated_predictions(n: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Confianza y acierto simulados de un clasificador de tres clases algo sobreconfiado.

    Parámetros
    ----------
    n : int
        Número de predicciones.
    seed : int
        Semilla (una para validación y otra para prueba).

    Devuelve
    --------
    (numpy.ndarray, numpy.ndarray)
        ``confidence`` (N,) en [1/3, 1), redondeada a 3 decimales, y ``correct`` (N,) de bool.
    """
    n = check_int("n", n, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    confidence = np.round(1 / 3 + (2 / 3) * rng.beta(2.5, 1.2, size=n), 3).clip(0.334, 0.999)
    correct = rng.random(n) < confidence**1.6
    return confidence, correct


def _coverage_risk(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> tuple[float, float]:
    answered = confidence >= threshold
    coverage = float(answered.mean())
    risk = float((~correct[answered]).mean()) if answered.any() else 0.0
    return coverage, risk


def _coverage_risk_intervals(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> tuple[Any, Any]:
    """Cobertura y riesgo de ``threshold`` con su intervalo de Wilson (el riesgo, «—» si no se responde ninguna)."""
    answered = confidence >= threshold
    n_answered = int(answered.sum())
    coverage = evaluation.wilson_interval(n_answered, answered.size)
    risk = evaluation.wilson_interval(int((~correct[answered]).sum()), n_answered) if n_answered else "—"
    return coverage, risk


def _best_threshold(confidence: np.ndarray, correct: np.ndarray, target_risk: float) -> float:
    curve = calibration.risk_coverage_curve(correct, confidence)
    allowed = np.flatnonzero(curve["risk"] <= target_risk)
    return float(curve["threshold"][allowed[-1]]) if allowed.size else float("inf")


def check_threshold(val_correct: Any, val_confidence: Any, test_correct: Any, test_confidence: Any, *, threshold: Any,
                    test_coverage: Any, test_risk: Any, target_risk: float) -> bool:
    """Ejercicio 9: umbral con la mayor cobertura en validación sin pasar de ``target_risk``, y sus cifras en prueba.

    Parámetros
    ----------
    val_correct, val_confidence : array (N,)
        Acierto y confianza en validación (donde se elige).
    test_correct, test_confidence : array (M,)
        Acierto y confianza en prueba (donde solo se comprueba).
    threshold : float o None
        Umbral elegido: se responde si confianza >= umbral.
    test_coverage, test_risk : float o None
        Cobertura (fracción respondida) y riesgo (error entre las respondidas) del umbral en prueba.
    target_risk : float
        Riesgo máximo admitido.

    Devuelve
    --------
    bool
    """
    if threshold is None or test_coverage is None or test_risk is None:
        return _pending(9, "elige umbral y calcula cobertura_prueba y riesgo_prueba.",
                        f"{RISK_COVERAGE_SIGNATURE}; úsala sobre validación")
    if not all(_is_number(v) for v in (threshold, test_coverage, test_risk)):
        return _report(9, False, "umbral, cobertura_prueba y riesgo_prueba deben ser números.", "floats entre 0 y 1")
    vc, vk = np.asarray(val_confidence, dtype=float), np.asarray(val_correct, dtype=bool)
    tc, tk = np.asarray(test_confidence, dtype=float), np.asarray(test_correct, dtype=bool)
    cov_val, risk_val = _coverage_risk(vc, vk, float(threshold))
    best_cov, _ = _coverage_risk(vc, vk, _best_threshold(vc, vk, target_risk))
    if risk_val > target_risk:
        on_test = _coverage_risk(tc, tk, float(threshold))[1] <= target_risk
        hint = ("en prueba sí cumple, pero el umbral se elige en validación: la prueba se mira una sola vez, al final"
                if on_test else "sube el umbral")
        return _report(9, False, f"en validación, umbral={float(threshold):.3f} da un riesgo de {_pct(risk_val, 1)}, "
                                 f"por encima del {_pct(target_risk)}.", hint)
    if cov_val < best_cov - 1e-12:
        return _report(9, False, f"en validación respondes el {_pct(cov_val)}, y se puede responder más sin pasar del "
                                 f"{_pct(target_risk)} de riesgo.",
                       f"busca el umbral más bajo que aún cumple el riesgo objetivo ({RISK_COVERAGE_SIGNATURE})")
    cov_test, risk_test = _coverage_risk(tc, tk, float(threshold))
    if abs(float(test_coverage) - cov_test) > 1e-6 or abs(float(test_risk) - risk_test) > 1e-6:
        return _report(9, False,
                       "el umbral está bien elegido, pero cobertura_prueba o riesgo_prueba no cuadran con él.",
                       "cobertura = fracción con confianza >= umbral; riesgo = fracción de errores entre esas")
    test_cov, test_risk_interval = _coverage_risk_intervals(tc, tk, float(threshold))
    if risk_test <= target_risk:
        verdict = "cumple también en prueba"
    elif test_risk_interval.low <= target_risk:
        verdict = (f"en prueba la estimación pasa del {_pct(target_risk)}, pero su intervalo lo contiene: con estas "
                   "opiniones no se puede afirmar que se pase")
    else:
        verdict = "en prueba se pasa: lo elegido en validación es una estimación, no una garantía"
    return _report(9, True, f"umbral={float(threshold):.3f}: en validación, cobertura {_pct(cov_val)} y riesgo "
                            f"{_pct(risk_val, 1)}; en prueba, cobertura {test_cov} y riesgo {test_risk_interval} "
                            f"(intervalos de Wilson al 95 %; {verdict}).")


# --- Ejercicio 10: entrenar, evaluar y abstenerse ------------------------------------------------------------


def model_to_train(model_name: Any, profile_model: str, *, profile: str = "completo",
                   online: bool | None = None) -> str:
    """Ejercicio 10: con qué modelo se entrena de verdad, y por qué (lo imprime en una frase).

    El curso se ejecuta también sin conexión, y sin conexión no se puede descargar el modelo del ejercicio 5.
    Entonces se entrena con el ``MODEL`` del perfil (el empaquetado, en inglés), y la frase lo dice para que
    nadie lea sus cifras como las de un modelo para español.

    Parámetros
    ----------
    model_name : str o None
        La respuesta del ejercicio 5.
    profile_model : str
        El ``MODEL`` que eligió el perfil.
    profile : str
        El perfil resuelto (``perfil.name``): ``"local"`` y ``"smoke"`` están pensados para CPU y sin conexión,
        y entrenan siempre con ``profile_model``.
    online : bool, opcional
        Si el Hub de Hugging Face responde; por defecto se comprueba (:func:`course_utils.runtime.hub_reachable`).

    Devuelve
    --------
    str
        El nombre (o la ruta) del modelo con el que entrenar.

    Errores
    -------
    CourseParameterError
        Si ``profile_model`` no es un texto.
    """
    if not isinstance(profile_model, str) or not profile_model.strip():
        raise fail("MODEL", profile_model, "debe ser el nombre de un modelo", "pasa el MODEL que eligió el perfil")
    if not isinstance(model_name, str) or not model_name.strip():
        print(f"model_name está sin elegir (ejercicio 5): se entrena con MODEL={profile_model!r}, el del perfil.")
        return profile_model
    if model_name == profile_model:
        print(f"Se entrena con model_name={model_name!r}, que es también el MODEL del perfil.")
        return model_name
    try:
        local = models.is_local_source(models.resolve_model_source(model_name))
    except CourseParameterError:
        local = False
    if local:
        print(f"Se entrena con model_name={model_name!r}: está en esta máquina, no hace falta el Hub.")
        return model_name
    caveat = (f"las cifras de abajo miden el procedimiento con MODEL={profile_model!r}, no lo que daría {model_name!r}")
    if profile in ("local", "smoke"):
        print(f"El perfil «{profile}» está pensado para CPU y sin conexión: se entrena con MODEL={profile_model!r}, "
              f"no con tu model_name={model_name!r} (que usaría el perfil completo, con conexión). Ojo: {caveat}.")
        return profile_model
    if online is None:
        from course_utils.runtime import hub_reachable

        online = hub_reachable()
    if not online:
        print(f"El Hub de Hugging Face no responde: no se puede descargar model_name={model_name!r}, así que se "
              f"entrena con MODEL={profile_model!r}, el del perfil. Ojo: {caveat}.")
        return profile_model
    print(f"El Hub responde: se entrena con tu model_name={model_name!r}.")
    return model_name


def check_training(y_true: Any, logits: Any, test_metrics: Any, abstained: Any, *, n_test: int,
                   num_labels: int) -> bool:
    """Ejercicio 10: se evaluó en toda la prueba, con las métricas de esos logits, y MC dropout decidió la abstención.

    Mientras falte una pieza, la pista da la firma de la función que la calcula (no la llamada resuelta).

    Parámetros
    ----------
    y_true : array (N,)
        Etiquetas de la prueba.
    logits : array (N, C)
        Logits del modelo ajustado sobre la prueba.
    test_metrics : dict
        Lo que devolvió ``metrics.classification_metrics``.
    abstained : array (N,) de bool
        Si el modelo se abstuvo en cada opinión de la prueba (``mc.abstained``).
    n_test : int
        Tamaño de la partición de prueba.
    num_labels : int
        Número de clases.

    Devuelve
    --------
    bool
    """
    if y_true is None:
        return _pending(10, "completa los TODO y pon ENTRENAR = True.",
                        "el andamiaje sigue el orden del cuaderno 06.3: datos, modelo, entrenamiento, evaluación, "
                        "abstención")
    if logits is None:
        return _pending(10, "faltan los logits de la prueba.", PREDICT_LOGITS_SIGNATURE)
    if test_metrics is None:
        return _pending(10, "faltan las métricas de la prueba.", METRICS_SIGNATURE)
    if abstained is None:
        return _pending(10, "faltan las abstenciones.", MC_DROPOUT_SIGNATURE)
    y = np.asarray(y_true)
    z = np.asarray(logits)
    if len(y) != n_test:
        return _report(10, False, f"evaluaste {len(y)} opiniones y la prueba tiene {n_test}.",
                       "la validación sirve para elegir; evalúa en toda la partición de prueba")
    if z.shape != (n_test, num_labels):
        return _report(10, False, f"los logits tienen forma {z.shape}; se espera {(n_test, num_labels)}.",
                       f"una fila por opinión de prueba, una columna por clase: {PREDICT_LOGITS_SIGNATURE}")
    if not isinstance(test_metrics, dict) or not {"accuracy", "f1"} <= set(test_metrics):
        return _report(10, False, "test_metrics no es el diccionario de metrics.classification_metrics.",
                       METRICS_SIGNATURE)
    accuracy = float(np.mean(z.argmax(axis=1) == y))
    if abs(float(test_metrics["accuracy"]) - accuracy) > 1e-9:
        return _report(10, False, "test_metrics no sale de estos logits y etiquetas.",
                       "calcula las métricas con los mismos y_true y logits")
    flags = np.asarray(abstained)
    if flags.shape != (n_test,) or flags.dtype != bool:
        return _report(10, False, f"abstenciones debe ser un vector de {n_test} booleanos.", MC_DROPOUT_SIGNATURE)
    predicted = z.argmax(axis=1)
    # la regla de evaluation.metric_interval
    f1_name = "F1" if metrics.f1_average(y, predicted)[0] == "binary" else "F1 macro"
    return _report(10, True, f"exactitud {evaluation.metric_interval(y, predicted, metric='accuracy')} y "
                             f"{f1_name} {evaluation.metric_interval(y, predicted, metric='f1')} en {n_test} "
                             f"opiniones de prueba (intervalos al 95 %); se abstiene en {int(flags.sum())} "
                             f"({_pct(flags.mean())}).")


# --- Lecturas de las soluciones: frases escritas con las cifras de la ejecución ---------------------------------


def errors_reading(labels: Any, predictions: Any, label_names: Sequence[str]) -> str:
    """Dónde se equivoca el modelo en esta ejecución: el error más frecuente y cuántos errores pasan por la clase
    intermedia.

    Con un número impar de clases ordenadas (negativo, neutro, positivo), la del medio es la «intermedia»: los
    errores que pasan por ella (negativo → neutro, neutro → positivo…) son confusiones de matiz; los que confunden
    los extremos (positivo → negativo), de tono. Sin errores, o con un número par de clases, solo se da el recuento.

    Parámetros
    ----------
    labels : array-like (N,)
        Etiquetas verdaderas (índices de clase).
    predictions : array-like (N,) o (N, C)
        Etiquetas predichas, o logits/probabilidades (se toma el argmax).
    label_names : sequence of str
        Nombre de cada clase, en el orden de sus índices.

    Devuelve
    --------
    str

    Errores
    -------
    CourseParameterError
        Longitudes distintas o etiquetas fuera de ``label_names``.
    """
    names = list(label_names)
    y = np.asarray(labels).reshape(-1)
    pred = np.asarray(predictions)
    pred = pred.argmax(axis=1) if pred.ndim == 2 else pred.reshape(-1)
    if y.shape != pred.shape:
        raise fail("predictions", f"{pred.size} predicciones", f"hay {y.size} etiquetas",
                   "pasa una predicción por etiqueta")
    if y.size == 0 or min(y.min(), pred.min()) < 0 or max(y.max(), pred.max()) >= len(names):
        raise fail("labels", sorted(set(y.tolist()) | set(pred.tolist())), f"deben ser índices de {names}",
                   "pasa índices 0…C-1")
    matrix = np.zeros((len(names), len(names)), dtype=int)
    np.add.at(matrix, (y, pred), 1)
    wrong = int(matrix.sum() - np.trace(matrix))
    if wrong == 0:
        return f"Ningún error en las {y.size} opiniones de prueba."
    off = matrix.copy()
    np.fill_diagonal(off, -1)
    r, c = np.unravel_index(int(off.argmax()), off.shape)
    text = (f"{wrong} errores en {y.size} opiniones; el más frecuente: {names[r]} → {names[c]} "
            f"({off[r, c]} de las {matrix[r].sum()} opiniones reales «{names[r]}»).")
    if len(names) % 2 == 0:
        return text
    middle = len(names) // 2
    through = int(matrix[middle].sum() - matrix[middle, middle] + matrix[:, middle].sum() - matrix[middle, middle])
    share = f"{through} de {wrong} ({_pct(through / wrong)})"
    if 2 * through >= wrong:
        return text + f" {share} pasan por «{names[middle]}», la clase intermedia: la mayoría son confusiones de matiz."
    return text + (f" Solo {share} pasan por «{names[middle]}»: la mayoría confunde los extremos ({names[0]} ↔ "
                   f"{names[-1]}), confusiones de tono y no de matiz.")


def sentences_reading(expected: Sequence[str], result: Any, *, hard: Sequence[int] = (), margin: float = 0.05) -> str:
    """Qué hizo el modelo con unas frases de ejemplo: cuántas acierta y si duda más en las difíciles.

    Con tan pocas frases no hay intervalo que valga: la comparación de confianzas solo se afirma si la diferencia
    de medias pasa de ``margin``; si no, se dice que no se distinguen.

    Parámetros
    ----------
    expected : sequence of str
        El veredicto que esperaría un lector para cada frase (un nombre de clase).
    result : uncertainty.MCDropoutResult
        Lo que devolvió ``uncertainty.mc_dropout_predict`` con esas frases (``verdicts`` y ``confidence``).
    hard : sequence of int
        Posiciones de las frases difíciles (mixtas, irónicas); el resto son las claras.
    margin : float
        Diferencia mínima de confianza media (difíciles frente a claras) para afirmar que el modelo duda más o menos.

    Devuelve
    --------
    str

    Errores
    -------
    CourseParameterError
        Si ``expected`` no tiene un veredicto por frase o ``hard`` tiene posiciones que no existen.
    """
    verdicts = list(result.verdicts)
    confidence = np.asarray(result.confidence, dtype=float)
    expected = list(expected)
    if len(expected) != len(verdicts):
        raise fail("expected", expected, f"hay {len(verdicts)} frases", "da un veredicto esperado por frase")
    hard = sorted(set(int(i) for i in hard))
    if any(not 0 <= i < len(verdicts) for i in hard):
        raise fail("hard", hard, f"hay posiciones fuera de 0…{len(verdicts) - 1}",
                   "usa las posiciones de las frases difíciles")
    margin = check_float("margin", margin, 0.0, 1.0)
    misses = [f"«{t[:40]}…»: se esperaba {e}, dice {v}"
              for t, e, v in zip(result.texts, expected, verdicts, strict=True) if e != v]
    if not misses:
        text = f"Veredicto esperado en las {len(verdicts)} frases."
    else:
        text = (f"Veredicto esperado en {len(verdicts) - len(misses)} de {len(verdicts)} frases; "
                + "; ".join(misses) + ".")
    clear = [i for i in range(len(verdicts)) if i not in hard]
    if not hard or not clear:
        return text
    c_hard, c_clear = float(confidence[hard].mean()), float(confidence[clear].mean())
    compared = f"({c_hard:.2f} frente a {c_clear:.2f})"
    if c_hard < c_clear - margin:
        return text + (f" Las difíciles tienen menos confianza media que las claras {compared}: el modelo nota que "
                       "son más difíciles.")
    if c_hard <= c_clear + margin:
        return text + (f" Las difíciles y las claras tienen casi la misma confianza media {compared}: con tan pocas "
                       "frases, no se puede decir que el modelo las distinga.")
    return text + (f" Las difíciles tienen más confianza media que las claras {compared}: el modelo no nota la "
                   "dificultad, y la abstención no puede avisar de ella.")
