"""The book for every reader: phones, screen readers, Chinese glyphs, print and the PDF edition.

In a real browser (Debian's chromium, headless), at a phone's width (390 px) and a desktop's (1280 px):
no chart is drawn wider than its column and no title line runs past its chart; axe-core finds no
WCAG 2.1 AA violation on any page; Chinese names are drawn with a CJK font, not as empty boxes.
Without a browser: the chart renderer's titles, descriptions and static SVGs; the site's table
numbering, rerun boxes and links; the PDF edition's contents, vectors and reproducibility.
Screenshots go to _build/screenshots/readers/ for a person to look at.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from shockbook import paths
from shockbook.site import charts, pdf
from test_site import HTML, PAGES, needs_site

SHOTS = paths.ROOT / "_build" / "screenshots" / "readers"
AXE = Path(os.environ.get("SHOCKBOOK_AXE", paths.ROOT / "node_modules" / "axe-core" / "axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"phone": 390, "desktop": 1280}
PDF = paths.ROOT / "_build" / "pdf" / "book.pdf"


# --- The renderer, without a browser ------------------------------------------------------------

def long_titled_chart(n: int = 6) -> alt.Chart:
    data = pd.DataFrame({"item": [f"item {i}" for i in range(n)], "value": range(n)})
    bars = alt.Chart(data).mark_bar().encode(x=alt.X("value:Q", title="Value"), y=alt.Y("item:N", title=None))
    return charts.titled(bars.properties(width=260), "A title", "What is shown, said briefly",
                         "a source line far longer than the chart is wide, naming many outlets one after another, "
                         "as chapter 3's fleet chart does, so that it would widen or be cut")


def svg_width(svg: str) -> float:
    return float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))


def test_long_title_lines_are_wrapped_to_the_chart_width():
    chart = long_titled_chart()
    spec = charts._spec_of(chart)
    untitled = charts.drawn_width(spec)
    unwrapped = svg_width(__import__("vl_convert").vegalite_to_svg(spec))
    assert unwrapped > untitled + 50, "the test chart's source line should widen it when not wrapped"
    assert svg_width(charts.static_svg(chart)) <= max(untitled, charts.MIN_TITLE_WIDTH + 10) + 1
    subtitle = charts.prepared(spec)["title"]["subtitle"]
    assert len(subtitle) > 2 and " ".join(subtitle).endswith("would widen or be cut")


def test_static_svg_is_byte_identical_across_calls_even_with_gradients():
    data = pd.DataFrame({"x": [1, 2, 3], "y": [1, 2, 3], "v": [1.0, 10.0, 100.0]})
    chart = alt.Chart(data).mark_rect().encode(x="x:O", y="y:O", color=alt.Color("v:Q", scale=alt.Scale(type="log")))
    first, second = charts.static_svg(chart), charts.static_svg(chart)
    assert first == second
    assert "gradient" in first, "a continuous colour legend draws a gradient, whose id vega numbers per process"
    assert first.startswith('<svg role="img" aria-label="Cells (across: x; up: y; coloured by: v)')


def test_description_says_what_is_plotted_and_how_many_rows():
    chart = long_titled_chart(n=7)
    text = charts.describe(charts._spec_of(chart))
    assert text.startswith("Chart: A title.") and "What is shown, said briefly." in text
    assert "Bars" in text and "Value" in text
    assert f"{len(chart.data)} rows of data" in text
    assert "Source: a source line" in text


def test_site_shows_the_interactive_chart_described_for_screen_readers():
    bundle = charts.render(charts._spec_of(long_titled_chart()))
    # The static SVG goes to the readable notebooks (test_render), not into every glued chart.
    assert set(bundle) == {"text/html", "text/plain"}
    assert 'class="shockbook-sr-only"' in bundle["text/html"] and "aria-describedby" in bundle["text/html"]


def wide_legend_chart() -> alt.Chart:
    """Long labels on the left, a four-column legend: what a phone cannot show by scaling."""
    data = pd.DataFrame({"item": [f"a rather long name for item number {i}" for i in range(8)],
                         "value": range(8), "group": [f"group {i % 4}" for i in range(8)]})
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("value:Q", title="Value"), y=alt.Y("item:N", title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("group:N", legend=alt.Legend(columns=4, orient="right")))
    return charts.titled(bars.properties(width=400), "A wide chart", "Long labels and a legend beside it", "tests")


def test_a_wide_chart_gets_a_narrow_layout_for_phones():
    spec = charts._spec_of(wide_legend_chart())
    assert charts.drawn_width(spec) > charts.NARROW_WIDTH / charts.NARROW_SWITCH
    narrow = charts.narrow_spec(spec)
    assert narrow is not None
    assert charts.drawn_width(narrow) <= charts.NARROW_WIDTH + 10
    legend = narrow["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["columns"] == charts.NARROW_LEGEND_COLUMNS
    assert narrow["encoding"]["y"]["axis"]["labelLimit"] == charts.NARROW_AXIS_LABEL_LIMIT
    assert narrow["width"] < 400
    assert narrow["datasets"] == spec["datasets"]  # the data are untouched
    # The page carries the narrow layout without a second copy of the data.
    page = charts.render(spec)["text/html"]
    narrow_line = re.search(r"var narrow = (.*);\n", page).group(1)
    assert '"width":' in narrow_line and "datasets" not in narrow_line


def test_a_chart_that_fits_a_phone_has_no_narrow_layout():
    small = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_point().encode(x="x:Q", y="y:Q")
    spec = charts._spec_of(small.properties(width=200, height=120))
    assert charts.drawn_width(spec) <= charts.NARROW_WIDTH
    assert charts.narrow_spec(spec) is None
    assert "var narrow = null;" in charts.render(spec)["text/html"]


# --- The notebooks outside the site: each chart's static copy --------------------------------------

def chapter_notebooks() -> list[Path]:
    return sorted((paths.ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def test_every_glued_chart_has_its_static_copy_in_the_notebook():
    """GitHub, nbviewer and JupyterLab show no glued output: each chart cell also shows the chart as
    an SVG, the same bytes static_svg draws from the glued spec, under the key of that spec (by which
    a forced run and the readable copies reuse it). Drawn afresh here: the kept copies are what is
    compared, so they must not be what answers."""
    from shockbook.site import book, render

    seen = 0
    for path in chapter_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            outputs = cell.get("outputs", [])
            copies = {o["metadata"][book.STATIC_COPY]: o for o in outputs if book.is_static_copy(o)}
            for o in outputs:
                name = o.get("metadata", {}).get("scrapbook", {}).get("name", "")
                html = o.get("data", {}).get(render.GLUE_PREFIX + "text/html")
                spec = render.chart_spec({"text/html": "".join(html) if isinstance(html, list) else html or ""})
                if spec is None:
                    continue
                assert name in copies, f"{path.name}: {name} has no static copy"
                svg = copies[name]["data"]["image/svg+xml"]
                svg = "".join(svg) if isinstance(svg, list) else svg
                drawn, key = charts.keyed_svg(spec, fresh=True)
                assert svg == drawn, f"{path.name}: {name}'s static copy is not its chart"
                assert copies[name]["metadata"][charts.SVG_KEY] == key, f"{path.name}: {name}'s copy has another key"
                seen += 1
    assert seen >= 20


EMPTY_LAYER = re.compile(r'<g class="(mark-\w+ role-mark [^"]*)"[^>]*?(?:/>|></g>)')


def test_chapter_1_day_by_day_chart_draws_its_zero_line():
    """A shared x set on a whole layer reached the zero rule, which has no day: vega-lite dropped
    its only point and the chart lost its zero line (an empty layer axe also flagged as unnamed)."""
    from shockbook.site import book

    nb = json.loads((paths.ROOT / "chapters" / "01_shock.ipynb").read_text(encoding="utf-8"))
    copies = {o["metadata"][book.STATIC_COPY]: o["data"]["image/svg+xml"]
              for c in nb["cells"] for o in c.get("outputs", []) if book.is_static_copy(o)}
    svg = copies["fig-shock-carpath-chart"]
    svg = "".join(svg) if isinstance(svg, list) else svg
    assert "role-mark" in svg and not EMPTY_LAYER.findall(svg), EMPTY_LAYER.findall(svg)


def test_the_site_reads_notebooks_without_the_static_copies():
    from shockbook.site import static_copies

    nb = json.loads((paths.ROOT / "chapters" / "01_shock.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(nb)
    assert "shockbook_static_copy" in text and "image/svg+xml" in text
    read = static_copies.without_static_copies(text)
    assert "shockbook_static_copy" not in read and "image/svg+xml" not in read
    kept = json.loads(read)
    assert sum(len(c.get("outputs", [])) for c in kept["cells"]) > 0  # glued outputs stay
    assert static_copies.without_static_copies(read) == read


@needs_site
def test_the_site_shows_each_chart_once():
    for page in chapter_pages():
        text = (HTML / page).read_text(encoding="utf-8")
        assert not re.search(r'<img[^>]+\.svg"', text), f"{page} shows a chart's static copy as an image"


# --- The built site, without a browser ----------------------------------------------------------

def book_pages() -> list[str]:
    """The pages with content (index.html only redirects to the introduction)."""
    return [p for p in PAGES if 'class="bd-article"' in (HTML / p).read_text(encoding="utf-8")]


def chapter_pages() -> list[str]:
    return [p for p in PAGES if re.fullmatch(r"chapters/\d\d_\w+\.html", p)]


@needs_site
def test_glued_tables_are_numbered_and_referenced_as_tables():
    seen = 0
    for page in chapter_pages():
        text = (HTML / page).read_text(encoding="utf-8")
        for fig_id, body in re.findall(r'<figure[^>]*id="(tbl-[^"]+)"[^>]*>(.*?)</figure>', text, re.S):
            number = re.search(r'<span class="caption-number">([^<]+)</span>', body)
            assert number and number.group(1).startswith("Table "), f"{page}: {fig_id} is captioned {number}"
            seen += 1
        for ref in re.findall(r'href="#tbl-[^"]+"><span class="std std-numref">([^<]+)<', text):
            assert ref.startswith("Table "), f"{page}: a table is referred to as {ref!r}"
    assert seen > 0


@needs_site
def test_every_book_table_scrolls_in_a_named_focusable_region():
    for page in PAGES:
        text = (HTML / page).read_text(encoding="utf-8")
        tables = len(re.findall(r'<table\b[^>]*class="[^"]*shockbook-table', text))
        wrapped = len(re.findall(r'<div class="shockbook-table-wrap" role="region" tabindex="0" aria-label="[^"]+">'
                                 r'\s*<table\b[^>]*class="[^"]*shockbook-table', text))
        assert tables == wrapped, f"{page}: {tables - wrapped} tables not wrapped"


@needs_site
def test_every_page_links_the_repository_and_the_pdf_and_each_chapter_says_how_to_rerun_it():
    for page in book_pages():
        text = (HTML / page).read_text(encoding="utf-8")
        assert "https://github.com/deepseek-shock/book" in text, page
        # each edition links its own PDF: book.pdf at the site's root, zh/book.pdf for the Chinese pages
        depth = page.count("/") - page.startswith("zh/")
        assert f'href="{"../" * depth}book.pdf"' in text, f"{page} does not link the PDF edition"
    for page in chapter_pages():
        text = (HTML / page).read_text(encoding="utf-8")
        number = page.split("/")[1][:2]
        box = re.search(r'<aside class="shockbook-rerun".*?</aside>', text, re.S)
        assert box, f"{page} has no rerun box"
        assert page.replace(".html", ".ipynb") in box.group(0)
        # the command is in the chapter's own box (with every parameter) or, failing one, in this pointer
        command = f"python -m shockbook run {number}"
        assert command in box.group(0) or ("Rerun this chapter" in text and command in text), page


@needs_site
def test_the_changelog_lists_every_source_of_the_data():
    text = (HTML / "changelog.html").read_text(encoding="utf-8")
    market = json.loads((paths.ROOT / "data" / "market" / "manifest.json").read_text())
    facts = json.loads((paths.ROOT / "data" / "facts" / "manifest.json").read_text())
    for entry in market["files"].values():
        origin = entry["origin"]
        assert (origin.get("repository") or origin.get("raw_file")) in text
        if origin.get("snapshot"):
            assert origin["snapshot"] in text
    for name in facts["files"]:
        assert name in text


# --- In a browser: phones, desktops, screen readers, glyphs ----------------------------------------

@pytest.fixture(scope="module")
def site_url():
    with pdf.serve(HTML) as url:
        yield url


@pytest.fixture
def chromium(browser):
    """The session's browser (conftest.py): each page is opened in a context of its own."""
    return browser


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.exists(), f"axe-core is missing ({AXE}): run `make vendor` (npm ci installs it from package-lock.json)"
    return AXE.read_text(encoding="utf-8")


# Each problem a chart has at the current width: drawn wider than its column, or a title line
# (title or subtitle text) whose box runs past the chart's own SVG.
FIT_PROBLEMS = """() => {
  const out = [];
  document.querySelectorAll('div.shockbook-chart').forEach((div, i) => {
    const svg = div.querySelector('svg.marks');
    if (!svg) { out.push(`chart ${i + 1}: no SVG`); return; }
    const column = div.parentElement.getBoundingClientRect();
    const box = svg.getBoundingClientRect();
    if (box.width > column.width + 0.5 || box.right > column.right + 0.5 || box.right > window.innerWidth + 0.5)
      out.push(`chart ${i + 1}: drawn ${box.width.toFixed(0)} px wide (to x=${box.right.toFixed(0)}) in a column of ${column.width.toFixed(0)} px`);
    if (div.scrollWidth > div.clientWidth + 1)
      out.push(`chart ${i + 1}: overflows its box (${div.scrollWidth} > ${div.clientWidth} px)`);
    svg.querySelectorAll('g[class*="role-title"] text').forEach(t => {
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1)
        out.push(`chart ${i + 1}: title line cut: "${t.textContent.slice(0, 50)}"`);
    });
  });
  return out;
}"""


# A chart that has a layout for narrow columns but was drawn in its wide one and shrunk past the
# switch point (a phone should have got the narrow layout, where text keeps its size).
SHRUNK = """limit => [...document.querySelectorAll('div.shockbook-chart[data-layout="wide"]')].flatMap((div, i) => {
  const svg = div.querySelector('svg.marks');
  const scale = svg.getBoundingClientRect().width / +svg.getAttribute('width');
  return scale < limit - 0.01 ? [`a wide-layout chart shrunk to ${(100 * scale).toFixed(0)}% (it has a narrow layout)`] : [];
})"""


def open_page(chromium, site_url: str, page: str, width: int):
    context = chromium.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    errors = []  # console errors, uncaught exceptions and any request that would leave the machine
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: None if r.url.startswith((site_url, "data:", "blob:"))
           else errors.append(f"a request to another host: {r.url}"))
    tab.goto(f"{site_url}/{page}", wait_until="load")
    pdf.wait_until_drawn(tab)
    return context, tab, errors


@needs_site
@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
@pytest.mark.parametrize("page", book_pages() if PAGES else [])
def test_page_fits_phone_and_desktop_and_has_no_wcag_violations(page, width, chromium, site_url, axe_source):
    """One page load per page and width (the browser is slow on a shared machine): every chart drew its
    marks and every formula was typeset (open_page waits for both), the console shows no error and no
    request leaves the machine, the charts fit their column and their titles are whole, a chart with a
    narrow layout is not shrunk past the switch; axe-core finds no WCAG 2.1 AA violation.

    axe runs at both widths although it is most of a visit's time (chapter 1 under load: 110 s of 120 s,
    color-contrast alone 40% of it): the phone's page is not the desktop's with other CSS. A chart with a
    narrow layout is drawn by the page's script from another spec (other SVG, chosen once at load); below
    1200 px the theme's headings are smaller, so axe holds them to the 4.5:1 text ratio, not 3:1; the
    sidebar is hidden and the header's toggle buttons are shown."""
    context, tab, errors = open_page(chromium, site_url, page, width)
    try:
        problems = tab.evaluate(FIT_PROBLEMS) + tab.evaluate(SHRUNK, charts.NARROW_SWITCH)
        # What the page itself did; axe's own loading of the style sheets (it resolves the theme's relative
        # @import "../basic.css" against the page, a 404 no reader's browser makes) is not the page's.
        page_errors = list(errors)
        tab.add_script_tag(content=axe_source)
        result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
        charts_here = tab.locator("div.shockbook-chart")
        if charts_here.count():
            charts_here.first.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / f"{page.replace('/', '__').removesuffix('.html')}-{width}.png"))
    finally:
        context.close()
    assert not page_errors, page_errors
    assert not problems, f"{page} at {width} px: " + "; ".join(problems)
    found = [f"{v['id']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']}): {v['help']}" for v in result["violations"]]
    assert not found, f"{page} at {width} px: " + "; ".join(found)


def test_a_page_load_hears_console_errors_and_requests_off_the_machine(chromium, tmp_path):
    """The page test above can fail for what test_site used to check on its own: a missing file (a console
    error) and a request to another host."""
    (tmp_path / "p.html").write_text('<!DOCTYPE html><html lang="en"><head><link rel="icon" href="data:,">'
                                     '<title>p</title></head><body><img src="missing.png" alt="">'
                                     '<img src="http://example.invalid/x.png" alt=""></body></html>')
    with pdf.serve(tmp_path) as url:
        context, _, errors = open_page(chromium, url, "p.html", WIDTHS["desktop"])
        context.close()
    assert any("404" in e for e in errors), errors
    assert any("another host: http://example.invalid/x.png" in e for e in errors), errors


@needs_site
def test_the_fit_check_catches_a_chart_wider_than_a_phone_and_a_cut_title(chromium, site_url):
    """The check above can fail: charts laid out for a desktop, on a phone with the book's scaling
    switched off, are cut."""
    page = next(p for p in chapter_pages() if "shockbook-chart" in (HTML / p).read_text(encoding="utf-8"))
    context, tab, _ = open_page(chromium, site_url, page, WIDTHS["desktop"])
    try:
        tab.set_viewport_size({"width": WIDTHS["phone"], "height": 900})  # drawn at the desktop's width
        tab.add_style_tag(content=".shockbook-chart svg.marks { max-width: none !important; }")
        problems = tab.evaluate(FIT_PROBLEMS)
        tab.add_style_tag(content=".shockbook-chart g[class*='role-title'] text { transform: translateX(900px); }")
        cut = tab.evaluate(FIT_PROBLEMS)
    finally:
        context.close()
    assert any("drawn" in p for p in problems), problems
    assert any("title line cut" in p for p in cut), cut


# Draws each character of ``text`` in the font of the element holding it, and says how many
# different pictures came out and how wide the text is next to unassigned code points (tofu).
GLYPHS = """text => {
  const holder = [...document.querySelectorAll('article p, article li, article td')].find(e => e.textContent.includes(text));
  if (!holder) return null;
  const family = getComputedStyle(holder).fontFamily;
  const canvas = document.createElement('canvas'); canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = `48px ${family}`;
  const pictures = new Set([...text].map(ch => {
    ctx.clearRect(0, 0, 64, 64); ctx.fillText(ch, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
  }));
  const tofu = String.fromCodePoint(0x0378).repeat(text.length);
  return {family, distinct: pictures.size, width: ctx.measureText(text).width, tofu: ctx.measureText(tofu).width};
}"""


@needs_site
def test_chinese_names_are_drawn_with_a_cjk_font_not_empty_boxes(chromium, site_url):
    name = "金融界"
    page = next((p for p in PAGES if name in (HTML / p).read_text(encoding="utf-8")), None)
    assert page, f"no page quotes {name}; pick another Chinese string the book prints"
    context, tab, _ = open_page(chromium, site_url, page, WIDTHS["desktop"])
    try:
        glyphs = tab.evaluate(GLYPHS, name)
        tab.locator(f"text={name}").first.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SHOTS / "cjk.png"))
    finally:
        context.close()
    assert "Noto Sans CJK SC" in glyphs["family"], glyphs
    # Tofu draws every missing character as the same box, as wide as any other missing character.
    assert glyphs["distinct"] == len(name), f"the characters of {name} are drawn as identical boxes: {glyphs}"
    assert abs(glyphs["width"] - glyphs["tofu"]) > 1, glyphs


# --- The PDF edition -------------------------------------------------------------------------------

needs_pdf = pytest.mark.skipif(not PDF.exists(), reason="no PDF edition: run `make pdf` (make book does it)")


def page_images(path: Path, out: Path) -> list[bytes]:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(out / "p")], check=True)
    return [p.read_bytes() for p in sorted(out.glob("p-*.png"))]


def pages_text(path: Path) -> list[str]:
    """Each page's text, spaces collapsed: poppler's pdftotext (installed with pdftoppm), a hundred times
    faster than pypdf's extract_text on this book."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True)
    return [" ".join(page.split()) for page in done.stdout.split("\f")[:-1]]


def page_foot_text(path: Path, number: int, height: float, foot: float = 60) -> str:
    """The text in the bottom ``foot`` points of page ``number`` (1-based): where the printed page number is."""
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), "-x", "0",
                           "-y", str(int(height - foot)), "-W", "10000", "-H", str(int(foot)), str(path), "-"],
                          check=True, capture_output=True, text=True)
    return " ".join(done.stdout.split())


@needs_pdf
def test_pdf_contents_page_numbers_point_at_the_chapters():
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    outline = {item.title: reader.get_destination_page_number(item) for item in reader.outline}
    pages = pdf.toc_pages()
    assert len(outline) == len(pages)
    texts = pages_text(PDF)
    assert len(texts) == len(reader.pages)
    contents = texts[1]
    assert contents.startswith("Contents")
    cover = 1  # the contents counts pages from the first page after the cover
    for title, index in outline.items():
        printed = index + 1 - cover
        assert re.search(re.escape(title) + r"\s*" + str(printed) + r"\b", contents), f"{title}: page {printed}"
        footer = page_foot_text(PDF, index + 1, float(reader.pages[index].mediabox.height))
        assert footer.endswith(str(printed)), f"{title}: the page's own number is not {printed}"


@needs_pdf
def test_pdf_charts_are_vectors_and_every_figure_and_table_is_numbered():
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    for i, page in enumerate(reader.pages):
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        images = [k for k, v in xobjects.items() if v.get_object().get("/Subtype") == "/Image"]
        assert not images, f"page {i + 1} carries raster images {images}"
    text = " ".join(pages_text(PDF))
    site_captions = set()
    for page in chapter_pages():
        site_captions |= set(re.findall(r'<span class="caption-number">([^<]+?)\s*</span>',
                                        (HTML / page).read_text(encoding="utf-8")))
    missing = [c for c in site_captions if c not in text]
    assert not missing, f"captions missing from the PDF: {missing}"
    assert "References" in text


@needs_pdf
def test_two_prints_of_the_same_site_give_the_same_pages(tmp_path):
    if pdf.chromium_path() is None:
        pytest.skip("chromium is not installed")
    again = tmp_path / "again.pdf"
    # Playwright's sync API refuses to start inside another's event loop (this module's chromium
    # fixture may be open): print from a thread of its own.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(pdf.build, HTML, again, publish=False).result()
    first, second = page_images(PDF, tmp_path / "first"), page_images(again, tmp_path / "second")
    assert len(first) == len(second)
    differ = [i + 1 for i, (a, b) in enumerate(zip(first, second)) if a != b]
    if differ == [1]:
        # The cover names the commit the site was built from: a commit made since the book's PDF was
        # printed changes that line, and nothing else may differ.
        from pypdf import PdfReader

        covers = [" ".join(PdfReader(f).pages[0].extract_text().split()) for f in (PDF, again)]
        unnamed = {re.sub(r"built from commit [0-9a-f]+", "built from commit …", c) for c in covers}
        if len(unnamed) == 1:
            differ = []
    assert not differ, f"pages {differ} differ between two prints"
