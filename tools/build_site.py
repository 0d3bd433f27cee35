"""Construye el sitio web del curso en ``build/site`` a partir de los cuadernos ya ejecutados en ``build/``.

Lo llama ``make site``. No ejecuta nada: papermill (``make run-all`` / ``make smoke``) es el único que ejecuta
los cuadernos, y este script solo da formato a sus copias ejecutadas con Sphinx, MyST-NB y sphinx-book-theme
(``nb_execution_mode = "off"``). Si faltan copias o son anteriores a su fuente en ``notebooks/``, se detiene y
dice cuáles. El sitio no necesita red ni CDN: se puede abrir sin conexión o copiar a cualquier servidor estático.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from tools.run_course import select_notebooks
from tools.sync_install_cell import repository_url

ROOT = Path(__file__).resolve().parents[1]

ASSETS = ROOT / "tools" / "sitio"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "imagenes/abrir-en-colab.svg"
# Secciones del README que forman la portada: qué es, el orden de lectura y cómo ejecutarlo.
LANDING_SECTIONS = ("Cuadernos", "Inicio rápido (en tu máquina)")
PROFILE_WORDS = {
    "smoke": ("vista previa con parámetros diminutos; sus cifras no dicen nada del método, "
              "solo muestran que todo se ejecuta"),
    "local": "sin conexión y en CPU: el MiniLM empaquetado y la receta local del curso",
    "completo": "los valores de la lección (BERT base, IMDB del Hub)",
}

CONF = '''# Generado por python -m tools.build_site: no lo edites (se vuelve a escribir en cada make site).
project = {title!r}
author = "Curso de ajuste fino de transformers"
language = "es"
# githubpages: escribe .nojekyll (GitHub Pages sirve _static/ e _images/)
extensions = ["myst_nb", "sphinx.ext.githubpages"]
nb_execution_mode = "off"  # papermill ya los ejecutó en build/: aquí solo se muestran sus salidas
nb_ipywidgets_js = {{}}  # sin require.js ni gestores de widgets desde un CDN
myst_enable_extensions = []  # sin matemáticas: MathJax vendría de un CDN
myst_heading_anchors = 3
exclude_patterns = ["fuentes/**"]
html_theme = "sphinx_book_theme"
html_title = {title!r}
html_static_path = ["_static"]
html_css_files = ["sitio.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_context = {{"default_mode": "auto"}}  # sin esto el tema se queja en la consola («invalid theme mode»)
html_theme_options = {{
    "repository_url": {repo!r},
    "use_repository_button": True,
    "use_download_button": False,  # bajaría _sources/ (no se copia); cada cuaderno enlaza su fuente
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "search_bar_text": "Buscar en el curso...",
    "secondary_sidebar_items": {{"resultados": []}},  # el marcador es ancho: sin índice lateral, más sitio
}}
'''


def _run_summary(build: Path) -> dict[str, Any]:
    path = build / "ejecucion.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def stale_or_missing(build: Path, notebooks: list[Path]) -> list[str]:
    """Problemas de las copias ejecutadas (una frase por cuaderno); vacía si todas están al día y terminaron bien."""
    problems = []
    # Una ejecución interrumpida (Ctrl+C en make run-all) deja la copia completa de la anterior y un resumen que no
    # es el suyo.
    statuses = _run_summary(build).get("cuadernos", {})
    for source in notebooks:
        executed = build / source.name
        if statuses.get(source.stem) in ("interrumpido", "no ejecutado"):
            problems.append(f"{source.stem}: la última ejecución se interrumpió ({statuses[source.stem]}); "
                            f"{executed.name} es de una ejecución anterior")
        elif not executed.is_file():
            problems.append(f"{source.stem}: falta {executed}")
        elif executed.stat().st_mtime < source.stat().st_mtime:
            problems.append(f"{source.stem}: {executed} es anterior a su fuente {source} "
                            "(cambió después de ejecutarlo)")
        else:
            meta = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
            if meta.get("exception"):
                problems.append(f"{source.stem}: su última ejecución falló (cuaderno parcial en {executed})")
    return problems


def check_executed(build: Path, notebooks: list[Path]) -> None:
    """Se detiene con un mensaje en español si alguna copia ejecutada falta, está desactualizada o falló."""
    problems = stale_or_missing(build, notebooks)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise SystemExit(
            f"No se puede construir el sitio: faltan cuadernos ejecutados o no están al día en {build}:\n{lines}\n"
            "make site no ejecuta cuadernos (solo muestra lo que ejecutó papermill). Ejecuta antes `make run-all` "
            "(o `make smoke` para una vista previa rápida, con parámetros diminutos) y vuelve a lanzar `make site`."
        )


def run_info(build: Path, notebooks: list[Path]) -> dict[str, str]:
    """Perfil, fecha y *hardware* de la ejecución que produjo las salidas, en frases para el sitio.

    Los toma de ``build/ejecucion.json`` (lo escribe ``python -m tools.run_course``); si falta (una ejecución antigua),
    del ``metrics.json`` y los metadatos de papermill de cada cuaderno.
    """
    summary = _run_summary(build)
    profiles, ends, devices = set(), [], set()
    for source in notebooks:
        meta = json.loads((build / source.name).read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
        if meta.get("end_time"):
            ends.append(meta["end_time"])
        metrics = build / source.stem / "metrics.json"
        if metrics.is_file():
            data = json.loads(metrics.read_text(encoding="utf-8"))
            profiles.add(data.get("profile") or data.get("parameters", {}).get("PERFIL"))
            devices.add(data.get("parameters", {}).get("DEVICE"))
    profile = summary.get("perfil") or ", ".join(sorted(p for p in profiles if p)) or "desconocido"
    when = summary.get("fin") or (max(ends) if ends else "")
    try:
        moment = datetime.fromisoformat(when)
        when_text = f"el {moment:%d-%m-%Y} a las {moment:%H:%M} UTC"
    except ValueError:
        when_text = "en una fecha no registrada"
    hardware = summary.get("hardware")
    if hardware:
        hardware_text = f"{hardware['entorno']}; CPU: {hardware['cpu']}; GPU: {hardware['gpu']}"
    else:
        shown = ", ".join(sorted(d for d in devices if d)) or "no registrado"
        hardware_text = f"no registrado (dispositivo: {shown}; vuelve a ejecutar `make run-all` para registrarlo)"
    duration = f", {summary['duracion_s']:.0f} s en total" if "duracion_s" in summary else ""
    return {"perfil": profile, "cuando": when_text, "hardware": hardware_text, "duracion": duration,
            "perfil_texto": PROFILE_WORDS.get(profile, "perfil elegido a mano")}


def provenance(info: dict[str, str], results_page: str = "resultados.md") -> str:
    """Frase sobre el origen de las salidas (perfil, fecha, *hardware*) con enlace a los resultados."""
    return (f"Salidas producidas por `make run-all` con el perfil **{info['perfil']}** ({info['perfil_texto']}) "
            f"{info['cuando']}{info['duracion']}. *Hardware*: {info['hardware']}. "
            f"Marcador completo en [Resultados de la ejecución]({results_page}).")


def landing_markdown(readme: str, notebooks: list[Path]) -> str:
    """Portada: la parte del curso del README (hasta la primera sección que no está en LANDING_SECTIONS)."""
    kept, skipping = [], False
    for line in readme.splitlines():
        if line.startswith("## "):
            skipping = line[3:].strip() not in LANDING_SECTIONS
        if not skipping:
            kept.append(line)
    text = "\n".join(kept).replace(COLAB_BADGE, LOCAL_BADGE)
    text = re.sub(r"\]\(notebooks/([^)]+\.ipynb)\)", r"](\1)", text)
    # Los demás enlaces relativos apuntan a archivos del repositorio: se enlazan en GitHub.
    repo = repository_url()
    text = re.sub(r"\]\((?!https?://|#|imagenes/|[^)/]+\.ipynb\))([^)]+)\)",
                  lambda m: f"]({repo}/blob/main/{m.group(1)})", text)
    toc = "\n".join(nb.stem for nb in notebooks)
    return (f"{text}\n\n## Resultados\n\nLas páginas de cada cuaderno muestran sus salidas; "
            f"[Resultados de la ejecución](resultados.md) trae el marcador y dice con qué perfil, cuándo y en qué "
            f"*hardware* se produjeron.\n\n```{{toctree}}\n:hidden:\n:caption: Cuadernos\n\n{toc}\n```\n\n"
            "```{toctree}\n:hidden:\n:caption: Resultados\n\nresultados\n```\n")


def results_markdown(build: Path, info: dict[str, str]) -> str:
    """Página de resultados: origen de las salidas y el marcador de ``build/resumen.md``."""
    summary = build / "resumen.md"
    missing = "*(Falta build/resumen.md: vuelve a ejecutar `make run-all`.)*"
    body = summary.read_text(encoding="utf-8") if summary.is_file() else missing
    body = re.sub(r"^# .*\n", "", body, count=1)
    # Las páginas del sitio, no el HTML de build/.
    body = re.sub(r"\[([^\]|]+)\.html\]\(\1\.html\)", r"[\1](\1.ipynb)", body)
    return (f"# Resultados de la ejecución\n\n- Perfil: **{info['perfil']}** ({info['perfil_texto']})\n"
            f"- Cuándo: {info['cuando']}{info['duracion']}\n- *Hardware*: {info['hardware']}\n\n"
            f"```{{container}} resultados-anchos\n{body}\n```\n")


def notebook_page(executed: Path, source: Path, info: dict[str, str]) -> Any:
    """La copia ejecutada, con la insignia de Colab local y, tras el título, el origen y la descarga de la fuente."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(COLAB_BADGE, LOCAL_BADGE)
    note = nbformat.v4.new_markdown_cell(
        "```{admonition} Sobre esta página\n:class: note\n\n"
        f"{provenance(info)}\n\n"
        f"{{download}}`Descargar el cuaderno <fuentes/{source.name}>` (la fuente, sin salidas, para ejecutarlo "
        "en Jupyter o Colab).\n```"
    )
    note.id = "sitio-origen"
    position = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(position, note)
    return nb


def write_sources(build: Path, src: Path, notebooks: list[Path]) -> None:
    """Escribe el directorio de fuentes de Sphinx: conf.py, portada, una página por cuaderno y resultados."""
    import nbformat

    info = run_info(build, notebooks)
    title = "Ajuste fino de transformers para clasificación de texto"
    (src / "conf.py").write_text(CONF.format(title=title, repo=repository_url()), encoding="utf-8")
    (src / "_static").mkdir()
    shutil.copy(ASSETS / "sitio.css", src / "_static" / "sitio.css")
    (src / "imagenes").mkdir()
    shutil.copy(ASSETS / "abrir-en-colab.svg", src / LOCAL_BADGE)
    (src / "fuentes").mkdir()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(landing_markdown(readme, notebooks), encoding="utf-8")
    (src / "resultados.md").write_text(results_markdown(build, info), encoding="utf-8")
    for source in notebooks:
        shutil.copy(source, src / "fuentes" / source.name)
        nbformat.write(notebook_page(build / source.name, source, info), src / source.name)


def build_site(build: Path, output: Path, source: Path = ROOT / "notebooks") -> Path:
    """Comprueba las copias ejecutadas de ``build`` y construye el sitio en ``output`` (lo reemplaza)."""
    notebooks = select_notebooks(None, source)
    check_executed(build, notebooks)
    from sphinx.cmd.build import build_main  # solo hace falta con requirements-sitio.txt (lo instala make site)

    with tempfile.TemporaryDirectory(prefix="sitio-") as tmp:
        src = Path(tmp) / "fuentes-sphinx"
        src.mkdir()
        write_sources(build, src, notebooks)
        if output.exists():
            shutil.rmtree(output)
        code = build_main(["-b", "html", "-q", "-W", "--keep-going", "-d", str(Path(tmp) / "doctrees"),
                           str(src), str(output)])
    if code != 0:
        raise SystemExit(f"Sphinx no pudo construir el sitio (código {code}): mira los avisos de arriba.")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", default=str(ROOT / "build"), help="carpeta con los cuadernos ejecutados")
    parser.add_argument("--salida", default=None, help="carpeta del sitio (por defecto <build>/site)")
    parser.add_argument("--source", default=str(ROOT / "notebooks"),
                        help="carpeta de las fuentes (por defecto notebooks/)")
    args = parser.parse_args(argv)
    build = Path(args.build).resolve()
    output = Path(args.salida).resolve() if args.salida else build / "site"
    build_site(build, output, Path(args.source))
    print(f"Sitio listo: {output / 'index.html'}. Ábrelo en el navegador (funciona sin conexión) o publícalo "
          f"copiando {output} a cualquier servidor estático (ver el README).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
