"""The case file's documents and deliveries as the UI shows them, uploads from a task, the delivery form, and
German texts for rejections.

Plain functions taking the session first; they flush, never commit. Reading,
uploading, delivering, closing and reopening go through processes/casefile.py,
which uses the same E-Akte services as the REST API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from eakte import akten, dokumente, zustellung
from eakte.errors import UnsupportedContent
from eakte.models import Akte, Dokument, Zustellung
from eakte.models.zustellung import MAX_RECIPIENT_LENGTH
from eakte.storage import DocumentStore
from engine.errors import Conflict, Forbidden
from engine.models import Case, User, UserTask
from processes import casefile
from processes.file_rules import FileHasActiveCases

DIRECTION_LABELS = {"incoming": "Eingang", "outgoing": "Ausgang", "internal": "intern"}
FILE_STATUS_LABELS = {"open": "offen", "closed": "geschlossen (zdA)"}
DELIVERY_STATE_LABELS = {
    zustellung.DOWNLOADED: "abgerufen",
    zustellung.AVAILABLE: "zum Abruf bereit",
    zustellung.EXPIRED: "nicht abgerufen – Frist abgelaufen, bitte auf anderem Weg bekannt geben",
}
DELIVERY_FIELDS = {"dokument", "empfaenger", "tage"}


@dataclass(frozen=True)
class ListedDocument:
    """A document with whether the viewer may open it (confidentiality)."""

    dokument: Dokument
    may_open: bool


@dataclass(frozen=True)
class CaseFileView:
    """A case's file and its documents, as one user may see them."""

    akte: Akte | None
    documents: list[ListedDocument]


def case_file(session: Session, user: User, case: Case, task_id: str | None = None) -> CaseFileView:
    """Return the case's file with its documents (only those of ``task_id`` if given).

    Documents the user may not open are listed too, marked ``may_open=False``.
    A case that was started without a file gives an empty view.
    """
    vorgang = akten.vorgang_of_case(session, case.id)
    if vorgang is None:
        return CaseFileView(None, [])
    akte = session.get(Akte, vorgang.akte_id)
    works = works_on_case(session, user, case)
    listed = [
        ListedDocument(d, dokumente.may_open(d.confidentiality, user.roles, works))
        for d in dokumente.documents_of_akte(session, akte)
        if task_id is None or d.task_id == task_id
    ]
    return CaseFileView(akte, listed)


@dataclass(frozen=True)
class ListedDelivery:
    """A delivery of the file with where it stands (``zustellung.delivery_state``)."""

    zustellung: Zustellung
    state: str


@dataclass(frozen=True)
class DeliveryRequest:
    """What the delivery form asks for, checked."""

    dokument_id: str
    recipient: str
    ttl_days: int


def deliveries_of_file(session: Session, user: User, file: CaseFileView, now: datetime) -> list[ListedDelivery]:
    """Return the deliveries of the case's file (none without a file), oldest first, with their state at ``now``."""
    if file.akte is None:
        return []
    return [ListedDelivery(z, zustellung.delivery_state(z, now))
            for z in zustellung.deliveries_of_akte(session, user.authority_id, file.akte.id)]


def deliverable_documents(file: CaseFileView) -> list[Dokument]:
    """Return the documents of the file the viewer may open and deliver (outgoing Bescheid, Urkunde)."""
    return [item.dokument for item in file.documents if item.may_open and zustellung.is_deliverable(item.dokument)]


def read_delivery_form(form) -> tuple[DeliveryRequest | None, dict[str, str]]:
    """Check the delivery form; return the request, or None and German messages by field name."""
    dokument_id, recipient = form.get("dokument", "").strip(), form.get("empfaenger", "").strip()
    problems = {}
    if not dokument_id:
        problems["dokument"] = "Bitte wählen Sie das Dokument, das bereitgestellt werden soll."
    if not recipient:
        problems["empfaenger"] = "Bitte geben Sie an, für wen das Dokument bestimmt ist."
    elif len(recipient) > MAX_RECIPIENT_LENGTH:
        problems["empfaenger"] = f"Bitte höchstens {MAX_RECIPIENT_LENGTH} Zeichen eingeben."
    ttl_days = _whole_number(form.get("tage", ""))
    if ttl_days is None or not 1 <= ttl_days <= zustellung.MAX_TTL_DAYS:
        problems["tage"] = f"Bitte eine ganze Zahl von Tagen zwischen 1 und {zustellung.MAX_TTL_DAYS} eingeben."
    if problems:
        return None, problems
    return DeliveryRequest(dokument_id, recipient, ttl_days), {}


def _whole_number(raw: str) -> int | None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return None
    return int(raw)


def works_on_case(session: Session, user: User, case: Case) -> bool:
    """Tell whether the user has (or had) a task of the case: such clerks may open 'vertraulich' documents."""
    return bool(session.scalar(select(exists().where(
        UserTask.case_id == case.id, (UserTask.assignee_id == user.id) | (UserTask.completed_by == user.id)
    ))))


def upload_into_task(
    session: Session, store: DocumentStore, user: User, task: UserTask, *, data: bytes, filename: str | None,
    subject: str, doc_type: str, direction: str, now: datetime,
):
    """File an uploaded document into the task's case, linked to the task.

    Only the task's assignee (or a supervisor) may add documents, and only while the task is open.

    Raises:
        Conflict: the task is no longer open.
        Forbidden: the user neither works on the task nor is a supervisor.
        UnsupportedContent: the content was rejected by the intake checks.
    """
    if task.status != "open":
        raise Conflict(f"task '{task.name}' is already {task.status}")
    if task.assignee_id != user.id and not user.has_role("supervisor"):
        raise Forbidden("only the task's assignee or a supervisor may add documents to it")
    return casefile.upload_document(
        session, store, user, task.case_id, data=data, filename=filename, subject=subject, doc_type=doc_type,
        direction=direction, now=now, task_id=task.id,
    )


_NAMED_ATTACHMENT = re.compile(r"^attachment '(.*)': (.*)$", re.DOTALL)
_REJECTIONS = (
    (re.compile(r"^the file is empty$"), lambda m: "Die Datei ist leer."),
    (re.compile(r"^the file is larger than (\d+) MB$"), lambda m: f"Die Datei ist größer als {m[1]} MB."),
    (re.compile(r"^files of type (\S+) are not accepted"),
     lambda m: f"Dateien vom Typ {m[1]} werden nicht angenommen. Erlaubt sind PDF, PNG, JPEG, TIFF, XML, JSON, "
               "Text und HTML."),
    (re.compile(r"^PDF rejected: the PDF is encrypted$"),
     lambda m: "Das PDF ist verschlüsselt und kann nicht angenommen werden. Bitte laden Sie es ohne Kennwortschutz hoch."),
    (re.compile(r"^PDF rejected: the PDF is damaged: (.*)$"),
     lambda m: f"Das PDF ist beschädigt und kann nicht gelesen werden (technisch: {m[1]})."),
    (re.compile(r"^PDF rejected: not a PDF"), lambda m: "Die Datei ist kein gültiges PDF."),
    (re.compile(r"^PDF rejected: active content could not be removed: (.*)$"),
     lambda m: f"Das PDF enthält aktive Inhalte, die sich nicht entfernen lassen ({m[1]})."),
)


def german_rejection(exc: UnsupportedContent) -> str:
    """Return the German message for an intake rejection (the English one, explained, if unknown)."""
    message, named = exc.message, _NAMED_ATTACHMENT.match(exc.message)  # intake names the file of several
    prefix = f"Datei „{named[1]}“: " if named else ""
    if named:
        message = named[2]
    for pattern, text in _REJECTIONS:
        match = pattern.search(message)
        if match:
            return prefix + text(match)
    return f"{prefix}Die Datei wurde nicht angenommen (technisch: {message})."


def close_refusal_text(refusal: Exception) -> str:
    """Return the German reason why a file cannot be closed now (``casefile.close_refusal``)."""
    if isinstance(refusal, FileHasActiveCases):
        parts = []
        if refusal.running:
            parts.append("1 Vorgang läuft noch" if refusal.running == 1 else f"{refusal.running} Vorgänge laufen noch")
        if refusal.suspended:
            parts.append("1 Vorgang ist angehalten" if refusal.suspended == 1
                         else f"{refusal.suspended} Vorgänge sind angehalten")
        return ("Die Akte kann erst geschlossen werden, wenn alle ihre Vorgänge beendet sind: "
                f"{' und '.join(parts)}. Ein angehaltener Vorgang muss fortgesetzt und beendet oder abgebrochen werden.")
    if isinstance(refusal, Forbidden):
        return ("Eine Akte schließen dürfen die Leitung und die Sachbearbeiterinnen und Sachbearbeiter, die an einem "
                "Vorgang der Akte gearbeitet haben.")
    return "Die Akte kann jetzt nicht geschlossen werden."


MEDIA_TYPE_WORDS = {"application/pdf": "ein PDF", "image/png": "ein PNG-Bild", "image/jpeg": "ein JPEG-Bild",
                    "image/tiff": "ein TIFF-Bild", "application/xml": "XML", "application/json": "JSON",
                    "text/plain": "Text", "text/html": "eine HTML-Seite"}


def stored_message(subject: str, uploaded_name: str | None, version) -> str:
    """Return the confirmation after an upload; it says so when the file was stored under another name.

    The stored name's extension follows the content, not the name the file came with
    (``kaputt.pdf`` holding text is stored as ``kaputt.txt``).
    """
    uploaded = (uploaded_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if version.filename == uploaded:
        return f"Dokument „{subject}“ abgelegt ({version.filename})."
    message = f"Dokument „{subject}“ abgelegt als {version.filename}."
    before = uploaded.rsplit(".", 1)[1].lower() if "." in uploaded else ""
    after = version.filename.rsplit(".", 1)[-1].lower()
    if before != after and not (before == "jpeg" and after == "jpg") and not (before == "tiff" and after == "tif"):
        kind = MEDIA_TYPE_WORDS.get(version.media_type, version.media_type)
        message += (f" Die Datei „{uploaded}“ ist ihrem Inhalt nach {kind}; deshalb hat sie die passende Endung "
                    f"bekommen." if uploaded else f" Die Datei ist ihrem Inhalt nach {kind}.")
    else:
        message += " Der Dateiname wurde um Zeichen bereinigt, die in Dateinamen nicht erlaubt sind."
    return message
