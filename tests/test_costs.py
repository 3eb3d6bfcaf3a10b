"""Tests for shockbook.analysis.costs: the V3 cost rebuilt, cluster days, API price ratios, fleet economics."""
from __future__ import annotations

import ast
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shockbook.analysis import costs as C
from shockbook.data.facts import fact

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------------------- training cost

def test_v3_cost_rebuilt_exactly_from_parts() -> None:
    df = C.v3_cost_breakdown().set_index("stage")
    # 2,664K + 119K + 5K GPU-hours = 2.788M (CST-01)
    assert df.loc[["pre-training", "context extension", "post-training"], "gpu_hours"].sum() == 2_788_000
    assert df.loc["total", "gpu_hours"] == df.loc["total", "reported_gpu_hours"] == 2_788_000
    # x $2 = $5,576,000 exactly, stage by stage and in total
    assert df.loc["total", "cost_usd"] == 5_576_000
    assert (df["cost_usd"].round(2) == df["reported_cost_usd"].round(2)).all()
    assert df.loc["pre-training", "cost_usd"] == 5_328_000
    assert df.loc["context extension", "cost_usd"] == 238_000
    assert df.loc["post-training", "cost_usd"] == 10_000
    assert round(df.loc["total", "cost_usd"] / 1e6, 3) == fact("CST-06").value


def test_v3_cost_at_another_rate() -> None:
    df = C.v3_cost_breakdown(3.0).set_index("stage")
    assert df.loc["total", "cost_usd"] == 2_788_000 * 3.0
    assert df.loc["total", "reported_cost_usd"] == 5_576_000  # what DeepSeek reported does not move


def test_training_cost_default_rate_is_the_fact() -> None:
    assert C.default_rate_usd_per_gpu_hour() == fact("CST-05").value == 2.0
    assert C.training_cost_usd(1_000) == 2_000
    assert C.training_cost_usd(1_000, 2.5) == 2_500


def test_r1_rl_stage() -> None:
    r1 = C.r1_rl_cost_check()
    assert r1["gpu_hours"] == 147_000
    assert r1["cost_usd"] == r1["reported_cost_usd"] == 294_000


def test_cluster_days_check() -> None:
    df = C.v3_cluster_days_check(claimed_days=55).set_index("basis")
    whole = df.loc["whole run, all stages"]
    pre = df.loc["pre-training only"]
    pace = df.loc["report's pace: days per trillion tokens x tokens"]
    assert whole["days"] == pytest.approx(2_788_000 / 2048 / 24) == pytest.approx(56.72, abs=0.01)
    assert pre["days"] == pytest.approx(54.20, abs=0.01)
    assert pace["days"] == pytest.approx(3.7 * 14.8)
    # the articles' 55 days matches pre-training (and the report's pace), not the whole run
    assert abs(pre["gap_days"]) < 1 and abs(pace["gap_days"]) < 0.5
    assert whole["gap_days"] == pytest.approx(1.72, abs=0.01)
    assert whole["claimed_gpu_hours"] == 2048 * 55 * 24 == 2_703_360


def test_cluster_days_without_claim() -> None:
    df = C.v3_cluster_days_check()
    assert list(df.columns) == ["basis", "facts", "gpu_hours", "gpus", "days"]
    assert len(df) == 3


def test_cluster_days_round_trip() -> None:
    assert C.cluster_days(C.gpu_hours_for(2048, 57), 2048) == pytest.approx(57)


def test_tokens_per_gpu_hour() -> None:
    t = C.v3_pretraining_throughput()
    assert t["tokens_per_gpu_hour"] == pytest.approx(14.8e12 / 2.664e6)
    assert t["tokens_per_gpu_hour"] == pytest.approx(t["tokens_per_gpu_hour_report"])
    assert t["gpu_hours_per_trillion_tokens"] == pytest.approx(180_000)
    assert C.tokens_per_gpu_hour(1e6, 2) == 5e5


def test_place_training_cost_claim() -> None:
    p = C.place_training_cost_claim(6e6)  # "under $6M" in the articles
    assert p["ratio_to_v3_run"] == pytest.approx(6 / 5.576)
    assert p["implied_gpu_hours"] == 3e6
    assert p["implied_days_on_v3_cluster"] == pytest.approx(3e6 / 2048 / 24)
    assert p["v3_plus_r1_rl_usd"] == 5_870_000  # still under $6M with R1's RL stage


def test_llama_ratio() -> None:
    assert C.llama_gpu_hours_ratio() == pytest.approx(30.84 / 2.788)


def test_epoch_comparison() -> None:
    df = C.epoch_comparison().set_index("model")
    assert df.loc["DeepSeek-V3", "compute_ratio"] == 1
    ratios = fact("CST-41")  # derived: Llama405B/V3 = 11.2; GPT-4/V3 = 6.2
    assert round(df.loc["Llama 3.1-405B", "compute_ratio"], 1) == ratios.number(0)
    assert round(df.loc["GPT-4 (Mar 2023)", "compute_ratio"], 1) == ratios.number(1)
    assert df.loc["DeepSeek-V3", "cost_amortised_usd"] == fact("CST-15").scaled()
    assert df.attrs["credit"] == "Data: Epoch AI"
    with pytest.raises(ValueError, match="reference must be one of"):
        C.epoch_comparison("GPT-5")


# ---------------------------------------------------------------------------- API prices

def test_r1_vs_o1_ratios() -> None:
    df = C.r1_vs_o1().set_index("price")
    assert df.loc["cache_hit", "ratio"] == pytest.approx(7.50 / 0.14)   # 53.6x
    assert df.loc["cache_miss", "ratio"] == pytest.approx(15 / 0.55)    # 27.3x
    assert df.loc["output", "ratio"] == pytest.approx(60 / 2.19)        # 27.4x
    assert round(df.loc["output", "ratio"], 1) == fact("CST-29").value  # the derived fact agrees
    assert df.loc["output", "percent_cheaper"] == pytest.approx(96.35)


def test_one_thirtieth_and_98_percent() -> None:
    # "1/30": about 10% more than the measured ~27x for uncached input and output
    thirty = C.match_price_claim(ratio=30).set_index("price")
    assert thirty.loc["output", "claim_vs_measured"] == pytest.approx(30 / (60 / 2.19))
    assert 1.05 < thirty.loc["cache_miss", "claim_vs_measured"] < 1.15
    # "98% cheaper" ($0.14 vs $7.50) is the cache-hit comparison: 98.1%
    ninety_eight = C.match_price_claim(percent_cheaper_claim=98).set_index("price")
    assert round(ninety_eight.loc["cache_hit", "percent_cheaper"]) == 98
    assert ninety_eight["claimed_ratio"].iloc[0] == pytest.approx(50)
    with pytest.raises(ValueError, match="exactly one"):
        C.match_price_claim()
    with pytest.raises(ValueError, match="exactly one"):
        C.match_price_claim(ratio=30, percent_cheaper_claim=98)


def test_percent_and_ratio_conversions() -> None:
    assert C.ratio_from_percent_cheaper(98) == pytest.approx(50)
    assert C.ratio_from_percent_cheaper(90) == pytest.approx(10)
    assert C.percent_cheaper_from_ratio(30) == pytest.approx(96.667, abs=1e-3)
    assert C.percent_cheaper(0.14, 7.5) == pytest.approx(98.133, abs=1e-3)
    assert C.price_ratio(60, 2.19) == pytest.approx(27.397, abs=1e-3)


def test_v3_price_change() -> None:
    df = C.v3_price_change().set_index("price")
    assert df.loc["cache_hit", "increase_ratio"] == pytest.approx(0.07 / 0.014)
    assert df.loc["cache_miss", "increase_ratio"] == pytest.approx(0.27 / 0.14)
    assert df.loc["output", "increase_ratio"] == pytest.approx(1.10 / 0.28)


def test_o3_mini() -> None:
    df = C.o3_mini_comparison()
    vs_o1 = df[df["comparison"] == "o3-mini vs o1"].set_index("price")
    assert round(vs_o1.loc["output", "percent_cheaper"]) == 93  # "about 93% below o1" (RSP-18)
    vs_r1 = df[df["comparison"] == "R1 vs o3-mini"].set_index("price")
    assert vs_r1.loc["output", "ratio"] == pytest.approx(4.40 / 2.19)


def test_price_table_reads_facts_in_their_order() -> None:
    p = C.api_prices().set_index("key")
    assert tuple(p.loc["o1", ["cache_hit", "cache_miss", "output"]]) == (7.5, 15, 60)
    assert tuple(p.loc["V3", ["cache_hit", "cache_miss", "output"]]) == (0.07, 0.27, 1.10)
    assert tuple(p.loc["o3-mini", ["cache_hit", "cache_miss", "output"]]) == (0.55, 1.10, 4.40)
    assert math.isnan(p.loc["Gemini 2.0 Flash", "cache_hit"])
    assert (p.loc[p.index != "Gemini 2.0 Flash", "cache_hit"] <= p.loc[p.index != "Gemini 2.0 Flash", "cache_miss"]).all()
    with pytest.raises(ValueError, match="key must be one of"):
        C.api_price("o5")


def test_task_cost() -> None:
    m = 1_000_000
    assert C.task_cost_usd(m, 0, 0.0, "R1") == pytest.approx(0.55)
    assert C.task_cost_usd(m, 0, 1.0, "R1") == pytest.approx(0.14)
    assert C.task_cost_usd(0, m, 0.0, "R1") == pytest.approx(2.19)
    assert C.task_cost_usd(m, m, 0.5, "o1") == pytest.approx(0.5 * 7.5 + 0.5 * 15 + 60)
    # no listed cache price: cached input is charged at the input price
    assert C.task_cost_usd(m, 0, 1.0, "Gemini 2.0 Flash") == pytest.approx(0.10)
    df = C.task_costs(2_000, 8_000, 0.5).set_index("key")
    assert df.loc["o1", "cost_usd"] / df.loc["R1", "cost_usd"] == pytest.approx(
        (2_000 * (0.5 * 7.5 + 0.5 * 15) + 8_000 * 60) / (2_000 * (0.5 * 0.14 + 0.5 * 0.55) + 8_000 * 2.19))
    assert df["times_cheapest"].min() == 1


def test_deepseek_day_rebuilt() -> None:
    d = C.deepseek_day_check()
    mix = C.deepseek_day_mix()
    assert (mix["input_tokens"], mix["output_tokens"]) == (608e9, 168e9)
    assert mix["cache_hit_share"] == pytest.approx(0.563)
    # 56.3% is rounded, so the rebuilt revenue is within 0.01% of DeepSeek's $562,027
    assert d["revenue_at_r1_prices_usd"] == pytest.approx(d["reported_revenue_usd"], rel=1e-4)
    assert round(d["margin_pct"]) == d["reported_margin_pct"] == 545
    assert C.theoretical_margin_pct(562_027, 87_072) == pytest.approx(545.48, abs=0.01)


# ---------------------------------------------------------------------------- validation

BAD_GPU_HOURS = [-1, 0, NAN, INF, 1e11, "2.788M", None, True]


@pytest.mark.parametrize("bad", BAD_GPU_HOURS)
def test_training_cost_rejects_bad_gpu_hours(bad) -> None:
    with pytest.raises(ValueError, match=r"gpu_hours must be .*\(0, 10,000,000,000\] GPU-hours"):
        C.training_cost_usd(bad)


@pytest.mark.parametrize("bad", [-2, 0, NAN, 500])
def test_training_cost_rejects_bad_rate(bad) -> None:
    with pytest.raises(ValueError, match=r"rate_usd_per_gpu_hour must be .*\(0, 100\] USD per GPU-hour"):
        C.training_cost_usd(1e6, bad)
    with pytest.raises(ValueError, match="rate_usd_per_gpu_hour"):
        C.v3_cost_breakdown(bad)


@pytest.mark.parametrize("call,param", [
    (lambda: C.cluster_days(1e6, 0), "gpus"),
    (lambda: C.cluster_days(1e6, -2048), "gpus"),
    (lambda: C.gpu_hours_for(2048, 5000), "days"),
    (lambda: C.v3_cluster_days_check(claimed_days=-55), "claimed_days"),
    (lambda: C.tokens_per_gpu_hour(-1, 10), "tokens"),
    (lambda: C.task_cost_usd(1000, 1000, 1.5), "cache_hit_share"),
    (lambda: C.task_cost_usd(1000, 1000, -0.1), "cache_hit_share"),
    (lambda: C.task_cost_usd(-1000, 1000, 0.5), "input_tokens"),
    (lambda: C.task_cost_usd(1000, NAN, 0.5), "output_tokens"),
    (lambda: C.task_cost_usd(0, 0, 0.5), "cannot both be 0"),
    (lambda: C.fleet_purchase_cost_usd(50_000, 0), "unit_price_usd"),
    (lambda: C.fleet_purchase_cost_usd(50_000, 5e6), "unit_price_usd"),
    (lambda: C.fleet_purchase_cost_usd(50_000, 25_000, 0.5), "overhead_multiplier"),
    (lambda: C.fleet_purchase_cost_usd(1e9, 25_000), "gpus"),
    (lambda: C.fleet_rental_cost_usd(50_000, 2, 8760, 0), "utilisation"),
    (lambda: C.fleet_rental_cost_usd(50_000, 2, 8760, 1.2), "utilisation"),
    (lambda: C.fleet_rental_cost_usd(50_000, 2, -1), "hours"),
    (lambda: C.fleet_rental_cost_usd(50_000, 2, 1e6), "hours"),
    (lambda: C.breakeven_rental_hours(25_000, 0), "rate_usd_per_gpu_hour"),
    (lambda: C.implied_unit_price_usd(-1.3e9, 50_000), "total_usd"),
    (lambda: C.implied_gpu_count(1.3e9, NAN), "unit_price_usd"),
    (lambda: C.place_fleet_claim(1.3e9, gpus=0), "gpus"),
    (lambda: C.place_training_cost_claim(0), "claimed_usd"),
    (lambda: C.ratio_from_percent_cheaper(100), "pct"),
    (lambda: C.percent_cheaper_from_ratio(-3), "ratio"),
    (lambda: C.price_ratio(60, 0), "cheap"),
    (lambda: C.run_share_of_fleet(2.788e6, 0), "fleet_gpus"),
    (lambda: C.theoretical_margin_pct(1, -5), "cost_usd"),
    (lambda: C.sensitivity_grid(gpus=[2048, -1]), "gpus"),
    (lambda: C.sensitivity_grid(utilisation=[0.5, 2]), "utilisation"),
    (lambda: C.sensitivity_grid(unit_price_usd=[]), "unit_price_usd"),
    (lambda: C.sensitivity_grid(rental_rate_usd_per_gpu_hour=[NAN]), "rental_rate_usd_per_gpu_hour"),
    (lambda: C.place_on_grid(C.sensitivity_grid(), 1.3e9, column="nope"), "column"),
])
def test_bad_inputs_name_the_parameter(call, param: str) -> None:
    with pytest.raises(ValueError, match=param) as err:
        call()
    if param != "cannot both be 0" and param != "column":
        assert "must be" in str(err.value) and "got" in str(err.value)


# ---------------------------------------------------------------------------- fleet economics

def test_fleet_costs() -> None:
    assert C.fleet_purchase_cost_usd(50_000, 25_000) == 1.25e9
    assert C.fleet_purchase_cost_usd(50_000, 25_000, 1.5) == 1.875e9
    assert C.fleet_rental_cost_usd(2048, 2, 24 * 57) == 2048 * 2 * 24 * 57
    assert C.fleet_rental_cost_usd(100, 2, 1000, 0.5) == 100_000
    assert C.breakeven_rental_hours(25_000, 2) == 12_500
    assert C.run_share_of_fleet(2.788e6, 50_000) == pytest.approx(2.788e6 / (50_000 * 8760))


def test_grid_defaults_come_from_facts() -> None:
    d = C.grid_defaults()
    assert d["gpus"] == (2048, 10_000, 50_000)
    assert d["unit_price_usd"] == (25_000, 30_000)
    assert sorted(d["rental_rate_usd_per_gpu_hour"]) == [2.0, 2.2, 2.4, 2.99]
    assert "CST-42" in d["sources"]["unit_price_usd"] and "none in facts" in d["sources"]["utilisation"]


def test_grid_shape() -> None:
    g = C.sensitivity_grid()
    assert g.shape == (3 * 2 * 1 * 4, len(C.GRID_COLUMNS))
    assert list(g.columns) == list(C.GRID_COLUMNS)
    assert not g.isna().any().any()
    g2 = C.sensitivity_grid(gpus=[1000, 2048, 2048, 50_000], unit_price_usd=25_000,
                            utilisation=[0.25, 0.5, 1.0], rental_rate_usd_per_gpu_hour=[1.5, 2, 3],
                            hours=24 * 57, overhead_multiplier=1.3)
    assert g2.shape == (3 * 1 * 3 * 3, len(C.GRID_COLUMNS))  # duplicate 2048 dropped
    assert (g2["hours"] == 24 * 57).all() and (g2["overhead_multiplier"] == 1.3).all()
    assert g2.attrs["sources"]["gpus"] == "reader's value"
    assert g2.attrs["sources"]["unit_price_usd"] == "reader's value"
    combos = set(itertools.product([1000, 2048, 50_000], [25_000], [0.25, 0.5, 1.0], [1.5, 2, 3]))
    assert set(map(tuple, g2[["gpus", "unit_price_usd", "utilisation", "rental_rate_usd_per_gpu_hour"]]
                   .to_numpy().tolist())) == combos


def _increasing(g: pd.DataFrame, value: str, axis: str, strict: bool = True) -> bool:
    others = [c for c in ("gpus", "unit_price_usd", "utilisation", "rental_rate_usd_per_gpu_hour") if c != axis]
    for _, grp in g.groupby(others):
        v = grp.sort_values(axis)[value].to_numpy()
        d = np.diff(v)
        if (strict and not (d > 0).all()) or (not strict and not (d >= 0).all()):
            return False
    return True


def test_grid_monotonic() -> None:
    g = C.sensitivity_grid(gpus=[1000, 2048, 10_000, 50_000], unit_price_usd=[20_000, 25_000, 30_000],
                           utilisation=[0.3, 0.6, 1.0], rental_rate_usd_per_gpu_hour=[1.5, 2.0, 2.99])
    assert _increasing(g, "purchase_cost_usd", "gpus")
    assert _increasing(g, "purchase_cost_usd", "unit_price_usd")
    assert _increasing(g, "rental_cost_usd", "gpus")
    assert _increasing(g, "rental_cost_usd", "utilisation")
    assert _increasing(g, "rental_cost_usd", "rental_rate_usd_per_gpu_hour")
    assert _increasing(g, "breakeven_years", "unit_price_usd")
    assert not _increasing(g, "breakeven_years", "rental_rate_usd_per_gpu_hour", strict=False)  # it falls
    # purchase cost does not depend on how the fleet would be rented
    assert g.groupby(["gpus", "unit_price_usd"])["purchase_cost_usd"].nunique().eq(1).all()


def test_place_1_3_billion() -> None:
    # the blog's "$1.3B if the 50,000 H100s exist": $26,000 a GPU, inside the $25-30k range
    p = C.place_fleet_claim(1.3e9)
    assert p["gpus"] == 50_000
    assert p["implied_unit_price_usd"] == 26_000
    assert p["within_price_range"] is True
    assert p["purchase_cost_range_usd"] == (1.25e9, 1.5e9)
    assert p["rental_years_equivalent"] == pytest.approx(1.3e9 / (50_000 * 2 * 8760))
    assert p["multiple_of_v3_run"] == pytest.approx(1.3e9 / 5.576e6)
    top = C.place_on_grid(C.sensitivity_grid(), 1.3e9).iloc[0]
    assert (top["gpus"], top["unit_price_usd"]) == (50_000, 25_000)
    assert top["claim_ratio"] == pytest.approx(1.04)
    assert C.implied_gpu_count(1.3e9, 26_000) == pytest.approx(50_000)


def test_run_vs_fleet() -> None:
    df = C.run_vs_fleet().set_index("item")
    assert df.loc["V3 training run (rented GPU-hours)", "low_x_v3_run"] == 1
    assert df.loc["buying Wang's claimed 50,000 H100s", "status"] == "claim"
    assert df.loc["SemiAnalysis: server capex", "status"] == "estimate"
    assert df.loc["SemiAnalysis: server capex", "low_usd"] == 1.6e9
    assert df.loc["buying the 2,048 V3 GPUs at H100 prices", "low_usd"] == 2048 * 25_000
    hardware = df.drop(index=["V3 training run (rented GPU-hours)", "R1 reinforcement-learning stage"])
    assert (hardware["low_x_v3_run"] > 9).all()
    assert (df["high_usd"] >= df["low_usd"]).all()


# ---------------------------------------------------------------------------- no typed-in defaults

ALLOWED_LITERALS = {0, 1, 2, 3, 12, 24, 100, 365, 3600, 1000, 1_000_000, 1e12, 1e-6}  # indices, calendar, unit conversions, a float tolerance


def test_no_fact_values_typed_into_costs() -> None:
    """Numbers in costs.py are indices, calendar/unit conversions or the validation LIMITS table."""
    tree = ast.parse(Path(C.__file__).read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "LIMITS" for t in targets):
                skip |= {id(n) for n in ast.walk(node)}
    found = {n.value for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, (int, float))
             and not isinstance(n.value, bool) and id(n) not in skip}
    assert found <= ALLOWED_LITERALS, sorted(found - ALLOWED_LITERALS)


# ---------------------------------------------------------------------------- chapter 2 and 3 additions

def test_run_cost_summary_defaults_to_v3() -> None:
    s = C.run_cost_summary()
    assert s["cost_usd"] == 5_576_000
    assert s["x_v3_gpu_hours"] == s["x_v3_reported_cost"] == 1.0
    assert s["days"] == pytest.approx(2_788_000 / 2048 / 24)
    s3 = C.run_cost_summary(1_000_000, 3.0, 1000)
    assert s3["cost_usd"] == 3_000_000 and s3["days"] == pytest.approx(1_000_000 / 1000 / 24)


def test_r1_rl_hours_agree_with_cost_table() -> None:
    df = C.r1_rl_hours_check().set_index("stage")
    assert df.loc["R1-Zero", "gpu_hours"] == 198 * 512  # ~101K in DeepSeek's table
    assert df.loc["R1", "gpu_hours"] == 80 * 512  # ~41K
    assert df.attrs["reported_total_gpu_hours"] == 147_000
    assert 0 < df.attrs["rest_gpu_hours"] < 10_000  # the 5K SFT-data step plus rounding


def test_epoch_costs_long() -> None:
    long = C.epoch_costs_long()
    assert set(long["definition"]) == set(C.EPOCH_DEFINITIONS.values())
    assert (long["cost_usd"] > 0).all() and long["compute_flop"].notna().all()
    v3 = long[long["model"] == "DeepSeek-V3"]
    assert list(v3["definition_key"]) == ["cost_amortised_usd"]  # Epoch gives V3 only the amortised cost
    assert v3["cost_usd"].iloc[0] == pytest.approx(fact("CST-15").value * 1e6)
    counts = C.epoch_definition_counts()
    assert sum(counts.values()) == len(long)


def test_task_cost_by_mix_ends_and_monotone() -> None:
    mix = C.task_cost_by_mix(10_000, 0.0, ("R1", "o1"), 4)
    r1 = mix[mix["key"] == "R1"].reset_index(drop=True)
    assert len(r1) == 5
    assert r1.loc[0, "cost_usd"] == pytest.approx(10_000 * 0.55 / 1e6)
    assert r1.loc[4, "cost_usd"] == pytest.approx(10_000 * 2.19 / 1e6)
    assert r1["cost_usd"].is_monotonic_increasing
    o1 = mix[mix["key"] == "o1"]["cost_usd"].to_numpy()
    assert o1[-1] / r1["cost_usd"].iloc[-1] == pytest.approx(60 / 2.19)


@pytest.mark.parametrize("call, name", [
    (lambda: C.task_cost_by_mix(0, 0.0, ["R1"], 4), "total_tokens"),
    (lambda: C.task_cost_by_mix(-5, 0.0, ["R1"], 4), "total_tokens"),
    (lambda: C.task_cost_by_mix(100, 0.0, ["R1"], 0), "steps"),
    (lambda: C.task_cost_by_mix(100, 0.0, ["R1"], 2.5), "steps"),
    (lambda: C.task_cost_by_mix(100, 1.5, ["R1"], 4), "cache_hit_share"),
    (lambda: C.task_cost_by_mix(100, 0.0, ["nope"], 4), "key"),
    (lambda: C.run_cost_summary(-1), "gpu_hours"),
    (lambda: C.run_cost_summary(rate_usd_per_gpu_hour=0), "rate_usd_per_gpu_hour"),
    (lambda: C.cost_over_time(100, 25_000, [2.0], 0), "years"),
    (lambda: C.cost_over_time(100, 25_000, [2.0], 11), "years"),
    (lambda: C.cost_over_time(100, 25_000, [], 4), "rates"),
    (lambda: C.cost_over_time(100, 25_000, [2.0], 4, steps_per_year=0), "steps_per_year"),
    (lambda: C.cost_over_time(100, -1, [2.0], 4), "unit_price_usd"),
    (lambda: C.cost_over_time(100, 25_000, [2.0], 4, utilisation=0), "utilisation"),
])
def test_new_functions_reject_bad_inputs(call, name) -> None:
    with pytest.raises(ValueError, match=name):
        call()


def test_semianalysis_fleet_sums_to_total() -> None:
    sa = C.semianalysis_fleet().set_index("gpu")
    assert list(sa.index) == ["H800", "H100", "H20"]
    assert sa["count"].sum() == fact("SKP-03").value == 50_000
    assert sa.loc["H20", "count"] == 30_000  # the implied remainder
    assert set(sa["status"]) == {"estimate"}


def test_fleet_scenarios_statuses() -> None:
    fl = C.fleet_scenarios()
    by = fl.groupby("fleet")["status"].first()
    assert by["Alexandr Wang's claim"] == "claim"
    assert by["DeepSeek-V3's training cluster (disclosed)"] == "fact"
    assert fl.loc[fl["fleet"] == "DeepSeek-V3's training cluster (disclosed)", "count"].item() == 2048
    assert fl.loc[fl["fleet"].str.startswith("R1"), "count"].item() == 512


def test_semianalysis_capex_per_gpu() -> None:
    c = C.semianalysis_capex_per_gpu()
    assert c["capex_per_gpu_usd"] == pytest.approx(1.6e9 / 50_000)
    assert c["register_per_gpu_usd"] == pytest.approx(51e6 / 2048)
    assert c["h100_price_low_usd"] < c["capex_per_gpu_usd"]  # servers add to the GPU price


def test_cost_over_time_breakeven() -> None:
    df = C.cost_over_time(1000, 17_520, [2.0], 2, steps_per_year=2)
    buy = df[df["option"] == "buy"]["cost_usd"]
    assert (buy == 17_520_000).all()
    rent = df[df["option"] != "buy"].set_index("years")["cost_usd"]
    # $17,520 / ($2 x 8,760 h) = exactly one year to break even
    assert rent.loc[1.0] == pytest.approx(17_520_000)
    assert rent.loc[0.0] == 0
    half = C.cost_over_time(1000, 17_520, [2.0], 2, utilisation=0.5, steps_per_year=1)
    assert half[half["option"] != "buy"].set_index("years").loc[2.0, "cost_usd"] == pytest.approx(17_520_000)


# ---------------------------------------------------------------------------- shared by chapters 2 and 3

def test_claimed_values_from_the_ledger() -> None:
    assert C.claimed("C94") == 1.3
    assert C.claimed("C86") == 6
    assert C.claimed("C71") == 98  # stored as -98 percent
    assert C.claimed("C20") == 30
    assert C.claimed_range("C91") == (5, 10)
    with pytest.raises(ValueError, match="claim_id"):
        C.claimed("C9999")
    with pytest.raises(ValueError, match="not a number"):
        C.claimed("C63")  # a date


def test_epoch_dollar_year_is_read_from_the_column_name() -> None:
    assert C.epoch_dollar_year() == "2023"


def test_weakest_status_ranks_claim_last() -> None:
    assert C.weakest_status(["fact", "estimate"]) == "estimate"
    assert C.weakest_status(["disputed", "fact"]) == "disputed"
    assert C.weakest_status(["estimate", "claim", "fact"]) == "claim"


def test_breakeven_years() -> None:
    assert C.breakeven_years(30_000, 2.0, 1.5, 0.5) == pytest.approx(30_000 * 1.5 / (2.0 * 0.5) / (365 * 24))


# ---------------------------------------------------------------------------- issue 15: the economics behind the numbers

def _raw_facts() -> pd.DataFrame:
    from shockbook import paths

    return pd.read_csv(paths.ROOT / "data" / "facts" / "facts.csv").set_index("id")


def test_serving_fleet_from_deepseeks_day() -> None:
    f = C.deepseek_serving_fleet()
    # 226.75 nodes x 8 GPUs x 24 h x $2 = $87,072 (CST-31): the statement's node counts and the value
    raw = _raw_facts().loc["CST-31"]
    assert f["gpus_per_node"] == 8 and "eight-GPU" in raw["statement"]
    assert f["avg_gpus"] * 24 * float(_raw_facts().loc["CST-05", "value"]) == float(raw["value"])
    assert f["peak_gpus"] == 278 * 8 and "(peak 278)" in raw["statement"]


def test_inference_economics_rebuilds_the_545_percent_and_follows_the_rate() -> None:
    e = C.inference_economics()
    assert e["margin_pct"] == pytest.approx(float(str(_raw_facts().loc["CST-32", "value"]).split(";")[1]), abs=0.5)
    dear = C.inference_economics(20.0)
    assert dear["fleet_cost_usd"] == pytest.approx(e["fleet_cost_usd"] * 10)
    assert dear["margin_pct"] == pytest.approx((e["revenue_usd"] / (e["fleet_cost_usd"] * 10) - 1) * 100)
    assert dear["margin_pct"] < 0 < e["margin_pct"]


def test_epoch_rl_gap() -> None:
    g = C.epoch_rl_gap()
    assert g["implied_rl_usd"] == pytest.approx((6.77 - 5.39) * 1e6)  # CST-16 part 2 minus CST-15
    assert g["x_disclosed"] == pytest.approx(g["implied_rl_usd"] / 294_000)


def test_benchmark_scores_map_each_value_to_its_model() -> None:
    s = C.benchmark_scores()
    raw = _raw_facts()
    mmlu = [float(x) for x in raw.loc["CST-B01", "value"].split(";")]
    assert s.loc["GPT-4o", "MMLU"] == mmlu[0] and s.loc["DeepSeek-R1", "MMLU"] == mmlu[3]
    assert s.loc["Llama 3.1 405B", "MATH-500"] == float(raw.loc["CST-B04", "value"].split(";")[1])
    assert s.loc["Claude 3.5 Sonnet", "Codeforces"] == float(raw.loc["CST-B11", "value"].split(";")[0])
    assert np.isnan(s.loc["Llama 3.1 405B", "Codeforces"])
    gaps = C.score_gaps("DeepSeek-R1", "OpenAI o1")
    assert gaps["MMLU"] == pytest.approx(mmlu[3] - mmlu[2]) and len(gaps) == 4


def test_capability_and_cost_joins_epoch_and_prices() -> None:
    cc = C.capability_and_cost()
    assert cc.loc["DeepSeek-V3", "training_cost_usd"] == pytest.approx(5.39e6)
    assert np.isnan(cc.loc["OpenAI o1", "training_cost_usd"])  # Epoch gives no cost for o1
    assert cc.loc["OpenAI o1", "output_price_usd"] == 60 and np.isnan(cc.loc["Llama 3.1 405B", "output_price_usd"])


def test_chip_prices_and_the_fleet_priced_chip_by_chip() -> None:
    df = C.semianalysis_fleet_priced(2.0).set_index("gpu")
    assert df.loc["H100", "low_usd"] == 25_000 * 2 and df.loc["H800", "low_usd"] == 25_000  # premium on H100s only
    assert (df.loc["H20", "low_usd"], df.loc["H20", "high_usd"]) == (12_000, 15_000)
    assert df["cost_low_usd"].sum() == 10_000 * 25_000 + 10_000 * 50_000 + 30_000 * 12_000
    assert C.china_premiums() == (1.0, 1.5, 2.0)
    with pytest.raises(ValueError, match="china_premium"):
        C.chip_prices(0.5)


def test_owned_gpu_hour_costs() -> None:
    assert C.owned_gpu_hour_usd(27_500, 4, 0.5) == pytest.approx(27_500 / (4 * 8760 * 0.5))
    t = C.semianalysis_tco()
    assert t["horizon_years"] == 4 and t["gpus"] == 60_000  # (1.6B + 0.944B) / 640M a year = 3.98
    assert C.tco_gpu_hour_usd() == pytest.approx((1.6e9 / 4 + 0.944e9 / 4) / (60_000 * 8760))
    assert C.tco_gpu_hour_usd(years=2, utilisation=0.5) == pytest.approx((1.6e9 / 2 + 0.944e9 / 4) / (60_000 * 8760 * 0.5))


def test_fleet_power() -> None:
    assert C.gpu_power_w() == {"H800": 700, "H100": 700, "H20": 400}
    assert C.fleet_power_mw({"H800": 10_000, "H100": 10_000, "H20": 30_000}) == pytest.approx(26.0)


def test_h800_server_price_is_a_ceiling_in_dollars() -> None:
    s = C.h800_server_price_per_gpu_usd()
    assert (s["server_cny"], s["gpus"], s["year"]) == (2e6, 8, 2023)
    assert 6 < s["cny_per_usd"] < 8 and s["per_gpu_usd"] == pytest.approx(2e6 / 8 / s["cny_per_usd"])
