"""Groups: members see the tasks of the lanes (candidate groups) their groups serve; lanes nobody serves are found."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import groups
from engine.db import transaction
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import Group, User
from tests.engine import background as bg

pytestmark = pytest.mark.core


def _candidate_groups(session_factory, user_id):
    with transaction(session_factory) as session:
        return session.get(User, user_id).groups


def test_users_see_the_candidate_groups_of_all_their_groups(session_factory, authority):
    anna = authority.user("anna", groups=("Bauaufsicht",))
    assert _candidate_groups(session_factory, anna.id) == ["Bauaufsicht"]
    with transaction(session_factory) as session:
        nord = groups.create_group(session, authority.id, "Bauaufsicht Nord", ["Bauaufsicht", "Statik"])
        groups.set_members(session, nord, [anna.id])
        nord_id = nord.id
    assert _candidate_groups(session_factory, anna.id) == ["Bauaufsicht", "Statik"]
    with transaction(session_factory) as session:
        groups.update_group(session, session.get(Group, nord_id), name="Nord", candidate_groups=["Wohngeld"])
    assert _candidate_groups(session_factory, anna.id) == ["Bauaufsicht", "Wohngeld"]
    with transaction(session_factory) as session:
        groups.set_user_groups(session, session.get(User, anna.id), [nord_id])
    assert _candidate_groups(session_factory, anna.id) == ["Wohngeld"]
    with transaction(session_factory) as session:
        groups.set_members(session, session.get(Group, nord_id), [])
    assert _candidate_groups(session_factory, anna.id) == []


def test_group_names_are_unique_and_checked_and_members_stay_in_their_authority(session_factory, authority,
                                                                                   other_authority):
    stranger = other_authority.user("eve")
    with transaction(session_factory) as session:
        group = groups.create_group(session, authority.id, "Posteingang")
        with pytest.raises(Conflict):
            groups.create_group(session, authority.id, " Posteingang ")
        with pytest.raises(InvalidData):
            groups.create_group(session, authority.id, "x" * 201)
        with pytest.raises(InvalidData):
            groups.create_group(session, authority.id, "Tab\tName")
        with pytest.raises(NotFound):
            groups.set_members(session, group, [stranger.id])
        with pytest.raises(NotFound):
            groups.get_group(session, other_authority.id, group.id)
        assert groups.create_group(session, other_authority.id, "Posteingang").authority_id == other_authority.id


def test_model_groups_name_lanes_and_candidate_groups_and_who_serves_them(session_factory, authority):
    ctx = bg.context()
    key = bg.deploy_fixture(session_factory, ctx, authority.id, "lanes_and_groups.bpmn")
    authority.user("pia", groups=("Posteingang",))
    case_id = bg.start(session_factory, ctx, authority.id, key)
    with transaction(session_factory) as session:
        found = {g.name: g for g in groups.model_groups(session, authority.id)}
    assert {"Posteingang", "Statik"} <= set(found)  # the lane, and the candidateGroup property over the lane
    assert "Bauaufsicht" not in found  # the lane holds no human task without its own candidate group
    assert found["Posteingang"].served_by == ["Posteingang"] and key in found["Posteingang"].processes
    assert found["Posteingang"].open_tasks == 1
    assert found["Statik"].served_by == []  # a warning: nobody would see these tasks
    assert bg.open_task_ids(session_factory, case_id) == ["erfassen"]


def test_lookups_by_name_name_what_is_missing(session_factory, authority):
    authority.user("anna", groups=("Bauaufsicht",))
    with transaction(session_factory) as session:
        assert len(groups.group_ids_by_name(session, authority.id, ["Bauaufsicht"])) == 1
        with pytest.raises(NotFound, match="Wohngeld"):
            groups.group_ids_by_name(session, authority.id, ["Bauaufsicht", "Wohngeld"])
        with pytest.raises(NotFound, match="bert"):
            groups.user_ids_by_name(session, authority.id, ["anna", "bert"])
        assert session.scalar(select(User.id).where(User.username == "anna", User.authority_id == authority.id))
