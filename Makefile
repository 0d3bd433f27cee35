# Curso de ajuste fino de transformers: órdenes principales.
# Las variables se pueden cambiar en la línea de órdenes: make run-all EPOCHS=1 DEVICE=cpu
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.instalado
SITE_STAMP := $(VENV)/.instalado-sitio

# Ejecución de los cuadernos (make run-all / make smoke)
PERFIL ?= auto
NOTEBOOKS ?=
EPOCHS ?=
DEVICE ?=
N_PER_CLASS ?=
VALIDATION_SIZE ?=
MAX_LENGTH ?=
ATTENTION_DROPOUT ?=
MODEL ?=
DATA ?=
TEXT_COLUMN ?=
LABEL_COLUMN ?=
LABEL_NAMES ?=
PYTEST_ARGS ?=
LAB_ARGS ?=

# make bench (python -m tools.bench --help lo explica todo)
BENCH_SECTIONS ?=
BENCH_ARGS ?=
ORIGINAL ?=
SEMILLAS ?=
VARIANTES ?=
SEMILLAS_EJECUCIONES ?=

# torch: TORCH=pypi (por defecto) lo toma de PyPI, que en Linux es la compilación CUDA (varios GB);
# TORCH=cpu instala antes la compilación solo CPU del índice de PyTorch (para Linux sin GPU NVIDIA).
TORCH ?= pypi
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIN := $(shell grep -E '^torch==' requirements.txt)
ifeq ($(filter $(TORCH),pypi cpu),)
$(error TORCH=$(TORCH) no es una opción: usa TORCH=cpu (compilación solo CPU, Linux sin GPU NVIDIA) o TORCH=pypi (por defecto))
endif

RUN_ARGS = --perfil $(PERFIL) \
	$(if $(NOTEBOOKS),--notebooks "$(NOTEBOOKS)") \
	$(if $(EPOCHS),-p EPOCHS=$(EPOCHS)) \
	$(if $(DEVICE),-p DEVICE=$(DEVICE)) \
	$(if $(N_PER_CLASS),-p N_PER_CLASS=$(N_PER_CLASS)) \
	$(if $(VALIDATION_SIZE),-p VALIDATION_SIZE=$(VALIDATION_SIZE)) \
	$(if $(MAX_LENGTH),-p MAX_LENGTH=$(MAX_LENGTH)) \
	$(if $(ATTENTION_DROPOUT),-p ATTENTION_DROPOUT=$(ATTENTION_DROPOUT)) \
	$(if $(MODEL),-p MODEL=$(MODEL)) \
	$(if $(TEXT_COLUMN),-p TEXT_COLUMN=$(TEXT_COLUMN)) \
	$(if $(LABEL_COLUMN),-p LABEL_COLUMN=$(LABEL_COLUMN)) \
	$(if $(LABEL_NAMES),-p 'LABEL_NAMES=$(LABEL_NAMES)') \
	$(if $(DATA),--data "$(DATA)")

.DEFAULT_GOAL := help
.PHONY: help install test test-curso test-colab test-site lint lab run-all smoke site bench sync-notebooks clean

help: ## Muestra esta ayuda (lista de órdenes)
	@echo "Órdenes disponibles (make <orden> [VARIABLE=valor ...]):"
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-15s %s\n", $$1, $$2}'
	@echo "Variables: PERFIL=auto|local|completo|smoke NOTEBOOKS= EPOCHS= DEVICE= N_PER_CLASS= MAX_LENGTH= MODEL= DATA="
	@echo "           VALIDATION_SIZE= (validación: reseñas, p. ej. 200, o fracción de la muestra, p. ej. 0.2; con N_PER_CLASS= y sin"
	@echo "           VALIDATION_SIZE=, el perfil local reserva la misma parte que con sus 1100 reseñas: 0.18)"
	@echo "           ATTENTION_DROPOUT= (dropout de la atención al entrenar; el perfil local usa 0.0, None: el del modelo)"
	@echo "           TEXT_COLUMN= LABEL_COLUMN= LABEL_NAMES='[\"neg\",\"pos\"]' (tus datos) LAB_ARGS= (make lab)"
	@echo "make bench (ver docs/bench/README.md): BENCH_SECTIONS=speed,profile,max_length,truncation,recipe,adaptation,"
	@echo "           time_to_accuracy,semillas (por defecto speed,time_to_accuracy,max_length) DEVICE= MAX_LENGTH= (la receta"
	@echo "           del curso; por defecto la del perfil local) ORIGINAL=1 (vuelve a medir el original entero, más de una hora)"
	@echo "           semillas: SEMILLAS=42,1,2,3,4 VARIANTES=receta,256,... SEMILLAS_EJECUCIONES= (por defecto build/semillas)"
	@echo "           PERFIL=smoke (diminuto; con BENCH_ARGS='--docs otra/carpeta') BENCH_ARGS='--solo-reunir' (no entrena)"
	@echo "           BENCH_ARGS= cualquier opción de python -m tools.bench --help. Escribe build/bench.json y, por sección,"
	@echo "           docs/bench/<página>.md y docs/resultados/<sección>.json; nunca el README"

install: $(STAMP) ## Crea el entorno virtual .venv con las versiones fijadas en requirements.txt (TORCH=cpu: torch solo CPU)

$(STAMP): requirements.txt pyproject.toml
	@bash .ci/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(if $(filter cpu,$(TORCH)),$(PY) -m pip install --quiet --disable-pip-version-check --extra-index-url $(TORCH_CPU_INDEX) "$(TORCH_PIN)+cpu")
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@
	@echo "Entorno listo en $(VENV)."

test: install ## Ejecuta las pruebas (menos de 10 minutos en 2 núcleos); las del curso entero, Colab y el sitio van aparte
	$(PY) -m pytest $(PYTEST_ARGS)

test-curso: install ## Las pruebas que recorren el curso entero o ejecutan cuadernos con IMDB real (unos 10 minutos; CI las ejecuta)
	$(PY) -m pytest -m curso_entero $(PYTEST_ARGS)

test-colab: install ## Simula Colab: entorno nuevo, celda de instalación y cuaderno 06.3 (lenta, unos minutos; CI la ejecuta)
	$(PY) -m pytest -m colab $(PYTEST_ARGS)

test-site: install $(SITE_STAMP) ## Construye el sitio desde una ejecución smoke y lo revisa en Chromium sin cabeza (unos minutos; CI la ejecuta)
	$(PY) -m pytest -m site tests/test_site.py $(PYTEST_ARGS)

lint: install ## Revisa el estilo (ruff) y que la celda de instalación de los cuadernos esté al día
	$(VENV)/bin/ruff check course_utils tests tools notebooks
	$(PY) -m tools.sync_install_cell --check

lab: install ## Abre JupyterLab en español sobre tus copias de los cuadernos (mis_cuadernos/, que git ignora)
	$(PY) -m tools.lab $(LAB_ARGS)

run-all: install ## Ejecuta todos los cuadernos en build/ (HTML + build/index.html); ver PERFIL. Ctrl+C lo detiene sin perder lo anterior
	$(PY) -m tools.run_course $(RUN_ARGS)

smoke: install ## Igual que run-all con parámetros diminutos (lo que usa CI)
	$(PY) -m tools.run_course --perfil smoke $(if $(NOTEBOOKS),--notebooks "$(NOTEBOOKS)")

site: install $(SITE_STAMP) ## Sitio web estático en build/site desde los cuadernos ya ejecutados (no ejecuta nada: antes, make run-all)
	$(PY) -m tools.build_site

$(SITE_STAMP): requirements-sitio.txt requirements.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-sitio.txt
	@touch $@

bench: install ## Mide el curso frente al original (~30 min en 2 núcleos): build/bench.json y docs/bench/ (nunca el README)
	$(PY) -m tools.bench $(if $(BENCH_SECTIONS),--sections $(BENCH_SECTIONS)) $(if $(DEVICE),--device $(DEVICE)) \
		$(if $(MAX_LENGTH),--course-max-length $(MAX_LENGTH)) $(if $(filter 1,$(ORIGINAL)),--original) \
		$(if $(filter local smoke,$(PERFIL)),--perfil $(PERFIL)) $(if $(SEMILLAS),--semillas $(SEMILLAS)) \
		$(if $(VARIANTES),--variantes $(VARIANTES)) \
		$(if $(SEMILLAS_EJECUCIONES),--semillas-ejecuciones "$(SEMILLAS_EJECUCIONES)") $(BENCH_ARGS)

sync-notebooks: install ## Regenera la celda de instalación de cada cuaderno desde requirements.txt
	$(PY) -m tools.sync_install_cell

clean: ## Borra build/ (y nada más)
	rm -rf build
