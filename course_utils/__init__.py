"""Utilidades del curso «Ajuste fino de transformers para clasificación de texto».

Módulos, uno por tema:

- :mod:`course_utils.data`: carga, muestreo balanceado, partición estratificada, distribución.
- :mod:`course_utils.metrics`: métricas para ``Trainer``, matriz de confusión, informe.
- :mod:`course_utils.uncertainty`: predicción con MC dropout, medidas de incertidumbre, abstención.
- :mod:`course_utils.runtime`: dispositivo, precisión numérica (mixta), semillas, versiones, acceso al Hub.
- :mod:`course_utils.models`: nombres de modelos (incluido el empaquetado sin red) y su carga.
- :mod:`course_utils.plots`: curvas de aprendizaje, matriz de confusión, incertidumbre.
- :mod:`course_utils.evaluation`: intervalos de confianza, diferencias emparejadas, marcador.
- :mod:`course_utils.calibration`: ECE, escalado de temperatura, riesgo–cobertura.
- :mod:`course_utils.training`: ``TrainingArguments`` y ``CourseTrainer``, el ``Trainer`` del curso.
- :mod:`course_utils.profiles`: la regla de perfiles de ``make run-all`` y de los cuadernos.
"""

from course_utils._checks import CourseParameterError
from course_utils.models import OFFLINE_MODEL, HubUnavailableError

__version__ = "0.1.0"
__all__ = ["CourseParameterError", "HubUnavailableError", "OFFLINE_MODEL", "__version__"]
