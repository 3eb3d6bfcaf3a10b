"""A Sphinx extension for the book's site: offline, numbered for readers, usable by everyone.

- jupyter-book 1 always loads sphinx-thebe, whose inline script points at a CDN (and is
  emitted twice, which the browser reports as an error). The book has no live-code
  launcher, so its assets are removed from every page.
- Glued tables are figures to myst-nb (``{glue:figure} tbl-...``). Figures whose name starts with
  ``tbl-`` become ``table_figure`` nodes, numbered as tables: "Table 1.2", and so in ``{numref}``.
- Tables scroll sideways inside a focusable, named region (keyboard users can scroll them too); the
  bibliography's entries get a role screen readers still know (``doc-biblioentry`` is deprecated).
- Each chapter page opens with a box saying how to rerun it with other assumptions, where its
  notebook is, and where the PDF edition is; the footer links the PDF too.
- ``{data-changelog}``: the imports and refreshes of the book's data, read from the manifests.
- Two costs of the pinned Sphinx and sphinxcontrib-bibtex, about 7 s of each edition's build:
  every ``{numref}`` unpickled its target's whole doctree again (100 references, doctrees of up to
  1.4 MB), and every citation looked up its pybtex plugins among all installed packages' entry
  points. Doctrees are kept for numref while the pages are written, and the plugins are registered once.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

from contextlib import contextmanager

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.domains import std
from sphinx.transforms import SphinxTransform

from shockbook.site import sitefiles

PDF_NAME = "book.pdf"
TABLE_PREFIX = "tbl-"


def _is_thebe(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset) or ''} {getattr(asset, 'attributes', {}).get('body', '')}"
    return "thebe" in text.lower()


def drop_thebe(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


# --- Tables numbered as tables -----------------------------------------------------------------

class table_figure(nodes.figure):  # noqa: N801 (docutils names node classes in lower case)
    """A figure that holds a table: numbered with the tables."""


def visit_table_figure(self, node):
    self.visit_figure(node)


def depart_table_figure(self, node):
    self.depart_figure(node)


class TablesAsTables(SphinxTransform):
    """``tbl-`` figures become ``table_figure`` nodes before Sphinx numbers and labels them."""

    default_priority = 500

    def apply(self, **kwargs):
        for fig in list(self.document.findall(nodes.figure)):
            if type(fig) is nodes.figure and any(i.startswith(TABLE_PREFIX) for i in fig["ids"]):
                table = table_figure(fig.rawsource, *fig.children, **fig.attributes)
                table["classes"] = [*fig["classes"], "shockbook-table-figure"]
                fig.replace_self(table)
                for node_id in table["ids"]:  # numref looks the target up by id: point it at the new node
                    self.document.ids[node_id] = table


# --- Post-processing of each page's HTML ---------------------------------------------------------

_FIGURE = re.compile(r'<figure\b[^>]*\bid="(tbl-[^"]+)"[^>]*>.*?</figure>', re.S)
_TABLE = re.compile(r'<table\b[^>]*class="[^"]*shockbook-table[^"]*"[^>]*>.*?</table>', re.S)
_CAPTION_NUMBER = re.compile(r'<span class="caption-number">([^<]+)</span>')


def wrap_tables(body: str) -> str:
    """Each book table in a focusable, named region that scrolls sideways on a narrow screen.

    A table inside a numbered table figure is named by its number ("Table 1.2").
    """
    labels = {}
    for fig in _FIGURE.finditer(body):
        number = _CAPTION_NUMBER.search(fig.group(0))
        for table in _TABLE.finditer(body, fig.start(), fig.end()):
            labels[table.start()] = number.group(1).strip() if number else "Table"

    def wrap(table: re.Match) -> str:
        label = labels.get(table.start(), "Table") + " (scrolls sideways)"
        return (f'<div class="shockbook-table-wrap" role="region" tabindex="0" '
                f'aria-label="{html.escape(label, quote=True)}">{table.group(0)}</div>')

    return _TABLE.sub(wrap, body)


def fix_bibliography_roles(body: str) -> str:
    """docutils marks citations ``doc-biblioentry``, a role ARIA 1.3 deprecates, inside a ``list``."""
    return body.replace('role="doc-biblioentry"', 'role="listitem"')


def chapter_files(srcdir: Path, pagename: str) -> tuple[str, str | None, str | None] | None:
    """For a numbered chapter page: its number, its module and an example parameter (name and value)."""
    m = re.fullmatch(r"chapters/(\d\d)_\w+", pagename)
    if not m:
        return None
    number = m.group(1)
    modules = sorted((srcdir / "shockbook" / "chapters").glob(f"ch{int(number)}_*.py"))
    module = modules[0].relative_to(srcdir).as_posix() if modules else None
    example = None
    notebook = srcdir / f"{pagename}.ipynb"
    if notebook.exists():
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                src = "".join(cell["source"])
                found = re.search(r"^(\w+)\s*=\s*([^\s#]+)", src, re.M)
                if found:
                    example = f"{found.group(1)} {found.group(2).strip(chr(34) + chr(39))}"
                break
    return number, module, example


def rerun_box(number: str, pagename: str, module: str | None, example: str | None, repo: str, branch: str,
              pdf_href: str, own_box: bool = False, edition: str = "en") -> str:
    """Where the chapter's notebook and code are, and how to rerun it — unless the chapter has its own
    "Rerun this chapter" box (with every parameter and its valid values), which this then points to.
    The words are the edition's (``site.rerun.*`` in :data:`shockbook.site.words.VOCABULARY`)."""
    from shockbook.site.words import word

    say = lambda key, **slots: word(f"site.rerun.{key}", edition).format(**slots)  # noqa: E731
    link = lambda path: (f'<a href="{html.escape(repo)}/blob/{html.escape(branch)}/{path}"><code>{path}</code></a>'  # noqa: E731
                         if repo else f"<code>{path}</code>")
    notebook = link(f"{pagename}.ipynb")
    code = say("code", module=link(module)) if module else ""
    if own_box:
        how = say("own_box", notebook=notebook)
    else:
        command = f"python -m shockbook run {number}" + (f" -p {example}" if example else "")
        how = say("command", command=html.escape(command), notebook=notebook)
    return (f'<aside class="shockbook-rerun" aria-label="{say("label")}">'
            f"<p>{how}{code}{say('pdf', href=html.escape(pdf_href))}</p></aside>")


def postprocess_page(app, pagename, templatename, context, doctree):
    pdf_href = context["pathto"](PDF_NAME, 1) if "pathto" in context else PDF_NAME
    if context.get("theme_extra_footer"):
        context["theme_extra_footer"] = context["theme_extra_footer"].replace("@PDF@", pdf_href)
    body = context.get("body")
    if not body:
        return
    body = fix_bibliography_roles(wrap_tables(body))
    chapter = chapter_files(Path(app.srcdir), pagename)
    if chapter:
        repo = (app.config.html_theme_options or {}).get("repository_url", "")
        branch = (app.config.html_theme_options or {}).get("repository_branch", "main") or "main"
        number, module, example = chapter
        box = rerun_box(number, pagename, module, example, repo, branch, pdf_href,
                        own_box="Rerun this chapter" in body or "重新运行本章" in body,
                        edition=getattr(app.config, "shockbook_edition", "en"))
        body = re.sub(r"(</h1>)", lambda m: m.group(1) + box, body, count=1)
    context["body"] = body


# --- The data changelog ------------------------------------------------------------------------

def changelog_entries(market: dict, facts: dict) -> list[tuple[str, str]]:
    """(date, what happened) for each import or refresh recorded in the manifests, newest first."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for name, entry in market.get("files", {}).items():
        origin = entry.get("origin", {})
        kind = origin.get("kind", "import")
        when = origin.get("snapshot") or (origin.get("retrieved_at") or "")[:10] or ""
        where = origin.get("repository") or origin.get("raw_file") or origin.get("source") or ""
        label = ", ".join(entry.get("tickers", [])) or name
        groups.setdefault((when, kind, where), []).append(label)
    entries = []
    for (when, kind, where), labels in groups.items():
        verb = "refreshed from Yahoo Finance (yfinance)" if kind == "yfinance" else "imported"
        source = f" from a snapshot of the public repository {where}" if "/" in where and kind == "import" \
            and not where.startswith("shared/") else (f" from {where}" if where else "")
        what = f"Market data {verb}{source}: {len(labels)} file{'s' if len(labels) != 1 else ''} ({', '.join(sorted(labels))})."
        entries.append((when or "undated", what))
    for name, entry in facts.get("files", {}).items():
        origin = entry.get("origin", {})
        when = origin.get("accessed") or origin.get("retrieved") or ""
        what = (f"Facts: {name} imported from {origin.get('path', 'the shared facts')}, {entry.get('rows')} rows"
                + (f" ({entry.get('shared_rows')} shared, {entry.get('addition_rows')} the book's own additions)"
                   if entry.get("addition_rows") else "") + ". " + entry.get("description", ""))
        entries.append((when or "undated", what.strip()))
    # Dated entries newest first; undated ones (the README gives no retrieval date) last.
    return sorted(entries, key=lambda e: (e[0] != "undated", e[0]), reverse=True)


class DataChangelog(Directive):
    """``{data-changelog}``: a list of the data imports and refreshes, from data/*/manifest.json."""

    has_content = False

    def run(self):
        env = self.state.document.settings.env
        root = Path(env.srcdir)
        paths = {"market": root / "data" / "market" / "manifest.json", "facts": root / "data" / "facts" / "manifest.json"}
        manifests = {}
        for key, path in paths.items():
            env.note_dependency(str(path))
            manifests[key] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        items = nodes.bullet_list()
        for when, what in changelog_entries(manifests["market"], manifests["facts"]):
            para = nodes.paragraph()
            para += nodes.strong(text=when)
            para += nodes.Text(" — " + what)
            items += nodes.list_item("", para)
        return [items]


# --------------------------------------------------------------------------- build costs

class StandardDomain(std.StandardDomain):
    """Sphinx's standard domain, whose ``{numref}`` reads each target's doctree once a build."""

    def _resolve_numref_xref(self, env, *args, **kwargs):
        with doctrees_kept(env):
            return super()._resolve_numref_xref(env, *args, **kwargs)


@contextmanager
def doctrees_kept(env):
    """``env.get_doctree`` answering from a per-build store (numref only reads a target's ids)."""
    kept = env.__dict__.setdefault("shockbook_doctrees", {})

    def get_doctree(docname: str):
        if docname not in kept:
            kept[docname] = doctree_at_hand(env, docname)
        return kept[docname]

    env.get_doctree = get_doctree
    try:
        yield
    finally:
        del env.get_doctree


def doctree_at_hand(env, docname: str):
    """A document's doctree for reading its ids and nodes: the one Sphinx still holds in memory from
    this build's reading, if it does (it keeps each until that page is written), else unpickled.
    Unpickling every doctree again was most of the numbering's cost (a doctree is up to 1.4 MB)."""
    held = getattr(env, "_write_doc_doctree_cache", {}).get(docname)
    return held if held is not None else type(env).get_doctree(env, docname)


def number_from_memory(app, env) -> list[str]:
    """Sphinx numbers the figures and tables of every page (``env-get-updated``) by reading each
    page's doctree again from disk, although all are in memory after a build's reading: they are
    read from memory while the numbering runs (it only reads them)."""
    env.get_doctree = lambda docname: doctree_at_hand(env, docname)
    return []


def numbered(app, env) -> list[str]:
    env.__dict__.pop("get_doctree", None)
    return []


def forget_doctrees(app, env) -> None:
    """A new read makes new doctrees."""
    env.__dict__.pop("shockbook_doctrees", None)


def chinese_search():
    """Sphinx's Chinese search language, the same index in less time. Sphinx's asks, for every word
    it stems, whether the word is in the list of Latin words met so far, a list that grows with the
    text: a quadratic cost (0.7 s of the Chinese edition's build). Here the same question is asked of
    a set kept equal to that list."""
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        def init(self, options: dict[str, str]) -> None:
            super().init(options)
            self.terms, self.terms_seen = set(), 0

        def stem(self, word: str) -> str:
            if self.terms_seen < len(self.latin_terms):  # the list only grows: take what was added
                self.terms.update(self.latin_terms[self.terms_seen:])
                self.terms_seen = len(self.latin_terms)
            # SearchChinese.stem, with the membership test on the set.
            lower = word.lower()
            if word in self.terms and len(word) >= 3 and len(self.stemmer.stemWord(lower)) < 3:
                return lower
            return self.stemmer.stemWord(lower)

    return ChineseSearch


PYBTEX_GROUPS = ("pybtex.backends", "pybtex.database.input", "pybtex.style.formatting", "pybtex.style.labels",
                 "pybtex.style.names", "pybtex.style.sorting")
BIBTEX_GROUPS = ("sphinxcontrib.bibtex.style.referencing",)  # sphinxcontrib-bibtex's own, found the same way


def register_pybtex_plugins(app=None) -> None:
    """pybtex finds a plugin among all installed packages' entry points at every call (10-30 ms with this
    environment's packages; sphinxcontrib-bibtex calls it for every citation, and as its modules are
    imported); its runtime registry, which it reads first, answers at once. The same classes, found
    in one scan; sphinxcontrib-bibtex's referencing styles likewise.

    The registries are filled directly: both packages' ``register_plugin`` scan the entry points
    again for each plugin, even when forced (a test checks that the lookups then scan nothing)."""
    from importlib.metadata import entry_points

    import pybtex.plugin

    if all(pybtex.plugin._RUNTIME_PLUGINS.get(group) for group in PYBTEX_GROUPS):
        return  # registered already (shockbook.site.jupyterbook does it before Sphinx starts)
    installed = entry_points()  # one scan of the installed packages for all the groups
    for group in PYBTEX_GROUPS:
        registry = pybtex.plugin._RUNTIME_PLUGINS.setdefault(group, {})
        for ep in installed.select(group=group):
            registry.setdefault(ep.name, ep.load())
    import sphinxcontrib.bibtex.plugin  # after pybtex's: importing the package looks some of those up

    for group in BIBTEX_GROUPS:
        registry = sphinxcontrib.bibtex.plugin._runtime_plugins.setdefault(group, {})
        for ep in installed.select(group=group):
            registry.setdefault(ep.name, ep.load())


def setup(app):
    app.add_enumerable_node(table_figure, "table", html=(visit_table_figure, depart_table_figure))
    app.add_transform(TablesAsTables)
    app.add_directive("data-changelog", DataChangelog)
    app.connect("html-page-context", drop_thebe, priority=900)
    sitefiles.setup(app)  # readable notebooks to download, the in-page event study's data
    app.connect("html-page-context", postprocess_page, priority=950)
    app.add_domain(StandardDomain, override=True)
    app.connect("env-updated", forget_doctrees)
    app.connect("env-get-updated", number_from_memory, priority=100)  # before Sphinx's collectors (500)
    app.connect("env-get-updated", numbered, priority=900)
    app.connect("builder-inited", register_pybtex_plugins)
    app.add_search_language(chinese_search())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
