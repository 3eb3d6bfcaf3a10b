"""Chapter 6's tables and charts (shockbook.chapters.ch6_claims), on hand-made evaluated ledgers and on
the real one. Nothing here writes under data/."""
from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from shockbook.analysis import claims
from shockbook.chapters import ch6_claims as cc

FILES = list(claims.ARTICLES)


def row(cid, check, claimed, measured, verdict, unit="percent", tolerance=0.5, difference=None,
        file=FILES[0], kind="market move", reason="", note="A note & <b>tag</b>."):
    outlet, day = claims.ARTICLES[file]
    if difference is None:
        difference = (measured - claimed) if isinstance(measured, float) and isinstance(claimed, float) else math.nan
    return {"id": cid, "article_file": file, "outlet": outlet, "article_date": day, "chapter": 1, "kind": kind,
            "claim": f"Claim {cid} <with> 'quotes'", "claimed_value": claimed, "unit": unit, "subject": "NVDA",
            "ref_date": "2025-01-27", "convention": "close-to-close", "check": check, "tolerance": tolerance,
            "note": note, "measured": measured, "difference": difference, "verdict": verdict, "reason": reason}


@pytest.fixture()
def small() -> pd.DataFrame:
    return pd.DataFrame([
        row("C01", "pct_change:NVDA:2025-01-24:2025-01-27", -17.0, -16.97, claims.CONFIRMED),
        row("C02", "pct_change:NVDA:2025-01-27:2025-01-28", 7.0, 8.93, claims.CONTRADICTED, file=FILES[3]),
        row("C03", "atmost:points_change:^IXIC:2025-01-24:2025-01-27", -600.0, -612.5, claims.CONFIRMED,
            unit="points", tolerance=30, file=FILES[4]),
        row("C04", "atleast:fact:RSP-13:1", 300.0, 280.0, claims.CLOSE, unit="usd_billion", tolerance=15,
            kind="capital spending", file=FILES[1]),
        row("C05", "info:pct_change:NVDA:2025-01-24:2025-01-27:Open", -8.0, -12.49, claims.NOT_CHECKABLE,
            reason="intraday or pre-market (the value shown is context)"),
        row("C06", "none", 4.5, None, claims.NOT_CHECKABLE,
            reason="no series or fact in the book: the Xinhua TMT going-global index", file=FILES[1]),
        row("C07", "sign:pct_change:AAPL:2025-01-24:2025-01-27", -1.0, 1.0, claims.CONTRADICTED, unit="sign",
            tolerance=0, file=FILES[1]),
        row("C08", "fact:SHK-05", "2025-01-27", "2025-01-26", claims.CONFIRMED, unit="date", tolerance=1,
            difference=-1.0, kind="rankings and adoption", file=FILES[2]),
    ])


def test_params_check_every_value_once_when_made():
    assert cc.Params().files == FILES
    assert cc.Params(close_factor=2.5, articles=["jrj2025", "jrj2025"]).files == [FILES[3]]
    for bad, msg in [({"close_factor": 0.5}, "close_factor"), ({"articles": []}, "non-empty list"),
                     ({"articles": "xinhua2025"}, "non-empty list"),
                     ({"articles": ["reuters2025"]}, "'reuters2025' is not one"),
                     ({"close_factor": "3"}, "close_factor")]:
        with pytest.raises(ValueError, match=msg):
            cc.Params(**bad)


def test_command_line_values_become_params():
    assert cc.Params.parse_cli({"close_factor": "5", "articles": "jrj2025,twblog2025"}) == {
        "close_factor": 5.0, "articles": ["jrj2025", "twblog2025"]}
    with pytest.raises(ValueError, match="close_factor"):
        cc.Params.parse_cli({"close_factor": "-inf"})


# --------------------------------------------------------------------------- sections, on the real ledger


@pytest.fixture(scope="module")
def real():
    return claims.evaluate(claims.load_claims())


def test_opening_counts_every_verdict_and_they_add_up(real):
    s = cc.opening(cc.Params())
    n = s.numbers
    assert n["n_claims"] == len(real) == (n["n_confirmed"] + n["n_close"] + n["n_contradicted"]
                                          + n["n_attributed"] + n["n_uncheckable"])
    assert n["n_checkable"] == n["n_claims"] - n["n_uncheckable"] - n["n_attributed"]
    assert n["n_attributed"] == int((real["verdict"] == claims.ATTRIBUTED).sum()) >= 1  # Wang's 50,000 H100s
    assert n["n_articles"] == len(FILES)
    # JRJ's Beijing dates are the New York session plus one calendar day
    for cid in cc.BEIJING_DATED:
        ny, bj = (pd.Timestamp(f"{n[f'{w}_{cid.lower()}']} 2025") for w in ("ny", "bj"))
        assert bj - ny == pd.Timedelta(days=1)


def test_opening_quotes_the_articles_values_as_magnitudes(real):
    n = cc.opening(cc.Params()).numbers
    c57 = real.set_index("id").loc["C57"]
    assert n["c_c57"] == abs(float(c57["claimed_value"])) and n["c_c57"] > 0


def test_a_reader_choosing_one_article_sees_only_its_claims(real):
    p = cc.Params(articles=["jrj2025"])
    n = cc.opening(p).numbers
    assert n["n_claims"] == int((real["article_file"] == FILES[3]).sum()) and n["n_articles"] == 1
    summary = cc.by_article(p).tables["tbl-claims-summary-table"].frame
    assert list(summary["article"])[:-1] == [cc.article_label(FILES[3])]


def test_best_and_worst_articles_are_the_extremes_of_the_confirmed_share(real):
    s = cc.by_article(cc.Params())
    shares = s.tables["tbl-claims-summary-table"].frame.iloc[:-1]["confirmed_share"].dropna()
    assert s.numbers["best_share"] == shares.max() and s.numbers["worst_share"] == shares.min()
    assert s.numbers["best_n"] <= s.numbers["best_chk"]


def test_mid_session_figures_are_the_open_and_low_against_fridays_close():
    from shockbook.data import cache

    nvda = cache.load_prices("NVDA")
    fri, mon = nvda.loc["2025-01-24"], nvda.loc["2025-01-27"]
    n = cc.mid_session(cc.Params()).numbers
    assert n["nvda_open"] == pytest.approx((mon["Open"] / fri["Close"] - 1) * 100)
    assert n["nvda_low"] == pytest.approx((mon["Low"] / fri["Close"] - 1) * 100)
    assert n["m_c57"] == pytest.approx((mon["Close"] / fri["Close"] - 1) * 100)


def test_the_full_ledger_has_one_linkable_row_per_claim_chosen():
    s = cc.full_ledger(cc.Params(articles=["xinhua2025"]))
    fig = s.figures["fig-claims-ledger"]
    html = fig.chart.data
    assert html.count('class="ledger-claim"') == len(fig.data) == int((fig.data["article_file"] == FILES[1]).sum())


def test_select_and_counts(small):
    chosen = cc.select(small, [FILES[1]])
    assert list(chosen["id"]) == ["C04", "C06", "C07"]
    n = cc.counts(small)
    assert n["claims"] == 8 and n["checkable"] == 6 and n[claims.NOT_CHECKABLE] == 2 and n["articles"] == 5


def test_signed_tolerances_follow_the_verdict_rule(small):
    t = cc.signed_tolerances(small).round(6)
    assert t[0] == pytest.approx(0.06)  # (-16.97 - -17) / 0.5
    assert t[1] == pytest.approx(3.86)
    assert t[2] == 0  # a bound that is met: no shortfall
    assert t[3] == pytest.approx(-20 / 15)  # shortfall below an 'at least'
    assert math.isnan(t[4]) and math.isnan(t[5])  # not scored
    assert math.isnan(t[6])  # tolerance 0
    assert t[7] == -1  # dates: days over the day of tolerance


def test_summary_table_has_a_total_and_shares(small):
    s = cc.summary_table(small)
    assert list(s["article"])[-1] == "All articles shown"
    total = s.iloc[-1]
    assert total["claims"] == 8 and total[claims.CONFIRMED] == 3
    assert total["confirmed_share"] == pytest.approx(50.0)
    assert s.iloc[0]["article"] == "Securities Times, 2025-01-27"


def test_ledger_html_anchors_every_row_and_escapes_text(small):
    html = cc.ledger_html(small)
    ids = re.findall(r'<tr id="([^"]+)"', html)
    assert ids == [claims.anchor(c) for c in small["id"]]
    assert "<with>" not in html and "&lt;with&gt;" in html and "<b>tag</b>" not in html
    for verdict, css in claims.VERDICT_CSS.items():
        if verdict in set(small["verdict"]):
            assert f'class="verdict {css}"' in html
    assert "≤ −600 points" in html and "≥ $300 bn" in html and "fell" in html and "rose" in html
    assert "context" in html  # info rows are marked as context


def test_format_value():
    assert cc.format_value(-592.658, "usd_billion") == "−$592.66 bn"
    assert cc.format_value(0.55, "usd_per_million_tokens") == "$0.55 per M tokens"
    assert cc.format_value(2048.0, "count") == "2,048"
    assert cc.format_value("2024-12", "date") == "2024-12"
    assert cc.format_value(None, "percent") == "–"
    assert cc.format_value(float("nan"), "percent") == "–"
    assert cc.long_date("2025-01-27") == "27 January 2025" and cc.long_date("2025-02") == "February 2025"


def test_charts_build(small):
    cc.verdict_article_chart(cc.verdicts_by_article(small)).to_dict()
    cc.verdict_kind_chart(cc.verdicts_by_kind(small)).to_dict()
    moves = cc.market_moves(small)
    assert set(moves["id"]) == {"C01", "C02", "C05"}
    assert moves.set_index("id").loc["C05", "scored"] == False  # noqa: E712 - context only
    cc.market_chart(moves).to_dict()
    tol = cc.tolerance_data(small)
    assert list(tol["id"]) == ["C04", "C08", "C03", "C01", "C02"]
    cc.tolerance_chart(tol, 3).to_dict()


def test_real_ledger_table_has_every_anchor_the_chapters_link_to():
    try:
        evaluated = claims.evaluate(claims.load_claims())
    except Exception as exc:  # noqa: BLE001 - the cache may be unreadable on a bare checkout
        pytest.skip(f"the book's data cannot be read: {exc}")
    html = cc.ledger_html(evaluated)
    ids = set(re.findall(r'<tr id="([^"]+)"', html))
    for chapter in range(1, 6):
        listed = str(claims.chapter_claims(chapter, evaluated).data)
        for target in re.findall(r'06_claims\.html#([^"]+)"', listed):
            assert target in ids


# --------------------------------------------------------------------------- reasons, kinds, exclusions, translations


def test_kind_table_counts_each_kind_and_totals(small):
    t = cc.kind_table(small).set_index("kind")
    assert list(t.index) == ["market move", "capital spending", "rankings and adoption", "all kinds"]
    assert t.loc["market move", "claims"] == 6 and t.loc["market move", claims.CONFIRMED] == 2
    assert t.loc["market move", "confirmed_share"] == pytest.approx(100 * 2 / 4)  # C01, C03 of C01-C03, C07
    assert t.loc["all kinds", "claims"] == len(small) and t.loc["capital spending", "interval"] == "0–79"


def test_uncheckable_table_groups_the_unscored_claims_by_reason(small):
    t = cc.uncheckable_table(small)
    assert list(t["reason"]) == [claims.INTRADAY, claims.MISSING]
    assert list(t["ids"]) == ["C05", "C06"] and t["claims"].sum() == 2
    assert "Why not checkable" in cc.ledger_html(small)


def test_why_not_checkable_counts_match_the_ledger(real):
    n = cc.why_not_checkable(cc.Params()).numbers
    unscored = real[real["verdict"] == claims.NOT_CHECKABLE]
    assert sum(n.values()) == len(unscored)
    # counted independently: the ledger's stated reason, or (a scored check out of the data's reach) 'missing'
    stated = unscored["uncheckable"].str.split(":").str[0].replace("", claims.MISSING)
    assert n["nc_forecast"] == int((stated == claims.FORECAST).sum()) >= 1
    assert n["nc_missing"] == int((stated == claims.MISSING).sum())
    assert n["nc_intraday"] == int((stated == claims.INTRADAY).sum()) >= 5


def test_excluded_section_counts_the_exclusion_file():
    raw = pd.read_csv(claims.EXCLUDED_FILE, dtype=str, keep_default_na=False)
    n = cc.excluded(cc.Params()).numbers
    assert n["n_excluded"] == len(raw)
    assert n["x_duplicate"] == int(raw["reason"].str.startswith("duplicate of C").sum())
    assert n["x_advertising"] + n["x_page_furniture"] + n["x_duplicate"] + n["x_not_a_claim"] == len(raw)
    one = cc.excluded(cc.Params(articles=["twblog2025"])).numbers
    assert one["n_excluded"] == int((raw["article_file"] == FILES[4]).sum())


def test_second_reading_numbers_from_the_cache_and_facts():
    from shockbook.data import cache
    from shockbook.data.facts import load_facts

    f = load_facts().set_index("id")["value"]
    n = cc.second_reading(cc.Params()).numbers
    close = lambda t, d: float(cache.load_prices(t).loc[d, "Close"])  # noqa: E731
    assert n["strip1_name"] == cache.series_info("MSFT")["name"] and n["strip2_name"] == cache.series_info("TSM")["name"]
    assert n["strip1_move"] == pytest.approx(100 * (close("MSFT", "2025-01-27") / close("MSFT", "2025-01-24") - 1))
    assert n["r1_params"] == float(f["CST-B30"]) and n["llama2_params"] == float(f["CST-B32"])
    assert n["m_c125"] == pytest.approx(float(f["CST-B30"]) / float(f["CST-B32"]))
    assert n["alibaba_bn"] == pytest.approx(close("BABA", "2025-01-27") * float(f["SHK-B30"]) * 1e6 / 8 / 1e9)
    assert n["m_c77"] == pytest.approx(n["nvda_loss"] / n["alibaba_bn"])
    assert n["cny_0127"] == close("DEXCHUS", "2025-01-27")
    assert n["m_c26"] == pytest.approx(n["nvda_loss"] * n["cny_0127"] / 1000)
    assert n["n_matched"] + n["n_unmatched"] == n["n_stripped"]


def test_translations_are_marked_and_never_set_in_double_quotes():
    import json

    nb = json.load(open(cc.__file__.replace("shockbook/chapters/ch6_claims.py", "chapters/06_claims.ipynb"),
                        encoding="utf-8"))
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "our English" in prose and "translation" in prose  # the convention is explained once
    # an article's own value quoted in double quotes would pose as a quotation
    assert not re.search(r'"[^"\n]*\{glue:text\}`c_c\d+', prose)
    assert prose.count("\u2018") == prose.count("\u2019") > 10  # single quotation marks, balanced
