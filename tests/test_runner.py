"""The runner: reproducible output, skipping exactly what is unchanged, clear errors, and no lost or
stale work under faults (data or a notebook changed mid-run, a damaged state file, a killed run).

Runner mechanics are tested on tiny chapters in a copy of the book (a kernel start each, not a real
chapter's minutes); the real chapters are run by nbval and by the examples test at the end, which
runs every command the README and the chapters' parameter cells show.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from shockbook import __main__ as cli
from shockbook import paths, runner
from shockbook.data import cache
from conftest import tree_digest
from reruns import Runs, bad_values, session_root
from shockbook.site import outputs

KERNEL_NOISE = ("Kernel is running over TCP", "KeyboardInterrupt caught in kernel", "Traceback")


# ----------------------------------------------------------------- a book with tiny chapters


def _notebook(*cells: str, parameters: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(c) for c in cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


LOAD = "from shockbook.data import cache\nprint(ticker, len(cache.load_prices(ticker)))"

FIGURE = '''
import os, pathlib
folder = pathlib.Path(os.environ["SHOCKBOOK_FIGDATA"]); folder.mkdir(exist_ok=True)
(folder / "fig-a_prices-1.csv").write_text("x,y\\n1,2\\n")
'''

TRIVIAL = _notebook("1 + 1")

TINY = {
    "a_prices": _notebook(LOAD, FIGURE, parameters='ticker = "NVDA"'),
    "b_prices": _notebook(LOAD, parameters='ticker = "BABA"'),
}


def _tiny_book(tmp_path: Path, chapters: dict[str, nbformat.NotebookNode] = TINY) -> Path:
    """A copy of the book's code and data with tiny chapters, so runs never touch the real ones."""
    root = tmp_path / "book"
    for name in ("shockbook", "data"):
        shutil.copytree(paths.ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(paths.ROOT / "requirements.txt", root)
    (root / "chapters").mkdir()
    for stem, nb in chapters.items():
        nbformat.write(nb, root / "chapters" / f"{stem}.ipynb")
    return root


def _env(root: Path, **extra: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(root), **extra}  # the copy's package, here and in the kernels


def _run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "shockbook", "run", *args], cwd=root, env=_env(root, **env),
                          capture_output=True, text=True, timeout=600)
    return done


def _assert_quiet(done: subprocess.CompletedProcess) -> None:
    """No kernel chatter (ipykernel's TCP warning, 'KeyboardInterrupt caught in kernel') and no traceback."""
    for noise in KERNEL_NOISE:
        assert noise not in done.stderr, done.stderr


def _digest(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / "chapters").glob("*.ipynb"))}


def _statuses(stderr: str) -> dict[str, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("[") and ": " in line:
            name, status = line.split("] ", 1)[1].split(": ", 1)
            out[name] = ("skipped" if status.startswith("unchanged") else "ran" if status.startswith("done")
                         else "failed" if status.startswith("failed") else out.get(name, status))
    return out


def _state(root: Path) -> dict:
    return json.loads((root / "chapters" / "_run_state.json").read_text())


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


# ----------------------------------------------------------------- the mechanics


def test_runs_are_byte_identical_and_skip_exactly_what_is_unchanged(tmp_path):
    root = _tiny_book(tmp_path)
    chapter = root / "chapters" / "a_prices.ipynb"
    chapter.chmod(0o664)
    first = _run(root, "--force")  # two chapters side by side (worker processes)
    assert first.returncode == 0, first.stderr
    _assert_quiet(first)
    once = _digest(root)
    # File modes: mkstemp makes 0600 files; a rewritten chapter keeps its mode, new files get the umask's.
    expected_new = 0o666 & ~cache.umask()
    assert stat.S_IMODE(chapter.stat().st_mode) == 0o664
    assert stat.S_IMODE((root / "chapters" / "_run_state.json").stat().st_mode) == expected_new
    assert stat.S_IMODE((root / "chapters" / "figdata" / "fig-a_prices-1.csv").stat().st_mode) == expected_new
    second = _run(root, "--force", "--jobs", "1")
    assert second.returncode == 0, second.stderr
    _assert_quiet(second)
    assert _digest(root) == once, "two runs gave different notebooks"

    unchanged = _run(root, "--jobs", "1")
    assert _statuses(unchanged.stderr) == {"a_prices": "skipped", "b_prices": "skipped"}, unchanged.stderr

    # What is recorded is the hash of the bytes each chapter read.
    state = _state(root)
    nvda = "data/market/prices/NVDA.csv"
    assert state["a_prices"]["data"][nvda] == cache.sha256_file(root / nvda)
    assert "data/market/prices/NVDA.csv" not in state["b_prices"]["data"]

    # Change one data file at a time: exactly the chapter that read it reruns.
    for rel, reader in (("prices/BABA.csv", "b_prices"), ("prices/NVDA.csv", "a_prices")):
        _change_data_file(root, rel)
        statuses = _statuses(_run(root, "--jobs", "1").stderr)
        assert statuses == {reader: "ran", ({"a_prices", "b_prices"} - {reader}).pop(): "skipped"}, (rel, statuses)

    # With the manifest gone, an up-to-date chapter is not "skipped": nothing could verify its data.
    (root / "data" / "market" / "manifest.json").unlink()
    done = _run(root, "a_prices")
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: data/market/manifest.json is missing, so no chapter can verify its data. "
                                   "Fix: restore it with `git checkout -- data/market`, or rebuild the data from "
                                   "../shared with `make import`.")


def test_run_with_parameters_goes_to_runs_and_leaves_the_chapter_alone(tmp_path):
    root = _tiny_book(tmp_path)
    before = _digest(root)
    done = _run(root, "b_prices", "-p", "ticker", "AMD")
    assert done.returncode == 0, done.stderr
    _assert_quiet(done)
    assert _digest(root) == before
    nb = nbformat.read(root / "runs" / "b_prices__ticker-AMD.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'ticker = "AMD"' in injected[0].source


# ----------------------------------------------------------------- errors a person can act on


def test_a_recorded_input_that_is_missing_means_rerun(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    nb_path = tmp_path / "x.ipynb"
    nbformat.write(TRIVIAL, nb_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("1\n")
    state = {"x": {"source": runner.source_fingerprint(TRIVIAL), "code": "c", "parameters": {},
                   "data": runner.data_fingerprint(["data/x.csv"])}}
    assert runner.is_current(nb_path, {}, state, code="c")
    (tmp_path / "data" / "x.csv").unlink()
    assert not runner.is_current(nb_path, {}, state, code="c")


def test_out_must_not_be_the_books_own_folders(tmp_path):
    for folder in (paths.CHAPTERS_DIR, paths.CHAPTERS_DIR / "sub", paths.DATA_DIR):
        with pytest.raises(runner.RunError, match=r"--out .*: (chapters|data)/ is the book's own folder"):
            runner.check_out_dir(folder)
    runner.check_out_dir(tmp_path)


def test_parameters_on_the_command_line():
    # A value that starts with '-' is a value, not an option.
    assert cli.split_parameters(["run", "06", "-p", "close_factor", "-inf", "--force"]) == (
        ["run", "06", "--force"], [("close_factor", "-inf")])
    with pytest.raises(runner.RunError, match=r"parameter tickers was given twice \(-p tickers 'AMD' and -p tickers 'MU'\)"):
        cli.parameters_given([("tickers", "AMD"), ("tickers", "MU")])


def test_unknown_parameter_and_unknown_chapter():
    with pytest.raises(runner.RunError, match="01_shock: no parameter 'horizon'; the parameters are: event_date, tickers, market_proxy, estimation_length"):
        runner.coerce_parameters(runner.find_chapter("01"), {"horizon": "250"})
    with pytest.raises(runner.RunError, match="'nope' is not a chapter; the chapters are: 01_shock"):
        runner.find_chapter("nope")


def test_malformed_and_natural_parameter_values(tmp_path):
    nb = _notebook(parameters="window = 250\nrate = 2.0\nflag = True\nnames = ['A']\nwidths = [-5, 5]")
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(runner.RunError, match=r"parameter window: '12x' is not int \(the default is 250\)"):
        runner.coerce_parameters(path, {"window": "12x"})
    with pytest.raises(runner.RunError, match="parameter rate: 'two' is not float"):
        runner.coerce_parameters(path, {"rate": "two"})
    with pytest.raises(runner.RunError, match="parameter flag: 'yes' is not bool"):
        runner.coerce_parameters(path, {"flag": "yes"})
    with pytest.raises(runner.RunError, match=r"parameter names: \"\['A'\" is not a list"):
        runner.coerce_parameters(path, {"names": "['A'"})
    assert runner.coerce_parameters(path, {"window": "120", "rate": "-inf", "flag": "false", "names": "A, B"}) == {
        "window": 120, "rate": float("-inf"), "flag": False, "names": ["A", "B"]}
    # A list the way Python writes it, as chapter 5's parameter cell shows it.
    assert runner.coerce_parameters(path, {"names": "['NVDA', 'AMD', 'SMH']", "widths": "[-10, 10]"}) == {
        "names": ["NVDA", "AMD", "SMH"], "widths": [-10, 10]}
    assert runner.coerce_parameters(path, {"widths": "-3,3"}) == {"widths": [-3, 3]}


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


# ----------------------------------------------------------------- every command the book shows runs as shown


# Commands shown on purpose as ones that fail, with what they must say.
SHOWN_TO_FAIL = {"python -m shockbook run 01 -p nope 1": "01_shock: no parameter 'nope'; the parameters are: "}


def shown_commands() -> dict[str, list[str]]:
    """Every `python -m shockbook …` command in README.md and in the chapters (prose and parameter cells),
    with where each is shown."""
    found: dict[str, list[str]] = {}

    def add(command: str, where: str) -> None:
        command = command.strip().rstrip(".,;:").removeprefix(".venv/bin/")  # one command, however it is prefixed
        if where not in found.setdefault(command, []):
            found[command].append(where)

    inline = re.compile(r"`((?:\.venv/bin/)?python -m shockbook\b[^`]*)`")
    line_start = re.compile(r"^\s*(?:#\s*)?((?:\.venv/bin/)?python -m shockbook\b.*?)(?:\s+#.*)?$")
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    for text, where in [(readme, "README.md")] + [
            ("\n".join(c.source for c in nbformat.read(p, as_version=4).cells), p.name) for p in runner.chapters()]:
        for m in inline.finditer(text):
            add(m[1], where)
        for line in text.splitlines():
            m = line_start.match(line)
            if m and "`" not in m[1]:
                add(m[1], where)
    return found


def _book_copy(root: Path) -> Path:
    for name in ("shockbook", "chapters", "data"):
        shutil.copytree(paths.ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(paths.ROOT / "requirements.txt", root)
    return root


def _how_to_run(command: str, scratch: Path, copy: Path) -> tuple[list[str], Path]:
    """The command as shown, with only what must not touch the book redirected: a run with parameters
    gets --out (a scratch folder); one that runs or rebuilds the book in place runs in a copy."""
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "shockbook"], command
    args = words[3:]
    where = paths.ROOT
    if args[:1] == ["run"] and any(a in ("-p", "--parameter") for a in args):
        args += ["--out", str(scratch / "runs")]
    elif args[:1] in (["run"], ["import"]) or (args[:1] == ["refresh"] and "--into" not in args):
        where = copy
    if "--into" in args:
        args[args.index("--into") + 1] = str(scratch / "into")
    return [sys.executable, "-m", "shockbook", *args], where


@pytest.fixture(scope="module")
def shown_runs(tmp_path_factory):
    """Run every shown command once (two at a time), with chapters/ and data/ checked unchanged."""
    from concurrent.futures import ThreadPoolExecutor

    commands = shown_commands()
    before = {name: tree_digest(paths.ROOT / name) for name in ("chapters", "data")}
    copy = _book_copy(tmp_path_factory.mktemp("book"))

    shared = Runs(session_root(tmp_path_factory))

    def one(item):
        i, command = item
        scratch = tmp_path_factory.mktemp(f"shown{i}")
        argv, where = _how_to_run(command, scratch, copy)
        if where == paths.ROOT and "--out" in argv:
            # A run with parameters, into a folder of its own: made once a session (tests/reruns.py), and
            # shared with tests/test_render.py, which opens the README example's page.
            done, folder = shared.command(command)
            assert done.args == [*argv[:-1], str(folder / "runs")], (done.args, argv)
            return command, (done, folder)
        env = {**os.environ, "PYTHONPATH": str(where), "SHOCKBOOK_SHARED": str(paths.SHARED_DIR)}
        done = subprocess.run(argv, cwd=where, env=env, capture_output=True, text=True, timeout=900)
        return command, (done, scratch)

    with ThreadPoolExecutor(2) as pool:
        runs = dict(pool.map(one, enumerate(sorted(commands))))
    after = {name: tree_digest(paths.ROOT / name) for name in ("chapters", "data")}
    # A shared run may have been made by another worker before `before`: it recorded its own check.
    return commands, runs, before == after and all(getattr(done, "untouched", True) for done, _ in runs.values())


def test_every_command_the_book_shows_runs_as_shown(shown_runs):
    commands, runs, untouched = shown_runs
    assert untouched, "a shown command changed chapters/ or data/"
    # The README's and each chapter's parameter-cell examples are all found.
    shown_in = {where for places in commands.values() for where in places}
    assert "README.md" in shown_in and {f"0{i}_" for i in range(1, 7)} <= {w[:3] for w in shown_in}
    problems = []
    for command, (done, _) in sorted(runs.items()):
        if command in SHOWN_TO_FAIL:
            if done.returncode != 2 or SHOWN_TO_FAIL[command] not in done.stderr:
                problems.append(f"{command} ({', '.join(commands[command])}): {done.stderr.strip()[-300:]}")
        elif "refresh" in command.split() and done.returncode == 1 and "the network is down" in done.stderr:
            errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
            if len(errors) != 1:  # offline here: it must say so in one line
                problems.append(f"{command}: {done.stderr.strip()[-300:]}")
        elif done.returncode != 0:
            problems.append(f"{command} ({', '.join(commands[command])}): rc {done.returncode}: "
                            f"{done.stderr.strip()[-300:]}")
        for noise in KERNEL_NOISE:
            assert noise not in done.stderr, (command, done.stderr)
    assert not problems, "\n".join(problems)


def test_every_shown_rerun_shows_every_number(shown_runs):
    """The runs the book's own examples make (each chapter's "Rerun this chapter" box, the README's) show
    every number: none empty, nan, None or inf, as the rerun matrix checks its other parameter sets."""
    _, runs, _ = shown_runs
    made = [nb for _, scratch in runs.values() for nb in (scratch / "runs").glob("*.ipynb")
            if not nb.name.endswith(".readable.ipynb")]
    assert {nb.name[:2] for nb in made} >= {f"0{i}" for i in range(1, 7)}, sorted(nb.name for nb in made)
    bad = {nb.name: bad_values(outputs.glued(nb)) for nb in made}
    assert not any(bad.values()), bad


def _glued(nb_path: Path) -> dict[str, str]:
    """The plain-text value of every glued variable in an executed notebook."""
    out = {}
    for cell in nbformat.read(nb_path, as_version=4).cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                out[name] = o["data"].get("application/papermill.record/text/plain")
    return out


def test_a_different_rental_rate_changes_the_numbers_in_the_text(shown_runs):
    """Chapter 2's own example, at $3 an hour: every training cost the prose quotes at the chapter's rate
    scales by 3/2 (the example also changes the task's output tokens, which these do not depend on)."""
    _, runs, _ = shown_runs
    command = next(c for c in runs if c.split()[3:5] == ["run", "02"] and "rental_rate 3.0" in c)
    _, scratch = runs[command]
    base = _glued(paths.CHAPTERS_DIR / "02_costs.ipynb")
    rerun = _glued(next((scratch / "runs").glob("02_costs__*rental_rate-3.0*.ipynb")))
    assert float(rerun["rate"]) == 3.0 and float(base["rate"]) == 2.0
    for name in ("v3_at_rate_musd", "rl_at_rate_kusd", "both_at_rate_musd"):
        assert float(rerun[name]) == pytest.approx(1.5 * float(base[name])), name
    assert rerun["fact_rate"] == base["fact_rate"]  # DeepSeek's own assumption is a fact, not a parameter


def test_the_runner_writes_the_packages_bytecode(monkeypatch):
    """Kernels, workers and both site builds import the package; where PYTHONDONTWRITEBYTECODE is set
    each would compile it from source again. The runner writes the bytecode first, as `make env`
    does for the environment's packages."""
    import importlib.util

    from shockbook.site import words

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    compiled = Path(importlib.util.cache_from_source(words.__file__))
    compiled.unlink(missing_ok=True)
    runner.compile_package()
    assert compiled.exists()
