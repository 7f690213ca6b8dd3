"""Clerk inbox and task page: claim, forms with German validation, complete, follow-up, notes, hand-over."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from engine.db import transaction
from engine.models import Substitution, UserTask
from tests.web.ui_helpers import (
    FORM_SCHEMA, deploy_and_start, login, new_key, open_task_ids, post_form, ui_user,
)


def _setup(app, client, authority, session_factory, count=1, prefix="AZ"):
    clerk = ui_user(session_factory, authority, "sabine", roles=("clerk", "modeller"), display_name="Sabine Sorge")
    key = new_key()
    cases = deploy_and_start(app, session_factory, clerk, key, count=count, prefix=prefix)
    login(client, authority, "sabine")
    return key, cases


def test_inbox_lists_group_tasks_and_marks_overdue_ones_in_text(app, client, authority, session_factory):
    key, cases = _setup(app, client, authority, session_factory, count=2)
    with transaction(session_factory) as session:
        session.execute(update(UserTask).where(UserTask.case_id == cases[0])
                        .values(due_at=datetime.now(timezone.utc) - timedelta(days=3)))
    html = client.get("/ui/aufgaben").get_data(as_text=True)
    assert html.count(">Antrag prüfen</a>") == 2 and "AZ-0001" in html and "AZ-0002" in html
    assert html.count("überfällig seit") == 1
    overdue = client.get("/ui/aufgaben?faellig=ueberfaellig").get_data(as_text=True)
    assert "AZ-0001" in overdue and "AZ-0002" not in overdue
    this_week = client.get("/ui/aufgaben?faellig=woche").get_data(as_text=True)
    assert "AZ-0001" in this_week and "AZ-0002" not in this_week  # due in 14 days
    search = client.get("/ui/aufgaben?suche=az-0002").get_data(as_text=True)
    assert "AZ-0002" in search and "AZ-0001" not in search
    assert "AZ-0001" in client.get(f"/ui/aufgaben?verfahren={key}").get_data(as_text=True)
    assert "Keine Aufgaben" in client.get("/ui/aufgaben?verfahren=anderes").get_data(as_text=True)


def test_inbox_sorts_and_pages(app, client, authority, session_factory):
    _setup(app, client, authority, session_factory, count=7)
    with transaction(session_factory) as session:
        rows = session.scalars(select(UserTask).where(UserTask.authority_id == authority.id)).all()
        for row in rows:
            row.priority = int(row.business_key[-1]) * 10
    first = client.get("/ui/aufgaben?sortierung=-priority&pro_seite=5").get_data(as_text=True)
    assert first.index("AZ-0007") < first.index("AZ-0006") and "AZ-0001" not in first
    assert "Seite 1 von 2" in first
    second = client.get("/ui/aufgaben?sortierung=-priority&pro_seite=5&seite=2").get_data(as_text=True)
    assert "AZ-0001" in second and "AZ-0007" not in second


def test_claim_complete_with_validation_and_task_leaves_inbox(app, client, authority, session_factory):
    key, cases = _setup(app, client, authority, session_factory)
    app.extensions["engine_context"].forms.register(key, "pruefen", FORM_SCHEMA)
    task_id = open_task_ids(session_factory, cases[0])[0]
    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "Übernehmen" in page and "Gebühr in Euro" not in page  # the form appears after claiming
    assert post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen").status_code == 302
    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    # KERN-UX marks optional fields, not required ones.
    assert '<label class="kern-label" for="feld-gebuehr">Gebühr in Euro</label>' in page
    assert '<label class="kern-label" for="feld-vollstaendig">Unterlagen vollständig</label>' in page
    assert '<option value="genehmigt"' in page

    bad = post_form(client, f"/ui/aufgaben/{task_id}/erledigen", {"gebuehr": "zwölf"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="feld-gebuehr-fehler"' in html and "Bitte eine ganze Zahl eingeben." in html
    assert 'aria-describedby="feld-gebuehr-fehler" aria-invalid="true"' in html
    assert '<a class="kern-link" href="#feld-gebuehr">Gebühr in Euro: Bitte eine ganze Zahl eingeben.</a>' in html
    bad = post_form(client, f"/ui/aufgaben/{task_id}/erledigen", {"gebuehr": "-5"})
    html = bad.get_data(as_text=True)
    assert "Der Wert muss mindestens 0 sein." in html and "Dieses Feld ist ein Pflichtfeld." in html
    assert 'value="-5"' in html  # what was typed stays in the field

    ok = post_form(client, f"/ui/aufgaben/{task_id}/erledigen",
                   {"gebuehr": "120", "entscheidung": "genehmigt", "vollstaendig": "on"})
    assert ok.status_code == 302
    inbox = client.get("/ui/aufgaben").get_data(as_text=True)
    assert ">Antrag prüfen<" not in inbox and ">Bescheid erstellen<" in inbox
    case_page = client.get(f"/ui/akten/{cases[0]}").get_data(as_text=True)
    assert "<dt>Gebühr in Euro</dt><dd>120</dd>" in case_page  # the entered data, labelled by its form


def test_task_without_schema_has_a_plain_complete_button(app, client, authority, session_factory):
    _, cases = _setup(app, client, authority, session_factory)
    task_id = open_task_ids(session_factory, cases[0])[0]
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "kein Formular" in page
    assert post_form(client, f"/ui/aufgaben/{task_id}/erledigen").status_code == 302
    assert open_task_ids(session_factory, cases[0]) != [task_id]


def test_unclaim_follow_up_and_notes(app, client, authority, session_factory):
    _, cases = _setup(app, client, authority, session_factory)
    task_id = open_task_ids(session_factory, cases[0])[0]
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    assert post_form(client, f"/ui/aufgaben/{task_id}/wiedervorlage", {"wiedervorlage": "2031-05-04"}).status_code == 302
    assert post_form(client, f"/ui/aufgaben/{task_id}/wiedervorlage", {"wiedervorlage": "morgen"}).status_code == 422
    assert post_form(client, f"/ui/aufgaben/{task_id}/notiz", {"notiz": "Statik fehlt noch"}).status_code == 302
    empty = post_form(client, f"/ui/aufgaben/{task_id}/notiz", {"notiz": "   "})
    assert empty.status_code == 422 and "Bitte einen Text eingeben." in empty.get_data(as_text=True)
    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "04.05.2031" in page and "Statik fehlt noch" in page
    assert post_form(client, f"/ui/aufgaben/{task_id}/zurueckgeben").status_code == 302
    assert "Gruppe Sachbearbeitung" in client.get("/ui/aufgaben?bereich=groups").get_data(as_text=True)
    history = client.get(f"/ui/akten/{cases[0]}").get_data(as_text=True)
    assert "Wiedervorlage gesetzt" in history and "Aufgabe zurückgegeben" in history and "Statik fehlt noch" in history


def test_supervisor_hands_task_to_colleague_or_group(app, client, authority, session_factory):
    _, cases = _setup(app, client, authority, session_factory)
    ui_user(session_factory, authority, "leitung", roles=("supervisor",), groups=())
    ui_user(session_factory, authority, "tom", display_name="Tom Taube")
    ui_user(session_factory, authority, "bauer", display_name="Bea Bauer", groups=("Bauaufsicht",))
    task_id = open_task_ids(session_factory, cases[0])[0]
    outside = post_form(client, f"/ui/aufgaben/{task_id}/zuweisen", {"kollege": "bauer"})
    assert outside.status_code == 403  # a clerk hands over only within the task's group
    assert post_form(client, f"/ui/aufgaben/{task_id}/zuweisen", {"gruppe": "Bauaufsicht"}).status_code == 403
    client.post("/ui/abmelden", data={})
    sup = app.test_client()
    login(sup, authority, "leitung")
    url = f"/ui/aufgaben/{task_id}"
    assert post_form(sup, f"{url}/zuweisen", {"kollege": "tom"}, page_url=url).status_code == 302
    assert "Tom Taube" in sup.get(url).get_data(as_text=True)
    assert post_form(sup, f"{url}/zuweisen", {"gruppe": "Bauaufsicht"}, page_url=url).status_code == 302
    page = sup.get(url).get_data(as_text=True)
    assert "Gruppe Bauaufsicht (nicht übernommen)" in page
    assert post_form(sup, f"{url}/zuweisen", {}, page_url=url).status_code == 422


def test_substitute_sees_absent_colleagues_tasks(app, client, authority, session_factory):
    _, cases = _setup(app, client, authority, session_factory)
    task_id = open_task_ids(session_factory, cases[0])[0]
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    vertreter = ui_user(session_factory, authority, "viktor", groups=("Andere",))
    other = app.test_client()
    login(other, authority, "viktor")
    assert "AZ-0001" not in other.get("/ui/aufgaben").get_data(as_text=True)
    with transaction(session_factory) as session:
        absent = session.scalar(select(UserTask.assignee_id).where(UserTask.id == task_id))
        session.add(Substitution(authority_id=authority.id, user_id=absent, substitute_id=vertreter,
                                 starts_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    inbox = other.get("/ui/aufgaben?bereich=mine").get_data(as_text=True)
    assert "AZ-0001" not in inbox and "Vertretung für Sabine Sorge" in inbox  # a view of its own (web/ui/vertretung.py)
    assert "AZ-0001" in other.get("/ui/vertretung").get_data(as_text=True)


def test_other_authority_gets_404_for_typed_urls(app, client, authority, other_authority, session_factory):
    _, cases = _setup(app, client, authority, session_factory)
    task_id = open_task_ids(session_factory, cases[0])[0]
    ui_user(session_factory, other_authority, "fremd", roles=("clerk", "supervisor"))
    stranger = app.test_client()
    login(stranger, other_authority, "fremd")
    for url in (f"/ui/aufgaben/{task_id}", f"/ui/akten/{cases[0]}", f"/ui/akten/{cases[0]}/diagramm.bpmn"):
        response = stranger.get(url)
        assert response.status_code == 404, url
        assert "Nicht gefunden" in response.get_data(as_text=True)
    assert post_form(stranger, f"/ui/aufgaben/{task_id}/uebernehmen").status_code == 404
    assert "AZ-0001" not in stranger.get("/ui/aktensuche").get_data(as_text=True)
    assert "AZ-0001" not in stranger.get("/ui/aufgaben?bereich=authority").get_data(as_text=True)


def test_an_empty_inbox_says_where_tasks_are(app, client, authority, session_factory):
    _setup(app, client, authority, session_factory)
    ui_user(session_factory, authority, "leitung", roles=("supervisor",), groups=())
    ui_user(session_factory, authority, "neu", groups=())
    boss, newcomer = app.test_client(), app.test_client()
    login(boss, authority, "leitung")
    login(newcomer, authority, "neu")

    html = boss.get("/ui/aufgaben").get_data(as_text=True)
    assert "Keine Aufgaben gefunden." in html and "Alle Aufgaben der Behörde anzeigen" in html
    assert "AZ-0001" in boss.get("/ui/aufgaben?bereich=authority").get_data(as_text=True)
    assert "Sie gehören noch keiner Gruppe an" in newcomer.get("/ui/aufgaben").get_data(as_text=True)
