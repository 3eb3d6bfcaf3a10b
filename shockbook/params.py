"""Checks the chapters run on a reader's parameters before computing anything.

Each raises ValueError naming the parameter, what it must be, and what it got, so that a
rerun with a bad value stops in one line (the runner shows only that line).
"""
from __future__ import annotations

import math
import numbers

import pandas as pd

from shockbook.data import catalog


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
    if not value.strip():
        raise ValueError(f"{name} is empty; give a date written YYYY-MM-DD between {lo} and {hi}.")
    try:
        day = pd.to_datetime(value, format="%Y-%m-%d")  # strict: '27/01/2025' is ambiguous elsewhere
    except (ValueError, TypeError):
        day = pd.NaT
    if pd.isna(day):
        raise ValueError(f"{name} {value!r} is not a date; write it as YYYY-MM-DD.")
    if not pd.Timestamp(lo) <= day <= pd.Timestamp(hi):
        raise ValueError(f"{name} must lie between {lo} and {hi}; got {value}.")
    return day


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def number(name: str, value, lo: float, hi: float, unit: str, *, lo_inc: bool = True, hi_inc: bool = True,
           whole: bool = False) -> float:
    """A finite number in the interval from ``lo`` to ``hi`` (bounds included unless said otherwise).

    ``whole`` asks for an integer (a count of sessions, tokens, GPUs). The message shows the interval
    in the usual notation — (0, 20] is "above 0, at most 20" — with the unit.
    """
    rng = f"{'[' if lo_inc else '('}{_num(lo)}, {_num(hi)}{']' if hi_inc else ')'}"
    what = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or (whole and not isinstance(value, numbers.Integral)):
        raise ValueError(f"{name} must be {what} in {rng} {unit}; got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number in {rng} {unit}; got {value!r}")
    if not ((x >= lo if lo_inc else x > lo) and (x <= hi if hi_inc else x < hi)):
        raise ValueError(f"{name} must be in {rng} {unit}; got {value!r}")
    return x
