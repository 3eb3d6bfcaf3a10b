"""Chapter 1, "The shock": the tables and charts of the day and of the weeks after."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import calendar, events, market
from shockbook.data import cache, catalog
from shockbook.site import charts

KEY_EVENT = "2025-01-27"  # the Monday of the crash, in New York

SOURCE_US = "daily closes from Yahoo Finance, cross-checked with Interactive Brokers (book cache)"
SOURCE_ASIA = "daily closes from Yahoo Finance and Tushare via public repositories (book cache)"
SOURCE_SEC = "closes (book cache) × shares outstanding from SEC cover pages"

EVENT_STUDY_TICKERS = ["NVDA", "AVGO", "TSM", "AMD", "MU", "MRVL", "ARM", "ASML", "AMAT", "LRCX", "KLAC",
                       "ANET", "SMCI", "DELL", "VRT", "VST", "CEG", "MSFT", "META", "GOOGL", "AMZN",
                       "ORCL", "AAPL"]
MARKET_VALUE_TICKERS = ["NVDA", "AVGO", "TSM", "GOOGL", "MSFT", "AMZN", "META", "AAPL"]
HARDWARE_GROUPS = ["Chips", "Chip equipment", "Networking and servers"]
ASIA_MARKETS = ["JP", "CN", "HK", "TW"]
HORIZONS = {"1 day": 1, "1 week": 5, "1 month": 21, "3 months": 63, "6 months": 126}


def check_parameters(event_date: str, tickers: list[str], market_proxy: str, estimation_length: int,
                     gap: int, window: list[int]) -> events.Design:
    """Fail early, in words a reader understands, before anything is computed; the study's design."""
    params.tickers("tickers", tickers)
    params.tickers("market_proxy", [market_proxy])
    day = params.date("event_date", event_date)
    if not (isinstance(window, (list, tuple)) and len(window) == 2 and all(isinstance(w, int) for w in window)):
        raise ValueError(f"window {window!r} must be two whole numbers of trading days, e.g. [-5, 5].")
    for t in tickers:
        calendar.trading_day(t, day)
    design = events.Design(event_date=f"{day:%Y-%m-%d}", estimation_length=estimation_length, gap=gap,
                           window=(window[0], window[1]))
    design.check()
    return design


# ----------------------------------------------------------------------------- the day


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
    ).properties(width=charts.WIDTH - 60, height=11 * len(data))
    return charts.titled(bars, f"Every US series in the book on {pd.Timestamp(date):%d %B %Y}",
                         "Close-to-close change, coloured by group", SOURCE_US)


# ----------------------------------------------------------------------------- market value


def market_value_table(date: str, tickers: list[str] = MARKET_VALUE_TICKERS) -> pd.DataFrame:
    rows = []
    for t in tickers:
        mv = market.market_value_change(t, date)
        rows.append({"ticker": t, "name": catalog.get(t).name, "shares_bn": mv["shares"] / 1e9,
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
    ).properties(width=charts.WIDTH - 60, height=28 * len(data))
    return charts.titled(bars, f"Market value lost and gained on {pd.Timestamp(date):%d %B %Y}",
                         "Shares outstanding × change in the unadjusted close", SOURCE_SEC)


# ----------------------------------------------------------------------------- the weeks after


def cumulative_returns(tickers: list[str], anchor: pd.Timestamp, end: str) -> pd.DataFrame:
    """Total return from the close of ``anchor`` to each later close, per ticker (wide, in %)."""
    cols = {}
    for t in tickers:
        p = cache.load_prices(t)[market.total_return_column(t)]
        cols[t] = (p.loc[anchor:end] / p.loc[anchor] - 1) * 100
    return pd.DataFrame(cols)


def after_table(event_date: str, groups: list[str] | None = None) -> pd.DataFrame:
    """Equal-weighted average total return of each US group from the close before the event to later horizons."""
    groups = groups or [g for g in catalog.GROUPS if catalog.tickers(g, "US") and g != "US indices and ETFs"]
    closes = cache.load_prices("^GSPC")["Close"]  # the US session calendar
    day0 = calendar.trading_day("^GSPC", event_date)
    pos = closes.index.get_loc(day0)
    anchor = closes.index[pos - 1]
    rows = []
    for g in [*groups, "US indices and ETFs"]:
        members = [t for t in catalog.tickers(g, "US") if t != "^VIX"]
        cum = cumulative_returns(members, anchor, catalog.END)
        row = {"group": g}
        for label, k in HORIZONS.items():
            if pos - 1 + k < len(closes):
                row[label] = cum.loc[closes.index[pos - 1 + k]].mean()
            else:
                row[label] = np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["anchor"] = anchor
    return out


def group_paths(event_date: str, end: str) -> pd.DataFrame:
    """Long frame: date, group, equal-weighted cumulative return since the close before the event (%)."""
    closes = cache.load_prices("^GSPC")["Close"]
    day0 = calendar.trading_day("^GSPC", event_date)
    anchor = closes.index[closes.index.get_loc(day0) - 1]
    frames = []
    for g in catalog.GROUPS:
        members = [t for t in catalog.tickers(g, "US") if t != "^VIX" and not t.startswith("^")]
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
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#888").encode(y="y:Q")
    return charts.titled(alt.layer(zero, lines).properties(width=charts.WIDTH - 40, height=charts.HEIGHT),
                         "Did the shock last?",
                         f"Equal-weighted average of each group's US stocks, from the close before {pd.Timestamp(event_date):%d %b %Y}",
                         SOURCE_US)


# ----------------------------------------------------------------------------- Asia


def asia_table(event_date: str, until: str = "2025-02-28") -> pd.DataFrame:
    """Each Asian series on its own calendar: the event-day session (if any), the first session after
    it (when the New York sell-off could first be traded), and the move to ``until``."""
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


def asia_chart(table: pd.DataFrame, event_date: str, until: str = "2025-02-28") -> alt.Chart:
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
    ).properties(width=150, height=14 * len(table))
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
    ci = base.mark_rule(strokeWidth=2, color="#999").encode(x=alt.X("lo:Q", title=f"Cumulative abnormal return {window} (%)"), x2="hi:Q")
    point = base.mark_point(filled=True, size=60, color=charts.DOWN).encode(x="car:Q", tooltip=tips)
    madj = base.mark_tick(color=charts.UP, thickness=2, size=12).encode(x="market_adjusted:Q", tooltip=tips)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#444").encode(x="x:Q")
    return charts.titled(alt.layer(ci, zero, point, madj).properties(width=charts.WIDTH - 60, height=15 * len(data)),
                         f"Abnormal returns over {window}",
                         "Dot: market model, with 95% interval; tick: market-adjusted (stock minus market)", SOURCE_US)


def ar_paths(tickers: list[str], market_proxy: str, design: events.Design) -> pd.DataFrame:
    frames = []
    for t in tickers:
        ev, _ = events.abnormal_returns(t, market_proxy, design)
        frames.append(pd.DataFrame({"ticker": t, "rel_day": ev["rel_day"].to_numpy(), "date": ev.index,
                                    "ar_pct": ev["ar"].to_numpy() * 100, "car_pct": ev["ar"].cumsum().to_numpy() * 100}))
    return pd.concat(frames, ignore_index=True)


def ar_path_chart(paths: pd.DataFrame) -> alt.Chart:
    pick = alt.selection_point(fields=["ticker"], bind="legend")
    lines = alt.Chart(paths).mark_line(point=True).encode(
        x=alt.X("rel_day:Q", title="Trading days from the event", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("car_pct:Q", title="Cumulative abnormal return (%)"),
        color=alt.Color("ticker:N", title="Ticker (click to highlight)", scale=alt.Scale(range=charts.PALETTE)),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.15)),
        tooltip=[alt.Tooltip("ticker:N"), alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("ar_pct:Q", title="Abnormal return that day (%)", format="+.2f"),
                 alt.Tooltip("car_pct:Q", title="Cumulative (%)", format="+.2f")],
    ).add_params(pick)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#888").encode(y="y:Q")
    return charts.titled(alt.layer(zero, lines).properties(width=charts.WIDTH - 40, height=charts.HEIGHT),
                         "Abnormal returns day by day", "Market model, cumulated from the start of the event window",
                         SOURCE_US)


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
