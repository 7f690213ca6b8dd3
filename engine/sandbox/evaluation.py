"""Evaluate an expression or run a script in the sandbox and bring the result back.

Plain conditions are evaluated in this process (engine/sandbox/fast_path.py);
everything else is sent to a sandbox process (engine/sandbox/pool.py), whose
answer is checked (engine/sandbox/transfer.py) before anything of it is used. A
script's exception comes back as the same class (the standard exception classes
and the sandbox's own errors) with its message and the script line in
``script_line``; what it used is in ``usage`` (a :class:`SandboxUsage`).
"""

from __future__ import annotations

import builtins
import pickle
from dataclasses import dataclass
from typing import Any

from engine.sandbox import transfer
from engine.sandbox.errors import (
    SandboxUsage,
    ScriptDataError,
    ScriptFailure,
    ScriptResourceError,
    ScriptSecurityError,
    ScriptSyntaxError,
    ScriptTimeout,
)
from engine.sandbox.fast_path import evaluate_plain, plain_expression
from engine.sandbox.guards import SAFE_BUILTINS
from engine.sandbox.pool import DEFAULT_SIZE, shared_pool

_OWN_ERRORS = {cls.__name__: cls for cls in (ScriptSecurityError, ScriptSyntaxError, ScriptTimeout, ScriptResourceError,
                                              ScriptDataError)}
_SCRIPT_ERRORS = {name for name, value in SAFE_BUILTINS.items()
                  if isinstance(value, type) and issubclass(value, BaseException)} | {"ImportError", "SyntaxError"}
_NAMES = {name: value for name, value in SAFE_BUILTINS.items() if not name.startswith("_")}


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one script run or expression evaluation.

    Attributes:
        time_limit: Seconds of wall-clock time.
        memory_limit: Bytes the sandbox process may grow by.
        max_data_bytes: Size of the data a script leaves (all its variables) or an expression returns.
        processes: Sandbox processes per web or worker process (counts when the first run starts them).
    """

    time_limit: float = 1.0
    memory_limit: int = 256 * 2**20
    max_data_bytes: int = 5_000_000
    processes: int = DEFAULT_SIZE


def evaluate(expression: str, namespace: dict[str, Any], limits: SandboxLimits) -> Any:
    """Evaluate an expression against ``namespace`` (task data and helpers) and return its value."""
    code = plain_expression(expression) if isinstance(expression, str) else None
    if code is not None:
        return evaluate_plain(code, {**_NAMES, **namespace})
    value = _run("eval", expression, namespace, {}, limits)
    transfer.check_data(value, "the expression's value", limits.max_data_bytes)
    return value


def execute(script: str, context: dict[str, Any], hidden: dict[str, Any], limits: SandboxLimits) -> dict[str, Any]:
    """Run a script; return its top-level variables except functions and the ``hidden`` names.

    Args:
        script: Python source.
        context: The task data the script starts with.
        hidden: Names the script sees but that are not task data (helpers, external context).
        limits: The limits of this run.
    """
    variables = _run("exec", script, context, hidden, limits)
    if not isinstance(variables, dict):
        raise ScriptDataError("the sandbox answered without the script's variables")
    budget = limits.max_data_bytes
    for key, value in variables.items():
        if not isinstance(key, str):
            raise ScriptDataError("the sandbox answered with a variable that has no name")
        budget -= transfer.check_data(value, f"script variable '{key}'", budget)
    return variables


def _run(mode: str, source: str, context: dict[str, Any], hidden: dict[str, Any], limits: SandboxLimits) -> Any:
    try:
        request = pickle.dumps({
            "mode": mode, "source": source, "context": context, "external": {}, "globals": hidden,
            "time_limit": limits.time_limit, "memory_limit": limits.memory_limit, "max_bytes": limits.max_data_bytes,
        }, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        raise ScriptDataError(f"the task data cannot be passed to the sandbox: {exc}") from None
    answer, usage = shared_pool(limits.processes).run(request, limits.time_limit, limits.max_data_bytes)
    envelope = transfer.decode(answer)
    if isinstance(envelope, tuple) and len(envelope) == 3 and envelope[0] == "ok" and isinstance(envelope[1], bytes):
        return transfer.decode(envelope[1])
    if isinstance(envelope, tuple) and len(envelope) == 6 and envelope[0] == "error":
        _, name, args, message, line, peak = envelope
        raise _rebuild(name, args, message, line, SandboxUsage(usage.elapsed, peak))
    raise ScriptDataError("the sandbox's answer cannot be read")


def _rebuild(name: Any, args: Any, message: Any, line: Any, usage: SandboxUsage) -> Exception:
    """Turn the description of a script's exception into an exception of the same class."""
    message = message if isinstance(message, str) else ""
    exc: Exception
    if name in _OWN_ERRORS:
        exc = _OWN_ERRORS[name](message)
    elif name in _SCRIPT_ERRORS and isinstance(args, tuple):
        try:
            exc = getattr(builtins, name)(*args)
        except Exception:  # noqa: BLE001 - a class whose arguments did not survive: keep the message
            exc = ScriptFailure(f"{name}: {message}")
    else:
        exc = ScriptFailure(f"{name}: {message}" if isinstance(name, str) else message)
    exc.script_line = line if isinstance(line, int) else None  # type: ignore[attr-defined]
    exc.usage = usage  # type: ignore[attr-defined]
    return exc
