"""Shared pieces of the administration and account pages: German labels, dates, refused changes."""

from __future__ import annotations

from datetime import date, datetime

from eakte.errors import EakteError
from engine.errors import EngineError
from web.ui.verwaltung.messages import german_problem

ROLE_LABELS = {
    "clerk": "Sachbearbeitung",
    "supervisor": "Fachaufsicht",
    "modeller": "Prozessmodellierung",
    "admin": "Administration",
    "operator": "Plattformbetrieb",
}
DISPOSAL_LABELS = {"A": "A – archivwürdig", "B": "B – vom Archiv zu bewerten", "V": "V – vernichten"}
CONFIDENTIALITY_LABELS = {"offen": "offen", "intern": "intern", "vertraulich": "vertraulich", "geheim": "geheim"}
DATE_HINT = "Zum Beispiel 28.02.2027"


def parse_day(raw: str | None, field: str, errors: dict[str, str], *, required: bool, label: str) -> date | None:
    """Read a date typed as 2027-02-28 (the date input) or 28.02.2027; record a German error in ``errors``."""
    raw = (raw or "").strip()
    if not raw:
        if required:
            errors[field] = f"Bitte geben Sie {label} an."
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    errors[field] = f"Bitte geben Sie {label} als Datum an, zum Beispiel 28.02.2027."
    return None


def refusal(exc: EngineError | EakteError, errors: dict[str, str], fields: set[str] | None = None) -> dict[str, str]:
    """Record the German message of a refused change in ``errors`` (at its field if the page shows it)."""
    field, message = german_problem(exc)
    if fields is not None and field not in fields:
        field = "_form"
    errors.setdefault(field, message)
    return errors


def no_store(response):
    """Keep a page with a secret shown once out of every cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
