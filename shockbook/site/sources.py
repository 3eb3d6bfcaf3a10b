"""The Sources page: one row per fact with an anchor, its source kind and a working link.

``python -m shockbook.site.sources`` writes ``chapters/sources.md`` from ``data/facts/`` (facts.csv
and sources.csv); ``tests/test_sources.py`` fails when the committed page is stale. Chapters cite a
fact with :func:`shockbook.data.facts.marker` (a superscript link to the fact's row here), glued
for ``{glue:md}`` by :func:`glue_marker`.

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


def glue_marker(name: str, f) -> None:
    """Glue a fact's citation marker as markdown, for ``{glue:md}`name``` in a chapter's prose."""
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(F.marker(f)), display=False)


def md_text(text: str) -> str:
    """Text safe inside a MyST table cell: no pipes, markup, math or stray HTML."""
    s = html.escape(str(text), quote=False)
    s = re.sub(r"([\\`*_\[\]$|~#])", r"\\\1", s)
    return s.replace("\n", " ")


def _link(url: str, label: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(label, quote=False)}</a>'


def link_cell(row) -> str:
    """The link column: the best source, the stored copy it replaced, or the input rows of a derived fact."""
    if row["kind"] == "derived":
        inputs = [i for i in re.findall(r"\b(?:SHK|CST|SKP|RSP|GEO)-(?:\d{2}|B\d{2})\b", row["title"])
                  if i != row["id"]]
        return "from " + " ".join(F.marker(i) for i in inputs)
    if not row["url"]:
        return "no address (see note)"
    # short labels keep the column narrow; the address shows on hover and in sources.csv
    cell = _link(row["url"], "source")
    if row["upgrade_note"]:
        stored = re.search(r"(https?://\S+)$", row["upgrade_note"])
        where = _link(stored.group(1), f"stored {row['stored_kind']}") if stored else f"no stored address"
        cell += f" (was: {where})"
    return cell


def page_markdown(facts_dir: Path | None = None) -> str:
    facts = F.load_facts(facts_dir).set_index("id", drop=False)
    src = F.load_sources(facts_dir)
    before = F.kind_counts(facts_dir, "stored_kind")
    after = F.kind_counts(facts_dir, "kind")
    upgraded = int((src["upgrade_note"] != "").sum())
    lines = [
        "# Sources",
        "",
        f"Every fact the book uses, one row each ({len(src)} facts). The id in a chapter's superscript "
        "links to its row here; the row links to the source. *Status* is the book's call on what the value "
        "is (fact, estimate, claim, disputed); *reliability* is the label given when the fact was gathered.",
        "",
        "The tables behind this page can be downloaded: "
        + ", ".join(f"{{download}}`{name} <../data/facts/{name}>`" for name in DOWNLOADS)
        + ". `sources.csv` gives each fact's source kind with a reason.",
        "",
        "## Source kinds",
        "",
        f"The facts were first read from stored copies of pages, many of them copies or rewrites. Where the "
        f"original or a better source was found, the row links to it ({upgraded} rows); the stored copy is "
        "still named. An aggregator is kept only where nothing better was found, and is labelled.",
        "",
        "| kind | as first stored | now linked |",
        "| --- | ---: | ---: |",
    ]
    for k in F.SOURCE_KINDS:
        lines.append(f"| {md_text(_KIND_WORDS[k])} | {before[k]} | {after[k]} |")
    no_url = src.attrs["no_url"]
    if no_url:
        lines += ["", "Facts with no address at all: " + ", ".join(F.marker(i) for i in no_url)
                  + " (the note in facts.csv says why)."]
    lines += ["", "## All facts", "",
              "| fact | value | status (reliability) | source: kind, outlet, date | link |",
              "| --- | --- | --- | --- | --- |"]
    for row in src.to_dict("records"):
        f = facts.loc[row["id"]]
        date = row["published"] or f"{f['as_of']} (date of the fact)"
        value = f"{f['value']} {f['unit']}".strip()
        lines.append("| " + " | ".join([
            f'<span id="{F.anchor(row["id"])}" style="white-space:nowrap">{row["id"]}</span>',
            md_text(value), md_text(f"{f['status']} ({f['reliability']})"),
            f"**{md_text(row['kind'])}**: " + md_text(f"{row['outlet']}, {date}"),
            link_cell(row),
        ]) + " |")
    return "\n".join(lines) + "\n"


def write_page(path: Path = PAGE, facts_dir: Path | None = None) -> Path:
    path.write_text(page_markdown(facts_dir), encoding="utf-8")
    return path


if __name__ == "__main__":  # python -m shockbook.site.sources
    out = write_page()
    print(f"wrote {out.relative_to(paths.ROOT)}", file=sys.stderr)
