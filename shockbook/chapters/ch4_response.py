"""Chapter 4, "Industry response": the timeline, the capital-spending plans, the picks and shovels.

Everything dated or counted here comes from the facts table (:mod:`shockbook.data.facts`) or, for events
that only a source article reports, from the claims ledger (``data/claims.csv``), and is marked as
such. Market numbers come from the price cache, each market on its own calendar.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import calendar, claims
from shockbook.data import cache, catalog, facts
from shockbook.site import charts, layout, params_box, words
from shockbook.site.provenance import (ARTICLE_ONLY, CONFIDENCE_TEXT, SOURCE_FACTS, SOURCE_MIXED,
                                       SOURCE_US, confidence_scale)
from shockbook.site.section import Cite, Day, Figure, Section, Table, Word

def _date_precision(unit: str) -> str:
    u = unit.lower()
    if "approx" in u:
        return "approximate"
    if "(by)" in u:
        return "on or before"
    if "report" in u:
        return "date of a report"
    return "exact"


# ---------------------------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class Event:
    """One timeline entry: a fact (or a ledger claim) and where it goes."""

    ref: str  # a fact id (RSP-01) or a claim id (C34)
    label: str  # a few words for the chart and table
    lane: str
    region: str  # "US" or "China"
    date_from: str = "value"  # "value": the fact's value is the date; "as_of": the as_of column; "first": first date in value


LANES = ["DeepSeek", "US clouds and chips", "Chinese clouds and chips", "Models and prices", "Capex and Stargate"]

EVENTS = [
    Event("RSP-09", "Microsoft: about $80B for AI data centres in FY2025", "Capex and Stargate", "US", "as_of"),
    Event("SHK-01", "DeepSeek releases R1", "DeepSeek", "China"),
    Event("RSP-14", "Stargate announced at the White House", "Capex and Stargate", "US", "as_of"),
    Event("RSP-10", "Meta guides 2025 capex to $60-65B", "Capex and Stargate", "US", "as_of"),
    Event("RSP-16", "Meta sets up 'war rooms' to study DeepSeek", "Models and prices", "US", "as_of"),
    Event("RSP-01", "Microsoft: R1 on Azure AI Foundry and GitHub", "US clouds and chips", "US"),
    Event("RSP-19", "Alibaba releases Qwen2.5-Max", "Models and prices", "China"),
    Event("RSP-02", "AWS: R1 on Bedrock Marketplace and SageMaker", "US clouds and chips", "US"),
    Event("RSP-03", "Nvidia: R1 as a NIM microservice", "US clouds and chips", "US"),
    Event("RSP-17", "OpenAI: o3-mini, free users can try reasoning", "Models and prices", "US"),
    Event("RSP-18", "o3-mini API price, far below o1", "Models and prices", "US", "as_of"),
    Event("RSP-04", "Huawei Cloud with SiliconFlow serves R1/V3 on Ascend", "Chinese clouds and chips", "China"),
    Event("C39", "Tencent Cloud: one-click R1 on HAI", "Chinese clouds and chips", "China"),
    Event("C40", "China Telecom: R1 on Tianyi cloud", "Chinese clouds and chips", "China"),
    Event("RSP-05", "Moore Threads and Hygon run R1/V3", "Chinese clouds and chips", "China"),
    Event("RSP-06", "Alibaba, Baidu and Tencent clouds offer DeepSeek", "Chinese clouds and chips", "China"),
    Event("RSP-11", "Alphabet guides 2025 capex to about $75B", "Capex and Stargate", "US", "as_of"),
    Event("C42", "JD Cloud and Volcano Engine support DeepSeek", "Chinese clouds and chips", "China"),
    Event("RSP-21", "Gemini 2.0 Flash GA at a flat low price", "Models and prices", "US", "as_of"),
    Event("C43", "China Unicom: R1 on its cloud", "Chinese clouds and chips", "China"),
    Event("C34", "OpenAI: ChatGPT search free without sign-up", "Models and prices", "US"),
    Event("RSP-12", "Amazon: Q4 capex rate implies ~$100B+ for 2025", "Capex and Stargate", "US", "as_of"),
    Event("CST-26", "DeepSeek suspends API top-ups", "DeepSeek", "China", "first"),
    Event("RSP-07", "China's three telecom clouds fully integrated", "Chinese clouds and chips", "China"),
    Event("RSP-08", "200+ Chinese enterprises have integrated DeepSeek", "Chinese clouds and chips", "China", "as_of"),
    Event("CST-25", "DeepSeek's off-peak discounts", "Models and prices", "China", "as_of"),
]


def _event_date(f: facts.Fact, how: str) -> pd.Timestamp:
    if how == "as_of":
        return pd.Timestamp(f.as_of)
    if how == "first":
        m = re.search(r"\d{4}-\d{2}-\d{2}", f.raw_value)
        if not m:
            raise facts.FactsError(f"{f.id}: no date in value {f.raw_value!r}.")
        return pd.Timestamp(m.group())
    if f.kind != "date":
        raise facts.FactsError(f"{f.id}: value {f.raw_value!r} is not a date; the timeline expects one.")
    return pd.Timestamp(f.value)


def timeline_table(events: list[Event] = EVENTS) -> pd.DataFrame:
    """One row per event: date, label, lane, region, confidence, date precision, source line, statement.

    Fact rows carry their reliability label; ledger claims with no fact behind them are labelled
    ``Article only`` and dated as the article dates them (Beijing time).
    """
    ledger = claims.load_claims().set_index("id")
    rows = []
    for ev in events:
        if re.fullmatch(r"C\d+", ev.ref):
            c = ledger.loc[ev.ref]
            rows.append({"ref": ev.ref, "date": pd.Timestamp(c["claimed_value"]), "label": ev.label, "lane": ev.lane,
                         "region": ev.region, "confidence": ARTICLE_ONLY,
                         "precision": "article's date (Beijing time)", "status": "claim",
                         "source": f"Source: {c['outlet']}, {c['article_date']} (claim; ledger {ev.ref})",
                         "statement": c["claim"], "note": c["note"]})
            continue
        f = facts.fact(ev.ref)
        precision = _date_precision(f.unit) if ev.date_from == "value" else "exact"
        rows.append({"ref": ev.ref, "date": _event_date(f, ev.date_from), "label": ev.label, "lane": ev.lane,
                     "region": ev.region, "confidence": f.reliability, "precision": precision, "status": f.status,
                     "source": facts.cite(f), "statement": f.statement, "note": f.note})
    out = pd.DataFrame(rows).sort_values(["date", "lane"], kind="stable").reset_index(drop=True)
    out.insert(0, "n", range(1, len(out) + 1))
    return out


def timeline_chart(table: pd.DataFrame, title: str, subtitle: str,
                   key_date: str | None = calendar.KEY_EVENT, key_label: str = "27 Jan: the crash") -> alt.Chart:
    """One row per event, in date order: the shape gives the confidence of the source,
    colour who acted, and a hollow marker an inexact date."""
    data = table.assign(date_str=table["date"].dt.strftime("%d %b %Y"),
                        row=table["n"].astype(str) + ". " + table["label"])
    order = list(data["row"])
    shapes, opac = confidence_scale(list(data["confidence"]))
    regions = [r for r in ["US", "China"] if r in set(data["region"])]
    reg_scale = alt.Scale(domain=regions, range=[charts.PALETTE[0], charts.PALETTE[3]][: len(regions)])
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=250, labelFontSize=10.5))
    x = alt.X("date:T", title="Date of the announcement (2025, local date)", axis=alt.Axis(format="%d %b", grid=True))
    tips = [alt.Tooltip("date_str:N", title="Date"), alt.Tooltip("label:N", title="Event"),
            alt.Tooltip("lane:N", title="Kind"), alt.Tooltip("confidence:N", title="Confidence"),
            alt.Tooltip("precision:N", title="Date precision"), alt.Tooltip("source:N", title="Source"),
            alt.Tooltip("ref:N", title="Fact or claim id")]
    enc = dict(
        x=x, y=y,
        shape=alt.Shape("confidence:N", scale=shapes, legend=None),
        color=alt.Color("region:N", title="Who acted", scale=reg_scale,
                        legend=alt.Legend(symbolType="circle", symbolFillColor=None)),
        tooltip=tips,
    )
    exact = alt.Chart(data[data["precision"] == "exact"]).mark_point(size=110, strokeWidth=2, filled=True).encode(**enc)
    inexact = alt.Chart(data[data["precision"] != "exact"]).mark_point(size=110, strokeWidth=2, fill="white",
                                                                      filled=False).encode(**enc)
    pts = alt.layer(exact, inexact)
    layers = [pts]
    if key_date is not None:
        rule_df = pd.DataFrame({"date": [pd.Timestamp(key_date)], "what": [key_label]})
        rule = alt.Chart(rule_df).mark_rule(color=layout.GREY_RULE, strokeDash=[4, 3]).encode(
            x="date:T", tooltip=[alt.Tooltip("what:N", title="Marker")])
        text = alt.Chart(rule_df).mark_text(align="left", dx=3, baseline="bottom", y=-2, fontSize=10, color=layout.GREY_TEXT).encode(
            x="date:T", text="what:N")
        layers = [rule, text, *layers]
    chart = alt.layer(*layers).properties(width=layout.RESP_TIMELINE_WIDTH, height=layout.RESP_TIMELINE_ROW * len(data))
    return charts.titled(alt.vconcat(chart, confidence_key(list(data["confidence"]))), title, subtitle, SOURCE_FACTS)


def confidence_key(present: list[str]) -> alt.Chart:
    """A legend for the confidence shapes, drawn as a small chart (Vega's own legend drops the symbols
    when colour encodes another field)."""
    shapes, _ = confidence_scale(present)
    key = pd.DataFrame({"confidence": shapes.domain, "i": range(len(shapes.domain))})
    key["col"], key["row"] = key["i"] % 3, key["i"] // 3
    key["meaning"] = key["confidence"].map(CONFIDENCE_TEXT)
    base = alt.Chart(key).encode(x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None),
                                 tooltip=[alt.Tooltip("confidence:N", title="Label"), alt.Tooltip("meaning:N", title="Means")])
    pts = base.mark_point(filled=True, size=90, color=layout.GREY_TEXT).encode(shape=alt.Shape("confidence:N", scale=shapes, legend=None))
    txt = base.mark_text(align="left", dx=9, fontSize=11).encode(text="confidence:N")
    return alt.layer(pts, txt).properties(width=layout.RESP_TIMELINE_WIDTH, height=layout.RESP_KEY_ROW * (key["row"].max() + 1),
                                           title=alt.TitleParams("Confidence of the source", fontSize=12, anchor="start"))


def _fact_refs(refs) -> list[str]:
    """The fact ids of a column of references; "" for a ledger claim (C12), which has no Sources row."""
    return ["" if re.fullmatch(r"C\d+", r) else r for r in refs]


def timeline_display(table: pd.DataFrame) -> pd.DataFrame:
    """The timeline as the page's table: number, date, event, confidence, date precision, source."""
    return pd.DataFrame({"#": table["n"], "Date": table["date"].dt.strftime("%Y-%m-%d"), "Event": table["label"],
                         "Who": table["region"], "Confidence": table["confidence"], "Date precision": table["precision"],
                         "Source": table["source"].str.removeprefix("Source: ")})


# ---------------------------------------------------------------------------------- capex


#: 2024 capital spending read from each company's own filing (cash paid for property and equipment,
#: finance leases excluded): fact ids by ticker. Microsoft's fiscal year ends in June and the stored
#: filing is a 10-Q, so it has no calendar-2024 total; its half-year figure is named in the basis.
FILED_2024 = {"META": "RSP-B07", "GOOGL": "RSP-B08", "AMZN": "RSP-B09"}
MSFT_HALF_YEAR = "RSP-B10"


def _filed_bn(f: facts.Fact) -> float:
    if not f.unit.startswith("USD million"):
        raise facts.FactsError(f"{f.id}: unit is {f.unit!r}, expected USD million.")
    return f.number() / 1000


def capex_table() -> pd.DataFrame:
    """2024 capital spending (from the 10-K filings) against 2025 plans for the four hyperscalers (USD billion).

    ``*_low``/``*_high`` hold ranges (equal for a point figure); NaN where the facts hold no figure.
    """
    f = facts.facts(["RSP-09", "RSP-10", "RSP-11", "RSP-12", *FILED_2024.values(), MSFT_HALF_YEAR])
    meta_lo, meta_hi = f["RSP-10"].number(0, 0), f["RSP-10"].number(0, 1)
    amzn_q4 = f["RSP-12"].number(0)
    filed = "cash paid for property and equipment, calendar 2024 (10-K)"
    rows = [
        {"ticker": "MSFT", "company": "Microsoft", "fact": "RSP-09", "fact_2024": MSFT_HALF_YEAR,
         "y2024_low": np.nan, "y2024_high": np.nan,
         "y2024_basis": (f"no calendar-2024 total: fiscal year to June; the 10-Q gives "
                         f"${_filed_bn(f[MSFT_HALF_YEAR]):.1f}B for July-December 2024"),
         "y2025_low": f["RSP-09"].number(), "y2025_high": f["RSP-09"].number(),
         "y2025_basis": "AI data centres, fiscal year to June 2025", "announced": f["RSP-09"].as_of},
        {"ticker": "META", "company": "Meta", "fact": "RSP-10", "fact_2024": FILED_2024["META"],
         "y2024_low": _filed_bn(f[FILED_2024["META"]]), "y2024_high": _filed_bn(f[FILED_2024["META"]]),
         "y2024_basis": filed, "y2025_low": meta_lo, "y2025_high": meta_hi,
         "y2025_basis": "total capex, calendar 2025", "announced": f["RSP-10"].as_of},
        {"ticker": "GOOGL", "company": "Alphabet", "fact": "RSP-11", "fact_2024": FILED_2024["GOOGL"],
         "y2024_low": _filed_bn(f[FILED_2024["GOOGL"]]), "y2024_high": _filed_bn(f[FILED_2024["GOOGL"]]),
         "y2024_basis": filed, "y2025_low": f["RSP-11"].number(), "y2025_high": f["RSP-11"].number(),
         "y2025_basis": "total capex, calendar 2025", "announced": f["RSP-11"].as_of},
        {"ticker": "AMZN", "company": "Amazon", "fact": "RSP-12", "fact_2024": FILED_2024["AMZN"],
         "y2024_low": _filed_bn(f[FILED_2024["AMZN"]]), "y2024_high": _filed_bn(f[FILED_2024["AMZN"]]),
         "y2024_basis": filed + "; gross of proceeds and incentives",
         "y2025_low": f["RSP-12"].number(1), "y2025_high": amzn_q4 * 4,
         "y2025_basis": "implied: Q4 2024 rate x 4 (the CEO's 'representative' rate)", "announced": f["RSP-12"].as_of},
    ]
    out = pd.DataFrame(rows)
    out["status"] = [f[i].status for i in out["fact"]]
    out["reliability"] = [f[i].reliability for i in out["fact"]]
    out["source"] = [facts.cite(f[i]) for i in out["fact"]]
    out["source_2024"] = [facts.cite(f[i]) for i in out["fact_2024"]]
    return out


def capex_totals(table: pd.DataFrame) -> dict:
    """The four plans added up (low and high ends), against the reported combined figures (RSP-13)."""
    r13 = facts.fact("RSP-13")
    return {"plan_low": float(table["y2025_low"].sum()), "plan_high": float(table["y2025_high"].sum()),
            "reported_2024": r13.number(0), "reported_2025_plan": r13.number(1), "reported_fact": r13.id,
            "mixed_bases": True}


def stargate() -> dict:
    """Stargate's announced terms (RSP-14) and the yearly average they imply."""
    f = facts.fact("RSP-14")
    total, initial = f.number(0), f.number(1)
    m = re.search(r"over (\w+) years", f.statement)
    words = {"two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
    if not m or not (m.group(1).isdigit() or m.group(1) in words):
        raise facts.FactsError("RSP-14: the statement no longer gives Stargate's horizon in years.")
    years = float(m.group(1)) if m.group(1).isdigit() else float(words[m.group(1)])
    return {"total_bn": total, "initial_bn": initial, "years": years, "per_year_bn": total / years,
            "date": f.as_of, "source": facts.cite(f), "fact": f.id, "funders": facts.fact("RSP-15").raw_value.replace(";", ",")}


STARGATE_ROW = "Stargate, pledged"


def capex_chart(table: pd.DataFrame, sg: dict) -> alt.Chart:
    """2024 against 2025 for each company (ranges as bars from low to high); Stargate's pledge on a
    row of its own, drawn as a hollow marker with its words, because it is an intention spread over
    years, not spending anyone reported."""
    long = []
    for _, r in table.iterrows():
        for y in ("2024", "2025"):
            lo, hi = r[f"y{y}_low"], r[f"y{y}_high"]
            long.append({"company": r["company"], "year": y, "kind": "reported or guided", "low": lo, "high": hi,
                         "mid": (lo + hi) / 2 if not math.isnan(lo) else np.nan, "basis": r[f"y{y}_basis"],
                         "source": r["source"], "confidence": r["reliability"]})
    pledge = {"company": STARGATE_ROW, "year": "2025", "kind": "pledge", "low": sg["per_year_bn"],
              "high": sg["per_year_bn"], "mid": sg["per_year_bn"],
              "basis": f"${sg['total_bn']:.0f}B over {sg['years']:.0f} years, announced {sg['date']}; "
                       "an intention, not committed capital or reported spending",
              "source": sg["source"], "confidence": "derived"}
    data = pd.DataFrame([*long, pledge])
    data["missing"] = np.where(data["low"].isna(), "no calendar-year figure", "")
    spent = data[data["kind"] != "pledge"]
    order = [*table["company"], STARGATE_ROW]
    tips = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("year:N", title="Year"),
            alt.Tooltip("kind:N", title="Kind"),
            alt.Tooltip("low:Q", title="Low ($bn)", format=",.1f"), alt.Tooltip("high:Q", title="High ($bn)", format=",.1f"),
            alt.Tooltip("basis:N", title="Basis"), alt.Tooltip("confidence:N", title="Confidence"),
            alt.Tooltip("source:N", title="Source")]
    y = alt.Y("company:N", sort=order, title=None)
    yoff = alt.YOffset("year:N", sort=["2024", "2025"])
    color = alt.Color("year:N", title="Year", scale=alt.Scale(domain=["2024", "2025"], range=[charts.PALETTE[8], charts.PALETTE[0]]))
    bars = alt.Chart(spent).mark_bar(height=12).encode(
        x=alt.X("low:Q", title="Capital spending (US$ billion)"), y=y, yOffset=yoff, color=color, tooltip=tips)
    ranges = alt.Chart(spent[spent["high"] > spent["low"]]).mark_bar(height=12, opacity=0.45).encode(
        x="low:Q", x2="high:Q", y=y, yOffset=yoff, color=color, tooltip=tips)
    none = alt.Chart(spent[spent["missing"] != ""]).mark_text(align="left", dx=4, fontSize=10, color=layout.GREY_TEXT).encode(
        x=alt.datum(0), y=y, yOffset=yoff, text="missing:N", tooltip=tips)
    pl = data[data["kind"] == "pledge"].assign(note="pledged, not spent")
    mark = alt.Chart(pl).mark_point(shape="diamond", size=140, filled=False, strokeWidth=2, color=layout.GREY_LABEL).encode(
        x="low:Q", y=y, tooltip=tips)
    note = alt.Chart(pl).mark_text(align="left", dx=10, fontSize=10, fontStyle="italic", color=layout.GREY_LABEL).encode(
        x="low:Q", y=y, text="note:N", tooltip=tips)
    chart = alt.layer(bars, ranges, none, mark, note).properties(width=layout.RESP_CAPEX_WIDTH,
                                                                      height=layout.RESP_CAPEX_ROW * len(order))
    return charts.titled(chart, "Capital spending: 2024 against the 2025 plans, and a pledge",
                         "Bars: reported or guided (light: range to the high end). Hollow diamond: Stargate's pledge "
                         "spread evenly, not spending", SOURCE_FACTS)


# ---------------------------------------------------------------------------------- announcement days


def announcement_moves(table: pd.DataFrame, benchmark: str = "^GSPC", shock_date: str = calendar.KEY_EVENT) -> pd.DataFrame:
    """Each company's move on the session of its capex announcement (the facts' date) and the next one.

    The facts date each announcement but not its hour, so both sessions are shown, with the
    benchmark's moves on the same sessions and the two-session excess return.
    """
    rows = []
    for _, r in table.iterrows():
        t, day = r["ticker"], pd.Timestamp(r["announced"])
        p = cache.load_prices(t)[cache.total_return_column(t)]
        b = cache.load_prices(benchmark)["Close"]
        d0 = calendar.first_session_on_or_after(t, day)  # announced on a non-trading day: the next session
        d1, dprev = calendar.session_after(t, d0, 1), calendar.last_session_before(t, d0)
        same = (p.loc[d0] / p.loc[dprev] - 1) * 100
        nxt = (p.loc[d1] / p.loc[d0] - 1) * 100
        two = (p.loc[d1] / p.loc[dprev] - 1) * 100
        bench_two = (b.loc[d1] / b.loc[dprev] - 1) * 100
        rows.append({"ticker": t, "company": r["company"], "fact": r["fact"], "announced": r["announced"],
                     "after_shock": pd.Timestamp(r["announced"]) > pd.Timestamp(shock_date),
                     "session": f"{d0:%Y-%m-%d}", "next_session": f"{d1:%Y-%m-%d}",
                     "same_day_pct": same, "next_day_pct": nxt, "two_day_pct": two,
                     "benchmark_two_day_pct": bench_two, "excess_two_day_pct": two - bench_two,
                     "source": r["source"]})
    return pd.DataFrame(rows)


def announcement_chart(moves: pd.DataFrame, benchmark: str = "^GSPC") -> alt.Chart:
    long = moves.melt(id_vars=["company", "session", "next_session", "after_shock", "announced"],
                      value_vars=["same_day_pct", "next_day_pct", "benchmark_two_day_pct", "two_day_pct"],
                      var_name="measure", value_name="pct")
    names = {"same_day_pct": "Announcement session", "next_day_pct": "Next session",
             "two_day_pct": "Both sessions", "benchmark_two_day_pct": f"{catalog.get(benchmark).name}, both sessions"}
    long["measure"] = long["measure"].map(names)
    long["when"] = np.where(long["after_shock"], "after the shock", "before the shock")
    long["company"] = long["company"] + " (" + long["announced"] + ")"
    order = list(names.values())
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("pct:Q", title="Total return (%)"),
        y=alt.Y("company:N", title=None, sort=list(moves["company"] + " (" + moves["announced"] + ")")),
        yOffset=alt.YOffset("measure:N", sort=order),
        color=alt.Color("measure:N", title=None, sort=order, scale=alt.Scale(domain=order, range=[
            charts.PALETTE[0], charts.PALETTE[5], charts.PALETTE[8], charts.PALETTE[1]]), legend=alt.Legend(columns=2)),
        tooltip=[alt.Tooltip("company:N", title="Company (announced)"), alt.Tooltip("when:N", title="When"),
                 alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("pct:Q", title="Return (%)", format="+.2f"),
                 alt.Tooltip("session:N", title="Announcement session"), alt.Tooltip("next_session:N", title="Next session")],
    ).properties(width=layout.RESP_MOVES_WIDTH, height=layout.RESP_ANNOUNCE_ROW * len(moves))
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=layout.GREY_ZERO).encode(x="x:Q")
    return charts.titled(alt.layer(zero, bars), "How the market took each capex plan",
                         "Moves on the session of the announcement and the one after, against the S&P 500", SOURCE_US)


# ---------------------------------------------------------------------------------- picks and shovels


#: The catalog's "Chips" split in two: the AI chips — accelerator designers and the foundry, memory
#: and IP their parts depend on — and the other chip makers, whose business is PCs, phones and
#: analogue parts. Averaging them hid how differently the two fared after the shock.
CHIP_SPLIT = {
    "AI chips": ["NVDA", "AMD", "AVGO", "MRVL", "TSM", "MU", "ARM"],
    "Other chips": ["INTC", "QCOM", "TXN"],
}
#: Catalog groups a reader cannot follow as one basket: an average of index-tracking ETFs is no group.
NOT_A_GROUP = {"US indices and ETFs"}
PICKS_AND_SHOVELS = ["AI chips", "Other chips", "Chip equipment", "Networking and servers", "Power"]
CHINESE_AI = ["China ADRs and ETFs", "Hong Kong", "China A-shares"]

#: The market each group is measured against, on the group's own calendar: a total-return ETF
#: where the cache has one (SPY), else the index level (which leaves dividends out, so excess
#: returns of dividend-adjusted members over it are overstated by roughly the index's yield).
MARKET_BENCHMARK = {"US": "SPY", "HK": "^HSI", "CN": "000300.SS", "JP": "^N225", "TW": "^TWII"}


def group_names() -> list[str]:
    """Every basket a reader may follow: the chip split, then the catalog's groups."""
    return [*CHIP_SPLIT, *[g for g in catalog.GROUPS if g not in NOT_A_GROUP]]


def members(group: str) -> list[str]:
    """The traded stocks and ETFs of a group (index levels left out)."""
    if group in CHIP_SPLIT:
        return list(CHIP_SPLIT[group])
    return [t for t in catalog.tickers(group) if not catalog.get(t).index]


def group_market(group: str) -> str:
    mkts = {catalog.get(t).market for t in members(group)}
    if len(mkts) != 1:
        raise ValueError(f"group {group!r} spans several markets ({sorted(mkts)}); its calendar is ambiguous.")
    return mkts.pop()


def basket_path(tickers: list[str], event_date: str, end_date: str, name: str = "basket") -> pd.Series:
    """Equal-weighted (buy-and-hold) total return of ``tickers`` since their last close before
    ``event_date`` (one market's calendar), in percent, to ``end_date``.

    A member's missing session (a suspension) carries its last close; the path stops at the
    earliest last date of any member, so every point has every member.
    """
    prices = {t: cache.load_prices(t) for t in tickers}
    wide = pd.DataFrame({t: p[cache.total_return_column(t)] for t, p in prices.items()}).sort_index()
    last = min(p.index[-1] for p in prices.values())
    wide = wide.loc[:min(last, pd.Timestamp(end_date))].ffill()
    befores = []
    for t in tickers:
        try:
            befores.append(calendar.last_session_before(t, event_date))
        except ValueError:  # a member listed after the event has no pre-event close
            pass
    if not befores:
        raise ValueError(f"no {name} session before {event_date} in the cache.")
    anchor = max(befores)  # the members share one market: its last session before the event
    base = wide.loc[anchor]
    ok = base.notna()
    cum = (wide.loc[anchor:, ok] / base[ok] - 1).mean(axis=1) * 100
    cum.name = name
    cum.attrs.update(anchor=anchor, members=list(base[ok].index))
    return cum


def group_path(group: str, event_date: str, end_date: str) -> pd.Series:
    """A group's equal-weighted path since its last close before ``event_date`` (see :func:`basket_path`)."""
    return basket_path(members(group), event_date, end_date, group)


def market_path(market_code: str, anchor: pd.Timestamp, dates: pd.DatetimeIndex) -> pd.Series:
    """The market benchmark's return since ``anchor`` (%), read on ``dates`` (its last close on or before each)."""
    bench = MARKET_BENCHMARK[market_code]
    p = cache.load_prices(bench)[cache.total_return_column(bench)].dropna()
    base = p.loc[calendar.last_session_on_or_before(bench, anchor)]
    return ((p.reindex(p.index.union(dates)).ffill().loc[dates] / base - 1) * 100).rename(bench)


def excess_path(path: pd.Series, market_code: str) -> pd.Series:
    """``path`` minus its market's buy-and-hold return from the same close, in percentage points:
    market-adjusted without estimating a beta, so a group that merely moved with the market reads zero."""
    out = path - market_path(market_code, path.attrs["anchor"], path.index).to_numpy()
    out.attrs.update(path.attrs, benchmark=MARKET_BENCHMARK[market_code])
    return out


def recovery(path: pd.Series, event_date: str, threshold_pct: float = 0.0, window_sessions: int = 10) -> dict:
    """Drawdown and recovery of one path (percent since the pre-event close).

    The group was *hit* if it closed below ``threshold_pct`` within ``window_sessions`` of its
    market's sessions from the event on (so that a later, unrelated fall — April 2025's tariffs —
    is not taken for the shock). It has *recovered* at its first later close at or above the
    threshold. ``trough_pct`` is the lowest close from the event to the recovery (or to the end
    of the data); ``sessions`` counts the market's own sessions from the first session on or
    after the event to the recovery.
    """
    after = path.loc[pd.Timestamp(event_date):]
    if after.empty:
        raise ValueError("the path has no session on or after the event date.")
    first = after.index[0]
    window = after.iloc[:window_sessions]
    below = window < threshold_pct
    out = {"first_session": first, "fell_below": bool(below.any()), "peak_pct": float(after.max()),
           "peak_date": after.idxmax(), "end_date": after.index[-1], "end_pct": float(after.iloc[-1])}
    if not below.any():
        return {**out, "trough_pct": float(window.min()), "trough_date": window.idxmin(), "recovered": True,
                "recovery_date": pd.NaT, "sessions": 0, "calendar_days": 0}
    later = after.loc[below.idxmax():]
    back = later[later >= threshold_pct]
    if back.empty:
        return {**out, "trough_pct": float(after.min()), "trough_date": after.idxmin(), "recovered": False,
                "recovery_date": pd.NaT, "sessions": np.nan, "calendar_days": np.nan}
    rec = back.index[0]
    seg = after.loc[:rec]
    return {**out, "trough_pct": float(seg.min()), "trough_date": seg.idxmin(), "recovered": True,
            "recovery_date": rec, "sessions": int(after.index.get_loc(rec) - after.index.get_loc(first)),
            "calendar_days": int((rec - pd.Timestamp(event_date)).days)}


def recovery_table(groups: list[str], event_date: str, end_date: str, threshold_pct: float = 0.0,
                   window_sessions: int = 10, adjusted: bool = False) -> pd.DataFrame:
    """Drawdown and recovery of each group's path; ``adjusted`` dates them on the market-adjusted
    path instead (a recovery then means: level with its market since the shock, or ahead of it)."""
    rows = []
    for g in groups:
        path = group_path(g, event_date, end_date)
        if adjusted:
            path = excess_path(path, group_market(g))
        r = recovery(path, event_date, threshold_pct, window_sessions)
        rows.append({"group": g, "market": group_market(g), "members": len(path.attrs["members"]),
                     "anchor": f"{path.attrs['anchor']:%Y-%m-%d}", **r})
    out = pd.DataFrame(rows)
    for c in ("first_session", "trough_date", "recovery_date", "peak_date", "end_date"):
        out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
    return out


#: Horizons of the horizon table, in the group's own sessions from the event day (1 = the event day).
HORIZONS = {"h1": 1, "h5": 5, "h21": 21, "h63": 63, "h126": 126}


def horizon_table(groups: list[str], event_date: str, end_date: str) -> pd.DataFrame:
    """Each group's return since its pre-event close after 1, 5, 21, 63 and 126 of its sessions and
    at the end, raw and in excess of its market (pp), one row per group and measure."""
    rows = []
    for g in groups:
        raw = group_path(g, event_date, end_date)
        for measure, path in (("raw", raw), ("excess", excess_path(raw, group_market(g)))):
            after = path.iloc[1:]  # the anchor is the close before the event
            row = {"group": g, "measure": measure, "benchmark": MARKET_BENCHMARK[group_market(g)]}
            row.update({k: float(after.iloc[n - 1]) if len(after) >= n else np.nan for k, n in HORIZONS.items()})
            row.update(end=float(after.iloc[-1]), end_date=f"{after.index[-1]:%Y-%m-%d}")
            rows.append(row)
    return pd.DataFrame(rows)


def paths_long(groups: list[str], event_date: str, end_date: str, adjusted: bool = False) -> pd.DataFrame:
    frames = []
    for g in groups:
        p = group_path(g, event_date, end_date)
        if adjusted:
            p = excess_path(p, group_market(g))
        frames.append(pd.DataFrame({"date": p.index, "group": g, "market": group_market(g), "cum_pct": p.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def _side(group: str) -> str:
    return "China and Hong Kong" if group_market(group) in ("HK", "CN") or group in CHINESE_AI else "United States"


def recovery_paths_chart(paths: pd.DataFrame, rec: pd.DataFrame, threshold_pct: float,
                         adjusted: bool = False) -> alt.Chart:
    data = paths.assign(side=paths["group"].map(_side))
    groups = list(dict.fromkeys(data["group"]))
    pick = alt.selection_point(fields=["group"], bind="legend")
    color = alt.Color("group:N", title="Group (click to highlight)", scale=alt.Scale(domain=groups, range=charts.PALETTE),
                      legend=alt.Legend(columns=3))
    lines = alt.Chart(data).mark_line(strokeWidth=1.8).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("cum_pct:Q", title=("In excess of its market since the pre-shock close (pp)" if adjusted
                                    else "Total return since the pre-shock close (%)")),
        color=color, strokeDash=alt.StrokeDash("side:N", title=None, scale=alt.Scale(
            domain=["United States", "China and Hong Kong"], range=[[1, 0], [5, 3]])),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.12)),
        tooltip=[alt.Tooltip("group:N", title="Group"), alt.Tooltip("market:N", title="Market calendar"),
                 alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("cum_pct:Q", title="Since the pre-shock close (%)", format="+.1f")],
    ).add_params(pick)
    done = rec[rec["recovered"] & rec["fell_below"]].copy()
    done["date"] = pd.to_datetime(done["recovery_date"])
    done["y"] = threshold_pct
    marks = alt.Chart(done).mark_point(size=80, filled=True, shape="circle", stroke="white").encode(
        x="date:T", y="y:Q", color=color, opacity=alt.condition(pick, alt.value(1), alt.value(0.12)),
        tooltip=[alt.Tooltip("group:N", title="Group"), alt.Tooltip("recovery_date:N", title="Recovered on"),
                 alt.Tooltip("sessions:Q", title="Sessions after the shock"),
                 alt.Tooltip("trough_pct:Q", title="Lowest close (%)", format="+.1f")])
    rule = alt.Chart(pd.DataFrame({"y": [threshold_pct]})).mark_rule(color=layout.GREY_THRESHOLD, strokeDash=[4, 3]).encode(y="y:Q")
    chart = alt.layer(rule, lines, marks).properties(width=layout.RESP_PATHS_WIDTH, height=charts.HEIGHT)
    if adjusted:
        benches = ", ".join(f"{catalog.get(b).name}" for m, b in MARKET_BENCHMARK.items() if m in set(rec["market"]))
        return charts.titled(chart, "The same groups, against their markets",
                             f"Group return minus its market's ({benches}); dots: back at {threshold_pct:+.0f} pp",
                             SOURCE_MIXED)
    return charts.titled(chart, "The picks and shovels, and the Chinese AI names",
                         f"Equal-weighted groups, each on its market's calendar; dots: back at {threshold_pct:+.0f}% of the pre-shock close",
                         SOURCE_MIXED)


def recovery_chart(rec: pd.DataFrame, threshold_pct: float) -> alt.Chart:
    data = rec.copy()
    data["side"] = data["group"].map(_side)
    data["outcome"] = np.where(~data["fell_below"], "did not close below the threshold in the shock window",
                               np.where(data["recovered"], "recovered", "not recovered by the end"))
    data["label"] = np.where(~data["fell_below"], "never below in the first sessions",
                             np.where(data["recovered"],
                                      data["sessions"].map(lambda s: f"{s:.0f} sessions" if pd.notna(s) else "")
                                      + " (" + data["recovery_date"].fillna("") + ")",
                                      "not back by " + data["end_date"]))
    order = list(data["group"])
    tips = [alt.Tooltip("group:N", title="Group"), alt.Tooltip("market:N", title="Market"),
            alt.Tooltip("trough_pct:Q", title="Lowest close (%)", format="+.1f"),
            alt.Tooltip("trough_date:N", title="Lowest on"), alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("recovery_date:N", title="Recovered on"), alt.Tooltip("sessions:Q", title="Sessions to recover"),
            alt.Tooltip("peak_pct:Q", title="Best close (%)", format="+.1f"), alt.Tooltip("peak_date:N", title="Best on")]
    y = alt.Y("group:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar(height=16).encode(
        x=alt.X("trough_pct:Q", title="Lowest close before recovery, against the pre-shock close (%)"), y=y,
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=["United States", "China and Hong Kong"],
                                                              range=[charts.DOWN, charts.UP])),
        tooltip=tips)
    text = alt.Chart(data).mark_text(align="left", dx=6, fontSize=10, color=layout.GREY_LABEL).encode(
        x=alt.datum(0), y=y, text="label:N", tooltip=tips)
    chart = alt.layer(bars, text).properties(width=layout.RESP_RECOVERY_WIDTH, height=layout.RESP_RECOVERY_ROW * len(data))
    return charts.titled(chart, "How deep, and how long",
                         f"Lowest close before recovery; label: sessions until a close at {threshold_pct:+.0f}% or better",
                         SOURCE_MIXED)


# ---------------------------------------------------------------------------------- prose


def describe_recovery(row: pd.Series | dict, threshold_pct: float) -> str:
    """One phrase for the prose: how far a group fell and when (if) it came back."""
    from shockbook.site.words import day
    if not row["fell_below"]:
        return (f"never closed below {threshold_pct:+.0f}% of its pre-shock level in the first sessions after the shock "
                f"(its best close was {row['peak_pct']:+.1f}%, on {day(row['peak_date'])})")
    if not row["recovered"]:
        return (f"fell as far as {row['trough_pct']:+.1f}% ({day(row['trough_date'])}) and had not closed at "
                f"{threshold_pct:+.0f}% again by {day(row['end_date'])}")
    return (f"fell as far as {row['trough_pct']:+.1f}% ({day(row['trough_date'])}) and first closed at "
            f"{threshold_pct:+.0f}% or better on {day(row['recovery_date'])}, {row['sessions']:.0f} sessions after the shock")


def describe_excess_recovery(row: pd.Series | dict, threshold_pp: float) -> str:
    """One phrase for the prose: how far a group fell behind its market and when it caught up."""
    from shockbook.site.words import day
    if not row["fell_below"]:
        return (f"never closed below {threshold_pp:+.0f} points against its market in the first sessions "
                f"after the shock")
    if not row["recovered"]:
        return (f"fell as far as {row['trough_pct']:+.1f} points against its market ({day(row['trough_date'])}) "
                f"and had not caught up by {day(row['end_date'])}")
    return (f"fell as far as {row['trough_pct']:+.1f} points against its market ({day(row['trough_date'])}) "
            f"and was first level with it on {day(row['recovery_date'])}, {row['sessions']:.0f} sessions after the shock")


# ---------------------------------------------------------------------------------- earnings days

#: The four hyperscalers' first results after the shock: ticker, company, fact dating the release,
#: fact holding the capital-spending plan it carried or repeated.
EARNINGS = [("MSFT", "Microsoft", "RSP-B01", "RSP-09"), ("META", "Meta", "RSP-B03", "RSP-10"),
            ("GOOGL", "Alphabet", "RSP-B04", "RSP-11"), ("AMZN", "Amazon", "RSP-B05", "RSP-12")]


def reaction_session(ticker: str, released: str, after_close: bool) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(close before, reaction session) on ``ticker``'s calendar: a release after the close is first
    traded the next session; otherwise the session of the release day (or the next one)."""
    session = (calendar.first_session_after(ticker, released) if after_close
               else calendar.first_session_on_or_after(ticker, released))
    return calendar.last_session_before(ticker, session), session


def earnings_reactions(benchmark: str = "^GSPC", events=EARNINGS) -> pd.DataFrame:
    """Each company's total return on the first session that could react to its results after the
    shock (close to close), against the benchmark on the same session. Dates and timing from the facts."""
    b = cache.load_prices(benchmark)["Close"]
    rows = []
    for ticker, company, fid, plan in events:
        f = facts.fact(fid)
        if f.kind != "date":
            raise facts.FactsError(f"{fid}: value {f.raw_value!r} is not a date.")
        after = "after the US close" in f.unit
        p = cache.load_prices(ticker)[cache.total_return_column(ticker)]
        prev, session = reaction_session(ticker, f.value, after)
        pct = (p.loc[session] / p.loc[prev] - 1) * 100
        bench = (b.loc[session] / b.loc[prev] - 1) * 100
        rows.append({"ticker": ticker, "company": company, "fact": fid, "plan_fact": plan,
                     "released": f.value, "timing": "after the close" if after else "during or before the session",
                     "previous_close": f"{prev:%Y-%m-%d}", "session": f"{session:%Y-%m-%d}",
                     "pct": float(pct), "benchmark_pct": float(bench), "excess_pp": float(pct - bench),
                     "reliability": f.reliability, "status": f.status, "source": facts.cite(f)})
    return pd.DataFrame(rows)


def earnings_chart(moves: pd.DataFrame, benchmark: str = "^GSPC") -> alt.Chart:
    """Each company's reaction-session return beside the benchmark's on the same session."""
    bname = catalog.get(benchmark).name
    data = pd.concat([
        moves.assign(series=moves["company"], value=moves["pct"]),
        moves.assign(series=bname + " (same session)", value=moves["benchmark_pct"]),
    ], ignore_index=True)
    data["label"] = data["company"] + " (" + pd.to_datetime(data["session"]).dt.strftime("%d %b") + ")"
    order = list(moves["company"] + " (" + pd.to_datetime(moves["session"]).dt.strftime("%d %b") + ")")
    kinds = ["Company", bname + " (same session)"]
    data["kind"] = np.where(data["series"] == data["company"], kinds[0], kinds[1])
    tips = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("kind:N", title="Series"),
            alt.Tooltip("value:Q", title="Return (%)", format="+.2f"),
            alt.Tooltip("released:N", title="Results released"), alt.Tooltip("timing:N", title="Timing"),
            alt.Tooltip("session:N", title="Reaction session"), alt.Tooltip("previous_close:N", title="From the close of"),
            alt.Tooltip("source:N", title="Date source")]
    bars = alt.Chart(data).mark_bar(height=14).encode(
        x=alt.X("value:Q", title="Total return on the reaction session (%)"),
        y=alt.Y("label:N", sort=order, title=None), yOffset=alt.YOffset("kind:N", sort=kinds),
        color=alt.Color("kind:N", title=None, sort=kinds,
                        scale=alt.Scale(domain=kinds, range=[charts.PALETTE[0], charts.PALETTE[8]])),
        tooltip=tips)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=layout.GREY_ZERO).encode(x="x:Q")
    chart = alt.layer(zero, bars).properties(width=layout.RESP_MOVES_WIDTH, height=layout.RESP_EARNINGS_ROW * len(moves))
    return charts.titled(chart, "The first session after each set of results",
                         "Results released after the US close are first traded the next session", SOURCE_US)


# ---------------------------------------------------------------------------------- parameters


def _group_ok(group: str) -> bool:
    """A group can be followed if it has traded members, all on one market's calendar."""
    return (group in group_names() and bool(members(group))
            and len({catalog.get(t).market for t in members(group)}) == 1)


def check_groups(name: str, groups) -> list[str]:
    """A non-empty list of the catalog's group names, each with traded members on one calendar."""
    if not isinstance(groups, (list, tuple)) or not groups or not all(isinstance(g, str) for g in groups):
        raise ValueError(f"{name} must be a non-empty list of group names, e.g. ['Chips', 'Power'].")
    for g in groups:
        if g in NOT_A_GROUP:
            raise ValueError(f"{name}: {g!r} mixes index funds and sector ETFs; it is no group to average.")
        if g not in group_names():
            raise ValueError(f"{name}: unknown group {g!r}; groups are: {', '.join(group_names())}.")
        if not members(g):
            raise ValueError(f"{name}: group {g!r} holds only index levels, no traded series.")
        try:
            group_market(g)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return list(groups)


def earliest_end_date() -> pd.Timestamp:
    """Two weeks after the shock: the shortest recovery window the chapter's prose can speak of."""
    return pd.Timestamp(calendar.KEY_EVENT) + pd.Timedelta(days=14)


def _valid_groups() -> str:
    ok = [g for g in group_names() if _group_ok(g)]
    return "a non-empty list drawn from: " + ", ".join(ok)


def _valid_end_date() -> str:
    ends = {g: min(cache.load_sessions(t)[-1] for t in members(g)) for g in group_names() if _group_ok(g)}
    short = sorted({(e, g) for g, e in ends.items() if e < pd.Timestamp(catalog.END)})
    tail = "; ".join(f"{g} stops at {e:%Y-%m-%d}" for e, g in short)
    return (f"a date from {earliest_end_date():%Y-%m-%d} to {catalog.END}"
            + (f" (a group's path stops where its data end: {tail})" if tail else ""))


GROUP_NAMES = params.Kind("list of group names", params.TICKERS.parse, "'Chips,Power'")


@dataclass(frozen=True)
class Params(params.ChapterParams):
    recovery_threshold_pct: float = params.bounded(
        0.0, "a group has recovered at its first close at or above this level against its pre-shock close (%)",
        params.Bounds(-50, 50, "percent of the pre-shock close"))
    shock_window_sessions: int = params.bounded(
        10, "a group counts as hit if it closed below the threshold within this many sessions of the shock",
        params.Bounds(1, 60, "trading days", whole=True))
    us_groups: tuple = params.param(
        ["AI chips", "Other chips", "Chip equipment", "Networking and servers", "Power", "Hyperscalers and Apple"],
        GROUP_NAMES,
        "US groups to follow", check_groups, _valid_groups)
    china_groups: tuple = params.param(
        ["China ADRs and ETFs", "Hong Kong", "China A-shares"], GROUP_NAMES,
        "Chinese groups to follow, each on its own calendar", check_groups, _valid_groups)
    end_date: str = params.param(
        "2025-07-31", params.DATE, "the last day of the recovery window",
        params.unchanged(lambda n, v: params.date(n, v, lo=f"{earliest_end_date():%Y-%m-%d}", hi=catalog.END)),
        _valid_end_date)


# ---------------------------------------------------------------------------------- sections


def timeline(p: Params) -> Section:
    """Every dated response on one calendar, with the confidence of its source."""
    tl = timeline_table()
    chart = timeline_chart(tl, "The industry's answer, day by day",
                           "Shape: how well the source is established; hollow marker: the date is inexact")
    return Section(
        numbers={"n_events": len(tl),
                 "n_solid": int(tl["confidence"].isin(["Primary", "Well-sourced"]).sum()),
                 "n_weak": int(tl["confidence"].isin(["MEDIUM", "LOW-MEDIUM", "UNVERIFIED", "CONFLICT"]).sum()),
                 "n_article": int((tl["confidence"] == ARTICLE_ONLY).sum())},
        tables={"tbl-resp-timeline-table": Table(timeline_display(tl), cites={"Source": _fact_refs(tl["ref"])})},
        figures={"fig-resp-timeline-chart": Figure(chart, tl.assign(date=tl["date"].dt.strftime("%Y-%m-%d")))},
    )


def _licence(f: facts.Fact) -> str:
    """The licence R1's weights were published under, as the fact states it."""
    return _match(f.statement, r"weights under the (\w+) licence", f.id)


def _match(text: str, pattern: str, fid: str) -> str:
    m = re.search(pattern, text)
    if not m:
        raise facts.FactsError(f"{fid}: the statement no longer states {pattern!r}.")
    return m.group(1)


def _month(value) -> str:
    return f"{pd.Timestamp(value):%B %Y}"


def responses(p: Params) -> Section:
    """The dates, sources and prices the prose of "The response, day by day" cites."""
    f = facts.facts(["SHK-01", "RSP-01", "RSP-02", "RSP-03", "RSP-04", "RSP-05", "RSP-06", "RSP-07", "RSP-08",
                     "RSP-16", "RSP-17", "RSP-18", "RSP-19", "RSP-20", "RSP-21", "CST-25", "CST-28"])
    ledger = claims.load_claims().set_index("id")
    tl = timeline_table()
    article = tl.loc[tl["confidence"] == ARTICLE_ONLY, "date"]
    o3, o1, amd = f["RSP-18"], f["CST-28"], facts.fact("RSP-B06")
    return Section(numbers={
        "r1_date": Day(f["SHK-01"].value), "r1_src": Cite(f["SHK-01"]),
        "r1_licence": _licence(f["SHK-01"]),
        "azure_date": Day(f["RSP-01"].value), "azure_src": Cite(f["RSP-01"]), "azure_conf": f["RSP-01"].reliability,
        "aws_date": Day(f["RSP-02"].value), "nim_date": Day(f["RSP-03"].value), "aws_conf": f["RSP-02"].reliability,
        "xinhua_us_date": Day(ledger.loc["C37", "claimed_value"]),
        "huawei_date": Day(f["RSP-04"].value), "huawei_src": Cite(f["RSP-04"]),
        "bat_date": Day(f["RSP-06"].value), "bat_conf": f["RSP-06"].reliability,
        "gpu_cn_date": Day(f["RSP-05"].value),
        "telco_date": Day(f["RSP-07"].value), "telco_src": Cite(f["RSP-07"]),
        "ent_n": f["RSP-08"].number(), "ent_src": Cite(f["RSP-08"]),
        "article_first": Day(article.min()), "article_last": Day(article.max()),
        "qwen_date": Day(f["RSP-19"].value), "qwen_src": Cite(f["RSP-19"]),
        "warrooms": f["RSP-16"].number(), "warrooms_date": Day(f["RSP-16"].as_of),
        "warrooms_src": Cite(f["RSP-16"]),
        "o3_date": Day(f["RSP-17"].value), "o3_src": Cite(f["RSP-17"]),
        "search_date": Day(ledger.loc["C34", "claimed_value"]),
        "o3_in": o3.number(0), "o3_out": o3.number(2), "o3p_src": Cite(o3), "o1_out": o1.number(2),
        "o3_vs_o1": (1 - o3.number(2) / o1.number(2)) * 100,
        "flash_in": f["RSP-21"].number(0), "flash_out": f["RSP-21"].number(1), "flash_date": Day(f["RSP-21"].as_of),
        "flash_src": Cite(f["RSP-21"]),
        "offpeak_date": Day(f["CST-25"].as_of), "offpeak_src": Cite(f["CST-25"]),
        "pricewar_cut": f["RSP-20"].number(1), "pricewar_when": _month(f["RSP-20"].as_of),
        "pricewar_src": Cite(f["RSP-20"]),
        "amd_month": _month(amd.value), "amd_src": Cite(amd), "amd_conf": amd.reliability,
    })


CAPEX_LABELS = {"company": "Company", "y2024_low": "2024 low ($bn)", "y2024_high": "2024 high ($bn)",
                "y2024_basis": "2024 basis", "y2025_low": "2025 low ($bn)", "y2025_high": "2025 high ($bn)",
                "y2025_basis": "2025 basis", "announced": "Plan announced", "reliability": "Confidence",
                "source": "Source of the plan", "source_2024": "Source of 2024"}


def capex(p: Params) -> Section:
    """2024 spending against the 2025 plans, their sum, and Stargate's pledge."""
    table = capex_table()
    sg = stargate()
    tot = capex_totals(table)
    c = table.set_index("ticker")
    ledger = claims.load_claims().set_index("id")
    return Section(
        numbers={
            "msft_plan": c.loc["MSFT", "y2025_low"], "meta_lo": c.loc["META", "y2025_low"],
            "meta_hi": c.loc["META", "y2025_high"], "meta_24": c.loc["META", "y2024_low"],
            "amzn_24": c.loc["AMZN", "y2024_low"], "googl_plan": c.loc["GOOGL", "y2025_low"],
            "googl_24": c.loc["GOOGL", "y2024_low"], "filed_24_src": Cite(facts.fact(FILED_2024["META"])),
            "googl_growth": (c.loc["GOOGL", "y2025_low"] / c.loc["GOOGL", "y2024_low"] - 1) * 100,
            "amzn_lo": c.loc["AMZN", "y2025_low"], "amzn_hi": c.loc["AMZN", "y2025_high"],
            "amzn_status": Cite(c.loc["AMZN", "fact"]),
            "plan_lo": tot["plan_low"], "plan_hi": tot["plan_high"], "rep_24": tot["reported_2024"],
            "rep_25": tot["reported_2025_plan"], "rep_src": Cite(tot["reported_fact"]),
            "claim_218": float(ledger.loc["C31", "claimed_value"]),
            "sg_total": sg["total_bn"], "sg_years": sg["years"], "sg_initial": sg["initial_bn"],
            "sg_per_year": sg["per_year_bn"], "sg_date": Day(sg["date"]),
            "sg_days_before": (pd.Timestamp(calendar.KEY_EVENT) - pd.Timestamp(sg["date"])).days,
            "sg_src": Cite(sg["fact"]), "sg_funders": sg["funders"],
        },
        tables={"tbl-resp-capex-table": Table(table[list(CAPEX_LABELS)], CAPEX_LABELS,
                                              {k: "{:,.1f}" for k in ("y2024_low", "y2024_high", "y2025_low", "y2025_high")},
                                              cites={"source": table["fact"], "source_2024": table["fact_2024"]})},
        figures={"fig-resp-capex-chart": Figure(capex_chart(table, sg), table)},
    )


def capex_after_the_shock(p: Params) -> Section:
    """Which plans came after 27 January 2025, and what the evidence says about "raised"."""
    table = capex_table()
    before = table[pd.to_datetime(table["announced"]) < pd.Timestamp(calendar.KEY_EVENT)]
    meta = facts.fact("RSP-B03")
    if "repeated" not in meta.statement:
        raise facts.FactsError("RSP-B03: the statement no longer says Meta repeated its guidance.")
    g = facts.fact("RSP-11")
    lo = facts.number_in_text(g.statement, r"expectations of roughly \$(\d+)-\d+ billion", "RSP-11")
    hi = facts.number_in_text(g.statement, r"expectations of roughly \$\d+-(\d+) billion", "RSP-11")
    c = table.set_index("ticker")
    return Section(numbers={
        "capex_n_before": len(before), "capex_n": len(table),
        "capex_before_names": f" {words.word('and')} ".join(before["company"]),
        "meta_repeat_date": Day(meta.value), "meta_repeat_src": Cite(meta),
        "googl_expect_lo": lo, "googl_expect_hi": hi,
        "googl_above_expect": c.loc["GOOGL", "y2025_low"] - hi,
    })



EARNINGS_LABELS = {"company": "Company", "released": "Results released", "timing": "Timing",
                   "session": "Reaction session", "pct": "Return (%)", "benchmark_pct": "S&P 500 (%)",
                   "excess_pp": "Excess (pp)", "reliability": "Confidence", "source": "Source of the date"}


def earnings(p: Params) -> Section:
    """Each hyperscaler's first session after its results, against the S&P 500 on that session."""
    moves = earnings_reactions()
    m = moves.set_index("ticker")
    numbers = {}
    for t in ("MSFT", "META", "GOOGL", "AMZN"):
        k = t.lower()
        numbers.update({f"{k}_rel": Day(m.loc[t, "released"]), f"{k}_src": Cite(m.loc[t, "fact"]),
                        f"{k}_sess": Day(m.loc[t, "session"]), f"{k}_pct": m.loc[t, "pct"],
                        f"{k}_ex": m.loc[t, "excess_pp"]})
    msq = facts.fact("RSP-B02")
    numbers.update({"n_down": int((m["pct"] < 0).sum()), "msft_q_capex": msq.number(),
                    "msft_q_src": Cite(msq), "msft_q_conf": msq.reliability})
    return Section(
        numbers=numbers,
        tables={"tbl-resp-earnings-table": Table(moves[list(EARNINGS_LABELS)], EARNINGS_LABELS,
                                                 {"pct": "{:+.2f}", "benchmark_pct": "{:+.2f}", "excess_pp": "{:+.2f}"},
                                                 cites={"source": moves["fact"]})},
        figures={"fig-resp-earnings-chart": Figure(earnings_chart(moves), moves)},
    )


RECOVERY_LABELS = {"group": "Group", "market": "Calendar", "members": "Series", "anchor": "Pre-shock close",
                   "trough_pct": "Lowest (%)", "trough_date": "Lowest on", "fell_below": "Hit",
                   "recovery_date": "Recovered on", "sessions": "Sessions", "calendar_days": "Days",
                   "peak_pct": "Best (%)", "peak_date": "Best on", "end_pct": "At the end (%)",
                   "x_fell_below": "Hit vs market", "x_trough_pct": "Lowest vs market (pp)",
                   "x_recovery_date": "Level with market on", "x_sessions": "Sessions (vs market)"}
RECOVERY_COLUMNS = ["group", "market", "trough_pct", "trough_date", "fell_below", "recovery_date", "sessions",
                    "calendar_days", "peak_pct", "peak_date"]


def picks_and_shovels(p: Params) -> Section:
    """The reader's groups from their last close before the shock: paths, fall and recovery, raw and
    against their markets, and the horizon table."""
    groups = [*p.us_groups, *p.china_groups]
    paths = paths_long(groups, calendar.KEY_EVENT, p.end_date)
    rec = recovery_table(groups, calendar.KEY_EVENT, p.end_date, p.recovery_threshold_pct, p.shock_window_sessions)
    xpaths = paths_long(groups, calendar.KEY_EVENT, p.end_date, adjusted=True)
    xrec = recovery_table(groups, calendar.KEY_EVENT, p.end_date, p.recovery_threshold_pct, p.shock_window_sessions,
                          adjusted=True)
    shown = rec[RECOVERY_COLUMNS].assign(fell_below=rec["fell_below"].map({True: "yes", False: "no"}))
    shown = shown.assign(x_fell_below=xrec["fell_below"].map({True: "yes", False: "no"}).to_numpy(),
                         x_trough_pct=xrec["trough_pct"].to_numpy(),
                         x_recovery_date=xrec["recovery_date"].where(xrec["fell_below"]).to_numpy(),
                         x_sessions=xrec["sessions"].where(xrec["fell_below"]).to_numpy())
    hz = horizon_table(groups, calendar.KEY_EVENT, p.end_date)
    return Section(
        numbers={"thr": p.recovery_threshold_pct, "win": p.shock_window_sessions, "end_day": Day(rec["end_date"].max())},
        tables={"tbl-resp-recovery-table": Table(shown, RECOVERY_LABELS, {
            "trough_pct": "{:+.1f}", "sessions": "{:.0f}", "calendar_days": "{:.0f}", "peak_pct": "{:+.1f}",
            "end_pct": "{:+.1f}", "x_trough_pct": "{:+.1f}", "x_sessions": "{:.0f}"}),
            "tbl-resp-horizons-table": Table(hz, HORIZON_LABELS, {k: "{:+.1f}" for k in [*HORIZONS, "end"]})},
        figures={"fig-resp-paths-chart": Figure(recovery_paths_chart(paths, rec, p.recovery_threshold_pct), paths),
                 "fig-resp-recovery-chart": Figure(recovery_chart(rec, p.recovery_threshold_pct), rec),
                 "fig-resp-excess-chart": Figure(recovery_paths_chart(xpaths, xrec, p.recovery_threshold_pct,
                                                                      adjusted=True), xpaths)},
    )


HORIZON_LABELS = {"group": "Group", "measure": "Measure", "benchmark": "Market", "h1": "Day 0", "h5": "5 sessions",
                  "h21": "21 sessions", "h63": "63 sessions", "h126": "126 sessions", "end": "At the end",
                  "end_date": "End"}


STORY_GROUPS = [("chips", "AI chips"), ("otherchips", "Other chips"), ("equip", "Chip equipment"), ("net", "Networking and servers"), ("power", "Power"),
                ("adr", "China ADRs and ETFs"), ("hk", "Hong Kong"), ("ash", "China A-shares")]


def picks_and_shovels_story(p: Params) -> Section:
    """The story's groups on the book's defaults (threshold, window, end date), whatever a reader
    picked: these sentences are about 27 January 2025 and stay."""
    d = Params()
    story = recovery_table([*PICKS_AND_SHOVELS, *CHINESE_AI], calendar.KEY_EVENT, d.end_date,
                           d.recovery_threshold_pct, d.shock_window_sessions).set_index("group")
    numbers = {f"{key}_story": describe_recovery(story.loc[g], d.recovery_threshold_pct) for key, g in STORY_GROUPS}
    xstory = recovery_table([*PICKS_AND_SHOVELS, *CHINESE_AI], calendar.KEY_EVENT, d.end_date,
                            d.recovery_threshold_pct, d.shock_window_sessions, adjusted=True).set_index("group")
    numbers.update({f"{key}_xstory": describe_excess_recovery(xstory.loc[g], d.recovery_threshold_pct)
                    for key, g in STORY_GROUPS})
    hz = horizon_table(["AI chips", "Power"], calendar.KEY_EVENT, d.end_date).set_index(["group", "measure"])
    numbers.update({"chips_h63": hz.loc[("AI chips", "raw"), "h63"], "chips_h63_x": hz.loc[("AI chips", "excess"), "h63"],
                    "power_h63": hz.loc[("Power", "raw"), "h63"], "power_h63_x": hz.loc[("Power", "excess"), "h63"],
                    "spy_h63": hz.loc[("AI chips", "raw"), "h63"] - hz.loc[("AI chips", "excess"), "h63"],
                    "chips_h63_share": hz.loc[("AI chips", "excess"), "h63"] / hz.loc[("AI chips", "raw"), "h63"] * 100,
                    "story_h": HORIZONS["h63"]})
    numbers.update({"hk_peak": story.loc["Hong Kong", "peak_pct"], "hk_peak_day": Day(story.loc["Hong Kong", "peak_date"]),
                    "adr_peak": story.loc["China ADRs and ETFs", "peak_pct"],
                    "story_thr": d.recovery_threshold_pct, "story_win": d.shock_window_sessions,
                    "story_end": Day(d.end_date)})
    return Section(numbers=numbers)


# ---------------------------------------------------------------------------------- the articles' thesis


@dataclass(frozen=True)
class Thesis:
    """A statement the articles (or the analysts they cite) make about who gains from cheaper AI,
    framed so the data can answer it: basket ``long`` against basket ``short`` (or, if None, the
    long basket's market), from the last close before the shock to the end of the data. ``expect``
    is the sign of the gap the statement predicts."""

    key: str
    label: str        # a few words, for the chart and the table
    statement: str    # the testable statement
    long: tuple
    short: tuple | None
    expect: int


THESES = [
    Thesis("asic", "ASICs vs Nvidia", "Custom chips gain on GPUs: the ASIC designers Broadcom and Marvell beat Nvidia",
           ("AVGO", "MRVL"), ("NVDA",), +1),
    Thesis("optics", "China's optics", "Cheaper inference means more deployment, and more optical links: China's optics "
           "makers Zhongji Innolight and Eoptolink beat the CSI 300", ("300308.SZ", "300502.SZ"), None, +1),
    Thesis("power", "Power producers", "Efficient models need less electricity: the power producers Vistra, "
           "Constellation and GE Vernova lag the S&P 500", ("VST", "CEG", "GEV"), None, -1),
    Thesis("powerxlu", "Power vs utilities", "The same, against their own sector: the power producers lag the "
           "utilities ETF XLU", ("VST", "CEG", "GEV"), ("XLU",), -1),
    Thesis("rotation", "Apps vs shovels", "From shovels to applications: software (the IGV software ETF) and "
           "the platforms Microsoft, Alphabet and Meta beat the makers of AI infrastructure",
           ("IGV", "MSFT", "GOOGL", "META"),
           (*CHIP_SPLIT["AI chips"], "ASML", "AMAT", "LRCX", "KLAC", "ANET", "SMCI", "DELL", "VRT"), +1),
    Thesis("jevons", "AI chips (Jevons)", "Jevons: cheaper AI means more AI, so demand for AI chips keeps growing and "
           "they beat the S&P 500", tuple(CHIP_SPLIT["AI chips"]), None, +1),
]


def thesis_path(t: Thesis, event_date: str = calendar.KEY_EVENT, end_date: str = catalog.END) -> pd.Series:
    """The gap (pp) between ``t.long`` and ``t.short`` (or the long basket's market), buy-and-hold
    from the last close before the event, on the long basket's calendar, to the end of the data."""
    long = basket_path(list(t.long), event_date, end_date, t.key)
    mkt = catalog.get(t.long[0]).market
    if t.short is None:
        return excess_path(long, mkt)
    short = basket_path(list(t.short), event_date, end_date, t.key + " short")
    common = long.index.intersection(short.index)
    out = long.loc[common] - short.loc[common]
    out.attrs.update(long.attrs, benchmark="the basket it is set against")
    return out


THESIS_HORIZONS = {"h21": 21, "h63": 63}  # sessions after the shock: about one and three months


def thesis_table(theses=THESES, event_date: str = calendar.KEY_EVENT) -> pd.DataFrame:
    """Each statement's gap after 21 and 63 sessions and at the end of the data, and whether its sign
    is the one the statement predicts ("held") at the end."""
    rows = []
    for t in theses:
        path = thesis_path(t, event_date).iloc[1:]
        end = float(path.iloc[-1])
        rows.append({"key": t.key, "label": t.label, "statement": t.statement,
                     "against": "its market" if t.short is None else ", ".join(t.short),
                     "predicted": "ahead" if t.expect > 0 else "behind",
                     **{k: float(path.iloc[n - 1]) for k, n in THESIS_HORIZONS.items()}, "end": end,
                     "end_date": f"{path.index[-1]:%Y-%m-%d}",
                     "held": bool(np.sign(end) == t.expect)})
    return pd.DataFrame(rows)


def theses_long(theses=THESES, event_date: str = calendar.KEY_EVENT) -> pd.DataFrame:
    frames = []
    for t in theses:
        path = thesis_path(t, event_date)
        frames.append(pd.DataFrame({"date": path.index, "thesis": t.label, "gap_pp": path.to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def theses_chart(data: pd.DataFrame) -> alt.Chart:
    """One line per statement: the gap it predicts the sign of, since the close before the shock."""
    labels = list(dict.fromkeys(data["thesis"]))
    pick = alt.selection_point(fields=["thesis"], bind="legend")
    lines = alt.Chart(data).mark_line(strokeWidth=1.8).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("gap_pp:Q", title="Gap since the pre-shock close (pp)"),
        color=alt.Color("thesis:N", title="Statement (click to highlight)",
                        scale=alt.Scale(domain=labels, range=charts.PALETTE), legend=alt.Legend(columns=3)),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.12)),
        tooltip=[alt.Tooltip("thesis:N", title="Statement"), alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("gap_pp:Q", title="Gap (pp)", format="+.1f")]).add_params(pick)
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=layout.GREY_ZERO).encode(y="y:Q")
    chart = alt.layer(zero, lines).properties(width=layout.RESP_PATHS_WIDTH, height=charts.HEIGHT)
    return charts.titled(chart, "The articles' economics, tested",
                         "Each statement's basket minus what it is set against, buy-and-hold from the close before 27 Jan 2025",
                         SOURCE_MIXED)


THESIS_LABELS = {"statement": "Statement", "against": "Against", "predicted": "Predicted", "h21": "21 sessions (pp)",
                 "h63": "63 sessions (pp)", "end": "At the end (pp)", "end_date": "End of data", "verdict": "At the end"}


def theses(p: Params) -> Section:
    """The articles' economic statements, each measured from the close before 27 January 2025 to the
    end of the data (story numbers: they do not follow the parameters)."""
    table = thesis_table()
    data = theses_long()
    shown = table.assign(verdict=table["held"].map({True: words.word("held"), False: words.word("did not hold")}))
    t = table.set_index("key")
    numbers = {}
    for k in t.index:
        numbers.update({f"th_{k}_end": t.loc[k, "end"], f"th_{k}_h63": t.loc[k, "h63"],
                        f"th_{k}_verdict": Word("held" if t.loc[k, "held"] else "did not hold"),
                        f"th_{k}_dir": Word(words.direction(t.loc[k, "end"], down="behind", up="ahead", flat="level")),
                        f"th_{k}_enddate": Day(t.loc[k, "end_date"])})
    numbers["th_n_held"] = int(table["held"].sum())
    numbers["th_h_mid"] = THESIS_HORIZONS["h63"]
    numbers["th_n"] = len(table)
    return Section(numbers=numbers,
                   tables={"tbl-resp-theses-table": Table(shown[list(THESIS_LABELS)], THESIS_LABELS,
                                                          {"h21": "{:+.1f}", "h63": "{:+.1f}", "end": "{:+.1f}"})},
                   figures={"fig-resp-theses-chart": Figure(theses_chart(data), data)})


RERUN_EXAMPLE = {"recovery_threshold_pct": "-5", "end_date": "2025-12-31", "us_groups": "Chips,Power"}


def rerun_box(p: Params) -> Section:
    """The parameters, their exact valid ranges and a command that works as shown."""
    return Section(numbers={"resp_rerun": params_box.rerun_box(Params, "04", RERUN_EXAMPLE)})


def the_claims(p: Params) -> Section:
    """The ledger's rows for this chapter, with their verdicts."""
    return Section(shown=[claims.chapter_claims(4)])
