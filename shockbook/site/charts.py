"""One chart theme for the whole book, and a renderer that works offline and reproducibly.

The renderer emits a ``<div>`` and a call to ``vegaEmbed``; the vega libraries are served
by the site itself (``_assets/vendor``, filled from npm by ``make vendor``), never from a CDN. The element id is a hash of
the chart's spec, not a random uuid, so re-executing a chapter gives byte-identical output.

Every chart is also made readable where no script runs: the renderer adds a generated text
description (the SVG's aria-label and a visually hidden paragraph), and a static SVG drawn by
vl-convert (``static_svg``) is shown by each chart cell (``book.show_static_copy``) for GitHub,
nbviewer and JupyterLab, and in the notebooks a reader reruns.
Long title and subtitle lines are wrapped to the width of the plot, so a source line never makes a
chart wider than its plot. On a phone a wide chart is drawn in a layout made for the narrow column
(``narrow_spec``); what still does not fit, the site's CSS scales down to the text column.
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
from typing import TYPE_CHECKING

from shockbook.site.words import word

if TYPE_CHECKING:
    import altair as alt
# altair itself is imported where a chart object is handled (about 1 s): the Chinese edition's build
# and the site's extensions handle specs only.

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

# Phones. A chart that would be shrunk below NARROW_SWITCH of its size to fit its column is drawn
# again, laid out for a phone's column (a 390 px screen leaves the chart 342 px, less the 38 px
# vega-embed keeps for its menu button at the right: about 300 px): plots narrowed, axis and
# legend labels cut at a limit (with an ellipsis; the tooltip has the whole name), legends under the
# plot in two columns, titles wrapped to the narrower width. A plot is never narrowed below
# NARROW_MIN_SCALE of its width: past that the page scales the drawing down.
NARROW_WIDTH = 300
ACTIONS_WIDTH = 38  # vega-embed's padding for its menu button, beside the drawing
NARROW_SWITCH = 0.85
NARROW_MIN_SCALE = 0.4
NARROW_AXIS_LABEL_LIMIT = 110
NARROW_LEGEND_LABEL_LIMIT = 140
NARROW_LEGEND_COLUMNS = 2

EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False},
                 "renderer": "svg"}
ACTIONS_LABEL = "Save this chart as SVG or PNG"
# Parts of a drawn chart that axe-core requires to have a name (svg-img-alt): vega gives a mark
# container role graphics-symbol, and no label, when it has no item with a description.
UNNAMED_PARTS = '[role="img"]:not([aria-label]), [role="graphics-symbol"]:not([aria-label])'


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
    key = drawing_key(untitled)
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


def drawing_key(spec: dict) -> str:
    """The key of what vl-convert draws from ``spec`` (a width, an SVG): the spec and the vl-convert
    that draws it."""
    text = _vl_convert_version() + "\n" + json.dumps(spec, sort_keys=True, ensure_ascii=False)
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


def _sentence(text: str, lang: str = "en") -> str:
    """A sentence ending with the edition's full stop: "Price." / "价格。"; a question or an
    exclamation keeps its own mark ("为什么市场等待了？", not "？。")."""
    stop = word("site.chart.stop", lang)
    text = text.strip()
    return text if text.endswith((stop, "?", "!", "？", "！")) else text + stop


def describe(spec: dict, lang: str = "en") -> str:
    """A short text description of what a chart shows, generated from its spec, in the edition's
    words (``site.chart.*`` in :data:`shockbook.site.words.VOCABULARY`).

    The title, the first subtitle line (what is shown), which marks plot which quantities, and how
    many rows of data it draws: what a screen reader says in place of the picture.
    """
    say = lambda key, **slots: word(f"site.chart.{key}", lang).format(**slots)  # noqa: E731
    space, source = say("space"), say("source")
    text, subtitle = _title_parts(spec)
    parts = []
    if text:
        parts.append(say("title", title=_sentence(space.join(text), lang)))
    if subtitle and not subtitle[0].startswith(source):
        parts.append(_sentence(subtitle[0], lang))
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
    if marks and word("site.chart.marks", lang):  # an edition without the sentence leaves it out
        what = " and ".join(marks) if len(marks) < 3 else ", ".join(marks[:-1]) + " and " + marks[-1]
        parts.append(say("marks", marks=what[0].upper() + what[1:], axes=" (" + "; ".join(axes.values()) + ")" if axes else ""))
    rows = _row_count(spec)
    if rows:
        parts.append(say("rows", rows=rows))
    sources = [s for s in subtitle if s.startswith(source)]
    if sources:
        parts.append(sources[0].strip())
    return space.join(parts)


def _spec_of(spec_or_chart) -> dict:
    """A chart's spec in the book's theme, or the spec itself."""
    if hasattr(spec_or_chart, "to_dict"):
        import altair as alt

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
# The narrow layout (phones)


def narrow_config() -> dict:
    """The theme's settings for a phone's column (merged over the chart's own config)."""
    return {"axis": {"labelLimit": NARROW_AXIS_LABEL_LIMIT},
            "legend": {"orient": "bottom", "columns": NARROW_LEGEND_COLUMNS, "labelLimit": NARROW_LEGEND_LABEL_LIMIT}}


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _scaled(node, factor: float):
    """A copy of a spec (part) with every fixed plot width multiplied by ``factor``, and every legend
    that a chart put beside its plot moved under it."""
    if isinstance(node, list):
        return [_scaled(v, factor) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k in ("datasets", "data", "config"):
            out[k] = v
        elif k == "width" and isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = round(v * factor)
        elif k == "legend" and isinstance(v, dict):
            out[k] = _limited({**v, "orient": "bottom"} if v.get("orient") in ("left", "right") else v,
                              columns=NARROW_LEGEND_COLUMNS, labelLimit=NARROW_LEGEND_LABEL_LIMIT)
        elif k == "axis" and isinstance(v, dict):
            out[k] = _limited(v, labelLimit=NARROW_AXIS_LABEL_LIMIT)
        else:
            out[k] = _scaled(v, factor)
    return out


def _limited(guide: dict, **limits: int) -> dict:
    """A chart's own legend or axis settings, with no more than the narrow layout's limits."""
    return {**guide, **{k: v for k, v in limits.items() if isinstance(guide.get(k), (int, float)) and guide[k] > v}}


def _narrowed(spec: dict, factor: float) -> dict:
    config = _merged(spec.get("config", {}), narrow_config())
    view = config.get("view", {})
    if isinstance(view.get("continuousWidth"), (int, float)):
        config["view"] = {**view, "continuousWidth": round(view["continuousWidth"] * factor)}
    return {**_scaled({k: v for k, v in spec.items() if k != "title"}, factor), "config": config}


def narrow_spec(spec: dict) -> dict | None:
    """The chart laid out for a phone's column (see NARROW_WIDTH), or None when it already fits.

    How wide vega draws a chart is its plots' widths plus what does not scale (labels, legends,
    padding): drawn at two widths, that line says how much to narrow the plots to fit the column.
    Titles are wrapped again, to the narrow drawing; ``spec`` is the chart as given (unwrapped).
    """
    if drawn_width(spec) <= NARROW_WIDTH:
        return None
    full, half = drawn_width(_narrowed(spec, 1.0)), drawn_width(_narrowed(spec, 0.5))
    plots = 2 * (full - half)  # the part of the drawing that scales with the plots
    if plots <= 0:
        return None  # nothing to narrow (e.g. every width comes from steps of a discrete axis)
    factor = min(1.0, max(NARROW_MIN_SCALE, (NARROW_WIDTH - (full - plots)) / plots))
    narrow = _narrowed(spec, factor)
    if "title" in spec:
        narrow["title"] = spec["title"]
    return fit_titles(narrow)


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
    JupyterLab, readable notebooks and print. Titles wrapped and described as on the site.

    Drawing takes 0.2-4 s a chart, and the same spec always gives the same SVG, so a drawing is
    looked up by :func:`svg_key` before it is made: in the local cache (``_build/svg-cache``), then
    among the static copies the committed chapters already hold (:func:`committed_svgs`)."""
    return keyed_svg(spec_or_chart)[0]


def keyed_svg(spec_or_chart, known: dict[str, str] | None = None, fresh: bool = False) -> tuple[str, str]:
    """A chart's static SVG (:func:`static_svg`) and its key (:func:`svg_key`).

    ``known``: drawings already at hand, by key (e.g. the static copies of the notebook being shown);
    ``fresh``: draw it, whatever is kept (to test that what is kept is what would be drawn)."""
    drawn, full = _drawn(spec_or_chart)
    key = drawing_key(drawn)
    cached = _svg_cache() / f"{key}.svg"
    if not fresh and cached.exists():
        return cached.read_text(encoding="utf-8"), key
    svg = None if fresh else (known or {}).get(key) or committed_svgs().get(key)
    if svg is None:
        import vl_convert as vlc

        svg = vlc.vegalite_to_svg(drawn)
        svg = _renumber_ids(svg, f"sb{full[:8]}")
        # An accessible name for the picture wherever it is shown on its own.
        label = html.escape(drawn["description"], quote=True)
        svg = re.sub(r"^<svg ", f'<svg role="img" aria-label="{label}" ', svg, count=1)
    if not fresh:
        _keep(cached, svg)
    return svg, key


def _drawn(spec_or_chart) -> tuple[dict, str]:
    """The spec vl-convert draws for a chart, and its hash (which also prefixes the SVG's ids)."""
    spec = prepared(_spec_of(spec_or_chart))
    # The picture is one image with one name (its aria-label): vega's names for each mark and axis
    # inside it would go unread, and make a chart's SVG about a third larger (it is kept in every notebook).
    drawn = {**spec, "config": {**spec.get("config", {}), "aria": False}}
    return drawn, hashlib.sha256(json.dumps(drawn, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def svg_key(spec_or_chart) -> str:
    """The key of a chart's static SVG: the spec as drawn and the vl-convert that draws it."""
    return drawing_key(_drawn(spec_or_chart)[0])


# Output metadata of a chart's static copy: the key of its SVG (:func:`svg_key`).
SVG_KEY = "shockbook_svg_key"


def svgs_in(nb: dict) -> dict[str, str]:
    """The static copies a notebook holds, by their key ({svg_key: svg})."""
    out = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []) or []:
            key = (o.get("metadata") or {}).get(SVG_KEY)
            svg = (o.get("data") or {}).get("image/svg+xml")
            if key and svg:
                out[key] = "".join(svg) if isinstance(svg, list) else svg
    return out


@functools.lru_cache(maxsize=1)
def committed_svgs() -> dict[str, str]:
    """The static copies of every committed chapter, by key, and those of its Chinese twin
    (``chapters/chart-copies``): a clean clone, or a forced run, draws again only the charts whose spec changed. Read once per process, and only when a drawing is missing
    from the local cache; a notebook that cannot be read (mid-edit, damaged) just gives none."""
    from shockbook import paths

    out: dict[str, str] = {}
    for path in sorted(paths.CHAPTERS_DIR.glob("*.ipynb")):
        try:
            out.update(svgs_in(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError):
            continue
    for path in sorted((paths.CHAPTERS_DIR / paths.CHART_COPIES_DIR.name).glob("*.json")):
        try:  # the Chinese edition's copies, drawn by the runner ({key: svg})
            out.update(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return out


def _svg_cache() -> Path:
    """Where drawn SVGs are kept, by the hash of their spec (SHOCKBOOK_SVG_CACHE, else _build/svg-cache)."""
    from shockbook import paths

    return Path(os.environ.get("SHOCKBOOK_SVG_CACHE", paths.ROOT / "_build" / "svg-cache"))


# ---------------------------------------------------------------------------------------------
# The renderer


def render(spec: dict, **_: object) -> dict:
    """A mimebundle: deterministic HTML for the site, plain text for the console.

    The HTML carries the chart's spec and, for a chart too wide for a phone, its narrow layout
    (without a second copy of the data); the page draws the one that suits its column.
    The static SVG (:func:`static_svg`) is not in it: a chart is glued, and viewers show no glued
    output, so the SVG is a separate output of the chart's cell (``book.show_static_copy``), which
    the site drops, and is drawn again in the readable notebooks and rerun pages.
    """
    narrow = narrow_spec(spec)
    spec = prepared(spec)
    wide = drawn_width(spec)
    if narrow is not None:  # the data are the wide spec's: the page hands them over
        narrow = {k: v for k, v in narrow.items() if k != "datasets"} | {"description": spec["description"]}
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    narrow_json = json.dumps(narrow, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
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
        f"  var narrow = {narrow_json};\n"
        "  function draw() {\n"
        "    if (typeof vegaEmbed === 'undefined') {\n"
        "      el.textContent = 'This chart needs the vega libraries, which the book serves itself; open the page from the built site.';\n"
        "      return;\n"
        "    }\n"
        "    // A column that would shrink the chart too much (a phone) gets the chart laid out for it.\n"
        f"    var room = el.parentElement ? el.parentElement.clientWidth - {ACTIONS_WIDTH} : 0;\n"
        f"    var small = narrow !== null && room > 0 && room < {wide:g} * {NARROW_SWITCH};\n"
        "    var drawn = small ? Object.assign({}, narrow, spec.datasets ? {datasets: spec.datasets} : {}) : spec;\n"
        "    el.setAttribute('data-layout', narrow === null ? 'only' : small ? 'narrow' : 'wide');\n"
        f"    vegaEmbed(el, drawn, {opts}).then(function () {{\n"
        "      // vega-embed's menu button is an icon only: give it a name screen readers can say.\n"
        "      var menu = el.querySelector('details > summary');\n"
        f"      if (menu) {{ menu.setAttribute('aria-label', {json.dumps(ACTIONS_LABEL)}); }}\n"
        "      // Vega marks some groups of a layered chart role=img or graphics-symbol without a name:\n"
        "      // a layer with nothing to draw (no data this time) is hidden from screen readers; the\n"
        "      // others are parts of the chart the description already says, so they take its name.\n"
        f"      el.querySelectorAll({json.dumps(UNNAMED_PARTS)}).forEach(function (n) {{\n"
        "        if (!n.childElementCount) { n.setAttribute('aria-hidden', 'true'); }\n"
        f"        else {{ n.setAttribute('aria-label', {json.dumps(spec['description'])}); }} }});\n"
        "    }).catch(function (err) { el.textContent = 'The chart failed to render: ' + err; console.error(err); });\n"
        "  }\n"
        "  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }\n"
        "})();</script>"
    )
    return {"text/html": html_out, "text/plain": f"<interactive chart: {title}>"}


def enable() -> None:
    """Use the book's theme and renderer (chapters call this once, in their setup cell)."""
    import altair as alt

    alt.theme.register("shockbook", enable=True)(theme)
    alt.renderers.register("shockbook", render)
    alt.renderers.enable("shockbook")


def titled(chart: alt.Chart, title: str, subtitle: str, source: str) -> alt.Chart:
    """Title, a one-line subtitle saying what is shown, and the source line every figure carries."""
    import altair as alt

    lines = [subtitle] if subtitle else []
    return chart.properties(title=alt.TitleParams(text=title, subtitle=lines + [f"Source: {source}"]))
