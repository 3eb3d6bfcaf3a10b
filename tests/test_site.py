"""The built site, opened in a real browser (Debian's chromium, headless) from a local server.

Here: the pages the table of contents promises, no script from another host, and the redirect pages
(index.html) judged by the page they land on. Every page with content is opened at a phone's and a
desktop's width by tests/test_site_readers.py, which checks there what a reader meets: each chart
rendered marks, each formula was typeset by the MathJax the site serves itself, the console shows no
errors, no request left the machine, nothing is cut off, and axe-core finds no WCAG violation.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

import pytest

from shockbook import paths

HTML = paths.ROOT / "_build" / "html"
SHOTS = paths.ROOT / "_build" / "screenshots"
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


@contextlib.contextmanager
def serve(directory: Path):
    """A local web server for ``directory``; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def server():
    with serve(HTML) as url:
        yield url


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass




def redirect_target(page: str, html_dir: Path = HTML) -> str | None:
    """Where a page's meta refresh sends the browser, relative to the site root (None if it does not)."""
    import posixpath
    import re

    html = (html_dir / page).read_text(encoding="utf-8")
    m = re.search(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', html, re.I)
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), m[1])) if m else None


@needs_site
def test_the_front_page_redirects_to_the_introduction():
    assert redirect_target("index.html") == "intro.html"


@needs_site
@pytest.mark.parametrize("page", [p for p in PAGES if redirect_target(p)])
def test_a_redirect_page_lands_on_a_page_that_renders_offline(page, server, browser):
    errors, foreign = open_page(browser, server, page, HTML)
    assert not errors, f"{page}: console errors {errors}"
    assert not foreign, f"{page}: requests to other hosts {foreign}"


def test_a_slow_redirect_is_judged_by_the_page_it_lands_on(browser, tmp_path):
    """The race behind a flaky failure, made certain: a redirect that fires after 1 s lets Chromium ask
    the redirect page's /favicon.ico (a 404 here, as on the book's site) every time."""
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="1; url=intro.html" />\n')
    (tmp_path / "intro.html").write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,">'
                                         "<title>intro</title></head><body>intro</body></html>")
    with serve(tmp_path) as url:
        errors, foreign = open_page(browser, url, "index.html", tmp_path, screenshot=False)
        assert errors == [] and foreign == []
        # ...while an error on the page it lands on still counts.
        (tmp_path / "intro.html").write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,">'
                                             '</head><body><img src="missing.png"></body></html>')
        errors, _ = open_page(browser, url, "index.html", tmp_path, screenshot=False)
        assert any("404" in e for e in errors), errors


def open_page(browser, server: str, page: str, html_dir: Path, screenshot: bool = True) -> tuple[list, list]:
    """Open ``page`` as a reader would and wait for its charts and formulas; (console errors, foreign requests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors, foreign = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: foreign.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    target = redirect_target(page, html_dir)
    if target:
        # A redirect page (index.html) only sends the browser on. What its own short-lived document asks
        # for (Chromium asks for /favicon.ico, which the site does not have, or not, depending on how
        # fast the redirect fires) is not the page's fault: judge the page it lands on, from its start.
        def landed(frame) -> None:
            if frame == tab.main_frame and frame.url == f"{server}/{target}":
                errors.clear()

        tab.on("framenavigated", landed)
        tab.goto(f"{server}/{page}", wait_until="commit")
        tab.wait_for_url(f"{server}/{target}", wait_until="load", timeout=20000)
    else:
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
    if screenshot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / (page.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
    context.close()
    return errors, foreign
