"""Data crossing the boundary of the sandbox process, in both directions.

Task data goes into the sandbox process as a pickle (trusted: we wrote it). What
comes back is produced by untrusted code, so it is

* limited to data types: ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``,
  ``bytes``, ``list``, ``tuple``, ``dict``, ``set``, ``frozenset`` and the ``datetime``
  types. Everything else (a generator, a ``map`` object, an exception instance, a
  function inside a list) is refused with a message naming the variable;
* limited in size as it would be written out (every shared object counted each time
  it appears, so ``a = [a, a]`` repeated cannot build an exponentially large value
  from a few bytes), in nesting depth, and free of cycles; the same walk runs in the
  sandbox process (to give the error there) and again here after decoding (so that
  nothing the process sends can make this process work longer than the limit allows);
* decoded with an unpickler that can only construct the ``datetime`` types (and
  ``complex``): a pickle naming any other class or function is refused.

Pickle keeps every value exactly as the script left it (tuples stay tuples, integer
keys stay integers, ``datetime`` stays ``datetime``), so Spiff sees the same task data
it would have seen without a sandbox process.
"""

from __future__ import annotations

import datetime as _dt
import io
import pickle
import zoneinfo
from typing import Any

from engine.sandbox.errors import ScriptDataError

MAX_DEPTH = 100
"""Deepest nesting of lists, tuples, dicts and sets that leaves the sandbox."""

_SCALARS = frozenset({type(None), bool, int, float, complex, str, bytes,
                      _dt.date, _dt.datetime, _dt.time, _dt.timedelta, _dt.timezone, zoneinfo.ZoneInfo})
_CONTAINERS = frozenset({list, tuple, dict, set, frozenset})
_ALLOWED_GLOBALS = frozenset({
    ("builtins", "complex"),
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("zoneinfo", "ZoneInfo._unpickle"),
})


def check_data(value: Any, name: str, max_bytes: int) -> int:
    """Check that ``value`` is data that may leave the sandbox; return its approximate size in bytes.

    The walk is iterative and stops as soon as a limit is passed, so its cost is
    bounded by ``max_bytes`` whatever the value's shape.

    Args:
        value: The value (a script variable, an expression's result).
        name: How the error message calls it (``"script variable 'x'"``).
        max_bytes: Largest size allowed, counted as the value would be written out.

    Raises:
        ScriptDataError: naming the problem: a type that is not data, a cycle, too deep, too large.
    """
    size = 0
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(value, 0, False)]
    while stack:
        item, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(item))
            continue
        kind = type(item)
        if kind in _SCALARS:
            size += _scalar_size(item)
        elif kind in _CONTAINERS:
            if id(item) in on_path:
                raise ScriptDataError(f"{name} contains itself (a self-referencing {kind.__name__}); "
                                      "only tree-shaped data can be kept")
            if depth >= MAX_DEPTH:
                raise ScriptDataError(f"{name} is nested more than {MAX_DEPTH} levels deep")
            on_path.add(id(item))
            stack.append((item, depth, True))
            children = [*item.keys(), *item.values()] if kind is dict else item
            size += 2 + len(item)
            stack.extend((child, depth + 1, False) for child in children)
        else:
            raise ScriptDataError(f"{name} holds a value of type '{kind.__name__}', which cannot be kept; "
                                  "only data (numbers, text, lists, dicts, sets, dates) can")
        if size > max_bytes:
            raise ScriptDataError(f"{name} is larger than the limit of {max_bytes} bytes for data a script produces")
    return size


def _scalar_size(item: Any) -> int:
    if isinstance(item, (str, bytes)):
        return len(item) + 2
    if isinstance(item, int):
        return item.bit_length() // 3 + 1
    return 8


def encode(value: Any) -> bytes:
    """Pickle checked data (see :func:`check_data`) for the way out of the sandbox."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise ScriptDataError(f"the sandbox answered with a '{module}.{name}', which is not data")
        if module == "zoneinfo":
            return zoneinfo.ZoneInfo._unpickle
        return super().find_class(module, name)


def decode(payload: bytes) -> Any:
    """Unpickle what a sandbox process sent, constructing nothing but data types.

    Raises:
        ScriptDataError: the payload names a class or function other than the data types.
    """
    try:
        return _DataUnpickler(io.BytesIO(payload)).load()
    except ScriptDataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged answer is an error of the script's run
        raise ScriptDataError(f"the sandbox's answer cannot be read: {type(exc).__name__}") from None
