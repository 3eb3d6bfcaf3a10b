"""Tests for shockbook.chapters.ch5_geopolitics: policy timeline, market-calendar reactions, chip specs, rule tests."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from shockbook.chapters import ch5_geopolitics as G
from shockbook.data import facts


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
    assert math.isnan(s.loc[("H800", "mem_bw"), "value"]) and s.loc[("H800", "mem_bw"), "basis"] == "no source in the book"
    assert s.loc[("H800", "bf16"), "basis"].startswith("same as H100")
    assert s.loc[("H20", "bf16"), "value"] == 148 and s.loc[("H20", "memory"), "value"] == 96
    assert s.loc[("H20", "bf16"), "pct_of_h100"] == pytest.approx(148 / 989 * 100)
    assert (s["confidence"] == "MEDIUM").all()


def test_rule_tests() -> None:
    rt = G.rule_tests(G.gpu_specs()).set_index("chip")
    assert rt.loc["H100", "tpp"] == 1979 * 8
    assert rt.loc["H100", "rule_2022"] == "caught" and rt.loc["H800", "rule_2022"] == "not caught"
    assert rt.loc["H800", "rule_2023"] == "caught"
    assert rt.loc["H20", "rule_2023"].startswith("cannot tell")
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
    G.check_parameters(**GOOD)


@pytest.mark.parametrize("name, value, message", [
    ("compare_tickers", [], "non-empty list"),
    ("compare_tickers", ["NVDAX"], "unknown ticker"),
    ("compare_tickers", ["NVDA"] * 12, "at most"),
    ("start_date", "2019-01-01", "must lie between 2019-05-16 and 2026-08-21"),
    ("end_date", "2023-02-01", "at least 90 days"),
    ("end_date", "soon", "not a date"),
    ("reaction_sessions", 0, r"reaction_sessions must be in \[1, 60\] trading days"),
    ("reaction_sessions", 5.0, "whole number"),
    ("us_series", ["^HSI"], "not in New York"),
    ("china_series", ["NVDA"], "Hong Kong"),
])
def test_parameters_reject_bad_values(name, value, message) -> None:
    with pytest.raises(ValueError, match=message):
        G.check_parameters(**{**GOOD, name: value})
