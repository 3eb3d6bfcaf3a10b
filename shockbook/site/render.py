"""An executed chapter as something a reader can read without the site.

Two products, from the notebook's own glued outputs (never by re-running anything):

- :func:`page` — one self-contained HTML page in the book's look: the prose with every glued
  number put in (formatted exactly as myst-nb formats ``{glue:text}``), the charts drawn by the
  vega libraries inlined into the page (so it works from a file, offline), figures and tables
  numbered and captioned, ``{numref}``/``{doc}``/``{cite}`` turned into words, and a banner with
  the parameters, when the page was made and the hash of the data it was computed from.
- :func:`readable_notebook` — a copy of the notebook for JupyterLab, VS Code or GitHub's viewer:
  markdown with the values in place of the glue roles, each glued chart also shown as a static
  SVG output and each glued table as an HTML output of the cell that computed it.

:func:`publish_run` makes both beside a reader's run (``runs/``); the runner calls it.
Every file is written atomically, so two runs with the same parameters never leave a torn file.
"""
from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import hashlib
import html
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nbformat

from shockbook import paths
from shockbook.data.cache import atomic_write
from shockbook.site.book import is_static_copy

GLUE_PREFIX = "application/papermill.record/"
VENDOR_DIRS = [paths.ROOT / "_assets" / "vendor", paths.ROOT / "node_modules"]
VEGA_FILES = {"vega.min.js": "vega/build/vega.min.js", "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
              "vega-embed.min.js": "vega-embed/build/vega-embed.min.js"}
# tex-svg draws formulas with its own glyph outlines: no font files to fetch, so it works inlined.
MATHJAX_FILE = "mathjax/es5/tex-svg.js"
ADMONITIONS = {"note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
               "seealso", "admonition"}


class RenderError(ValueError):
    """A notebook could not be turned into a page; the message says why."""


# --------------------------------------------------------------------------- glued values


def glued(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """{glue key: its mimebundle, prefix removed} for every value the notebook glued."""
    out: dict[str, dict] = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            key = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if key is not None:
                out[key] = {m.removeprefix(GLUE_PREFIX): v for m, v in o.get("data", {}).items()}
    return out


def glue_text(bundle: dict, fmt_spec: str = "") -> str:
    """What ``{glue:text}`key:fmt``` shows, following myst-nb's rules (a test holds the two together).

    The text/plain value is read back as a Python literal (so a glued string loses its quotes), then
    the format's last character says what the value must become: a float for e/f/g/%, an int for d/x…
    (importing myst-nb for its one function would cost a reader's run seconds).
    """
    import ast

    text = bundle.get("text/plain", "")
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    if not fmt_spec:
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    elif kind in "bcdoxX":
        value = int(value)
    return format(value, fmt_spec)


def chart_spec(bundle: dict) -> dict | None:
    """The Vega-Lite spec inside a glued chart (``charts.render`` writes it as ``var spec = {...};``)."""
    text = bundle.get("text/html", "")
    mark = "var spec = "
    i = text.find(mark)
    if i < 0:
        return None
    spec, _ = json.JSONDecoder().raw_decode(text, i + len(mark))
    return spec


def static_svg(spec: dict, known: dict[str, str] | None = None) -> str:
    """The chart theme's static SVG (:func:`shockbook.site.charts.static_svg`); ``known``: drawings
    at hand by key, such as the static copies the notebook already holds."""
    from shockbook.site import charts

    return charts.keyed_svg(spec, known=known)[0]


# --------------------------------------------------------------------------- what the prose refers to


@dataclass
class Book:
    """What a chapter's roles point at: chapter numbers and titles, the bibliography."""

    numbers: dict[str, int] = field(default_factory=dict)  # doc path without suffix -> chapter number
    titles: dict[str, str] = field(default_factory=dict)  # doc path without suffix -> title
    bib: dict[str, dict] = field(default_factory=dict)  # cite key -> {author, year, title, how, note}


@lru_cache(maxsize=1)
def book() -> Book:
    import yaml

    b = Book()
    toc_file = paths.ROOT / "_toc.yml"
    if not toc_file.exists():  # a bare copy of the package and chapters: number chapters by their file names
        for nb in sorted(paths.CHAPTERS_DIR.glob("*.ipynb")):
            doc = f"chapters/{nb.stem}"
            m = re.match(r"(\d+)_", nb.stem)
            if m:
                b.numbers[doc] = int(m.group(1))
            b.titles[doc] = _title_of(doc)
        return b
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    n = 0
    for part in toc.get("parts", []):
        for ch in part.get("chapters", []):
            doc = ch["file"]
            if part.get("numbered"):
                n += 1
                b.numbers[doc] = n
            b.titles[doc] = _title_of(doc)
    b.bib = _bibliography(paths.ROOT / "references.bib")
    return b


def _title_of(doc: str) -> str:
    for suffix in (".ipynb", ".md"):
        p = paths.ROOT / f"{doc}{suffix}"
        if p.exists():
            text = p.read_text(encoding="utf-8")
            if suffix == ".ipynb":
                nb = json.loads(text)
                text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
            m = re.search(r"^#\s+(.+)$", text, re.M)
            if m:
                return m.group(1).strip()
    return Path(doc).name


def _bibliography(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    from pybtex.database import parse_file

    out = {}
    for key, e in parse_file(str(path), bib_format="bibtex").entries.items():
        people = e.persons.get("author", [])
        names = [" ".join(p.last_names) or str(p) for p in people]
        author = names[0] if len(names) == 1 else (f"{names[0]} and {names[1]}" if len(names) == 2 else
                                                   f"{names[0]} et al." if names else e.fields.get("organization", key))
        f = {k: _untex(v) for k, v in e.fields.items()}
        out[key] = {"author": _untex(author), "year": f.get("year", "n.d."), "title": f.get("title", ""),
                    "how": f.get("howpublished", f.get("journal", f.get("publisher", ""))), "note": f.get("note", ""),
                    "url": f.get("url", "")}
    return out


def _untex(text: str) -> str:
    """BibTeX's TeX as plain text: accents decoded (latexcodec, which pybtex brings), braces dropped."""
    import codecs

    import latexcodec  # noqa: F401  (registers the codec)

    try:
        text = codecs.decode(str(text), "ulatex")
    except ValueError:
        text = str(text)
    return re.sub(r"\\([_&%$#])", r"\1", text).replace("{", "").replace("}", "").replace("--", "–")


# --------------------------------------------------------------------------- MyST, resolved


ROLE = re.compile(r"\{([A-Za-z][\w:+-]*)\}`([^`]*)`")
FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:+-]+)\}\s*(?P<arg>.*)$")


@dataclass
class Directive:
    name: str
    arg: str
    options: dict[str, str]
    body: str


def split_directives(text: str) -> list[str | Directive]:
    """Markdown text cut into plain runs and top-level ``{name}`` directives (backtick or colon fences)."""
    lines = text.split("\n")
    out: list[str | Directive] = []
    plain: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            plain.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        body = lines[i + 1:j]
        options = {}
        while body and re.match(r"^:[\w-]+:", body[0]):
            k, _, v = body.pop(0)[1:].partition(":")
            options[k.strip()] = v.strip()
        if body and body[0].strip() == "":
            body = body[1:]
        if plain:
            out.append("\n".join(plain))
            plain = []
        out.append(Directive(m.group("name"), m.group("arg").strip(), options, "\n".join(body)))
        i = j + 1
    if plain:
        out.append("\n".join(plain))
    return out


def _target(text: str) -> tuple[str, str]:
    """'Title <label>' -> ('Title', 'label'); 'label' -> ('', 'label')."""
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", text.strip(), re.S)
    return (m.group(1).strip(), m.group(2).strip()) if m else ("", text.strip())


class Resolver:
    """Turns one chapter's roles and directives into words and HTML, from its glued outputs."""

    def __init__(self, nb: nbformat.NotebookNode, doc: str, base: Path | None = None):
        self.nb, self.doc = nb, doc
        self.glue = glued(nb)
        self.book = book()
        self.base = base  # where the notebook lies: for {download} paths
        self.chapter = self.book.numbers.get(doc)
        self.labels: dict[str, str] = {}  # figure/table name -> "Fig. 1.3"
        self.sections: dict[str, str] = {}  # (label)= target -> heading text
        self.cited: list[str] = []
        self._number()

    @functools.cached_property
    def known_svgs(self) -> dict[str, str]:
        """The notebook's own static copies of its charts, by key (drawn when it ran)."""
        from shockbook.site import charts

        return charts.svgs_in(self.nb)

    def _number(self) -> None:
        n = 0
        pending = None
        for cell in self.nb.cells:
            if cell.cell_type != "markdown":
                continue
            for part in split_directives(cell.source):
                if isinstance(part, Directive):
                    if part.name in ("glue:figure", "figure", "table", "list-table") and part.options.get("name"):
                        n += 1
                        self.labels[part.options["name"]] = (f"Fig. {self.chapter}.{n}" if self.chapter else f"Fig. {n}")
                    continue
                for line in part.split("\n"):
                    t = re.match(r"^\((?P<label>[^)]+)\)=\s*$", line)
                    h = re.match(r"^#{1,6}\s+(.+)$", line)
                    if t:
                        pending = t.group("label")
                    elif h and pending:
                        self.sections[pending] = h.group(1).strip()
                        pending = None

    # ---------------------------------------------------------------- roles

    def role_text(self, name: str, content: str) -> tuple[str, str]:
        """A role as (plain text, kind): kind 'text' for words, 'html' for markup, 'math' for TeX."""
        if name in ("glue:text",):
            key, fmt = content.rsplit(":", 1) if ":" in content else (content, "s")  # as myst-nb splits it
            return glue_text(self._value(key), fmt), "text"
        if name in ("glue", "glue:any"):
            b = self._value(content)
            if "text/html" in b:
                return b["text/html"], "html"
            return glue_text(b, ""), "text"
        if name == "glue:md":
            key = content.rpartition(":")[0] if ":" in content else content
            return self._value(key).get("text/markdown", ""), "markdown"
        if name in ("numref", "ref"):
            title, label = _target(content)
            number = self.labels.get(label)
            if number and title:
                return title.replace("%s", number.split(" ", 1)[1]).replace("{number}", number.split(" ", 1)[1]), "text"
            return number or title or self.sections.get(label, label.replace("-", " ")), "text"
        if name == "doc":
            title, target = _target(content)
            doc = os.path.normpath(os.path.join(os.path.dirname(self.doc), target)).replace(os.sep, "/")
            if title:
                return title, "text"
            number = self.book.numbers.get(doc)
            name_ = self.book.titles.get(doc, Path(target).name)
            return (f"Chapter {number}, “{name_}”" if number else f"“{name_}”"), "text"
        if name.startswith("cite"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            for k in keys:
                if k not in self.cited:
                    self.cited.append(k)
            refs = [self.book.bib.get(k, {"author": k, "year": ""}) for k in keys]
            if name == "cite:t":
                return "; ".join(f"{r['author']} ({r['year']})" for r in refs), "text"
            return "(" + "; ".join(f"{r['author']}, {r['year']}" for r in refs) + ")", "text"
        if name == "download":
            title, target = _target(content)
            return title or Path(target).name, "download:" + target
        if name == "math":
            return content, "math"
        title, target = _target(content)  # any other role: its words
        return title or target, "text"

    def _value(self, key: str) -> dict:
        if key not in self.glue:
            raise RenderError(f"{self.doc}: the prose uses glued value {key!r}, which the notebook did not glue.")
        return self.glue[key]

    def caption_number(self, d: Directive) -> str:
        return self.labels.get(d.options.get("name", ""), "")


# --------------------------------------------------------------------------- markdown for notebooks


def markdown_for_notebook(text: str, r: Resolver, figure_note: str) -> str:
    """A markdown cell with every role replaced by its value, and figures by their numbered caption."""
    parts = []
    for part in split_directives(text):
        if isinstance(part, str):
            parts.append(_roles_to_markdown(part, r))
            continue
        d = part
        if d.name == "glue:figure":
            number = r.caption_number(d)
            caption = _roles_to_markdown(d.body, r).strip()
            parts.append(f"**{number}.** {caption} *({figure_note})*" if number else f"{caption} *({figure_note})*")
        elif d.name in ("glue", "glue:any", "glue:md"):
            b = r._value(d.arg.split(":")[0])
            parts.append(b.get("text/markdown") or b.get("text/html") or glue_text(b))
        elif d.name in ADMONITIONS:
            title = d.arg or d.name.capitalize()
            body = _roles_to_markdown(d.body, r)
            parts.append("\n".join(f"> {line}" if line else ">" for line in [f"**{title}**", ""] + body.split("\n")))
        elif d.name == "math":
            parts.append(f"$$\n{d.body}\n$$")
        elif d.name == "raw":
            parts.append(d.body if "html" in d.arg else "")
        else:
            parts.append(_roles_to_markdown(d.body, r))
    return "\n".join(parts)


def _roles_to_markdown(text: str, r: Resolver) -> str:
    def sub(m: re.Match) -> str:
        value, kind = r.role_text(m.group(1), m.group(2))
        if kind.startswith("download:"):
            return f"[{value}]({kind.split(':', 1)[1]})"
        if kind == "math":
            return f"${value}$"
        return value

    text = re.sub(r"^\([^)]+\)=\s*$\n?", "", text, flags=re.M)  # (label)= targets mean nothing outside Sphinx
    return ROLE.sub(sub, text)


# --------------------------------------------------------------------------- the readable notebook


def readable_notebook(nb: nbformat.NotebookNode, doc: str, intro: str = "") -> nbformat.NotebookNode:
    """A copy whose markdown shows the values and whose cells show each glued chart and table."""
    r = Resolver(nb, doc)
    out = copy.deepcopy(nb)
    figure_of = {}  # glue key -> its figure number
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for part in split_directives(cell.source):
                if isinstance(part, Directive) and part.name == "glue:figure":
                    figure_of[part.arg] = r.caption_number(part)
    svg_cache: dict[str, tuple[str, bytes]] = {}
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_for_notebook(cell.source, r, "shown as the output of the code cell before this text")
            continue
        if cell.cell_type != "code":
            continue
        new_outputs = []
        for o in cell.get("outputs", []):
            if is_static_copy(o):
                continue  # the chart's static copy: drawn again below, labelled with its figure number
            key = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if key is None:
                new_outputs.append(o)
                continue
            bundle = r.glue[key]
            label = figure_of.get(key, "")
            spec = chart_spec(bundle)
            if spec is not None:
                digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
                if digest not in svg_cache:
                    svg_cache[digest] = static_svg(spec, r.known_svgs)  # drawn when it ran: not again
                title = spec.get("title", {})
                title = title.get("text", "") if isinstance(title, dict) else str(title)
                # SVG alone: JupyterLab, VS Code and GitHub's viewer all draw it, and it stays sharp and small.
                new_outputs.append(nbformat.v4.new_output("display_data", data={
                    "image/svg+xml": svg_cache[digest], "text/plain": f"{label}: {title}".strip(": ")}))
            elif "text/html" in bundle:
                new_outputs.append(nbformat.v4.new_output("display_data", data={
                    "text/html": bundle["text/html"], "text/plain": label or key}))
            # a glued number or word is shown in the prose, where the text uses it
        cell.outputs = new_outputs
    banner = nbformat.v4.new_markdown_cell(intro or (
        "*A readable copy of this chapter: the numbers the text computes are written into it and each chart "
        "is also a static picture, so it reads the same in JupyterLab, VS Code or GitHub's viewer. "
        "Re-executing it recomputes the outputs, but the text keeps these values.*"))
    banner.id = "readable-copy-note"
    out.cells.insert(0, banner)
    out.metadata["shockbook"] = {"readable_copy_of": doc}
    return out


# --------------------------------------------------------------------------- the HTML page


def _md_parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.deflist import deflist_plugin

    md = MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table").enable("strikethrough")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    md.use(deflist_plugin)
    md.add_render_rule("math_inline", lambda self, tokens, idx, options, env:
                       f'<span class="math">\\({html.escape(tokens[idx].content)}\\)</span>')
    md.add_render_rule("math_inline_double", lambda self, tokens, idx, options, env:
                       f'<div class="math">\\[{html.escape(tokens[idx].content)}\\]</div>')
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env:
                       f'<div class="math">\\[{html.escape(tokens[idx].content)}\\]</div>\n')
    md.add_render_rule("math_block_label", lambda self, tokens, idx, options, env:
                       f'<div class="math">\\[{html.escape(tokens[idx].content)}\\]</div>\n')
    return md


class PageWriter:
    """The HTML of one chapter's cells."""

    def __init__(self, r: Resolver, figdata: Path | None, static_charts: bool = False):
        self.r, self.figdata, self.static_charts = r, figdata, static_charts
        self.md = _md_parser()
        self.has_math = False
        self.slugs: set[str] = set()

    def markdown(self, text: str) -> str:
        out = []
        for part in split_directives(text):
            out.append(self._plain(part) if isinstance(part, str) else self._directive(part))
        return "\n".join(out)

    def _plain(self, text: str) -> str:
        holders: dict[str, str] = {}

        def hold(markup: str) -> str:
            token = f"SHOCKBOOKHOLD{len(holders)}X"
            holders[token] = markup
            return token

        def sub(m: re.Match) -> str:
            value, kind = self.r.role_text(m.group(1), m.group(2))
            if kind == "html":
                return hold(f'<span class="glued">{value}</span>')
            if kind == "markdown":
                return value
            if kind == "math":
                self.has_math = True
                return hold(f'<span class="math">\\({html.escape(value)}\\)</span>')
            if kind.startswith("download:"):
                return hold(self._download(value, kind.split(":", 1)[1]))
            return hold(f'<span class="glued">{html.escape(value)}</span>' if m.group(1).startswith("glue")
                        else html.escape(value))

        text = re.sub(r"^\((?P<label>[^)]+)\)=\s*$", lambda m: hold(f'<span id="{html.escape(m.group("label"))}"></span>'),
                      text, flags=re.M)
        text = ROLE.sub(sub, text)
        if "$" in text:
            self.has_math = True
        rendered = self.md.render(text)
        rendered = re.sub(r"<h([1-6])>(.*?)</h\1>", self._heading, rendered)
        for token, markup in holders.items():
            rendered = rendered.replace(token, markup)
        return rendered

    def _heading(self, m: re.Match) -> str:
        level, inner = m.group(1), m.group(2)
        slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", inner).lower()).strip("-") or "section"
        base, i = slug, 2
        while slug in self.slugs:
            slug, i = f"{base}-{i}", i + 1
        self.slugs.add(slug)
        return f'<h{level} id="{slug}">{inner}</h{level}>'

    def _download(self, title: str, target: str) -> str:
        """Data behind a figure, embedded in the page so the page is all a reader needs."""
        p = (self.figdata / Path(target).name) if self.figdata else None
        if p is not None and p.exists():
            uri = "data:text/csv;base64," + base64.b64encode(p.read_bytes()).decode()
            return f'<a class="download" download="{html.escape(p.name)}" href="{uri}">{html.escape(title)}</a>'
        return html.escape(title)

    def _directive(self, d: Directive) -> str:
        if d.name == "glue:figure":
            number = self.r.caption_number(d)
            bundle = self.r._value(d.arg)
            spec = chart_spec(bundle) if self.static_charts else None
            if spec is not None:
                body = f'<div class="shockbook-chart static">{static_svg(spec, self.r.known_svgs)}</div>'
            else:
                body = bundle.get("text/html") or f"<pre>{html.escape(glue_text(bundle))}</pre>"
            caption = self._plain(d.body).strip()
            caption = re.sub(r"^<p>(.*)</p>$", r"\1", caption, flags=re.S)
            anchor = f' id="{html.escape(d.options["name"])}"' if d.options.get("name") else ""
            num = f'<span class="caption-number">{number}</span> ' if number else ""
            return f'<figure class="shockbook-figure"{anchor}>{body}<figcaption>{num}{caption}</figcaption></figure>'
        if d.name in ("glue", "glue:any"):
            b = self.r._value(d.arg)
            return b.get("text/html") or f"<p>{html.escape(glue_text(b))}</p>"
        if d.name == "glue:md":
            return self._plain(self.r._value(d.arg.split(":")[0]).get("text/markdown", ""))
        if d.name in ADMONITIONS:
            title = d.arg if (d.name == "admonition" or d.arg) else d.name.capitalize()
            cls = d.options.get("class", "")
            return (f'<aside class="admonition {html.escape(d.name)} {html.escape(cls)}">'
                    f'<p class="admonition-title">{self._inline(title)}</p>{self.markdown(d.body)}</aside>')
        if d.name == "math":
            self.has_math = True
            return f'<div class="math">\\[{html.escape(d.body)}\\]</div>'
        if d.name == "raw":
            return d.body if "html" in d.arg else ""
        if d.name in ("code-block", "code", "code-cell"):
            return f"<pre><code>{html.escape(d.body)}</code></pre>"
        if d.name in ("tableofcontents", "bibliography"):
            return ""
        return f'<div class="directive {html.escape(d.name)}">{self.markdown(d.body)}</div>'

    def _inline(self, text: str) -> str:
        return re.sub(r"^<p>(.*)</p>\s*$", r"\1", self._plain(text).strip(), flags=re.S)

    def code_cell(self, cell) -> str:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            return ""
        parts = []
        if "remove-input" not in tags and cell.source.strip():
            label = ("Parameters of this run" if "injected-parameters" in tags else
                     "The chapter's parameters and their defaults" if "parameters" in tags else "Show code")
            parts.append(f'<details class="code"><summary>{label}</summary>'
                         f"<pre><code>{html.escape(cell.source)}</code></pre></details>")
        if "remove-output" not in tags:
            for o in cell.get("outputs", []):
                parts.append(self.output(o))
        return "\n".join(p for p in parts if p)

    def output(self, o) -> str:
        if "scrapbook" in o.get("metadata", {}) or is_static_copy(o):
            return ""  # glued (or a glued chart's static copy): shown where the prose uses it
        kind = o.get("output_type")
        if kind == "stream":
            return f'<pre class="output stream">{html.escape(o.get("text", ""))}</pre>'
        if kind == "error":
            return f'<pre class="output error">{html.escape(o.get("ename", ""))}: {html.escape(o.get("evalue", ""))}</pre>'
        data = o.get("data", {})
        if "text/html" in data:
            return f'<div class="output">{data["text/html"]}</div>'
        if "image/svg+xml" in data:
            return f'<div class="output">{data["image/svg+xml"]}</div>'
        if "image/png" in data:
            return f'<div class="output"><img alt="" src="data:image/png;base64,{data["image/png"]}"></div>'
        if "text/markdown" in data:
            return f'<div class="output">{self._plain(data["text/markdown"])}</div>'
        if "text/plain" in data:
            return f'<pre class="output">{html.escape(data["text/plain"])}</pre>'
        return ""

    def references(self) -> str:
        if not self.r.cited:
            return ""
        items = []
        for k in self.r.cited:
            e = self.r.book.bib.get(k)
            if not e:
                continue
            bits = [f"{html.escape(e['author'])} ({html.escape(e['year'])}).", f"<em>{html.escape(e['title'])}</em>."]
            bits += [html.escape(x) + "." for x in (e["how"], e["note"]) if x]
            if e["url"]:
                bits.append(f'<a href="{html.escape(e["url"])}">{html.escape(e["url"])}</a>')
            items.append(f"<li>{' '.join(bits)}</li>")
        return f'<section class="references"><h2 id="references">References</h2><ul>{"".join(items)}</ul></section>'


def _vendor_path(name: str, npm_path: str) -> Path | None:
    for base in VENDOR_DIRS:
        for p in (base / name, base / npm_path):
            if p.exists():
                return p
    return None


def _vendor_text(name: str, npm_path: str) -> str:
    p = _vendor_path(name, npm_path)
    if p is None:
        raise RenderError(f"{name} is missing: run `make vendor` (it copies the chart libraries from npm).")
    return p.read_text(encoding="utf-8")


def _script(js: str) -> str:
    return "<script>" + js.replace("</script", "<\\/script") + "</script>"


def manifest_sha256() -> str:
    return hashlib.sha256(paths.MANIFEST.read_bytes()).hexdigest()


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(paths.ROOT), "status", "--porcelain", "--", "shockbook", "chapters"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + (" (with local changes)" if dirty else "") if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def _doc_of(nb_path: Path, nb: nbformat.NotebookNode) -> str:
    """The book's name for the chapter a notebook is a run of: 'chapters/01_shock'."""
    stem = nb_path.stem.split("__", 1)[0].removesuffix(".readable")
    for doc in book().titles:
        if Path(doc).name == stem:
            return doc
    return f"chapters/{stem}"


def _defaults(doc: str) -> dict:
    src = paths.ROOT / f"{doc}.ipynb"
    if not src.exists():
        return {}
    try:
        from shockbook import runner

        return {k: runner._literal(v) for k, v in runner.declared_parameters(src).items()}
    except Exception:  # a banner without defaults is better than no page
        return {}


def page(nb_path: Path, params: dict | None = None, ran_at: dt.datetime | None = None,
         seconds: float | None = None) -> str:
    """The HTML of one executed notebook, self-contained (charts and formulas drawn offline)."""
    nb_path = Path(nb_path)
    nb = nbformat.read(nb_path, as_version=4)
    doc = _doc_of(nb_path, nb)
    r = Resolver(nb, doc, base=nb_path.parent)
    # The vega libraries make the charts interactive; without them (no `make vendor`), static SVGs.
    static = not all(_vendor_path(n, p) for n, p in VEGA_FILES.items())
    w = PageWriter(r, nb_path.parent / "figdata", static_charts=static)
    body = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            body.append(w.markdown(cell.source))
        elif cell.cell_type == "code":
            body.append(w.code_cell(cell))
    body.append(w.references())
    params = params if params is not None else dict(nb.metadata.get("papermill", {}).get("parameters", {}))
    ran_at = ran_at or dt.datetime.fromtimestamp(nb_path.stat().st_mtime, dt.timezone.utc)
    title = book().titles.get(doc, nb_path.stem)
    number = book().numbers.get(doc)
    css = (paths.ROOT / "_static" / "book.css").read_text(encoding="utf-8") if (paths.ROOT / "_static" / "book.css").exists() else ""
    scripts = "".join(_script(_vendor_text(n, p)) for n, p in VEGA_FILES.items()) if not w.static_charts else ""
    if w.has_math and _vendor_path("mathjax/tex-svg.js", MATHJAX_FILE):  # else the TeX stays readable as text
        scripts = (_script("window.MathJax = {tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']]},"
                           " svg: {fontCache: 'global'}, options: {ignoreHtmlClass: 'tex2jax_ignore'},"
                           " loader: {load: []}};")
                   + _script(_vendor_text("mathjax/tex-svg.js", MATHJAX_FILE)) + scripts)
    defaults = _defaults(doc)
    banner = _banner(doc, title, number, params or defaults, defaults, ran_at, seconds, nb_path, rerun=bool(params))
    return PAGE.format(title=html.escape(f"{title} — rerun" if params else title), css=css + PAGE_CSS, scripts=scripts,
                       banner=banner, body="\n".join(b for b in body if b))


def _banner(doc, title, number, params, defaults, ran_at, seconds, nb_path, rerun: bool) -> str:
    rows = []
    for k, v in params.items():
        changed = k in defaults and defaults[k] != v
        shown = ", ".join(map(str, v)) if isinstance(v, list) else str(v)
        default = defaults.get(k)
        default = ", ".join(map(str, default)) if isinstance(default, list) else default
        note = (f'<span class="default">default: {html.escape(str(default))}</span>' if changed and default is not None else "")
        rows.append(f'<tr class="{"changed" if changed else ""}"><th>{html.escape(k)}</th>'
                    f"<td><code>{html.escape(shown)}</code> {note}</td></tr>")
    when = ran_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = f", in {seconds:.0f} s" if seconds else ""
    cmd = "python -m shockbook run " + Path(doc).name[:2] + "".join(
        f" -p {k} {','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in params.items()
        if k not in defaults or defaults[k] != v)
    commit = _git_commit()
    what = f"Chapter {number}" if number else "Appendix"
    return f"""<header class="rerun-banner">
<p class="kicker">The DeepSeek Shock · {what} · {'a rerun with your parameters' if rerun else 'the book’s own parameters'}</p>
<table class="params">{''.join(rows) or '<tr><td>this chapter has no parameters</td></tr>'}</table>
<dl>
<dt>Run</dt><dd>{html.escape(when)}{took} · <code>{html.escape(cmd)}</code></dd>
<dt>Data</dt><dd>data/market/manifest.json sha256 <code>{manifest_sha256()}</code></dd>
{f'<dt>Code</dt><dd>commit <code>{html.escape(commit)}</code></dd>' if commit else ''}
<dt>Notebook</dt><dd><code>{html.escape(nb_path.name)}</code> (a readable copy: <code>{html.escape(nb_path.stem)}.readable.ipynb</code>)</dd>
</dl>
<p class="note">Every number in the text below was computed by this run and written in from the notebook’s
outputs; sentences about the events of January 2025 keep the book’s dates.</p>
</header>"""


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="shockbook.site.render">
<title>{title}</title>
<style>{css}</style>
{scripts}
</head>
<body>
<main class="rerun-page">
{banner}
<article>
{body}
</article>
</main>
</body>
</html>
"""

# The site's own stylesheet (book.css) is inlined above this: these rules stand in for the theme.
PAGE_CSS = """
:root { --text: #222; --muted: #555; --accent: #0a5e8c; --rule: #e3e3e3; }
html { font-size: 16px; }
body { margin: 0; color: var(--text); background: #fff;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; line-height: 1.6; }
main.rerun-page { max-width: 50rem; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1 { font-size: 2.1rem; line-height: 1.2; margin: 1.2rem 0 0.8rem; }
h2 { font-size: 1.5rem; margin: 2.2rem 0 0.6rem; border-bottom: 1px solid var(--rule); padding-bottom: 0.2rem; }
h3 { font-size: 1.2rem; margin: 1.6rem 0 0.4rem; }
a { color: var(--accent); }
code { font-size: 0.88em; background: #f4f5f7; padding: 0.05em 0.3em; border-radius: 0.25em; }
pre { background: #f6f8fa; padding: 0.7rem 0.9rem; overflow-x: auto; font-size: 0.82rem; line-height: 1.45; border-radius: 0.3rem; }
pre code { background: none; padding: 0; }
.glued { font-variant-numeric: tabular-nums; }
.rerun-banner { border: 1px solid #bcd6e6; background: #f2f8fc; border-radius: 0.5rem; padding: 0.8rem 1.1rem; font-size: 0.9rem; }
.rerun-banner .kicker { margin: 0 0 0.4rem; font-weight: 600; color: var(--accent); }
.rerun-banner table.params { border-collapse: collapse; margin: 0.2rem 0 0.5rem; }
.rerun-banner table.params th { text-align: left; font-weight: 600; padding: 0.1rem 1rem 0.1rem 0; vertical-align: top; white-space: nowrap; }
.rerun-banner table.params td { padding: 0.1rem 0; word-break: break-word; }
.rerun-banner tr.changed th::after { content: " ●"; color: #D55E00; }
.rerun-banner .default { color: var(--muted); font-size: 0.9em; }
.rerun-banner dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0.3rem 0; }
.rerun-banner dt { font-weight: 600; } .rerun-banner dd { margin: 0; overflow-wrap: anywhere; }
.rerun-banner .note { margin: 0.4rem 0 0; color: var(--muted); }
figure.shockbook-figure { margin: 1.5rem 0; }
figure.shockbook-figure figcaption { font-size: 0.9rem; color: #333; margin-top: 0.3rem; }
.caption-number { font-weight: 700; }
details.code { margin: 0.6rem 0; font-size: 0.85rem; }
details.code summary { cursor: pointer; color: var(--muted); }
div.output { margin: 0.6rem 0; overflow-x: auto; }
aside.admonition { border-left: 4px solid var(--accent); background: #f7f9fb; padding: 0.3rem 1rem; margin: 1rem 0; }
aside.admonition .admonition-title { font-weight: 700; margin: 0.4rem 0; }
div.math { overflow-x: auto; margin: 0.8rem 0; }
section.references li { margin-bottom: 0.4rem; font-size: 0.92rem; }
@media print { .rerun-banner { break-inside: avoid; } details.code { display: none; } }
"""


# --------------------------------------------------------------------------- files


def write_readable(nb_path: Path, out: Path) -> Path:
    nb = nbformat.read(nb_path, as_version=4)
    readable = readable_notebook(nb, _doc_of(nb_path, nb))
    atomic_write(out, (nbformat.writes(readable) + "\n").encode())
    return out


def publish_run(nb_path: Path, params: dict | None = None, seconds: float | None = None,
                out_dir: Path | None = None) -> tuple[Path, Path]:
    """Beside an executed run ``X.ipynb`` (or in ``out_dir``): ``X.html``, the page, and ``X.readable.ipynb``."""
    nb_path = Path(nb_path)
    where = Path(out_dir) if out_dir else nb_path.parent
    html_path = where / f"{nb_path.stem}.html"
    readable = where / f"{nb_path.stem}.readable.ipynb"
    atomic_write(html_path, page(nb_path, params, dt.datetime.now(dt.timezone.utc), seconds).encode("utf-8"))
    write_readable(nb_path, readable)
    return html_path, readable


def open_target(path: Path) -> Path:
    """The page for ``path``: a page as is; an executed notebook's page, made (into runs/ for the book's
    own chapters, which stay untouched) unless it is newer than the notebook."""
    path = Path(path)
    if not path.exists():
        raise RenderError(f"{path} does not exist; run a chapter first (python -m shockbook run 01 -p …).")
    if path.suffix == ".html":
        return path
    if path.suffix != ".ipynb" or path.name.endswith(".readable.ipynb"):
        raise RenderError(f"{path} is not an executed chapter notebook (.ipynb) or a page (.html).")
    out_dir = paths.RUNS_DIR if path.resolve().parent == paths.CHAPTERS_DIR.resolve() else path.parent
    page_path = out_dir / f"{path.stem}.html"
    if not page_path.exists() or page_path.stat().st_mtime < path.stat().st_mtime:
        page_path, _ = publish_run(path, out_dir=out_dir)
    return page_path


if __name__ == "__main__":  # python -m shockbook.site.render RUN.ipynb  -> the page and the readable copy
    import sys

    for arg in sys.argv[1:]:
        for p in publish_run(Path(arg)):
            print(p)
