"""German throughout: the site root, the favicon, the modeller's start page, step names in the history, model
problems in German, uploads stored under another name, KPI weeks and bars, words for priority and counts."""

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from engine.db import transaction
from engine.models import UserTask
from tests.web.test_ui_case_file import _claimed_task, _upload
from tests.web.test_ui_modeller_supervisor import BROKEN
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_user
from web.ui import formatting, model_messages, steps
from web.ui.kpi import bar_scale

pytestmark = pytest.mark.core


def test_the_site_root_leads_to_sign_in_or_to_the_start_page(client, authority, session_factory):
    assert client.get("/").headers["Location"] == "/ui/anmelden"
    ui_user(session_factory, authority, "anna")
    login(client, authority, "anna")
    assert client.get("/").headers["Location"] == "/ui/aufgaben"
    assert client.get("/ui/").headers["Location"] == "/ui/aufgaben"


def test_the_modeller_starts_on_the_process_models(client, authority, session_factory):
    ui_user(session_factory, authority, "mona", roles=("modeller",))
    assert login(client, authority, "mona").headers["Location"] == "/ui/modelle"
    assert client.get("/").headers["Location"] == "/ui/modelle"
    ui_user(session_factory, authority, "both", roles=("modeller", "clerk"))
    other = client.application.test_client()
    assert login(other, authority, "both").headers["Location"] == "/ui/aufgaben"


def test_favicon_is_linked_and_served(client):
    page = client.get("/ui/anmelden").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    icon.close()
    assert client.get("/favicon.ico").headers["Location"] == "/static/favicon.svg"


def test_history_and_completed_steps_use_names_not_ids(app, client, authority, session_factory):
    case_id, task_id = _claimed_task(app, client, authority, session_factory, roles=("clerk", "supervisor"))
    assert post_form(client, f"/ui/aufgaben/{task_id}/erledigen").status_code == 302
    page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    history = page.split('id="h-historie"')[1]
    assert "Beginn: Antrag eingegangen" in history and "Automatisch erledigt: Eingang erfassen" in history
    assert "Aufgabe erledigt: Antrag prüfen" in history
    assert "Schritt ausgeführt" not in page and ">eingang<" not in page


@pytest.mark.parametrize("data,label", [
    ({"type": "ExclusiveGateway", "bpmn_id": "gw_freigabe_join", "name": ""}, "Verzweigung durchlaufen"),
    ({"type": "ExclusiveGateway", "bpmn_id": "gw", "name": "Ablehnung?"}, "Verzweigung: Ablehnung?"),
    ({"type": "ParallelGateway", "bpmn_id": "join", "name": None},
     "Parallele Bearbeitung aufgeteilt oder zusammengeführt"),
    ({"type": "StartEvent", "bpmn_id": "beteiligung_start", "name": None}, "Ablauf begonnen"),
    ({"type": "EndEvent", "bpmn_id": "end", "name": "Antrag beschieden"}, "Ende: Antrag beschieden"),
    ({"type": "ParallelMultiInstanceTask", "bpmn_id": "beteiligung", "name": None},
     "Alle Durchläufe abgeschlossen: Fachbehörde beteiligen"),
    ({"type": "BoundaryEvent", "bpmn_id": "frist", "name": "Frist abgelaufen"}, "Ereignis eingetreten: Frist abgelaufen"),
    ({"type": "Unbekannt", "bpmn_id": "x", "name": None}, "Schritt erledigt"),
])
def test_step_labels(data, label):
    assert steps.step_label(data, {"beteiligung": "Fachbehörde beteiligen"}) == label
    assert data["bpmn_id"] not in label or data["bpmn_id"] == "x" and label == "Schritt erledigt"


def test_completed_steps_leave_out_gateways_and_unnamed_elements():
    assert steps.shows_as_done({"type": "ServiceTask", "name": "Eingang bestätigen"})
    assert not steps.shows_as_done({"type": "ExclusiveGateway", "name": "Ablehnung?"})
    assert not steps.shows_as_done({"type": "EndEvent", "name": ""})


def test_modeller_sees_model_problems_in_german_and_the_api_keeps_english(client, authority, session_factory):
    ui_user(session_factory, authority, "mona", roles=("modeller",))
    login(client, authority, "mona")
    page = post_form(client, "/ui/modelle", {"dateien": [(io.BytesIO(BROKEN), "kaputt.bpmn")]}, page_url="/ui/modelle",
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "Der Sequenzfluss „f1“ verweist als Ziel auf „gibt_es_nicht“" in page
    row = page.split("kaputt.bpmn</td>", 1)[1].split("</tr>", 1)[0]  # file, line and element stay
    assert ">5</td>" in row and ">f1</td>" in row and "Der Sequenzfluss „f1“" in row
    assert "that is no element" not in page
    api = authority.user("api-mona", roles=("modeller",))
    answer = client.post("/api/v1/process-definitions", data={"file": (io.BytesIO(BROKEN), "kaputt.bpmn")},
                         headers=api.headers, content_type="multipart/form-data")
    assert answer.status_code == 422 and "that is no element of the same process" in answer.json["errors"][0]["message"]


@pytest.mark.parametrize("message,expected", [
    ("not well-formed XML: Opening and ending tag mismatch: b line 1 and a, line 1, column 11",
     "Start- und End-Tag passen nicht zusammen: <b> aus Zeile 1 wird mit </a> geschlossen"),
    ("exclusive gateway 'gw' has an outgoing flow 'f5' without condition and is not the default",
     "Das exklusive Gateway „gw“ hat einen ausgehenden Fluss „f5“ ohne Bedingung"),
    ("condition of 'f4' is rejected: line 1: name '__import__' is not allowed",
     "Die Bedingung von „f4“ wird abgelehnt: der Name „__import__“ ist nicht erlaubt (Zeile 1)."),
    ("service task 'svc' uses unknown operation 'x.y'", "Der Service-Task „svc“ ruft die unbekannte Operation „x.y“ auf."),
    ("business rule task 'br' calls decision 'd' that no DMN file provides (available: none)",
     "(vorhanden: keine)"),
    ("something the UI has never heard of", "technische Meldung: something the UI has never heard of"),
])
def test_model_messages_in_german(message, expected):
    assert expected in model_messages.german(message)


def test_a_renamed_upload_says_so(app, client, authority, session_factory):
    _, task_id = _claimed_task(app, client, authority, session_factory)
    response = _upload(client, task_id, b"Das ist nur Text.", filename="kaputt.pdf")
    assert response.status_code == 302
    page = client.get(f"/ui/aufgaben/{task_id}").get_data(as_text=True)
    assert "Dokument „Lageplan“ abgelegt als kaputt.txt." in page
    assert "Die Datei „kaputt.pdf“ ist ihrem Inhalt nach Text; deshalb hat sie die passende Endung bekommen." in page


def test_after_a_validation_error_the_file_must_be_chosen_again(app, client, authority, session_factory):
    _, task_id = _claimed_task(app, client, authority, session_factory)
    response = _upload(client, task_id, b"Text", filename="notiz.txt", betreff="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Bitte einen Betreff eingeben." in html
    error = html.split('id="datei-fehler"')[1].split("</div>")[0]
    assert "Bitte wählen Sie die Datei noch einmal aus" in error


def test_kpi_weeks_and_names_in_german_and_bars_on_a_round_scale(app, client, authority, session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"))
    key = new_key()
    [case_id] = deploy_and_start(app, session_factory, boss, key)
    login(client, authority, "leitung")
    task_id = open_task_ids(session_factory, case_id)[0]
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    post_form(client, f"/ui/aufgaben/{task_id}/erledigen")
    now = datetime.now(timezone.utc)
    with transaction(session_factory) as session:  # 36 seconds of waiting: a bar must not fill the width
        session.execute(update(UserTask).where(UserTask.id == task_id).values(
            created_at=now - timedelta(seconds=72), claimed_at=now - timedelta(seconds=36), completed_at=now))
    page = client.get("/ui/aufsicht/kennzahlen").get_data(as_text=True)
    year, week, _ = now.isocalendar()
    assert f"KW {week}/{year}" in page and f"{year}-W" not in page
    assert "Antrag im UI" in page and f">{key}<" not in page
    assert "Eine volle Balkenlänge entspricht 1 Stunden." in page
    assert 'style="width: 1.0%"' in page


@pytest.mark.parametrize("values,least,scale", [([0.01], 1, 1), ([3.2], 1, 5), ([12], 1, 20), ([], 5, 5), ([7], 5, 10),
                                                 ([50], 5, 50), ([0.5, 130], 1, 200)])
def test_bar_scale(values, least, scale):
    assert bar_scale(values, least) == scale


def test_words_for_priority_counts_and_weeks():
    assert [formatting.prioritaet(p) for p in (90, 70, 69, 50, 31, 30, 0, None)] == [
        "hoch", "hoch", "normal", "normal", "normal", "niedrig", "niedrig", "normal"]
    assert formatting.eintraege(1) == "1 Eintrag" and formatting.eintraege(0) == "0 Einträge"
    assert formatting.eintraege(12345) == "12.345 Einträge"
    assert formatting.eintraege("mehr als 10.000") == "mehr als 10.000 Einträge"
    assert formatting.kalenderwoche("2026-W49") == "KW 49/2026" and formatting.kalenderwoche("2026-W01") == "KW 1/2026"


def test_case_search_shows_procedure_names_and_no_developer_text(app, client, authority, session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"))
    key = new_key()
    deploy_and_start(app, session_factory, boss, key)
    login(client, authority, "leitung")
    page = client.get("/ui/aktensuche").get_data(as_text=True)
    assert "sobald" not in page and "angebunden" not in page
    assert ">Antrag im UI</option>" in page and '<td class="kern-table__cell">Antrag im UI</td>' in page and "1 Eintrag" in page
