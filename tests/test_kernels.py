"""Warm kernels: a kernel forked from the factory behaves as a launched one, and dies with it."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import papermill
import pytest
from jupyter_core.utils import run_sync

from shockbook import kernels, paths

pytestmark = pytest.mark.skipif(not kernels.available(), reason="warm kernels need Linux with pidfds")

# What a kernel reports of itself: its parent, its process group and session, where it runs, a chapter variable.
REPORT = ("import json, os, sys\n"
          "print(json.dumps({'pid': os.getpid(), 'ppid': os.getppid(), 'pgid': os.getpgid(0), 'sid': os.getsid(0),"
          " 'cwd': os.getcwd(), 'read_log': os.environ.get('SHOCKBOOK_READ_LOG'), 'path': sys.path,"
          " 'pandas': 'pandas' in sys.modules, 'env': dict(os.environ)}))")


def _report(tmp_path, **env) -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "report.ipynb")
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        out = papermill.execute_notebook(str(tmp_path / "report.ipynb"), str(tmp_path / "out.ipynb"),
                                         kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
                                         kernel_manager_class=kernels.WarmKernelManager, shutdown_kernel="immediate")
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return json.loads(out.cells[0].outputs[0]["text"])


@contextlib.contextmanager
def started_factory():
    """A factory for this test. Started in the test's body, not a fixture: pytest changes
    PYTEST_CURRENT_TEST between the two, and the factory serves only its own environment."""
    kernels.start_factory()
    try:
        yield kernels._factory
    finally:
        kernels.stop_factory()


def test_a_forked_kernel_is_the_factorys_child_with_the_chapters_folder_and_variables(tmp_path):
    with started_factory() as factory:
        me = _report(tmp_path, SHOCKBOOK_READ_LOG=str(tmp_path / "reads.txt"))
    assert me["ppid"] == factory.process.pid, factory.refusal  # forked, not launched
    assert me["pgid"] == me["sid"] == me["pid"]  # its own session, as jupyter_client launches kernels
    assert me["cwd"] == str(tmp_path)
    assert me["read_log"] == str(tmp_path / "reads.txt")  # a variable the runner sets per chapter
    assert me["pandas"]  # imported before the fork
    launched = _report(tmp_path, SHOCKBOOK_READ_LOG=str(tmp_path / "reads.txt"))  # no factory now
    assert me["path"] == launched["path"]
    assert me["env"] == launched["env"]  # PYDEVD_USE_FRAME_EVAL included: the debugger's import sets it


def test_without_a_factory_the_kernel_is_launched(tmp_path):
    assert kernels._factory is None
    me = _report(tmp_path)
    assert me["ppid"] == os.getpid()
    assert not me["pandas"]


def test_a_kernel_whose_environment_differs_is_launched_the_ordinary_way(tmp_path):
    """A variable set after the factory started (as PYTHONPATH, or any a module may read when imported)."""
    with started_factory():
        me = _report(tmp_path, SHOCKBOOK_TEST_VARIABLE="set after the factory started")
    assert me["ppid"] == os.getpid()
    assert kernels._differences({"A": "1", "SHOCKBOOK_READ_LOG": "x", "JPY_PARENT_PID": "2"}, {"A": "1"}) == []
    assert kernels._differences({"A": "1", "B": "2"}, {"A": "0"}) == ["A", "B"]


def test_kernels_die_with_their_factory(tmp_path):
    """Killed with SIGKILL, the factory cannot stop its kernels: Linux does (PR_SET_PDEATHSIG)."""
    with started_factory() as factory:
        km = kernels.WarmKernelManager(kernel_name="python3")
        run_sync(km.start_kernel)(cwd=str(tmp_path))
        try:
            pid = km.provisioner.pid
            assert isinstance(km.provisioner.process, kernels.ForkedKernel)
            assert run_sync(km.is_alive)() and os.getpgid(pid) == pid
            os.kill(factory.process.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while run_sync(km.is_alive)() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not run_sync(km.is_alive)(), "the kernel outlived its factory"
        finally:
            run_sync(km.shutdown_kernel)(now=True)


def test_a_forked_kernel_is_stopped_by_its_manager_and_the_factory_serves_on(tmp_path):
    with started_factory() as factory:
        for _ in range(2):
            km = kernels.WarmKernelManager(kernel_name="python3")
            run_sync(km.start_kernel)(cwd=str(tmp_path))
            process = km.provisioner.process
            assert isinstance(process, kernels.ForkedKernel)
            run_sync(km.shutdown_kernel)(now=True)
            assert not run_sync(km.is_alive)() and process.poll() == 0
            deadline = time.monotonic() + 5
            while _exists(process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _exists(process.pid), "the factory did not reap its child: a zombie"
        assert factory.process.poll() is None


def test_importing_the_warm_modules_reads_nothing(tmp_path):
    """The factory imports them once for every kernel: an import that read a data file would be
    missing from each chapter's read log."""
    log = tmp_path / "reads.txt"
    code = f"for name in {kernels.WARM_MODULES!r}: __import__(name)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=paths.CHAPTERS_DIR,
                   env={**os.environ, "SHOCKBOOK_READ_LOG": str(log)})
    assert not log.exists() or log.read_text() == ""


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


PARENT = "import os\nprint(open(f'/proc/{os.getppid()}/cmdline', 'rb').read().split(b'\\0')[1:3])"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_runner_forks_every_chapters_kernel(tmp_path, jobs):
    """Both of the runner's paths (one chapter in its own process, several in workers) use a factory:
    a kernel launched the ordinary way would still run, only slower, so this is the test that notices."""
    from test_runner import _notebook, _run, _tiny_book

    root = _tiny_book(tmp_path, {"a_parent": _notebook(PARENT), "b_parent": _notebook(PARENT)})
    done = _run(root, "--jobs", jobs)
    assert done.returncode == 0, done.stderr
    for stem in ("a_parent", "b_parent"):
        nb = nbformat.read(root / "chapters" / f"{stem}.ipynb", as_version=4)
        assert nb.cells[0].outputs[0]["text"].strip() == "[b'-m', b'shockbook.kernels']"


@pytest.mark.parametrize(("task", "status"), [("return 0", 0), ("return 4", 4), ("raise SystemExit(3)", 3),
                                              ("raise SystemExit", 0), ("raise ValueError('bad')", 1)])
def test_a_forked_child_ends_with_its_tasks_status_and_never_returns(tmp_path, task, status):
    """processes.run_then_exit: what the kernel factory and the site's builds run in their children."""
    from shockbook import processes

    code = f"from shockbook import processes\ndef task():\n    {task}\n"
    namespace: dict = {}
    exec(code, namespace)
    marker = tmp_path / "returned"
    pid = os.fork()
    if pid == 0:
        try:
            processes.run_then_exit(namespace["task"])
        finally:
            marker.touch()  # reached only if run_then_exit returned
            os._exit(99)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == status
    assert not marker.exists()


def test_ctrl_c_does_not_reach_the_factory_and_kernels_draw_their_own_random_numbers(tmp_path):
    """A terminal's SIGINT reaches its foreground process group: the runner handles it; the factory,
    in a session of its own, must not end (it would kill every kernel at once). Each forked kernel
    reseeds numpy's global random state, which the factory's import of pandas seeded once."""
    draw = "import numpy\nprint(numpy.random.random())"
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(draw))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "draw.ipynb")
    draws = []
    with started_factory() as factory:
        assert os.getpgid(factory.process.pid) != os.getpgid(0)
        for _ in range(2):
            out = papermill.execute_notebook(str(tmp_path / "draw.ipynb"), str(tmp_path / "out.ipynb"),
                                             kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
                                             kernel_manager_class=kernels.WarmKernelManager,
                                             shutdown_kernel="immediate")
            draws.append(out.cells[0].outputs[0]["text"])
        assert factory.process.poll() is None and factory.refusal is None
    assert draws[0] != draws[1]


def test_a_factory_that_does_not_answer_is_stopped_and_kernels_are_launched(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "REPLY_TIMEOUT", 1)
    with started_factory() as factory:
        os.kill(factory.process.pid, signal.SIGSTOP)  # hung
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "c.json")]
        assert factory.fork(cmd, dict(os.environ), str(tmp_path)) is None
        assert factory.process.poll() is not None  # stopped for good: no reply can be paired with a request
        assert factory.fork(cmd, dict(os.environ), str(tmp_path)) is None


def test_a_dead_forked_kernels_group_is_never_signalled(tmp_path, monkeypatch):
    """Its pid is free for reuse the moment it ends (the factory reaps at once); jupyter_client still
    signals a kernel that died before its shutdown, through os.killpg."""
    with started_factory():
        km = kernels.WarmKernelManager(kernel_name="python3")
        run_sync(km.start_kernel)(cwd=str(tmp_path))
        process = km.provisioner.process
        signal.pidfd_send_signal(process._pidfd, signal.SIGKILL)
        process.wait(timeout=10)
        sent = []
        monkeypatch.setattr(os, "killpg", lambda *a: sent.append(a))
        run_sync(km.provisioner.send_signal)(signal.SIGINT)
        run_sync(km.provisioner.kill)()
        assert sent == []
        monkeypatch.undo()
        run_sync(km.shutdown_kernel)(now=True)
