"""The book's data cache: ``data/market/`` and its manifest.

Every load checks the file against the manifest (sha256) and the schema, so a
corrupted or hand-edited file stops a chapter with a message that names the file,
the row and the fix, instead of silently changing a number in the book.

Writes go through :func:`write_cache`, which builds the complete new cache in a
temporary folder, validates it, and only then swaps it in; a failure leaves the
existing cache byte-identical.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from shockbook import paths
from shockbook.data import catalog

if TYPE_CHECKING:  # pandas is imported where it is used: the site's build copies verified files without it
    import pandas as pd

SCHEMA_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
PRICE_COLUMNS = ["Open", "High", "Low", "Close", "Adj Close"]
SHARES_COLUMNS = [
    "ticker", "share_class", "shares_outstanding", "as_of_date",
    "filing_type", "filing_date", "source_file", "quoted_text",
]
MANIFEST_SCHEMA = 1

# Only fixes that work on a damaged cache: `make refresh` reads the cache it refreshes, so it is not one.
FIX = ("Fix: restore the committed cache with `git checkout -- data/market`, or rebuild it from "
       "../shared with `make import`.")


class CacheError(ValueError):
    """The cache cannot be read as it is; the message says which file, which row and the fix."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(Path(path).read_bytes())


_rel = paths.rel


def _note_read(path: Path, data: bytes | None = None, digest: str | None = None) -> None:
    """Record which data file a chapter read and the sha256 of the bytes it read.

    The runner reruns exactly the chapters a change touches, and records what a chapter was built
    from (not what is on disk when it ends). Pass the bytes loaded (or their digest); without
    either, the file is hashed now.
    """
    log = os.environ.get("SHOCKBOOK_READ_LOG")
    if not log:
        return
    if digest is None:
        try:
            digest = sha256_bytes(data if data is not None else Path(path).read_bytes())
        except FileNotFoundError:
            digest = "missing"
    # A chapter reads the same file hundreds of times: each (file, bytes) is written to the log once.
    # Bytes that changed mid-run have another digest, so the runner still sees both.
    seen = (log, str(path), digest)
    if seen in _NOTED:
        return
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{digest}\t{_rel(path)}\n")
    _NOTED.add(seen)


_NOTED: set[tuple[str, str, str]] = set()


# --------------------------------------------------------------------------- frames


def to_schema(df: pd.DataFrame, start: str = catalog.START) -> pd.DataFrame:
    """A price frame in the book's column order, dates as ISO strings, window-clipped, sorted.

    ``df`` has a 'Date' column (or index) and any subset of yfinance's columns; a column the
    source lacks is kept empty rather than invented. ``start`` is the series' own first date
    (``catalog.Series.start``: START unless the catalog keeps it from earlier).
    """
    import pandas as pd

    df = df.reset_index() if "Date" not in df.columns else df.copy()
    out = pd.DataFrame({"Date": pd.to_datetime(df["Date"]).dt.strftime("%Y-%m-%d")})
    for col in SCHEMA_COLUMNS[1:]:
        out[col] = pd.to_numeric(df[col], errors="raise").astype("float64") if col in df.columns else float("nan")
    out["Volume"] = out["Volume"].round().astype("Int64")
    out = out[(out["Date"] >= start) & (out["Date"] <= catalog.END)]
    return out.sort_values("Date").reset_index(drop=True)


def frame_to_csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def check_prices(df: pd.DataFrame, name: str) -> pd.Series:
    """Raise CacheError for the first problem in a price frame (columns, dates, prices); else its
    dates, parsed."""
    import pandas as pd

    if list(df.columns) != SCHEMA_COLUMNS:
        raise CacheError(f"{name}: columns are {list(df.columns)}, expected {SCHEMA_COLUMNS}. {FIX}")
    if df.empty:
        raise CacheError(f"{name}: no rows. {FIX}")

    def where(i: int) -> str:
        return f"{name}, row {i + 2} (Date {df['Date'].iloc[i]!s})"  # +2: header line, 1-based

    dates = pd.to_datetime(df["Date"], format="%Y-%m-%d", errors="coerce")
    bad = dates.isna()
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise CacheError(f"{where(i)}: not a YYYY-MM-DD date. {FIX}")
    steps = dates.diff().dt.days.iloc[1:]
    if (steps <= 0).any():
        i = int((steps <= 0).to_numpy().argmax()) + 1
        raise CacheError(f"{where(i)}: dates must be sorted and unique; this one repeats or goes back. {FIX}")
    for col in PRICE_COLUMNS + ["Volume"]:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise CacheError(f"{name}: column {col} is not numeric. {FIX}")
    missing = df["Close"].isna()
    if missing.any():
        i = int(missing.to_numpy().argmax())
        raise CacheError(f"{where(i)}: Close is missing inside the series' range. {FIX}")
    for col in PRICE_COLUMNS:
        nonpos = df[col].notna() & (df[col] <= 0)
        if nonpos.any():
            i = int(nonpos.to_numpy().argmax())
            raise CacheError(f"{where(i)}: {col} is {df[col].iloc[i]}, but prices must be positive. {FIX}")
    negvol = df["Volume"].notna() & (df["Volume"] < 0)
    if negvol.any():
        i = int(negvol.to_numpy().argmax())
        raise CacheError(f"{where(i)}: Volume is negative. {FIX}")
    return dates


def _read_prices_csv(data: bytes, name: str) -> pd.DataFrame:
    import pandas as pd

    try:
        df = pd.read_csv(io.BytesIO(data), dtype={"Date": str, "Volume": "Int64"})
    except (ValueError, pd.errors.ParserError) as exc:  # a torn or garbled file
        raise CacheError(f"{name}: cannot be parsed as CSV ({exc}). {FIX}") from None
    return df


def describe_file(data: bytes, df: pd.DataFrame | None = None) -> dict:
    """The manifest fields that follow from a file's bytes: hash, size, rows, columns, range."""
    entry = {"sha256": sha256_bytes(data), "bytes": len(data)}
    if df is not None:
        entry.update({
            "rows": int(len(df)),
            "columns": {c: str(df[c].dtype) for c in df.columns},
        })
        if "Date" in df.columns:
            entry.update({"first": str(df["Date"].iloc[0]), "last": str(df["Date"].iloc[-1])})
    return entry


# --------------------------------------------------------------------------- manifest


def _stamp(path: Path) -> tuple[str, int, int]:
    """What identifies a file's content for the in-process memo: path, modification time, size."""
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _parse_manifest(stamp: tuple[str, int, int]) -> dict:
    path = Path(stamp[0])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CacheError(f"{_rel(path)} is not valid JSON ({exc}). {FIX}") from None
    if manifest.get("schema") != MANIFEST_SCHEMA or "files" not in manifest:
        raise CacheError(f"{_rel(path)} is not a schema-{MANIFEST_SCHEMA} manifest. {FIX}")
    return manifest


def read_manifest(market_dir: Path | None = None) -> dict:
    """The cache's manifest (parsed once per process while the file is unchanged; treat it as read-only)."""
    market_dir = Path(market_dir or paths.MARKET_DIR)
    path = market_dir / "manifest.json"
    if not path.exists():
        raise CacheError(f"{_rel(path)} is missing: the cache has no manifest. {FIX}")
    return _parse_manifest(_stamp(path))


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _verified_bytes(rel: str, market_dir: Path, manifest: dict) -> bytes:
    path = market_dir / rel
    entry = manifest["files"].get(rel)
    if entry is None:
        raise CacheError(f"{_rel(path)} is not listed in the manifest. {FIX}")
    if not path.exists():
        raise CacheError(f"{_rel(path)} is missing (the manifest lists it). {FIX}")
    data = path.read_bytes()
    digest = sha256_bytes(data)
    if digest != entry["sha256"]:
        raise CacheError(
            f"{_rel(path)} has changed since the manifest was written (sha256 {digest[:12]}… "
            f"instead of {entry['sha256'][:12]}…): it was edited by hand or damaged. {FIX}")
    _note_read(path, data=data)
    return data


def verified_bytes(rel: str, market_dir: Path | None = None) -> bytes:
    """One cache file's bytes (``prices/NVDA.csv``), checked against the manifest (CacheError if not)."""
    market_dir = Path(market_dir or paths.MARKET_DIR)
    return _verified_bytes(rel, market_dir, read_manifest(market_dir))


# --------------------------------------------------------------------------- loading


def series_info(ticker: str, market_dir: Path | None = None) -> dict:
    """The manifest's record of one series: name, group, market, price basis, origin, range."""
    s = _series(ticker)
    manifest = read_manifest(market_dir)
    entry = manifest["files"].get(f"prices/{s.file_name}")
    if entry is None:
        raise CacheError(f"{ticker}: not in the cache manifest. {FIX}")
    return {**entry["series"], "origin": entry["origin"], "first": entry["first"], "last": entry["last"]}


def total_return_column(ticker: str) -> str:
    """'Adj Close' (dividends reinvested) where the series has it, else 'Close'."""
    return "Adj Close" if "Adj Close" in series_info(ticker)["columns_present"] else "Close"


def _series(ticker: str) -> catalog.Series:
    try:
        return catalog.get(ticker)
    except KeyError as exc:
        raise CacheError(exc.args[0]) from None


def load_prices(ticker: str, market_dir: Path | None = None) -> pd.DataFrame:
    """Daily prices of ``ticker`` (a yfinance symbol), indexed by trading date, validated.

    A chapter loads the same series many times; the file is hashed, parsed and checked once per
    process while it is unchanged (same path, modification time and size), and a copy is returned.
    """
    return _loaded_prices(ticker, market_dir).copy()


def load_sessions(ticker: str, market_dir: Path | None = None) -> pd.DatetimeIndex:
    """The days ``ticker`` traded: ``load_prices(ticker).index``, without copying the whole frame."""
    return _loaded_prices(ticker, market_dir).index.copy()


def prices_digest(ticker: str, market_dir: Path | None = None) -> str:
    """The sha256 of the bytes ``ticker``'s prices are loaded from, their read noted: the key under
    which what is computed from them can be kept (e.g. ``events.simple_returns``)."""
    return _loaded(ticker, market_dir)[1]


def _loaded_prices(ticker: str, market_dir: Path | None) -> pd.DataFrame:
    """The memoised frame of ``ticker`` (never hand it out: callers get a copy), its read noted."""
    return _loaded(ticker, market_dir)[0]


def _loaded(ticker: str, market_dir: Path | None) -> tuple[pd.DataFrame, str]:
    s = _series(ticker)
    market_dir = Path(market_dir or paths.MARKET_DIR)
    path = market_dir / f"prices/{s.file_name}"
    try:
        stamps = _stamp(path), _stamp(market_dir / "manifest.json")
    except FileNotFoundError:  # the clear error for a missing manifest or file
        _verified_bytes(f"prices/{s.file_name}", market_dir, read_manifest(market_dir))
        raise
    df, digest = _load_prices(str(market_dir), s.file_name, *stamps)
    _note_read(path, digest=digest)  # the bytes this frame was parsed from, even when memoised
    return df, digest


@functools.lru_cache(maxsize=256)
def _load_prices(market_dir: str, file_name: str, file_stamp: tuple, manifest_stamp: tuple) -> tuple[pd.DataFrame, str]:
    import pandas as pd

    market_dir = Path(market_dir)
    rel = f"prices/{file_name}"
    data = _verified_bytes(rel, market_dir, read_manifest(market_dir))
    df = _read_prices_csv(data, _rel(market_dir / rel))
    dates = check_prices(df, _rel(market_dir / rel))
    df.index = pd.DatetimeIndex(dates, name="Date")
    del df["Date"]
    return df, sha256_bytes(data)


def load_shares(market_dir: Path | None = None) -> pd.DataFrame:
    """SEC cover-page share counts, with the filing each comes from."""
    import pandas as pd

    market_dir = Path(market_dir or paths.MARKET_DIR)
    rel = "shares_outstanding.csv"
    data = _verified_bytes(rel, market_dir, read_manifest(market_dir))
    df = pd.read_csv(io.BytesIO(data), dtype={"shares_outstanding": "int64"})
    if list(df.columns) != SHARES_COLUMNS:
        raise CacheError(f"{_rel(market_dir / rel)}: columns are {list(df.columns)}, expected {SHARES_COLUMNS}. {FIX}")
    if (df["shares_outstanding"] <= 0).any():
        raise CacheError(f"{_rel(market_dir / rel)}: share counts must be positive. {FIX}")
    return df


def verify(market_dir: Path | None = None) -> int:
    """Check every file of the cache against the manifest and the schema; the number of files checked."""
    market_dir = Path(market_dir or paths.MARKET_DIR)
    manifest = read_manifest(market_dir)
    for rel in manifest["files"]:
        if rel.startswith("prices/"):
            data = _verified_bytes(rel, market_dir, manifest)
            check_prices(_read_prices_csv(data, rel), _rel(market_dir / rel))
    load_shares(market_dir)
    listed = {market_dir / rel for rel in manifest["files"]}
    extra = [p for p in (market_dir / "prices").glob("*.csv") if p not in listed]
    if extra:
        raise CacheError(f"{_rel(extra[0])} is not in the manifest. {FIX}")
    return len(manifest["files"])


# --------------------------------------------------------------------------- writing


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` in one step, with the mode a new file gets (mkstemp alone would give 0600):
    concurrent writers never leave a torn or mixed file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_cache(prices: dict[str, tuple[pd.DataFrame, dict]], shares: tuple[bytes, dict],
                market_dir: Path | None = None, note: str = "") -> Path:
    """Replace the cache with ``prices`` ({ticker: (frame, origin)}) and ``shares`` (bytes, origin).

    Everything is written to a temporary sibling folder and validated there; only then is the
    old cache swapped out. Any exception before the swap leaves ``market_dir`` untouched.
    """
    import pandas as pd

    market_dir = Path(market_dir or paths.MARKET_DIR)
    market_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".market-new-", dir=market_dir.parent))
    # mkdtemp makes the folder 0700; the cache it becomes keeps the checkout's mode.
    os.chmod(tmp, stat.S_IMODE(market_dir.stat().st_mode) if market_dir.is_dir() else 0o777 & ~umask())
    try:
        # mkdtemp makes a private (0700) folder, which would become data/market itself after the swap:
        # give it the mode a checkout gives folders (files already get the umask's mode).
        os.chmod(tmp, 0o777 & ~umask())
        (tmp / "prices").mkdir()
        files = {}
        for ticker in sorted(prices, key=lambda t: catalog.SERIES.index(catalog.get(t))):
            frame, origin = prices[ticker]
            s = catalog.get(ticker)
            df = to_schema(frame, s.start)
            rel = f"prices/{s.file_name}"
            check_prices(df, f"new {rel}")
            data = frame_to_csv_bytes(df)
            (tmp / rel).write_bytes(data)
            files[rel] = {
                **describe_file(data, df),
                "tickers": [ticker],
                "series": {
                    "ticker": ticker, "name": s.name, "group": s.group, "market": s.market,
                    "currency": s.currency,
                    "price_basis": origin.get("price_basis", s.price_basis),
                    "columns_present": [c for c in SCHEMA_COLUMNS if df[c].notna().any()],
                },
                "origin": {k: v for k, v in origin.items() if k != "price_basis"},
            }
        shares_bytes, shares_origin = shares
        (tmp / "shares_outstanding.csv").write_bytes(shares_bytes)
        files["shares_outstanding.csv"] = {
            **describe_file(shares_bytes, pd.read_csv(io.BytesIO(shares_bytes))),
            "tickers": sorted(set(pd.read_csv(io.BytesIO(shares_bytes))["ticker"])),
            "origin": shares_origin,
        }
        manifest = {"schema": MANIFEST_SCHEMA, "window": {"start": catalog.START, "end": catalog.END},
                    "note": note, "files": files}
        (tmp / "manifest.json").write_bytes(manifest_bytes(manifest))
        verify(tmp)
        # The swap: two renames, each atomic. A crash between them leaves the old cache in .market-old-*.
        old = None
        if market_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=".market-old-", dir=market_dir.parent))
            old.rmdir()
            market_dir.rename(old)
        tmp.rename(market_dir)
        if old is not None:
            shutil.rmtree(old)
        return market_dir
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def provenance(market_dir: Path | None = None) -> "pd.DataFrame":
    """One row per cached file: what it holds, where it came from, its range and sha256 (for the appendix)."""
    import pandas as pd

    market_dir = Path(market_dir or paths.MARKET_DIR)
    _note_read(market_dir / "manifest.json")
    rows = []
    for rel, e in read_manifest(market_dir)["files"].items():
        o = e["origin"]
        origin = (f"{o['repository']} @ {o['commit'][:10]}: {o['path']}" if o["kind"] == "import" and "repository" in o
                  else f"yfinance {o['yfinance_version']}, retrieved {o['retrieved_at']}" if o["kind"] == "yfinance"
                  else o.get("note", o["kind"]))
        checks = "; ".join(f"{c['source']}: {c['common_days']} days, ≤ {c['max_abs_diff']:.3g}"
                           + (" pp (returns)" if "returns" in c["measure"] else "%") for c in o.get("cross_checks", []))
        rows.append({
            "file": f"data/market/{rel}",
            "series": ", ".join(e["tickers"]),
            "price basis": e.get("series", {}).get("price_basis", ""),
            "range": f"{e['first']}..{e['last']}" if "first" in e else "",
            "rows": e["rows"],
            "origin": origin,
            "cross-checked against": checks or "–",
            "sha256": e["sha256"][:16] + "…",
        })
    return pd.DataFrame(rows)
