"""Citations in prose: the compact marker (``Cite``), in both editions, on every chapter page.

The long source line (``facts.cite``: "Source: Reuters, 2025-01-27 (fact)") belongs where a reader
cannot follow a link — chart tooltips and subtitles, table cells. In prose a fact is cited with
:class:`shockbook.site.section.Cite`, glued as the marker for ``{glue:md}``.
"""
from __future__ import annotations

import html.parser
import json
import re

import pytest

from shockbook import paths
from shockbook.data import facts as F
from shockbook.site import edition
import pandas as pd

from shockbook.site.section import Cite, Day, Section, Table

HTML = paths.ROOT / "_build" / "html"
CHAPTERS = ["01_shock", "02_costs", "03_skepticism", "04_response", "05_geopolitics", "06_claims"]
needs_site = pytest.mark.skipif(not (HTML / "chapters" / "01_shock.html").exists(),
                                reason="the site is not built: run `make book` (or `make test`, which builds it)")
GLUE = "application/papermill.record/"
_ROLE = re.compile(r"\{glue:(\w+)\}`([\w-]+)")


# ---------------------------------------------------------------- the value type

def test_cite_is_glued_as_the_facts_marker():
    s = Section(numbers={"x_src": Cite("RSP-19"), "x_day": Day("2025-01-27")})
    shown = s.value("x_src")
    assert shown._repr_markdown_() == F.marker("RSP-19")
    assert 'href="sources.html#fact-rsp-19"' in shown._repr_markdown_()
    assert s.value("x_day") == "27 January 2025"


def test_cite_takes_a_fact_or_its_id_and_refuses_an_unknown_id():
    assert Cite(F.fact("SHK-16")) == Cite("SHK-16")
    with pytest.raises(F.FactsError):
        Cite("SHK-99")


def test_the_chinese_marker_is_the_same_marker_with_its_title_translated():
    tr = edition.Translator(edition.read_catalogue(), patterns=edition.read_patterns())
    value = F.marker("GEO-B01") + "、" + F.marker("SHK-11", page="../chapters/sources.html")
    out = edition._translate_output({"data": {GLUE + "text/markdown": value}}, tr)["data"][GLUE + "text/markdown"]
    assert F.marker("GEO-B01", title="GEO-B01 的来源") in out
    assert F.marker("SHK-11", page="../chapters/sources.html", title="SHK-11 的来源") in out
    assert "Source of" not in out and not tr.missing


def test_a_table_cites_each_row_with_its_marker():
    t = Table(pd.DataFrame({"n": [1, 2], "source": ["Reuters, 2025-01-27 (fact)", "JRJ (claim)"]}),
              {"source": "Source"}, cites={"source": ["SHK-16", ""]})
    cells = re.findall(r"<td[^>]*>(.*?)</td>", t.html("x").data)
    assert cells[1] == "Reuters, 2025-01-27 (fact)" + F.marker("SHK-16") and cells[3] == "JRJ (claim)"
    with pytest.raises(ValueError, match="1 fact ids for the 2 rows"):
        Table(t.frame, cites={"source": ["SHK-16"]}).html("x")


def test_a_chinese_table_keeps_its_markers_with_translated_tooltips():
    tr = edition.Translator(edition.read_catalogue(), patterns=edition.read_patterns())
    markup = f"<table><tr><td>1{F.marker('SHK-16')}</td></tr></table>"
    out = edition._translate_output({"data": {GLUE + "text/html": markup}}, tr)["data"][GLUE + "text/html"]
    assert F.marker("SHK-16", title="SHK-16 的来源") in out


# ---------------------------------------------------------------- the executed chapters

def _glued(stem: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text())
    values = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = o.get("data", {})
                v = data.get(GLUE + "text/markdown") or data.get(GLUE + "text/plain") or ""
                values[name] = "".join(v) if isinstance(v, list) else v
    prose = "\n".join("".join(c["source"]) for c in edition.markdown_cells(nb))
    return values, _ROLE.findall(prose)


def prose_markers(stem: str) -> int:
    """How many citation markers the chapter's prose shows (its ``{glue:md}`` roles naming a Cite)."""
    values, roles = _glued(stem)
    return sum(1 for role, key in roles if role == "md" and 'class="fact-marker"' in values.get(key, ""))


@pytest.mark.parametrize("stem", CHAPTERS)
def test_prose_cites_with_markers_not_source_lines(stem):
    values, roles = _glued(stem)
    lines = [key for _, key in roles if values.get(key, "").strip("'\"").startswith("Source:")]
    assert lines == [], f"{stem}: prose glues long source lines; cite with Cite(fact id) and {{glue:md}}"
    texted = [key for role, key in roles if role != "md" and "fact-marker" in values.get(key, "")]
    assert texted == [], f"{stem}: a marker shown with a role other than {{glue:md}}: {texted}"
    assert prose_markers(stem) > 0


# ---------------------------------------------------------------- the built site

class _Prose(html.parser.HTMLParser):
    """The page's text outside charts, tables, figures and scripts; and its fact markers."""

    SKIP_TAGS = {"script", "style", "table", "figure", "svg", "head"}
    SKIP_CLASSES = ("shockbook-chart", "shockbook-sr-only", "cell_output")
    VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__()
        self.text, self.markers, self._stack = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "sup" and "fact-marker" in (a.get("class") or ""):
            self.markers.append(tag)
        if tag in self.VOID:
            return
        skip = tag in self.SKIP_TAGS or any(c in (a.get("class") or "") for c in self.SKIP_CLASSES)
        self._stack.append((tag, skip or (self._stack[-1][1] if self._stack else False)))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if not (self._stack and self._stack[-1][1]):
            self.text.append(data)


def _page(path) -> _Prose:
    p = _Prose()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_the_prose_reader_skips_charts_tables_and_figures():
    p = _Prose()
    p.feed('<p>A fall<sup class="fact-marker"><a href="sources.html#fact-shk-16">SHK-16</a></sup>.</p>'
           '<table><tr><td>Source: Reuters, 2025-01-27 (fact)</td></tr></table>'
           '<div class="shockbook-chart"><p class="shockbook-sr-only">Chart. Source: x</p></div>'
           '<figure><figcaption>Source: y</figcaption></figure><script>var s = "Source: z";</script>'
           '<p>Then (Source: Reuters, 2025-01-27 (fact)).</p>')
    text = " ".join(p.text)
    assert text.count("Source:") == 1 and "SHK-16" in text and len(p.markers) == 1


@needs_site
@pytest.mark.parametrize("stem", CHAPTERS)
def test_no_source_line_is_left_in_the_prose_of_a_built_chapter(stem):
    for page in (HTML / "chapters" / f"{stem}.html", HTML / "zh" / "chapters" / f"{stem}.html"):
        if not page.exists():
            continue
        text = " ".join(_page(page).text)
        left = re.findall(r"(?:Source|来源)[:：][^.()（）]{0,60}", text)
        assert left == [], f"{page.relative_to(HTML)}: long source lines in prose: {left[:3]}"


@needs_site
@pytest.mark.parametrize("stem", CHAPTERS)
def test_every_chapter_page_shows_its_prose_markers(stem):
    """The crawler (tests/test_sources.py) resolves every marker on the site; here each chapter has them all."""
    for page in (HTML / "chapters" / f"{stem}.html", HTML / "zh" / "chapters" / f"{stem}.html"):
        if page.exists():
            assert len(_page(page).markers) >= prose_markers(stem), page.relative_to(HTML)
