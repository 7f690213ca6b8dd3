"""Inbox query: scopes, filters, sorting, paging and the capped count, checked against a plain-Python reference."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from engine import inbox
from engine.db import transaction
from engine.inbox import TaskFilter
from engine.models import Case, ProcessDefinition, User, UserTask
from tests.conftest import unique_key

pytestmark = pytest.mark.core

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PROCEDURES = ("bauantrag", "gewerbe")


@pytest.fixture()
def world(authority, other_authority, session_factory):
    """Two authorities with users and a seeded mix of tasks; returns ids and the tasks as plain dicts."""
    clerk = authority.user("clerk", groups=("g1", "g2"))
    colleague = authority.user("colleague", groups=("g2",))
    absent = authority.user("absent", groups=("g3",))
    stranger = other_authority.user("stranger", groups=("g1", "g2"))
    rng = random.Random(20260302)
    tasks = []
    with transaction(session_factory) as session:
        cases = {a.id: _case(session, a.id) for a in (authority, other_authority)}
        for number in range(90):
            authority_id = authority.id if number % 6 else other_authority.id
            users = (clerk, colleague, absent) if authority_id == authority.id else (stranger,)
            due = rng.choice([None, NOW - timedelta(days=rng.randint(1, 9)), NOW + timedelta(days=rng.randint(0, 30))])
            task = UserTask(
                authority_id=authority_id, case_id=cases[authority_id], spiff_task_id=f"t{number}",
                process_key=rng.choice(PROCEDURES), bpmn_id="pruefen", name=rng.choice(["Antrag pruefen", "Bescheid"]),
                candidate_group=rng.choice(["g1", "g2", "g3", None]),
                assignee_id=rng.choice([None, None, None, *(u.id for u in users)]),
                status=rng.choice(["open"] * 5 + ["completed"]), priority=rng.choice([10, 50, 90]), due_at=due,
                business_key=f"AZ-{number:04d}", subject=rng.choice(["Garage", "Carport 100%", "Wintergarten_Nord"]),
                created_at=NOW - timedelta(hours=rng.randint(0, 40)),
            )
            session.add(task)
            session.flush()
            tasks.append({column: getattr(task, column) for column in (
                "id", "authority_id", "process_key", "name", "candidate_group", "assignee_id", "status", "priority",
                "due_at", "business_key", "subject", "created_at")})
    return {"clerk": clerk.id, "absent": absent.id, "stranger": stranger.id, "tasks": tasks}


def _case(session, authority_id: str) -> str:
    definition = ProcessDefinition(key=unique_key("inbox"), version=1, content_hash="0" * 64, authority_id=authority_id)
    session.add(definition)
    session.flush()
    case = Case(authority_id=authority_id, definition_id=definition.id, definition=definition, state="{}",
                serializer_version="test")
    session.add(case)
    session.flush()
    return case.id


def _expected(tasks: list[dict], user: User, flt: TaskFilter, sort: str) -> list[str]:
    """The reference: filter and sort the tasks in Python, as the inbox promises to."""
    mine_ids = {user.id, *flt.substituted_ids}

    def visible(task: dict) -> bool:
        mine = task["assignee_id"] in mine_ids
        in_groups = task["assignee_id"] is None and task["candidate_group"] in user.groups
        in_scope = {"mine": mine, "groups": in_groups, "all_mine": mine or in_groups, "authority": True}[flt.scope]
        text = (flt.text or "").lower()
        return (
            in_scope and task["authority_id"] == user.authority_id and task["status"] == flt.status
            and (not flt.process_key or task["process_key"] == flt.process_key)
            and (not flt.overdue or (task["due_at"] is not None and task["due_at"] < NOW))
            and (flt.due_before is None or (task["due_at"] is not None and task["due_at"] < flt.due_before))
            and (not text or text in task["business_key"].lower() or text in task["subject"].lower())
        )

    name = sort.lstrip("-")
    matches = sorted(filter(visible, tasks), key=lambda task: (task["created_at"], task["id"]))
    present = [task for task in matches if task[name] is not None]
    present.sort(key=lambda task: task[name], reverse=sort.startswith("-"))  # stable: ties keep (created_at, id)
    return [task["id"] for task in present + [task for task in matches if task[name] is None]]


def _all_pages(session, user, flt, sort, per_page=7) -> tuple[list[str], set[int]]:
    ids, totals, page = [], set(), 1
    while True:
        result = inbox.list_tasks(session, user, flt, NOW, sort=sort, page=page, per_page=per_page)
        if not result.items:
            return ids, totals
        assert not result.total_capped
        ids += [task.id for task in result.items]
        totals.add(result.total)
        page += 1


FILTERS = [
    TaskFilter(),
    TaskFilter(scope="mine"),
    TaskFilter(scope="groups"),
    TaskFilter(scope="authority"),
    TaskFilter(overdue=True),
    TaskFilter(process_key="gewerbe"),
    TaskFilter(status="completed"),
    TaskFilter(due_before=NOW + timedelta(days=7)),
    TaskFilter(text="az-001"),
    TaskFilter(text="100%"),
    TaskFilter(text="n_n"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
@pytest.mark.parametrize("sort", ["due_at", "-due_at", "-priority", "priority", "created_at", "name"])
def test_every_page_matches_the_reference(world, session_factory, flt, sort):
    with transaction(session_factory) as session:
        user = session.get(User, world["clerk"])
        expected = _expected(world["tasks"], user, flt, sort)
        ids, totals = _all_pages(session, user, flt, sort)
    assert ids == expected
    assert totals <= {len(expected)}


def test_substitutes_see_the_absent_colleagues_assigned_tasks(world, session_factory):
    flt = TaskFilter(scope="mine", substituted_ids=(world["absent"],))
    with transaction(session_factory) as session:
        user = session.get(User, world["clerk"])
        expected = _expected(world["tasks"], user, flt, "due_at")
        ids, _ = _all_pages(session, user, flt, "due_at")
    assert ids == expected
    assert any(task["assignee_id"] == world["absent"] for task in world["tasks"] if task["id"] in ids)


def test_other_authorities_tasks_never_show(world, session_factory):
    with transaction(session_factory) as session:
        stranger = session.get(User, world["stranger"])
        ids, _ = _all_pages(session, stranger, TaskFilter(scope="authority"), "due_at")
    other = {task["id"] for task in world["tasks"] if task["authority_id"] == stranger.authority_id}
    assert ids and set(ids) <= other


def test_total_is_capped_and_flagged(world, session_factory):
    with transaction(session_factory) as session:
        user = session.get(User, world["clerk"])
        expected = _expected(world["tasks"], user, TaskFilter(scope="authority"), "due_at")
        capped = inbox.list_tasks(session, user, TaskFilter(scope="authority"), NOW, per_page=2, count_cap=5)
        exact = inbox.list_tasks(session, user, TaskFilter(scope="authority"), NOW, per_page=2,
                                 count_cap=len(expected))
    assert len(expected) > 5
    assert (capped.total, capped.total_capped) == (5, True)
    assert (exact.total, exact.total_capped) == (len(expected), False)
    assert [task.id for task in capped.items] == expected[:2]


def test_page_past_the_end_is_empty_but_counts(world, session_factory):
    with transaction(session_factory) as session:
        user = session.get(User, world["clerk"])
        expected = _expected(world["tasks"], user, TaskFilter(), "due_at")
        result = inbox.list_tasks(session, user, TaskFilter(), NOW, page=50, per_page=25)
    assert (result.items, result.total, result.total_capped) == ([], len(expected), False)


def test_user_without_groups_has_an_empty_group_inbox(authority, session_factory):
    loner = authority.user("loner")
    with transaction(session_factory) as session:
        result = inbox.list_tasks(session, session.get(User, loner.id), TaskFilter(scope="groups"), NOW)
    assert result == inbox.TaskPage([], 0, False)


def test_unknown_scope_and_sort_are_refused(authority, session_factory):
    clerk = authority.user("clerk", groups=("g1",))
    with transaction(session_factory) as session:
        user = session.get(User, clerk.id)
        with pytest.raises(ValueError, match="scope"):
            inbox.list_tasks(session, user, TaskFilter(scope="everyone"), NOW)
        with pytest.raises(KeyError, match="applicant"):
            inbox.list_tasks(session, user, TaskFilter(), NOW, sort="applicant")
