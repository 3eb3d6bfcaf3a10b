"""Returns, windows and market values from the cache."""
from __future__ import annotations

import pandas as pd

from shockbook.analysis.calendar import trading_day
from shockbook.data import cache, catalog

# TSMC's US listing is an ADS worth five common shares (TSMC 20-F for 2024, cover page).
ADS_RATIO = {"TSM": 5}


def closes(tickers: list[str], column: str = "Close") -> pd.DataFrame:
    """Wide frame of one price column, a column per ticker, on the union of their dates."""
    return pd.DataFrame({t: cache.load_prices(t)[column] for t in tickers})


def day_move(ticker: str, date: str) -> dict:
    """Close-to-close move into ``date`` from the previous session: the convention of the press."""
    prices = cache.load_prices(ticker)["Close"]
    day = trading_day(ticker, date)
    pos = prices.index.get_loc(day)
    if pos == 0:
        raise ValueError(f"{date} is the first date in the data for {ticker}: no previous close.")
    prev, close = prices.iloc[pos - 1], prices.iloc[pos]
    return {"ticker": ticker, "date": day, "prev_date": prices.index[pos - 1], "prev_close": prev,
            "close": close, "pct": (close / prev - 1) * 100}


def day_moves(tickers: list[str], date: str) -> pd.DataFrame:
    """:func:`day_move` for several tickers, with their names and groups."""
    rows = []
    for t in tickers:
        s = catalog.get(t)
        rows.append({**day_move(t, date), "name": s.name, "group": s.group})
    return pd.DataFrame(rows).set_index("ticker")


def shares_outstanding(ticker: str, date: str, shares: pd.DataFrame | None = None) -> dict:
    """The SEC cover-page share count nearest ``date``: the latest on or before it, else the first after.

    Balance-sheet counts are skipped: the cover page is the count the company states for a date.
    For an ADS the count is converted to ADS equivalents. ``shares`` defaults to the cache's table
    (the ledger passes its own, so its tests can use a hand-made one). KeyError if there is no count.
    """
    shares = cache.load_shares() if shares is None else shares
    rows = shares[shares["ticker"] == ticker]
    if "share_class" in rows.columns:
        rows = rows[~rows["share_class"].astype(str).str.contains("balance sheet")]
    if rows.empty:
        have = ", ".join(sorted(set(shares["ticker"])))
        raise KeyError(f"no SEC share count for {ticker} in the cache (there are counts for {have}).")
    rows = rows.sort_values("as_of_date")
    before = rows[rows["as_of_date"].astype(str) <= str(date)]
    row = before.iloc[-1] if not before.empty else rows.iloc[0]
    count = float(row["shares_outstanding"]) / ADS_RATIO.get(ticker, 1)
    return {"ticker": ticker, "shares": float(count), "as_of_date": row["as_of_date"],
            "filing_type": row.get("filing_type"), "filing_date": row.get("filing_date"),
            "source_file": row.get("source_file"), "ads_ratio": ADS_RATIO.get(ticker, 1)}


def market_value_change(ticker: str, date: str) -> dict:
    """Change in market value (USD) on ``date``: shares × change in the unadjusted close."""
    basis = cache.series_info(ticker)["price_basis"]
    if basis != catalog.UNADJUSTED:
        raise ValueError(f"{ticker}'s prices are {basis}: fit for returns, not for market values.")
    move = day_move(ticker, date)
    sh = shares_outstanding(ticker, date)
    return {**sh, "prev_close": move["prev_close"], "close": move["close"],
            "change_usd": sh["shares"] * (move["close"] - move["prev_close"]),
            "value_before_usd": sh["shares"] * move["prev_close"]}
