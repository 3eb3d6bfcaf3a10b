"""Chapters 2 ("Costs") and 3 ("Skepticism"): parameter checks, tables and charts.

The arithmetic lives in :mod:`shockbook.analysis.costs` (tested there); this module arranges its results
for the page. Every number shown comes from a fact (by id), from the claims ledger (the articles'
figures, by claim id) or from a reader's parameter; the few assumed levels (utilisation) are
named constants below and labelled as assumptions wherever they appear.
"""
from __future__ import annotations

import math
import numbers

import altair as alt
import numpy as np
import pandas as pd

from shockbook import params
from shockbook.analysis import costs
from shockbook.data.facts import fact
from shockbook.site import charts

# --------------------------------------------------------------------------------------------
# Sources and labels
# --------------------------------------------------------------------------------------------

SOURCE_V3 = "DeepSeek-V3 technical report (GPU-hours, $2/GPU-hour assumption); DeepSeek-R1 paper v2 (RL stage)"
SOURCE_EPOCH = "Data: Epoch AI, Notable AI Models (CC BY 4.0); DeepSeek-V3 technical report"
SOURCE_PRICES = "DeepSeek API docs; OpenAI list prices for o1, o3-mini and GPT-4o (book facts, see table)"
SOURCE_FLEET = ("DeepSeek-V3 report and R1 paper (disclosed); SemiAnalysis via Taiwan News and Tom's Hardware "
                "(estimate); Wang via Mint (claim)")
SOURCE_PRICE_RANGE = "Raymond James via Barron's (H100 price, estimate); rental rates: DeepSeek, SemiAnalysis"
SOURCE_RUN_FLEET = "DeepSeek (V3 report, R1 paper); The Register; SemiAnalysis; Raymond James; Wang (see table)"

STATUS_ORDER = ["fact", "estimate", "claim", "disputed"]
STATUS_COLORS = ["#0072B2", "#E69F00", "#CC79A7", "#D55E00"]
GPU_ORDER = ["H800", "H100", "H20", "A100"]

# Assumed utilisation levels for the sensitivity grid: no fact gives DeepSeek's (or anyone's)
# utilisation, so the grid spans a range; the V3 run's own share of a year is added to it.
UTILISATION_LEVELS = (0.25, 0.5, 0.75, 1.0)
# Axis labels for dollars on log scales: d3's SI prefix writes billions as "G".
USD_LABEL = "replace(format(datum.value, '$~s'), 'G', 'B')"

PRICE_KEYS = ("R1", "o1", "o3-mini", "V3 promo", "V3", "GPT-4o")
TASK_KEYS = ("R1", "o1", "o3-mini", "V3", "GPT-4o")
MIX_STEPS = 20  # points along the output-share axis of the task-cost chart (every 5 %)
TIER_LABELS = {"cache_hit": "input, cache hit", "cache_miss": "input, cache miss", "output": "output"}


def status_badge(status: str) -> str:
    """HTML for a status label styled by _static/book.css."""
    if status not in STATUS_ORDER:
        raise ValueError(f"status must be one of {STATUS_ORDER}; got {status!r}")
    return f'<span class="status status-{status}">{status}</span>'


def money(x: float) -> str:
    """$1.38B, $136.2M, $27.5K, $5.58M: a short label for a chart cell."""
    if x >= 1e9:
        return f"${x / 1e9:,.2f}B"
    if x >= 1e6:
        return f"${x / 1e6:,.1f}M"
    if x >= 1e3:
        return f"${x / 1e3:,.1f}K"
    return f"${x:,.2f}"


def claimed(claim_id: str) -> float:
    """An article's figure from the claims ledger (data/claims.csv), as a number (sign dropped)."""
    from shockbook.analysis import claims

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

    df = claims.load_claims().set_index("id")
    centre = claimed(claim_id)
    tol = float(df.loc[claim_id, "tolerance"])
    return centre - tol, centre + tol


def epoch_dollar_year() -> str:
    """The year of the constant dollars of Epoch's amortised cost column, read from its name."""
    import re

    for col in costs.EPOCH_COST_COLUMNS:
        m = re.search(r"\((\d{4}) USD\)", col)
        if m:
            return m.group(1)
    raise ValueError("no '(YYYY USD)' column among Epoch's cost columns")


# --------------------------------------------------------------------------------------------
# Parameter checks
# --------------------------------------------------------------------------------------------

# name -> (low, high, low inclusive, high inclusive, unit, whole number?). Upper limits are sanity
# bounds well beyond the facts: rental rates in the facts are $2-3 per GPU-hour, H100 prices
# $25,000-30,000 (up to ~$70,000 reported in China), the largest fleets about a million GPUs.
COSTS_LIMITS = {
    "rental_rate": (0, 20, False, True, "USD per GPU-hour", False),
    "gpu_hours": (0, 1e9, False, True, "GPU-hours", False),
    "input_tokens": (0, 10_000_000, True, True, "tokens per task", True),
    "output_tokens": (0, 10_000_000, True, True, "tokens per task", True),
    "cache_hit_share": (0, 1, True, True, "share of input tokens served from cache", False),
    "tasks": (1, 1e9, True, True, "tasks", True),
}
SKEPTICISM_LIMITS = {
    "rental_rate": (0, 20, False, True, "USD per GPU-hour", False),
    "gpu_unit_price": (0, 200_000, False, True, "USD per GPU", False),
    "fleet_size": (1, 2_000_000, True, True, "GPUs", True),
    "utilisation": (0, 1, False, True, "share of the year the GPUs are rented and used", False),
    "overhead_multiplier": (1, 5, True, True, "x the GPU price (1 = GPUs only)", False),
    "years": (0, 10, False, True, "years", False),
}


def _check_one(name: str, value, limits: dict) -> float:
    lo, hi, lo_inc, hi_inc, unit, whole = limits[name]
    return params.number(name, value, lo, hi, unit, lo_inc=lo_inc, hi_inc=hi_inc, whole=whole)


def check_costs_parameters(rental_rate, gpu_hours, input_tokens, output_tokens, cache_hit_share, tasks) -> dict:
    """Chapter 2's parameters, checked; a ValueError names the parameter and its allowed range."""
    p = {name: _check_one(name, value, COSTS_LIMITS) for name, value in
         (("rental_rate", rental_rate), ("gpu_hours", gpu_hours), ("input_tokens", input_tokens),
          ("output_tokens", output_tokens), ("cache_hit_share", cache_hit_share), ("tasks", tasks))}
    if p["input_tokens"] + p["output_tokens"] == 0:
        raise ValueError("input_tokens and output_tokens cannot both be 0: a task needs some tokens.")
    return p


def check_skepticism_parameters(rental_rate, gpu_unit_price, fleet_size, utilisation, overhead_multiplier,
                                years) -> dict:
    """Chapter 3's parameters, checked; a ValueError names the parameter and its allowed range."""
    return {name: _check_one(name, value, SKEPTICISM_LIMITS) for name, value in
            (("rental_rate", rental_rate), ("gpu_unit_price", gpu_unit_price), ("fleet_size", fleet_size),
             ("utilisation", utilisation), ("overhead_multiplier", overhead_multiplier), ("years", years))}


# --------------------------------------------------------------------------------------------
# Chapter 2: the V3 cost build-up
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
    bars = base.mark_bar(height=18).encode(
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
    chart = alt.layer(bars, text).properties(width=charts.WIDTH - 190, height=34 * len(data))
    return charts.titled(chart, "What the headline figure is made of",
                         "DeepSeek-V3's final training run by stage, then R1's later-disclosed reinforcement learning",
                         SOURCE_V3)


def days_table(claimed_days: float) -> pd.DataFrame:
    """Days on the 2,048-GPU cluster each basis implies, against the articles' claimed days."""
    d = costs.v3_cluster_days_check(claimed_days)
    return d[["basis", "facts", "gpu_hours", "gpus", "days", "claimed_days", "gap_days"]]


# --------------------------------------------------------------------------------------------
# Chapter 2: Epoch AI comparison
# --------------------------------------------------------------------------------------------

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
        align="left", dx=7, dy=-6, fontSize=10, color="#333").encode(**enc, text="label:N")
    own_label = base.transform_filter(alt.datum.who == own).mark_text(
        align="left", dx=7, dy=10, fontSize=10, color="#333").encode(**enc, text="label:N")
    chart = alt.layer(points, labels, own_label).add_params(pick).properties(width=charts.WIDTH - 60, height=charts.HEIGHT + 40)
    return charts.titled(chart, "Compute against cost, frontier models",
                         "Pick Epoch's cost definition below; Epoch's costs are in 2023 dollars", SOURCE_EPOCH)


# --------------------------------------------------------------------------------------------
# Chapter 2: API prices
# --------------------------------------------------------------------------------------------

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
    text = base.mark_text(align="left", dx=3, fontSize=9, color="#333").encode(
        x="usd_per_m:Q", text=alt.Text("usd_per_m:Q", format="$,.3~f"))
    chart = alt.layer(bars, text).properties(width=charts.WIDTH - 200, height=alt.Step(11))
    return charts.titled(chart, "API list prices by tier",
                         "DeepSeek's R1 and V3 (before and after its launch promotion) against OpenAI", SOURCE_PRICES)


def ratio_table() -> pd.DataFrame:
    """R1 against o1 tier by tier, with the two articles' phrases placed beside the measured ratios."""
    df = costs.r1_vs_o1()
    df["tier"] = df["price"].map(TIER_LABELS)
    thirtieth = claimed("C20")
    pct = claimed("C71")
    df["vs_one_thirtieth"] = thirtieth / df["ratio"]
    df["vs_98_cheaper"] = costs.ratio_from_percent_cheaper(pct) / df["ratio"]
    return df[["tier", "R1_usd", "o1_usd", "ratio", "percent_cheaper", "vs_one_thirtieth", "vs_98_cheaper"]]


def task_table(input_tokens: float, output_tokens: float, cache_hit_share: float, tasks: float,
               keys=TASK_KEYS) -> pd.DataFrame:
    t = costs.task_costs(input_tokens, output_tokens, cache_hit_share, keys)
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
        color="#555", strokeDash=[4, 3]).encode(x="x:Q", tooltip=[alt.Tooltip("x:Q", title="Your output share (%)",
                                                                              format=".1f")])
    chart = alt.layer(rule, lines).properties(width=charts.WIDTH - 60, height=charts.HEIGHT)
    return charts.titled(chart, "What one task costs, by token mix",
                         f"A task of {total_tokens:,.0f} tokens, {cache_hit_share:.0%} of input from cache; "
                         "dashed line: your mix", SOURCE_PRICES)


# --------------------------------------------------------------------------------------------
# Chapter 3: fleets
# --------------------------------------------------------------------------------------------

def fleet_chart(df: pd.DataFrame) -> alt.Chart:
    order = list(dict.fromkeys(df["fleet"]))
    gpus = [g for g in GPU_ORDER if g in set(df["gpu"])]
    bars = alt.Chart(df).mark_bar().encode(
        x=alt.X("sum(count):Q", title="GPUs", axis=alt.Axis(format=",.0f")),
        y=alt.Y("fleet:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
        color=alt.Color("gpu:N", title="GPU", sort=gpus, scale=alt.Scale(domain=gpus, range=charts.PALETTE[:len(gpus)])),
        order=alt.Order("gpu_rank:Q"),
        tooltip=[alt.Tooltip("fleet:N", title="Fleet"), alt.Tooltip("gpu:N", title="GPU"),
                 alt.Tooltip("count:Q", title="GPUs", format=",.0f"), alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("facts:N", title="Facts")],
    ).transform_calculate(gpu_rank=f"indexof({gpus!r}, datum.gpu)")
    chart = bars.properties(width=charts.WIDTH - 250, height=40 * len(order))
    return charts.titled(chart, "How many GPUs, and which?",
                         "What DeepSeek disclosed, what analysts estimated and what was claimed", SOURCE_FLEET)


def buy_rent_chart(df: pd.DataFrame, breakeven_years: float) -> alt.Chart:
    options = list(dict.fromkeys(df["option"]))
    data = df.assign(cost_bn=df["cost_usd"] / 1e9)
    lines = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=alt.X("years:Q", title="Years since the fleet was acquired"),
        y=alt.Y("cost_bn:Q", title="Cumulative cost (US$ billion)"),
        color=alt.Color("option:N", title=None, sort=options, scale=alt.Scale(domain=options, range=charts.PALETTE),
                        legend=alt.Legend(columns=2)),
        strokeDash=alt.condition(alt.datum.option == "buy", alt.value([1, 0]), alt.value([5, 3])),
        tooltip=[alt.Tooltip("option:N", title="Option"), alt.Tooltip("years:Q", title="Years", format=".2f"),
                 alt.Tooltip("cost_bn:Q", title="Cost to date ($bn)", format=",.3f")],
    )
    marks = [lines]
    if breakeven_years <= float(df["years"].max()):
        rule = alt.Chart(pd.DataFrame({"x": [breakeven_years]})).mark_rule(color="#555", strokeDash=[2, 2]).encode(
            x="x:Q", tooltip=[alt.Tooltip("x:Q", title="Break-even at your rate (years)", format=".2f")])
        marks.insert(0, rule)
    chart = alt.layer(*marks).properties(width=charts.WIDTH - 40, height=charts.HEIGHT)
    return charts.titled(chart, "Buying a fleet against renting it",
                         "GPUs bought upfront (flat) against renting the same GPUs by the hour; dotted rule: break-even "
                         "at your rate", SOURCE_PRICE_RANGE)


def sensitivity_frames(fleet_size: float, gpu_unit_price: float, rental_rate: float, utilisation: float,
                       overhead_multiplier: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two halves of the sensitivity grid, small enough to chart.

    Purchase: GPU count x price per GPU (H100 range CST-42 and its midpoint, SemiAnalysis' all-in
    capex per GPU, the reader's price). Rental for a year: GPU count x utilisation (assumed levels,
    the V3 run's share of a year, the reader's) x rental rate (CST-05, CST-43, the reader's).
    Each cell carries its ratio to the articles' figures ($1.3B: C94; under $6M: C86) and a flag
    on the cell nearest each (per rental rate for the $6M).
    """
    d = costs.grid_defaults()
    sa = costs.semianalysis_fleet()
    sa_two = float(sa.loc[sa["gpu"].isin(["H800", "H100"]), "count"].sum())
    gpus = sorted(set(d["gpus"]) | {sa_two, float(fleet_size)})
    lo, hi = d["unit_price_usd"]
    prices = sorted({lo, (lo + hi) / 2, hi, costs.semianalysis_capex_per_gpu()["capex_per_gpu_usd"],
                     float(gpu_unit_price)})
    v3_share = costs.run_share_of_fleet(costs.v3_total_gpu_hours(), costs.v3_cluster_gpus())
    utils = sorted(set(UTILISATION_LEVELS) | {v3_share, float(utilisation)})
    rates = sorted(set(d["rental_rate_usd_per_gpu_hour"]) | {float(rental_rate)})
    grid = costs.sensitivity_grid(gpus=gpus, unit_price_usd=prices, utilisation=utils,
                                  rental_rate_usd_per_gpu_hour=rates, overhead_multiplier=overhead_multiplier)
    big, small = claimed("C94") * 1e9, claimed("C86") * 1e6
    purchase = grid.drop_duplicates(["gpus", "unit_price_usd"])[["gpus", "unit_price_usd", "overhead_multiplier",
                                                                  "purchase_cost_usd"]].reset_index(drop=True)
    purchase["x_claim"] = purchase["purchase_cost_usd"] / big
    purchase["nearest"] = np.abs(np.log(purchase["x_claim"])) == np.abs(np.log(purchase["x_claim"])).min()
    purchase["label"] = [money(x) for x in purchase["purchase_cost_usd"]]
    rental = grid.drop_duplicates(["gpus", "utilisation", "rental_rate_usd_per_gpu_hour"])[
        ["gpus", "utilisation", "rental_rate_usd_per_gpu_hour", "rental_cost_usd"]].reset_index(drop=True)
    rental["x_claim"] = rental["rental_cost_usd"] / small
    dist = np.abs(np.log(rental["x_claim"]))
    rental["nearest"] = dist == dist.groupby(rental["rental_rate_usd_per_gpu_hour"]).transform("min")
    rental["label"] = [money(x) for x in rental["rental_cost_usd"]]
    rental["v3_run_share"] = np.isclose(rental["utilisation"], v3_share)
    purchase.attrs.update(claim_usd=big, claim_id="C94")
    rental.attrs.update(claim_usd=small, claim_id="C86", v3_share=v3_share)
    return purchase.reset_index(drop=True), rental.reset_index(drop=True)


def _heat(data: pd.DataFrame, y: str, y_title: str, y_format: str, cost: str, claim_title: str,
          domain: tuple[float, float], extra_tooltip: list, transform=None) -> alt.LayerChart:
    base = alt.Chart(data)
    if transform is not None:
        base = base.transform_filter(transform)
    enc = dict(x=alt.X("gpus:O", title="GPUs", axis=alt.Axis(format=",.0f", labelAngle=0)),
               y=alt.Y(f"{y}:O", title=y_title, sort="descending", axis=alt.Axis(format=y_format)))
    rect = base.mark_rect().encode(
        **enc,
        color=alt.Color(f"{cost}:Q", title="Cost (US$, log scale)", scale=alt.Scale(type="log", scheme="blues",
                                                                                  domain=list(domain)),
                        legend=alt.Legend(labelExpr=USD_LABEL, orient="right")),
        tooltip=[alt.Tooltip("gpus:Q", title="GPUs", format=",.0f"), *extra_tooltip,
                 alt.Tooltip(f"{cost}:Q", title="Cost (US$)", format="$,.0f"),
                 alt.Tooltip("x_claim:Q", title=claim_title, format=",.3f")],
    )
    outline = base.transform_filter(alt.datum.nearest).mark_rect(fill=None, stroke=charts.DOWN, strokeWidth=3).encode(**enc)
    text = base.mark_text(fontSize=10).encode(
        **enc, text="label:N",
        color=alt.condition(f"datum.{cost} > {math.sqrt(domain[0] * domain[1]) * 3}", alt.value("white"), alt.value("#222")))
    return alt.layer(rect, outline, text)


def sensitivity_chart(purchase: pd.DataFrame, rental: pd.DataFrame, rental_rate: float) -> alt.Chart:
    allc = pd.concat([purchase["purchase_cost_usd"], rental["rental_cost_usd"]])
    domain = (float(allc.min()), float(allc.max()))
    big, small = purchase.attrs["claim_usd"], rental.attrs["claim_usd"]
    rates = sorted(rental["rental_rate_usd_per_gpu_hour"].unique().tolist())
    pick = alt.param(name="rate_pick", value=float(rental_rate),
                     bind=alt.binding_select(options=rates, labels=[f"${r:,.2f}" for r in rates],
                                             name="Rental rate (US$ per GPU-hour): "))
    left = _heat(purchase, "unit_price_usd", "Price per GPU (US$)", "$,.0f", "purchase_cost_usd",
                 f"× the {money(big)} figure", domain,
                 [alt.Tooltip("unit_price_usd:Q", title="Price per GPU", format="$,.0f"),
                  alt.Tooltip("overhead_multiplier:Q", title="Overhead multiplier", format=".2f")]).properties(
        width=charts.WIDTH - 200, height=170, title=alt.TitleParams(f"Buy: outlined, the cell nearest the {money(big)} figure",
                                                                   fontSize=12))
    right = _heat(rental, "utilisation", "Share of the year rented and used", ".1%", "rental_cost_usd",
                  f"× the {money(small)} figure", domain,
                  [alt.Tooltip("utilisation:Q", title="Share of the year", format=".1%"),
                   alt.Tooltip("rental_rate_usd_per_gpu_hour:Q", title="Rate (US$/GPU-hour)", format="$,.2f")],
                  transform=alt.datum.rental_rate_usd_per_gpu_hour == pick).properties(
        width=charts.WIDTH - 200, height=200, title=alt.TitleParams(
            f"Rent for a year: outlined, the cell nearest the {money(small)} figure", fontSize=12))
    chart = alt.vconcat(left, right.add_params(pick), spacing=24).resolve_scale(color="shared")
    return charts.titled(chart, "What the fleet would cost, over the assumptions",
                         "Top: GPU count × price per GPU. Bottom: GPU count × share of the year × rental rate "
                         "(pick below)", SOURCE_PRICE_RANGE)


def sensitivity_table(purchase: pd.DataFrame, rental: pd.DataFrame, gpu_unit_price: float, rental_rate: float,
                      utilisation: float) -> pd.DataFrame:
    """Per GPU count: purchase at the H100 range and the reader's price; a year's rental at $2 and the reader's."""
    lo, hi = costs.grid_defaults()["unit_price_usd"]
    base_rate = costs.default_rate_usd_per_gpu_hour()
    p = purchase.pivot(index="gpus", columns="unit_price_usd", values="purchase_cost_usd")
    r = rental.set_index(["gpus", "utilisation", "rental_rate_usd_per_gpu_hour"])["rental_cost_usd"]
    out = pd.DataFrame({
        "gpus": p.index,
        "buy_low": p[lo].to_numpy(), "buy_high": p[hi].to_numpy(), "buy_yours": p[float(gpu_unit_price)].to_numpy(),
        "rent_base_full": [r.loc[(g, 1.0, base_rate)] for g in p.index],
        "rent_yours": [r.loc[(g, float(utilisation), float(rental_rate))] for g in p.index],
    })
    return out


def run_vs_fleet_chart(df: pd.DataFrame) -> alt.Chart:
    order = list(df["item"])
    data = df.assign(mid=np.sqrt(df["low_usd"] * df["high_usd"]),
                     range_label=[money(a) if a == b else f"{money(a)}–{money(b)}" for a, b in zip(df["low_usd"], df["high_usd"])])
    enc_y = alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    color = alt.Color("status:N", title="Status", scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLORS))
    tips = [alt.Tooltip("item:N", title="Item"), alt.Tooltip("range_label:N", title="US$"),
            alt.Tooltip("low_x_v3_run:Q", title="× the V3 run (low)", format=",.1f"),
            alt.Tooltip("high_x_v3_run:Q", title="× the V3 run (high)", format=",.1f"),
            alt.Tooltip("status:N", title="Status"), alt.Tooltip("facts:N", title="Facts")]
    x = alt.X("low_usd:Q", title="US$ (log scale)", scale=alt.Scale(type="log"),
              axis=alt.Axis(labelExpr=USD_LABEL, values=[10.0 ** k for k in range(5, 11)]))
    rule = alt.Chart(data).mark_rule(strokeWidth=6, opacity=0.6).encode(x=x, x2="high_usd:Q", y=enc_y, color=color,
                                                                       tooltip=tips)
    pts = alt.Chart(data).mark_point(filled=True, size=80, opacity=1).encode(x=alt.X("mid:Q"), y=enc_y, color=color, tooltip=tips)
    text = alt.Chart(data).mark_text(align="left", dx=8, fontSize=10).encode(x="high_usd:Q", y=enc_y, text="range_label:N")
    chart = alt.layer(rule, pts, text).properties(width=charts.WIDTH - 280, height=32 * len(data))
    return charts.titled(chart, "One training run against a company's hardware",
                         "Each figure with its status; ranges where the GPU price is a range", SOURCE_RUN_FLEET)


def statements_table(ids) -> pd.DataFrame:
    """Facts by id: statement, value, status badge and short source (for the chapters' ledgers)."""
    from html import escape

    from shockbook.data.facts import short_source

    rows = []
    for fid in ids:
        f = fact(fid)
        rows.append({"id": f'<span style="white-space:nowrap">{escape(fid)}</span>',
                     "statement": f'<div style="text-align:left">{escape(f.statement)}</div>',
                     "status": status_badge(f.status),
                     "source": f"{short_source(f.source_title)}, {f.as_of}"})
    return pd.DataFrame(rows)
