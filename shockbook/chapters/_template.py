"""A template chapter: copy this module and ``chapters/_template.ipynb`` to start a new one.

It measures one stock's move on one day, which is enough to show the shape every chapter has:
a frozen ``Params`` declared once, and one function per section that returns a ``Section``.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt

from shockbook import params
from shockbook.analysis import market
from shockbook.data import catalog
from shockbook.site import charts, words
from shockbook.site.section import Day, Figure, Section, Table, Word


@dataclass(frozen=True)
class Params(params.ChapterParams):
    ticker: str = params.param("NVDA", params.TEXT, "the stock whose day is measured",
                               lambda name, v: params.tickers(name, [v])[0], "a ticker the cache holds")
    day: str = params.param("2025-01-27", params.DATE, "the day measured, close to close",
                            params.date, lambda: f"a date from {catalog.START} to {catalog.END}")


def the_day(p: Params) -> Section:
    """The stock's close-to-close move on the day, with the word for its direction."""
    move = market.day_move(p.ticker, p.day)
    data = move_frame(p.ticker, move)
    chart = charts.titled(
        alt.Chart(data).mark_bar().encode(x=alt.X("close:Q", title="Close (USD)"), y=alt.Y("when:N", title=None)),
        f"{catalog.get(p.ticker).name} on the day", "closes before and on the day", "book cache")
    return Section(
        numbers={"tmpl_name": catalog.get(p.ticker).name, "tmpl_pct": abs(move["pct"]),
                 "tmpl_direction": Word(words.direction(move["pct"])), "tmpl_day": Day(move["date"])},
        tables={"tbl-tmpl-closes-table": Table(data, {"when": "", "close": "Close"}, {"close": "{:,.2f}"})},
        figures={"fig-tmpl-chart": Figure(chart, data)},
    )


def move_frame(ticker: str, move: dict):
    import pandas as pd

    return pd.DataFrame({"when": ["previous close", "close"], "close": [move["prev_close"], move["close"]]})
