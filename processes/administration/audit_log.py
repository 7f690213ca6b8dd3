"""The administration log (*Verwaltungsprotokoll*): every administrative change, who, what, before and after.

Events go into the hash-chained audit log, one chain per authority
(``authority/<id>``); what the operator does across authorities also goes
into the chain ``platform``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eakte import audit
from eakte.models import AuditEvent
from engine.models import User

PLATFORM_STREAM = "platform"


def authority_stream(authority_id: str) -> str:
    """Return the chain name of an authority's administration log."""
    return f"authority/{authority_id}"


def record_change(session: Session, actor: User, authority_id: str, kind: str, *, target: str,
                  before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                  stream: str | None = None) -> None:
    """Queue an administrative event (written with the caller's transaction).

    Args:
        actor: Who made the change.
        authority_id: The authority whose administration changed.
        kind: What happened, e.g. ``user.created``.
        target: What it happened to, in words (a user name, a group, a file plan code).
        before: The changed values before (None for something new).
        after: The values after (None for something ended).
        stream: Another chain than the authority's (the operator's ``platform``).
    """
    data = {"target": target, "before": before, "after": after}
    if actor.authority_id != authority_id:
        data["actor_authority"] = actor.authority.slug
    audit.record(session, stream or authority_stream(authority_id), kind, actor=actor.username,
                 authority_id=authority_id, data=data)


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return only the keys whose values differ, as (before, after)."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def admin_log(session: Session, authority_id: str, offset: int = 0, limit: int = 50,
              stream: str | None = None) -> tuple[list[AuditEvent], int]:
    """Return one page of an authority's administration log (newest first) and the number of events."""
    audit.write_pending(session)
    name = stream or authority_stream(authority_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.stream == name)) or 0
    events = session.scalars(select(AuditEvent).where(AuditEvent.stream == name)
                             .order_by(AuditEvent.seq.desc()).offset(offset).limit(limit))
    return list(events), total
