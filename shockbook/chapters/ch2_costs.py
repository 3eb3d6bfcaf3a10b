"""Chapter 2, "Costs": what DeepSeek's training run cost, against other models, and what its API charges.

The arithmetic lives in :mod:`shockbook.analysis.costs` (tested there); this module arranges its
results for the page, one function per section. Every number shown comes from a fact (by id), from
the claims ledger (the articles' figures, by claim id) or from a reader's parameter.
"""
from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import costs
from shockbook.data import facts
from shockbook.site import charts, layout, params_box, words
from shockbook.site.section import Cite, Day, Figure, Section, Table, Word
from shockbook.site.usd import USD_LABEL, money

SOURCE_V3 = "DeepSeek-V3 technical report (GPU-hours, $2/GPU-hour assumption); DeepSeek-R1 paper v2 (RL stage)"
SOURCE_EPOCH = "Data: Epoch AI, Notable AI Models (CC BY 4.0); DeepSeek-V3 technical report"
SOURCE_PRICES = "DeepSeek API docs; OpenAI list prices for o1, o3-mini and GPT-4o (book facts, see table)"

PRICE_KEYS = ("R1", "o1", "o3-mini", "V3 promo", "V3", "GPT-4o")
TASK_KEYS = ("R1", "o1", "o3-mini", "V3", "GPT-4o")
REASONING_RIVALS = ("o1", "o3-mini")  # the models whose output tokens output_ratio scales
MIX_STEPS = 20  # points along the output-share axis of the task-cost chart (every 5 %)
TIER_LABELS = {"cache_hit": "input, cache hit", "cache_miss": "input, cache miss", "output": "output"}
# Epoch's models set beside V3 in the prose, by their names in Epoch's data
EPOCH_PEERS = (("llama", "Llama 3.1-405B"), ("gpt4", "GPT-4 (Mar 2023)"), ("grok", "Grok 3"))
# The command the "Rerun this chapter" box shows (checked by Params before it is shown).
RERUN_EXAMPLE = {"rental_rate": "3.0", "output_tokens": "20000"}


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

# name -> the interval each parameter must lie in, with its unit. The upper limits are
# sanity bounds well beyond the facts: rental rates in the facts are $2-3 per GPU-hour, the
# largest runs tens of millions of GPU-hours.
LIMITS = {
    "rental_rate": params.Bounds(0, 20, "USD per GPU-hour", lo_inc=False),
    "gpu_hours": params.Bounds(0, 1e9, "GPU-hours", lo_inc=False),
    "input_tokens": params.Bounds(0, 10_000_000, "tokens per task", whole=True),
    "output_tokens": params.Bounds(0, 10_000_000, "tokens per task", whole=True),
    "cache_hit_share": params.Bounds(0, 1, "share of input tokens served from cache"),
    "tasks": params.Bounds(1, 1e9, "tasks", whole=True),
    # No source measures how many tokens o1 and R1 write on the same task; the range allows each
    # to write up to ten times the other's.
    "output_ratio": params.Bounds(0.1, 10, "output tokens of o1 and o3-mini per output token of R1"),
}


@dataclass(frozen=True)
class Params(params.ChapterParams):
    rental_rate: float = params.bounded(2.0, "US$ per H800 GPU-hour (DeepSeek's own assumption, fact CST-05)",
                                        LIMITS["rental_rate"])
    gpu_hours: float = params.bounded(2788000.0,
                                      "GPU-hours of a training run to price (DeepSeek-V3's reported total, fact CST-01)",
                                      LIMITS["gpu_hours"])
    input_tokens: int = params.bounded(3000, "input tokens of one API task (an assumed prompt with some context)",
                                       LIMITS["input_tokens"])
    output_tokens: int = params.bounded(6000, "output tokens of that task, reasoning included (an assumption)",
                                        LIMITS["output_tokens"])
    cache_hit_share: float = params.bounded(0.0, "share of the input served from the provider's context cache",
                                            LIMITS["cache_hit_share"])
    tasks: int = params.bounded(1000, "how many such tasks to price", LIMITS["tasks"])
    output_ratio: float = params.bounded(1.0, "output tokens OpenAI's reasoning models write per output token of R1 (1 = equal; "
                                         "no source measures it)", LIMITS["output_ratio"])

    def check_together(self) -> None:
        if self.input_tokens + self.output_tokens == 0:
            raise ValueError("input_tokens and output_tokens cannot both be 0: a task needs some tokens.")


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------

def rerun_box(p: Params) -> Section:
    """The parameters, their exact valid ranges and a command that works as shown."""
    return Section(numbers={"costs_rerun": params_box.rerun_box(Params, "02", RERUN_EXAMPLE)})


def opening(p: Params) -> Section:
    """The articles' headline figures (the claims ledger)."""
    moe = facts.fact("CST-12")
    return Section(numbers={
        "c14_musd": costs.claimed("C14"), "c86_musd": costs.claimed("C86"),
        "moe_total": moe.number(0), "moe_active": moe.number(1), "moe_cite": Cite(moe),
        "base_cite": Cite("CST-B12"), "open_tokens_t": facts.fact("CST-11").number(),
        "weights_cite": Cite("SHK-01"),
        "azure_date": Day(facts.fact("RSP-01").value, year=False), "azure_cite": Cite("RSP-01"),
        "aws_date": Day(facts.fact("RSP-02").value, year=False), "aws_cite": Cite("RSP-02"),
        "nvidia_date": Day(facts.fact("RSP-03").value, year=False), "nvidia_cite": Cite("RSP-03"),
    })


def headline(p: Params) -> Section:
    """The V3 run rebuilt stage by stage at the chapter's rate; whose cost it is; what it leaves out."""
    bd = costs.v3_cost_breakdown(p.rental_rate).set_index("stage")
    fact_rate = costs.default_rate_usd_per_gpu_hour()
    buildup = buildup_table(p.rental_rate)
    breakdown = bd.reset_index()[["stage", "gpu_hours", "reported_gpu_hours", "cost_usd", "reported_cost_usd",
                                  "gpu_hours_fact"]]
    breakdown = breakdown.assign(cost_usd=breakdown["cost_usd"] / 1e6,
                                 reported_cost_usd=breakdown["reported_cost_usd"] / 1e6)
    return Section(
        numbers={
            "v3_cite": Cite("CST-01"),
            "pre_gpuh": bd.loc["pre-training", "gpu_hours"],
            "ctx_gpuh": bd.loc["context extension", "gpu_hours"],
            "post_gpuh": bd.loc["post-training", "gpu_hours"],
            "total_gpuh": bd.loc["total", "gpu_hours"],
            "fact_rate": fact_rate,
            "rate_cite": Cite("CST-05"),
            "v3_at_fact_musd": costs.training_cost_usd(bd.loc["total", "gpu_hours"], fact_rate) / 1e6,
            "v3_reported_musd": bd.loc["total", "reported_cost_usd"] / 1e6,
            "rate": p.rental_rate,
            "rate_vs_fact": Word(words.direction(p.rental_rate - fact_rate, "lower than", "higher than", "equal to")),
            "v3_at_rate_musd": bd.loc["total", "cost_usd"] / 1e6,
            "v3_date": Day(facts.fact("CST-01").as_of),
            "r1_date": Day(facts.fact("SHK-01").value),
            "r1_cite": Cite("SHK-01"),
            "excl_cite": Cite("CST-08"),
            "h800_ban_date": Day(facts.fact("GEO-03").value), "h800_ban_cite": Cite("GEO-03"),
            "h800_rules_date": Day(facts.fact("GEO-01").value), "h800_rules_cite": Cite("GEO-01"),
        },
        tables={"tbl-costs-breakdown-table": Table(
            breakdown,
            {"stage": "Stage", "gpu_hours": "GPU-hours (sum of parts)", "reported_gpu_hours": "GPU-hours (reported)",
             "cost_usd": f"Cost at ${p.rental_rate:,.2f}/h ($M)", "reported_cost_usd": "Reported cost ($M)",
             "gpu_hours_fact": "Fact"},
            {"gpu_hours": "{:,.0f}", "reported_gpu_hours": "{:,.0f}", "cost_usd": "{:,.3f}",
             "reported_cost_usd": "{:,.3f}"})},
        figures={"fig-costs-buildup-chart": Figure(buildup_chart(buildup, p.rental_rate), buildup)},
    )


def r1_bill(p: Params) -> Section:
    """R1's reinforcement-learning stage, disclosed later, two ways; V3 + RL; Epoch's earlier R1 estimate."""
    rl = costs.r1_rl_cost_check(p.rental_rate)
    hrs = costs.r1_rl_hours_check()
    by_stage = hrs.set_index("stage")
    cst19 = facts.fact("CST-19")
    epoch_r1 = facts.fact("CST-16")
    both = buildup_table(p.rental_rate).iloc[-1]["cost_usd"]
    gap = costs.epoch_rl_gap()
    return Section(numbers={
        "rl_date": Day(cst19.value),
        "rl_date_cite": Cite(cst19),
        "rl_gpuh": rl["gpu_hours"],
        "rl_reported_kusd": rl["reported_cost_usd"] / 1e3,
        "rl_cite": Cite("CST-18"),
        "rl_at_rate_kusd": rl["cost_usd"] / 1e3,
        "rl_gpus": by_stage.loc["R1", "gpus"],
        "rl_hours_cite": Cite("CST-17"),
        "zero_hours": by_stage.loc["R1-Zero", "hours"],
        "r1_hours": by_stage.loc["R1", "hours"],
        "zero_gpuh": by_stage.loc["R1-Zero", "gpu_hours"],
        "r1_gpuh": by_stage.loc["R1", "gpu_hours"],
        "rest_gpuh": hrs.attrs["rest_gpu_hours"],
        "both_at_rate_musd": both / 1e6,
        "epoch_r1_musd": epoch_r1.number(1),
        "epoch_r1_cite": Cite(epoch_r1),
        "epoch_rl_musd": gap["implied_rl_usd"] / 1e6,
        "epoch_v3_musd2": gap["epoch_v3_usd"] / 1e6,
        "epoch_rl_x": gap["x_disclosed"],
    })


def consistency(p: Params) -> Section:
    """Days on the cluster three ways against the articles' 55; pre-training throughput; the reader's run."""
    c68 = costs.claimed("C68")
    days = days_table(c68)
    d = days.set_index("basis")
    bd = costs.v3_cost_breakdown(p.rental_rate).set_index("stage")
    tp = costs.v3_pretraining_throughput()
    pace = facts.fact("CST-09")
    run = costs.run_cost_summary(p.gpu_hours, p.rental_rate)
    return Section(
        numbers={
            "gpus": costs.v3_cluster_gpus(),
            "gpus_cite": Cite("CST-10"),
            "days_total": d.loc["whole run, all stages", "days"],
            "days_pre": d.loc["pre-training only", "days"],
            "days_pace": d.loc["report's pace: days per trillion tokens x tokens", "days"],
            "pace_days": f"{pace.number(1):g}",
            "tokens_t": f"{facts.fact('CST-11').number():g}",
            "c68_days": c68,
            "pre_gpuh2": bd.loc["pre-training", "gpu_hours"],
            "tok_per_h": tp["tokens_per_gpu_hour"],
            "tok_per_s": tp["tokens_per_gpu_hour"] / costs.SECONDS_PER_HOUR,
            "per_t_gpuh": tp["gpu_hours_per_trillion_tokens_report"],
            "tok_per_h_report": tp["tokens_per_gpu_hour_report"],
            "p_gpuh": run["gpu_hours"],
            "p_gpuh_x": run["x_v3_gpu_hours"],
            "p_cost_musd": run["cost_usd"] / 1e6,
            "rate2": p.rental_rate,
            "p_days": run["days"],
        },
        tables={"tbl-costs-days-table": Table(
            days,
            {"basis": "Basis", "facts": "Facts", "gpu_hours": "GPU-hours", "gpus": "GPUs", "days": "Days",
             "claimed_days": "Days claimed (Zhihu)", "gap_days": "Days minus claim"},
            {"gpu_hours": "{:,.0f}", "gpus": "{:,.0f}", "days": "{:.1f}", "claimed_days": "{:.0f}",
             "gap_days": "{:+.1f}"})},
    )


def against_others(p: Params) -> Section:
    """V3 against Epoch AI's frontier models: compute and cost multiples, FLOP per dollar, the blog's 5-10%."""
    ep = costs.epoch_comparison().set_index("model")
    counts = costs.epoch_definition_counts()
    defs = list(costs.EPOCH_DEFINITIONS.values())
    year = costs.epoch_dollar_year()
    c91_lo, c91_hi = costs.claimed_range("C91")
    share = costs.v3_cost_share_of_bigger_models()
    numbers = {
        "n_amortised": counts[defs[0]], "n_cloud": counts[defs[1]], "n_upfront": counts[defs[2]],
        "epoch_v3_musd": ep.loc["DeepSeek-V3", "cost_amortised_usd"] / 1e6,
        "epoch_v3_cite": Cite("CST-15"),
        "v3_flop": ep.loc["DeepSeek-V3", "compute_flop"],
        "v3_flop_cite": Cite("CST-14"),
    }
    for key, model in EPOCH_PEERS:
        numbers[f"{key}_x"] = ep.loc[model, "compute_ratio"]
        numbers[f"{key}_cost_x"] = ep.loc[model, "cost_amortised_ratio"]
    numbers.update({
        "llama_gpuh_x": costs.llama_gpu_hours_ratio(), "llama_cite": Cite("CST-34"),
        "h800_cite": Cite("GEO-11"),
        "share_lo": share["low_pct"], "c91_lo": c91_lo, "c91_hi": c91_hi,
        "epoch_year": year, "epoch_year2": year,
    })
    for key, model in (("v3", "DeepSeek-V3"), *EPOCH_PEERS[:2]):
        numbers[f"{key}_fpd"] = ep.loc[model, "compute_flop"] / ep.loc[model, "cost_amortised_usd"]
    numbers["share_hi"] = share["high_pct"]
    data = epoch_chart_data(p.rental_rate)
    return Section(
        numbers=numbers,
        tables={"tbl-costs-epoch-table": Table(
            epoch_table(),
            {"model": "Model", "organization": "Developer", "published": "Published", "compute_flop": "Compute (FLOP)",
             "compute_ratio": "× V3 compute", "cost_amortised_musd": "Amortised ($M)",
             "cost_amortised_ratio": "× V3 amortised", "cost_cloud_musd": "Cloud ($M)",
             "cost_upfront_musd": "Upfront ($M)", "confidence": "Epoch's confidence"},
            {"compute_flop": "{:.2e}", "compute_ratio": "{:,.2f}", "cost_amortised_musd": "{:,.1f}",
             "cost_amortised_ratio": "{:,.2f}", "cost_cloud_musd": "{:,.1f}", "cost_upfront_musd": "{:,.0f}"})},
        figures={"fig-costs-epoch-chart": Figure(epoch_chart(data), data)},
    )


def api_prices(p: Params) -> Section:
    """R1 against o1 tier by tier, the articles' two phrases, V3's promotion, o3-mini."""
    r1p, o1p = costs.api_price("R1"), costs.api_price("o1")
    rt = ratio_table().set_index("tier")
    vc = costs.v3_price_change().set_index("price")
    o3 = costs.o3_mini_comparison()
    c20, c71 = costs.claimed("C20"), costs.claimed("C71")
    numbers = {"r1_hit": r1p.cache_hit, "r1_miss": r1p.cache_miss, "r1_out": r1p.output,
               "o1_hit": o1p.cache_hit, "o1_miss": o1p.cache_miss, "o1_out": o1p.output,
               "r1_price_cite": Cite("CST-20"), "o1_price_cite": Cite("CST-28")}
    for key, tier in (("hit", "input, cache hit"), ("miss", "input, cache miss"), ("out", "output")):
        numbers[f"ratio_{key}"] = rt.loc[tier, "ratio"]
        numbers[f"pct_{key}"] = rt.loc[tier, "percent_cheaper"]
    numbers.update({
        "c20_ratio": c20, "c71_pct": c71, "c71_ratio": costs.ratio_from_percent_cheaper(c71),
        "v3_after_date": Day(facts.fact("CST-23").as_of), "v3_after_cite": Cite("CST-23"),
        "v3_out_x": vc.loc["output", "increase_ratio"], "v3_miss_x": vc.loc["cache_miss", "increase_ratio"],
        "o3_date": Day(facts.fact("RSP-18").as_of), "o3_cite": Cite("RSP-18"),
        "o3_pct": o3[o3["comparison"] == "o3-mini vs o1"]["percent_cheaper"].min(),
        "o3_vs_r1_out": o3[(o3["comparison"] == "R1 vs o3-mini") & (o3["price"] == "output")]["ratio"].iloc[0],
    })
    plong = prices_long()
    return Section(
        numbers=numbers,
        tables={
            "tbl-costs-ratios-table": Table(
                ratio_table(),
                {"tier": "Tier", "R1_usd": "R1 ($/M tokens)", "o1_usd": "o1 ($/M tokens)", "ratio": "o1 ÷ R1",
                 "percent_cheaper": "R1 cheaper by (%)", "vs_one_thirtieth": f"'1/{c20:.0f}' ÷ measured",
                 "vs_98_cheaper": f"'{c71:.0f}% cheaper' ÷ measured"},
                {"R1_usd": "{:,.2f}", "o1_usd": "{:,.2f}", "ratio": "{:,.1f}", "percent_cheaper": "{:,.1f}",
                 "vs_one_thirtieth": "{:,.2f}", "vs_98_cheaper": "{:,.2f}"}),
            "tbl-costs-prices-table": Table(
                prices_table(),
                {"model": "Model and period", "cache_hit": "Input, cache hit", "cache_miss": "Input, cache miss",
                 "output": "Output", "as_of": "As of", "fact_id": "Facts", "status": "Status"},
                {"cache_hit": "{:,.3f}", "cache_miss": "{:,.3f}", "output": "{:,.2f}"}),
        },
        figures={"fig-costs-prices-chart": Figure(prices_chart(plong), plong)},
    )


def task_cost(p: Params) -> Section:
    """One task of the chapter's token mix on each model; the mix varied; DeepSeek's served day repriced."""
    tt = task_table(p.input_tokens, p.output_tokens, p.cache_hit_share, p.tasks, p.output_ratio).set_index("model")
    r1m, o1m = costs.api_price("R1").model, costs.api_price("o1").model
    day = costs.deepseek_day_check()
    total = p.input_tokens + p.output_tokens
    mix = costs.task_cost_by_mix(total, p.cache_hit_share, TASK_KEYS, MIX_STEPS)
    return Section(
        numbers={
            "t_in": p.input_tokens, "t_out": p.output_tokens, "t_hit": p.cache_hit_share,
            "t_r1": tt.loc[r1m, "cost_usd"], "t_o1": tt.loc[o1m, "cost_usd"], "t_o1_x": tt.loc[o1m, "x_r1"],
            "t_n": p.tasks, "t_r1_n": tt.loc[r1m, "cost_tasks_usd"], "t_o1_n": tt.loc[o1m, "cost_tasks_usd"],
            "t_ratio": p.output_ratio, "t_o1_out": p.output_tokens * p.output_ratio,
            "t_ratio_lo": LIMITS["output_ratio"].lo, "t_ratio_hi": LIMITS["output_ratio"].hi,
            "t_o1_x_word": Word(words.direction(tt.loc[o1m, "x_r1"] - 1, "cheaper", "dearer", "equal to")),
            "t_o1_x_abs": max(tt.loc[o1m, "x_r1"], 1 / tt.loc[o1m, "x_r1"]),
            "day_cite": Cite("CST-33"),
            "day_rev": day["revenue_at_r1_prices_usd"],
            "day_rev_rep": day["reported_revenue_usd"],
            "day_rev_cite": Cite("CST-32"),
            "day_gap_pct": abs(day["revenue_at_r1_prices_usd"] / day["reported_revenue_usd"] - 1) * 100,
        },
        tables={"tbl-costs-task-table": Table(
            tt.reset_index(),
            {"model": "Model", "cost_usd": "One task (US$)", "cost_tasks_usd": f"{p.tasks:,.0f} tasks (US$)",
             "x_r1": "× R1"},
            {"cost_usd": "{:,.5f}", "cost_tasks_usd": "{:,.2f}", "x_r1": "{:,.2f}"})},
        figures={"fig-costs-task-chart": Figure(
            task_chart(mix, p.output_tokens / total, total, p.cache_hit_share), mix)},
    )


def serving(p: Params) -> Section:
    """DeepSeek's own serving day: its fleet's GPU rent at the chapter's rate against R1's list prices."""
    e = costs.inference_economics(p.rental_rate)
    return Section(numbers={
        "srv_nodes": e["avg_nodes"], "srv_per_node": e["gpus_per_node"],
        "srv_fact_rate": costs.default_rate_usd_per_gpu_hour(), "srv_peak_nodes": e["peak_nodes"], "srv_gpus": e["avg_gpus"],
        "srv_peak_gpus": e["peak_gpus"], "srv_cite": Cite("CST-31"),
        "srv_cost_fact": e["cost_usd_per_day"], "srv_rate": p.rental_rate, "srv_cost": e["fleet_cost_usd"],
        "srv_revenue": e["revenue_usd"], "srv_revenue_cite": Cite("CST-32"),
        "srv_reported_margin": e["reported_margin_pct"], "srv_margin": e["margin_pct"],
        "srv_margin_abs": abs(e["margin_pct"]),
        "srv_margin_word": Word("profit" if e["margin_pct"] > 0 else "loss"),
        "srv_cover_word": Word(words.direction(e["revenue_over_cost"] - 1, "below", "above", "equal to")),
        "srv_revenue_x": e["revenue_over_cost"],
        "srv_revenue_x_story": costs.inference_economics()["revenue_over_cost"],
        "srv_cost_per_m": e["cost_per_million_tokens_usd"], "srv_rev_per_m": e["revenue_per_million_tokens_usd"],
    })


def capability(p: Params) -> Section:
    """Benchmark scores (DeepSeek's own tables) beside Epoch's training cost and the API output price."""
    cc = costs.capability_and_cost()
    v3_llama = costs.score_gaps("DeepSeek-V3", "Llama 3.1 405B")
    r1_o1 = costs.score_gaps("DeepSeek-R1", "OpenAI o1")
    shown = cc.reset_index().rename(columns={"index": "model"})
    shown = shown.assign(training_cost_usd=shown["training_cost_usd"] / 1e6)
    return Section(
        numbers={
            "cap_cite": Cite("CST-B01"), "cap_v3_cite": Cite("CST-B04"),
            "cap_v3_mmlu": cc.loc["DeepSeek-V3", "MMLU"], "cap_llama_mmlu": cc.loc["Llama 3.1 405B", "MMLU"],
            "cap_v3_math": cc.loc["DeepSeek-V3", "MATH-500"], "cap_llama_math": cc.loc["Llama 3.1 405B", "MATH-500"],
            "cap_v3_aime": cc.loc["DeepSeek-V3", "AIME 2024"], "cap_llama_aime": cc.loc["Llama 3.1 405B", "AIME 2024"],
            "cap_v3_better": int((v3_llama > 0).sum()), "cap_v3_n": len(v3_llama),
            "cap_llama_cost_x": cc.loc["Llama 3.1 405B", "training_cost_usd"] / cc.loc["DeepSeek-V3", "training_cost_usd"],
            "cap_claude_cost_x": cc.loc["Claude 3.5 Sonnet", "training_cost_usd"] / cc.loc["DeepSeek-V3", "training_cost_usd"],
            "cap_r1_o1_gap": float(r1_o1.abs().max()), "cap_r1_o1_n": len(r1_o1),
            "cap_r1_better": int((r1_o1 > 0).sum()),
            "cap_o1_price_x": cc.loc["OpenAI o1", "output_price_usd"] / cc.loc["DeepSeek-R1", "output_price_usd"],
        },
        tables={"tbl-costs-capability-table": Table(
            shown,
            {"model": "Model", "MMLU": "MMLU", "MATH-500": "MATH-500", "AIME 2024": "AIME 2024",
             "Codeforces": "Codeforces (percentile)", "training_cost_usd": "Training cost, Epoch ($M, amortised)",
             "output_price_usd": "API output ($/M tokens)"},
            {"MMLU": "{:.1f}", "MATH-500": "{:.1f}", "AIME 2024": "{:.1f}", "Codeforces": "{:.1f}",
             "training_cost_usd": "{:,.1f}", "output_price_usd": "{:,.2f}"})},
    )


def articles(p: Params) -> Section:
    """The articles' claims about costs and prices, with the ledger's verdicts (chapter 6)."""
    from shockbook.analysis import claims

    return Section(shown=[claims.chapter_claims(2)])


# --------------------------------------------------------------------------------------------
# Tables and charts
# --------------------------------------------------------------------------------------------

def buildup_table(rate: float) -> pd.DataFrame:
    """The V3 stages, the V3 total, R1's RL stage and V3 + RL, costed at ``rate``, as a waterfall."""
    b = costs.v3_cost_breakdown(rate)
    rl = costs.r1_rl_cost_check(rate)
    rows, end = [], 0.0
    for _, r in b.iterrows():
        if r["stage"] == "total":
            continue
        rows.append({"item": f"V3 {r['stage']}", "kind": "V3 stage", "gpu_hours": r["gpu_hours"],
                     "cost_usd": r["cost_usd"], "start_usd": end, "end_usd": end + r["cost_usd"],
                     "reported_usd": r["reported_cost_usd"], "facts": r["gpu_hours_fact"]})
        end += r["cost_usd"]
    total = b.set_index("stage").loc["total"]
    rows.append({"item": "V3 final training run", "kind": "total", "gpu_hours": total["gpu_hours"],
                 "cost_usd": total["cost_usd"], "start_usd": 0.0, "end_usd": total["cost_usd"],
                 "reported_usd": total["reported_cost_usd"], "facts": "CST-01, CST-06"})
    rows.append({"item": "R1 reinforcement learning (disclosed later)", "kind": "later disclosure",
                 "gpu_hours": rl["gpu_hours"], "cost_usd": rl["cost_usd"], "start_usd": end,
                 "end_usd": end + rl["cost_usd"], "reported_usd": rl["reported_cost_usd"], "facts": "CST-18"})
    rows.append({"item": "V3 run + R1 reinforcement learning", "kind": "total",
                 "gpu_hours": total["gpu_hours"] + rl["gpu_hours"], "cost_usd": end + rl["cost_usd"],
                 "start_usd": 0.0, "end_usd": end + rl["cost_usd"],
                 "reported_usd": total["reported_cost_usd"] + rl["reported_cost_usd"], "facts": "CST-06, CST-18"})
    df = pd.DataFrame(rows)
    df["rate_usd_per_gpu_hour"] = rate
    df["cost_musd"] = df["cost_usd"] / 1e6
    return df


def buildup_chart(df: pd.DataFrame, rate: float) -> alt.Chart:
    order = list(df["item"])
    kinds = ["V3 stage", "total", "later disclosure"]
    data = df.assign(start_m=df["start_usd"] / 1e6, end_m=df["end_usd"] / 1e6,
                     reported_m=df["reported_usd"] / 1e6, label=[money(x) for x in df["cost_usd"]])
    base = alt.Chart(data).encode(y=alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)))
    bars = base.mark_bar(height=layout.COSTS_BAR_HEIGHT).encode(
        x=alt.X("start_m:Q", title=f"Cost at ${rate:,.2f} per GPU-hour (US$ million)"),
        x2="end_m:Q",
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=kinds, range=[charts.PALETTE[0], charts.PALETTE[7],
                                                                                     charts.PALETTE[1]])),
        tooltip=[alt.Tooltip("item:N", title="Item"), alt.Tooltip("gpu_hours:Q", title="H800 GPU-hours", format=",.0f"),
                 alt.Tooltip("cost_m:Q", title="Cost at this rate ($M)", format=",.3f"),
                 alt.Tooltip("reported_m:Q", title="Reported by DeepSeek ($M)", format=",.3f"),
                 alt.Tooltip("facts:N", title="Facts")],
    ).transform_calculate(cost_m="datum.end_m - datum.start_m")
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(x="end_m:Q", text="label:N")
    chart = alt.layer(bars, text).properties(width=layout.COSTS_BUILDUP_WIDTH, height=layout.COSTS_BUILDUP_ROW * len(data))
    return charts.titled(chart, "What the headline figure is made of",
                         "DeepSeek-V3's final training run by stage, then R1's later-disclosed reinforcement learning",
                         SOURCE_V3)


def days_table(claimed_days: float) -> pd.DataFrame:
    """Days on the 2,048-GPU cluster each basis implies, against the articles' claimed days."""
    d = costs.v3_cluster_days_check(claimed_days)
    return d[["basis", "facts", "gpu_hours", "gpus", "days", "claimed_days", "gap_days"]]


def epoch_table() -> pd.DataFrame:
    ep = costs.epoch_comparison()
    ep = ep.dropna(subset=["compute_flop"])
    ep = ep.assign(published=pd.to_datetime(ep["published"]).dt.strftime("%Y-%m"),
                   cost_amortised_musd=ep["cost_amortised_usd"] / 1e6, cost_cloud_musd=ep["cost_cloud_usd"] / 1e6,
                   cost_upfront_musd=ep["cost_upfront_usd"] / 1e6)
    return ep[["model", "organization", "published", "compute_flop", "compute_ratio", "cost_amortised_musd",
               "cost_amortised_ratio", "cost_cloud_musd", "cost_upfront_musd", "confidence"]].sort_values(
        "compute_flop").reset_index(drop=True)


def epoch_chart_data(rate: float) -> pd.DataFrame:
    """Epoch's costs (long form) plus DeepSeek's own V3 figure at ``rate``, shown under every definition."""
    long = costs.epoch_costs_long()
    long = long.assign(published=pd.to_datetime(long["published"]).dt.strftime("%Y-%m"),
                       who=np.where(long["organization"] == "DeepSeek", "DeepSeek (Epoch's estimate)",
                                    "other developers (Epoch's estimate)"))
    v3 = costs.epoch_comparison().set_index("model").loc["DeepSeek-V3"]
    own = costs.training_cost_usd(costs.v3_total_gpu_hours(), rate)
    extra = pd.DataFrame([{"model": f"DeepSeek-V3, own figure at ${rate:,.2f}/GPU-hour", "organization": "DeepSeek",
                           "published": "2024-12", "compute_flop": v3["compute_flop"], "cost_usd": own,
                           "definition": d, "confidence": "reported GPU-hours", "who": "DeepSeek's own figure (rented GPU-hours)",
                           "hardware": "NVIDIA H800 SXM5", "hardware_quantity": v3["hardware_quantity"]}
                          for d in costs.EPOCH_DEFINITIONS.values()])
    cols = ["model", "organization", "published", "compute_flop", "cost_usd", "definition", "confidence", "who",
            "hardware", "hardware_quantity"]
    return pd.concat([long[cols], extra[cols]], ignore_index=True)


def epoch_chart(data: pd.DataFrame) -> alt.Chart:
    defs = list(costs.EPOCH_DEFINITIONS.values())
    pick = alt.param(name="definition_pick", value=defs[0],
                     bind=alt.binding_select(options=defs, name="Epoch's cost definition: "))
    whos = ["other developers (Epoch's estimate)", "DeepSeek (Epoch's estimate)", "DeepSeek's own figure (rented GPU-hours)"]
    lo, hi = np.log10(data["compute_flop"].min()), np.log10(data["compute_flop"].max())
    decades = [10.0 ** k for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1)]
    own = whos[2]
    # DeepSeek's points sit on top of one another: name V3 (above) and the own figure (below) only.
    data = data.assign(label=np.where(data["model"].str.startswith("DeepSeek-R1"), "", data["model"]))
    data.loc[data["who"] == own, "label"] = "DeepSeek-V3, own figure"
    base = alt.Chart(data).transform_filter(alt.datum.definition == pick)
    enc = dict(
        x=alt.X("compute_flop:Q", title="Training compute (FLOP, log scale)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format=".0e", values=decades)),
        y=alt.Y("cost_usd:Q", title="Training cost (US$, log scale)", scale=alt.Scale(type="log"),
                axis=alt.Axis(labelExpr=USD_LABEL, values=[10.0 ** k for k in range(5, 11)])),
    )
    points = base.mark_point(filled=True, size=90, opacity=0.9).encode(
        **enc,
        color=alt.Color("who:N", title=None, scale=alt.Scale(domain=whos, range=[charts.PALETTE[0], charts.PALETTE[3],
                                                                                 charts.PALETTE[1]]),
                        legend=alt.Legend(columns=1, labelLimit=400)),
        shape=alt.Shape("who:N", scale=alt.Scale(domain=whos, range=["circle", "circle", "diamond"]), legend=None),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("organization:N", title="Developer"),
                 alt.Tooltip("published:N", title="Published"),
                 alt.Tooltip("compute_flop:Q", title="Compute (FLOP)", format=".2e"),
                 alt.Tooltip("cost_usd:Q", title="Cost (US$)", format="$,.0f"),
                 alt.Tooltip("definition:N", title="Cost definition"),
                 alt.Tooltip("hardware:N", title="Hardware"),
                 alt.Tooltip("hardware_quantity:Q", title="Chips", format=",.0f"),
                 alt.Tooltip("confidence:N", title="Epoch's confidence")],
    )
    labels = base.transform_filter(alt.datum.who != own).mark_text(
        align="left", dx=7, dy=-6, fontSize=10, color=layout.GREY_LABEL).encode(**enc, text="label:N")
    own_label = base.transform_filter(alt.datum.who == own).mark_text(
        align="left", dx=7, dy=10, fontSize=10, color=layout.GREY_LABEL).encode(**enc, text="label:N")
    chart = alt.layer(points, labels, own_label).add_params(pick).properties(width=layout.COSTS_EPOCH_WIDTH, height=layout.COSTS_EPOCH_HEIGHT)
    return charts.titled(chart, "Compute against cost, frontier models",
                         "Pick Epoch's cost definition below; Epoch's costs are in 2023 dollars", SOURCE_EPOCH)


def prices_table(keys=PRICE_KEYS) -> pd.DataFrame:
    p = costs.api_prices(keys)
    return p[["model", "cache_hit", "cache_miss", "output", "as_of", "fact_id", "status"]]


def prices_long(keys=PRICE_KEYS) -> pd.DataFrame:
    p = costs.api_prices(keys)
    long = p.melt(id_vars=["key", "model", "fact_id", "as_of", "status"], value_vars=list(costs.PRICE_KINDS),
                  var_name="tier", value_name="usd_per_m")
    long = long.dropna(subset=["usd_per_m"])
    long["tier"] = long["tier"].map(TIER_LABELS)
    return long.reset_index(drop=True)


def prices_chart(long: pd.DataFrame) -> alt.Chart:
    models = list(dict.fromkeys(long["model"]))
    tiers = list(TIER_LABELS.values())
    floor = 10.0 ** np.floor(np.log10(long["usd_per_m"].min()))  # bars start here on the log scale
    base = alt.Chart(long).encode(
        y=alt.Y("model:N", sort=models, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("tier:N", sort=tiers),
    )
    bars = base.mark_bar().encode(
        x=alt.X("usd_per_m:Q", title="List price (US$ per million tokens, log scale)",
                scale=alt.Scale(type="log", domain=[floor, 100]),
                axis=alt.Axis(format="$~g", values=[floor * 10 ** k for k in range(int(np.log10(100 / floor)) + 1)])),
        x2=alt.datum(floor),
        color=alt.Color("tier:N", title="Price tier", sort=tiers, scale=alt.Scale(domain=tiers, range=charts.PALETTE[:3])),
        tooltip=[alt.Tooltip("model:N", title="Model and period"), alt.Tooltip("tier:N", title="Tier"),
                 alt.Tooltip("usd_per_m:Q", title="US$ per million tokens", format="$,.3f"),
                 alt.Tooltip("as_of:N", title="As of"), alt.Tooltip("fact_id:N", title="Facts"),
                 alt.Tooltip("status:N", title="Status")],
    )
    text = base.mark_text(align="left", dx=3, fontSize=9, color=layout.GREY_LABEL).encode(
        x="usd_per_m:Q", text=alt.Text("usd_per_m:Q", format="$,.3~f"))
    chart = alt.layer(bars, text).properties(width=layout.COSTS_PRICES_WIDTH, height=alt.Step(layout.COSTS_PRICES_STEP))
    return charts.titled(chart, "API list prices by tier",
                         "DeepSeek's R1 and V3 (before and after its launch promotion) against OpenAI", SOURCE_PRICES)


def ratio_table() -> pd.DataFrame:
    """R1 against o1 tier by tier, with the two articles' phrases placed beside the measured ratios."""
    df = costs.r1_vs_o1()
    df["tier"] = df["price"].map(TIER_LABELS)
    thirtieth = costs.claimed("C20")
    pct = costs.claimed("C71")
    df["vs_one_thirtieth"] = thirtieth / df["ratio"]
    df["vs_98_cheaper"] = costs.ratio_from_percent_cheaper(pct) / df["ratio"]
    return df[["tier", "R1_usd", "o1_usd", "ratio", "percent_cheaper", "vs_one_thirtieth", "vs_98_cheaper"]]


def task_table(input_tokens: float, output_tokens: float, cache_hit_share: float, tasks: float,
               output_ratio: float = 1.0, keys=TASK_KEYS) -> pd.DataFrame:
    """One task on each model; OpenAI's reasoning models write ``output_ratio`` times R1's output tokens."""
    rows = []
    for k in keys:
        out = output_tokens * (output_ratio if k in REASONING_RIVALS else 1.0)
        rows.append({"key": k, "model": costs.api_price(k).model,
                     "cost_usd": costs.task_cost_usd(input_tokens, out, cache_hit_share, k)})
    t = pd.DataFrame(rows)
    t["cost_tasks_usd"] = t["cost_usd"] * tasks
    r1 = t.set_index("key").loc["R1", "cost_usd"]
    t["x_r1"] = t["cost_usd"] / r1
    return t[["model", "cost_usd", "cost_tasks_usd", "x_r1"]]


def task_chart(mix: pd.DataFrame, output_share: float, total_tokens: float, cache_hit_share: float) -> alt.Chart:
    models = list(dict.fromkeys(mix["model"]))
    data = mix.assign(output_pct=mix["output_share"] * 100)
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("output_pct:Q", title="Output (incl. reasoning) as a share of the task's tokens (%)"),
        y=alt.Y("cost_usd:Q", title="Cost of one task (US$, log scale)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$.3~g")),
        color=alt.Color("model:N", title=None, sort=models, scale=alt.Scale(domain=models, range=charts.PALETTE),
                        legend=alt.Legend(columns=2, labelLimit=300)),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("output_pct:Q", title="Output share (%)", format=".0f"),
                 alt.Tooltip("input_tokens:Q", title="Input tokens", format=",.0f"),
                 alt.Tooltip("output_tokens:Q", title="Output tokens", format=",.0f"),
                 alt.Tooltip("cost_usd:Q", title="Cost (US$)", format="$,.5f")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [output_share * 100], "label": ["your mix"]})).mark_rule(
        color=layout.GREY_TEXT, strokeDash=[4, 3]).encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", title="Your output share (%)",
                                                                              format=".1f")])
    chart = alt.layer(rule, lines).properties(width=layout.COSTS_TASK_WIDTH, height=charts.HEIGHT)
    return charts.titled(chart, "What one task costs, by token mix",
                         f"A task of {total_tokens:,.0f} tokens, {cache_hit_share:.0%} of input from cache; "
                         "dashed line: your mix", SOURCE_PRICES)
