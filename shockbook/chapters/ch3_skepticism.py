"""Chapter 3, "Skepticism": the fleets claimed and estimated, what they would cost, and how they
compare with one training run.

The arithmetic lives in :mod:`shockbook.analysis.costs` (tested there); this module arranges its
results for the page, one function per section. Every number shown comes from a fact (by id), from
the claims ledger (the articles' figures, by claim id) or from a reader's parameter; the few
assumed levels (utilisation) are named constants below and labelled as assumptions where they appear.
"""
from __future__ import annotations

import math
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

SOURCE_FLEET = ("DeepSeek-V3 report and R1 paper (disclosed); SemiAnalysis via Taiwan News and Tom's Hardware "
                "(estimate); Wang via Mint (claim)")
SOURCE_PRICE_RANGE = "Raymond James via Barron's (H100 price, estimate); rental rates: DeepSeek, SemiAnalysis"
SOURCE_RUN_FLEET = "DeepSeek (V3 report, R1 paper); The Register; SemiAnalysis; Raymond James; Wang (see table)"

GPU_ORDER = ["H800", "H100", "H20", "A100"]
# Assumed utilisation levels for the sensitivity grid: no fact gives DeepSeek's (or anyone's)
# utilisation, so the grid spans a range; the V3 run's own share of a year is added to it.
UTILISATION_LEVELS = (0.25, 0.5, 0.75, 1.0)

# The statements of the distillation section and of the chapter's ledger, by fact id.
DISTILLATION_FACTS = ("SKP-11", "SKP-10", "SKP-12", "SKP-13", "SKP-15")
LEDGER_FACTS = ("CST-05", "CST-06", "CST-10", "CST-17", "CST-18", "CST-42", "CST-43", "SKP-01", "SKP-02", "SKP-03",
                "SKP-04", "SKP-05", "SKP-06", "SKP-07", "SKP-08", "SKP-09", "SKP-10", "SKP-11", "SKP-12", "SKP-13",
                "SKP-14", "SKP-15")
STATEMENT_LABELS = {"id": "Fact", "statement": "Statement", "status": "Status", "source": "Source"}
# The command the "Rerun this chapter" box shows (checked by Params before it is shown).
RERUN_EXAMPLE = {"rental_rate": "3.0", "gpu_unit_price": "30000", "utilisation": "0.5", "china_premium": "2"}


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

# name -> the interval each parameter must lie in, with its unit. Upper limits are sanity
# bounds well beyond the facts: rental rates in the facts are $2-3 per GPU-hour, H100 prices
# $25,000-30,000 (up to ~$70,000 reported in China), the largest fleets about a million GPUs.
LIMITS = {
    "rental_rate": params.Bounds(0, 20, "USD per GPU-hour", lo_inc=False),
    "gpu_unit_price": params.Bounds(0, 200_000, "USD per GPU", lo_inc=False),
    "fleet_size": params.Bounds(1, 2_000_000, "GPUs", whole=True),
    "utilisation": params.Bounds(0, 1, "share of the year the GPUs are rented and used", lo_inc=False),
    "overhead_multiplier": params.Bounds(1, 5, "x the GPU price (1 = GPUs only)"),
    "years": params.Bounds(0, 10, "years", lo_inc=False),
    # Reported grey-market premiums for restricted chips in China are 1.5x (SKP-B11) to 2x (SKP-B10);
    # the range allows none (1) to half as much again as the highest.
    "china_premium": params.Bounds(1, 3, "x the H100's price outside China, for smuggled H100s"),
}


@dataclass(frozen=True)
class Params(params.ChapterParams):
    rental_rate: float = params.bounded(2.0, "US$ per GPU-hour to rent (DeepSeek's own H800 assumption, fact CST-05)",
                                        LIMITS["rental_rate"])
    gpu_unit_price: float = params.bounded(27500.0,
                                           "US$ per GPU to buy (midpoint of the H100 price range, fact CST-42)",
                                           LIMITS["gpu_unit_price"])
    fleet_size: int = params.bounded(50000,
                                     "GPUs in the fleet to price (Wang's claim SKP-01, SemiAnalysis' estimate SKP-03)",
                                     LIMITS["fleet_size"])
    utilisation: float = params.bounded(1.0,
                                        "share of the year rented GPUs are paid for (an assumption, no source)",
                                        LIMITS["utilisation"])
    overhead_multiplier: float = params.bounded(1.0,
                                                "servers and networking as a multiple of the GPU price, 1.0 for GPUs only (no source)",
                                                LIMITS["overhead_multiplier"])
    years: float = params.bounded(4.0, "horizon of the buy-or-rent comparison, and the years an owned GPU is "
                                  "written off over", LIMITS["years"])
    china_premium: float = params.bounded(1.0, "what a smuggled H100 cost in China as a multiple of its price "
                                          "elsewhere (1.5-2 reported, facts SKP-B11, SKP-B10)", LIMITS["china_premium"])


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------

def rerun_box(p: Params) -> Section:
    """The parameters, their exact valid ranges and a command that works as shown."""
    return Section(numbers={"skep_rerun": params_box.rerun_box(Params, "03", RERUN_EXAMPLE)})


def opening(p: Params) -> Section:
    """The blog's figures for the doubters (the claims ledger)."""
    return Section(numbers={"c92_gpus": costs.claimed("C92"), "c93_gpus": costs.claimed("C93"),
                                        "c94_bn": costs.claimed("C94")})


def fleets(p: Params) -> Section:
    """Which chips and how many: Wang's claim, SemiAnalysis' split, High-Flyer's A100s, the disclosed clusters."""
    wang = facts.fact("SKP-01")
    sa = costs.semianalysis_fleet().set_index("gpu")
    fl = costs.fleet_scenarios()
    return Section(
        numbers={
            "wang_date": Day(wang.as_of), "wang_gpus": wang.scaled(), "wang_cite": Cite(wang),
            "musk_cite": Cite("SKP-02"),
            "sa_total": facts.fact("SKP-03").scaled(), "sa_cite": Cite("SKP-03"),
            "sa_h800": sa.loc["H800", "count"], "sa_h100": sa.loc["H100", "count"], "sa_h20": sa.loc["H20", "count"],
            "sa_split_cite": Cite("SKP-04"),
            "sa_h100_share": sa.loc["H100", "count"] / wang.scaled(),
            "a100": facts.fact("SKP-05").number(0), "a100_cite": Cite("SKP-05"),
            "v3_gpus": costs.v3_cluster_gpus(), "v3_gpus_cite": Cite("CST-10"),
            "r1_gpus": facts.fact("CST-17").number(2), "r1_gpus_cite": Cite("CST-17"),
        },
        figures={"fig-skep-fleets-chart": Figure(fleet_chart(fl), fl)},
    )


def chips(p: Params) -> Section:
    """SemiAnalysis' fleet priced chip by chip, against the blog's all-H100 $1.3B; the China premium."""
    priced = costs.semianalysis_fleet_priced(p.china_premium)
    by = priced.set_index("gpu")
    lo, hi = priced["cost_low_usd"].sum(), priced["cost_high_usd"].sum()
    blog = costs.claimed("C94") * 1e9
    server = costs.h800_server_price_per_gpu_usd()
    premiums = sorted(set(costs.china_premiums()) | {p.china_premium})
    sens = pd.DataFrame([{"premium": x,
                                      "low_usd": costs.semianalysis_fleet_priced(x)["cost_low_usd"].sum(),
                                      "high_usd": costs.semianalysis_fleet_priced(x)["cost_high_usd"].sum()} for x in premiums])
    shown = priced[["gpu", "count", "low_usd", "high_usd", "cost_low_usd", "cost_high_usd", "facts"]]
    shown = shown.assign(cost_low_usd=shown["cost_low_usd"] / 1e6, cost_high_usd=shown["cost_high_usd"] / 1e6)
    return Section(
        numbers={
            "chip_h800_lo": by.loc["H800", "low_usd"], "chip_h800_hi": by.loc["H800", "high_usd"],
            "chip_h100_lo": by.loc["H100", "low_usd"], "chip_h100_hi": by.loc["H100", "high_usd"],
            "chip_h20_lo": by.loc["H20", "low_usd"], "chip_h20_hi": by.loc["H20", "high_usd"],
            "chip_h20_cite": Cite("GEO-B02"), "chip_h800_cite": Cite("GEO-11"),
            "chip_premium": p.china_premium,
            "chip_total_lo_bn": lo / 1e9, "chip_total_hi_bn": hi / 1e9,
            "chip_blog_bn": blog / 1e9,
            "chip_vs_blog": Word("below" if hi < blog else "above" if lo > blog else "around"),
            "chip_prem_lo": costs.china_premiums()[1], "chip_prem_hi": costs.china_premiums()[2],
            "chip_prem_lo_cite": Cite("SKP-B11"), "chip_prem_hi_cite": Cite("SKP-B10"),
            "chip_total_prem_hi_bn": sens.set_index("premium").loc[costs.china_premiums()[2], "high_usd"] / 1e9,
            "chip_capex_bn": costs.semianalysis_capex_per_gpu()["capex_usd"] / 1e9,
            "chip_h800_server_m_cny": server["server_cny"] / 1e6, "chip_h800_server_gpus": server["gpus"],
            "chip_h800_server_usd": server["per_gpu_usd"], "chip_fx": server["cny_per_usd"],
            "chip_fx_year": str(server["year"]), "chip_h800_server_cite": Cite("GEO-B03"),
            "chip_h800_vs_server": Word(words.direction(by.loc["H800", "high_usd"] - server["per_gpu_usd"],
                                                                    "below", "above", "equal to")),
        },
        tables={
            "tbl-skep-chips-table": Table(
                shown,
                {"gpu": "GPU", "count": "GPUs (SemiAnalysis)", "low_usd": "Price, low ($)", "high_usd": "Price, high ($)",
                 "cost_low_usd": "Fleet, low ($M)", "cost_high_usd": "Fleet, high ($M)", "facts": "Facts"},
                {"count": "{:,.0f}", "low_usd": "{:,.0f}", "high_usd": "{:,.0f}", "cost_low_usd": "{:,.0f}",
                 "cost_high_usd": "{:,.0f}"}),
            "tbl-skep-premium-table": Table(
                sens.assign(low_usd=sens["low_usd"] / 1e6, high_usd=sens["high_usd"] / 1e6),
                {"premium": "China premium on H100s (×)", "low_usd": "Fleet, low ($M)", "high_usd": "Fleet, high ($M)"},
                {"premium": "{:.2f}", "low_usd": "{:,.0f}", "high_usd": "{:,.0f}"}),
        },
    )


def ownership(p: Params) -> Section:
    """DeepSeek's $2 per GPU-hour against what an owned GPU-hour costs: GPUs only, and all-in (SemiAnalysis)."""
    tco = costs.semianalysis_tco()
    rate = costs.default_rate_usd_per_gpu_hour()
    gpus_only = costs.owned_gpu_hour_usd(p.gpu_unit_price * p.overhead_multiplier, p.years, p.utilisation)
    all_in = costs.tco_gpu_hour_usd(p.years, p.utilisation)
    story = costs.tco_gpu_hour_usd()
    market = max(facts.fact("CST-43").numbers)
    rows = pd.DataFrame([
        {"basis": "owned, GPUs only (this run's price, overhead, years and utilisation)", "usd_per_gpu_hour": gpus_only,
         "facts": "parameters"},
        {"basis": "owned, all-in (SemiAnalysis' capex and opex, this run's years and utilisation)",
         "usd_per_gpu_hour": all_in, "facts": "SKP-07, SKP-08"},
        {"basis": "DeepSeek's assumed rental rate", "usd_per_gpu_hour": rate, "facts": "CST-05"},
        {"basis": "on-demand H100 rental, October 2024", "usd_per_gpu_hour": market, "facts": "CST-43"},
    ])
    return Section(
        numbers={
            "own_capex_bn": tco["capex_usd"] / 1e9, "own_opex_m": tco["opex_usd"] / 1e6,
            "own_critic_m": tco["critic_per_year_usd"] / 1e6, "own_gpus": tco["gpus"],
            "own_horizon": tco["horizon_years"], "own_cite": Cite("SKP-07"), "own_critic_cite": Cite("SKP-08"),
            "own_run_musd": facts.fact("CST-06").scaled(unit_contains="USD million") / 1e6, "own_years": p.years, "own_util_pct": p.utilisation * 100,
            "own_gpus_only": gpus_only, "own_all_in": all_in, "own_story": story, "own_rate": rate,
            "own_gpus_only_word": Word(words.direction(gpus_only - rate, "below", "above", "equal to")),
            "own_all_in_word": Word(words.direction(all_in - rate, "below", "above", "equal to")),
            "own_story_word": Word(words.direction(story - rate, "below", "above", "equal to")),
            "own_method_word": Word(words.direction(all_in - rate, "overstates", "understates", "matches")),
            "own_side_word": Word("high" if all_in < rate else "low" if all_in > rate else "neither"),
        },
        tables={"tbl-skep-ownership-table": Table(
            rows, {"basis": "Basis", "usd_per_gpu_hour": "US$ per GPU-hour", "facts": "Facts"},
            {"usd_per_gpu_hour": "{:,.2f}"})},
    )


def plausibility(p: Params) -> Section:
    """Two checks from the book's own facts: the serving fleet as a floor on the hardware; the fleet's power."""
    srv = costs.deepseek_serving_fleet()
    lo, hi = costs.grid_defaults()["unit_price_usd"]
    sa = costs.semianalysis_fleet().set_index("gpu")["count"].to_dict()
    watts = costs.gpu_power_w()
    mix_mw = costs.fleet_power_mw(sa)
    all_h100_mw = costs.fleet_power_mw({"H100": p.fleet_size})
    return Section(numbers={
        "pl_peak_gpus": srv["peak_gpus"], "pl_per_node": srv["gpus_per_node"], "pl_peak_nodes": srv["peak_nodes"], "pl_cite": Cite("CST-31"),
        "pl_v3_gpus": costs.v3_cluster_gpus(),
        "pl_serving_word": Word(words.direction(srv["peak_gpus"] - costs.v3_cluster_gpus(), "fewer", "more",
                                                            "as many")),
        "pl_floor_lo_m": srv["peak_gpus"] * lo / 1e6, "pl_floor_hi_m": srv["peak_gpus"] * hi / 1e6,
        "pl_h100_w": watts["H100"], "pl_h20_w": watts["H20"], "pl_h100_w_cite": Cite("GEO-B05"),
        "pl_h20_w_cite": Cite("GEO-12"), "pl_fleet": p.fleet_size,
        "pl_all_h100_mw": all_h100_mw, "pl_mix_mw": mix_mw, "pl_sa_total": sum(sa.values()),
        "pl_mix_gwh": mix_mw * costs.HOURS_PER_YEAR / 1e3,
    })


def buy_or_rent(p: Params) -> Section:
    """The blog's $1.3B placed; buying the chapter's fleet; SemiAnalysis' capex; renting it; break-even."""
    fc = costs.place_fleet_claim(costs.claimed("C94") * 1e9)
    cap = costs.semianalysis_capex_per_gpu()
    h100 = facts.fact("CST-43")
    buy = costs.fleet_purchase_cost_usd(p.fleet_size, p.gpu_unit_price, p.overhead_multiplier)
    rent = costs.fleet_rental_cost_usd(p.fleet_size, p.rental_rate, costs.HOURS_PER_YEAR, p.utilisation)
    breakeven = costs.breakeven_years(p.gpu_unit_price, p.rental_rate, p.overhead_multiplier, p.utilisation)
    rates = sorted({costs.default_rate_usd_per_gpu_hour(), max(h100.numbers), p.rental_rate})
    over_time = costs.cost_over_time(p.fleet_size, p.gpu_unit_price, rates, p.years, p.utilisation,
                                                 p.overhead_multiplier)
    return Section(
        numbers={
            "c94_bn2": costs.claimed("C94"), "wang_gpus2": fc["gpus"], "c94_unit": fc["implied_unit_price_usd"],
            "price_lo": fc["price_range_usd"][0], "price_hi": fc["price_range_usd"][1],
            "price_cite": Cite("CST-42"),
            "unit": p.gpu_unit_price, "overhead": p.overhead_multiplier, "fleet": p.fleet_size,
            "buy_bn": buy / 1e9,
            "capex_bn": cap["capex_usd"] / 1e9, "capex_cite": Cite("SKP-07"),
            "capex_per_gpu": cap["capex_per_gpu_usd"], "opex_bn": cap["opex_usd"] / 1e9,
            "hw_musd": facts.fact("SKP-06").scaled() / 1e6, "hw_cite": Cite("SKP-06"),
            "critic_cite": Cite("SKP-08"),
            "reg_musd": cap["register_servers_usd"] / 1e6, "reg_cite": Cite("SKP-09"),
            "reg_per_gpu": cap["register_per_gpu_usd"],
            "rate": p.rental_rate, "util": p.utilisation, "util_pct": p.utilisation * 100,
            "rent_bn": rent / 1e9, "breakeven": breakeven,
            "c94_unit_in_range": Word("inside" if fc["within_price_range"] else "outside"),
            "h100_rate": h100.number(0), "h100_rate_cite": Cite(h100),
            "h100_asof": Month(h100.as_of),
        },
        figures={"fig-skep-buyrent-chart": Figure(buy_rent_chart(over_time, breakeven), over_time)},
    )


def sensitivity(p: Params) -> Section:
    """The four assumptions varied together; where the articles' two figures land on the grid."""
    purchase, rental = sensitivity_frames(p.fleet_size, p.gpu_unit_price, p.rental_rate, p.utilisation,
                                                      p.overhead_multiplier)
    big = purchase[purchase["nearest"]].iloc[0]
    base_rate = costs.default_rate_usd_per_gpu_hour()
    small = rental[rental["nearest"] & (rental["rental_rate_usd_per_gpu_hour"] == base_rate)].iloc[0]
    st = sensitivity_table(purchase, rental, p.gpu_unit_price, p.rental_rate, p.utilisation)
    lo, hi = costs.grid_defaults()["unit_price_usd"]
    shown = st.assign(**{c: st[c] / 1e6 for c in st.columns if c != "gpus"})
    data = pd.concat([purchase.assign(panel="buy"), rental.assign(panel="rent for a year")], ignore_index=True)
    return Section(
        numbers={
            "v3_share": rental.attrs["v3_share"], "c94_bn3": costs.claimed("C94"),
            "near_big_gpus": big["gpus"], "near_big_price": big["unit_price_usd"],
            "near_big_cost_bn": big["purchase_cost_usd"] / 1e9,
            "c86_musd": costs.claimed("C86"),
            "near_small_gpus": small["gpus"], "near_small_rate": small["rental_rate_usd_per_gpu_hour"],
            "near_small_util": small["utilisation"], "near_small_cost_musd": small["rental_cost_usd"] / 1e6,
            "near_small_util_pct": small["utilisation"] * 100,
            "near_small_is_v3": Word("V3's own run" if small["v3_run_share"] and small["gpus"] == costs.v3_cluster_gpus()
                                                  else "not V3's run"),
            "big_over_small": purchase.attrs["claim_usd"] / rental.attrs["claim_usd"],
            "fleet_ratio": big["gpus"] / small["gpus"],
            "fleet_ratio_x": max(big["gpus"] / small["gpus"], small["gpus"] / big["gpus"]),
            "fleet_ratio_word": Word(words.direction(big["gpus"] - small["gpus"], "fewer", "more", "as many")),
        },
        tables={"tbl-skep-sensitivity-table": Table(
            shown,
            {"gpus": "GPUs", "buy_low": f"Buy at ${lo:,.0f}", "buy_high": f"Buy at ${hi:,.0f}",
             "buy_yours": f"Buy at ${p.gpu_unit_price:,.0f} × {p.overhead_multiplier:.2f}",
             "rent_base_full": f"Rent a year at ${base_rate:,.2f}, all year",
             "rent_yours": f"Rent a year at ${p.rental_rate:,.2f}, {percent(p.utilisation)} of it"},
            {"gpus": "{:,.0f}", "buy_low": "{:,.0f}", "buy_high": "{:,.0f}", "buy_yours": "{:,.0f}",
             "rent_base_full": "{:,.0f}", "rent_yours": "{:,.0f}"})},
        figures={"fig-skep-sensitivity-chart": Figure(sensitivity_chart(purchase, rental, p.rental_rate), data)},
    )


def run_vs_fleet(p: Params) -> Section:
    """One training run against a company's hardware, each figure with its status."""
    rvf = costs.run_vs_fleet()
    rows = rvf.set_index("facts")
    shown = rvf.assign(low_usd=rvf["low_usd"] / 1e6, high_usd=rvf["high_usd"] / 1e6,
                                   status=[status_badge(s) for s in rvf["status"]])
    return Section(
        numbers={
            "run_musd": rows.loc["CST-06", "low_usd"] / 1e6, "rl_kusd": rows.loc["CST-18", "low_usd"] / 1e3,
            "v3_gpus2": costs.v3_cluster_gpus(),
            "buy_v3_lo": rows.loc["CST-10, CST-42", "low_x_v3_run"],
            "buy_v3_hi": rows.loc["CST-10, CST-42", "high_x_v3_run"],
            "capex_x": rows.loc["SKP-07", "low_x_v3_run"],
            "run_share_sa": costs.run_share_of_fleet(costs.v3_total_gpu_hours(), facts.fact("SKP-03").scaled()),
        },
        tables={"tbl-skep-runfleet-table": Table(
            shown,
            {"item": "Item", "low_usd": "Low ($M)", "high_usd": "High ($M)", "facts": "Facts", "status": "Status",
             "low_x_v3_run": "× V3 run (low)", "high_x_v3_run": "× V3 run (high)"},
            {"low_usd": "{:,.2f}", "high_usd": "{:,.2f}", "low_x_v3_run": "{:,.2f}", "high_x_v3_run": "{:,.2f}"})},
        figures={"fig-skep-runfleet-chart": Figure(run_vs_fleet_chart(rvf), rvf)},
    )


def distillation(p: Params) -> Section:
    """The distillation accusations, DeepSeek's denial and the chip-sourcing inquiry, each labelled."""
    return Section(
        numbers={"sacks_date": Day(facts.fact("SKP-11").value), "sacks_cite": Cite("SKP-11"),
                 "openai_cite": Cite("SKP-10"), "msft_cite": Cite("SKP-12"),
                 "deny_cite": Cite("SKP-13"), "sg_cite": Cite("SKP-15")},
        tables={"tbl-skep-distill-table": Table(statements_table(DISTILLATION_FACTS), STATEMENT_LABELS, cites={"source": DISTILLATION_FACTS})},
    )


def ledger(p: Params) -> Section:
    """Every sourced statement of the chapter with its status, and how many of each status."""
    counts = status_counts(LEDGER_FACTS)
    return Section(
        numbers={f"n_{s}": counts[s] for s in facts.STATUSES},
        tables={"tbl-skep-ledger-table": Table(statements_table(LEDGER_FACTS), STATEMENT_LABELS, cites={"source": LEDGER_FACTS})},
    )


def articles(p: Params) -> Section:
    """The articles' claims about DeepSeek's hardware, with the ledger's verdicts (chapter 6)."""
    from shockbook.analysis import claims

    return Section(shown=[claims.chapter_claims(3)])


# --------------------------------------------------------------------------------------------
# Tables and charts
# --------------------------------------------------------------------------------------------

class Month(Day):
    """A month shown in prose ('March 2025')."""

    def text(self, lang: str = "en") -> str:
        if lang != "en":
            raise KeyError(f"no month format for {lang!r}")
        return f"{pd.Timestamp(self.date):%B %Y}"


def percent(share: float) -> str:
    """A share as a percentage with three significant digits: 100%, 15.5%, 0.05%."""
    return f"{share * 100:.3g}%"


def status_badge(status: str) -> str:
    """HTML for a status label styled by _static/book.css."""
    if status not in facts.STATUSES:
        raise ValueError(f"status must be one of {list(facts.STATUSES)}; got {status!r}")
    return f'<span class="status status-{status}">{status}</span>'


def status_counts(ids) -> dict[str, int]:
    """How many of the facts ``ids`` carry each status (every status present, zeros included)."""
    statuses = [facts.fact(i).status for i in ids]
    return {s: statuses.count(s) for s in facts.STATUSES}


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
    chart = bars.properties(width=layout.SKEP_FLEETS_WIDTH, height=layout.SKEP_FLEETS_ROW * len(order))
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
        rule = alt.Chart(pd.DataFrame({"x": [breakeven_years]})).mark_rule(color=layout.GREY_TEXT, strokeDash=[2, 2]).encode(
            x="x:Q", tooltip=[alt.Tooltip("x:Q", title="Break-even at your rate (years)", format=".2f")])
        marks.insert(0, rule)
    chart = alt.layer(*marks).properties(width=layout.SKEP_BUYRENT_WIDTH, height=charts.HEIGHT)
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
    big, small = costs.claimed("C94") * 1e9, costs.claimed("C86") * 1e6
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
        color=alt.condition(f"datum.{cost} > {math.sqrt(domain[0] * domain[1]) * 3}", alt.value("white"), alt.value(layout.GREY_DARK)))
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
        width=layout.SKEP_HEAT_WIDTH, height=layout.SKEP_HEAT_BUY_HEIGHT, title=alt.TitleParams(f"Buy: outlined, the cell nearest the {money(big)} figure",
                                                                   fontSize=12))
    right = _heat(rental, "utilisation", "Share of the year rented and used", ".1%", "rental_cost_usd",
                  f"× the {money(small)} figure", domain,
                  [alt.Tooltip("utilisation:Q", title="Share of the year", format=".1%"),
                   alt.Tooltip("rental_rate_usd_per_gpu_hour:Q", title="Rate (US$/GPU-hour)", format="$,.2f")],
                  transform=alt.datum.rental_rate_usd_per_gpu_hour == pick).properties(
        width=layout.SKEP_HEAT_WIDTH, height=layout.SKEP_HEAT_RENT_HEIGHT, title=alt.TitleParams(
            f"Rent for a year: outlined, the cell nearest the {money(small)} figure", fontSize=12))
    chart = alt.vconcat(left, right.add_params(pick), spacing=layout.SKEP_HEAT_SPACING).resolve_scale(color="shared")
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
    color = alt.Color("status:N", title="Status", scale=alt.Scale(domain=list(facts.STATUSES), range=list(layout.STATUS_COLORS)))
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
    chart = alt.layer(rule, pts, text).properties(width=layout.SKEP_RUNFLEET_WIDTH, height=layout.SKEP_RUNFLEET_ROW * len(data))
    return charts.titled(chart, "One training run against a company's hardware",
                         "Each figure with its status; ranges where the GPU price is a range", SOURCE_RUN_FLEET)


def statements_table(ids) -> pd.DataFrame:
    """Facts by id: statement, value, status badge and short source (for the chapters' ledgers)."""
    from html import escape

    rows = []
    for fid in ids:
        f = facts.fact(fid)
        rows.append({"id": f'<span style="white-space:nowrap">{escape(fid)}</span>',
                     "statement": f'<div style="text-align:left">{escape(f.statement)}</div>',
                     "status": status_badge(f.status),
                     "source": f"{facts.short_source(f.source_title)}, {f.as_of}"})
    return pd.DataFrame(rows)
