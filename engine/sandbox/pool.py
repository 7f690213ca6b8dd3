"""A small pool of sandbox processes, one per web or worker process, started on first use.

Each sandbox process is a fresh interpreter running engine/sandbox/child.py
with an empty environment (no database URL, no keys) and only its two pipes
open; it imports nothing but the sandbox and RestrictedPython, which takes about
60 ms and 15 MB. (A multiprocessing forkserver would fork faster, but it
re-imports the parent's main module, under gunicorn the whole application, into
every child and hands down the parent's environment.) A caller takes an idle process (or starts one, up to ``size``; beyond, it waits),
sends one request and waits for the answer at most the time limit plus a grace
period. If none came, the process is killed (``SIGKILL``) and the caller gets
``ScriptTimeout``; if the process died (the kernel's ``SIGXCPU``, a crash), the
caller gets ``ScriptResourceError``. Either way the caller's own process is
untouched and the next request gets a fresh sandbox process.

Nothing here is shared between web or worker processes: each has its own pool
(a forked copy of this process notices the new pid and starts its own).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from engine.sandbox import child
from engine.sandbox.errors import ScriptResourceError, ScriptTimeout, SandboxUsage

DEFAULT_SIZE = 2
GRACE_SECONDS = 0.2
"""Time beyond the limit that a sandbox process gets to answer (its own checkpoint usually ends a loop first)."""
ANSWER_OVERHEAD = 1 << 20
"""Bytes an answer may have beyond the data limit (envelope, error messages)."""


@dataclass
class _Process:
    process: subprocess.Popen
    connection: Connection

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class SandboxPool:
    """Up to ``size`` sandbox processes shared by the threads of this process.

    Args:
        size: Most sandbox processes running at once.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = max(1, size)
        self._idle: list[_Process] = []
        self._running = 0
        self._condition = threading.Condition()

    def run(self, request: bytes, time_limit: float, max_answer: int) -> tuple[bytes, SandboxUsage]:
        """Send one request to a sandbox process and return its answer.

        Args:
            request: The pickled request (engine/sandbox/child.py ``handle``).
            time_limit: The script's time limit in seconds; the process is killed
                ``GRACE_SECONDS`` after it.
            max_answer: Largest answer accepted, in bytes.

        Raises:
            ScriptTimeout: no answer in time; the process was killed.
            ScriptResourceError: the process ended without an answer, or answered too much.
        """
        worker = self._acquire()
        started = time.monotonic()
        keep = False
        try:
            try:
                worker.connection.send_bytes(request)
            except OSError:  # the idle process is gone (killed from outside): take a fresh one
                worker.kill()
                worker = _start()
                worker.connection.send_bytes(request)
            if not worker.connection.poll(time_limit + GRACE_SECONDS):
                peak = child.peak_of(worker.process.pid)
                raise _with_usage(ScriptTimeout(f"script exceeded its time limit of {time_limit:g} s"),
                                  SandboxUsage(time.monotonic() - started, peak))
            answer = worker.connection.recv_bytes(max_answer + ANSWER_OVERHEAD)
            keep = answer[:1] == child.KEEP
            return answer[1:], SandboxUsage(time.monotonic() - started, None)
        except (EOFError, OSError) as exc:
            message = ("script's data is too large to be kept" if "too long" in str(exc) else
                       "script's process ended without an answer: it exceeded its CPU or memory limit")
            raise _with_usage(ScriptResourceError(message), SandboxUsage(time.monotonic() - started, None)) from None
        finally:
            self._release(worker, keep)

    def _acquire(self) -> _Process:
        with self._condition:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.is_alive():
                        return worker
                    worker.kill()
                    self._running -= 1
                if self._running < self.size:
                    self._running += 1
                    break
                self._condition.wait()
        try:
            return _start()
        except BaseException:
            with self._condition:
                self._running -= 1
                self._condition.notify()
            raise

    def _release(self, worker: _Process, keep: bool) -> None:
        if not keep:
            worker.kill()
        with self._condition:
            if keep:
                self._idle.append(worker)
            else:
                self._running -= 1
            self._condition.notify()

    def close(self) -> None:
        """End the idle sandbox processes (busy ones end when their callers release them)."""
        with self._condition:
            idle, self._idle = self._idle, []
            self._running -= len(idle)
        for worker in idle:
            worker.kill()


def _with_usage(exc: Exception, usage: SandboxUsage) -> Exception:
    exc.usage = usage  # type: ignore[attr-defined]
    return exc


def _start() -> _Process:
    """Start a sandbox process connected by two pipes (requests in, answers out)."""
    requests_read, requests_write = os.pipe()
    answers_read, answers_write = os.pipe()
    environment = {"PYTHONPATH": os.pathsep.join(path for path in sys.path if path), "LC_ALL": "C.UTF-8"}
    try:
        process = subprocess.Popen(
            [sys.executable, "-s", "-m", "engine.sandbox.child", str(requests_read), str(answers_write)],
            env=environment, stdin=subprocess.DEVNULL, pass_fds=(requests_read, answers_write),
        )
    except BaseException:
        for fd in (requests_read, requests_write, answers_read, answers_write):
            os.close(fd)
        raise
    os.close(requests_read)
    os.close(answers_write)
    return _Process(process, _Channel(answers_read, requests_write))


class _Channel(Connection):
    """A connection made of two pipe ends: answers are read from one, requests written to the other."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        super().__init__(read_fd)
        self._write_end = Connection(write_fd, readable=False)

    def send_bytes(self, buf, offset=0, size=None) -> None:  # noqa: ANN001 - Connection's signature
        self._write_end.send_bytes(buf, offset, size)

    def close(self) -> None:
        self._write_end.close()
        super().close()


_pool: SandboxPool | None = None
_pool_pid: int | None = None
_pool_lock = threading.Lock()


def shared_pool(size: int = DEFAULT_SIZE) -> SandboxPool:
    """Return this process's pool, created on first use (``size`` counts only then)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = SandboxPool(size), os.getpid()
        return _pool


@atexit.register
def _close_shared_pool() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
