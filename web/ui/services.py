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
from engine import task_rules
from engine.errors import Conflict, Forbidden, InvalidData
from engine.inbox import LIKE_ESCAPE, contains_pattern
from engine.models import Case, ProcessDefinition, User, UserTask
from engine.substitutions import on_behalf_data
from processes import casework
from web.ui.steps import element_names

MAX_NOTE_LENGTH = 4000
GROUP_LENGTH = UserTask.__table__.c.candidate_group.type.length


def add_note(session: Session, user: User, case: Case, text: str, task: UserTask | None = None,
             on_behalf_of: User | None = None) -> None:
    """Write a note into the case's history (notes are never changed or deleted).

    ``on_behalf_of``: the absent colleague whose task the user works in Vertretung (recorded with the note).
    """
    text = text.strip()
    if not text:
        raise InvalidData("a note must not be empty", {"fields": {"notiz": ["Bitte einen Text eingeben."]}})
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidData("note too long", {"fields": {"notiz": [f"Höchstens {MAX_NOTE_LENGTH} Zeichen."]}})
    data = {"text": text, **on_behalf_data(on_behalf_of)}
    if task is not None:
        data |= {"task_id": task.id, "name": task.name}
    casework.record_case_event(session, case, "note.added", user.username, data)


def notes_of(session: Session, case: Case, limit: int = 200) -> list:
    """Return the notes of a case, newest first."""
    events, _ = audit.history(session, case.id, 0, 10_000)
    return [e for e in reversed(events) if e.kind == "note.added"][:limit]


def may_set_follow_up(user: User, task: UserTask, on_behalf_of: User | None = None) -> bool:
    """Tell whether the user may set the task's follow-up date: an open task of their group, their own, one
    they work in Vertretung for its assignee, or any as a supervisor."""
    return task.status == "open" and (
        task.assignee_id in (None, user.id) or user.has_role("supervisor")
        or (on_behalf_of is not None and task.assignee_id == on_behalf_of.id))


def set_follow_up(session: Session, user: User, task: UserTask, follow_up_at: datetime | None,
                  on_behalf_of: User | None = None) -> None:
    """Set or clear the follow-up date (*Wiedervorlage*) of an open task (recorded in Vertretung if so)."""
    if task.status != "open":
        raise Conflict(f"task '{task.name}' is already {task.status}")
    if not may_set_follow_up(user, task, on_behalf_of):
        raise Forbidden("only the assignee, a substitute or a supervisor may set a follow-up date")
    task.follow_up_at = follow_up_at
    case = session.get(Case, task.case_id)
    casework.record_case_event(
        session, case, "task.follow_up_set", user.username,
        {"task_id": task.id, "name": task.name, "follow_up_at": follow_up_at.isoformat() if follow_up_at else None,
         **on_behalf_data(on_behalf_of)},
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
    """Return the active users of the user's authority who work on tasks (clerks and supervisors; no admin or
    modeller accounts)."""
    return [u for u in session.scalars(
        select(User).where(User.authority_id == user.authority_id, User.active).order_by(User.display_name)
    ) if task_rules.works_on_tasks(u)]


def groups_of_authority(session: Session, user: User) -> list[str]:
    """Return every candidate group known in the user's authority (from users and tasks)."""
    groups = {g for u in colleagues(session, user) for g in (u.groups or [])}
    groups.update(session.scalars(
        select(UserTask.candidate_group).distinct()
        .where(UserTask.authority_id == user.authority_id, UserTask.candidate_group.is_not(None))
    ))
    return sorted(groups)


def procedure_names(session: Session, user: User) -> dict[str, str]:
    """Return the name of every procedure visible to the user's authority by process key (its newest version's name).

    A process without a name in its model is shown by its key.
    """
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.name)
        .where(or_(ProcessDefinition.authority_id == user.authority_id, ProcessDefinition.authority_id.is_(None)))
        .order_by(ProcessDefinition.key, ProcessDefinition.version)
    )
    return {key: (name or key) for key, name in rows}


def task_names(session: Session, user: User, process_keys: set[str]) -> dict[tuple[str, str], str]:
    """Return the names of the user tasks of the newest visible version of each procedure, by (process key, BPMN id).

    Task rows may carry an item in their name ("Stellungnahme abgeben – Gemeinde"); figures about all
    instances of a task use the model's name.
    """
    names: dict[tuple[str, str], str] = {}
    for key in process_keys:
        definition = session.scalar(
            select(ProcessDefinition)
            .where(ProcessDefinition.key == key,
                   or_(ProcessDefinition.authority_id == user.authority_id, ProcessDefinition.authority_id.is_(None)))
            .order_by(ProcessDefinition.version.desc()).limit(1)
        )
        if definition is not None:
            names.update({(key, bpmn_id): name for bpmn_id, name in element_names(definition).items()})
    return names


def procedures(session: Session, user: User, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Return (process key, name) of the procedures the user's authority uses (its own and the shared ones), by name.

    Read from the definitions (``procedure_names``, passed in if the caller has them), not from the cases: a
    filter list must not cost more as cases accumulate.
    """
    names = procedure_names(session, user) if names is None else names
    return sorted(names.items(), key=lambda pair: (pair[1].lower(), pair[0]))


@dataclass(frozen=True)
class CaseQuery:
    """Criteria of the case search; empty criteria match everything.

    ``text`` is found in the Aktenzeichen, the subject or the applicant's name on one of the case's tasks
    (any case, upper or lower).
    """

    text: str | None = None
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
    if query.text:
        pattern = contains_pattern(query.text)
        statement = statement.where(or_(
            Case.business_key.ilike(pattern, escape=LIKE_ESCAPE), Case.subject.ilike(pattern, escape=LIKE_ESCAPE),
            exists().where(UserTask.case_id == Case.id, UserTask.applicant.ilike(pattern, escape=LIKE_ESCAPE)),
        ))
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


def suspended_cases(session: Session, tasks: list[UserTask]) -> set[str]:
    """Return the ids of the suspended cases among the cases of ``tasks`` (one query)."""
    case_ids = {task.case_id for task in tasks}
    if not case_ids:
        return set()
    return set(session.scalars(select(Case.id).where(Case.id.in_(case_ids), Case.status == "suspended")))


@dataclass(frozen=True)
class RelatedCases:
    """The cases a case is connected with: the one whose call activity or event started it, and its children."""

    parent: Case | None
    source: Case | None
    children: list[Case]


def related_cases(session: Session, user: User, case: Case) -> RelatedCases:
    """Return the calling case, the starting case and the child cases of ``case`` (of the user's authority)."""
    others = cases_by_id(session, user, {i for i in (case.parent_case_id, case.source_case_id) if i})
    children = session.scalars(select(Case).where(Case.authority_id == user.authority_id,
                                                  Case.parent_case_id == case.id).order_by(Case.started_at)).all()
    return RelatedCases(others.get(case.parent_case_id), others.get(case.source_case_id), list(children))


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
