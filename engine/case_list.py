"""Finding cases: the authority's cases by process, state, business key, start time, calling case.

Clients use it to find the cases that messages, signals and call activities
started (``source_case_id``, ``parent_case_id``). Newest first; the count and
the page come from two indexed queries on ``engine_cases``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case, ProcessDefinition


@dataclass(frozen=True)
class CaseFilter:
    """Conditions a listed case meets (None: any)."""

    process_key: str | None = None
    status: str | None = None
    business_key: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    parent_case_id: str | None = None
    source_case_id: str | None = None


def list_cases(session: Session, authority_id: str, flt: CaseFilter, *, page: int, per_page: int
               ) -> tuple[list[Case], int]:
    """Return one page of the authority's cases that match ``flt`` (newest first) and how many match in all."""
    query = select(Case).where(Case.authority_id == authority_id)
    if flt.process_key is not None:
        query = query.join(ProcessDefinition, ProcessDefinition.id == Case.definition_id).where(
            ProcessDefinition.key == flt.process_key)
    for column, value in ((Case.status, flt.status), (Case.business_key, flt.business_key),
                          (Case.parent_case_id, flt.parent_case_id), (Case.source_case_id, flt.source_case_id)):
        if value is not None:
            query = query.where(column == value)
    if flt.started_after is not None:
        query = query.where(Case.started_at >= flt.started_after)
    if flt.started_before is not None:
        query = query.where(Case.started_at < flt.started_before)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(query.order_by(Case.started_at.desc(), Case.id.desc())
                            .offset((page - 1) * per_page).limit(per_page)).all()
    return list(items), total
