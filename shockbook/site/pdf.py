"""The PDF edition: the built site printed by the local Chromium (``make pdf``).

``jupyter-book --builder pdfhtml`` wants to download a browser, and LaTeX drops the interactive
charts and the HTML tables; the Chromium that tests the site prints it well, charts as vectors.

The book's pages (in the order of ``_toc.yml``) are joined into one print document, served beside
the site so that its styles, scripts and figures load from the site itself, and printed with page
numbers in the footer. Printing happens twice: the first print tells on which page each chapter
starts (the PDF's named destinations, read with pypdf), the second prints the contents page with those numbers.
A cover, printed on its own, is put in front with pypdf, which also adds a bookmark per chapter.

The Chinese edition (``zh/`` of the site) is printed the same way, with its own cover and contents,
into ``_build/pdf/book-zh.pdf`` and offered by the Chinese pages as ``zh/book.pdf``.

    python -m shockbook.site.pdf [--html _build/html] [--out _build/pdf/book.pdf] [--edition en|zh|all]
"""
from __future__ import annotations

import argparse
import functools
import html
import http.server
import io
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shockbook import paths

HTML = paths.ROOT / "_build" / "html"
OUT = paths.ROOT / "_build" / "pdf" / "book.pdf"
SITE_COPY = "book.pdf"  # where the site offers it (linked from every page's footer)
PRINT_URL, COVER_URL = "__print__.html", "__cover__.html"  # served from memory, never written into the site
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#444;'
          'font-family:sans-serif"><span class="pageNumber"></span></div>')
MARGINS = {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}


@dataclass(frozen=True)
class Edition:
    """What differs between the printed editions: where the edition is in the site, and its words."""

    folder: str          # the edition's folder in the built site and in the repository ("" for the English)
    lang: str            # the print document's language (it picks the CJK glyphs)
    out: Path            # the printed book
    site_copy: str       # where the site offers it, from the site's root
    contents: str        # the contents page's heading
    about: str           # the cover's lines
    printed: str         # ... and the line naming the commit ({commit}), or without one
    printed_undated: str
    licence: str


ENGLISH = Edition(
    "", "en", OUT, SITE_COPY, "Contents",
    "A reproducible research book: every number, chart and table is computed from the data that ship with it.",
    "Printed from the book's site, built from commit {commit}. The interactive edition, the notebooks and the data "
    "are in the book's repository.",
    "Printed from the book's site. The interactive edition, the notebooks and the data are in the book's repository.",
    "Code: MIT licence. Text: Creative Commons Attribution 4.0 (CC BY 4.0).")
CHINESE = Edition(
    "zh", "zh-CN", OUT.with_name("book-zh.pdf"), "zh/book.pdf", "目录",
    "一本可重现的研究著作：书中的每一个数字、每一张图和每一张表，都由随书附带的数据计算得出。"
    "中文版与英文版出自同一次运行。",
    "印自本书网站，网站构建自提交 {commit}。交互版、笔记本和数据都在本书的代码仓库中。",
    "印自本书网站。交互版、笔记本和数据都在本书的代码仓库中。",
    "代码：MIT 许可证。文字：知识共享署名 4.0（CC BY 4.0）。")
EDITIONS = {"en": ENGLISH, "zh": CHINESE}

# Styles of the print document only (the site's own print stylesheet, in _static/book.css, applies too).
PRINT_CSS = """
@page { size: A4; }
body.shockbook-print { background: #fff; margin: 0; }
.shockbook-print .print-part { break-before: page; }
.shockbook-print .print-contents h1, .shockbook-print .print-part h1 { font-size: 1.9rem; margin-top: 0; }
.shockbook-print .print-contents ol { list-style: none; padding: 0; font-size: 1.05rem; }
.shockbook-print .print-contents li { display: flex; gap: 0.5em; margin: 0.45em 0; }
.shockbook-print .print-contents .leader { flex: 1; border-bottom: 1px dotted #888; margin-bottom: 0.3em; }
.shockbook-print .shockbook-rerun, .shockbook-print .cell_input, .shockbook-print details.above-input,
.shockbook-print .headerlink, .shockbook-print .vega-embed details, .shockbook-print .vega-bindings,
.shockbook-print .toggle-details, .shockbook-print button { display: none !important; }
.shockbook-print .shockbook-chart svg.marks { max-width: 100%; height: auto; }
.shockbook-print figure:not(.shockbook-table-figure) { break-inside: avoid; }
"""


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def toc_pages(root: Path = paths.ROOT) -> list[str]:
    """The book's pages in reading order, as paths of built HTML files ("chapters/01_shock.html")."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [f"{Path(f).with_suffix('').as_posix()}.html" for f in files]


_ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*)</article>', re.S)
_HEAD = re.compile(r"<head>(.*?)</head>", re.S)
_URL = re.compile(r'(\s(?:src|href)=")([^"#][^"]*)(")')
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def page_title(article: str) -> str:
    """The text of a page's first heading, with its section number ("3. The skeptics")."""
    heading = _H1.search(article)
    text = re.sub(r"<[^>]+>", "", heading.group(1)) if heading else ""
    return " ".join(html.unescape(text).replace("#", "").split())


def anchor_of(page: str) -> str:
    return "page-" + re.sub(r"[^a-z0-9]+", "-", page.removesuffix(".html").lower())


def rebase(fragment: str, page: str, pages: list[str]) -> str:
    """URLs of a page's HTML made to work from the print document at the site's root.

    Links to another page of the book become links inside the document; everything else
    (styles, images, downloads) is resolved against the page's own folder.
    """
    folder = posixpath.dirname(page)

    def fix(m: re.Match) -> str:
        url = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^/", url):  # absolute, or another scheme (https:, mailto:, data:)
            return m.group(0)
        target, _, frag = url.partition("#")
        resolved = posixpath.normpath(posixpath.join(folder, target)) if target else page
        if resolved in pages:
            return f"{m.group(1)}#{frag or anchor_of(resolved)}{m.group(3)}"
        return f"{m.group(1)}{resolved}{'#' + frag if frag else ''}{m.group(3)}"

    return _URL.sub(fix, fragment)


def print_document(site: Path, pages: list[str], numbers: dict[str, str] | None = None,
                   edition: Edition = ENGLISH) -> tuple[str, list[str]]:
    """The whole book as one HTML document: a contents page, then each page of the book.

    ``numbers`` gives each page's first page number for the contents ("…" in the first pass).
    Returns the document and the titles of the pages.
    """
    head = _HEAD.search((site / pages[0]).read_text(encoding="utf-8")).group(1)
    parts, titles = [], []
    for page in pages:
        text = (site / page).read_text(encoding="utf-8")
        article = _ARTICLE.search(text)
        if not article:
            raise SystemExit(f"{page}: no article in the built page; rebuild the site (make site)")
        titles.append(page_title(article.group(1)))
        parts.append(f'<section class="print-part" id="{anchor_of(page)}">{rebase(article.group(1), page, pages)}</section>')
    rows = "".join(
        f'<li><a href="#{anchor_of(p)}">{html.escape(t)}</a><span class="leader"></span>'
        f'<span class="page">{html.escape((numbers or {}).get(p, "…"))}</span></li>'
        for p, t in zip(pages, titles))
    contents = f'<section class="print-contents"><h1>{html.escape(edition.contents)}</h1><ol>{rows}</ol></section>'
    doc = (f'<!DOCTYPE html><html lang="{edition.lang}"><head>{head}<style>{PRINT_CSS}</style></head>'
           f'<body class="shockbook-print">{contents}{"".join(parts)}</body></html>')
    return doc, titles


def cover_document(site: Path, pages: list[str], title: str, commit: str | None, edition: Edition = ENGLISH) -> str:
    head = _HEAD.search((site / pages[0]).read_text(encoding="utf-8")).group(1)
    made = edition.printed.format(commit=commit) if commit else edition.printed_undated
    return (
        f'<!DOCTYPE html><html lang="{edition.lang}"><head>{head}<style>{PRINT_CSS}'
        ".cover { height: 250mm; display: flex; flex-direction: column; justify-content: center; }"
        ".cover h1 { font-size: 3rem; margin: 0 0 0.4em; } .cover p { font-size: 1.1rem; color: #333; }"
        '</style></head><body class="shockbook-print"><section class="cover">'
        f"<h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(edition.about)}</p><p>{html.escape(made)}</p><p>{html.escape(edition.licence)}</p>"
        "</section></body></html>")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path):
    """The built site over HTTP on a free local port (vega and MathJax load their files with fetch)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def wait_until_drawn(tab) -> None:
    """Every chart drew its SVG, every formula was typeset, every font loaded."""
    tab.wait_for_function(
        "[...document.querySelectorAll('div.shockbook-chart')].every(d => d.querySelector('svg g[class*=\"mark-\"]'))",
        timeout=60000)
    maths = tab.locator("div.math, span.math").count()
    if maths:
        tab.wait_for_function("n => document.querySelectorAll('mjx-container').length >= n", arg=maths, timeout=60000)
    tab.evaluate("document.fonts.ready.then(() => true)")


def print_pdf(browser, base: str, name: str, doc: str, footer: bool) -> bytes:
    context = browser.new_context()
    context.route(f"{base}/{name}", lambda route: route.fulfill(body=doc, content_type="text/html; charset=utf-8"))
    tab = context.new_page()
    tab.emulate_media(media="print")
    tab.goto(f"{base}/{name}", wait_until="load")
    wait_until_drawn(tab)
    data = tab.pdf(format="A4", print_background=True, margin=MARGINS, display_header_footer=footer,
                   header_template="<div></div>", footer_template=FOOTER if footer else "<div></div>")
    context.close()
    return data


def start_pages(pdf: bytes, pages: list[str]) -> list[int]:
    """The 0-based page on which each of the book's pages starts in a printed PDF.

    Chromium turns every linked anchor into a named destination; the contents page links each
    part's anchor, so the PDF itself says where each part begins (no guessing from extracted text).
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    dests = {name.lstrip("/"): reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    missing = [p for p in pages if anchor_of(p) not in dests]
    if missing:
        raise SystemExit(f"the printed book has no destination for {missing}: were they printed?")
    return [dests[anchor_of(p)] for p in pages]


_TO_RADICAL = re.compile(r"(<[0-9A-Fa-f]+>\s*<)(2[EeFf][0-9A-Fa-f]{2})(>)")
# Radicals of the CJK Radicals Supplement that Unicode gives no compatibility decomposition, and the
# simplified ideograph each stands for (Unicode's EquivalentUnifiedIdeograph.txt); the Kangxi radicals
# (U+2F00-2FD5) decompose by NFKC.
_RADICAL_IDEOGRAPHS = dict(zip(
    "⺠⻄⻅⻆⻉⻊⻋⻓⻔⻘⻚⻛⻜⻝⻢⻣⻤⻥⻦⻨⻩⻪⻬⻮⻰", "民西见角贝足车长门青页风飞食马骨鬼鱼鸟麦黄黾齐齿龙"))


def _fonts_of(resources, seen: set[int]):
    """The fonts of a page's resources and of the forms (charts) drawn on it, each once."""
    resources = resources.get_object() if resources is not None else {}
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            yield font
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
            seen.add(id(xobject))
            yield from _fonts_of(xobject.get("/Resources"), seen)


def ideographs_not_radicals(writer) -> int:
    """Text copied or searched in the PDF reads 文, not the Kangxi radical ⽂ that shares its glyph.

    Chromium writes each glyph's character (the font's ToUnicode map) as the first code point the font
    maps to that glyph, and Noto Sans CJK maps a radical (U+2F42 ⽂) and its ideograph (U+6587 文) to
    one glyph: the page looks right, but its text is the radical. Each radical in the maps is written
    as the ideograph it stands for (Unicode's compatibility decomposition). Returns the maps changed."""
    import unicodedata

    changed, seen = 0, set()

    def ideograph(m: re.Match) -> str:
        char = chr(int(m.group(2), 16))
        plain = _RADICAL_IDEOGRAPHS.get(char) or unicodedata.normalize("NFKC", char)
        return m.group(1) + (f"{ord(plain):04X}" if len(plain) == 1 and plain != char else m.group(2)) + m.group(3)

    for page in writer.pages:
        for font in _fonts_of(page.get("/Resources"), seen):
            cmap = font.get("/ToUnicode")
            if cmap is None:
                continue
            stream = cmap.get_object()
            if id(stream) in seen:
                continue
            seen.add(id(stream))
            text = stream.get_data().decode("latin-1")
            fixed = _TO_RADICAL.sub(ideograph, text)
            if fixed != text:
                stream.set_data(fixed.encode("latin-1"))
                changed += 1
    return changed


def finish(writer, title: str, edition: Edition) -> None:
    """What the printed book gets after Chromium: text maps that read ideographs, its title and
    author, and its language in the catalog (/Lang: en, zh-CN), which screen readers and text
    extraction use to read it in the right language (PDF/UA asks for it; Chromium writes none)."""
    from pypdf.generic import NameObject, TextStringObject

    ideographs_not_radicals(writer)
    writer.add_metadata({"/Title": title, "/Author": "The DeepSeek Shock authors"})
    writer.root_object[NameObject("/Lang")] = TextStringObject(edition.lang)


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.strip()
        return out or None
    except (OSError, subprocess.CalledProcessError):
        return None


def build(site: Path = HTML, out: Path | None = None, root: Path = paths.ROOT, publish: bool = True,
          edition: Edition = ENGLISH) -> dict:
    """Print the book, one edition of it (and, if ``publish``, copy it into the site); returns its
    page count, size in bytes and seconds taken. The whole site is served (the Chinese pages load
    the English site's scripts) and the print document is served from the edition's own folder, so
    that the pages' relative links work in it unchanged; its pages are those of its ``_toc.yml``."""
    out = out or edition.out
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium): no PDF edition")
    folder = posixpath.join(edition.folder, "") if edition.folder else ""
    pages_dir = site / edition.folder
    if not (pages_dir / "index.html").exists():
        raise SystemExit(f"the site is not built ({pages_dir}): run `make site` first")
    t0 = time.perf_counter()
    pages = toc_pages(root / edition.folder)
    import yaml

    title = yaml.safe_load((root / edition.folder / "_config.yml").read_text(encoding="utf-8")).get("title", "The book")
    with serve(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            doc, titles = print_document(pages_dir, pages, edition=edition)
            first = print_pdf(browser, base, folder + PRINT_URL, doc, footer=True)
            starts = start_pages(first, pages)
            numbers = {page: str(i + 1) for page, i in zip(pages, starts)}
            doc, _ = print_document(pages_dir, pages, numbers, edition=edition)
            body = print_pdf(browser, base, folder + PRINT_URL, doc, footer=True)
            # The contents page is the same length with numbers as without: the chapters did not move.
            if start_pages(body, pages) != starts:
                raise SystemExit("the chapters moved between the two prints: the contents would be wrong")
            cover = print_pdf(browser, base, folder + COVER_URL,
                              cover_document(pages_dir, pages, title, git_commit(root), edition), footer=False)
        finally:
            browser.close()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    offset = len(writer.pages)
    writer.append(PdfReader(io.BytesIO(body)))
    for page_title_, start in zip(titles, starts):
        writer.add_outline_item(title=page_title_, page_number=offset + start)
    finish(writer, title, edition)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:
        writer.write(fh)
    if publish:
        shutil.copyfile(out, site / edition.site_copy)
    return {"pages": len(writer.pages), "bytes": out.stat().st_size, "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shockbook.site.pdf", description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=HTML, help="the built site (default _build/html)")
    parser.add_argument("--out", type=Path, help="the PDF to write (default _build/pdf/book.pdf, book-zh.pdf)")
    parser.add_argument("--edition", choices=[*EDITIONS, "all"], default="all",
                        help="the English book, the Chinese edition or both (default)")
    args = parser.parse_args(argv)
    chosen = list(EDITIONS.values()) if args.edition == "all" else [EDITIONS[args.edition]]
    if args.out and len(chosen) > 1:
        parser.error("--out names one PDF: choose one --edition")
    for edition in chosen:
        out = args.out or edition.out
        result = build(args.html, out, edition=edition)
        print(f"The PDF edition ({edition.lang}): {out} ({result['pages']} pages, {result['bytes'] / 1e6:.1f} MB, "
              f"{result['seconds']:.0f} s); also {args.html / edition.site_copy}", file=sys.stderr)


if __name__ == "__main__":
    main()
