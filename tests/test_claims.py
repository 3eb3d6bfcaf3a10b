"""The claims ledger (data/claims.csv) and its evaluation (shockbook.analysis.claims).

Data access is injected: most tests use small hand-made frames; the tests marked "real data"
run against the book's cache and facts table and are skipped, with the reason, only when that
cache cannot be read. Nothing here writes under data/: modified data are copies handed to
``evaluate`` through fake loaders.
"""
from __future__ import annotations

import hashlib
import math
import re

import pandas as pd
import pytest

from shockbook import paths
from shockbook.analysis import claims
from shockbook.data import catalog
from shockbook.analysis.claims import (
    CLOSE, CONFIRMED, CONTRADICTED, NOT_CHECKABLE, ClaimError, DateSpan, NotCheckable,
    evaluate, fact_value, load_claims, measure, parse_date_span, parse_spec, summary, verdict,
)

NVDA_CRASH = "pct_change:NVDA:2025-01-24:2025-01-27"


# --------------------------------------------------------------------------- loaders


def _shared_facts() -> pd.DataFrame:
    return pd.read_csv(paths.SHARED_DIR / "facts" / "facts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def facts_loader():
    """The book's facts table; the shared source table if the book's copy cannot be read."""
    errors = []
    try:
        from shockbook.data.facts import load_facts
        load_facts()
        return load_facts
    except Exception as exc:  # noqa: BLE001 - any failure: fall back and say why if that fails too
        errors.append(f"shockbook.data.facts.load_facts: {exc}")
    if (paths.SHARED_DIR / "facts" / "facts.csv").exists():
        return _shared_facts
    pytest.skip("no facts table: " + "; ".join(errors) + f"; and {paths.SHARED_DIR}/facts/facts.csv is absent")


@pytest.fixture(scope="module")
def real_cache():
    """The book's price cache, verified; skipped with the reason if it cannot be read."""
    from shockbook.data import cache
    try:
        cache.verify()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the price cache in data/market cannot be read: {exc}")
    return cache


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return load_claims()


@pytest.fixture(scope="module")
def evaluated(ledger, real_cache, facts_loader) -> pd.DataFrame:
    return evaluate(ledger, facts=facts_loader)


def frame(rows: dict[str, tuple]) -> pd.DataFrame:
    """A price frame from {date: (open, high, low, close)}."""
    idx = pd.DatetimeIndex(pd.to_datetime(list(rows)), name="Date")
    o, h, l, c = zip(*rows.values())
    return pd.DataFrame({"Open": o, "High": h, "Low": l, "Close": c, "Adj Close": c,
                         "Volume": [1.0] * len(rows)}, index=idx)


def unadjusted(_ticker: str) -> dict:
    return {"price_basis": "unadjusted"}


NVDA = frame({
    "2025-01-23": (146.0, 148.0, 145.0, 147.22),
    "2025-01-24": (148.0, 149.0, 141.0, 142.62),
    "2025-01-27": (124.8, 128.4, 116.7, 118.42),
    "2025-01-28": (121.8, 129.0, 116.25, 128.99),
})
SHARES = pd.DataFrame({
    "ticker": ["NVDA", "NVDA", "NVDA"],
    "share_class": ["common stock", "common stock (balance sheet)", "common stock"],
    "shares_outstanding": [24_490_000_000, 24_477_000_000, 24_400_000_000],
    "as_of_date": ["2024-11-15", "2025-01-26", "2025-02-21"],
    "filing_type": ["10-Q", "10-K", "10-K"], "filing_date": ["2024-11-20", "2025-02-26", "2025-02-26"],
    "source_file": ["a", "b", "b"], "quoted_text": ["", "", ""],
})
FACTS = pd.DataFrame({
    "id": ["CST-01", "CST-05", "CST-21", "SHK-05", "RSP-10", "CST-42"],
    "value": ["2.788", "2", "0.55", "2025-01-26", "60-65", "3,320 cost; 25,000-30,000 price"],
    "unit": ["million H800 GPU-hours", "USD per H800 GPU-hour (assumption)", "USD per 1M input tokens",
             "date (US App Store #1)", "USD billion (2025 capex)", "USD per GPU"],
})


def fakes(prices=None, facts=None, shares=None, info=unadjusted) -> dict:
    prices = prices or {"NVDA": NVDA}

    def load(t):
        if t not in prices:
            raise ValueError(f"unknown ticker {t}")
        return prices[t].copy()
    return {"prices": load, "series_info": info, "shares": lambda: SHARES.copy(),
            "facts": lambda: (FACTS if facts is None else facts).copy()}


def one(check: str, claimed, unit="percent", tolerance=0.005, **kw) -> pd.Series:
    df = pd.DataFrame([{"id": "C01", "check": check, "claimed_value": claimed, "unit": unit,
                        "tolerance": tolerance}])
    return evaluate(df, **fakes(**kw)).iloc[0]


# --------------------------------------------------------------------------- the ledger file


def test_ledger_schema(ledger):
    assert list(ledger.columns) == claims.COLUMNS
    assert len(ledger) >= 40
    assert ledger["id"].is_unique
    assert list(ledger["id"]) == [f"C{i:02d}" for i in range(1, len(ledger) + 1)]
    per_article = ledger["article_file"].value_counts()
    assert set(per_article.index) == set(claims.ARTICLES), "every article contributes claims"
    assert per_article.min() >= 5
    assert set(ledger["chapter"]) <= {1, 2, 3, 4, 5}
    assert (ledger["tolerance"] >= 0).all()
    assert not ledger.duplicated(["article_file", "claim"]).any(), "each claim of an article is recorded once"
    # nothing computed is stored in the file
    raw = pd.read_csv(claims.CLAIMS_FILE, dtype=str, keep_default_na=False)
    assert not {"measured", "verdict", "difference"} & set(raw.columns)


def test_ledger_is_english_and_cross_references_resolve(ledger):
    cjk = re.compile(r"[\u3400-\u9fff]")
    ids = set(ledger["id"])
    for _, row in ledger.iterrows():
        for col in ("claim", "subject", "convention", "note"):
            assert not cjk.search(row[col]), f"{row['id']} {col} is not English"
        for ref in re.findall(r"\bC\d{2,3}\b", row["note"]):
            assert ref in ids, f"{row['id']}'s note cites {ref}, which is not in the ledger"
            assert ref != row["id"]


def test_every_check_parses_and_names_known_series_and_facts(ledger, facts_loader):
    fact_ids = set(facts_loader()["id"])
    for _, row in ledger.iterrows():
        spec = parse_spec(row["check"])
        assert spec.kind in claims.KINDS
        for t in spec.tickers():
            catalog.get(t)  # KeyError for a ticker the book does not carry
        missing = spec.facts() - fact_ids
        assert not missing, f"{row['id']} cites unknown facts {missing}"
        if row["unit"] == "date":
            assert isinstance(parse_date_span(row["claimed_value"]), DateSpan)


def test_conventions_are_recorded_where_they_matter(ledger):
    # Beijing-dated claims about New York sessions compare with the session before the stated date
    jrj = ledger[ledger["article_file"] == "003_b1a01d637500d749.txt"]
    dated = jrj[jrj["check"].str.contains("NVDA")]
    assert len(dated) >= 4
    for _, row in dated.iterrows():
        assert "Beijing" in row["convention"]
    # pre-market and other-listing claims are never scored
    for _, row in ledger[ledger["convention"].str.contains("pre-market|Euronext")].iterrows():
        assert row["check"].startswith(("info:", "none")), row["id"]


# --------------------------------------------------------------------------- verdicts on real data


def test_every_claim_gets_a_verdict(evaluated):
    assert set(evaluated["verdict"]) <= set(claims.VERDICTS)
    assert evaluated["verdict"].notna().all()
    for _, row in evaluated.iterrows():
        kind = parse_spec(row["check"]).kind
        if kind in ("none", "info"):
            assert row["verdict"] == NOT_CHECKABLE
        if row["verdict"] == NOT_CHECKABLE:
            assert row["reason"], row["id"]
        else:
            assert row["measured"] is not None and not math.isnan(row["difference"]), row["id"]
    counts = evaluated["verdict"].value_counts()
    assert counts.get(CONFIRMED, 0) >= 20 and counts.get(CONTRADICTED, 0) >= 3


def test_known_verdicts_on_real_data(evaluated):
    by_check = evaluated.set_index(["check", "claimed_value"])["verdict"]
    assert by_check[(NVDA_CRASH, -16.97)] == CONFIRMED
    assert by_check[(NVDA_CRASH, -15.0)] == CONTRADICTED
    assert by_check[("sign:pct_change:AAPL:2025-01-24:2025-01-27", -1.0)] == CONTRADICTED
    assert by_check[("pct_change:META:2025-01-24:2025-01-27", -5.0)] == CONTRADICTED
    nvda_mcap = evaluated[evaluated["check"] == "mcap_change_bn:NVDA:2025-01-24:2025-01-27"]
    assert set(nvda_mcap.loc[nvda_mcap["claimed_value"] == -593.0, "verdict"]) == {CONFIRMED}


def test_summary_counts_every_claim(evaluated):
    s = summary(evaluated)
    assert list(s.index[:-1]) == list(claims.ARTICLES)
    assert s.loc["total", "claims"] == len(evaluated)
    assert (s.loc[list(claims.ARTICLES), list(claims.VERDICTS)].sum(axis=1) == s.loc[list(claims.ARTICLES), "claims"]).all()


def test_a_change_in_the_data_flips_a_confirmed_claim(ledger, real_cache, facts_loader):
    before_hash = hashlib.sha256((paths.MARKET_DIR / "prices" / "NVDA.csv").read_bytes()).hexdigest()

    def nudged(ticker):
        df = real_cache.load_prices(ticker)
        if ticker == "NVDA":
            df = df.copy()
            df.loc[pd.Timestamp("2025-01-27"), "Close"] *= 1.02  # a 2% error in one close
        return df

    target = ledger[(ledger["check"] == NVDA_CRASH) & (ledger["claimed_value"] == -16.97)]
    other = ledger[~ledger["check"].str.contains("NVDA")]
    base = evaluate(pd.concat([target, other]), facts=facts_loader)
    moved = evaluate(pd.concat([target, other]), prices=nudged, facts=facts_loader)
    assert base.iloc[0]["verdict"] == CONFIRMED
    assert moved.iloc[0]["verdict"] == CONTRADICTED
    assert (base.iloc[1:]["verdict"].values == moved.iloc[1:]["verdict"].values).all()
    after_hash = hashlib.sha256((paths.MARKET_DIR / "prices" / "NVDA.csv").read_bytes()).hexdigest()
    assert before_hash == after_hash, "the cache file must not be touched"


# --------------------------------------------------------------------------- evaluation on hand-made data


def test_every_claim_gets_a_verdict_without_the_cache(ledger, facts_loader):
    """Synthetic prices for every ticker and date the ledger names: evaluation never fails."""
    wanted: dict[str, set] = {}
    for check in ledger["check"]:
        for leaf in parse_spec(check).leaf_specs():
            if leaf.kind in claims._PRICE_KINDS:
                wanted.setdefault(leaf.args[0], set()).update(a for a in leaf.args[1:] if a[:1].isdigit())
    prices = {}
    for t, days in wanted.items():
        idx = sorted(set(pd.bdate_range("2024-12-02", "2025-02-28")) | {pd.Timestamp(d) for d in days})
        n = len(idx)
        close = [100 + (i % 7) - 3 * (i % 3) for i in range(n)]
        prices[t] = pd.DataFrame({"Open": close, "High": [c + 2 for c in close], "Low": [c - 2 for c in close],
                                  "Close": close, "Adj Close": close, "Volume": 1.0},
                                 index=pd.DatetimeIndex(idx, name="Date")).astype(float)
    shares = pd.DataFrame({"ticker": ["NVDA"], "share_class": ["common stock"], "shares_outstanding": [1e9],
                           "as_of_date": ["2024-11-15"]})
    out = evaluate(ledger, prices=lambda t: prices[t], series_info=lambda t: {"price_basis": "index"
                   if t.startswith("^") else "unadjusted"}, shares=lambda: shares, facts=facts_loader)
    assert len(out) == len(ledger)
    assert out["verdict"].isin(claims.VERDICTS).all()


def test_verdict_rule_on_hand_made_values():
    assert verdict(-16.97, -16.968, 0.005) == (CONFIRMED, pytest.approx(0.002))
    assert verdict(-9.2, -9.15, 0.05)[0] == CONFIRMED  # exactly on the tolerance
    assert verdict(-9.2, -9.148, 0.05)[0] == CLOSE  # just beyond: within 3x
    assert verdict(-9.2, -9.05, 0.05)[0] == CLOSE  # exactly 3x
    assert verdict(-9.2, -9.04, 0.05)[0] == CONTRADICTED
    assert verdict(7, 8.93, 0.5)[0] == CONTRADICTED
    assert verdict(124, 124.65, 0.5)[0] == CLOSE
    assert verdict(4, 4, 0)[0] == CONFIRMED
    assert verdict(4, 5, 0)[0] == CONTRADICTED  # tolerance 0: no 'close'
    assert verdict(-1, 1, 0) == (CONTRADICTED, 2.0)
    # bounds: only the shortfall counts
    assert verdict(300, 320, 15, "atleast")[0] == CONFIRMED
    assert verdict(300, 280, 15, "atleast")[0] == CLOSE
    assert verdict(-600, -612.5, 30, "atmost")[0] == CONFIRMED
    assert verdict(-600, -500, 30, "atmost")[0] == CONTRADICTED
    assert verdict(6, 5.576, 0.5, "atmost")[0] == CONFIRMED
    # dates: spans, distance in days
    d = parse_date_span
    assert verdict(d("2025-01-27"), d("2025-01-26"), 1) == (CONFIRMED, -1.0)
    assert verdict(d("2025-01-31"), d("2025-01-29"), 1) == (CLOSE, -2.0)
    assert verdict(d("2024-12"), d("2024-12-26"), 0) == (CONFIRMED, 0.0)
    assert verdict(d("2020-03"), d("2020-04-02"), 0) == (CONTRADICTED, 2.0)
    with pytest.raises(ClaimError, match="compare"):
        verdict(d("2025-01-27"), 3.0, 1)
    with pytest.raises(ValueError):
        verdict(1, 1, -0.1)


def test_hand_made_checks_and_a_flip():
    r = one(NVDA_CRASH, -16.97)
    assert r["verdict"] == CONFIRMED and r["measured"] == pytest.approx(-16.968, abs=1e-3)
    wrong = NVDA.copy()
    wrong.loc[pd.Timestamp("2025-01-27"), "Close"] = 120.0
    assert one(NVDA_CRASH, -16.97, prices={"NVDA": wrong})["verdict"] == CONTRADICTED
    assert one("pct_change:NVDA:2025-01-24:2025-01-27:Open", -12.5, tolerance=0.05)["verdict"] == CONFIRMED
    assert one("points_change:NVDA:2025-01-24:2025-01-27", -24.2, unit="usd", tolerance=0.005)["verdict"] == CONFIRMED
    assert one("close:NVDA:2025-01-28", 128.99, unit="usd")["verdict"] == CONFIRMED
    assert one("low:NVDA:2025-01-27", 116.7, unit="usd")["verdict"] == CONFIRMED
    # info: measured for context, never scored
    r = one("info:pct_change:NVDA:2025-01-24:2025-01-27:Low", -8, tolerance=0.5)
    assert r["verdict"] == NOT_CHECKABLE and r["measured"] == pytest.approx(100 * (116.7 / 142.62 - 1))
    r = one("none", -3.94)
    assert r["verdict"] == NOT_CHECKABLE and r["measured"] is None


def test_market_value_uses_cover_page_count_and_needs_unadjusted_prices():
    r = one("mcap_change_bn:NVDA:2025-01-24:2025-01-27", -592.7, unit="usd_billion", tolerance=0.05)
    # 24.49e9 cover-page shares (the later balance-sheet count is skipped) x -24.20
    assert r["measured"] == pytest.approx(24.49 * (118.42 - 142.62))
    assert r["verdict"] == CONFIRMED
    with pytest.raises(ClaimError, match="C01.*returns"):
        one("mcap_change_bn:NVDA:2025-01-24:2025-01-27", -592.7, unit="usd_billion",
            info=lambda t: {"price_basis": "dividend-adjusted"})
    with pytest.raises(ClaimError, match="price level"):
        one("close:NVDA:2025-01-24", 142.62, unit="usd", info=lambda t: {"price_basis": "possibly forward-adjusted"})
    # returns are fine on an adjusted series
    r = one(NVDA_CRASH, -16.97, info=lambda t: {"price_basis": "dividend-adjusted"})
    assert r["verdict"] == CONFIRMED


def test_fact_ratio_product_calc_sign_and_bounds():
    assert one("product:fact:CST-01*fact:CST-05", 5.576, unit="usd_million", tolerance=0.0005)["verdict"] == CONFIRMED
    assert one("ratio:fact:CST-05/fact:CST-21", 3.636, unit="ratio", tolerance=0.0005)["verdict"] == CONFIRMED
    r = one("calc:( fact:CST-21 / fact:CST-05 - 1 ) * 100", -72.5, tolerance=0.05)
    assert r["measured"] == pytest.approx(-72.5)
    assert one("calc:fact:CST-42:1:mid * 2 / 1e9", 5.5e-5, unit="usd_billion", tolerance=1e-9)["verdict"] == CONFIRMED
    assert one("fact:RSP-10", 62.5, unit="usd_billion", tolerance=2.5)["verdict"] == CONFIRMED
    assert one("fact:SHK-05", "2025-01-27", unit="date", tolerance=1)["verdict"] == CONFIRMED
    assert one("fact:SHK-05", "2025-01-27", unit="date", tolerance=0)["verdict"] == CONTRADICTED
    assert one("sign:" + NVDA_CRASH, -1, unit="sign", tolerance=0)["verdict"] == CONFIRMED
    assert one("sign:" + NVDA_CRASH, 1, unit="sign", tolerance=0)["verdict"] == CONTRADICTED
    assert one("atleast:fact:CST-21", 0.5, unit="usd", tolerance=0.005)["verdict"] == CONFIRMED
    assert one("atmost:fact:CST-21", 0.5, unit="usd", tolerance=0.005)["verdict"] == CONTRADICTED
    # a change in the facts flips a fact-based claim
    edited = FACTS.copy()
    edited.loc[edited["id"] == "CST-21", "value"] = "0.60"
    assert one("fact:CST-21", 0.55, unit="usd", facts=edited)["verdict"] == CONTRADICTED
    with pytest.raises(ClaimError, match="no fact with id 'CST-99'"):
        one("fact:CST-99", 1)
    with pytest.raises(ClaimError, match="date"):
        one("fact:SHK-05", 1, unit="count")  # a date fact against a number claim


def test_last_larger_move_and_data_limits():
    days = pd.bdate_range("2024-01-02", periods=8)
    closes = [100, 90, 95, 96, 97, 98, 91, 92]  # -10% on day 2, -7.1% on day 7
    s = frame({d.strftime("%Y-%m-%d"): (c, c, c, c) for d, c in zip(days, closes)})
    r = one(f"last_larger_move:X:{days[6]:%Y-%m-%d}", f"{days[1]:%Y-%m}", unit="date", tolerance=0,
            prices={"X": s})
    assert r["measured"] == f"{days[1]:%Y-%m-%d}" and r["verdict"] == CONFIRMED
    r = one(f"last_larger_move:X:{days[1]:%Y-%m-%d}", "2020-03", unit="date", tolerance=0, prices={"X": s})
    assert r["verdict"] == NOT_CHECKABLE and "older than the cache" in r["reason"]
    # a date outside the series is a limit of the data ...
    r = one("pct_change:NVDA:2000-03-10:2002-10-09", -80, tolerance=4)
    assert r["verdict"] == NOT_CHECKABLE and "outside the cached NVDA series" in r["reason"]
    # ... but a date inside it that is not a session is an error in the ledger
    with pytest.raises(ClaimError, match="C01: 2025-01-25 is not a trading day of NVDA"):
        one("pct_change:NVDA:2025-01-25:2025-01-27", -16.97)
    with pytest.raises(ClaimError, match="no price series for 'XYZ'"):
        one("close:XYZ:2025-01-27", 1, unit="usd")
    with pytest.raises(NotCheckable):
        claims.measure("none")


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("bad, message", [
    ("", "empty"),
    ("pct:NVDA:2025-01-24:2025-01-27", "unknown kind 'pct'"),
    ("pct_change:NVDA:2025-01-27", "expected pct_change:TICKER:D0:D1"),
    ("pct_change:NVDA:2025-01-27:2025-01-24", "must be before"),
    ("pct_change:NVDA:2025-01-24:2025-01-27:Adj", "FIELD must be one of"),
    ("pct_change:NVDA:2025-1-24:2025-01-27", "not a YYYY-MM-DD date"),
    ("close:NVDA:2025-02-30", "not a real calendar date"),
    ("fact:cst-06", "id like CST-06"),
    ("fact:CST-06:x", "whole number"),
    ("ratio:fact:CST-01/fact:CST-05/2", "exactly two terms"),
    ("calc:fact:CST-01 ** 2", "calc allows only + - * / and parentheses"),
    ("calc:fact:CST-01*2", "space-delimited"),
    ("calc:", "needs arguments"),
    ("calc:fact:CST-01 2", "does not parse"),
    ("info:info:fact:CST-01", "outermost"),
    ("sign:atleast:fact:CST-01", "outermost"),
    ("none:fact:CST-01", "takes no arguments"),
    ("calc:info:fact:CST-01 * 2", "outermost"),
])
def test_bad_specs_are_rejected_with_a_reason(bad, message):
    with pytest.raises(ClaimError, match=re.escape(message)):
        parse_spec(bad)


def test_fact_values_are_read_as_documented():
    assert fact_value("60-65", "USD billion") == 60
    assert fact_value("60-65", "USD billion", 0, "mid") == 62.5
    assert fact_value("3,320 cost; 25,000-30,000 price", "USD per GPU") == 3320
    assert fact_value("3,320 cost; 25,000-30,000 price", "USD per GPU", 1, "mid") == 27500
    assert fact_value("GPT-4 78", "score") == 78  # the model's name is not a number (it was read as 4)
    assert fact_value("2664", "thousand H800 GPU-hours", 0, "scaled") == 2_664_000
    with pytest.raises(ClaimError, match="not a range"):
        fact_value("246 (2024)", "USD billion", 0, "mid")
    assert fact_value("R1-Zero 198 h; R1 80 h; 512 GPUs", "hours; GPUs") == 198
    assert fact_value("246 (2024); >320 (2025 plan)", "USD billion", 1) == 320
    assert fact_value("Marvell -19; Oracle -13.8", "percent", 1) == -13.8
    assert fact_value("H800 ~10,000; H100 ~10,000", "GPUs") == 10000
    assert fact_value("3.4078e+24", "FLOP") == 3.4078e24
    assert fact_value("2025-04-09 (notice); 2025-04-14 (indefinite)", "dates", 1) == parse_date_span("2025-04-14")
    assert fact_value("2025-02-06 to 2025-02-25", "date range") == DateSpan(
        parse_date_span("2025-02-06").start, parse_date_span("2025-02-25").end)
    assert fact_value("2024-09", "date") == parse_date_span("2024-09")
    with pytest.raises(ClaimError, match="2 part"):
        fact_value("1; 2", "x", 2)
    with pytest.raises(ClaimError, match="no number"):
        fact_value("Obviously", "quote")


def test_date_spans():
    assert str(parse_date_span("2024-12")) == "2024-12-01..2024-12-31"
    assert str(parse_date_span("2024-02")) == "2024-02-01..2024-02-29"
    assert str(parse_date_span("2025")) == "2025-01-01..2025-12-31"
    assert parse_date_span("2024-12-01..2024-12-31") == parse_date_span("2024-12")
    with pytest.raises(ValueError):
        parse_date_span("27 January")


# --------------------------------------------------------------------------- loading errors


def _write(tmp_path, df: pd.DataFrame):
    path = tmp_path / "claims.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture()
def raw_ledger() -> pd.DataFrame:
    return pd.read_csv(claims.CLAIMS_FILE, dtype=str, keep_default_na=False).head(5)


def test_load_claims_names_the_bad_row(tmp_path, raw_ledger):
    df = raw_ledger.copy()
    df.loc[2, "check"] = "pct_change:NVDA:2025-01-24"
    with pytest.raises(ClaimError, match=r"claim C03 \(line 4\).*expected pct_change"):
        load_claims(_write(tmp_path, df))


def test_load_claims_rejects_missing_columns(tmp_path, raw_ledger):
    with pytest.raises(ClaimError, match="missing column.*tolerance"):
        load_claims(_write(tmp_path, raw_ledger.drop(columns=["tolerance"])))
    extra = raw_ledger.assign(verdict="confirmed")
    with pytest.raises(ClaimError, match="unexpected column.*verdict"):
        load_claims(_write(tmp_path, extra))


def test_load_claims_rejects_duplicate_ids(tmp_path, raw_ledger):
    df = raw_ledger.copy()
    df.loc[3, "id"] = "C02"
    with pytest.raises(ClaimError, match=r"claim C02 \(line 5\): duplicate id \(first on line 3\)"):
        load_claims(_write(tmp_path, df))


def test_load_claims_rejects_unknown_articles_and_bad_cells(tmp_path, raw_ledger):
    df = raw_ledger.copy()
    df.loc[0, "article_file"] = "005_unknown.txt"
    df.loc[1, "outlet"] = "Reuters"
    df.loc[2, "claim"] = "英伟达 fell"
    df.loc[3, "tolerance"] = "-1"
    df.loc[4, "claimed_value"] = "about 8"
    with pytest.raises(ClaimError) as err:
        load_claims(_write(tmp_path, df))
    msg = str(err.value)
    assert "5 problem(s)" in msg
    assert "claim C01 (line 2): unknown article file '005_unknown.txt'" in msg
    assert "claim C02 (line 3): outlet 'Reuters' should be" in msg
    assert "claim C03 (line 4): claim contains Chinese characters" in msg
    assert "claim C04 (line 5): tolerance '-1'" in msg
    assert "claim C05 (line 6): claimed_value 'about 8'" in msg


def test_evaluate_names_the_claim_on_errors():
    df = pd.DataFrame([{"id": "C42", "check": "close:NVDA:2025-01-25", "claimed_value": 1.0,
                        "unit": "usd", "tolerance": 0.5}])
    with pytest.raises(ClaimError, match="^claim C42: 2025-01-25 is not a trading day"):
        evaluate(df, **fakes())


# --------------------------------------------------------------------------- kinds and the close factor


def test_every_claim_has_a_known_kind(ledger):
    assert set(ledger["kind"]) <= set(claims.CLAIM_KINDS)


def test_load_claims_rejects_an_unknown_kind(tmp_path, raw_ledger):
    df = raw_ledger.copy()
    df.loc[1, "kind"] = "gossip"
    with pytest.raises(ClaimError, match=r"claim C02 \(line 3\): kind 'gossip' must be one of"):
        load_claims(_write(tmp_path, df))


def test_close_factor_widens_or_narrows_close():
    assert verdict(7, 8.93, 0.5)[0] == CONTRADICTED
    assert verdict(7, 8.93, 0.5, close_factor=4)[0] == CLOSE
    assert verdict(124, 124.65, 0.5, close_factor=1)[0] == CONTRADICTED  # 1: nothing is 'close'
    r = one(NVDA_CRASH, -16.0, tolerance=0.5)  # measured -16.97: 1.94 tolerances off
    assert r["verdict"] == CLOSE
    df = pd.DataFrame([{"id": "C01", "check": NVDA_CRASH, "claimed_value": -16.0, "unit": "percent",
                        "tolerance": 0.5}])
    assert evaluate(df, close_factor=1.5, **fakes()).iloc[0]["verdict"] == CONTRADICTED


@pytest.mark.parametrize("bad", [0.5, 0, -3, 101, float("nan"), "3", True, None])
def test_close_factor_is_validated(bad):
    with pytest.raises(ValueError, match="close_factor"):
        claims.check_close_factor(bad)
    with pytest.raises(ValueError, match="close_factor"):
        verdict(1, 1, 0.1, close_factor=bad)


def test_wilson_interval_matches_its_formula_and_stays_in_zero_one():
    from shockbook.analysis.claims import wilson_interval

    lo, hi = wilson_interval(8, 10)
    # by hand: p = .8, z = 1.96; centre = (.8 + z²/20)/(1 + z²/10); half = z·sqrt(.016 + z²/400)/(1 + z²/10)
    z = 1.959963984540054
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z * (0.016 + z * z / 400) ** 0.5 / (1 + z * z / 10)
    assert (lo, hi) == pytest.approx((centre - half, centre + half))
    assert 0 <= wilson_interval(0, 3)[0] and wilson_interval(3, 3)[1] <= 1 + 1e-12
    assert all(map(math.isnan, wilson_interval(0, 0)))


def test_a_claim_that_only_quotes_someone_is_attributed_not_confirmed():
    facts = pd.DataFrame([
        {"id": "SKP-01", "value": "50000", "unit": "H100 GPUs (claimed)", "status": "claim"},
        {"id": "CST-10", "value": "2048", "unit": "H800 GPUs", "status": "fact"},
    ])
    one = lambda check: evaluate(pd.DataFrame([{  # noqa: E731
        "id": "C01", "claimed_value": "50000", "unit": "count", "check": check, "tolerance": 0.5}]),
        facts=lambda: facts).iloc[0]
    assert one("fact:SKP-01")["verdict"] == claims.ATTRIBUTED
    assert one("fact:CST-10")["verdict"] == CONTRADICTED  # a true fact, a wrong number
    assert one("calc:fact:SKP-01 * fact:CST-10 / fact:CST-10")["verdict"] == CONFIRMED  # rests on a fact too
    assert claims.ATTRIBUTED not in claims.SCORED


# --------------------------------------------------------------------------- not checkable, for a reason


def test_every_not_checkable_claim_has_a_reason_from_the_list(evaluated):
    rows = evaluated[evaluated["verdict"] == claims.NOT_CHECKABLE]
    assert len(rows) > 0
    for _, r in rows.iterrows():
        kind = claims.uncheckable_kind(r["reason"])
        assert kind in claims.UNCHECKABLE_REASONS, r["id"]
        if kind == claims.MISSING:  # names what is missing
            assert len(r["reason"].split(": ", 1)[1].strip()) > 3, r["id"]
    # the ledger states a reason exactly where the check cannot score, and nowhere else
    for _, r in evaluated.iterrows():
        unscored = parse_spec(r["check"]).kind in ("none", "info")
        assert bool(r["uncheckable"].strip()) == unscored, r["id"]


def test_uncheckable_kind_and_check_reject_reasons_off_the_list():
    assert claims.uncheckable_kind("a forecast") == claims.FORECAST
    assert claims.uncheckable_kind("intraday or pre-market (the value shown is context)") == claims.INTRADAY
    assert claims.uncheckable_kind("no series or fact in the book: a USD/CNY rate") == claims.MISSING
    for bad in ("", "not checkable", "a forecaster said so", "no series or fact in the book"):
        with pytest.raises(ValueError):
            claims.check_uncheckable(bad)
    with pytest.raises(ValueError):
        claims.uncheckable_kind("see the note")


def test_load_claims_requires_a_reason_for_unscored_checks_only(tmp_path, raw_ledger):
    df = raw_ledger.copy()  # C02..C05 are pre-market claims with info: checks
    assert (df["check"].str.startswith("info:")).sum() >= 2
    df.loc[1, "uncheckable"] = ""
    with pytest.raises(ClaimError, match=r"claim C02 .*needs a reason"):
        load_claims(_write(tmp_path, df))
    df = raw_ledger.copy()
    df.loc[1, "uncheckable"] = "too hard"
    with pytest.raises(ClaimError, match=r"claim C02 .*must be one of"):
        load_claims(_write(tmp_path, df))
    df = raw_ledger.copy()
    df.loc[0, "uncheckable"] = claims.FORECAST  # C01 is scored
    with pytest.raises(ClaimError, match=r"claim C01 .*is scored"):
        load_claims(_write(tmp_path, df))


# --------------------------------------------------------------------------- checks added in the audit


def _close(cache, ticker, day):
    return float(cache.load_prices(ticker).loc[day, "Close"])


def _move(cache, ticker, d0, d1):
    return 100 * (_close(cache, ticker, d1) / _close(cache, ticker, d0) - 1)


def _fact_number(fid, part=0):
    from shockbook.data.facts import load_facts

    f = load_facts().set_index("id")
    return float(str(f.loc[fid, "value"]).split(";")[part].strip().split()[0].replace(",", ""))


@pytest.fixture(scope="module")
def nvda_loss_bn(real_cache):
    """Nvidia's loss on 27 January, from the raw closes and the 10-Q cover-page count (24.49 billion)."""
    sh = real_cache.load_shares()
    cover = sh[(sh["ticker"] == "NVDA") & (sh["share_class"] == "common stock")]
    cover = cover[pd.to_datetime(cover["as_of_date"]) <= "2025-01-27"].sort_values("as_of_date")
    n = float(cover["shares_outstanding"].iloc[-1])
    return -n * (_close(real_cache, "NVDA", "2025-01-27") - _close(real_cache, "NVDA", "2025-01-24")) / 1e9


def _measured(evaluated, cid):
    return evaluated.set_index("id").loc[cid]


def test_audited_checks_against_the_cache_and_facts(evaluated, real_cache, nvda_loss_bn):
    m = lambda cid: float(_measured(evaluated, cid)["measured"])  # noqa: E731
    assert m("C73") == pytest.approx(_fact_number("RSP-B08") / 1000)
    baba_bn = _close(real_cache, "BABA", "2025-01-27") * _fact_number("SHK-B30") * 1e6 / 8 / 1e9
    assert m("C77") == pytest.approx(nvda_loss_bn / baba_bn)
    assert m("C26") == pytest.approx(nvda_loss_bn * _close(real_cache, "DEXCHUS", "2025-01-27") / 1000)
    assert m("C99") == pytest.approx(_fact_number("GEO-13") / _close(real_cache, "DEXCHUS", "2025-01-17"))
    for cid in ("C27", "C89"):
        assert m(cid) == pytest.approx(nvda_loss_bn / _fact_number("SHK-13"))
    seven = ("AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA")
    assert m("C79") == pytest.approx(sum(_move(real_cache, t, "2025-01-24", "2025-01-27") for t in seven) / 7)
    assert m("C120") == pytest.approx(_move(real_cache, "NVDA", "2025-01-24", "2025-01-27"))
    assert m("C124") == _fact_number("CST-B31", 0) == 0
    assert m("C125") == pytest.approx(_fact_number("CST-B30") / _fact_number("CST-B32"))
    assert m("C126") == pytest.approx(_fact_number("CST-34", 1) * _fact_number("CST-05"))
    assert m("C127") == pytest.approx(sum(_fact_number(f) for f in ("RSP-B07", "RSP-B08", "RSP-B09", "RSP-B10")) / 1000)
    assert m("C72") == _fact_number("RSP-B31")
    assert m("C91") == pytest.approx(100 * _fact_number("CST-06") / (_fact_number("CST-34") * _fact_number("CST-05")))
    from shockbook.data.facts import load_facts

    values = load_facts().set_index("id")["value"]
    for cid, fid in (("C34", "RSP-B30"), ("C130", "SHK-B31")):  # dates read from the new facts
        assert _measured(evaluated, cid)["measured"] == values[fid]
    verdicts = evaluated.set_index("id")["verdict"]
    assert verdicts["C72"] == claims.CONTRADICTED  # about $3B planned, not more than $5B
    assert verdicts["C77"] == claims.CONTRADICTED and m("C77") > 2  # more than two Alibabas, not one
    assert verdicts["C26"] == verdicts["C99"] == verdicts["C73"] == verdicts["C27"] == claims.CONFIRMED
    assert verdicts["C79"] == claims.NOT_CHECKABLE  # equal weight is context for Goldman's basket
    assert verdicts["C124"] == verdicts["C125"] == verdicts["C126"] == claims.CONTRADICTED
    for cid in ("C132", "C133"):  # released 20 January: five days before 'the past week' began
        assert _measured(evaluated, cid)["difference"] == -5


def test_stripped_names_are_identified_only_where_one_us_series_matches(evaluated, real_cache):
    """Every US series in the catalog is scanned: a stripped move is matched to a series exactly when
    that series alone rounds to the stated move on 27 January."""
    moves = {}
    for s in catalog.SERIES:
        if s.market != "US":
            continue
        try:
            moves[s.ticker] = _move(real_cache, s.ticker, "2025-01-24", "2025-01-27")
        except KeyError:
            continue
    stripped = evaluated[evaluated["subject"].str.startswith("unnamed (name stripped)")]
    assert len(stripped) == 5
    for _, r in stripped.iterrows():
        hits = sorted(t for t, v in moves.items() if round(v, 2) == float(r["claimed_value"]))
        spec = parse_spec(r["check"])
        named = [spec.parts[0].args[0]] if spec.kind == "info" else []
        assert hits == named, (r["id"], hits, named)
        assert r["verdict"] == claims.NOT_CHECKABLE  # a name found by the number cannot confirm it


def test_basket_spec_is_the_equal_weighted_move():
    spec = parse_spec("basket:NVDA+AMD:2025-01-24:2025-01-27")
    assert spec.tickers() == {"NVDA", "AMD"}
    assert [leaf.args[0] for leaf in spec.leaf_specs()] == ["NVDA", "AMD"]
    amd = frame({"2025-01-24": (1, 1, 1, 100.0), "2025-01-27": (1, 1, 1, 90.0)})
    got = measure(spec, **fakes(prices={"NVDA": NVDA, "AMD": amd}))
    assert got == pytest.approx(((118.42 / 142.62 - 1) * 100 + (90 / 100 - 1) * 100) / 2)
    for bad in ("basket:NVDA:2025-01-24:2025-01-27", "basket:NVDA+NVDA:2025-01-24:2025-01-27",
                "basket:NVDA+AMD:2025-01-27:2025-01-24"):
        with pytest.raises(ClaimError):
            parse_spec(bad)


def test_an_exchange_rate_is_a_level():
    fx = frame({"2025-01-27": (math.nan, math.nan, math.nan, 7.2507)})
    info = lambda t: {"price_basis": "exchange rate (FRED)"}  # noqa: E731
    assert measure("close:DEXCHUS:2025-01-27", **fakes(prices={"DEXCHUS": fx}, info=info)) == 7.2507
    with pytest.raises(ClaimError, match="needs a price level"):  # still not a market value
        measure("mcap_change_bn:DEXCHUS:2025-01-24:2025-01-27", **fakes(prices={"DEXCHUS": fx}, info=info))


# --------------------------------------------------------------------------- the exclusion list


def test_exclusion_file_schema_and_reasons(ledger):
    ex = claims.load_exclusions(ledger=ledger)
    assert list(ex.columns) == claims.EXCLUSION_COLUMNS
    assert len(ex) > 0
    assert set(ex["reason"].map(claims.exclusion_reason_kind)) <= {"advertising", "page furniture", "not a claim",
                                                                   "duplicate"}
    assert ex["paraphrase"].str.endswith(claims.TRANSLATION_MARK).all()


def test_every_excluded_number_occurs_in_its_article(ledger):
    """The exclusions are read off the articles: each number, as written, is in the article's text."""
    ex = claims.load_exclusions(ledger=ledger)
    for _, r in ex.iterrows():
        text = (paths.SHARED_DIR / "sources" / r["article_file"]).read_text(encoding="utf-8")
        for piece in r["number"].split(", "):
            assert piece in text, (r["article_file"], piece)


def test_validate_exclusions_names_each_bad_row(ledger):
    good = claims.load_exclusions(ledger=ledger).head(3).copy()
    bad = good.copy()
    bad.loc[0, "reason"] = "boring"
    bad.loc[1, "paraphrase"] = "No mark here"
    bad.loc[2, "reason"] = "duplicate of C24"  # C24 is Xinhua's; row 2 is another article's
    bad.loc[2, "article_file"] = "002_a53d9ef3a776ecc6.txt"
    with pytest.raises(ClaimError) as err:
        claims.validate_exclusions(bad, ledger)
    msg = str(err.value)
    assert "line 2" in msg and "line 3" in msg and "line 4" in msg and "another article" in msg
    unknown = good.copy()
    unknown.loc[0, "reason"] = "duplicate of C999"
    with pytest.raises(ClaimError, match="names no ledger row"):
        claims.validate_exclusions(unknown, ledger)


def test_the_ledger_is_validated_once_but_each_load_is_a_fresh_copy_and_noted(tmp_path, monkeypatch):
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(log))
    copy = tmp_path / "claims.csv"
    copy.write_bytes(claims.CLAIMS_FILE.read_bytes())
    first = claims.load_claims(copy)
    first.loc[first.index[0], "claim"] = "changed by a caller"
    assert claims.load_claims(copy).loc[first.index[0], "claim"] != "changed by a caller"
    assert claims.load_claims(copy).equals(claims.load_claims())
    assert log.read_text().count("claims.csv") == 2  # the copy and the book's file, each once
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(tmp_path / "next-run.txt"))
    claims.load_claims(copy)  # memoised, and still recorded in the next run's log
    assert (tmp_path / "next-run.txt").read_text().count("claims.csv") == 1
    # Changed bytes are validated again: a broken row is reported, not served from memory.
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("\nC02,", "\nX02,", 1), encoding="utf-8")
    with pytest.raises(claims.ClaimError, match="id 'X02' is not like C01"):
        claims.load_claims(copy)
