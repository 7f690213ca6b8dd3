"""Modeller upload, case search, case page with history and diagram, KPI figures."""

import io
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from engine import kpi
from engine.db import transaction
from engine.models import Case, UserTask
from tests.web.ui_helpers import deploy_and_start, login, new_key, open_task_ids, post_form, ui_model, ui_user

BROKEN = b"""<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="kaputt" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gibt_es_nicht" />
  </bpmn:process>
</bpmn:definitions>"""


def _upload(client, files):
    return post_form(client, "/ui/modelle", {"dateien": [(io.BytesIO(c), n) for n, c in files.items()]},
                     page_url="/ui/modelle", content_type="multipart/form-data")


def test_modeller_sees_every_problem_of_a_broken_model(client, authority, session_factory):
    ui_user(session_factory, authority, "mona", roles=("modeller",))
    login(client, authority, "mona")
    response = _upload(client, {"kaputt.bpmn": BROKEN})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nicht bereitgestellt" in html and "kaputt.bpmn" in html and "gibt_es_nicht" in html
    assert _upload(client, {}).status_code == 422
    not_xml = _upload(client, {"x.bpmn": b"<nicht xml"}).get_data(as_text=True)
    assert "Problem" in not_xml and "kern-table__cell\">1</td>" in not_xml  # line number of the parse error


def test_modeller_uploads_and_sees_versions_and_diagram(client, authority, session_factory):
    ui_user(session_factory, authority, "mona", roles=("modeller",))
    login(client, authority, "mona")
    key = new_key()
    first = _upload(client, {f"{key}.bpmn": ui_model(key)})
    assert first.status_code == 302
    _upload(client, {f"{key}.bpmn": ui_model(key).replace(b"Antrag im UI", b"Antrag im UI 2")})
    listing = client.get("/ui/modelle").get_data(as_text=True)
    assert listing.count(f">{key}</a>") == 2 and "kern-table__cell\">2</td>" in listing
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Version 1" in page and "Antrag prüfen (pruefen)" in page
    diagram = client.get(first.headers["Location"] + "/diagramm.bpmn")
    assert diagram.mimetype == "application/xml" and b"BPMNDiagram" in diagram.data


def test_clerk_may_not_upload(client, authority, session_factory):
    ui_user(session_factory, authority, "carl")
    login(client, authority, "carl")
    assert client.get("/ui/modelle").status_code == 403


def test_case_page_shows_history_pages_and_diagram_state(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "sabine", roles=("clerk", "supervisor"))
    [case_id] = deploy_and_start(app, session_factory, clerk, new_key())
    login(client, authority, "sabine")
    task_id = open_task_ids(session_factory, case_id)[0]
    for number in range(25):
        post_form(client, f"/ui/aufgaben/{task_id}/notiz", {"notiz": f"Notiz Nummer {number}"})
    page = client.get(f"/ui/akten/{case_id}").get_data(as_text=True)
    assert "Vorgang begonnen" in page and "Seite 1 von 2" in page and "Notiz Nummer 25" not in page
    assert 'data-completed="[&#34;start&#34;, &#34;eingang&#34;]"' in page
    assert 'data-active="[&#34;pruefen&#34;]"' in page
    steps = page.split('id="h-ablauf"')[1].split('id="h-historie"')[0]  # the text alternative names the steps
    assert "<ol><li>Antrag eingegangen</li><li>Eingang erfassen</li></ol>" in steps
    assert "<ul><li>Antrag prüfen</li></ul>" in steps
    assert "Notiz Nummer 24" in client.get(f"/ui/akten/{case_id}?seite=2").get_data(as_text=True)
    assert client.get(f"/ui/akten/{case_id}/diagramm.bpmn").status_code == 200


def test_case_search(app, client, authority, session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"))
    key = new_key()
    ids = deploy_and_start(app, session_factory, boss, key, count=3)
    with transaction(session_factory) as session:
        session.execute(update(Case).where(Case.id == ids[0]).values(
            started_at=datetime(2024, 1, 10, tzinfo=timezone.utc)))
        business_key = session.get(Case, ids[1]).business_key
    login(client, authority, "leitung")
    assert client.get(f"/ui/aktensuche?verfahren={key}").get_data(as_text=True).count("/ui/akten/") == 3
    found = client.get(f"/ui/aktensuche?suche={business_key.lower()}").get_data(as_text=True)
    assert found.count("/ui/akten/") == 1 and business_key in found
    dated = client.get("/ui/aktensuche?von=2024-01-01&bis=2024-01-31").get_data(as_text=True)
    assert dated.count("/ui/akten/") == 1
    # Dates are German days: 23:30 UTC on 9 January is 00:30 on 10 January in Schwerin.
    with transaction(session_factory) as session:
        session.execute(update(Case).where(Case.id == ids[0]).values(
            started_at=datetime(2024, 1, 9, 23, 30, tzinfo=timezone.utc)))
    assert client.get("/ui/aktensuche?von=2024-01-10&bis=2024-01-10").get_data(as_text=True).count("/ui/akten/") == 1
    assert client.get("/ui/aktensuche?bis=2024-01-09").get_data(as_text=True).count("/ui/akten/") == 0
    assert client.get("/ui/aktensuche?von=gestern").status_code == 422
    assert "Keine Akten" in client.get("/ui/aktensuche?status=completed").get_data(as_text=True)
    task_id = open_task_ids(session_factory, ids[2])[0]
    post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
    assert client.get("/ui/aktensuche?bearbeitung=leitung").get_data(as_text=True).count("/ui/akten/") == 1


def test_kpis_are_counted_from_the_database(app, client, authority, session_factory):
    boss = ui_user(session_factory, authority, "leitung", roles=("supervisor", "clerk"))
    key = new_key()
    ids = deploy_and_start(app, session_factory, boss, key, count=3)
    with transaction(session_factory) as session:
        session.execute(update(Case).where(Case.id == ids[2]).values(channel="paper"))
    login(client, authority, "leitung")
    for case_id in ids[:2]:  # two cases: claim and complete both tasks
        for _ in range(2):
            task_id = open_task_ids(session_factory, case_id)[0]
            post_form(client, f"/ui/aufgaben/{task_id}/uebernehmen")
            assert post_form(client, f"/ui/aufgaben/{task_id}/erledigen").status_code == 302
    now = datetime.now(timezone.utc)
    with transaction(session_factory) as session:  # make the times measurable: 2 h waiting, 30 min working
        session.execute(update(UserTask).where(UserTask.authority_id == authority.id, UserTask.status == "completed")
                        .values(created_at=now - timedelta(hours=3), claimed_at=now - timedelta(hours=1),
                                completed_at=now - timedelta(minutes=30)))
        session.execute(update(UserTask).where(UserTask.case_id == ids[2]).values(due_at=now - timedelta(days=1)))
        since, until = kpi.default_period(now)
        report = kpi.report(session, authority.id, since, until, now)
    assert sum(w.started for w in report.weeks) == 3 and sum(w.closed for w in report.weeks) == 2
    assert len(report.lead_times) == 2
    times = {t.bpmn_id: t for t in report.task_times}
    assert times["pruefen"].completed == 2 and times["pruefen"].waiting_hours == 2.0
    assert times["pruefen"].working_hours == 0.5
    assert report.overdue == {key: 1}
    assert report.channels.digital == 2 and report.channels.total == 3 and report.channels.digital_percent == 66.7
    page = client.get("/ui/aufsicht/kennzahlen").get_data(as_text=True)
    assert "2 von 3 Vorgängen digital eingegangen (66,7 %)" in page
    assert "<td>2,00</td><td>0,50</td>" in page and "80,0 %" in page


def test_modeller_sees_form_problems_in_german_with_the_place(app, client, authority, session_factory):
    import io
    import json

    from tests.engine.forms.helpers import form_definition, model_files
    from tests.web.ui_helpers import login, post_form, ui_user

    ui_user(session_factory, authority, "mona", roles=("modeller",), groups=())
    login(client, authority, "mona")
    form = form_definition("antrag-pruefung.form")
    form["components"][3]["conditional"] = {"hide": "=sum(betraege) > 10"}
    files = {**model_files("antrag_c8"), "antrag-pruefung.form": json.dumps(form).encode()}
    response = post_form(client, "/ui/modelle", {"dateien": [(io.BytesIO(c), n) for n, c in files.items()]},
                         page_url="/ui/modelle", content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ">antrag-pruefung.form</td>" in html and "<code>/components/3/conditional/hide</code>" in html
    assert "Formularelement „radio“ (Schlüssel „entscheidung“): Der FEEL-Ausdruck „=sum(betraege) &gt; 10“" in html


def test_clerks_find_cases_by_subject_or_applicant_even_without_an_open_task(app, client, authority, session_factory):
    clerk = ui_user(session_factory, authority, "carla", roles=("clerk",))
    ui_user(session_factory, authority, "modell", roles=("modeller",))
    ids = deploy_and_start(app, session_factory, clerk, new_key(), count=3)
    with transaction(session_factory) as session:
        session.execute(update(Case).where(Case.id == ids[0]).values(subject="Carport 100% Holz"))
        session.execute(update(UserTask).where(UserTask.case_id == ids[1]).values(applicant="Jens Petersen",
                                                                                 status="completed"))
    login(client, authority, "carla")
    assert 'href="/ui/aktensuche"' in client.get("/ui/aufgaben").get_data(as_text=True)
    by_subject = client.get("/ui/aktensuche?suche=carport").get_data(as_text=True)
    assert by_subject.count("/ui/akten/") == 1 and "Carport 100% Holz" in by_subject
    by_applicant = client.get("/ui/aktensuche?suche=PETERSEN").get_data(as_text=True)
    assert by_applicant.count("/ui/akten/") == 1 and f"/ui/akten/{ids[1]}" in by_applicant
    assert client.get("/ui/aktensuche?suche=100%25").get_data(as_text=True).count("/ui/akten/") == 1
    assert "Keine Akten gefunden" in client.get("/ui/aktensuche?suche=_").get_data(as_text=True)

    modeller = app.test_client()
    login(modeller, authority, "modell")
    assert modeller.get("/ui/aktensuche").status_code == 403
