"""Delivering a kept message as soon as its case waits for it (engine/messages.py keeps them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from SpiffWorkflow.bpmn.util import BpmnEvent

from engine.case_state import restore
from engine.models import Case
from engine.models_jobs import CaseMessage


@dataclass(frozen=True)
class AwaitedMessage:
    """A message a case waits for: the BPMN message name and the name of the element that waits."""

    name: str
    step: str


def awaited_messages(ctx, case: Case) -> list[AwaitedMessage]:
    """Return the messages the case waits for now: at catch events, receive tasks, boundary events, event subprocesses."""
    workflow, _ = restore(ctx, case)
    awaited = {}
    for spec, definition in _catchable_with_specs(workflow):
        if definition is not None and "Message" in type(definition).__name__ and definition.name:
            awaited.setdefault(definition.name, AwaitedMessage(definition.name, spec.bpmn_name or definition.name))
    return sorted(awaited.values(), key=lambda m: m.step)


def catchable(workflow) -> list:
    """The event definitions the workflow can catch now.

    Those its waiting catch events wait for (behind an event-based gateway too),
    and the start events of its event subprocesses that an event triggers.
    """
    return [definition for _, definition in _catchable_with_specs(workflow)]


def _catchable_with_specs(workflow) -> list:
    """The catchable event definitions, each with the task spec that waits for it."""
    found, pending = [], [(task.task_spec, task.task_spec.event_definition)
                          for task in workflow.event_manager.tasks.values()]
    for name in workflow.spec.start.trigger_specs:
        spec = workflow.subprocess_specs.get(name)
        pending.extend((start, start.event_definition) for start in (spec.bpmn_start_events if spec else []))
    while pending:
        spec, definition = pending.pop(0)
        found.append((spec, definition))
        pending.extend((spec, inner) for inner in getattr(definition, "event_definitions", []))  # a multiple event
    return found


def waiting_messages(workflow) -> dict:
    """The message event definitions the workflow can catch now, by message name."""
    waiting = {}
    for definition in catchable(workflow):
        if definition is not None and "Message" in type(definition).__name__ and definition.name:
            waiting.setdefault(definition.name, definition)
    return waiting


def deliver_kept_message(session: Session, ctx, case: Case, workflow) -> bool:
    """Deliver the oldest kept message the workflow waits for; tell whether one was delivered."""
    waiting = waiting_messages(workflow)
    if not waiting:
        return False
    now = ctx.clock()
    message = session.scalar(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id, CaseMessage.status == "pending", CaseMessage.name.in_(waiting),
               CaseMessage.expires_at > now)
        .order_by(CaseMessage.received_at, CaseMessage.id).limit(1)
    )
    if message is None:
        return False
    workflow.catch(BpmnEvent(waiting[message.name], payload=message.data))
    message.status, message.delivered_at = "delivered", now
    ctx.events(session, case, "message.delivered", None, {"message_id": message.id, "name": message.name})
    return True
