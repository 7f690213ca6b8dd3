"""Messages and signals between cases of one authority (BPMN collaborations).

A case that throws a message nothing in itself catches, or throws a signal,
queues an ``event`` job in the transaction of that step (``queue``); the job
routes it in a transaction of its own (``route``), so the sender never waits
for the receivers' locks, and a message thrown as a case completes still
arrives. If the process dies before the job's commit, the job runs again:
nothing of the delivery was committed.

**Signals** are broadcast: every running case of the authority that can catch
the signal now (engine_event_subscriptions) gets it, and every process of the
authority whose start event catches it starts a case. The sender's own catch
events already got it from Spiff.

**Messages** go to one case:

1. if the message has correlation properties, to a waiting case whose
   correlation matches (its stored correlation, or else the value of the
   property in its case data);
2. else preferably to a partner of the sender that waits for it: the case
   that started the sender, a case the sender started, its parent or children;
3. else to the oldest waiting case;
4. if none waits, a process of the authority whose start event catches the
   message starts a case (one of the sender's own deployment first); the new
   case names the sender as ``source_case_id``;
5. if none starts with it either, it is kept for a partner case whose process
   can catch it later (the message buffer of engine/messages.py, until its
   time-to-live), or dropped and logged.

Cases are locked in the order of their ids, so two routing jobs cannot wait for
each other.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import jobs
from engine.case_rows import lock_case
from engine.case_state import restore
from engine.definitions import latest_definition, model_of, visible_to
from engine.loader import start_events
from engine.models import Case, ProcessDefinition
from engine.models_jobs import EventSubscription
from engine.specs.messages import CaseMessageEventDefinition

log = logging.getLogger(__name__)


def queue(session: Session, ctx, case: Case, signals: list, messages: list) -> None:
    """Queue one ``event`` job per signal and per uncaught message the case threw."""
    now = ctx.clock()
    thrown = sorted([("signal", e) for e in signals] + [("message", e) for e in messages], key=lambda t: t[1].order)
    for position, (kind, event) in enumerate(thrown):
        payload = {"kind": kind, "name": event.event_definition.name, "sender": case.id,
                   "payload": _plain(event.payload), "correlations": _plain(event.correlations or {})}
        # due one microsecond apart: the jobs of one case run one after another, in the order of the throws
        jobs.enqueue(session, "event", now=now, payload=payload, case_id=case.id, authority_id=case.authority_id,
                     run_at=now + timedelta(microseconds=position))


def _plain(value):
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def route(session: Session, ctx, payload: dict, deliver, start, keep) -> None:
    """Deliver a routed event (the ``event`` job's work).

    Args:
        deliver: ``deliver(session, ctx, case, kind, name, payload, correlations, sender)``: deliver to a locked case.
        start: ``start(session, ctx, definition, kind, name, payload, correlations, sender)``: start a case with it.
        keep: ``keep(session, ctx, case, name, payload, sender)``: keep a message for a locked case.
    """
    sender = session.get(Case, payload["sender"])
    if sender is None:
        return
    kind, name = payload["kind"], payload["name"]
    args = (payload.get("payload"), payload.get("correlations") or {}, sender.id)
    if kind == "signal":
        for case_id in _subscribed(session, sender.authority_id, "signal", name, exclude=sender.id):
            case = lock_case(session, case_id)
            if case.status == "running":
                deliver(session, ctx, case, kind, name, *args)
        for definition in _started_by(session, sender, "signal", name):
            start(session, ctx, definition, kind, name, *args)
        return
    target = _message_target(session, ctx, sender, name, payload.get("correlations") or {})
    if target is not None:
        deliver(session, ctx, target, kind, name, *args)
        return
    definitions = _started_by(session, sender, "message", name)
    if definitions:
        start(session, ctx, definitions[0], kind, name, *args)
        return
    partner = _partner_that_catches(session, sender, name)
    if partner is not None:
        keep(session, ctx, partner, name, payload.get("payload"), sender.id)
        return
    log.warning("message '%s' of case %s reached no case and started none", name, sender.id)


def _partner_that_catches(session: Session, sender: Case, name: str) -> Case | None:
    """The oldest running partner of the sender whose process has a catch event for message ``name``."""
    partners = _partners(session, sender)
    if not partners:
        return None
    for case in session.scalars(select(Case).where(Case.id.in_(partners), Case.status == "running")
                                .order_by(Case.started_at, Case.id)):
        model = model_of(case.definition)
        for process in [model.spec, *model.subprocess_specs.values()]:
            if any(getattr(getattr(spec, "event_definition", None), "name", None) == name
                   and "Message" in type(spec.event_definition).__name__ for spec in process.task_specs.values()):
                return lock_case(session, case.id)
    return None


def _subscribed(session: Session, authority_id: str, kind: str, name: str, exclude: str | None) -> list[str]:
    query = select(EventSubscription.case_id).where(
        EventSubscription.authority_id == authority_id, EventSubscription.kind == kind, EventSubscription.name == name)
    if exclude is not None:
        query = query.where(EventSubscription.case_id != exclude)
    return sorted(set(session.scalars(query)))


def _message_target(session: Session, ctx, sender: Case, name: str, correlations: dict) -> Case | None:
    candidates = _subscribed(session, sender.authority_id, "message", name, exclude=sender.id)
    if not candidates:
        return None
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(candidates), Case.status == "running"))}
    ordered = sorted(cases.values(), key=lambda c: (c.started_at, c.id))
    if correlations:
        ordered = [c for c in ordered if _correlates(ctx, c, name, correlations)]
    else:
        partners = _partners(session, sender)
        ordered = [c for c in ordered if c.id in partners] or ordered
    if not ordered:
        return None
    case = lock_case(session, ordered[0].id)
    return case if case.status == "running" else None


def _partners(session: Session, sender: Case) -> set[str]:
    """Cases the sender talks to: the case that started it, those it started, its parent and its children."""
    related = {sender.source_case_id, sender.parent_case_id}
    related.update(session.scalars(select(Case.id).where(
        or_(Case.source_case_id == sender.id, Case.parent_case_id == sender.id))))
    related.discard(None)
    return related


def _correlates(ctx, case: Case, name: str, correlations: dict) -> bool:
    """Tell whether a waiting catch event of ``case`` accepts a message with these correlation values."""
    workflow, case_data = restore(ctx, case)
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if getattr(definition, "name", None) != name or not hasattr(definition, "correlation_properties"):
            continue
        stored = task.workflow.correlations
        if stored:
            if any(correlations.get(key) == stored.get(key) for key in correlations):
                return True
            continue
        own = definition.correlations_from(task, case_data.values) if isinstance(
            definition, CaseMessageEventDefinition) else None
        if not own or all(own.get(key) == value for key, value in correlations.items() if key in own):
            return True
    return False


def _started_by(session: Session, sender: Case, kind: str, name: str) -> list[ProcessDefinition]:
    """The newest definitions of the authority whose start event catches the event, the sender's deployment first."""
    keys = session.scalars(select(ProcessDefinition.key).where(visible_to(sender.authority_id)).distinct())
    found = []
    for key in sorted(keys):
        definition = latest_definition(session, key, sender.authority_id)
        for event in start_events(model_of(definition).spec):
            event_definition = getattr(event, "event_definition", None)
            if getattr(event_definition, "name", None) == name and _kind_of(event_definition) == kind:
                found.append(definition)
                break
    return sorted(found, key=lambda d: (d.content_hash != sender.definition.content_hash, d.key))


def _kind_of(definition) -> str | None:
    name = type(definition).__name__
    return "message" if "Message" in name else "signal" if "Signal" in name else None
