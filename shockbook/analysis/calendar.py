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
    return cache.load_sessions(ticker)


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


#: Where a session may lie relative to a date: (which side, does the date itself count).
SIDES = {"before": ("before", False), "on or before": ("before", True),
         "after": ("after", False), "on or after": ("after", True)}


def nearest_session(ticker: str, date: str | pd.Timestamp, side: str) -> pd.Timestamp:
    """The session of ``ticker`` nearest to ``date`` on ``side`` (a key of :data:`SIDES`), or a clear error."""
    direction, inclusive = SIDES[side]
    idx, day = sessions(ticker), pd.Timestamp(date)
    if direction == "before":
        hits = idx[idx <= day] if inclusive else idx[idx < day]
        edge = f"it starts on {idx[0]:%Y-%m-%d}"
    else:
        hits = idx[idx >= day] if inclusive else idx[idx > day]
        edge = f"it ends on {idx[-1]:%Y-%m-%d}"
    if hits.empty:
        raise ValueError(f"{ticker} has no session {side} {day:%Y-%m-%d} in the data ({edge}).")
    return hits[-1] if direction == "before" else hits[0]


def last_session_before(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """The last session strictly before ``date``: the close a move "since the event" starts from."""
    return nearest_session(ticker, date, "before")


def last_session_on_or_before(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    return nearest_session(ticker, date, "on or before")


def first_session_after(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """The first session strictly after ``date`` (e.g. the first time a closed market could react)."""
    return nearest_session(ticker, date, "after")


def first_session_on_or_after(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    return nearest_session(ticker, date, "on or after")


def session_after(ticker: str, date: str | pd.Timestamp, n: int) -> pd.Timestamp | None:
    """The ``n``-th session after ``date`` (n=1: the next one), or None if the data end first."""
    idx = sessions(ticker)
    after = idx[idx > pd.Timestamp(date)]
    return after[n - 1] if len(after) >= n else None
