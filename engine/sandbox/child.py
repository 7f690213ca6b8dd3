"""The sandbox process: runs one script or expression after another under operating-system limits.

Started by engine/sandbox/pool.py as ``python -m engine.sandbox.child READ_FD WRITE_FD``
with an empty environment; it imports nothing of the web or worker process (no
database, no Flask). Each process serves requests from its pipe until the pipe
closes:

1. before a run, it lowers its own soft limits: ``RLIMIT_AS`` to its current
   address space plus the memory limit (an allocation beyond fails with
   ``MemoryError``) and ``RLIMIT_CPU`` to the CPU seconds used so far plus the
   time limit and a margin (beyond, the kernel ends the process with ``SIGXCPU``);
2. it runs the code with the guards of engine/sandbox/guards.py (whose
   checkpoints end a loop at the deadline without losing the process);
3. it checks what leaves (engine/sandbox/transfer.py), restores the limits and
   answers. A process whose memory grew during a run retires after answering.

The parent kills the process when no answer came in time (a single C-level call
the checkpoints cannot interrupt); then this process is simply gone.
"""

from __future__ import annotations

import _strptime  # noqa: F401 - preloaded for datetime.strptime (see guards._IMPORTABLE)
import gc
import os
import pickle
import resource
import signal
import sys
import traceback
from multiprocessing.connection import Connection

from engine.sandbox import guards, transfer
from engine.sandbox.compiler import SCRIPT_FILENAME, compile_script
from engine.sandbox.errors import ScriptResourceError

CPU_MARGIN_SECONDS = 2
"""CPU seconds beyond the time limit before the kernel ends the process (the parent's kill comes first)."""
RETIRE_GROWTH = 64 * 2**20
"""A process whose address space grew by more than this since it started retires after its answer."""
KEEP, RETIRE = b"K", b"R"
"""First byte of an answer: whether the process serves further requests or ends after this one."""
MAX_MESSAGE = 2000
"""Characters of an error message that leave the sandbox."""
_PAGE = os.sysconf("SC_PAGE_SIZE")


def serve(requests: Connection, answers: Connection) -> None:
    """Answer requests from ``requests`` on ``answers`` until the parent closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the parent; it closes the pipe
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    gc.freeze()
    start_size = _address_space()
    while True:
        try:
            request = requests.recv_bytes()
        except (EOFError, OSError):
            return
        answer = handle(request)
        retire = _address_space() - start_size > RETIRE_GROWTH
        answers.send_bytes((RETIRE if retire else KEEP) + pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        if retire:
            return


def handle(request: bytes) -> tuple:
    """Run one request; return ``("ok", encoded value, peak)`` or ``("error", class, args, message, line, peak)``."""
    _reset_peak()
    job = pickle.loads(request)
    limits = _apply_limits(job["time_limit"], job["memory_limit"])
    try:
        outcome = ("ok", _run(job))
    except MemoryError as exc:
        traceback.clear_frames(exc.__traceback__)  # frees the script's data before the answer is built
        outcome = _error(ScriptResourceError(
            f"script exceeded its memory limit of {(job['memory_limit'] or 0) // 2**20} MiB"), None)
    except BaseException as exc:  # noqa: BLE001 - every failure of the script is its answer
        line = _script_line(exc)
        traceback.clear_frames(exc.__traceback__)
        outcome = _error(exc, line)
    finally:
        _restore_limits(limits)
    return (*outcome, _peak())


def _run(job: dict) -> bytes:
    mode, source = job["mode"], job["source"]
    code = compile_script(source, mode)
    namespace = dict(job["globals"])
    namespace.update(job["external"])
    namespace.update(job["context"])
    namespace.update(guards.GUARDS)
    token = guards.start_deadline(job["time_limit"])
    try:
        result = eval(code, namespace)  # noqa: S307 - code was compiled by the sandbox
    finally:
        guards.end_deadline(token)
    if mode == "eval":
        transfer.check_data(result, "the expression's value", job["max_bytes"])
        return transfer.encode(result)
    hidden = set(job["globals"]) | set(job["external"]) | set(guards.GUARDS)
    variables = {key: value for key, value in namespace.items() if key not in hidden and not callable(value)}
    budget = job["max_bytes"]
    for key, value in variables.items():
        budget -= transfer.check_data(value, f"script variable '{key}'", budget)
    return transfer.encode(variables)


def _error(exc: BaseException, line: int | None) -> tuple:
    try:
        message = str(exc)[:MAX_MESSAGE]
    except Exception:  # noqa: BLE001 - a message that cannot be made is left out
        message = ""
    plain = all(isinstance(a, (str, int, float, bool, type(None))) for a in exc.args)
    args = tuple(a[:MAX_MESSAGE] if isinstance(a, str) else a for a in exc.args[:4]) if plain else (message,)
    if any(isinstance(a, int) and a.bit_length() > 64 for a in args):
        args = (message,)
    return ("error", type(exc).__name__, args, message, line)


def _script_line(exc: BaseException) -> int | None:
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == SCRIPT_FILENAME:
            line = frame.lineno
    return line


def _apply_limits(time_limit: float, memory_limit: int | None) -> dict[int, tuple[int, int]]:
    """Lower the soft limits for one run; return the previous ones."""
    previous = {which: resource.getrlimit(which) for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU)}
    if time_limit:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(usage.ru_utime + usage.ru_stime + time_limit) + CPU_MARGIN_SECONDS
        _lower(resource.RLIMIT_CPU, cpu)
    if memory_limit:
        _lower(resource.RLIMIT_AS, _address_space() + memory_limit)
    return previous


def _lower(which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _restore_limits(previous: dict[int, tuple[int, int]]) -> None:
    for which, limit in previous.items():
        resource.setrlimit(which, limit)


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * _PAGE


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets the peak resident set size (VmHWM)
    except OSError:
        pass


def _peak() -> int | None:
    return peak_of(os.getpid())


def peak_of(pid: int) -> int | None:
    """Peak resident set size (VmHWM) of a process in bytes, or None if unknown."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
