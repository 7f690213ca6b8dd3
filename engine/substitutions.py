"""Absences and substitutions (*Vertretung*): who works the tasks of an absent colleague.

An absence of a user has a period (open end allowed) and optionally a
substitute, for all of the user's tasks or for those of given candidate
groups. While it lasts, the substitute sees the tasks assigned to the absent
user in a view of their own and may claim or complete them in the absent
user's name (recorded "in Vertretung für …"). Tasks of an absence without a
substitute (or outside the substitute's groups) are shown to the supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from engine.errors import Forbidden, InvalidData, NotFound
from engine.models import Substitution, User, UserTask

WORKING_ROLES = ("clerk", "supervisor")


def add_substitution(
    session: Session, user: User, substitute: User | None, starts_at: datetime, ends_at: datetime | None = None,
    *, groups: list[str] | None = None, created_by: str | None = None,
) -> Substitution:
    """Record an absence of ``user`` from ``starts_at`` until ``ends_at`` (open end if None).

    ``substitute`` (or None: the supervisors) stands in for all tasks, or only
    for the tasks of the candidate ``groups``.
    """
    if substitute is not None:
        if user.authority_id != substitute.authority_id:
            raise InvalidData("a substitute must belong to the same authority")
        if user.id == substitute.id:
            raise InvalidData("nobody can substitute for themselves")
        if not substitute.active:
            raise InvalidData(f"user '{substitute.username}' is deactivated and cannot substitute")
        if not substitute.has_role(*WORKING_ROLES):
            raise InvalidData(f"user '{substitute.username}' works no tasks (needs the role clerk or supervisor)")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidData("a substitution must end after it starts")
    if groups is not None and (not isinstance(groups, list) or not groups
                               or not all(isinstance(g, str) and g.strip() for g in groups)):
        raise InvalidData("groups must be a non-empty list of candidate group names (or none for all tasks)")
    row = Substitution(
        authority_id=user.authority_id, user_id=user.id, substitute_id=substitute.id if substitute else None,
        starts_at=starts_at, ends_at=ends_at, groups=sorted({g.strip() for g in groups}) if groups else None,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def end_substitution(session: Session, row: Substitution, now: datetime) -> Substitution:
    """End an absence now (one that has not begun yet never begins); the row stays as a record."""
    if row.ends_at is not None and row.ends_at <= now:
        raise InvalidData("this absence has ended already")
    row.ends_at = max(now, row.starts_at)
    session.flush()
    return row


def get_substitution(session: Session, authority_id: str, substitution_id: str) -> Substitution:
    """Return an absence of the authority or raise NotFound."""
    row = session.scalar(select(Substitution).where(Substitution.id == substitution_id,
                                                    Substitution.authority_id == authority_id))
    if row is None:
        raise NotFound(f"no absence with id '{substitution_id}'")
    return row


def list_substitutions(session: Session, authority_id: str, now: datetime, *, involving: User | None = None,
                       include_past: bool = False) -> list[Substitution]:
    """Return the authority's current and future absences (or all), optionally only those involving a user."""
    query = select(Substitution).where(Substitution.authority_id == authority_id)
    if not include_past:
        query = query.where(_not_ended(now))
    if involving is not None:
        query = query.where(or_(Substitution.user_id == involving.id, Substitution.substitute_id == involving.id))
    return list(session.scalars(query.order_by(Substitution.starts_at, Substitution.id)))


def absent_colleagues(session: Session, substitute: User, now: datetime) -> list[User]:
    """Return the active users of the substitute's authority whom ``substitute`` stands in for at ``now``."""
    ids = {row.user_id for row in _active_for(session, substitute, now)}
    users = session.scalars(select(User).where(User.id.in_(ids), User.active)) if ids else []
    return sorted(users, key=lambda u: u.display_name)


@dataclass(frozen=True)
class Coverage:
    """The groups of an absent user's tasks a substitute covers (None: all)."""

    absent: User
    groups: frozenset[str] | None

    def covers(self, candidate_group: str | None) -> bool:
        """Tell whether a task of ``candidate_group`` is covered."""
        return self.groups is None or (candidate_group is not None and candidate_group in self.groups)


def coverage_of(session: Session, substitute: User, now: datetime) -> list[Coverage]:
    """Return whom ``substitute`` stands in for at ``now`` and for which groups."""
    merged: dict[str, set[str] | None] = {}
    for row in _active_for(session, substitute, now):
        if row.user_id in merged and merged[row.user_id] is None:
            continue
        merged[row.user_id] = None if row.groups is None else {*merged.get(row.user_id, set()), *row.groups}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(merged), User.active))} if merged else {}
    return sorted((Coverage(users[uid], None if groups is None else frozenset(groups))
                   for uid, groups in merged.items() if uid in users), key=lambda c: c.absent.display_name)


def substitution_tasks(session: Session, substitute: User, now: datetime, absent_id: str | None = None,
                       limit: int = 500) -> list[tuple[UserTask, User]]:
    """Return the open tasks ``substitute`` may work in Vertretung (optionally of one absent user), due first.

    Each task comes with the absent user it is worked for.
    """
    coverages = [c for c in coverage_of(session, substitute, now) if absent_id in (None, c.absent.id)]
    if not coverages:
        return []
    tasks = session.scalars(
        select(UserTask).where(UserTask.authority_id == substitute.authority_id, UserTask.status == "open",
                               or_(*(_covered_tasks(c) for c in coverages)))
        .order_by(UserTask.due_at.asc().nulls_last(), UserTask.created_at, UserTask.id).limit(limit))
    by_id = {c.absent.id: c.absent for c in coverages}
    return [(task, by_id[task.assignee_id]) for task in tasks]


def unattended_tasks(session: Session, authority_id: str, now: datetime,
                     limit: int = 500) -> list[tuple[UserTask, User]]:
    """Return the open tasks of absent users that no substitute covers, for the supervisors, due first."""
    rows = session.scalars(select(Substitution).where(Substitution.authority_id == authority_id, _active(now)))
    absent: dict[str, set[str] | None] = {}  # absent user -> groups covered by a substitute (None: all)
    for row in rows:
        covered = absent.setdefault(row.user_id, set())
        if covered is None or row.substitute_id is None or not (row.substitute and row.substitute.active):
            continue
        absent[row.user_id] = None if row.groups is None else covered | set(row.groups)
    uncovered = [UserTask.assignee_id == user_id if not groups else
                 (UserTask.assignee_id == user_id) & or_(UserTask.candidate_group.is_(None),
                                                         UserTask.candidate_group.not_in(sorted(groups)))
                 for user_id, groups in absent.items() if groups is not None]
    if not uncovered:
        return []
    tasks = list(session.scalars(
        select(UserTask).where(UserTask.authority_id == authority_id, UserTask.status == "open", or_(*uncovered))
        .order_by(UserTask.due_at.asc().nulls_last(), UserTask.created_at, UserTask.id).limit(limit)))
    return [(task, task.assignee) for task in tasks]


def check_may_act_for(session: Session, substitute: User, absent: User, task: UserTask, now: datetime) -> None:
    """Raise Forbidden unless ``substitute`` stands in for ``absent`` now, for this task assigned to ``absent``."""
    if task.assignee_id != absent.id:
        raise Forbidden(f"this task is not assigned to {absent.display_name}")
    coverage = next((c for c in coverage_of(session, substitute, now) if c.absent.id == absent.id), None)
    if coverage is None:
        raise Forbidden(f"you do not stand in for {absent.display_name} at this time")
    if not coverage.covers(task.candidate_group):
        raise Forbidden(f"your substitution for {absent.display_name} does not cover tasks of the group "
                        f"'{task.candidate_group}'")


def on_behalf_data(absent: User | None) -> dict:
    """Return what a task event records about work done in Vertretung (nothing without an absent user)."""
    return {} if absent is None else {"on_behalf_of": absent.username, "on_behalf_of_name": absent.display_name}


def _covered_tasks(coverage: Coverage):
    condition = UserTask.assignee_id == coverage.absent.id
    if coverage.groups is not None:
        condition = condition & (UserTask.candidate_group.in_(sorted(coverage.groups)) if coverage.groups else false())
    return condition


def _active_for(session: Session, substitute: User, now: datetime) -> list[Substitution]:
    return list(session.scalars(select(Substitution).where(
        Substitution.substitute_id == substitute.id, Substitution.authority_id == substitute.authority_id,
        _active(now))))


def _active(now: datetime):
    return (Substitution.starts_at <= now) & _not_ended(now)


def _not_ended(now: datetime):
    return or_(Substitution.ends_at.is_(None), Substitution.ends_at > now)
