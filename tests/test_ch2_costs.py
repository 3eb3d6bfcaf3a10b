"""Tests for shockbook.chapters.ch2_costs: its Params, each section's numbers, tables and charts.

Expected values are computed here from the raw facts table (data/facts/facts.csv) and Epoch's
CSV, not copied from the chapter's output.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from reruns import MATRIX, Runs, bad_values, number, session_root, text

from shockbook import paths
from shockbook.analysis import costs
from shockbook.chapters import ch2_costs as K
from shockbook.site import charts, outputs
from shockbook.site.usd import money

RAW = pd.read_csv(paths.ROOT / "data" / "facts" / "facts.csv").set_index("id")
EPOCH = pd.read_csv(paths.ROOT / "data" / "facts" / "epoch_models.csv").set_index("Model")


def raw(fid: str, part: int = 0) -> float:
    """Part ``part`` of a fact's value as written ('15; 7.50; 60' -> 7.5 for part 1), digits only."""
    text = str(RAW.loc[fid, "value"]).split(";")[part].strip().split()[0].lstrip("~").replace(",", "")
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}.get(text[-1], 1)
    return float(text.rstrip("KMB")) * scale


P = K.Params()


# ---------------------------------------------------------------------------- parameters

def test_the_defaults_are_the_facts() -> None:
    assert P.rental_rate == raw("CST-05")
    assert P.gpu_hours == raw("CST-01") * 1e6


@pytest.mark.parametrize("name, value", [
    ("rental_rate", -1.0), ("rental_rate", 0.0), ("rental_rate", 500.0), ("rental_rate", "3"),
    ("rental_rate", float("nan")), ("gpu_hours", -5.0), ("gpu_hours", 1e12), ("input_tokens", -1),
    ("input_tokens", 2.5), ("output_tokens", 1e9), ("cache_hit_share", 1.5), ("cache_hit_share", -0.1),
    ("tasks", 0), ("tasks", True),
])
def test_params_reject_bad_values_in_one_line(name, value) -> None:
    with pytest.raises(ValueError, match=name) as err:
        K.Params(**{name: value})
    assert "\n" not in str(err.value)


def test_no_tokens_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="input_tokens and output_tokens"):
        K.Params(input_tokens=0, output_tokens=0)


def test_valid_ranges_are_stated_from_the_limits() -> None:
    rows = {r["name"]: r["valid"] for r in K.Params.table()}
    assert rows["rental_rate"] == "a number above 0 and at most 20 (USD per GPU-hour)"
    assert rows["tasks"] == "a whole number at least 1 and at most 1,000,000,000 (tasks)"


# ---------------------------------------------------------------------------- sections

def test_opening_reads_the_articles_figures() -> None:
    s = K.opening(P)
    assert s.numbers["c86_musd"] == 6  # "under $6 million" (claim C86)
    assert s.numbers["c14_musd"] == pytest.approx(5.576, abs=0.01)


def test_headline_rebuilds_the_run_from_the_stage_facts() -> None:
    stages = raw("CST-02") * 1e3 + raw("CST-03") * 1e3 + raw("CST-04") * 1e3
    s = K.headline(K.Params(rental_rate=3.0))
    assert s.numbers["total_gpuh"] == pytest.approx(stages)
    assert s.numbers["v3_at_rate_musd"] == pytest.approx(stages * 3.0 / 1e6)
    assert s.numbers["v3_at_fact_musd"] == pytest.approx(stages * raw("CST-05") / 1e6)
    assert s.numbers["v3_reported_musd"] == pytest.approx(raw("CST-06"))
    as_of = pd.Timestamp(RAW.loc["CST-01", "as_of"])
    assert s.value("v3_date") == f"{as_of.day} {as_of:%B %Y}"
    assert s.tables["tbl-costs-breakdown-table"].labels["cost_usd"] == "Cost at $3.00/h ($M)"


def test_r1_bill_adds_the_rl_stage() -> None:
    s = K.r1_bill(K.Params(rental_rate=2.5))
    rl_gpuh = raw("CST-18", 0)
    assert s.numbers["rl_gpuh"] == pytest.approx(rl_gpuh)
    assert s.numbers["rl_at_rate_kusd"] == pytest.approx(rl_gpuh * 2.5 / 1e3)
    assert s.numbers["both_at_rate_musd"] == pytest.approx((raw("CST-01") * 1e6 + rl_gpuh) * 2.5 / 1e6)
    assert s.numbers["zero_gpuh"] == pytest.approx(s.numbers["zero_hours"] * s.numbers["rl_gpus"])


def test_consistency_days_and_throughput() -> None:
    s = K.consistency(K.Params(gpu_hours=1_000_000.0, rental_rate=4.0))
    gpus = raw("CST-10")
    assert s.numbers["days_total"] == pytest.approx(raw("CST-01") * 1e6 / gpus / 24)
    assert s.numbers["days_pre"] == pytest.approx(raw("CST-02") * 1e3 / gpus / 24)
    assert s.numbers["tok_per_h"] == pytest.approx(raw("CST-11") * 1e12 / (raw("CST-02") * 1e3))
    assert s.numbers["tok_per_s"] == pytest.approx(s.numbers["tok_per_h"] / 3600)
    assert s.numbers["p_cost_musd"] == pytest.approx(4.0)
    assert s.numbers["p_days"] == pytest.approx(1_000_000 / gpus / 24)
    assert s.numbers["p_gpuh_x"] == pytest.approx(1 / raw("CST-01"))


def test_against_others_from_epochs_csv() -> None:
    s = K.against_others(P)
    comp, cost = EPOCH["Training compute (FLOP)"], EPOCH["Training compute cost (2023 USD)"]
    v3 = "DeepSeek-V3"
    assert s.numbers["llama_x"] == pytest.approx(comp["Llama 3.1-405B"] / comp[v3])
    assert s.numbers["gpt4_cost_x"] == pytest.approx(cost["GPT-4 (Mar 2023)"] / cost[v3])
    assert s.numbers["v3_fpd"] == pytest.approx(comp[v3] / cost[v3])
    bigger = EPOCH[(comp > comp[v3]) & cost.notna() & (EPOCH["Organization"] != "DeepSeek")]
    shares = 100 * cost[v3] / bigger["Training compute cost (2023 USD)"]
    assert s.numbers["share_lo"] == pytest.approx(shares.min())
    assert s.numbers["share_hi"] == pytest.approx(shares.max())
    assert s.numbers["epoch_year"] == "2023"


def test_api_prices_ratios_from_the_price_facts() -> None:
    s = K.api_prices(P)
    r1_out, o1_out = raw("CST-22"), raw("CST-28", 2)
    assert s.numbers["ratio_out"] == pytest.approx(o1_out / r1_out)
    assert s.numbers["pct_hit"] == pytest.approx((1 - raw("CST-20") / raw("CST-28", 1)) * 100)
    r = K.ratio_table().set_index("tier")
    assert r.loc["output", "vs_one_thirtieth"] == pytest.approx(30 / (o1_out / r1_out))


def test_task_cost_from_the_price_facts() -> None:
    s = K.task_cost(K.Params(input_tokens=1000, output_tokens=4000, cache_hit_share=0.5, tasks=10))
    r1 = (500 * raw("CST-20") + 500 * raw("CST-21") + 4000 * raw("CST-22")) / 1e6
    o1 = (500 * raw("CST-28", 1) + 500 * raw("CST-28", 0) + 4000 * raw("CST-28", 2)) / 1e6
    assert s.numbers["t_r1"] == pytest.approx(r1)
    assert s.numbers["t_o1_x"] == pytest.approx(o1 / r1)
    assert s.numbers["t_r1_n"] == pytest.approx(10 * r1)
    assert s.tables["tbl-costs-task-table"].labels["cost_tasks_usd"] == "10 tasks (US$)"


def test_serving_at_the_chapters_rate() -> None:
    s = K.serving(K.Params(rental_rate=20.0))
    gpus = 226.75 * 8  # CST-31's statement: nodes of eight GPUs
    assert "226.75" in RAW.loc["CST-31", "statement"]
    assert s.numbers["srv_cost"] == pytest.approx(gpus * 24 * 20.0)
    assert s.numbers["srv_margin"] == pytest.approx((s.numbers["srv_revenue"] / (gpus * 24 * 20.0) - 1) * 100)
    assert s.value("srv_cover_word") == "below" and s.value("srv_margin_word") == "loss"
    story = K.serving(P)
    assert story.value("srv_cover_word") == "above" and story.value("srv_margin_word") == "profit"
    assert story.numbers["srv_margin"] == pytest.approx(raw("CST-32", 1), abs=0.5)


def test_capability_scores_and_cost_multiples() -> None:
    s = K.capability(P)
    assert s.numbers["cap_v3_mmlu"] == raw("CST-B01", 1) and s.numbers["cap_llama_mmlu"] == raw("CST-B04", 0)
    cost = EPOCH["Training compute cost (2023 USD)"]
    assert s.numbers["cap_llama_cost_x"] == pytest.approx(cost["Llama 3.1-405B"] / cost["DeepSeek-V3"])
    r1 = [raw(f, 3) for f in ("CST-B01", "CST-B02", "CST-B03")] + [raw("CST-B11", 4)]
    o1 = [raw(f, 2) for f in ("CST-B01", "CST-B02", "CST-B03")] + [raw("CST-B11", 3)]
    assert s.numbers["cap_r1_o1_gap"] == pytest.approx(max(abs(a - b) for a, b in zip(r1, o1)))
    assert s.numbers["cap_r1_better"] == sum(a > b for a, b in zip(r1, o1))
    assert s.numbers["cap_o1_price_x"] == pytest.approx(raw("CST-28", 2) / raw("CST-22"))


def test_r1_bill_sets_epochs_rl_guess_against_the_disclosure() -> None:
    s = K.r1_bill(P)
    epoch_r1 = float(str(RAW.loc["CST-16", "value"]).split(";")[1].split()[0])
    assert s.numbers["epoch_rl_musd"] == pytest.approx(epoch_r1 - raw("CST-15"))
    assert s.numbers["epoch_rl_x"] == pytest.approx((epoch_r1 - raw("CST-15")) * 1e6 / raw("CST-18", 1))


def test_output_ratio_scales_openais_reasoning_models_only() -> None:
    s = K.task_cost(K.Params(input_tokens=0, output_tokens=1000, output_ratio=2.0))
    t = s.tables["tbl-costs-task-table"].frame.set_index("model")
    assert s.numbers["t_o1"] == pytest.approx(2000 * raw("CST-28", 2) / 1e6)
    assert s.numbers["t_r1"] == pytest.approx(1000 * raw("CST-22") / 1e6)
    assert t.loc["OpenAI GPT-4o", "cost_usd"] == pytest.approx(1000 * raw("CST-30", 2) / 1e6)  # not scaled
    assert s.value("t_o1_x_word") == "dearer"


def test_articles_shows_only_chapter_two_claims() -> None:
    html = K.articles(P).shown[0].data
    assert "C86" in html and "C93" not in html


# ---------------------------------------------------------------------------- tables and charts

def test_buildup_adds_up() -> None:
    b = K.buildup_table(3.0).set_index("item")
    stages = b[b["kind"] == "V3 stage"]
    assert stages["cost_usd"].sum() == pytest.approx(b.loc["V3 final training run", "cost_usd"])
    assert (b["end_usd"] - b["start_usd"]).round(6).tolist() == b["cost_usd"].round(6).tolist()
    assert b.loc["V3 final training run", "reported_usd"] == pytest.approx(raw("CST-06") * 1e6)


def test_epoch_chart_data_carries_deepseeks_own_figure_at_the_rate() -> None:
    d = K.epoch_chart_data(3.0)
    own = d[d["who"] == "DeepSeek's own figure (rented GPU-hours)"]
    assert len(own) == len(costs.EPOCH_DEFINITIONS)
    assert (own["cost_usd"] == raw("CST-01") * 1e6 * 3.0).all()


def test_money_labels() -> None:
    assert money(1.375e9) == "$1.38B"
    assert money(5.576e6) == "$5.6M"
    assert money(294_000) == "$294.0K"
    assert money(0.5) == "$0.50"


def _charts() -> dict:
    charts.enable()
    mix = costs.task_cost_by_mix(9000, 0.0, K.TASK_KEYS, K.MIX_STEPS)
    return {
        "buildup": K.buildup_chart(K.buildup_table(2.0), 2.0),
        "epoch": K.epoch_chart(K.epoch_chart_data(2.0)),
        "prices": K.prices_chart(K.prices_long()),
        "task": K.task_chart(mix, 2 / 3, 9000, 0.0),
    }


def _widths(spec: dict):
    if "width" in spec and isinstance(spec["width"], (int, float)):
        yield spec["width"]
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            yield from _widths(sub)


@pytest.mark.parametrize("name", ["buildup", "epoch", "prices", "task"])
def test_every_chart_has_title_source_and_fits(name) -> None:
    spec = _charts()[name].to_dict()
    assert spec["title"]["text"] and spec["title"]["subtitle"][-1].startswith("Source: ")
    assert all(w <= charts.WIDTH for w in _widths(spec))
    assert len(json.dumps(spec)) < 60_000
    assert "tooltip" in json.dumps(spec)


def test_epoch_chart_credits_epoch_and_lets_the_definition_be_picked() -> None:
    spec = _charts()["epoch"].to_dict()
    assert "Data: Epoch AI" in spec["title"]["subtitle"][-1]
    assert any(p.get("bind") for p in spec.get("params", []))


# ---------------------------------------------------------------------------- the rerun matrix

RERUNS = {"defaults": {}, **MATRIX["02_costs"]}  # the sets: tests/reruns.py


@pytest.fixture(scope="module", params=list(RERUNS), ids=list(RERUNS))
def rerun(request, tmp_path_factory):
    """(Params, glued values): the committed chapter for the defaults, else the matrix's run (once a session)."""
    name = request.param
    out = paths.CHAPTERS_DIR / "02_costs.ipynb" if name == "defaults" else \
        Runs(session_root(tmp_path_factory)).notebook("02_costs", name)
    return K.Params(**RERUNS[name]), outputs.glued(out)


@pytest.mark.reruns
def test_a_rerun_never_shows_nan_none_inf_or_nothing(rerun) -> None:
    _, glued = rerun
    assert bad_values(glued) == []


@pytest.mark.reruns
def test_a_reruns_words_agree_with_its_numbers(rerun) -> None:
    p, glued = rerun
    word = text(glued["rate_vs_fact"])
    diff = number(glued["rate"]) - number(glued["fact_rate"])
    assert word == ("higher than" if diff > 0 else "lower than" if diff < 0 else "equal to")
    assert number(glued["rate"]) == p.rental_rate and number(glued["p_gpuh"]) == p.gpu_hours
    assert number(glued["t_in"]) == p.input_tokens and number(glued["t_out"]) == p.output_tokens
    x = number(glued["srv_revenue_x"])
    assert text(glued["srv_cover_word"]) == ("above" if x > 1 else "below" if x < 1 else "equal to")
    assert text(glued["srv_margin_word"]) == ("profit" if number(glued["srv_margin"]) > 0 else "loss")
    assert text(glued["t_o1_x_word"]) == ("dearer" if number(glued["t_o1_x"]) > 1 else "cheaper")
