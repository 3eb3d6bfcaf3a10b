"""Warm kernels: each chapter's kernel is forked from a process that has already imported what
every chapter imports, instead of importing it all again.

A chapter's kernel used to spend more time starting than most of its sections take: ipykernel,
pandas and altair cost each kernel about 2 s of CPU before its first cell. A *factory* process
(``python -m shockbook.kernels``, one per runner worker) imports them once; for each chapter it
forks a child that becomes the kernel, exactly as ``python -m ipykernel_launcher`` would have
started it, with the chapter's environment and working folder.

Everything a chapter reads, draws or computes still happens in the child, after the fork: the
factory imports modules and nothing else (a test checks that importing them reads no data file),
so a chapter's read log and outputs are those of a fresh kernel (the runner's tests compare them).
What the imports leave behind is shared: numpy's global random state is drawn anew in each child;
the string hash seed is the factory's (no chapter's output depends on it: every rerun is compared
byte for byte); a warning raised while importing goes to the factory's stderr, not the first cell.

The manager only swaps how the process is started. ``WarmKernelManager`` is jupyter_client's own
manager with a provisioner whose ``launch_kernel`` asks the factory for a child; the child is
handed back as a ``Popen``-like object watched through a pidfd, so polling, interrupting
(the child leads its own session, as a launched kernel does) and killing are jupyter_client's.

Processes end with their parent, even one killed with SIGKILL: Linux kills the factory when its
worker ends and each kernel when the factory ends (PR_SET_PDEATHSIG); the factory also leaves when
its requests' pipe closes.

Where any of this is missing (not Linux, no pidfd), or the factory cannot serve a request (an
environment that differs in more than the chapter's own variables, a thread running in the factory),
the kernel is launched the ordinary way.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from shockbook import processes

# What every chapter imports before its first section (the template's first cell and the theme).
# A chapter's own module and its special needs (chapter 1's scipy) are imported in its kernel.
# (Warming ipykernel's debugger too, 0.17 s of each kernel's start, made no difference measurable here.)
WARM_MODULES = ("ipykernel.kernelapp", "pandas", "altair", "shockbook.site.book", "shockbook.site.charts",
                "shockbook.params")
LAUNCHER = ("-m", "ipykernel_launcher")  # how a kernel spec starts a Python kernel
# Seconds a worker waits for the factory's answer: its imports (2 s here) under the heaviest load seen
# leave a wide margin; nbclient gives a kernel as long to start.
REPLY_TIMEOUT = 60


def _readable(fd: int, timeout: float | None) -> bool:
    """Whether ``fd`` becomes readable within ``timeout`` seconds (a pidfd: whether its process ended)."""
    import select

    poller = select.poll()  # not select.select: it cannot watch descriptors numbered 1024 or more
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else timeout * 1000))


def available() -> bool:
    """Whether kernels can be forked here: Linux, with pidfds (kernel 5.3 or later)."""
    if not (sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(os, "pidfd_open")
            and hasattr(signal, "pidfd_send_signal")):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


# What a kernel's environment may add to the factory's: the variables the runner sets for each chapter
# (read when a chapter reads or draws, never at import) and the launcher's own. Any other difference
# (a module may have read it when the factory imported it) gets an ordinarily launched kernel.
PER_KERNEL_VARIABLES = ("JPY_PARENT_PID", "JPY_SESSION_NAME", "SHOCKBOOK_READ_LOG", "SHOCKBOOK_FIGDATA")


def _differences(env: dict, factory_env: dict) -> list[str]:
    """The variables, other than the per-kernel ones, in which ``env`` differs from the factory's."""
    return sorted(k for k in set(env) | set(factory_env)
                  if k not in PER_KERNEL_VARIABLES and env.get(k) != factory_env.get(k))


# --------------------------------------------------------------------------- the factory's side


def _become_kernel(request: dict, replies: int, ready: int, factory_pid: int) -> None:
    """In the forked child: take the chapter's environment and start ipykernel. Never returns."""

    def kernel() -> int:
        os.setsid()  # as jupyter_client launches kernels: interrupts reach the kernel's whole group
        os.write(ready, b"1")
        os.close(ready)
        os.close(replies)
        processes.die_with_parent(factory_pid)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the factory's choice, not a kernel's
        if "numpy.random" in sys.modules:  # seeded once when pandas imported it; a new process draws anew
            sys.modules["numpy.random"].seed()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update(request["imported"])  # as a launched kernel's own imports would set them
        from importlib.util import find_spec

        from ipykernel import kernelapp

        argv = list(request["argv"])
        # ipykernel read JPY_PARENT_PID when the factory imported it. Its parent poller, seeing the factory
        # as the parent, stands down; PR_SET_PDEATHSIG ends the kernel with the factory instead.
        if "JPY_PARENT_PID" in request["env"]:
            argv.append(f"--IPKernelApp.parent_handle={request['env']['JPY_PARENT_PID']}")
        sys.argv = [find_spec("ipykernel_launcher").origin, *argv]
        kernelapp.IPKernelApp.launch_instance(argv=argv)
        return 0

    processes.run_then_exit(kernel)


def serve(parent_pid: int) -> None:
    """The factory: import the common modules once, then fork one kernel per request.

    Requests arrive as JSON lines on stdin ({"argv", "env", "cwd"}); each gets one JSON line back,
    {"pid": …} or {"refused": why}. The replies go to the original stdout; fd 1 is pointed at
    stderr, so that no child can write into the replies.
    """
    processes.die_with_parent(parent_pid)  # at once, even while importing (the closed pipe says it later)
    replies = os.dup(1)
    os.dup2(2, 1)
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts its own folder back
    startup = dict(os.environ)  # what the factory was given, as the kernels are
    for name in WARM_MODULES:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - the kernel imports it again and shows the error in its cell
            pass
    import threading

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system, never zombies
    imported = {k: v for k, v in os.environ.items() if startup.get(k) != v}  # what the imports set
    for line in sys.stdin:
        request = json.loads(line)
        if threading.active_count() > 1:
            reply = {"refused": "a thread is running in the factory; forking would copy it half-done"}
        elif _differences(request["env"], startup):
            reply = {"refused": "the kernel's environment differs from the factory's in "
                                + ", ".join(_differences(request["env"], startup))}
        else:
            ready_r, ready_w = os.pipe()
            factory_pid = os.getpid()  # taken before the fork: in the child, getppid may already be init's
            pid = os.fork()
            if pid == 0:
                os.close(ready_r)
                _become_kernel({**request, "imported": imported}, replies, ready_w, factory_pid)
            os.close(ready_w)
            started = os.read(ready_r, 1) == b"1"  # the child leads its own session before anyone signals it
            os.close(ready_r)
            reply = {"pid": pid} if started else {"refused": "the forked kernel ended as it started"}
        os.write(replies, (json.dumps(reply) + "\n").encode())
    os._exit(0)  # the runner has gone: nothing here to clean up, and tearing down pandas and altair takes 0.5 s


# --------------------------------------------------------------------------- the runner's side


class Factory:
    """A factory process and the pipe to it. Start it from the thread that lives as long as the
    process (its end is what the factory watches)."""

    def __init__(self) -> None:
        from shockbook import paths

        self.process = subprocess.Popen(
            [sys.executable, "-m", "shockbook.kernels", str(os.getpid())], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, cwd=paths.CHAPTERS_DIR,
            env=dict(os.environ),  # os.environ, as kernels get it: C code (readline) may have set more
            # Out of the terminal's process group, as its kernels are: a Ctrl-C is the runner's to handle
            # (it stops its kernels); the factory ending first would kill them all (PR_SET_PDEATHSIG).
            start_new_session=True)
        self.refusal: str | None = None

    def fork(self, cmd: list[str], env: dict, cwd: str) -> int | None:
        """The pid of a new kernel started as ``cmd`` would start it, or None if the factory cannot.

        A factory that does not answer within REPLY_TIMEOUT (it hangs, or died) is stopped: its
        requests and replies could no longer be paired, and every later kernel is launched."""
        if self.process.poll() is not None or Path(cmd[0]) != Path(sys.executable) or tuple(cmd[1:3]) != LAUNCHER:
            return None
        request = {"argv": list(cmd[3:]), "env": dict(env), "cwd": str(cwd)}
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            if not _readable(self.process.stdout.fileno(), REPLY_TIMEOUT):
                raise TimeoutError("the kernel factory did not answer")
            reply = json.loads(self.process.stdout.readline() or "{}")
        except (OSError, ValueError):  # TimeoutError is an OSError
            self.process.kill()
            self.process.wait()
            return None
        self.refusal = reply.get("refused")  # why the last kernel was launched the ordinary way
        return reply.get("pid")

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


_factory: Factory | None = None


def start_factory() -> None:
    """Start this process's factory (once), so that its imports overlap the caller's own work."""
    global _factory
    if _factory is None and available():
        _factory = Factory()


def stop_factory() -> None:
    global _factory
    if _factory is not None:
        _factory.close()
        _factory = None


class ForkedKernel:
    """What ``subprocess.Popen`` offers jupyter_client, for a kernel that is the factory's child.

    The factory reaps it, so its exit status is not ours to read: ``poll`` says only whether it has
    ended (0 once it has). Its own signals go through a pidfd, which cannot reach a later process
    with the same pid; the provisioner's group signals are sent only while it lives.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        if self.returncode is None and _readable(self._pidfd, 0):
            self.returncode = 0
            os.close(self._pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not _readable(self._pidfd, timeout):
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self.poll()
        return self.returncode

    def __del__(self) -> None:
        if self.returncode is None and hasattr(self, "_pidfd"):
            os.close(self._pidfd)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                signal.pidfd_send_signal(self._pidfd, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WarmProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, whose kernel comes from the factory when there is one."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        if _factory is None:
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
        cwd = kwargs.get("cwd") or os.getcwd()
        pid = _factory.fork(cmd, env, cwd)
        try:
            process = ForkedKernel(pid) if pid is not None else None
        except ProcessLookupError:  # it ended already: a kernel launched the ordinary way says why
            process = None
        if process is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = process
        self.pid = pid
        self.pgid = pid  # the child made itself its session's (and group's) leader before the factory replied
        self.cwd = cwd
        return self.connection_info

    async def send_signal(self, signum: int) -> None:
        """As the local provisioner (to the kernel's process group), but only while the kernel lives:
        the factory reaps it at once, so its pid, unlike a launched kernel's, is free for reuse as soon
        as it ends (jupyter_client signals a kernel that died before shutting it down)."""
        if isinstance(self.process, ForkedKernel) and self.process.poll() is not None:
            return
        await super().send_signal(signum)


class WarmKernelManager(AsyncKernelManager):
    """jupyter_client's manager with the warm provisioner (nbclient's ``kernel_manager_class``)."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:  # jupyter_client would make a LocalProvisioner here
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
