"""Execute chapters with papermill, the same way everywhere, and only when something changed.

A chapter's inputs are its notebook source, the package's code, the pinned requirements,
its parameters and the data files it read (each recorded by ``cache`` through
``SHOCKBOOK_READ_LOG`` with the sha256 of the bytes it loaded). Their fingerprint is kept in
``chapters/_run_state.json``; a chapter whose fingerprint is unchanged is skipped. jupyter-book's
own cache cannot do this: it hashes code cells only and does not see the data.

What is recorded is what the run *read*, never what happens to be on disk when it ends: if a data
file, the library's code or the notebook itself changes while a chapter runs, the run is not
recorded as current (and an edited notebook is never overwritten), so the next run repeats it.

Outputs are made reproducible before they are written: papermill's timestamps and paths
are removed and cell ids are numbered, so two runs give byte-identical notebooks. The
committed chapter is replaced atomically, keeping its file mode, and only after a successful run;
a run with a reader's parameters goes to ``runs/`` (or ``--out``) and never touches the chapter.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import stat
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
TMP_PREFIX = "shockbook-run-"  # + the pid of the process that owns the folder
# The kernel's own log (a warning about TCP transport on every start, "KeyboardInterrupt caught in
# kernel" on some shutdowns) is not the reader's business: errors in cells reach the notebook.
# Nor is its input history (an SQLite file in ~/.ipython the kernels would share): a chapter's
# record is its notebook.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"]
# Once the last cell has run and its outputs are in, the kernel is stopped at once rather than given
# time to clean up (0.3 s a chapter): it has nothing left to write (its read log is written and
# closed line by line as it reads, the figure data as it draws).
KERNEL_SHUTDOWN = "immediate"
MANIFESTS = {paths.MANIFEST: "data/market", paths.DATA_DIR / "facts" / "manifest.json": "data/facts"}


class RunError(RuntimeError):
    """A chapter could not be run; the message says why, in one or two lines."""


_rel = paths.rel


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


def read_notebook(nb_path: Path) -> tuple[bytes, nbformat.NotebookNode]:
    """The notebook's bytes and parsed form; a damaged file is a RunError naming it and the fix."""
    rel = _rel(nb_path)
    try:
        data = nb_path.read_bytes()
        return data, nbformat.reads(data.decode("utf-8"), as_version=4)
    except OSError as exc:
        raise RunError(f"{rel} cannot be read ({exc.strerror}).") from None
    except Exception as exc:  # truncated JSON, merge-conflict markers, not a notebook
        what = "has merge-conflict markers" if b"\n<<<<<<< " in data or data.startswith(b"<<<<<<< ") else \
            f"is not a readable notebook ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})"
        raise RunError(f"{rel} {what}. Fix: restore it with `git checkout -- {rel}`, "
                       "or repair it in your notebook editor.") from None


def declared_parameters(nb_path: Path) -> dict:
    """The chapter's parameters cell as {name: default}, read with papermill."""
    import papermill

    read_notebook(nb_path)  # a damaged notebook: one line naming it
    return {name: info["default"] for name, info in papermill.inspect_notebook(str(nb_path)).items()}


def _literal(text: str):
    return ast.literal_eval(text)


def _list_value(raw: str, default: list) -> list:
    """A list as readers write it: 'NVDA,AMD' or 'NVDA, AMD', or a Python list "['NVDA', 'AMD']"."""
    text = raw.strip()
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ValueError from None
        if not isinstance(value, list):
            raise ValueError
        items = value
    else:
        items = [v.strip() for v in text.split(",") if v.strip()]
    if default and all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in default):
        kind = float if any(isinstance(d, float) for d in default) else int
        items = [kind(v) if not isinstance(v, (int, float)) or kind is float else v for v in items]
        if kind is int and not all(isinstance(v, int) for v in items):
            raise ValueError
    elif default and all(isinstance(d, str) for d in default):
        items = [v if isinstance(v, str) else str(v) for v in items]
    return items


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
                if raw.strip().lower() not in ("true", "false"):
                    raise ValueError
                value = raw.strip().lower() == "true"
            elif isinstance(default, int):
                value = int(raw)
            elif isinstance(default, float):
                value = float(raw)
            elif isinstance(default, list):
                value = _list_value(raw, default)
            else:
                value = raw
        except ValueError:
            kind = ("a list (NVDA,AMD or \"['NVDA', 'AMD']\")" if isinstance(default, list)
                    else type(default).__name__)
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


def file_digest(rel: str) -> str:
    """sha256 of a file under the repository root as it is now, or 'missing'."""
    p = paths.ROOT / rel
    try:
        return _sha(p.read_bytes())
    except FileNotFoundError:
        return "missing"


def data_fingerprint(files: list[str]) -> dict[str, str]:
    return {rel: file_digest(rel) for rel in sorted(set(files))}


def parse_read_log(text: str) -> dict[str, list[str]]:
    """The read log as {path: [sha256 of the bytes read, once per different bytes]} (the cache writes 'sha256<TAB>path')."""
    reads: dict[str, list[str]] = {}
    for line in text.splitlines():
        digest, _, rel = line.partition("\t")
        if rel:
            reads.setdefault(rel, []).append(digest)
    return reads


def changed_inputs(reads: dict[str, list[str]]) -> list[str]:
    """Data files that changed while the chapter ran: read twice with different bytes, or different now."""
    return sorted(rel for rel, digests in reads.items()
                  if len(set(digests)) > 1 or file_digest(rel) != digests[0])


def _state_damage(text: str) -> str | None:
    if "\n<<<<<<< " in text or text.startswith("<<<<<<< "):
        return "it has merge-conflict markers"
    try:
        state = json.loads(text)
    except ValueError as exc:
        return f"it is not valid JSON: {exc}"
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        return "it is not a record of chapters"
    return None


def read_state(log=None) -> dict:
    """The record of what each chapter was last run from; a damaged record is rebuilt (it is only a cache)."""
    try:
        text = STATE_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        text, damage = "", f"it cannot be read ({exc})"
    else:
        damage = _state_damage(text)
    if damage is None:
        return json.loads(text)
    (log or print)(f"{_rel(STATE_FILE)} is damaged ({damage}); it only records what was run, so it is "
                   "rebuilt: the chapters run again and it is rewritten.", file=sys.stderr)
    return {}


def write_state(state: dict) -> None:
    _atomic_write(STATE_FILE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())


def is_current(nb_path: Path, params: dict, state: dict, code: str | None = None) -> bool:
    entry = state.get(nb_path.stem)
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        return False
    try:
        _, nb = read_notebook(nb_path)
    except RunError:
        return False  # the run says what is wrong with it
    recorded = entry["data"]
    return (entry.get("source") == source_fingerprint(nb) and entry.get("code") == (code or code_fingerprint())
            and entry.get("parameters") == params and "missing" not in recorded.values()
            and recorded == data_fingerprint(list(recorded)))


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


def new_file_mode() -> int:
    """The mode a plain new file gets in a checkout (0644 under the usual umask)."""
    from shockbook.data.cache import umask

    return 0o666 & ~umask()


class SourceChanged(RunError):
    """The file to be replaced was edited after the run started; it is left as it is."""


def _atomic_write(path: Path, data: bytes, expect: bytes | None = None) -> bool:
    """Replace ``path`` with ``data`` in one step, keeping its file mode; False if it was already so.

    An unchanged file is left alone (and its mtime with it). With ``expect``, the file must still
    hold exactly those bytes just before the swap, or nothing is written (SourceChanged).
    """
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if expect is not None and current != expect:
        raise SourceChanged(str(path))
    if current == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode) if current is not None else new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)  # mkstemp's 0600 would otherwise replace the checkout's mode
        if expect is not None and path.read_bytes() != expect:  # the last moment before the swap
            raise SourceChanged(str(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def output_path(nb_path: Path, params: dict, out_dir: Path | None) -> Path:
    if not params and out_dir is None:
        return nb_path  # the committed chapter, in place
    tag = "__".join(f"{k}-{v if not isinstance(v, list) else '+'.join(map(str, v))}" for k, v in sorted(params.items()))
    tag = re.sub(r"[^A-Za-z0-9_.+-]+", "_", tag)[:120]
    return (out_dir or paths.RUNS_DIR) / (f"{nb_path.stem}__{tag}.ipynb" if tag else nb_path.name)


def check_out_dir(out_dir: Path | None) -> None:
    """``--out`` must not be a folder the book itself reads: a notebook there would become a chapter."""
    if out_dir is None:
        return
    where = Path(out_dir).resolve()
    for folder, why in ((paths.CHAPTERS_DIR, "the book would build it as another chapter"),
                        (paths.DATA_DIR, "it holds the book's data")):
        if where == folder or folder in where.parents:
            raise RunError(f"--out {out_dir}: {_rel(folder)}/ is the book's own folder ({why}); "
                           "choose another, e.g. --out runs/mine.")


def compile_package() -> None:
    """Write the package's bytecode, as `make env` does for the environment's: each kernel, worker and
    site build imports the package, and where PYTHONDONTWRITEBYTECODE is set (as on these machines)
    each would otherwise compile it from source again (0.13 s a process). Only changed files are
    compiled; a checkout that cannot be written to just goes without."""
    import compileall

    compileall.compile_dir(paths.ROOT / "shockbook", quiet=2)


def check_manifests() -> None:
    """Every chapter verifies its data against a manifest; without one, say so before running anything."""
    for manifest, folder in MANIFESTS.items():
        if not manifest.exists():
            raise RunError(f"{_rel(manifest)} is missing, so no chapter can verify its data. Fix: restore it "
                           f"with `git checkout -- {folder}`, or rebuild the data from ../shared with `make import`.")


# --------------------------------------------------------------------------- temporary folders, workers


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs. A zombie does not: a killed runner's worker stays one until
    something reaps it, which in a container whose first process does not reap may be never."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill's answer


def clean_stale_temporary_folders() -> list[Path]:
    """Remove ``shockbook-run-<pid>-*`` folders whose process is gone (a killed run leaves them behind)."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        m = re.match(rf"{re.escape(TMP_PREFIX)}(\d+)-", folder.name)
        if m and folder.is_dir() and not _alive(int(m[1])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _start_worker(parent_pid: int) -> None:
    """Worker initializer: the worker dies with the runner, and its kernel factory starts importing
    while the worker imports papermill."""
    from shockbook import kernels, processes

    processes.die_with_parent(parent_pid)
    kernels.start_factory()


# --------------------------------------------------------------------------- running


def execute(nb_path: Path, params: dict, out_path: Path, timeout: int = DEFAULT_TIMEOUT) -> dict:
    """Run one chapter into ``out_path``; what it read. Raises RunError on failure.

    Returns {"reads": {data file: sha256 of the bytes read}, "source": the source fingerprint the
    run started from}. Nothing is written if a data file the chapter read changed while it ran, or
    if the notebook itself was edited meanwhile (the edit is kept).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from shockbook import kernels

    start_bytes, start_nb = read_notebook(nb_path)
    in_place = out_path == nb_path
    with tempfile.TemporaryDirectory(prefix=f"{TMP_PREFIX}{os.getpid()}-") as tmp:
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
                log_output=False, request_save_on_cell_execute=False, extra_arguments=KERNEL_ARGUMENTS,
                shutdown_kernel=KERNEL_SHUTDOWN, kernel_manager_class=kernels.WarmKernelManager)
        except PapermillExecutionError as exc:
            failed = (paths.RUNS_DIR if in_place else out_path.parent) / f"{nb_path.stem}__FAILED.ipynb"
            if executed.exists():
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(executed, failed)
            raise RunError(f"{nb_path.stem} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
                           f"  The committed chapter is unchanged; the failed run is in {_rel(failed)}.") from None
        except Exception as exc:  # timeouts, a dead kernel
            raise RunError(f"{nb_path.stem} did not finish: {type(exc).__name__}: {exc}") from None
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        reads = parse_read_log(log.read_text())
        changed = changed_inputs(reads)
        if changed:
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            raise RunError(f"{nb_path.stem}: {', '.join(changed[:3])}{more} changed while the chapter ran, so "
                           "its result mixes old and new data; nothing was written and it is not recorded as "
                           f"current. Run it again when the data stop changing: python -m shockbook run {nb_path.stem}")
        nb = normalize(nbformat.read(executed, as_version=4), nb_path.stem)
        written = (nbformat.writes(nb) + "\n").encode()
        try:
            _atomic_write(out_path, written, expect=start_bytes if in_place else None)
        except SourceChanged:
            raise RunError(f"{_rel(nb_path)} was edited while it ran: your edit is kept and the run's result "
                           f"discarded (not recorded as current). Run it again: python -m shockbook run {nb_path.stem}") from None
        for csv in sorted(figdata.glob("*.csv")):
            _atomic_write(out_path.parent / "figdata" / csv.name, csv.read_bytes())
        if in_place:
            translate_chapter(nb_path, written, figdata)
            record_chart_widths(nb_path, figdata / paths.CHART_WIDTHS_DIR.name)
        return {"reads": {rel: digests[0] for rel, digests in reads.items()}, "source": source_fingerprint(start_nb)}


def translate_chapter(nb_path: Path, written: bytes, figdata: Path) -> None:
    """The Chinese twin of the chapter just executed (``written``: the notebook's bytes as written),
    made here, once per run of the chapter, so that building the edition neither translates nor draws:
      - the translated notebook goes to ``zh/chapters/`` with the inputs it came from
        (edition.write_translation);
      - the edition fits chart titles to the drawn width: those widths are handed back as the kernel's
        are and committed with the English ones;
      - its readable notebooks show static copies of the charts: those are committed in
        ``chapters/chart-copies/<stem>.zh.json``.
    A translation that cannot be made here costs only time: the edition's build makes what is missing."""
    from shockbook.site import charts, edition, render

    if nb_path.stem not in edition.chapter_stems():
        return
    old = os.environ.get("SHOCKBOOK_FIGDATA")
    os.environ["SHOCKBOOK_FIGDATA"] = str(figdata)
    try:
        shared = edition.shared_inputs()  # before translating: a change meanwhile makes the record stale, not wrong
        zh = edition.translate_notebook(nb_path.stem, edition.translator(), json.loads(written))
        specs = [s for s in map(render.chart_spec, render.glued(nbformat.from_dict(zh)).values()) if s is not None]
        copies = {key: svg for svg, key in map(charts.keyed_svg, specs)}
        edition.write_translation(nb_path.stem, zh, written, shared, out=nb_path.parent.parent / edition.LANG)
    except (OSError, ValueError, KeyError) as exc:
        print(f"{nb_path.stem}: the Chinese edition's chapter was not made ({type(exc).__name__}: {exc}); "
              "`make site` makes it", file=sys.stderr)
        return
    finally:
        if old is None:
            os.environ.pop("SHOCKBOOK_FIGDATA", None)
        else:
            os.environ["SHOCKBOOK_FIGDATA"] = old
    target = nb_path.parent / paths.CHART_COPIES_DIR.name / f"{nb_path.stem}.zh.json"
    if copies:
        _atomic_write(target, (json.dumps(copies, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode())
    else:  # a chapter without charts (any more)
        target.unlink(missing_ok=True)


def record_chart_widths(nb_path: Path, drawn: Path) -> None:
    """The widths of the charts a book chapter drew (``drawn``: one file per width key) as its committed
    table, ``chapters/chart-widths/<stem>.json``, so that a clean clone measures no chart again."""
    widths = {p.name: float(p.read_text()) for p in sorted(drawn.glob("*"))} if drawn.is_dir() else {}
    if widths:
        table = json.dumps(widths, indent=1, sort_keys=True) + "\n"
        _atomic_write(nb_path.parent / paths.CHART_WIDTHS_DIR.name / f"{nb_path.stem}.json", table.encode())


def publish_reader_run(out: Path, params: dict, seconds: float, log=print) -> None:
    """A reader's run, made readable: an HTML page and a readable notebook beside it (site.render)."""
    from shockbook.site import render

    try:
        page, readable = render.publish_run(out, params, seconds)
    except Exception as exc:  # the run itself succeeded and is kept; say what is missing
        raise RunError(f"{out.name} ran, but its page could not be made: {type(exc).__name__}: {exc}") from None
    shown = page.relative_to(paths.ROOT) if page.is_relative_to(paths.ROOT) else page
    log(f"Open {shown} in a browser (readable notebook: {readable.name}).")


def _timed_execute(nb_path: Path, params: dict, out: Path, timeout: int) -> tuple[dict, float]:
    t0 = time.perf_counter()
    result = execute(nb_path, params, out, timeout)
    return result, time.perf_counter() - t0


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
    check_out_dir(out_dir)
    check_manifests()
    clean_stale_temporary_folders()
    compile_package()
    typed = coerce_parameters(targets[0], params) if params else {}
    state = read_state(log)
    code = code_fingerprint()
    results, todo = [], []
    for i, nb_path in enumerate(targets, 1):
        out = output_path(nb_path, typed, out_dir)
        prefix = f"[{i}/{len(targets)}] {nb_path.stem}"
        if out == nb_path and not force and is_current(nb_path, typed, state, code):
            log(f"{prefix}: unchanged, skipped", file=sys.stderr)
            results.append((nb_path.stem, "skipped", 0.0))
        else:
            todo.append((prefix, nb_path, out))

    def finished(prefix: str, nb_path: Path, out: Path, result: dict, seconds: float) -> None:
        if out == nb_path:
            if code_fingerprint() != code:
                from shockbook.site import edition

                # made by the old code: the edition's build makes it again
                edition.forget_translation(nb_path.stem, nb_path.parent.parent / edition.LANG)
                raise RunError(f"{nb_path.stem}: the library's code (shockbook/ or requirements.txt) changed while "
                               "it ran, so it is not recorded as current. Run it again: "
                               f"python -m shockbook run {nb_path.stem}")
            state[nb_path.stem] = {"source": result["source"], "code": code, "parameters": typed,
                                   "data": dict(sorted(result["reads"].items()))}
            write_state(state)
        where = "" if out == nb_path else f" → {_rel(out)}"
        log(f"{prefix}: done in {seconds:.1f} s{where}", file=sys.stderr)
        if out != nb_path:
            publish_reader_run(out, typed, seconds, log)
        results.append((nb_path.stem, "ran", seconds))

    failures = []

    def failed(prefix: str, exc: RunError) -> None:
        log(f"{prefix}: failed", file=sys.stderr)
        failures.append(exc)

    if (jobs == 1 or len(todo) < 2) and todo:
        from shockbook import kernels

        kernels.start_factory()
        try:
            for prefix, nb_path, out in todo:
                log(f"{prefix}: running…", file=sys.stderr)
                try:
                    finished(prefix, nb_path, out, *_timed_execute(nb_path, typed, out, timeout))
                except RunError as exc:
                    if len(todo) == 1:
                        raise
                    failed(prefix, exc)
        finally:
            kernels.stop_factory()
    elif todo:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: a forked child would share the parent's ZeroMQ state with its kernel.
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            futures = {}
            for prefix, nb_path, out in todo:
                log(f"{prefix}: running…", file=sys.stderr)
                futures[pool.submit(_timed_execute, nb_path, typed, out, timeout)] = (prefix, nb_path, out)
            for future in as_completed(futures):
                prefix, nb_path, out = futures[future]
                try:
                    finished(prefix, nb_path, out, *future.result())
                except RunError as exc:
                    failed(prefix, exc)
    if failures:
        for exc in failures[1:]:  # the first is raised; the others are not lost
            log(f"error: {exc}", file=sys.stderr)
        raise failures[0]
    return results
