"""The runner: reproducible output, skipping what is unchanged, clear errors for bad parameters."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from shockbook import paths, runner
from shockbook.data import cache


def _book_copy(tmp_path: Path) -> Path:
    """The parts of the book a run needs, copied, so that runs here never touch the real chapters."""
    root = tmp_path / "book"
    for name in ("shockbook", "chapters", "data"):
        shutil.copytree(paths.ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(paths.ROOT / "requirements.txt", root)
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy's package, in this process and in the kernels
    return subprocess.run([sys.executable, "-m", "shockbook", "run", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


def _digest(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "chapters").glob("*.ipynb"))}


def _change_data_file(root: Path, rel: str) -> None:
    """A legitimate data change (as a refresh would make): one volume altered, the manifest updated."""
    path = root / "data" / "market" / rel
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].rstrip("\n").split(",")
    fields[-1] = str(int(fields[-1]) + 1)
    lines[1] = ",".join(fields) + "\n"
    path.write_text("".join(lines))
    manifest_path = root / "data" / "market" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"][rel]["sha256"] = cache.sha256_file(path)
    manifest_path.write_bytes(cache.manifest_bytes(manifest))


def _statuses(stderr: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("[") and ": " in line:
            name, status = line.split("] ", 1)[1].split(": ", 1)
            out[name] = "skipped" if status.startswith("unchanged") else "ran" if status.startswith("done") else out.get(name, status)
    return out


def test_runs_are_byte_identical_and_skip_exactly_what_is_unchanged(tmp_path):
    root = _book_copy(tmp_path)
    first = _run(root, "--force")
    assert first.returncode == 0, first.stderr
    once = _digest(root)
    second = _run(root, "--force")
    assert second.returncode == 0, second.stderr
    assert _digest(root) == once, "two runs gave different notebooks"

    unchanged = _run(root)
    assert set(_statuses(unchanged.stderr).values()) == {"skipped"}, unchanged.stderr

    # Change one data file at a time (and its manifest entry, as a refresh would): exactly the
    # chapters whose recorded reads include that file, or the manifest itself (the appendix), rerun.
    state = json.loads((root / "chapters" / "_run_state.json").read_text())
    for rel in ("prices/2330.TW.csv", "prices/BABA.csv"):
        readers = {ch for ch, entry in state.items()
                   if {f"data/market/{rel}", "data/market/manifest.json"} & set(entry["data"])}
        assert readers and readers != set(state), f"{rel} should be read by some chapters, not all"
        _change_data_file(root, rel)
        statuses = _statuses(_run(root).stderr)
        assert {ch for ch, st in statuses.items() if st == "ran"} == readers, (rel, statuses)
        state = json.loads((root / "chapters" / "_run_state.json").read_text())


def test_run_with_parameters_goes_to_runs_and_leaves_the_chapter_alone(tmp_path):
    root = _book_copy(tmp_path)
    before = _digest(root)
    done = _run(root, "01", "-p", "event_date", "2025-01-21", "-p", "tickers", "AMD")
    assert done.returncode == 0, done.stderr
    assert _digest(root) == before
    out = root / "runs" / "01_shock__event_date-2025-01-21__tickers-AMD.ipynb"
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'tickers = ["AMD"]' in injected[0].source


def test_impossible_parameters_fail_with_a_clear_message(tmp_path):
    root = _book_copy(tmp_path)
    before = _digest(root)
    done = _run(root, "01", "-p", "event_date", "2031-01-05")
    assert done.returncode == 2
    assert "event_date must lie between 2019-05-16 and 2026-08-21; got 2031-01-05" in done.stderr
    assert "The committed chapter is unchanged" in done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(root) == before


def test_unknown_parameter_and_unknown_chapter():
    with pytest.raises(runner.RunError, match="has no parameter 'horizon'; its parameters are: estimation_length, event_date"):
        runner.coerce_parameters(runner.find_chapter("01"), {"horizon": "250"})
    with pytest.raises(runner.RunError, match="'nope' is not a chapter; the chapters are: 01_shock"):
        runner.find_chapter("nope")


def test_malformed_parameter_values(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("window = 250\nrate = 2.0\nflag = True\nnames = ['A']")
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(runner.RunError, match=r"parameter window: '12x' is not int \(the default is 250\)"):
        runner.coerce_parameters(path, {"window": "12x"})
    with pytest.raises(runner.RunError, match="parameter rate: 'two' is not float"):
        runner.coerce_parameters(path, {"rate": "two"})
    with pytest.raises(runner.RunError, match="parameter flag: 'yes' is not bool"):
        runner.coerce_parameters(path, {"flag": "yes"})
    assert runner.coerce_parameters(path, {"window": "120", "rate": "1.5", "flag": "false", "names": "A, B"}) == {
        "window": 120, "rate": 1.5, "flag": False, "names": ["A", "B"]}


def test_normalize_removes_what_changes_between_runs():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("1"))
    nb.metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.0, "input_path": "a",
                                "output_path": "b", "parameters": {}}
    nb.cells[0].metadata["papermill"] = {"start_time": "t"}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "t"}
    out = runner.normalize(nb, "01_shock")
    assert out.metadata["papermill"] == {"parameters": {}}
    assert out.cells[0].id == "01-shock-00" and "papermill" not in out.cells[0].metadata


def _glued(nb_path: Path) -> dict[str, str]:
    """The plain-text value of every glued variable in an executed notebook."""
    out = {}
    for cell in nbformat.read(nb_path, as_version=4).cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = o["data"].get("application/papermill.record/text/plain")
    return out


def test_a_different_rental_rate_changes_the_numbers_in_the_text(tmp_path):
    """Chapter 2 rerun at $3 an hour: every cost the prose quotes at the chapter's rate scales by 3/2."""
    root = _book_copy(tmp_path)
    done = _run(root, "02", "-p", "rental_rate", "3.0")
    assert done.returncode == 0, done.stderr
    base = _glued(root / "chapters" / "02_costs.ipynb")
    rerun = _glued(root / "runs" / "02_costs__rental_rate-3.0.ipynb")
    assert float(rerun["rate"]) == 3.0 and float(base["rate"]) == 2.0
    for name in ("v3_at_rate_musd", "rl_at_rate_kusd", "both_at_rate_musd"):
        assert float(rerun[name]) == pytest.approx(1.5 * float(base[name])), name
    assert rerun["fact_rate"] == base["fact_rate"]  # DeepSeek's own assumption is a fact, not a parameter
