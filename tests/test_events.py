"""The event study: a hand-computable fixture, agreement with statsmodels, and the size and
power of its tests in simulation."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from shockbook.analysis import events


def test_hand_computable_fixture():
    # X = [[1,5],[1,5],[1,7]], Y = [6,8,10]: β = 4 / (8/3) = 1.5, α = 8 − 1.5·17/3 = −0.5,
    # residuals (−1, 1, 0), σ² = 2 / (3 − 2) = 2.
    m = events.fit_market_model([6, 8, 10], [5, 5, 7])
    assert m.alpha == pytest.approx(-0.5)
    assert m.beta == pytest.approx(1.5)
    assert m.sigma2 == pytest.approx(2.0)
    np.testing.assert_allclose(m.residuals, [-1, 1, 0], atol=1e-12)


def test_agrees_with_statsmodels_ols():
    rng = np.random.default_rng(7)
    x = rng.normal(0, 0.01, 250)
    y = 0.0005 + 1.3 * x + rng.normal(0, 0.02, 250)
    ours = events.fit_market_model(y, x)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert ours.alpha == pytest.approx(fit.params[0], rel=1e-10)
    assert ours.beta == pytest.approx(fit.params[1], rel=1e-10)
    assert ours.sigma2 == pytest.approx(fit.scale, rel=1e-10)
    # The variance of an out-of-sample prediction error is σ²(1 + x*(X'X)⁻¹x*'): statsmodels' obs variance.
    x_new = np.array([0.03, -0.02])
    pred = fit.get_prediction(sm.add_constant(x_new, has_constant="add"))
    np.testing.assert_allclose(np.diag(events.ar_covariance(ours, x_new)), pred.se_obs ** 2, rtol=1e-10)


def _synthetic_event(rng, n_est=250, window=(-5, 5), injected=0.0, sigma=0.02, beta=1.2):
    """A simulated stock: a market model fitted by the code under test, abnormal returns from numpy's
    own least-squares line (so the test does not repeat the production formula)."""
    x_est = rng.normal(0, 0.01, n_est)
    y_est = 0.0003 + beta * x_est + rng.normal(0, sigma, n_est)
    model = events.fit_market_model(y_est, x_est)
    line = np.polyfit(x_est, y_est, 1)
    days = np.arange(window[0], window[1] + 1)
    rm = rng.normal(0, 0.01, len(days))
    r = 0.0003 + beta * rm + rng.normal(0, sigma, len(days)) + np.where(days == 0, injected, 0.0)
    ev = pd.DataFrame({"rel_day": days, "r": r, "rm": rm})
    ev["ar"] = r - np.polyval(line, rm)
    ev["market_adjusted"] = ev["r"] - ev["rm"]
    return ev, model


def test_car_is_the_sum_of_the_abnormal_returns():
    ev, model = _synthetic_event(np.random.default_rng(1))
    for w in [(0, 0), (0, 1), (-1, 1), (-5, 5)]:
        mask = ev["rel_day"].between(*w)
        assert events.car(ev, model, *w)["car"] == pytest.approx(ev.loc[mask, "ar"].sum())


def test_size_about_five_percent_under_the_null():
    rng = np.random.default_rng(2025)
    rejections = [events.car(*_synthetic_event(rng), -1, 1)["p"] < 0.05 for _ in range(2000)]
    rate = np.mean(rejections)
    # 2,000 draws: the standard error of a 5 % rate is 0.49 pp; allow three of them.
    assert 0.035 <= rate <= 0.065, rate


def test_power_with_an_injected_abnormal_return():
    rng = np.random.default_rng(11)
    rejections = [events.car(*_synthetic_event(rng, injected=0.08), 0, 0)["p"] < 0.05 for _ in range(500)]
    assert np.mean(rejections) > 0.95  # 4 σ of one day's noise


def test_basket_test_on_the_cache_adjusts_for_correlation():
    tickers = ["NVDA", "AVGO", "TSM", "AMD", "MU"]
    res = events.basket_test(tickers, "^GSPC", events.Design(), (0, 0))
    assert res["n"] == 5
    assert 0 < res["mean_residual_correlation"] < 1
    # Positive cross-correlation shrinks the statistic: the adjusted test is more conservative.
    assert abs(res["t_kp"]) < abs(res["t_bmp"])
    assert res["caar"] < 0


def test_estimation_window_ends_well_before_the_release_of_r1():
    ev, model = events.abnormal_returns("NVDA", "^GSPC", events.Design())
    start, end = ev.attrs["estimation"]
    assert end < pd.Timestamp("2025-01-20") - pd.Timedelta(days=30)
    assert model.n == 250


@pytest.mark.parametrize("kwargs, message", [
    ({"window": (1, 5)}, "must contain day 0"),
    ({"estimation_length": 10}, "too short"),
    ({"gap": -1}, "zero or positive"),
    ({"estimation_length": 2000}, "data start on"),
])
def test_impossible_designs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        events.abnormal_returns("NVDA", "^GSPC", events.Design(**kwargs))


def test_a_proxy_from_another_market_is_refused():
    with pytest.raises(ValueError, match="trades on the US calendar but the market proxy \\^HSI"):
        events.abnormal_returns("NVDA", "^HSI", events.Design())


@pytest.mark.parametrize("t, df", [(-2.1, 30), (0.0, 5), (5.2, 248), (-1.5, 14)])
def test_p_values_match_scipy_stats(t, df):
    from scipy import stats

    assert events._two_sided_p(t, df) == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-12)


def test_abnormal_returns_on_the_cache_agree_with_statsmodels_on_the_raw_files():
    """Day-0 abnormal return and its variance for NVDA against an OLS fitted by statsmodels on the
    returns read straight from the committed CSVs (Adj Close), over the estimation window's dates."""
    from shockbook import paths

    def returns(name):
        p = pd.read_csv(paths.MARKET_DIR / "prices" / name, index_col="Date", parse_dates=True)
        col = "Adj Close" if "Adj Close" in p and p["Adj Close"].notna().all() else "Close"
        return p[col].pct_change().dropna()

    r, rm = returns("NVDA.csv"), returns("idx-GSPC.csv")
    dates = r.index.intersection(rm.index)
    pos0 = dates.get_loc(pd.Timestamp("2025-01-27"))
    est = dates[pos0 - 5 - 30 - 250: pos0 - 5 - 30]  # 250 returns ending 30 sessions before day -5
    fit = sm.OLS(r[est].to_numpy(), sm.add_constant(rm[est].to_numpy())).fit()
    pred = fit.get_prediction(np.array([[1.0, rm[dates[pos0]]]]))
    ev, model = events.abnormal_returns("NVDA", "^GSPC", events.Design())
    day0 = ev[ev["rel_day"] == 0].iloc[0]
    assert ev.attrs["estimation"] == (est[0], est[-1])
    assert day0["ar"] == pytest.approx(r[dates[pos0]] - pred.predicted_mean[0], rel=1e-9)
    assert day0["ar_var"] == pytest.approx(pred.se_obs[0] ** 2, rel=1e-9)


def test_the_design_defaults_to_the_story_day():
    from shockbook.analysis import calendar

    assert events.Design().event_date == calendar.KEY_EVENT


def test_event_date_range_counts_the_returns_the_design_needs():
    design = events.Design(estimation_length=100, gap=10, window=(-3, 4))
    first, last = events.event_date_range("NVDA", "^GSPC", design)
    returns = events.simple_returns("NVDA")
    assert first == returns.index[100 + 10 + 3] and last == returns.index[-1 - 4]
    with pytest.raises(ValueError, match="too few"):
        events.event_date_range("ARM", "^GSPC", events.Design(estimation_length=700))


# ----------------------------------------------------------------------------- the basket's tests


def test_bmp_and_kolari_pynnonen_by_hand():
    # SCARs 1, 2, 3: mean 2, sd 1, t = 2 / (1/√3) = 2√3; with r̄ = 0.5 and n = 3 the factor is
    # √((1 − 0.5) / (1 + 2·0.5)) = 0.5.
    t_bmp, t_kp = events.bmp_statistics([1, 2, 3], 0.5)
    assert t_bmp == pytest.approx(2 * np.sqrt(3))
    assert t_kp == pytest.approx(np.sqrt(3))


def test_portfolio_test_on_a_hand_computable_fixture():
    # Two stocks whose equal-weighted basket returns 6, 8, 10 on a market of 5, 5, 7 in the estimation
    # window: α = −0.5, β = 1.5, σ² = 2 (the fixture above). On day 0 the market returns 5 and the
    # basket (10 + 8)/2 = 9: AR = 9 − (−0.5 + 7.5) = 2; its variance is
    # σ²(1 + 1/3 + (5 − 17/3)²/(8/3)) = 2 · (1 + 1/3 + 1/6) = 3, so t = 2/√3.
    days = pd.bdate_range("2025-01-06", periods=4)
    members = pd.DataFrame({"A": [5, 8, 11, 10], "B": [7, 8, 9, 8]}, index=days, dtype=float)
    both = pd.DataFrame({"r": events.equal_weighted(members), "rm": [5.0, 5.0, 7.0, 5.0]}, index=days)
    design = events.Design(event_date=f"{days[3]:%Y-%m-%d}", estimation_length=3, gap=0, window=(0, 0))
    # event_window fits without Design.check, so the fixture may use a three-day estimation window
    ev, model = events.event_window(both, days[3], design, "fixture", "market")
    res = events.car(ev, model, 0, 0)
    assert res["car"] == pytest.approx(2.0)
    assert res["se"] == pytest.approx(np.sqrt(3.0))
    assert res["t"] == pytest.approx(2 / np.sqrt(3.0))


def _raw_returns(ticker):
    from shockbook import paths
    from shockbook.data import catalog

    p = pd.read_csv(paths.MARKET_DIR / "prices" / catalog.get(ticker).file_name, index_col="Date", parse_dates=True)
    col = "Adj Close" if "Adj Close" in p and p["Adj Close"].notna().all() else "Close"
    return p[col].pct_change().dropna()


@pytest.mark.parametrize("window", [(0, 0), (0, 1), (-1, 1)])
def test_portfolio_test_agrees_with_statsmodels_on_the_raw_files(window):
    members = ["NVDA", "AVGO", "AMD", "MU"]
    basket = pd.concat([_raw_returns(t) for t in members], axis=1, join="inner").dropna().mean(axis=1)
    rm = _raw_returns("^GSPC")
    dates = basket.index.intersection(rm.index)
    pos0 = dates.get_loc(pd.Timestamp("2025-01-27"))
    est = dates[pos0 - 5 - 30 - 250: pos0 - 5 - 30]
    fit = sm.OLS(basket[est].to_numpy(), sm.add_constant(rm[est].to_numpy())).fit()
    ev_days = dates[pos0 + window[0]: pos0 + window[1] + 1]
    X = sm.add_constant(rm[ev_days].to_numpy(), has_constant="add")
    ar = basket[ev_days].to_numpy() - X @ fit.params
    # the covariance of the prediction errors: σ²(I + X*(X'X)⁻¹X*'), from statsmodels' own pieces
    cov = fit.scale * np.eye(len(ev_days)) + X @ fit.cov_params() @ X.T
    res = events.portfolio_test(members, "^GSPC", events.Design(), window)
    assert res["car"] == pytest.approx(ar.sum(), rel=1e-9)
    assert res["t"] == pytest.approx(ar.sum() / np.sqrt(cov.sum()), rel=1e-9)
    assert res["p"] == pytest.approx(2 * stats_t_sf(abs(res["t"]), fit.df_resid), rel=1e-9)


def stats_t_sf(x, df):
    from scipy import stats

    return stats.t.sf(x, df)


def test_many_market_models_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 0.01, 120)
    y = 0.001 + np.outer(x, [0.5, 1.0, 2.0]) + rng.normal(0, 0.02, (120, 3))
    many = events.fit_market_models(y, x)
    for i in range(3):
        one = events.fit_market_model(y[:, i], x)
        assert many["alpha"][i] == pytest.approx(one.alpha) and many["beta"][i] == pytest.approx(one.beta)
        assert many["sigma2"][i] == pytest.approx(one.sigma2)
        np.testing.assert_allclose(many["residuals"][:, i], one.residuals, atol=1e-15)


def test_size_simulation_independent_stocks_keep_five_percent():
    n = 10
    rates = events.simulate_basket_size(np.zeros(n), np.ones(n), np.eye(n) * 0.02 ** 2, 0.0, 0.01, 250,
                                        [(0, 0), (-1, 1)], draws=2000, seed=5).set_index(["test", "window"])
    # 2,000 draws: the standard error of a 5 % rate is 0.49 pp; allow three of them.
    assert rates["rejection_rate"].between(0.035, 0.065).all(), rates


def test_size_simulation_with_correlated_stocks_breaks_bmp_not_the_others():
    n, rho = 10, 0.4
    cov = 0.02 ** 2 * (rho * np.ones((n, n)) + (1 - rho) * np.eye(n))
    rates = events.simulate_basket_size(np.zeros(n), np.ones(n), cov, 0.0, 0.01, 250, [(0, 0)], draws=2000,
                                        seed=6).set_index("test")["rejection_rate"]
    assert rates["bmp"] > 0.25
    assert 0.035 <= rates["kp"] <= 0.065 and 0.035 <= rates["portfolio"] <= 0.065


def test_returns_are_kept_per_file_bytes_and_handed_out_as_copies(market_copy, monkeypatch):
    """Chapter 1 asks for the same returns hundreds of times: they are computed once per price file's
    bytes. A caller may change what it gets; new bytes give new returns."""
    from shockbook import paths
    from shockbook.data import cache

    monkeypatch.setattr(paths, "MARKET_DIR", market_copy)
    first = events.simple_returns("AMD")
    first.iloc[-1] = 99.0
    again = events.simple_returns("AMD")
    assert again.iloc[-1] != 99.0 and again.iloc[:-1].equals(first.iloc[:-1])
    both = events._paired_returns("AMD", "^GSPC")
    both.loc[both.index[-1], "r"] = 99.0
    assert events._paired_returns("AMD", "^GSPC")["r"].iloc[-1] == again.loc[both.index[-1]] != 99.0

    path = market_copy / "prices" / "AMD.csv"  # the last close, changed with its manifest entry
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[-1].rstrip("\n").split(",")
    fields[1:6] = [str(float(f) * 1.5) for f in fields[1:6]]  # the day's prices, half as high again
    lines[-1] = ",".join(fields) + "\n"
    path.write_text("".join(lines))
    manifest = json.loads((market_copy / "manifest.json").read_text())
    manifest["files"]["prices/AMD.csv"]["sha256"] = cache.sha256_file(path)
    (market_copy / "manifest.json").write_bytes(cache.manifest_bytes(manifest))
    changed = events.simple_returns("AMD")
    assert changed.iloc[-1] == pytest.approx((1 + again.iloc[-1]) * 1.5 - 1)
    paired = events._paired_returns("AMD", "^GSPC")
    assert paired.index[-1] == changed.index[-1] and paired["r"].iloc[-1] == pytest.approx(changed.iloc[-1])
