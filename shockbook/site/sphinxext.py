"""A Sphinx extension for the book's site: nothing on a page may come from another host.

jupyter-book 1 always loads sphinx-thebe, whose inline script points at a CDN (and is
emitted twice, which the browser reports as an error). The book has no live-code
launcher, so its assets are removed from every page.
"""
from __future__ import annotations

from shockbook.site import sitefiles


def _is_thebe(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset) or ''} {getattr(asset, 'attributes', {}).get('body', '')}"
    return "thebe" in text.lower()


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def setup(app):
    app.connect("html-page-context", drop_thebe, priority=900)
    sitefiles.setup(app)  # readable notebooks to download, the in-page event study's data
    return {"parallel_read_safe": True, "parallel_write_safe": True}
