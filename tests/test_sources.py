"""The source-kind table, the citation marker, the Sources page, and every marker on the built site."""
from __future__ import annotations

import html.parser
import posixpath
import shutil
from pathlib import Path

import pandas as pd
import pytest

from shockbook import paths
from shockbook.data import facts as F
from shockbook.data import filings as FL
from shockbook.site import sources as S

HTML = paths.ROOT / "_build" / "html"
needs_site = pytest.mark.skipif(not (HTML / "chapters" / "sources.html").exists(),
                                reason="the site is not built: run `make book` (or `make test`, which builds it)")


# ---------------------------------------------------------------- the table

def test_one_source_row_per_fact_and_every_row_has_an_address():
    src = F.load_sources()
    assert sorted(src["id"]) == sorted(F.load_facts()["id"])
    assert src.attrs["no_url"] == []
    derived = src[src["kind"] == "derived"]
    assert set(derived["id"]) == {i for i in F.load_facts()["id"] if F.load_facts().set_index("id").loc[i, "reliability"] == "derived"}


def test_counts_before_and_after_cover_every_fact():
    before, after = F.kind_counts(column="stored_kind"), F.kind_counts()
    n = len(F.load_facts())
    assert sum(before.values()) == sum(after.values()) == n
    # an upgrade never makes a source weaker, so mirrors and aggregators can only fall
    assert after["mirror"] <= before["mirror"] and after["aggregator"] <= before["aggregator"]


def test_every_upgrade_names_what_it_replaced():
    src = F.load_sources()
    changed = src[src["upgrade_note"] != ""]
    assert len(changed) > 0
    facts = F.load_facts().set_index("id")
    for row in changed.itertuples():
        assert row.url != facts.loc[row.id, "source_url"], row.id
        assert facts.loc[row.id, "source_url"] in row.upgrade_note, row.id


def test_a_missing_row_is_one_clear_error(tmp_path):
    folder = tmp_path / "facts"
    shutil.copytree(F.FACTS_DIR, folder)
    src = pd.read_csv(folder / F.SOURCES_FILE, dtype=str, keep_default_na=False)
    src.iloc[1:].to_csv(folder / F.SOURCES_FILE, index=False)
    with pytest.raises(F.FactsError, match="one row per fact; missing"):
        F.load_sources(folder)


def test_an_unknown_kind_is_refused(tmp_path):
    folder = tmp_path / "facts"
    shutil.copytree(F.FACTS_DIR, folder)
    src = pd.read_csv(folder / F.SOURCES_FILE, dtype=str, keep_default_na=False)
    src.loc[0, "kind"] = "blog"
    src.to_csv(folder / F.SOURCES_FILE, index=False)
    with pytest.raises(F.FactsError, match="not in"):
        F.load_sources(folder)


# ---------------------------------------------------------------- the capex facts come from the filings

@pytest.mark.skipif(not all((FL.SEC_DIR / n).is_file() for n, _ in FL.CAPEX_LINES.values()),
                    reason="../shared/data/raw/heliar-k_market-base/sec is not present")
def test_capex_additions_are_what_the_parser_reads_now():
    adds = pd.read_csv(F.FACTS_DIR / F.ADDITIONS_FILE, dtype=str, keep_default_na=False).set_index("id")
    for row in FL.capex_fact_rows():
        assert adds.loc[row["id"]].to_dict() == {k: v for k, v in row.items() if k != "id"}, row["id"]
        assert F.fact(row["id"]).status == "fact" and F.fact(row["id"]).reliability == "Primary"


# ---------------------------------------------------------------- marker and page

def test_marker_links_to_the_row_anchor():
    m = F.marker("SHK-11")
    assert 'href="sources.html#fact-shk-11"' in m and m.startswith("<sup") and ">SHK-11<" in m
    assert F.marker(F.fact("RSP-B07")) == F.marker("RSP-B07")
    with pytest.raises(F.FactsError, match="not a fact id"):
        F.marker("SHK 11")


def test_cell_text_cannot_turn_into_math_or_columns():
    assert S.md_text("$5 | $6 *x*") == r"\$5 \| \$6 \*x\*"
    assert S.md_text("<b>") == "&lt;b&gt;"


def test_the_committed_page_is_up_to_date():
    assert S.PAGE.read_text(encoding="utf-8") == S.page_markdown(), \
        "chapters/sources.md is stale: run `python -m shockbook.site.sources`"


def test_page_has_one_anchor_per_fact():
    text = S.page_markdown()
    for fid in F.load_facts()["id"]:
        assert text.count(f'id="{F.anchor(fid)}"') == 1, fid


# ---------------------------------------------------------------- the built site

class _Links(html.parser.HTMLParser):
    """Collects fact-marker hrefs, element ids, and the Sources table's rows (cells as HTML-less text + hrefs)."""

    def __init__(self):
        super().__init__()
        self.markers, self.ids, self.rows = [], set(), []
        self._in_marker = False
        self._row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "sup" and "fact-marker" in (a.get("class") or ""):
            self._in_marker = True
        if tag == "a" and self._in_marker and a.get("href"):
            self.markers.append(a["href"])
        if tag == "tr":
            self._row = {"ids": [], "hrefs": []}
        if self._row is not None:
            if a.get("id"):
                self._row["ids"].append(a["id"])
            if tag == "a" and a.get("href"):
                self._row["hrefs"].append(a["href"])

    def handle_endtag(self, tag):
        if tag == "sup":
            self._in_marker = False
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None


def crawl(html_dir: Path) -> dict:
    """Every fact marker on every page, resolved to a file and an anchor; and the Sources rows."""
    parsed = {}
    for page in sorted(html_dir.rglob("*.html")):
        p = _Links()
        p.feed(page.read_text(encoding="utf-8"))
        parsed[page.relative_to(html_dir).as_posix()] = p
    markers, broken = 0, []
    for name, p in parsed.items():
        for href in p.markers:
            markers += 1
            target, _, frag = href.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if resolved not in parsed or frag not in parsed[resolved].ids:
                broken.append(f"{name} -> {href}")
    rows = [r for r in parsed.get("chapters/sources.html", _Links()).rows
            if any(i.startswith("fact-") for i in r["ids"])]
    no_url = [r["ids"][0] for r in rows
              if not any(h.startswith(("http://", "https://")) or "#fact-" in h for h in r["hrefs"])]
    return {"markers": markers, "broken": broken, "rows": len(rows), "no_url": no_url}


def test_crawler_finds_a_broken_marker(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "sources.html").write_text(
        '<table><tr><td><span id="fact-shk-01"></span>SHK-01</td><td><a href="https://x.org">x</a></td></tr>'
        '<tr><td><span id="fact-shk-02"></span>SHK-02</td><td>none</td></tr></table>', encoding="utf-8")
    (tmp_path / "chapters" / "01.html").write_text(
        F.marker("SHK-01") + F.marker("SHK-03"), encoding="utf-8")
    out = crawl(tmp_path)
    assert out["markers"] == 2
    assert out["broken"] == ["chapters/01.html -> sources.html#fact-shk-03"]
    assert out["rows"] == 2 and out["no_url"] == ["fact-shk-02"]


@needs_site
def test_every_marker_on_the_site_resolves_and_every_row_has_a_link():
    out = crawl(HTML)
    assert out["markers"] > 0
    assert out["broken"] == []
    assert out["rows"] == len(F.load_facts())
    assert out["no_url"] == []


@needs_site
def test_the_facts_tables_can_be_downloaded():
    for name in S.DOWNLOADS:
        assert list((HTML / "_downloads").rglob(name)), name
