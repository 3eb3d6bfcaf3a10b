"""Chart title fitting measures each chart once: a committed table of drawn widths, kept by the runner."""
from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd
import pytest

from shockbook import runner
from shockbook.site import charts


def small_spec(n: int = 3) -> dict:
    data = pd.DataFrame({"x": list(range(n)), "y": list(range(n))})
    return alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q").properties(width=200, height=100).to_dict()


@pytest.fixture
def no_tables(monkeypatch, tmp_path):
    """No committed widths and an empty local cache: every width is drawn."""
    monkeypatch.setattr(charts, "committed_widths", lambda: {})
    monkeypatch.setenv("SHOCKBOOK_SVG_CACHE", str(tmp_path / "svg-cache"))
    monkeypatch.delenv("SHOCKBOOK_FIGDATA", raising=False)


def test_a_drawn_width_is_vegas_width(no_tables):
    import vl_convert as vlc

    spec = small_spec()
    svg = vlc.vegalite_to_svg(spec)
    assert charts.drawn_width(spec) == float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))


def test_a_committed_width_is_used_without_drawing(no_tables, monkeypatch):
    spec = small_spec()
    key = charts.drawing_key(spec)
    monkeypatch.setattr(charts, "committed_widths", lambda: {key: 123.0})
    import vl_convert as vlc

    monkeypatch.setattr(vlc, "vegalite_to_svg", lambda *_: pytest.fail("a committed width was drawn again"))
    assert charts.drawn_width(spec) == 123.0
    assert charts.drawn_width({**spec, "title": "a title is not part of the key"}) == 123.0


def test_a_changed_chart_has_another_key():
    assert charts.drawing_key(small_spec(3)) != charts.drawing_key(small_spec(4))
    assert charts.drawing_key(small_spec(3)) == charts.drawing_key(small_spec(3))


def test_under_the_runner_every_width_used_is_handed_back(no_tables, monkeypatch, tmp_path):
    monkeypatch.setenv("SHOCKBOOK_FIGDATA", str(tmp_path / "figdata"))
    spec = small_spec()
    width = charts.drawn_width(spec)
    handed = tmp_path / "figdata" / "chart-widths" / charts.drawing_key(spec)
    assert float(handed.read_text()) == width


def test_the_runner_writes_a_chapters_table_sorted_and_only_when_it_changed(tmp_path):
    drawn = tmp_path / "figdata" / "chart-widths"
    drawn.mkdir(parents=True)
    (drawn / "bbb").write_text("569.0")
    (drawn / "aaa").write_text("612.5")
    nb = tmp_path / "chapters" / "09_x.ipynb"
    runner.record_chart_widths(nb, drawn)
    table = tmp_path / "chapters" / "chart-widths" / "09_x.json"
    assert json.loads(table.read_text()) == {"aaa": 612.5, "bbb": 569.0}
    assert table.read_text().index("aaa") < table.read_text().index("bbb")
    runner.record_chart_widths(nb, tmp_path / "nothing-drawn")
    assert json.loads(table.read_text()) == {"aaa": 612.5, "bbb": 569.0}


def test_every_committed_width_is_the_width_vega_draws():
    """The committed tables hold the committed chapters' charts, at the width vl-convert draws them here."""
    import vl_convert as vlc
    import nbformat

    from shockbook import paths
    from shockbook.site import render

    table = charts.committed_widths()
    assert table, "chapters/chart-widths holds the widths of the book's charts"
    nb = nbformat.read(paths.CHAPTERS_DIR / "02_costs.ipynb", as_version=4)
    spec = next(s for s in map(render.chart_spec, render.glued(nb).values()) if s)
    untitled = {k: v for k, v in spec.items() if k not in ("title", "description")}
    svg = vlc.vegalite_to_svg(untitled)
    drawn = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))
    assert table[charts.drawing_key(untitled)] == drawn
