"""Files the built site carries beside its pages, written when the Sphinx build finishes.

- ``_readable/<doc>.ipynb``: a readable copy of every chapter notebook (values written into the
  prose, charts as static pictures; see ``render.readable_notebook``), offered by the page's
  download menu as "Download notebook (readable)".
- ``_data/eventstudy/``: the price files and a small catalog for the in-page event study
  (``_static/eventstudy.js``), served by the site itself, so the browser never leaves its host.

``sphinxext.setup`` connects :func:`setup` with one line.
"""
from __future__ import annotations

import json
from pathlib import Path

READABLE_DIR = "_readable"
EVENT_DATA_DIR = "_data/eventstudy"


def event_study_catalog() -> list[dict]:
    """One entry per series: where its file is and which column its returns are computed from, and
    its name and group in English and, for the Chinese edition's pages, in Chinese (``name_zh``,
    ``group_zh``: the edition's catalogue, translations/zh/strings.csv)."""
    from shockbook.data import cache, catalog
    from shockbook.site import edition

    zh = edition.read_catalogue()
    out = []
    for s in catalog.SERIES:
        info = cache.series_info(s.ticker)
        out.append({"ticker": s.ticker, "name": s.name, "group": s.group, "market": s.market, "index": s.index,
                    "file": s.file_name, "column": cache.total_return_column(s.ticker),
                    "first": info["first"], "last": info["last"],
                    "name_zh": zh.get(s.name, s.name), "group_zh": zh.get(s.group, s.group)})
    return out


def write_event_study_data(outdir: Path) -> Path:
    """Copy the verified price files and the catalog into ``outdir/_data/eventstudy``."""
    from shockbook.data import cache

    target = Path(outdir) / EVENT_DATA_DIR
    (target / "prices").mkdir(parents=True, exist_ok=True)
    series = event_study_catalog()
    for s in series:
        # the browser computes from these bytes: they must be the manifest's (CacheError otherwise)
        data = cache.verified_bytes(f"prices/{s['file']}")
        dst = target / "prices" / s["file"]
        if not dst.exists() or dst.read_bytes() != data:
            dst.write_bytes(data)
    (target / "series.json").write_text(json.dumps(series, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return target


def write_readable_notebooks(outdir: Path, docs: dict[str, Path]) -> list[Path]:
    """A readable copy of each executed notebook ``docs`` ({docname: path}) under ``outdir/_readable``."""
    from shockbook.site import render

    written = []
    for doc, src in sorted(docs.items()):
        out = Path(outdir) / READABLE_DIR / f"{doc}.ipynb"
        render.write_readable(src, out)
        written.append(out)
    return written


# --------------------------------------------------------------------------- Sphinx


def _notebook_docs(app) -> dict[str, Path]:
    out = {}
    for doc in app.env.found_docs:
        src = Path(app.env.doc2path(doc))
        if src.suffix == ".ipynb":
            out[doc] = src
    return out


def _build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    write_event_study_data(Path(app.outdir))
    write_readable_notebooks(Path(app.outdir), _notebook_docs(app))


def _download_button(app, pagename, templatename, context, doctree) -> None:
    """Add "Download notebook (readable)" to the theme's download menu of a notebook page."""
    if not str(context.get("page_source_suffix", "")).endswith(".ipynb"):
        return
    url = f"{context['pathto'](READABLE_DIR, 1)}/{pagename}.ipynb"
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].insert(0, {
                "type": "link", "url": url, "text": "readable .ipynb", "icon": "fas fa-book-open",
                "tooltip": "Download notebook (readable): numbers and charts shown in any notebook viewer",
                "label": "download-readable-notebook-button"})


def setup(app) -> None:
    app.connect("build-finished", _build_finished)
    app.connect("html-page-context", _download_button, priority=600)  # after the theme builds its menu (501)
