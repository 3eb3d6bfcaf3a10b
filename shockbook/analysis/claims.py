"""The claims ledger of chapter 6: every checkable number in the five articles, checked.

``data/claims.csv`` holds one row per claim: an English paraphrase, what kind of claim it is
(``kind``, one of :data:`CLAIM_KINDS`), the value the article states (``claimed_value``), its
unit, the date and market convention it refers to, a machine-readable ``check`` that says how
to measure it from the book's data, and a ``tolerance``. It holds **no measured value and no verdict**: :func:`evaluate` computes
both at every build, from the price cache (:mod:`shockbook.data.cache`) and the facts table
(:mod:`shockbook.data.facts`), so a change in the data changes the verdicts.

Check specs
-----------
A spec is ``kind:arguments``, fields separated by ``:``. Dates are ``YYYY-MM-DD`` trading
dates of the ticker's own market (New York for US listings, Shanghai/Shenzhen for A-shares).
Tickers are the cache's yfinance symbols (``NVDA``, ``^IXIC``, ``000977.SZ``).

``pct_change:T:D0:D1[:FIELD]``
    100 × (FIELD on D1 / Close on D0 − 1). FIELD is ``Close`` (the default, the press
    convention for a day's move), ``Open`` (the opening gap), ``Low`` or ``High`` (the
    intraday extremes measured against the previous close).
``points_change:T:D0:D1``
    Close on D1 − Close on D0, in index points (needs a price level: unadjusted or index).
``close:T:D``, ``open:T:D``, ``high:T:D``, ``low:T:D``
    A price level on D (unadjusted, index or exchange-rate series only: ``close:DEXCHUS:D`` is
    FRED's yuan per dollar at noon in New York on D).
``mcap_change_bn:T:D0:D1``
    Change in market value in USD billions: shares × (Close D1 − Close D0) / 1e9. The share
    count is the SEC cover-page count with the latest ``as_of_date`` on or before D1 (the
    first one after D1 if there is none before, as in :mod:`shockbook.analysis.market`); balance-sheet
    counts are skipped and an ADS is converted with ``market.ADS_RATIO``. The series must be
    ``unadjusted``.
``basket:T1+T2+...:D0:D1``
    The equal-weighted mean of the tickers' close-to-close moves from D0 to D1, in percent:
    the nearest thing the cache holds to a basket whose weights were not published (Goldman's
    "Magnificent Seven"). Used as context (``info:``), never scored, because the weights differ.
``last_larger_move:T:D``
    A date: the latest session before D whose close-to-close move was at least as large as
    D's, in the same direction. Checks "the biggest fall since ..." claims.
``fact:ID[:k[:READING]]``
    The value of row ``ID`` in the facts table: part ``k`` (0-based, default 0) of a value
    whose parts are separated by ``;``, read by the facts table's own reader
    (:func:`shockbook.data.facts.parse_value`, the one the chapters use). READING is ``first``
    (the default: the part's first number; digits glued to letters, as in ``H800`` or
    ``GPT-4``, are not numbers), ``mid`` (the midpoint of a range ``a-b``) or ``scaled`` (the
    first number times the unit's multiplier: ``thousand`` × 1,000, ``million`` …). If the fact's
    unit starts with ``date``, the part is read as a date (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, or ``A to B``), i.e. a span of days.
``ratio:A/B``, ``product:A*B``
    A / B and A × B, where A and B are specs of the kinds above or plain numbers.
``calc:EXPR``
    Arithmetic on specs and numbers with ``+ - * /`` and parentheses. Operators and
    parentheses are separate, space-delimited tokens (``-`` inside a date or a fact id is
    therefore never an operator), e.g. ``calc:( fact:CST-20 / fact:CST-28:1 - 1 ) * 100``.
``sign:SPEC``
    −1, 0 or +1: the direction of SPEC. For claims that only say "rose" or "fell".
``atleast:SPEC``, ``atmost:SPEC``
    The claim is a bound: the true value is at least (at most) ``claimed_value``. "Fell more
    than 600 points" is ``atmost:points_change:...`` with ``claimed_value`` −600. Only the
    shortfall beyond the bound counts against the claim.
``info:SPEC``
    SPEC is computed and shown as ``measured`` for context, but the verdict is always "not
    checkable from the data": used for pre-market and intraday claims, which daily bars
    cannot settle, and for figures that belong to another listing or a basket we lack. The
    row's ``uncheckable`` column gives the reason (see below).
``none``
    Not checkable from the data; the ``uncheckable`` column gives the reason and the ``note``
    the details.

``sign``, ``atleast``, ``atmost`` and ``info`` wrap a spec once, at the top (``info`` and the
bounds cannot be nested; ``sign`` may sit inside them).

Tolerance and verdicts
----------------------
``tolerance`` is absolute, in the claim's unit (days for dates), and is set per claim from
the precision of the article's wording, by these rules:

1. a figure with stated decimals: half a unit in the last digit (16.97% → 0.005; 9.2% → 0.05);
2. a whole number stated as exact (17%, $124, a $60 list price): 0.5;
3. a round figure that reads as an approximation ("nearly 600 billion", "80%", "2,000
   chips", "about 1/30"): 5% of its value;
4. a market value in USD billions: at least 2.5, because the measure itself depends on
   which SEC share count is used (Nvidia's filings differ by about 0.4%);
5. a range (60-65): ``claimed_value`` is the midpoint and the tolerance its half-width;
6. dates: 0 days, or 1 day where a date may be shifted by the time zone (an article on
   Beijing time dating a US event); a claimed ``YYYY-MM`` or ``YYYY`` is a span of days and is
   met by any measured day inside it; exact counts and signs: 0.

With d the distance between claimed and measured value (for bounds: the shortfall beyond
the bound; for dates: the days between the two spans, 0 if they overlap):

* ``confirmed``     if d ≤ tolerance,
* ``close``         if d ≤ 3 × tolerance (``CLOSE_FACTOR``; ``evaluate(..., close_factor=k)``
  uses k instead, for a reader who wants a stricter or looser "close"),
* ``contradicted``  otherwise,
* ``not checkable from the data`` for ``none`` and ``info`` checks, and for checks the
  cached data cannot answer (a date outside a series' range); ``reason`` then says why.

Not checkable, for a reason
---------------------------------
"Not checkable" is a reasoned verdict, never a default. Every row whose check is ``none`` or
``info:`` carries in ``uncheckable`` one reason from :data:`UNCHECKABLE_REASONS`: the claim is
intraday or pre-market (daily bars cannot settle it), a forecast, an opinion or a general rule,
rests on a survey or a private document, or needs a series or fact the book does not hold — then
written ``no series or fact in the book: WHAT IS MISSING``. A check the cached data cannot answer
(a date before the cache begins) gets the last reason, naming the series, from the data itself.
The evaluated ``reason`` begins with the reason; :func:`uncheckable_kind` returns its short name.

A bad spec, a date that is inside a series' range but not one of its trading days, an
unknown ticker or fact id raise :class:`ClaimError` naming the claim: those are errors in
the ledger, not limits of the data.
"""
from __future__ import annotations

import ast
import io
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import pandas as pd

from shockbook import paths

CLAIMS_FILE = paths.DATA_DIR / "claims.csv"

COLUMNS = [
    "id", "article_file", "outlet", "article_date", "chapter", "kind", "claim", "claimed_value", "unit",
    "subject", "ref_date", "convention", "check", "uncheckable", "tolerance", "note",
]

#: Why a claim is not checkable: the ledger's ``uncheckable`` column holds one of these (the last
#: followed by ': ' and what is missing, e.g. 'no series or fact in the book: a USD/CNY rate').
INTRADAY, FORECAST, OPINION, SURVEY, MISSING = (
    "intraday or pre-market", "a forecast", "an opinion or a general rule", "a survey or a private document",
    "no series or fact in the book")
UNCHECKABLE_REASONS = (INTRADAY, FORECAST, OPINION, SURVEY, MISSING)

# The five source articles (../shared/sources/README.md): file -> (outlet, date as given there).
ARTICLES = {
    "000_fe37679dcbd1c3f0.txt": ("Securities Times", "2025-01-27"),
    "001_a9600e04050fe6c4.txt": ("Xinhua Finance", "2025-02-07"),
    "002_a53d9ef3a776ecc6.txt": ("Zhihu article (repost)", "2025-04-12"),
    "003_b1a01d637500d749.txt": ("JRJ (via Bilibili)", "2025-02-01"),
    "004_66d88dccb34420e5.txt": ("Taiwanese investing blog", "2025-02"),
}

# The bibliography key of each article (references.bib), for citing it and for choosing articles.
ARTICLE_KEYS = {
    "000_fe37679dcbd1c3f0.txt": "securitiestimes2025",
    "001_a9600e04050fe6c4.txt": "xinhua2025",
    "002_a53d9ef3a776ecc6.txt": "zhihu2025",
    "003_b1a01d637500d749.txt": "jrj2025",
    "004_66d88dccb34420e5.txt": "twblog2025",
}

# What a claim is about (the ledger's ``kind`` column), in the order the chapter shows them.
CLAIM_KINDS = (
    "market move", "market value", "training cost", "chips", "API price", "capital spending",
    "timeline", "rankings and adoption", "other",
)

CONFIRMED, CLOSE, CONTRADICTED, ATTRIBUTED, NOT_CHECKABLE = (
    "confirmed", "close", "contradicted", "attributed, not verified", "not checkable from the data")
VERDICTS = (CONFIRMED, CLOSE, CONTRADICTED, ATTRIBUTED, NOT_CHECKABLE)
#: The verdicts that judge whether a number is true: the accuracy scores count only these.
SCORED = (CONFIRMED, CLOSE, CONTRADICTED)
CLOSE_FACTOR = 3

PRICE_FIELDS = ("Close", "Open", "High", "Low")
LEVEL_BASES = ("unadjusted", "index")
KINDS = (
    "pct_change", "points_change", "close", "open", "high", "low", "mcap_change_bn",
    "last_larger_move", "basket", "fact", "ratio", "product", "calc", "sign", "atleast", "atmost",
    "info", "none",
)
_WRAPPERS = ("sign", "atleast", "atmost", "info")
_TOP_ONLY = ("info", "atleast", "atmost", "none")

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_FACT_ID = re.compile(r"^[A-Z]{3}-B?\d{2}$")  # the book's own additions are SHK-B01 …
_CLAIM_ID = re.compile(r"^C\d{2,3}$")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^[~≈<>]*\s*({_NUM})\s*[-–]\s*({_NUM})(?![\d.])")
_FIRST_NUM = re.compile(rf"(?<![A-Za-z0-9.])([-+−]?)({_NUM})(?![A-Za-z0-9])")


class ClaimError(ValueError):
    """The ledger or a check is wrong: a bad spec, column, id, article, date or ticker."""


class NotCheckable(Exception):
    """The data cannot answer this check (e.g. a date outside the cached range)."""


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class DateSpan:
    """A day, month or year as an inclusive span of days."""

    start: date
    end: date

    def __str__(self) -> str:
        return self.start.isoformat() if self.start == self.end else f"{self.start.isoformat()}..{self.end.isoformat()}"

    def distance(self, other: "DateSpan") -> int:
        """Signed days from self to other (positive if other is later); 0 if they overlap."""
        if other.start > self.end:
            return (other.start - self.end).days
        if other.end < self.start:
            return -(self.start - other.end).days
        return 0


def parse_date_span(text: str) -> DateSpan:
    """'2025-01-27', '2024-12' or '2025' (or 'A to B') as a span of days."""
    text = str(text).strip()
    if ".." in text:
        text = text.replace("..", " to ", 1)
    if " to " in text:
        a, b = text.split(" to ", 1)
        return DateSpan(parse_date_span(a).start, parse_date_span(b).end)
    m = _ISO_PARTIAL.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    y = int(y)
    if mo is None:
        return DateSpan(date(y, 1, 1), date(y, 12, 31))
    mo = int(mo)
    if d is None:
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        return DateSpan(date(y, mo, 1), nxt - timedelta(days=1))
    day = date(y, mo, int(d))
    return DateSpan(day, day)


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Spec:
    """A parsed check. ``args`` are strings for leaf kinds; ``parts`` sub-specs or numbers."""

    kind: str
    args: tuple = ()
    parts: tuple = ()
    expr: str = ""

    def tickers(self) -> set[str]:
        out = {self.args[0]} if self.kind in _PRICE_KINDS else set()
        if self.kind == "basket":
            out = set(self.args[0].split("+"))
        for p in self.parts:
            if isinstance(p, Spec):
                out |= p.tickers()
        return out

    def facts(self) -> set[str]:
        out = {self.args[0]} if self.kind == "fact" else set()
        for p in self.parts:
            if isinstance(p, Spec):
                out |= p.facts()
        return out

    def leaf_specs(self) -> list["Spec"]:
        if self.kind == "basket":  # one close-to-close move per member
            return [Spec("pct_change", args=(t, *self.args[1:])) for t in self.args[0].split("+")]
        if not self.parts:
            return [self]
        return [leaf for p in self.parts if isinstance(p, Spec) for leaf in p.leaf_specs()]


_PRICE_KINDS = ("pct_change", "points_change", "close", "open", "high", "low",
                "mcap_change_bn", "last_larger_move")


def _check_day(text: str, spec: str) -> str:
    if not _ISO_DAY.match(text):
        raise ClaimError(f"check {spec!r}: {text!r} is not a YYYY-MM-DD date")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ClaimError(f"check {spec!r}: {text!r} is not a real calendar date") from None
    return text


def _check_ticker(text: str, spec: str) -> str:
    if not text or any(c.isspace() for c in text) or "/" in text or "*" in text:
        raise ClaimError(f"check {spec!r}: {text!r} is not a ticker")
    return text


def _term(text: str, whole: str) -> "Spec | float":
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    sub = parse_spec(text, _top=False)
    if sub.kind in _WRAPPERS:
        raise ClaimError(f"check {whole!r}: {sub.kind}: cannot be used inside arithmetic")
    return sub


_CALC_TOKENS = {"+", "-", "*", "/", "(", ")"}
_CALC_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Constant,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


def _parse_calc(rest: str, whole: str) -> Spec:
    tokens = rest.split()
    if not tokens:
        raise ClaimError(f"check {whole!r}: calc: needs an expression")
    pieces, terms = [], []
    for tok in tokens:
        if tok in _CALC_TOKENS:
            pieces.append(tok)
        elif any(ch in tok for ch in "*/()+"):
            raise ClaimError(f"check {whole!r}: {tok!r}: calc allows only + - * / and parentheses, each "
                             "written as a separate, space-delimited token")
        else:
            terms.append(_term(tok, whole))
            pieces.append(f"t{len(terms) - 1}")
    expr = " ".join(pieces)
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ClaimError(f"check {whole!r}: calc expression does not parse (operators and parentheses "
                         "must be separated by spaces)") from None
    for node in ast.walk(tree):
        if not isinstance(node, _CALC_NODES):
            raise ClaimError(f"check {whole!r}: calc allows only + - * / and parentheses")
    return Spec("calc", parts=tuple(terms), expr=expr)


def parse_spec(text: str, _top: bool = True) -> Spec:
    """Parse a check spec (see the module docstring); :class:`ClaimError` says what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ClaimError("check is empty (use 'none' for a claim the data cannot check)")
    whole = text = text.strip()
    kind, sep, rest = text.partition(":")
    if kind not in KINDS:
        raise ClaimError(f"check {whole!r}: unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if kind in _TOP_ONLY and not _top:
        raise ClaimError(f"check {whole!r}: {kind} can only be the outermost kind")
    if kind == "none":
        if sep:
            raise ClaimError(f"check {whole!r}: 'none' takes no arguments (use info:SPEC to show a context value)")
        return Spec("none")
    if not rest:
        raise ClaimError(f"check {whole!r}: {kind} needs arguments")
    if kind in _WRAPPERS:
        inner = parse_spec(rest, _top=False)
        if kind == "sign" and inner.kind == "sign":
            raise ClaimError(f"check {whole!r}: sign:sign is redundant")
        return Spec(kind, parts=(inner,))
    if kind == "calc":
        return _parse_calc(rest, whole)
    if kind in ("ratio", "product"):
        op = "/" if kind == "ratio" else "*"
        halves = rest.split(op)
        if len(halves) != 2 or not all(h.strip() for h in halves):
            raise ClaimError(f"check {whole!r}: {kind} needs exactly two terms joined by {op!r} "
                             "(use calc: for longer expressions)")
        return Spec(kind, parts=tuple(_term(h, whole) for h in halves))
    args = tuple(rest.split(":"))
    if kind == "fact":
        if len(args) not in (1, 2, 3) or not _FACT_ID.match(args[0]):
            raise ClaimError(f"check {whole!r}: expected fact:ID, fact:ID:k or fact:ID:k:READING "
                             "with an id like CST-06")
        if len(args) >= 2 and not args[1].isdigit():
            raise ClaimError(f"check {whole!r}: the part index {args[1]!r} must be a whole number")
        if len(args) == 3 and args[2] not in FACT_READINGS:
            raise ClaimError(f"check {whole!r}: READING must be one of {', '.join(FACT_READINGS)}")
        return Spec(kind, args=args)
    if kind == "basket":
        if len(args) != 3:
            raise ClaimError(f"check {whole!r}: expected basket:T1+T2+...:D0:D1")
        members = args[0].split("+")
        if len(members) < 2 or len(set(members)) != len(members):
            raise ClaimError(f"check {whole!r}: a basket needs two or more different tickers joined by '+'")
        for t in members:
            _check_ticker(t, whole)
        d0, d1 = _check_day(args[1], whole), _check_day(args[2], whole)
        if d0 >= d1:
            raise ClaimError(f"check {whole!r}: D0 ({d0}) must be before D1 ({d1})")
        return Spec(kind, args=args)
    if kind in ("pct_change", "points_change", "mcap_change_bn"):
        n_ok = (3, 4) if kind == "pct_change" else (3,)
        if len(args) not in n_ok:
            raise ClaimError(f"check {whole!r}: expected {kind}:TICKER:D0:D1"
                             + ("[:FIELD]" if kind == "pct_change" else ""))
        _check_ticker(args[0], whole)
        d0, d1 = _check_day(args[1], whole), _check_day(args[2], whole)
        if d0 >= d1:
            raise ClaimError(f"check {whole!r}: D0 ({d0}) must be before D1 ({d1})")
        if len(args) == 4 and args[3] not in PRICE_FIELDS:
            raise ClaimError(f"check {whole!r}: FIELD must be one of {', '.join(PRICE_FIELDS)}")
        return Spec(kind, args=args)
    # close/open/high/low/last_larger_move: TICKER:D
    if len(args) != 2:
        raise ClaimError(f"check {whole!r}: expected {kind}:TICKER:D")
    _check_ticker(args[0], whole)
    _check_day(args[1], whole)
    return Spec(kind, args=args)


# --------------------------------------------------------------------------- facts


FACT_READINGS = ("first", "mid", "scaled")


def fact_value(value: str, unit: str, k: int = 0, reading: str = "first") -> "float | DateSpan":
    """Part ``k`` of a facts-table value, as a number or (for a date unit) a span of days.

    Numbers are read by the facts table's own reader (:func:`shockbook.data.facts.parse_value`),
    so the ledger and the chapters see the same number: ``first`` is the part's first number
    ("GPT-4 78" gives 78), ``mid`` the midpoint of a range ("25,000-30,000" gives 27,500),
    ``scaled`` the first number times the unit's multiplier (thousand, million, billion).
    """
    from shockbook.data import facts as facts_table

    parts = [p.strip() for p in str(value).split(";")]
    if k >= len(parts):
        raise ClaimError(f"part {k} requested but the value {value!r} has {len(parts)} part(s)")
    part = parts[k]
    if str(unit).strip().lower().startswith("date"):
        m = re.match(r"^(\d{4}(?:-\d{2}){0,2})(?:\s+to\s+(\d{4}(?:-\d{2}){0,2}))?", part)
        if not m:
            raise ClaimError(f"value part {part!r} should be a date (the unit is {unit!r})")
        return parse_date_span(m.group(1) if not m.group(2) else f"{m.group(1)} to {m.group(2)}")
    numbers = facts_table.parse_value(str(value))[2][k]
    if not numbers:
        raise ClaimError(f"value part {part!r} holds no number")
    if reading == "mid":
        if len(numbers) != 2:
            raise ClaimError(f"value part {part!r} is not a range of two numbers; 'mid' needs one")
        return (numbers[0] + numbers[1]) / 2
    if reading == "scaled":
        if ";" in str(unit):
            raise ClaimError(f"unit {unit!r} differs by part; 'scaled' needs one unit")
        return numbers[0] * facts_table.unit_scale(unit)
    return float(numbers[0])


# --------------------------------------------------------------------------- evaluation


def _default(name: str):
    if name == "prices":
        from shockbook.data.cache import load_prices
        return load_prices
    if name == "series_info":
        from shockbook.data.cache import series_info
        return series_info
    if name == "shares":
        from shockbook.data.cache import load_shares
        return load_shares
    if name == "facts":
        from shockbook.data.facts import load_facts
        return load_facts
    raise KeyError(name)


class _Context:
    """Memoised data access for one evaluation."""

    def __init__(self, prices, series_info, shares, facts):
        self._prices, self._info, self._shares, self._facts = prices, series_info, shares, facts
        self._p: dict[str, pd.DataFrame] = {}
        self._i: dict[str, dict] = {}
        self._sh = None
        self._f = None

    def prices(self, ticker: str) -> pd.DataFrame:
        if ticker not in self._p:
            try:
                df = self._prices(ticker)
            except (KeyError, ValueError) as exc:  # CacheError is a ValueError
                raise ClaimError(f"no price series for {ticker!r}: {exc}") from None
            df = df.copy()
            df.index = pd.DatetimeIndex(df.index).normalize()
            self._p[ticker] = df.sort_index()
        return self._p[ticker]

    def basis(self, ticker: str) -> str:
        if ticker not in self._i:
            try:
                self._i[ticker] = self._info(ticker)
            except (KeyError, ValueError) as exc:
                raise ClaimError(f"no series information for {ticker!r}: {exc}") from None
        return str(self._i[ticker].get("price_basis", ""))

    def shares(self) -> pd.DataFrame:
        if self._sh is None:
            self._sh = self._shares()
        return self._sh

    def facts(self) -> pd.DataFrame:
        if self._f is None:
            f = self._facts()
            if "id" not in f.columns or "value" not in f.columns or "unit" not in f.columns:
                raise ClaimError("the facts table needs columns id, value and unit")
            self._f = f.set_index("id", drop=False)
        return self._f


def _row(ctx: _Context, ticker: str, day: str) -> tuple[pd.Series, int]:
    df = ctx.prices(ticker)
    ts = pd.Timestamp(day)
    idx = df.index
    if len(idx) == 0 or ts < idx[0] or ts > idx[-1]:
        span = f"{idx[0]:%Y-%m-%d}..{idx[-1]:%Y-%m-%d}" if len(idx) else "empty"
        raise NotCheckable(f"{day} is outside the cached {ticker} series ({span})")
    if ts not in idx:
        before, after = idx[idx < ts][-1], idx[idx > ts][0]
        raise ClaimError(f"{day} is not a trading day of {ticker} (sessions around it: "
                         f"{before:%Y-%m-%d} and {after:%Y-%m-%d})")
    pos = idx.get_loc(ts)
    return df.iloc[pos], pos


def _field(row: pd.Series, field: str, ticker: str, day: str) -> float:
    if field not in row.index or pd.isna(row[field]):
        raise NotCheckable(f"the {ticker} series has no {field} on {day}")
    return float(row[field])


def _need_level(ctx: _Context, ticker: str, what: str, allowed=LEVEL_BASES) -> None:
    basis = ctx.basis(ticker)
    # an exchange rate (FRED's DEXCHUS …) is a level too, wherever indices are allowed
    if basis not in allowed and not (allowed == LEVEL_BASES and basis.startswith("exchange rate")):
        raise ClaimError(f"{what} needs a price level, but {ticker}'s prices are {basis!r} "
                         f"(allowed: {', '.join(allowed)}); use pct_change for returns")


def _shares_at(ctx: _Context, ticker: str, day: str) -> float:
    """The share count chapter 1 uses (:func:`shockbook.analysis.market.shares_outstanding`), on the
    ledger's share table."""
    from shockbook.analysis.market import shares_outstanding  # a function; importing it reads nothing

    try:
        return shares_outstanding(ticker, day, ctx.shares())["shares"]
    except KeyError:
        raise NotCheckable(f"no SEC cover-page share count for {ticker}") from None


def _eval(spec: Spec, ctx: _Context) -> "float | DateSpan":
    k, a = spec.kind, spec.args
    if k == "pct_change":
        field = a[3] if len(a) == 4 else "Close"
        r0, _ = _row(ctx, a[0], a[1])
        r1, _ = _row(ctx, a[0], a[2])
        return 100.0 * (_field(r1, field, a[0], a[2]) / _field(r0, "Close", a[0], a[1]) - 1.0)
    if k == "basket":
        moves = [_eval(Spec("pct_change", args=(t, a[1], a[2])), ctx) for t in a[0].split("+")]
        return sum(moves) / len(moves)
    if k == "points_change":
        _need_level(ctx, a[0], "points_change")
        r0, _ = _row(ctx, a[0], a[1])
        r1, _ = _row(ctx, a[0], a[2])
        return _field(r1, "Close", a[0], a[2]) - _field(r0, "Close", a[0], a[1])
    if k in ("close", "open", "high", "low"):
        _need_level(ctx, a[0], k)
        r, _ = _row(ctx, a[0], a[1])
        return _field(r, k.capitalize(), a[0], a[1])
    if k == "mcap_change_bn":
        _need_level(ctx, a[0], "mcap_change_bn", allowed=("unadjusted",))
        r0, _ = _row(ctx, a[0], a[1])
        r1, _ = _row(ctx, a[0], a[2])
        n = _shares_at(ctx, a[0], a[2])
        return n * (_field(r1, "Close", a[0], a[2]) - _field(r0, "Close", a[0], a[1])) / 1e9
    if k == "last_larger_move":
        df = ctx.prices(a[0])
        _, pos = _row(ctx, a[0], a[1])
        if pos == 0:
            raise NotCheckable(f"{a[1]} is the first session of the cached {a[0]} series")
        moves = df["Close"].pct_change()
        move = moves.iloc[pos]
        earlier = moves.iloc[1:pos]
        hit = earlier[earlier <= move] if move < 0 else earlier[earlier >= move]
        if hit.empty:
            raise NotCheckable(f"no move as large as {a[1]}'s in the cached {a[0]} series, which starts "
                               f"{df.index[0]:%Y-%m-%d}: the record may be older than the cache")
        return DateSpan(hit.index[-1].date(), hit.index[-1].date())
    if k == "fact":
        facts = ctx.facts()
        if a[0] not in facts.index:
            raise ClaimError(f"no fact with id {a[0]!r} in the facts table")
        row = facts.loc[a[0]]
        return fact_value(row["value"], row["unit"], int(a[1]) if len(a) >= 2 else 0, a[2] if len(a) == 3 else "first")
    if k in ("ratio", "product", "calc"):
        vals = []
        for p in spec.parts:
            v = p if isinstance(p, float) else _eval(p, ctx)
            if isinstance(v, DateSpan):
                raise ClaimError(f"{k}: a term is a date ({v}); arithmetic needs numbers")
            vals.append(v)
        if k == "ratio":
            if vals[1] == 0:
                raise ClaimError("ratio: division by zero")
            return vals[0] / vals[1]
        if k == "product":
            return vals[0] * vals[1]
        try:
            return float(eval(compile(spec.expr, "<calc>", "eval"), {"__builtins__": {}},  # noqa: S307
                              {f"t{i}": v for i, v in enumerate(vals)}))
        except ZeroDivisionError:
            raise ClaimError("calc: division by zero") from None
    if k == "sign":
        v = _eval(spec.parts[0], ctx)
        if isinstance(v, DateSpan):
            raise ClaimError("sign: needs a number, not a date")
        return float((v > 0) - (v < 0))
    raise ClaimError(f"{k}: cannot be evaluated here")  # pragma: no cover (wrappers handled by caller)


def measure(spec: "Spec | str", prices=None, series_info=None, shares=None, facts=None) -> "float | DateSpan":
    """The value a spec measures (``info``/bound wrappers are looked through)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    while spec.kind in ("info", "atleast", "atmost"):
        spec = spec.parts[0]
    if spec.kind == "none":
        raise NotCheckable("the check is 'none'")
    ctx = _Context(prices or _default("prices"), series_info or _default("series_info"),
                   shares or _default("shares"), facts or _default("facts"))
    return _eval(spec, ctx)


def parse_claimed(value, unit: str) -> "float | DateSpan":
    """A ``claimed_value`` as a number, or as a span of days when ``unit`` is 'date'."""
    if str(unit).strip() == "date":
        return parse_date_span(str(value))
    v = float(value)
    if math.isnan(v):
        raise ValueError("claimed_value is empty")
    return v


def verdict(claimed: "float | DateSpan", measured: "float | DateSpan", tolerance: float,
            bound: str | None = None, close_factor: float = CLOSE_FACTOR) -> tuple[str, float]:
    """(verdict, difference) for one claim; difference is measured − claimed (days for dates).

    ``bound`` is None (a point claim), 'atleast' or 'atmost'; ``close_factor`` is how many
    tolerances still count as "close" (at least 1). See the module docstring.
    """
    check_close_factor(close_factor)
    if tolerance < 0 or math.isnan(tolerance):
        raise ValueError(f"tolerance must be a non-negative number, not {tolerance}")
    if isinstance(claimed, DateSpan) != isinstance(measured, DateSpan):
        raise ClaimError(f"cannot compare a {'date' if isinstance(claimed, DateSpan) else 'number'} claim "
                         f"with a {'date' if isinstance(measured, DateSpan) else 'number'} measurement")
    if isinstance(claimed, DateSpan):
        diff = float(claimed.distance(measured))
    else:
        diff = float(measured) - float(claimed)
    if bound is None:
        dist = abs(diff)
    elif bound == "atleast":
        dist = max(0.0, -diff)
    elif bound == "atmost":
        dist = max(0.0, diff)
    else:
        raise ValueError(f"bound must be None, 'atleast' or 'atmost', not {bound!r}")
    eps = 1e-9 * max(1.0, abs(diff), tolerance)
    if dist <= tolerance + eps:
        return CONFIRMED, diff
    if dist <= close_factor * tolerance + eps:
        return CLOSE, diff
    return CONTRADICTED, diff


def check_close_factor(close_factor) -> float:
    """``close_factor`` as a float; ValueError unless it is a number from 1 to 100."""
    from shockbook import params

    params.number("close_factor", close_factor, 1, 100, "tolerances (1 means no claim is 'close')")
    return float(close_factor)


def _display(v) -> object:
    return str(v) if isinstance(v, DateSpan) else float(v)


def evaluate(claims: pd.DataFrame, prices: Callable | None = None, shares: Callable | None = None,
             facts: Callable | None = None, series_info: Callable | None = None,
             close_factor: float = CLOSE_FACTOR) -> pd.DataFrame:
    """The ledger with ``measured``, ``difference``, ``verdict`` and ``reason`` added.

    ``prices(ticker)``, ``series_info(ticker)``, ``shares()`` and ``facts()`` default to the
    book's cache and facts table; tests pass fakes. ``measured`` is a float, or an ISO date
    (span) for date claims; ``difference`` is measured − claimed (days for dates).
    ``close_factor``: how many tolerances still count as "close" (see :func:`verdict`).
    """
    close_factor = check_close_factor(close_factor)
    ctx = _Context(prices or _default("prices"), series_info or _default("series_info"),
                   shares or _default("shares"), facts or _default("facts"))
    measured, diffs, verdicts, reasons = [], [], [], []
    for _, row in claims.iterrows():
        cid = row.get("id", "?")
        try:
            spec = parse_spec(row["check"])
            m, d, v, why = _evaluate_one(spec, row, ctx, close_factor)
        except ClaimError as exc:
            raise ClaimError(f"claim {cid}: {exc}") from None
        measured.append(m)
        diffs.append(d)
        verdicts.append(v)
        reasons.append(why)
    out = claims.copy()
    out["measured"] = pd.Series(measured, index=out.index, dtype=object)
    out["difference"] = pd.Series(diffs, index=out.index, dtype=float)
    out["verdict"] = verdicts
    out["reason"] = reasons
    return out


def _evaluate_one(spec: Spec, row: pd.Series, ctx: _Context, close_factor: float = CLOSE_FACTOR):
    try:
        claimed = parse_claimed(row["claimed_value"], row["unit"])
    except ValueError as exc:
        raise ClaimError(f"claimed_value {row['claimed_value']!r}: {exc}") from None
    stated = str(row.get("uncheckable", "") or "").strip()
    if spec.kind == "none":
        return None, math.nan, NOT_CHECKABLE, stated
    bound = spec.kind if spec.kind in ("atleast", "atmost") else None
    inner = spec.parts[0] if spec.kind in ("info", "atleast", "atmost") else spec
    try:
        value = _eval(inner, ctx)
    except NotCheckable as exc:
        return None, math.nan, NOT_CHECKABLE, stated or f"{MISSING}: {exc}"
    if spec.kind == "info":
        return _display(value), math.nan, NOT_CHECKABLE, f"{stated} (the value shown is context)"
    v, d = verdict(claimed, value, float(row["tolerance"]), bound, close_factor)
    if v in (CONFIRMED, CLOSE) and _rests_on_claims_only(inner, ctx):
        return (_display(value), d, ATTRIBUTED,
                "the article reports correctly what someone said; the book has no evidence for it")
    return _display(value), d, v, ""


def uncheckable_kind(reason: str) -> str:
    """The short reason (one of :data:`UNCHECKABLE_REASONS`) a not-checkable claim's ``reason`` or
    ``uncheckable`` text begins with; ValueError if it begins with none of them."""
    text = str(reason).strip()
    for r in UNCHECKABLE_REASONS:
        if text == r or text.startswith(r + " (") or (r == MISSING and text.startswith(r + ": ")):
            return r
    raise ValueError(f"{reason!r} does not begin with a reason from: {'; '.join(UNCHECKABLE_REASONS)}")


def check_uncheckable(text: str) -> str:
    """A ledger ``uncheckable`` value, checked: one of the reasons, and for the last one what is
    missing after ': '. ValueError in one line otherwise."""
    text = str(text).strip()
    if text in UNCHECKABLE_REASONS[:-1]:
        return text
    if text.startswith(MISSING + ": ") and len(text) > len(MISSING) + 4:
        return text
    raise ValueError(f"uncheckable {text!r} must be one of: {'; '.join(UNCHECKABLE_REASONS[:-1])}; or "
                     f"'{MISSING}: WHAT IS MISSING'")


def _fact_ids(spec: Spec) -> list[str]:
    ids = [spec.args[0]] if spec.kind == "fact" else []
    for part in spec.parts:
        if isinstance(part, Spec):
            ids += _fact_ids(part)
    return ids


def _rests_on_claims_only(spec: Spec, ctx: _Context) -> bool:
    """True when a check reads only facts whose status is 'claim' (what someone said, unverified):
    agreeing with such a fact shows that the article quotes correctly, not that the number is true."""
    ids = _fact_ids(spec)
    if not ids or "status" not in ctx.facts().columns:
        return False
    return all(str(ctx.facts().loc[i, "status"]) == "claim" for i in ids)


# --------------------------------------------------------------------------- the ledger file


def validate(df: pd.DataFrame, source: str = "claims") -> pd.DataFrame:
    """Check a ledger frame (all columns as strings) and return it with typed columns.

    Raises :class:`ClaimError` listing every problem, each naming its row id (or line).
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ClaimError(f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    extra = [c for c in df.columns if c not in COLUMNS]
    if extra:
        raise ClaimError(f"{source}: unexpected column(s) {', '.join(extra)} (measured values and verdicts are "
                         "computed by shockbook.analysis.claims.evaluate, never stored)")
    problems = []
    seen = {}
    for i, row in df.reset_index(drop=True).iterrows():
        where = f"{source} line {i + 2}"
        cid = str(row["id"]).strip()
        if not _CLAIM_ID.match(cid):
            problems.append(f"{where}: id {cid!r} is not like C01")
        else:
            where = f"{source} claim {cid} (line {i + 2})"
            if cid in seen:
                problems.append(f"{where}: duplicate id (first on line {seen[cid]})")
            seen.setdefault(cid, i + 2)
        art = str(row["article_file"]).strip()
        if art not in ARTICLES:
            problems.append(f"{where}: unknown article file {art!r}; known: {', '.join(ARTICLES)}")
        else:
            outlet, adate = ARTICLES[art]
            if str(row["outlet"]).strip() != outlet:
                problems.append(f"{where}: outlet {row['outlet']!r} should be {outlet!r} for {art}")
            if str(row["article_date"]).strip() != adate:
                problems.append(f"{where}: article_date {row['article_date']!r} should be {adate!r} for {art}")
        if str(row["chapter"]).strip() not in {"1", "2", "3", "4", "5"}:
            problems.append(f"{where}: chapter {row['chapter']!r} must be 1-5")
        if str(row["kind"]).strip() not in CLAIM_KINDS:
            problems.append(f"{where}: kind {row['kind']!r} must be one of: {', '.join(CLAIM_KINDS)}")
        for col in ("claim", "unit", "subject", "convention", "note", "uncheckable"):
            text = str(row[col]).strip()
            if not text and col != "uncheckable":  # empty for every scored claim
                problems.append(f"{where}: {col} is empty")
            elif _CJK.search(text):
                problems.append(f"{where}: {col} contains Chinese characters; the ledger is in English")
        try:
            parse_claimed(row["claimed_value"], row["unit"])
        except ValueError as exc:
            problems.append(f"{where}: claimed_value {row['claimed_value']!r} ({exc})")
        try:
            parse_date_span(row["ref_date"])
        except ValueError as exc:
            problems.append(f"{where}: ref_date: {exc}")
        try:
            tol = float(row["tolerance"])
            if math.isnan(tol) or tol < 0:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: tolerance {row['tolerance']!r} must be a number >= 0")
        spec = None
        try:
            spec = parse_spec(row["check"])
        except ClaimError as exc:
            problems.append(f"{where}: {exc}")
        why = str(row["uncheckable"]).strip()
        if spec is not None and spec.kind in ("none", "info"):
            try:
                check_uncheckable(why)
            except ValueError as exc:
                problems.append(f"{where}: a '{spec.kind}' check needs a reason: {exc}")
        elif spec is not None and why:
            problems.append(f"{where}: uncheckable is {why!r} but the check {row['check']!r} is scored; "
                            "leave it empty or make the check none/info")
    if problems:
        raise ClaimError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    out = df.copy()
    out["chapter"] = out["chapter"].astype(int)
    out["tolerance"] = out["tolerance"].astype(float)
    # numbers become floats; dates stay as written ('2024-12' is a month, not its first day)
    out["claimed_value"] = pd.Series(
        [str(v).strip() if str(u).strip() == "date" else float(v) for v, u in zip(out["claimed_value"], out["unit"])],
        index=out.index, dtype=object)
    return out


def load_claims(path: "str | Path | None" = None) -> pd.DataFrame:
    """Read and validate ``data/claims.csv`` (or ``path``)."""
    path = Path(path or CLAIMS_FILE)
    if not path.exists():
        raise ClaimError(f"{path} is missing")
    from shockbook.data.cache import _note_read, sha256_bytes  # the runner reruns the chapters that read a changed file

    data = path.read_bytes()
    digest = sha256_bytes(data)
    _note_read(path, digest=digest)
    label = paths.rel(path)
    key = (label, digest)
    if key not in _VALIDATED:  # validated once per process while the bytes are the same
        _VALIDATED[key] = validate(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8"), label)
    return _VALIDATED[key].copy()


_VALIDATED: dict[tuple[str, str], pd.DataFrame] = {}


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval for a share k/n (95% by default): honest for the small counts of one
    article, where k/n ± z·se can leave [0, 1]. (nan, nan) when n is 0."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def summary(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Counts of verdicts per article (rows, with a total row), one column per verdict plus 'claims'."""
    counts = pd.crosstab(evaluated["article_file"], evaluated["verdict"])
    counts = counts.reindex(columns=list(VERDICTS), fill_value=0)
    order = [a for a in ARTICLES if a in counts.index] + [a for a in counts.index if a not in ARTICLES]
    counts = counts.reindex(order)
    counts.insert(0, "outlet", [ARTICLES.get(a, ("?", ""))[0] for a in counts.index])
    counts["claims"] = counts[list(VERDICTS)].sum(axis=1)
    total = counts[list(VERDICTS) + ["claims"]].sum()
    counts.loc["total"] = ["all five articles", *total.tolist()]
    counts.index.name = "article_file"
    counts.columns.name = None
    return counts


VERDICT_CSS = {CONFIRMED: "verdict-confirmed", CLOSE: "verdict-close", CONTRADICTED: "verdict-contradicted",
               ATTRIBUTED: "verdict-attributed", NOT_CHECKABLE: "verdict-uncheckable"}


def anchor(claim_id: str) -> str:
    """The HTML id of a claim's row in chapter 6's ledger."""
    return f"claim-{claim_id.lower()}"


def _fmt(value) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:,.4g}"
    return "–" if value is None or value == "" else str(value)


def chapter_claims(chapter: int, evaluated: pd.DataFrame | None = None):
    """The claims of one chapter's topic as an HTML list, each linked to its row in chapter 6."""
    from html import escape

    from IPython.display import HTML

    if evaluated is None:  # evaluate only this chapter's rows, so the chapter reads only what they use
        ledger = load_claims()
        evaluated = evaluate(ledger[ledger["chapter"].astype(int) == chapter].reset_index(drop=True))
    rows = evaluated[evaluated["chapter"].astype(int) == chapter]
    items = []
    for _, r in rows.iterrows():
        items.append(
            f'<li><a href="06_claims.html#{anchor(r["id"])}">{escape(r["id"])}</a> '
            f'<span class="verdict {VERDICT_CSS[r["verdict"]]}">{escape(r["verdict"])}</span> '
            f'{escape(r["claim"])} <span class="claim-source">({escape(r["outlet"])}, {escape(r["article_date"])}; '
            f'claimed {escape(_fmt(r["claimed_value"]))}, measured {escape(_fmt(r["measured"]))})</span></li>')
    return HTML(f'<ul class="shockbook-claims">{"".join(items)}</ul>')


# --------------------------------------------------------------------------- numbers left out of the ledger

EXCLUDED_FILE = paths.DATA_DIR / "claims_excluded.csv"
EXCLUSION_COLUMNS = ["article_file", "number", "paraphrase", "reason", "note"]
#: Why a number in an article is not a ledger row; 'duplicate of Cnn' names the row that holds it.
EXCLUSION_REASONS = ("advertising", "page furniture", "not a claim", "duplicate of Cnn")
TRANSLATION_MARK = "(our translation)"
_DUPLICATE = re.compile(r"^duplicate of (C\d{2,3})$")


def validate_exclusions(df: pd.DataFrame, ledger: pd.DataFrame | None = None,
                        source: str = "claims_excluded") -> pd.DataFrame:
    """Check the list of article numbers left out of the ledger; :class:`ClaimError` lists every
    problem.

    Every number in the five articles is a ledger row or a row here. Digits inside names
    (DeepSeek-V3, GPT-4o, H800, Llama 3.1, MI300X, Kimi k1.5) are part of the name, not numbers,
    and are listed nowhere. Each row names its article, the number as written (in the original script: it is what
    a reader searches the article for), an English paraphrase marked ``(our translation)``, and a
    reason from :data:`EXCLUSION_REASONS`; a duplicate must name a ledger row of the same article."""
    if list(df.columns) != EXCLUSION_COLUMNS:
        raise ClaimError(f"{source}: columns must be {', '.join(EXCLUSION_COLUMNS)}, not {', '.join(df.columns)}")
    by_id = {} if ledger is None else dict(zip(ledger["id"], ledger["article_file"]))
    problems = []
    for i, row in df.reset_index(drop=True).iterrows():
        where = f"{source} line {i + 2}"
        art = str(row["article_file"]).strip()
        if art not in ARTICLES:
            problems.append(f"{where}: unknown article file {art!r}")
        if not str(row["number"]).strip():
            problems.append(f"{where}: number is empty")
        para = str(row["paraphrase"]).strip()
        if not para.endswith(TRANSLATION_MARK) or len(para) <= len(TRANSLATION_MARK) + 2:
            problems.append(f"{where}: paraphrase must be English text ending with {TRANSLATION_MARK!r}")
        if _CJK.search(para) or _CJK.search(str(row["note"])):
            problems.append(f"{where}: paraphrase and note are in English")
        reason = str(row["reason"]).strip()
        dup = _DUPLICATE.match(reason)
        if dup:
            cid = dup.group(1)
            if ledger is not None and cid not in by_id:
                problems.append(f"{where}: {reason!r} names no ledger row")
            elif ledger is not None and by_id[cid] != art:
                problems.append(f"{where}: {cid} belongs to another article ({by_id[cid]})")
        elif reason not in EXCLUSION_REASONS[:-1]:
            problems.append(f"{where}: reason {reason!r} must be one of {', '.join(EXCLUSION_REASONS)}")
    if problems:
        raise ClaimError(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return df


def load_exclusions(path: "str | Path | None" = None, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate ``data/claims_excluded.csv`` (against the ledger, if given)."""
    path = Path(path or EXCLUDED_FILE)
    if not path.exists():
        raise ClaimError(f"{path} is missing")
    from shockbook.data.cache import _note_read

    _note_read(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return validate_exclusions(df, ledger, path.name)


def exclusion_reason_kind(reason: str) -> str:
    """'duplicate of C75' -> 'duplicate'; other reasons as they are."""
    return "duplicate" if _DUPLICATE.match(str(reason).strip()) else str(reason).strip()
