"""Static checks and compilation of sandboxed scripts and expressions.

Applied to every piece of source before it runs:

1. ``check_script`` walks the AST and rejects imports, class definitions,
   generators, async code, names and attributes starting with ``_``
   (``().__class__``), introspection attributes (``gi_frame``, ``f_globals``,
   ...), ``str.format``/``format_map`` (``"{0.__class__}".format(x)``),
   attribute assignment, computed f-string format specs, and calls of
   dangerous builtins (``eval``, ``open``, ``getattr``, ``type``, ...), each
   with a message naming the construct.
2. RestrictedPython's transformer (the mature, audited layer) rewrites
   attribute, item and iteration access into calls of guard functions that
   re-check every access at run time (engine/sandbox/guards.py).
3. Our own transformer wraps ``+ * ** << %`` in a size check and inserts a
   checkpoint call at the top of every loop body, comprehension iteration,
   function and lambda body, and exception/finally handler.

Only the checks run in the web or worker process (when a model is deployed);
compiled code runs in a sandbox process (engine/sandbox/pool.py).
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from types import CodeType
from typing import Literal

from RestrictedPython import RestrictingNodeTransformer

from engine.sandbox.errors import ScriptSecurityError, ScriptSyntaxError

MAX_FORMAT_WIDTH = 10_000
SCRIPT_FILENAME = "<string>"  # the name Spiff looks for when it reports error lines

FORBIDDEN_CALLS = frozenset({
    "breakpoint", "classmethod", "compile", "delattr", "dir", "eval", "exec", "exit",
    "getattr", "globals", "hasattr", "help", "id", "input", "locals", "memoryview",
    "object", "open", "print", "property", "quit", "setattr", "staticmethod", "super",
    "type", "vars",
})
DENIED_ATTRIBUTES = frozenset({
    "format", "format_map", "translate", "mro",
    "ag_await", "ag_code", "ag_frame", "co_code", "cr_await", "cr_code", "cr_frame",
    "f_back", "f_builtins", "f_code", "f_generator", "f_globals", "f_locals", "f_trace",
    "gi_code", "gi_frame", "gi_yieldfrom", "tb_frame", "tb_next",
})
RESERVED_NAMES = frozenset({"print", "printed"})  # RestrictedPython turns them into a print collector


class _Checker(ast.NodeVisitor):
    """Collects sandbox violations with clear messages."""

    def __init__(self) -> None:
        self.problems: list[tuple[tuple[int, int], str]] = []

    def _reject(self, node: ast.AST, message: str) -> None:
        position = (getattr(node, "lineno", 0), getattr(node, "end_col_offset", 0) or 0)
        self.problems.append((position, message))

    def visit_Import(self, node: ast.Import) -> None:
        self._reject(node, "import statements are not allowed")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._reject(node, "class definitions are not allowed")

    def visit_Yield(self, node: ast.AST) -> None:
        self._reject(node, "generator functions (yield) are not allowed")

    visit_YieldFrom = visit_Yield

    def visit_AsyncFunctionDef(self, node: ast.AST) -> None:
        self._reject(node, "async code is not allowed")

    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_AsyncFunctionDef

    def visit_Name(self, node: ast.Name) -> None:
        self._check_name(node, node.id)

    def visit_arg(self, node: ast.arg) -> None:
        self._check_name(node, node.arg)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_name(node, node.name)
        self.generic_visit(node)

    def _check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("_") and name != "_":
            self._reject(node, f"name '{name}' is not allowed")
        elif name in RESERVED_NAMES:
            self._reject(node, f"name '{name}' is reserved")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_") or node.attr in DENIED_ATTRIBUTES:
            self._reject(node, f"access to '{node.attr}' is not allowed")
        elif not isinstance(node.ctx, ast.Load):
            self._reject(node, f"assigning or deleting attribute '{node.attr}' is not allowed")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self._reject(node, f"calling '{node.func.id}' is not allowed")
        else:
            self.visit(node.func)
        for child in [*node.args, *node.keywords]:
            self.visit(child)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) for p in parts):
                self._reject(node, "computed format specifications in f-strings are not allowed")
            elif too_wide("".join(str(p.value) for p in parts)):
                self._reject(node, "format width in f-string is too large")
        self.visit(node.value)


def too_wide(format_spec: str) -> bool:
    """Tell whether a format specification asks for a field wider than ``MAX_FORMAT_WIDTH``."""
    return any(int(digits) > MAX_FORMAT_WIDTH for digits in re.findall(r"\d+", format_spec))


def check_script(source: str, mode: Literal["exec", "eval"]) -> None:
    """Statically check a script or expression against the sandbox rules.

    Args:
        source: Python source of a script (``exec``) or an expression (``eval``).
        mode: ``'exec'`` for script tasks, ``'eval'`` for conditions/expressions.

    Raises:
        ScriptSyntaxError: If the source is not valid Python.
        ScriptSecurityError: If it uses a construct the sandbox rejects; the
            message names the construct and the line.
    """
    _restricted_tree(source, mode)


def _parse(source: str, mode: str) -> ast.AST:
    if not isinstance(source, str):
        raise ScriptSyntaxError(f"script must be text, got {type(source).__name__}")
    if mode == "eval":
        source = source.strip()  # as eval() does; conditions in XML are often indented
    try:
        return ast.parse(source, SCRIPT_FILENAME, mode)
    except SyntaxError as exc:
        raise ScriptSyntaxError(f"syntax error: {exc.msg}", exc.lineno) from None
    except ValueError as exc:  # e.g. NUL bytes in source
        raise ScriptSyntaxError(f"syntax error: {exc}") from None


def _restricted_tree(source: str, mode: str) -> ast.AST:
    tree = _parse(source, mode)
    checker = _Checker()
    checker.visit(tree)
    if checker.problems:
        (lineno, _), message = min(checker.problems)
        raise ScriptSecurityError(message, lineno or None)
    tree = _ItemAugAssignRewriter().visit(tree)
    errors: list[str] = []
    tree = RestrictingNodeTransformer(errors, [], {}).visit(tree)
    if errors:
        raise ScriptSecurityError(errors[0])
    return tree


class _ItemAugAssignRewriter(ast.NodeTransformer):
    """Turns ``d[k] += v`` into ``d[k] = d[k] + v`` when ``d`` and ``k`` have no calls.

    RestrictedPython rejects augmented assignment to items; scripts commonly
    count into dicts, and without calls the double evaluation is harmless.
    """

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        target = node.target
        if isinstance(target, ast.Subscript) and not any(
            isinstance(n, ast.Call) for n in ast.walk(target)
        ):
            load = ast.Subscript(
                value=copy.deepcopy(target.value), slice=copy.deepcopy(target.slice), ctx=ast.Load()
            )
            value = ast.BinOp(left=ast.copy_location(load, target), op=node.op, right=node.value)
            assign = ast.Assign(targets=[target], value=ast.copy_location(value, node))
            return ast.copy_location(assign, node)
        return node


_GUARDED_BINOPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}


class _GuardTransformer(ast.NodeTransformer):
    """Inserts size checks around expensive operators and time checkpoints."""

    @staticmethod
    def _tick(node: ast.AST) -> ast.Call:
        call = ast.Call(func=ast.Name("_tick_", ast.Load()), args=[], keywords=[])
        return ast.copy_location(call, node)

    def _tick_first(self, node: ast.AST, body: list[ast.stmt]) -> None:
        body.insert(0, ast.copy_location(ast.Expr(self._tick(node)), node))

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        symbol = _GUARDED_BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.copy_location(call, node)

    def _visit_loop(self, node: ast.For | ast.While) -> ast.AST:
        self.generic_visit(node)
        self._tick_first(node, node.body)
        return node

    visit_For = visit_While = _visit_loop

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        self._tick_first(node, node.body)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        node.body = ast.copy_location(
            ast.BoolOp(op=ast.And(), values=[self._tick(node), node.body]), node.body
        )
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, self._tick(node.iter))
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        self.generic_visit(node)
        self._tick_first(node, node.body)
        return node

    def visit_Try(self, node: ast.Try) -> ast.AST:
        self.generic_visit(node)
        if node.finalbody:
            self._tick_first(node.finalbody[0], node.finalbody)
        return node


@functools.lru_cache(maxsize=2048)
def compile_script(source: str, mode: str) -> CodeType:
    """Check, transform and compile a script (``exec``) or expression (``eval``); cached per source.

    Raises:
        ScriptSyntaxError, ScriptSecurityError: as :func:`check_script`.
    """
    tree = _GuardTransformer().visit(_restricted_tree(source, mode))
    ast.fix_missing_locations(tree)
    return compile(tree, SCRIPT_FILENAME, mode)
