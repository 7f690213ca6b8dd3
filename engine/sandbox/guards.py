"""Run-time guards of sandboxed code and the names scripts see.

These run inside the sandbox process (engine/sandbox/child.py), where the
operating system enforces the real time and memory limits. The guards give
clearer, earlier errors: a checkpoint compiled into every loop, comprehension,
function and handler raises ``ScriptTimeout`` at the deadline (so a loop stops
cleanly and its process stays usable), and operations that could make one step
arbitrarily expensive are bounded before they run: integer results in bits
(``10**10**10``), sequence results and ``range`` in length (``'a'*10**10``,
``[0]*10**10``), padding string methods, ``join`` and ``replace`` in result
length, ``%`` formatting in field width. What they cannot see (``list.extend``,
f-strings, one C-level call over a huge structure) is stopped by the process
limits.

Scripts see :data:`SAFE_BUILTINS`: the usual harmless builtins and exception
classes, plus ``datetime``, ``date``, ``time``, ``timedelta`` and ``timezone``;
task data shadows them.
"""

from __future__ import annotations

import builtins
import contextvars
import datetime as _dt
import operator
import re
import sys
import time
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from engine.sandbox.compiler import DENIED_ATTRIBUTES, too_wide
from engine.sandbox.errors import ScriptResourceError, ScriptSecurityError, ScriptTimeout

MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 100_000


class _Deadline:
    """The deadline of one script run."""

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScriptTimeout(f"script exceeded its time limit of {self.time_limit:g} s")


_deadline: contextvars.ContextVar[_Deadline] = contextvars.ContextVar("script_deadline")


def start_deadline(time_limit: float) -> contextvars.Token:
    """Start the clock of one run; pass the token to :func:`end_deadline` afterwards."""
    return _deadline.set(_Deadline(time_limit))


def end_deadline(token: contextvars.Token) -> None:
    """End the run started with :func:`start_deadline`."""
    _deadline.reset(token)


def _tick() -> bool:
    _deadline.get().check()
    return True


def _limit_length(length: int, what: str) -> None:
    if length > MAX_SEQUENCE_LENGTH:
        raise ScriptResourceError(
            f"{what} would have {length} elements (limit {MAX_SEQUENCE_LENGTH})"
        )


def _limit_bits(bits: int, what: str) -> None:
    if bits > MAX_INT_BITS:
        raise ScriptResourceError(f"{what} would be a number of about {bits} bits (limit {MAX_INT_BITS})")


_SEQUENCES = (str, bytes, list, tuple)
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift, "%": operator.mod,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_binop(symbol: str, left: Any, right: Any) -> None:
    if symbol == "*":
        if _is_int(left) and _is_int(right):
            _limit_bits(left.bit_length() + right.bit_length(), "product")
        elif isinstance(left, _SEQUENCES) and _is_int(right):
            _limit_length(len(left) * right, "repetition")
        elif isinstance(right, _SEQUENCES) and _is_int(left):
            _limit_length(len(right) * left, "repetition")
    elif symbol == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            _limit_bits(left.bit_length() * right, "power")
    elif symbol == "<<":
        if _is_int(left) and _is_int(right) and right > 0:
            _limit_bits(left.bit_length() + right, "shift")
    elif symbol == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            _limit_length(len(left) + len(right), "concatenation")
    elif symbol == "%" and isinstance(left, (str, bytes)):
        text = left if isinstance(left, str) else left.decode("latin-1")
        for flags in re.findall(r"%(?:\([^)]*\))?([-#0 +*\d.]*)", text):
            if "*" in flags or too_wide(flags):
                raise ScriptResourceError("'%' format width is too large or computed")


def _binop(symbol: str, left: Any, right: Any) -> Any:
    _check_binop(symbol, left, right)
    return _BINOPS[symbol](left, right)


def _inplacevar(symbol: str, left: Any, right: Any) -> Any:
    _check_binop(symbol[:-1], left, right)
    return _INPLACE[symbol](left, right)


def _width_guard(method: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(width: int, *args: Any) -> Any:
        _limit_length(int(width), "padded string")
        return method(width, *args)
    return guarded


def _expandtabs_guard(text: str | bytes, method: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(tabsize: int = 8) -> Any:
        tab = "\t" if isinstance(text, str) else b"\t"
        _limit_length(len(text) + text.count(tab) * max(int(tabsize), 0), "expanded string")
        return method(tabsize)
    return guarded


def _replace_guard(text: str | bytes, method: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(old: Any, new: Any, count: int = -1) -> Any:
        hits = text.count(old)
        if count >= 0:
            hits = min(hits, count)
        _limit_length(len(text) + hits * (len(new) - len(old)), "replaced string")
        return method(old, new, count)
    return guarded


def _join_guard(separator: str | bytes, method: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(iterable: Iterable[Any]) -> Any:
        items = list(iterable)
        total = sum(len(i) for i in items if isinstance(i, (str, bytes)))
        _limit_length(total + len(separator) * max(len(items) - 1, 0), "joined string")
        return method(items)
    return guarded


def _guarded_getattr(obj: Any, name: str) -> Any:
    if name.startswith("_") or name in DENIED_ATTRIBUTES:
        raise ScriptSecurityError(f"access to '{name}' is not allowed")
    if isinstance(obj, ModuleType):
        raise ScriptSecurityError("access to module attributes is not allowed")
    value = getattr(obj, name)
    if isinstance(obj, (str, bytes)):
        if name in ("ljust", "rjust", "center", "zfill"):
            return _width_guard(value)
        if name == "expandtabs":
            return _expandtabs_guard(obj, value)
        if name == "replace":
            return _replace_guard(obj, value)
        if name == "join":
            return _join_guard(obj, value)
    return value


def _bounded_range(*args: int) -> range:
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = MAX_SEQUENCE_LENGTH + 1
    _limit_length(length, "range")
    return result


def _checked_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    total = start
    for index, item in enumerate(iterable):
        if index % 1000 == 0:
            _tick()
        total = _binop("+", total, item)
    return total


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _format(value: Any, spec: str = "") -> str:
    if not isinstance(spec, str) or too_wide(spec):
        raise ScriptResourceError("format width is too large")
    return format(value, spec)


def _pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None:
        return _binop("**", base, exponent)
    return pow(base, exponent, modulus)  # modular: the result is smaller than the modulus


_IMPORTABLE = frozenset({"time", "_strptime"})
"""Modules the C code of ``datetime`` imports itself (``strftime``, ``strptime``).

Such imports look up ``__import__`` in the running code's builtins; scripts
cannot name it (names starting with ``_`` are rejected), and a module object
gives a script nothing, because module attributes are not accessible.
"""


def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> ModuleType:
    if level == 0 and name in _IMPORTABLE:
        return sys.modules[name] if name in sys.modules else __import__(name)
    raise ImportError(f"import of '{name}' is not allowed")


_EXCEPTIONS = (
    "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "Exception", "FloatingPointError",
    "IndexError", "KeyError", "LookupError", "MemoryError", "NameError", "NotImplementedError", "OverflowError",
    "RecursionError", "RuntimeError", "StopIteration", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
    "UnicodeEncodeError", "UnicodeError", "ValueError", "ZeroDivisionError",
)
"""The standard exception classes scripts may raise and catch (``try: log`` / ``except NameError: ...``)."""

SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "ascii": ascii, "bin": bin, "bool": bool, "bytes": bytes,
    "callable": callable, "chr": chr, "complex": complex, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "format": _format, "frozenset": frozenset,
    "hash": hash, "hex": hex, "int": int, "isinstance": isinstance, "issubclass": issubclass, "iter": iter,
    "len": len, "list": list, "map": map, "max": max, "min": min, "next": next, "oct": oct, "ord": ord,
    "pow": _pow, "range": _bounded_range, "repr": repr, "reversed": reversed, "round": round, "set": set,
    "slice": slice, "sorted": sorted, "str": str, "sum": _checked_sum, "tuple": tuple, "zip": zip,
    "datetime": _dt.datetime, "date": _dt.date, "time": _dt.time, "timedelta": _dt.timedelta,
    "timezone": _dt.timezone,
    **{name: getattr(builtins, name) for name in _EXCEPTIONS},
    "__import__": _import,
}

GUARDS: dict[str, Any] = {
    "__builtins__": SAFE_BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": lambda obj: obj,  # attribute writes are rejected statically
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    "_binop_": _binop,
    "_tick_": _tick,
}
"""The names RestrictedPython's rewritten code calls, and the builtins; they shadow task data."""
