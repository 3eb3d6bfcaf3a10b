"""The cache reproduces the reference values, and every kind of damage gives a clear error."""
from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from shockbook import paths, runner
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


def test_the_window_reaches_back_to_2019_and_on_to_2026():
    """Closes read from the raw files (kinryukii NVDA.csv, khemosu99-bit SP500.csv) at both ends of the window."""
    nvda, spx = cache.load_prices("NVDA")["Close"], cache.load_prices("^GSPC")["Close"]
    assert nvda.index[0] == pd.Timestamp("2019-05-16") and round(nvda["2019-05-16"], 5) == 4.00475  # split-adjusted 40:1
    assert nvda.index[-1] == pd.Timestamp("2026-05-15") and round(nvda["2026-05-15"], 2) == 225.32
    assert round(spx["2019-05-16"], 2) == 2876.32 and round(spx["2026-08-21"], 2) == 7674.37
    info = cache.series_info("NVDA")
    assert (info["first"], info["last"]) == ("2019-05-16", "2026-05-15")
    assert cache.read_manifest()["window"] == {"start": catalog.START, "end": catalog.END}


@pytest.mark.parametrize("ticker, prev, close", [
    ("RSP", 182.19, 182.31),        # taeheon-kong/etf-app data/raw/RSP.csv
    ("XLK", 119.65, 113.785),       # split-adjusted: the exchange printed twice these before the 2025 split
    ("DEXCHUS", 7.244, 7.2507),     # FRED H.10, codejoncode/congenial-fortnight data/DEXCHUS.csv
    ("DEXJPUS", 155.58, 154.22),
    ("DEXTAUS", 32.67, 32.87),      # FRED, dinosaur030/WebHomework4 DEXTAUS.csv
    ("8035.T", 26225.78, 24940.34),  # ryofu1029-debug/jp-stock-analysis, dividend-adjusted
    ("6857.T", 9988.41, 9128.71),
])
def test_new_series_on_27_january(ticker, prev, close):
    move = market.day_move(ticker, "2025-01-27")
    assert (round(move["prev_close"], 4), round(move["close"], 4)) == (prev, close)


def test_context_series_stay_out_of_catalog_wide_selections():
    """The chapters select "every US series" or every group; the added series must not change those."""
    added = ["RSP", "XLK", "IYW", "IGV", "XLC", "XLU", "8035.T", "6857.T", "DEXCHUS", "DEXJPUS", "DEXTAUS"]
    assert [s.ticker for s in catalog.SERIES if s.context] == added
    assert not set(added) & set(catalog.tickers()) and not set(added) & set(catalog.tickers(market="US"))
    assert not set(added) & {t for g in catalog.GROUPS for t in catalog.tickers(g)}
    assert catalog.tickers("Sector ETFs") == ["XLK", "IYW", "IGV", "XLC", "XLU"]  # asked for by name
    assert set(catalog.tickers(include_context=True)) == set(catalog.BY_TICKER)
    assert len(catalog.tickers()) == 72  # the series the chapters were written with


def test_fred_holidays_are_left_out_and_counted():
    df = cache.load_prices("DEXCHUS")
    assert pd.Timestamp("2025-01-20") not in df.index  # Martin Luther King Day: an empty row in the raw file
    assert df["Close"].notna().all() and df["Open"].isna().all()  # FRED gives one rate a day, nothing invented
    assert "holiday rows" in cache.series_info("DEXCHUS")["origin"]["note"]
    assert cache.series_info("DEXCHUS")["price_basis"] == catalog.FX_RATE


def test_import_keeps_the_usual_file_modes(tmp_path):
    """mkdtemp makes 0700 folders; the swapped-in cache must have the modes a checkout gives."""
    out = importer.import_all(market_dir=tmp_path / "market")
    mask = os.umask(0)
    os.umask(mask)
    assert (out.stat().st_mode & 0o777, (out / "prices").stat().st_mode & 0o777) == (0o777 & ~mask,) * 2
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()} == {0o666 & ~mask}


def test_nvda_market_value_lost_from_sec_share_count():
    change = market.market_value_change("NVDA", "2025-01-27")
    assert change["as_of_date"] == "2024-11-15"  # the cover page of the 10-Q filed 2024-11-20
    assert change["change_usd"] / 1e9 == pytest.approx(-592.7, abs=0.2)


def test_every_catalog_series_is_cached_and_valid():
    assert cache.verify() == len(catalog.SERIES) + 1  # + the share counts
    for s in catalog.SERIES:
        df = cache.load_prices(s.ticker)
        assert df.index.is_monotonic_increasing and df.index.is_unique
        assert df.index[0] >= pd.Timestamp(s.start) and df.index[-1] <= pd.Timestamp(catalog.END)


def test_only_the_catalogs_earlier_starts_reach_before_the_window():
    """A series starts before START only where catalog.EARLIER_START says so, and then on that date."""
    early = {s.ticker: cache.load_prices(s.ticker).index[0] for s in catalog.SERIES
             if cache.load_prices(s.ticker).index[0] < pd.Timestamp(catalog.START)}
    assert early == {t: pd.Timestamp(d) for t, d in catalog.EARLIER_START.items()}
    assert catalog.get("^IXIC").start == "2000-03-10" and catalog.get("NVDA").start == catalog.START


def test_to_schema_clips_at_the_series_start():
    frame = pd.DataFrame({"Date": ["2000-03-09", "2000-03-10", "2019-05-16"], "Close": [1.0, 2.0, 3.0]})
    assert list(cache.to_schema(frame)["Date"]) == ["2019-05-16"]
    assert list(cache.to_schema(frame, "2000-03-10")["Date"]) == ["2000-03-10", "2019-05-16"]


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
    with pytest.raises(ValueError, match=r"2031-01-02 is outside the data for NVDA \(2019-05-16\.\.2026-05-15\)"):
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
    assert nvda["source"] == "Interactive Brokers" and nvda["common_days"] == 1760  # the raw file's 1760 rows
    assert nvda["measure"].startswith("largest difference of closes")
    # 0.14% on 2019 prices near $3.65 after the 40:1 split adjustment, but never more than half a cent
    assert nvda["max_abs_price_diff"] <= 0.005 + 1e-6
    checks = {(e["tickers"][0], c["source"]): c for e in manifest["files"].values()
              for c in e["origin"].get("cross_checks", [])}
    assert len(checks) >= 27
    ib = [c for (t, src), c in checks.items() if src == "Interactive Brokers" and not t.startswith("^")]
    assert len(ib) == 13 and all(c["max_abs_price_diff"] <= 0.005 + 1e-6 for c in ib)
    assert all(checks[t, "Interactive Brokers"]["max_abs_diff"] < 1e-4 for t in ["^GSPC", "^IXIC", "^SOX"])  # float32 noise
    for t in ["RSP", "XLK", "IYW", "IGV"]:  # two Yahoo downloads of the same ETF: identical
        assert checks[t, "Yahoo (another download)"]["max_abs_diff"] == 0


def test_known_disagreements_are_recorded_not_hidden():
    """The checks that do not agree to the cent, each for a reason SOURCES.md gives."""
    manifest = cache.read_manifest()
    loose = {(e["tickers"][0], c["source"]): c for e in manifest["files"].values()
             for c in e["origin"].get("cross_checks", []) if c["max_abs_diff"] >= 0.05}
    assert set(loose) == {("^VIX", "FRED"), ("SOXX", "investing.com"), ("NVDA", "Interactive Brokers"),
                          ("DEXCHUS", "Yahoo CNY=X (next row)"), ("DEXJPUS", "Yahoo JPY=X (next row)")}
    # Yahoo's VIX close of 2026-02-06 is 20.37, FRED's 17.76 (two 2021 days differ by under 0.7%).
    assert loose["^VIX", "FRED"]["max_on"] == "2026-02-06" and loose["^VIX", "FRED"]["median_abs_diff"] < 1e-4
    # FX: FRED at noon in New York against Yahoo's bar at midnight London agree closely on a typical day.
    assert loose["DEXCHUS", "Yahoo CNY=X (next row)"]["median_abs_diff"] < 0.05
    assert loose["DEXJPUS", "Yahoo JPY=X (next row)"]["median_abs_diff"] < 0.2


def test_a_new_cache_folder_gets_the_checkouts_mode_not_mkdtemps(market_copy, tmp_path):
    """`make import` into a fresh checkout: data/market must be readable like the rest (0755 under umask 022)."""
    import stat

    nvda = cache.load_prices("NVDA", market_copy).reset_index()
    shares = ((market_copy / "shares_outstanding.csv").read_bytes(), {"kind": "test"})
    out = cache.write_cache({"NVDA": (nvda, {"kind": "test"})}, shares, tmp_path / "new" / "market")
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~cache.umask()
    assert stat.S_IMODE((out / "manifest.json").stat().st_mode) == 0o666 & ~cache.umask()


def test_sessions_are_the_price_index_and_a_copy():
    idx = cache.load_sessions("NVDA")
    assert idx.equals(cache.load_prices("NVDA").index)
    idx.name = "changed"
    assert cache.load_sessions("NVDA").name == cache.load_prices("NVDA").index.name != "changed"


def test_atomic_write_gives_the_usual_mode_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    cache.atomic_write(target, b"one")
    cache.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~cache.umask()
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_paths_in_messages_are_relative_to_the_repository(tmp_path):
    assert paths.rel(paths.PRICES_DIR / "NVDA.csv") == "data/market/prices/NVDA.csv"
    assert paths.rel(tmp_path / "elsewhere.csv") == str(tmp_path / "elsewhere.csv")


def test_the_read_log_holds_each_file_and_its_bytes_once(tmp_path, monkeypatch):
    """A chapter loads a series hundreds of times; the log the runner reads gets it once, and again
    only if the bytes read were other bytes (a file changed mid-run)."""
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(log))
    for _ in range(3):
        cache.load_prices("NVDA")
        cache.load_sessions("NVDA")
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and lines[0].endswith("\tdata/market/prices/NVDA.csv")
    cache._note_read(paths.PRICES_DIR / "NVDA.csv", digest="0" * 64)
    cache._note_read(paths.PRICES_DIR / "NVDA.csv", digest="0" * 64)
    assert runner.parse_read_log(log.read_text())["data/market/prices/NVDA.csv"][1:] == ["0" * 64]


def test_prices_digest_is_the_sha_of_the_bytes_loaded_and_is_noted(tmp_path, monkeypatch):
    """What is computed from a price file is kept under this digest (events.simple_returns): it must
    be the file's bytes, and asking for it must count as reading the file."""
    log = tmp_path / "reads.txt"
    monkeypatch.setenv("SHOCKBOOK_READ_LOG", str(log))
    digest = cache.prices_digest("AMD")
    assert digest == cache.sha256_file(paths.PRICES_DIR / "AMD.csv")
    assert runner.parse_read_log(log.read_text()) == {"data/market/prices/AMD.csv": [digest]}


def test_the_site_build_loads_no_pandas():
    """The Sphinx extension copies verified files and reads manifests, which needs no pandas: importing
    it (0.7 s) in each edition's build was a tenth of the site's time."""
    import subprocess
    import sys

    code = ("import sys, shockbook.site.sphinxext, shockbook.site.render, shockbook.site.sitefiles; "
            "from shockbook.site import sitefiles, edition; edition.read_catalogue(); "
            "print(sorted(m for m in ('pandas', 'numpy', 'altair') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(paths.ROOT)}).stdout.strip()
    assert out == "[]"
