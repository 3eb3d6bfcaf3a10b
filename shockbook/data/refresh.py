"""Refresh the cache from Yahoo Finance with yfinance — carefully.

fetch → validate → write, and write only when every series validates: an empty,
partial or failed download raises :class:`RefreshError` and leaves ``data/market``
byte-identical. yfinance 1.x does not raise when offline; it logs and returns an empty
frame, which is why every frame is checked here, not trusted, and why its log is read to
tell "the network is down" (stop after a few series, one line) from "Yahoo has no data".

Before anything is downloaded: the target must be writable, and ``--into`` must be a new or
empty folder or a cache this project wrote (it has our manifest and nothing else) — never the
book's own folders, never a folder with unrelated files, never a file.

Share counts are not refreshed: they come from SEC filings, not from Yahoo, and the
existing file and its provenance are carried over unchanged; so are FRED's exchange rates.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import logging
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from shockbook import paths
from shockbook.data import cache, catalog

# How far a refreshed series may fall short of the current cache at either end (calendar days)
# before it counts as a partial download.
EDGE_SLACK_DAYS = 7
# After this many series in a row fail for want of a network (and none succeeded), stop.
NETWORK_GIVE_UP = 3
# What yfinance's log (or an exception) says when the network, not the symbol, is the problem.
NETWORK_SIGNS = re.compile(r"DNSError|Could not resolve|ConnectionError|Connection refused|Failed to perform|"
                           r"timed out|Timeout|Network is unreachable|SSLError|curl: \((6|7|28|35)\)", re.I)


class RefreshError(RuntimeError):
    """The download cannot replace the cache; the message says which series and why."""


class NetworkError(RefreshError):
    """A series could not be fetched because the network is unreachable."""


_rel = paths.rel


def yf_arguments(ticker: str | None = None) -> dict:
    """yfinance's arguments; from the series' own start (``catalog.Series.start``) when ``ticker`` is given."""
    end = (dt.date.fromisoformat(catalog.END) + dt.timedelta(days=1)).isoformat()  # yfinance's end is exclusive
    start = catalog.get(ticker).start if ticker else catalog.START
    return {"start": start, "end": end, "interval": "1d", "auto_adjust": False,
            "actions": False, "progress": False, "multi_level_index": False, "threads": False}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _short(message: str) -> str:
    """A network library's message cut to its point: one line, no 'See https://…' advice, at most 160 characters."""
    line = message.strip().splitlines()[-1] if message.strip() else message
    line = re.sub(r"\s*See https?://\S+.*$", "", line)
    return line if len(line) <= 160 else line[:159] + "…"


def yf_fetch(ticker: str, verbose: bool = False) -> pd.DataFrame:
    """Download one series with yfinance; may return an empty frame (that is yfinance's way of failing).

    yfinance's log, prints and warnings are kept out of the terminal unless ``verbose``; when its
    log shows the network was unreachable, NetworkError is raised instead of returning nothing.
    """
    import warnings

    import yfinance as yf

    logger = logging.getLogger("yfinance")
    capture = _Capture()
    logger.addHandler(capture)
    propagate = logger.propagate
    quiet = contextlib.ExitStack()
    if not verbose:
        logger.propagate = False
        quiet.enter_context(contextlib.redirect_stdout(io.StringIO()))
        quiet.enter_context(contextlib.redirect_stderr(io.StringIO()))
    try:
        with quiet, warnings.catch_warnings():
            if not verbose:  # yfinance 1.7 uses pandas APIs pandas 3.1 deprecates: not ours to fix
                warnings.simplefilter("ignore")
            frame = yf.download(ticker, **yf_arguments(ticker))
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate
    if frame is None or frame.empty:
        network = [line for line in capture.lines if NETWORK_SIGNS.search(line)]
        if network:
            raise NetworkError(f"{ticker}: {_short(network[-1])}")
    return frame


def check_download(ticker: str, frame: pd.DataFrame | None, current: pd.DataFrame | None) -> pd.DataFrame:
    """The download in the book's schema, or RefreshError if it is empty, short or malformed."""
    if frame is None or frame.empty:
        raise RefreshError(f"{ticker}: the download is empty (Yahoo returned no rows for this symbol).")
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
        df = cache.to_schema(frame, catalog.get(ticker).start)
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


# --------------------------------------------------------------------------- where the new cache may go


def _tracked_under(folder: Path) -> bool:
    """Whether git tracks any file under ``folder`` (False where there is no git checkout)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--", str(folder)], cwd=paths.ROOT,
                             capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and bool(out.stdout)


def _is_our_cache(folder: Path) -> bool:
    """A folder this project wrote: our manifest, and only the files it lists."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("schema") != cache.MANIFEST_SCHEMA \
            or not isinstance(manifest.get("files"), dict):
        return False
    listed = {"manifest.json", *manifest["files"]}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}
    folders = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}
    return present <= listed and folders <= {"prices"}


def check_into(into: Path, market_dir: Path) -> None:
    """``--into`` must be new, an empty folder, or a cache this project wrote; one line otherwise.

    The new cache replaces the folder whole, so anything else in it would be lost.
    """
    target = Path(into).resolve()
    shown = str(into)
    root = paths.ROOT.resolve()
    protected = [p.resolve() for p in (paths.DATA_DIR, paths.CHAPTERS_DIR, root / "shockbook", root / "tests",
                                       root / "_static", Path(market_dir))]
    if target == root or target in root.parents or any(target == p or p in target.parents for p in protected):
        raise RefreshError(f"--into {shown}: that is the book's own folder (or in one); give a new or empty "
                           "scratch folder, e.g. --into /tmp/scratch (a plain `refresh` replaces data/market).")
    if target.is_relative_to(root) and _tracked_under(target):
        raise RefreshError(f"--into {shown}: it holds files of the book (tracked by git); give a new or empty "
                           "scratch folder, e.g. --into /tmp/scratch.")
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise RefreshError(f"--into {shown}: it exists and is not a folder; give a new or empty folder.")
    if any(target.iterdir()) and not _is_our_cache(target):
        raise RefreshError(f"--into {shown}: the folder is not empty and is not a cache this project wrote "
                           "(no manifest.json of ours, or other files beside it); it would be replaced, so "
                           "nothing was done. Give a new or empty folder.")


def check_writable(target: Path, market_dir: Path) -> None:
    """Fail before any download if the new cache cannot be written beside ``target``."""
    parent = Path(target).resolve().parent
    probe_in = parent
    while not probe_in.exists():
        probe_in = probe_in.parent
    try:
        tempfile.TemporaryFile(dir=probe_in).close()
    except OSError as exc:
        raise RefreshError(f"cannot write in {probe_in} ({exc.strerror or exc}); nothing was downloaded and "
                           f"{_rel(market_dir)} is unchanged. Choose a writable --into folder.") from None


# --------------------------------------------------------------------------- refresh


def _fetch_one(fetch: Callable[[str], pd.DataFrame], ticker: str) -> pd.DataFrame:
    """``fetch(ticker)``, with the network layer's own errors (whatever their class) as RefreshErrors."""
    try:
        return fetch(ticker)
    except RefreshError:
        raise
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, (ConnectionError, TimeoutError)) or NETWORK_SIGNS.search(text):
            raise NetworkError(f"{ticker}: {_short(text)}") from None
        raise RefreshError(f"{ticker}: download failed ({_short(text)})") from None


def refresh(tickers: list[str] | None = None, fetch: Callable[[str], pd.DataFrame] | None = None,
            market_dir: Path | None = None, into: Path | None = None, log=print, verbose: bool = False) -> Path:
    """Download ``tickers`` (default: all), validate all, then write the new cache.

    ``into`` writes the new cache to another folder (a scratch run) and leaves ``market_dir`` alone.
    Series not downloaded keep their cached data and provenance.
    """
    market_dir = Path(market_dir or paths.MARKET_DIR)
    fetch = fetch or functools.partial(yf_fetch, verbose=verbose)
    wanted = tickers or [s.ticker for s in catalog.SERIES if s.yahoo]
    for t in wanted:
        if not catalog.get(t).yahoo:  # unknown ticker: a clear KeyError before any download
            raise RefreshError(f"{t} is not a Yahoo series ({catalog.get(t).name}); it comes only from the import.")
    target = Path(into) if into is not None else market_dir
    if into is not None:
        check_into(into, market_dir)
    check_writable(target, market_dir)
    manifest = cache.read_manifest(market_dir) if market_dir.exists() else None
    import yfinance

    retrieved = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    new, failures, offline, offline_in_a_row = {}, [], 0, 0
    for i, t in enumerate(wanted, 1):
        log(f"[{i}/{len(wanted)}] {t}", file=sys.stderr)
        current = cache.load_prices(t, market_dir) if manifest else None
        try:
            df = check_download(t, _fetch_one(fetch, t), current)
        except NetworkError as exc:
            failures.append(str(exc))
            offline, offline_in_a_row = offline + 1, offline_in_a_row + 1
            if offline_in_a_row >= NETWORK_GIVE_UP or (i == len(wanted) and offline == len(failures) and not new):
                raise RefreshError(
                    f"refresh stopped: the network is down ({offline_in_a_row} series in a row could not reach "
                    f"Yahoo; the last: {exc}). Nothing was written and {_rel(market_dir)} is unchanged.") from None
            continue
        except RefreshError as exc:
            failures.append(str(exc))
            offline_in_a_row = 0
            continue
        offline_in_a_row = 0
        s = catalog.get(t)
        new[t] = (df, {
            "kind": "yfinance",
            "yfinance_version": yfinance.__version__,
            "arguments": {"tickers": t, **yf_arguments(t)},
            "retrieved_at": retrieved,
            "price_basis": catalog.INDEX if s.index else catalog.UNADJUSTED,
        })
    if failures:
        raise RefreshError(
            f"refresh aborted: {len(failures)} of {len(wanted)} series failed, so nothing was written "
            f"and {_rel(market_dir)} is unchanged.\n  " + "\n  ".join(failures))
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
        raise RefreshError(f"{_rel(market_dir)} has no cache to take the share counts from; run `make import` first.")
    shares_entry = manifest["files"]["shares_outstanding.csv"]
    shares = ((market_dir / "shares_outstanding.csv").read_bytes(), shares_entry["origin"])
    note = f"Refreshed with yfinance {yfinance.__version__} at {retrieved} by shockbook.data.refresh."
    try:
        return cache.write_cache(prices, shares, target, note=note)
    except OSError as exc:
        where = exc.filename or target
        raise RefreshError(f"writing the new cache failed: {exc.strerror or exc} ({where}); "
                           f"{_rel(market_dir)} is unchanged.") from None
