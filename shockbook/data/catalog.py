"""The series the book uses: one row per ticker, with its group, market and raw origin.

Tickers are yfinance symbols, so the same catalog drives both the import from the
cross-checked raw files (``importer``) and a refresh from Yahoo (``refresh``).

``price_basis`` says what a price level means. Only ``unadjusted`` series (exchange
closes, adjusted for splits only) and ``index`` levels may be used for price levels
or market values; the adjusted bases are fit for returns only.
"""
from __future__ import annotations

from dataclasses import dataclass

# The window the cache covers: from the first session of the primary US stock files
# (kinryukii, 2019-05-16) to the last date any raw file gives (2026-08-21). Each series keeps
# its own true range inside it, from a single source; the manifest records each file's range.
START = "2019-05-16"
END = "2026-08-21"

# Series kept from an earlier date than START, each for the check that needs it (the one place to
# say so). The raw file's own history is read from that date; every other series starts at START.
EARLIER_START = {
    "^IXIC": "2000-03-10",  # ledger C85: the Nasdaq's dot-com fall, from its peak close of 10 March 2000
}

UNADJUSTED = "unadjusted"  # split-adjusted exchange prices; Adj Close adds dividends
INDEX = "index"            # index levels: no dividends to adjust for
FX_RATE = "exchange rate (FRED H.10 noon buying rate in New York, foreign currency per US dollar)"


@dataclass(frozen=True)
class RawSource:
    """A public repository snapshot in ../shared/data/raw (see its SOURCES.md)."""

    folder: str
    repo: str
    snapshot: str  # date of the commit the files were read at
    price_basis: str  # basis of a stock's Close in this source
    yahoo: bool = True  # yfinance can download the same series again (``refresh``); FRED's cannot


SOURCES = {
    "kinryukii": RawSource("kinryukii_us-tech-quant-v18", "kinryukii/us-tech-quant-v18", "2026-05-31", UNADJUSTED),
    "khemosu": RawSource("khemosu99-bit_overnight-kr", "khemosu99-bit/overnight-kr", "2026-08-22", INDEX),
    "luciusneo": RawSource(
        "luciusneo1017_momentum-portfolio_optimization", "luciusneo1017/momentum-portfolio_optimization",
        "2025-10-30", "dividend-adjusted (yfinance auto_adjust=True, as of 2025-10-30)"),
    "shresth": RawSource("ShresthTiwari823_QuantEdge-AI", "ShresthTiwari823/QuantEdge-AI", "2026-06-23", INDEX),
    "azscience": RawSource(
        "AZScience_mohinhdudoan", "AZScience/mohinhdudoan", "2026-02-27",
        "dividend-adjusted (yfinance auto_adjust=True, as of 2026-02-27)"),
    "kayatjill": RawSource(
        "KayatJill_StockTradebyZ_8552ae9", "KayatJill/StockTradebyZ", "2025-08-04",
        "possibly forward-adjusted (qfq, as of 2025-08-01)"),
    "culolom": RawSource(
        "culolom_culolom-backtest", "culolom/culolom-backtest", "2026-08-21",
        "dividend-adjusted (yfinance, as of 2026-08-21)"),
    "kimuradaichisi": RawSource(
        "kimuradaichisi_stock_trading_bot", "kimuradaichisi/stock_trading_bot", "2025-06-06",
        "dividend-adjusted (yfinance, as of 2025-06-06)"),
    "taeheon": RawSource("taeheon-kong_etf-app", "taeheon-kong/etf-app", "2026-05-18", UNADJUSTED),
    "ryofu": RawSource(
        "ryofu1029-debug_jp-stock-analysis", "ryofu1029-debug/jp-stock-analysis", "2026-07-13",
        "dividend-adjusted (yfinance auto_adjust=True, as of 2026-07-13)"),
    "codejoncode": RawSource("codejoncode_congenial-fortnight", "codejoncode/congenial-fortnight", "2025-10-09",
                             FX_RATE, yahoo=False),
    "dinosaur030": RawSource("dinosaur030_WebHomework4", "dinosaur030/WebHomework4", "2025-06-03",
                             FX_RATE, yahoo=False),
}


@dataclass(frozen=True)
class Series:
    ticker: str
    name: str
    group: str
    market: str  # the exchange calendar the dates are on: US, HK, CN, JP, TW
    currency: str
    source: str  # key of SOURCES
    raw_path: str  # path under the source folder
    index: bool = False  # an index level rather than a traded price

    @property
    def price_basis(self) -> str:
        return INDEX if self.index else SOURCES[self.source].price_basis

    @property
    def start(self) -> str:
        """The first date the cache keeps for this series: START, or its EARLIER_START."""
        return EARLIER_START.get(self.ticker, START)

    @property
    def yahoo(self) -> bool:
        """Whether ``refresh`` can download this series with yfinance (FRED's rates it cannot)."""
        return SOURCES[self.source].yahoo

    @property
    def context(self) -> bool:
        """A series added for context (see CONTEXT_GROUPS), left out of catalog-wide selections."""
        return self.group in CONTEXT_GROUPS

    @property
    def file_name(self) -> str:
        """File name in data/market/prices: '^GSPC' becomes 'idx-GSPC.csv'."""
        return self.ticker.replace("^", "idx-") + ".csv"


# Groups, in the order chapters show them.
GROUPS = [
    "Chips",
    "Chip equipment",
    "Networking and servers",
    "Power",
    "Hyperscalers and Apple",
    "Software and other tech",
    "US indices and ETFs",
    "China ADRs and ETFs",
    "Hong Kong",
    "China A-shares",
    "Japan",
    "Taiwan",
]

# Groups added after the chapters were written, for context: market breadth, sectors, currencies,
# Japan's chip-equipment makers. Their series are in the cache and any chapter parameter may name
# them, but they are not in GROUPS and ``tickers()`` leaves them out of "every series of a market"
# unless asked, so that adding a series never silently changes what a chapter shows.
CONTEXT_GROUPS = [
    "Benchmarks",
    "Sector ETFs",
    "Japan chip equipment",
    "Currencies",
]

_K = "prices_full/{}.csv"


def _us(ticker, name, group, path=None, source="kinryukii"):
    return Series(ticker, name, group, "US", "USD", source, path or _K.format(ticker))


def _idx(ticker, name, group, market, currency, source, path):
    return Series(ticker, name, group, market, currency, source, path, index=True)


SERIES = [
    _us("NVDA", "Nvidia", "Chips"),
    _us("AVGO", "Broadcom", "Chips"),
    _us("AMD", "AMD", "Chips"),
    _us("TSM", "TSMC (ADR)", "Chips"),
    _us("MU", "Micron", "Chips"),
    _us("MRVL", "Marvell", "Chips"),
    _us("ARM", "Arm Holdings", "Chips"),
    _us("INTC", "Intel", "Chips"),
    _us("QCOM", "Qualcomm", "Chips"),
    _us("TXN", "Texas Instruments", "Chips"),
    _us("ASML", "ASML (ADR)", "Chip equipment"),
    _us("AMAT", "Applied Materials", "Chip equipment"),
    _us("LRCX", "Lam Research", "Chip equipment"),
    _us("KLAC", "KLA", "Chip equipment"),
    _us("ANET", "Arista Networks", "Networking and servers"),
    _us("SMCI", "Super Micro Computer", "Networking and servers"),
    _us("DELL", "Dell", "Networking and servers"),
    _us("VRT", "Vertiv", "Networking and servers"),
    _us("VST", "Vistra", "Power"),
    _us("CEG", "Constellation Energy", "Power"),
    _us("GEV", "GE Vernova", "Power"),
    _us("MSFT", "Microsoft", "Hyperscalers and Apple"),
    _us("META", "Meta", "Hyperscalers and Apple"),
    _us("GOOGL", "Alphabet (class A)", "Hyperscalers and Apple"),
    _us("AMZN", "Amazon", "Hyperscalers and Apple"),
    _us("ORCL", "Oracle", "Hyperscalers and Apple"),
    _us("AAPL", "Apple", "Hyperscalers and Apple"),
    _us("TSLA", "Tesla", "Software and other tech"),
    _us("PLTR", "Palantir", "Software and other tech"),
    _us("CRM", "Salesforce", "Software and other tech"),
    _us("NOW", "ServiceNow", "Software and other tech"),
    _us("QQQ", "Invesco QQQ (Nasdaq-100 ETF)", "US indices and ETFs"),
    _us("SPY", "SPDR S&P 500 ETF", "US indices and ETFs"),
    _us("SMH", "VanEck Semiconductor ETF", "US indices and ETFs"),
    _us("SOXX", "iShares Semiconductor ETF", "US indices and ETFs"),
    _idx("^IXIC", "Nasdaq Composite", "US indices and ETFs", "US", "USD", "khemosu", "NASDAQ.csv"),
    _idx("^GSPC", "S&P 500", "US indices and ETFs", "US", "USD", "khemosu", "SP500.csv"),
    _idx("^SOX", "PHLX Semiconductor index", "US indices and ETFs", "US", "USD", "khemosu", "SOX.csv"),
    _idx("^DJI", "Dow Jones Industrial Average", "US indices and ETFs", "US", "USD", "khemosu", "DOW.csv"),
    _idx("^VIX", "CBOE Volatility index", "US indices and ETFs", "US", "USD", "khemosu", "VIX.csv"),
    _us("BABA", "Alibaba (ADR)", "China ADRs and ETFs", "staged_backfill_batch2/BABA.csv"),
    _us("BIDU", "Baidu (ADR)", "China ADRs and ETFs", "staged_backfill_batch2/BIDU.csv"),
    _us("JD", "JD.com (ADR)", "China ADRs and ETFs", "staged_backfill_batch1/JD.csv"),
    _us("PDD", "PDD Holdings (ADR)", "China ADRs and ETFs", "staged_backfill_batch3_raw/PDD.csv"),
    _us("KWEB", "KraneShares CSI China Internet ETF", "China ADRs and ETFs", "staged_backfill_batch1/KWEB.csv"),
    _us("MCHI", "iShares MSCI China ETF", "China ADRs and ETFs", "MCHI.csv", source="azscience"),
    Series("0700.HK", "Tencent", "Hong Kong", "HK", "HKD", "luciusneo", "interim/0700.HK.csv"),
    Series("9988.HK", "Alibaba", "Hong Kong", "HK", "HKD", "luciusneo", "interim/9988.HK.csv"),
    Series("0981.HK", "SMIC", "Hong Kong", "HK", "HKD", "luciusneo", "interim/0981.HK.csv"),
    Series("9888.HK", "Baidu", "Hong Kong", "HK", "HKD", "luciusneo", "interim/9888.HK.csv"),
    Series("1810.HK", "Xiaomi", "Hong Kong", "HK", "HKD", "luciusneo", "interim/1810.HK.csv"),
    Series("0020.HK", "SenseTime", "Hong Kong", "HK", "HKD", "luciusneo", "interim/0020.HK.csv"),
    Series("9618.HK", "JD.com", "Hong Kong", "HK", "HKD", "luciusneo", "interim/9618.HK.csv"),
    Series("1024.HK", "Kuaishou", "Hong Kong", "HK", "HKD", "luciusneo", "interim/1024.HK.csv"),
    Series("3690.HK", "Meituan", "Hong Kong", "HK", "HKD", "luciusneo", "interim/3690.HK.csv"),
    _idx("^HSI", "Hang Seng index", "Hong Kong", "HK", "HKD", "shresth", "HSI.csv"),
    Series("688256.SS", "Cambricon", "China A-shares", "CN", "CNY", "kayatjill", "688256.csv"),
    Series("000977.SZ", "Inspur Information", "China A-shares", "CN", "CNY", "kayatjill", "000977.csv"),
    Series("300308.SZ", "Zhongji Innolight", "China A-shares", "CN", "CNY", "kayatjill", "300308.csv"),
    Series("601138.SS", "Foxconn Industrial Internet", "China A-shares", "CN", "CNY", "kayatjill", "601138.csv"),
    Series("688981.SS", "SMIC (A-share)", "China A-shares", "CN", "CNY", "kayatjill", "688981.csv"),
    Series("002371.SZ", "Naura Technology", "China A-shares", "CN", "CNY", "kayatjill", "002371.csv"),
    Series("603019.SS", "Sugon", "China A-shares", "CN", "CNY", "kayatjill", "603019.csv"),
    Series("688041.SS", "Hygon Information", "China A-shares", "CN", "CNY", "kayatjill", "688041.csv"),
    Series("002230.SZ", "iFlytek", "China A-shares", "CN", "CNY", "kayatjill", "002230.csv"),
    Series("300502.SZ", "Eoptolink", "China A-shares", "CN", "CNY", "kayatjill", "300502.csv"),
    Series("000063.SZ", "ZTE", "China A-shares", "CN", "CNY", "kayatjill", "000063.csv"),
    _idx("000300.SS", "CSI 300 index", "China A-shares", "CN", "CNY", "azscience", "000300.SS.csv"),
    Series("9984.T", "SoftBank Group", "Japan", "JP", "JPY", "kimuradaichisi", "9984.T.csv"),
    _idx("^N225", "Nikkei 225", "Japan", "JP", "JPY", "shresth", "N225.csv"),
    Series("2330.TW", "TSMC (Taiwan)", "Taiwan", "TW", "TWD", "culolom", "2330.TW.csv"),
    _idx("^TWII", "Taiwan Weighted index", "Taiwan", "TW", "TWD", "culolom", "^TWII.csv"),
    # Context series (CONTEXT_GROUPS).
    _us("RSP", "Invesco S&P 500 Equal Weight ETF", "Benchmarks", "raw/RSP.csv", source="taeheon"),
    _us("XLK", "Technology Select Sector SPDR ETF", "Sector ETFs", "raw/XLK.csv", source="taeheon"),
    _us("IYW", "iShares U.S. Technology ETF", "Sector ETFs", "raw/IYW.csv", source="taeheon"),
    _us("IGV", "iShares Expanded Tech-Software Sector ETF", "Sector ETFs", "raw/IGV.csv", source="taeheon"),
    _us("XLC", "Communication Services Select Sector SPDR ETF", "Sector ETFs", "raw/XLC.csv", source="taeheon"),
    _us("XLU", "Utilities Select Sector SPDR ETF", "Sector ETFs", "raw/XLU.csv", source="taeheon"),
    Series("8035.T", "Tokyo Electron", "Japan chip equipment", "JP", "JPY", "ryofu", "raw/8035.T.csv"),
    Series("6857.T", "Advantest", "Japan chip equipment", "JP", "JPY", "ryofu", "raw/6857.T.csv"),
    # FRED's H.10 rates are the primary FX series: an official daily rate, dated on the New York
    # business day it was observed (Yahoo's bar is stamped at about midnight London, so it lags a
    # day), and the only USD/TWD source. H.10 holds CNY flat while mainland China is on holiday.
    Series("DEXCHUS", "Chinese yuan per US dollar (FRED)", "Currencies", "FX", "CNY", "codejoncode", "DEXCHUS.csv"),
    Series("DEXJPUS", "Japanese yen per US dollar (FRED)", "Currencies", "FX", "JPY", "codejoncode", "DEXJPUS.csv"),
    Series("DEXTAUS", "New Taiwan dollars per US dollar (FRED)", "Currencies", "FX", "TWD", "dinosaur030", "DEXTAUS.csv"),
]

BY_TICKER = {s.ticker: s for s in SERIES}

# Independent sources the import compares each series with (folder/path under ../shared/data/raw,
# the column holding the close). Interactive Brokers bars and investing.com history are not Yahoo;
# FRED publishes the VIX close itself.
# A fourth element NEXT_ROW compares our day t with the other source's next row.
_IB = "heliar-k_market-base/stocks/{}.csv"
NEXT_ROW = "next row"
CROSS_CHECKS = {
    **{t: [("Interactive Brokers", _IB.format(t), "close")] for t in
       ["NVDA", "AVGO", "AMD", "TSM", "MSFT", "META", "AMZN", "AAPL", "TSLA", "MU", "QQQ", "SPY", "INTC"]},
    "^GSPC": [("Interactive Brokers", "heliar-k_market-base/indices/SPX.csv", "close")],
    "^IXIC": [("Interactive Brokers", "heliar-k_market-base/indices/IXIC.csv", "close")],
    "^SOX": [("Interactive Brokers", "heliar-k_market-base/indices/SOX.csv", "close"),
             ("investing.com", "SANGMOLEE_soxl-data/prices/SOX.csv", "close")],
    "SOXX": [("investing.com", "SANGMOLEE_soxl-data/prices/SOXX.csv", "close")],
    "^VIX": [("FRED", "SANGMOLEE_soxl-data/macro/VIXCLS.csv", "value")],
    "0700.HK": [("yfinance Ticker.history (another repository)", "CCF0001_Forriz-Pair-Trading/0700.HK.csv", "Close")],
    # The ETFs: another Yahoo download (kinryukii) and, for IGV, a third one (kittycapital).
    "RSP": [("Yahoo (another download)", "kinryukii_us-tech-quant-v18/staged_backfill_batch3_raw/RSP.csv", "Close")],
    "XLK": [("Yahoo (another download)", "kinryukii_us-tech-quant-v18/prices_full/XLK.csv", "Close")],
    "IYW": [("Yahoo (another download)", "kinryukii_us-tech-quant-v18/prices_full/IYW.csv", "Close")],
    "IGV": [("Yahoo (another download)", "kinryukii_us-tech-quant-v18/prices_full/IGV.csv", "Close"),
            ("Yahoo (a third download)", "kittycapital_btc-asset-correlation/IGV.csv", "Close")],
    # FRED's noon-New-York rate of day t against Yahoo's bar of the next day: Yahoo stamps its FX bar
    # at about midnight London, so its row t+1 is the Yahoo print nearest to FRED's t.
    "DEXCHUS": [("Yahoo CNY=X (next row)", "alitalbi_storage_data_fy/CNY=X.csv", "Close", NEXT_ROW)],
    "DEXJPUS": [("Yahoo JPY=X (next row)", "alitalbi_storage_data_fy/JPY=X.csv", "Close", NEXT_ROW)],
}


def get(ticker: str) -> Series:
    """The catalog entry for ``ticker``; a clear error names close matches for a typo."""
    try:
        return BY_TICKER[ticker]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(ticker.upper(), BY_TICKER, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise KeyError(
            f"unknown ticker {ticker!r}: the book's cache has no such series.{hint} "
            f"The {len(SERIES)} tickers are listed by `python -m shockbook tickers`."
        ) from None


def tickers(group: str | None = None, market: str | None = None, include_context: bool = False) -> list[str]:
    """Tickers in catalog order, optionally of one group or market.

    Context series (CONTEXT_GROUPS) are included when their group is asked for by name or when
    ``include_context`` is true, never by a market-wide or catalog-wide selection alone.
    """
    if group is not None and group not in GROUPS + CONTEXT_GROUPS:
        raise ValueError(f"unknown group {group!r}; groups are: {', '.join(GROUPS + CONTEXT_GROUPS)}")
    return [s.ticker for s in SERIES
            if (group is None or s.group == group) and (market is None or s.market == market)
            and (include_context or group is not None or not s.context)]
