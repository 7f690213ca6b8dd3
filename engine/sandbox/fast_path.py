"""Plain conditions evaluated in this process, without a round trip to a sandbox process.

Most expressions in models are conditions like ``approved == True``,
``entscheidung == "Ablehnung"``, ``meldedaten["found"] == False`` or a variable
naming a timer's duration. Such an expression is evaluated here when its syntax
tree consists only of:

* names (not starting with ``_``), constants, subscripts by a constant key,
* comparisons (``== != < <= > >= in not in is is not``), ``and``/``or``/``not``,
  unary ``-``/``+``, conditional expressions and tuple/list displays,

with at most :data:`MAX_NODES` nodes. Why this is safe: no call, attribute access,
arithmetic, comprehension or lambda can occur, so no code of the model's author
runs, nothing is created that is larger than the source, and the work is at most
``MAX_NODES`` operations, each linear in the size of the values it compares.
Those values are task data, which has passed the sandbox's data checks and the
case data size limit (engine/case_data.py); comparing nested data recurses in C
with Python's recursion guard. The result is exactly what the sandbox would give:
RestrictedPython compiles these nodes unchanged, except subscripts, which it
turns into ``operator.getitem`` calls.

Everything else goes to a sandbox process (engine/sandbox/pool.py).
"""

from __future__ import annotations

import ast
import functools
from types import CodeType
from typing import Any

from engine.sandbox.compiler import SCRIPT_FILENAME

MAX_NODES = 64
_ALLOWED = frozenset({
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Subscript, ast.Compare, ast.BoolOp, ast.UnaryOp,
    ast.IfExp, ast.Tuple, ast.List,
    ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
})
_EMPTY_BUILTINS: dict[str, Any] = {"__builtins__": {}}


@functools.lru_cache(maxsize=4096)
def plain_expression(source: str) -> CodeType | None:
    """Return the compiled expression if it is plain (see the module's docstring), else None."""
    try:
        tree = ast.parse(source.strip(), SCRIPT_FILENAME, "eval")
    except (SyntaxError, ValueError):
        return None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        return None
    for node in nodes:
        if type(node) not in _ALLOWED:
            return None
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            return None  # the sandbox's checks explain why this is not allowed
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            return None
    return compile(tree, SCRIPT_FILENAME, "eval")


def evaluate_plain(code: CodeType, namespace: dict[str, Any]) -> Any:
    """Evaluate a plain expression from :func:`plain_expression` against ``namespace``."""
    return eval(code, _EMPTY_BUILTINS, namespace)  # noqa: S307 - only the nodes listed above
