"""Tests for shockbook.chapters.ch5_geopolitics: policy timeline, market-calendar reactions, chip specs, rule tests."""
from __future__ import annotations


import pandas as pd
import pytest

from shockbook import paths
from shockbook.site import outputs, words
from shockbook.chapters import ch5_geopolitics as G
from shockbook.data import cache, catalog, facts


def _raw(ticker: str, column: str = "Adj Close") -> pd.Series:
    """A series straight from its committed CSV, without the cache's reader."""
    f = paths.MARKET_DIR / "prices" / (ticker.replace("^", "idx-") + ".csv")
    return pd.read_csv(f, index_col="Date", parse_dates=True)[column]


def test_export_control_timeline_is_the_facts() -> None:
    ev = G.events_table(G.EXPORT_CONTROLS).set_index("ref")
    assert [f"{d:%Y-%m-%d}" for d in ev["date"]] == ["2022-10-07", "2023-10-17", "2024-12-02", "2025-01-13",
                                                     "2025-04-09", "2025-04-15", "2025-05-13"]
    assert ev.loc["GEO-01", "confidence"] == "Primary"
    assert ev["source"].str.startswith("Source: ").all()


def test_asian_base_on_a_us_date_is_that_day() -> None:
    d = pd.Timestamp("2025-01-13")
    base, after = G.base_and_sessions("688256.SS", d, "US", 3)
    assert base == d and after[0] == pd.Timestamp("2025-01-14")
    base, after = G.base_and_sessions("NVDA", d, "US", 3)
    assert base == pd.Timestamp("2025-01-10") and after[0] == d
    # a Chinese announcement: Asia's session that day counts as after the news
    base, after = G.base_and_sessions("000300.SS", pd.Timestamp("2025-01-17"), "China", 1)
    assert after[0] == pd.Timestamp("2025-01-17")


def test_reaction_respects_the_lunar_new_year_closure() -> None:
    r = G.reaction("000300.SS", pd.Timestamp("2025-01-27"), "US", 1)
    assert (f"{r['base']:%Y-%m-%d}", f"{r['first_session']:%Y-%m-%d}") == ("2025-01-27", "2025-02-05")


def test_reaction_window_return_compounds() -> None:
    r = G.reaction("NVDA", pd.Timestamp("2025-04-15"), "US", 5)
    assert r["sessions"] == 5
    assert r["window_pct"] == pytest.approx(-10.68, abs=0.05)


def test_reactions_table_skips_dates_outside_the_data() -> None:
    ev = G.events_table(G.EXPORT_CONTROLS)
    assert "GEO-01" in set(G.reactions_table(ev, ["NVDA"], 5)["ref"])  # 2022-10-07: the cache starts in 2019
    rt = G.reactions_table(ev, ["ARM"], 5)
    assert "GEO-01" not in set(rt["ref"])  # 2022, before Arm listed (2023-09-14)
    wide = G.reactions_wide(rt)
    assert list(wide.columns) == ["step", "Arm Holdings"] and len(wide) == len(rt)


def test_gpu_specs_from_the_facts() -> None:
    s = G.gpu_specs().set_index(["chip", "key"])
    assert s.loc[("H100", "bf16"), "value"] == 989 and s.loc[("H100", "fp8"), "value"] == 1979
    assert s.loc[("H100", "mem_bw"), "value"] == 3.35 and s.loc[("H100", "memory"), "value"] == 80
    assert s.loc[("H800", "nvlink"), "value"] == 400
    # the H800's memory from a vendor's comparison (GEO-B04), cited on its own cells
    assert s.loc[("H800", "mem_bw"), "value"] == 3.35 and s.loc[("H800", "memory"), "value"] == 80
    assert s.loc[("H800", "mem_bw"), "fact"] == "GEO-B04" and s.loc[("H800", "nvlink"), "fact"] == "GEO-11"
    assert s.loc[("H800", "bf16"), "basis"].startswith("same as H100")
    assert s.loc[("H20", "bf16"), "value"] == 148 and s.loc[("H20", "memory"), "value"] == 96
    assert s.loc[("H20", "bf16"), "pct_of_h100"] == pytest.approx(148 / 989 * 100)
    assert (s["confidence"] == "MEDIUM").all()


def test_rule_tests() -> None:
    rt = G.rule_tests(G.gpu_specs()).set_index("chip")
    assert rt.loc["H100", "tpp"] == 1979 * 8
    assert rt.loc["H100", "rule_2022"] == "caught" and rt.loc["H800", "rule_2022"] == "not caught"
    assert rt.loc["H800", "rule_2023"] == "caught"
    # between the 2023 bars: the revealed evidence (no licence needed until the April 2025 notice) decides
    assert rt.loc["H20", "rule_2023"] == "not caught: sold without a licence until 9 April 2025"
    assert rt.attrs["tpp22"] == 4800 and rt.attrs["link22"] == 600 and rt.attrs["tpp23_low"] == 1600


def test_entities_added() -> None:
    assert G.entities_added() == 140


def test_side_by_side_keeps_each_calendar() -> None:
    d = G.side_by_side(["NVDA"], ["000300.SS"], "2025-01-27", "2025-01-20", "2025-02-10")
    cn = d[d["ticker"] == "000300.SS"]["date"]
    assert not cn.between(pd.Timestamp("2025-01-28"), pd.Timestamp("2025-02-04")).any()
    assert pd.Timestamp("2025-01-29") in set(d[d["ticker"] == "NVDA"]["date"])


def test_framing_sessions() -> None:
    fs = G.framing_sessions(G.events_table(G.FRAMING), "^IXIC", ["^HSI"]).set_index("date")
    assert fs.loc["2025-01-27", "^HSI session"] == "2025-01-28"  # Trump spoke in the US on the 27th
    assert fs.loc["2025-01-26", "^IXIC session"] == "2025-01-27"  # a Sunday post


GOOD = dict(compare_tickers=["NVDA", "0981.HK"], start_date="2023-01-03", end_date="2025-07-31", reaction_sessions=5,
            us_series=["NVDA"], china_series=["^HSI"])


def test_parameters_accept_the_defaults() -> None:
    p = G.Params()
    assert p.compare_tickers == ("NVDA", "AMD", "688256.SS", "000977.SZ", "0981.HK", "9988.HK")
    assert type(p.reaction_sessions) is int and (p.start_date, p.end_date) == ("2023-01-03", "2025-07-31")
    q = G.Params(**GOOD)
    assert (q.compare_tickers, q.us_series, q.china_series) == (("NVDA", "0981.HK"), ("NVDA",), ("^HSI",))


def test_the_parameters_cells_example_runs_as_shown() -> None:
    import nbformat

    cell = next(c for c in nbformat.read(paths.CHAPTERS_DIR / "05_geopolitics.ipynb", 4).cells
                if "parameters" in c.metadata.get("tags", []))
    assert "-p compare_tickers \"['NVDA', 'AMD', 'SMH']\"" in cell.source
    given = G.Params.parse_cli({"reaction_sessions": "1", "compare_tickers": "['NVDA', 'AMD', 'SMH']"})
    assert given == {"reaction_sessions": 1, "compare_tickers": ["NVDA", "AMD", "SMH"]}


@pytest.mark.parametrize("name, value, message", [
    ("compare_tickers", [], "non-empty list"),
    ("compare_tickers", ["NVDAX"], "unknown ticker"),
    ("compare_tickers", ["NVDA"] * 12, "at most"),
    ("compare_tickers", ["688256.SS"], "fewer than 20 sessions"),
    ("start_date", "2019-01-01", f"must lie between {catalog.START} and {catalog.END}"),
    ("end_date", "2023-02-01", "at least 90 days"),
    ("end_date", "soon", "not a date"),
    ("reaction_sessions", 0, r"reaction_sessions must be in \[1, 60\] trading days"),
    ("reaction_sessions", 5.0, "whole number"),
    ("us_series", ["^HSI"], "not in New York"),
    ("china_series", ["NVDA"], "Hong Kong"),
])
def test_parameters_reject_bad_values(name, value, message) -> None:
    kw = {**GOOD, name: value}
    if value == ["688256.SS"]:
        kw.update(start_date="2025-08-05", end_date="2025-12-31")  # the A-share data end on 2025-08-01
    with pytest.raises(ValueError, match=message):
        G.Params(**kw)


# ---------------------------------------------------------------------------------- sections, from the raw data


def test_controls_section() -> None:
    s = G.controls(G.Params())
    assert s.numbers["rule3_entities"] == 140  # "added 140 entities" in GEO-04
    assert s.value("rule1_date") == "7 October 2022" and s.value("rescind_date") == "13 May 2025"
    lines = s.figures["fig-geo-controls-chart"].data
    nvda = _raw("NVDA").loc["2023-01-03":"2025-07-31"]
    assert lines[lines["ticker"] == "NVDA"]["index"].iloc[-1] == pytest.approx(nvda.iloc[-1] / nvda.iloc[0] * 100)


def test_reactions_section_from_the_raw_closes() -> None:
    s = G.reactions(G.Params())
    nvda, spx = _raw("NVDA"), _raw("^GSPC", "Close")
    # the H20 notice (GEO-08) on 9 April 2025: New York traded that day, from the 8 April close
    assert s.numbers["nvda_h20_first"] == pytest.approx((nvda["2025-04-09"] / nvda["2025-04-08"] - 1) * 100)
    assert s.numbers["spx_h20_first"] == pytest.approx((spx["2025-04-09"] / spx["2025-04-08"] - 1) * 100)
    # the worst of the five sessions after Nvidia's disclosure (15 April), close to close on Close
    close = _raw("NVDA", "Close")
    days = close.loc["2025-04-15":].index[:5]
    moves = {d: (close[d] / close[close.index[close.index.get_loc(d) - 1]] - 1) * 100 for d in days}
    worst = min(moves, key=moves.get)
    assert s.numbers["nvda_charge_worst"] == pytest.approx(moves[worst])
    assert s.numbers["nvda_charge_worst_day"].date == worst


def test_chips_section() -> None:
    s = G.chips(G.Params())
    assert s.numbers["h20_bf16_pct"] == pytest.approx(148 / 989 * 100)
    assert s.numbers["h20_bw_pct"] == pytest.approx(4.0 / 3.35 * 100)
    assert (s.numbers["h800_link"], s.numbers["h100_link"]) == (400, 900)
    assert s.numbers["h20_tpp"] == 296 * 8


def test_framing_section_from_the_raw_closes() -> None:
    s = G.framing(G.Params())
    hsi = _raw("^HSI", "Close")
    assert s.numbers["hsi_feb"] == pytest.approx((hsi[:"2025-02-28"].iloc[-1] / hsi[:"2025-01-26"].iloc[-1] - 1) * 100)
    # mainland markets closed after 27 January for the Lunar New Year; Hong Kong traded the 28th, then shut
    assert s.value("cn_last") == "27 January 2025" and s.value("cn_reopen") == "5 February 2025"
    assert s.value("hk_reopen") == "3 February 2025"


def test_reopening_needs_a_closure() -> None:
    with pytest.raises(ValueError, match="no closure"):
        G.reopening("NVDA", cache.load_prices("NVDA").index[-2])  # the data end before any further closure


# ---------------------------------------------------------------------------------- reruns

from reruns import MATRIX, Runs, bad_values, number, session_root, text  # noqa: E402

RERUNS = {"defaults": {}, **MATRIX["05_geopolitics"]}  # the sets: tests/reruns.py
DIRECTIONS = {"nvda_h20_dir": "nvda_h20_first", "spx_h20_dir": "spx_h20_first"}


@pytest.fixture(scope="module", params=list(RERUNS), ids=list(RERUNS))
def rerun(request, tmp_path_factory):
    """Glued values: the committed chapter for the defaults, else the matrix's run (once a session)."""
    G.Params(**RERUNS[request.param])  # each set is valid
    name = request.param
    return outputs.glued(paths.CHAPTERS_DIR / "05_geopolitics.ipynb" if name == "defaults" else
                         Runs(session_root(tmp_path_factory)).notebook("05_geopolitics", name))


def test_a_rerun_shows_no_empty_or_missing_number(rerun) -> None:
    assert bad_values(rerun) == []


def test_a_rerun_chooses_its_direction_words_from_the_data(rerun) -> None:
    for word_key, number_key in DIRECTIONS.items():
        assert text(rerun[word_key]) == words.word(words.direction(number(rerun[number_key]))), word_key


def test_the_rerun_box_lists_every_parameter_and_a_command_that_parses() -> None:
    box = G.rerun_box(G.Params()).numbers["geo_rerun"].data
    for name in G.Params.specs():
        assert f"`{name}`" in box
    assert "python -m shockbook run 05 -p reaction_sessions 1 -p compare_tickers NVDA,AMD,SMH" in box



# ---------------------------------------------------------------------------------- what the controls did


def _facts_row(fid: str) -> dict:
    import csv

    with open(paths.DATA_DIR / "facts" / "facts.csv", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if r["id"] == fid)


def test_what_the_controls_did_from_the_facts_file() -> None:
    s = G.what_the_controls_did(G.Params())
    # V3: 37B active parameters (CST-12) x 14.8T tokens (CST-11) x 6, an estimate
    assert "37 active" in _facts_row("CST-12")["value"] and _facts_row("CST-11")["value"] == "14.8"
    assert s.numbers["v3_flop_e24"] == pytest.approx(6 * 37e9 * 14.8e12 / 1e24)
    assert "1e26 operations" in _facts_row("GEO-05")["statement"]
    assert s.numbers["threshold_over_v3"] == pytest.approx(1e26 / (6 * 37e9 * 14.8e12))
    assert s.numbers["llama_over_v3_hours"] == pytest.approx(30.84 / 2.788)
    assert s.numbers["h800_legal_days"] == (pd.Timestamp("2023-10-17") - pd.Timestamp("2023-03-21")).days
    assert s.numbers["sg_over_fund"] == pytest.approx(500 / 8.2)
    assert (s.numbers["h20_expected_bn"], s.numbers["h20_taken_bn"]) == (5.5, 4.5)
    assert s.value("h20_notice_day") == "9 April 2025"


def test_new_facts_carry_status_reliability_and_a_link() -> None:
    for fid in ("GEO-B10", "GEO-B11", "GEO-B12", "GEO-B13", "GEO-B14"):
        f = facts.fact(fid)
        assert f.source_url.startswith("https://") and f.status == "fact" and f.reliability
    assert facts.fact("GEO-B10").reliability == "Primary"


def test_the_controls_chart_marks_v3_r1_and_the_crash() -> None:
    marks = G.story_marks().set_index("label")
    assert [f"{d:%Y-%m-%d}" for d in marks["date"]] == ["2024-12-26", "2025-01-20", "2025-01-27"]
    spec = str(G.controls(G.Params()).figures["fig-geo-controls-chart"].chart.to_dict())
    assert "'V3'" in spec and "'R1'" in spec and "'27 Jan'" in spec


def test_the_wider_reaction() -> None:
    s = G.the_wider_reaction(G.Params())
    assert s.value("ban_date") == "4 February 2025" and s.value("doubao_month") == "January 2025"


def test_did_any_step_move_the_stocks_like_deepseek() -> None:
    s = G.reactions(G.Params())
    amd, nvda = _raw("AMD"), _raw("NVDA")
    # AMD's first session after the rule of 7 October 2022 (a Friday; New York traded that day)
    assert s.numbers["worst_step_pct"] == pytest.approx((amd["2022-10-07"] / amd["2022-10-06"] - 1) * 100)
    assert s.value("worst_step_name") == "AMD" and s.value("worst_step_date") == "7 October 2022"
    assert s.numbers["nvda_shock_pct"] == pytest.approx((nvda["2025-01-27"] / nvda["2025-01-24"] - 1) * 100)
    assert s.value("worst_vs_shock") == ("smaller" if abs(s.numbers["worst_step_pct"]) < abs(s.numbers["nvda_shock_pct"])
                                         else "larger")


def test_rule1_where_follows_the_long_view() -> None:
    rule1 = pd.Timestamp("2022-10-07")
    assert G.rule1_where(rule1, "2023-01-03").startswith("comes before the long view")
    assert G.rule1_where(rule1, "2022-01-03") == "falls inside the long view"
    assert G.rule1_where(pd.Timestamp("2019-01-01"), "2022-01-03").startswith("comes before the book's price data")
