"""Construye el sitio web del curso en ``build/site`` a partir de los cuadernos ya ejecutados en ``build/``.

Lo llama ``make site``. No ejecuta nada: papermill (``make run-all`` / ``make smoke``) es el único que ejecuta
los cuadernos, y este script solo da formato a sus copias ejecutadas con Sphinx, MyST-NB y sphinx-book-theme
(``nb_execution_mode = "off"``). Si faltan copias o son anteriores a su fuente en ``notebooks/``, se detiene y
dice cuáles. El sitio no necesita red ni CDN: se puede abrir sin conexión o copiar a cualquier servidor estático.

Además de los cuadernos publica las páginas Markdown de ``docs/`` (la guía, el plan de clase, las mediciones de
``make bench``...) en la sección «Documentación», con la misma estructura de carpetas: los enlaces relativos entre
páginas publicadas siguen funcionando en el sitio y los que apuntan a otros archivos del repositorio se enlazan en
GitHub (:func:`rewrite_links`).
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from tools.run_course import select_notebooks
from tools.sync_install_cell import repository_url

ROOT = Path(__file__).resolve().parents[1]

ASSETS = ROOT / "tools" / "sitio"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "imagenes/abrir-en-colab.svg"
# Secciones del README que forman la portada: qué es, el orden de lectura y cómo ejecutarlo.
LANDING_SECTIONS = ("Cuadernos", "Inicio rápido (en tu máquina)")
DOCS = ROOT / "docs"
# Orden de las páginas sueltas de docs/ en «Documentación»; después, las demás por nombre y al final cada carpeta
# con README.md (su índice), con sus páginas debajo.
DOCS_ORDER = ("guia", "plan-de-clase", "mas-alla", "tiempos")
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


# --- Enlaces: las rutas del repositorio, convertidas en rutas del sitio o en URL de GitHub --------------------------

# Un código en línea (se deja tal cual), un enlace o imagen en línea, o la definición de un enlace por referencia.
_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)[\s\S]*?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<link>(?P<bang>!?)\[(?P<text>(?:\\.|`[^`\n]*`|[^\[\]\\]|\[(?:\\.|[^\[\]\\])*\])*)\]"
    r"\((?P<space>\s*)(?P<dest><[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
    r"(?P<rest>(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*)\))"
    r"|(?P<ref>^[ ]{0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*)(?P<refdest><[^<>\n]*>|\S+)",
    re.MULTILINE,
)
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_ABSOLUTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|#|/)")


def github_slug(heading: str) -> str:
    """El ancla de GitHub de un título (``Inicio rápido`` → ``inicio-rápido``). MyST (``myst_heading_anchors``) la
    pone como id de cada título: las anclas escritas para GitHub también valen en el sitio."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # un enlace en el título: su texto
    text = re.sub(r"<[^>]+>|`|\*", "", text)
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def published_pages(notebooks: list[Path], docs_pages: list[str]) -> dict[str, str]:
    """Archivos del repositorio con página en el sitio → su fuente allí: el README es la portada (``index.md``), los
    cuadernos van a la raíz del sitio y ``docs/`` conserva sus carpetas."""
    pages = {"README.md": "index.md"}
    pages |= {f"notebooks/{nb.name}": nb.name for nb in notebooks}
    pages |= {page: page for page in docs_pages}
    return pages


def rewrite_target(dest: str, page: str, published: dict[str, str], repo: str, *, image: bool = False,
                   landing_anchors: set[str] | None = None, root: Path = ROOT, assets: set[str] | None = None) -> str:
    """El destino de un enlace de ``page`` (ruta en el repositorio) en el sitio. URL, anclas y rutas absolutas: tal
    cual. Un archivo publicado (``published``; una carpeta, por su ``README.md``): la ruta relativa a su página, con
    el ancla; un ancla del README que no está en la portada (``landing_anchors``) va al README en GitHub. Una imagen
    del repositorio: se copia al sitio en la misma ruta (la anota en ``assets``), que no carga nada de fuera. Otro
    archivo o carpeta del repositorio (código, ``.json``, ``.npz``...): su URL en GitHub. Fuera del repositorio:
    tal cual (Sphinx avisa si no existe)."""
    angle = dest.startswith("<") and dest.endswith(">")
    target = dest[1:-1] if angle else dest
    if not target or _ABSOLUTE.match(target):
        return dest
    path, hashmark, fragment = target.partition("#")
    path = path.split("?", 1)[0]
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(path)))
    if resolved == ".." or resolved.startswith("../"):
        return dest
    here = posixpath.dirname(published.get(page, page))
    if resolved not in published:
        index = "README.md" if resolved == "." else f"{resolved}/README.md"
        if index in published:
            resolved = index
    anchor = f"#{fragment}" if hashmark else ""
    if resolved in published and not (resolved == "README.md" and fragment and landing_anchors is not None
                                       and unquote(fragment) not in landing_anchors):
        new = posixpath.relpath(published[resolved], here or ".") + anchor
    elif image:
        if not (root / resolved).is_file():
            return dest
        if assets is not None:
            assets.add(resolved)
        new = posixpath.relpath(resolved, here or ".")
    else:
        kind = "tree" if (root / resolved).is_dir() else "blob"
        new = f"{repo}/{kind}/main/{quote(resolved)}{anchor}"
    return f"<{new}>" if angle or re.search(r"[\s()<>]", new) else new


def rewrite_links(text: str, page: str, published: dict[str, str], repo: str, **options: Any) -> str:
    """Los enlaces e imágenes de ``text`` (la página ``page`` del repositorio), por :func:`rewrite_target`, salvo en
    el código (bloques ``` o ~~~ y código en línea). Desde ``docs/guia.md``: ``bench/README.md`` sigue igual,
    ``../README.md`` pasa a ``../index.md`` y ``../tools/bench/docs.py`` a ``<repo>/blob/main/tools/bench/docs.py``."""

    def replace(match: re.Match) -> str:
        if match["code"]:
            return match["code"]
        if match["ref"]:
            return match["ref"] + rewrite_target(match["refdest"], page, published, repo, **options)
        inner = _INLINE.sub(replace, match["text"])  # una imagen dentro de un enlace (las insignias)
        dest = rewrite_target(match["dest"], page, published, repo, image=bool(match["bang"]), **options)
        return f"{match['bang']}[{inner}]({match['space']}{dest}{match['rest']})"

    out, chunk, fence = [], [], None
    for line in text.splitlines(keepends=True):
        opening = _FENCE.match(line)
        if fence is None and opening:
            out.append(_INLINE.sub(replace, "".join(chunk)))
            chunk, fence = [], opening.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
        else:
            chunk.append(line)
    out.append(_INLINE.sub(replace, "".join(chunk)))
    return "".join(out)


def site_markdown(text: str, page: str, published: dict[str, str], **options: Any) -> str:
    """El Markdown de ``page`` listo para el sitio: enlaces reescritos e insignia de Colab local (el sitio no sale)."""
    text = rewrite_links(text, page, published, repository_url(), **options)
    here = posixpath.dirname(published.get(page, page)) or "."
    return text.replace(COLAB_BADGE, posixpath.relpath(LOCAL_BADGE, here))


def landing_anchors(readme: str) -> set[str]:
    """Anclas de los títulos del README que quedan en la portada (las de sus secciones LANDING_SECTIONS)."""
    return {github_slug(line.lstrip("#")) for line in landing_text(readme).splitlines()
            if re.match(r"#{1,6} ", line)}


def landing_text(readme: str) -> str:
    """La parte del curso del README (hasta la primera sección que no está en LANDING_SECTIONS), sin tocar."""
    kept, skipping = [], False
    for line in readme.splitlines():
        if line.startswith("## "):
            skipping = line[3:].strip() not in LANDING_SECTIONS
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


# --- Las páginas de docs/ --------------------------------------------------------------------------------------------


def docs_pages(docs: Path = DOCS) -> list[str]:
    """Las páginas Markdown de ``docs/``, como rutas del repositorio: ``docs/guia.md``, ``docs/bench/...``."""
    pages = []
    for path in docs.rglob("*.md"):
        relative = path.relative_to(docs)
        if not any(part.startswith((".", "_")) for part in relative.parts):
            pages.append(f"docs/{relative.as_posix()}")
    return sorted(pages)


def docs_index(page: str, pages: list[str]) -> str | None:
    """El índice bajo el que va ``page`` en la navegación: el ``README.md`` de su carpeta (o de la más cercana hacia
    arriba, sin salir de ``docs/``); ``None`` si va directamente en «Documentación»."""
    folder = posixpath.dirname(page)
    if posixpath.basename(page) == "README.md":
        folder = posixpath.dirname(folder)
    while folder.startswith("docs/"):
        if f"{folder}/README.md" in pages:
            return f"{folder}/README.md"
        folder = posixpath.dirname(folder)
    return None


def linked_order(text: str, page: str) -> list[str]:
    """Las rutas del repositorio que enlaza ``text`` (la página ``page``), en el orden en que aparecen."""
    seen: list[str] = []

    def note(match: re.Match) -> str:
        dest = match["dest"] if match["link"] else match["refdest"] if match["ref"] else None
        if dest:
            target = dest.strip("<>").partition("#")[0]
            if target and not _ABSOLUTE.match(target):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(target)))
                if resolved not in seen:
                    seen.append(resolved)
        return match.group(0)

    _INLINE.sub(note, text)
    return seen


def docs_navigation(pages: list[str], texts: dict[str, str]) -> tuple[list[str], dict[str, list[str]]]:
    """Las páginas de primer nivel de «Documentación» (DOCS_ORDER, las demás sueltas por nombre, los índices de
    carpeta) y las de cada índice (``README.md``): las que enlaza, en ese orden, y después las demás, por nombre."""
    children: dict[str, list[str]] = {}
    top = []
    for page in pages:
        parent = docs_index(page, pages)
        if parent is None:
            top.append(page)
        else:
            children.setdefault(parent, []).append(page)

    def top_key(page: str) -> tuple:
        stem = posixpath.splitext(posixpath.basename(page))[0]
        known = DOCS_ORDER.index(stem) if page.count("/") == 1 and stem in DOCS_ORDER else len(DOCS_ORDER)
        return (known, posixpath.basename(page) == "README.md", page)

    for parent, kids in children.items():
        linked = linked_order(texts.get(parent, ""), parent)
        kids.sort(key=lambda kid: (linked.index(kid) if kid in linked else len(linked), kid))
    return sorted(top, key=top_key), children


def toctree(entries: list[str], here: str, caption: str | None = None) -> str:
    """Un toctree oculto (la navegación lateral) con ``entries`` (fuentes del sitio), relativas a ``here``."""
    names = "\n".join(posixpath.splitext(posixpath.relpath(e, posixpath.dirname(here) or "."))[0] for e in entries)
    caption_line = f":caption: {caption}\n" if caption else ""
    return f"\n\n```{{toctree}}\n:hidden:\n{caption_line}\n{names}\n```\n"


def landing_markdown(readme: str, notebooks: list[Path], docs: list[str] | None = None,
                     published: dict[str, str] | None = None, **options: Any) -> str:
    """Portada: la parte del curso del README con sus enlaces para el sitio, y la navegación (toctrees), con las
    páginas de ``docs/`` en «Documentación». ``options``: las de :func:`rewrite_target`."""
    docs = docs or []
    published = published or published_pages(notebooks, docs)
    text = site_markdown(landing_text(readme), "README.md", published, landing_anchors=landing_anchors(readme),
                         **options)
    toc = "\n".join(nb.stem for nb in notebooks)
    top, _ = docs_navigation(docs, {})
    documentation = toctree(top, "index.md", "Documentación") if top else "\n"
    return (f"{text}\n\n## Resultados\n\nLas páginas de cada cuaderno muestran sus salidas; "
            f"[Resultados de la ejecución](resultados.md) trae el marcador y dice con qué perfil, cuándo y en qué "
            f"*hardware* se produjeron.\n\n```{{toctree}}\n:hidden:\n:caption: Cuadernos\n\n{toc}\n```\n\n"
            "```{toctree}\n:hidden:\n:caption: Resultados\n\nresultados\n```" + documentation)


def docs_markdown(text: str, page: str, published: dict[str, str], children: list[str], **options: Any) -> str:
    """Una página de ``docs/`` para el sitio: sus enlaces reescritos y, si es un índice, el toctree de sus hijas."""
    text = site_markdown(text, page, published, **options)
    return text.rstrip("\n") + (toctree(children, page) if children else "\n")


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


def notebook_page(executed: Path, source: Path, info: dict[str, str], published: dict[str, str] | None = None) -> Any:
    """La copia ejecutada, con la insignia de Colab local y, tras el título, el origen y la descarga de la fuente
    (con ``published``, sus enlaces relativos se reescriben como los de las demás páginas)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            if published is not None:
                cell.source = rewrite_links(cell.source, f"notebooks/{source.name}", published, repository_url())
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


def write_sources(build: Path, src: Path, notebooks: list[Path], docs: Path = DOCS) -> None:
    """Escribe el directorio de fuentes de Sphinx: conf.py, portada, una página por cuaderno, resultados y docs/."""
    import nbformat

    info = run_info(build, notebooks)
    title = "Ajuste fino de transformers para clasificación de texto"
    (src / "conf.py").write_text(CONF.format(title=title, repo=repository_url()), encoding="utf-8")
    (src / "_static").mkdir()
    shutil.copy(ASSETS / "sitio.css", src / "_static" / "sitio.css")
    (src / "imagenes").mkdir()
    shutil.copy(ASSETS / "abrir-en-colab.svg", src / LOCAL_BADGE)
    (src / "fuentes").mkdir()
    pages = docs_pages(docs)
    published = published_pages(notebooks, pages)
    assets: set[str] = set()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    landing = landing_markdown(readme, notebooks, pages, published, assets=assets)
    (src / "index.md").write_text(landing, encoding="utf-8")
    (src / "resultados.md").write_text(results_markdown(build, info), encoding="utf-8")
    for source in notebooks:
        shutil.copy(source, src / "fuentes" / source.name)
        nbformat.write(notebook_page(build / source.name, source, info, published), src / source.name)
    texts = {page: (docs.parent / page).read_text(encoding="utf-8") for page in pages}
    _, children = docs_navigation(pages, texts)
    anchors = landing_anchors(readme)
    for page in pages:
        target = src / published[page]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(docs_markdown(texts[page], page, published, children.get(page, []),
                                        landing_anchors=anchors, root=docs.parent, assets=assets), encoding="utf-8")
    for asset in sorted(assets):  # imágenes del repositorio que enseña alguna página de docs/
        (src / asset).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(docs.parent / asset, src / asset)


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
