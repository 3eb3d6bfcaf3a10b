"""Training costs, API prices (chapter 2) and fleet economics (chapter 3).

Pure functions. Every default number is read from ``data/facts/facts.csv`` by id (see
:mod:`shockbook.data.facts`); the only literals here are calendar and unit conversions and the
validation limits below. Each function checks its inputs and raises ``ValueError`` naming the
parameter and its allowed range.

Units: money in USD; GPU time in GPU-hours; API prices in USD per million tokens (as quoted);
shares (utilisation, cache-hit share) as fractions in [0, 1].

Figures from the source articles (the "$6M", "55 days", "1/30", "98% cheaper", "$1.3B") are not
facts: they belong in the claims ledger. Functions that place them take them as arguments.
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shockbook import params
from shockbook.data.facts import _STATUS_WEAKNESS, Fact, FactsError, fact, load_epoch, number_in_text, unit_scale

SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR
MONTHS_PER_YEAR = 12
PRICE_PER_TOKENS = 1_000_000  # API prices are quoted per million tokens ("USD per 1M tokens")

# Allowed ranges: name -> the interval a value must lie in, with its unit. The upper limits are
# sanity bounds far above anything in the facts (e.g. Meta's >1.3M GPUs, H100s at up to ~$70k).
LIMITS: dict[str, params.Bounds] = {
    "gpu_hours": params.Bounds(0, 1e10, "GPU-hours", lo_inc=False),
    "rate_usd_per_gpu_hour": params.Bounds(0, 100, "USD per GPU-hour", lo_inc=False),
    "gpus": params.Bounds(0, 1e7, "GPUs", lo_inc=False),
    "days": params.Bounds(0, 3650, "days", lo_inc=False),
    "hours": params.Bounds(0, 87_600, "hours (at most ten years)", lo_inc=False),
    "tokens": params.Bounds(0, 1e15, "tokens"),
    "unit_price_usd": params.Bounds(0, 1e6, "USD per GPU", lo_inc=False),
    "overhead_multiplier": params.Bounds(1, 10, "x the GPU price (1 = GPUs only)"),
    "utilisation": params.Bounds(0, 1, "share of the period, 1 = always on", lo_inc=False),
    "cache_hit_share": params.Bounds(0, 1, "share of input tokens served from cache"),
    "price_usd_per_million_tokens": params.Bounds(0, 1000, "USD per million tokens", lo_inc=False),
    "total_usd": params.Bounds(0, 1e13, "USD", lo_inc=False),
    "ratio": params.Bounds(0, 1e6, "x", lo_inc=False),
    "percent_cheaper": params.Bounds(0, 100, "percent", hi_inc=False),
    "years": params.Bounds(0, 10, "years", lo_inc=False),
    "steps": params.Bounds(1, 200, "points (a whole number)"),
    "steps_per_year": params.Bounds(1, 365, "points per year (a whole number)"),
    "china_premium": params.Bounds(1, 5, "x the price outside China"),
}


def check(name: str, value, kind: str | None = None) -> float:
    """Return ``value`` as float if it is a finite number in the range for ``kind`` (default: name)."""
    return LIMITS[kind or name].check(name, value)


def _check_values(name: str, values, kind: str | None = None) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        values = (values,)
    vals = tuple(check(name, v, kind) for v in values)
    if not vals:
        bounds = LIMITS[kind or name]
        raise ValueError(f"{name} must be one or more values in {bounds.interval()} {bounds.unit}; got {values!r}")
    return tuple(sorted(set(vals)))


# --------------------------------------------------------------------------------------------
# Facts used as defaults (by id). Each reader checks the unit so an edited fact fails loudly.
# --------------------------------------------------------------------------------------------

def _usd_per_gpu_hour(fid: str = "CST-05") -> float:
    return fact(fid).scaled(unit_contains="USD per H800 GPU-hour")


def default_rate_usd_per_gpu_hour() -> float:
    """DeepSeek's assumed H800 rental price (CST-05)."""
    return _usd_per_gpu_hour("CST-05")


def _share(f: Fact, part: int) -> float:
    text = f.raw_value.split(";")[part]
    if "%" not in text:
        raise FactsError(f"{f.id}: part {part} of {f.raw_value!r} is not a percentage.")
    return f.number(part) / 100


def weakest_status(statuses) -> str:
    """The weakest of several statuses (claim > estimate > disputed > fact), as the facts table ranks them."""
    return max(statuses, key=_STATUS_WEAKNESS.__getitem__)


# --------------------------------------------------------------------------------------------
# The articles' figures, from the claims ledger (data/claims.csv)
# --------------------------------------------------------------------------------------------

def claimed(claim_id: str) -> float:
    """An article's figure from the claims ledger, as a number (sign dropped: "98% cheaper" is -98)."""
    from shockbook.analysis import claims  # the ledger evaluator reads costs lazily too

    df = claims.load_claims().set_index("id")
    if claim_id not in df.index:
        raise ValueError(f"claim_id must be an id in data/claims.csv; got {claim_id!r}")
    row = df.loc[claim_id]
    value = claims.parse_claimed(row["claimed_value"], row["unit"])
    if not isinstance(value, numbers.Real):
        raise ValueError(f"claim {claim_id} is not a number: {row['claimed_value']!r}")
    return abs(float(value))


def claimed_range(claim_id: str) -> tuple[float, float]:
    """A ranged claim's ends: the ledger stores a range as its centre with tolerance = half-width."""
    from shockbook.analysis import claims

    centre = claimed(claim_id)
    tol = float(claims.load_claims().set_index("id").loc[claim_id, "tolerance"])
    return centre - tol, centre + tol


# --------------------------------------------------------------------------------------------
# Training cost (chapter 2)
# --------------------------------------------------------------------------------------------

def training_cost_usd(gpu_hours: float, rate_usd_per_gpu_hour: float | None = None) -> float:
    """GPU-hours times a rental rate (default: DeepSeek's $2 per H800-hour, CST-05)."""
    h = check("gpu_hours", gpu_hours)
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else rate_usd_per_gpu_hour
    return h * check("rate_usd_per_gpu_hour", rate)


V3_STAGES = (  # stage, GPU-hours fact, cost part of CST-07 (same order as its unit text)
    ("pre-training", "CST-02", 0),
    ("context extension", "CST-03", 1),
    ("post-training", "CST-04", 2),
)


def v3_cost_breakdown(rate_usd_per_gpu_hour: float | None = None) -> pd.DataFrame:
    """DeepSeek-V3's training run rebuilt from its stages (DeepSeek-V3 report, Table 1).

    One row per stage and a ``total`` row: GPU-hours (CST-02..04, total CST-01), the cost at the
    chosen rate, and the cost DeepSeek reported (CST-07, total CST-06). At the default rate the two
    cost columns agree exactly.
    """
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else rate_usd_per_gpu_hour
    rate = check("rate_usd_per_gpu_hour", rate)
    reported = fact("CST-07")
    rows = []
    for stage, fid, part in V3_STAGES:
        h = fact(fid).scaled(unit_contains="H800 GPU-hours")
        rows.append({"stage": stage, "gpu_hours_fact": fid, "gpu_hours": h,
                     "rate_usd_per_gpu_hour": rate, "cost_usd": training_cost_usd(h, rate),
                     "reported_cost_usd": reported.scaled(part, unit_contains="USD million"),
                     "reported_fact": "CST-07"})
    total_h = sum(r["gpu_hours"] for r in rows)
    rows.append({"stage": "total", "gpu_hours_fact": "CST-01",
                 "gpu_hours": total_h, "rate_usd_per_gpu_hour": rate,
                 "cost_usd": training_cost_usd(total_h, rate),
                 "reported_cost_usd": fact("CST-06").scaled(unit_contains="USD million"),
                 "reported_fact": "CST-06"})
    df = pd.DataFrame(rows)
    df["reported_gpu_hours"] = [fact(f).scaled(unit_contains="H800 GPU-hours") for f in df["gpu_hours_fact"]]
    return df


def r1_rl_cost_check(rate_usd_per_gpu_hour: float | None = None) -> dict:
    """R1's reinforcement-learning stage (CST-18): 147K H800 GPU-hours costed, vs DeepSeek's $294K."""
    f = fact("CST-18")
    if f.unit != "H800 GPU-hours; USD":
        raise FactsError(f"CST-18: unit is {f.unit!r}, expected 'H800 GPU-hours; USD'.")
    h, reported = f.number(0), f.number(1)
    return {"gpu_hours": h, "cost_usd": training_cost_usd(h, rate_usd_per_gpu_hour),
            "reported_cost_usd": reported, "fact": "CST-18"}


def cluster_days(gpu_hours: float, gpus: float) -> float:
    """Wall-clock days a run of ``gpu_hours`` takes on ``gpus`` GPUs running around the clock."""
    return check("gpu_hours", gpu_hours) / check("gpus", gpus) / HOURS_PER_DAY


def gpu_hours_for(gpus: float, days: float) -> float:
    """GPU-hours that ``gpus`` GPUs deliver in ``days`` days around the clock."""
    return check("gpus", gpus) * check("days", days) * HOURS_PER_DAY


def v3_cluster_days_check(claimed_days: float | None = None) -> pd.DataFrame:
    """How many days of the 2,048-GPU cluster (CST-10) the reported GPU-hours imply.

    Rows: the whole run (CST-01), pre-training only (CST-02), and the report's own pace of 3.7 days
    per trillion tokens times 14.8T tokens (CST-09 x CST-11). With ``claimed_days`` (e.g. the
    Zhihu article's 55 days, a claim not a fact) each row gets the gap in days and the GPU-hours
    the claim implies.
    """
    gpus = fact("CST-10").scaled(unit_contains="H800 GPUs")
    total = fact("CST-01").scaled(unit_contains="H800 GPU-hours")
    pre = fact("CST-02").scaled(unit_contains="H800 GPU-hours")
    pace = fact("CST-09")
    if "days" not in pace.raw_value.split(";")[1]:
        raise FactsError(f"CST-09: expected 'N days' as the second part of {pace.raw_value!r}.")
    days_per_t = pace.number(1)
    tokens_t = fact("CST-11").number()  # trillion tokens
    if "trillion tokens" not in fact("CST-11").unit:
        raise FactsError("CST-11: expected a unit in trillion tokens.")
    rows = [
        {"basis": "whole run, all stages", "facts": "CST-01, CST-10", "gpu_hours": total,
         "gpus": gpus, "days": cluster_days(total, gpus)},
        {"basis": "pre-training only", "facts": "CST-02, CST-10", "gpu_hours": pre,
         "gpus": gpus, "days": cluster_days(pre, gpus)},
        {"basis": "report's pace: days per trillion tokens x tokens", "facts": "CST-09, CST-11",
         "gpu_hours": days_per_t * tokens_t * gpus * HOURS_PER_DAY, "gpus": gpus,
         "days": days_per_t * tokens_t},
    ]
    df = pd.DataFrame(rows)
    if claimed_days is not None:
        c = check("claimed_days", claimed_days, "days")
        df["claimed_days"] = c
        df["gap_days"] = df["days"] - c
        df["claimed_gpu_hours"] = gpu_hours_for(gpus, c)
    return df


def tokens_per_gpu_hour(tokens: float, gpu_hours: float) -> float:
    """Training tokens processed per GPU-hour."""
    return check("tokens", tokens) / check("gpu_hours", gpu_hours)


def v3_pretraining_throughput() -> dict:
    """Pre-training pace two ways: 14.8T tokens / 2,664K GPU-hours, and the report's 180K GPU-h per 1T."""
    tokens = fact("CST-11").scaled(unit_contains="trillion tokens")
    pre = fact("CST-02").scaled(unit_contains="H800 GPU-hours")
    pace = fact("CST-09")
    per_t_gpu_hours, t = pace.number(0, 0), pace.number(0, 1)  # "180K GPU-h per 1T tokens"
    return {
        "tokens_per_gpu_hour": tokens_per_gpu_hour(tokens, pre),
        "tokens_per_gpu_hour_report": t / per_t_gpu_hours,
        "gpu_hours_per_trillion_tokens": pre / (tokens / 1e12),
        "gpu_hours_per_trillion_tokens_report": per_t_gpu_hours * (1e12 / t),
    }


def place_training_cost_claim(claimed_usd: float, rate_usd_per_gpu_hour: float | None = None) -> dict:
    """Put a quoted training cost (e.g. the "under $6M" of the articles) next to the V3 figures.

    Returns the V3 run cost (CST-06), the ratio, the GPU-hours the claim would buy at the rate,
    the days that is on the 2,048-GPU cluster, and V3 plus R1's RL stage (CST-06 + CST-18).
    """
    c = check("claimed_usd", claimed_usd, "total_usd")
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else rate_usd_per_gpu_hour
    rate = check("rate_usd_per_gpu_hour", rate)
    v3 = fact("CST-06").scaled(unit_contains="USD million")
    gpus = fact("CST-10").scaled(unit_contains="H800 GPUs")
    implied_h = c / rate
    return {"claimed_usd": c, "v3_run_usd": v3, "ratio_to_v3_run": c / v3,
            "implied_gpu_hours": implied_h, "implied_days_on_v3_cluster": implied_h / gpus / HOURS_PER_DAY,
            "v3_plus_r1_rl_usd": v3 + r1_rl_cost_check(rate)["reported_cost_usd"],
            "facts": "CST-06, CST-10, CST-18"}


def llama_gpu_hours_ratio() -> float:
    """Llama 3.1 405B's GPU-hours (H100, CST-34) over DeepSeek-V3's (H800, CST-01)."""
    llama = fact("CST-34")
    if "million H100 GPU-hours" not in llama.unit:
        raise FactsError("CST-34: expected a unit in million H100 GPU-hours.")
    return llama.number(0) * 1e6 / fact("CST-01").scaled(unit_contains="H800 GPU-hours")


EPOCH_COST_COLUMNS = {
    "Training compute cost (2023 USD)": "cost_amortised_usd",
    "Training compute cost (cloud)": "cost_cloud_usd",
    "Training compute cost (upfront)": "cost_upfront_usd",
}


def epoch_comparison(reference: str = "DeepSeek-V3") -> pd.DataFrame:
    """Epoch AI's models with compute and cost relative to ``reference`` (Data: Epoch AI, CC BY 4.0).

    Epoch's three cost columns differ by method (amortised hardware + energy, cloud rental,
    upfront purchase); ratios use the amortised one, the only one Epoch gives for DeepSeek-V3.
    """
    ep = load_epoch()
    if reference not in set(ep["Model"]):
        raise ValueError(f"reference must be one of the Epoch models {sorted(ep['Model'])}; got {reference!r}")
    ref = ep.loc[ep["Model"] == reference].iloc[0]
    out = pd.DataFrame({
        "model": ep["Model"], "organization": ep["Organization"], "published": ep["Publication date"],
        "hardware": ep["Training hardware"], "hardware_quantity": ep["Hardware quantity"],
        "compute_flop": ep["Training compute (FLOP)"],
        **{new: ep[old] for old, new in EPOCH_COST_COLUMNS.items()},
        "confidence": ep["Confidence"],
    })
    out["compute_ratio"] = out["compute_flop"] / ref["Training compute (FLOP)"]
    out["cost_amortised_ratio"] = out["cost_amortised_usd"] / ref["Training compute cost (2023 USD)"]
    out.attrs["credit"] = ep.attrs.get("credit")
    out.attrs["licence"] = ep.attrs.get("licence")
    out.attrs["reference"] = reference
    return out


# --------------------------------------------------------------------------------------------
# API prices (chapter 2)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiPrice:
    """List prices in USD per million tokens. ``cache_hit`` is NaN when none is listed."""

    key: str
    model: str
    cache_hit: float
    cache_miss: float
    output: float
    fact_id: str
    as_of: str
    status: str


# key -> (label, fact id, order of the ';' parts in that fact's value). The orders follow each
# fact's statement: DeepSeek lists (cache hit; cache miss; output), OpenAI (input; cached; output).
PRICE_SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "R1": ("DeepSeek-R1 at launch", "", ()),  # three single-value facts, see _r1_price
    "o1": ("OpenAI o1", "CST-28", ("cache_miss", "cache_hit", "output")),
    "o3-mini": ("OpenAI o3-mini", "RSP-18", ("cache_miss", "cache_hit", "output")),
    "GPT-4o": ("OpenAI GPT-4o", "CST-30", ("cache_miss", "cache_hit", "output")),
    "V3 promo": ("DeepSeek-V3, launch promotion to 8 Feb 2025", "CST-24", ("cache_hit", "cache_miss", "output")),
    "V3": ("DeepSeek-V3 after 8 Feb 2025", "CST-23", ("cache_hit", "cache_miss", "output")),
    "off-peak": ("DeepSeek V3/R1 off-peak from 26 Feb 2025", "CST-25", ("cache_hit", "cache_miss", "output")),
    "V3.1": ("DeepSeek unified price from 5 Sep 2025", "CST-27", ("cache_hit", "cache_miss", "output")),
    "Gemini 2.0 Flash": ("Google Gemini 2.0 Flash", "RSP-21", ("cache_miss", "output")),
}
PRICE_KINDS = ("cache_hit", "cache_miss", "output")


def _r1_price() -> ApiPrice:
    parts = {"cache_hit": "CST-20", "cache_miss": "CST-21", "output": "CST-22"}
    vals = {}
    for kind, fid in parts.items():
        f = fact(fid)
        if not f.unit.startswith("USD per 1M"):
            raise FactsError(f"{fid}: unit is {f.unit!r}, expected a price in USD per 1M tokens.")
        vals[kind] = f.number()
    f20 = fact("CST-20")
    return ApiPrice("R1", PRICE_SOURCES["R1"][0], vals["cache_hit"], vals["cache_miss"], vals["output"],
                    "CST-20, CST-21, CST-22", f20.as_of, f20.status)


def api_price(key: str) -> ApiPrice:
    """List prices of one model/price period (keys in :data:`PRICE_SOURCES`)."""
    if key not in PRICE_SOURCES:
        raise ValueError(f"key must be one of {list(PRICE_SOURCES)}; got {key!r}")
    if key == "R1":
        return _r1_price()
    label, fid, order = PRICE_SOURCES[key]
    f = fact(fid)
    if not f.unit.startswith("USD per 1M tokens") or len(f.parts) != len(order):
        raise FactsError(f"{fid}: expected {len(order)} prices in USD per 1M tokens; got {f.raw_value!r} {f.unit!r}.")
    vals = {kind: f.number(i) for i, kind in enumerate(order)}
    return ApiPrice(key, label, vals.get("cache_hit", float("nan")), vals["cache_miss"], vals["output"],
                    fid, f.as_of, f.status)


def api_prices(keys=None) -> pd.DataFrame:
    """The price table: one row per model/period, prices in USD per million tokens."""
    keys = list(PRICE_SOURCES) if keys is None else list(keys)
    return pd.DataFrame([api_price(k).__dict__ for k in keys])


def price_ratio(dear: float, cheap: float) -> float:
    """How many times ``dear`` is ``cheap`` (e.g. o1's price over R1's)."""
    return check("dear", dear, "price_usd_per_million_tokens") / check("cheap", cheap, "price_usd_per_million_tokens")


def percent_cheaper(cheap: float, dear: float) -> float:
    """How much cheaper ``cheap`` is than ``dear``, in percent (R1 vs o1 output: 96.35)."""
    return (1 - check("cheap", cheap, "price_usd_per_million_tokens")
            / check("dear", dear, "price_usd_per_million_tokens")) * 100


def ratio_from_percent_cheaper(pct: float) -> float:
    """The price ratio a "pct% cheaper" phrase means: 98% cheaper = 50x, 90% cheaper = 10x."""
    return 1 / (1 - check("pct", pct, "percent_cheaper") / 100)


def percent_cheaper_from_ratio(ratio: float) -> float:
    """The "percent cheaper" a price ratio means: 1/30 (ratio 30) = 96.7% cheaper."""
    return (1 - 1 / check("ratio", ratio)) * 100


def compare_prices(cheap: str = "R1", dear: str = "o1") -> pd.DataFrame:
    """Price by price: ``dear``/``cheap`` ratio, ``cheap`` as a share of ``dear``, percent cheaper."""
    a, b = api_price(cheap), api_price(dear)
    rows = []
    for kind in PRICE_KINDS:
        pa, pb = getattr(a, kind), getattr(b, kind)
        if math.isnan(pa) or math.isnan(pb):
            continue
        rows.append({"price": kind, f"{cheap}_usd": pa, f"{dear}_usd": pb,
                     "ratio": price_ratio(pb, pa), "share_pct": pa / pb * 100,
                     "percent_cheaper": percent_cheaper(pa, pb)})
    df = pd.DataFrame(rows)
    df.attrs["facts"] = f"{a.fact_id}; {b.fact_id}"
    return df


def r1_vs_o1() -> pd.DataFrame:
    """R1 against o1 at launch list prices: ~53.6x (cache hit), ~27.3x (miss), ~27.4x (output)."""
    return compare_prices("R1", "o1")


def v3_price_change() -> pd.DataFrame:
    """DeepSeek-V3's prices during the launch promotion and after 8 Feb 2025 (CST-24 -> CST-23)."""
    before, after = api_price("V3 promo"), api_price("V3")
    return pd.DataFrame([{"price": k, "before_usd": getattr(before, k), "after_usd": getattr(after, k),
                          "increase_ratio": price_ratio(getattr(after, k), getattr(before, k))}
                         for k in PRICE_KINDS])


def o3_mini_comparison() -> pd.DataFrame:
    """o3-mini against o1 (how much cheaper OpenAI's answer was) and against R1."""
    parts = []
    for cheap, dear in (("o3-mini", "o1"), ("R1", "o3-mini")):
        df = compare_prices(cheap, dear)
        df.columns = ["price", "cheap_usd", "dear_usd", "ratio", "share_pct", "percent_cheaper"]
        df.insert(0, "comparison", f"{cheap} vs {dear}")
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def match_price_claim(ratio: float | None = None, percent_cheaper_claim: float | None = None,
                      cheap: str = "R1", dear: str = "o1") -> pd.DataFrame:
    """Which price comparison a quoted "1/N" or "P% cheaper" corresponds to.

    Give ``ratio`` (30 for "1/30") or ``percent_cheaper_claim`` (98 for "98% cheaper"). Each row
    shows a measured comparison and how far the claim is from it (``claim_vs_measured`` = claimed
    ratio / measured ratio; 1.0 is an exact match).
    """
    if (ratio is None) == (percent_cheaper_claim is None):
        raise ValueError("give exactly one of ratio (e.g. 30 for '1/30') or percent_cheaper_claim (e.g. 98)")
    claimed = check("ratio", ratio) if ratio is not None else ratio_from_percent_cheaper(percent_cheaper_claim)
    df = compare_prices(cheap, dear)
    df["claimed_ratio"] = claimed
    df["claimed_percent_cheaper"] = percent_cheaper_from_ratio(claimed)
    df["claim_vs_measured"] = claimed / df["ratio"]
    return df


def task_cost_usd(input_tokens: float, output_tokens: float, cache_hit_share: float = 0.0,
                  price: ApiPrice | str = "R1") -> float:
    """Cost of one job: input tokens (a share of them cache hits) plus output tokens, at list prices.

    For a price with no listed cache-hit rate (NaN), cached input is charged at the miss price.
    Reasoning tokens count as output (CST-22).
    """
    i = check("input_tokens", input_tokens, "tokens")
    o = check("output_tokens", output_tokens, "tokens")
    if i == 0 and o == 0:
        raise ValueError("input_tokens and output_tokens cannot both be 0")
    s = check("cache_hit_share", cache_hit_share)
    p = api_price(price) if isinstance(price, str) else price
    hit = p.cache_miss if math.isnan(p.cache_hit) else p.cache_hit
    return (i * (s * hit + (1 - s) * p.cache_miss) + o * p.output) / PRICE_PER_TOKENS


def task_costs(input_tokens: float, output_tokens: float, cache_hit_share: float = 0.0,
               keys=("R1", "o1", "o3-mini", "V3", "GPT-4o")) -> pd.DataFrame:
    """:func:`task_cost_usd` for several models, with each cost as a multiple of the cheapest."""
    rows = [{"key": k, "model": api_price(k).model,
             "cost_usd": task_cost_usd(input_tokens, output_tokens, cache_hit_share, k)} for k in keys]
    df = pd.DataFrame(rows)
    df["times_cheapest"] = df["cost_usd"] / df["cost_usd"].min()
    return df


def deepseek_day_mix() -> dict:
    """DeepSeek's served token mix over 24 hours (CST-33): input, output, cache-hit share."""
    f = fact("CST-33")
    if f.unit != "tokens per day":
        raise FactsError(f"CST-33: unit is {f.unit!r}, expected 'tokens per day'.")
    return {"input_tokens": f.number(0), "output_tokens": f.number(1),
            "cache_hit_share": _share(f, 2), "fact": "CST-33"}


def theoretical_margin_pct(revenue_usd: float, cost_usd: float) -> float:
    """Cost-profit margin in percent: (revenue - cost) / cost x 100."""
    r, c = check("revenue_usd", revenue_usd, "total_usd"), check("cost_usd", cost_usd, "total_usd")
    return (r - c) / c * 100


def deepseek_day_check() -> dict:
    """Rebuild DeepSeek's 'one day at R1 prices' (CST-31..33) from its token mix and R1's prices."""
    mix = deepseek_day_mix()
    revenue = task_cost_usd(mix["input_tokens"], mix["output_tokens"], mix["cache_hit_share"], "R1")
    f32 = fact("CST-32")
    if f32.unit != "USD per day; percent":
        raise FactsError(f"CST-32: unit is {f32.unit!r}, expected 'USD per day; percent'.")
    cost = fact("CST-31").scaled(unit_contains="USD per day")
    return {"revenue_at_r1_prices_usd": revenue, "reported_revenue_usd": f32.number(0),
            "cost_usd": cost, "margin_pct": theoretical_margin_pct(revenue, cost),
            "reported_margin_pct": f32.number(1), "facts": "CST-20..22, CST-31, CST-32, CST-33"}


# --------------------------------------------------------------------------------------------
# Fleet economics (chapter 3)
# --------------------------------------------------------------------------------------------

def fleet_purchase_cost_usd(gpus: float, unit_price_usd: float, overhead_multiplier: float = 1.0) -> float:
    """Cost to buy a fleet: GPUs x price per GPU x overhead (servers, network; 1 = GPUs only)."""
    return (check("gpus", gpus) * check("unit_price_usd", unit_price_usd)
            * check("overhead_multiplier", overhead_multiplier))


def fleet_rental_cost_usd(gpus: float, rate_usd_per_gpu_hour: float, hours: float = HOURS_PER_YEAR,
                          utilisation: float = 1.0) -> float:
    """Cost to rent a fleet for ``hours`` (default one year), paying for the share ``utilisation``."""
    return (check("gpus", gpus) * check("rate_usd_per_gpu_hour", rate_usd_per_gpu_hour)
            * check("hours", hours) * check("utilisation", utilisation))


def breakeven_rental_hours(unit_price_usd: float, rate_usd_per_gpu_hour: float,
                           overhead_multiplier: float = 1.0, utilisation: float = 1.0) -> float:
    """Rental hours (of the calendar) after which renting has cost as much as buying one GPU."""
    per_gpu = fleet_purchase_cost_usd(1, unit_price_usd, overhead_multiplier)
    return per_gpu / (check("rate_usd_per_gpu_hour", rate_usd_per_gpu_hour) * check("utilisation", utilisation))


def breakeven_years(unit_price_usd: float, rate_usd_per_gpu_hour: float,
                    overhead_multiplier: float = 1.0, utilisation: float = 1.0) -> float:
    """Years after which renting a GPU has cost as much as buying it (see :func:`breakeven_rental_hours`)."""
    return breakeven_rental_hours(unit_price_usd, rate_usd_per_gpu_hour, overhead_multiplier, utilisation) / HOURS_PER_YEAR


def grid_defaults() -> dict:
    """Default axes of the sensitivity grid, each read from the facts, with the ids used.

    GPU counts: the V3 cluster (CST-10), SemiAnalysis' ~10,000 H800s (SKP-04), Wang's claimed
    50,000 H100s (SKP-01). Prices per GPU: the $25,000-30,000 H100 range (CST-42). Rental rates:
    DeepSeek's $2 (CST-05) and H100 market rates (CST-43). No fact gives a utilisation or a
    server/overhead multiplier, so those default to the neutral 1.0 (always on, GPUs only).
    """
    price = fact("CST-42")
    if price.unit != "USD per GPU" or "price" not in price.raw_value.split(";")[1]:
        raise FactsError(f"CST-42: expected '..; LOW-HIGH price' in USD per GPU; got {price.raw_value!r}.")
    rent = fact("CST-43")
    if "USD per H100 GPU-hour" not in rent.unit:
        raise FactsError(f"CST-43: unit is {rent.unit!r}, expected USD per H100 GPU-hour.")
    skp04 = fact("SKP-04")
    if not skp04.raw_value.startswith("H800"):
        raise FactsError(f"SKP-04: expected the H800 count first; got {skp04.raw_value!r}.")
    return {
        "gpus": (fact("CST-10").scaled(unit_contains="H800 GPUs"), skp04.number(0),
                 fact("SKP-01").scaled(unit_contains="H100 GPUs")),
        "unit_price_usd": price.parts[1],
        "rental_rate_usd_per_gpu_hour": (default_rate_usd_per_gpu_hour(),) + rent.numbers,
        "utilisation": (1.0,),
        "overhead_multiplier": 1.0,
        "hours": float(HOURS_PER_YEAR),
        "sources": {"gpus": "CST-10, SKP-04, SKP-01", "unit_price_usd": "CST-42",
                    "rental_rate_usd_per_gpu_hour": "CST-05, CST-43",
                    "utilisation": "none in facts (assumed 1.0)",
                    "overhead_multiplier": "none in facts (assumed 1.0)"},
    }


GRID_COLUMNS = ("gpus", "unit_price_usd", "utilisation", "rental_rate_usd_per_gpu_hour", "hours",
                "overhead_multiplier", "purchase_cost_usd", "rental_cost_usd", "rental_to_purchase",
                "breakeven_years")


def sensitivity_grid(gpus=None, unit_price_usd=None, utilisation=None, rental_rate_usd_per_gpu_hour=None,
                     hours: float | None = None, overhead_multiplier: float | None = None) -> pd.DataFrame:
    """Buy vs rent over GPU count x unit price x utilisation x rental rate, one row per combination.

    Each axis takes a number or a list; missing axes come from :func:`grid_defaults`. ``hours`` is
    the rental period (default one year). Columns: the four axes, ``hours``,
    ``overhead_multiplier``, ``purchase_cost_usd``, ``rental_cost_usd`` (for the period),
    ``rental_to_purchase`` and ``breakeven_years`` (calendar years of renting that cost as much as
    buying). Rows are sorted by the axes in that order.
    """
    d = grid_defaults()
    g = _check_values("gpus", d["gpus"] if gpus is None else gpus)
    p = _check_values("unit_price_usd", d["unit_price_usd"] if unit_price_usd is None else unit_price_usd)
    u = _check_values("utilisation", d["utilisation"] if utilisation is None else utilisation)
    r = _check_values("rental_rate_usd_per_gpu_hour",
                      d["rental_rate_usd_per_gpu_hour"] if rental_rate_usd_per_gpu_hour is None
                      else rental_rate_usd_per_gpu_hour, "rate_usd_per_gpu_hour")
    h = check("hours", d["hours"] if hours is None else hours)
    ov = check("overhead_multiplier", d["overhead_multiplier"] if overhead_multiplier is None else overhead_multiplier)
    df = pd.DataFrame(list(itertools.product(g, p, u, r)),
                      columns=["gpus", "unit_price_usd", "utilisation", "rental_rate_usd_per_gpu_hour"])
    df["hours"] = h
    df["overhead_multiplier"] = ov
    df["purchase_cost_usd"] = df["gpus"] * df["unit_price_usd"] * ov
    df["rental_cost_usd"] = df["gpus"] * df["rental_rate_usd_per_gpu_hour"] * h * df["utilisation"]
    df["rental_to_purchase"] = df["rental_cost_usd"] / df["purchase_cost_usd"]
    df["breakeven_years"] = (df["unit_price_usd"] * ov
                             / (df["rental_rate_usd_per_gpu_hour"] * df["utilisation"]) / HOURS_PER_YEAR)
    df = df[list(GRID_COLUMNS)]
    given = {"gpus": gpus, "unit_price_usd": unit_price_usd, "utilisation": utilisation,
             "rental_rate_usd_per_gpu_hour": rental_rate_usd_per_gpu_hour,
             "overhead_multiplier": overhead_multiplier}
    df.attrs["sources"] = {k: ("reader's value" if given.get(k) is not None else v)
                           for k, v in d["sources"].items()}
    return df


def place_on_grid(grid: pd.DataFrame, total_usd: float, column: str = "purchase_cost_usd") -> pd.DataFrame:
    """The grid with ``claim_ratio`` = total_usd / column, closest rows (in log terms) first."""
    t = check("total_usd", total_usd)
    if column not in grid.columns:
        raise ValueError(f"column must be one of {[c for c in grid.columns if c.endswith('_usd')]}; got {column!r}")
    out = grid.copy()
    out["claim_usd"] = t
    out["claim_ratio"] = t / out[column]
    out = out.iloc[np.argsort(np.abs(np.log(out["claim_ratio"].to_numpy())), kind="stable")]
    return out.reset_index(drop=True)


def implied_unit_price_usd(total_usd: float, gpus: float, overhead_multiplier: float = 1.0) -> float:
    """Price per GPU that makes ``gpus`` GPUs cost ``total_usd``."""
    return check("total_usd", total_usd) / (check("gpus", gpus) * check("overhead_multiplier", overhead_multiplier))


def implied_gpu_count(total_usd: float, unit_price_usd: float, overhead_multiplier: float = 1.0) -> float:
    """How many GPUs ``total_usd`` buys at ``unit_price_usd`` each."""
    return check("total_usd", total_usd) / (check("unit_price_usd", unit_price_usd)
                                            * check("overhead_multiplier", overhead_multiplier))


def place_fleet_claim(total_usd: float, gpus: float | None = None,
                      rate_usd_per_gpu_hour: float | None = None) -> dict:
    """Place a quoted fleet cost (e.g. the blog's "$1.3B if the 50,000 H100s exist") on the facts.

    Returns the price per GPU it implies for ``gpus`` (default Wang's claimed 50,000, SKP-01),
    whether that lies in the $25,000-30,000 H100 range (CST-42), the purchase cost range of that
    fleet, how many years of renting it at the rate (default $2, CST-05) cost as much, and the
    multiple of the V3 training run (CST-06).
    """
    t = check("total_usd", total_usd)
    n = fact("SKP-01").scaled(unit_contains="H100 GPUs") if gpus is None else check("gpus", gpus)
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else check(
        "rate_usd_per_gpu_hour", rate_usd_per_gpu_hour)
    lo, hi = grid_defaults()["unit_price_usd"]
    unit = implied_unit_price_usd(t, n)
    return {"claim_usd": t, "gpus": n, "implied_unit_price_usd": unit,
            "price_range_usd": (lo, hi), "within_price_range": lo <= unit <= hi,
            "purchase_cost_range_usd": (fleet_purchase_cost_usd(n, lo), fleet_purchase_cost_usd(n, hi)),
            "rental_years_equivalent": t / fleet_rental_cost_usd(n, rate, HOURS_PER_YEAR),
            "multiple_of_v3_run": t / fact("CST-06").scaled(unit_contains="USD million"),
            "facts": "SKP-01, CST-42, CST-05, CST-06"}


def run_share_of_fleet(run_gpu_hours: float, fleet_gpus: float, hours: float = HOURS_PER_YEAR) -> float:
    """Share of a fleet's GPU-hours over ``hours`` (default a year) that one training run uses."""
    return check("run_gpu_hours", run_gpu_hours, "gpu_hours") / (check("fleet_gpus", fleet_gpus, "gpus")
                                                                  * check("hours", hours))


def run_vs_fleet() -> pd.DataFrame:
    """One training run next to the hardware behind it: each figure, its status, x the V3 run.

    Rows: the V3 run (CST-06), R1's RL stage (CST-18), buying the 2,048 V3 GPUs at the H100 price
    range (CST-10 x CST-42), The Register's servers (SKP-09), SemiAnalysis' hardware spend (SKP-06)
    and capex (SKP-07), and buying Wang's claimed 50,000 H100s (SKP-01 x CST-42).
    """
    v3 = fact("CST-06")
    v3_usd = v3.scaled(unit_contains="USD million")
    r1 = r1_rl_cost_check()
    lo, hi = grid_defaults()["unit_price_usd"]
    n_v3 = fact("CST-10").scaled(unit_contains="H800 GPUs")
    n_wang = fact("SKP-01").scaled(unit_contains="H100 GPUs")
    skp09, skp06, skp07 = fact("SKP-09"), fact("SKP-06"), fact("SKP-07")
    if not skp07.raw_value.split(";")[0].strip().endswith("capex"):
        raise FactsError(f"SKP-07: expected capex first; got {skp07.raw_value!r}.")
    st = {fid: fact(fid).status for fid in ("CST-10", "CST-42", "SKP-01", "CST-18")}

    def worst(*fids):
        return weakest_status(st.get(f) or fact(f).status for f in fids)

    rows = [
        ("V3 training run (rented GPU-hours)", v3_usd, v3_usd, "CST-06", v3.status),
        ("R1 reinforcement-learning stage", r1["reported_cost_usd"], r1["reported_cost_usd"], "CST-18", st["CST-18"]),
        ("buying the 2,048 V3 GPUs at H100 prices", n_v3 * lo, n_v3 * hi, "CST-10, CST-42", worst("CST-10", "CST-42")),
        ("The Register: 256 H800 servers", skp09.scaled(unit_contains="USD million"),
         skp09.scaled(unit_contains="USD million"), "SKP-09", skp09.status),
        ("SemiAnalysis: hardware spend (lower bound)", skp06.scaled(unit_contains="USD million"),
         skp06.scaled(unit_contains="USD million"), "SKP-06", skp06.status),
        ("SemiAnalysis: server capex", skp07.scaled(0, unit_contains="USD billion"),
         skp07.scaled(0, unit_contains="USD billion"), "SKP-07", skp07.status),
        ("buying Wang's claimed 50,000 H100s", n_wang * lo, n_wang * hi, "SKP-01, CST-42", worst("SKP-01", "CST-42")),
    ]
    df = pd.DataFrame(rows, columns=["item", "low_usd", "high_usd", "facts", "status"])
    df["low_x_v3_run"] = df["low_usd"] / v3_usd
    df["high_x_v3_run"] = df["high_usd"] / v3_usd
    return df


# --------------------------------------------------------------------------------------------
# Chapter 2 additions: the reader's run, R1's RL stage in hours, Epoch's costs in long form,
# task costs across token mixes
# --------------------------------------------------------------------------------------------

def v3_cluster_gpus() -> float:
    """GPUs in DeepSeek-V3's training cluster (CST-10)."""
    return fact("CST-10").scaled(unit_contains="H800 GPUs")


def v3_total_gpu_hours() -> float:
    """DeepSeek-V3's reported GPU-hours, all stages (CST-01)."""
    return fact("CST-01").scaled(unit_contains="H800 GPU-hours")


def run_cost_summary(gpu_hours: float | None = None, rate_usd_per_gpu_hour: float | None = None,
                     gpus: float | None = None) -> dict:
    """A run of ``gpu_hours`` (default V3's, CST-01) at a rate (default $2, CST-05) on ``gpus`` (default 2,048).

    Returns the cost, the wall-clock days around the clock, the multiple of V3's reported GPU-hours
    and the multiple of the $5.576M DeepSeek reported (CST-06).
    """
    h = v3_total_gpu_hours() if gpu_hours is None else check("gpu_hours", gpu_hours)
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else check(
        "rate_usd_per_gpu_hour", rate_usd_per_gpu_hour)
    n = v3_cluster_gpus() if gpus is None else check("gpus", gpus)
    cost = training_cost_usd(h, rate)
    return {"gpu_hours": h, "rate_usd_per_gpu_hour": rate, "gpus": n, "cost_usd": cost,
            "days": cluster_days(h, n), "x_v3_gpu_hours": h / v3_total_gpu_hours(),
            "x_v3_reported_cost": cost / fact("CST-06").scaled(unit_contains="USD million")}


def r1_rl_hours_check() -> pd.DataFrame:
    """R1's RL stage two ways: wall-clock hours x 512 GPUs (CST-17) against the cost table (CST-18).

    CST-17 gives about 198 hours (R1-Zero) and 80 hours (R1) on 512 H800s; CST-18's table sums
    101K (R1-Zero) + 5K (SFT data) + 41K (R1) GPU-hours. The 101K and 41K parts are in the fact's
    statement, not its value, so only the stage hours x GPUs and the 147K total are compared.
    """
    f = fact("CST-17")
    if "GPUs" not in f.raw_value.split(";")[2]:
        raise FactsError(f"CST-17: expected the GPU count third; got {f.raw_value!r}.")
    zero_h, r1_h, gpus = f.number(0), f.number(1), f.number(2)
    total = r1_rl_cost_check()["gpu_hours"]
    rows = [
        {"stage": "R1-Zero", "hours": zero_h, "gpus": gpus, "gpu_hours": zero_h * gpus},
        {"stage": "R1", "hours": r1_h, "gpus": gpus, "gpu_hours": r1_h * gpus},
    ]
    df = pd.DataFrame(rows)
    df.attrs["reported_total_gpu_hours"] = total
    df.attrs["rest_gpu_hours"] = total - df["gpu_hours"].sum()  # SFT data generation, rounding
    return df


def v3_cost_share_of_bigger_models(reference: str = "DeepSeek-V3") -> dict:
    """V3's amortised cost as a percentage of the other developers' models that used more compute.

    The models in Epoch's data with more compute than V3, an amortised cost and a developer other
    than DeepSeek: V3's cost is ``low_pct`` of the dearest of them and ``high_pct`` of the cheapest.
    """
    ep = epoch_comparison(reference)
    bigger = ep[(ep["compute_ratio"] > 1) & ep["cost_amortised_ratio"].notna() & (ep["organization"] != "DeepSeek")]
    if bigger.empty:
        raise FactsError("Epoch's data hold no other model with more compute than V3 and an amortised cost.")
    return {"low_pct": 100 / bigger["cost_amortised_ratio"].max(), "high_pct": 100 / bigger["cost_amortised_ratio"].min(),
            "models": list(bigger["model"])}


def epoch_dollar_year() -> str:
    """The year of the constant dollars of Epoch's amortised cost column, read from its name."""
    import re

    for col in EPOCH_COST_COLUMNS:
        m = re.search(r"\((\d{4}) USD\)", col)
        if m:
            return m.group(1)
    raise ValueError("no '(YYYY USD)' column among Epoch's cost columns")


EPOCH_DEFINITIONS = {
    "cost_amortised_usd": "amortised hardware and energy",
    "cost_cloud_usd": "cloud rental",
    "cost_upfront_usd": "upfront hardware purchase",
}


def epoch_costs_long() -> pd.DataFrame:
    """Epoch AI's models with both compute and a cost, one row per model and cost definition."""
    ep = epoch_comparison()
    long = ep.melt(id_vars=["model", "organization", "published", "hardware", "hardware_quantity",
                            "compute_flop", "confidence"],
                   value_vars=list(EPOCH_DEFINITIONS), var_name="definition_key", value_name="cost_usd")
    long = long.dropna(subset=["compute_flop", "cost_usd"])
    long = long[long["cost_usd"] > 0].copy()
    long["definition"] = long["definition_key"].map(EPOCH_DEFINITIONS)
    long["flop_per_usd"] = long["compute_flop"] / long["cost_usd"]
    order = {k: i for i, k in enumerate(EPOCH_DEFINITIONS)}
    long = long.assign(_o=long["definition_key"].map(order)).sort_values(["_o", "published", "model"])
    return long.drop(columns="_o").reset_index(drop=True)


def epoch_definition_counts() -> dict[str, int]:
    """How many Epoch models carry each cost definition (with compute)."""
    long = epoch_costs_long()
    return {d: int((long["definition_key"] == k).sum()) for k, d in EPOCH_DEFINITIONS.items()}


def _whole(name: str, value) -> int:
    x = check(name, value)
    if not x.is_integer():
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    return int(x)


def task_cost_by_mix(total_tokens: float, cache_hit_share: float, keys, steps: int) -> pd.DataFrame:
    """Cost of a task of ``total_tokens`` as its output share goes from 0 to 1, for each price.

    One row per price and output share (``steps`` + 1 shares, ends included; the all-input end is
    kept because a task of pure input is possible, the all-output end too).
    """
    t = check("total_tokens", total_tokens, "tokens")
    if t == 0:
        raise ValueError("total_tokens must be more than 0")
    steps = _whole("steps", steps)
    rows = []
    for k in keys:
        p = api_price(k)
        for i in range(steps + 1):
            share = i / steps
            rows.append({"key": k, "model": p.model, "output_share": share,
                         "input_tokens": t * (1 - share), "output_tokens": t * share,
                         "cost_usd": task_cost_usd(t * (1 - share), t * share, cache_hit_share, p)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Chapter 3 additions: fleets, capex per GPU, buying against renting over time
# --------------------------------------------------------------------------------------------

def semianalysis_fleet() -> pd.DataFrame:
    """SemiAnalysis' ~50,000 Hopper GPUs (SKP-03) by type (SKP-04); the H20 count is the remainder."""
    total_f, parts_f = fact("SKP-03"), fact("SKP-04")
    if "Hopper GPUs" not in total_f.unit:
        raise FactsError(f"SKP-03: unit is {total_f.unit!r}, expected Hopper GPUs.")
    labels = [p.strip().split()[0] for p in parts_f.raw_value.split(";")]
    if labels[:3] != ["H800", "H100", "H20"]:
        raise FactsError(f"SKP-04: expected H800; H100; H20 parts, got {parts_f.raw_value!r}.")
    total = total_f.scaled()
    h800, h100 = parts_f.number(0), parts_f.number(1)
    h20 = total - h800 - h100
    if h20 < 0:
        raise FactsError("SKP-03/SKP-04: the H800 and H100 counts exceed the total.")
    return pd.DataFrame([
        {"gpu": "H800", "count": h800, "facts": "SKP-04", "status": parts_f.status, "how": "stated"},
        {"gpu": "H100", "count": h100, "facts": "SKP-04", "status": parts_f.status, "how": "stated"},
        {"gpu": "H20", "count": h20, "facts": "SKP-03, SKP-04", "status": parts_f.status,
         "how": "remainder of the total"},
    ])


def fleet_scenarios() -> pd.DataFrame:
    """The GPU fleets the chapter compares, one row per (fleet, GPU type), with the status of each."""
    rows = []
    v3 = fact("CST-10")
    rows.append(("DeepSeek-V3's training cluster (disclosed)", "H800", v3_cluster_gpus(), "CST-10", v3.status))
    r1 = fact("CST-17")
    rows.append(("R1's reinforcement-learning stage (disclosed)", "H800", r1.number(2), "CST-17", r1.status))
    a100 = fact("SKP-05")
    if "A100" not in a100.raw_value.split(";")[0]:
        raise FactsError(f"SKP-05: expected the A100 count first; got {a100.raw_value!r}.")
    rows.append(("High-Flyer's A100s, bought in 2021 (reported)", "A100", a100.number(0), "SKP-05", a100.status))
    for _, r in semianalysis_fleet().iterrows():
        rows.append(("SemiAnalysis' estimate of the whole fleet", r["gpu"], r["count"], r["facts"], r["status"]))
    wang = fact("SKP-01")
    rows.append(("Alexandr Wang's claim", "H100", wang.scaled(unit_contains="H100 GPUs"), "SKP-01", wang.status))
    return pd.DataFrame(rows, columns=["fleet", "gpu", "count", "facts", "status"])


def semianalysis_capex_per_gpu() -> dict:
    """SemiAnalysis' server capex (SKP-07) over its fleet (SKP-03): all-in dollars per GPU.

    Set beside the H100 price range (CST-42) and The Register's server estimate for the 2,048 V3
    GPUs (SKP-09 / CST-10). Servers include CPUs, memory and networking, so all-in exceeds GPU-only.
    """
    capex = fact("SKP-07")
    if capex.unit != "USD billion":
        raise FactsError(f"SKP-07: unit is {capex.unit!r}, expected USD billion.")
    capex_usd = capex.number(0) * unit_scale(capex.unit)
    fleet = fact("SKP-03").scaled()
    reg = fact("SKP-09").scaled(unit_contains="USD million")
    lo, hi = grid_defaults()["unit_price_usd"]
    return {"capex_usd": capex_usd, "opex_usd": capex.number(1) * unit_scale(capex.unit), "gpus": fleet,
            "capex_per_gpu_usd": implied_unit_price_usd(capex_usd, fleet),
            "register_servers_usd": reg, "register_per_gpu_usd": implied_unit_price_usd(reg, v3_cluster_gpus()),
            "h100_price_low_usd": lo, "h100_price_high_usd": hi,
            "facts": "SKP-03, SKP-07, SKP-09, CST-10, CST-42"}


def cost_over_time(gpus: float, unit_price_usd: float, rates, years: float, utilisation: float = 1.0,
                   overhead_multiplier: float = 1.0, steps_per_year: int = MONTHS_PER_YEAR) -> pd.DataFrame:
    """Cumulative cost of buying a fleet (paid upfront) against renting it, month by month.

    One row per option and point in time: ``option`` ("buy" or "rent at $R/GPU-hour"), ``years``
    elapsed, ``cost_usd`` to date. Renting pays ``rate x utilisation`` for every calendar hour.
    Buying ignores power, staff and resale (no fact gives them): a lower bound of owning.
    """
    n = check("gpus", gpus)
    y = check("years", years)
    steps_per_year = _whole("steps_per_year", steps_per_year)
    rs = _check_values("rates", rates, "rate_usd_per_gpu_hour")
    buy = fleet_purchase_cost_usd(n, unit_price_usd, overhead_multiplier)
    u = check("utilisation", utilisation)
    k = int(math.ceil(y * steps_per_year))
    times = [min(i / steps_per_year, y) for i in range(k + 1)]
    rows = [{"option": "buy", "rate_usd_per_gpu_hour": float("nan"), "years": t, "cost_usd": buy} for t in times]
    for r in rs:
        label = f"rent at ${r:,.2f}/GPU-hour"
        rows += [{"option": label, "rate_usd_per_gpu_hour": r, "years": t,
                  "cost_usd": n * r * u * t * HOURS_PER_YEAR} for t in times]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Chapter 2, the economics behind the numbers (issue 15): DeepSeek's own serving day, outside
# estimates of the RL stage, and capability scores against cost
# --------------------------------------------------------------------------------------------

def deepseek_serving_fleet() -> dict:
    """DeepSeek's V3/R1 serving fleet on its published day (CST-31): average and peak GPUs.

    The statement gives nodes (average and peak); the GPUs per node follow from the day's cost,
    nodes x GPUs x 24 hours x $2 = $87,072, and must come out whole.
    """
    f = fact("CST-31")
    avg_nodes = number_in_text(f.statement, r"averaged ([\d.]+) eight-GPU", "CST-31")
    peak_nodes = number_in_text(f.statement, r"\(peak (\d+)\)", "CST-31")
    cost = f.scaled(unit_contains="USD per day")
    per_node = cost / (avg_nodes * HOURS_PER_DAY * default_rate_usd_per_gpu_hour())
    if not math.isclose(per_node, round(per_node), abs_tol=1e-6):
        raise FactsError(f"CST-31: the day's cost does not give a whole number of GPUs per node ({per_node}).")
    per_node = round(per_node)
    return {"avg_nodes": avg_nodes, "peak_nodes": peak_nodes, "gpus_per_node": per_node,
            "avg_gpus": avg_nodes * per_node, "peak_gpus": peak_nodes * per_node, "cost_usd_per_day": cost}


def inference_economics(rate_usd_per_gpu_hour: float | None = None) -> dict:
    """DeepSeek's served day at R1's list prices against its fleet's GPU rent at ``rate``.

    At the default rate ($2, DeepSeek's own) this is DeepSeek's 545% theoretical margin (CST-32),
    rebuilt; at another rate the same fleet costs rate/2 times as much. Only GPU rent is counted,
    and revenue assumes every token billed at R1's price (DeepSeek's own caveat): an upper bound.
    """
    rate = default_rate_usd_per_gpu_hour() if rate_usd_per_gpu_hour is None else check(
        "rate_usd_per_gpu_hour", rate_usd_per_gpu_hour)
    fleet = deepseek_serving_fleet()
    day = deepseek_day_check()
    cost = fleet["avg_gpus"] * HOURS_PER_DAY * rate
    revenue = day["revenue_at_r1_prices_usd"]
    mix = deepseek_day_mix()
    tokens_m = (mix["input_tokens"] + mix["output_tokens"]) / PRICE_PER_TOKENS
    return {**fleet, "rate_usd_per_gpu_hour": rate, "fleet_cost_usd": cost, "revenue_usd": revenue,
            "revenue_over_cost": revenue / cost, "margin_pct": theoretical_margin_pct(revenue, cost),
            "reported_margin_pct": day["reported_margin_pct"],
            "cost_per_million_tokens_usd": cost / tokens_m,
            "revenue_per_million_tokens_usd": revenue / tokens_m}


def epoch_rl_gap() -> dict:
    """Epoch's R1 estimate minus its V3 estimate (CST-16 - CST-15): the RL cost it implies, against
    the $294K DeepSeek later disclosed (CST-18). Epoch's figures are in 2023 dollars, DeepSeek's in
    2024 dollars at $2 an hour; the gap dwarfs that difference."""
    r1 = fact("CST-16")
    if "USD million" not in r1.unit.split(";")[1]:
        raise FactsError(f"CST-16: expected USD million second; got {r1.unit!r}.")
    epoch_r1 = r1.number(1) * 1e6
    epoch_v3 = fact("CST-15").scaled(unit_contains="USD million")
    disclosed = r1_rl_cost_check()["reported_cost_usd"]
    implied = epoch_r1 - epoch_v3
    return {"epoch_r1_usd": epoch_r1, "epoch_v3_usd": epoch_v3, "implied_rl_usd": implied,
            "disclosed_rl_usd": disclosed, "x_disclosed": implied / disclosed}


# Benchmark scores as DeepSeek's own tables report them (self-reported estimates): fact id, the
# benchmark, and the models in the order of the fact's value (checked against its unit text).
BENCHMARK_FACTS = (
    ("CST-B01", "MMLU", ("GPT-4o-0513", "DeepSeek-V3", "OpenAI-o1-1217", "DeepSeek-R1")),
    ("CST-B02", "MATH-500", ("GPT-4o-0513", "DeepSeek-V3", "OpenAI-o1-1217", "DeepSeek-R1")),
    ("CST-B03", "AIME 2024", ("GPT-4o-0513", "DeepSeek-V3", "OpenAI-o1-1217", "DeepSeek-R1")),
    ("CST-B11", "Codeforces", ("Claude-3.5-Sonnet-1022", "GPT-4o-0513", "DeepSeek-V3", "OpenAI-o1-1217",
                               "DeepSeek-R1")),
)
# One model, several benchmarks in the order of the value.
BENCHMARK_MODEL_FACTS = (
    ("CST-B04", "Llama 3.1 405B-Instruct", ("MMLU", "MATH-500", "AIME 2024")),
    ("CST-B10", "Claude-3.5-Sonnet-1022", ("MMLU", "MATH-500", "AIME 2024")),
)
BENCHMARKS = ("MMLU", "MATH-500", "AIME 2024", "Codeforces")
# The models as the book names them: table label -> (Epoch's name, API price key); None where absent.
BENCHMARK_MODELS = {
    "Claude-3.5-Sonnet-1022": ("Claude 3.5 Sonnet", "Claude 3.5 Sonnet", None),
    "GPT-4o-0513": ("GPT-4o", None, "GPT-4o"),
    "Llama 3.1 405B-Instruct": ("Llama 3.1 405B", "Llama 3.1-405B", None),
    "DeepSeek-V3": ("DeepSeek-V3", "DeepSeek-V3", "V3"),
    "OpenAI-o1-1217": ("OpenAI o1", "o1", "o1"),
    "DeepSeek-R1": ("DeepSeek-R1", "DeepSeek-R1", "R1"),
}


def benchmark_scores() -> pd.DataFrame:
    """Scores by model (rows, the book's names) and benchmark (columns); NaN where not reported."""
    scores: dict[str, dict[str, float]] = {}
    for fid, bench, models in BENCHMARK_FACTS:
        f = fact(fid)
        if [m for m in models if m not in f.unit] or len(f.parts) != len(models):
            raise FactsError(f"{fid}: expected scores for {models} in that order; unit is {f.unit!r}.")
        for i, m in enumerate(models):
            scores.setdefault(m, {})[bench] = f.number(i)
    for fid, model, benches in BENCHMARK_MODEL_FACTS:
        f = fact(fid)
        if model not in f.unit or len(f.parts) != len(benches):
            raise FactsError(f"{fid}: expected {model}'s scores on {benches}; unit is {f.unit!r}.")
        for i, b in enumerate(benches):
            scores.setdefault(model, {})[b] = f.number(i)
    df = pd.DataFrame.from_dict(scores, orient="index").reindex(columns=list(BENCHMARKS))
    df = df.reindex([m for m in BENCHMARK_MODELS if m in df.index])
    df.index = [BENCHMARK_MODELS[m][0] for m in df.index]
    return df


def capability_and_cost() -> pd.DataFrame:
    """Each scored model with Epoch's amortised training cost and its API output price (NaN where none)."""
    ep = epoch_comparison().set_index("model")
    rows = benchmark_scores()
    by_name = {v[0]: v for v in BENCHMARK_MODELS.values()}
    rows["training_cost_usd"] = [ep["cost_amortised_usd"].get(by_name[m][1], np.nan) if by_name[m][1] else np.nan
                                 for m in rows.index]
    rows["output_price_usd"] = [api_price(by_name[m][2]).output if by_name[m][2] else np.nan for m in rows.index]
    return rows


def score_gaps(model: str, rival: str) -> pd.Series:
    """``model``'s score minus ``rival``'s on every benchmark both report (points)."""
    s = benchmark_scores()
    return (s.loc[model] - s.loc[rival]).dropna()


# --------------------------------------------------------------------------------------------
# Chapter 3, the 50,000-GPU claim priced chip by chip (issue 15)
# --------------------------------------------------------------------------------------------

def chip_prices(china_premium: float = 1.0) -> pd.DataFrame:
    """Price range per GPU of each chip in SemiAnalysis' fleet, with where it comes from.

    H100: the analyst range (CST-42) times ``china_premium`` for chips bought on China's grey
    market after the ban; H800: no sourced chip price exists, so the H100's range (the same die,
    GEO-11) without the premium, since it was sold legally; H20: Reuters' distributor range (GEO-B02).
    """
    prem = check("china_premium", china_premium)
    lo, hi = grid_defaults()["unit_price_usd"]
    h20 = fact("GEO-B02")
    if "H20" not in h20.unit:
        raise FactsError(f"GEO-B02: expected a price per H20; unit is {h20.unit!r}.")
    rows = [
        {"gpu": "H800", "low_usd": lo, "high_usd": hi, "facts": "CST-42, GEO-11", "how": "the H100's range (same die)"},
        {"gpu": "H100", "low_usd": lo * prem, "high_usd": hi * prem, "facts": "CST-42", "how": "analyst range x premium"},
        {"gpu": "H20", "low_usd": h20.number(0, 0), "high_usd": h20.number(0, 1), "facts": "GEO-B02",
         "how": "Reuters, distributor prices"},
    ]
    return pd.DataFrame(rows)


def china_premiums() -> tuple[float, ...]:
    """Grey-market premiums reported for restricted Nvidia chips in China (SKP-B11, SKP-B10), and none."""
    return (1.0, fact("SKP-B11").number(0), fact("SKP-B10").number(0))


def semianalysis_fleet_priced(china_premium: float = 1.0) -> pd.DataFrame:
    """SemiAnalysis' fleet (SKP-03/04) bought chip by chip at :func:`chip_prices`; GPUs only."""
    prices = chip_prices(china_premium).set_index("gpu")
    fleet = semianalysis_fleet().set_index("gpu")
    df = fleet[["count"]].join(prices)
    df["cost_low_usd"] = df["count"] * df["low_usd"]
    df["cost_high_usd"] = df["count"] * df["high_usd"]
    return df.reset_index()


def owned_gpu_hour_usd(unit_price_usd: float, years: float, utilisation: float = 1.0) -> float:
    """A bought GPU's price written off over ``years`` of use, per hour it is used (GPUs only)."""
    return (fleet_purchase_cost_usd(1, unit_price_usd)
            / (check("years", years) * HOURS_PER_YEAR * check("utilisation", utilisation)))


def semianalysis_tco() -> dict:
    """SemiAnalysis' capex and opex (SKP-07) with the horizon and fleet its critic's reading implies.

    The critic (SKP-08) turned the same table into about $640M a year for 60,000 GPUs; capex plus
    opex over that yearly figure gives the table's horizon in whole years (four), which is how the
    $944M of opex is read here: over that horizon, not per year.
    """
    capex = fact("SKP-07")
    capex_usd, opex_usd = capex.number(0) * unit_scale(capex.unit), capex.number(1) * unit_scale(capex.unit)
    critic = fact("SKP-08")
    per_year = number_in_text(critic.raw_value, r"([\d.]+)M/yr \(60k", "SKP-08") * 1e6
    gpus = number_in_text(critic.raw_value, r"\((\d+)k GPUs\)", "SKP-08") * 1e3
    horizon = round((capex_usd + opex_usd) / per_year)
    return {"capex_usd": capex_usd, "opex_usd": opex_usd, "critic_per_year_usd": per_year, "gpus": gpus,
            "horizon_years": horizon, "opex_per_year_usd": opex_usd / horizon}


def tco_gpu_hour_usd(years: float | None = None, utilisation: float = 1.0) -> float:
    """All-in cost of an owned GPU-hour from SemiAnalysis' table: capex written off over ``years``
    (default: the table's horizon) plus a year's opex, over the fleet's hours in use."""
    t = semianalysis_tco()
    y = t["horizon_years"] if years is None else check("years", years)
    per_year = t["capex_usd"] / y + t["opex_per_year_usd"]
    return per_year / (t["gpus"] * HOURS_PER_YEAR * check("utilisation", utilisation))


def gpu_power_w() -> dict[str, float]:
    """Maximum power per GPU: H100 SXM (GEO-B05), H800 as the H100 (same die, no datasheet), H20 (GEO-12)."""
    h100 = fact("GEO-B05").scaled(unit_contains="W per GPU")
    h20 = number_in_text(fact("GEO-12").statement, r"at (\d+)\s?W\b", "GEO-12")
    return {"H800": h100, "H100": h100, "H20": h20}


def fleet_power_mw(counts: dict[str, float]) -> float:
    """The GPUs' own maximum draw in megawatts (servers, cooling and networking not counted)."""
    w = gpu_power_w()
    return sum(check("gpus", n) * w[g] for g, n in counts.items()) / 1e6


def h800_server_price_per_gpu_usd() -> dict:
    """An upper bound on the H800's price: an eight-H800 server's price at launch (GEO-B03) per GPU.

    The server price includes the rest of the server, so the chip cost less. Reuters' "a year
    earlier" dates the launch price to the year before the story; yuan become dollars at that
    year's mean of the Federal Reserve's daily USD/CNY rate (FRED DEXCHUS, in the book's cache).
    """
    from shockbook.analysis import market

    f = fact("GEO-B03")
    if "a year earlier" not in f.statement or "8-GPU server" not in f.unit or "million CNY" not in f.unit:
        raise FactsError(f"GEO-B03: expected the H800 server price of a year earlier in million CNY; got {f.unit!r}.")
    year = pd.Timestamp(str(f.as_of)).year - 1
    fx = market.closes(["DEXCHUS"])["DEXCHUS"]
    rate = float(fx[fx.index.year == year].mean())
    server_cny = f.number(0) * 1e6
    gpus = number_in_text(f.unit, r"per (\d+)-GPU server", "GEO-B03")
    return {"server_cny": server_cny, "year": year, "cny_per_usd": rate, "gpus": gpus,
            "per_gpu_usd": server_cny / gpus / rate}
