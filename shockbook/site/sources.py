"""The Sources page: one row per fact with an anchor, its source kind and a working link.

``python -m shockbook.site.sources`` writes ``chapters/sources.md`` from ``data/facts/`` (facts.csv
and sources.csv); ``tests/test_sources.py`` fails when the committed page is stale. Chapters cite a
fact with :func:`shockbook.data.facts.marker` (a superscript link to the fact's row here), glued
for ``{glue:md}`` as a section's ``Cite`` (:mod:`shockbook.site.section`).

Every figure on this page is computed from the two tables when it is written; nothing is typed.
"""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from shockbook import paths
from shockbook.data import facts as F

PAGE = paths.ROOT / "chapters" / "sources.md"
DOWNLOADS = ("facts.csv", "sources.csv", "additions.csv", "epoch_models.csv")
_KIND_WORDS = {
    "primary": "primary (a filing, paper, official page or the publisher's own release)",
    "press": "reputable press (a news outlet's or trade publication's own report)",
    "aggregator": "aggregator (a site that compiles or rewrites others' reports)",
    "mirror": "mirror (a copy of someone else's text on another site)",
    "derived": "derived (computed by the book from other rows)",
}


def md_text(text: str) -> str:
    """Text safe inside a MyST table cell: no pipes, markup, math or stray HTML."""
    s = html.escape(str(text), quote=False)
    s = re.sub(r"([\\`*_\[\]$|~#])", r"\\\1", s)
    return s.replace("\n", " ")


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>'


class _English:
    """The page's words as they are (the English book)."""

    def text(self, s: str) -> str:
        return s

    def name(self, s: str) -> str:
        return s

    def date(self, s: str) -> str:
        return s

    def sentences(self, parts: list[str]) -> str:
        return " ".join(parts)


class _Chinese:
    """The page's words for the Chinese edition: texts from the edition's catalogue (strings.csv,
    patterns.csv, in the context ``sources`` so that single words there do not change the chapters),
    names (outlets) from the catalogue or kept as they are, ISO dates written 2025年1月27日."""

    def __init__(self, tr):
        self.tr = tr

    def text(self, s: str) -> str:
        context, self.tr.context = self.tr.context, "sources"
        try:
            return self.tr.text(s)
        finally:
            self.tr.context = context

    def name(self, s: str) -> str:
        return self.tr.name(s)

    def date(self, s: str) -> str:
        from shockbook.site.edition import zh_iso_dates

        return zh_iso_dates(s)

    def sentences(self, parts: list[str]) -> str:
        return "".join(self.text(p) for p in parts)


def link_cell(row, words=None) -> str:
    """The link column: the best source, the stored copy it replaced, or the input rows of a derived fact."""
    w = words or _English()
    zh = isinstance(w, _Chinese)
    if row["kind"] == "derived":
        inputs = [i for i in re.findall(r"\b(?:SHK|CST|SKP|RSP|GEO)-(?:\d{2}|B\d{2})\b", row["title"])
                  if i != row["id"]]
        markers = " ".join(F.marker(i) for i in inputs)
        return f"由 {markers} 推算" if zh else "from " + markers
    if not row["url"]:
        return w.text("no address (see note)")
    # short labels keep the column narrow; the address shows on hover and in sources.csv
    cell = _link(row["url"], w.text("source"))
    if row["upgrade_note"]:
        stored = re.search(r"(https?://\S+)$", row["upgrade_note"])
        where = (_link(stored.group(1), w.text(f"stored {row['stored_kind']}")) if stored
                 else w.text("no stored address"))
        cell += f"（原为：{where}）" if zh else f" (was: {where})"
    return cell


def value_cell(value: str, unit: str, words=None) -> str:
    """A fact's value and unit; in Chinese a date value is written 2025年1月27日 and its unit,
    when it only says that the value is a date, is dropped (a bare date reads as one)."""
    w = words or _English()
    if isinstance(w, _English):
        return f"{value} {unit}".strip()
    from shockbook.site.edition import yi_value

    known = w.tr.value(value)
    value = w.date(known if known is not None else value)
    if unit == "date" or not unit:
        return value
    unit = w.text(unit)
    in_yi = yi_value(value, unit)  # billions in 亿, the English figure kept: 5,930亿美元（$593 bn）
    if in_yi is not None:
        return in_yi
    return value + ("" if unit[:1] in "（(" else " ") + unit


def page_markdown(facts_dir: Path | None = None, lang: str = "en", tr=None, data_prefix: str = "../") -> str:
    """The Sources page as MyST markdown. ``lang="zh"``: the Chinese edition's page, from the same
    tables, its words translated by ``tr`` (an :class:`shockbook.site.edition.Translator`, which
    remembers what it could not translate); ``data_prefix`` is the way from the page to the book's
    ``data/`` folder."""
    if lang not in ("en", "zh"):
        raise ValueError(f"page_markdown: no Sources page in {lang!r} (en, zh)")
    if lang == "zh" and tr is None:
        from shockbook.site import edition

        tr = edition.Translator(edition.read_catalogue(), patterns=edition.read_patterns())
    w = _Chinese(tr) if lang == "zh" else _English()
    zh = lang == "zh"
    facts = F.load_facts(facts_dir).set_index("id", drop=False)
    src = F.load_sources(facts_dir)
    before = F.kind_counts(facts_dir, "stored_kind")
    after = F.kind_counts(facts_dir, "kind")
    upgraded = int((src["upgrade_note"] != "").sum())
    colon, stop = ("：", "。") if zh else (": ", ".")
    lines = [
        "# " + w.text("Sources"),
        "",
        w.sentences([f"Every fact the book uses, one row each ({len(src)} facts).",
                     "The id in a chapter's superscript links to its row here; the row links to the source.",
                     "*Status* is the book's call on what the value is (fact, estimate, claim, disputed); "
                     "*reliability* is the label given when the fact was gathered."]),
        "",
        w.text("The tables behind this page can be downloaded") + colon
        + ("、" if zh else ", ").join(f"{{download}}`{name} <{data_prefix}data/facts/{name}>`" for name in DOWNLOADS)
        + stop + ("" if zh else " ") + w.text("`sources.csv` gives each fact's source kind with a reason."),
        "",
        "## " + w.text("Source kinds"),
        "",
        w.sentences(["The facts were first read from stored copies of pages, many of them copies or rewrites.",
                     f"Where the original or a better source was found, the row links to it ({upgraded} rows); "
                     "the stored copy is still named.",
                     "An aggregator is kept only where nothing better was found, and is labelled."]),
        "",
        "| " + " | ".join(w.text(h) for h in ("kind", "as first stored", "now linked")) + " |",
        "| --- | ---: | ---: |",
    ]
    for k in F.SOURCE_KINDS:
        lines.append(f"| {md_text(w.text(_KIND_WORDS[k]))} | {before[k]} | {after[k]} |")
    no_url = src.attrs["no_url"]
    if no_url:
        markers = ", ".join(F.marker(i) for i in no_url)
        lines += ["", (f"完全没有地址的事实：{markers}（facts.csv 中的说明给出了原因）。" if zh else
                       "Facts with no address at all: " + markers + " (the note in facts.csv says why).")]
    lines += ["", "## " + w.text("All facts"), "",
              "| " + " | ".join(w.text(h) for h in ("fact", "value", "status (reliability)",
                                                    "source: kind, outlet, date", "link")) + " |",
              "| --- | --- | --- | --- | --- |"]
    for row in src.to_dict("records"):
        f = facts.loc[row["id"]]
        if zh:
            date = w.date(row["published"]) if row["published"] else w.date(f["as_of"]) + "（事实日期）"
            status = f"{w.text(f['status'])}（{w.text(f['reliability'])}）"
            source = f"**{md_text(w.text(row['kind']))}**：" + md_text(f"{w.name(row['outlet'])}，{date}")
        else:
            date = row["published"] or f"{f['as_of']} (date of the fact)"
            status = f"{f['status']} ({f['reliability']})"
            source = f"**{md_text(row['kind'])}**: " + md_text(f"{row['outlet']}, {date}")
        lines.append("| " + " | ".join([
            f'<span id="{F.anchor(row["id"])}" style="white-space:nowrap">{row["id"]}</span>',
            md_text(value_cell(f["value"], f["unit"], w)), md_text(status), source, link_cell(row, w),
        ]) + " |")
    return "\n".join(lines) + "\n"


def write_page(path: Path = PAGE, facts_dir: Path | None = None) -> Path:
    path.write_text(page_markdown(facts_dir), encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m shockbook.site.sources
    out = write_page()
    print(f"wrote {out.relative_to(paths.ROOT)}", file=sys.stderr)
