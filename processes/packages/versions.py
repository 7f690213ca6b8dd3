"""The versions of a procedure as a modeller sees them: how many cases run on each, which files it has."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import definitions
from engine.errors import NotFound
from engine.models import Case, ProcessDefinition


@dataclass(frozen=True)
class VersionRow:
    """One version of a procedure with the authority's cases on it."""

    definition: ProcessDefinition
    running: int
    total: int


def versions_of(session: Session, authority_id: str, process_key: str) -> list[VersionRow]:
    """Return the versions of a process visible to the authority, newest first, with its case counts.

    Raises:
        NotFound: the authority sees no version of the process.
    """
    found = definitions.list_definitions(session, authority_id, key=process_key)
    if not found:
        raise NotFound(f"no process '{process_key}'")
    counts = case_counts(session, authority_id, [d.id for d in found])
    return [VersionRow(d, *counts.get(d.id, (0, 0))) for d in found]


def case_counts(session: Session, authority_id: str, definition_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Return (running, total) cases of the authority per definition id, in one query."""
    rows = session.execute(
        select(Case.definition_id, func.count().filter(Case.status == "running"), func.count())
        .where(Case.authority_id == authority_id, Case.definition_id.in_(definition_ids))
        .group_by(Case.definition_id)
    ).all()
    return {definition_id: (running, total) for definition_id, running, total in rows}
