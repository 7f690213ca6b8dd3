"""Migration 0008 turns the candidate groups users had into groups of the same name, with the users as members."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from engine.migrate import upgrade

pytestmark = pytest.mark.core


def test_existing_candidate_groups_become_groups_with_members(tmp_path):
    url = f"sqlite:///{tmp_path / 'alt.db'}"
    upgrade(url, "0007")
    engine = create_engine(url)
    with engine.begin() as db:
        for authority in ("a1", "a2"):
            db.execute(text("INSERT INTO engine_authorities (id, slug, name, created_at) "
                            "VALUES (:id, :id, :id, '2026-01-01 00:00:00')"), {"id": authority})
        for user, authority, groups in (("u1", "a1", ["Bau", "Post"]), ("u2", "a1", ["Bau"]), ("u3", "a2", ["Bau"]),
                                        ("u4", "a2", [])):
            db.execute(text("INSERT INTO engine_users (id, authority_id, username, display_name, roles, groups, active,"
                            " created_at) VALUES (:id, :a, :id, :id, '[\"clerk\"]', :g, 1, '2026-01-01 00:00:00')"),
                       {"id": user, "a": authority, "g": json.dumps(groups)})
    upgrade(url)
    with engine.connect() as db:
        groups = {(a, n): (g, json.loads(c)) for g, a, n, c in db.execute(text(
            "SELECT id, authority_id, name, candidate_groups FROM engine_groups"))}
        members = {(g, u) for g, u in db.execute(text("SELECT group_id, user_id FROM engine_group_members"))}
        defaults = set(db.execute(text("SELECT must_change_password FROM engine_users")).scalars())
    engine.dispose()
    assert set(groups) == {("a1", "Bau"), ("a1", "Post"), ("a2", "Bau")}
    assert all(names == [name] for (_, name), (_, names) in groups.items())
    assert members == {(groups["a1", "Bau"][0], "u1"), (groups["a1", "Post"][0], "u1"), (groups["a1", "Bau"][0], "u2"),
                       (groups["a2", "Bau"][0], "u3")}
    assert defaults == {0}
