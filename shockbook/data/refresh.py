"""Refresh the cache from Yahoo Finance with yfinance — carefully.

fetch → validate → write, and write only when every series validates: an empty,
partial or failed download raises :class:`RefreshError` and leaves ``data/market``
byte-identical. yfinance 1.x does not raise when offline; it returns an empty frame,
which is why every frame is checked here, not trusted.

Share counts are not refreshed: they come from SEC filings, not from Yahoo, and the
existing file and its provenance are carried over unchanged; so are FRED's exchange rates.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

from shockbook.data import cache

# How far a refreshed series may fall short of the current cache at either end (calendar days)

from shockbook import paths
from shockbook.data import catalog
# before it counts as a partial download.
EDGE_SLACK_DAYS = 7


class RefreshError(RuntimeError):
    """The download cannot replace the cache; the message says which series and why."""


def yf_arguments() -> dict:
    end = (dt.date.fromisoformat(catalog.END) + dt.timedelta(days=1)).isoformat()  # yfinance's end is exclusive
    return {"start": catalog.START, "end": end, "interval": "1d", "auto_adjust": False,
            "actions": False, "progress": False, "multi_level_index": False, "threads": False}


def yf_fetch(ticker: str) -> pd.DataFrame:
    """Download one series with yfinance; may return an empty frame (that is yfinance's way of failing)."""
    import warnings

    import yfinance as yf

    with warnings.catch_warnings():  # yfinance 1.7 uses pandas APIs pandas 3.1 deprecates: not ours to fix
        warnings.filterwarnings("ignore", message="The inplace keyword")
        return yf.download(ticker, **yf_arguments())


def check_download(ticker: str, frame: pd.DataFrame | None, current: pd.DataFrame | None) -> pd.DataFrame:
    """The download in the book's schema, or RefreshError if it is empty, short or malformed."""
    if frame is None or frame.empty:
        raise RefreshError(f"{ticker}: the download is empty (no network, or Yahoo has no such symbol).")
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.droplevel(1, axis=1) if frame.columns.nlevels == 2 else frame
    if frame.index.tz is not None:
        frame = frame.tz_localize(None)
    frame = frame.rename_axis("Date").reset_index()
    missing = [c for c in ("Open", "High", "Low", "Close", "Adj Close", "Volume") if c not in frame.columns]
    if missing:
        raise RefreshError(f"{ticker}: the download lacks columns {missing} (was auto_adjust left on?).")
    frame = frame.dropna(subset=["Close"])
    try:
        df = cache.to_schema(frame)
        cache.check_prices(df, f"download of {ticker}")
    except (cache.CacheError, ValueError) as exc:
        raise RefreshError(f"{ticker}: the download does not validate: {exc}") from None
    if current is not None and not current.empty:
        slack = pd.Timedelta(days=EDGE_SLACK_DAYS)
        first, last = pd.Timestamp(df["Date"].iloc[0]), pd.Timestamp(df["Date"].iloc[-1])
        if first > current.index[0] + slack or last < current.index[-1] - slack:
            raise RefreshError(
                f"{ticker}: the download covers {first:%Y-%m-%d}..{last:%Y-%m-%d}, less than the cache's "
                f"{current.index[0]:%Y-%m-%d}..{current.index[-1]:%Y-%m-%d}: a partial download.")
    return df


def refresh(tickers: list[str] | None = None, fetch: Callable[[str], pd.DataFrame] = yf_fetch,
            market_dir: Path | None = None, into: Path | None = None, log=print) -> Path:
    """Download ``tickers`` (default: all), validate all, then write the new cache.

    ``into`` writes the new cache to another folder (a scratch run) and leaves ``market_dir`` alone.
    Series not downloaded keep their cached data and provenance.
    """
    market_dir = Path(market_dir or paths.MARKET_DIR)
    wanted = tickers or [s.ticker for s in catalog.SERIES if s.yahoo]
    for t in wanted:
        if not catalog.get(t).yahoo:  # unknown ticker: a clear KeyError before any download
            raise RefreshError(f"{t} is not a Yahoo series ({catalog.get(t).name}); it comes only from the import.")
    manifest = cache.read_manifest(market_dir) if market_dir.exists() else None
    import yfinance

    retrieved = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    new, failures = {}, []
    for i, t in enumerate(wanted, 1):
        log(f"[{i}/{len(wanted)}] {t}", file=sys.stderr)
        current = cache.load_prices(t, market_dir) if manifest else None
        try:
            frame = fetch(t)
        except Exception as exc:  # the network layer's own errors, whatever their class
            failures.append(f"{t}: download failed ({type(exc).__name__}: {exc})")
            continue
        try:
            df = check_download(t, frame, current)
        except RefreshError as exc:
            failures.append(str(exc))
            continue
        s = catalog.get(t)
        new[t] = (df, {
            "kind": "yfinance",
            "yfinance_version": yfinance.__version__,
            "arguments": {"tickers": t, **yf_arguments()},
            "retrieved_at": retrieved,
            "price_basis": catalog.INDEX if s.index else catalog.UNADJUSTED,
        })
    if failures:
        raise RefreshError(
            f"refresh aborted: {len(failures)} of {len(wanted)} series failed, so nothing was written "
            f"and {market_dir} is unchanged.\n  " + "\n  ".join(failures))
    # Carry over what was not refreshed, with its provenance, so the cache stays complete.
    prices = {}
    for t in (s.ticker for s in catalog.SERIES):  # every series, the context ones too
        if t in new:
            prices[t] = new[t]
        elif manifest is not None:
            entry = manifest["files"][f"prices/{catalog.get(t).file_name}"]
            df = cache.load_prices(t, market_dir).reset_index()
            df["Date"] = df["Date"].dt.strftime("%Y-%m-%d")
            prices[t] = (df, {**entry["origin"], "price_basis": entry["series"]["price_basis"]})
        else:
            raise RefreshError(f"no cache to carry {t} over from; refresh all series at once.")
    if manifest is None:
        raise RefreshError(f"{market_dir} has no cache to take the share counts from; run `python -m shockbook import` first.")
    shares_entry = manifest["files"]["shares_outstanding.csv"]
    shares = ((market_dir / "shares_outstanding.csv").read_bytes(), shares_entry["origin"])
    note = f"Refreshed with yfinance {yfinance.__version__} at {retrieved} by shockbook.data.refresh."
    return cache.write_cache(prices, shares, into or market_dir, note=note)
