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

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtr  # Student's t CDF; scipy.stats would triple the import time

from shockbook.analysis import calendar
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


def fit_market_models(y, x) -> dict[str, np.ndarray]:
    """:func:`fit_market_model` for several stocks at once (columns of ``y``) on one market ``x``."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    n = len(x)
    d = x - x.mean()
    beta = d @ (y - y.mean(axis=0)) / (d @ d)
    alpha = y.mean(axis=0) - beta * x.mean()
    resid = y - alpha - np.outer(x, beta)
    return {"alpha": alpha, "beta": beta, "sigma2": (resid ** 2).sum(axis=0) / (n - 2), "residuals": resid}


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
    return _simple_returns(ticker, cache.prices_digest(ticker)).copy()


# Chapter 1 asks for the same returns hundreds of times (each event date a reader may choose is checked
# against every stock's data): they are computed once per price file's bytes.
@functools.lru_cache(maxsize=256)
def _simple_returns(ticker: str, digest: str) -> pd.Series:
    prices = cache.load_prices(ticker)[cache.total_return_column(ticker)]
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
    return _paired(ticker, market_ticker, cache.prices_digest(ticker), cache.prices_digest(market_ticker)).copy()


@functools.lru_cache(maxsize=256)
def _paired(ticker: str, market_ticker: str, digest: str, market_digest: str) -> pd.DataFrame:
    both = pd.concat([_simple_returns(ticker, digest), _simple_returns(market_ticker, market_digest)],
                     axis=1, join="inner").dropna()
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
    return event_window(_paired_returns(ticker, market_ticker), day0, design, ticker, market_ticker)


def event_window(both: pd.DataFrame, day0: pd.Timestamp, design: Design, name: str,
                  market_ticker: str) -> tuple[pd.DataFrame, MarketModel]:
    """The market model fitted on the estimation window of ``both`` (columns r, rm) and the event window."""
    if day0 not in both.index:
        raise ValueError(f"{market_ticker} has no return on {design.event_date}, the event date.")
    pos0 = both.index.get_loc(day0)
    lo, hi = design.window
    est_end = pos0 + lo - design.gap  # exclusive
    est_start = est_end - design.estimation_length
    if est_start < 0:
        raise ValueError(
            f"the estimation window for {name} needs {design.estimation_length} returns ending {design.gap} "
            f"sessions before the event window, but the data start on {both.index[0]:%Y-%m-%d} "
            f"(only {max(est_end, 0)} returns available). Shorten estimation_length or gap.")
    if pos0 + hi >= len(both):
        raise ValueError(f"the event window ends after the data for {name} ({both.index[-1]:%Y-%m-%d}).")
    est = both.iloc[est_start:est_end]
    model = fit_market_model(est["r"], est["rm"])
    ev = both.iloc[pos0 + lo: pos0 + hi + 1].copy()
    ev["rel_day"] = np.arange(lo, hi + 1)
    ev["ar"] = ev["r"] - model.alpha - model.beta * ev["rm"]
    ev["ar_var"] = np.diag(ar_covariance(model, ev["rm"]))
    ev["market_adjusted"] = ev["r"] - ev["rm"]
    ev.attrs.update({"estimation": (est.index[0], est.index[-1]), "ticker": name, "market": market_ticker})
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


def bmp_statistics(scars, mean_correlation: float) -> tuple[float, float]:
    """The BMP t of standardised CARs, and the same t adjusted by Kolari–Pynnönen for the mean
    pairwise correlation of the stocks' residuals: t·√((1 − r̄)/(1 + (n − 1) r̄))."""
    scars = np.asarray(scars, float)
    n = scars.shape[-1]  # stocks along the last axis; earlier axes (e.g. simulation draws) are kept
    t_bmp = scars.mean(axis=-1) / (scars.std(ddof=1, axis=-1) / np.sqrt(n))
    t_kp = t_bmp * np.sqrt((1 - np.asarray(mean_correlation)) / (1 + (n - 1) * np.asarray(mean_correlation)))
    if t_bmp.ndim == 0:
        return float(t_bmp), float(t_kp)
    return t_bmp, t_kp


def mean_pairwise_correlation(residuals) -> float:
    """Mean of the off-diagonal correlations of residual columns (one column per stock)."""
    corr = np.corrcoef(np.asarray(residuals, float), rowvar=False)
    return float(corr[np.triu_indices(corr.shape[0], 1)].mean())


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
    n = len(tickers)
    r_bar = mean_pairwise_correlation(pd.DataFrame(resid).to_numpy())
    t_bmp, t_kp = bmp_statistics(scars, r_bar)
    return {"n": n, "window": f"({window[0]:+d},{window[1]:+d})", "caar": float(np.mean(cars)),
            "t_bmp": t_bmp, "p_bmp": _two_sided_p(t_bmp, n - 1),
            "mean_residual_correlation": r_bar, "t_kp": t_kp, "p_kp": _two_sided_p(t_kp, n - 1)}


# --------------------------------------------------------------------------- the portfolio test
#
# The calendar-time alternative: hold the basket as one equal-weighted portfolio, fit its own market
# model, and test its CAR with its own prediction-error variance. The stocks' cross-correlation is
# inside the portfolio's residual variance, so nothing has to be assumed about it.


def equal_weighted(returns: pd.DataFrame) -> pd.Series:
    """The return of a basket rebalanced to equal weights every day, on the days every member has one."""
    if returns.shape[1] < 2:
        raise ValueError("a basket needs at least two tickers.")
    return returns.dropna().mean(axis=1).rename("basket")


def portfolio_returns(tickers: list[str]) -> pd.Series:
    """:func:`equal_weighted` returns of ``tickers`` from the cache."""
    if len(tickers) < 2:
        raise ValueError("a basket needs at least two tickers.")
    return equal_weighted(pd.concat([simple_returns(t) for t in tickers], axis=1, join="inner"))


def portfolio_abnormal_returns(tickers: list[str], market_ticker: str, design: Design) -> tuple[pd.DataFrame, MarketModel]:
    """:func:`abnormal_returns` for the equal-weighted basket of ``tickers`` as one asset."""
    design.check()
    markets = {catalog.get(t).market for t in tickers} | {catalog.get(market_ticker).market}
    if len(markets) > 1:
        raise ValueError(f"the basket and the market proxy {market_ticker} must trade on one calendar; got {sorted(markets)}.")
    day0 = calendar.trading_day(market_ticker, design.event_date)
    both = pd.concat([portfolio_returns(tickers), simple_returns(market_ticker)], axis=1, join="inner").dropna()
    both.columns = ["r", "rm"]
    return event_window(both, day0, design, "the basket", market_ticker)


def portfolio_test(tickers: list[str], market_ticker: str, design: Design, window: tuple[int, int]) -> dict:
    """The basket's CAR over ``window`` with its t (df = estimation length − 2) and two-sided p."""
    ev, model = portfolio_abnormal_returns(tickers, market_ticker, design)
    c = car(ev, model, *window)
    return {"n": len(tickers), "window": f"({window[0]:+d},{window[1]:+d})", "car": c["car"], "se": c["se"],
            "t": c["t"], "p": c["p"], "sigma": float(np.sqrt(model.sigma2)), "beta": model.beta}


# --------------------------------------------------------------------------- size in simulation


def simulate_basket_size(alphas, betas, residual_cov, market_mean: float, market_sd: float, n_est: int,
                         windows: list[tuple[int, int]], draws: int = 2000, seed: int = 2025,
                         level: float = 0.05) -> pd.DataFrame:
    """How often BMP, Kolari–Pynnönen and the portfolio test reject a true null at ``level``.

    Each draw simulates ``n_est`` estimation days and the event days the windows need: the market
    is normal and i.i.d.; each stock is α_i + β_i R_m plus a residual drawn jointly with covariance
    ``residual_cov`` (so the stocks are cross-correlated as the basket's own residuals were), and no
    event effect. The tests are the functions the chapter uses. One row per (test, window).
    """
    rng = np.random.default_rng(seed)
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    n = len(alphas)
    lo = min(w[0] for w in windows)
    hi = max(w[1] for w in windows)
    days = np.arange(lo, hi + 1)
    chol = np.linalg.cholesky(np.asarray(residual_cov, float))
    hits = {(test, w): 0 for test in ("bmp", "kp", "portfolio") for w in windows}
    batch = 250  # draws simulated at once (memory: batch × days × stocks)
    for start in range(0, draws, batch):
        k = min(batch, draws - start)
        x = rng.normal(market_mean, market_sd, (k, n_est + len(days)))
        y = alphas + x[:, :, None] * betas + rng.standard_normal((k, n_est + len(days), n)) @ chol.T
        y = np.concatenate([y, y.mean(axis=2, keepdims=True)], axis=2)  # the last column: the basket
        x_est, x_ev = x[:, :n_est], x[:, n_est:]
        d = x_est - x_est.mean(axis=1, keepdims=True)
        x_ss = (d ** 2).sum(axis=1)
        beta = np.einsum("kt,ktn->kn", d, y[:, :n_est] - y[:, :n_est].mean(axis=1, keepdims=True)) / x_ss[:, None]
        alpha = y[:, :n_est].mean(axis=1) - beta * x_est.mean(axis=1, keepdims=True)
        resid = y[:, :n_est] - alpha[:, None, :] - x_est[:, :, None] * beta[:, None, :]
        sigma2 = (resid ** 2).sum(axis=1) / (n_est - 2)
        z = resid[:, :, :n] / np.sqrt((resid[:, :, :n] ** 2).sum(axis=1, keepdims=True))  # residuals have mean 0
        corr = np.einsum("ktn,ktm->knm", z, z)
        r_bar = (corr.sum(axis=(1, 2)) - n) / (n * (n - 1))
        ar = y[:, n_est:] - alpha[:, None, :] - x_ev[:, :, None] * beta[:, None, :]
        for w in windows:
            mask = (days >= w[0]) & (days <= w[1])
            m = mask.sum()
            # Σ of MacKinlay's prediction-error covariance over the window, per unit σ²:
            # m + m²/n_est + (Σ(x − x̄))²/Σ(x − x̄)², as ar_covariance gives it.
            factor = m + m ** 2 / n_est + (x_ev[:, mask] - x_est.mean(axis=1, keepdims=True)).sum(axis=1) ** 2 / x_ss
            t_all = ar[:, mask].sum(axis=1) / np.sqrt(sigma2 * factor[:, None])
            t_bmp, t_kp = bmp_statistics(t_all[:, :n], r_bar)
            hits[("bmp", w)] += int((2 * stdtr(n - 1, -np.abs(t_bmp)) < level).sum())
            hits[("kp", w)] += int((2 * stdtr(n - 1, -np.abs(t_kp)) < level).sum())
            hits[("portfolio", w)] += int((2 * stdtr(n_est - 2, -np.abs(t_all[:, n])) < level).sum())
    return pd.DataFrame([{"test": test, "window": f"({w[0]:+d},{w[1]:+d})", "rejection_rate": k / draws,
                          "draws": draws} for (test, w), k in hits.items()])


def basket_simulation_inputs(tickers: list[str], market_ticker: str, design: Design) -> dict:
    """The basket's own estimates to simulate from: each stock's α and β, the covariance of their
    estimation residuals, and the market's mean and standard deviation in the estimation window."""
    alphas, betas, resid = [], [], {}
    for t in tickers:
        ev, model = abnormal_returns(t, market_ticker, design)
        alphas.append(model.alpha)
        betas.append(model.beta)
        lo, hi = ev.attrs["estimation"]
        resid[t] = pd.Series(model.residuals, index=simple_returns(t).loc[lo:hi].index[-model.n:])
    lo, hi = ev.attrs["estimation"]
    rm = simple_returns(market_ticker).loc[lo:hi]
    return {"alphas": np.array(alphas), "betas": np.array(betas),
            "residual_cov": pd.DataFrame(resid).cov().to_numpy(), "market_mean": float(rm.mean()),
            "market_sd": float(rm.std(ddof=1)), "n_est": design.estimation_length}
