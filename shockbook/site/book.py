"""What chapters use to put computed values into their prose."""
from __future__ import annotations

import numpy as np
from myst_nb import glue as _glue


def glue(name: str, value, display: bool = False) -> None:
    """myst-nb's glue, with numpy scalars turned into Python numbers so `{glue:text}` can format them."""
    if isinstance(value, np.generic):
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

    glue(name, chart, display=False)
    target = os.environ.get("SHOCKBOOK_FIGDATA")
    if target:
        path = Path(target) / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        data.to_csv(path, index=False, lineterminator="\n", float_format="%.6g")


def day(date, year: bool = True) -> str:
    """'5 February 2025' (no leading zero), for dates in prose."""
    from shockbook.site import words

    return words.day(date, year=year)
