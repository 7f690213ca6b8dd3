"""Services the UI needs beyond the REST API's: notes, follow-ups, hand-over, case search.

Plain functions taking the session first; they flush, never commit, and
write audit events into the case's chain in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from eakte import audit
from engine.definitions import visible_to
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import Case, ProcessDefinition, User, UserTask
from processes import casework

MAX_NOTE_LENGTH = 4000
GROUP_LENGTH = UserTask.__table__.c.candidate_group.type.length


def add_note(session: Session, user: User, case: Case, text: str, task: UserTask | None = None) -> None:
    """Write a note into the case's history (notes are never changed or deleted)."""
    text = text.strip()
    if not text:
        raise InvalidData("a note must not be empty", {"fields": {"notiz": ["Bitte einen Text eingeben."]}})
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidData("note too long", {"fields": {"notiz": [f"Höchstens {MAX_NOTE_LENGTH} Zeichen."]}})
    data = {"text": text}
    if task is not None:
        data |= {"task_id": task.id, "name": task.name}
    casework.record_case_event(session, case, "note.added", user.username, data)


def notes_of(session: Session, case: Case, limit: int = 200) -> list:
    """Return the notes of a case, newest first."""
    events, _ = audit.history(session, case.id, 0, 10_000)
    return [e for e in reversed(events) if e.kind == "note.added"][:limit]


def set_follow_up(session: Session, user: User, task: UserTask, follow_up_at: datetime | None) -> None:
    """Set or clear the follow-up date (*Wiedervorlage*) of an open task."""
    if task.status != "open":
        raise Conflict(f"task '{task.name}' is already {task.status}")
    if task.assignee_id not in (None, user.id) and not user.has_role("supervisor"):
        raise Forbidden("only the assignee or a supervisor may set a follow-up date")
    task.follow_up_at = follow_up_at
    case = session.get(Case, task.case_id)
    casework.record_case_event(
        session, case, "task.follow_up_set", user.username,
        {"task_id": task.id, "name": task.name, "follow_up_at": follow_up_at.isoformat() if follow_up_at else None},
    )
    session.flush()


def hand_to_group(session: Session, user: User, task: UserTask, group: str) -> None:
    """Give an open task to another candidate group, unassigned (supervisors only)."""
    if not user.has_role("supervisor"):
        raise Forbidden("only supervisors may hand tasks to another group")
    if task.status != "open":
        raise Conflict(f"task '{task.name}' is already {task.status}")
    group = group.strip()
    if not group:
        raise InvalidData("group missing", {"fields": {"gruppe": ["Bitte eine Gruppe wählen."]}})
    if len(group) > GROUP_LENGTH:
        raise InvalidData("group name too long", {"fields": {"gruppe": [f"Höchstens {GROUP_LENGTH} Zeichen."]}})
    task.candidate_group, task.assignee, task.claimed_at = group, None, None
    case = session.get(Case, task.case_id)
    casework.record_case_event(session, case, "task.handed_over", user.username,
                               {"task_id": task.id, "name": task.name, "candidate_group": group})
    session.flush()


def colleagues(session: Session, user: User) -> list[User]:
    """Return the active users of the user's authority."""
    return list(session.scalars(
        select(User).where(User.authority_id == user.authority_id, User.active).order_by(User.display_name)
    ))


def groups_of_authority(session: Session, user: User) -> list[str]:
    """Return every candidate group known in the user's authority (from users and tasks)."""
    groups = {g for u in colleagues(session, user) for g in (u.groups or [])}
    groups.update(session.scalars(
        select(UserTask.candidate_group).distinct()
        .where(UserTask.authority_id == user.authority_id, UserTask.candidate_group.is_not(None))
    ))
    return sorted(groups)


def procedures(session: Session, user: User) -> list[str]:
    """Return the keys of the processes the user's authority uses (its own and the shared ones), for filters.

    Read from the definitions, not the cases: their number does not grow with the cases.
    """
    return list(session.scalars(
        select(ProcessDefinition.key).distinct().where(visible_to(user.authority_id)).order_by(ProcessDefinition.key)
    ))


@dataclass(frozen=True)
class CaseQuery:
    """Criteria of the supervisors' case search; empty criteria match everything."""

    business_key: str | None = None
    process_key: str | None = None
    status: str | None = None
    started_from: datetime | None = None
    started_until: datetime | None = None
    clerk: str | None = None


def search_cases(session: Session, user: User, query: CaseQuery, page: int, per_page: int) -> tuple[list[Case], int]:
    """Search the cases of the user's authority; return one page (newest first) and the total."""
    statement = _case_search(user, query)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = session.scalars(
        statement.order_by(Case.started_at.desc(), Case.id).offset((page - 1) * per_page).limit(per_page)
    )
    return list(rows), total


def _case_search(user: User, query: CaseQuery) -> Select:
    statement = select(Case).where(Case.authority_id == user.authority_id)
    if query.business_key:
        statement = statement.where(func.lower(Case.business_key).like(f"%{query.business_key.lower()}%"))
    if query.process_key:
        statement = statement.where(Case.definition.has(ProcessDefinition.key == query.process_key))
    if query.status:
        statement = statement.where(Case.status == query.status)
    if query.started_from:
        statement = statement.where(Case.started_at >= query.started_from)
    if query.started_until:
        statement = statement.where(Case.started_at < query.started_until)
    if query.clerk:
        clerk_ids = select(User.id).where(User.authority_id == user.authority_id, User.username == query.clerk)
        statement = statement.where(exists().where(
            UserTask.case_id == Case.id,
            or_(UserTask.assignee_id.in_(clerk_ids), UserTask.completed_by.in_(clerk_ids)),
        ))
    return statement


@dataclass(frozen=True)
class Step:
    """A BPMN element of the case's process: its id (for the diagram) and its name (for people)."""

    bpmn_id: str
    name: str


@dataclass(frozen=True)
class DiagramState:
    """Steps done (in the order they were first done) and steps waiting for a person."""

    completed: list[Step]
    active: list[Step]

    @property
    def completed_ids(self) -> list[str]:
        return [step.bpmn_id for step in self.completed]

    @property
    def active_ids(self) -> list[str]:
        return [step.bpmn_id for step in self.active]


def diagram_state(session: Session, case: Case) -> DiagramState:
    """Collect completed steps from the case's history and active ones from its open tasks."""
    events, _ = audit.history(session, case.id, 0, 100_000)
    completed: dict[str, Step] = {}
    for event in events:
        data = event.data or {}
        bpmn_id = data.get("bpmn_id")
        if event.kind in ("step.completed", "task.completed") and bpmn_id and bpmn_id not in completed:
            completed[bpmn_id] = Step(bpmn_id, data.get("name") or bpmn_id)
    active = {t.bpmn_id: Step(t.bpmn_id, t.name or t.bpmn_id) for t in casework.open_tasks_of(session, case)}
    return DiagramState(list(completed.values()), list(active.values()))


def bpmn_file(definition: ProcessDefinition) -> tuple[str, bytes]:
    """Return the (name, content) of the definition's BPMN file."""
    for name, content in sorted(definition.file_contents().items()):
        if name.lower().endswith(".bpmn"):
            return name, content
    raise InvalidData("the definition has no BPMN file")


def cases_by_id(session: Session, user: User, case_ids: set[str]) -> dict[str, Case]:
    """Return the cases with the given ids of the user's authority, keyed by id (one query)."""
    if not case_ids:
        return {}
    rows = session.scalars(select(Case).where(Case.authority_id == user.authority_id, Case.id.in_(case_ids)))
    return {case.id: case for case in rows}
