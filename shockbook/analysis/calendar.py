"""Each market's own calendar, read from the sessions its series traded: one reader for
"the last close before the event" and "n sessions after it".

Every function takes a ticker, because calendars differ (Taipei was closed for the Lunar New
Year while New York traded) and the book never assumes one market's days for another's.
"""
from __future__ import annotations

import pandas as pd

from shockbook.data import cache, catalog

#: The story's day 0: Monday 27 January 2025, the day of the crash, in New York. Chapters keep the
#: story's own numbers on this day whatever a reader's parameters, and say so.
KEY_EVENT = "2025-01-27"


def sessions(ticker: str) -> pd.DatetimeIndex:
    """The days ``ticker`` traded, in the cache."""
    return cache.load_prices(ticker).index


def trading_day(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """``date`` if ``ticker`` traded that day, else a clear error that names the nearest sessions."""
    idx = sessions(ticker)
    day = pd.Timestamp(date)
    if day < idx[0] or day > idx[-1]:
        raise ValueError(f"{day:%Y-%m-%d} is outside the data for {ticker} ({idx[0]:%Y-%m-%d}..{idx[-1]:%Y-%m-%d}).")
    if day not in idx:
        before, after = idx[idx < day][-1], idx[idx > day][0]
        raise ValueError(f"{ticker} did not trade on {day:%Y-%m-%d} (a holiday on its market, "
                         f"{catalog.get(ticker).market}); the sessions around it are "
                         f"{before:%Y-%m-%d} and {after:%Y-%m-%d}.")
    return day


def last_session_before(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """The last session strictly before ``date``: the close a move "since the event" starts from."""
    idx = sessions(ticker)
    before = idx[idx < pd.Timestamp(date)]
    if before.empty:
        raise ValueError(f"{ticker} has no session before {pd.Timestamp(date):%Y-%m-%d} in the data "
                         f"(it starts on {idx[0]:%Y-%m-%d}).")
    return before[-1]


def last_session_on_or_before(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    idx = sessions(ticker)
    on = idx[idx <= pd.Timestamp(date)]
    if on.empty:
        raise ValueError(f"{ticker} has no session on or before {pd.Timestamp(date):%Y-%m-%d} "
                         f"(it starts on {idx[0]:%Y-%m-%d}).")
    return on[-1]


def first_session_after(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """The first session strictly after ``date`` (e.g. the first time a closed market could react)."""
    idx = sessions(ticker)
    after = idx[idx > pd.Timestamp(date)]
    if after.empty:
        raise ValueError(f"{ticker} has no session after {pd.Timestamp(date):%Y-%m-%d} in the data "
                         f"(it ends on {idx[-1]:%Y-%m-%d}).")
    return after[0]


def first_session_on_or_after(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    idx = sessions(ticker)
    on = idx[idx >= pd.Timestamp(date)]
    if on.empty:
        raise ValueError(f"{ticker} has no session on or after {pd.Timestamp(date):%Y-%m-%d} "
                         f"(it ends on {idx[-1]:%Y-%m-%d}).")
    return on[0]


def session_after(ticker: str, date: str | pd.Timestamp, n: int) -> pd.Timestamp | None:
    """The ``n``-th session after ``date`` (n=1: the next one), or None if the data end first."""
    idx = sessions(ticker)
    after = idx[idx > pd.Timestamp(date)]
    return after[n - 1] if len(after) >= n else None
