"""Where things live. Every path in the package is derived from the repository root."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
MARKET_DIR = DATA_DIR / "market"
PRICES_DIR = MARKET_DIR / "prices"
MANIFEST = MARKET_DIR / "manifest.json"
SHARES_FILE = MARKET_DIR / "shares_outstanding.csv"
CHAPTERS_DIR = ROOT / "chapters"
CHART_WIDTHS_DIR = CHAPTERS_DIR / "chart-widths"  # committed: the drawn width of every chart (site.charts)
CHART_COPIES_DIR = CHAPTERS_DIR / "chart-copies"  # committed: the Chinese edition's static SVGs (runner)
RUNS_DIR = ROOT / "runs"

# The raw, cross-checked inputs sit beside the repository (see ../shared/data/raw/SOURCES.md).
SHARED_DIR = Path(os.environ.get("SHOCKBOOK_SHARED", ROOT.parent / "shared"))


def rel(path) -> str:
    """``path`` relative to the repository root for messages (as given when it lies outside)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
