"""A second edition of the book from the same execution: the Chinese edition (简体中文).

Nothing is executed again. Each executed English chapter is copied, its prose replaced by the
translated passages kept in ``translations/zh/<chapter>.md`` and its outputs translated in place:

- **Prose.** A passage file holds one passage per markdown cell of the English notebook, headed
  ``<!-- passage K en:HASH -->``, where HASH is the sha256 (first 12 hex digits) of the English
  cell it translates. When the English cell changes, its hash no longer matches and the passage is
  *stale*: the edition still uses it, and ``python -m shockbook.site.edition check`` lists every
  stale or missing passage, with the English that changed, for the translator.
- **Numbers.** Glue roles in a passage name the same keys as the English (``{glue:text}`nvda_drop:.2f```),
  so both editions show the same computed values. A key with the suffix ``__yi`` shows a value in
  billions as 亿 (×10) and ``__wanyi`` as 万亿 (÷1000), and ``__wan`` a value in millions as 万 (×100):
  derived here from the same glued number.
- **Outputs.** Glued texts (dates, words the data chose, names), chart specs (titles, axes, legends,
  tooltips and the category labels in their data) and table cells are translated from the phrase
  catalogue ``translations/zh/strings.csv``; dates are written 2025年1月27日. Untranslated strings
  are listed by ``check``.

For the translator (after the English changed):

1. ``python -m shockbook.site.edition check`` lists stale and missing passages and untranslated
   output strings;
2. ``python -m shockbook.site.edition skeleton 01_shock`` rewrites that chapter's passage file with
   every passage in place: missing ones get their header and the English as a comment; stale ones
   keep their Chinese, with the English as it now reads in a comment and the new hash to copy into
   the header once the Chinese is updated;
3. output strings go into ``strings.csv`` (``en,zh``; ``CONTEXT::en`` for one glued output only) or,
   for strings made from a template, ``patterns.csv``; terms follow ``glossary.csv``;
4. ``tests/test_edition.py`` checks values, glossary, twins and, on the built site, English left over.

The edition is built as a second Jupyter Book under ``zh/`` (its own ``_config.yml`` and
``_toc.yml``) into ``_build/html/zh``.
"""
from __future__ import annotations

import copy
import csv
import hashlib
import html as html_lib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shockbook import paths

LANG = "zh"
TRANSLATIONS = paths.ROOT / "translations" / LANG
EDITION_DIR = paths.ROOT / LANG
CATALOGUE = TRANSLATIONS / "strings.csv"
PATTERNS = TRANSLATIONS / "patterns.csv"
GLOSSARY = TRANSLATIONS / "glossary.csv"
GLUE_PREFIX = "application/papermill.record/"

_PASSAGE = re.compile(r"^<!-- passage (\d+) en:([0-9a-f]{12}) -->\s*$", re.M)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_MONTH = "|".join(_MONTHS)
_DATE_DMY = re.compile(rf"\b(\d{{1,2}}) ({_MONTH}) (\d{{4}})\b")
_DATE_DM = re.compile(rf"\b(\d{{1,2}}) ({_MONTH})\b")
_DATE_MY = re.compile(rf"\b({_MONTH}) (\d{{4}})\b")
_DERIVED = re.compile(r"\{glue:text\}`(\w+?)__(yi|wanyi|wan)(?::([^`]*))?`")
# billions -> 亿 (x10) and 万亿 (/1000); millions -> 万 (x100)
_DERIVED_FACTOR = {"yi": 10.0, "wanyi": 1e-3, "wan": 100.0}


def cell_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- catalogue


def read_catalogue(path: Path = CATALOGUE) -> dict[str, str]:
    """English phrase -> Chinese phrase."""
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {row["en"]: row["zh"] for row in csv.DictReader(fh) if row.get("zh")}


_ABBR = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_DATE_ABBR = re.compile(rf"\b(\d{{1,2}}) ({_ABBR})(?: (\d{{4}}))?\b")


def zh_date(text: str) -> str:
    """English dates in a text written the Chinese way: '27 January 2025' -> '2025年1月27日'
    (also '01 Feb 2025' and '27 Jan', the charts' short forms)."""
    month = {m: i + 1 for i, m in enumerate(_MONTHS)}
    abbr = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)}
    text = _DATE_ABBR.sub(lambda m: (f"{m[3]}年" if m[3] else "") + f"{abbr[m[2]]}月{int(m[1])}日", text)
    text = _DATE_DMY.sub(lambda m: f"{m[3]}年{month[m[2]]}月{int(m[1])}日", text)
    text = _DATE_MY.sub(lambda m: f"{m[2]}年{month[m[1]]}月", text)
    return _DATE_DM.sub(lambda m: f"{month[m[2]]}月{int(m[1])}日", text)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_MONTH = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b(?!-)")
_ISO_RANGE = re.compile(r"(\d{4}年\d{1,2}月\d{1,2}日) to (\d{4}年\d{1,2}月\d{1,2}日)")


def zh_iso_dates(text: str) -> str:
    """ISO dates in a text (the data's own: 2025-01-27, or a month: 2025-01) written 2025年1月27日
    and 2025年1月; 'A to B' as A至B."""
    text = _ISO_DATE.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", text)
    text = _ISO_MONTH.sub(lambda m: f"{m[1]}年{int(m[2])}月", text)
    return _ISO_RANGE.sub(r"\1至\2", text)


def read_patterns(path: Path = PATTERNS) -> list[tuple[re.Pattern, str]]:
    """Phrase patterns for strings made from a template (sources, durations, amounts, notes).

    ``en`` is a regular expression the whole string must match; ``zh`` a template in which ``{N}``
    is group N translated (and reported when it cannot be), ``{N?}`` group N from the catalogue if
    it is there and kept as it is otherwise (names), ``{N=}`` group N kept as it is, and ``{N:yi}``
    / ``{N:wan}`` group N, an amount in billions / millions, written in 亿 / 万 (the number x10 / x100).
    """
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return [(re.compile(row["en"]), row["zh"]) for row in csv.DictReader(fh) if row.get("zh")]


_SLOT = re.compile(r"\{(\d+)(\?|=|:yi|:wan)?\}")


def _scaled(number: str, factor: float) -> str:
    """A number times a power of ten, with as many decimals as it then needs ("0.944" x10 -> "9.44")."""
    from decimal import Decimal

    value = Decimal(number.replace(",", "")) * Decimal(repr(factor))
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# An amount outside parentheses ("246 (2024); >320 (2025 plan)" has two, and two years that are not),
# or a range of them ("60-65").
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)(?:([-–])(\d[\d,]*(?:\.\d+)?))?(?![^(（]*[)）])")
# A unit in billions, as the catalogue writes it ("十亿美元（下限）"): the Chinese count in 亿 instead.
_BILLIONS_UNIT = re.compile(r"^十亿([^（(]*)(?:[（(](.*)[）)])?$")


def yi_amounts(text: str) -> str:
    """Every amount of a text in billions written in 亿 (x10): "593" -> "5,930", "60-65" ->
    "600-650"; numbers in parentheses (years, notes) are kept."""
    return _AMOUNT.sub(lambda m: _scaled(m[1], 10.0) + (m[2] + _scaled(m[3], 10.0) if m[3] else ""), text)


def yi_value(value: str, unit_zh: str) -> str | None:
    """A value in billions with its translated unit (the catalogue's "十亿美元（下限）"), written the
    edition's way: each amount in 亿 (万亿 from a trillion on) with the English figure kept beside it,
    as patterns.csv writes money: "5,930亿美元（$593 bn）", "1万亿美元（$1000 bn；下限）",
    "2,460亿美元（$246 bn） (2024)…". None when the unit is not in billions."""
    m = _BILLIONS_UNIT.match(unit_zh)
    if not m:
        return None
    base, note = m[1].strip(), m[2]
    dollar = "$" if base == "美元" else ""

    def amount(a: re.Match) -> str:
        top = float((a[3] or a[1]).replace(",", ""))
        chinese = (_scaled(a[1], 1e-3) + (a[2] + _scaled(a[3], 1e-3) if a[3] else "") + "万亿") if top >= 1000 \
            else yi_amounts(a[0]) + "亿"
        return f"{chinese}{base}（{dollar}{a[0]} bn" + "{note}）"

    whole = _AMOUNT.fullmatch(value.strip())
    if whole:
        return amount(whole).replace("{note}", f"；{note}" if note else "")
    return _AMOUNT.sub(amount, value).replace("{note}", "") + (f"（{note}）" if note else "")


def _zh_time_format(fmt: str) -> str:
    """A d3 time format with month names, written the Chinese way (2025年1月27日, 1月27日, 2025年1月)."""
    for en, zh in (("%d %b %Y", "%Y年%-m月%-d日"), ("%-d %b %Y", "%Y年%-m月%-d日"), ("%b %d, %Y", "%Y年%-m月%-d日"),
                   ("%d %b", "%-m月%-d日"), ("%-d %b", "%-m月%-d日"), ("%b %d", "%-m月%-d日"), ("%b %Y", "%Y年%-m月"),
                   ("%b", "%-m月")):
        fmt = fmt.replace(en, zh)
    return fmt


_KEPT_KEYS = frozenset((
    "field", "type", "mark", "as", "format", "formatType", "scheme", "interpolate", "shape", "orient", "anchor",
    "name", "fontWeight", "font", "align", "baseline", "stack", "aggregate", "timeUnit", "empty", "select", "bind",
    "on", "clear", "signal", "strokeDash", "cursor", "$schema", "color", "fill", "stroke", "dataset", "from",
    "lookup", "key", "fields", "groupby", "param", "value", "sort", "filter", "order", "range", "background",
    "labelColor", "titleColor", "domainColor", "gridColor", "tickColor", "symbolType", "symbolFillColor",
    "symbolStrokeColor", "resolve", "encodings", "input", "element", "nearest", "toggle"))
# Vega expressions: their quoted literals may name data values, which are translated like the data
_EXPRESSION_KEYS = frozenset(("expr", "calculate", "labelExpr", "test", "filter"))


@dataclass
class Translator:
    """Translates output strings from the catalogue, and remembers what it could not.

    A catalogue entry ``CONTEXT::English`` applies only inside the output glued as CONTEXT (the same
    English word can need two translations: "Close" is a closing price in one table, a verdict in
    another). Data values (a chart's rows, its scale domains, sort orders, legend values and the
    literals of its expressions) are translated by the same rules as labels, so they keep matching.
    """

    catalogue: dict[str, str]
    missing: set[str] = field(default_factory=set)
    patterns: list[tuple[re.Pattern, str]] = field(default_factory=list)
    context: str = ""
    kept: set[str] = field(default_factory=set)
    # A chart's rows repeat the same labels thousands of times; each is looked up once per context
    # (the catalogue, then every pattern): what it adds to ``missing`` and ``kept`` is added the first time.
    _memo: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    def value(self, s: str) -> str | None:
        """The translation of s, or None."""
        key = (self.context, s)
        if key not in self._memo:
            self._memo[key] = self._lookup(s)
        return self._memo[key]

    def _lookup(self, s: str) -> str | None:
        for key in (f"{self.context}::{s}", s):
            if key in self.catalogue:
                return self.catalogue[key]
        if s.endswith("…") and len(s) > 12:  # a label cut short: the same share of its translation
            full = next((k for k in self.catalogue if k.startswith(s[:-1])), None)
            if full:
                zh = self.catalogue[full]  # Chinese is denser: most of it fits where the English was cut
                return zh if len(zh) <= 48 else zh[:48] + "…"
        for pattern, template in self.patterns:
            m = pattern.fullmatch(s)
            if m:
                return self._fill(m, template)
        dated = zh_date(s)
        if dated != s and not re.search(r"[A-Za-z]{3,}", _DATE_DMY.sub("", dated)):
            return dated
        return None

    def text(self, s: str) -> str:
        done = self.value(s)
        if done is not None:
            return done
        if re.search(r"[A-Za-z]{2,}", s) and not _is_code_like(s):
            self.missing.add(s)
        return zh_date(s)

    def name(self, s: str) -> str:
        """A name (an outlet, a publication): the catalogue's Chinese name if it has one; a name with
        a note ("Reuters (copy on a bare-IP site)") from patterns.csv, the name kept and the note
        translated; else kept as it is and remembered in ``kept`` (the test of English left on a
        page excepts these)."""
        done = self.catalogue.get(s)
        if done is not None:
            return done
        for pattern, template in self.patterns:
            m = pattern.fullmatch(s)
            if m:
                return self._fill(m, template)
        self.kept.add(s)
        return s

    def datum(self, s: str) -> str:
        """A data value: translated like a label, but kept as it is when unknown (tickers, ids, ISO dates)."""
        done = self.value(s)
        if done is None and re.search(r"[A-Za-z]{2,}", s) and " " in s and not _is_code_like(s):
            self.missing.add(s)  # a phrase (a label made from the data): it should be translated
        return s if done is None else done

    def _fill(self, m: re.Match, template: str) -> str:
        def slot(sm: re.Match) -> str:
            group, how = m.group(int(sm[1])) or "", sm[2]
            if how == "=":
                return group
            if how == "?":
                if group not in self.catalogue:
                    self.kept.add(group)  # a name kept in English (a publication, a person)
                return self.catalogue.get(group, zh_date(group))
            if how == ":yi":
                return yi_amounts(group)
            if how == ":wan":
                return _scaled(group, 100.0)
            return self.text(group)
        return _SLOT.sub(slot, template)

    def expression(self, expr: str) -> str:
        return re.sub(r"(?<!\[)'([^'\\]*)'", lambda m: "'" + self.datum(m[1]).replace("'", "\\'") + "'", expr)

    def spec(self, obj, key: str = ""):
        """Every human-readable string of a Vega-Lite spec (field names and expressions are kept)."""
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k == "datasets":
                    out[k] = {name: [self._row(r) for r in rows] for name, rows in v.items()}
                elif k in ("values", "domain", "oneOf", "sort", "options") and isinstance(v, list):
                    out[k] = [self._row(r) if isinstance(r, dict) else self.datum(r) if isinstance(r, str) else r
                              for r in v]
                elif k == "format" and isinstance(v, str) and "%b" in v:  # dates the Chinese way
                    out[k] = _zh_time_format(v)
                elif k in _EXPRESSION_KEYS and isinstance(v, str):
                    out[k] = self.expression(v)
                elif k in _KEPT_KEYS and not isinstance(v, dict) and not (
                        k == "value" and isinstance(v, str) and " " in v):
                    out[k] = v
                else:
                    out[k] = self.spec(v, k)
            return out
        if isinstance(obj, list) and key in ("subtitle", "text", "title") and all(isinstance(v, str) for v in obj):
            return self._lines(obj)
        if isinstance(obj, list):
            return [self.spec(v, key) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj

    def _lines(self, lines: list[str]) -> list[str]:
        """A title or subtitle wrapped over several lines: consecutive lines are joined until the
        catalogue knows the sentence (a chart wraps its English at a width, not at sentence ends)."""
        out, i = [], 0
        while i < len(lines):
            for j in range(len(lines), i, -1):
                joined = " ".join(line.strip() for line in lines[i:j])
                done = self.value(joined)
                if done is not None:
                    out.append(done)
                    i = j
                    break
            else:
                out.append(self.text(lines[i]))
                i += 1
        return out

    def _row(self, row: dict) -> dict:
        return {k: (self.datum(v) if isinstance(v, str) else v) for k, v in row.items()}

    def html(self, markup: str) -> str:
        """The text between tags of an HTML fragment (tables, lists); markup and attributes kept."""
        def sub(m: re.Match) -> str:
            raw = m.group(1)
            stripped = raw.strip()
            if not stripped:
                return m.group(0)
            done = html_lib.escape(self.text(html_lib.unescape(stripped)), quote=False)
            return ">" + raw.replace(stripped, done) + "<"
        return re.sub(r">([^<>]+)<", sub, markup)


_CODE_LIKE = [
    re.compile(r"[A-Z0-9.^=&-]+"),                                 # tickers, fact ids
    re.compile(r"[\w.^=:/+-]*[_.^=:/\d][\w.^=:/+-]*"),              # keys, paths, versions
    re.compile(r"[0-9a-f]{8,}…?"),                                 # digests
    re.compile(r"#[0-9A-Fa-f]{6}"),                                # colours
    re.compile(r"[\w.-]+/[\w.-]+ @ [0-9a-f]{7,}: \S+"),             # a repository file at a commit
    re.compile(r"(atleast|atmost|info|exact|calc|product|fact|series|move|mv|date|pct_change|direction):.*"),  # ledger checks
    re.compile(r"[A-Z0-9.^=-]+(, [A-Z0-9.^=-]+)+"),                # lists of tickers or fact ids
]


def _is_code_like(s: str) -> bool:
    return any(p.fullmatch(s) for p in _CODE_LIKE) or s.startswith(("http", "data/", "fig-", "tbl-"))


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Passage:
    index: int
    en_hash: str
    text: str


def read_passages(path: Path) -> dict[int, Passage]:
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    heads = list(_PASSAGE.finditer(text))
    out = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        out[int(m[1])] = Passage(int(m[1]), m[2], text[m.end():end].strip("\n"))
    return out


def passage_for(passages: dict[int, Passage], index: int, en_hash: str) -> Passage | None:
    """The passage translating the English cell ``index`` with hash ``en_hash``: one with that hash
    wherever it stands (cells inserted or removed above it shift the indices), else the one at
    ``index`` (stale if the hashes differ)."""
    p = passages.get(index)
    if p is not None and p.en_hash == en_hash:
        return p
    moved = next((q for q in passages.values() if q.en_hash == en_hash and passage_body(q.text)), None)
    return moved or p


def passage_body(text: str) -> str:
    """A passage without its HTML comments (the English a skeleton leaves there for the translator)."""
    return re.sub(r"<!--.*?-->", "", text, flags=re.S).strip()


def _comment(english: str) -> str:
    return "<!-- en:\n" + english.replace("-->", "- ->").rstrip() + "\n-->"


def skeleton(stem: str) -> str:
    """The passage file of a chapter with every passage in place, ready for the translator.

    Current passages are kept as they are. A missing passage gets its header and the English as a
    comment (it stays *missing* until Chinese is written under it). A stale passage keeps its old
    hash and Chinese, with the English as it now reads in a comment above: the translator updates
    the Chinese, deletes the comment and copies the new hash (given in the comment) into the header.
    """
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text())
    passages = read_passages(TRANSLATIONS / f"{stem}.md")
    parts = []
    for k, cell in enumerate(markdown_cells(nb)):
        src = "".join(cell["source"])
        new_hash = cell_hash(src)
        p = passage_for(passages, k, new_hash)
        if p is not None and p.en_hash == new_hash:
            parts.append(f"<!-- passage {k} en:{p.en_hash} -->\n{p.text}\n")
        elif p is not None and passage_body(p.text):
            body = re.sub(r"^<!-- stale: .*?-->\n", "", p.text, flags=re.S)
            parts.append(f"<!-- passage {k} en:{p.en_hash} -->\n<!-- stale: the English changed; when updated, "
                         f"set en:{new_hash} in the header and delete this comment. It now reads:\n"
                         + src.replace("-->", "- ->").rstrip() + "\n-->\n" + body + "\n")
        else:
            parts.append(f"<!-- passage {k} en:{new_hash} -->\n{_comment(src)}\n")
    return "\n".join(parts)


_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])\n(?=[{_CJK}])")


def join_cjk_lines(text: str) -> str:
    """A line break between two Chinese characters removed: a browser would show it as a space
    (the passages are wrapped for the translator's editor, not for the reader)."""
    return _CJK_BREAK.sub("", text)


def markdown_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "markdown"]


def status(stem: str) -> list[tuple[int, str, str]]:
    """(index, 'current' | 'stale' | 'missing', the English cell's first line) per markdown cell."""
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text())
    passages = read_passages(TRANSLATIONS / f"{stem}.md")
    out = []
    for k, cell in enumerate(markdown_cells(nb)):
        src = "".join(cell["source"])
        p = passage_for(passages, k, cell_hash(src))
        state = ("missing" if p is None or not passage_body(p.text) else
                 "current" if p.en_hash == cell_hash(src) else "stale")
        out.append((k, state, src.strip().splitlines()[0] if src.strip() else ""))
    return out


# --------------------------------------------------------------------------- one notebook


def _glue_value(nb: dict, key: str):
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("metadata", {}).get("scrapbook", {}).get("name") == key:
                plain = o["data"].get(GLUE_PREFIX + "text/plain")
                return None if plain is None else json.loads(plain) if plain[:1] not in "'\"" else plain
    return None


def _derived_outputs(nb: dict, texts: list[str]) -> list[dict]:
    """Glue outputs for ``key__yi`` / ``key__wanyi`` named in the passages, from the English values."""
    out, seen = [], set()
    for text in texts:
        for m in _DERIVED.finditer(text):
            key, unit = m[1], m[2]
            if (key, unit) in seen:
                continue
            seen.add((key, unit))
            value = _glue_value(nb, key)
            if not isinstance(value, (int, float)):
                raise ValueError(f"{key}__{unit}: {key!r} is not a glued number in this chapter")
            derived = value * _DERIVED_FACTOR[unit]
            out.append({"output_type": "display_data", "metadata": {"scrapbook": {"name": f"{key}__{unit}",
                        "mime_prefix": GLUE_PREFIX}}, "data": {GLUE_PREFIX + "text/plain": repr(float(derived))}})
    return out


_SPEC_IN_HTML = re.compile(r"var spec = (\{.*?\});\n", re.S)


def _translate_output(o: dict, tr: Translator) -> dict:
    from shockbook.site import charts

    data = o.get("data")
    if not data:
        return o
    new = dict(data)
    for mime, value in data.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)  # nbformat's multi-line strings
        base = mime.removeprefix(GLUE_PREFIX)
        if base == "text/html" and isinstance(value, str):
            m = _SPEC_IN_HTML.search(value)
            if m:  # a chart: translate its spec and draw it again (its id is the new spec's hash)
                spec = yi_fields(tr.spec({k: v for k, v in json.loads(m.group(1)).items() if k != "description"}))
                spec["description"] = charts.describe(spec, LANG)
                bundle = charts.render(spec)
                new[mime] = bundle["text/html"]
                plain = mime.replace("text/html", "text/plain")
                if plain in data:
                    new[plain] = bundle["text/plain"]
            else:
                new[mime] = yi_columns(tr.html(_retitle_markers(value, tr)))
        elif base == "text/plain" and isinstance(value, str) and value[:1] in "'\"":
            new[mime] = repr(tr.text(json.loads(value) if value[0] == '"' else _py_str(value)))
        elif base == "text/markdown" and isinstance(value, str) and value.lstrip().startswith("|"):
            new[mime] = _markdown_table(value, tr)
        elif base == "text/markdown" and isinstance(value, str):
            new[mime] = tr.html(">" + _retitle_markers(value, tr) + "<")[1:-1]
    return {**o, "data": new}


def _retitle_markers(markup: str, tr: Translator) -> str:
    """Citation markers (prose and table cells): the same marker, its tooltip translated."""
    from shockbook.data import facts

    return facts.retitle_markers(markup, lambda fid: tr.text(facts.MARKER_TITLE.format(id=fid)))


# Amounts in billions: the Chinese edition counts them in 亿 (x10), as it writes money
_BILLIONS_TITLE = "十亿"
_BILLIONS_HEADING = re.compile(r'(<th id="(T_[\w-]+)_level0_(col\d+)"[^>]*>)([^<]*十亿[^<]*)(</th>)')
_CELL = re.compile(r'(<td id="(T_[\w-]+)_row\d+_(col\d+)"[^>]*>)([^<]*)(</td>)')


def yi_columns(markup: str) -> str:
    """A translated table (pandas' HTML) with columns in billions (a heading in 十亿美元, 十亿股) counts
    them in 亿, as the edition writes money: the heading says 亿 and each cell's amount is x10
    (:func:`yi_amounts`)."""
    columns = {(m[2], m[3]) for m in _BILLIONS_HEADING.finditer(markup)}
    if not columns:
        return markup
    markup = _BILLIONS_HEADING.sub(lambda m: m[1] + m[4].replace(_BILLIONS_TITLE, "亿") + m[5], markup)
    return _CELL.sub(lambda m: m[1] + (yi_amounts(m[4]) if (m[2], m[3]) in columns else m[4]) + m[5], markup)


def _encodings(view: dict):
    """The field definitions of a view's encoding (a tooltip's list included)."""
    for channel, d in (view.get("encoding") or {}).items():
        for one in d if isinstance(d, list) else [d]:
            if isinstance(one, dict):
                yield channel, one


def _views(node):
    """Every view of a spec (the spec itself, its layers, concatenations, facets), not its data."""
    if isinstance(node, dict):
        if "encoding" in node:
            yield node
        for k, v in node.items():
            if k not in ("datasets", "data", "encoding"):
                yield from _views(v)
    elif isinstance(node, list):
        for v in node:
            yield from _views(v)


def yi_fields(spec: dict) -> dict:
    """A translated chart that counts in billions (a title in 十亿美元) counts in 亿, as the
    edition writes money: each such field is shown x10 through a ``calculate`` transform of the view
    that uses it (its data, the same as the English chart's, are untouched), its titles say 亿, and
    its formats keep one decimal less. The end of a range (x2, y2) of such a field goes with it."""
    fields = set()
    for view in _views(spec):
        for _, d in _encodings(view):
            if _BILLIONS_TITLE in str(d.get("title", "")) and "field" in d:
                fields.add(d["field"])
    for view in _views(spec):
        enc = view.get("encoding", {})
        for start, end in (("x", "x2"), ("y", "y2")):
            if isinstance(enc.get(start), dict) and enc[start].get("field") in fields and isinstance(enc.get(end), dict):
                fields.add(enc[end].get("field"))
    fields.discard(None)
    if not fields:
        return spec
    spec = json.loads(json.dumps(spec))  # a copy, rewritten in place
    for view in _views(spec):
        used = sorted({d["field"] for _, d in _encodings(view) if d.get("field") in fields})
        if not used:
            continue
        view["transform"] = view.get("transform", []) + [{"calculate": f"datum[{json.dumps(f)}] * 10", "as": f"{f}__yi"}
                                                         for f in used]
        for _, d in _encodings(view):
            if d.get("field") in fields:
                d["field"] = f"{d['field']}__yi"
                if isinstance(d.get("title"), str):
                    d["title"] = d["title"].replace(_BILLIONS_TITLE, "亿")
                if isinstance(d.get("format"), str):
                    d["format"] = re.sub(r"\.(\d)f", lambda m: f".{max(int(m[1]) - 1, 0)}f", d["format"])
    return spec


def _markdown_table(markdown: str, tr: Translator) -> str:
    """A pipe table cell by cell; code (`...`) and the separator row kept."""
    def cell(text: str) -> str:
        t = text.strip()
        if not t or set(t) <= set("-: ") or (t.startswith("`") and t.endswith("`")):
            return text
        return " " + tr.text(t) + " "
    out = []
    for line in markdown.split("\n"):
        if line.startswith("|") and line.rstrip().endswith("|"):
            cells = line.rstrip()[1:-1].split("|")
            line = "|" + "|".join(cell(c) for c in cells) + "|"
        out.append(line)
    return "\n".join(out)


def _py_str(literal: str) -> str:
    import ast

    return ast.literal_eval(literal)


def translate_notebook(stem: str, tr: Translator, nb: dict | None = None) -> dict:
    """The Chinese twin of an executed English chapter (same outputs, translated); ``nb``: the
    executed notebook, if not the committed chapter's."""
    nb = json.loads((paths.CHAPTERS_DIR / f"{stem}.ipynb").read_text()) if nb is None else copy.deepcopy(nb)
    passages = read_passages(TRANSLATIONS / f"{stem}.md")
    texts = []
    for k, cell in enumerate(markdown_cells(nb)):
        p = passage_for(passages, k, cell_hash("".join(cell["source"])))
        if p is not None and passage_body(p.text):  # a skeleton's empty passage keeps the English
            cell["source"] = join_cjk_lines(p.text).splitlines(keepends=True)
            texts.append(p.text)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            outputs = []
            for o in cell.get("outputs", []):
                tr.context = o.get("metadata", {}).get("scrapbook", {}).get("name", "")
                outputs.append(_translate_output(o, tr))
            tr.context = ""
            cell["outputs"] = outputs
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if code:
        code[-1]["outputs"] = code[-1].get("outputs", []) + _derived_outputs(nb, texts)
    nb["metadata"]["language_info"] = nb["metadata"].get("language_info", {})
    return nb


# --------------------------------------------------------------------------- the edition


def translator() -> Translator:
    """The edition's translator, from its catalogue and patterns."""
    return Translator(read_catalogue(), patterns=read_patterns())


def chapter_stems() -> list[str]:
    return sorted(p.stem for p in paths.CHAPTERS_DIR.glob("*.ipynb") if not p.name.startswith("_"))


def build_sources(out: Path = EDITION_DIR) -> Translator:
    """Write the edition's generated pages: the chapters (``zh/chapters/*.ipynb``), the Sources page
    (``zh/chapters/sources.md``) and the data changelog (``zh/changelog.md``), all from the same data
    as the English; the other pages are kept in ``zh/``. A chapter the runner translated when it
    executed it (``write_translation``) is not translated again."""
    tr = translator()
    (out / "chapters" / "figdata").mkdir(parents=True, exist_ok=True)
    shared = shared_inputs()
    for stem in chapter_stems():
        notebook = (paths.CHAPTERS_DIR / f"{stem}.ipynb").read_bytes()
        if _recorded(out, stem) == _chapter_inputs(notebook, shared) and (out / "chapters" / f"{stem}.ipynb").exists():
            continue  # translated from these very inputs by an earlier build, or by the runner
        write_translation(stem, translate_notebook(stem, tr, json.loads(notebook)), notebook, shared, out)
    pages_from = _pages_inputs(shared)
    if _recorded(out, PAGES_KEY) != pages_from or not all((out / name).exists() for name in GENERATED_PAGES):
        for name, text in generated_pages(tr).items():
            _write_if_changed(out / name, text)
        _record(out, PAGES_KEY, pages_from)
    for csv_file in (paths.CHAPTERS_DIR / "figdata").glob("*.csv"):  # the charts' data, as downloads
        target = out / "chapters" / "figdata" / csv_file.name
        if not target.exists() or target.read_bytes() != csv_file.read_bytes():
            target.write_bytes(csv_file.read_bytes())
    return tr


def write_translation(stem: str, nb: dict, notebook: bytes, shared: str, out: Path = EDITION_DIR) -> None:
    """Write the Chinese chapter ``nb``, translated from the English notebook whose bytes are
    ``notebook`` with ``shared`` (``shared_inputs()``, read before translating), and the record of
    those inputs. The runner calls it for each chapter it has just executed (it translates the
    chapter anyway, to draw its charts), so that building the edition then translates nothing."""
    data = json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    _write_if_changed(out / "chapters" / f"{stem}.ipynb", data)
    _record(out, stem, _chapter_inputs(notebook, shared))


def forget_translation(stem: str, out: Path = EDITION_DIR) -> None:
    """Make the next build translate ``stem`` again (its translation may be of another code's making)."""
    (out / "chapters" / INPUTS_DIR / stem).unlink(missing_ok=True)


# Beside the generated chapters, one file a chapter (and one for the generated pages): the inputs it
# was translated from, so that a build translates again only the chapters whose notebook,
# translations or code changed (the translation is most of its time), and writes the generated pages
# again only when the data changed too. One file each, because the runner's workers write them side
# by side.
INPUTS_DIR = ".translated-from"


def _recorded(out: Path, key: str) -> str | None:
    try:
        return (out / "chapters" / INPUTS_DIR / key).read_text(encoding="utf-8")
    except OSError:
        return None


def _record(out: Path, key: str, inputs: str) -> None:
    from shockbook.data.cache import atomic_write

    atomic_write(out / "chapters" / INPUTS_DIR / key, inputs.encode())


def shared_inputs() -> str:
    """What every chapter's translation depends on besides its notebook: the package's code (the
    runner's fingerprint of it) and every file of translations/zh."""
    from shockbook import runner

    h = hashlib.sha256(runner.code_fingerprint().encode())
    for path in sorted(TRANSLATIONS.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(TRANSLATIONS)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# The generated pages (Sources, changelog) come from the book's data and its English changelog page.
PAGES_KEY = "generated-pages"
GENERATED_PAGES = ("chapters/sources.md", "changelog.md")


def _pages_inputs(shared: str) -> str:
    h = hashlib.sha256(shared.encode())
    for path in [paths.ROOT / "changelog.md", *sorted(p for p in paths.DATA_DIR.rglob("*") if p.is_file())]:
        h.update(str(path.relative_to(paths.ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _chapter_inputs(notebook: bytes, shared: str) -> str:
    return hashlib.sha256(shared.encode() + b"\0" + notebook).hexdigest()


def _write_if_changed(target: Path, text: str) -> None:
    """Written only when different, so that Sphinx rebuilds only the pages that changed; in one step,
    so that the runner and a build writing the same chapter never leave a torn file."""
    from shockbook.data.cache import atomic_write

    if not target.exists() or target.read_text(encoding="utf-8") != text:
        atomic_write(target, text.encode("utf-8"))


def generated_pages(tr: Translator) -> dict[str, str]:
    """The Chinese twins of the English book's generated pages, by path under ``zh/``."""
    from shockbook.site import sources

    # one folder deeper than the English page: its links to the book's data files go one more up
    sources_page, changelog_page = GENERATED_PAGES
    return {sources_page: _retitle_markers(sources.page_markdown(lang=LANG, tr=tr, data_prefix="../../"), tr),
            changelog_page: changelog_markdown(tr)}


def changelog_markdown(tr: Translator, page: Path | None = None) -> str:
    """The data changelog in Chinese: the English page (``changelog.md``) paragraph by paragraph from
    the catalogue, its ``{data-changelog}`` list written out from the same manifests the English
    directive reads (shockbook.site.sphinxext.changelog_entries), each entry from patterns.csv."""
    from shockbook.site.sources import md_text
    from shockbook.site.sphinxext import changelog_entries

    page = page or paths.ROOT / "changelog.md"
    manifests = [paths.ROOT / "data" / part / "manifest.json" for part in ("market", "facts")]
    market, facts = (json.loads(m.read_text(encoding="utf-8")) if m.exists() else {} for m in manifests)
    blocks = re.split(r"\n\s*\n", page.read_text(encoding="utf-8").strip())
    out = []
    for block in blocks:
        if block.startswith("```{data-changelog}"):
            out.append("\n".join(f"- **{'未注明日期' if when == 'undated' else zh_iso_dates(when)}** — "
                                 f"{md_text(tr.text(what))}" for when, what in changelog_entries(market, facts)))
        elif block.startswith("#"):
            hashes, _, title = block.partition(" ")
            out.append(f"{hashes} {tr.text(title.strip())}")
        else:
            out.append(tr.text(" ".join(block.split())))
    return "\n\n".join(out) + "\n"


def check() -> int:
    """List stale and missing passages and untranslated output strings; 1 if there are any."""
    problems = 0
    for stem in chapter_stems():
        for k, state, first in status(stem):
            if state != "current":
                problems += 1
                print(f"{stem} passage {k}: {state} — English now begins: {first[:70]}")
    tr = Translator(read_catalogue(), patterns=read_patterns())
    for stem in chapter_stems():
        translate_notebook(stem, tr)
    generated_pages(tr)  # the Sources page and the data changelog
    for s in sorted(tr.missing):
        print(f"untranslated output string: {s[:100]!r}")
    problems += len(tr.missing)
    print(f"{problems} problem(s)" if problems else "the Chinese edition is up to date")
    return 1 if problems else 0


if __name__ == "__main__":  # python -m shockbook.site.edition [build|check|skeleton STEM...]
    if sys.argv[1:] == ["build"]:
        build_sources()
        sys.exit(0)
    if sys.argv[1:2] == ["skeleton"]:
        TRANSLATIONS.mkdir(parents=True, exist_ok=True)
        for stem in sys.argv[2:] or chapter_stems():
            (TRANSLATIONS / f"{stem}.md").write_text(skeleton(stem), encoding="utf-8")
            print(f"wrote {TRANSLATIONS / f'{stem}.md'}")
        sys.exit(0)
    sys.exit(check())
