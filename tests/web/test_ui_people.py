"""Pages name people, not usernames: the history, the case's start and a task's notes show display names."""

import pytest

from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user
from web.ui.people import person

pytestmark = pytest.mark.core


def test_history_and_notes_show_display_names_and_words_for_the_platform(app, client, authority, other_authority,
                                                                           session_factory):
    ui_user(session_factory, other_authority, "sabine", display_name="Fremde Person")
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    [case_id] = deploy_and_start(app, session_factory, clerk, new_key())
    task_id = open_task_ids(session_factory, case_id)[0]
    login(client, authority, "sabine")
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    post_form(client, f"/ui/aufgaben/{task_id}/notiz", {"notiz": "Rückruf vereinbart"})

    task_page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "Sabine Sorge, " in task_page
    page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    history = page.split('id="h-historie"')[1]
    assert "(an Sabine Sorge)" in history and "· Sabine Sorge" in history
    assert "· sabine" not in history and "Fremde Person" not in page
    assert "von Sabine Sorge" in page  # who started the case


def test_platform_actors_have_words_and_unknown_ones_stay_as_recorded(app, authority, session_factory):
    with app.test_request_context():
        assert person(None) == "System" and person("system") == "System"
        assert person("fitconnect") == "FIT-Connect (Onlinedienst)"
        assert person("zahlungsplattform") == "Zahlungsplattform"
        assert person("antragsteller:4711") == "Antragsteller/in (Bürgerportal)"
        assert person("ehemalig") == "ehemalig"  # no signed-in user here: nothing to look up
