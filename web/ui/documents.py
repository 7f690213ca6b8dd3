"""The case file's documents as the UI shows them, uploads from a task, and German texts for rejections.

Plain functions taking the session first; they flush, never commit. Reading,
uploading, closing and reopening go through processes/casefile.py, the same
services the REST API uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from eakte import akten, dokumente
from eakte.errors import UnsupportedContent
from eakte.models import Akte, Dokument
from eakte.storage import DocumentStore
from engine.errors import Conflict, Forbidden
from engine.models import Case, User, UserTask
from processes import casefile

DIRECTION_LABELS = {"incoming": "Eingang", "outgoing": "Ausgang", "internal": "intern"}
FILE_STATUS_LABELS = {"open": "offen", "closed": "geschlossen (zdA)"}


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
    for pattern, text in _REJECTIONS:
        match = pattern.search(exc.message)
        if match:
            return text(match)
    return f"Die Datei wurde nicht angenommen (technisch: {exc.message})."
