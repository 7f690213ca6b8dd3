"""Queries over human tasks: the inbox with filters, sorting and paging.

The inbox "my tasks and my groups' tasks" is the union of disjoint branches:
the tasks assigned to me (or to colleagues I stand in for) and, per candidate
group, the unassigned tasks of that group. Each branch is sorted and limited
on its own, so PostgreSQL reads it in index order from a partial index over
open tasks (see ``UserTask.__table_args__``) and stops after the page instead
of sorting every match of an ``OR``. The total is counted up to a cap: a
number beyond it is reported as "more than the cap", which keeps the count
cheap when a group holds a huge backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from engine.models import User, UserTask

SORT_COLUMNS = {
    "due_at": UserTask.due_at,
    "priority": UserTask.priority,
    "created_at": UserTask.created_at,
    "name": UserTask.name,
    "business_key": UserTask.business_key,
    "subject": UserTask.subject,
    "follow_up_at": UserTask.follow_up_at,
}
SCOPES = ("mine", "groups", "all_mine", "authority")
COUNT_CAP = 10_000


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


class TaskPage(NamedTuple):
    """One page of the inbox.

    ``total`` is exact up to the count cap; when more tasks match,
    ``total`` is the cap and ``total_capped`` is true.
    """

    items: list[UserTask]
    total: int
    total_capped: bool


def branch_queries(user: User, flt: TaskFilter, now: datetime) -> list[Select]:
    """Return disjoint SELECTs of ``UserTask`` whose union is the user's inbox for ``flt``.

    All branches are scoped to the user's authority. A user without groups
    gets no group branch, so the list may be empty. With a text filter the
    branches are merged into one query.

    Raises:
        ValueError: If ``flt.scope`` is unknown.
    """
    if flt.scope not in SCOPES:
        raise ValueError(f"unknown inbox scope '{flt.scope}'; choose from {', '.join(SCOPES)}")
    # The status is rendered into the SQL so PostgreSQL can match the partial indexes
    # (WHERE status = 'open') also when psycopg prepares the statement.
    base = select(UserTask).where(
        UserTask.authority_id == user.authority_id, UserTask.status == literal(flt.status, literal_execute=True)
    )
    if flt.process_key:
        base = base.where(UserTask.process_key == flt.process_key)
    if flt.overdue:
        base = base.where(UserTask.due_at < now)
    if flt.due_before is not None:
        base = base.where(UserTask.due_at < flt.due_before)
    if flt.text:
        pattern = "%" + flt.text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
        # ILIKE on PostgreSQL (served by the trigram indexes), lower() LIKE lower() on SQLite.
        base = base.where(or_(UserTask.business_key.ilike(pattern, escape="/"), UserTask.subject.ilike(pattern, escape="/"),
                              UserTask.applicant.ilike(pattern, escape="/")))
    if flt.scope == "authority":
        return [base]
    scopes = []
    if flt.scope in ("mine", "all_mine"):
        scopes.append(UserTask.assignee_id.in_((user.id, *flt.substituted_ids)))
    if flt.scope in ("groups", "all_mine"):
        scopes.extend(
            UserTask.assignee_id.is_(None) & (UserTask.candidate_group == group) for group in sorted(set(user.groups or ()))
        )
    if flt.text and len(scopes) > 1:
        # The text (trigram index) is the selective part: search once, not once per branch.
        scopes = [or_(*scopes)]
    return [base.where(scope) for scope in scopes]


def list_tasks(
    session: Session,
    user: User,
    flt: TaskFilter,
    now: datetime,
    sort: str = "due_at",
    page: int = 1,
    per_page: int = 25,
    count_cap: int = COUNT_CAP,
) -> TaskPage:
    """Return one page of the user's tasks matching ``flt`` and their (capped) number.

    Args:
        session: Database session.
        user: Whose inbox; its authority, id and groups scope the query.
        flt: Scope and filters.
        now: The current time (for ``overdue``).
        sort: A key of ``SORT_COLUMNS``, prefixed with ``-`` for descending.
            Ties are broken by creation time and id; missing values come last.
            Due date and priority are read in index order; the other columns
            sort the matching tasks of each branch.
        page: 1-based page number.
        per_page: Tasks per page.
        count_cap: Count matches up to this number only.

    Raises:
        KeyError: If ``sort`` names no sortable column.
        ValueError: If ``flt.scope`` is unknown.
    """
    branches = branch_queries(user, flt, now)
    if not branches:
        return TaskPage([], 0, False)
    offset = (page - 1) * per_page
    if len(branches) == 1:
        query = branches[0].order_by(*_order(UserTask, sort))
    else:
        # Each branch only needs its first offset + per_page rows in sort order.
        union = union_all(
            *(branch.order_by(*_order(UserTask, sort)).limit(offset + per_page).subquery().select() for branch in branches)
        ).subquery()
        task = aliased(UserTask, union)
        query = select(task).order_by(*_order(task, sort))
    items = list(session.scalars(query.offset(offset).limit(per_page)))
    if 0 < len(items) < per_page or (page == 1 and not items):
        return TaskPage(items, offset + len(items), False)
    total = _count(session, branches, count_cap)
    return TaskPage(items, min(total, count_cap), total > count_cap)


def _order(entity, sort: str) -> list:
    """Return the ORDER BY of ``sort`` on ``entity`` (the model or an alias), with stable tie-breakers."""
    name = sort.lstrip("-")
    if name not in SORT_COLUMNS:
        raise KeyError(f"cannot sort tasks by '{name}'")
    column = getattr(entity, name)
    key = column.desc() if sort.startswith("-") else column.asc()
    if UserTask.__table__.c[name].nullable:
        key = key.nulls_last()
    return [key, entity.created_at, entity.id]


def _count(session: Session, branches: list[Select], cap: int) -> int:
    """Count the rows of the union of ``branches``, but stop after ``cap + 1``."""
    matches = union_all(*(branch.with_only_columns(literal(1).label("one")) for branch in branches)).subquery()
    limited = select(matches.c.one).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0
