"""The built site, opened in a real browser (Debian's chromium, headless) from a local server.

Every page: each chart rendered marks (an SVG with mark groups), each formula was typeset by
the MathJax the site serves itself, the console shows no errors, and no request left the machine.
Screenshots of every page go to _build/screenshots/ for a person to look at.
"""
from __future__ import annotations

import functools
import os
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from shockbook import paths

HTML = paths.ROOT / "_build" / "html"
SHOTS = paths.ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# The book's pages: not Sphinx's index and search pages, nor the theme's templates under _static.
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if p.name not in ("genindex.html", "search.html") and "_static" not in p.parts) if HTML.exists() else []

needs_site = pytest.mark.skipif(not (HTML / "index.html").exists(),
                                reason="the site is not built: run `make book` (or `make test`, which builds it)")


@needs_site
def test_every_chapter_in_the_toc_was_built():
    for name in ("index.html", "intro.html", "chapters/01_shock.html", "chapters/data_and_methods.html",
                 "references.html"):
        assert (HTML / name).exists(), name


@needs_site
def test_no_page_loads_a_script_from_another_host():
    import re

    for page in PAGES:
        html = (HTML / page).read_text(encoding="utf-8")
        srcs = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
        external = [s for s in srcs if s.startswith(("http:", "https:", "//"))]
        assert not external, f"{page} loads {external}"


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: `apt-get install chromium` (make test does it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, empty profile. No background traffic: there is no network.
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield b
        b.close()


@needs_site
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_offline_in_a_browser(page, server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors, foreign = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    tab.goto(f"{server}/{page}", wait_until="load")
    charts = tab.locator("div.shockbook-chart").count()
    if charts:
        tab.wait_for_function(
            "n => document.querySelectorAll('div.shockbook-chart svg g[class*=\"mark-\"]').length > 0 &&"
            " [...document.querySelectorAll('div.shockbook-chart')].every(d => d.querySelector('svg'))",
            arg=charts, timeout=20000)
        for i in range(charts):
            chart = tab.locator("div.shockbook-chart").nth(i)
            assert chart.locator("svg g[class*='mark-']").count() > 0, f"chart {i + 1} of {page} drew no marks"
    maths = tab.locator("div.math, span.math").count()
    if maths:
        tab.wait_for_function("n => document.querySelectorAll('mjx-container').length >= n", arg=maths, timeout=20000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / (page.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
    context.close()
    assert not errors, f"{page}: console errors {errors}"
    assert not foreign, f"{page}: requests to other hosts {foreign}"
