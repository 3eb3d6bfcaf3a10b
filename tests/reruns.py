"""The rerun matrix: every chapter executed with a few parameter sets, each set once per test session.

One matrix, one execution per (chapter, set), shared by every test and every pytest-xdist worker that
asks for it (a lock per run, in the session's common temporary folder): the chapters' own rerun tests
read its glued values, tests/test_rerun_matrix.py opens its page in chromium. The defaults are never
executed here: the committed chapter is that run, nbval proves it still comes out, and
tests/test_render.py opens its page.

The sets are the edges of each parameter's valid range (computed from the data where the data set
them), one series or group alone, other market proxies and extreme but valid numbers. The example
each chapter's "Rerun this chapter" box prints is run as shown, from the command line, by
tests/test_runner.py, which checks its numbers the same way (bad_values).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd

from shockbook import paths, runner
from shockbook.chapters import ch1_shock, ch4_response, ch5_geopolitics
from shockbook.data import catalog
from shockbook.site import outputs

BAD_TEXT = re.compile(r"\b(nan|NaN|None|inf|-inf|Infinity)\b")


def box_command(stem: str) -> dict[str, str]:
    """The -p pairs of the command a chapter's "Rerun this chapter" box shows, as typed on the command line."""
    nb = nbformat.read(paths.CHAPTERS_DIR / f"{stem}.ipynb", as_version=4)
    box = next(c.source for c in nb.cells if c.cell_type == "markdown" and "Rerun this chapter" in c.source)
    words = next(ln for ln in box.splitlines() if ln.startswith(f"python -m shockbook run {stem[:2]}")).split()
    return {words[i + 1]: words[i + 2] for i, w in enumerate(words) if w == "-p"}


def _ch1_range() -> tuple[str, str]:
    """The first and last event dates the default tickers allow (the box states the same range)."""
    d = ch1_shock.Params.defaults()
    first, last = ch1_shock.study_range(d["tickers"], d["market_proxy"], ch1_shock.Params().design())
    return f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"


def _matrix() -> dict[str, dict[str, dict]]:
    earliest, latest = _ch1_range()
    ch5_shortest_end = pd.Timestamp(catalog.START) + pd.Timedelta(days=ch5_geopolitics.MIN_SPAN_DAYS)
    return {
        "01_shock": {
            "earliest": {"event_date": earliest},
            "latest": {"event_date": latest},
            "before GE Vernova listed, Dow proxy": {"event_date": "2024-02-23", "tickers": ["NVDA", "AVGO"],
                                                    "market_proxy": "^DJI"},
            "Nasdaq proxy, longer estimation, window around the day": {
                "tickers": ["NVDA", "AAPL"], "market_proxy": "^IXIC", "estimation_length": 60, "gap": 0,
                "window": [-1, 1]},
            "extremes": {"tickers": ["NVDA", "AMD", "VST"], "market_proxy": "SPY", "estimation_length": 30, "gap": 0,
                         "window": [0, 0]},
        },
        "02_costs": {
            "cheap and tiny": dict(rental_rate=0.5, gpu_hours=1.0, input_tokens=0, output_tokens=1,
                                   cache_hit_share=1.0, tasks=1, output_ratio=0.1),
            "dear and huge": dict(rental_rate=20.0, gpu_hours=1e9, input_tokens=10_000_000, output_tokens=0,
                                  cache_hit_share=0.5, tasks=1_000_000_000, output_ratio=10.0),
        },
        "03_skepticism": {
            "one dear GPU, barely used": dict(rental_rate=0.5, gpu_unit_price=200_000.0, fleet_size=1,
                                              utilisation=0.0001, overhead_multiplier=5.0, years=0.1,
                                              china_premium=3.0),
            "two million cheap GPUs": dict(rental_rate=20.0, gpu_unit_price=1.0, fleet_size=2_000_000,
                                           utilisation=1.0, overhead_multiplier=1.0, years=10.0),
            # both articles' figures nearest the reader's fleet: 10,000 x $130,000 = $1.3B bought, and the
            # same 10,000 rented at $2 for 3.42% of a year is about $6M
            "one fleet nearest both figures": dict(fleet_size=10_000, gpu_unit_price=130_000.0, utilisation=0.0342),
        },
        "04_response": {
            "earliest end, one-session window, lowest threshold": {
                "end_date": ch4_response.earliest_end_date().strftime("%Y-%m-%d"), "shock_window_sessions": 1,
                "recovery_threshold_pct": -50.0},
            "latest end, widest window, highest threshold, other groups": {
                "end_date": catalog.END, "shock_window_sessions": 60, "recovery_threshold_pct": 50.0,
                "us_groups": ["Software and other tech"], "china_groups": ["Japan"]},
            "one group each": {"us_groups": ["Power"], "china_groups": ["Hong Kong"]},
        },
        "05_geopolitics": {
            "one ticker, one session, a recent window": {
                "compare_tickers": ["SMH"], "reaction_sessions": 1, "start_date": "2025-01-02",
                "end_date": "2025-12-31"},
            "the earliest shortest window, longest reactions, other series": {
                "start_date": catalog.START, "end_date": f"{ch5_shortest_end:%Y-%m-%d}",
                "compare_tickers": ["NVDA", "0700.HK"], "reaction_sessions": 60, "us_series": ["^VIX"],
                "china_series": ["000300.SS"]},
            "Tokyo and Taipei, other sides": {
                "compare_tickers": ["9984.T", "2330.TW"], "us_series": ["AAPL"], "china_series": ["688256.SS"],
                "start_date": "2024-07-01", "end_date": "2025-12-31"},
        },
        "06_claims": {
            "loose tolerance, one article": {"close_factor": 5.0, "articles": ["jrj2025"]},
            "tightest tolerance": {"close_factor": 1.0},
        },
    }


MATRIX = _matrix()
CASES = [(stem, name) for stem, sets in MATRIX.items() for name in sets]


def case_id(stem: str, name: str) -> str:
    return f"{stem[:2]}-{name}"


class Runs:
    """Executed reruns in ``root`` (one folder per case), made on first request, under a lock."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def notebook(self, stem: str, name: str) -> Path:
        """The executed notebook of chapter ``stem`` with the matrix's set ``name``."""
        folder = self.root / re.sub(r"[^\w.-]+", "-", case_id(stem, name))
        out = folder / f"{stem}.ipynb"
        folder.mkdir(exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker executing the same case: wait for its result
            if not out.exists():
                runner.execute(paths.CHAPTERS_DIR / f"{stem}.ipynb", MATRIX[stem][name], out)
        return out

    def glued(self, stem: str, name: str) -> dict[str, dict]:
        return outputs.glued(self.notebook(stem, name))

    def command(self, command: str) -> tuple[subprocess.CompletedProcess, Path]:
        """A ``python -m shockbook run NN -p ...`` command the book shows, run once a session as a reader
        types it, with only ``--out`` added (a folder of its own, ``runs/`` in the returned folder).

        tests/test_runner.py runs every shown command; tests/test_render.py opens the page the README's
        example makes: one execution serves both. Whether the run changed ``chapters/`` or ``data/`` is
        recorded around the execution itself (``untouched``, in the returned process's ``untouched``)."""
        words = shlex.split(command)
        assert words[:4] == ["python", "-m", "shockbook", "run"] and "-p" in words, command
        folder = self.root / f"cmd-{hashlib.sha256(command.encode()).hexdigest()[:16]}"
        folder.mkdir(exist_ok=True)
        result = folder / "result.json"
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker running the same command: wait for its result
            if not result.exists():
                from conftest import tree_digest

                argv = [sys.executable, "-m", "shockbook", *words[3:], "--out", str(folder / "runs")]
                env = {**os.environ, "PYTHONPATH": str(paths.ROOT), "SHOCKBOOK_SHARED": str(paths.SHARED_DIR)}
                before = {name: tree_digest(paths.ROOT / name) for name in ("chapters", "data")}
                done = subprocess.run(argv, cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=900)
                untouched = before == {name: tree_digest(paths.ROOT / name) for name in ("chapters", "data")}
                result.write_text(json.dumps({"command": command, "argv": argv, "returncode": done.returncode,
                                              "stdout": done.stdout, "stderr": done.stderr, "untouched": untouched}))
        saved = json.loads(result.read_text())
        assert saved["command"] == command, (saved["command"], command)
        done = subprocess.CompletedProcess(saved["argv"], saved["returncode"], saved["stdout"], saved["stderr"])
        done.untouched = saved["untouched"]
        return done, folder


def session_root(tmp_path_factory) -> Path:
    """The folder every xdist worker of this session shares (each worker's own base is one level down)."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "reruns"


# ------------------------------------------------------------------ reading what a run glued


def text(bundle: dict) -> str:
    """A glued value as the prose shows it: markdown as is, plain text without a string's quotes."""
    if "text/markdown" in bundle:
        md = bundle["text/markdown"]
        return "".join(md) if isinstance(md, list) else md
    t = str(bundle.get("text/plain", ""))
    return t[1:-1] if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"" else t


def number(bundle: dict) -> float:
    return float(text(bundle))


def bad_values(glued: dict[str, dict]) -> list[str]:
    """Keys whose text is empty, or says nan/None/inf, or is a non-finite number; tables and markdown included."""
    bad = []
    for key, bundle in glued.items():
        if "text/html" in bundle and key.startswith("fig-"):
            continue  # charts: their data are checked by the figure tests
        shown = bundle.get("text/html") if "text/markdown" not in bundle and "text/html" in bundle else text(bundle)
        if not str(shown).strip() or BAD_TEXT.search(str(shown)):
            bad.append(key)
            continue
        try:
            if not math.isfinite(float(text(bundle))):
                bad.append(key)
        except ValueError:
            pass  # not a number
    return bad
