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
    x_est = rng.normal(0, 0.01, n_est)
    y_est = 0.0003 + beta * x_est + rng.normal(0, sigma, n_est)
    model = events.fit_market_model(y_est, x_est)
    days = np.arange(window[0], window[1] + 1)
    rm = rng.normal(0, 0.01, len(days))
    r = 0.0003 + beta * rm + rng.normal(0, sigma, len(days)) + np.where(days == 0, injected, 0.0)
    ev = pd.DataFrame({"rel_day": days, "r": r, "rm": rm})
    ev["ar"] = ev["r"] - model.alpha - model.beta * ev["rm"]
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


@pytest.mark.parametrize("kwargs, message", [
    ({"tickers": []}, "tickers must be a non-empty list"),
    ({"tickers": ["NVDAA"]}, "tickers: unknown ticker 'NVDAA'"),
    ({"market_proxy": "^FOO"}, "market_proxy: unknown ticker"),
    ({"event_date": "27/01/2025"}, "event_date .27/01/2025. is not a date; write it as YYYY-MM-DD"),
    ({"event_date": "2031-01-05"}, "event_date must lie between 2019-05-16 and 2026-08-21"),
    ({"event_date": "2025-01-26"}, "did not trade on 2025-01-26"),
    ({"window": [0, "5"]}, "two whole numbers"),
    ({"estimation_length": 10}, "too short"),
])
def test_chapter_one_parameters_are_checked_before_anything_runs(kwargs, message):
    from shockbook.chapters import ch1_shock as shock

    good = dict(event_date="2025-01-27", tickers=["NVDA", "AMD"], market_proxy="^GSPC",
                estimation_length=250, gap=30, window=[-5, 5])
    with pytest.raises(ValueError, match=message):
        shock.check_parameters(**{**good, **kwargs})
