"""The runner under faults: the five ways work was lost or a stale chapter recorded, each made impossible.

Apart from test_runner.py so that pytest-xdist (`make test`) runs the two modules side by side.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from conftest import tree_digest
from shockbook import runner
from shockbook.data import cache
from test_runner import LOAD, TINY, TRIVIAL, _digest, _env, _notebook, _run, _state, _statuses, _tiny_book

# Cell code that changes a data file the way a `make refresh` in another terminal would (the file
# and its manifest entry), once: a marker file says it was done.
CHANGE_DATA_ONCE = '''
import json, pathlib
from shockbook import runner
from shockbook.data import cache
market = pathlib.Path("../data/market")
marker = pathlib.Path("../changed-once")
if not marker.exists():
    marker.touch()
    path = market / "prices/NVDA.csv"
    lines = path.read_text().splitlines(keepends=True)
    fields = lines[1].rstrip("\\n").split(",")
    fields[-1] = str(int(fields[-1]) + 1)
    lines[1] = ",".join(fields) + "\\n"
    path.write_text("".join(lines))
    manifest = json.loads((market / "manifest.json").read_text())
    manifest["files"]["prices/NVDA.csv"]["sha256"] = cache.sha256_file(path)
    (market / "manifest.json").write_bytes(cache.manifest_bytes(manifest))
'''

# Cell code that saves an edit to its own notebook, as a person's editor would while `run` executes it.
EDIT_MYSELF_ONCE = '''
import nbformat, pathlib
marker = pathlib.Path("../edited-once")
if not marker.exists():
    marker.touch()
    nb = nbformat.read("c_edit.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A paragraph written while the chapter ran."))
    nbformat.write(nb, "c_edit.ipynb")
'''


# ----------------------------------------------------------------- the five ways work was lost or went stale


def test_2_a_data_file_changed_during_the_run_is_not_recorded_as_current(tmp_path):
    """The chapter read NVDA.csv, then the file changed: said so, nothing written, not recorded, rerun."""
    chapters = {"c_data": _notebook(LOAD, CHANGE_DATA_ONCE, LOAD, parameters='ticker = "NVDA"')}
    root = _tiny_book(tmp_path, chapters)
    before = _digest(root)
    done = _run(root, "c_data")
    assert done.returncode != 0, done.stderr
    assert "data/market/prices/NVDA.csv changed while the chapter ran" in done.stderr
    assert "not recorded as current" in done.stderr
    assert _digest(root) == before, "a chapter built from a mix of old and new data was written"
    assert "c_data" not in (_state(root) if (root / "chapters/_run_state.json").exists() else {})
    again = _run(root, "c_data")  # the data are stable now: it runs, and is recorded with what it read
    assert _statuses(again.stderr) == {"c_data": "ran"}, again.stderr
    nvda = "data/market/prices/NVDA.csv"
    assert _state(root)["c_data"]["data"][nvda] == cache.sha256_file(root / nvda)
    assert _statuses(_run(root, "c_data").stderr) == {"c_data": "skipped"}


def test_3_a_notebook_edited_during_the_run_is_kept(tmp_path):
    root = _tiny_book(tmp_path, {"c_edit": _notebook(EDIT_MYSELF_ONCE, "1 + 1")})
    done = _run(root, "c_edit")
    assert done.returncode != 0
    assert "chapters/c_edit.ipynb was edited while it ran: your edit is kept" in done.stderr, done.stderr
    nb = nbformat.read(root / "chapters" / "c_edit.ipynb", as_version=4)
    assert nb.cells[-1].source == "A paragraph written while the chapter ran.", "the edit was overwritten"
    assert not (root / "chapters" / "_run_state.json").exists() or "c_edit" not in _state(root)
    again = _run(root, "c_edit")
    assert _statuses(again.stderr) == {"c_edit": "ran"}, again.stderr
    assert nbformat.read(root / "chapters" / "c_edit.ipynb", as_version=4).cells[-1].cell_type == "markdown"


def test_4_a_damaged_run_state_is_named_and_rebuilt(tmp_path):
    root = _tiny_book(tmp_path, {"a_trivial": TRIVIAL})
    state_file = root / "chapters" / "_run_state.json"
    for damage in ("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n", '{"a_trivial": {"sour'):
        state_file.write_text(damage)
        done = _run(root)
        assert done.returncode == 0, done.stderr
        said = [line for line in done.stderr.splitlines() if "_run_state.json" in line]
        assert len(said) == 1 and said[0].startswith("chapters/_run_state.json is damaged (") and "rebuilt" in said[0]
        assert set(_state(root)) == {"a_trivial"}
    assert set(_statuses(_run(root).stderr).values()) == {"skipped"}


def test_4_a_truncated_notebook_is_named_with_the_fix(tmp_path):
    root = _tiny_book(tmp_path, {"a_trivial": TRIVIAL, "b_prices": TINY["b_prices"]})
    chapter = root / "chapters" / "b_prices.ipynb"
    chapter.write_bytes(chapter.read_bytes()[:200])
    before = tree_digest(root / "chapters")
    done = _run(root)
    assert done.returncode == 2
    assert ("error: chapters/b_prices.ipynb is not a readable notebook (" in done.stderr
            and "Fix: restore it with `git checkout -- chapters/b_prices.ipynb`" in done.stderr), done.stderr
    assert _statuses(done.stderr)["a_trivial"] == "ran"  # the other chapters still run
    assert {k: v for k, v in tree_digest(root / "chapters").items() if "b_prices" in k} == \
        {k: v for k, v in before.items() if "b_prices" in k}


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat_file.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _is_kernel(pid: int) -> bool:
    """A launched kernel (ipykernel_launcher) or one forked by a kernel factory (shockbook.kernels),
    whose command line is its factory's."""
    try:
        mine = Path(f"/proc/{pid}/cmdline").read_bytes()
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        parents = Path(f"/proc/{parent}/cmdline").read_bytes()
    except OSError:
        return False
    return b"ipykernel" in mine or (b"shockbook.kernels" in mine and b"shockbook.kernels" in parents)


def _living(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_5_a_killed_run_leaves_no_workers_and_no_temporary_folders(tmp_path):
    sleeper = _notebook("import time\ntime.sleep(120)")
    root = _tiny_book(tmp_path, {"a_trivial": TRIVIAL, "d_sleep": sleeper, "e_sleep": sleeper})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp / "shockbook-run-999999999-stale").mkdir()  # left by a run whose process is long gone
    proc = subprocess.Popen([sys.executable, "-m", "shockbook", "run", "d_sleep", "e_sleep", "--jobs", "2"],
                            cwd=root, env=_env(root, TMPDIR=str(tmp)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until both kernels are up
            family |= _descendants(proc.pid)
            kernels = [p for p in _living(family) if _is_kernel(p)]
            if len(kernels) == 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run did not start its two kernels")
        family |= _descendants(proc.pid)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 15
        while _living(family) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _living(family), "workers or kernels outlived the killed runner"
    finally:
        for pid in _living(family):
            os.kill(pid, signal.SIGKILL)
    # The next run clears what the killed one (and the older one) left in the temporary folder.
    done = _run(root, "a_trivial", TMPDIR=str(tmp))
    assert done.returncode == 0, done.stderr
    assert list(tmp.glob("shockbook-run-*")) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_zombies_temporary_folder_is_stale(tmp_path, monkeypatch):
    """A killed runner's worker that nothing reaps stays a zombie (this machine's first process reaps
    none): its folder must still be cleared, or test 5 fails whenever a worker ends as one."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _is_zombie(child.pid):
        time.sleep(0.05)
    assert _is_zombie(child.pid), "the child should be a zombie until it is waited for"
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        (tmp_path / f"{runner.TMP_PREFIX}{child.pid}-x").mkdir()
        (tmp_path / f"{runner.TMP_PREFIX}{os.getpid()}-mine").mkdir()
        assert [p.name for p in runner.clean_stale_temporary_folders()] == [f"{runner.TMP_PREFIX}{child.pid}-x"]
        assert (tmp_path / f"{runner.TMP_PREFIX}{os.getpid()}-mine").is_dir()
    finally:
        child.wait()


def _is_zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
