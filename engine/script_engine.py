"""Sandboxed execution of BPMN scripts, conditions and service calls.

Models are uploaded by users, so every script task, gateway condition and other
expression runs in a restricted sandbox instead of SpiffWorkflow's plain
``eval``/``exec``.

Layers, applied to every piece of source before it runs:

1. ``check_script`` walks the AST and rejects imports, class definitions,
   generators, async code, names and attributes starting with ``_``
   (``().__class__``), introspection attributes (``gi_frame``, ``f_globals``,
   ...), ``str.format``/``format_map`` (``"{0.__class__}".format(x)``),
   attribute assignment, computed f-string format specs, and calls of
   dangerous builtins (``eval``, ``open``, ``getattr``, ``type``, ...), each
   with a message naming the construct.
2. RestrictedPython's transformer (the mature, audited layer) rewrites
   attribute, item and iteration access into calls of guard functions that
   re-check every access at run time.
3. Our own transformer wraps ``+ * ** << %`` in a size check and inserts a
   checkpoint call at the top of every loop body, comprehension iteration,
   function and lambda body, and exception/finally handler.

Scripts see only a small builtins table (no ``__import__``, ``open``, ...) plus
``datetime``, ``date``, ``timedelta`` and ``timezone``; task data shadows them.

Why checkpoints for the time limit: ``signal.alarm`` only works in the main
thread, but web servers run requests in worker threads. ``sys.settrace`` works
per thread but replaces debuggers' and coverage's tracers and, on CPython 3.11,
does not even fire for a one-line ``while True: pass``. Threads cannot be killed
from outside. A checkpoint compiled into the script itself compares
``time.monotonic()`` with the run's deadline and raises ``ScriptTimeout``; it
works in any thread, costs one function call per iteration, and because
exception handlers run a checkpoint first, ``except Exception`` cannot swallow
the timeout.

A checkpoint cannot interrupt a single operation that runs in C, so the
operations that can make one step arbitrarily expensive are bounded before
they run: integer results are limited in bits (``10**10**10``), sequence
results and ``range`` in length (``'a'*10**10``, ``[0]*10**10``), padding
string methods, ``join`` and ``replace`` in result length, ``%`` formatting in
field width. ``sum`` is evaluated in Python with checkpoints, ``map`` and
``filter`` are not offered (comprehensions are checked).

Memory: besides those limits, checkpoints sample the process's resident set
size (Linux ``/proc/self/statm``) every few milliseconds and raise
``ScriptResourceError`` when it grew by more than the memory limit since the
run started. This is approximate: it is process-wide, so other threads'
allocations count too, and it is skipped where ``/proc`` is missing.

Known limit: a single C-level operation over a structure that shares one large
object many times (``str([big] * n)`` or sorting it) is not interrupted. A hard
bound on such cases needs a separate process per evaluation with OS limits,
which costs far more than an engine step; the per-operation limits above make
such structures hard to build within the time limit.
"""

from __future__ import annotations

import ast
import contextvars
import copy
import datetime as _dt
import functools
import json
import operator
import os
import re
import time
from collections.abc import Callable, Iterable
from types import CodeType, ModuleType
from typing import Any, Literal

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.legal_time import zoned_timer_value
from engine.registry import ServiceRegistry, UnknownOperation

MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 100_000
MAX_FORMAT_WIDTH = 10_000
DEFAULT_TIME_LIMIT = 1.0
DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024
RSS_SAMPLE_INTERVAL = 0.005
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


class ScriptSecurityError(Exception):
    """Raised when a script uses a construct the sandbox does not allow."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(f"line {lineno}: {message}" if lineno else message)
        self.lineno = lineno


class ScriptSyntaxError(ScriptSecurityError):
    """Raised when a script is not valid Python; a rejection like any other."""


class ScriptTimeout(Exception):
    """Raised when a script runs longer than its time limit."""


class ScriptResourceError(Exception):
    """Raised when a script would exceed a size or memory limit."""


# --- static checks ---------------------------------------------------------------


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
            elif _too_wide("".join(str(p.value) for p in parts)):
                self._reject(node, "format width in f-string is too large")
        self.visit(node.value)


def _too_wide(format_spec: str) -> bool:
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
def _compile(source: str, mode: str) -> CodeType:
    tree = _GuardTransformer().visit(_restricted_tree(source, mode))
    ast.fix_missing_locations(tree)
    return compile(tree, SCRIPT_FILENAME, mode)


# --- run-time guards ---------------------------------------------------------------


class _Budget:
    """Deadline and memory allowance of one script run."""

    def __init__(self, time_limit: float, memory_limit: int | None) -> None:
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        self.memory_limit = memory_limit
        self.rss_base = _resident_bytes() if memory_limit else None
        self.next_sample = time.monotonic() + RSS_SAMPLE_INTERVAL

    def check(self) -> None:
        now = time.monotonic()
        if now > self.deadline:
            raise ScriptTimeout(f"script exceeded its time limit of {self.time_limit:g} s")
        if self.rss_base is not None and now >= self.next_sample:
            self.next_sample = now + RSS_SAMPLE_INTERVAL
            grown = (_resident_bytes() or 0) - self.rss_base
            if grown > self.memory_limit:
                raise ScriptResourceError(
                    f"script exceeded its memory limit of {self.memory_limit // 2**20} MiB"
                )


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("script_budget")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _tick() -> bool:
    _budget.get().check()
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
            if "*" in flags or _too_wide(flags):
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


SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "divmod": divmod,
    "enumerate": enumerate, "float": float, "frozenset": frozenset, "int": int,
    "isinstance": isinstance, "len": len, "list": list, "max": max, "min": min,
    "range": _bounded_range, "reversed": reversed, "round": round, "set": set,
    "slice": slice, "sorted": sorted, "str": str, "sum": _checked_sum, "tuple": tuple,
    "zip": zip,
    "datetime": _dt.datetime, "date": _dt.date, "timedelta": _dt.timedelta,
    "timezone": _dt.timezone,
    "ArithmeticError": ArithmeticError, "Exception": Exception, "IndexError": IndexError,
    "KeyError": KeyError, "LookupError": LookupError, "TypeError": TypeError,
    "ValueError": ValueError, "ZeroDivisionError": ZeroDivisionError,
}

_GUARDS: dict[str, Any] = {
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


# --- SpiffWorkflow integration ------------------------------------------------------


class SandboxedEnvironment(TaskDataEnvironment):
    """Spiff script environment that compiles and runs code in the sandbox.

    Args:
        time_limit: Seconds one script or expression may run.
        memory_limit: Bytes the process may grow during one run, or None.
        environment_globals: Extra names (functions) offered to scripts; they
            must themselves be safe to call with untrusted arguments.
    """

    def __init__(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
        environment_globals: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(environment_globals)
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def _run(self, code: CodeType, namespace: dict[str, Any]) -> Any:
        token = _budget.set(_Budget(self.time_limit, self.memory_limit))
        try:
            return eval(code, namespace)  # noqa: S307 - code was compiled by the sandbox
        finally:
            _budget.reset(token)

    def _namespace(self, context: dict[str, Any], external_context: dict[str, Any] | None) -> dict[str, Any]:
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(_GUARDS)
        return namespace

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression against task data and return its value."""
        return self._run(_compile(expression, "eval"), self._namespace(context, external_context))

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run a script; its top-level variables become the new task data."""
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        code = _compile(script, "exec")
        namespace = self._namespace(context, external_context)
        self._run(code, namespace)
        hidden = set(self.globals) | set(external_context) | set(_GUARDS)
        result = {
            key: value
            for key, value in namespace.items()
            if key not in hidden and not callable(value)
        }
        context.clear()
        context.update(result)
        return True


class SandboxedScriptEngine(PythonScriptEngine):
    """Script engine for uploaded models: sandboxed code, registry-backed services.

    Args:
        registry: Service operations that service tasks may call.
        time_limit: Seconds one script or expression may run.
        memory_limit: Bytes the process may grow during one run, or None.
    """

    def __init__(
        self,
        registry: ServiceRegistry | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int | None = DEFAULT_MEMORY_LIMIT,
    ) -> None:
        super().__init__(environment=SandboxedEnvironment(time_limit, memory_limit))
        self.registry = registry if registry is not None else ServiceRegistry()

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression in the sandbox; a timer's date without a zone gets legal time's offset.

        (See engine/legal_time.py: Spiff would read it in the server's fixed offset.)
        """
        value = super().evaluate(task, expression, external_context)
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and expression == definition.expression:
            return zoned_timer_value(definition, value)
        return value

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, dict[str, Any]]) -> str:
        """Call a registered service operation for a service task.

        Spiff's ServiceTask has already evaluated each parameter's expression
        (in this sandbox) into ``{name: {'value': ..., 'type': ...}}``. The
        handler is called as ``handler(**{name: value})``; its result is
        returned as JSON because Spiff stores ``json.loads(result)`` under the
        task's result variable.

        Raises:
            WorkflowTaskException: If the operation is unknown, the handler
                raises, or its result is not JSON-serialisable.
        """
        try:
            handler = self.registry.get(operation_name)
        except UnknownOperation as exc:
            raise WorkflowTaskException(str(exc), task=task, exception=exc) from exc
        params = {name: param["value"] for name, param in operation_params.items()}
        try:
            result = handler(**params)
        except Exception as exc:
            raise WorkflowTaskException(
                f"service operation '{operation_name}' failed: {type(exc).__name__}: {exc}",
                task=task,
                exception=exc,
            ) from exc
        try:
            return json.dumps(result)
        except (TypeError, ValueError) as exc:
            raise WorkflowTaskException(
                f"service operation '{operation_name}' returned a value that is not JSON: {exc}",
                task=task,
                exception=exc,
            ) from exc
