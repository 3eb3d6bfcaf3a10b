"""Reruns a reader can read: the HTML page and the readable notebook (shockbook.site.render)."""
from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from shockbook import paths, runner
from shockbook.site import render

CHAPTERS = sorted(paths.CHAPTERS_DIR.glob("*.ipynb"))
ROLE_LEFT = re.compile(r"\{(glue|numref|doc|cite|ref|download)[^}]*\}`")
BAD_WORDS = re.compile(r"(?<![\w.-])(nan|NaN|inf)(?![\w-])")  # "None" is also an English word: checked in values only
BAD_VALUE = re.compile(r"^\s*$|(?<![\w.-])(nan|NaN|None|inf)(?![\w-])")


def notebook(*cells, glue: dict | None = None) -> nbformat.NotebookNode:
    """A small executed notebook: markdown cells, and one code cell that glued ``glue`` as text/plain."""
    nb = nbformat.v4.new_notebook()
    outputs = [nbformat.v4.new_output("display_data", data={f"{render.GLUE_PREFIX}text/plain": repr(v)},
                                      metadata={"scrapbook": {"name": k, "mime_prefix": render.GLUE_PREFIX}})
               for k, v in (glue or {}).items()]
    code = nbformat.v4.new_code_cell("glue(...)", outputs=outputs)
    nb.cells = [code] + [nbformat.v4.new_markdown_cell(c) for c in cells]
    return nb


# --------------------------------------------------------------------------- the prose


@pytest.mark.parametrize("value", [16.96816559862986, -0.5, 0.0, 1234567.891, 250, -3, "Vertiv", "20 January 2025", True])
@pytest.mark.parametrize("fmt", ["s", "", ".2f", "+.1f", ",.1f", "+,.1f", ",.0f", ".0f", ".1%", ".3g", "d", "+d", ">8s"])
def test_glued_text_is_formatted_as_myst_nb_formats_it(value, fmt):
    from myst_nb.core.variables import format_plain_text

    bundle = {"text/plain": repr(value)}
    try:
        expected = format_plain_text(repr(value), fmt)
    except (ValueError, TypeError) as exc:
        with pytest.raises(type(exc)):
            render.glue_text(bundle, fmt)
        return
    assert render.glue_text(bundle, fmt) == expected


def test_roles_become_words_and_figures_are_numbered():
    nb = notebook(
        "(chapter-shock)=\n# The shock\n\nNvidia fell {glue:text}`drop:.2f`% ({glue:text}`who`), see {numref}`fig-a` "
        "and {numref}`Table %s <tbl-b>`, {doc}`06_claims` and {cite}`mackinlay1997`.",
        "```{glue:figure} drop\n:name: fig-a\n\nThe fall, {glue:text}`drop:+.1f`%.\n```\n\n"
        "```{glue:figure} who\n:name: tbl-b\n\nWho.\n```",
        glue={"drop": 16.96816559862986, "who": "Vertiv"})
    r = render.Resolver(nb, "chapters/01_shock")
    text = render.markdown_for_notebook(nb.cells[1].source, r, "above")
    assert "16.97% (Vertiv)" in text
    assert "see Fig. 1.1 and Table 1.2" in text
    assert "Chapter 6, “Checking the articles”" in text
    assert re.search(r"\(MacKinlay, 1997\)", text), text
    assert not ROLE_LEFT.search(text)
    figures = render.markdown_for_notebook(nb.cells[2].source, r, "above")
    assert "**Fig. 1.1.** The fall, +17.0%." in figures and "**Fig. 1.2.** Who." in figures


def test_a_value_the_notebook_did_not_glue_is_named():
    nb = notebook("It fell {glue:text}`missing:.1f`%.", glue={"drop": 1.0})
    with pytest.raises(render.RenderError, match="'missing'"):
        render.markdown_for_notebook(nb.cells[1].source, render.Resolver(nb, "chapters/01_shock"), "above")


def test_directives_are_split_from_the_prose():
    parts = render.split_directives("a\n\n```{glue:figure} k\n:name: fig-x\n:figwidth: 100%\n\nCaption.\n```\nb\n"
                                    ":::{note} Heads up\nBody\n:::\n")
    kinds = [p.name if isinstance(p, render.Directive) else "text" for p in parts]
    assert kinds == ["text", "glue:figure", "text", "note", "text"]
    assert parts[1].options == {"name": "fig-x", "figwidth": "100%"} and parts[1].body == "Caption."
    assert parts[3].arg == "Heads up" and parts[3].body == "Body"


# --------------------------------------------------------------------------- the book's chapters as pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every committed chapter rendered as a page (from its own glued outputs; nothing re-executed)."""
    out = tmp_path_factory.mktemp("pages")
    for nb in CHAPTERS:
        (out / f"{nb.stem}.html").write_text(render.page(nb), encoding="utf-8")
    return out


@pytest.mark.parametrize("chapter", [p.stem for p in CHAPTERS])
def test_every_chapter_renders_without_a_role_left(pages, chapter):
    html = (pages / f"{chapter}.html").read_text(encoding="utf-8")
    assert render.manifest_sha256() in html
    text = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    assert not ROLE_LEFT.search(text), ROLE_LEFT.search(text).group(0)
    assert "Fig. " in text or "glue:figure" not in (paths.CHAPTERS_DIR / f"{chapter}.ipynb").read_text()




def check_page_in_browser(browser, url: str) -> tuple[str, list[str]]:
    """Open a page from a file: charts drawn, formulas typeset, no console error, no request at all."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors, requests = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:", "blob:")) else None)
    tab.goto(url, wait_until="load")
    charts = tab.locator("div.shockbook-chart").count()
    if charts:
        tab.wait_for_function("[...document.querySelectorAll('div.shockbook-chart')].every("
                              "d => d.querySelector('svg g[class*=\"mark-\"]'))", timeout=30000)
    maths = tab.locator("div.math, span.math").count()
    if maths:
        tab.wait_for_function("n => document.querySelectorAll('mjx-container').length >= n", arg=maths, timeout=30000)
    text = tab.inner_text("article")
    values = tab.eval_on_selector_all("span.glued", "spans => spans.map(s => s.textContent)")
    context.close()
    assert not errors, errors
    assert not requests, requests
    return text, values


@pytest.mark.parametrize("chapter", [p.stem for p in CHAPTERS])
def test_every_chapter_page_draws_offline_and_reads_clean(pages, browser, chapter):
    text, values = check_page_in_browser(browser, (pages / f"{chapter}.html").as_uri())
    bad = BAD_WORDS.search(text)
    assert not bad, f"{chapter}: {text[max(bad.start() - 80, 0):bad.end() + 40]!r}"
    assert not [v for v in values if BAD_VALUE.search(v)], [v for v in values if BAD_VALUE.search(v)]


# --------------------------------------------------------------------------- the readable notebook


@pytest.mark.parametrize("chapter", ["01_shock"])
def test_the_readable_notebook_shows_values_and_pictures(tmp_path, chapter):
    src = paths.CHAPTERS_DIR / f"{chapter}.ipynb"
    out = render.write_readable(src, tmp_path / f"{chapter}.readable.ipynb")
    nb = nbformat.read(out, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not ROLE_LEFT.search(cell.source), cell.source[:200]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if any(m.startswith(render.GLUE_PREFIX) for m in o.get("data", {}))]
    glued = render.glued(nbformat.read(src, as_version=4))
    charts = [k for k, b in glued.items() if render.chart_spec(b) is not None]
    svgs = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) == len(charts) and all(o["data"]["image/svg+xml"].startswith("<svg") for o in svgs)
    tables = [k for k, b in glued.items() if "text/html" in b and render.chart_spec(b) is None]
    assert sum(1 for o in outputs if "shockbook-table" in o.get("data", {}).get("text/html", "")) >= len(tables)
    assert "Fig. 1.1." in "".join(c.source for c in nb.cells if c.cell_type == "markdown")


# --------------------------------------------------------------------------- reruns side by side


def test_reruns_with_other_parameters_get_other_files():
    nb = paths.CHAPTERS_DIR / "01_shock.ipynb"
    a = runner.output_path(nb, {"event_date": "2025-01-21", "tickers": ["AMD"]}, None)
    b = runner.output_path(nb, {"event_date": "2025-01-22", "tickers": ["AMD"]}, None)
    assert a != b and a.with_suffix(".html") != b.with_suffix(".html")


def test_concurrent_publishing_never_tears_a_file(tmp_path):
    run = tmp_path / "01_shock__event_date-2025-01-27.ipynb"
    shutil.copyfile(paths.CHAPTERS_DIR / "01_shock.ipynb", run)
    shutil.copytree(paths.CHAPTERS_DIR / "figdata", tmp_path / "figdata")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: render.publish_run(run, {"event_date": "2025-01-27"}), range(3)))
    page, readable = results[0]
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    nbformat.validate(nbformat.read(readable, as_version=4))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([run.name, page.name, readable.name, "figdata"])  # no temp files left


README_RERUN = "python -m shockbook run 01 -p event_date 2025-01-21 -p tickers AMD"


@pytest.mark.skipif(not (paths.ROOT / "_assets" / "vendor" / "vega.min.js").exists(), reason="run `make vendor` first")
def test_the_readme_rerun_makes_a_page_to_open(tmp_path_factory, browser):
    """The README's example, end to end, as a reader types it: the run, the page it prints, the page in a
    browser. The command is run once a session (tests/reruns.py), for this test and tests/test_runner.py."""
    assert f".venv/bin/{README_RERUN}" in (paths.ROOT / "README.md").read_text(encoding="utf-8")
    from reruns import Runs, session_root

    done, folder = Runs(session_root(tmp_path_factory)).command(README_RERUN)
    assert done.returncode == 0, done.stderr
    page = folder / "runs" / "01_shock__event_date-2025-01-21__tickers-AMD.html"
    lines = (done.stdout + done.stderr).splitlines()
    assert any(line.startswith("Open ") and page.name in line for line in lines), lines
    assert (folder / "runs" / "01_shock__event_date-2025-01-21__tickers-AMD.readable.ipynb").exists()
    html = page.read_text(encoding="utf-8")
    assert "<code>2025-01-21</code>" in html and "<code>AMD</code>" in html
    check_page_in_browser(browser, page.as_uri())
