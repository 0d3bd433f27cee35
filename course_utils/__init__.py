"""Utilidades del curso «Ajuste fino de transformers para clasificación de texto».

Módulos, uno por tema:

- :mod:`course_utils.data`: carga, muestreo balanceado, partición estratificada, distribución, protocolo de evaluación.
- :mod:`course_utils.baseline`: la línea base TF-IDF + regresión logística, elegida en validación.
- :mod:`course_utils.tokenization`: tokenización con truncado ``"head"`` o ``"head+tail"``.
- :mod:`course_utils.metrics`: métricas para ``Trainer``, la regla única de la F1 (``f1_average``), matriz de confusión,
  informe.
- :mod:`course_utils.evaluation`: intervalos de confianza, diferencias emparejadas, marcador.
- :mod:`course_utils.calibration`: ECE, escalado de temperatura, riesgo–cobertura.
- :mod:`course_utils.uncertainty`: predicción con MC dropout, medidas de incertidumbre, abstención.
- :mod:`course_utils.variance`: variación entre ejecuciones de entrenamiento (varias semillas).
- :mod:`course_utils.diagnostics`: la frase que interpreta las cifras de una ejecución.
- :mod:`course_utils.runtime`: dispositivo, precisión numérica (mixta), semillas, versiones, acceso al Hub.
- :mod:`course_utils.models`: nombres de modelos (incluido el empaquetado sin red) y su carga.
- :mod:`course_utils.params`: validación de los parámetros de los cuadernos.
- :mod:`course_utils.training`: ``TrainingArguments`` y ``CourseTrainer``, el ``Trainer`` del curso.
- :mod:`course_utils.recipe`: la receta de ajuste fino del cuaderno 06.3 en una llamada.
- :mod:`course_utils.entrenar`: esa receta como orden (``python -m course_utils.entrenar``).
- :mod:`course_utils.adaptation`: cuánto ajustar (cuaderno 06.5): congelar capas, LoRA, rasgos congelados, memoria.
- :mod:`course_utils.flops`: operaciones de coma flotante de un codificador tipo BERT.
- :mod:`course_utils.plots`: curvas de aprendizaje, matriz de confusión, incertidumbre, fiabilidad, riesgo–cobertura.
- :mod:`course_utils.outputs`: carpetas de resultados que conservan la ejecución anterior, ``metrics.json``.
- :mod:`course_utils.profiles`: la regla de perfiles de ``make run-all`` y de los cuadernos.
- :mod:`course_utils.exercises`: comprobaciones de los ejercicios del módulo 06.

Convención de los argumentos de datos (la de scikit-learn): primero la verdad (``labels``, ``y_true``,
``correct``), después las predicciones (``probs``, ``logits``, ``predictions``, ``confidence``) y las opciones
solo por nombre, p. ej. ``expected_calibration_error(labels, probs, n_bins=15)``. Las etiquetas, probabilidades
y logits se validan con las mismas funciones (``course_utils._checks``): una entrada inválida da un
:class:`CourseParameterError` en español, nunca un número.
"""

from course_utils._checks import CourseParameterError
from course_utils.models import OFFLINE_MODEL, HubUnavailableError

__version__ = "0.1.0"
__all__ = ["CourseParameterError", "HubUnavailableError", "OFFLINE_MODEL", "__version__"]
