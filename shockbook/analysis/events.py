"""The event study of MacKinlay (1997), with the tests a shared event date calls for.

For each stock, a market model R_it = α_i + β_i R_mt + ε_it is fitted by OLS on an estimation
window that ends ``gap`` trading days before the event window opens. Abnormal returns in the
event window are the prediction errors; their variance includes the estimation error of α̂ and β̂
(MacKinlay's eq. 7-8), so t-statistics of short windows are not overstated.

All firms share one event date, so their abnormal returns are cross-correlated and a naive
cross-sectional test over-rejects. The basket test is the standardised test of Boehmer,
Masumeci & Poulsen (1991, "BMP") with the adjustment of Kolari & Pynnönen (2010) for the
average correlation of the estimation-window residuals.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtr  # Student's t CDF; scipy.stats would triple the import time

from shockbook.analysis import calendar, market
from shockbook.data import cache, catalog


def _two_sided_p(t: float, df: int) -> float:
    """Two-sided p-value of a t statistic with ``df`` degrees of freedom."""
    return float(2 * stdtr(df, -abs(t)))


@dataclass(frozen=True)
class MarketModel:
    alpha: float
    beta: float
    sigma2: float  # residual variance, SSR / (n - 2)
    n: int  # observations in the estimation window
    x_mean: float  # mean market return in the estimation window
    x_ss: float  # sum of squared deviations of the market return
    residuals: np.ndarray


def fit_market_model(y, x) -> MarketModel:
    """OLS of stock returns ``y`` on market returns ``x`` (with intercept)."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    if y.shape != x.shape or y.ndim != 1:
        raise ValueError("y and x must be one-dimensional and of the same length.")
    n = len(y)
    if n < 3:
        raise ValueError(f"the estimation window has {n} observations; a market model needs at least 3.")
    x_mean = x.mean()
    x_ss = float(((x - x_mean) ** 2).sum())
    if x_ss == 0:
        raise ValueError("the market return is constant in the estimation window: the beta is not identified.")
    beta = float(((x - x_mean) * (y - y.mean())).sum() / x_ss)
    alpha = float(y.mean() - beta * x_mean)
    resid = y - alpha - beta * x
    return MarketModel(alpha, beta, float((resid ** 2).sum() / (n - 2)), n, float(x_mean), x_ss, resid)


def ar_covariance(model: MarketModel, x_event) -> np.ndarray:
    """Covariance of the event-window abnormal returns, including the estimation error of α̂, β̂.

    V = σ² I + σ² X* (X'X)⁻¹ X*'  with X* = [1, R_m] in the event window; for the market model
    (X'X)⁻¹ gives the familiar 1/n + (x_t − x̄)(x_s − x̄)/Σ(x − x̄)² terms.
    """
    x_event = np.asarray(x_event, float)
    d = x_event - model.x_mean
    return model.sigma2 * (np.eye(len(x_event)) + 1.0 / model.n + np.outer(d, d) / model.x_ss)


def simple_returns(ticker: str) -> pd.Series:
    """Daily simple returns with dividends reinvested where the series has an adjusted close."""
    prices = cache.load_prices(ticker)[market.total_return_column(ticker)]
    return prices.pct_change().dropna().rename(ticker)


@dataclass(frozen=True)
class Design:
    """Where the windows sit, in trading days of the stock's own market."""

    event_date: str = calendar.KEY_EVENT
    estimation_length: int = 250
    gap: int = 30  # trading days between the end of estimation and the opening of the event window
    window: tuple[int, int] = (-5, 5)  # the widest event window studied

    def check(self) -> None:
        lo, hi = self.window
        if lo > 0 or hi < 0:
            raise ValueError(f"the event window {self.window} must contain day 0 (the event date).")
        if self.estimation_length < 30:
            raise ValueError(f"estimation_length {self.estimation_length} is too short; use at least 30 trading days.")
        if self.gap < 0:
            raise ValueError(f"gap {self.gap} must be zero or positive.")


def _paired_returns(ticker: str, market_ticker: str) -> pd.DataFrame:
    """The stock's and the market's returns on the days both have one (columns r, rm)."""
    both = pd.concat([simple_returns(ticker), simple_returns(market_ticker)], axis=1, join="inner").dropna()
    both.columns = ["r", "rm"]
    return both


def event_date_range(ticker: str, market_ticker: str, design: Design) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last event dates the data allow for ``ticker`` under ``design``.

    Day 0 needs ``estimation_length + gap - window[0]`` paired returns before it (the estimation
    window, the gap and the days of the event window before day 0), and ``window[1]`` after it.
    """
    design.check()
    both = _paired_returns(ticker, market_ticker)
    lo, hi = design.window
    first, last = design.estimation_length + design.gap - lo, len(both) - 1 - hi
    if first > last:
        raise ValueError(f"{ticker} has {len(both)} returns with {market_ticker}: too few for an estimation window "
                         f"of {design.estimation_length}, a gap of {design.gap} and the window {design.window}.")
    return both.index[first], both.index[last]


def abnormal_returns(ticker: str, market_ticker: str, design: Design) -> tuple[pd.DataFrame, MarketModel]:
    """Event-window returns, market-model abnormal returns and their variance, by relative day."""
    design.check()
    s, m = catalog.get(ticker), catalog.get(market_ticker)
    if s.market != m.market:
        raise ValueError(f"{ticker} trades on the {s.market} calendar but the market proxy {market_ticker} is on "
                         f"the {m.market} calendar; choose a proxy from the same market.")
    day0 = calendar.trading_day(ticker, design.event_date)
    both = _paired_returns(ticker, market_ticker)
    if day0 not in both.index:
        raise ValueError(f"{market_ticker} has no return on {design.event_date}, the event date.")
    pos0 = both.index.get_loc(day0)
    lo, hi = design.window
    est_end = pos0 + lo - design.gap  # exclusive
    est_start = est_end - design.estimation_length
    if est_start < 0:
        raise ValueError(
            f"the estimation window for {ticker} needs {design.estimation_length} returns ending {design.gap} "
            f"sessions before the event window, but the data start on {both.index[0]:%Y-%m-%d} "
            f"(only {max(est_end, 0)} returns available). Shorten estimation_length or gap.")
    if pos0 + hi >= len(both):
        raise ValueError(f"the event window ends after the data for {ticker} ({both.index[-1]:%Y-%m-%d}).")
    est = both.iloc[est_start:est_end]
    model = fit_market_model(est["r"], est["rm"])
    ev = both.iloc[pos0 + lo: pos0 + hi + 1].copy()
    ev["rel_day"] = np.arange(lo, hi + 1)
    ev["ar"] = ev["r"] - model.alpha - model.beta * ev["rm"]
    ev["ar_var"] = np.diag(ar_covariance(model, ev["rm"]))
    ev["market_adjusted"] = ev["r"] - ev["rm"]
    ev.attrs.update({"estimation": (est.index[0], est.index[-1]), "ticker": ticker, "market": market_ticker})
    return ev, model


def car(ev: pd.DataFrame, model: MarketModel, t1: int, t2: int) -> dict:
    """Cumulative abnormal return over relative days t1..t2, its standard error, t and two-sided p."""
    if t1 > t2:
        raise ValueError(f"window ({t1}, {t2}) is empty: the first day must not come after the last.")
    mask = (ev["rel_day"] >= t1) & (ev["rel_day"] <= t2)
    if mask.sum() != t2 - t1 + 1:
        raise ValueError(f"window ({t1}, {t2}) is outside the event window studied "
                         f"({ev['rel_day'].min()}, {ev['rel_day'].max()}).")
    cov = ar_covariance(model, ev.loc[mask, "rm"])
    value = float(ev.loc[mask, "ar"].sum())
    se = float(np.sqrt(cov.sum()))
    t = value / se
    return {"car": value, "se": se, "t": t, "p": _two_sided_p(t, model.n - 2),
            "market_adjusted": float(ev.loc[mask, "market_adjusted"].sum())}


def study(tickers: list[str], market_ticker: str, design: Design, windows: list[tuple[int, int]]) -> pd.DataFrame:
    """CARs of every ticker over every window: one row per (ticker, window)."""
    rows = []
    for t in tickers:
        ev, model = abnormal_returns(t, market_ticker, design)
        for w in windows:
            rows.append({"ticker": t, "name": catalog.get(t).name, "group": catalog.get(t).group,
                         "window": f"({w[0]:+d},{w[1]:+d})", "alpha": model.alpha, "beta": model.beta,
                         **car(ev, model, *w)})
    return pd.DataFrame(rows)


def basket_test(tickers: list[str], market_ticker: str, design: Design, window: tuple[int, int]) -> dict:
    """CAAR of a basket and its BMP t, with and without the Kolari–Pynnönen correlation adjustment."""
    if len(tickers) < 2:
        raise ValueError("a basket needs at least two tickers.")
    scars, cars, resid = [], [], {}
    for t in tickers:
        ev, model = abnormal_returns(t, market_ticker, design)
        c = car(ev, model, *window)
        cars.append(c["car"])
        scars.append(c["car"] / c["se"])
        lo, hi = ev.attrs["estimation"]
        resid[t] = pd.Series(model.residuals, index=simple_returns(t).loc[lo:hi].index[-model.n:])
    scars = np.array(scars)
    n = len(tickers)
    t_bmp = float(scars.mean() / (scars.std(ddof=1) / np.sqrt(n)))
    corr = pd.DataFrame(resid).corr().to_numpy()
    r_bar = float(corr[np.triu_indices(n, 1)].mean())
    t_kp = t_bmp * float(np.sqrt((1 - r_bar) / (1 + (n - 1) * r_bar)))
    return {"n": n, "window": f"({window[0]:+d},{window[1]:+d})", "caar": float(np.mean(cars)),
            "t_bmp": t_bmp, "p_bmp": _two_sided_p(t_bmp, n - 1),
            "mean_residual_correlation": r_bar, "t_kp": t_kp, "p_kp": _two_sided_p(t_kp, n - 1)}
