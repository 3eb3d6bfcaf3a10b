"""Chapter 1, "The shock": the tables and charts of the day, from ``market`` and ``events``."""
from __future__ import annotations

import altair as alt
import pandas as pd

from . import cache, catalog, charts, market

KEY_EVENT = "2025-01-27"  # the Monday of the crash, in New York

SOURCE_US = "daily closes, Yahoo Finance via public repositories, cross-checked with Interactive Brokers (see Data and methods)"

KEY_TICKERS = ["NVDA", "AVGO", "TSM", "ASML", "AMD", "MU", "MRVL", "ARM", "SMCI", "ANET", "VRT", "DELL",
               "VST", "CEG", "GEV", "MSFT", "META", "GOOGL", "AMZN", "AAPL", "^IXIC", "^GSPC", "^SOX", "^VIX"]


def check_parameters(event_date: str, tickers: list[str]) -> None:
    """Fail early, in words a reader understands, before anything is computed."""
    if not isinstance(tickers, (list, tuple)) or not tickers:
        raise ValueError("tickers must be a non-empty list of symbols, e.g. ['NVDA', 'AMD'].")
    for t in tickers:
        try:
            catalog.get(t)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
    try:
        day = pd.Timestamp(event_date)
    except (ValueError, TypeError):
        raise ValueError(f"event_date {event_date!r} is not a date; write it as YYYY-MM-DD.") from None
    for t in tickers:
        market.trading_day(t, day)


def moves_table(date: str, tickers: list[str]) -> pd.DataFrame:
    """One row per ticker: group, name, previous close, close, move in percent."""
    moves = market.day_moves(tickers, date)
    return moves[["group", "name", "prev_close", "close", "pct"]]


def moves_chart(moves: pd.DataFrame, date: str) -> alt.Chart:
    """Horizontal bars of the day's move, sorted, coloured by sign, with tooltips."""
    data = moves.reset_index().assign(direction=lambda d: d["pct"].map(lambda v: "rise" if v >= 0 else "fall"))
    data = data[["ticker", "name", "group", "prev_close", "close", "pct", "direction"]]
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("pct:Q", title="Change from previous close (%)"),
        y=alt.Y("ticker:N", sort="x", title=None),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["fall", "rise"], range=[charts.DOWN, charts.UP]),
                        legend=None),
        tooltip=[alt.Tooltip("name:N", title="Series"), alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("prev_close:Q", title="Previous close", format=",.2f"),
                 alt.Tooltip("close:Q", title="Close", format=",.2f"),
                 alt.Tooltip("pct:Q", title="Change (%)", format="+.2f")],
    ).properties(width=charts.WIDTH, height=14 * len(data))
    return charts.titled(bars, f"Moves on {pd.Timestamp(date):%d %B %Y}",
                         "Close-to-close change, by series", SOURCE_US)
