"""Absences and substitutes: the substitute sees and works the absent user's tasks in their name while the absence
lasts, for all tasks or given groups; tasks of absences nobody covers go to the supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import runner, substitutions
from engine.db import transaction
from engine.errors import Forbidden, InvalidData
from engine.models import User, UserTask
from tests.engine import background as bg

pytestmark = pytest.mark.core

NOW = datetime(2030, 5, 6, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def office(session_factory, authority):
    """Anna holds an open task (lane Posteingang); Vera may substitute; the case waits at that task."""
    ctx = bg.context(clock=lambda: NOW)
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "lanes_and_groups.bpmn")
    anna = authority.user("anna", groups=("Posteingang",))
    vera = authority.user("vera", groups=("Andere",))
    boss = authority.user("boss", roles=("supervisor",))
    case_id = bg.start(session_factory, ctx, authority.id, key)
    [task_id] = bg.open_task_row_ids(session_factory, case_id)
    with transaction(session_factory) as session:
        runner.claim_task(session, ctx, task_id, session.get(User, anna.id))
    return {"ctx": ctx, "anna": anna.id, "vera": vera.id, "boss": boss.id, "case": case_id, "task": task_id}


def _users(session, office, *names):
    return [session.get(User, office[name]) for name in names]


def _absence(session_factory, office, starts=NOW - timedelta(days=1), ends=NOW + timedelta(days=1), groups=None,
             substitute="vera"):
    with transaction(session_factory) as session:
        anna, vera = _users(session, office, "anna", "vera")
        return substitutions.add_substitution(session, anna, vera if substitute else None, starts, ends,
                                              groups=groups).id


def test_the_substitute_sees_and_completes_the_task_in_the_absent_users_name(session_factory, office):
    _absence(session_factory, office)
    with transaction(session_factory) as session:
        anna, vera = _users(session, office, "anna", "vera")
        rows = substitutions.substitution_tasks(session, vera, NOW)
        assert [(t.id, a.username) for t, a in rows] == [(office["task"], "anna")]
        with pytest.raises(Forbidden):  # not without saying in whose name
            runner.complete_task(session, office["ctx"], office["task"], vera, {})
    with transaction(session_factory) as session:
        anna, vera = _users(session, office, "anna", "vera")
        runner.complete_task(session, office["ctx"], office["task"], vera, {}, on_behalf_of=anna)
    completed = [e for e in bg.history(session_factory, office["case"]) if e.kind == "task.completed"]
    assert completed[-1].actor == "vera" and completed[-1].data["on_behalf_of"] == "anna"
    with transaction(session_factory) as session:
        row = session.get(UserTask, office["task"])
        assert (row.status, row.completed_by) == ("completed", office["vera"])


def test_claiming_in_substitution_moves_the_task_to_the_substitute(session_factory, office):
    _absence(session_factory, office)
    with transaction(session_factory) as session:
        anna, vera = _users(session, office, "anna", "vera")
        runner.claim_task(session, office["ctx"], office["task"], vera, on_behalf_of=anna)
    claimed = [e for e in bg.history(session_factory, office["case"]) if e.kind == "task.claimed"][-1]
    assert (claimed.actor, claimed.data["assignee"], claimed.data["on_behalf_of"]) == ("vera", "vera", "anna")
    with transaction(session_factory) as session:
        assert session.get(UserTask, office["task"]).assignee_id == office["vera"]


@pytest.mark.parametrize("when", ["before", "after"])
def test_outside_the_period_nothing_shows_and_nothing_is_allowed(session_factory, office, when):
    starts, ends = (NOW + timedelta(hours=1), None) if when == "before" else (NOW - timedelta(days=3), NOW)
    _absence(session_factory, office, starts=starts, ends=ends)
    with transaction(session_factory) as session:
        anna, vera = _users(session, office, "anna", "vera")
        assert substitutions.substitution_tasks(session, vera, NOW) == []
        with pytest.raises(Forbidden, match="do not stand in"):
            runner.complete_task(session, office["ctx"], office["task"], vera, {}, on_behalf_of=anna)


def test_a_substitution_for_other_groups_does_not_cover_the_task(session_factory, office):
    _absence(session_factory, office, groups=["Wohngeld"])
    with transaction(session_factory) as session:
        anna, vera, boss = _users(session, office, "anna", "vera", "boss")
        assert substitutions.substitution_tasks(session, vera, NOW) == []
        with pytest.raises(Forbidden, match="does not cover"):
            runner.claim_task(session, office["ctx"], office["task"], vera, on_behalf_of=anna)
        # The uncovered task is the supervisors' to see.
        assert [t.id for t, _ in substitutions.unattended_tasks(session, boss.authority_id, NOW)] == [office["task"]]
    _absence(session_factory, office, groups=["Posteingang"])
    with transaction(session_factory) as session:
        vera, boss = _users(session, office, "vera", "boss")
        assert [t.id for t, _ in substitutions.substitution_tasks(session, vera, NOW)] == [office["task"]]
        assert substitutions.unattended_tasks(session, boss.authority_id, NOW) == []


def test_an_absence_without_substitute_shows_the_tasks_to_the_supervisors(session_factory, office):
    with transaction(session_factory) as session:
        assert substitutions.unattended_tasks(session, session.get(User, office["boss"]).authority_id, NOW) == []
    _absence(session_factory, office, substitute=None)
    with transaction(session_factory) as session:
        boss = session.get(User, office["boss"])
        [(task, absent)] = substitutions.unattended_tasks(session, boss.authority_id, NOW)
        assert (task.id, absent.username) == (office["task"], "anna")
        runner.claim_task(session, office["ctx"], office["task"], boss)  # supervisors take it over
        assert substitutions.unattended_tasks(session, boss.authority_id, NOW) == []


def test_ending_an_absence_ends_the_substitution_and_keeps_the_record(session_factory, office):
    absence_id = _absence(session_factory, office, ends=None)
    with transaction(session_factory) as session:
        row = substitutions.get_substitution(session, session.get(User, office["anna"]).authority_id, absence_id)
        substitutions.end_substitution(session, row, NOW)
        with pytest.raises(InvalidData):
            substitutions.end_substitution(session, row, NOW)
        assert substitutions.substitution_tasks(session, session.get(User, office["vera"]), NOW) == []
        assert row.ends_at == NOW


def test_invalid_substitutions_are_refused(session_factory, office, authority, other_authority):
    stranger = other_authority.user("eve")
    modeller = authority.user("mona", roles=("modeller",))
    with transaction(session_factory) as session:
        anna = session.get(User, office["anna"])
        for substitute, message in ((anna, "themselves"), (session.get(User, stranger.id), "same authority"),
                                    (session.get(User, modeller.id), "works no tasks")):
            with pytest.raises(InvalidData, match=message):
                substitutions.add_substitution(session, anna, substitute, NOW)
        with pytest.raises(InvalidData, match="end after"):
            substitutions.add_substitution(session, anna, None, NOW, NOW)
        assert session.scalar(select(User.id).where(User.id == office["anna"]))
