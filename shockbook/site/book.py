"""What chapters use to put computed values into their prose."""
from __future__ import annotations

import sys

from myst_nb import glue as _glue


def glue(name: str, value, display: bool = False) -> None:
    """myst-nb's glue, with numpy scalars turned into Python numbers so `{glue:text}` can format them."""
    np = sys.modules.get("numpy")  # not imported: then no value is a numpy scalar (the site's build needs no numpy)
    if np is not None and isinstance(value, np.generic):
        value = value.item()
    _glue(name, value, display=display)


def table(df, name: str, formats: dict[str, str] | None = None, labels: dict[str, str] | None = None,
          index: bool = True):
    """A formatted HTML table for the page.

    Its id is ``name`` rather than pandas' random uuid, and it is returned as HTML (whose plain-text
    form carries no memory address), so a rerun gives byte-identical output.
    """
    from IPython.display import HTML

    shown = df.rename(columns=labels or {})
    fmt = {(labels or {}).get(k, k): v for k, v in (formats or {}).items()}
    styler = shown.style.set_uuid(name).format(fmt, na_rep="–").set_table_attributes('class="shockbook-table"')
    if not index:
        styler = styler.hide(axis="index")
    return HTML(styler.to_html())


def figure(name: str, chart, data) -> None:
    """Glue a chart for a ``{glue:figure}`` and save the data it shows as ``figdata/<name>.csv``.

    The runner says where the CSV goes (``SHOCKBOOK_FIGDATA``): beside the committed chapters for
    the book, beside a reader's run otherwise. Outside the runner (nbval, an editor) nothing is
    written, so a test never changes the book's files.
    """
    import os
    from pathlib import Path

    if hasattr(chart, "to_dict"):  # a vega chart: its spec is made (and validated) once, for both outputs
        from shockbook.site import charts

        chart = Drawn(charts._spec_of(chart))
    glue(name, chart, display=False)
    show_static_copy(name, chart)
    target = os.environ.get("SHOCKBOOK_FIGDATA")
    if target:
        path = Path(target) / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        data.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


class Drawn:
    """A chart's spec, shown as altair shows the chart itself with the book's renderer (the same
    output), without making the spec again: altair would, with its schema validation, for each output."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self) -> dict:
        return self.spec

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from shockbook.site import charts

        return charts.render(self.spec)


# Output metadata that marks a chart's static copy (its value: the figure's glue name).
STATIC_COPY = "shockbook_static_copy"


def show_static_copy(name: str, chart) -> None:
    """The chart as a static SVG output of the cell that computed it.

    A glued output is shown by no notebook viewer (GitHub, nbviewer, JupyterLab): this copy is what
    they show. The site draws the glued chart, interactive, in its figure, and drops this copy
    (:mod:`shockbook.site.static_copies`); the rerun pages and readable notebooks make their own.
    The SVG is byte-deterministic (:func:`shockbook.site.charts.static_svg`), so nbval, which
    compares it, sees the same picture on every execution.
    """
    from IPython.display import display

    from shockbook.site import charts

    if not hasattr(chart, "to_dict"):
        return  # not a vega chart (e.g. chapter 6's HTML figure): viewers show its glued HTML as it is
    svg, key = charts.keyed_svg(chart)
    display({"image/svg+xml": svg, "text/plain": f"<static copy of {name}>"},
            raw=True, metadata={STATIC_COPY: name, charts.SVG_KEY: key})


def is_static_copy(output: dict) -> bool:
    return STATIC_COPY in (output.get("metadata") or {})


def day(date, year: bool = True) -> str:
    """'5 February 2025' (no leading zero), for dates in prose."""
    from shockbook.site import words

    return words.day(date, year=year)
