"""Tests for shockbook.chapters.ch4_response: the timeline, the capex table, announcement moves, recovery."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from shockbook import paths
from shockbook.analysis.calendar import KEY_EVENT
from shockbook.chapters import ch4_response as R
from shockbook.data import cache, catalog, facts
from shockbook.site import outputs, provenance


def _raw_close(ticker: str, column: str = "Adj Close") -> pd.Series:
    """A series straight from its committed CSV, without the cache's reader ('Adj Close' where the
    file fills it, else 'Close', which is already adjusted in those sources)."""
    f = paths.MARKET_DIR / "prices" / (ticker.replace("^", "idx-") + ".csv")
    df = pd.read_csv(f, index_col="Date", parse_dates=True)
    return df[column] if column in df and df[column].notna().any() else df["Close"]


# ---------------------------------------------------------------------------------- timeline

def test_timeline_dates_and_labels_come_from_facts_and_claims() -> None:
    tl = R.timeline_table()
    assert list(tl["n"]) == list(range(1, len(tl) + 1))
    assert tl["date"].is_monotonic_increasing
    row = tl.set_index("ref")
    assert row.loc["RSP-01", "date"] == pd.Timestamp(facts.fact("RSP-01").value)
    assert row.loc["RSP-14", "date"] == pd.Timestamp("2025-01-21")  # Stargate, from as_of
    assert row.loc["CST-26", "date"] == pd.Timestamp("2025-02-06")  # first date of a range
    # approximate dates are marked, and the reliability label is carried
    assert row.loc["RSP-02", "precision"] == "approximate"
    assert row.loc["RSP-02", "confidence"] == "UNVERIFIED"
    assert row.loc["RSP-06", "precision"] == "on or before"
    # events only an article reports are labelled as such, dated as the article dates them
    assert row.loc["C34", "confidence"] == R.ARTICLE_ONLY
    assert row.loc["C34", "date"] == pd.Timestamp("2025-02-06")
    assert row.loc["C34", "status"] == "claim"
    assert set(tl["confidence"]) <= set(provenance.CONFIDENCE_ORDER)


def test_every_event_source_line_has_a_status() -> None:
    tl = R.timeline_table()
    assert tl["source"].str.match(r"^Source: .+\((fact|estimate|claim|disputed)").all()


def test_confidence_scale_keeps_strength_order() -> None:
    shapes, opac = provenance.confidence_scale(["MEDIUM", "Primary", R.ARTICLE_ONLY, "MEDIUM"])
    assert shapes.domain == ["Primary", "MEDIUM", R.ARTICLE_ONLY]
    assert opac.range[0] > opac.range[-1]


def test_event_date_refuses_a_non_date_value() -> None:
    with pytest.raises(facts.FactsError, match="not a date"):
        R._event_date(facts.fact("RSP-09"), "value")


def test_timeline_chart_builds() -> None:
    spec = R.timeline_chart(R.timeline_table(), "t", "s").to_dict()
    assert "Source:" in spec["title"]["subtitle"][-1]


# ---------------------------------------------------------------------------------- capex

def test_capex_table_reads_the_facts() -> None:
    c = R.capex_table().set_index("ticker")
    assert c.loc["MSFT", "y2025_low"] == 80 and math.isnan(c.loc["MSFT", "y2024_low"])
    assert (c.loc["META", "y2025_low"], c.loc["META", "y2025_high"]) == (60, 65)
    # 2024 from the filings (USD million in the facts: RSP-B07..B09)
    assert (c.loc["META", "y2024_low"], c.loc["META", "y2024_high"]) == (37.256, 37.256)
    assert (c.loc["GOOGL", "y2024_low"], c.loc["GOOGL", "y2025_low"]) == (52.535, 75)
    assert c.loc["AMZN", "y2025_high"] == pytest.approx(26.3 * 4)
    assert c.loc["AMZN", "y2024_low"] == 82.999 and c.loc["AMZN", "fact_2024"] == "RSP-B09"
    assert "30.7B for July-December 2024" in c.loc["MSFT", "y2024_basis"]  # RSP-B10: 30,727
    assert c.loc["AMZN", "status"] == "disputed"


def test_capex_totals_and_stargate() -> None:
    t = R.capex_totals(R.capex_table())
    assert t["plan_low"] == 80 + 60 + 75 + 100
    assert t["plan_high"] == pytest.approx(80 + 65 + 75 + 105.2)
    assert (t["reported_2024"], t["reported_2025_plan"]) == (246, 320)
    sg = R.stargate()
    assert (sg["total_bn"], sg["years"], sg["per_year_bn"], sg["initial_bn"]) == (500, 4, 125, 100)


def test_number_in_text_fails_loudly_when_the_text_changes() -> None:
    with pytest.raises(facts.FactsError, match="no longer states"):
        facts.number_in_text("nothing here", r"\$(\d+)", "RSP-99")
    assert facts.number_in_text("up from $52.5 billion in 2024", r"up from \$([\d.]+) billion", "RSP-11") == 52.5


def test_announcement_moves_are_close_to_close() -> None:
    m = R.announcement_moves(R.capex_table()).set_index("ticker")
    g = m.loc["GOOGL"]
    assert (g["session"], g["next_session"]) == ("2025-02-04", "2025-02-05")
    assert bool(g["after_shock"]) and not bool(m.loc["META", "after_shock"])
    # two-session return compounds the two one-session returns
    assert (1 + g["two_day_pct"] / 100) == pytest.approx((1 + g["same_day_pct"] / 100) * (1 + g["next_day_pct"] / 100))
    assert g["excess_two_day_pct"] == pytest.approx(g["two_day_pct"] - g["benchmark_two_day_pct"])
    assert g["next_day_pct"] < -5  # Alphabet's fall after its results


# ---------------------------------------------------------------------------------- recovery

def _path(values, start="2025-01-24"):
    idx = pd.bdate_range(start, periods=len(values))
    return pd.Series(values, index=idx, dtype=float)


def test_recovery_on_a_made_up_path() -> None:
    p = _path([0, -10, -20, -5, 1, 3])  # anchor, then event day at index 1
    r = R.recovery(p, "2025-01-27", 0.0, 10)
    assert r["fell_below"] and r["recovered"]
    assert r["trough_pct"] == -20
    assert r["recovery_date"] == p.index[4]
    assert r["sessions"] == 3


def test_recovery_not_hit_and_not_recovered() -> None:
    up = R.recovery(_path([0, 2, 5, -3]), "2025-01-27", 0.0, 2)  # fall after the window is not the shock
    assert not up["fell_below"] and up["sessions"] == 0 and pd.isna(up["recovery_date"])
    down = R.recovery(_path([0, -2, -5, -3]), "2025-01-27", 0.0, 10)
    assert down["fell_below"] and not down["recovered"] and down["trough_pct"] == -5 and np.isnan(down["sessions"])
    lower = R.recovery(_path([0, -2, -5, -3]), "2025-01-27", -4.0, 10)  # a lower threshold: hit at -5, back at -3
    assert lower["recovered"] and lower["sessions"] == 2


def test_group_path_uses_each_market_calendar() -> None:
    cn = R.group_path("China A-shares", KEY_EVENT, "2025-02-28")
    assert cn.attrs["anchor"] == pd.Timestamp("2025-01-24")
    # mainland markets were shut 28 January to 4 February: no such dates in the path
    assert not any(pd.Timestamp("2025-01-28") <= d <= pd.Timestamp("2025-02-04") for d in cn.index)
    us = R.group_path("Chips", KEY_EVENT, "2025-02-28")
    assert pd.Timestamp("2025-01-29") in us.index
    assert cn.iloc[0] == 0 and us.iloc[0] == 0
    assert "000300.SS" not in cn.attrs["members"]  # index levels are left out


def test_recovery_table_story() -> None:
    rec = R.recovery_table([*R.PICKS_AND_SHOVELS, *R.CHINESE_AI], KEY_EVENT, "2025-07-31").set_index("group")
    assert rec.loc["Networking and servers", "fell_below"] and rec.loc["Networking and servers", "recovered"]
    assert not rec.loc["Hong Kong", "fell_below"]
    assert rec.loc["China A-shares", "recovery_date"] == "2025-02-07"
    assert rec.loc["Power", "trough_pct"] < rec.loc["Chip equipment", "trough_pct"]
    assert "sessions after the shock" in R.describe_recovery(rec.loc["AI chips"], 0.0)
    assert rec.loc["AI chips", "trough_pct"] < rec.loc["Other chips", "trough_pct"]


# ---------------------------------------------------------------------------------- parameters

GOOD = dict(recovery_threshold_pct=0.0, shock_window_sessions=10, us_groups=["Chips"], china_groups=["Hong Kong"],
            end_date="2025-07-31")


def test_parameters_accept_the_defaults() -> None:
    p = R.Params()
    assert R.Params.defaults() == {
        "recovery_threshold_pct": 0.0, "shock_window_sessions": 10,
        "us_groups": ["AI chips", "Other chips", "Chip equipment", "Networking and servers", "Power",
                      "Hyperscalers and Apple"],
        "china_groups": ["China ADRs and ETFs", "Hong Kong", "China A-shares"], "end_date": "2025-07-31"}
    # the checks hand the values back as the chapter uses them: a whole number stays whole, lists become tuples
    assert type(p.shock_window_sessions) is int and p.end_date == "2025-07-31"
    q = R.Params(**GOOD)
    assert (q.us_groups, q.china_groups, q.recovery_threshold_pct) == (("Chips",), ("Hong Kong",), 0.0)


@pytest.mark.parametrize("name, value, message", [
    ("recovery_threshold_pct", "0", "must be a number"),
    ("recovery_threshold_pct", float("nan"), "must be a finite number"),
    ("recovery_threshold_pct", 80, r"must be in \[-50, 50\] percent"),
    ("shock_window_sessions", 2.5, "whole number"),
    ("shock_window_sessions", 0, r"must be in \[1, 60\] trading days"),
    ("shock_window_sessions", True, "whole number"),
    ("us_groups", [], "non-empty list"),
    ("us_groups", ["Chipz"], "unknown group"),
    ("china_groups", "Hong Kong", "non-empty list"),
    ("us_groups", ["US indices and ETFs"], "no group to average"),
    ("end_date", "2025-13-01", "not a date"),
    ("end_date", "2025-01-30", "between"),
    ("end_date", 20250731, "YYYY-MM-DD"),
])
def test_parameters_reject_bad_values(name, value, message) -> None:
    with pytest.raises(ValueError, match=message):
        R.Params(**{**GOOD, name: value})


def test_group_parameters_parse_from_the_command_line() -> None:
    assert R.Params.parse_cli({"us_groups": "Chips,Power"}) == {"us_groups": ["Chips", "Power"]}
    assert R.Params.parse_cli({"us_groups": "['Chips', 'Chip equipment']"}) == {"us_groups": ["Chips", "Chip equipment"]}


def test_valid_ranges_are_read_from_the_data() -> None:
    rows = {r["name"]: r["valid"] for r in R.Params.table()}
    a_end = min(cache.load_prices(t).index[-1] for t in R.members("China A-shares"))
    assert f"China A-shares stops at {a_end:%Y-%m-%d}" in rows["end_date"]
    assert rows["end_date"].startswith("a date from 2025-02-10 to ")  # KEY_EVENT + 14 days
    assert "AI chips" in rows["us_groups"] and "US indices and ETFs" not in rows["us_groups"]


def test_members_leave_out_indices() -> None:
    assert "^HSI" not in R.members("Hong Kong")
    assert all(not catalog.get(t).index for t in R.members("China A-shares"))


# ---------------------------------------------------------------------------------- earnings days

def test_earnings_reactions_cover_the_four_companies() -> None:
    m = R.earnings_reactions().set_index("ticker")
    assert list(m.index) == ["MSFT", "META", "GOOGL", "AMZN"]
    # every release date is a sourced fact with a URL, and all four came after the US close
    for fid in m["fact"]:
        f = facts.fact(fid)
        assert f.source_url.startswith("http") and f.kind == "date"
    assert (m["timing"] == "after the close").all()
    # a release after the close is first traded the next session
    assert (m.loc["MSFT", "previous_close"], m.loc["MSFT", "session"]) == ("2025-01-29", "2025-01-30")
    assert m.loc["META", "session"] == "2025-01-30"
    assert m.loc["GOOGL", "session"] == "2025-02-05"
    assert m.loc["AMZN", "session"] == "2025-02-07"
    assert np.allclose(m["excess_pp"], m["pct"] - m["benchmark_pct"])


def test_earnings_move_is_close_to_close() -> None:
    m = R.earnings_reactions().set_index("ticker")
    p = cache.load_prices("MSFT")[cache.total_return_column("MSFT")]
    assert m.loc["MSFT", "pct"] == pytest.approx((p.loc["2025-01-30"] / p.loc["2025-01-29"] - 1) * 100)


def test_reaction_session_rules() -> None:
    # MSFT reported after the close on Wednesday 29 January: first traded on the 30th
    assert R.reaction_session("MSFT", "2025-01-29", True) == (pd.Timestamp("2025-01-29"), pd.Timestamp("2025-01-30"))
    # a release before or during a session is traded that session
    assert R.reaction_session("MSFT", "2025-01-30", False) == (pd.Timestamp("2025-01-29"), pd.Timestamp("2025-01-30"))
    # a release on a Saturday is first traded on Monday
    assert R.reaction_session("MSFT", "2025-02-01", False)[1] == pd.Timestamp("2025-02-03")
    with pytest.raises(ValueError, match="no session after"):
        R.reaction_session("MSFT", catalog.END, True)


def test_earnings_chart_builds() -> None:
    spec = R.earnings_chart(R.earnings_reactions()).to_dict()
    assert "Source:" in spec["title"]["subtitle"][-1]


# ---------------------------------------------------------------------------------- sections, from the raw data


def test_timeline_section_counts_the_sources() -> None:
    s = R.timeline(R.Params())
    claim = [re.fullmatch(r"C\d+", ev.ref) is not None for ev in R.EVENTS]  # ledger claims, not facts (CST-…)
    labels = ["Article only" if c else facts.fact(ev.ref).reliability for ev, c in zip(R.EVENTS, claim)]
    assert s.numbers["n_events"] == len(R.EVENTS)
    assert s.numbers["n_solid"] == sum(lab in ("Primary", "Well-sourced") for lab in labels)
    assert s.numbers["n_article"] == sum(claim)
    assert set(s.figures) == {"fig-resp-timeline-chart"} and set(s.tables) == {"tbl-resp-timeline-table"}


def test_responses_section_prices_and_dates() -> None:
    s = R.responses(R.Params())
    # o3-mini's $4.40 against o1's $60 per million output tokens (RSP-18, CST-28 values)
    assert s.numbers["o3_vs_o1"] == pytest.approx((1 - 4.40 / 60) * 100)
    assert s.value("r1_date") == "20 January 2025"
    assert s.value("r1_licence") == "MIT"  # "weights under the MIT licence" in SHK-01
    with pytest.raises(facts.FactsError, match="no longer states"):
        R._match("weights under no licence", r"weights under the (\w+) licence", "SHK-01")
    assert s.numbers["article_first"].date <= s.numbers["article_last"].date


def test_capex_section_from_the_statements() -> None:
    s = R.capex(R.Params())
    assert s.numbers["googl_growth"] == pytest.approx((75 / 52.535 - 1) * 100)  # RSP-11 plan, RSP-B08 filing
    assert s.numbers["sg_days_before"] == (pd.Timestamp("2025-01-27") - pd.Timestamp("2025-01-21")).days
    assert s.numbers["sg_per_year"] == pytest.approx(500 / 4)


def test_earnings_section_moves_from_the_raw_closes() -> None:
    s = R.earnings(R.Params())
    msft, spx = _raw_close("MSFT"), _raw_close("^GSPC", "Close")
    pct = (msft["2025-01-30"] / msft["2025-01-29"] - 1) * 100
    assert s.numbers["msft_pct"] == pytest.approx(pct)
    assert s.numbers["msft_ex"] == pytest.approx(pct - (spx["2025-01-30"] / spx["2025-01-29"] - 1) * 100)
    amzn = _raw_close("AMZN")
    assert s.numbers["amzn_pct"] == pytest.approx((amzn["2025-02-07"] / amzn["2025-02-06"] - 1) * 100)
    downs = sum(s.numbers[f"{k}_pct"] < 0 for k in ("msft", "meta", "googl", "amzn"))
    assert s.numbers["n_down"] == downs


def test_picks_and_shovels_section_from_the_raw_closes() -> None:
    s = R.picks_and_shovels(R.Params(us_groups=["Power"], china_groups=["Hong Kong"]))
    closes = pd.DataFrame({t: _raw_close(t) for t in ["VST", "CEG", "GEV"]}).loc[:"2025-07-31"]
    path = (closes.loc["2025-01-24":] / closes.loc["2025-01-24"] - 1).mean(axis=1) * 100
    rec = s.figures["fig-resp-recovery-chart"].data.set_index("group")
    first_back = path.loc["2025-01-27":][path.loc["2025-01-27":] >= 0].index
    below = path.loc["2025-01-27":].iloc[:10] < 0
    assert below.any()
    back = first_back[first_back > below.idxmax()][0]
    assert rec.loc["Power", "recovery_date"] == f"{back:%Y-%m-%d}"
    assert rec.loc["Power", "trough_pct"] == pytest.approx(path.loc["2025-01-27":back].min())
    assert s.numbers["win"] == 10 and s.value("end_day") == "31 July 2025"


def test_story_section_keeps_the_story_groups_whatever_the_reader_picks() -> None:
    a = R.picks_and_shovels_story(R.Params(us_groups=["Power"]))
    b = R.picks_and_shovels_story(R.Params())
    assert a.numbers == b.numbers
    assert "sessions after the shock" in a.numbers["chips_story"]


# ---------------------------------------------------------------------------------- reruns

from reruns import MATRIX, Runs, bad_values, number, session_root, text  # noqa: E402

RERUNS = {"defaults": {}, **MATRIX["04_response"]}  # the sets: tests/reruns.py


@pytest.fixture(scope="module", params=list(RERUNS), ids=list(RERUNS))
def rerun(request, tmp_path_factory):
    """Glued values: the committed chapter for the defaults, else the matrix's run (once a session)."""
    R.Params(**RERUNS[request.param])  # each set is valid
    name = request.param
    return outputs.glued(paths.CHAPTERS_DIR / "04_response.ipynb" if name == "defaults" else
                         Runs(session_root(tmp_path_factory)).notebook("04_response", name))


def test_a_rerun_shows_no_empty_or_missing_number(rerun) -> None:
    assert bad_values(rerun) == []


def test_a_rerun_keeps_the_story_and_follows_the_parameters(rerun) -> None:
    base = R.picks_and_shovels_story(R.Params())
    assert text(rerun["chips_story"]) == base.numbers["chips_story"]  # the story stays
    assert number(rerun["story_thr"]) == R.Params().recovery_threshold_pct

def test_the_rerun_box_lists_every_parameter_and_a_command_that_parses() -> None:
    box = R.rerun_box(R.Params()).numbers["resp_rerun"].data
    for name in R.Params.specs():
        assert f"`{name}`" in box
    assert "python -m shockbook run 04 -p recovery_threshold_pct -5" in box
    R.Params.parse_cli(R.RERUN_EXAMPLE)


# ---------------------------------------------------------------------------------- market-adjusted paths and theses


def _basket(tickers, start="2025-01-24", end=None):
    closes = pd.DataFrame({t: _raw_close(t) for t in tickers}).loc[start:end].dropna()
    return (closes / closes.iloc[0] - 1).mean(axis=1) * 100


def test_the_chip_split_covers_the_catalogs_chips_once() -> None:
    split = [t for g in R.CHIP_SPLIT.values() for t in g]
    assert sorted(split) == sorted(catalog.tickers("Chips")) and len(split) == len(set(split))
    assert set(R.CHIP_SPLIT["Other chips"]) == {"INTC", "QCOM", "TXN"}


def test_excess_path_is_the_group_minus_spy_from_the_raw_closes() -> None:
    x = R.excess_path(R.group_path("Power", KEY_EVENT, "2025-07-31"), "US")
    power = _basket(["VST", "CEG", "GEV"], end="2025-07-31")
    spy = _basket(["SPY"], end="2025-07-31")
    assert x.iloc[0] == 0
    assert x.loc["2025-04-08"] == pytest.approx(power.loc["2025-04-08"] - spy.loc["2025-04-08"])
    assert x.iloc[-1] == pytest.approx(power.iloc[-1] - spy.iloc[-1])


def test_excess_path_reads_the_market_on_the_groups_calendar() -> None:
    # Hong Kong traded 28 January; the Hang Seng's index level is the benchmark
    x = R.excess_path(R.group_path("Hong Kong", KEY_EVENT, "2025-03-31"), "HK")
    hsi = _raw_close("^HSI", "Close")
    hk = _basket(R.members("Hong Kong"), end="2025-03-31")
    assert x.loc["2025-02-03"] == pytest.approx(hk.loc["2025-02-03"] - (hsi["2025-02-03"] / hsi["2025-01-24"] - 1) * 100)


def test_horizon_table_from_the_raw_closes() -> None:
    h = R.horizon_table(["Power"], KEY_EVENT, "2025-07-31").set_index("measure")
    power = _basket(["VST", "CEG", "GEV"], end="2025-07-31")
    spy = _basket(["SPY"], end="2025-07-31")
    assert h.loc["raw", "h1"] == pytest.approx(power.iloc[1])  # the event day
    assert h.loc["raw", "h63"] == pytest.approx(power.iloc[63])
    assert h.loc["excess", "h63"] == pytest.approx(power.iloc[63] - spy.iloc[63])
    assert h.loc["raw", "end"] == pytest.approx(power.iloc[-1])
    short = R.horizon_table(["Power"], KEY_EVENT, "2025-03-31").set_index("measure")
    assert np.isnan(short.loc["raw", "h126"])  # the window ends first


def test_adjusted_recovery_is_dated_on_the_excess_path() -> None:
    rec = R.recovery_table(["Power"], KEY_EVENT, "2025-07-31", adjusted=True).iloc[0]
    gap = (_basket(["VST", "CEG", "GEV"], end="2025-07-31") - _basket(["SPY"], end="2025-07-31")).loc[KEY_EVENT:]
    below = gap.iloc[:10] < 0
    back = gap.loc[below.idxmax():][gap.loc[below.idxmax():] >= 0].index[0]
    assert rec["recovery_date"] == f"{back:%Y-%m-%d}"


def test_theses_from_the_raw_closes() -> None:
    t = R.thesis_table().set_index("key")
    asic = _basket(["AVGO", "MRVL"]) - _basket(["NVDA"])
    assert t.loc["asic", "end"] == pytest.approx(asic.iloc[-1])
    assert t.loc["asic", "h63"] == pytest.approx(asic.iloc[63])
    assert bool(t.loc["asic", "held"]) == (asic.iloc[-1] > 0)
    csi = _raw_close("000300.SS", "Close")
    optics = _basket(["300308.SZ", "300502.SZ"])
    assert t.loc["optics", "end"] == pytest.approx(optics.iloc[-1] - (csi[optics.index[-1]] / csi["2025-01-24"] - 1) * 100)
    power = _basket(["VST", "CEG", "GEV"]) - _basket(["SPY"])
    assert bool(t.loc["power", "held"]) == (power.iloc[-1] < 0)  # the statement predicts a lag
    assert t.loc["optics", "end_date"] == f"{optics.index[-1]:%Y-%m-%d}"
    xlu = _basket(["VST", "CEG", "GEV", "XLU"])  # common dates of the four (XLU's data end first)
    gap = _basket(["VST", "CEG", "GEV"], end=xlu.index[-1]) - _basket(["XLU"], end=xlu.index[-1])
    assert t.loc["powerxlu", "end"] == pytest.approx(gap.iloc[-1])


def test_theses_section_words_follow_the_numbers() -> None:
    s = R.theses(R.Params())
    for t in R.THESES:
        end = s.numbers[f"th_{t.key}_end"]
        assert s.value(f"th_{t.key}_dir") == ("ahead" if end > 0 else "behind")
        assert s.value(f"th_{t.key}_verdict") == ("held" if np.sign(end) == t.expect else "did not hold")
    assert s.numbers["th_n"] == len(R.THESES)


def test_capex_after_the_shock() -> None:
    s = R.capex_after_the_shock(R.Params())
    # Microsoft (3 January) and Meta (24 January) announced before 27 January
    assert s.numbers["capex_n_before"] == 2 and s.value("capex_before_names") == "Microsoft and Meta"
    assert (s.numbers["googl_expect_lo"], s.numbers["googl_expect_hi"]) == (58, 60)  # RSP-11's statement
    assert s.numbers["googl_above_expect"] == 75 - 60


def test_stargate_is_drawn_as_a_pledge_not_a_bar() -> None:
    spec = R.capex(R.Params()).figures["fig-resp-capex-chart"].chart.to_dict()
    marks = [(layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) for layer in spec["layer"]]
    assert "point" in marks
    datasets = spec["datasets"]
    bar_data = [layer for layer in spec["layer"] if (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) == "bar"]
    for layer in bar_data:
        rows = datasets[layer["data"]["name"]]
        assert all(r["kind"] != "pledge" for r in rows)
