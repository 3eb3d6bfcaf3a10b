"""Chapter 1, "The shock": each section's numbers against values computed here from the committed
CSVs (read with pandas, not through the chapter's helpers), its parameters, and its tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from shockbook import paths
from shockbook.analysis import calendar
from shockbook.chapters import ch1_shock as ch1
from shockbook.data import catalog

KEY = pd.Timestamp("2025-01-27")  # the story's day, typed here on purpose: the test checks KEY_EVENT


def raw(ticker: str) -> pd.DataFrame:
    return pd.read_csv(paths.MARKET_DIR / "prices" / catalog.get(ticker).file_name, index_col="Date",
                       parse_dates=True)


def day_pct(ticker: str, day=KEY, column: str = "Close") -> float:
    p = raw(ticker)[column]
    pos = p.index.get_loc(pd.Timestamp(day))
    return (p.iloc[pos] / p.iloc[pos - 1] - 1) * 100


def total_return_col(ticker: str) -> str:
    p = raw(ticker)
    return "Adj Close" if "Adj Close" in p and p["Adj Close"].notna().all() else "Close"


@pytest.fixture(scope="module")
def default():
    return ch1.Params()


def test_the_story_day_is_calendar_key_event():
    assert ch1.KEY_EVENT == calendar.KEY_EVENT == f"{KEY:%Y-%m-%d}"
    assert not hasattr(ch1, "EVENT_STUDY_TICKERS")  # the dead copy is gone: the tickers live in Params


# ----------------------------------------------------------------------------- sections


def test_opening_numbers_are_the_story_days_closes(default):
    s = ch1.opening(ch1.Params(event_date="2025-01-21", tickers=["AMD"]))  # the story's numbers ignore the rerun
    nv = raw("NVDA")["Close"]
    assert s.numbers["nvda_drop"] == pytest.approx(-(nv[KEY] / nv[:KEY].iloc[-2] - 1) * 100, rel=1e-12)
    assert s.numbers["nvda_drop"] == pytest.approx(16.97, abs=0.01)
    for key, ticker in [("ixic_drop", "^IXIC"), ("gspc_drop", "^GSPC"), ("sox_drop", "^SOX")]:
        assert s.numbers[key] == pytest.approx(-day_pct(ticker), rel=1e-12)
    shares = pd.read_csv(paths.MARKET_DIR / "shares_outstanding.csv")
    count = shares[(shares.ticker == "NVDA") & (shares.share_class == "common stock")
                   & (shares.as_of_date <= "2025-01-27")].sort_values("as_of_date")["shares_outstanding"].iloc[-1]
    assert s.numbers["nvda_mv_bn"] == pytest.approx(count * (nv[:KEY].iloc[-2] - nv[KEY]) / 1e9, rel=1e-12)
    assert s.value("r1_release") == "20 January 2025"


def test_the_day_ranks_every_us_series_and_summarises_each_group(default):
    s = ch1.the_day(default)
    pct = {t: day_pct(t) for t in catalog.tickers(market="US") if t != "^VIX"}
    worst = min(pct, key=pct.get)
    assert s.numbers["worst_name"] == catalog.get(worst).name
    assert s.numbers["worst_pct"] == pytest.approx(-pct[worst], rel=1e-12)
    groups = s.tables["tbl-shock-groups-table"].frame.set_index("group")
    chips = [day_pct(t) for t in catalog.tickers("Chips", "US")]
    assert groups.loc["Chips", "median"] == pytest.approx(np.median(chips), rel=1e-12)
    assert groups.loc["Chips", "worst"] == pytest.approx(min(chips), rel=1e-12)
    assert groups.loc["Chips", "series"] == len(chips)
    assert len(s.figures["fig-shock-moves-chart"].data) == len(catalog.tickers(market="US"))


def test_market_value_is_shares_times_the_change_in_the_close(default):
    s = ch1.market_value(default)
    mv = s.tables["tbl-shock-mcap-table"].frame.set_index("ticker")
    tsm = raw("TSM")["Close"]
    shares = pd.read_csv(paths.MARKET_DIR / "shares_outstanding.csv")
    tsm_common = shares[(shares.ticker == "TSM") & ~shares.share_class.str.contains("balance")]
    tsm_common = tsm_common[tsm_common.as_of_date <= "2025-01-27"].sort_values("as_of_date")
    count = (tsm_common if not tsm_common.empty else shares[shares.ticker == "TSM"]).iloc[-1]["shares_outstanding"]
    assert mv.loc["TSM", "change_bn"] == pytest.approx(count / 5 * (tsm[KEY] - tsm[:KEY].iloc[-2]) / 1e9, rel=1e-12)
    assert list(mv["change_bn"]) == sorted(mv["change_bn"])  # the biggest loss first
    aapl = raw("AAPL")["Close"]
    assert s.numbers["aapl_mv_bn"] > 0 and aapl[KEY] > aapl[:KEY].iloc[-2]
    assert s.numbers["nvda_shares_bn"] == pytest.approx(24.49)


def test_the_days_after_average_each_groups_total_return(default):
    s = ch1.the_days_after(default)
    gspc = raw("^GSPC")["Close"].index
    anchor = gspc[gspc.get_loc(KEY) - 1]
    for key, k in [("chips_1m", 21), ("chips_3m", 63), ("chips_6m", 126)]:
        end = gspc[gspc.get_loc(anchor) + k]
        rets = []
        for t in catalog.tickers("Chips", "US"):
            p = raw(t)[total_return_col(t)]
            rets.append((p[end] / p[anchor] - 1) * 100)
        assert s.numbers[key] == pytest.approx(np.mean(rets), rel=1e-9)
    nv = raw("NVDA")["Close"]
    assert s.numbers["nvda_rebound"] == pytest.approx((nv.iloc[nv.index.get_loc(KEY) + 1] / nv[KEY] - 1) * 100)
    assert s.value("nvda_rebound_date") == "28 January"
    assert s.value("after_anchor") == f"{anchor.day} {anchor:%B %Y}"


def test_asia_measures_each_market_on_its_own_calendar(default):
    s = ch1.asia(default)
    tw = raw("2330.TW")["Close"]
    last, first = tw[:KEY].index[-1], tw[KEY + pd.Timedelta(days=1):].index[0]
    assert s.numbers["tsmc_tw_drop"] == pytest.approx(-(tw[first] / tw[last] - 1) * 100, rel=1e-12)
    assert s.value("tw_reopen") == f"{first.day} {first:%B}" and s.value("tw_last") == f"{last.day} {last:%B}"
    hk = raw("9988.HK")["Close"]
    before, feb_end = hk[:KEY - pd.Timedelta(days=1)].iloc[-1], hk[:"2025-02-28"].iloc[-1]
    assert s.numbers["baba_hk_feb"] == pytest.approx((feb_end / before - 1) * 100, rel=1e-12)
    sb = raw("9984.T")["Close"]
    assert s.numbers["softbank_drop"] == pytest.approx(-(sb[KEY] / sb[:KEY].iloc[-2] - 1) * 100, rel=1e-12)


def test_event_study_estimation_window_and_day0_intervals(default):
    s = ch1.event_study(default)
    dates = raw("NVDA").index.intersection(raw("^GSPC").index)[1:]  # return dates
    pos0 = dates.get_loc(KEY)
    assert s.value("est_start") == f"{dates[pos0 - 285].day} {dates[pos0 - 285]:%B %Y}"
    assert s.value("est_end") == f"{dates[pos0 - 36].day} {dates[pos0 - 36]:%B %Y}"
    day0 = s.figures["fig-shock-car-chart"].data.set_index("ticker")
    assert set(day0.index) == set(default.tickers)
    wide = s.tables["tbl-shock-study-table"].frame
    assert [c for c in wide.columns if c.startswith("CAR")] == [
        "CAR (+0,+0) (%)", "CAR (+0,+1) (%)", "CAR (-1,+1) (%)", "CAR (-5,+5) (%)"]


def _ols_scar_and_residuals(ticker, day0_pos_offsets=(0,)):
    """Standardised CAR over the given relative days and estimation residuals, by statsmodels."""
    def rets(t):
        return raw(t)[total_return_col(t)].pct_change().dropna()
    r, rm = rets(ticker), rets("^GSPC")
    dates = r.index.intersection(rm.index)
    pos0 = dates.get_loc(KEY)
    est = dates[pos0 - 285: pos0 - 35]
    fit = sm.OLS(r[est].to_numpy(), sm.add_constant(rm[est].to_numpy())).fit()
    ev = dates[[pos0 + k for k in day0_pos_offsets]]
    X = sm.add_constant(rm[ev].to_numpy(), has_constant="add")
    ar = r[ev].to_numpy() - X @ fit.params
    xtx_inv = np.linalg.inv(sm.add_constant(rm[est].to_numpy()).T @ sm.add_constant(rm[est].to_numpy()))
    cov = fit.scale * (np.eye(len(ev)) + X @ xtx_inv @ X.T)
    return ar.sum(), ar.sum() / np.sqrt(cov.sum()), pd.Series(fit.resid, index=est)


def test_basket_tests_against_an_independent_statsmodels_computation(default):
    s = ch1.basket(default)
    members = [t for t in default.tickers if catalog.get(t).group in ch1.HARDWARE_GROUPS]
    out = [_ols_scar_and_residuals(t) for t in members]
    cars, scars = np.array([o[0] for o in out]), np.array([o[1] for o in out])
    n = len(members)
    t_bmp = scars.mean() / (scars.std(ddof=1) / np.sqrt(n))
    corr = pd.DataFrame({t: o[2] for t, o in zip(members, out)}).corr().to_numpy()
    rbar = corr[np.triu_indices(n, 1)].mean()
    t_kp = t_bmp * np.sqrt((1 - rbar) / (1 + (n - 1) * rbar))
    assert s.numbers["basket_n"] == n
    assert s.numbers["caar0"] == pytest.approx(cars.mean() * 100, rel=1e-9)
    assert s.numbers["t_bmp0"] == pytest.approx(t_bmp, rel=1e-9)
    assert s.numbers["rbar"] == pytest.approx(rbar, rel=1e-9)
    assert s.numbers["t_kp0"] == pytest.approx(t_kp, rel=1e-9)
    assert s.numbers["kp_factor"] == pytest.approx(t_bmp / t_kp, rel=1e-9)


def test_market_model_caveat_uses_the_storys_design():
    s = ch1.market_model_caveat(ch1.Params(market_proxy="^DJI"))
    _, _, resid = _ols_scar_and_residuals("NVDA")
    r = raw("NVDA")["Adj Close"].pct_change().dropna()
    rm = raw("^GSPC")["Close"].pct_change().dropna()
    fit = sm.OLS(r[resid.index].to_numpy(), sm.add_constant(rm[resid.index].to_numpy())).fit()
    assert s.numbers["nvda_beta"] == pytest.approx(fit.params[1], rel=1e-9)


def test_articles_shows_only_chapter_ones_claims(default):
    html = ch1.articles(default).shown[0].data
    assert html.startswith('<ul class="shockbook-claims">') and html.count("<li>") >= 1


# ----------------------------------------------------------------------------- parameters


GOOD = dict(event_date="2025-01-27", tickers=["NVDA", "AMD"], market_proxy="^GSPC",
            estimation_length=250, gap=30, window=[-5, 5])


@pytest.mark.parametrize("kwargs, message", [
    ({"tickers": []}, "tickers must be a non-empty list"),
    ({"tickers": ["NVDAA"]}, "tickers: unknown ticker 'NVDAA'"),
    ({"market_proxy": "^FOO"}, "market_proxy: unknown ticker"),
    ({"market_proxy": "^VIX"}, "market_proxy must be one of the US indices"),
    ({"event_date": "27/01/2025"}, "event_date .27/01/2025. is not a date; write it as YYYY-MM-DD"),
    ({"event_date": "2031-01-05"}, f"event_date must lie between {catalog.START} and {catalog.END}"),
    ({"event_date": "2025-01-26"}, "did not trade on 2025-01-26"),
    ({"window": [0, "5"]}, "two whole numbers"),
    ({"window": [1, 5]}, "must contain day 0"),
    ({"estimation_length": 10}, "too short"),
    ({"gap": -1}, "zero or more"),
    ({"tickers": ["NVDA", "0700.HK"]}, "needs one market"),
    ({"tickers": ["ARM"], "event_date": "2024-10-31"}, "outside what the data allow for ARM .*from 2024-11-01"),
])
def test_parameters_are_checked_before_anything_runs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ch1.Params(**{**GOOD, **kwargs})


def test_the_valid_range_of_the_event_date_is_computed_from_the_data():
    valid = {r["name"]: r["valid"] for r in ch1.Params.table()}
    # ARM's data start on 2023-09-14: its 285th return after that is the default tickers' earliest day 0.
    arm = raw("ARM").index
    assert f"from {arm[1 + 285]:%Y-%m-%d} to" in valid["event_date"]
    # the latest: five sessions before the first of the default tickers' (and the proxy's) data to end
    ends = [raw(t).index.intersection(raw("^GSPC").index) for t in ch1.Params().tickers]
    last = min(e[-1 - 5] for e in ends)
    assert f"to {last:%Y-%m-%d}" in valid["event_date"]
    ch1.Params(tickers=["ARM"], event_date=f"{arm[1 + 285]:%Y-%m-%d}")  # the stated first day passes
    nvda = raw("NVDA").index.intersection(raw("^GSPC").index)
    with pytest.raises(ValueError, match="outside what the data allow for NVDA"):
        ch1.Params(tickers=["NVDA"], event_date=f"{nvda[1 + 284]:%Y-%m-%d}")  # one return short
    after = nvda[nvda > last]
    if len(after):
        with pytest.raises(ValueError, match="outside what the data allow"):
            ch1.Params(event_date=f"{after[0]:%Y-%m-%d}")


# ----------------------------------------------------------------------------- words chosen by the data


@pytest.mark.parametrize("first, later, word", [
    (-9.7, -9.6, "held"), (-5.0, -9.0, "deepened"), (-9.0, -3.0, "eased"), (-5.0, 2.0, "reversed"),
    (3.0, 6.0, "extended"), (6.0, 2.0, "faded"), (3.0, -2.0, "reversed")])
def test_trend_words(first, later, word):
    from shockbook.site import words

    assert words.trend(first, later) == word


def test_the_worst_hit_is_an_asset_and_its_direction_comes_from_the_data():
    # 20 Dec 2024, a rally day: the VIX fell most of all US series, but it is not an asset.
    s = ch1.the_day(ch1.Params(event_date="2024-12-20", tickers=["NVDA"]))
    pct = {t: day_pct(t, "2024-12-20") for t in catalog.tickers(market="US")}
    assert min(pct, key=pct.get) == "^VIX"
    assets = {t: v for t, v in pct.items() if t != "^VIX"}
    worst = min(assets, key=assets.get)
    assert s.numbers["worst_name"] == catalog.get(worst).name
    assert s.value("worst_dir") == ("down" if assets[worst] < 0 else "up")
    assert s.numbers["worst_pct"] == pytest.approx(abs(assets[worst]))


def test_a_series_not_yet_listed_is_left_out_and_named():
    s = ch1.the_day(ch1.Params(event_date="2024-02-23", tickers=["NVDA"]))
    assert s.value("moves_note") == "Left out, with no close that day (not yet listed): GE Vernova."
    assert "GEV" not in set(s.figures["fig-shock-moves-chart"].data["ticker"])
    assert ch1.the_day(ch1.Params()).value("moves_note").startswith(f"All {len(catalog.tickers(market='US'))} ")


def test_without_two_hardware_stocks_the_basket_paragraph_says_so():
    s = ch1.basket(ch1.Params(tickers=["AMD", "MSFT"]))
    assert set(s.numbers) == {"basket_sentence"}
    assert "no basket to test" in s.value("basket_sentence")


def test_horizons_past_the_data_are_said_not_printed():
    d = ch1.Params.defaults()
    _, last = ch1.study_range(d["tickers"], d["market_proxy"], ch1.Params().design())
    s = ch1.the_days_after(ch1.Params(event_date=f"{last:%Y-%m-%d}"))
    assert not {"chips_1m", "chips_3m", "chips_6m"} & set(s.numbers)
    assert s.value("chips_month") == "the data end before a month had passed."
    d = ch1.the_days_after(ch1.Params())
    assert f"{d.numbers['chips_1m']:+.1f}%" in d.value("chips_month")


def test_the_story_words_are_measured_on_the_story_day():
    s = ch1.the_day(ch1.Params(event_date="2024-12-20", tickers=["NVDA"]))
    assert s.value("story_aapl") == ("rose" if day_pct("AAPL") > 0 else "fell")
    assert s.value("story_dji") == ("rose" if day_pct("^DJI") > 0 else "fell")


def test_the_estimation_window_is_placed_against_r1s_release():
    assert ch1.event_study(ch1.Params()).value("est_vs_r1") == "before R1 was released"
    late = ch1.event_study(ch1.Params(event_date="2025-06-02", tickers=["NVDA"], market_proxy="^DJI"))
    assert late.value("est_vs_r1").endswith("20 January 2025") and late.value("proxy_name") == "Dow Jones Industrial Average"


def test_the_rerun_box_lists_every_parameter_with_its_computed_range():
    md = ch1.rerun_box(ch1.Params()).numbers["rerun_table"].data
    for name in ch1.Params.defaults():
        assert f"| `{name}` |" in md
    arm = raw("ARM").index
    assert f"from {arm[1 + 285]:%Y-%m-%d} to" in md


def test_portfolio_section_reports_the_baskets_own_test(default):
    from shockbook.analysis import events

    s = ch1.portfolio(default)
    members = [t for t in default.tickers if catalog.get(t).group in ch1.HARDWARE_GROUPS]
    res = events.portfolio_test(members, "^GSPC", default.design(), (0, 0))
    assert s.numbers["port_t0"] == pytest.approx(res["t"]) and s.numbers["port_car0"] == pytest.approx(res["car"] * 100)
    # the basket's CAR equals the CAAR of the BMP table: the market model is linear in the returns
    assert s.numbers["port_car0"] == pytest.approx(ch1.basket(default).numbers["caar0"], rel=1e-9)
    assert f"t = {res['t']:.2f}" in s.value("portfolio_sentence")
    table = s.tables["tbl-shock-portfolio-table"].frame
    assert list(table["window"]) == ["(+0,+0)", "(+0,+1)", "(-1,+1)", "(-5,+5)"]


def test_size_simulation_section_is_seeded_and_matches_its_sentence(default):
    a, b = ch1.size_simulation(default), ch1.size_simulation(default)
    assert a.numbers == b.numbers
    assert a.numbers["size_bmp0"] > 20 and 3 <= a.numbers["size_kp0"] <= 7 and 3 <= a.numbers["size_port0"] <= 7
    assert f"BMP {a.numbers['size_bmp0']:.1f}%" in a.value("size_sentence")
    one = ch1.size_simulation(ch1.Params(tickers=["AMD"], event_date="2025-01-21"))
    assert "no basket to test" in one.value("size_sentence") and one.value("size_verdict").startswith("Without a basket")


def test_the_sp_members_share_of_the_index_loss_from_the_raw_files():
    s = ch1.market_model_caveat(ch1.Params())
    members = ["NVDA", "AVGO", "GOOGL", "MSFT", "AMZN", "META", "AAPL"]  # SHK-B11 ∩ the SEC counts; TSM is not listed
    assert s.numbers["sp_members_n"] == len(members)
    mv = ch1.market_value(ch1.Params()).tables["tbl-shock-mcap-table"].frame.set_index("ticker")
    loss = mv.loc[members, "change_bn"].sum()
    spx = raw("^GSPC")["Close"]
    eve = spx[:KEY].index[-2]
    index_bn = 51.86e3 * spx[eve] / spx[:"2024-12-31"].iloc[-1]  # SHK-B10: $51.86 trillion at end-2024
    index_loss = index_bn * (spx[KEY] / spx[eve] - 1)
    assert s.numbers["sp_members_loss_bn"] == pytest.approx(abs(loss), rel=1e-9)
    assert s.numbers["sp_loss_bn"] == pytest.approx(abs(index_loss), rel=1e-9)
    assert s.numbers["sp_share_pct"] == pytest.approx(loss / index_loss * 100, rel=1e-9)
    assert (s.numbers["sp_share_pct"] > 100) == s.value("sp_share_sentence").startswith("More than")


def test_proxy_range_uses_each_proxys_own_market_model():
    s = ch1.proxy_range(ch1.Params(tickers=["NVDA", "VST"]))
    table = s.tables["tbl-shock-proxies-table"].frame.set_index("ticker")
    have_rsp = "RSP" in catalog.BY_TICKER  # the equal-weighted S&P 500 of the widened cache
    assert [c for c in table.columns if c.startswith("^") or c == "RSP"] == ["^GSPC", "^DJI"] + (["RSP"] if have_rsp else [])
    for proxy in ("^GSPC", "^DJI"):
        r = raw("NVDA")["Adj Close"].pct_change().dropna()
        rm = raw(proxy)["Close"].pct_change().dropna()
        dates = r.index.intersection(rm.index)
        pos0 = dates.get_loc(KEY)
        est = dates[pos0 - 285: pos0 - 35]
        fit = sm.OLS(r[est].to_numpy(), sm.add_constant(rm[est].to_numpy())).fit()
        ar = r[KEY] - fit.params[0] - fit.params[1] * rm[KEY]
        assert table.loc["NVDA", proxy] == pytest.approx(ar * 100, rel=1e-9)
    proxies = ["^GSPC", "^DJI"] + (["RSP"] if have_rsp else [])
    assert table.loc["NVDA", "range"] == pytest.approx(table.loc["NVDA", proxies].max() - table.loc["NVDA", proxies].min())
    assert ("includes an equal-weighted" in s.value("proxy_missing")) == have_rsp
    lo = min(table[m].mean() for m in proxies)
    assert f"from {lo:+.1f}%" in s.value("proxy_sentence")


def test_confounders_sit_on_the_first_session_that_could_trade_them():
    sessions = raw("^GSPC").index
    pos0 = sessions.get_loc(KEY)
    def rel(day):
        return sessions.get_loc(pd.Timestamp(day)) - pos0
    c = ch1.confounders_in_window(ch1.KEY_EVENT, (-5, 5)).set_index("fact")["rel_day"].to_dict()
    # Stargate after Tuesday's close -> Wednesday 22 Jan; the FOMC at 2 p.m. on 29 Jan; Microsoft's and
    # Meta's results after the close on 29 Jan -> 30 Jan; the tariff orders on Saturday 1 Feb -> Monday 3 Feb.
    assert c == {"SHK-B15": rel("2025-01-22"), "SHK-B12": rel("2025-01-29"), "RSP-B01": rel("2025-01-30"),
                 "RSP-B03": rel("2025-01-30"), "SHK-B13": rel("2025-02-03")}
    assert (c["SHK-B15"], c["SHK-B12"], c["RSP-B01"], c["SHK-B13"]) == (-3, 2, 3, 5)
    assert ch1.confounders_in_window(ch1.KEY_EVENT, (-1, 1)).empty


def test_earnings_cars_are_named_and_the_chart_marks_the_news(default):
    s = ch1.event_study(default)
    assert s.value("earnings_sentence").startswith("Microsoft and Meta reported results inside the window")
    assert "(-5,+5)" in s.value("earnings_sentence") and "(+0,+1)" not in s.value("earnings_sentence")
    spec = s.figures["fig-shock-carpath-chart"].chart.to_dict()
    assert "vconcat" in spec and "Stargate announced" in str(spec)
    chips = ch1.event_study(ch1.Params(tickers=["NVDA", "AMD"]))
    assert chips.value("earnings_sentence") == "No chosen stock reported results inside the window."


def test_the_china_names_on_the_story_day_are_counted_from_the_data():
    s = ch1.the_days_after(ch1.Params(event_date="2024-12-20", tickers=["NVDA"]))
    china = catalog.tickers("China ADRs and ETFs", "US")
    moves = {t: day_pct(t) for t in china}
    assert s.numbers["china_up"] == sum(v > 0 for v in moves.values()) and s.numbers["china_n"] == len(china)
    adjusted = {t: day_pct(t, column=total_return_col(t)) for t in china}
    assert s.numbers["china_1d"] == pytest.approx(np.mean(list(adjusted.values())), rel=1e-9)
    assert s.value("china_way") == "went the other way"  # the group rose while the chip makers fell


def test_alibabas_february_confounders_and_its_results_day():
    s = ch1.asia(ch1.Params())
    hk = raw("9988.HK")["Close"]
    after = hk["2025-02-21":].index[0]  # results on Thursday 20 Feb (SHK-B17): first Hong Kong session after
    move = (hk[after] / hk[:"2025-02-20"].iloc[-1] - 1) * 100
    assert s.numbers["baba_results_pct"] == pytest.approx(abs(move), rel=1e-12)
    assert round(move, 1) == 14.6  # Yicai's report of the day (SHK-B17) agrees with the cache
    assert s.value("qwen_date") == "29 January" and s.value("symposium_date") == "17 February"


def test_tsmc_valued_on_taipei_when_taipei_reopened():
    s = ch1.market_value(ch1.Params())
    tw = raw("2330.TW")["Close"]
    before, reopen = tw[:KEY].index[-1], tw[KEY + pd.Timedelta(days=1):].index[0]
    shares = pd.read_csv(paths.MARKET_DIR / "shares_outstanding.csv").query("ticker == 'TSM'")["shares_outstanding"].iloc[0]
    move = tw[reopen] / tw[before] - 1
    assert s.numbers["tsmc_ntd_value_tn"] == pytest.approx(shares * 1135 / 1e12)  # SHK-B18: NT$1,135 on 22 Jan
    assert s.numbers["tsmc_tw_loss_ntd_bn"] == pytest.approx(abs(shares * 1135 * move) / 1e9, rel=1e-12)
    adr = raw("TSM")["Close"]
    assert s.numbers["tsmc_adr_same_span"] == pytest.approx(abs(adr[reopen] / adr[before] - 1) * 100, rel=1e-12)
    table = s.tables["tbl-shock-mcap-table"].frame.set_index("ticker")
    assert table.loc["TSM", "name"] == "TSMC (ADR-implied)"


def test_the_losers_against_reuters_trillion():
    s = ch1.market_value(ch1.Params())
    changes = ch1.market_value(ch1.Params()).tables["tbl-shock-mcap-table"].frame.set_index("ticker")["change_bn"]
    losers = changes[changes < 0]
    assert s.numbers["losers_n"] == len(losers)
    assert s.numbers["losers_bn"] == pytest.approx(-losers.sum())
    assert s.numbers["losers_ex_tsm_bn"] == pytest.approx(-losers.drop("TSM").sum())
    assert s.numbers["trillion_tn"] == pytest.approx(1.0)  # SHK-23: more than $1,000 billion
    assert ("exceed" in s.value("trillion_sentence")) == (-losers.drop("TSM").sum() > 1000)


def test_why_wait_measures_the_basket_out_of_sample_from_the_raw_files():
    s = ch1.why_wait(ch1.Params(event_date="2024-12-20", tickers=["NVDA"]))  # a story section: parameters ignored
    # (its first day is the first session after the story's estimation window, which ends on 2 December 2024)
    members = [t for t in ch1.Params().tickers if catalog.get(t).group in ch1.HARDWARE_GROUPS]
    basket = pd.concat([raw(t)[total_return_col(t)].pct_change() for t in members], axis=1).dropna().mean(axis=1)
    rm = raw("^GSPC")["Close"].pct_change().dropna()
    dates = basket.index.intersection(rm.index)
    pos0 = dates.get_loc(KEY)
    est = dates[pos0 - 285: pos0 - 35]
    fit = sm.OLS(basket[est].to_numpy(), sm.add_constant(rm[est].to_numpy())).fit()
    frame = s.figures["fig-shock-wait-chart"].data.set_index("date")
    for day in ["2024-12-27", "2025-01-21", "2025-01-27"]:
        x = np.array([[1.0, rm[day]]])
        pred = fit.get_prediction(x)
        ar = basket[day] - pred.predicted_mean[0]
        assert frame.loc[day, "ar_pct"] == pytest.approx(ar * 100, rel=1e-9)
        assert frame.loc[day, "t"] == pytest.approx(ar / pred.se_obs[0], rel=1e-9)
    assert frame.index.min() == dates[pos0 - 35] and frame.index.max() == pd.Timestamp("2025-02-28")
    assert s.numbers["wait_key_t"] == pytest.approx(frame.loc["2025-01-27", "t"])
    before = frame[frame.index < KEY]
    assert f"{len(before)} sessions before 27 January 2025, {(before['t'].abs() > 1.96).sum()} were beyond" in s.value("wait_chance")
    quiet = abs(frame.loc["2024-12-27", "t"]) < 1.96 and abs(frame.loc["2025-01-21", "t"]) < 1.96
    assert s.value("wait_v3_r1").startswith("Neither") == quiet


def test_the_size_verdict_follows_the_two_honest_tests(default):
    s = ch1.size_simulation(default)
    kp_p = ch1.basket(default).tables["tbl-shock-basket-table"].frame.set_index("window").loc["(+0,+0)", "p_kp"]
    port_p = ch1.portfolio(default).numbers["port_p0"]
    text = s.value("size_verdict")
    if port_p < 0.05 and kp_p >= 0.05:
        assert text.startswith("On the event day only the portfolio test rejects")
    elif port_p < 0.05 and kp_p < 0.05:
        assert text.startswith("On the event day both")
    else:
        assert "portfolio test rejects" not in text or "neither" in text


def test_tsmcs_taipei_loss_in_dollars_at_freds_rate():
    s = ch1.market_value(ch1.Params())
    fx = pd.read_csv(paths.MARKET_DIR / "prices" / catalog.get("DEXTAUS").file_name, index_col="Date",
                     parse_dates=True)["Close"]
    tw = raw("2330.TW")["Close"]
    before, reopen = tw[:KEY].index[-1], tw[KEY + pd.Timedelta(days=1):].index[0]
    shares = pd.read_csv(paths.MARKET_DIR / "shares_outstanding.csv").query("ticker == 'TSM'")["shares_outstanding"].iloc[0]
    loss_usd = abs(shares * 1135 * (tw[reopen] / tw[before] - 1)) / fx[reopen] / 1e9
    assert s.numbers["tsmc_tw_loss_usd_bn"] == pytest.approx(loss_usd, rel=1e-12)
    adr = raw("TSM")["Close"]
    assert s.numbers["tsmc_adr_premium"] == pytest.approx((adr[before] / (5 * 1135 / fx[before]) - 1) * 100, rel=1e-12)
    assert f"about ${loss_usd:,.0f} billion" in s.value("tsmc_usd_sentence")
