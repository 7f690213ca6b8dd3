"""Inbox: procedure names, priority in words, sortable column headers (links with aria-sort, no JavaScript), search
by Aktenzeichen, subject and the applicant's name, personal saved filters."""

import re

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.models import InboxFilter, User, UserTask
from processes import casework
from tests.web.ui_helpers import login, new_key, post_form, ui_model, ui_user

pytestmark = pytest.mark.core

APPLICANTS = ["Erika Mustermann", "Jens Petersen", "Ayşe Yılmaz"]


@pytest.fixture()
def inbox(app, client, authority, session_factory):
    """Three cases of one procedure with different applicants and priorities; Sabine logged in."""
    clerk = ui_user(session_factory, authority, "sabine", display_name="Sabine Sorge")
    key = new_key()
    ctx = app.extensions["engine_context"]
    with transaction(session_factory) as session:
        user = session.get(User, clerk)
        casework.deploy(session, ctx, {f"{key}.bpmn": ui_model(key)}, user)
        for number, applicant in enumerate(APPLICANTS, start=1):
            casework.start_case(session, ctx, user, key, {"antragsteller": {"name": applicant}},
                                subject=f"Vorhaben AZ-{number:04d}")
        for row in session.scalars(select(UserTask).where(UserTask.authority_id == authority.id)):
            row.priority = {"Vorhaben AZ-0001": 20, "Vorhaben AZ-0002": 50, "Vorhaben AZ-0003": 90}[row.subject]
    login(client, authority, "sabine")
    return key


def _order(html: str) -> list[str]:
    return re.findall(r"<td class=\"kern-table__cell\">Vorhaben (AZ-\d{4})</td>", html)


def test_inbox_shows_procedure_names_and_priority_in_words(client, inbox):
    html = client.get("/ui/aufgaben").get_data(as_text=True)
    rows = html.split("<tbody>")[1]
    assert "Antrag im UI" in rows and inbox not in rows  # the procedure's name, not its key
    assert ">hoch</td>" in rows and ">normal</td>" in rows and ">niedrig</td>" in rows
    assert f'<option value="{inbox}" >Antrag im UI</option>' in html.replace("selected", "")
    assert "3 Einträge" in html


def test_column_headers_sort_the_list_and_say_how(client, inbox):
    html = client.get("/ui/aufgaben").get_data(as_text=True)
    due_header = html.split(">Fällig am")[0].rsplit("<th", 1)[1]
    assert 'aria-sort="ascending"' in due_header  # the default order
    link = re.search(r'<a href="([^"]+)">Priorität', html)[1].replace("&amp;", "&")
    assert "sortierung=-priority" in link  # the first click shows the most urgent first
    by_priority = client.get(link).get_data(as_text=True)
    assert _order(by_priority) == ["AZ-0003", "AZ-0002", "AZ-0001"]
    header = by_priority.split(">Priorität")[0].rsplit("<th", 1)[1]
    assert 'aria-sort="descending"' in header
    again = re.search(r'<a href="([^"]+)">Priorität', by_priority)[1].replace("&amp;", "&")
    assert "sortierung=priority" in again and "sortierung=-priority" not in again
    assert _order(client.get(again).get_data(as_text=True)) == ["AZ-0001", "AZ-0002", "AZ-0003"]
    by_subject = client.get("/ui/aufgaben?sortierung=-subject").get_data(as_text=True)
    assert _order(by_subject) == ["AZ-0003", "AZ-0002", "AZ-0001"]
    by_key = client.get("/ui/aufgaben?sortierung=business_key").get_data(as_text=True)
    assert _order(by_key) == ["AZ-0001", "AZ-0002", "AZ-0003"]  # numbered in the order the cases started
    assert client.get("/ui/aufgaben?sortierung=quatsch").status_code == 200  # unknown order: the default


def test_sorting_keeps_the_filters(client, inbox):
    html = client.get("/ui/aufgaben?suche=Vorhaben&bereich=groups").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Betreff', html)[1].replace("&amp;", "&")
    assert "suche=Vorhaben" in link and "bereich=groups" in link and "sortierung=subject" in link


@pytest.mark.parametrize("text,expected", [("petersen", ["AZ-0002"]), ("Yılmaz", ["AZ-0003"]), ("az-0001", ["AZ-0001"]),
                                           ("AKTENZEICHEN", ["AZ-0003"]), ("niemand", [])])
def test_search_finds_aktenzeichen_subject_and_applicant(client, inbox, text, expected, session_factory, authority):
    if text == "AKTENZEICHEN":  # the file number of the third case, as clerks type it
        with transaction(session_factory) as session:
            text = session.scalar(select(UserTask.business_key).where(
                UserTask.authority_id == authority.id, UserTask.subject == "Vorhaben AZ-0003"))
    html = client.get("/ui/aufgaben", query_string={"suche": text}).get_data(as_text=True)
    assert _order(html) == expected
    assert ("1 Eintrag" in html) == (len(expected) == 1)


def test_saved_filters_are_personal_and_can_be_used_and_deleted(app, client, authority, inbox, session_factory):
    page = "/ui/aufgaben?suche=petersen&sortierung=-priority"
    missing = post_form(client, "/ui/aufgaben/filter", {"filtername": " ", "suche": "petersen"}, page_url=page)
    assert missing.status_code == 422 and "Bitte geben Sie dem Filter einen Namen." in missing.get_data(as_text=True)
    saved = post_form(client, "/ui/aufgaben/filter", {"filtername": "Petersen", "suche": "petersen",
                                                     "sortierung": "-priority", "unbekannt": "x"},
                      page_url=page, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Filter „Petersen“ gespeichert." in html and _order(html) == ["AZ-0002"]
    assert 'aria-current="page">Petersen</a> (angezeigt)' in html
    with transaction(session_factory) as session:
        row = session.scalar(select(InboxFilter).where(InboxFilter.name == "Petersen"))
        assert row.query == {"suche": "petersen", "sortierung": "-priority"}
        filter_id = row.id

    overview = client.get("/ui/aufgaben").get_data(as_text=True)
    link = re.search(r'<a class="kern-link" href="([^"]+)" >Petersen</a>', overview)[1].replace("&amp;", "&")
    assert _order(client.get(link).get_data(as_text=True)) == ["AZ-0002"]
    replaced = post_form(client, "/ui/aufgaben/filter", {"filtername": "Petersen", "suche": "mustermann"})
    assert replaced.status_code == 302
    with transaction(session_factory) as session:
        assert session.get(InboxFilter, filter_id).query == {"suche": "mustermann"}

    ui_user(session_factory, authority, "tom")
    other = app.test_client()
    login(other, authority, "tom")
    assert "Petersen" not in other.get("/ui/aufgaben").get_data(as_text=True).split("Gespeicherte Filter")[1]
    stolen = post_form(other, f"/ui/aufgaben/filter/{filter_id}/loeschen")
    assert stolen.status_code == 404

    deleted = post_form(client, f"/ui/aufgaben/filter/{filter_id}/loeschen", follow_redirects=True)
    assert "Filter „Petersen“ gelöscht." in deleted.get_data(as_text=True)
    with transaction(session_factory) as session:
        assert session.get(InboxFilter, filter_id) is None


def test_applicant_names_are_stored_on_task_rows(inbox, session_factory, authority):
    with transaction(session_factory) as session:
        names = sorted(session.scalars(select(UserTask.applicant).where(UserTask.authority_id == authority.id)))
    assert names == sorted(APPLICANTS)
