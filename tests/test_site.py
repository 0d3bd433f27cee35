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
from urllib.parse import urldefrag, urljoin

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
    assert f"{fourth.stem}: la última ejecución se interrumpió (interrumpido); {fourth.name} es de una ejecución anterior" in message
    assert "`make run-all`" in message and "`make smoke` para una vista previa rápida" in message
    assert not (build / "site").exists()


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
    proc = subprocess.run([sys.executable, "-m", "tools.build_site", "--build", str(smoke_build), "--salida", str(output)],
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
        self.page.on("console", lambda m: self.problems.append(f"consola {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"excepción JS: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"petición fallida: {r.url}"))
        self.page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
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
    nav = page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal", "els => els.map(e => e.getAttribute('href'))")
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
            assert status == 200 and all(c.get("outputs", []) == [] for c in source["cells"]), "la descarga debe ser la fuente, sin salidas"
    assert figures > 0, "ninguna página muestra figuras de los cuadernos"

    # Cada enlace interno existe; si lleva ancla, la página tiene ese id.
    for target in sorted(targets):
        url, fragment = urldefrag(target)
        status, body = fetch(url)
        assert status == 200, target
        if fragment and url.endswith(".html"):
            assert f'id="{fragment}"' in body.decode("utf-8"), f"ancla rota: {target}"

    assert visit.external == [], f"el sitio intentó salir a la red: {visit.external}"
    assert visit.problems == [], visit.problems

    # Captura de una página de cuaderno, para mirarla (build/site-captura*.png).
    (ROOT / "build").mkdir(exist_ok=True)
    visit.go(server + notebook_links[0])
    page.screenshot(path=str(ROOT / "build" / "site-captura.png"))
    page.locator("img[src*='_images/']:not([src$='.svg'])").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ROOT / "build" / "site-captura-figura.png"))
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
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical", "next", "prev", "index", "search"):
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
        assert not re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", text), f"{sheet.relative_to(site)} carga algo de fuera"


@pytest.mark.site
def test_results_page_says_profile_when_hardware_and_shows_the_scoreboard(site, smoke_build):
    results = (site / "resultados.html").read_text(encoding="utf-8")
    assert "Perfil: <strong>smoke</strong>" in results
    assert re.search(r"Cuándo: el \d\d-\d\d-\d{4} a las \d\d:\d\d UTC", results)
    run = json.loads((smoke_build / "ejecucion.json").read_text(encoding="utf-8"))
    assert f"CPU: {run['hardware']['cpu']}" in results and f"GPU: {run['hardware']['gpu']}" in results
    assert "Marcador" in results and "TF-IDF + regresión logística" in results
    for name in course_names():
        assert f'href="{name}.html"' in results  # la tabla de cuadernos enlaza las páginas del sitio, no el HTML de build/
