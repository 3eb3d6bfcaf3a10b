"""Chapter 1 rerun with several valid parameter sets: every number the prose shows is there and
finite, and no direction word contradicts the sign of what it describes.

The parameter sets are chapter 1's in the one rerun matrix (tests/reruns.py): each is executed once
in the session and shared with the page tests.
"""
from __future__ import annotations

import ast
import re

import nbformat
import pandas as pd
import pytest

from reruns import MATRIX, Runs, box_command, session_root
from shockbook import paths
from shockbook.chapters import ch1_shock as ch1
from shockbook.data import catalog
from shockbook.site import outputs

NOTEBOOK = paths.CHAPTERS_DIR / "01_shock.ipynb"
ROLE = re.compile(r"\{glue:(text|md)\}`([^`:]+)(?::([^`]+))?`")
DIRECTIVE = re.compile(r"```\{glue:(md)\} (\S+)\n(?::format: myst\n)?```()")


SETS = {"defaults": {}, **MATRIX["01_shock"]}


@pytest.fixture(scope="module", params=list(SETS), ids=list(SETS))
def run(request, tmp_path_factory):
    """(name, executed notebook, glued values): the committed chapter for the defaults, else the matrix's run."""
    name = request.param
    ch1.Params(**{**ch1.Params.defaults(), **SETS[name]})  # valid, or the matrix itself is wrong
    out = NOTEBOOK if name == "defaults" else Runs(session_root(tmp_path_factory)).notebook("01_shock", name)
    return name, nbformat.read(out, as_version=4), outputs.glued(out)


def _text(bundle: dict, fmt: str | None) -> str:
    plain = bundle.get("text/plain", "")
    try:
        value = ast.literal_eval(plain)
    except (ValueError, SyntaxError):
        return plain
    if fmt and isinstance(value, (int, float)):
        return format(value, fmt)
    return str(value)


def rendered_prose(nb, glued) -> str:
    """The chapter's markdown with each glue role replaced by the text it shows."""
    def sub(m):
        kind, key, fmt = m.groups()
        assert key in glued, f"the prose uses {key!r}, which the chapter did not glue"
        if kind == "md":
            return glued[key].get("text/markdown", "")
        return _text(glued[key], fmt)
    return "\n".join(DIRECTIVE.sub(sub, ROLE.sub(sub, c.source)) for c in nb.cells if c.cell_type == "markdown")


def test_every_glued_number_in_the_prose_is_there_and_finite(run):
    name, nb, glued = run
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for m in [*ROLE.finditer(prose), *DIRECTIVE.finditer(prose)]:
        kind, key, fmt = m.groups()
        assert key in glued, (name, key)
        shown = _text(glued[key], fmt) if kind == "text" else glued[key].get("text/markdown", "")
        assert shown.strip(), (name, key, "empty")
        assert not re.search(r"\b(nan|None|inf)\b", shown), (name, key, shown)
    for key, bundle in glued.items():  # also those only in tables and captions
        plain = bundle.get("text/plain", "")
        assert not re.fullmatch(r"'?(nan|None|inf|-inf)?'?", plain.strip()), (name, key, plain)


def test_direction_words_agree_with_the_data(run):
    name, nb, glued = run
    given = {**ch1.Params.defaults(), **SETS[name]}
    text = rendered_prose(nb, glued)
    # The worst-hit asset on the event day, from the raw CSVs.
    day = pd.Timestamp(given["event_date"])
    moves = {}
    for t in catalog.tickers(market="US"):
        if t == "^VIX":
            continue
        p = pd.read_csv(paths.MARKET_DIR / "prices" / catalog.get(t).file_name, index_col="Date",
                        parse_dates=True)["Close"]
        if day in p.index and p.index[0] < day:
            moves[t] = (p[day] / p[:day].iloc[-2] - 1) * 100
    worst = min(moves, key=moves.get)
    word = "down" if moves[worst] < 0 else "up"
    assert f"was {catalog.get(worst).name}, {word} {abs(moves[worst]):.1f}%" in text, name
    # What became of the chip makers' move a month later.
    if "chips_1m" in glued:
        d1, m1 = (ast.literal_eval(glued[k]["text/plain"]) for k in ("chips_1d", "chips_1m"))
        trend = re.search(r"move had (\w+)\.", text).group(1)
        holds = {"held": abs(m1 - d1) < 1, "reversed": d1 * m1 < 0, "deepened": m1 < d1 < 0,
                 "eased": d1 < m1 < 0, "extended": m1 > d1 > 0, "faded": 0 < m1 < d1}
        assert holds[trend], (name, trend, d1, m1)
    else:
        assert "The data end before" in text or "the data end before" in text
    # The basket's sentence: "only" when the adjustment shrinks the statistic.
    if "t_kp0" in glued:
        t_bmp, t_kp = (ast.literal_eval(glued[k]["text/plain"]) for k in ("t_bmp0", "t_kp0"))
        assert ("but only" in text) == (abs(t_kp) < abs(t_bmp)), name
    else:
        assert "there is no basket to test" in text, name


def test_story_sentences_keep_the_storys_numbers(run):
    name, nb, glued = run
    text = rendered_prose(nb, glued)
    assert "On 27 January 2025 the damage followed the supply chain" in text
    assert _text(glued["nvda_drop"], ".2f") == "16.97"  # NVDA 142.62 -> 118.42 on 27 January 2025


def test_the_box_command_is_one_the_chapter_accepts():
    given = box_command("01_shock")
    assert given, "the box shows no -p parameters"
    ch1.Params(**{**ch1.Params.defaults(), **ch1.Params.parse_cli(given)})
