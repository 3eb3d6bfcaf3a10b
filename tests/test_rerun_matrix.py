"""Every chapter rerun with the matrix's parameter sets (tests/reruns.py), each made into its page and
opened in chromium: the charts draw, the console is clean, no request leaves the machine, no glued
value reads nan/None/inf or is empty, and no direction word contradicts the sign of the number after
it ("fell -2.1%").

The runs are the ones the chapters' own rerun tests read (one execution per set in the session); the
defaults' page is tests/test_render.py's, and the command-line path (-p strings, the page named in the
log) is tests/test_runner.py's, which runs every command the book shows.
"""
from __future__ import annotations

import re

import pytest

from reruns import CASES, MATRIX, Runs, case_id, session_root
from shockbook import runner
from shockbook.site import render
from test_render import BAD_VALUE, BAD_WORDS, check_page_in_browser
# A direction word, then within a few words a number whose sign says the opposite ("fell -2.1%",
# "rose by -3%"); a level reached ("fell to -18%", "fell as far as -18%") says no direction twice.
CONTRADICTION = re.compile(r"\b(?:fell|dropped|declined|lost|down|rose|gained|climbed|rallied|up)\b"
                           r"(?P<between>[^.;\d]{0,25}?)(?<![A-Za-z])(?P<sign>[-−+])\s?\$?\d", re.I)
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


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    return Runs(session_root(tmp_path_factory))


def test_every_chapter_with_parameters_has_a_matrix():
    assert set(MATRIX) == {p.stem for p in runner.chapters() if runner.declared_parameters(p)}
    assert all(len(sets) >= 2 for sets in MATRIX.values())


@pytest.mark.parametrize("case", CASES, ids=[case_id(*c) for c in CASES])
def test_rerun_reads_true(case, runs, tmp_path, browser):  # noqa: F811
    stem, name = case
    page, _ = render.publish_run(runs.notebook(stem, name), MATRIX[stem][name], 1.0, out_dir=tmp_path)
    text, values = check_page_in_browser(browser, page.as_uri())
    bad = [v for v in values if BAD_VALUE.search(v)]
    assert not bad, f"glued values that say nothing: {bad}"
    word = BAD_WORDS.search(text)
    assert not word, text[max(word.start() - 100, 0):word.end() + 40]
    clashes = contradictions(text)
    assert not clashes, f"direction words that contradict their numbers: {clashes}"


@pytest.mark.parametrize("text, clash", [
    ("Microsoft fell -2.14%, with a low of", True), ("Apple rose -3.2%.", True), ("it was down by -3%", True),
    ("Nvidia fell 16.97% lower", False), ("Apple rose +3.2%.", False), ("servers fell as far as -18.4%", False),
    ("the index fell to -5% at its low", False), ("a month later they were +0.7%", False),
    # a fact marker's id after a word like "start-up" is not a signed number
    ("with the start-up SiliconFlowRSP-04; chip makers", False)])
def test_the_direction_check_itself(text, clash):
    assert bool(contradictions(text)) is clash
