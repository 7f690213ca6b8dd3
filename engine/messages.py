"""Messages from outside (``POST /api/v1/messages``): correlate, keep, deliver, start cases.

A message names a BPMN message and a correlation: the case's business key
(Aktenzeichen) or a process variable and its value. It is delivered to the one
running case that matches; if that case does not wait for it yet, it is kept
(``engine_case_messages``) until ``ctx.message_ttl`` and delivered as soon as
the case reaches the catch event (engine.kept_messages, checked after each run).
If no case matches but a process of the authority starts with that message,
a new case is started; it gets its own business key (the correlation's key
named no existing case, so it is not reused).

What comes with a message besides its data (documents) is the caller's
business: ``attach`` is called with the target case, before the message is
kept or delivered, and returns data to add to the message (processes/intake.py
files the documents and adds their references).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import definitions, runner
from engine.loader import start_events
from engine.case_data import check_result_size
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import Case, ProcessDefinition, User
from engine.models_jobs import CaseMessage
from engine.runner import EngineContext


@dataclass(frozen=True)
class SendResult:
    """What happened to a message: ``delivered``, ``kept`` (until ``expires_at``) or ``started``."""

    outcome: str
    case_id: str
    message_id: str
    expires_at: datetime | None


def send_message(session: Session, ctx: EngineContext, user: User, name: str, correlation: dict[str, Any],
                 data: dict[str, Any], attach: Callable[[Case], dict[str, Any]] | None = None) -> SendResult:
    """Deliver or keep a message for the matching case, or start a case with it.

    Args:
        attach: Called with the target case (locked, or just started); what it
            returns is added to the message's data.

    Raises:
        NotFound: no case matches and no process starts with this message.
        Conflict: the correlation matches more than one case.
        InvalidData: the correlation names neither a business key nor a variable.
    """
    case_ids = _matching_cases(session, user.authority_id, correlation)
    if len(case_ids) > 1:
        raise Conflict(f"the correlation matches {len(case_ids)} cases; a message must match exactly one")
    if case_ids:
        case = runner.lock_case(session, case_ids[0], user.authority_id)
        message = keep_message(session, ctx, case, name, _with_attachments(data, attach, case), user.username)
        outcome = "delivered" if message.status == "delivered" else "kept"
        return SendResult(outcome, case.id, message.id, message.expires_at if outcome == "kept" else None)
    definition = _started_by(session, user.authority_id, name)
    if definition is None:
        raise NotFound(
            f"no running case of your authority matches {_describe(correlation)}, and no process starts "
            f"with message '{name}'; the message was not kept"
        )
    case = runner.start_case(session, ctx, definition, authority_id=user.authority_id, actor=user.username)
    message = keep_message(session, ctx, case, name, _with_attachments(data, attach, case), user.username)
    if message.status != "delivered":
        raise Conflict(f"process '{definition.key}' did not accept message '{name}' at its start")
    return SendResult("started", case.id, message.id, None)


def keep_message(session: Session, ctx: EngineContext, case: Case, name: str, data: dict[str, Any],
                 actor: str | None) -> CaseMessage:
    """Store a message for a case and deliver it at once if the case waits for it.

    The case must be locked by the caller (``lock_case``). A message the case
    does not wait for yet is kept until ``ctx.message_ttl`` has passed and is
    delivered as soon as the case reaches a matching catch event.
    """
    check_result_size(data, ctx.data_limits, f"message '{name}'")
    now = ctx.clock()
    message = CaseMessage(
        authority_id=case.authority_id, case_id=case.id, name=name, data=json.loads(json.dumps(data)),
        status="pending", received_at=now, expires_at=now + ctx.message_ttl, sent_by=actor,
    )
    session.add(message)
    session.flush()
    ctx.events(session, case, "message.received", actor, {"message_id": message.id, "name": name, "data": message.data})
    if case.status == "running":
        runner.continue_with(session, ctx, case, actor, lambda workflow, case_data: None)
    return message


def start_event_messages(definition: ProcessDefinition) -> set[str]:
    """Return the names of the messages that start a case of ``definition``."""
    names = set()
    for spec in start_events(definitions.model_of(definition).spec):
        event_definition = getattr(spec, "event_definition", None)
        if event_definition is not None and "Message" in type(event_definition).__name__:
            names.add(event_definition.name)
    return names


def expire_messages(session: Session, now: datetime) -> int:
    """Mark kept messages whose time-to-live has passed as expired; return how many."""
    result = session.execute(
        update(CaseMessage).where(CaseMessage.status == "pending", CaseMessage.expires_at <= now)
        .values(status="expired").execution_options(synchronize_session=False)
    )
    return result.rowcount


def _with_attachments(data: dict[str, Any], attach: Callable[[Case], dict[str, Any]] | None, case: Case) -> dict:
    return {**data, **attach(case)} if attach is not None else data


def _matching_cases(session: Session, authority_id: str, correlation: dict[str, Any]) -> list[str]:
    query = select(Case.id).where(Case.authority_id == authority_id, Case.status.in_(("running", "suspended")))
    if correlation.get("business_key"):
        query = query.where(Case.business_key == correlation["business_key"])
    elif correlation.get("variable"):
        value = correlation.get("value")
        column = Case.data[correlation["variable"]]
        if isinstance(value, bool) or value is None:
            raise InvalidData("a correlation value must be a string or an integer")
        query = query.where(column.as_integer() == value if isinstance(value, int) else column.as_string() == str(value))
    else:
        raise InvalidData("correlation needs 'business_key' or 'variable' and 'value'")
    return list(session.scalars(query.limit(2)))


def _started_by(session: Session, authority_id: str, name: str) -> ProcessDefinition | None:
    keys = session.scalars(
        select(ProcessDefinition.key).where(definitions.visible_to(authority_id)).distinct()
    )
    for key in sorted(keys):
        definition = definitions.latest_definition(session, key, authority_id)
        if name in start_event_messages(definition):
            return definition
    return None


def _describe(correlation: dict[str, Any]) -> str:
    if correlation.get("business_key"):
        return f"business key '{correlation['business_key']}'"
    return f"{correlation.get('variable')} = {correlation.get('value')!r}"
