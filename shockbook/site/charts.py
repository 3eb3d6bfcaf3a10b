"""One chart theme for the whole book, and a renderer that works offline and reproducibly.

The renderer emits a ``<div>`` and a call to ``vegaEmbed``; the vega libraries are served
by the site itself (``_assets/vendor``, filled from npm by ``make vendor``), never from a CDN. The element id is a hash of
the chart's spec, not a random uuid, so re-executing a chapter gives byte-identical output.
"""
from __future__ import annotations

import hashlib
import json

import altair as alt

# Okabe & Ito's palette, readable by the colour-blind; grey last for "other".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
UP, DOWN = "#0072B2", "#D55E00"  # blue for gains, vermilion for losses
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH, HEIGHT = 560, 320

EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False},
                 "renderer": "svg"}


def theme() -> dict:
    return {
        "config": {
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "font": FONT,
            "range": {"category": PALETTE},
            "title": {"anchor": "start", "fontSize": 15, "fontWeight": 600, "subtitleColor": "#555",
                      "subtitleFontSize": 12, "offset": 10},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": 500,
                     "gridColor": "#e6e6e6", "domainColor": "#888", "tickColor": "#888"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
            "background": "white",
        }
    }


def render(spec: dict, **_: object) -> dict:
    """A mimebundle: deterministic HTML for the site, plain text for the console."""
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    chart_id = "shockbook-chart-" + hashlib.sha256(spec_json.encode()).hexdigest()[:16]
    opts = json.dumps(EMBED_OPTIONS, sort_keys=True, separators=(",", ":"))
    title = spec.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else title
    html = (
        f'<div id="{chart_id}" class="shockbook-chart"></div>\n'
        "<script>(function () {\n"
        f'  var el = document.getElementById("{chart_id}");\n'
        f"  var spec = {spec_json};\n"
        "  function draw() {\n"
        "    if (typeof vegaEmbed === 'undefined') {\n"
        "      el.textContent = 'This chart needs the vega libraries, which the book serves itself; open the page from the built site.';\n"
        "      return;\n"
        "    }\n"
        f"    vegaEmbed(el, spec, {opts}).catch(function (err) {{ el.textContent = 'The chart failed to render: ' + err; console.error(err); }});\n"
        "  }\n"
        "  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', draw); } else { draw(); }\n"
        "})();</script>"
    )
    return {"text/html": html, "text/plain": f"<interactive chart: {title}>"}


def enable() -> None:
    """Use the book's theme and renderer (chapters call this once, in their setup cell)."""
    alt.theme.register("shockbook", enable=True)(theme)
    alt.renderers.register("shockbook", render)
    alt.renderers.enable("shockbook")


def titled(chart: alt.Chart, title: str, subtitle: str, source: str) -> alt.Chart:
    """Title, a one-line subtitle saying what is shown, and the source line every figure carries."""
    lines = [subtitle] if subtitle else []
    return chart.properties(title=alt.TitleParams(text=title, subtitle=lines + [f"Source: {source}"]))
