"""make site: el sitio web construido desde los cuadernos ejecutados, comprobado en un Chromium real sin cabeza.

Las pruebas marcadas ``site`` necesitan requirements-sitio.txt (Sphinx, MyST-NB, Playwright) y una ejecución
smoke del curso: las lanza ``make test-site`` (CI). ``CURSO_SITE_BUILD=build`` usa una carpeta ya ejecutada en vez
de ejecutar el perfil smoke (solo para desarrollar).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin

import pytest

from tools import build_site, run_course

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def course_names() -> list[str]:
    return [p.stem for p in run_course.select_notebooks(None)]


# --- Sin Sphinx ni navegador: make site se niega a publicar copias que faltan o no están al día -------------------


def test_site_refuses_missing_stale_or_failed_executed_copies(tmp_path):
    source, build = tmp_path / "notebooks", tmp_path / "build"
    source.mkdir()
    build.mkdir()
    first, second, third, fourth = run_course.select_notebooks(None)[:4]
    for nb in (first, second, third, fourth):
        shutil.copy(nb, source / nb.name)
    shutil.copy(fourth, build / fourth.name)  # de una ejecución completa anterior; la última se interrumpió en él
    (build / "ejecucion.json").write_text(json.dumps({"cuadernos": {fourth.stem: "interrumpido"}}), encoding="utf-8")
    shutil.copy(first, build / first.name)  # ejecutada, pero antes de que cambiara su fuente
    os.utime(build / first.name, (1_000_000, 1_000_000))
    failed = json.loads(third.read_text(encoding="utf-8"))
    failed["metadata"]["papermill"] = {"exception": True}
    (build / third.name).write_text(json.dumps(failed), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        build_site.main(["--build", str(build), "--source", str(source)])
    message = str(exc.value)
    assert f"{first.stem}: {build / first.name} es anterior a su fuente" in message
    assert f"{second.stem}: falta {build / second.name}" in message
    assert f"{third.stem}: su última ejecución falló" in message
    assert (f"{fourth.stem}: la última ejecución se interrumpió (interrumpido); "
            f"{fourth.name} es de una ejecución anterior") in message
    assert "`make run-all`" in message and "`make smoke` para una vista previa rápida" in message
    assert not (build / "site").exists()


# --- Sin Sphinx: los enlaces del README y de docs/ en el sitio --------------------------------------------------

REPO = "https://github.com/curso-nlp-es/ajuste-fino-transformers"

SYNTHETIC_README = """# Curso

## Cuadernos

| # | Cuaderno | Abrir |
|---|---|---|
| 1 | [Datos](notebooks/06_1_Datos.ipynb) | \
[![Abrir en Colab](https://colab.research.google.com/assets/colab-badge.svg)]\
(https://colab.research.google.com/github/x/y/blob/main/notebooks/06_1_Datos.ipynb) |

Un cuaderno que no es del curso: [redirección](notebooks/06_Viejo.ipynb).

## Inicio rápido (en tu máquina)

[La guía](docs/guia.md "Guía de uso"), [las mediciones](docs/bench/) y [una semilla](docs/bench/semillas.md#tabla).
El código: [bench](tools/bench.py), [la carpeta tools](tools), [pyproject](<pyproject.toml>). \
Fuera: [web](https://example.org), [aquí](#cuadernos).
En código no se toca: `[guía](docs/guia.md)`.

```bash
echo "[guía](docs/guia.md)"
```

## Dos sesiones de laboratorio

[Plan](docs/plan-de-clase.md): esta sección no va en la portada.
"""

SYNTHETIC_DOCS = {
    "guia.md": """# Guía

El [README](../README.md) es la puerta de entrada; [Inicio](../README.md#inicio-rápido-en-tu-máquina) y
[Contribuir](../README.md#contribuir) (fuera de la portada). Mediciones: [bench/README.md](bench/README.md),
[velocidad](bench/velocidad.md#mediciones-anteriores) y el [06.1](../notebooks/06_1_Datos.ipynb).
Cifras en bruto: [speed.json](resultados/speed.json) y \
[predicciones](resultados/semillas/m/todo/receta-s42/predicciones.npz).
Código: [tools/bench.py][bench]. Fuera del repositorio, tal cual: [datos](../../shared/data/imdb).

![Una figura](figura.png)

[bench]: ../tools/bench.py
""",
    "tiempos.md": "# Tiempos\n\nLas de `make bench`: [bench](bench/README.md).\n",
    "plan-de-clase.md": "# Plan\n\n[tiempos.md](tiempos.md)\n",
    "bench/README.md": ("<!-- comentario -->\n# Mediciones\n\n| página |\n|---|\n| [Semillas](semillas.md) |\n"
                        "| [Velocidad](velocidad.md) |\n\nCifras: [resultados](../resultados/README.md); "
                        "[README](../../README.md).\n"),
    "bench/velocidad.md": "# Velocidad\n\n## Mediciones anteriores\n\n[tiempos](../tiempos.md)\n",
    "bench/semillas.md": "# Semillas\n",
    "bench/perfil.md": "# Perfil\n",
    "resultados/README.md": "# Cifras en bruto\n\n[`docs/bench/`](../bench/README.md), `speed.json`\n",
}


@pytest.fixture
def synthetic_repo(tmp_path) -> Path:
    """Un repositorio diminuto: README, docs/ (con una imagen y un .json), tools/ y un cuaderno."""
    (tmp_path / "README.md").write_text(SYNTHETIC_README, encoding="utf-8")
    for name, text in SYNTHETIC_DOCS.items():
        (tmp_path / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    (tmp_path / "docs" / "figura.png").write_bytes(b"png")
    (tmp_path / "docs" / "resultados" / "speed.json").write_text("{}", encoding="utf-8")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "bench.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    return tmp_path


def test_docs_pages_and_navigation_order(synthetic_repo):
    pages = build_site.docs_pages(synthetic_repo / "docs")
    assert pages == ["docs/bench/README.md", "docs/bench/perfil.md", "docs/bench/semillas.md",
                     "docs/bench/velocidad.md", "docs/guia.md", "docs/plan-de-clase.md", "docs/resultados/README.md",
                     "docs/tiempos.md"]
    texts = {p: (synthetic_repo / p).read_text(encoding="utf-8") for p in pages}
    top, children = build_site.docs_navigation(pages, texts)
    # guía, plan, (más allá), tiempos; después los índices de carpeta, con sus páginas en el orden en que las enlaza.
    assert top == ["docs/guia.md", "docs/plan-de-clase.md", "docs/tiempos.md", "docs/bench/README.md",
                   "docs/resultados/README.md"]
    assert children == {"docs/bench/README.md": ["docs/bench/semillas.md", "docs/bench/velocidad.md",
                                                 "docs/bench/perfil.md"]}
    bench = build_site.docs_markdown(texts["docs/bench/README.md"], "docs/bench/README.md",
                                     build_site.published_pages([], pages), children["docs/bench/README.md"])
    assert bench.startswith("<!-- comentario -->\n# Mediciones")
    assert bench.endswith("```{toctree}\n:hidden:\n\nsemillas\nvelocidad\nperfil\n```\n")
    assert "[README](../../index.md)" in bench and "[resultados](../resultados/README.md)" in bench


def test_readme_links_point_to_published_pages_or_github(synthetic_repo):
    pages = build_site.docs_pages(synthetic_repo / "docs")
    notebooks = [Path("notebooks/06_1_Datos.ipynb")]
    published = build_site.published_pages(notebooks, pages)
    assert published["README.md"] == "index.md" and published["notebooks/06_1_Datos.ipynb"] == "06_1_Datos.ipynb"
    readme = SYNTHETIC_README
    assert build_site.landing_anchors(readme) == {"curso", "cuadernos", "inicio-rápido-en-tu-máquina"}
    text = build_site.rewrite_links(build_site.landing_text(readme), "README.md", published, REPO,
                                    landing_anchors=build_site.landing_anchors(readme), root=synthetic_repo)
    assert "[Datos](06_1_Datos.ipynb)" in text
    assert f"[redirección]({REPO}/blob/main/notebooks/06_Viejo.ipynb)" in text
    assert '[La guía](docs/guia.md "Guía de uso")' in text  # una página publicada, no GitHub; el título se conserva
    assert "[las mediciones](docs/bench/README.md)" in text  # una carpeta con README.md: su índice
    assert "[una semilla](docs/bench/semillas.md#tabla)" in text
    assert f"[bench]({REPO}/blob/main/tools/bench.py)" in text
    assert f"[la carpeta tools]({REPO}/tree/main/tools)" in text
    assert f"[pyproject](<{REPO}/blob/main/pyproject.toml>)" in text
    assert "[web](https://example.org)" in text and "[aquí](#cuadernos)" in text
    assert "`[guía](docs/guia.md)`" in text and 'echo "[guía](docs/guia.md)"' in text  # el código no se toca
    assert "Dos sesiones" not in text and "plan-de-clase" not in text  # solo las secciones de la portada
    assert "(https://colab.research.google.com/github/x/y/blob/main/notebooks/06_1_Datos.ipynb)" in text

    landing = build_site.landing_markdown(readme, notebooks, pages, published, root=synthetic_repo)
    assert "[![Abrir en Colab](imagenes/abrir-en-colab.svg)](https://colab.research.google.com/github/" in landing
    assert "```{toctree}\n:hidden:\n:caption: Documentación\n\ndocs/guia\ndocs/plan-de-clase\ndocs/tiempos\n" \
           "docs/bench/README\ndocs/resultados/README\n```" in landing
    assert "```{toctree}\n:hidden:\n:caption: Cuadernos\n\n06_1_Datos\n```" in landing


def test_docs_links_point_to_site_pages_landing_or_github(synthetic_repo):
    pages = build_site.docs_pages(synthetic_repo / "docs")
    published = build_site.published_pages([Path("notebooks/06_1_Datos.ipynb")], pages)
    assets: set[str] = set()
    text = build_site.rewrite_links(SYNTHETIC_DOCS["guia.md"], "docs/guia.md", published, REPO, root=synthetic_repo,
                                    landing_anchors=build_site.landing_anchors(SYNTHETIC_README), assets=assets)
    assert "[README](../index.md)" in text  # el README es la portada del sitio
    assert "[Inicio](../index.md#inicio-rápido-en-tu-máquina)" in text
    assert f"[Contribuir]({REPO}/blob/main/README.md#contribuir)" in text  # sección que no está en la portada
    assert "[bench/README.md](bench/README.md)" in text
    assert "[velocidad](bench/velocidad.md#mediciones-anteriores)" in text
    assert "[06.1](../06_1_Datos.ipynb)" in text  # la página del cuaderno, en la raíz del sitio
    assert f"[speed.json]({REPO}/blob/main/docs/resultados/speed.json)" in text
    assert f"[predicciones]({REPO}/blob/main/docs/resultados/semillas/m/todo/receta-s42/predicciones.npz)" in text
    assert f"[bench]: {REPO}/blob/main/tools/bench.py" in text  # enlace por referencia
    assert "[datos](../../shared/data/imdb)" in text  # fuera del repositorio: tal cual
    assert "![Una figura](figura.png)" in text and assets == {"docs/figura.png"}  # se copia: nada de fuera
    deep = build_site.rewrite_links("[t](../tiempos.md) [r](../../README.md) [s](semillas.md#x) "
                                    "[c](../../tools/bench.py)", "docs/bench/velocidad.md", published, REPO,
                                    root=synthetic_repo)
    assert deep == f"[t](../tiempos.md) [r](../../index.md) [s](semillas.md#x) [c]({REPO}/blob/main/tools/bench.py)"
    colab = "(https://colab.research.google.com/x)"
    badge = build_site.site_markdown(f"[![Abrir en Colab]({build_site.COLAB_BADGE})]{colab}", "docs/bench/velocidad.md",
                                     published)
    assert badge == f"[![Abrir en Colab](../../imagenes/abrir-en-colab.svg)]{colab}"  # el sitio no carga nada de fuera


# --- El sitio de verdad, desde una ejecución smoke -------------------------------------------------------------------


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory) -> Path:
    given = os.environ.get("CURSO_SITE_BUILD")
    if given:
        return Path(given).resolve()
    build = tmp_path_factory.mktemp("smoke") / "build"
    proc = subprocess.run([sys.executable, "-m", "tools.run_course", "--perfil", "smoke", "--build", str(build)],
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return build


@pytest.fixture(scope="session")
def site(smoke_build, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("sitio") / "site"
    proc = subprocess.run([sys.executable, "-m", "tools.build_site", "--build", str(smoke_build),
                           "--salida", str(output)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Sitio listo: {output / 'index.html'}" in proc.stdout
    return output


@pytest.fixture(scope="session")
def server(site):
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI debe tener Chromium (.ci/run lo instala con apt-get)")
        pytest.skip("Chromium no está instalado (apt-get install chromium); en CI sí se comprueba")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # El Chromium del sistema (Playwright no descarga navegadores): sin red, como la máquina del curso.
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


class Visit:
    """Una pestaña que anota errores de consola, peticiones fallidas y cualquier intento de salir a la red."""

    def __init__(self, browser, base: str):
        self.base, self.problems, self.external = base, [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console",
                     lambda m: self.problems.append(f"consola {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"excepción JS: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"petición fallida: {r.url}"))
        self.page.on("response",
                     lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.route(lambda url: not url.startswith(base), self._block)

    def _block(self, route):
        self.external.append(route.request.url)
        route.abort()

    def go(self, url: str) -> None:
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        self.page.wait_for_load_state("networkidle")


@pytest.mark.site
def test_site_reads_well_in_chromium_offline(site, server, browser):
    names = course_names()
    visit = Visit(browser, server)
    visit.go(server + "index.html")
    page = visit.page
    assert "Ajuste fino de transformers" in page.title()
    assert page.get_attribute("html", "lang") == "es"
    assert page.locator("h1").first.inner_text().startswith("Ajuste fino de transformers")
    assert page.get_attribute("input[name='q']", "placeholder") == "Buscar en el curso..."

    # La navegación lleva a cada cuaderno, en orden de lectura, y a los resultados.
    nav = page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal",
                                    "els => els.map(e => e.getAttribute('href'))")
    notebook_links = [href for href in nav if Path(href).stem in names]
    assert [Path(h).stem for h in notebook_links] == names, nav
    assert "resultados.html" in nav

    pages = ["index.html", *notebook_links, "resultados.html"]
    figures, targets = 0, set()
    for href in pages:
        visit.go(server + href)
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete && e.naturalWidth > 0])")
        broken = [src for src, ok in images if not ok]
        assert not broken, f"{href}: imágenes que no cargan: {broken}"
        figures += sum("/_images/" in src and not src.endswith(".svg") for src, _ in images)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        targets |= {link for link in links if link.startswith(server)}
        if Path(href).stem in names:
            stem = Path(href).stem
            text = page.inner_text("article")
            assert "Salidas producidas por make run-all con el perfil" in text, href
            colab = page.locator(f"a[href^='https://colab.research.google.com/github/'][href$='/{stem}.ipynb'] img")
            assert colab.count() >= 1, f"{href}: sin insignia de Colab"
            download = page.locator(f"a.download[href$='/{stem}.ipynb']")
            assert download.count() == 1 and "Descargar el cuaderno" in download.inner_text(), href
            status, body = fetch(urljoin(page.url, download.get_attribute("href")))
            source = json.loads(body)
            assert status == 200 and all(c.get("outputs", []) == [] for c in source["cells"]), (
                "la descarga debe ser la fuente, sin salidas")
    assert figures > 0, "ninguna página muestra figuras de los cuadernos"

    # Cada enlace interno existe; si lleva ancla, la página tiene ese id.
    for target in sorted(targets):
        url, fragment = urldefrag(target)
        status, body = fetch(url)
        assert status == 200, target
        if fragment and url.endswith(".html"):
            assert f'id="{unquote(fragment)}"' in body.decode("utf-8"), f"ancla rota: {target}"

    assert visit.external == [], f"el sitio intentó salir a la red: {visit.external}"
    assert visit.problems == [], visit.problems

    # Captura de una página de cuaderno, para mirarla (build/site-captura*.png).
    (ROOT / "build").mkdir(exist_ok=True)
    visit.go(server + notebook_links[0])
    page.screenshot(path=str(ROOT / "build" / "site-captura.png"))
    page.locator("img[src*='_images/']:not([src$='.svg'])").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / "build" / "site-captura-figura.png"))
    page.close()


def docs_html() -> list[str]:
    """Las páginas de docs/ en el sitio (docs/guia.html, docs/bench/README.html...), desde las del repositorio."""
    return [str(Path(page).with_suffix(".html")) for page in build_site.docs_pages()]


@pytest.mark.site
def test_docs_pages_are_published_linked_and_load_in_chromium(site, server, browser):
    expected = docs_html()
    assert {"docs/guia.html", "docs/plan-de-clase.html", "docs/mas-alla.html", "docs/tiempos.html",
            "docs/bench/README.html", "docs/bench/semillas.html", "docs/resultados/README.html"} <= set(expected)
    visit = Visit(browser, server)
    page = visit.page

    # La portada enlaza las páginas de docs/ del sitio (no GitHub), y cada enlace carga.
    visit.go(server + "index.html")
    landing = page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)")
    to_docs = [link for link in landing if link.startswith(server + "docs/")]
    assert {server + "docs/guia.html",
            server + "docs/bench/semillas.html"} <= {urldefrag(u)[0] for u in to_docs}, landing
    assert not [link for link in landing if re.search(r"github\.com/.*/blob/main/docs/.*\.md", link)], landing
    for link in to_docs:
        assert fetch(urldefrag(link)[0])[0] == 200, link

    # «Documentación» está en la navegación, con todas las páginas de docs/.
    captions = page.eval_on_selector_all("nav.bd-docs-nav p.caption", "els => els.map(e => e.innerText.trim())")
    assert captions == ["Cuadernos", "Resultados", "Documentación"], captions
    nav = page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal",
                                    "els => els.map(e => e.getAttribute('href'))")
    assert sorted(h for h in nav if h.startswith("docs/")) == sorted(expected), nav
    assert [h for h in nav if h.startswith("docs/")][:4] == ["docs/guia.html", "docs/plan-de-clase.html",
                                                            "docs/mas-alla.html", "docs/tiempos.html"], nav

    # Cada página de docs/ carga sin errores: su título, sus imágenes, MyST le dio forma (tablas, comentarios ocultos)
    # y sus enlaces internos y anclas existen; lo que no se publica (.json, .npz, código) va a GitHub.
    targets = set()
    for href in expected:
        visit.go(server + href)
        text = page.inner_text("article")
        assert page.locator("article h1").count() == 1, href
        assert "<!--" not in text and "-->" not in text, f"{href}: un comentario HTML se ve en la página"
        assert not re.search(r"^\s*\|?\s*-{3,}\s*\|", text, re.MULTILINE), f"{href}: una tabla sin formato"
        assert "```" not in text, f"{href}: un bloque sin formato"
        source = (ROOT / Path(href).with_suffix(".md")).read_text(encoding="utf-8")
        tables = len(re.findall(r"^\|?\s*:?-{3,}:?\s*\|", source, re.MULTILINE))
        assert page.locator("article table").count() == tables, f"{href}: {tables} tablas en Markdown"
        # Las tablas anchas se desplazan dentro de su contenedor, no ensanchan la página.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{href}: la página desborda"
        images = page.eval_on_selector_all("article img",
                                           "els => els.map(e => [e.src, e.complete && e.naturalWidth > 0])")
        assert all(ok for _, ok in images), f"{href}: imágenes que no cargan: {images}"
        links = page.eval_on_selector_all("article a[href]", "els => els.map(e => e.href)")
        targets |= {link for link in links if link.startswith(server)}
        raw = [link for link in links if re.search(r"\.(json|npz|py|toml|txt)$", urldefrag(link)[0])]
        assert all(link.startswith("https://github.com/") for link in raw), f"{href}: {raw}"
    for target in sorted(targets):
        url, fragment = urldefrag(target)
        status, body = fetch(url)
        assert status == 200, target
        if fragment and url.endswith(".html"):
            assert f'id="{unquote(fragment)}"' in body.decode("utf-8"), f"ancla rota: {target}"

    # Un enlace de una página de docs/ a otra funciona al pulsarlo, y el del README lleva a la portada.
    visit.go(server + "docs/guia.html")
    page.locator("article a[href='bench/README.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url == server + "docs/bench/README.html"
    assert page.locator("article h1").first.inner_text().startswith("Mediciones del curso")
    page.locator("article a[href='semillas.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url == server + "docs/bench/semillas.html"
    assert page.locator("article h1").first.inner_text().startswith("Semillas")
    visit.go(server + "docs/guia.html")
    page.locator("article a", has_text="README").first.click()
    page.wait_for_load_state("load")
    assert page.url == server + "index.html"

    assert visit.external == [], f"el sitio intentó salir a la red: {visit.external}"
    assert visit.problems == [], visit.problems
    page.close()


class ResourceRefs(HTMLParser):
    """Recursos que el navegador descarga solo: scripts, hojas de estilo, fuentes, iconos e imágenes."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.refs.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical", "next", "prev", "index",
                                                                            "search"):
            self.refs.append(attrs["href"])


@pytest.mark.site
def test_pages_need_no_cdn(site):
    assert (site / ".nojekyll").is_file(), "GitHub Pages (Jekyll) no serviría _static/ ni _images/"
    external = re.compile(r"^(https?:)?//")
    for page in site.rglob("*.html"):
        parser = ResourceRefs()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [ref for ref in parser.refs if external.match(ref)]
        assert not remote, f"{page.relative_to(site)} carga recursos de fuera: {remote}"
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="ignore")
        assert not re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", text), (
            f"{sheet.relative_to(site)} carga algo de fuera")


@pytest.mark.site
def test_results_page_says_profile_when_hardware_and_shows_the_scoreboard(site, smoke_build):
    results = (site / "resultados.html").read_text(encoding="utf-8")
    assert "Perfil: <strong>smoke</strong>" in results
    assert re.search(r"Cuándo: el \d\d-\d\d-\d{4} a las \d\d:\d\d UTC", results)
    run = json.loads((smoke_build / "ejecucion.json").read_text(encoding="utf-8"))
    assert f"CPU: {run['hardware']['cpu']}" in results and f"GPU: {run['hardware']['gpu']}" in results
    assert "Marcador" in results and "TF-IDF + regresión logística" in results
    for name in course_names():
        assert f'href="{name}.html"' in results  # la tabla de cuadernos enlaza las páginas del sitio, no el HTML
                                                 # de build/
