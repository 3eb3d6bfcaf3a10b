"""The event study: a hand-computable fixture, agreement with statsmodels, and the size and
power of its tests in simulation."""
from __future__ import annotations

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
