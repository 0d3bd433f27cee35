"""Una sola convención para los argumentos de datos, la de scikit-learn, en todo ``course_utils``.

1. Primero la verdad (``labels``, ``y_true``, ``correct``...), después las predicciones (``probs``, ``logits``,
   ``confidence``...) y las opciones solo por nombre (detrás de ``*``). Con datos de dos conjuntos (``val_``,
   ``test_``), la regla vale dentro de cada uno: ``(val_correct, val_confidence, test_correct, test_confidence)``.
2. Como mucho 4 parámetros que se puedan pasar por posición: con más, una llamada como
   ``f(a, b, c, d, e, f)`` no se puede leer sin abrir la documentación, y cambiar dos de sitio no da error.

Se recorren todas las funciones públicas de todos los módulos (las importadas de otro sitio se comprueban en su
módulo) y los constructores de las clases públicas que reciben datos. Las ``dataclass`` son registros de
resultados (``Interval``, ``MCDropoutResult``...): sus campos se leen por nombre y no son argumentos de datos de una
función, así que para ellas solo se comprueba el orden (regla 1).
"""

import dataclasses
import importlib
import inspect
import pkgutil

import course_utils

TRUTH = ("labels", "y_true", "correct", "val_correct", "test_correct")
PREDICTIONS = ("probs", "logits", "predictions", "y_pred", "confidence", "probs_a", "probs_b", "val_confidence",
               "test_confidence")
MAX_POSITIONAL = 4
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def public_modules():
    return [importlib.import_module(f"course_utils.{m.name}") for m in pkgutil.iter_modules(course_utils.__path__)
            if not m.name.startswith("_")]


def public_callables():
    """``(nombre, firma, es_registro)`` de cada función pública y de cada constructor público con datos."""
    found = []
    for module in public_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue  # privada, o importada de otro módulo (se comprueba allí)
            qualified = f"{module.__name__}.{name}"
            if inspect.isfunction(obj):
                found.append((qualified, inspect.signature(obj), False))
            elif inspect.isclass(obj):
                try:
                    signature = inspect.signature(obj)
                except (TypeError, ValueError):
                    continue
                if any(p in TRUTH or p in PREDICTIONS for p in signature.parameters):
                    found.append((qualified, signature, dataclasses.is_dataclass(obj)))
    return found


def convention_problems(callables) -> list[str]:
    """Qué incumple cada firma: más de 4 parámetros posicionales, o una predicción antes que la verdad."""
    problems = []
    for name, signature, is_record in callables:
        params = list(signature.parameters.values())
        positional = [p.name for p in params if p.kind in POSITIONAL]
        if len(positional) > MAX_POSITIONAL and not is_record:
            problems.append(f"{name}{signature}: {len(positional)} parámetros posicionales ({', '.join(positional)}); "
                            f"como mucho {MAX_POSITIONAL}, el resto detrás de *")
        order = [p.name for p in params]
        for prediction in (p for p in order if p in PREDICTIONS):
            # Cada predicción, detrás de toda la verdad de su mismo conjunto (val_, test_) y de la verdad sin prefijo:
            # check_threshold(val_correct, val_confidence, test_correct, test_confidence) empareja cada conjunto.
            late = [t for t in order if t in TRUTH and _data_set(t) in ("", _data_set(prediction))
                    and order.index(t) > order.index(prediction)]
            if late:
                problems.append(f"{name}{signature}: la verdad ({', '.join(late)}) debe ir antes que la predicción "
                                f"{prediction}")
    return problems


def _data_set(name: str) -> str:
    """El conjunto de datos de un parámetro por su prefijo: ``"val_"``, ``"test_"`` o ``""``."""
    return next((prefix for prefix in ("val_", "test_") if name.startswith(prefix)), "")


def test_every_public_function_follows_the_data_convention():
    callables = public_callables()
    assert len(callables) > 100, "el recorrido no encontró las funciones de course_utils"
    problems = convention_problems(callables)
    assert not problems, "firmas fuera de la convención:\n" + "\n".join(problems)


def test_the_check_detects_offenders():
    def old_ece(probs, labels, n_bins=10): ...

    def too_many(labels, probs, a, b, c): ...

    def swapped_test(val_correct, val_confidence, test_confidence, test_correct): ...

    def fine(labels, probs, *, n_bins=10): ...

    def fine_sets(val_correct, val_confidence, test_correct, test_confidence, *, threshold): ...

    problems = convention_problems([(f.__name__, inspect.signature(f), False)
                                    for f in (old_ece, too_many, swapped_test, fine, fine_sets)])
    assert len(problems) == 3, problems
    assert (problems[0].startswith("old_ece")
            and "la verdad (labels) debe ir antes que la predicción probs" in problems[0])
    assert problems[1].startswith("too_many") and "5 parámetros posicionales" in problems[1]
    assert (problems[2].startswith("swapped_test")
            and "(test_correct) debe ir antes que la predicción test_confidence" in problems[2])


def test_the_walk_includes_the_data_functions_and_skips_imports():
    names = {name for name, _, _ in public_callables()}
    assert {"course_utils.calibration.expected_calibration_error", "course_utils.evaluation.metric_interval",
            "course_utils.metrics.classification_metrics", "course_utils.exercises.check_threshold"} <= names
    assert "course_utils.params.check_int" not in names  # params la reexporta desde _checks


def test_package_docstring_lists_every_module():
    documented = course_utils.__doc__
    missing = [m.__name__ for m in public_modules() if f":mod:`{m.__name__}`" not in documented]
    assert not missing, f"el docstring de course_utils/__init__.py no menciona: {missing}"
