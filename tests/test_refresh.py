"""Refreshing from Yahoo: a failed, empty or partial download leaves the cache byte-identical."""
from __future__ import annotations

import re
from pathlib import Path

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
    with pytest.raises(refresh.RefreshError, match=r"the network is down \(2 series in a row.*unchanged"):
        refresh.refresh(["NVDA", "^GSPC"], market_dir=market_copy, log=lambda *a, **k: None)
    assert tree_digest(market_copy) == before


def test_offline_refresh_stops_early_with_one_quiet_line(market_copy, no_network, capfd):
    """No network: a few series are tried, then one line says so; yfinance's own noise stays hidden."""
    tried = []
    with pytest.raises(refresh.RefreshError) as err:
        refresh.refresh(catalog.tickers()[:20], market_dir=market_copy, log=lambda *a, **k: tried.append(a))
    message = str(err.value)
    assert "\n" not in message and message.startswith("refresh stopped: the network is down")
    assert len(tried) == refresh.NETWORK_GIVE_UP
    out, errs = capfd.readouterr()
    assert out == "" and errs == "", (out, errs)  # not yfinance's 'Failed download' lines, nor pandas' warnings


def test_offline_refresh_from_the_command_line_prints_one_error_line(market_copy, no_network, capfd, monkeypatch):
    from shockbook import __main__

    monkeypatch.setattr(refresh.paths, "MARKET_DIR", market_copy)
    assert __main__.main(["refresh", "NVDA", "AMD", "AVGO", "MU"]) == 1
    _, errs = capfd.readouterr()
    error_lines = [line for line in errs.splitlines() if not line.startswith("[")]
    assert len(error_lines) == 1 and "the network is down" in error_lines[0], errs


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
    import stat

    market_copy.chmod(0o755)  # the checkout's mode, kept (mkdtemp's 0700 would hide the cache from others)
    refresh.refresh(["NVDA"], fetch=_from_cache(market_copy), market_dir=market_copy, log=lambda *a, **k: None)
    entry = cache.read_manifest(market_copy)["files"]["prices/NVDA.csv"]
    assert entry["origin"]["kind"] == "yfinance"
    assert entry["origin"]["arguments"]["auto_adjust"] is False
    assert entry["origin"]["retrieved_at"]
    assert stat.S_IMODE(market_copy.stat().st_mode) == 0o755
    # Series not refreshed keep their data and their provenance.
    assert cache.read_manifest(market_copy)["files"]["prices/AMD.csv"]["origin"]["kind"] == "import"
    assert cache.verify(market_copy) == len(catalog.SERIES) + 1
    pd.testing.assert_series_equal(cache.load_prices("NVDA", market_copy)["Close"], cache.load_prices("NVDA")["Close"])


def test_a_fred_series_is_not_refreshed_from_yahoo(market_copy):
    before = tree_digest(market_copy)
    with pytest.raises(refresh.RefreshError, match="DEXCHUS is not a Yahoo series"):
        refresh.refresh(["DEXCHUS"], fetch=_from_cache(market_copy), market_dir=market_copy)
    assert tree_digest(market_copy) == before


def test_unknown_ticker_is_refused_before_any_download(market_copy):
    with pytest.raises(KeyError, match="unknown ticker 'NVIDIA'"):
        refresh.refresh(["NVIDIA"], fetch=_from_cache(market_copy), market_dir=market_copy)


# ----------------------------------------------------------------- --into: never replace what is not ours


@pytest.fixture
def fake_book(tmp_path, monkeypatch):
    """A stand-in for the book's root, data/ and chapters/ (so that code which wipes them, as refresh
    --into data once did, wipes only this)."""
    from shockbook import paths

    root = tmp_path / "book"
    for rel, text in (("data/claims.csv", "id\n1\n"), ("data/facts/facts.csv", "id\n"),
                      ("chapters/01_shock.ipynb", "{}"), ("README.md", "# book\n")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(paths, "DATA_DIR", root / "data")
    monkeypatch.setattr(paths, "CHAPTERS_DIR", root / "chapters")
    return root


@pytest.mark.parametrize("book_folder", ["data", "chapters", "."])
def test_refresh_into_the_books_own_folders_is_refused(market_copy, fake_book, book_folder):
    before = tree_digest(fake_book)
    into = fake_book / book_folder
    with pytest.raises(refresh.RefreshError, match=rf"--into {re.escape(str(into))}: that is the book's own folder"):
        refresh.refresh(["NVDA"], fetch=_from_cache(market_copy), market_dir=market_copy, into=into,
                        log=lambda *a, **k: None)
    assert tree_digest(fake_book) == before


def test_refresh_into_a_folder_inside_the_books_folders_is_refused(market_copy, data_untouched):
    from shockbook import paths

    with pytest.raises(refresh.RefreshError, match=r"--into .*/data/facts: that is the book's own folder \(or in one\)"):
        refresh.check_into(paths.DATA_DIR / "facts", market_copy)
    with pytest.raises(refresh.RefreshError, match=r"--into .*/_static/x: that is the book's own folder"):
        refresh.check_into(paths.ROOT / "_static" / "x", market_copy)


def test_refresh_into_a_folder_with_other_files_is_refused_and_keeps_them(market_copy, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.txt").write_text("three years of work")
    calls = []

    def fetch(ticker):
        calls.append(ticker)
        return _from_cache(market_copy)(ticker)

    with pytest.raises(refresh.RefreshError, match=rf"--into {re.escape(str(folder))}: the folder is not empty"):
        refresh.refresh(["NVDA"], fetch=fetch, market_dir=market_copy, into=folder, log=lambda *a, **k: None)
    assert (folder / "thesis.txt").read_text() == "three years of work"
    assert calls == [], "refused before any download"


def test_refresh_into_an_existing_file_is_refused(market_copy, tmp_path):
    target = tmp_path / "prices.csv"
    target.write_text("Date,Close\n")
    with pytest.raises(refresh.RefreshError, match=rf"--into {re.escape(str(target))}: it exists and is not a folder"):
        refresh.refresh(["NVDA"], fetch=_from_cache(market_copy), market_dir=market_copy, into=target,
                        log=lambda *a, **k: None)
    assert target.read_text() == "Date,Close\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["market", "prices.csv"]  # nothing moved aside


def test_refresh_into_an_empty_folder_or_an_earlier_scratch_cache_leaves_the_cache_alone(market_copy, tmp_path):
    before = tree_digest(market_copy)
    empty = tmp_path / "empty"
    empty.mkdir()
    for _ in range(2):  # the second time, it replaces the cache it wrote the first time
        out = refresh.refresh(["AMD"], fetch=_from_cache(market_copy), market_dir=market_copy, into=empty,
                              log=lambda *a, **k: None)
        assert cache.verify(out) == len(catalog.SERIES) + 1
        assert cache.read_manifest(out)["files"]["prices/AMD.csv"]["origin"]["kind"] == "yfinance"
    assert tree_digest(market_copy) == before
    # A cache of ours with one stray file beside it is not ours to replace.
    (empty / "notes.md").write_text("mine")
    with pytest.raises(refresh.RefreshError, match="not a cache this project wrote"):
        refresh.refresh(["AMD"], fetch=_from_cache(market_copy), market_dir=market_copy, into=empty,
                        log=lambda *a, **k: None)
    assert (empty / "notes.md").read_text() == "mine"


# ----------------------------------------------------------------- writing: checked first, one line on failure


def test_an_unwritable_target_is_found_before_any_download(market_copy):
    calls = []
    with pytest.raises(refresh.RefreshError, match=r"cannot write in /sys \(.*\); nothing was downloaded"):
        refresh.refresh(["NVDA"], fetch=lambda t: calls.append(t), market_dir=market_copy,
                        into=Path("/sys/shockbook-scratch"), log=lambda *a, **k: None)
    assert calls == []


def test_a_full_disk_while_writing_is_one_line_and_changes_nothing(market_copy, monkeypatch):
    import errno

    before = tree_digest(market_copy)
    real_write_bytes = Path.write_bytes

    def full(self, data):
        if ".market-new-" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_bytes(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(refresh.RefreshError, match=r"writing the new cache failed: No space left on device .*unchanged"):
        refresh.refresh(["NVDA"], fetch=_from_cache(market_copy), market_dir=market_copy, log=lambda *a, **k: None)
    monkeypatch.undo()
    assert tree_digest(market_copy) == before
    assert not list(market_copy.parent.glob(".market-*"))
