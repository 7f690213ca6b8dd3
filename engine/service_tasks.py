"""Service tasks run in the worker, never in the request that reaches them.

How, with SpiffWorkflow 3.2.0: the engine-step loop (``engine.stepping.run_steps``,
a copy of ``BpmnWorkflow.do_engine_steps`` with one extra filter) leaves READY
service tasks alone, so the case simply waits at them like at a human task.
After each advance the runner queues one ``service`` job per READY service task,
with the operation name and the parameters evaluated from the case data at that
moment (:func:`service_job_payload`).

The worker calls the operation outside any database transaction (a Python
handler or the HTTP connector), then, in one transaction, locks the case, runs
the still-READY task with that result and advances. The result reaches Spiff's
own ``ServiceTask._execute`` through :func:`prepared_result`: the script engine's
``call_service`` returns the prepared result instead of calling anything. Spiff's
pre/post scripts, result variable and data handling therefore stay Spiff's.

A specialist system may see a call twice if the worker dies after the call and
before the commit; the case never applies a result twice. Each call carries the
job id as idempotency key so the other side can recognise a repetition.
"""

from __future__ import annotations

import contextvars
import json
from contextlib import contextmanager
from typing import Any, Iterator

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask

from engine.script_engine import SandboxedScriptEngine

_prepared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("aktenfluss_prepared_service_result", default=None)


def is_service_task(task) -> bool:
    """Tell whether a Spiff task is a BPMN service task."""
    return isinstance(task.task_spec, ServiceTask)


def service_job_payload(task) -> dict[str, Any]:
    """Describe the call a READY service task makes: operation and evaluated parameters.

    The caller has refreshed the task's data from the case data. A parameter that
    cannot be evaluated is reported in ``error``; the job then fails and opens an
    incident instead of failing the request that reached the task.
    """
    spec = task.task_spec
    payload: dict[str, Any] = {"task_id": str(task.id), "bpmn_id": spec.bpmn_id, "operation": spec.operation_name}
    try:
        evaluated = spec.evaluate_params(task)
        payload["params"] = json.loads(json.dumps({name: p["value"] for name, p in evaluated.items()}))
    except Exception as exc:  # noqa: BLE001 - any expression error belongs into the incident
        payload["params"], payload["error"] = {}, f"parameters of '{spec.bpmn_id}' could not be evaluated: {exc}"
    return payload


@contextmanager
def prepared_result(task_id: str, result: Any) -> Iterator[None]:
    """While active, the service task ``task_id`` completes with ``result`` when it runs."""
    token = _prepared.set({task_id: result})
    try:
        yield
    finally:
        _prepared.reset(token)


class DeferredServiceScriptEngine(SandboxedScriptEngine):
    """The sandboxed script engine whose service calls return results prepared by the worker."""

    def call_service(self, task: Any, operation_name: str, operation_params: dict[str, dict[str, Any]]) -> str:
        """Return the prepared result of ``task`` as JSON (Spiff stores ``json.loads`` of it).

        Raises:
            WorkflowTaskException: no result was prepared (service tasks only run in the worker).
        """
        prepared = _prepared.get() or {}
        if str(task.id) not in prepared:
            raise WorkflowTaskException(
                f"service operation '{operation_name}' runs in the background worker, not inline", task=task
            )
        return json.dumps(prepared[str(task.id)])
