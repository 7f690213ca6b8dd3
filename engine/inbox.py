"""Queries over human tasks: the inbox with filters, sorting and paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from engine.models import User, UserTask

SORT_COLUMNS = {
    "due_at": UserTask.due_at,
    "priority": UserTask.priority,
    "created_at": UserTask.created_at,
    "name": UserTask.name,
}


@dataclass(frozen=True)
class TaskFilter:
    """What part of the inbox to show.

    ``scope`` is ``mine`` (assigned to me), ``groups`` (unassigned, in my
    groups), ``all_mine`` (both) or ``authority`` (everything in my
    authority; supervisors only, checked by the caller).
    ``substituted_ids`` are users I stand in for (*Vertretung*): their
    assigned tasks count as mine. ``due_before`` keeps tasks due before
    that moment (e.g. the end of this week).
    """

    scope: str = "all_mine"
    process_key: str | None = None
    overdue: bool = False
    status: str = "open"
    text: str | None = None
    substituted_ids: tuple[str, ...] = ()
    due_before: datetime | None = None


def build_query(user: User, flt: TaskFilter, now: datetime) -> Select:
    """Return the SELECT for the user's tasks matching ``flt`` (authority-scoped)."""
    query = select(UserTask).where(UserTask.authority_id == user.authority_id, UserTask.status == flt.status)
    mine = UserTask.assignee_id.in_((user.id, *flt.substituted_ids)) if flt.substituted_ids else UserTask.assignee_id == user.id
    in_groups = (UserTask.assignee_id.is_(None)) & UserTask.candidate_group.in_(user.groups or [""])
    if flt.scope == "mine":
        query = query.where(mine)
    elif flt.scope == "groups":
        query = query.where(in_groups)
    elif flt.scope == "all_mine":
        query = query.where(or_(mine, in_groups))
    if flt.process_key:
        query = query.where(UserTask.process_key == flt.process_key)
    if flt.overdue:
        query = query.where(UserTask.due_at < now)
    if flt.due_before is not None:
        query = query.where(UserTask.due_at < flt.due_before)
    if flt.text:
        pattern = f"%{flt.text.lower()}%"
        query = query.where(or_(func.lower(UserTask.business_key).like(pattern), func.lower(UserTask.subject).like(pattern)))
    return query


def list_tasks(
    session: Session, user: User, flt: TaskFilter, now: datetime, sort: str = "due_at", page: int = 1, per_page: int = 25
) -> tuple[list[UserTask], int]:
    """Return one page of tasks and the total number of matches."""
    query = build_query(user, flt, now)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    descending = sort.startswith("-")
    column = SORT_COLUMNS[sort.lstrip("-")]
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    rows = session.scalars(query.order_by(order, UserTask.created_at, UserTask.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0
