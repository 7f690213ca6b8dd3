"""Entry points for the worker's ``event`` and ``call`` jobs: deliver what other cases threw, continue callers.

``route_event`` routes a message or signal (engine/routing.py decides where)
and delivers it: into a waiting case (it is caught, the case advances) or by
starting a case at the start event that catches it. ``resume_call`` continues
a calling case with the outcome of its child case (engine/calls.py). Each runs
in the job's transaction; see engine/runner.py for what happens on a crash.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from sqlalchemy.orm import Session

from engine import calls, messages, routing, runner
from engine.case_rows import lock_case
from engine.errors import ExecutionFailed
from engine.kept_messages import waiting_messages
from engine.models import Case, ProcessDefinition
from engine.specs.calls import CHILD_KEY
from engine.specs.messages import CaseMessageEventDefinition


def route_event(session: Session, ctx, payload: dict) -> None:
    """Deliver a message or signal another case threw (the ``event`` job's work)."""
    routing.route(session, ctx, payload, deliver_event, start_by_event, keep_for_later)


def deliver_event(session: Session, ctx, case: Case, kind: str, name: str, payload, correlations: dict,
                  sender: str) -> None:
    """Let a locked running case catch a message or signal from case ``sender``, and advance it."""
    ctx.events(session, case, f"{kind}.received", None, {"name": name, "from_case": sender, "data": payload})

    def catch(workflow, case_data) -> None:
        workflow.catch(_event(workflow, kind, name, payload, correlations))

    runner.continue_with(session, ctx, case, None, catch)


def start_by_event(session: Session, ctx, definition: ProcessDefinition, kind: str, name: str, payload,
                   correlations: dict, sender: str) -> Case:
    """Start a case of ``definition`` whose start event catches the message or signal, and deliver it."""
    source = session.get(Case, sender)
    case = runner.start_case(session, ctx, definition, authority_id=source.authority_id, actor=None,
                             origin=runner.Origin(source_case_id=sender))
    if case.status == "running":
        deliver_event(session, ctx, case, kind, name, payload, correlations, sender)
    return case


def keep_for_later(session: Session, ctx, case: Case, name: str, payload, sender: str) -> None:
    """Keep a message from case ``sender`` for a case that does not wait for it yet (engine/messages.py)."""
    data = payload if isinstance(payload, dict) else {}
    messages.keep_message(session, ctx, case, name, data, f"case:{sender}")


def _event(workflow, kind: str, name: str, payload, correlations: dict) -> BpmnEvent:
    if kind == "message":
        definition = waiting_messages(workflow).get(name) or CaseMessageEventDefinition(name)
        return BpmnEvent(definition, payload=payload, correlations=correlations)
    event = BpmnEvent(SignalEventDefinition(name), payload=payload)
    event.from_outside = True  # not broadcast again (engine/case_workflow.py)
    return event


def resume_call(session: Session, ctx, payload: dict) -> None:
    """Continue a calling case with the outcome of its child case (the ``call`` job's work).

    Nothing happens if the caller no longer waits for this child (interrupted,
    ended meanwhile).

    Raises:
        ExecutionFailed: the child case was cancelled by someone (the call cannot complete; an incident opens).
    """
    child = session.get(Case, payload["child_case_id"])
    parent = lock_case(session, child.parent_case_id)
    if parent.status != "running":
        return
    if child.status == "cancelled":
        raise ExecutionFailed(f"the called case {child.id} was cancelled; the call activity cannot complete")

    escalations, ended = payload.get("escalations", []), payload.get("ended", True)

    def deliver(workflow, case_data) -> None:
        for code in escalations:
            for task in _calling_task(workflow, payload["task_id"], child.id):
                calls.deliver_escalation(task, code)
        if ended:
            for task in _calling_task(workflow, payload["task_id"], child.id):
                calls.deliver_result(task, child)

    if escalations:
        ctx.events(session, parent, "call.escalated", None, {"child_case_id": child.id, "codes": escalations})
    if ended:
        ctx.events(session, parent, "call.returned", None,
                   {"child_case_id": child.id, "status": child.status, "error_code": child.error_code})
    runner.continue_with(session, ctx, parent, None, deliver)


def _calling_task(workflow, task_id: str, child_id: str) -> list:
    """The call activity task that still waits for this child case (none, or one)."""
    return [task for task in calls.waiting_calls(workflow)
            if str(task.id) == task_id and task.internal_data.get(CHILD_KEY) == child_id]
