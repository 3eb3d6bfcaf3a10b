"""Every chapter rerun with several parameter sets (tests/rerun_matrix.json), each made into its page
and opened in chromium: the run succeeds, the charts draw, the console is clean, no request leaves
the machine, no glued value reads nan/None/inf or is empty, and no direction word contradicts the
sign of the number after it ("fell -2.1%").

Each case executes a chapter (10-30 s); the whole matrix takes minutes.
"""
from __future__ import annotations

import json
import re

import pytest

from shockbook import paths, runner
from test_render import BAD_VALUE, BAD_WORDS, browser, check_page_in_browser  # noqa: F401  (browser: a fixture)

MATRIX = json.loads((paths.ROOT / "tests" / "rerun_matrix.json").read_text(encoding="utf-8"))
CASES = [(chapter, params) for chapter, sets in MATRIX.items() if not chapter.startswith("_") for params in sets]
# A direction word, then within a few words a number whose sign says the opposite ("fell -2.1%",
# "rose by -3%"); a level reached ("fell to -18%", "fell as far as -18%") says no direction twice.
CONTRADICTION = re.compile(r"\b(?:fell|dropped|declined|lost|down|rose|gained|climbed|rallied|up)\b"
                           r"(?P<between>[^.;\d]{0,25}?)(?P<sign>[-−+])\s?\$?\d", re.I)
FALLING = re.compile(r"^(fell|dropped|declined|lost|down)", re.I)
LEVEL = re.compile(r"\b(to|as far as|at|of)\s*$", re.I)


def contradictions(text: str) -> list[str]:
    out = []
    for m in CONTRADICTION.finditer(text):
        if LEVEL.search(m.group("between")):
            continue
        falling, negative = bool(FALLING.match(m.group(0))), m.group("sign") in "-−"
        if falling or negative:  # "fell -2%", "fell +2%", "rose -2%"; only "rose +2%" agrees with itself
            out.append(text[max(m.start() - 60, 0):m.end() + 30])
    return out


def case_id(case) -> str:
    chapter, params = case
    return chapter[:2] + ("-" + "-".join(f"{k}={v}" for k, v in params.items()) if params else "-defaults")


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rerun_reads_true(case, tmp_path, browser):  # noqa: F811
    chapter, params = case
    assert (paths.CHAPTERS_DIR / f"{chapter}.ipynb").exists(), f"{chapter} is in rerun_matrix.json but not a chapter"
    lines = []
    runner.run([chapter], params, out_dir=tmp_path, log=lambda *a, **k: lines.append(" ".join(map(str, a))))
    pages = [p for p in tmp_path.glob("*.html")]
    assert len(pages) == 1 and any(pages[0].name in line for line in lines if line.startswith("Open ")), lines
    text, values = check_page_in_browser(browser, pages[0].as_uri())
    bad = [v for v in values if BAD_VALUE.search(v)]
    assert not bad, f"glued values that say nothing: {bad}"
    word = BAD_WORDS.search(text)
    assert not word, text[max(word.start() - 100, 0):word.end() + 40]
    clashes = contradictions(text)
    assert not clashes, f"direction words that contradict their numbers: {clashes}"


@pytest.mark.parametrize("text, clash", [
    ("Microsoft fell -2.14%, with a low of", True), ("Apple rose -3.2%.", True), ("it was down by -3%", True),
    ("Nvidia fell 16.97% lower", False), ("Apple rose +3.2%.", False), ("servers fell as far as -18.4%", False),
    ("the index fell to -5% at its low", False), ("a month later they were +0.7%", False)])
def test_the_direction_check_itself(text, clash):
    assert bool(contradictions(text)) is clash
