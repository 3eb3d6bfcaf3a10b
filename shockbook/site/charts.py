"""One chart theme for the whole book, and a renderer that works offline and reproducibly.

The renderer emits a ``<div>`` and a call to ``vegaEmbed``; the vega libraries are served
by the site itself (``_assets/vendor``, filled from npm by ``make vendor``), never from a CDN. The element id is a hash of
the chart's spec, not a random uuid, so re-executing a chapter gives byte-identical output.

Every chart is also made readable where no script runs: the renderer adds a generated text
description (the SVG's aria-label and a visually hidden paragraph) and a static SVG drawn by
vl-convert (``static_svg``), for GitHub, nbviewer, JupyterLab and the notebooks a reader reruns.
Long title and subtitle lines are wrapped to the width of the plot, so a source line never makes a
chart wider than its plot, and the site's CSS scales the drawn SVG down to the text column.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import html
import json
import os
import re
import textwrap
from pathlib import Path

import altair as alt

# Okabe & Ito's palette, readable by the colour-blind; grey last for "other".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
UP, DOWN = "#0072B2", "#D55E00"  # blue for gains, vermilion for losses
# Noto Sans CJK SC (Debian's fonts-noto-cjk, installed by `make fonts`) draws the Chinese names of outlets.
FONT = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans CJK SC', "
        "'Noto Sans CJK', sans-serif")
WIDTH, HEIGHT = 560, 320
TITLE_SIZE, SUBTITLE_SIZE = 15, 12
# The narrowest a wrapped title may get, in pixels: a narrow plot still gets readable lines.
MIN_TITLE_WIDTH = 300
# An average glyph of the book's sans-serif is about 0.55 em wide (bold: 0.6); wrapping uses a
# slightly generous 0.58 / 0.62 so that a line of wide letters still fits.
GLYPH_EM, BOLD_GLYPH_EM = 0.58, 0.62

EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False},
                 "renderer": "svg"}
ACTIONS_LABEL = "Save this chart as SVG or PNG"


def theme() -> dict:
    return {
        "config": {
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "font": FONT,
            "range": {"category": PALETTE},
            "title": {"anchor": "start", "fontSize": TITLE_SIZE, "fontWeight": 600, "subtitleColor": "#555",
                      "subtitleFontSize": SUBTITLE_SIZE, "offset": 10},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 500,
                     "gridColor": "#e6e6e6", "domainColor": "#888", "tickColor": "#888"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "background": "white",
        }
    }


# ---------------------------------------------------------------------------------------------
# Reading a spec: its title, its width, what it plots


def _title_parts(spec: dict) -> tuple[list[str], list[str]]:
    """The title's lines and the subtitle's lines (either may be empty)."""
    title = spec.get("title")
    if title is None:
        return [], []
    if isinstance(title, (str, list)):
        title = {"text": title}
    as_lines = lambda v: [] if v is None else ([v] if isinstance(v, str) else [str(x) for x in v])  # noqa: E731
    return as_lines(title.get("text")), as_lines(title.get("subtitle"))


def _views(spec: dict):
    """Every single view (a dict with a mark) in a spec, through layers, concatenations and facets."""
    if "mark" in spec:
        yield spec
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []) or []:
            yield from _views(sub)
    if isinstance(spec.get("spec"), dict):
        yield from _views(spec["spec"])


def wrap_line(text: str, pixels: float, font_size: float, em: float = GLYPH_EM) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``pixels`` (a single long word stays whole)."""
    chars = max(int(pixels / (font_size * em)), 20)
    return textwrap.wrap(text, width=chars, break_long_words=False, break_on_hyphens=False) or [text]


def drawn_width(spec: dict) -> float:
    """How wide vega draws the chart without its title: plot, axes, labels and legends, in pixels.

    Drawing takes vl-convert up to seconds a chart, so the width is kept by a hash of the spec and the
    vl-convert version (the same spec is always drawn the same width): in the committed table
    (``chapters/chart-widths``), else in the local cache; under the runner, every width a chapter uses
    is also handed back for that table (``SHOCKBOOK_FIGDATA``)."""
    untitled = {k: v for k, v in spec.items() if k != "title"}
    key = width_key(untitled)
    width = committed_widths().get(key)
    if width is None:
        cached = _svg_cache() / f"{key}.width"
        if cached.exists():
            width = float(cached.read_text())
        else:
            import vl_convert as vlc

            svg = vlc.vegalite_to_svg(untitled)
            width = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))
            _keep(cached, repr(width))
    handed_back = os.environ.get("SHOCKBOOK_FIGDATA")
    if handed_back:
        from shockbook import paths

        _keep(Path(handed_back) / paths.CHART_WIDTHS_DIR.name / key, repr(width))
    return width


@functools.lru_cache(maxsize=1)
def _vl_convert_version() -> str:
    from importlib.metadata import version

    return version("vl-convert-python")


def width_key(untitled: dict) -> str:
    """The key of a drawn width: the spec (without its title) and the vl-convert that draws it."""
    text = _vl_convert_version() + "\n" + json.dumps(untitled, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def committed_widths() -> dict[str, float]:
    """Every chapter's committed table of drawn widths (``chapters/chart-widths/<stem>.json``, written by
    the runner from each run of the book's chapters), in one dict, read once per process."""
    from shockbook import paths

    out: dict[str, float] = {}
    for path in sorted(paths.CHART_WIDTHS_DIR.glob("*.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def _keep(path: Path, text: str) -> None:
    """Write a cache file in one step; a read-only checkout just computes again next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def fit_titles(spec: dict) -> dict:
    """A copy of ``spec`` whose title and subtitle lines are wrapped to the width of the chart.

    Vega draws each title line on one line however long it is, and makes the chart as wide as its
    longest line: a long source line widens the chart past its plot, and on a page that scales the
    chart to its column, shrinks the whole picture. Wrapped to the width of the chart drawn without
    its title (at least ``MIN_TITLE_WIDTH``), nothing is cut and the chart keeps the size of its plot.
    """
    text, subtitle = _title_parts(spec)
    if not text and not subtitle:
        return spec
    budget = max(drawn_width(spec) - 10, MIN_TITLE_WIDTH)  # less vega's 5 px padding on each side
    out = copy.deepcopy(spec)
    title = out["title"] if isinstance(out["title"], dict) else {"text": out["title"]}
    title["text"] = [w for line in text for w in wrap_line(line, budget, TITLE_SIZE, BOLD_GLYPH_EM)]
    if len(title["text"]) == 1:
        title["text"] = title["text"][0]
    if subtitle:
        title["subtitle"] = [w for line in subtitle for w in wrap_line(line, budget, SUBTITLE_SIZE)]
    out["title"] = title
    return out


_MARK_NAMES = {"bar": "bars", "line": "lines", "point": "points", "circle": "points", "square": "points",
               "rule": "rules", "text": "text labels", "area": "areas", "tick": "ticks", "rect": "cells",
               "arc": "slices", "trail": "lines", "errorbar": "error bars", "errorband": "bands",
               "boxplot": "box plots", "image": "images", "geoshape": "shapes"}


def _channel_title(enc: dict) -> str | None:
    if not isinstance(enc, dict):
        return None
    title = enc.get("title", enc.get("field"))
    if title is None and isinstance(enc.get("aggregate"), str):
        title = enc["aggregate"]
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title) if title else None


def _row_count(spec: dict) -> int:
    """Rows of data the chart draws from: altair's named datasets, or inline values."""
    rows = sum(len(v) for v in (spec.get("datasets") or {}).values() if isinstance(v, list))
    if not rows:
        values = (spec.get("data") or {}).get("values")
        rows = len(values) if isinstance(values, list) else 0
    return rows


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def describe(spec: dict) -> str:
    """A short text description of what a chart shows, generated from its spec.

    The title, the first subtitle line (what is shown), which marks plot which quantities, and how
    many rows of data it draws: what a screen reader says in place of the picture.
    """
    text, subtitle = _title_parts(spec)
    parts = []
    if text:
        parts.append("Chart: " + _sentence(" ".join(text)))
    if subtitle and not subtitle[0].startswith("Source:"):
        parts.append(_sentence(subtitle[0]))
    marks, axes = [], {}
    for view in _views(spec):
        mark = view["mark"]["type"] if isinstance(view["mark"], dict) else view["mark"]
        name = _MARK_NAMES.get(mark, f"{mark} marks")
        if name not in marks and name != "rules" and name != "text labels":
            marks.append(name)
        for channel, label in (("x", "across"), ("y", "up"), ("color", "coloured by"), ("theta", "sized by")):
            title = _channel_title((view.get("encoding") or {}).get(channel))
            if title and channel not in axes:
                axes[channel] = f"{label}: {title}"
    if marks:
        what = " and ".join(marks) if len(marks) < 3 else ", ".join(marks[:-1]) + " and " + marks[-1]
        parts.append(what[0].upper() + what[1:] + (" (" + "; ".join(axes.values()) + ")" if axes else "") + ".")
    rows = _row_count(spec)
    if rows:
        parts.append(f"Drawn from {rows} rows of data; the caption links the data as a table (CSV).")
    sources = [s for s in subtitle if s.startswith("Source:")]
    if sources:
        parts.append(sources[0].strip())
    return " ".join(parts)


def _spec_of(spec_or_chart) -> dict:
    """A chart's spec in the book's theme, or the spec itself."""
    if hasattr(spec_or_chart, "to_dict"):
        if "shockbook" not in alt.theme.names():
            alt.theme.register("shockbook", enable=False)(theme)
        with alt.theme.enable("shockbook"):
            return spec_or_chart.to_dict()
    return spec_or_chart


def prepared(spec: dict) -> dict:
    """The spec as the book draws it: titles wrapped, a generated description for screen readers."""
    if spec.get("description"):
        return fit_titles(spec)
    return {**fit_titles(spec), "description": describe(spec)}  # described from the unwrapped lines


# ---------------------------------------------------------------------------------------------
# The static SVG

_COUNTER_IDS = re.compile(r"\b(gradient_|clip|pattern_|marker_)(\d+)\b")


def _renumber_ids(svg: str, prefix: str) -> str:
    """vega numbers its gradients and clip paths with counters that run on across a process, so the
    same chart drawn twice gets different ids: renumber them in order of appearance, and prefix them
    with the chart's hash so that two inline SVGs on one page never share an id."""
    seen: dict[str, str] = {}

    def sub(m: re.Match) -> str:
        key = m.group(0)
        if key not in seen:
            seen[key] = f"{prefix}-{m.group(1)}{len(seen)}"
        return seen[key]

    return _COUNTER_IDS.sub(sub, svg)


def static_svg(spec_or_chart) -> str:
    """A static, byte-deterministic SVG of a chart (vl-convert, offline): for GitHub, nbviewer,
    JupyterLab, readable notebooks and print. Titles wrapped and described as on the site."""
    spec = prepared(_spec_of(spec_or_chart))
    full = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    cached = _svg_cache() / f"{full}.svg"
    if cached.exists():  # drawing takes 0.2-0.6 s a chart; the same spec always gives the same SVG
        return cached.read_text(encoding="utf-8")
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    svg = _renumber_ids(svg, f"sb{full[:8]}")
    # An accessible name for the picture wherever it is shown on its own.
    label = html.escape(spec["description"], quote=True)
    svg = re.sub(r"^<svg ", f'<svg role="img" aria-label="{label}" ', svg, count=1)
    _keep(cached, svg)
    return svg


def _svg_cache() -> Path:
    """Where drawn SVGs are kept, by the hash of their spec (SHOCKBOOK_SVG_CACHE, else _build/svg-cache)."""
    from shockbook import paths

    return Path(os.environ.get("SHOCKBOOK_SVG_CACHE", paths.ROOT / "_build" / "svg-cache"))


# ---------------------------------------------------------------------------------------------
# The renderer


def render(spec: dict, **_: object) -> dict:
    """A mimebundle: deterministic HTML for the site, plain text for the console.

    The static SVG (:func:`static_svg`) is not in it: a chart is glued, and viewers show no glued
    output, so the SVG goes where readers meet it — the readable notebooks and rerun pages
    (:mod:`shockbook.site.render`) — and is not drawn on every execution.
    """
    spec = prepared(spec)
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    chart_id = "shockbook-chart-" + hashlib.sha256(spec_json.encode()).hexdigest()[:16]
    opts = json.dumps(EMBED_OPTIONS, sort_keys=True, separators=(",", ":"))
    text, _sub = _title_parts(spec)
    title = " ".join(text)
    description = html.escape(spec["description"])
    html_out = (
        f'<div id="{chart_id}" class="shockbook-chart" aria-describedby="{chart_id}-desc"></div>\n'
        f'<p id="{chart_id}-desc" class="shockbook-sr-only">{description}</p>\n'
        "<script>(function () {\n"
        f'  var el = document.getElementById("{chart_id}");\n'
        f"  var spec = {spec_json};\n"
        "  function draw() {\n"
        "    if (typeof vegaEmbed === 'undefined') {\n"
        "      el.textContent = 'This chart needs the vega libraries, which the book serves itself; open the page from the built site.';\n"
        "      return;\n"
        "    }\n"
        f"    vegaEmbed(el, spec, {opts}).then(function () {{\n"
        "      // vega-embed's menu button is an icon only: give it a name screen readers can say.\n"
        "      var menu = el.querySelector('details > summary');\n"
        f"      if (menu) {{ menu.setAttribute('aria-label', {json.dumps(ACTIONS_LABEL)}); }}\n"
        "      // Vega marks some groups of a layered chart role=img without a name: they are parts of\n"
        "      // the chart the description already says, so they take its name.\n"
        "      el.querySelectorAll('[role=\"img\"]:not([aria-label])').forEach(function (n) {\n"
        f"        n.setAttribute('aria-label', {json.dumps(spec['description'])}); }});\n"
        "    }).catch(function (err) { el.textContent = 'The chart failed to render: ' + err; console.error(err); });\n"
        "  }\n"
        "  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }\n"
        "})();</script>"
    )
    return {"text/html": html_out, "text/plain": f"<interactive chart: {title}>"}


def enable() -> None:
    """Use the book's theme and renderer (chapters call this once, in their setup cell)."""
    alt.theme.register("shockbook", enable=True)(theme)
    alt.renderers.register("shockbook", render)
    alt.renderers.enable("shockbook")


def titled(chart: alt.Chart, title: str, subtitle: str, source: str) -> alt.Chart:
    """Title, a one-line subtitle saying what is shown, and the source line every figure carries."""
    lines = [subtitle] if subtitle else []
    return chart.properties(title=alt.TitleParams(text=title, subtitle=lines + [f"Source: {source}"]))
