"""``make bench``: el curso medido frente a la configuración del cuaderno original (``python -m tools.bench``).

Un módulo por familia de secciones, cada uno con sus casos (dataclasses congeladas), la función que los mide, la de
la sección y la de su tabla:

- :mod:`tools.bench.speed` (``speed``) y :mod:`tools.bench.profiling` (``profile``): velocidad y perfil;
- :mod:`tools.bench.quality` (``max_length``, ``truncation``, ``recipe``) y :mod:`tools.bench.adaptation`
  (``adaptation``): recetas puntuadas en validación;
- :mod:`tools.bench.time_to_accuracy` (``time_to_accuracy``): el curso frente al original, de principio a fin;
- :mod:`tools.bench.seeds` y :mod:`tools.bench.seeds_report` (``semillas``): varias semillas por receta.

:mod:`tools.bench.common` reúne los datos, el proceso de cada medida y el pico de la máquina;
:mod:`tools.bench.docs`, las páginas de ``docs/bench/`` y las cifras de ``docs/resultados/``; y
:mod:`tools.bench.cli`, las opciones (``python -m tools.bench --help``).
"""
