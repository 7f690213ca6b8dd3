"""Intake (Posteingang): applications and later messages, each with its documents.

``receive_application`` creates the case of the procedure, files the
applicant's documents into its E-Akte (incoming) and returns what an XBau
Eingangsbestätigung (1120/1121) carries: Aktenzeichen, case, time of receipt,
stored documents. ``send_message`` delivers a message to a running case (e.g.
documents handed in later) and files the documents that come with it; their
references reach the process in the message data under ``dokumente``.

Every document is checked before anything is started or stored, so a bad
attachment leaves no case and no message; the caller's transaction commits
the whole intake or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from eakte import akten, dokumente
from eakte.errors import EakteError, UnsupportedContent
from eakte.intake import CheckedContent, check_content
from eakte.models import DokumentVersion
from eakte.storage import DocumentStore
from engine import messages, runner
from engine.errors import Conflict, InvalidData
from engine.models import Case, User
from engine.runner import EngineContext
from processes import casework
from processes.baugenehmigung import xbau
from processes.payment.settlement import PAID_MESSAGE

PROCESS_KEY = "baugenehmigung"
CHANNELS = ("api", "portal", "xbau", "paper", "counter", "email", "fax", "fitconnect")
"""Intake channels recorded in Case.channel: API, portal, XBau message, paper (post), counter (in person), e-mail, fax,
FIT-Connect submission."""
MESSAGE_DOCUMENTS_KEY = "dokumente"
RESERVED_MESSAGES = frozenset({PAID_MESSAGE})
"""Messages that recorded post must not stand in for: a fee counts as paid only when it is booked (payment)."""


@dataclass(frozen=True)
class IncomingDocument:
    """A document sent with an application."""

    data: bytes
    filename: str | None
    subject: str
    doc_type: str = "Bauvorlage"


@dataclass
class Receipt:
    """The confirmation of receipt (Eingangsbestätigung)."""

    case: Case
    channel: str
    received_at: datetime
    message_id: str | None
    documents: list[DokumentVersion] = field(default_factory=list)

    @property
    def aktenzeichen(self) -> str | None:
        """The file number the applicant quotes from now on."""
        return self.case.business_key


def receive_application(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, *, data: dict,
    documents: list[IncomingDocument], channel: str, subject: str, message_id: str | None = None,
    process_key: str = PROCESS_KEY,
) -> Receipt:
    """Start the procedure's case with ``data`` and file ``documents`` into its file.

    Raises:
        UnsupportedContent: a document is not acceptable (named in the message); nothing is created.
        NotFound: the procedure is not deployed for the user's authority.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown intake channel '{channel}'")
    checked = [(document, _check(document)) for document in documents]
    received_at = ctx.clock()
    case = casework.start_case(session, ctx, user, process_key, data, subject=subject)
    case.channel = channel
    stored = _file_incoming(session, store, case, checked, actor=user.username, now=received_at)
    return Receipt(case=case, channel=channel, received_at=received_at, message_id=message_id, documents=stored)


def send_message(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, name: str, correlation: dict[str, Any],
    data: dict[str, Any], documents: list[IncomingDocument],
) -> messages.SendResult:
    """Deliver a message (see engine.messages) and file its documents into the target case's file.

    The documents are filed when the message arrives, also if the case keeps
    the message until it waits for it; the process finds them in the message
    data as ``dokumente`` (id, subject, type, file name).

    Raises:
        UnsupportedContent: a document is not acceptable (named in the message); nothing is kept.
        InvalidData: the data already has ``dokumente`` while documents are sent.
    """
    return _send_with_documents(session, ctx, store, user, name, correlation, data, documents, filed=[])


@dataclass(frozen=True)
class PostRecord:
    """What recording incoming post did: the documents filed, and whether the case went on with them."""

    documents: list[DokumentVersion]
    continued: bool


def record_post(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, case: Case,
    documents: list[IncomingDocument], message_name: str | None = None,
) -> PostRecord:
    """Record post that arrived for a case (e.g. on paper): file it, and continue the case if it waits for it.

    With ``message_name`` the post is what the case waits for (one of
    ``runner.awaited_messages``): it is delivered as that message, with the
    documents' references under ``dokumente``, exactly as if it had come
    through ``POST /api/v1/messages``. Without, the documents are only filed.

    Raises:
        Conflict: the case does not wait for ``message_name`` (any more).
        UnsupportedContent: a document is not acceptable; nothing is filed.
        FileClosed: the case's file is closed (zdA).
    """
    if message_name is None:
        checked = [(document, _check(document)) for document in documents]
        return PostRecord(_file_incoming(session, store, case, checked, actor=user.username, now=ctx.clock()), False)
    if message_name in RESERVED_MESSAGES:
        raise Conflict(f"message '{message_name}' is sent only by its own service (a fee is booked at the cashier)")
    if case.business_key is None or message_name not in {m.name for m in runner.awaited_messages(ctx, case)}:
        raise Conflict(f"case '{case.business_key or case.id}' does not wait for message '{message_name}'")
    filed: list[DokumentVersion] = []
    _send_with_documents(session, ctx, store, user, message_name, {"business_key": case.business_key}, {},
                         documents, filed)
    return PostRecord(filed, True)


def _send_with_documents(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, name: str, correlation: dict[str, Any],
    data: dict[str, Any], documents: list[IncomingDocument], filed: list[DokumentVersion],
) -> messages.SendResult:
    """``send_message``; the versions filed are appended to ``filed``."""
    checked = [(document, _check(document)) for document in documents]
    if not checked:
        return messages.send_message(session, ctx, user, name, correlation, data)
    if MESSAGE_DOCUMENTS_KEY in data:
        raise InvalidData(f"the message data must not contain '{MESSAGE_DOCUMENTS_KEY}' when documents are sent: "
                          "the references of the filed documents go there")

    def file_documents(case: Case) -> dict[str, Any]:
        stored = _file_incoming(session, store, case, checked, actor=user.username, now=ctx.clock())
        filed.extend(stored)
        return {MESSAGE_DOCUMENTS_KEY: [
            {"dokument_id": version.dokument_id, "betreff": document.subject, "typ": document.doc_type,
             "dateiname": version.filename}
            for (document, _content), version in zip(checked, stored)
        ]}

    return messages.send_message(session, ctx, user, name, correlation, data, attach=file_documents)


def receive_xbau(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, message: bytes,
    attachments: dict[str, bytes], schema_directory: Path | None = None, *, channel: str = "xbau",
    eingang: dict | None = None, extra_documents: list[IncomingDocument] = (),
) -> Receipt:
    """Accept an XBau 0200 message with its attachments (file name -> bytes).

    Every attachment the message announces as sent (``anhang``, not following
    later) must be present, and every part sent must be announced. The
    message itself is filed as the Antrag's original.

    Args:
        channel: How the message came (``xbau`` directly, ``fitconnect`` inside a submission).
        eingang: Details of the way in, added to the case data's ``eingang``.
        extra_documents: Further documents that came with the message (e.g. the transport's metadata).

    Raises:
        XBauRejected: the message or the attachment set is not acceptable.
        UnsupportedContent: an attachment is not an acceptable file.
    """
    antrag = xbau.read_antrag(message, schema_directory)
    expected = {a.filename: a for a in antrag.anlagen if a.transported}
    problems = [{"line": None, "message": f"attachment '{name}' is announced in the message but was not sent"}
                for name in expected if name not in attachments]
    problems += [{"line": None, "message": f"part '{name}' is not announced as an anlage in the message"}
                 for name in attachments if name not in expected]
    problems += [{"line": None, "message": f"attachment '{name}' has {len(attachments[name])} bytes, "
                                           f"the message says {anlage.filesize}"}
                 for name, anlage in expected.items()
                 if name in attachments and anlage.filesize is not None and anlage.filesize != len(attachments[name])]
    if problems:
        raise xbau.XBauRejected("the attachments do not match the message", problems)
    documents = [IncomingDocument(message, f"{xbau.MESSAGE_TYPE}.xml", f"XBau-Nachricht {xbau.MESSAGE_TYPE}",
                                  doc_type="Antrag")]
    documents += [IncomingDocument(attachments[name], name, anlage.title) for name, anlage in expected.items()]
    documents += list(extra_documents)
    data = antrag.case_data
    if eingang:
        data = {**data, "eingang": {**(data.get("eingang") or {}), **eingang}}
    return receive_application(
        session, ctx, store, user, data=data, documents=documents, channel=channel,
        subject=_subject(data), message_id=antrag.message_id,
    )


def receive_portal(
    session: Session, ctx: EngineContext, store: DocumentStore, user: User, application: dict,
    documents: list[IncomingDocument],
) -> Receipt:
    """Accept a portal form (applicant, project, parcel) with its documents.

    The case data has the same shape as from an XBau message: antragsteller,
    vorhaben, grundstueck, anlagen (the names the building-permit model uses).
    """
    data = portal_shaped({"antragsteller": application["applicant"], "vorhaben": application["project"],
                          "grundstueck": application["parcel"]}, documents, "portal")
    return receive_application(session, ctx, store, user, data=data, documents=documents, channel="portal",
                               subject=_subject(data))


def portal_shaped(data: dict, documents: list[IncomingDocument], channel: str) -> dict:
    """Return start form data of a building application in the shape the portal and XBau intake give the model."""
    return {
        "eingang": {"channel": channel},
        **data,
        "weitere_grundstuecke": data.get("weitere_grundstuecke", []),
        "anlagen": [{"title": d.subject, "filename": d.filename, "kind": None, "status": "received", "link": None}
                    for d in documents],
    }


def _file_incoming(session: Session, store: DocumentStore, case: Case,
                   checked: list[tuple[IncomingDocument, CheckedContent]], *, actor: str, now: datetime,
                   ) -> list[DokumentVersion]:
    """Store checked documents as incoming documents of the case's Vorgang."""
    vorgang = akten.vorgang_of_case(session, case.id)
    if vorgang is None:
        raise EakteError("the case was not filed: the application has no document store configured")
    stored = [
        dokumente.store_document(session, store, vorgang, content, subject=document.subject,
                                 doc_type=document.doc_type, direction="incoming", actor=actor, now=now)
        for document, content in checked
    ]
    session.flush()
    return stored


def _check(document: IncomingDocument) -> CheckedContent:
    try:
        return check_content(document.data, document.filename)
    except UnsupportedContent as exc:
        raise UnsupportedContent(f"attachment '{document.filename}': {exc.message}") from exc


def _subject(data: dict) -> str:
    project = (data.get("vorhaben") or {}).get("description") or "Bauantrag"
    applicant = (data.get("antragsteller") or {}).get("name")
    return f"{project} ({applicant})"[:500] if applicant else project[:500]

