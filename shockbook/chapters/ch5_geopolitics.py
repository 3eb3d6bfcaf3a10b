"""Chapter 5, "Geopolitics": export controls against the market, the chips they shaped, the framing.

Dates, specifications and policies come from the facts table (:mod:`shockbook.data.facts`) with their
reliability labels; prices from the cache, each market on its own calendar. A-share and Hong Kong
series are dividend- (possibly forward-) adjusted, so only their returns are used, never levels.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import calendar, claims, market
from shockbook.data import cache, catalog, facts
from shockbook.site import charts, layout, params_box, words
from shockbook.site.section import Word
from shockbook.site.provenance import SOURCE_MIXED, confidence_scale
from shockbook.site.section import Cite, Day, Figure, Section, Table

ASIA = {"HK", "CN", "JP", "TW"}


@dataclass(frozen=True)
class Policy:
    ref: str
    label: str
    origin: str  # "US" or "China": whose working day the date is
    part: int = 0  # which date of a multi-date value
    date_from: str = "value"  # or "as_of"


EXPORT_CONTROLS = [
    Policy("GEO-01", "First sweeping chip controls (ECCN 3A090)", "US"),
    Policy("GEO-03", "Controls tightened: interconnect test dropped, H800 caught", "US"),
    Policy("GEO-04", "140 entities listed; HBM and tool controls", "US"),
    Policy("GEO-05", "AI diffusion rule (three country tiers)", "US"),
    Policy("GEO-08", "H20 needs a licence (notice to Nvidia)", "US", 0),
    Policy("GEO-09", "Nvidia discloses a $5.5B H20 charge", "US", 0, "as_of"),
    Policy("GEO-07", "AI diffusion rule rescinded", "US"),
]

FRAMING = [
    Policy("GEO-13", "China's national AI fund set up", "China", 0, "as_of"),
    Policy("SHK-01", "DeepSeek releases R1", "China"),
    Policy("RSP-14", "Stargate announced at the White House", "US", 0, "as_of"),
    Policy("GEO-15", "Alexandr Wang: an 'AI war'", "US"),
    Policy("SHK-32", "Andreessen: AI's 'Sputnik moment'", "US"),
    Policy("GEO-14", "Trump: a 'wake-up call'", "US"),
    Policy("SKP-14", "White House: NSC reviewing; a 'wake-up call'", "US"),
]


def _policy_date(f: facts.Fact, p: Policy) -> pd.Timestamp:
    if p.date_from == "as_of":
        return pd.Timestamp(f.as_of)
    if f.kind == "date":
        return pd.Timestamp(f.value)
    if f.kind == "dates":
        return pd.Timestamp(f.value[p.part])
    raise facts.FactsError(f"{f.id}: value {f.raw_value!r} is not a date.")


def events_table(policies: list[Policy]) -> pd.DataFrame:
    """Date, label, origin, confidence (reliability label), status and source line of each event."""
    rows = []
    fs = facts.facts([p.ref for p in policies])
    for p in policies:
        f = fs[p.ref]
        rows.append({"ref": p.ref, "date": _policy_date(f, p), "label": p.label, "origin": p.origin,
                     "confidence": f.reliability, "status": f.status, "source": facts.cite(f),
                     "statement": f.statement})
    out = pd.DataFrame(rows).sort_values("date", kind="stable").reset_index(drop=True)
    out.insert(0, "n", range(1, len(out) + 1))
    return out


# ---------------------------------------------------------------------------------- sessions


def base_and_sessions(ticker: str, date: pd.Timestamp, origin: str, sessions: int) -> tuple[pd.Timestamp, list]:
    """The last close before the news could reach ``ticker``'s market, and the next ``sessions`` sessions.

    The facts give dates, not hours. Convention: a market's session on the announcement's own
    date counts as *after* the news, except an Asian session on the date of a US announcement,
    which closed before Washington's working day began; that session is the base instead.
    """
    idx = calendar.sessions(ticker)
    asia_before_us = catalog.get(ticker).market in ASIA and origin == "US"
    try:
        base = (calendar.last_session_on_or_before(ticker, date) if asia_before_us
                else calendar.last_session_before(ticker, date))
        calendar.first_session_after(ticker, base)
    except ValueError:
        raise ValueError(f"{date:%Y-%m-%d} is outside the data for {ticker} "
                         f"({idx[0]:%Y-%m-%d}..{idx[-1]:%Y-%m-%d}).") from None
    return base, list(idx[idx > base][:sessions])


def reaction(ticker: str, date: pd.Timestamp, origin: str, sessions: int) -> dict:
    """Total return of ``ticker`` from the base close over its first ``sessions`` sessions after the news."""
    p = cache.load_prices(ticker)[cache.total_return_column(ticker)]
    base, after = base_and_sessions(ticker, date, origin, sessions)
    first = after[0]
    return {"ticker": ticker, "base": base, "first_session": first, "last_session": after[-1],
            "first_pct": (p.loc[first] / p.loc[base] - 1) * 100,
            "window_pct": (p.loc[after[-1]] / p.loc[base] - 1) * 100, "sessions": len(after)}


def reactions_table(events: pd.DataFrame, tickers: list[str], sessions: int) -> pd.DataFrame:
    """Each event × ticker: first-session and ``sessions``-session returns; events outside a ticker's data are skipped."""
    rows = []
    for _, e in events.iterrows():
        for t in tickers:
            try:
                r = reaction(t, e["date"], e["origin"], sessions)
            except ValueError:
                continue
            rows.append({"n": e["n"], "ref": e["ref"], "event": e["label"], "date": f"{e['date']:%Y-%m-%d}",
                         "name": catalog.get(t).name, "market": catalog.get(t).market, **r})
    out = pd.DataFrame(rows)
    for c in ("base", "first_session", "last_session"):
        out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
    return out


# ---------------------------------------------------------------------------------- the long view


def rebased(tickers: list[str], start: str, end: str) -> pd.DataFrame:
    """Long frame: each ticker's total return index, 100 at its first close on or after ``start``, own calendar."""
    frames = []
    for t in tickers:
        p = cache.load_prices(t)[cache.total_return_column(t)].loc[start:end].dropna()
        if p.empty:
            raise ValueError(f"{t} has no data between {start} and {end}.")
        frames.append(pd.DataFrame({"date": p.index, "ticker": t, "name": catalog.get(t).name,
                                    "market": catalog.get(t).market, "index": (p / p.iloc[0] * 100).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def _event_strip(events: pd.DataFrame, x_scale: alt.Scale, height: int = layout.GEO_STRIP_HEIGHT) -> alt.Chart:
    shapes, opac = confidence_scale(list(events["confidence"]))
    data = events.assign(date_str=events["date"].dt.strftime("%d %b %Y"), y=0)
    tips = [alt.Tooltip("n:Q", title="#"), alt.Tooltip("date_str:N", title="Date"), alt.Tooltip("label:N", title="Event"),
            alt.Tooltip("confidence:N", title="Confidence"), alt.Tooltip("source:N", title="Source"),
            alt.Tooltip("ref:N", title="Fact id")]
    base = alt.Chart(data).encode(x=alt.X("date:T", scale=x_scale, title=None, axis=None))
    pts = base.mark_point(size=120, filled=True, color=charts.DOWN).encode(
        y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[-1, 1.4])),
        shape=alt.Shape("confidence:N", title="Confidence", scale=shapes, legend=alt.Legend(orient="right")),
        opacity=alt.Opacity("confidence:N", scale=opac, legend=None), tooltip=tips)
    nums = base.mark_text(dy=-14, fontSize=10, color=layout.GREY_LABEL).encode(y=alt.Y("y:Q", axis=None), text="n:Q", tooltip=tips)
    return alt.layer(pts, nums).properties(width=layout.GEO_LINES_WIDTH, height=height)


#: The events the chapter is about, marked on the long view beside the policy steps: (fact, label).
STORY_MARKS = [("SHK-03", "V3"), ("SHK-01", "R1")]


def story_marks() -> pd.DataFrame:
    """V3's weights (26 Dec 2024), R1 (20 Jan 2025) and the crash (27 Jan 2025), with their sources."""
    rows = [{"date": pd.Timestamp(facts.fact(ref).value), "label": label, "source": facts.cite(facts.fact(ref))}
            for ref, label in STORY_MARKS]
    rows.append({"date": pd.Timestamp(calendar.KEY_EVENT), "label": "27 Jan", "source": "the day of the crash"})
    return pd.DataFrame(rows)


def controls_chart(lines: pd.DataFrame, events: pd.DataFrame, start: str, end: str,
                   story: pd.DataFrame | None = None) -> alt.Chart:
    """Numbered policy events above the rebased total-return lines of the compared tickers (log scale);
    the story's own days (V3, R1, the crash) as solid red rules with their names."""
    shown = events[(events["date"] >= pd.Timestamp(start)) & (events["date"] <= pd.Timestamp(end))]
    x_scale = alt.Scale(domain=[pd.Timestamp(start).isoformat(), pd.Timestamp(end).isoformat()])
    names = list(dict.fromkeys(lines["name"]))
    pick = alt.selection_point(fields=["name"], bind="legend")
    ln = alt.Chart(lines).mark_line(strokeWidth=1.6).encode(
        x=alt.X("date:T", title=None, scale=x_scale, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("index:Q", title=f"Total return index ({pd.Timestamp(start):%d %b %Y} = 100, log scale)",
                scale=alt.Scale(type="log", nice=False)),
        color=alt.Color("name:N", title="Series (click to highlight)", scale=alt.Scale(domain=names, range=charts.PALETTE),
                        legend=alt.Legend(columns=3)),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.12)),
        tooltip=[alt.Tooltip("name:N", title="Series"), alt.Tooltip("market:N", title="Market calendar"),
                 alt.Tooltip("date:T", title="Date", format="%d %b %Y"), alt.Tooltip("index:Q", title="Index", format=",.1f")],
    ).add_params(pick)
    rules = alt.Chart(shown.assign(date_str=shown["date"].dt.strftime("%d %b %Y"))).mark_rule(
        color=layout.GREY_RULE, strokeDash=[4, 3]).encode(
        x=alt.X("date:T", scale=x_scale),
        tooltip=[alt.Tooltip("n:Q", title="#"), alt.Tooltip("date_str:N", title="Date"), alt.Tooltip("label:N", title="Event")])
    layers = [rules, ln]
    if story is not None:
        st = story[(story["date"] >= pd.Timestamp(start)) & (story["date"] <= pd.Timestamp(end))]
        st = st.assign(date_str=st["date"].dt.strftime("%d %b %Y"))
        tips = [alt.Tooltip("label:N", title="Story"), alt.Tooltip("date_str:N", title="Date"),
                alt.Tooltip("source:N", title="Source")]
        layers.append(alt.Chart(st).mark_rule(color=charts.DOWN, strokeWidth=1.5).encode(
            x=alt.X("date:T", scale=x_scale), tooltip=tips))
        for i in range(len(st)):  # labels staggered down the plot so that close days do not overlap
            layers.append(alt.Chart(st.iloc[[i]]).mark_text(
                align="left", dx=3, y=layout.GEO_STORY_LABEL_Y + i * layout.GEO_STORY_LABEL_STEP, fontSize=10,
                fontWeight="bold", color=charts.DOWN).encode(x=alt.X("date:T", scale=x_scale), text="label:N",
                                                             tooltip=tips))
    lower = alt.layer(*layers).properties(width=layout.GEO_LINES_WIDTH, height=charts.HEIGHT)
    chart = alt.vconcat(_event_strip(shown, x_scale), lower, spacing=4).resolve_scale(color="independent", shape="independent")
    return charts.titled(chart, "Export controls and the stocks they touched",
                         "Numbered US policy steps (top; hover for the source) over total-return indices on each market's "
                         "calendar; red: V3, R1 and the crash",
                         "book cache (Yahoo Finance, Interactive Brokers, Tushare); events: book facts GEO-01 to GEO-09")


def reactions_wide(react: pd.DataFrame) -> pd.DataFrame:
    """The reactions as a compact table: one row per step, one column per series (window return, %)."""
    data = react.assign(step=react["n"].astype(str) + ". " + react["event"] + " (" + react["date"] + ")")
    names = list(dict.fromkeys(data["name"]))
    w = data.pivot(index=["n", "step"], columns="name", values="window_pct").reindex(columns=names)
    return w.reset_index().drop(columns="n").rename_axis(columns=None)


def reactions_chart(react: pd.DataFrame, sessions: int) -> alt.Chart:
    data = react.assign(event_label=react["n"].astype(str) + ". " + react["event"] + " (" + react["date"] + ")")
    order = list(dict.fromkeys(data.sort_values("n")["event_label"]))
    names = list(dict.fromkeys(data["name"]))
    tips = [alt.Tooltip("event:N", title="Event"), alt.Tooltip("name:N", title="Series"),
            alt.Tooltip("base:N", title="Base close"), alt.Tooltip("first_session:N", title="First session after"),
            alt.Tooltip("first_pct:Q", title="First session (%)", format="+.2f"),
            alt.Tooltip("last_session:N", title="Window ends"),
            alt.Tooltip("window_pct:Q", title=f"{sessions} sessions (%)", format="+.2f")]
    pts = alt.Chart(data).mark_point(filled=True, size=70).encode(
        x=alt.X("window_pct:Q", title=f"Total return over the first {sessions} sessions after the news (%)"),
        y=alt.Y("event_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=330)),
        color=alt.Color("name:N", title="Series", scale=alt.Scale(domain=names, range=charts.PALETTE),
                        legend=alt.Legend(columns=3)),
        tooltip=[*tips, alt.Tooltip("market:N", title="Market calendar")])
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=layout.GREY_ZERO).encode(x="x:Q")
    chart = alt.layer(zero, pts).properties(width=layout.GEO_REACTIONS_WIDTH, height=layout.GEO_REACTIONS_ROW * len(order))
    return charts.titled(chart, "After each policy step",
                         f"Return from the last close before the news to the {sessions}th session after it, per market",
                         SOURCE_MIXED)


# ---------------------------------------------------------------------------------- the chips


SPEC_METRICS = [
    ("bf16", "BF16 tensor compute, dense", "TFLOPS"),
    ("fp8", "FP8 tensor compute, dense", "TFLOPS"),
    ("mem_bw", "Memory bandwidth", "TB/s"),
    ("nvlink", "Chip-to-chip interconnect (NVLink)", "GB/s"),
    ("memory", "Memory", "GB"),
]


def gpu_specs() -> pd.DataFrame:
    """H100, H800 and H20 on the metrics that matter, from GEO-10..12, long form.

    ``basis`` says how each cell was read: as stated; "same as H100" where the source says the part
    keeps the H100's compute; or "no source" where the book's facts do not give the figure.
    """
    f = facts.facts(["GEO-10", "GEO-11", "GEO-12", "GEO-B04"])
    h100, h800, h20, h800_mem = f["GEO-10"], f["GEO-11"], f["GEO-12"], f["GEO-B04"]
    if "essentially the same tensor compute" not in h800.statement:
        raise facts.FactsError("GEO-11: the statement no longer says the H800 keeps the H100's tensor compute.")
    v = {
        "H100": {"bf16": (h100.number(1, 1), "as stated (dense)"), "fp8": (h100.number(0, 1), "as stated (dense)"),
                 "mem_bw": (h100.number(2), "as stated"), "nvlink": (h100.number(3), "as stated"),
                 "memory": (facts.number_in_text(h100.statement, r"(\d+)GB HBM3", "GEO-10"), "as stated")},
        "H800": {"bf16": (h100.number(1, 1), "same as H100, as the source describes it"),
                 "fp8": (h100.number(0, 1), "same as H100, as the source describes it"),
                 "mem_bw": (h800_mem.number(1), "as stated"), "nvlink": (h800.number(0, 0), "as stated"),
                 "memory": (h800_mem.number(0), "as stated")},
        "H20": {"bf16": (h20.number(2), "as stated"), "fp8": (h20.number(3), "as stated"),
                "mem_bw": (h20.number(1), "as stated"), "nvlink": (h20.number(4), "as stated"),
                "memory": (facts.number_in_text(h20.raw_value, r"^(\d+)GB", "GEO-12"), "as stated")},
    }
    if h800.number(0, 1) != h100.number(3):
        raise facts.FactsError("GEO-11's H100 NVLink figure no longer matches GEO-10's.")
    src = {"H100": h100, "H800": h800, "H20": h20}
    # the H800's memory figures come from their own fact (a vendor's comparison)
    cell_src = {("H800", "mem_bw"): h800_mem, ("H800", "memory"): h800_mem}
    rows = []
    for chip, metrics in v.items():
        for key, label, unit in SPEC_METRICS:
            val, basis = metrics[key]
            ref = v["H100"][key][0]
            fs = cell_src.get((chip, key), src[chip])
            rows.append({"chip": chip, "metric": label, "key": key, "unit": unit, "value": val, "basis": basis,
                         "pct_of_h100": val / ref * 100 if not math.isnan(val) else np.nan,
                         "fact": fs.id, "confidence": fs.reliability, "source": facts.cite(fs)})
    return pd.DataFrame(rows)


def specs_wide(specs: pd.DataFrame) -> pd.DataFrame:
    w = specs.pivot(index=["metric", "unit"], columns="chip", values="value").reindex(columns=["H100", "H800", "H20"])
    order = [m for _, m, _ in SPEC_METRICS]
    return w.reset_index().set_index("metric").loc[order].reset_index()


def specs_chart(specs: pd.DataFrame) -> alt.Chart:
    data = specs.assign(shown=specs["pct_of_h100"].fillna(0),
                        note=np.where(specs["value"].isna(), "no source", ""))
    order = [m for _, m, _ in SPEC_METRICS]
    chips = ["H100", "H800", "H20"]
    tips = [alt.Tooltip("chip:N", title="Chip"), alt.Tooltip("metric:N", title="Metric"),
            alt.Tooltip("value:Q", title="Value", format=",.2f"), alt.Tooltip("unit:N", title="Unit"),
            alt.Tooltip("pct_of_h100:Q", title="% of H100", format=".0f"), alt.Tooltip("basis:N", title="Read as"),
            alt.Tooltip("confidence:N", title="Source quality"), alt.Tooltip("source:N", title="Source")]
    y = alt.Y("metric:N", sort=order, title=None, axis=alt.Axis(labelLimit=230))
    yo = alt.YOffset("chip:N", sort=chips)
    color = alt.Color("chip:N", title="Chip", sort=chips, scale=alt.Scale(domain=chips, range=charts.PALETTE[:3]))
    bars = alt.Chart(data).mark_bar(height=11).encode(
        x=alt.X("shown:Q", title="Share of the H100's figure (%)"), y=y, yOffset=yo, color=color,
        opacity=alt.condition("datum.basis == 'as stated' || datum.basis == 'as stated (dense)'", alt.value(1), alt.value(0.45)),
        tooltip=tips)
    missing = alt.Chart(data[data["note"] != ""]).mark_text(align="left", dx=3, fontSize=10, color=layout.GREY_TEXT).encode(
        x=alt.datum(0), y=y, yOffset=yo, text="note:N", tooltip=tips)
    ref = alt.Chart(pd.DataFrame({"x": [100]})).mark_rule(color=layout.GREY_RULE, strokeDash=[4, 3]).encode(x="x:Q")
    chart = alt.layer(bars, ref, missing).properties(width=layout.GEO_SPECS_WIDTH, height=layout.GEO_SPECS_ROW * len(order))
    return charts.titled(chart, "H100, H800, H20: what export rules left in",
                         "Each figure as a share of the H100's; pale bars are read across from the H100, not stated",
                         "secondary restatements of Nvidia's specifications (MEDIUM), book facts GEO-10 to GEO-12 and GEO-B04")


def rule_tests(specs: pd.DataFrame) -> pd.DataFrame:
    """Which chips the 2022 and 2023 tests would catch, from the spec figures and the rules' thresholds.

    TPP (total processing performance) is taken as dense tera-operations per second times the bit
    length of the operation, on the FP8 figure. The 2022 test needs both TPP and interconnect at or
    above their thresholds (GEO-02, UNVERIFIED thresholds); the 2023 test (GEO-03) drops the
    interconnect and adds a lower TPP bar combined with performance density, which needs die area.
    The book has no source for the die area; for a chip between the two bars the revealed evidence
    decides instead: the H20 needed no licence until the notice of April 2025 (GEO-08).
    """
    g02, g03 = facts.fact("GEO-02"), facts.fact("GEO-03")
    h20_notice = facts.fact("GEO-B01").value  # the 8-K, as quoted: no licence needed until then
    tpp22, link22 = g02.number(0, 0), g02.number(0, 1)
    tpp23 = facts.number_in_text(g03.note, r"TPP >= (\d+), or", "GEO-03")
    tpp23_low = facts.number_in_text(g03.note, r"or TPP >= (\d+) and performance density", "GEO-03")
    w = specs.pivot(index="chip", columns="key", values="value")
    rows = []
    for chip in ["H100", "H800", "H20"]:
        tpp = w.loc[chip, "fp8"] * 8
        link = w.loc[chip, "nvlink"]
        caught22 = tpp >= tpp22 and link >= link22
        if tpp >= tpp23:
            v23 = "caught"
        elif tpp >= tpp23_low:
            # the density test needs die area, for which the book has no source; the licence notice
            # (GEO-08) reveals the answer: the part needed no licence until then
            v23 = f"not caught: sold without a licence until {words.day(h20_notice)}"
        else:
            v23 = "not caught"
        rows.append({"chip": chip, "tpp": tpp, "nvlink": link, "rule_2022": "caught" if caught22 else "not caught",
                     "rule_2023": v23})
    out = pd.DataFrame(rows)
    out.attrs.update(tpp22=tpp22, link22=link22, tpp23=tpp23, tpp23_low=tpp23_low,
                     fact22=g02.id, fact23=g03.id)
    return out


# ---------------------------------------------------------------------------------- side by side


def side_by_side(us: list[str], china: list[str], anchor_before: str, start: str, end: str) -> pd.DataFrame:
    """Each series' total return since its last close before ``anchor_before``, own calendar, ``start``..``end``."""
    frames = []
    for side, tick in (("United States", us), ("China and Hong Kong", china)):
        for t in tick:
            p = cache.load_prices(t)[cache.total_return_column(t)]
            base = p.loc[calendar.last_session_before(t, anchor_before)]
            seg = p.loc[start:end]
            frames.append(pd.DataFrame({"side": side, "ticker": t, "name": catalog.get(t).name,
                                        "market": catalog.get(t).market, "date": seg.index,
                                        "pct": ((seg / base - 1) * 100).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def side_chart(data: pd.DataFrame, events: pd.DataFrame) -> alt.Chart:
    names = list(dict.fromkeys(data["name"]))
    tips = [alt.Tooltip("name:N", title="Series"), alt.Tooltip("market:N", title="Market calendar"),
            alt.Tooltip("date:T", title="Date", format="%a %d %b %Y"),
            alt.Tooltip("pct:Q", title="Since the close before 27 Jan (%)", format="+.1f")]
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%d %b"))
    ev = events.assign(date_str=events["date"].dt.strftime("%d %b %Y"))
    ev = ev[(ev["date"] >= data["date"].min()) & (ev["date"] <= data["date"].max())]
    panels = []
    for side in ["United States", "China and Hong Kong"]:
        d = data[data["side"] == side]
        color = alt.Color("name:N", title=None, scale=alt.Scale(domain=[n for n in names if n in set(d["name"])],
                                                               range=charts.PALETTE if side == "United States" else
                                             [charts.PALETTE[i] for i in (3, 4, 5, 7, 8, 0, 1, 2)]),
                          legend=alt.Legend(orient="right", labelLimit=170))
        line = alt.Chart(d).mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.6).encode(
            x=x, y=alt.Y("pct:Q", title="Since the pre-shock close (%)"), color=color, tooltip=tips)
        rules = alt.Chart(ev).mark_rule(color=layout.GREY_EVENT, strokeDash=[3, 3]).encode(
            x="date:T", tooltip=[alt.Tooltip("n:Q", title="#"), alt.Tooltip("date_str:N", title="Date"),
                                 alt.Tooltip("label:N", title="Event"), alt.Tooltip("confidence:N", title="Confidence"),
                                 alt.Tooltip("source:N", title="Source")])
        nums = alt.Chart(ev).mark_text(y=4, fontSize=10, color=layout.GREY_TEXT, baseline="top").encode(x="date:T", text="n:Q")
        zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=layout.GREY_BASELINE).encode(y="y:Q")
        panels.append(alt.layer(zero, rules, line, nums).properties(
            width=layout.GEO_SIDE_WIDTH, height=layout.GEO_SIDE_HEIGHT, title=alt.TitleParams(side, fontSize=12, anchor="start")))
    chart = alt.vconcat(*panels, spacing=14).resolve_scale(color="independent")
    return charts.titled(chart, "Two markets, two calendars",
                         "Each point is a session on its own market; gaps are holidays. Numbered lines: the framing events",
                         SOURCE_MIXED)


def framing_sessions(events: pd.DataFrame, us_ticker: str, asia_tickers: list[str]) -> pd.DataFrame:
    """For each framing event, the first session after the news on each market's calendar and the move that day."""
    rows = []
    for _, e in events.iterrows():
        row = {"n": e["n"], "date": f"{e['date']:%Y-%m-%d}", "event": e["label"], "origin": e["origin"],
               "status": e["status"], "confidence": e["confidence"]}
        for t in [us_ticker, *asia_tickers]:
            try:
                r = reaction(t, e["date"], e["origin"], 1)
                row[f"{t} session"] = f"{r['first_session']:%Y-%m-%d}"
                row[f"{t} %"] = r["first_pct"]
            except ValueError:
                row[f"{t} session"], row[f"{t} %"] = "", np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def entities_added() -> float:
    """How many entities the December 2024 rule added to the Entity List (GEO-04's statement)."""
    return facts.number_in_text(facts.fact("GEO-04").statement, r"added (\d+) entities", "GEO-04")


def reopening(ticker: str, date: str | pd.Timestamp) -> pd.Timestamp:
    """The first session of ``ticker``'s market after its first closure longer than a weekend that
    begins after ``date`` (the Lunar New Year holiday, for the story)."""
    idx = calendar.sessions(ticker)
    after = idx[idx >= calendar.last_session_on_or_before(ticker, date)]
    gaps = after[1:][(after[1:] - after[:-1]) > pd.Timedelta(days=3)]
    if gaps.empty:
        raise ValueError(f"{ticker} has no closure longer than a weekend after {pd.Timestamp(date):%Y-%m-%d} in the data.")
    return gaps[0]


# ---------------------------------------------------------------------------------- parameters


def _series_on(markets: set[str], hint: str):
    def check(name, values):
        params.tickers(name, values, most=len(charts.PALETTE))
        for t in values:
            if catalog.get(t).market not in markets:
                raise ValueError(f"{name}: {t} trades on the {catalog.get(t).market} calendar{hint}")
        return list(values)
    return check


def _valid_series(markets: set[str]) -> str:
    return (f"1 to {len(charts.PALETTE)} of: "
            + ", ".join(t for t in catalog.tickers() if catalog.get(t).market in markets))


MIN_SPAN_DAYS = 90       # the long view must span at least a quarter
MIN_SESSIONS = 20        # each compared series must trade this often in it


@dataclass(frozen=True)
class Params(params.ChapterParams):
    compare_tickers: tuple = params.param(
        ["NVDA", "AMD", "688256.SS", "000977.SZ", "0981.HK", "9988.HK"], params.TICKERS,
        "drawn against the export controls",
        lambda n, v: params.tickers(n, v, most=len(charts.PALETTE)),  # one colour each
        lambda: f"1 to {len(charts.PALETTE)} tickers the cache holds, each with at least {MIN_SESSIONS} "
                "sessions between start_date and end_date")
    start_date: str = params.param(
        "2023-01-03", params.DATE, "first day of the long view", params.unchanged(params.date),
        lambda: f"a date from {catalog.START} to {catalog.END}, at least {MIN_SPAN_DAYS} days before end_date")
    end_date: str = params.param(
        "2025-07-31", params.DATE, "last day of the long view", params.unchanged(params.date),
        lambda: f"a date from {catalog.START} to {catalog.END}, at least {MIN_SPAN_DAYS} days after start_date "
                "(a series' line stops where its data end)")
    reaction_sessions: int = params.bounded(
        5, "trading days after each policy step over which each series' return is measured",
        params.Bounds(1, 60, "trading days", whole=True))
    us_series: tuple = params.param(
        ["NVDA", "^SOX", "^IXIC"], params.TICKERS, "the US side of the side-by-side view (New York calendar)",
        _series_on({"US"}, ", not in New York."), lambda: _valid_series({"US"}))
    china_series: tuple = params.param(
        ["^HSI", "0981.HK", "9988.HK", "000300.SS", "688256.SS"], params.TICKERS,
        "the China and Hong Kong side (their calendars)",
        _series_on({"HK", "CN"}, "; use Hong Kong (.HK, ^HSI) or mainland (.SS, .SZ) series."),
        lambda: _valid_series({"HK", "CN"}))

    def check_together(self) -> None:
        start, end = pd.Timestamp(self.start_date), pd.Timestamp(self.end_date)
        if (end - start).days < MIN_SPAN_DAYS:
            raise ValueError(f"end_date must come at least {MIN_SPAN_DAYS} days after start_date; "
                             f"got {self.start_date} to {self.end_date}.")
        for t in self.compare_tickers:
            if len(cache.load_prices(t).loc[self.start_date:self.end_date].index) < MIN_SESSIONS:
                raise ValueError(f"compare_tickers: {t} has fewer than {MIN_SESSIONS} sessions between "
                                 f"{self.start_date} and {self.end_date}.")


# ---------------------------------------------------------------------------------- sections

CONTROLS_LABELS = {"n": "#", "date": "Date", "label": "Step", "confidence": "Confidence", "source": "Source",
                   "ref": "Fact"}


def _names(tickers) -> str:
    names = [catalog.get(t).name for t in tickers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " " + words.word("and") + " " + names[-1]


def rule1_where(rule1: pd.Timestamp, start_date: str) -> str:
    """Where the first rule falls against the price data and the reader's long view (a phrase)."""
    if rule1 < pd.Timestamp(catalog.START):
        return f"comes before the book's price data, which start on {words.day(catalog.START)}"
    if rule1 < pd.Timestamp(start_date):
        return (f"comes before the long view, which starts on {words.day(start_date)} "
                f"(the book's price data start on {words.day(catalog.START)})")
    return "falls inside the long view"


def controls(p: Params) -> Section:
    """The export-control steps, drawn over the compared series, and the numbers the prose cites."""
    ctl_table = events_table(EXPORT_CONTROLS)
    lines = rebased(list(p.compare_tickers), p.start_date, p.end_date)
    ctl = ctl_table.set_index("ref")
    g = facts.facts(["GEO-01", "GEO-03", "GEO-04", "GEO-05", "GEO-06", "GEO-07", "GEO-08", "GEO-09"])
    shown = ctl_table.assign(date=ctl_table["date"].dt.strftime("%Y-%m-%d"),
                             source=ctl_table["source"].str.removeprefix("Source: "))[list(CONTROLS_LABELS)]
    return Section(
        numbers={
            "compared_names": _names(p.compare_tickers),
            "rule1_where": rule1_where(ctl.loc["GEO-01", "date"], p.start_date),
            "rule1_date": Day(ctl.loc["GEO-01", "date"]),
            "rule2_date": Day(ctl.loc["GEO-03", "date"]), "rule3_date": Day(ctl.loc["GEO-04", "date"]),
            "rule3_entities": entities_added(), "rule4_date": Day(ctl.loc["GEO-05", "date"]),
            "dif_allies": g["GEO-06"].number(0), "dif_small": g["GEO-06"].number(1),
            "dif_cap": g["GEO-06"].number(2), "dif_veu": g["GEO-06"].number(3),
            "dif_src": Cite(g["GEO-06"]), "dif_conf": g["GEO-06"].reliability,
            "h20_notice": Day(g["GEO-08"].value[0]), "h20_indef": Day(g["GEO-08"].value[1]),
            "h20_src": Cite(g["GEO-08"]), "h20_charge": g["GEO-09"].number(),
            "h20_charge_date": Day(g["GEO-09"].as_of), "h20_charge_src": Cite(g["GEO-09"]),
            "rescind_date": Day(ctl.loc["GEO-07", "date"]), "rescind_src": Cite(g["GEO-07"]),
        },
        tables={"tbl-geo-controls-table": Table(shown, CONTROLS_LABELS, cites={"source": ctl_table["ref"]})},
        figures={"fig-geo-controls-chart": Figure(controls_chart(lines, ctl_table, p.start_date, p.end_date,
                                                                 story_marks()), lines)},
    )


CHARGE_WINDOW = 5  # sessions after Nvidia's H20 disclosure searched for its worst day
STORY_SERIES = ["NVDA", "AMD"]  # the story's own series for "did any step move them like DeepSeek?"


def worst_step_session(ctl: pd.DataFrame, tickers=STORY_SERIES) -> dict:
    """The worst first session of the story's series after any policy step the data cover."""
    worst = None
    for _, e in ctl.iterrows():
        for t in tickers:
            try:
                r = reaction(t, e["date"], e["origin"], 1)
            except ValueError:
                continue
            if worst is None or r["first_pct"] < worst["pct"]:
                worst = {"ticker": t, "pct": r["first_pct"], "step_date": e["date"], "session": r["first_session"]}
    return worst


def reactions(p: Params) -> Section:
    """Each compared series after each step (the reader's window), and the story's Nvidia moves."""
    ctl = events_table(EXPORT_CONTROLS)
    react = reactions_table(ctl, list(p.compare_tickers), p.reaction_sessions)
    rw = reactions_wide(react)
    g = facts.facts(["GEO-03", "GEO-08", "GEO-09"])
    notice = pd.Timestamp(g["GEO-08"].value[0])
    _, after = base_and_sessions("NVDA", pd.Timestamp(g["GEO-09"].as_of), "US", CHARGE_WINDOW)
    worst = min((market.day_move("NVDA", f"{d:%Y-%m-%d}") for d in after), key=lambda m: m["pct"])
    rule2 = ctl.set_index("ref").loc["GEO-03", "date"]
    nvda_h20 = reaction("NVDA", notice, "US", 1)["first_pct"]
    step_worst = worst_step_session(ctl)
    shock = reaction("NVDA", pd.Timestamp(calendar.KEY_EVENT), "US", 1)["first_pct"]
    spx_h20 = reaction("^GSPC", notice, "US", 1)["first_pct"]
    return Section(
        numbers={"sessions": p.reaction_sessions,
                 "nvda_h20_first": nvda_h20, "nvda_h20_dir": Word(words.direction(nvda_h20)),
                 "spx_h20_first": spx_h20, "spx_h20_dir": Word(words.direction(spx_h20)),
                 "nvda_charge_worst": worst["pct"], "nvda_charge_worst_day": Day(worst["date"]),
                 "nvda_rule2_first": reaction("NVDA", rule2, "US", 1)["first_pct"],
                 "worst_step_name": catalog.get(step_worst["ticker"]).name, "worst_step_pct": step_worst["pct"],
                 "worst_step_date": Day(step_worst["step_date"]), "nvda_shock_pct": shock,
                 "worst_vs_shock": Word("smaller" if abs(step_worst["pct"]) < abs(shock) else "larger")},
        tables={"tbl-geo-reactions-table": Table(rw, {"step": "Step"}, {c: "{:+.1f}" for c in rw.columns if c != "step"})},
        figures={"fig-geo-reactions-chart": Figure(reactions_chart(react, p.reaction_sessions), react)},
    )


RULES_LABELS = {"chip": "Chip", "tpp": "TPP (FP8 TFLOPS x 8)", "nvlink": "NVLink (GB/s)", "rule_2022": "2022 test",
                "rule_2023": "2023 test"}


def chips(p: Params) -> Section:
    """H100, H800 and H20 on their specifications, and the 2022 and 2023 tests applied to them."""
    specs = gpu_specs()
    wide = specs_wide(specs)
    s = specs.set_index(["chip", "key"])
    rt = rule_tests(specs)
    r = rt.set_index("chip")
    return Section(
        numbers={"spec_conf": s.loc[("H100", "bf16"), "confidence"],
                 "h800_mem_src": Cite(s.loc[("H800", "mem_bw"), "fact"]), "h800_mem_conf": s.loc[("H800", "mem_bw"), "confidence"],
                 "h20_bf16_pct": s.loc[("H20", "bf16"), "pct_of_h100"],
                 "h20_bw_pct": s.loc[("H20", "mem_bw"), "pct_of_h100"],
                 "h800_link": s.loc[("H800", "nvlink"), "value"], "h100_link": s.loc[("H100", "nvlink"), "value"],
                 "tpp22": rt.attrs["tpp22"], "link22": rt.attrs["link22"], "tpp23_low": rt.attrs["tpp23_low"],
                 "src22": Cite(rt.attrs["fact22"]), "src23": Cite(rt.attrs["fact23"]), "conf22": facts.fact("GEO-02").reliability,
                 "h100_tpp": r.loc["H100", "tpp"], "h20_tpp": r.loc["H20", "tpp"]},
        tables={"tbl-geo-specs-table": Table(wide, {"metric": "Metric", "unit": "Unit"},
                                             {c: "{:,.2f}" for c in ("H100", "H800", "H20")}),
                "tbl-geo-rules-table": Table(rt, RULES_LABELS, {"tpp": "{:,.0f}", "nvlink": "{:,.0f}"})},
        figures={"fig-geo-specs-chart": Figure(specs_chart(specs), specs)},
    )


#: Training operations per active parameter per token: 2 for the forward pass, 4 for the backward.
FLOP_PER_PARAM_TOKEN = 6


def v3_training_compute() -> dict:
    """V3's training compute estimated as 6 x active parameters x tokens (the standard rule of thumb
    for a forward and backward pass), from the V3 report's 37B active parameters (CST-12) and 14.8T
    tokens (CST-11): an estimate, not a figure DeepSeek gives. Epoch AI's estimate (CST-14) beside it."""
    active = facts.fact("CST-12").number(1) * 1e9
    tokens = facts.fact("CST-11").number() * 1e12
    if "37 active" not in facts.fact("CST-12").raw_value:
        raise facts.FactsError("CST-12: the value no longer gives the active parameters second.")
    return {"active": active, "tokens": tokens, "flop": FLOP_PER_PARAM_TOKEN * active * tokens,
            "epoch_flop": facts.fact("CST-14").number()}


def diffusion_threshold() -> float:
    """The diffusion rule's threshold for controlled (closed) model weights, in operations (GEO-05)."""
    return facts.number_in_text(facts.fact("GEO-05").statement, r"more than (1e\d+) operations", "GEO-05")


def what_the_controls_did(p: Params) -> Section:
    """What the export controls constrained and what they did not, in the book's own numbers (story
    numbers: they do not follow the parameters)."""
    f = facts.facts(["GEO-B11", "GEO-03", "CST-01", "CST-34", "CST-10", "CST-13", "GEO-13", "RSP-14",
                     "GEO-B01", "GEO-09", "GEO-B10", "GEO-10", "GEO-11"])
    launch, caught = pd.Timestamp(f["GEO-B11"].value), pd.Timestamp(f["GEO-03"].value)
    v3 = v3_training_compute()
    threshold = diffusion_threshold()
    fund_usd = facts.number_in_text(f["GEO-13"].statement, r"about \$([\d.]+) billion", "GEO-13")
    v3_h, llama_h = f["CST-01"].number(), f["CST-34"].number(0)
    return Section(numbers={
        "h800_launch": Day(launch), "h800_launch_src": Cite(f["GEO-B11"]),
        "h800_launch_conf": f["GEO-B11"].reliability, "h800_caught": Day(caught),
        "h800_legal_days": (caught - launch).days,
        "v3_gpus": f["CST-10"].number(), "v3_nvlink_used": f["CST-13"].number(0), "v3_ib_used": f["CST-13"].number(1),
        "v3_gpu_hours_m": v3_h, "llama_gpu_hours_m": llama_h, "llama_over_v3_hours": llama_h / v3_h,
        "v3_active_b": v3["active"] / 1e9, "v3_tokens_t": v3["tokens"] / 1e12,
        "v3_flop_e24": v3["flop"] / 1e24, "flop_per_param_token": FLOP_PER_PARAM_TOKEN, "v3_epoch_flop_e24": v3["epoch_flop"] / 1e24,
        "threshold_e24": threshold / 1e24, "threshold_over_v3": threshold / v3["flop"],
        "fund_cny_bn": f["GEO-13"].number(), "fund_usd_bn": fund_usd, "sg_total_bn": f["RSP-14"].number(0),
        "sg_initial_bn": f["RSP-14"].number(1), "sg_over_fund": f["RSP-14"].number(0) / fund_usd,
        "sg_initial_over_fund": f["RSP-14"].number(1) / fund_usd,
        "h20_notice_day": Day(f["GEO-B01"].value), "h20_notice_src": Cite(f["GEO-B01"]),
        "h20_expected_bn": f["GEO-09"].number(),
        "h20_taken_bn": f["GEO-B10"].number(), "h20_taken_src": Cite(f["GEO-B10"]),
        "h20_taken_conf": f["GEO-B10"].reliability,
    })


def the_wider_reaction(p: Params) -> Section:
    """Censorship of answers, government device bans and the week's other Chinese model (facts)."""
    f = facts.facts(["GEO-B12", "GEO-B13", "GEO-B14", "RSP-B12"])
    return Section(numbers={
        "censor_date": Day(f["GEO-B12"].value), "censor_src": Cite(f["GEO-B12"]),
        "ban_date": Day(f["GEO-B13"].value), "ban_src": Cite(f["GEO-B13"]),
        "doubao_month": f"{pd.Timestamp(f['GEO-B14'].value):%B %Y}", "doubao_src": Cite(f["GEO-B14"]),
        "doubao_conf": f["GEO-B14"].reliability,
        "kimi_date": Day(f["RSP-B12"].value), "kimi_src": Cite(f["RSP-B12"]),
    })


SIDE_START, SIDE_END = "2025-01-10", "2025-02-28"  # the weeks around the shock drawn side by side
FRAMING_US, FRAMING_ASIA = "^IXIC", ["^HSI", "000300.SS"]
FRAMING_LABELS = {"n": "#", "date": "Date", "event": "Event", "status": "Status", "confidence": "Confidence",
                  "^IXIC session": "Nasdaq session", "^IXIC %": "Nasdaq (%)", "^HSI session": "Hang Seng session",
                  "^HSI %": "Hang Seng (%)", "000300.SS session": "CSI 300 session", "000300.SS %": "CSI 300 (%)"}


def since_shock(ticker: str, until: str) -> float:
    """Total return (%) from the last close before the story's day 0 to the last close on or before ``until``."""
    p = cache.load_prices(ticker)[cache.total_return_column(ticker)]
    return (p.loc[calendar.last_session_on_or_before(ticker, until)]
            / p.loc[calendar.last_session_before(ticker, calendar.KEY_EVENT)] - 1) * 100


def framing(p: Params) -> Section:
    """The framing events and the two markets side by side through the weeks of the shock."""
    ev = events_table(FRAMING)
    side = side_by_side(list(p.us_series), list(p.china_series), calendar.KEY_EVENT, SIDE_START, SIDE_END)
    fs = framing_sessions(ev, FRAMING_US, FRAMING_ASIA)
    f = facts.facts(["GEO-13", "RSP-14", "GEO-15", "SHK-32", "GEO-14", "SKP-14"])
    return Section(
        numbers={"fund_cny": f["GEO-13"].number(), "fund_date": Day(f["GEO-13"].as_of),
                 "fund_src": Cite(f["GEO-13"]), "sg_date": Day(f["RSP-14"].as_of),
                 "wang_date": Day(f["GEO-15"].value), "wang_src": Cite(f["GEO-15"]),
                 "sputnik_date": Day(f["SHK-32"].value), "sputnik_src": Cite(f["SHK-32"]),
                 "wake_date": Day(f["GEO-14"].value), "wake_src": Cite(f["GEO-14"]),
                 "nsc_src": Cite(f["SKP-14"]),
                 "cn_last": Day(calendar.last_session_on_or_before("000300.SS", calendar.KEY_EVENT)),
                 "cn_reopen": Day(reopening("000300.SS", calendar.KEY_EVENT)),
                 "hk_reopen": Day(reopening("^HSI", calendar.KEY_EVENT)),
                 "hsi_feb": since_shock("^HSI", SIDE_END), "ixic_feb": since_shock("^IXIC", SIDE_END),
                 "sox_feb": since_shock("^SOX", SIDE_END), "csi_feb": since_shock("000300.SS", SIDE_END)},
        tables={"tbl-geo-framing-table": Table(fs.drop(columns=["origin"]), FRAMING_LABELS,
                                               {f"{t} %": "{:+.2f}" for t in [FRAMING_US, *FRAMING_ASIA]})},
        figures={"fig-geo-side-chart": Figure(side_chart(side, ev), side)},
    )


def the_claims(p: Params) -> Section:
    """The ledger's rows for this chapter, with their verdicts."""
    return Section(shown=[claims.chapter_claims(5)])


RERUN_EXAMPLE = {"reaction_sessions": "1", "compare_tickers": "NVDA,AMD,SMH"}


def rerun_box(p: Params) -> Section:
    """The parameters, their exact valid ranges and a command that works as shown."""
    return Section(numbers={"geo_rerun": params_box.rerun_box(Params, "05", RERUN_EXAMPLE)})
