"""Tests for shockbook.chapters.ch3_skepticism: its Params, each section's numbers, tables and charts.

Expected values are computed here from the raw facts table (data/facts/facts.csv), not copied
from the chapter's output.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from reruns import MATRIX, Runs, bad_values, number, session_root, text

from shockbook import paths
from shockbook.analysis import costs
from shockbook.chapters import ch3_skepticism as K
from shockbook.data import facts
from shockbook.site import charts, outputs, layout

RAW = pd.read_csv(paths.ROOT / "data" / "facts" / "facts.csv").set_index("id")
HOURS_PER_YEAR = 365 * 24


def raw(fid: str, part: int = 0, word: int = 0) -> float:
    """Word ``word`` of part ``part`` of a fact's value ('H800 ~10,000; H100 ~10,000' -> 10000 for part 1, word 1)."""
    text = str(RAW.loc[fid, "value"]).split(";")[part].strip().split()[word].lstrip("~").replace(",", "")
    if "-" in text and not text.startswith("-"):  # a range: its two ends
        raise ValueError(f"{fid}: {text} is a range")
    return float(text)


def price_range() -> tuple[float, float]:
    lo, hi = str(RAW.loc["CST-42", "value"]).split(";")[1].split()[0].replace(",", "").split("-")
    return float(lo), float(hi)


P = K.Params()


# ---------------------------------------------------------------------------- parameters

def test_the_defaults_are_the_facts() -> None:
    lo, hi = price_range()
    assert P.rental_rate == raw("CST-05")
    assert P.gpu_unit_price == (lo + hi) / 2
    assert P.fleet_size == raw("SKP-01")


@pytest.mark.parametrize("name, value", [
    ("rental_rate", -2.0), ("rental_rate", 1000.0), ("gpu_unit_price", 0.0), ("gpu_unit_price", 5e6),
    ("fleet_size", 0), ("fleet_size", 10.5), ("fleet_size", 1e9), ("utilisation", 0.0), ("utilisation", 1.2),
    ("overhead_multiplier", 0.5), ("overhead_multiplier", 50.0), ("years", 0.0), ("years", 100.0),
    ("years", None),
])
def test_params_reject_bad_values_in_one_line(name, value) -> None:
    with pytest.raises(ValueError, match=name) as err:
        K.Params(**{name: value})
    assert "\n" not in str(err.value)


# ---------------------------------------------------------------------------- sections

def test_opening_reads_the_blogs_figures() -> None:
    s = K.opening(P)
    assert (s.numbers["c93_gpus"], s.numbers["c94_bn"]) == (50_000, 1.3)


def test_fleets_split_semianalysis_by_chip() -> None:
    s = K.fleets(P)
    total, h800, h100 = raw("SKP-03"), raw("SKP-04", 0, 1), raw("SKP-04", 1, 1)
    assert (s.numbers["sa_h800"], s.numbers["sa_h100"]) == (h800, h100)
    assert s.numbers["sa_h20"] == total - h800 - h100
    assert s.numbers["sa_h100_share"] == pytest.approx(h100 / raw("SKP-01"))
    assert s.numbers["v3_gpus"] == raw("CST-10")
    d = s.figures["fig-skep-fleets-chart"].data
    assert d.loc[d["fleet"].str.startswith("SemiAnalysis"), "count"].sum() == total


def test_buy_or_rent_follows_the_parameters() -> None:
    p = K.Params(fleet_size=1000, gpu_unit_price=40_000.0, overhead_multiplier=1.5, rental_rate=3.0,
                 utilisation=0.5, years=2.0)
    s = K.buy_or_rent(p)
    assert s.numbers["buy_bn"] == pytest.approx(1000 * 40_000 * 1.5 / 1e9)
    assert s.numbers["rent_bn"] == pytest.approx(1000 * 3.0 * 0.5 * HOURS_PER_YEAR / 1e9)
    assert s.numbers["breakeven"] == pytest.approx(40_000 * 1.5 / (3.0 * 0.5) / HOURS_PER_YEAR)
    assert s.numbers["c94_unit"] == pytest.approx(1.3e9 / raw("SKP-01"))
    assert s.numbers["capex_per_gpu"] == pytest.approx(raw("SKP-07", 0) * 1e9 / raw("SKP-03"))
    assert s.value("h100_asof") == f"{pd.Timestamp(RAW.loc['CST-43', 'as_of']):%B %Y}"
    over = s.figures["fig-skep-buyrent-chart"].data
    assert over["years"].max() == 2.0 and "rent at $3.00/GPU-hour" in set(over["option"])


def test_sensitivity_places_the_articles_figures() -> None:
    s = K.sensitivity(P)
    assert s.numbers["near_big_gpus"] == raw("SKP-01") and s.numbers["near_big_price"] == price_range()[0]
    assert s.numbers["near_small_gpus"] == raw("CST-10")
    assert s.numbers["near_small_cost_musd"] == pytest.approx(raw("CST-06"))  # V3's run is on the grid
    assert s.numbers["v3_share"] == pytest.approx(raw("CST-01") * 1e6 / raw("CST-10") / HOURS_PER_YEAR)
    assert s.numbers["big_over_small"] == pytest.approx(1.3e9 / 6e6)


def test_sensitivity_frames_include_the_readers_values() -> None:
    purchase, rental = K.sensitivity_frames(123_456, 31_000, 3.3, 0.4, 1.5)
    row = purchase[(purchase["gpus"] == 123_456) & (purchase["unit_price_usd"] == 31_000)]
    assert row["purchase_cost_usd"].item() == pytest.approx(123_456 * 31_000 * 1.5)
    t = K.sensitivity_table(purchase, rental, 31_000, 3.3, 0.4).set_index("gpus")
    assert t.loc[123_456, "rent_yours"] == pytest.approx(123_456 * 3.3 * HOURS_PER_YEAR * 0.4)
    assert rental.groupby("rental_rate_usd_per_gpu_hour")["nearest"].sum().eq(1).all()


def test_run_vs_fleet_multiples() -> None:
    s = K.run_vs_fleet(P)
    lo, hi = price_range()
    run = raw("CST-06") * 1e6
    assert s.numbers["buy_v3_lo"] == pytest.approx(raw("CST-10") * lo / run)
    assert s.numbers["buy_v3_hi"] == pytest.approx(raw("CST-10") * hi / run)
    assert s.numbers["capex_x"] == pytest.approx(raw("SKP-07", 0) * 1e9 / run)


def test_ledger_counts_every_status_from_the_facts_table() -> None:
    s = K.ledger(P)
    expected = RAW.loc[list(K.LEDGER_FACTS), "status"].value_counts()
    for status in facts.STATUSES:
        assert s.numbers[f"n_{status}"] == expected.get(status, 0)
    assert sum(s.numbers[f"n_{st}"] for st in facts.STATUSES) == len(K.LEDGER_FACTS)


def test_statements_table_escapes_and_labels() -> None:
    t = K.statements_table(["SKP-01", "CST-06"])
    assert "status-claim" in t.loc[0, "status"] and "status-fact" in t.loc[1, "status"]
    assert "Mint" in t.loc[0, "source"]
    with pytest.raises(ValueError, match="status"):
        K.status_badge("rumour")


def test_chips_priced_one_by_one_with_the_china_premium() -> None:
    s = K.chips(K.Params(china_premium=2.0))
    lo, hi = price_range()
    h800, h100 = raw("SKP-04", 0, 1), raw("SKP-04", 1, 1)
    h20 = raw("SKP-03") - h800 - h100
    h20_lo, h20_hi = (float(x.replace(",", "")) for x in str(RAW.loc["GEO-B02", "value"]).split("-"))
    assert s.numbers["chip_total_lo_bn"] == pytest.approx((h800 * lo + h100 * lo * 2 + h20 * h20_lo) / 1e9)
    assert s.numbers["chip_total_hi_bn"] == pytest.approx((h800 * hi + h100 * hi * 2 + h20 * h20_hi) / 1e9)
    assert s.value("chip_vs_blog") == ("below" if s.numbers["chip_total_hi_bn"] < 1.3 else
                                       "above" if s.numbers["chip_total_lo_bn"] > 1.3 else "around")
    assert list(s.tables["tbl-skep-premium-table"].frame["premium"]) == [1.0, 1.5, 2.0]
    fx = pd.read_csv(paths.ROOT / "data" / "market" / "prices" / "DEXCHUS.csv", parse_dates=["Date"])
    fx_2023 = fx.loc[fx["Date"].dt.year == 2023, "Close"].dropna().mean()  # GEO-B03 (2024): "a year earlier"
    assert s.numbers["chip_h800_server_usd"] == pytest.approx(2e6 / 8 / fx_2023)
    assert s.value("chip_h800_vs_server") == ("below" if hi < 2e6 / 8 / fx_2023 else "above")


def test_ownership_against_deepseeks_rate() -> None:
    p = K.Params(gpu_unit_price=30_000.0, overhead_multiplier=2.0, years=3.0, utilisation=0.5)
    s = K.ownership(p)
    assert s.numbers["own_gpus_only"] == pytest.approx(30_000 * 2 / (3 * HOURS_PER_YEAR * 0.5))
    capex, opex = raw("SKP-07", 0) * 1e9, raw("SKP-07", 1) * 1e9
    assert s.numbers["own_horizon"] == 4  # (capex + opex) / the critic's $640M a year
    assert s.numbers["own_all_in"] == pytest.approx((capex / 3 + opex / 4) / (60_000 * HOURS_PER_YEAR * 0.5))
    rate = raw("CST-05")
    assert s.value("own_all_in_word") == ("below" if s.numbers["own_all_in"] < rate else "above")
    assert s.value("own_method_word") == ("overstates" if s.numbers["own_all_in"] < rate else "understates")
    assert s.value("own_side_word") == ("high" if s.numbers["own_all_in"] < rate else "low")


def test_plausibility_floor_and_power() -> None:
    s = K.plausibility(K.Params(fleet_size=1000))
    lo, _ = price_range()
    assert s.numbers["pl_peak_gpus"] == 278 * 8 and "(peak 278)" in RAW.loc["CST-31", "statement"]
    assert s.numbers["pl_floor_lo_m"] == pytest.approx(278 * 8 * lo / 1e6)
    assert s.numbers["pl_all_h100_mw"] == pytest.approx(1000 * raw("GEO-B05") / 1e6)
    h800, h100 = raw("SKP-04", 0, 1), raw("SKP-04", 1, 1)
    assert s.numbers["pl_mix_mw"] == pytest.approx(((h800 + h100) * 700 + (raw("SKP-03") - h800 - h100) * 400) / 1e6)
    assert s.value("pl_serving_word") == "more"


def test_articles_shows_only_chapter_three_claims() -> None:
    html = K.articles(P).shown[0].data
    assert "C93" in html and "C86" not in html


# ---------------------------------------------------------------------------- charts

def _charts() -> dict:
    charts.enable()
    purchase, rental = K.sensitivity_frames(50_000, 27_500, 2.0, 1.0, 1.0)
    return {
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


@pytest.mark.parametrize("name", ["fleets", "buyrent", "sensitivity", "runfleet"])
def test_every_chart_has_title_source_and_fits(name) -> None:
    spec = _charts()[name].to_dict()
    assert spec["title"]["text"] and spec["title"]["subtitle"][-1].startswith("Source: ")
    assert all(w <= charts.WIDTH for w in _widths(spec))
    assert len(json.dumps(spec)) < 60_000
    assert "tooltip" in json.dumps(spec)


def _rules(spec: dict) -> list:
    return [layer for layer in spec.get("layer", []) if layer.get("mark", {}).get("type") == "rule"]


def test_the_break_even_rule_is_drawn_only_inside_the_horizon() -> None:
    df = costs.cost_over_time(1000, 25_000, [2.0], 1)
    beyond = K.buy_rent_chart(df, 5.0).to_dict()       # break-even after the one-year horizon
    inside = K.buy_rent_chart(df, 0.5).to_dict()       # break-even half-way through it
    assert _rules(beyond) == []
    assert len(_rules(inside)) == 1


def test_run_vs_fleet_colours_follow_the_one_status_order() -> None:
    spec = K.run_vs_fleet_chart(costs.run_vs_fleet()).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == list(facts.STATUSES) and scale["range"] == list(layout.STATUS_COLORS)


# ---------------------------------------------------------------------------- the rerun matrix

RERUNS = {"defaults": {}, **MATRIX["03_skepticism"]}  # the sets: tests/reruns.py


@pytest.fixture(scope="module", params=list(RERUNS), ids=list(RERUNS))
def rerun(request, tmp_path_factory):
    """(Params, glued values): the committed chapter for the defaults, else the matrix's run (once a session)."""
    name = request.param
    out = paths.CHAPTERS_DIR / "03_skepticism.ipynb" if name == "defaults" else \
        Runs(session_root(tmp_path_factory)).notebook("03_skepticism", name)
    return K.Params(**RERUNS[name]), outputs.glued(out)


@pytest.mark.reruns
def test_a_rerun_never_shows_nan_none_inf_or_nothing(rerun) -> None:
    _, glued = rerun
    assert bad_values(glued) == []


@pytest.mark.reruns
def test_a_reruns_words_agree_with_its_numbers(rerun) -> None:
    p, glued = rerun
    big, small = number(glued["near_big_gpus"]), number(glued["near_small_gpus"])
    assert text(glued["fleet_ratio_word"]) == ("more" if big > small else "fewer" if big < small else "as many")
    assert number(glued["fleet_ratio_x"]) == pytest.approx(max(big / small, small / big))
    v3_cell = small == raw("CST-10") and number(glued["near_small_util_pct"]) == pytest.approx(
        100 * raw("CST-01") * 1e6 / raw("CST-10") / HOURS_PER_YEAR)
    assert text(glued["near_small_is_v3"]).startswith("— V3's own run") == v3_cell
    lo, hi = price_range()
    inside = lo <= number(glued["c94_unit"]) <= hi
    assert text(glued["c94_unit_in_range"]) == ("inside" if inside else "outside")
    assert number(glued["fleet"]) == p.fleet_size and number(glued["util_pct"]) == pytest.approx(p.utilisation * 100)
    rate = number(glued["own_rate"])
    for key in ("own_all_in", "own_gpus_only"):
        v = number(glued[key])
        assert text(glued[f"{key}_word"]) == ("below" if v < rate else "above" if v > rate else "equal to")
    assert text(glued["own_side_word"]) == ("high" if number(glued["own_all_in"]) < rate else "low")
    lo, hi, blog = (number(glued[k]) for k in ("chip_total_lo_bn", "chip_total_hi_bn", "chip_blog_bn"))
    assert text(glued["chip_vs_blog"]) == ("below" if hi < blog else "above" if lo > blog else "around")
