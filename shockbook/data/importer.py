"""Build the cache in ``data/market`` from the cross-checked raw files in ``../shared/data/raw``.

The raw files come in several layouts (plain yfinance CSVs, yfinance's three-line
multi-index header, a ticker line under the header, lower-case A-share columns); each
is read into the book's one schema. The origin of every series — repository, commit,
path, git blob and the sha256 of the raw file — goes into the manifest. The output is
deterministic: importing twice gives byte-identical files.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from shockbook import paths
from shockbook.data import cache, catalog

RENAME = {"date": "Date", "open": "Open", "high": "High", "low": "Low", "close": "Close",
          "adj_close": "Adj Close", "AdjClose": "Adj Close", "volume": "Volume"}
FRED_MISSING = {"", "."}  # how FRED writes a holiday: an empty value, or '.' in its own downloads


def read_raw_prices(path: Path) -> pd.DataFrame:
    """One raw price file as a frame with a 'Date' column and yfinance's column names.

    Header rows that are not data (yfinance's 'Ticker'/'Date' lines, a line of tickers)
    are recognised by a first cell that is not a date, and dropped. A FRED series (a date and
    one value, e.g. ``date,dexchus``) becomes the Close; its holiday rows, which have no value,
    are not observations and are dropped, their dates kept in ``attrs["holidays"]``.
    """
    df = pd.read_csv(path, dtype=str)
    holidays: list[str] = []
    if len(df.columns) == 2:  # FRED: DATE,VALUE or date,<series id>
        df.columns = ["Date", "Close"]
        missing = df["Close"].isna() | df["Close"].str.strip().isin(FRED_MISSING)
        holidays = df.loc[missing, "Date"].str.slice(0, 10).tolist()
        df = df[~missing]
    df = df.rename(columns={c: RENAME.get(c, c) for c in df.columns})
    first = df.columns[0]
    df = df.rename(columns={first: "Date"})  # 'Price' in the multi-index layout
    # '2025-01-02 00:00:00+08:00' (local midnight) -> '2025-01-02': the local trading date.
    df["Date"] = df["Date"].str.slice(0, 10)
    df = df[pd.to_datetime(df["Date"], format="%Y-%m-%d", errors="coerce").notna()]
    keep = [c for c in cache.SCHEMA_COLUMNS if c in df.columns]
    out = df[keep].reset_index(drop=True)
    out.attrs["holidays"] = holidays
    return out


def _raw_manifest(raw_dir: Path) -> dict[str, dict]:
    with open(raw_dir / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        return {row["local_file_under_data_raw"]: row for row in csv.DictReader(fh)}


def origin_of(series: catalog.Series, raw_dir: Path, raw_manifest: dict[str, dict]) -> dict:
    src = catalog.SOURCES[series.source]
    local = f"{src.folder}/{series.raw_path}"
    row = raw_manifest.get(local)
    if row is None:
        raise cache.CacheError(f"{local} is not listed in {raw_dir / 'MANIFEST.csv'}; cannot record its origin.")
    return {
        "kind": "import",
        "repository": row["repo"],
        "commit": row["commit"],
        "path": row["path_in_repo"],
        "git_blob_sha1": row["git_blob_sha1"],
        "snapshot": src.snapshot,
        "raw_file": f"shared/data/raw/{local}",
        "raw_sha256": cache.sha256_file(raw_dir / local),
    }


def cross_check(series: catalog.Series, frame: pd.DataFrame, raw_dir: Path) -> list[dict]:
    """Compare the series' closes with each independent source over the cache's window.

    Recorded in the manifest: how many common days, the largest and the median absolute
    difference in percent, the date of the largest, and dates present in one source but not the
    other. Dividend-adjusted series (0700.HK) are compared by daily returns, since the two files
    were adjusted at different dates. A NEXT_ROW check compares our day t with the other
    source's next row (FRED's noon rate against Yahoo's FX bar stamped at midnight London).
    """
    ours = frame.set_index(frame["Date"].str.slice(0, 10))["Close"].astype(float)
    ours = ours[(ours.index >= catalog.START) & (ours.index <= catalog.END)]
    out = []
    for name, rel, column, *how in catalog.CROSS_CHECKS.get(series.ticker, []):
        other = pd.read_csv(raw_dir / rel, dtype=str)
        dates = other.iloc[:, 0].str.slice(0, 10)
        theirs = pd.Series(pd.to_numeric(other[column], errors="coerce").to_numpy(), index=dates).dropna()
        theirs = theirs[~theirs.index.duplicated(keep="last")]  # an appended file may repeat its last day
        if how == [catalog.NEXT_ROW]:
            theirs = theirs.shift(-1).dropna()  # their next row, filed under the date of the row before it
        theirs = theirs[(theirs.index >= ours.index[0]) & (theirs.index <= ours.index[-1])]
        common = ours.index.intersection(theirs.index)
        extra = {}
        if series.price_basis not in (catalog.UNADJUSTED, catalog.INDEX, catalog.FX_RATE):  # adjusted at different dates
            a, b = ours[common].pct_change().dropna(), theirs[common].pct_change().dropna()
            gap = (a - b).abs() * 100
            measure = "largest difference of daily returns (percentage points)"
        else:
            gap = (ours[common] / theirs[common] - 1).abs() * 100
            measure = "largest difference of closes (%)"
            # In price units too: a split-adjusted $3.65 rounded to the cent differs by 0.14%, yet by half a cent.
            extra = {"max_abs_price_diff": round(float((ours[common] - theirs[common]).abs().max()), 6)}
        if how == [catalog.NEXT_ROW]:
            measure += ", ours on day t against theirs on the next row"
        out.append({"source": name, "file": f"shared/data/raw/{rel}", "common_days": int(len(common)),
                    "measure": measure, "max_abs_diff": round(float(gap.max()), 6),
                    "max_on": str(gap.idxmax()), "median_abs_diff": round(float(gap.median()), 6), **extra,
                    "only_here": int(len(ours.index.difference(theirs.index))),
                    "only_there": int(len(theirs.index.difference(ours.index)))})
    return out


def import_shares(raw_dir: Path, raw_manifest: dict[str, dict]) -> tuple[bytes, dict]:
    """The SEC cover-page share counts in the book's schema, and their origin."""
    name = "shares_outstanding_sec_cover.csv"
    raw = pd.read_csv(raw_dir / name, dtype=str)
    out = pd.DataFrame({
        "ticker": raw["ticker"],
        "share_class": raw["share_class_detail"],
        "shares_outstanding": raw["shares_outstanding"].astype("int64"),
        "as_of_date": raw["as_of_date"],
        "filing_type": raw["filing_type"],
        "filing_date": raw["filing_date"],
        # Name the filing by its place in the public repository, not by our local copy.
        "source_file": [f"{raw_manifest[f]['repo']}: {raw_manifest[f]['path_in_repo']}" for f in raw["source_file"]],
        "quoted_text": raw["quoted_text"],
    })
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    origin = {
        "kind": "import",
        "raw_file": f"shared/data/raw/{name}",
        "raw_sha256": cache.sha256_file(raw_dir / name),
        "note": "cover-page share counts copied from the SEC filings named in source_file",
    }
    return buf.getvalue().encode("utf-8"), origin


def import_all(shared_dir: Path | None = None, market_dir: Path | None = None) -> Path:
    """Rebuild ``data/market`` from ``shared_dir``; returns the folder written."""
    shared_dir = Path(shared_dir or paths.SHARED_DIR)
    raw_dir = shared_dir / "data" / "raw"
    if not (raw_dir / "MANIFEST.csv").exists():
        raise cache.CacheError(
            f"{raw_dir} has no MANIFEST.csv: the raw data must sit beside the repository as ../shared "
            "(or set SHOCKBOOK_SHARED to its path).")
    raw_manifest = _raw_manifest(raw_dir)
    prices = {}
    for s in catalog.SERIES:
        path = raw_dir / catalog.SOURCES[s.source].folder / s.raw_path
        frame = read_raw_prices(path)
        origin = origin_of(s, raw_dir, raw_manifest)
        holidays = [d for d in frame.attrs.get("holidays", []) if s.start <= d <= catalog.END]
        if holidays:
            origin["note"] = (f"{len(holidays)} holiday rows without a value (FRED publishes no rate on "
                              "US holidays) were left out")
        checks = cross_check(s, frame, raw_dir)
        if checks:
            origin["cross_checks"] = checks
        prices[s.ticker] = (frame, origin)
    shares = import_shares(raw_dir, raw_manifest)
    note = ("Imported from ../shared/data/raw (public repositories, cross-checked; see SOURCES.md there) "
            "by shockbook.data.importer.")
    return cache.write_cache(prices, shares, market_dir, note=note)
