"""Refreshing from Yahoo: a failed, empty or partial download leaves the cache byte-identical."""
from __future__ import annotations

import pandas as pd
import pytest

from shockbook.data import cache, catalog, refresh
from conftest import tree_digest


@pytest.fixture
def no_network(monkeypatch):
    """Make yfinance's network layer (curl_cffi) fail the way it does on a machine with no network."""
    import curl_cffi.requests

    def refuse(*args, **kwargs):
        raise curl_cffi.requests.exceptions.ConnectionError("network disabled by the test")

    monkeypatch.setattr(curl_cffi.requests.Session, "request", refuse)


def test_yfinance_is_called_with_unadjusted_prices():
    args = refresh.yf_arguments()
    assert args["auto_adjust"] is False
    assert args["start"] == catalog.START and args["end"] == "2026-08-22"  # end is exclusive


def test_refresh_with_no_network_writes_nothing(market_copy, no_network, data_untouched):
    before = tree_digest(market_copy)
    with pytest.raises(refresh.RefreshError, match=r"(?s)refresh aborted: 2 of 2 series failed.*unchanged.*NVDA"):
        refresh.refresh(["NVDA", "^GSPC"], market_dir=market_copy, log=lambda *a, **k: None)
    assert tree_digest(market_copy) == before


def _from_cache(market_dir, empty=()):
    """A stand-in for Yahoo built from the cache itself: yfinance's frame layout, some tickers empty."""
    def fetch(ticker):
        if ticker in empty:
            return pd.DataFrame()
        df = cache.load_prices(ticker, market_dir)
        if df["Adj Close"].isna().all():
            df["Adj Close"] = df["Close"]
        return df.fillna({"Open": df["Close"], "High": df["Close"], "Low": df["Close"], "Volume": 0})
    return fetch


def test_partial_refresh_one_ticker_empty_writes_nothing(market_copy, data_untouched):
    before = tree_digest(market_copy)
    fetch = _from_cache(market_copy, empty={"AMD"})
    with pytest.raises(refresh.RefreshError, match=r"(?s)1 of 3 series failed.*AMD: the download is empty"):
        refresh.refresh(["NVDA", "AMD", "AVGO"], fetch=fetch, market_dir=market_copy, log=lambda *a, **k: None)
    assert tree_digest(market_copy) == before


def test_a_short_download_counts_as_partial(market_copy):
    def short(ticker):
        return _from_cache(market_copy)(ticker).loc[:"2024-06-30"]
    before = tree_digest(market_copy)
    with pytest.raises(refresh.RefreshError, match="(?s)NVDA: the download covers 2019-05-16..2024-06-28.*partial"):
        refresh.refresh(["NVDA"], fetch=short, market_dir=market_copy, log=lambda *a, **k: None)
    assert tree_digest(market_copy) == before


def test_a_successful_refresh_replaces_the_cache_and_records_yfinance(market_copy):
    refresh.refresh(["NVDA"], fetch=_from_cache(market_copy), market_dir=market_copy, log=lambda *a, **k: None)
    entry = cache.read_manifest(market_copy)["files"]["prices/NVDA.csv"]
    assert entry["origin"]["kind"] == "yfinance"
    assert entry["origin"]["arguments"]["auto_adjust"] is False
    assert entry["origin"]["retrieved_at"]
    # Series not refreshed keep their data and their provenance.
    assert cache.read_manifest(market_copy)["files"]["prices/AMD.csv"]["origin"]["kind"] == "import"
    assert cache.verify(market_copy) == len(catalog.SERIES) + 1
    pd.testing.assert_series_equal(cache.load_prices("NVDA", market_copy)["Close"], cache.load_prices("NVDA")["Close"])


def test_refresh_into_a_scratch_folder_leaves_the_cache_alone(market_copy, tmp_path):
    before = tree_digest(market_copy)
    out = refresh.refresh(["AMD"], fetch=_from_cache(market_copy), market_dir=market_copy,
                          into=tmp_path / "scratch", log=lambda *a, **k: None)
    assert tree_digest(market_copy) == before
    assert cache.read_manifest(out)["files"]["prices/AMD.csv"]["origin"]["kind"] == "yfinance"


def test_a_fred_series_is_not_refreshed_from_yahoo(market_copy):
    before = tree_digest(market_copy)
    with pytest.raises(refresh.RefreshError, match="DEXCHUS is not a Yahoo series"):
        refresh.refresh(["DEXCHUS"], fetch=_from_cache(market_copy), market_dir=market_copy)
    assert tree_digest(market_copy) == before


def test_unknown_ticker_is_refused_before_any_download(market_copy):
    with pytest.raises(KeyError, match="unknown ticker 'NVIDIA'"):
        refresh.refresh(["NVIDIA"], fetch=_from_cache(market_copy), market_dir=market_copy)
