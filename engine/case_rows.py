"""Loading and locking case and task rows (the first step of every change to a case).

A change to a case always locks its row first (``SELECT ... FOR UPDATE``), so
concurrent changes of one case queue up and each sees what the one before it
committed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from engine.errors import NotFound
from engine.models import Case, UserTask


def lock_case(session: Session, case_id: str, authority_id: str | None = None) -> Case:
    """Lock and return a case row (fresh from the database).

    Raises:
        NotFound: no such case (in the given authority).
    """
    query = select(Case).where(Case.id == case_id)
    if authority_id is not None:
        query = query.where(Case.authority_id == authority_id)
    case = session.scalar(query.with_for_update(of=Case).execution_options(populate_existing=True))
    if case is None:
        raise NotFound(f"no case with id '{case_id}'")
    return case


def load_task(session: Session, task_id: str, authority_id: str, for_update: bool = False) -> UserTask:
    """Return a task row of the authority (locked if ``for_update``).

    Its case comes along in the same statement, without its state (for the
    events about the task; ``session.get(Case, ...)`` then finds it).

    Raises:
        NotFound: no such task in the authority.
    """
    query = (select(UserTask, Case).join(Case, Case.id == UserTask.case_id)
             .where(UserTask.id == task_id, UserTask.authority_id == authority_id)
             .options(lazyload(UserTask.assignee), load_only(Case.id, Case.authority_id, Case.status),
                      lazyload(Case.definition)))
    if for_update:
        query = query.with_for_update(of=UserTask)
    row = session.execute(query.execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound(f"no task with id '{task_id}'")
    set_committed_value(row[0], "case", row[1])  # held by the task, so the session keeps it
    return row[0]


def lock_task_and_case(session: Session, task_id: str, authority_id: str) -> tuple[Case, UserTask]:
    """Lock a task row and its case in one statement; concurrent completions of the case's tasks queue up here.

    Both rows are read after the locks are granted (PostgreSQL re-reads locked
    rows), so a completion that waited sees the task as the other one left it.
    """
    row = session.execute(
        select(Case, UserTask).join(UserTask, UserTask.case_id == Case.id)
        .where(UserTask.id == task_id, UserTask.authority_id == authority_id)
        .options(lazyload(UserTask.assignee))
        .with_for_update(of=[Case, UserTask])
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no task with id '{task_id}'")
    return row[0], row[1]
