"""Chapter 1, "The shock": the day, the market value lost, the weeks after, Asia, the event study.

The story's own numbers are measured on :data:`calendar.KEY_EVENT` (27 January 2025) whatever the
reader's parameters; the charts, tables and the numbers introduced with "on the event day" follow
``Params.event_date`` and the event-study parameters.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import calendar, claims, events, market
from shockbook.data import cache, catalog, facts
from shockbook.site import charts, layout, words
from shockbook.site.section import Cite, Day, Figure, Phrase, Section, Table, Word

KEY_EVENT = calendar.KEY_EVENT

SOURCE_US = "daily closes from Yahoo Finance, cross-checked with Interactive Brokers (book cache)"
SOURCE_ASIA = "daily closes from Yahoo Finance and Tushare via public repositories (book cache)"
SOURCE_SEC = "closes (book cache) × shares outstanding from SEC cover pages"

MARKET_VALUE_TICKERS = ["NVDA", "AVGO", "TSM", "GOOGL", "MSFT", "AMZN", "META", "AAPL"]
HARDWARE_GROUPS = ["Chips", "Chip equipment", "Networking and servers"]
ASIA_MARKETS = ["JP", "CN", "HK", "TW"]
HORIZONS = {"1 day": 1, "1 week": 5, "1 month": 21, "3 months": 63, "6 months": 126}
STUDY_WINDOWS = [(0, 0), (0, 1), (-1, 1), (-5, 5)]  # those inside the reader's window are studied
CARPATH_TICKERS = ["NVDA", "AVGO", "VST", "MSFT", "AAPL"]
NON_ASSETS = {"^VIX"}  # an index of option-implied volatility: it has no price a holder gains or loses
MIN_ESTIMATION = 30


# ----------------------------------------------------------------------------- parameters


def _us_proxies() -> list[str]:
    return [t for t in catalog.tickers("US indices and ETFs", "US") if t not in NON_ASSETS]


def _check_proxy(name: str, value) -> str:
    ticker = params.tickers(name, [value])[0]
    if ticker not in _us_proxies():
        raise ValueError(f"{name} must be one of the US indices and ETFs in the cache ({', '.join(_us_proxies())}); "
                         f"got {value!r}.")
    return ticker


def _check_event_date(name: str, value) -> str:
    day = params.date(name, value)
    calendar.trading_day("^GSPC", day)  # a New York session, or one line naming the sessions around it
    return f"{day:%Y-%m-%d}"


def _check_estimation_length(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of trading days; got {value!r}.")
    if value < MIN_ESTIMATION:
        raise ValueError(f"{name} {value} is too short; use at least {MIN_ESTIMATION} trading days.")
    return value


def _check_gap(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of trading days, zero or more; got {value!r}.")
    return value


def _check_window(name: str, value) -> list[int]:
    if not (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(w, int) and not isinstance(w, bool) for w in value)):
        raise ValueError(f"{name} {value!r} must be two whole numbers of trading days, e.g. [-5, 5].")
    if value[0] > 0 or value[1] < 0:
        raise ValueError(f"{name} {list(value)} must contain day 0: the first number at most 0, the second at least 0.")
    return list(value)


def study_range(tickers, market_proxy: str, design: events.Design) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last event dates every ticker's data allow under ``design``."""
    ranges = [events.event_date_range(t, market_proxy, design) for t in tickers]
    return max(r[0] for r in ranges), min(r[1] for r in ranges)


def _default_design() -> events.Design:
    d = Params.defaults()
    return events.Design(d["event_date"], d["estimation_length"], d["gap"], tuple(d["window"]))


def _valid_event_dates() -> str:
    d = Params.defaults()
    first, last = study_range(d["tickers"], d["market_proxy"], _default_design())
    return (f"a New York trading day from {first:%Y-%m-%d} to {last:%Y-%m-%d} with the default tickers and design "
            f"(each ticker needs estimation_length + gap + the window's days before day 0 of returns before it, "
            f"and the window's days after it; the data run from {catalog.START} to {catalog.END})")


def _valid_tickers() -> str:
    late = [f"{t} from {calendar.sessions(t)[0]:%Y-%m-%d}" for t in catalog.tickers(market="US")
            if calendar.sessions(t)[0] > pd.Timestamp(catalog.START)]
    return ("US stocks the cache holds, each with enough history before the event date for the estimation window "
            f"(the data start on {catalog.START}" + (", " + ", ".join(late) if late else "") + ")")


def _valid_estimation_length() -> str:
    d = Params.defaults()
    design = _default_design()
    first, _ = study_range(d["tickers"], d["market_proxy"], design)
    # How many returns all default tickers have before the default event window, less the gap.
    spare = min(len(events.simple_returns(t).loc[:d["event_date"]]) - 1 + d["window"][0] - d["gap"]
                for t in d["tickers"])
    return (f"a whole number of trading days from {MIN_ESTIMATION} to {spare} for the default event date, "
            f"tickers and gap")


@dataclass(frozen=True)
class Params(params.ChapterParams):
    event_date: str = params.param(KEY_EVENT, params.DATE, "the event day (day 0), a trading day in New York",
                                   _check_event_date, _valid_event_dates)
    tickers: tuple = params.param(
        ["NVDA", "AVGO", "TSM", "AMD", "MU", "MRVL", "ARM", "ASML", "AMAT", "LRCX", "KLAC", "ANET", "SMCI", "DELL",
         "VRT", "VST", "CEG", "MSFT", "META", "GOOGL", "AMZN", "ORCL", "AAPL"], params.TICKERS,
        "the stocks of the event study", lambda n, v: params.tickers(n, v), lambda: _valid_tickers())
    market_proxy: str = params.param("^GSPC", params.TEXT, "the market in the market model", _check_proxy,
                                     lambda: "one of " + ", ".join(_us_proxies()))
    estimation_length: int = params.param(250, params.WHOLE, "trading days in the estimation window",
                                          _check_estimation_length, _valid_estimation_length)
    gap: int = params.param(30, params.WHOLE, "trading days between the end of estimation and the start of the "
                            "event window", _check_gap,
                            "a whole number of trading days, 0 or more, that leaves the estimation window inside the data")
    window: tuple = params.param([-5, 5], params.WHOLES, "the widest event window, in trading days around day 0",
                                 _check_window, "two whole numbers a,b with a ≤ 0 ≤ b, inside the data")

    def check_together(self) -> None:
        design = self.design()
        design.check()
        proxy_market = catalog.get(self.market_proxy).market
        for t in self.tickers:
            if catalog.get(t).market != proxy_market:
                raise ValueError(f"tickers: {t} trades on the {catalog.get(t).market} calendar but the market proxy "
                                 f"{self.market_proxy} on the {proxy_market} calendar; the event study needs one market.")
            calendar.trading_day(t, self.event_date)
            first, last = events.event_date_range(t, self.market_proxy, design)
            if not first <= pd.Timestamp(self.event_date) <= last:
                raise ValueError(f"event_date {self.event_date} is outside what the data allow for {t} with this design: "
                                 f"from {first:%Y-%m-%d} to {last:%Y-%m-%d} (shorten estimation_length, gap or "
                                 f"the window, or leave {t} out).")

    def design(self) -> events.Design:
        return events.Design(event_date=self.event_date, estimation_length=self.estimation_length, gap=self.gap,
                             window=(self.window[0], self.window[1]))

    @property
    def windows(self) -> list[tuple[int, int]]:
        """The study's windows that lie inside the reader's event window."""
        lo, hi = self.window
        return [w for w in STUDY_WINDOWS if lo <= w[0] and w[1] <= hi]


def _month_end_after(date, months: int) -> pd.Timestamp:
    """The last day of the month ``months`` after the month of ``date`` (27 Jan 2025, 1 -> 28 Feb 2025)."""
    return pd.Timestamp(date) + pd.offsets.MonthEnd(0) + pd.DateOffset(months=months) + pd.offsets.MonthEnd(0)


# ----------------------------------------------------------------------------- the day


def traded_on(date: str, tickers: list[str]) -> tuple[list[str], list[str]]:
    """The tickers with a close on ``date`` and one before it, and those without (not yet listed)."""
    day = pd.Timestamp(date)
    have = [t for t in tickers if day in calendar.sessions(t) and calendar.sessions(t)[0] < day]
    return have, [t for t in tickers if t not in have]


def moves_table(date: str, tickers: list[str]) -> pd.DataFrame:
    """One row per ticker: group, name, previous close, close, move in percent; by group, then move."""
    moves = market.day_moves(tickers, date)[["group", "name", "prev_close", "close", "pct"]]
    order = {g: i for i, g in enumerate(catalog.GROUPS)}
    return moves.assign(_g=moves["group"].map(order)).sort_values(["_g", "pct"]).drop(columns="_g")


def group_summary(moves: pd.DataFrame) -> pd.DataFrame:
    """Median, worst and best move of each group."""
    g = moves.groupby("group", sort=False)["pct"]
    out = pd.DataFrame({"series": g.size(), "median": g.median(), "worst": g.min(), "best": g.max()})
    return out.reset_index()


def moves_chart(moves: pd.DataFrame, date: str) -> alt.Chart:
    data = moves.reset_index()[["ticker", "name", "group", "prev_close", "close", "pct"]]
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("pct:Q", title="Change from previous close (%)"),
        y=alt.Y("ticker:N", sort="x", title=None, axis=alt.Axis(labelFontSize=10)),
        color=alt.Color("group:N", title="Group", scale=alt.Scale(domain=[g for g in catalog.GROUPS if g in set(data["group"])],
                                                                  range=charts.PALETTE),
                        legend=alt.Legend(columns=3)),
        tooltip=[alt.Tooltip("name:N", title="Series"), alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("prev_close:Q", title="Previous close", format=",.2f"),
                 alt.Tooltip("close:Q", title="Close", format=",.2f"),
                 alt.Tooltip("pct:Q", title="Change (%)", format="+.2f")],
    ).properties(width=layout.SHOCK_BAR_WIDTH, height=layout.SHOCK_MOVES_ROW * len(data))
    return charts.titled(bars, f"Every US series in the book on {pd.Timestamp(date):%d %B %Y}",
                         "Close-to-close change, coloured by group", SOURCE_US)


# ----------------------------------------------------------------------------- market value


def market_value_table(date: str, tickers: list[str] = MARKET_VALUE_TICKERS) -> pd.DataFrame:
    rows = []
    for t in tickers:
        mv = market.market_value_change(t, date)
        name = "TSMC (ADR-implied)" if t in market.ADS_RATIO else catalog.get(t).name
        rows.append({"ticker": t, "name": name, "shares_bn": mv["shares"] / 1e9,
                     "shares_as_of": mv["as_of_date"], "filing": f"{mv['filing_type'].split(' (')[0]} filed {mv['filing_date']}",
                     "prev_close": mv["prev_close"], "close": mv["close"],
                     "change_bn": mv["change_usd"] / 1e9, "value_before_bn": mv["value_before_usd"] / 1e9})
    return pd.DataFrame(rows).sort_values("change_bn").reset_index(drop=True)


def market_value_chart(table: pd.DataFrame, date: str) -> alt.Chart:
    data = table.assign(direction=np.where(table["change_bn"] >= 0, "gained", "lost"))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("change_bn:Q", title="Change in market value (US$ billion)"),
        y=alt.Y("name:N", sort="x", title=None),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["lost", "gained"], range=[charts.DOWN, charts.UP]),
                        legend=None),
        tooltip=[alt.Tooltip("name:N", title="Company"), alt.Tooltip("change_bn:Q", title="Change ($bn)", format="+,.1f"),
                 alt.Tooltip("shares_bn:Q", title="Shares (bn)", format=",.3f"),
                 alt.Tooltip("shares_as_of:N", title="Share count as of"), alt.Tooltip("filing:N", title="SEC filing"),
                 alt.Tooltip("prev_close:Q", title="Previous close", format=",.2f"),
                 alt.Tooltip("close:Q", title="Close", format=",.2f")],
    ).properties(width=layout.SHOCK_BAR_WIDTH, height=layout.SHOCK_MCAP_ROW * len(data))
    return charts.titled(bars, f"Market value lost and gained on {pd.Timestamp(date):%d %B %Y}",
                         "Shares outstanding × change in the unadjusted close", SOURCE_SEC)


# ----------------------------------------------------------------------------- the weeks after


def cumulative_returns(tickers: list[str], anchor: pd.Timestamp, end: str) -> pd.DataFrame:
    """Total return from the close of ``anchor`` to each later close, per ticker (wide, in %); a
    ticker without a close on ``anchor`` (not yet listed) is left out."""
    cols = {}
    for t in tickers:
        p = cache.load_prices(t)[cache.total_return_column(t)]
        if anchor not in p.index:
            continue
        cols[t] = (p.loc[anchor:end] / p.loc[anchor] - 1) * 100
    return pd.DataFrame(cols)


def after_table(event_date: str, groups: list[str] | None = None) -> pd.DataFrame:
    """Equal-weighted average total return of each US group from the close before the event to later horizons."""
    groups = groups or [g for g in catalog.GROUPS if catalog.tickers(g, "US") and g != "US indices and ETFs"]
    anchor = calendar.last_session_before("^GSPC", calendar.trading_day("^GSPC", event_date))
    rows = []
    for g in [*groups, "US indices and ETFs"]:
        members = [t for t in catalog.tickers(g, "US") if t not in NON_ASSETS]
        cum = cumulative_returns(members, anchor, catalog.END)
        row = {"group": g}
        for label, k in HORIZONS.items():
            end = calendar.session_after("^GSPC", anchor, k)  # None when the data end first
            # a horizon past any member's data is not measured (an average of the survivors would mislead)
            row[label] = np.nan if end is None or end not in cum.index or cum.loc[end].isna().any() else cum.loc[end].mean()
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["anchor"] = anchor
    return out


def group_paths(event_date: str, end: str) -> pd.DataFrame:
    """Long frame: date, group, equal-weighted cumulative return since the close before the event (%)."""
    anchor = calendar.last_session_before("^GSPC", calendar.trading_day("^GSPC", event_date))
    frames = []
    for g in catalog.GROUPS:
        members = [t for t in catalog.tickers(g, "US") if not catalog.get(t).index]
        if not members:
            continue
        cum = cumulative_returns(members, anchor, end).mean(axis=1)
        frames.append(pd.DataFrame({"date": cum.index, "group": g, "cum_pct": cum.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def paths_chart(paths: pd.DataFrame, event_date: str) -> alt.Chart:
    groups = list(dict.fromkeys(paths["group"]))
    hover = alt.selection_point(fields=["group"], bind="legend")
    lines = alt.Chart(paths).mark_line(strokeWidth=2).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("cum_pct:Q", title="Total return since the close before the event (%)"),
        color=alt.Color("group:N", title="Group (click to highlight)", scale=alt.Scale(domain=groups, range=charts.PALETTE),
                        legend=alt.Legend(columns=3)),
        opacity=alt.condition(hover, alt.value(1), alt.value(0.15)),
        tooltip=[alt.Tooltip("date:T", title="Date", format="%d %b %Y"), alt.Tooltip("group:N", title="Group"),
                 alt.Tooltip("cum_pct:Q", title="Since the event (%)", format="+.1f")],
    ).add_params(hover)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=layout.GREY_RULE).encode(y="y:Q")
    return charts.titled(alt.layer(zero, lines).properties(width=layout.SHOCK_LINE_WIDTH, height=layout.HEIGHT),
                         "Did the shock last?",
                         f"Equal-weighted average of each group's US stocks, from the close before {pd.Timestamp(event_date):%d %b %Y}",
                         SOURCE_US)


# ----------------------------------------------------------------------------- Asia


def asia_table(event_date: str, until: str | None = None) -> pd.DataFrame:
    """Each Asian series on its own calendar: the event-day session (if any), the first session after
    it (when the New York sell-off could first be traded), and the move to ``until`` (by default the
    end of the month after the event's)."""
    until = until or f"{_month_end_after(event_date, 1):%Y-%m-%d}"
    rows = []
    day = pd.Timestamp(event_date)
    for mkt in ASIA_MARKETS:
        for t in catalog.tickers(market=mkt):
            p = cache.load_prices(t)["Close"]
            before = p.loc[:day - pd.Timedelta(days=1)]
            after = p.loc[day + pd.Timedelta(days=1):]
            if before.empty or after.empty:
                continue
            on_day = (p.loc[day] / before.iloc[-1] - 1) * 100 if day in p.index else np.nan
            last_close = p.loc[day] if day in p.index else before.iloc[-1]
            first_after = after.index[0]
            end = p.loc[:until]
            rows.append({"ticker": t, "name": catalog.get(t).name, "market": mkt, "group": catalog.get(t).group,
                         "event_day_pct": on_day, "first_session_after": f"{first_after:%Y-%m-%d}",
                         "first_session_pct": (after.iloc[0] / last_close - 1) * 100,
                         "to_date_pct": (end.iloc[-1] / before.iloc[-1] - 1) * 100})
    return pd.DataFrame(rows)


def asia_chart(table: pd.DataFrame, event_date: str, until: str | None = None) -> alt.Chart:
    until = until or f"{_month_end_after(event_date, 1):%Y-%m-%d}"
    long = table.melt(id_vars=["ticker", "name", "group", "first_session_after"],
                      value_vars=["event_day_pct", "first_session_pct", "to_date_pct"], var_name="measure", value_name="pct")
    labels = {"event_day_pct": f"On {pd.Timestamp(event_date):%d %b}", "first_session_pct": "First session after",
              "to_date_pct": f"To {pd.Timestamp(until):%d %b}"}
    long["measure"] = long["measure"].map(labels)
    long = long.dropna(subset=["pct"])
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("pct:Q", title="Change (%)"),
        y=alt.Y("name:N", title=None, sort=list(table["name"])),
        color=alt.Color("group:N", title="Market", scale=alt.Scale(range=charts.PALETTE[1:])),
        column=alt.Column("measure:N", title=None, sort=list(labels.values()), header=alt.Header(labelFontSize=12)),
        tooltip=[alt.Tooltip("name:N", title="Series"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("pct:Q", title="Change (%)", format="+.2f"),
                 alt.Tooltip("first_session_after:N", title="First session after the event")],
    ).properties(width=layout.SHOCK_ASIA_PANEL, height=layout.SHOCK_ASIA_ROW * len(table))
    return charts.titled(bars, "Asia, each market on its own calendar",
                         "Close-to-close changes; Lunar New Year and local holidays delay the first reaction", SOURCE_ASIA)


# ----------------------------------------------------------------------------- the event study


def study_table(tickers: list[str], market_proxy: str, design: events.Design,
                windows: list[tuple[int, int]]) -> pd.DataFrame:
    windows = [w for w in windows if design.window[0] <= w[0] and w[1] <= design.window[1]]
    return events.study(tickers, market_proxy, design, windows)


def car_chart(study: pd.DataFrame, window: str) -> alt.Chart:
    data = study[study["window"] == window].copy()
    for col in ("car", "se", "market_adjusted"):
        data[col] = data[col] * 100
    data["lo"], data["hi"] = data["car"] - 1.96 * data["se"], data["car"] + 1.96 * data["se"]
    base = alt.Chart(data).encode(y=alt.Y("ticker:N", sort=alt.EncodingSortField("car", order="ascending"), title=None))
    tips = [alt.Tooltip("name:N", title="Company"), alt.Tooltip("car:Q", title="CAR, market model (%)", format="+.2f"),
            alt.Tooltip("se:Q", title="Standard error (pp)", format=".2f"), alt.Tooltip("t:Q", title="t", format="+.2f"),
            alt.Tooltip("market_adjusted:Q", title="Market-adjusted (%)", format="+.2f"),
            alt.Tooltip("beta:Q", title="Beta", format=".2f")]
    ci = base.mark_rule(strokeWidth=2, color=layout.SHOCK_INTERVAL).encode(x=alt.X("lo:Q", title=f"Cumulative abnormal return {window} (%)"), x2="hi:Q")
    point = base.mark_point(filled=True, size=60, color=charts.DOWN).encode(x="car:Q", tooltip=tips)
    madj = base.mark_tick(color=charts.UP, thickness=2, size=12).encode(x="market_adjusted:Q", tooltip=tips)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=layout.SHOCK_ZERO).encode(x="x:Q")
    return charts.titled(alt.layer(ci, zero, point, madj).properties(width=layout.SHOCK_BAR_WIDTH, height=layout.SHOCK_CAR_ROW * len(data)),
                         f"Abnormal returns over {window}",
                         "Dot: market model, with 95% interval; tick: market-adjusted (stock minus market)", SOURCE_US)


def ar_paths(tickers: list[str], market_proxy: str, design: events.Design) -> pd.DataFrame:
    frames = []
    for t in tickers:
        ev, _ = events.abnormal_returns(t, market_proxy, design)
        frames.append(pd.DataFrame({"ticker": t, "rel_day": ev["rel_day"].to_numpy(), "date": ev.index,
                                    "ar_pct": ev["ar"].to_numpy() * 100, "car_pct": ev["ar"].cumsum().to_numpy() * 100}))
    return pd.concat(frames, ignore_index=True)


def ar_path_chart(paths: pd.DataFrame, confounders: pd.DataFrame | None = None) -> alt.Chart:
    pick = alt.selection_point(fields=["ticker"], bind="legend")
    # The days axis is set on each layer that has days: a shared x set on the whole layer would also
    # reach the zero rule, which has no day, and vega-lite would drop its only point (no zero line).
    domain = [int(paths["rel_day"].min()), int(paths["rel_day"].max())]
    days = alt.Scale(domain=domain)
    lines = alt.Chart(paths).mark_line(point=True).encode(
        x=alt.X("rel_day:Q", title="Trading days from the event", axis=alt.Axis(tickMinStep=1), scale=days),
        y=alt.Y("car_pct:Q", title="Cumulative abnormal return (%)"),
        color=alt.Color("ticker:N", title="Ticker (click to highlight)", scale=alt.Scale(range=charts.PALETTE)),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.15)),
        tooltip=[alt.Tooltip("ticker:N"), alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("ar_pct:Q", title="Abnormal return that day (%)", format="+.2f"),
                 alt.Tooltip("car_pct:Q", title="Cumulative (%)", format="+.2f")],
    ).add_params(pick)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=layout.GREY_RULE).encode(y="y:Q")
    main = alt.layer(zero, lines)
    subtitle = "Market model, cumulated from the start of the event window"
    if confounders is None or confounders.empty:
        return charts.titled(main.properties(width=layout.SHOCK_LINE_WIDTH, height=layout.HEIGHT),
                             "Abnormal returns day by day", subtitle, SOURCE_US)
    # Other news inside the window: a dashed rule on the first session that could trade it, and its
    # label in a strip under the plot (one row per item that falls on the same day).
    data = confounders.reset_index(drop=True).assign(row=lambda d: d.index)  # one row each: labels never overlap
    tips = [alt.Tooltip("label:N", title="Also in the window"), alt.Tooltip("date:N", title="Date"),
            alt.Tooltip("when:N", title="When"), alt.Tooltip("source:N", title="Source")]
    rules = alt.Chart(data).mark_rule(color=layout.GREY_RULE, strokeDash=[4, 3]).encode(
        x=alt.X("rel_day:Q", scale=days), tooltip=tips)
    strip = alt.Chart(data).mark_text(align="left", dx=3, fontSize=10, color=layout.GREY_TEXT).encode(
        x=alt.X("rel_day:Q", axis=None, scale=days), y=alt.Y("row:O", axis=None),
        text="label:N", tooltip=tips,
    ).properties(width=layout.SHOCK_LINE_WIDTH, height=layout.SHOCK_CONFOUNDER_ROW * (int(data["row"].max()) + 1))
    top = alt.layer(main, rules).properties(width=layout.SHOCK_LINE_WIDTH, height=layout.HEIGHT)
    return charts.titled(alt.vconcat(top, strip, spacing=2), "Abnormal returns day by day",
                         "Market model, cumulated; dashed: other news in the window", SOURCE_US)


#: News inside the event window other than DeepSeek's: fact id, label, and whether markets could
#: trade it the same day ("on") or only from the next session ("after": after the close or a weekend).
CONFOUNDERS = [("SHK-B15", "Stargate announced", "after"), ("SHK-B12", "FOMC decision", "on"),
               ("RSP-B01", "Microsoft results", "after"), ("RSP-B03", "Meta results", "after"),
               ("RSP-B04", "Alphabet results", "after"), ("RSP-B05", "Amazon results", "after"),
               ("SHK-B13", "Tariff orders signed", "after")]
EARNINGS = {"RSP-B01": "MSFT", "RSP-B03": "META", "RSP-B04": "GOOGL", "RSP-B05": "AMZN"}


def confounders_in_window(event_date: str, window: tuple[int, int]) -> pd.DataFrame:
    """The confounding news whose first tradable New York session falls inside the event window."""
    idx = calendar.sessions("^GSPC")
    pos0 = idx.get_loc(pd.Timestamp(event_date))
    rows = []
    for fid, label, timing in CONFOUNDERS:
        f = facts.fact(fid)
        date = f.value if f.kind == "date" else f.as_of  # a row whose value is not its date keeps it in as_of
        day = (calendar.first_session_on_or_after if timing == "on" else calendar.first_session_after)("^GSPC", date)
        rel = idx.get_loc(day) - pos0
        if window[0] <= rel <= window[1]:
            rows.append({"fact": fid, "label": label, "date": date, "session": f"{day:%Y-%m-%d}", "rel_day": rel,
                         "when": f.unit, "source": facts.cite(f), "ticker": EARNINGS.get(fid, "")})
    return pd.DataFrame(rows, columns=["fact", "label", "date", "session", "rel_day", "when", "source", "ticker"])


def basket_table(tickers: list[str], market_proxy: str, design: events.Design,
                 windows: list[tuple[int, int]]) -> pd.DataFrame:
    """Basket CAAR tests for the AI-hardware names among ``tickers`` (empty if fewer than two)."""
    members = [t for t in tickers if catalog.get(t).group in HARDWARE_GROUPS]
    if len(members) < 2:
        return pd.DataFrame(columns=["window", "n", "caar", "t_bmp", "p_bmp", "mean_residual_correlation", "t_kp", "p_kp"])
    windows = [w for w in windows if design.window[0] <= w[0] and w[1] <= design.window[1]]
    return pd.DataFrame([events.basket_test(members, market_proxy, design, w) for w in windows])


def study_wide(study: pd.DataFrame) -> pd.DataFrame:
    """One row per stock: beta, then CAR (%) and t for each window, in the order studied."""
    windows = list(dict.fromkeys(study["window"]))
    out = study.drop_duplicates("ticker").set_index("ticker")[["name", "beta"]]
    for w in windows:
        part = study[study["window"] == w].set_index("ticker")
        out[f"CAR {w} (%)"] = part["car"] * 100
        out[f"t {w}"] = part["t"]
    out[f"Market-adjusted {windows[0]} (%)"] = study[study["window"] == windows[0]].set_index("ticker")["market_adjusted"] * 100
    return out.reset_index()


# ----------------------------------------------------------------------------- the sections


def opening(p: Params) -> Section:
    """The story's headline numbers: always 27 January 2025, whatever the parameters."""
    lseg, r1 = facts.fact("SHK-11"), facts.fact("SHK-01")
    return Section(numbers={
        "nvda_drop": -market.day_move("NVDA", KEY_EVENT)["pct"],
        "ixic_drop": -market.day_move("^IXIC", KEY_EVENT)["pct"],
        "gspc_drop": -market.day_move("^GSPC", KEY_EVENT)["pct"],
        "sox_drop": -market.day_move("^SOX", KEY_EVENT)["pct"],
        "nvda_mv_bn": -market.market_value_change("NVDA", KEY_EVENT)["change_usd"] / 1e9,
        "lseg_bn": lseg.value, "lseg_status": Cite(lseg),
        "r1_release": Day(r1.value), "r1_release_status": Cite(r1),
    })


def rerun_box(p: Params) -> Section:
    """The parameters, their defaults and their exact valid ranges, as a markdown table."""
    from IPython.display import Markdown

    rows = ["| Parameter | Default | What it sets | Valid values |", "|---|---|---|---|"]
    for r in Params.table():
        rows.append(f"| `{r['name']}` | `{r['default']}` | {r['help']} | {r['valid']} |")
    return Section(numbers={"rerun_table": Markdown("\n".join(rows))})


def the_day(p: Params) -> Section:
    """Every US series on the event day, each group's median, worst and best, and the worst-hit asset;
    the story's words for Apple and the Dow on 27 January."""
    traded, missing = traded_on(p.event_date, catalog.tickers(market="US"))
    moves = moves_table(p.event_date, traded)
    assets = moves.drop(index=[t for t in NON_ASSETS if t in moves.index])
    worst = assets.loc[assets["pct"].idxmin()]
    note = (Phrase("shock.moves.missing", (("names", ", ".join(catalog.get(t).name for t in missing)),)) if missing
            else Phrase("shock.moves.all", (("n", len(traded)),)))
    return Section(
        numbers={"event_day": Day(p.event_date), "worst_name": worst["name"], "worst_pct": abs(worst["pct"]),
                 "worst_dir": Word(words.direction(worst["pct"], "down", "up", "up")), "moves_note": note,
                 "story_aapl": Word(words.direction(market.day_move("AAPL", KEY_EVENT)["pct"])),
                 "story_dji": Word(words.direction(market.day_move("^DJI", KEY_EVENT)["pct"]))},
        tables={"tbl-shock-groups-table": Table(
            group_summary(moves),
            {"group": "Group", "series": "Series", "median": "Median (%)", "worst": "Worst (%)", "best": "Best (%)"},
            {"median": "{:+.1f}", "worst": "{:+.1f}", "best": "{:+.1f}"})},
        figures={"fig-shock-moves-chart": Figure(moves_chart(moves, p.event_date), moves.reset_index())},
    )


def market_value(p: Params) -> Section:
    """Market value lost and gained on the event day; the story's own figures on 27 January."""
    mv = market_value_table(p.event_date)
    story_table = market_value_table(KEY_EVENT)
    story = story_table.set_index("ticker")["change_bn"]
    losers = story[story < 0]
    nv = market.market_value_change("NVDA", KEY_EVENT)
    others = story.drop("NVDA").sum()
    return Section(
        numbers={"nvda_shares_bn": nv["shares"] / 1e9, "nvda_shares_asof": nv["as_of_date"],
                 "avgo_mv_bn": abs(story["AVGO"]), "avgo_word": Word(words.direction(story["AVGO"], "lost", "gained")),
                 "aapl_mv_bn": abs(story["AAPL"]), "aapl_word": Word(words.direction(story["AAPL"], "lost", "gained")),
                 "story_nvda_alone": Phrase("shock.nvda.more" if -story["NVDA"] > abs(others) else "shock.nvda.less"),
                 "losers_n": len(losers), "losers_bn": abs(losers.sum()),
                 "losers_ex_tsm_bn": abs(losers.drop("TSM", errors="ignore").sum()),
                 "trillion_fact": Cite("SHK-23"),
                 "trillion_tn": facts.fact("SHK-23").scaled(unit_contains="billion") / 1e12,
                 "trillion_sentence": Phrase("shock.trillion.exceed" if abs(losers.drop("TSM", errors="ignore").sum())
                                             > facts.fact("SHK-23").scaled(unit_contains="billion") / 1e9
                                             else "shock.trillion.close"),
                 **(tsmc := tsmc_on_taipei()),
                 "tsmc_usd_sentence": (Phrase("shock.tsmc.usd", (
                     ("fx", tsmc["tsmc_fx_reopen"]), ("usd", tsmc["tsmc_tw_loss_usd_bn"]),
                     ("adr", abs(story["TSM"])), ("premium", tsmc["tsmc_adr_premium"]), ("fx_name", tsmc["tsmc_fx_name"])))
                     if "tsmc_fx_reopen" in tsmc else Phrase("shock.tsmc.no_fx"))},
        tables={"tbl-shock-mcap-table": Table(
            mv,
            {"ticker": "Ticker", "name": "Company", "shares_bn": "Shares (bn)", "shares_as_of": "Count as of",
             "filing": "SEC filing", "prev_close": "Previous close", "close": "Close", "change_bn": "Change ($bn)",
             "value_before_bn": "Value before ($bn)"},
            {"shares_bn": "{:,.3f}", "prev_close": "{:,.2f}", "close": "{:,.2f}", "change_bn": "{:+,.1f}",
             "value_before_bn": "{:,.0f}"})},
        figures={"fig-shock-mcap-chart": Figure(market_value_chart(mv, p.event_date), mv)},
    )


def tsmc_on_taipei() -> dict:
    """TSMC valued on its Taipei shares when Taipei first traded after 27 January 2025 (story numbers).

    The level is the exchange close before the holiday (SHK-B18; the cached series is adjusted, fit
    for returns only); the move is the cached return from that close to the first session after the
    event. The result is in New Taiwan dollars: the book has no sourced exchange rate for the day.
    """
    shares = market.shares_outstanding("TSM", KEY_EVENT)["shares"] * market.ADS_RATIO["TSM"]
    close = facts.fact("SHK-B18")
    prices = cache.load_prices("2330.TW")["Close"]
    before = calendar.last_session_on_or_before("2330.TW", KEY_EVENT)
    reopen = calendar.first_session_after("2330.TW", KEY_EVENT)
    move = prices[reopen] / prices[before] - 1
    adr = cache.load_prices("TSM")["Close"]
    adr_move = adr[calendar.last_session_on_or_before("TSM", reopen)] / adr[before] - 1
    fx = {}
    if FX_TWD in catalog.BY_TICKER:  # New Taiwan dollars per US dollar, FRED H.10 (New York noon)
        rate = cache.load_prices(FX_TWD)["Close"].dropna()
        at_reopen, at_before = rate[:reopen].iloc[-1], rate[:before].iloc[-1]
        adr_parity = market.ADS_RATIO["TSM"] * close.number() / at_before  # five Taiwan shares in dollars
        fx = {"tsmc_fx_reopen": at_reopen, "tsmc_tw_loss_usd_bn": abs(shares * close.number() * move) / at_reopen / 1e9,
              "tsmc_adr_premium": (adr[before] / adr_parity - 1) * 100, "tsmc_fx_name": catalog.get(FX_TWD).name}
    return {**fx, "tsmc_common_bn": shares / 1e9, "tsmc_close_ntd": close.number(), "tsmc_close_fact": Cite(close),
            "tsmc_ntd_value_tn": shares * close.number() / 1e12,
            "tsmc_tw_loss_ntd_bn": abs(shares * close.number() * move) / 1e9,
            "tsmc_tw_word": Word(words.direction(move, "lost", "gained")), "tsmc_tw_dir": Word(words.direction(move)),
            "tsmc_tw_move": abs(move) * 100, "tsmc_adr_same_span": abs(adr_move) * 100,
            "tsmc_adr_same_span_word": Word(words.direction(adr_move)),
            "tsmc_premium_fact": Cite("SHK-B14")}


def the_days_after(p: Params) -> Section:
    """Nvidia's rebound on the story's next day; each group's path and horizons after the event day."""
    rebound = market.day_move("NVDA", calendar.session_after("NVDA", KEY_EVENT, 1))
    after = after_table(p.event_date)
    paths = group_paths(p.event_date, f"{min(_month_end_after(p.event_date, 6), pd.Timestamp(catalog.END)):%Y-%m-%d}")
    chips = after.set_index("group").loc["Chips"]
    horizons = {"chips_1m": chips["1 month"], "chips_3m": chips["3 months"], "chips_6m": chips["6 months"]}
    month = (Phrase("shock.after.month", (("m1", chips["1 month"]),
                                          ("trend", Word(words.trend(chips["1 day"], chips["1 month"])))))
             if np.isfinite(chips["1 month"]) else Phrase("shock.after.month.none"))
    quarter = (Phrase("shock.after.quarter", (("m3", chips["3 months"]),)) if np.isfinite(chips["3 months"])
               else Phrase("shock.after.quarter.none"))
    half = (Phrase("shock.after.half", (("m6", chips["6 months"]),)) if np.isfinite(chips["6 months"])
            else Phrase("shock.after.half.none"))
    china = catalog.tickers("China ADRs and ETFs", "US")
    china_moves = market.day_moves(china, KEY_EVENT)["pct"]
    china_1d = after_table(KEY_EVENT).set_index("group").loc["China ADRs and ETFs", "1 day"]
    chips_story = after_table(KEY_EVENT).set_index("group").loc["Chips", "1 day"]
    return Section(
        numbers={"china_1d": china_1d, "china_up": int((china_moves > 0).sum()), "china_n": len(china),
                 "china_way": Phrase("shock.china.other_way" if china_1d * chips_story < 0 else "shock.china.same_way"),
                 "nvda_rebound": rebound["pct"], "nvda_rebound_date": Day(rebound["date"], year=False),
                 "chips_1d": chips["1 day"], **{k: v for k, v in horizons.items() if np.isfinite(v)},
                 "chips_month": month, "chips_quarter": quarter, "chips_half": half,
                 "after_anchor": Day(after.attrs["anchor"])},
        tables={"tbl-shock-after-table": Table(after, {"group": "Group", "1 day": "Event day (%)"},
                                               {h: "{:+.1f}" for h in HORIZONS})},
        figures={"fig-shock-paths-chart": Figure(paths_chart(paths, p.event_date), paths)},
    )


def asia(p: Params) -> Section:
    """Asia on its own calendars after the event day; the story's Asian numbers after 27 January."""
    table = asia_table(p.event_date)
    story = asia_table(KEY_EVENT).set_index("ticker")
    return Section(
        numbers={"softbank_drop": abs(story.loc["9984.T", "event_day_pct"]),
                 "softbank_word": Word(words.direction(story.loc["9984.T", "event_day_pct"])),
                 "softbank_fact": Cite("SHK-29"),
                 "asia_until": Day(_month_end_after(p.event_date, 1)),
                 "cn_reopen": Day(story.loc["000300.SS", "first_session_after"], year=False),
                 "tw_last": Day(calendar.last_session_on_or_before("2330.TW", KEY_EVENT), year=False),
                 "tw_reopen": Day(story.loc["2330.TW", "first_session_after"], year=False),
                 "tsmc_tw_drop": -story.loc["2330.TW", "first_session_pct"],
                 "baba_hk_feb": abs(story.loc["9988.HK", "to_date_pct"]),
                 "baba_word": Word(words.direction(story.loc["9988.HK", "to_date_pct"])),
                 **alibaba_february()},
        figures={"fig-shock-asia-chart": Figure(asia_chart(table, p.event_date), table)},
    )


def alibaba_february() -> dict:
    """The other news in Alibaba's February 2025 (story numbers): Qwen2.5-Max, the private-sector
    symposium and its own results, with its Hong Kong move on the first session after the results."""
    results = facts.fact("SHK-B17")
    day = calendar.first_session_after("9988.HK", results.value)
    move = market.day_move("9988.HK", f"{day:%Y-%m-%d}")["pct"]
    return {"qwen_date": Day(facts.fact("RSP-19").value, year=False), "qwen_fact": Cite("RSP-19"),
            "symposium_date": Day(facts.fact("SHK-B16").value, year=False), "symposium_fact": Cite("SHK-B16"),
            "baba_results_date": Day(results.value, year=False), "baba_results_fact": Cite(results),
            "baba_results_day": Day(day, year=False), "baba_results_pct": abs(move),
            "baba_results_word": Word(words.direction(move))}


def event_study(p: Params) -> Section:
    """Each stock's CARs with their t-statistics, the day-0 intervals and the build-up around day 0."""
    design = p.design()
    study = study_table(list(p.tickers), p.market_proxy, design, p.windows)
    shown = [t for t in CARPATH_TICKERS if t in p.tickers] or list(p.tickers[:5])
    paths = ar_paths(shown, p.market_proxy, design)
    confounders = confounders_in_window(p.event_date, p.window)
    wide = study_wide(study)
    formats = {c: ("{:+.1f}" if "%" in c else "{:+.2f}") for c in wide.columns if c.startswith(("CAR", "t ", "Market"))}
    ev, _ = events.abnormal_returns(p.tickers[0], p.market_proxy, design)
    r1 = pd.Timestamp(facts.fact("SHK-01").value)
    return Section(
        numbers={"est_len": design.estimation_length, "est_gap": design.gap,
                 "est_start": Day(ev.attrs["estimation"][0]), "est_end": Day(ev.attrs["estimation"][1]),
                 "est_vs_r1": (Phrase("shock.study.before_r1") if ev.attrs["estimation"][1] < r1
                               else Phrase("shock.study.after_r1", (("r1", Day(r1)),))),
                 "proxy_name": catalog.get(p.market_proxy).name,
                 "confounders_sentence": confounders_phrase(confounders),
                 "earnings_sentence": earnings_phrase(confounders, p)},
        tables={"tbl-shock-study-table": Table(wide, {"ticker": "Ticker", "name": "Company", "beta": "Beta"},
                                               formats | {"beta": "{:.2f}"})},
        figures={"fig-shock-car-chart": Figure(car_chart(study, "(+0,+0)"), study[study["window"] == "(+0,+0)"]),
                 "fig-shock-carpath-chart": Figure(ar_path_chart(paths, confounders), paths)},
    )


def confounders_phrase(confounders: pd.DataFrame) -> Phrase:
    if confounders.empty:
        return Phrase("shock.confounders.none")
    items = "; ".join(f"{r.label} (day {r.rel_day:+d})" for r in confounders.itertuples())
    return Phrase("shock.confounders", (("items", items),))


def earnings_phrase(confounders: pd.DataFrame, p: Params) -> Phrase:
    """Which of the chosen stocks' CARs span their own results, and in which windows."""
    hits = confounders[confounders["ticker"].isin(p.tickers)]
    if hits.empty:
        return Phrase("shock.earnings.none")
    names = " and ".join(catalog.get(t).name for t in hits["ticker"])
    spans = sorted({f"({w[0]:+d},{w[1]:+d})" for w in p.windows for d in hits["rel_day"] if w[0] <= d <= w[1]})
    if not spans:
        return Phrase("shock.earnings.outside", (("names", names),))
    return Phrase("shock.earnings", (("names", names), ("windows", ", ".join(spans))))


BASKET_LABELS = {"window": "Window", "n": "Stocks", "caar": "CAAR (%)", "t_bmp": "t (BMP)", "p_bmp": "p (BMP)",
                 "mean_residual_correlation": "Mean residual correlation", "t_kp": "t (adjusted)",
                 "p_kp": "p (adjusted)"}
BASKET_FORMATS = {"caar": "{:+.2f}", "t_bmp": "{:+.2f}", "p_bmp": "{:.3f}", "mean_residual_correlation": "{:.2f}",
                  "t_kp": "{:+.2f}", "p_kp": "{:.3f}"}


def basket(p: Params) -> Section:
    """The AI-hardware basket's CAAR with the BMP and Kolari–Pynnönen tests."""
    table = basket_table(list(p.tickers), p.market_proxy, p.design(), p.windows)
    if table.empty:
        return Section(numbers={"basket_sentence": Phrase("shock.basket.none")},
                       tables={"tbl-shock-basket-table": Table(table)})
    day0 = table.set_index("window").loc["(+0,+0)"]
    numbers = {"rbar": day0["mean_residual_correlation"], "basket_n": int(day0["n"]),
               "kp_factor": day0["t_bmp"] / day0["t_kp"], "caar0": day0["caar"] * 100,
               "t_bmp0": day0["t_bmp"], "t_kp0": day0["t_kp"]}
    smaller = abs(day0["t_kp"]) < abs(day0["t_bmp"])
    values = (("rbar", numbers["rbar"]), ("n", numbers["basket_n"]),
              ("factor", numbers["kp_factor"] if smaller else 1 / numbers["kp_factor"]), ("caar", numbers["caar0"]),
              ("t_bmp", numbers["t_bmp0"]), ("t_kp", numbers["t_kp0"]),
              ("eff", numbers["basket_n"] / (1 + (numbers["basket_n"] - 1) * numbers["rbar"])))
    return Section(
        numbers={**numbers, "basket_sentence": Phrase("shock.basket.smaller" if smaller else "shock.basket.larger", values)},
        tables={"tbl-shock-basket-table": Table(table.assign(caar=table["caar"] * 100), BASKET_LABELS, BASKET_FORMATS)},
    )


PORTFOLIO_LABELS = {"window": "Window", "n": "Stocks", "car": "CAR (%)", "se": "Standard error (pp)", "t": "t",
                    "p": "p", "sigma": "Residual σ (%)", "beta": "Beta"}
PORTFOLIO_FORMATS = {"car": "{:+.2f}", "se": "{:.2f}", "t": "{:+.2f}", "p": "{:.4f}", "sigma": "{:.2f}", "beta": "{:.2f}"}
SIZE_DRAWS = 2000
SIZE_SEED = 2025
SIZE_LEVEL = 0.05
TEST_NAMES = {"bmp": "BMP", "kp": "BMP, Kolari–Pynnönen adjusted", "portfolio": "Portfolio (calendar time)"}


def hardware_members(p: Params) -> list[str]:
    """The AI-hardware stocks among the tickers: the basket of the basket tests."""
    return [t for t in p.tickers if catalog.get(t).group in HARDWARE_GROUPS]


def portfolio(p: Params) -> Section:
    """The basket held as one equal-weighted portfolio: its own market model and prediction-error t."""
    members = hardware_members(p)
    if len(members) < 2:
        return Section(numbers={"portfolio_sentence": Phrase("shock.basket.none")},
                       tables={"tbl-shock-portfolio-table": Table(pd.DataFrame())})
    rows = pd.DataFrame([events.portfolio_test(members, p.market_proxy, p.design(), w) for w in p.windows])
    day0 = rows.set_index("window").loc["(+0,+0)"]
    shown = rows.assign(car=rows["car"] * 100, se=rows["se"] * 100, sigma=rows["sigma"] * 100)
    return Section(
        numbers={"port_car0": day0["car"] * 100, "port_t0": day0["t"], "port_p0": day0["p"],
                 "portfolio_sentence": Phrase("shock.portfolio", (
                     ("car", day0["car"] * 100), ("t", day0["t"]), ("p", day0["p"]),
                     ("sigma", day0["sigma"] * 100), ("df", p.estimation_length - 2)))},
        tables={"tbl-shock-portfolio-table": Table(shown, PORTFOLIO_LABELS, PORTFOLIO_FORMATS)},
    )


def size_simulation(p: Params) -> Section:
    """How often each basket test rejects a true null when the stocks are as cross-correlated as
    the basket's own estimation residuals (seeded simulation, the chapter's own test functions)."""
    members = hardware_members(p)
    if len(members) < 2:
        return Section(numbers={"size_sentence": Phrase("shock.basket.none"), "size_verdict": Phrase("shock.size.none")},
                       tables={"tbl-shock-size-table": Table(pd.DataFrame())})
    inputs = events.basket_simulation_inputs(members, p.market_proxy, p.design())
    sim = events.simulate_basket_size(**inputs, windows=p.windows[:3], draws=SIZE_DRAWS, seed=SIZE_SEED,
                                      level=SIZE_LEVEL)
    wide = sim.pivot(index="test", columns="window", values="rejection_rate").loc[list(TEST_NAMES)]
    wide = (wide[[f"({w[0]:+d},{w[1]:+d})" for w in p.windows[:3]]] * 100).rename(index=TEST_NAMES).reset_index()
    rate = sim[sim["window"] == "(+0,+0)"].set_index("test")["rejection_rate"]
    day0 = events.basket_test(members, p.market_proxy, p.design(), (0, 0))
    port = events.portfolio_test(members, p.market_proxy, p.design(), (0, 0))
    verdict = {(True, True): "both", (True, False): "portfolio", (False, True): "kp", (False, False): "neither"}[
        (port["p"] < SIZE_LEVEL, day0["p_kp"] < SIZE_LEVEL)]
    return Section(
        numbers={"size_bmp0": rate["bmp"] * 100, "size_kp0": rate["kp"] * 100, "size_port0": rate["portfolio"] * 100,
                 "size_sentence": Phrase("shock.size", (
                     ("draws", SIZE_DRAWS), ("n", len(members)), ("level", SIZE_LEVEL * 100),
                     ("bmp", rate["bmp"] * 100), ("kp", rate["kp"] * 100), ("port", rate["portfolio"] * 100))),
                 "size_verdict": Phrase(f"shock.size.{verdict}", (("level", SIZE_LEVEL * 100),))},
        tables={"tbl-shock-size-table": Table(wide, {"test": "Test"}, {c: "{:.1f}" for c in wide.columns if c != "test"})},
    )


#: What the public could know before 27 January 2025, and when markets could first trade it (story).
ATTENTION = [("SHK-03", "V3 weights", "on"), ("CST-06", "V3 report ($5.6M claim)", "on"),
             ("SHK-04", "App launched", "on"), ("SHK-01", "R1 released", "on"), ("SHK-B15", "Stargate", "after"),
             ("SHK-05", "App No. 1 (US)", "on"), ("SHK-32", "'Sputnik moment' post", "on"),
             ("SHK-29", "Tokyo sell-off (SoftBank)", "on")]
WAIT_FROM, WAIT_TO = "2024-12-01", "2025-02-28"  # the months around the story's day


def attention_events() -> pd.DataFrame:
    """Each item of :data:`ATTENTION` on the first New York session that could trade it."""
    rows = []
    for fid, label, timing in ATTENTION:
        f = facts.fact(fid)
        date = f.value if f.kind == "date" else f.as_of
        day = (calendar.first_session_on_or_after if timing == "on" else calendar.first_session_after)("^GSPC", date)
        rows.append({"fact": fid, "label": label, "date": date, "session": day, "source": facts.cite(f)})
    return pd.DataFrame(rows)


def wait_frame() -> pd.DataFrame:
    """The story basket's daily abnormal returns from December 2024 to February 2025, out of sample.

    The basket is the AI-hardware stocks of the default tickers; its market model (S&P 500) is fitted
    on the story's own estimation window (the 250 sessions ending 35 before 27 January 2025), and
    every later day is a prediction error with its own standard error.
    """
    d = Params()
    members = hardware_members(d)
    idx = calendar.sessions("^GSPC")
    pos0 = idx.get_loc(pd.Timestamp(KEY_EVENT))
    lo = -(d.gap - d.window[0])  # the first day after the story's estimation window
    hi = int((idx[(idx > pd.Timestamp(KEY_EVENT)) & (idx <= pd.Timestamp(WAIT_TO))]).size)
    design = events.Design(KEY_EVENT, d.estimation_length, 0, (lo, hi))
    ev, _ = events.portfolio_abnormal_returns(members, d.market_proxy, design)
    ev = ev[ev.index >= pd.Timestamp(WAIT_FROM)]
    out = pd.DataFrame({"date": ev.index, "rel_day": ev["rel_day"].to_numpy(), "ar_pct": ev["ar"].to_numpy() * 100,
                        "se_pct": np.sqrt(ev["ar_var"].to_numpy()) * 100})
    out["t"] = out["ar_pct"] / out["se_pct"]
    out.attrs["members"] = members
    assert pos0 + hi < len(idx)
    return out


def wait_chart(frame: pd.DataFrame, marks: pd.DataFrame) -> alt.Chart:
    data = frame.assign(band_lo=-1.96 * frame["se_pct"], band_hi=1.96 * frame["se_pct"],
                        beyond=np.where(frame["t"].abs() > 1.96, "beyond ±1.96 s.e.", "within ±1.96 s.e."))
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b"))
    band = alt.Chart(data).mark_area(color=layout.GREY_LIGHT).encode(x=x, y="band_lo:Q", y2="band_hi:Q")
    bars = alt.Chart(data).mark_bar().encode(
        x=x, y=alt.Y("ar_pct:Q", title="Basket abnormal return (%)"),
        color=alt.Color("beyond:N", title=None, scale=alt.Scale(domain=["beyond ±1.96 s.e.", "within ±1.96 s.e."],
                                                                range=[charts.DOWN, layout.GREY_OTHER])),
        tooltip=[alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("ar_pct:Q", title="Abnormal return (%)", format="+.2f"),
                 alt.Tooltip("t:Q", title="t", format="+.2f")])
    m = marks.assign(session=marks["session"].dt.strftime("%Y-%m-%d"))
    m = m.reset_index(drop=True).assign(row=lambda d: d.index)  # one row each: labels never overlap
    tips = [alt.Tooltip("label:N", title="Event"), alt.Tooltip("date:N", title="Date"),
            alt.Tooltip("source:N", title="Source")]
    rules = alt.Chart(m).mark_rule(color=layout.GREY_RULE, strokeDash=[4, 3]).encode(x="session:T", tooltip=tips)
    domain = [f"{frame['date'].min():%Y-%m-%d}", f"{frame['date'].max():%Y-%m-%d}"]
    top = alt.layer(band, bars, rules).encode(x=alt.X("date:T", scale=alt.Scale(domain=domain))).properties(
        width=layout.SHOCK_LINE_WIDTH, height=layout.HEIGHT)
    strip = alt.Chart(m).mark_text(align="left", dx=3, fontSize=10, color=layout.GREY_TEXT).encode(
        x=alt.X("session:T", axis=None, scale=alt.Scale(domain=domain)), y=alt.Y("row:O", axis=None),
        text="label:N", tooltip=tips,
    ).properties(width=layout.SHOCK_LINE_WIDTH, height=layout.SHOCK_CONFOUNDER_ROW * (int(m["row"].max()) + 1))
    return charts.titled(alt.vconcat(top, strip, spacing=2), "Why did the market wait?",
                         "AI-hardware basket, daily abnormal return; grey: 95% band; dashed: news", SOURCE_US)


def why_wait(p: Params) -> Section:
    """The story's basket day by day from December to February, against what was public when (story)."""
    frame = wait_frame()
    marks = attention_events()
    by_day = frame.set_index("date")
    def at(fid):
        day = marks.set_index("fact").loc[fid, "session"]
        return by_day.loc[day], day
    v3, v3_day = at("CST-06")
    r1, r1_day = at("SHK-01")
    key, _ = at("SHK-05")
    before = frame[frame["date"] < pd.Timestamp(KEY_EVENT)]
    biggest = frame.loc[frame["ar_pct"].abs().idxmax()]
    quiet = abs(v3["t"]) < 1.96 and abs(r1["t"]) < 1.96
    return Section(
        numbers={"wait_n": len(frame.attrs["members"]), "wait_from": Day(frame["date"].min()),
                 "wait_to": Day(frame["date"].max()),
                 "wait_v3_r1": Phrase("shock.wait.quiet" if quiet else "shock.wait.moved", (
                     ("v3", v3["ar_pct"]), ("v3t", v3["t"]), ("v3_day", Day(v3_day, year=False)),
                     ("r1", r1["ar_pct"]), ("r1t", r1["t"]), ("r1_day", Day(r1_day, year=False)))),
                 "wait_key_ar": key["ar_pct"], "wait_key_t": key["t"],
                 "wait_chance": Phrase("shock.wait.chance", (
                     ("days", len(before)), ("beyond", int((before["t"].abs() > 1.96).sum())),
                     ("expected", 0.05 * len(before)))),
                 "wait_biggest": (Phrase("shock.wait.biggest_key") if biggest["date"] == pd.Timestamp(KEY_EVENT)
                                  else Phrase("shock.wait.biggest_other", (("day", Day(biggest["date"])),
                                                                            ("ar", biggest["ar_pct"])))),
                 "v3_cost": facts.fact("CST-06").value,
                 "v3_fact": Cite("CST-06"), "sputnik_fact": Cite("SHK-32"), "appstore_fact": Cite("SHK-05")},
        figures={"fig-shock-wait-chart": Figure(wait_chart(frame, marks), frame)},
    )


def market_model_caveat(p: Params) -> Section:
    """Nvidia's beta in the story's design (27 January, S&P 500): why the market model understates the
    shock; and how much of the S&P 500's fall that day the book's own S&P members account for."""
    share = sp_members_share()
    return Section(numbers={
        "nvda_beta": events.abnormal_returns("NVDA", "^GSPC", events.Design())[1].beta,
        "sp_members": ", ".join(catalog.get(t).name for t in share["members"]),
        "sp_members_n": len(share["members"]),
        "sp_members_loss_bn": abs(share["members_change_bn"]),
        "sp_members_word": Word(words.direction(share["members_change_bn"], "lost", "gained")),
        "sp_cap_tn": share["index_value_bn"] / 1000, "sp_cap_end2024_tn": share["end_2024_tn"],
        "sp_loss_bn": abs(share["index_change_bn"]), "sp_share_pct": share["share_pct"],
        "sp_cap_fact": Cite("SHK-B10"), "sp_members_fact": Cite("SHK-B11"),
        "sp_share_sentence": Phrase("shock.sp.more" if share["share_pct"] > 100 else "shock.sp.less"),
    })


def sp_members_share(day: str = KEY_EVENT) -> dict:
    """The book's S&P 500 members (with SEC share counts) against the whole index on ``day``.

    The index's market value on the eve of ``day`` is its end-2024 value (SHK-B10) scaled by the
    index level since then — an approximation that ignores changes of membership and share counts;
    its change is that value times the day's move. Members are the book's companies among the index's
    largest components (SHK-B11).
    """
    listed = {v.strip() for v in str(facts.fact("SHK-B11").raw_value).split(";")}
    members = [t for t in MARKET_VALUE_TICKERS if t in listed]
    mv = market_value_table(day, members)
    level = cache.load_prices("^GSPC")["Close"]
    eve = calendar.last_session_before("^GSPC", day)
    end_2024 = level.loc[:"2024-12-31"].iloc[-1]
    end_2024_tn = facts.fact("SHK-B10").scaled(unit_contains="trillion") / 1e12
    value_bn = end_2024_tn * 1000 * level[eve] / end_2024
    change_bn = value_bn * market.day_move("^GSPC", day)["pct"] / 100
    return {"members": members, "members_change_bn": float(mv["change_bn"].sum()), "end_2024_tn": end_2024_tn,
            "index_value_bn": float(value_bn), "index_change_bn": float(change_bn),
            "share_pct": float(mv["change_bn"].sum() / change_bn * 100)}


FX_TWD = "DEXTAUS"
PROXY_CANDIDATES = ["^GSPC", "^DJI", "RSP"]  # the S&P 500, the Dow, and an equal-weighted S&P 500 where the cache has it


def proxy_range(p: Params) -> Section:
    """Day-0 abnormal returns of the chosen stocks against each market proxy the cache allows."""
    design = p.design()

    def covers(m: str) -> bool:  # the proxy has data for this design (the context series end earlier)
        if m not in catalog.BY_TICKER:  # context series (the equal-weighted RSP) are not in catalog.tickers()
            return False
        try:
            events.abnormal_returns(p.tickers[0], m, design)
        except ValueError:
            return False
        return True

    proxies = list(dict.fromkeys([p.market_proxy, *[t for t in PROXY_CANDIDATES if covers(t)]]))
    rows = []
    for t in p.tickers:
        row = {"ticker": t, "name": catalog.get(t).name}
        for m in proxies:
            ev, _ = events.abnormal_returns(t, m, design)
            day0 = ev[ev["rel_day"] == 0].iloc[0]
            row[m] = day0["ar"] * 100
            row["raw"] = day0["r"] * 100
        rows.append(row)
    table = pd.DataFrame(rows)
    table["range"] = table[proxies].max(axis=1) - table[proxies].min(axis=1)
    means = table[proxies].mean()
    lo, hi = means.idxmin(), means.idxmax()
    missing = [t for t in PROXY_CANDIDATES if t not in proxies]
    labels = {"ticker": "Ticker", "name": "Company", "raw": "Return (%)", "range": "Range (pp)",
              **{m: f"AR vs {catalog.get(m).name} (%)" for m in proxies}}
    return Section(
        numbers={"proxy_sentence": Phrase("shock.proxy.range", (
                     ("n", len(p.tickers)), ("lo", means[lo]), ("lo_name", catalog.get(lo).name), ("hi", means[hi]),
                     ("hi_name", catalog.get(hi).name), ("raw", table["raw"].mean()),
                     ("widest", table["range"].max()), ("widest_name", table.loc[table["range"].idxmax(), "name"]))),
                 "proxy_missing": (Phrase("shock.proxy.no_equal_weight") if missing else Phrase("shock.proxy.all"))},
        tables={"tbl-shock-proxies-table": Table(table[["ticker", "name", "raw", *proxies, "range"]], labels,
                                                 {c: "{:+.2f}" for c in ["raw", *proxies]} | {"range": "{:.2f}"})},
    )


def articles(p: Params) -> Section:
    """The articles' claims about the market in these days, with the ledger's verdicts."""
    return Section(shown=[claims.chapter_claims(1)])
