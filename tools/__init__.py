"""Herramientas del curso (las que llama el ``Makefile``), como paquete.

Cada una se ejecuta desde la raíz del repositorio con ``python -m tools.<nombre>``, p. ej.
``python -m tools.run_course --perfil smoke`` o ``python -m tools.bench --sections speed``: ``-m`` pone la raíz en
la ruta de importación, así que ninguna toca ``sys.path``. Entre ellas se importan como paquete
(``from tools.notebook_files import course_notebooks``).
"""
