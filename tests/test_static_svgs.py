"""A chart is drawn once: its static SVG is kept under the key of its spec, and a forced run, the readable
copies and the Chinese edition's title fitting reuse what the committed chapters already hold."""
from __future__ import annotations

import json
import os

import altair as alt
import nbformat
import pandas as pd
import pytest

from shockbook import paths, runner
from shockbook.site import charts, edition, render


COMMITTED = charts.committed_svgs


def small_chart(n: int = 3):
    data = pd.DataFrame({"x": list(range(n)), "y": list(range(n))})
    return alt.Chart(data).mark_line().encode(x="x:Q", y="y:Q").properties(
        width=200, height=100, title="A small chart", description="A line through three points.")


@pytest.fixture
def nothing_kept(monkeypatch, tmp_path):
    """An empty local cache and no committed copies."""
    monkeypatch.setenv("SHOCKBOOK_SVG_CACHE", str(tmp_path / "svg-cache"))
    monkeypatch.setattr(charts, "committed_svgs", lambda: {})


def forbid_drawing(monkeypatch):
    import vl_convert as vlc

    def fail(*_a, **_k):
        pytest.fail("a chart was drawn although its drawing was at hand")

    monkeypatch.setattr(vlc, "vegalite_to_svg", fail)


def test_the_key_is_the_drawn_spec_and_changes_with_the_chart():
    assert charts.svg_key(small_chart(3)) == charts.svg_key(small_chart(3))
    assert charts.svg_key(small_chart(3)) != charts.svg_key(small_chart(4))
    # the glued spec (already prepared) and the chart itself give one key
    spec = charts.prepared(charts._spec_of(small_chart(3)))
    assert charts.svg_key(spec) == charts.svg_key(small_chart(3))


def test_a_known_drawing_is_used_without_drawing(nothing_kept, monkeypatch):
    key = charts.svg_key(small_chart())  # measures the chart's width (kept in the local cache)
    forbid_drawing(monkeypatch)
    assert charts.keyed_svg(small_chart(), known={key: "<svg>kept</svg>"}) == ("<svg>kept</svg>", key)


def test_a_committed_copy_is_used_without_drawing(nothing_kept, monkeypatch):
    key = charts.svg_key(small_chart())
    forbid_drawing(monkeypatch)
    monkeypatch.setattr(charts, "committed_svgs", lambda: {key: "<svg>committed</svg>"})
    assert charts.static_svg(small_chart()) == "<svg>committed</svg>"


def test_fresh_draws_whatever_is_kept_and_keeps_nothing(nothing_kept, tmp_path):
    key = charts.svg_key(small_chart())
    svg, got = charts.keyed_svg(small_chart(), known={key: "<svg>stale</svg>"}, fresh=True)
    assert got == key and svg.startswith("<svg") and "stale" not in svg
    assert not (tmp_path / "svg-cache" / f"{key}.svg").exists()
    assert charts.static_svg(small_chart()) == svg  # drawn, then kept in the local cache
    assert (tmp_path / "svg-cache" / f"{key}.svg").read_text(encoding="utf-8") == svg


def test_committed_copies_are_read_from_every_chapter_and_a_damaged_one_gives_none(tmp_path, monkeypatch):
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("chart", outputs=[
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg>a</svg>", "text/plain": "a"},
                               metadata={charts.SVG_KEY: "k1"}),
        nbformat.v4.new_output("display_data", data={"text/plain": "no picture"})])])
    (tmp_path / "01_a.ipynb").write_text(nbformat.writes(good))
    (tmp_path / "02_b.ipynb").write_text(nbformat.writes(good)[:50])  # truncated mid-write
    monkeypatch.setattr(paths, "CHAPTERS_DIR", tmp_path)
    charts.committed_svgs.cache_clear()
    try:
        assert charts.committed_svgs() == {"k1": "<svg>a</svg>"}
    finally:
        charts.committed_svgs.cache_clear()


def test_the_readable_notebook_draws_no_chart_its_chapter_holds(nothing_kept, monkeypatch, tmp_path):
    """The site's readable copies took 30 drawings an edition (about 30 s): the chapter's own static
    copies are the same pictures."""
    src = paths.CHAPTERS_DIR / "02_costs.ipynb"
    forbid_drawing(monkeypatch)  # the chapter's widths are committed
    out = render.write_readable(src, tmp_path / "02_costs.readable.ipynb")
    shown = [o["data"]["image/svg+xml"] for c in nbformat.read(out, as_version=4).cells
             for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    held = charts.svgs_in(json.loads(src.read_text(encoding="utf-8")))
    assert shown and sorted(shown) == sorted(held.values())


def test_the_chinese_edition_draws_no_chart(nothing_kept, monkeypatch):
    """Every chart of the Chinese edition is measured and drawn when its chapter runs, so building the
    edition draws nothing (it drew 120 widths and 30 copies, over a minute, on a clean clone). After a
    change to translations/zh alone, re-run the chapter: python -m shockbook run --force <chapter>."""
    monkeypatch.delenv("SHOCKBOOK_FIGDATA", raising=False)
    monkeypatch.setattr(charts, "committed_svgs", COMMITTED)  # an empty local cache, the committed copies
    forbid_drawing(monkeypatch)
    tr = edition.translator()
    drawn = 0
    for stem in edition.chapter_stems():
        zh = nbformat.from_dict(edition.translate_notebook(stem, tr))
        for spec in filter(None, map(render.chart_spec, render.glued(zh).values())):
            assert charts.static_svg(spec).startswith("<svg"), stem
            drawn += 1
    assert drawn >= 25


def test_the_runner_commits_the_chinese_widths_and_copies_and_writes_the_chinese_chapter(tmp_path, monkeypatch):
    nb_path = tmp_path / "chapters" / "02_costs.ipynb"
    written = (paths.CHAPTERS_DIR / nb_path.name).read_bytes()
    monkeypatch.delenv("SHOCKBOOK_FIGDATA", raising=False)
    runner.translate_chapter(nb_path, written, tmp_path / "figdata")
    assert "SHOCKBOOK_FIGDATA" not in os.environ
    handed = {p.name for p in (tmp_path / "figdata" / paths.CHART_WIDTHS_DIR.name).iterdir()}
    table = json.loads((paths.CHART_WIDTHS_DIR / "02_costs.json").read_text())
    assert handed and handed <= set(table), "the translated charts' widths, committed with the chapter's"
    copies = json.loads((tmp_path / "chapters" / "chart-copies" / "02_costs.zh.json").read_text(encoding="utf-8"))
    committed = json.loads((paths.CHART_COPIES_DIR / "02_costs.zh.json").read_text(encoding="utf-8"))
    assert len(copies) == 4 and copies == committed
    assert all("英伟达" in svg or "成本" in svg or "价格" in svg for svg in copies.values()), "Chinese charts"

    # The Chinese chapter, as the edition's build makes it, which then translates only the others.
    zh = tmp_path / "zh"
    made = (zh / "chapters" / "02_costs.ipynb").read_bytes()
    translated = []
    real = edition.translate_notebook
    monkeypatch.setattr(edition, "translate_notebook",
                        lambda stem, tr, nb=None: translated.append(stem) or real(stem, tr, nb))
    edition.build_sources(zh)
    assert "02_costs" not in translated and translated, "the runner's translation is used"
    assert (zh / "chapters" / "02_costs.ipynb").read_bytes() == made
    (zh / "chapters" / "02_costs.ipynb").unlink()
    edition.build_sources(tmp_path / "zh")
    assert (zh / "chapters" / "02_costs.ipynb").read_bytes() == made, "the same chapter as the build's own"

    # Made by code that changed while the chapter ran: the build translates it again.
    edition.forget_translation("02_costs", zh)
    translated.clear()
    edition.build_sources(zh)
    assert translated == ["02_costs"]


def test_a_translation_that_fails_costs_one_line_not_the_run(tmp_path, monkeypatch, capsys):
    def broken():
        raise ValueError("strings.csv: line 7 has 3 fields")

    monkeypatch.setattr(edition, "translator", broken)
    nb_path = tmp_path / "chapters" / "02_costs.ipynb"
    runner.translate_chapter(nb_path, b"{}", tmp_path / "figdata")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "02_costs" in err[0] and "strings.csv: line 7" in err[0]
    assert not (tmp_path / "chapters").exists()


def test_a_figure_is_glued_exactly_as_altair_shows_its_chart():
    """``book.figure`` makes a chart's spec once and glues it (``book.Drawn``) rather than the chart,
    which altair would turn into a spec again, validating it, for the glued output: the output must
    be the same, to the byte, as what IPython shows for the chart itself."""
    from IPython.core.formatters import DisplayFormatter

    from shockbook.site import book

    charts.enable()
    formatter = DisplayFormatter()
    chart = small_chart(4).properties(title=alt.TitleParams("A titled chart", subtitle=["Source: the test"]))
    assert formatter.format(book.Drawn(charts._spec_of(chart))) == formatter.format(chart)
    assert "text/html" in formatter.format(chart)[0]
