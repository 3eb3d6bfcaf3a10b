"""``jupyter-book``, as the Makefile runs it: both editions built side by side from one start-up.

``python -m shockbook.site.jupyterbook build ARGS`` is ``jupyter-book build ARGS``, with pybtex's
plugins registered first: sphinxcontrib-bibtex looks them up as its modules are imported, before any
Sphinx event this book's extension could use, and each lookup of a plugin pybtex has not been told
of scans every installed package's entry points (18 scans, about 0.4 s of each build). Registered
once here (:func:`sphinxext.register_pybtex_plugins`), every lookup is answered at once.

``python -m shockbook.site.jupyterbook editions [--all]`` builds the English book (``_build/html``)
and the Chinese one (``_build/zh``), logging to ``_build/en.log`` and ``_build/zh.log``:

  - the Chinese sources are generated at once (``edition.build_sources``, which needs no Sphinx);
  - meanwhile jupyter-book, Sphinx and the extensions are imported, once (1.7 s of CPU a build);
  - the English build and, once its sources are ready, the Chinese one are forked from that process.

Each build is the same ``jupyter-book build`` in its own process, so neither sees the other's
state. Where processes cannot be forked (or a thread runs in this one), each build is started as a
process of its own.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shockbook import paths, processes

MODULE = "shockbook.site.jupyterbook"  # not __name__, which is "__main__" when run with -m
OPTIONS = ("--warningiserror", "--nitpick", "--keep-going", "--quiet")
# What every build imports before it reads a page (jupyter-book's command and Sphinx builder, the
# extensions _config.yml names); a name that does not import costs nothing: the build imports it.
WARM_MODULES = ("jupyter_book.cli.main", "jupyter_book.sphinx", "sphinx.builders.html", "myst_nb.sphinx_ext",
                "sphinx_book_theme", "sphinxcontrib.bibtex", "sphinx_design", "shockbook.site.sphinxext")


def build(argv: list[str]) -> int:
    """``jupyter-book ARGV`` in this process; its exit status."""
    from shockbook.site.sphinxext import register_pybtex_plugins

    register_pybtex_plugins()
    from jupyter_book.cli.main import main as jupyter_book

    try:
        jupyter_book(args=argv, prog_name="jupyter-book")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _sources() -> int:
    from shockbook.site import edition

    edition.build_sources()
    return 0


def _forked(task, log: Path, append: bool = False) -> int:
    """Run ``task()`` in a forked child whose output goes to ``log``; the child's pid."""
    for stream in (sys.stdout, sys.stderr):  # or the child would write what this process has buffered
        stream.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid

    def logged() -> int:
        processes.die_with_parent(parent)  # a killed `make site` leaves no build writing _build
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC), 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        return task()

    processes.run_then_exit(logged)


def _waited(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _can_fork() -> bool:
    """Whether a build may be forked from this process: it runs no thread, which a child would have
    half-done (pytest's workers do)."""
    import threading

    return hasattr(os, "fork") and threading.active_count() == 1


def _started(argv: list[str], log: Path, append: bool = False):
    """``build(argv)`` in a child, forked from this warm process when it can be (else started as a
    process of its own); a function that waits for it and returns its exit status."""
    if _can_fork():
        pid = _forked(lambda: build(argv), log, append)
        return lambda: _waited(pid)
    with open(log, "ab" if append else "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", MODULE, *argv], stdout=out, stderr=subprocess.STDOUT)
    return proc.wait


def editions(extra: list[str]) -> int:
    """Both editions, side by side; 0 if both built (see the module's docstring)."""
    out = paths.ROOT / "_build"
    out.mkdir(exist_ok=True)
    en_log, zh_log = out / "en.log", out / "zh.log"
    root = os.path.relpath(paths.ROOT)  # as the Makefile names it (".")
    en_argv = ["build", root, *OPTIONS, *extra]
    zh_argv = ["build", os.path.normpath(os.path.join(root, "zh")), "--path-output",
               os.path.normpath(os.path.join(root, "_build", "zh")), *OPTIONS, *extra]
    if _can_fork():  # the sources need nothing of Sphinx: they are made while Sphinx is imported
        sources = _forked(_sources, zh_log)
        sources_done = lambda: _waited(sources)  # noqa: E731
    else:
        zh_log.write_bytes(b"")
        sources_done = _sources
    from shockbook.site.sphinxext import register_pybtex_plugins

    register_pybtex_plugins()  # before sphinxcontrib-bibtex is imported; the builds inherit the registry
    for name in WARM_MODULES:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - the build imports it again and reports the error
            pass
    en_done = _started(en_argv, en_log)
    zh_code = sources_done()
    if zh_code == 0:
        zh_code = _started(zh_argv, zh_log, append=True)()
    en_code = en_done()
    return 0 if en_code == 0 and zh_code == 0 else 1


if __name__ == "__main__":  # python -m shockbook.site.jupyterbook (build ARGS... | editions [--all])
    if sys.argv[1:2] == ["editions"]:
        sys.exit(editions(sys.argv[2:]))
    sys.exit(build(sys.argv[1:]))
