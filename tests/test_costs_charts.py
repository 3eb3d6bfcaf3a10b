"""Tests for shockbook.chapters.ch2_costs: chapters 2 and 3's parameter checks, tables and charts."""
from __future__ import annotations

import ast
import json

import pandas as pd
import pytest

from shockbook import paths
from shockbook.analysis import costs
from shockbook.chapters import ch2_costs as K
from shockbook.data.facts import fact
from shockbook.site import charts

COSTS_OK = dict(rental_rate=2.0, gpu_hours=2_788_000.0, input_tokens=3000, output_tokens=6000,
                cache_hit_share=0.0, tasks=1000)
SKEP_OK = dict(rental_rate=2.0, gpu_unit_price=27_500.0, fleet_size=50_000, utilisation=1.0,
               overhead_multiplier=1.0, years=4.0)


# ---------------------------------------------------------------------------- parameters

def test_parameter_checks_accept_the_defaults() -> None:
    assert K.check_costs_parameters(**COSTS_OK)["rental_rate"] == 2.0
    assert K.check_skepticism_parameters(**SKEP_OK)["fleet_size"] == 50_000


@pytest.mark.parametrize("name, value", [
    ("rental_rate", -1.0), ("rental_rate", 0.0), ("rental_rate", 500.0), ("rental_rate", "3"),
    ("rental_rate", float("nan")), ("gpu_hours", -5.0), ("gpu_hours", 1e12), ("input_tokens", -1),
    ("input_tokens", 2.5), ("output_tokens", 1e9), ("cache_hit_share", 1.5), ("cache_hit_share", -0.1),
    ("tasks", 0), ("tasks", True),
])
def test_costs_parameters_reject_bad_values(name, value) -> None:
    with pytest.raises(ValueError, match=name) as err:
        K.check_costs_parameters(**{**COSTS_OK, name: value})
    assert "\n" not in str(err.value)  # one line for the runner to print


@pytest.mark.parametrize("name, value", [
    ("rental_rate", -2.0), ("rental_rate", 1000.0), ("gpu_unit_price", 0.0), ("gpu_unit_price", 5e6),
    ("fleet_size", 0), ("fleet_size", 10.5), ("fleet_size", 1e9), ("utilisation", 0.0), ("utilisation", 1.2),
    ("overhead_multiplier", 0.5), ("overhead_multiplier", 50.0), ("years", 0.0), ("years", 100.0),
    ("years", None),
])
def test_skepticism_parameters_reject_bad_values(name, value) -> None:
    with pytest.raises(ValueError, match=name):
        K.check_skepticism_parameters(**{**SKEP_OK, name: value})


def test_no_tokens_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="input_tokens and output_tokens"):
        K.check_costs_parameters(**{**COSTS_OK, "input_tokens": 0, "output_tokens": 0})


def _defaults(stem: str) -> dict:
    from shockbook import runner

    return {k: ast.literal_eval(v) for k, v in runner.declared_parameters(paths.CHAPTERS_DIR / f"{stem}.ipynb").items()}


def test_notebook_defaults_are_the_facts() -> None:
    """The parameters cells must hold plain literals; these are the facts they copy."""
    c = _defaults("02_costs")
    assert c["rental_rate"] == fact("CST-05").value
    assert c["gpu_hours"] == costs.v3_total_gpu_hours()
    K.check_costs_parameters(**c)
    s = _defaults("03_skepticism")
    lo, hi = costs.grid_defaults()["unit_price_usd"]
    assert s["rental_rate"] == fact("CST-05").value
    assert s["gpu_unit_price"] == (lo + hi) / 2
    assert s["fleet_size"] == fact("SKP-01").value
    K.check_skepticism_parameters(**s)


# ---------------------------------------------------------------------------- helpers

def test_claimed_values_from_the_ledger() -> None:
    assert K.claimed("C94") == 1.3
    assert K.claimed("C86") == 6
    assert K.claimed("C71") == 98  # stored as -98 percent
    assert K.claimed("C20") == 30
    assert K.claimed_range("C91") == (5, 10)
    with pytest.raises(ValueError, match="claim_id"):
        K.claimed("C9999")
    with pytest.raises(ValueError, match="not a number"):
        K.claimed("C63")  # a date


def test_money_and_badges() -> None:
    assert K.money(1.375e9) == "$1.38B"
    assert K.money(5.576e6) == "$5.6M"
    assert K.money(294_000) == "$294.0K"
    assert K.money(0.5) == "$0.50"
    assert 'status-claim' in K.status_badge("claim")
    with pytest.raises(ValueError, match="status"):
        K.status_badge("rumour")
    assert K.epoch_dollar_year() == "2023"


# ---------------------------------------------------------------------------- chapter 2

def test_buildup_adds_up() -> None:
    b = K.buildup_table(2.0).set_index("item")
    stages = b[b["kind"] == "V3 stage"]
    assert stages["cost_usd"].sum() == b.loc["V3 final training run", "cost_usd"] == 5_576_000
    assert b.loc["V3 run + R1 reinforcement learning", "cost_usd"] == 5_576_000 + 294_000
    assert (b["end_usd"] - b["start_usd"]).round(6).tolist() == b["cost_usd"].round(6).tolist()
    b3 = K.buildup_table(3.0).set_index("item")
    assert b3.loc["V3 final training run", "cost_usd"] == 2_788_000 * 3.0
    assert b3.loc["V3 final training run", "reported_usd"] == 5_576_000


def test_days_table_places_the_55_days() -> None:
    d = K.days_table(55).set_index("basis")
    assert d.loc["pre-training only", "days"] == pytest.approx(54.2, abs=0.05)
    assert abs(d.loc["pre-training only", "gap_days"]) < abs(d.loc["whole run, all stages", "gap_days"])


def test_ratio_table_places_the_articles_phrases() -> None:
    r = K.ratio_table().set_index("tier")
    assert r.loc["output", "ratio"] == pytest.approx(60 / 2.19)
    assert r.loc["output", "vs_one_thirtieth"] == pytest.approx(30 / (60 / 2.19))
    assert r.loc["input, cache hit", "percent_cheaper"] == pytest.approx((1 - 0.14 / 7.5) * 100)
    assert r.loc["input, cache hit", "vs_98_cheaper"] == pytest.approx(50 / (7.5 / 0.14))


def test_task_table_relative_to_r1() -> None:
    t = K.task_table(3000, 6000, 0.0, 1000).set_index("model")
    r1 = costs.api_price("R1").model
    assert t.loc[r1, "x_r1"] == 1
    assert t.loc[r1, "cost_usd"] == pytest.approx((3000 * 0.55 + 6000 * 2.19) / 1e6)
    assert t.loc[r1, "cost_tasks_usd"] == pytest.approx(t.loc[r1, "cost_usd"] * 1000)


def test_epoch_chart_data_carries_deepseeks_own_figure_at_the_rate() -> None:
    d = K.epoch_chart_data(3.0)
    own = d[d["who"] == "DeepSeek's own figure (rented GPU-hours)"]
    assert len(own) == len(costs.EPOCH_DEFINITIONS)
    assert (own["cost_usd"] == 2_788_000 * 3.0).all()
    assert set(d["definition"]) == set(costs.EPOCH_DEFINITIONS.values())


def test_epoch_table_is_relative_to_v3() -> None:
    t = K.epoch_table().set_index("model")
    assert t.loc["DeepSeek-V3", "compute_ratio"] == 1
    assert t.loc["Llama 3.1-405B", "compute_ratio"] == pytest.approx(3.8e25 / 3.4078e24)


# ---------------------------------------------------------------------------- chapter 3

def test_sensitivity_frames_place_the_articles_figures() -> None:
    purchase, rental = K.sensitivity_frames(50_000, 27_500, 2.0, 1.0, 1.0)
    near = purchase[purchase["nearest"]]
    assert len(near) == 1 and near["gpus"].item() == 50_000 and near["unit_price_usd"].item() == 25_000
    at2 = rental[rental["nearest"] & (rental["rental_rate_usd_per_gpu_hour"] == 2.0)]
    assert len(at2) == 1 and at2["gpus"].item() == 2048
    assert at2["rental_cost_usd"].item() == pytest.approx(5_576_000)  # V3's run is on the grid
    assert rental.groupby("rental_rate_usd_per_gpu_hour")["nearest"].sum().eq(1).all()
    assert not rental.duplicated(["gpus", "utilisation", "rental_rate_usd_per_gpu_hour"]).any()


def test_sensitivity_frames_include_the_readers_values() -> None:
    purchase, rental = K.sensitivity_frames(123_456, 31_000, 3.3, 0.4, 1.5)
    assert 123_456 in set(purchase["gpus"]) and 31_000 in set(purchase["unit_price_usd"])
    assert 3.3 in set(rental["rental_rate_usd_per_gpu_hour"]) and 0.4 in set(rental["utilisation"])
    row = purchase[(purchase["gpus"] == 123_456) & (purchase["unit_price_usd"] == 31_000)]
    assert row["purchase_cost_usd"].item() == pytest.approx(123_456 * 31_000 * 1.5)
    t = K.sensitivity_table(purchase, rental, 31_000, 3.3, 0.4).set_index("gpus")
    assert t.loc[123_456, "rent_yours"] == pytest.approx(123_456 * 3.3 * 8760 * 0.4)
    assert t.loc[123_456, "buy_yours"] == pytest.approx(123_456 * 31_000 * 1.5)


def test_statements_table_escapes_and_labels() -> None:
    t = K.statements_table(["SKP-01", "CST-06"])
    assert "status-claim" in t.loc[0, "status"] and "status-fact" in t.loc[1, "status"]
    assert "Mint" in t.loc[0, "source"]
    assert "<script" not in "".join(t["statement"])


# ---------------------------------------------------------------------------- every chart

def _charts() -> dict:
    charts.enable()
    purchase, rental = K.sensitivity_frames(50_000, 27_500, 2.0, 1.0, 1.0)
    mix = costs.task_cost_by_mix(9000, 0.0, K.TASK_KEYS, K.MIX_STEPS)
    return {
        "buildup": K.buildup_chart(K.buildup_table(2.0), 2.0),
        "epoch": K.epoch_chart(K.epoch_chart_data(2.0)),
        "prices": K.prices_chart(K.prices_long()),
        "task": K.task_chart(mix, 2 / 3, 9000, 0.0),
        "fleets": K.fleet_chart(costs.fleet_scenarios()),
        "buyrent": K.buy_rent_chart(costs.cost_over_time(50_000, 27_500, [2.0, 2.99], 4), 1.57),
        "sensitivity": K.sensitivity_chart(purchase, rental, 2.0),
        "runfleet": K.run_vs_fleet_chart(costs.run_vs_fleet()),
    }


def _widths(spec: dict):
    if "width" in spec and isinstance(spec["width"], (int, float)):
        yield spec["width"]
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            yield from _widths(sub)


@pytest.mark.parametrize("name", ["buildup", "epoch", "prices", "task", "fleets", "buyrent", "sensitivity",
                                  "runfleet"])
def test_every_chart_has_title_source_and_fits(name) -> None:
    spec = _charts()[name].to_dict()
    title = spec["title"]
    assert title["text"] and title["subtitle"][-1].startswith("Source: ")
    assert all(w <= charts.WIDTH for w in _widths(spec))
    assert len(json.dumps(spec)) < 60_000  # aggregated data, not a data dump
    assert "tooltip" in json.dumps(spec)


def test_epoch_chart_credits_epoch() -> None:
    spec = _charts()["epoch"].to_dict()
    assert "Data: Epoch AI" in spec["title"]["subtitle"][-1]
    assert any(p.get("bind") for p in spec.get("params", []))  # the cost definition can be picked


def test_buy_rent_chart_without_breakeven_in_range() -> None:
    df = costs.cost_over_time(1000, 25_000, [2.0], 1)
    spec = K.buy_rent_chart(df, 5.0).to_dict()
    assert len(spec["layer"]) == 1  # no break-even rule beyond the horizon
    assert isinstance(pd.DataFrame(df), pd.DataFrame)
