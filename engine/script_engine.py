"""Sandboxed execution of BPMN scripts, conditions and service calls.

Models are uploaded by users, so every script task, gateway condition and other
expression runs in a restricted sandbox instead of SpiffWorkflow's plain
``eval``/``exec``: static checks and RestrictedPython's rewriting
(engine/sandbox/compiler.py), run-time guards (engine/sandbox/guards.py), and a
separate sandbox process with operating-system limits on memory (``RLIMIT_AS``),
CPU (``RLIMIT_CPU``) and wall-clock time (killed when it does not answer in
time), see engine/sandbox/pool.py. No script, however it is written, can make
the web or worker process that runs the case work longer or grow larger than
its limits; a breach is a script error like any other (the request answers 422,
the worker opens an incident).

Plain conditions (``approved == True``) are evaluated in this process, which
is safe because they cannot call anything (engine/sandbox/fast_path.py).

Scripts see the usual harmless builtins and the standard exception classes
(``try: log`` / ``except NameError: log = []`` works) plus ``datetime``,
``date``, ``time``, ``timedelta`` and ``timezone``; task data shadows them.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.legal_time import zoned_timer_value
from engine.registry import ServiceRegistry, UnknownOperation
from engine.sandbox import evaluation
from engine.sandbox.compiler import check_script
from engine.sandbox.errors import (
    ScriptDataError,
    ScriptFailure,
    ScriptResourceError,
    ScriptSecurityError,
    ScriptSyntaxError,
    ScriptTimeout,
)
from engine.sandbox.evaluation import SandboxLimits

DEFAULT_TIME_LIMIT = 1.0
DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024

__all__ = [
    "DEFAULT_MEMORY_LIMIT", "DEFAULT_TIME_LIMIT", "SandboxLimits", "SandboxedEnvironment", "SandboxedScriptEngine",
    "ScriptDataError", "ScriptFailure", "ScriptResourceError", "ScriptSecurityError", "ScriptSyntaxError",
    "ScriptTimeout", "check_script",
]


class SandboxedEnvironment(TaskDataEnvironment):
    """Spiff script environment that runs code in the sandbox.

    Args:
        time_limit: Seconds one script or expression may run.
        memory_limit: Bytes the sandbox process may grow during one run.
        environment_globals: Extra names offered to scripts; they are sent to the
            sandbox process, so they must be data or module-level functions that are
            safe to call with untrusted arguments.
        limits: All limits at once (then ``time_limit`` and ``memory_limit`` are ignored).
    """

    def __init__(
        self,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        environment_globals: dict[str, Any] | None = None,
        limits: SandboxLimits | None = None,
    ) -> None:
        super().__init__(environment_globals)
        self.limits = limits or SandboxLimits(time_limit=time_limit, memory_limit=memory_limit)

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate an expression against task data and return its value."""
        namespace = dict(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        return evaluation.evaluate(expression, namespace, self.limits)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run a script; its top-level variables become the new task data."""
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        hidden = {**self.globals, **external_context}
        result = evaluation.execute(script, context, hidden, self.limits)
        context.clear()
        context.update(result)
        return True


class SandboxedScriptEngine(PythonScriptEngine):
    """Script engine for uploaded models: sandboxed code, registry-backed services.

    Args:
        registry: Service operations that service tasks may call.
        time_limit: Seconds one script or expression may run.
        memory_limit: Bytes the sandbox process may grow during one run.
        limits: All limits at once (then ``time_limit`` and ``memory_limit`` are ignored).
    """

    def __init__(
        self,
        registry: ServiceRegistry | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        limits: SandboxLimits | None = None,
    ) -> None:
        super().__init__(environment=SandboxedEnvironment(time_limit, memory_limit, limits=limits))
        self.registry = registry if registry is not None else ServiceRegistry()

    def get_error_line_number_and_content(self, script: str, err: Exception) -> tuple[int, str]:
        """Return the script line an error happened on (reported by the sandbox process) and its text."""
        line = getattr(err, "script_line", None) or getattr(err, "lineno", None)
        lines = script.splitlines() if isinstance(script, str) else []
        if isinstance(line, int) and 0 < line <= len(lines):
            return line, lines[line - 1]
        return 0, ""

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Exception:
        """Spiff's error of a failed script, also for exceptions whose first argument is not text (``KeyError(5)``)."""
        if err.args and not isinstance(err.args[0], str) and not isinstance(err, WorkflowTaskException):
            line, error_line = self.get_error_line_number_and_content(script, err)
            return WorkflowTaskException(f"{type(err).__name__}: {err}", task=task, exception=err,
                                         line_number=line, error_line=error_line)
        return super().create_task_exec_exception(task, script, err)

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
