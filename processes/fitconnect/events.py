"""The event log of a FIT-Connect submission: event types, problems, and the SETs a subscriber sends.

Every step of a submission is a Security Event Token in the case's event log
(``/v1/cases/{caseId}/events``). The Zustelldienst writes ``submit-submission``
(with the authentication tags of what the sender submitted); the subscriber
answers with exactly one ``accept-submission`` (with the authentication tags
of what it decrypted, so the sender can tell that exactly its content was
received) or ``reject-submission`` (with problems in the shape of RFC 7807:
type, title, detail, instance).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

EVENTS = "https://schema.fitko.de/fit-connect/events/"
SUBMIT = EVENTS + "submit-submission"
ACCEPT = EVENTS + "accept-submission"
REJECT = EVENTS + "reject-submission"
SET_PAYLOAD_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json"
PROBLEMS = EVENTS + "problems/"
OWN_PROBLEMS = "https://aktenfluss.de/fit-connect/problems/"
"""Problems FIT-Connect's catalogue has no type for (replay, identification report)."""


@dataclass(frozen=True)
class Problem:
    """Why a submission is rejected (RFC 7807 shape, as in reject-submission)."""

    type: str
    title: str
    detail: str
    instance: str

    def as_dict(self) -> dict:
        """The problem as it goes into the event and the database."""
        return asdict(self)


def problem(kind: str, detail: str, instance: str) -> Problem:
    """A problem of the catalogue below; ``instance`` is ``metadata``, ``data``, ``attachment:<id>`` or ``submission``."""
    type_, title = CATALOGUE[kind]
    return Problem(type_, title, detail, instance)


CATALOGUE = {
    "encryption-issue": (PROBLEMS + "encryption-issue", "Entschlüsselungs-Fehler"),
    "syntax-violation": (PROBLEMS + "syntax-violation", "Syntax-Fehler"),
    "unsupported-schema": (PROBLEMS + "unsupported-schema", "Schema nicht unterstützt"),
    "missing-schema": (PROBLEMS + "missing-schema", "Schema-Referenz fehlt"),
    "schema-violation": (PROBLEMS + "schema-violation", "Schema-Fehler"),
    "hash-mismatch": (PROBLEMS + "hash-mismatch", "Prüfsumme stimmt nicht"),
    "missing-data": (PROBLEMS + "missing-data", "Fachdaten fehlen"),
    "attachments-mismatch": (PROBLEMS + "attachments-mismatch", "Anlagen inkonsistent"),
    "incorrect-authentication-tag": (PROBLEMS + "incorrect-authentication-tag", "Authentication-Tag ungültig"),
    "invalid-event-log": (PROBLEMS + "invalid-event-log", "Event Log ungültig"),
    "unsupported-service": (PROBLEMS + "unsupported-service", "Verwaltungsleistung nicht unterstützt"),
    "invalid-attachment-content": (PROBLEMS + "invalid-attachment-content", "Anlage ungültig"),
    "invalid-identification": (OWN_PROBLEMS + "invalid-identification-report", "Identifikationsnachweis ungültig"),
    "replay": (OWN_PROBLEMS + "replayed-submission", "Einreichung bereits erhalten"),
}


def accept_claims(destination_id: str, submission_id: str, fit_case_id: str, tags: dict, now: datetime) -> dict:
    """The claims of an accept-submission SET, with the authentication tags of the decrypted parts."""
    return _claims(destination_id, submission_id, fit_case_id, now, {ACCEPT: {"authenticationTags": tags}})


def reject_claims(destination_id: str, submission_id: str, fit_case_id: str, problems: list[dict],
                  now: datetime) -> dict:
    """The claims of a reject-submission SET with the problems found."""
    return _claims(destination_id, submission_id, fit_case_id, now, {REJECT: {"problems": problems}})


def _claims(destination_id: str, submission_id: str, fit_case_id: str, now: datetime, events: dict) -> dict:
    return {"$schema": SET_PAYLOAD_SCHEMA, "jti": str(uuid.uuid4()), "iss": destination_id,
            "iat": int(now.timestamp()), "sub": f"submission:{submission_id}", "txn": f"case:{fit_case_id}",
            "events": events}
