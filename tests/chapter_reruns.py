"""Helpers for the rerun matrices: execute a chapter with a parameter set, read back what it glued.

Used by a module-scoped fixture in each chapter's tests, so each parameter set costs one kernel run.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from shockbook import paths, runner
from shockbook.site import outputs

BAD_TEXT = re.compile(r"\b(nan|NaN|None|inf|-inf|Infinity)\b")


def execute(stem: str, params: dict, out_dir: Path) -> dict[str, dict]:
    """Run ``chapters/<stem>.ipynb`` with ``params`` into ``out_dir``; its glued outputs by key."""
    out = out_dir / f"{stem}.ipynb"
    runner.execute(paths.CHAPTERS_DIR / f"{stem}.ipynb", params, out)
    return outputs.glued(out)


def text(bundle: dict) -> str:
    """A glued value's plain text, without the quotes a string's repr carries."""
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
        shown = bundle.get("text/markdown") or bundle.get("text/html") or text(bundle)
        if not str(shown).strip() or BAD_TEXT.search(str(shown)):
            bad.append(key)
            continue
        try:
            if not math.isfinite(float(text(bundle))):
                bad.append(key)
        except ValueError:
            pass  # not a number
    return bad
