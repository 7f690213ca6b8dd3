"""Online-Eingänge in the UI: who may see it, only the own authority's submissions, odd query strings are harmless."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from engine.db import transaction
from processes.fitconnect.models import FitConnectSubmission
from tests.web.ui_helpers import login, ui_user

pytestmark = pytest.mark.core


def _rejected(session_factory, authority_id: str, detail: str) -> str:
    """Record a submission the worker rejected (as polling does); return its submission id."""
    submission_id = str(uuid.uuid4())
    with transaction(session_factory) as session:
        session.add(FitConnectSubmission(
            authority_id=authority_id, destination_id=str(uuid.uuid4()), submission_id=submission_id,
            fit_case_id=str(uuid.uuid4()), service_identifier="urn:de:fim:leika:leistung:99036004001000",
            status="rejected", received_at=datetime.now(timezone.utc),
            problems=[{"title": "Schema-Validierung fehlgeschlagen", "instance": "data", "detail": detail}]))
    return submission_id


def test_clerks_see_their_authoritys_rejections_with_reasons(client, authority, other_authority, session_factory):
    own = _rejected(session_factory, authority.id, "Pflichtfeld geburtsdatum fehlt.")
    foreign = _rejected(session_factory, other_authority.id, "Fremde Behörde.")
    ui_user(session_factory, authority, "olga")
    assert client.get("/ui/online-eingaenge").status_code == 302  # not signed in: to the sign-in page
    login(client, authority, "olga")
    page = client.get("/ui/online-eingaenge").get_data(as_text=True)
    assert 'href="/ui/online-eingaenge">Online-Eingänge</a>' in page  # in the navigation
    assert own[:8] in page and "Schema-Validierung fehlgeschlagen</strong> (Fachdaten): Pflichtfeld geburtsdatum fehlt." in page
    assert foreign[:8] not in page and "Fremde Behörde" not in page
    accepted_only = client.get("/ui/online-eingaenge?status=accepted").get_data(as_text=True)
    assert own[:8] not in accepted_only and "Keine angenommenen Einreichungen." in accepted_only


@pytest.mark.parametrize("query", ["status=unsinn", "seite=abc", "seite=-4&pro_seite=0", "status=&seite=999999999999"])
def test_odd_query_strings_show_the_list_not_an_error(client, authority, session_factory, query):
    _rejected(session_factory, authority.id, "Prüfsumme falsch.")
    ui_user(session_factory, authority, "otto", roles=("supervisor",))
    login(client, authority, "otto")
    response = client.get(f"/ui/online-eingaenge?{query}")
    assert response.status_code == 200
    assert "<h1 class=\"kern-heading-large\">Online-Eingänge</h1>" in response.get_data(as_text=True)


def test_modellers_do_not_see_the_page(client, authority, session_factory):
    ui_user(session_factory, authority, "mona", roles=("modeller",))
    login(client, authority, "mona")
    assert client.get("/ui/online-eingaenge").status_code == 403
    assert "Online-Eingänge" not in client.get("/ui/modellierung").get_data(as_text=True)
