"""Execute chapters with papermill, the same way everywhere, and only when something changed.

A chapter's inputs are its notebook source, the package's code, the pinned requirements,
its parameters and the data files it read last time (recorded by ``cache`` through
``SHOCKBOOK_READ_LOG``). Their fingerprint is kept in ``chapters/_run_state.json``; a
chapter whose fingerprint is unchanged is skipped. jupyter-book's own cache cannot do
this: it hashes code cells only and does not see the data.

Outputs are made reproducible before they are written: papermill's timestamps and paths
are removed and cell ids are numbered, so two runs give byte-identical notebooks. The
committed chapter is replaced atomically, and only after a successful run; a run with a
reader's parameters goes to ``runs/`` and never touches the committed chapter.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from shockbook import paths

STATE_FILE = paths.CHAPTERS_DIR / "_run_state.json"
DEFAULT_TIMEOUT = 600  # seconds per cell
DEFAULT_JOBS = min(os.cpu_count() or 1, 4)  # chapters executed side by side
KERNEL = "python3"


class RunError(RuntimeError):
    """A chapter could not be run; the message says why, in one or two lines."""


# --------------------------------------------------------------------------- chapters and parameters


def chapters() -> list[Path]:
    """The book's notebooks; ``_template`` and other names starting with ``_`` are not chapters."""
    return sorted(p for p in paths.CHAPTERS_DIR.glob("*.ipynb") if not p.name.startswith("_"))


def find_chapter(name: str) -> Path:
    """A chapter by file name, stem, number or unique part of its name: '01', 'shock', '01_shock'."""
    all_ = chapters()
    template = paths.CHAPTERS_DIR / "_template.ipynb"
    if name in ("_template", template.name) and template.exists():
        return template
    exact = [p for p in all_ if name in (p.name, p.stem)]
    hits = exact or [p for p in all_ if p.stem.startswith(name) or name in p.stem]
    if len(hits) != 1:
        names = ", ".join(p.stem for p in all_)
        what = "matches several chapters" if hits else "is not a chapter"
        raise RunError(f"{name!r} {what}; the chapters are: {names}.")
    return hits[0]


def declared_parameters(nb_path: Path) -> dict:
    """The chapter's parameters cell as {name: default}, read with papermill."""
    import papermill

    return {name: info["default"] for name, info in papermill.inspect_notebook(str(nb_path)).items()}


def _literal(text: str):
    import ast

    return ast.literal_eval(text)


def coerce_parameters(nb_path: Path, given: dict[str, str]) -> dict:
    """Strings from the command line, typed and checked by the chapter's ``Params``; a clear error otherwise.

    A notebook without a chapter module (the appendix) has its strings typed like its defaults.
    """
    from shockbook import chapters as chapter_modules

    module = chapter_modules.module_for(nb_path.stem)
    if module is not None and hasattr(module, "Params"):
        try:
            return module.Params.parse_cli(given)
        except ValueError as exc:
            raise RunError(f"{nb_path.stem}: {exc}") from None
    declared = declared_parameters(nb_path)
    out = {}
    for name, raw in given.items():
        if name not in declared:
            raise RunError(f"{nb_path.stem} has no parameter {name!r}; its parameters are: "
                           f"{', '.join(sorted(declared)) or '(none)'}.")
        default = _literal(declared[name])
        try:
            if isinstance(default, bool):
                if raw.lower() not in ("true", "false"):
                    raise ValueError
                value = raw.lower() == "true"
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, float):
                value = float(raw)
            elif isinstance(default, list):
                value = [v.strip() for v in raw.split(",") if v.strip()]
                if default and all(isinstance(d, (int, float)) for d in default):
                    value = [type(default[0])(v) for v in value]
            else:
                value = raw
        except ValueError:
            kind = "a comma-separated list" if isinstance(default, list) else type(default).__name__
            raise RunError(f"parameter {name}: {raw!r} is not {kind} (the default is {declared[name]}).") from None
        out[name] = value
    return out


# --------------------------------------------------------------------------- fingerprints


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_fingerprint(nb: nbformat.NotebookNode) -> str:
    cells = [(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))) for c in nb.cells
             if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    return _sha(json.dumps(cells, sort_keys=True).encode())


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for p in sorted((paths.ROOT / "shockbook").rglob("*.py")):
        h.update(str(p.relative_to(paths.ROOT)).encode() + b"\0" + p.read_bytes() + b"\0")
    req = paths.ROOT / "requirements.txt"
    if req.exists():
        h.update(req.read_bytes())
    return h.hexdigest()


def data_fingerprint(files: list[str]) -> dict[str, str]:
    out = {}
    for rel in sorted(set(files)):
        p = paths.ROOT / rel
        out[rel] = _sha(p.read_bytes()) if p.exists() else "missing"
    return out


def read_state() -> dict:
    return json.loads(STATE_FILE.read_text()) if STATE_FILE.exists() else {}


def write_state(state: dict) -> None:
    _atomic_write(STATE_FILE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())


def is_current(nb_path: Path, params: dict, state: dict) -> bool:
    entry = state.get(nb_path.stem)
    if not entry:
        return False
    nb = nbformat.read(nb_path, as_version=4)
    return (entry["source"] == source_fingerprint(nb) and entry["code"] == code_fingerprint()
            and entry["parameters"] == params and entry["data"] == data_fingerprint(list(entry["data"])))


# --------------------------------------------------------------------------- reproducible notebooks


VOLATILE_NB_METADATA = ("start_time", "end_time", "duration", "input_path", "output_path", "environment_variables")


def normalize(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """Drop what changes from run to run (timestamps, paths) and number the cells."""
    pm = nb.metadata.get("papermill", {})
    for key in VOLATILE_NB_METADATA:
        pm.pop(key, None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stem.replace('_', '-')}-{i:02d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    return nb


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; an unchanged file is left alone (and its mtime with it)."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def output_path(nb_path: Path, params: dict, out_dir: Path | None) -> Path:
    if not params and out_dir is None:
        return nb_path  # the committed chapter, in place
    tag = "__".join(f"{k}-{v if not isinstance(v, list) else '+'.join(map(str, v))}" for k, v in sorted(params.items()))
    tag = re.sub(r"[^A-Za-z0-9_.+-]+", "_", tag)[:120]
    return (out_dir or paths.RUNS_DIR) / (f"{nb_path.stem}__{tag}.ipynb" if tag else nb_path.name)


# --------------------------------------------------------------------------- running


def execute(nb_path: Path, params: dict, out_path: Path, timeout: int = DEFAULT_TIMEOUT) -> list[str]:
    """Run one chapter into ``out_path``; returns the data files it read. Raises RunError on failure."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with tempfile.TemporaryDirectory(prefix="shockbook-run-") as tmp:
        log = Path(tmp) / "reads.txt"
        log.touch()
        executed = Path(tmp) / nb_path.name
        figdata = Path(tmp) / "figdata"
        old = {k: os.environ.get(k) for k in ("SHOCKBOOK_READ_LOG", "SHOCKBOOK_FIGDATA")}
        os.environ["SHOCKBOOK_READ_LOG"] = str(log)
        os.environ["SHOCKBOOK_FIGDATA"] = str(figdata)  # moved beside the output only if the run succeeds
        try:
            papermill.execute_notebook(
                str(nb_path), str(executed), parameters=params or None, kernel_name=KERNEL,
                cwd=str(nb_path.parent), execution_timeout=timeout, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False)
        except PapermillExecutionError as exc:
            failed = paths.RUNS_DIR / f"{nb_path.stem}__FAILED.ipynb"
            if executed.exists():
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(executed, failed)
            raise RunError(f"{nb_path.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
                           f"  The committed chapter is unchanged; the failed run is in {failed.relative_to(paths.ROOT)}.") from None
        except Exception as exc:  # timeouts, a dead kernel
            raise RunError(f"{nb_path.stem} did not finish: {type(exc).__name__}: {exc}") from None
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        for csv in sorted(figdata.glob("*.csv")):
            _atomic_write(out_path.parent / "figdata" / csv.name, csv.read_bytes())
        nb = normalize(nbformat.read(executed, as_version=4), nb_path.stem)
        _atomic_write(out_path, (nbformat.writes(nb) + "\n").encode())
        return [line for line in log.read_text().splitlines() if line]


def publish_reader_run(out: Path, params: dict, seconds: float, log=print) -> None:
    """A reader's run, made readable: an HTML page and a readable notebook beside it (site.render)."""
    from shockbook.site import render

    try:
        page, readable = render.publish_run(out, params, seconds)
    except Exception as exc:  # the run itself succeeded and is kept; say what is missing
        raise RunError(f"{out.name} ran, but its page could not be made: {type(exc).__name__}: {exc}") from None
    shown = page.relative_to(paths.ROOT) if page.is_relative_to(paths.ROOT) else page
    log(f"Open {shown} in a browser (readable notebook: {readable.name}).")


def _timed_execute(nb_path: Path, params: dict, out: Path, timeout: int) -> tuple[list[str], float]:
    t0 = time.perf_counter()
    reads = execute(nb_path, params, out, timeout)
    return reads, time.perf_counter() - t0


def run(names: list[str] | None = None, params: dict[str, str] | None = None, force: bool = False,
        out_dir: Path | None = None, timeout: int = DEFAULT_TIMEOUT, jobs: int = DEFAULT_JOBS,
        log=print) -> list[tuple[str, str, float]]:
    """Run chapters (default: all), ``jobs`` at a time; a progress line per chapter.

    Chapters are independent notebooks, each in its own kernel, so they can run side by side; the
    outputs do not depend on the order. If a chapter fails, the others still finish and are kept,
    and the first failure is raised at the end. Returns (chapter, status, seconds).
    """
    targets = [find_chapter(n) for n in names] if names else chapters()
    if params and len(targets) != 1:
        raise RunError("parameters belong to one chapter: name exactly one chapter with -p.")
    if jobs < 1:
        raise RunError(f"jobs must be at least 1, not {jobs}.")
    typed = coerce_parameters(targets[0], params) if params else {}
    state = read_state()
    results, todo = [], []
    for i, nb_path in enumerate(targets, 1):
        out = output_path(nb_path, typed, out_dir)
        prefix = f"[{i}/{len(targets)}] {nb_path.stem}"
        if out == nb_path and not force and is_current(nb_path, typed, state):
            log(f"{prefix}: unchanged, skipped", file=sys.stderr)
            results.append((nb_path.stem, "skipped", 0.0))
        else:
            todo.append((prefix, nb_path, out))

    def finished(prefix: str, nb_path: Path, out: Path, reads: list[str], seconds: float) -> None:
        if out == nb_path:
            nb = nbformat.read(nb_path, as_version=4)
            state[nb_path.stem] = {"source": source_fingerprint(nb), "code": code_fingerprint(),
                                   "parameters": typed, "data": data_fingerprint(reads)}
            write_state(state)
        where = "" if out == nb_path else f" → {out.relative_to(paths.ROOT) if out.is_relative_to(paths.ROOT) else out}"
        log(f"{prefix}: done in {seconds:.1f} s{where}", file=sys.stderr)
        if out != nb_path:
            publish_reader_run(out, typed, seconds, log)
        results.append((nb_path.stem, "ran", seconds))

    failures = []
    if jobs == 1 or len(todo) < 2:
        for prefix, nb_path, out in todo:
            log(f"{prefix}: running…", file=sys.stderr)
            finished(prefix, nb_path, out, *_timed_execute(nb_path, typed, out, timeout))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: a forked child would share the parent's ZeroMQ state with its kernel.
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {}
            for prefix, nb_path, out in todo:
                log(f"{prefix}: running…", file=sys.stderr)
                futures[pool.submit(_timed_execute, nb_path, typed, out, timeout)] = (prefix, nb_path, out)
            for future in as_completed(futures):
                prefix, nb_path, out = futures[future]
                try:
                    finished(prefix, nb_path, out, *future.result())
                except RunError as exc:
                    log(f"{prefix}: failed", file=sys.stderr)
                    failures.append(exc)
    if failures:
        raise failures[0]
    return results
