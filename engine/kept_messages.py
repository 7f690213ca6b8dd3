"""Delivering a kept message as soon as its case waits for it (engine/messages.py keeps them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from SpiffWorkflow.bpmn.util import BpmnEvent

from engine.models import Case
from engine.models_jobs import CaseMessage


def catchable(workflow) -> list:
    """The event definitions the workflow can catch now.

    Those its waiting catch events wait for (behind an event-based gateway too),
    and the start events of its event subprocesses that an event triggers.
    """
    found, pending = [], [task.task_spec.event_definition for task in workflow.event_manager.tasks.values()]
    for name in workflow.spec.start.trigger_specs:
        spec = workflow.subprocess_specs.get(name)
        pending.extend(start.event_definition for start in (spec.bpmn_start_events if spec else []))
    while pending:
        definition = pending.pop(0)
        found.append(definition)
        pending.extend(getattr(definition, "event_definitions", []))  # a multiple event
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
