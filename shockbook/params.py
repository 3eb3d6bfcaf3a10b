"""Checks the chapters run on a reader's parameters before computing anything.

Each raises ValueError naming the parameter, what it must be, and what it got, so that a
rerun with a bad value stops in one line (the runner shows only that line).
"""
from __future__ import annotations

import pandas as pd

from . import catalog


def tickers(name: str, values, most: int | None = None) -> list[str]:
    """A non-empty list of tickers the cache holds (at most ``most``)."""
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(t, str) for t in values):
        raise ValueError(f"{name} must be a non-empty list of tickers, e.g. ['NVDA', '688256.SS']; got {values!r}.")
    if most is not None and len(values) > most:
        raise ValueError(f"{name} may hold at most {most} tickers; got {len(values)}.")
    for t in values:
        try:
            catalog.get(t)
        except KeyError as exc:
            raise ValueError(f"{name}: {exc.args[0]}") from None
    return list(values)


def date(name: str, value, lo: str = catalog.START, hi: str = catalog.END) -> pd.Timestamp:
    """A YYYY-MM-DD date between ``lo`` and ``hi`` (by default, the cache's window)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a date written YYYY-MM-DD; got {value!r}.")
    try:
        day = pd.to_datetime(value, format="%Y-%m-%d")  # strict: '27/01/2025' is ambiguous elsewhere
    except (ValueError, TypeError):
        raise ValueError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD.") from None
    if not pd.Timestamp(lo) <= day <= pd.Timestamp(hi):
        raise ValueError(f"{name} must lie between {lo} and {hi}; got {value}.")
    return day
