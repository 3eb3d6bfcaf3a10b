"""Sphinx: the site shows each chart once, interactive, where the prose's figure glues it.

Every chart cell also outputs a static SVG copy of its chart (:func:`shockbook.site.book.show_static_copy`)
for GitHub, nbviewer and JupyterLab, which show no glued output. myst-nb would draw that copy under
the cell as well, so the notebook is read without those outputs: they are dropped from the
notebook's text when Sphinx reads it (``source-read``), before myst-nb parses it.
"""
from __future__ import annotations

import json

from shockbook.site.book import is_static_copy


def without_static_copies(text: str) -> str:
    """A notebook's JSON text with the static chart copies removed from its cells' outputs."""
    nb = json.loads(text)
    dropped = 0
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs")
        if outputs:
            kept = [o for o in outputs if not is_static_copy(o)]
            dropped += len(outputs) - len(kept)
            cell["outputs"] = kept
    return json.dumps(nb, ensure_ascii=False, indent=1) if dropped else text


def drop_static_copies(app, docname: str, source: list[str]) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = without_static_copies(source[0])


def setup(app):
    app.connect("source-read", drop_static_copies)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
