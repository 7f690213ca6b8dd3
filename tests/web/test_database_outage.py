"""A lost database gives 503 with a message (JSON for the API, a German page for the UI), never a 500."""

from __future__ import annotations

import pytest

from engine.db import make_engine, make_session_factory
from tests.web.ui_helpers import login


@pytest.fixture()
def database_down(app, tmp_path, monkeypatch):
    """Point the app's sessions at a database that cannot be opened, for this test only."""
    engine = make_engine(f"sqlite:///{tmp_path}/no-such-directory/db.sqlite")
    monkeypatch.setitem(app.extensions, "db_sessions", make_session_factory(engine))
    yield
    engine.dispose()


def test_api_answers_503_naming_the_database(client, authority, database_down):
    clerk = authority.user("clerk")

    response = client.get("/api/v1/tasks", headers=clerk.headers)

    assert response.status_code == 503
    assert response.get_json()["message"] == "the database is not available; please retry later"


def test_ui_shows_a_german_page(client, authority, database_down):
    response = login(client, authority, "niemand")

    assert response.status_code == 503
    assert "Die Datenbank ist gerade nicht erreichbar" in response.get_data(as_text=True)
