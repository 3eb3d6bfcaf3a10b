"""Capital expenditure read from the companies' own SEC filings (the text of the EDGAR documents).

The raw folder ``../shared/data/raw/heliar-k_market-base/sec/`` holds the text of 10-K, 10-Q and
20-F filings (gzip), copied byte for byte from ``heliar-k/market-base`` (see that folder's
``SOURCES.md`` and ``MANIFEST.csv``). This module finds one line of a cash-flow statement by its
exact name and returns its numbers with the period each belongs to, read from the statement's own
column headings. Nothing is typed in: a changed or missing line raises :class:`FilingError`.

Why the statement heading matters: the same line name also appears in the free-cash-flow
reconciliation and the notes (Amazon's "Purchases of property and equipment, net of proceeds ...").
Only the line inside the consolidated cash-flow statement is read, and its name must be followed
directly by the numbers, so a longer line that merely starts with the same words never matches.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from shockbook import paths as _paths

SEC_DIR = _paths.SHARED_DIR / "data" / "raw" / "heliar-k_market-base" / "sec"

#: The cash-flow line each company uses for its capital expenditure, and the filing that reports
#: the 2024 figure. Microsoft's stored filing is a 10-Q (its fiscal year ends in June), so the
#: line there covers the six months to 31 December 2024, not the calendar year.
CAPEX_LINES: dict[str, tuple[str, str]] = {
    "AMZN": ("AMZN_10-K_2025-02-07.txt.gz", "Purchases of property and equipment"),
    "GOOG": ("GOOG_10-K_2025-02-05.txt.gz", "Purchases of property and equipment"),
    "META": ("META_10-K_2025-01-30.txt.gz", "Purchases of property and equipment"),
    "MSFT": ("MSFT_10-Q_2025-01-29.txt.gz", "Additions to property and equipment"),
}

# The statement itself is headed in capitals; the table of contents uses title case.
_HEADING_RE = re.compile(r"CONSOLIDATED STATEMENTS OF CASH FLOWS|CASH FLOWS STATEMENTS")
_PERIOD_RE = re.compile(r"\s*((?:Three|Six|Nine|Twelve) Months|Year) Ended\s+([A-Z][a-z]+ \d{1,2})\s*,", re.I)
_YEARS_RE = re.compile(r"\s*((?:(?:19|20)\d{2}\s+)+)")
# A figure in a statement: "( 37,256 )" is negative, "52,535" positive, "—" nil.
_FIGURE = r"(?:\(\s*[\d,]+(?:\.\d+)?\s*\)|[\d,]+(?:\.\d+)?|—)"


class FilingError(ValueError):
    """A filing is missing, or the line asked for is not where a cash-flow statement puts it."""


@dataclass(frozen=True)
class StatementLine:
    """One line of a cash-flow statement: its name, the file, and one figure per column."""

    ticker: str
    file: str
    line: str
    unit: str
    periods: tuple[str, ...]   # e.g. ("Year ended December 31 2024", ...), in the statement's column order
    values: tuple[float, ...]  # as printed: outflows negative

    def value(self, period: str) -> float:
        """The figure of the column whose heading is ``period`` (see :attr:`periods`)."""
        try:
            return self.values[self.periods.index(period)]
        except ValueError:
            raise FilingError(f"{self.file}: {self.line!r} has no column {period!r}; "
                              f"columns are {list(self.periods)}.") from None


def read_filing(path: Path) -> str:
    """The filing's text with every run of whitespace made one space (the files break lines anywhere)."""
    path = Path(path)
    if not path.is_file():
        raise FilingError(f"{path}: filing not found (expected the text of an EDGAR filing, gzip).")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return re.sub(r"\s+", " ", fh.read())


def parse_figure(text: str) -> float:
    """``"( 37,256 )"`` -> -37256.0; ``"52,535"`` -> 52535.0; ``"—"`` -> 0.0."""
    s = text.strip()
    if s == "—":
        return 0.0
    negative = s.startswith("(")
    number = float(s.strip("() ").replace(",", ""))
    return -number if negative else number


def _column_headings(after_heading: str, where: str) -> tuple[tuple[str, ...], str]:
    """Column labels of a statement from the text that follows its heading, and the unit."""
    unit_m = re.match(r"\s*\((in millions)\)", after_heading, re.I)
    if not unit_m:
        raise FilingError(f"{where}: the cash-flow statement does not say '(in millions)' under its heading.")
    rest = after_heading[unit_m.end():]
    rest = re.sub(r"^\s*\(Unaudited\)", "", rest, flags=re.I)
    periods = []
    pos = 0
    while True:
        m = _PERIOD_RE.match(rest, pos)
        if not m:
            break
        periods.append(f"{m.group(1).capitalize()} ended {m.group(2)}")
        pos = m.end()
    years_m = _YEARS_RE.match(rest, pos)
    if not periods or not years_m:
        raise FilingError(f"{where}: cannot read the column headings of the cash-flow statement "
                          f"(text after the heading: {rest[:120]!r}).")
    years = years_m.group(1).split()
    if len(years) % len(periods):
        raise FilingError(f"{where}: {len(years)} year columns do not divide among the periods {periods}.")
    per = len(years) // len(periods)
    labels = tuple(f"{periods[i // per]} {y}" for i, y in enumerate(years))
    return labels, "USD million"


def cash_flow_line(text: str, line: str, *, ticker: str = "", file: str = "") -> StatementLine:
    """The line named ``line`` in the consolidated cash-flow statement of a filing's text.

    The first statement heading under which the line appears is used (Meta's statement runs over
    two pages, each headed). Raises FilingError when no heading, no such line, or the wrong number
    of figures is found.
    """
    where = file or "filing"
    headings = [m.end() for m in _HEADING_RE.finditer(text)]
    if not headings:
        raise FilingError(f"{where}: no consolidated cash-flow statement heading found.")
    line_re = re.compile(re.escape(line) + r"\s+(" + _FIGURE + r"(?:\s+" + _FIGURE + r")*)")
    for i, start in enumerate(headings):
        end = headings[i + 1] if i + 1 < len(headings) else len(text)
        block = text[start:end]
        m = line_re.search(block)
        if not m:
            continue
        labels, unit = _column_headings(block, where)
        figures = re.findall(_FIGURE, m.group(1))
        if len(figures) < len(labels):
            raise FilingError(f"{where}: {line!r} has {len(figures)} figures, the statement has "
                              f"{len(labels)} columns ({list(labels)}).")
        values = tuple(parse_figure(f) for f in figures[: len(labels)])
        return StatementLine(ticker=ticker, file=file, line=line, unit=unit, periods=labels, values=values)
    raise FilingError(f"{where}: no line named exactly {line!r} followed by figures in the cash-flow statement.")


def capex_line(ticker: str, sec_dir: Path | None = None) -> StatementLine:
    """The capital-expenditure line of ``ticker``'s stored filing (see :data:`CAPEX_LINES`)."""
    if ticker not in CAPEX_LINES:
        raise FilingError(f"no capex line is defined for {ticker!r}; known: {sorted(CAPEX_LINES)}.")
    name, line = CAPEX_LINES[ticker]
    path = Path(sec_dir or SEC_DIR) / name
    return cash_flow_line(read_filing(path), line, ticker=ticker, file=name)


def capex_2024(ticker: str, sec_dir: Path | None = None) -> tuple[str, float, StatementLine]:
    """``(period, capex in USD million as a positive outflow, the line)`` for the latest 2024 period.

    Calendar year 2024 for the 10-K filers; for Microsoft the six months to 31 December 2024.
    """
    st = capex_line(ticker, sec_dir)
    wanted = [p for p in st.periods if p.endswith("December 31 2024")]
    if not wanted:
        raise FilingError(f"{st.file}: {st.line!r} has no column ending 31 December 2024 ({list(st.periods)}).")
    # prefer the longest period that ends on 31 Dec 2024 (year > six months > three months)
    order = ("Year", "Twelve", "Nine", "Six", "Three")
    wanted.sort(key=lambda p: next(i for i, w in enumerate(order) if p.startswith(w)))
    period = wanted[0]
    return period, -st.value(period), st


# --------------------------------------------------------------------------------------------
# The capex lines as rows of the book's facts (data/facts/additions.csv)
# --------------------------------------------------------------------------------------------

#: EDGAR addresses of the stored filings. The stored texts carry neither a URL nor an accession
#: number, so these come from search results in which several unrelated repositories give the same
#: address (accession in the path); each was matched to the stored file by form, company and date.
FILING_URLS: dict[str, str] = {
    "AMZN": "https://www.sec.gov/Archives/edgar/data/1018724/000101872425000004/amzn-20241231.htm",
    "GOOG": "https://www.sec.gov/Archives/edgar/data/1652044/000165204425000014/goog-20241231.htm",
    "META": "https://www.sec.gov/Archives/edgar/data/1326801/000132680125000017/meta-20241231.htm",
    "MSFT": "https://www.sec.gov/Archives/edgar/data/789019/000095017025010491/msft-20241231.htm",
}
_COMPANY = {"AMZN": "Amazon", "GOOG": "Alphabet", "META": "Meta", "MSFT": "Microsoft"}
_FORM = {"AMZN": "Form 10-K for 2024", "GOOG": "Form 10-K for 2024", "META": "Form 10-K for 2024",
         "MSFT": "Form 10-Q for the quarter to 31 December 2024 (fiscal 2025 Q2)"}
#: (fact id, ticker, column of the statement) -> the book's addition rows, in this order.
CAPEX_FACTS: tuple[tuple[str, str, str], ...] = (
    ("RSP-B07", "META", "Year ended December 31 2024"),
    ("RSP-B08", "GOOG", "Year ended December 31 2024"),
    ("RSP-B09", "AMZN", "Year ended December 31 2024"),
    ("RSP-B10", "MSFT", "Six months ended December 31 2024"),
    ("RSP-B11", "MSFT", "Three months ended December 31 2024"),
)
_RETIRES = {
    "META": "It gives the 2024 actual where the book showed guidance (RSP-10's note, 'guidance $38-40B') and "
            "replaces Meta's share of the aggregate RSP-13 (Online.ua)",
    "GOOG": "It confirms from the filing the 2024 figure RSP-11 states in words and replaces Alphabet's share of RSP-13 (Online.ua)",
    "AMZN": "It settles RSP-12's conflict on the 2024 total (the gross line; net of proceeds the filing's "
            "free-cash-flow table gives less) and replaces Amazon's share of RSP-13 (Online.ua)",
    "MSFT": "Microsoft's fiscal year ends in June and the stored filing is a 10-Q, so no calendar-2024 total can be "
            "read from it; the cash line is narrower than the $22.6 billion including finance leases in RSP-B02 (Kaohoon)",
}


def capex_fact_rows(sec_dir: Path | None = None) -> list[dict[str, str]]:
    """The additions rows for :data:`CAPEX_FACTS`, every number read from the filing text now."""
    rows = []
    for fid, ticker, period in CAPEX_FACTS:
        st = capex_line(ticker, sec_dir)
        value = -st.value(period)
        name, line = CAPEX_LINES[ticker]
        end = "2024-12-31"
        span = (period[0].lower() + period[1:]).replace("December 31 2024", "31 December 2024")
        rows.append({
            "id": fid, "chapter": "4",
            "statement": (f"{_COMPANY[ticker]}'s cash-flow statement reports its cash capital expenditure for the "
                          f"{span} on the line '{line}' (finance leases not included)."),
            "value": f"{value:.0f}",
            "unit": f"USD million ({span}, cash paid, from the filing)",
            "as_of": end,
            "source_title": (f"{_COMPANY[ticker]} {_FORM[ticker]} (SEC EDGAR), consolidated cash-flow statement, "
                             f"line '{line}'"),
            "source_url": FILING_URLS[ticker],
            "note": (f"Book addition, looked up 2026-11-30 in the filing's own text by shockbook.data.filings, "
                     f"../shared/data/raw/heliar-k_market-base/sec/{name} (the statement's column '{period}'); "
                     f"reliability: Primary. The stored text records no URL or accession number; the EDGAR address "
                     f"is the one several independent listings give for this filing. {_RETIRES[ticker]}."),
        })
    return rows
