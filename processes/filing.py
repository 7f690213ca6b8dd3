"""Filing what happens in a case into its E-Akte.

The engine reports every event to a sink inside the case's transaction. The
``CaseFiler`` writes the event into the audit chain and files documents:

- ``case.started``: opens the file (new Aktenzeichen under the process's file
  plan unit, or the existing file named by the case's business key), adds a
  Vorgang for this run and files the application data as an incoming Antrag;
- ``task.completed``: files what the clerk entered as a Protokoll (the data as
  JSON); its readable PDF/A rendition is made by the worker afterwards (a
  ``rendition`` job committed with the record, processes/renditions.py), so
  rendering never delays the clerk;
- ``service.called``: files the specialist system's answer as an Auskunft
  (not for built-in steps: what they produce is filed by themselves).

All of this happens in the same transaction as the engine step; see
eakte/dokumente.py for what a crash between object and row means.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from eakte import akten, audit
from eakte.aktenplan import unit_for_process
from eakte.aktenzeichen import next_aktenzeichen
from eakte.intake import CheckedContent
from eakte.dokumente import store_document
from eakte.models import DokumentVersion, Vorgang
from eakte.renditions import task_protocol_recipe
from eakte.storage import DocumentStore
from engine.models import Authority, Case
from processes.renditions import request_rendition


def record_case_event(session: Session, case: Case, kind: str, actor: str | None, data: dict) -> None:
    """Write one case event into the case's audit chain (the engine's event sink without filing).

    ``case.started`` opens the chain: the case was created in this transaction.
    """
    audit.record(session, audit.case_stream(case.id), kind, actor=actor, authority_id=case.authority_id,
                 case_id=case.id, data=data, opens_stream=kind == "case.started")


class CaseFiler:
    """The engine's event sink: audit chain plus documents in the case file."""

    def __init__(self, store: Callable[[], DocumentStore], clock: Callable[[], datetime]):
        self._store = store
        self._clock = clock

    def __call__(self, session: Session, case: Case, kind: str, actor: str | None, data: dict) -> None:
        vorgang = self._open_file(session, case, actor) if kind == "case.started" else None
        record_case_event(session, case, kind, actor, data)
        if kind == "case.started" and data.get("data"):
            self._file_json(session, vorgang, actor, data["data"], subject="Antrag", doc_type="Antrag",
                            direction="incoming")
        elif kind == "task.completed":
            self._file_task_protocol(session, case, actor, data)
        elif kind == "service.called" and not data.get("built_in"):
            answer_to = data.get("step") or data.get("operation") or "Fachverfahren"  # the step's name, in German
            self._file_json(session, akten.vorgang_of_case(session, case.id), actor, data,
                            subject=f"Auskunft: {answer_to}", doc_type="Auskunft",
                            direction="incoming")

    def _open_file(self, session: Session, case: Case, actor: str | None) -> Vorgang:
        now = self._clock()
        if case.business_key:
            akte = akten.get_akte(session, case.authority_id, aktenzeichen=case.business_key)
        else:
            with session.no_autoflush:  # the new case is inserted once, with its Aktenzeichen
                unit = unit_for_process(session, case.authority_id, case.definition.key)
                case.business_key = next_aktenzeichen(session, case.authority_id, unit.code, now.year)
            title = case.subject or case.definition.name or case.definition.key
            akte = akten.open_akte(session, authority_id=case.authority_id, unit=unit, title=title, now=now,
                                   actor=actor, aktenzeichen=case.business_key)
        return akten.add_vorgang(session, akte, case_id=case.id, title=case.definition.name or case.definition.key,
                                 now=now)

    def _file_json(self, session, vorgang: Vorgang, actor, payload: dict, *, subject, doc_type, direction, task=None,
                   rendition_recipe: dict | None = None) -> DokumentVersion:
        content = CheckedContent(
            data=json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
            filename=f"{doc_type.lower()}.json", media_type="application/json",
        )
        return store_document(
            session, self._store(), vorgang, content, subject=subject, doc_type=doc_type, direction=direction,
            actor=actor, now=self._clock(), task_id=task and task.get("task_id"), task_name=task and task.get("name"),
            rendition_recipe=rendition_recipe,
        )

    def _file_task_protocol(self, session, case, actor, data: dict) -> None:
        """File the task record; its PDF/A rendition is queued for the worker in the same transaction."""
        now = self._clock()
        vorgang = akten.vorgang_of_case(session, case.id)  # with its Akte
        authority = session.get(Authority, case.authority_id)  # loaded with the user already
        title = f"Protokoll: {data['name']}"
        payload = {"task": data["name"], "bpmn_id": data.get("bpmn_id"), "completed_by": actor,
                   "completed_at": now.isoformat(), "data": data.get("submitted", {})}
        recipe = task_protocol_recipe(title=title, author=actor or "", authority=authority.name, created_at=now)
        version = self._file_json(session, vorgang, actor, payload, subject=title, doc_type="Protokoll",
                                  direction="internal", task=data, rendition_recipe=recipe)
        request_rendition(session, case, version, now=now)
