"""Queries over human tasks: the inbox with filters, sorting and paging.

The inbox "my tasks and my groups' tasks" is the union of disjoint branches:
the tasks assigned to me (or to colleagues I stand in for) and, per candidate
group, the unassigned tasks of that group. Each branch is sorted and limited
on its own, so PostgreSQL reads it in index order from a partial index over
open tasks (see ``UserTask.__table_args__``) and stops after the page instead
of sorting every match of an ``OR``. The total is counted up to a cap: a
number beyond it is reported as "more than the cap", which keeps the count
cheap when a group holds a huge backlog.

Building such a statement costs SQLAlchemy several milliseconds (a union of
subqueries, an aliased entity over it), more than PostgreSQL needs to run
it. So a statement is built once per *shape* (scope, number of groups and
stand-ins, which filters are set, sort) with bound parameters for every
value, kept (``_page_statement``, ``_count_statement``) and executed with the
values of the request. The assignees of a page are not joined: they are
mostly the user (already loaded) and otherwise loaded with one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from functools import lru_cache

from sqlalchemy import Select, bindparam, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased, lazyload

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
LIKE_ESCAPE = "/"
"""Escape character of the patterns ``contains_pattern`` makes."""


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


@dataclass(frozen=True)
class _Shape:
    """What makes two inbox statements the same apart from their values."""

    scope: str
    groups: int
    stand_ins: int
    process_key: bool
    overdue: bool
    due_before: bool
    text: bool
    sort: str


def contains_pattern(text: str) -> str:
    """Return a LIKE pattern (escape character ``LIKE_ESCAPE``) that finds ``text`` anywhere, taken literally."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _shape(user: User, flt: TaskFilter, sort: str) -> _Shape:
    return _Shape(flt.scope, len(_groups(user)), len(flt.substituted_ids), bool(flt.process_key), flt.overdue,
                  flt.due_before is not None, bool(flt.text), sort)


def _groups(user: User) -> list[str]:
    return sorted(set(user.groups or ()))


def _values(user: User, flt: TaskFilter, now: datetime) -> dict:
    """The bound values of the statements of ``_branches``."""
    values = {"authority_id": user.authority_id, "status": flt.status, "process_key": flt.process_key, "now": now,
              "due_before": flt.due_before, "assignees": [user.id, *flt.substituted_ids]}
    if flt.text:
        values["pattern"] = contains_pattern(flt.text)
    values.update((f"group_{index}", group) for index, group in enumerate(_groups(user)))
    return values


def _branches(shape: _Shape) -> list[Select]:
    # The status is rendered into the SQL so PostgreSQL can match the partial indexes
    # (WHERE status = 'open') also when psycopg prepares the statement.
    base = select(UserTask).where(
        UserTask.authority_id == bindparam("authority_id"), UserTask.status == bindparam("status", literal_execute=True)
    )
    if shape.process_key:
        base = base.where(UserTask.process_key == bindparam("process_key"))
    if shape.overdue:
        base = base.where(UserTask.due_at < bindparam("now"))
    if shape.due_before:
        base = base.where(UserTask.due_at < bindparam("due_before"))
    if shape.text:
        # ILIKE on PostgreSQL (served by the trigram indexes), lower() LIKE lower() on SQLite.
        pattern = bindparam("pattern")
        base = base.where(or_(*(column.ilike(pattern, escape=LIKE_ESCAPE)
                                for column in (UserTask.business_key, UserTask.subject, UserTask.applicant))))
    if shape.scope == "authority":
        return [base]
    scopes = []
    if shape.scope in ("mine", "all_mine"):
        scopes.append(UserTask.assignee_id.in_(bindparam("assignees", expanding=True)))
    if shape.scope in ("groups", "all_mine"):
        scopes.extend(UserTask.assignee_id.is_(None) & (UserTask.candidate_group == bindparam(f"group_{index}"))
                      for index in range(shape.groups))
    if shape.text and len(scopes) > 1:
        # The text (trigram index) is the selective part: search once, not once per branch.
        scopes = [or_(*scopes)]
    return [base.where(scope) for scope in scopes]


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape) -> Select | None:
    """The statement of one page (bound: the values, ``branch_limit``, ``page_offset``, ``page_size``)."""
    branches = _branches(shape)
    if not branches:
        return None
    if len(branches) == 1:
        query = branches[0].order_by(*_order(UserTask, shape.sort))
    else:
        # Each branch only needs its first offset + per_page rows in sort order.
        union = union_all(*(
            branch.order_by(*_order(UserTask, shape.sort)).limit(bindparam("branch_limit")).subquery().select()
            for branch in branches
        )).subquery()
        task = aliased(UserTask, union)
        query = select(task).order_by(*_order(task, shape.sort)).options(lazyload(task.assignee))
    if len(branches) == 1:
        query = query.options(lazyload(UserTask.assignee))
    return query.offset(bindparam("page_offset")).limit(bindparam("page_size"))


@lru_cache(maxsize=512)
def _count_statement(shape: _Shape) -> Select:
    """Count the rows of the union of the branches, but stop after ``cap`` (bound) + 1."""
    branches = _branches(shape)
    matches = union_all(*(branch.with_only_columns(literal(1).label("one")) for branch in branches)).subquery()
    limited = select(matches.c.one).limit(bindparam("count_limit")).subquery()
    return select(func.count()).select_from(limited)


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
    if flt.scope not in SCOPES:
        raise ValueError(f"unknown inbox scope '{flt.scope}'; choose from {', '.join(SCOPES)}")
    if sort.lstrip("-") not in SORT_COLUMNS:
        raise KeyError(f"cannot sort tasks by '{sort.lstrip('-')}'")
    shape = _shape(user, flt, sort)
    statement = _page_statement(shape)
    if statement is None:
        return TaskPage([], 0, False)
    offset = (page - 1) * per_page
    values = _values(user, flt, now)
    items = list(session.scalars(statement, {**values, "branch_limit": offset + per_page, "page_offset": offset,
                                             "page_size": per_page}))
    _load_assignees(session, items)
    if 0 < len(items) < per_page or (page == 1 and not items):
        return TaskPage(items, offset + len(items), False)
    total = session.scalar(_count_statement(shape), {**values, "count_limit": count_cap + 1}) or 0
    return TaskPage(items, min(total, count_cap), total > count_cap)


def _load_assignees(session: Session, tasks: list[UserTask]) -> None:
    """Load the assignees of ``tasks`` that the session does not hold yet, in one query."""
    wanted = {task.assignee_id for task in tasks if task.assignee_id is not None}
    missing = [user_id for user_id in wanted if session.identity_map.get(session.identity_key(User, user_id)) is None]
    if missing:
        session.scalars(select(User).where(User.id.in_(missing))).all()


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
