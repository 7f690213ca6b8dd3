"""Who applied, per procedure: the name the inbox search finds a case's tasks by.

The engine stores this name on every new task row (``EngineContext.applicant_of``).
Building permits name the applicant (``antragsteller``); civil status cases the
people the entry is about: the parents of a birth, the couple of a marriage.
"""

from __future__ import annotations

from engine.task_rules import default_applicant

PERSON_KEYS = {"geburt": ("mutter", "vater"), "eheschliessung": ("partner_1", "partner_2")}


def applicant_of(process_key: str, data: dict) -> str | None:
    """Return the applicant's name (or the names of the people concerned) from the case data, or None."""
    keys = PERSON_KEYS.get(process_key)
    if keys is None:
        return default_applicant(process_key, data)
    names = [_full_name(data.get(key)) for key in keys]
    return ", ".join(name for name in names if name) or None


def _full_name(person) -> str:
    if not isinstance(person, dict):
        return ""
    parts = (person.get("given_names"), person.get("family_name"))
    return " ".join(" ".join(part.split()) for part in parts if isinstance(part, str) and part.strip())
