"""Helpers for the rerun matrices: execute a chapter with a reader's parameters into a temporary
folder (one kernel run per parameter set) and read back what its prose would show."""
from __future__ import annotations

import re
from pathlib import Path

from shockbook import paths, runner
from shockbook.site import outputs, words

BAD = re.compile(r"\b(nan|NaN|None|inf|-inf)\b")


def execute(stem: str, params: dict, out_dir: Path) -> dict[str, str]:
    """{glue key: the text it shows} for one run of chapter ``stem`` with ``params``."""
    out = out_dir / f"{stem}.ipynb"
    runner.execute(paths.CHAPTERS_DIR / f"{stem}.ipynb", params, out)
    texts = {}
    for key, bundle in outputs.glued(out).items():
        text = bundle.get("text/markdown") or bundle.get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        texts[key] = text
    return texts


def problems(texts: dict[str, str]) -> list[str]:
    """Glued values a reader would see as nan/None/inf or as nothing (charts and tables excepted)."""
    out = []
    for key, text in texts.items():
        if key.startswith(("fig-", "tbl-")):
            continue
        if text is None or text.strip().strip("'\"") == "":
            out.append(f"{key}: empty")
        elif BAD.search(text):
            out.append(f"{key}: {text[:80]!r}")
    return out


def contradictions(texts: dict[str, str], pairs: dict[str, str]) -> list[str]:
    """Direction words (key -> the number they describe) that disagree with the number's sign."""
    out = []
    for word_key, number_key in pairs.items():
        word = texts[word_key].strip("'")
        x = float(texts[number_key])
        expected = words.word(words.direction(x))
        if word != expected:
            out.append(f"{word_key}={word!r} but {number_key}={x:+.3f}")
    return out
