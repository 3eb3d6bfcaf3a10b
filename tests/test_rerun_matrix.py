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
# A direction word, then within a few words a number whose sign says the opposite.
CONTRADICTION = re.compile(r"\b(?:(?:fell|dropped|declined|lost|down)\b[^.;\d]{0,25}?[-−]\s?\$?\d"
                           r"|(?:rose|gained|climbed|rallied|up)\b[^.;\d]{0,25}?[-−]\s?\$?\d)", re.I)


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
    clash = CONTRADICTION.search(text)
    assert not clash, f"a direction word contradicts its number: {text[max(clash.start() - 60, 0):clash.end() + 30]!r}"
