"""The cache reproduces the reference values, and every kind of damage gives a clear error."""
from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from shockbook import paths
from shockbook.analysis import market
from shockbook.data import cache, catalog, importer
from conftest import tree_digest


# ----------------------------------------------------------------- known values (SOURCES.md of the raw data)

def test_nvda_closes_around_the_crash():
    close = cache.load_prices("NVDA")["Close"]
    assert round(close["2025-01-24"], 2) == 142.62
    assert round(close["2025-01-27"], 2) == 118.42
    assert round(market.day_move("NVDA", "2025-01-27")["pct"], 2) == -16.97


@pytest.mark.parametrize("ticker, expected", [("^IXIC", -3.07), ("^GSPC", -1.46), ("^SOX", -9.15), ("AVGO", -17.40)])
def test_index_moves_on_27_january(ticker, expected):
    assert round(market.day_move(ticker, "2025-01-27")["pct"], 2) == expected


def test_nvda_market_value_lost_from_sec_share_count():
    change = market.market_value_change("NVDA", "2025-01-27")
    assert change["as_of_date"] == "2024-11-15"  # the cover page of the 10-Q filed 2024-11-20
    assert change["change_usd"] / 1e9 == pytest.approx(-592.7, abs=0.2)


def test_every_catalog_series_is_cached_and_valid():
    assert cache.verify() == len(catalog.SERIES) + 1  # + the share counts
    for s in catalog.SERIES:
        df = cache.load_prices(s.ticker)
        assert df.index.is_monotonic_increasing and df.index.is_unique
        assert df.index[0] >= pd.Timestamp(catalog.START) and df.index[-1] <= pd.Timestamp(catalog.END)


def test_us_series_cover_the_required_window():
    listed_later = {"GEV": "2024-03-27"}  # GE Vernova, spun off from GE in 2024: its series starts with when-issued trading
    for t in catalog.tickers(market="US"):
        info = cache.series_info(t)
        assert info["first"] <= listed_later.get(t, "2024-01-02") and info["last"] >= "2025-06-30", t


def test_adjustment_basis_is_recorded():
    assert cache.series_info("NVDA")["price_basis"] == catalog.UNADJUSTED
    assert cache.series_info("^GSPC")["price_basis"] == catalog.INDEX
    assert "adjusted" in cache.series_info("0700.HK")["price_basis"]
    assert "qfq" in cache.series_info("688256.SS")["price_basis"]
    with pytest.raises(ValueError, match="fit for returns, not for market values"):
        market.market_value_change("0700.HK", "2025-01-27")


def test_manifest_records_origin_of_each_series():
    manifest = cache.read_manifest()
    entry = manifest["files"]["prices/NVDA.csv"]
    assert entry["origin"]["repository"] == "kinryukii/us-tech-quant-v18"
    assert len(entry["origin"]["commit"]) == 40
    assert entry["sha256"] == cache.sha256_file(paths.PRICES_DIR / "NVDA.csv")
    assert set(entry["columns"]) == set(cache.SCHEMA_COLUMNS)


@pytest.mark.skipif(not (paths.SHARED_DIR / "data" / "raw" / "MANIFEST.csv").exists(),
                    reason="../shared/data/raw is not beside the repository, so the import cannot be replayed")
def test_import_reproduces_the_committed_cache_byte_for_byte(tmp_path):
    out = importer.import_all(market_dir=tmp_path / "market")
    assert tree_digest(out) == tree_digest(paths.MARKET_DIR)


# ----------------------------------------------------------------- bad input: a clear error, nothing lost

def test_unknown_ticker_names_close_matches():
    with pytest.raises(cache.CacheError, match=r"unknown ticker 'NVDAA'.*Did you mean NVDA"):
        cache.load_prices("NVDAA")


def test_date_outside_the_data():
    with pytest.raises(ValueError, match=r"2031-01-02 is outside the data for NVDA \(2023-01-03\.\.2025-12-31\)"):
        market.day_move("NVDA", "2031-01-02")


def test_a_holiday_names_the_sessions_around_it():
    with pytest.raises(ValueError, match="did not trade on 2025-01-27.*2025-01-22 and 2025-02-03"):
        market.day_move("2330.TW", "2025-01-27")


def test_corrupted_csv(market_copy):
    path = market_copy / "prices" / "NVDA.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] + b"\x00\xff garbage,,\n")
    before = tree_digest(market_copy)
    with pytest.raises(cache.CacheError, match="NVDA.csv has changed since the manifest was written"):
        cache.load_prices("NVDA", market_copy)
    assert tree_digest(market_copy) == before  # loading never writes


def test_hand_edited_value_fails_the_hash_check(market_copy):
    path = market_copy / "prices" / "NVDA.csv"
    text = path.read_text().replace("118.41999816894531", "128.41999816894531")
    path.write_text(text)
    with pytest.raises(cache.CacheError, match=r"edited by hand or damaged.*git checkout -- data/market"):
        cache.load_prices("NVDA", market_copy)


def test_a_bad_row_is_named_with_its_line_even_when_the_hash_matches(market_copy):
    """If someone edits a file and the manifest together, the schema check still names the row."""
    path = market_copy / "prices" / "NVDA.csv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[10].split(",")
    fields[4] = "-1.0"  # Close
    lines[10] = ",".join(fields)
    path.write_text("".join(lines))
    manifest = json.loads((market_copy / "manifest.json").read_text())
    manifest["files"]["prices/NVDA.csv"]["sha256"] = cache.sha256_file(path)
    (market_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(cache.CacheError, match=r"NVDA.csv, row 11 \(Date .*\): Close is -1.0, but prices must be positive"):
        cache.load_prices("NVDA", market_copy)


def test_missing_data_file(market_copy):
    os.remove(market_copy / "prices" / "AMD.csv")
    with pytest.raises(cache.CacheError, match=r"AMD.csv is missing \(the manifest lists it\)"):
        cache.load_prices("AMD", market_copy)
    with pytest.raises(cache.CacheError, match="AMD.csv is missing"):
        cache.verify(market_copy)


def test_missing_manifest(market_copy):
    os.remove(market_copy / "manifest.json")
    with pytest.raises(cache.CacheError, match="manifest.json is missing"):
        cache.load_prices("NVDA", market_copy)


def test_an_unlisted_file_is_reported(market_copy):
    (market_copy / "prices" / "EXTRA.csv").write_text("Date,Close\n")
    with pytest.raises(cache.CacheError, match="EXTRA.csv is not in the manifest"):
        cache.verify(market_copy)


def test_write_cache_that_fails_validation_changes_nothing(market_copy):
    before = tree_digest(market_copy)
    bad = cache.load_prices("NVDA", market_copy).reset_index()
    bad.loc[5, "Close"] = float("nan")
    shares = ((market_copy / "shares_outstanding.csv").read_bytes(), {"kind": "test"})
    with pytest.raises(cache.CacheError, match="Close is missing"):
        cache.write_cache({"NVDA": (bad, {"kind": "test"})}, shares, market_copy)
    assert tree_digest(market_copy) == before
    assert not list(market_copy.parent.glob(".market-*"))  # no temporary folder left behind


def test_import_cross_checks_agree_to_the_cent():
    """Interactive Brokers' bars and the Yahoo series agree to rounding over the whole window."""
    manifest = cache.read_manifest()
    nvda = manifest["files"]["prices/NVDA.csv"]["origin"]["cross_checks"][0]
    assert nvda["source"] == "Interactive Brokers" and nvda["common_days"] == 752
    assert nvda["measure"].startswith("largest difference of closes")
    assert nvda["max_abs_diff"] < 0.05  # 14.265 against 14.27 on 2023-01-05, split-adjusted
    checks = [c for e in manifest["files"].values() for c in e["origin"].get("cross_checks", [])]
    assert len(checks) >= 20 and all(c["max_abs_diff"] < 0.05 for c in checks)


def test_a_new_cache_folder_gets_the_checkouts_mode_not_mkdtemps(market_copy, tmp_path):
    """`make import` into a fresh checkout: data/market must be readable like the rest (0755 under umask 022)."""
    import stat

    nvda = cache.load_prices("NVDA", market_copy).reset_index()
    shares = ((market_copy / "shares_outstanding.csv").read_bytes(), {"kind": "test"})
    out = cache.write_cache({"NVDA": (nvda, {"kind": "test"})}, shares, tmp_path / "new" / "market")
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~cache.umask()
    assert stat.S_IMODE((out / "manifest.json").stat().st_mode) == 0o666 & ~cache.umask()
