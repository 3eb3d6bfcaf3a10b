"""What the built site carries beside its pages (shockbook.site.sitefiles): readable notebooks to
download, and the in-page event study's data, byte for byte the verified cache."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from shockbook import paths
from shockbook.site import sitefiles

HTML = paths.ROOT / "_build" / "html"
needs_site = pytest.mark.skipif(not (HTML / "index.html").exists(),
                                reason="the site is not built: run `make book` (or `make test`, which builds it)")
NOTEBOOK_PAGES = sorted(f"chapters/{p.stem}" for p in paths.CHAPTERS_DIR.glob("*.ipynb")
                        if not p.name.startswith("_"))  # the template is not in the book


@needs_site
@pytest.mark.parametrize("doc", NOTEBOOK_PAGES)
def test_every_notebook_page_offers_its_readable_copy(doc):
    page = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    assert f'href="../{sitefiles.READABLE_DIR}/{doc}.ipynb"' in page
    nb = nbformat.read(HTML / sitefiles.READABLE_DIR / f"{doc}.ipynb", as_version=4)
    nbformat.validate(nb)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\{(glue|numref|doc|cite)[^}]*\}`", markdown)


@needs_site
def test_the_event_study_data_are_the_verified_cache():
    root = HTML / sitefiles.EVENT_DATA_DIR
    series = json.loads((root / "series.json").read_text(encoding="utf-8"))
    assert series == sitefiles.event_study_catalog()
    for s in series:
        assert (root / "prices" / s["file"]).read_bytes() == (paths.PRICES_DIR / s["file"]).read_bytes(), s["file"]


def test_the_site_data_are_written_from_the_cache(tmp_path):
    target = sitefiles.write_event_study_data(tmp_path)
    series = json.loads((target / "series.json").read_text(encoding="utf-8"))
    assert {s["ticker"] for s in series} >= {"NVDA", "^GSPC", "0700.HK"}
    nvda = next(s for s in series if s["ticker"] == "NVDA")
    assert nvda["column"] == "Adj Close" and nvda["market"] == "US"


def test_the_site_data_refuse_a_price_file_that_is_not_the_manifests(tmp_path, monkeypatch):
    """The in-page event study computes from the copied bytes: a damaged file stops the build."""
    import shutil

    from shockbook import paths
    from shockbook.data import cache

    market = tmp_path / "market"
    shutil.copytree(paths.MARKET_DIR, market)
    (market / "prices" / "NVDA.csv").write_bytes((market / "prices" / "NVDA.csv").read_bytes()[:-40])
    monkeypatch.setattr(paths, "MARKET_DIR", market)
    monkeypatch.setattr(paths, "PRICES_DIR", market / "prices")
    monkeypatch.setattr(paths, "MANIFEST", market / "manifest.json")
    with pytest.raises(cache.CacheError, match="NVDA.csv has changed since the manifest"):
        sitefiles.write_event_study_data(tmp_path / "site")


def test_the_event_study_catalog_names_every_series_and_group_in_chinese():
    """The Chinese page's widget shows these: a group is always Chinese; a name is the catalogue's
    (Chinese, or kept in Latin letters on purpose: AMD, Meta, Arm for Arm Holdings)."""
    from shockbook.site import edition

    catalogue = edition.read_catalogue()
    han = re.compile(r"[\u4e00-\u9fff]")
    for s in sitefiles.event_study_catalog():
        assert han.search(s["group_zh"]), s
        assert s["name"] in catalogue and s["name_zh"] == catalogue[s["name"]], s
    nvda = next(s for s in sitefiles.event_study_catalog() if s["ticker"] == "NVDA")
    assert (nvda["name_zh"], nvda["group_zh"]) == ("英伟达", "芯片")
