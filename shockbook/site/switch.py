"""A language switch on every page of both editions, landing on the same section of the twin page.

The English site is at the root and the Chinese edition under ``zh/``; a page's twin has the same
name in the other edition. The link carries the number of the section the reader is in
(``#section-3``), and the twin page scrolls to its own third section, whatever its headings say.
"""
from __future__ import annotations

import posixpath

EDITIONS = {"en": ("zh/", "中文"), "zh": ("../", "English")}


def twin_link(app, pagename, templatename, context, doctree):
    edition = app.config.shockbook_edition
    prefix, label = EDITIONS[edition]
    depth = pagename.count("/")
    root = "../" * depth
    href = posixpath.normpath(posixpath.join(root or ".", prefix, pagename + ".html"))
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="shockbook-twin" content="{href}" data-label="{label}">')


def setup(app):
    app.add_config_value("shockbook_edition", "en", "html")
    app.connect("html-page-context", twin_link)
    app.add_js_file("edition.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
