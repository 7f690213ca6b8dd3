"""The history of a file for xdomea ``HistorienProtokollInformation``.

Sources are the audit streams of the file (``akte/<id>``) and of the cases of
its Vorgänge (``case/<case id>``). Each event is attached to the most specific
object it is about: a document if its data names a ``document_id`` of this
file, else a Vorgang if it belongs to the Vorgang's case or names its
``vorgang_id``, else the file itself. Documents are named ``document_id`` in the events of
``eakte.dokumente``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.akten import akte_stream
from eakte.audit import case_stream, write_pending
from eakte.models import Akte, AuditEvent, Vorgang


def collect_history(
    session: Session, akte: Akte, vorgaenge: list[Vorgang], dokument_ids: set[str]
) -> dict[str, list[AuditEvent]]:
    """Return the file's audit events grouped by the object they are about.

    Args:
        session: Database session.
        akte: The file.
        vorgaenge: Its Vorgänge.
        dokument_ids: Ids of the documents that appear in the message.

    Returns:
        Events (oldest first) keyed by the id of the Akte, a Vorgang or a Dokument.
    """
    write_pending(session)
    by_case = {case_stream(v.case_id): v.id for v in vorgaenge if v.case_id}
    vorgang_ids = {v.id for v in vorgaenge}
    streams = [akte_stream(akte), *by_case]
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.stream.in_(streams)).order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    grouped: dict[str, list[AuditEvent]] = {}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if data.get("document_id") in dokument_ids:
            owner = data["document_id"]
        elif event.stream in by_case:
            owner = by_case[event.stream]
        elif data.get("vorgang_id") in vorgang_ids:
            owner = data["vorgang_id"]
        else:
            owner = akte.id
        grouped.setdefault(owner, []).append(event)
    return grouped
