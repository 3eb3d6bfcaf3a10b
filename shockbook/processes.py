"""Processes the book forks or starts: they end with their parent, and a forked child ends as a
process should (its error printed, its output flushed, its status returned), never running on into
the code of the process it was forked from.
"""
from __future__ import annotations

import os
import signal
import sys
from typing import Callable, NoReturn

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """A process must not outlive the one that started it, even one killed with SIGKILL.

    Linux delivers SIGKILL to this process when its parent's thread ends (PR_SET_PDEATHSIG: call
    this in a process whose parent started it from its main thread); elsewhere a thread polls
    the parent.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="die-with-parent").start()


def run_then_exit(task: Callable[[], int]) -> NoReturn:
    """In a forked child: run ``task()`` and end with its status (1 if it raised, the traceback on
    stderr; a SystemExit's own code)."""
    code = 1
    try:
        code = task()
    except SystemExit as exc:  # as Python ends: an int is the status, anything else is printed, status 1
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - the child's stderr says what went wrong; its status says that it did
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
