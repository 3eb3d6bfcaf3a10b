"""Every chapter has the same face: a Params declared once, matching its notebook, and no chapter
module importing another."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import nbformat
import pytest

from shockbook import chapters, params, paths, runner
from shockbook.chapters import _template

CHAPTER_FILES = sorted((paths.ROOT / "shockbook" / "chapters").glob("*.py"))


def _notebook_parameters(nb_path: Path) -> dict:
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    out = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def _with_params():
    out = []
    for stem in chapters.MODULES:
        module = chapters.module_for(stem)
        if module is not None and hasattr(module, "Params"):
            out.append((stem, module))
    return out


@pytest.mark.parametrize("stem,module", _with_params(), ids=[s for s, _ in _with_params()])
def test_the_notebook_declares_exactly_the_chapters_params(stem, module):
    assert _notebook_parameters(paths.CHAPTERS_DIR / f"{stem}.ipynb") == module.Params.defaults()


@pytest.mark.parametrize("stem,module", _with_params(), ids=[s for s, _ in _with_params()])
def test_papermill_reads_every_parameter_of_the_cell(stem, module):
    """papermill's own reading of the parameters cell (it skips a line it cannot parse, with only a log
    warning: a comment with "=" in it did that to chapter 2's output_ratio)."""
    assert set(runner.declared_parameters(paths.CHAPTERS_DIR / f"{stem}.ipynb")) == set(module.Params.defaults())


@pytest.mark.parametrize("stem,module", _with_params(), ids=[s for s, _ in _with_params()])
def test_params_are_frozen_and_the_defaults_pass_their_own_checks(stem, module):
    p = module.Params()
    assert dataclasses.is_dataclass(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(p, dataclasses.fields(p)[0].name, None)
    assert all(row["help"] and row["valid"] for row in module.Params.table())


@pytest.mark.parametrize("path", CHAPTER_FILES, ids=[p.stem for p in CHAPTER_FILES])
def test_no_chapter_module_imports_another(path):
    tree = ast.parse(path.read_text())
    others = {p.stem for p in CHAPTER_FILES} - {path.stem, "__init__"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            named = {a.name for a in node.names}
            assert not (node.module == "shockbook.chapters" and named & others), f"{path.name} imports {named & others}"
            assert node.module.rpartition(".")[2] not in others, f"{path.name} imports {node.module}"


def test_the_template_section_returns_its_numbers_tables_and_figures():
    s = _template.the_day(_template.Params())
    assert s.value("tmpl_direction") == "fell"
    assert s.value("tmpl_day") == "27 January 2025"
    assert s.numbers["tmpl_pct"] == pytest.approx(16.968, abs=1e-3)  # NVDA 142.62 -> 118.42
    assert set(s.tables) == {"tbl-tmpl-closes-table"} and set(s.figures) == {"fig-tmpl-chart"}


def test_the_template_follows_its_parameters_and_chooses_its_words_from_the_data():
    s = _template.the_day(_template.Params(ticker="NVDA", day="2025-01-28"))  # the rebound
    assert s.value("tmpl_direction") == "rose"


def test_command_line_values_are_parsed_and_checked_by_the_same_declaration():
    assert _template.Params.parse_cli({"ticker": "AMD"}) == {"ticker": "AMD"}
    with pytest.raises(ValueError, match="ticker"):
        _template.Params.parse_cli({"ticker": "NOPE"})
    with pytest.raises(ValueError, match="no parameter 'nope'"):
        _template.Params.parse_cli({"nope": "1"})
    with pytest.raises(runner.RunError, match="_template: .*day"):
        runner.coerce_parameters(paths.CHAPTERS_DIR / "_template.ipynb", {"day": "27/01/2025"})


def test_list_parameters_accept_the_forms_readers_write():
    assert params.TICKERS.parse("NVDA, AMD") == ["NVDA", "AMD"]
    assert params.TICKERS.parse("['NVDA', 'AMD']") == ["NVDA", "AMD"]
    assert params.WHOLES.parse("-5,5") == [-5, 5]
    with pytest.raises(ValueError):
        params.WHOLES.parse("a,b")
