"""The E-Akte through the REST API: files, documents, versions, zdA, access."""

import hashlib
import io
import threading

import pikepdf
import pytest
from sqlalchemy import func, select

from engine.models import Case
from tests.conftest import unique_key
from tests.eakte import pdf_samples
from tests.support.services import free_port
from tests.web.helpers import deploy, model_bytes, start

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {
        "modeller": authority.user("mod", roles=("modeller",)),
        "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung", "Amtsleitung")),
        "other_clerk": authority.user("bernd", roles=("clerk",), groups=("Sachbearbeitung",)),
        "supervisor": authority.user("aufsicht", roles=("supervisor",)),
    }


@pytest.fixture()
def case(client, people):
    key = unique_key("antrag")
    assert deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    response = start(client, people["clerk"], key, {"applicant": "Erika Müller", "parcel": "Flur 3, 17/2"},
                     subject="Carport Müller")
    assert response.status_code == 201, response.json
    return response.json


def upload(client, actor, case_id, data: bytes, filename="lageplan.pdf", **fields):
    form = {"subject": "Lageplan", "doc_type": "Bauvorlage", **fields, "file": (io.BytesIO(data), filename)}
    return client.post(f"/api/v1/cases/{case_id}/documents", data=form, headers=actor.headers,
                       content_type="multipart/form-data")


def test_case_gets_a_file_with_aktenzeichen_and_application(client, people, case):
    assert case["business_key"].startswith("00.01-") and case["business_key"].endswith("-000001")
    assert case["open_tasks"][0]["business_key"] == case["business_key"]
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    assert akte["aktenzeichen"] == case["business_key"] and akte["status"] == "open"
    [antrag] = akte["documents"]
    assert antrag["doc_type"] == "Antrag" and antrag["direction"] == "incoming"
    content = client.get(f"/api/v1/documents/{antrag['id']}/content", headers=people["clerk"].headers)
    assert content.status_code == 200 and "Erika Müller" in content.get_data(as_text=True)


def test_completed_task_is_filed_with_pdfa_protocol(client, people, case):
    task = case["open_tasks"][0]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True, "note": "<b>ok</b>"}},
                       headers=people["clerk"].headers)
    assert done.status_code == 200
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    protocol = next(d for d in akte["documents"] if d["doc_type"] == "Protokoll")
    assert protocol["task_id"] == task["id"] and protocol["task_name"] == "Antrag prüfen"
    version = protocol["versions"][0]
    assert version["media_type"] == "application/json"
    assert version["rendition_status"] == "pending" and version["has_rendition"] is False  # the worker makes it
    readable = client.get(f"/api/v1/documents/{protocol['id']}/content", headers=people["clerk"].headers)
    assert readable.mimetype == "application/pdf"  # made at once for the reader
    version = client.get(f"/api/v1/documents/{protocol['id']}", headers=people["clerk"].headers).json["versions"][0]
    assert version["rendition_status"] == "ready" and version["rendition_media_type"] == "application/pdf"
    assert readable.headers["X-Content-SHA256"] == hashlib.sha256(readable.data).hexdigest()
    with pikepdf.open(io.BytesIO(readable.data)) as pdf, pdf.open_metadata() as meta:
        assert meta["pdfaid:part"] == "2"
    original = client.get(f"/api/v1/documents/{protocol['id']}/content", query_string={"original": "true"},
                          headers=people["clerk"].headers)
    assert original.json["data"] == {"approved": True, "note": "<b>ok</b>"} and original.json["completed_by"] == "anna"


def test_upload_download_versions_and_read_log(client, people, case):
    pdf = pdf_samples.clean()
    response = upload(client, people["clerk"], case["id"], pdf, filename="../../etc/Lageplan Müller.pdf")
    assert response.status_code == 201, response.json
    assert response.json["filename"] == "Lageplan Müller.pdf"
    assert response.json["sha256"] == hashlib.sha256(pdf).hexdigest() and response.json["version"] == 1
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    document = next(d for d in akte["documents"] if d["doc_type"] == "Bauvorlage")

    second = client.post(f"/api/v1/documents/{document['id']}/versions", headers=people["clerk"].headers,
                         data={"file": (io.BytesIO(pdf_samples.clean() + b"\n%changed"), "v2.pdf")},
                         content_type="multipart/form-data")
    assert second.status_code == 201 and second.json["version"] == 2
    first = client.get(f"/api/v1/documents/{document['id']}/content", query_string={"version": 1},
                       headers=people["clerk"].headers)
    assert first.data == pdf and first.headers["X-Content-SHA256"] == hashlib.sha256(pdf).hexdigest()

    history = client.get(f"/api/v1/cases/{case['id']}/history", query_string={"per_page": 500},
                         headers=people["clerk"].headers).json["items"]
    reads = [e for e in history if e["kind"] == "document.read"]
    assert reads and reads[-1]["actor"] == "anna" and reads[-1]["data"]["version"] == 1
    assert any(e["kind"] == "case.viewed" for e in history) is False
    client.get(f"/api/v1/cases/{case['id']}", headers=people["other_clerk"].headers)
    history = client.get(f"/api/v1/cases/{case['id']}/history", query_string={"per_page": 500},
                         headers=people["clerk"].headers).json["items"]
    assert any(e["kind"] == "case.viewed" and e["actor"] == "bernd" for e in history)


def test_active_content_is_kept_out_of_the_rendition(client, people, case):
    uploaded = pdf_samples.js_open_action()  # its trailer /ID depends on the clock: build it once
    response = upload(client, people["clerk"], case["id"], uploaded)
    assert response.status_code == 201
    assert response.json["findings"] and response.json["has_rendition"]
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    document = next(d for d in akte["documents"] if d["doc_type"] == "Bauvorlage")
    opened = client.get(f"/api/v1/documents/{document['id']}/content", headers=people["clerk"].headers).data
    assert b"JavaScript" not in opened
    original = client.get(f"/api/v1/documents/{document['id']}/content", query_string={"original": 1},
                          headers=people["clerk"].headers).data
    assert original == uploaded


@pytest.mark.parametrize("data, message", [
    (pdf_samples.encrypted(owner_only=True), "encrypted"),
    (pdf_samples.truncated(), "PDF"),
    (b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
    (b"", "empty"),
])
def test_bad_uploads_are_rejected_without_a_trace(client, people, case, data, message):
    response = upload(client, people["clerk"], case["id"], data)
    assert response.status_code == 422 and message in response.json["message"]
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    assert [d["doc_type"] for d in akte["documents"]] == ["Antrag"]


def test_upload_needs_subject_and_one_file(client, people, case):
    response = client.post(f"/api/v1/cases/{case['id']}/documents", data={"file": (io.BytesIO(b"x"), "a.txt")},
                           headers=people["clerk"].headers, content_type="multipart/form-data")
    assert response.status_code == 422 and "subject" in str(response.json["errors"])
    response = client.post(f"/api/v1/cases/{case['id']}/documents", data={"subject": "x"},
                           headers=people["clerk"].headers, content_type="multipart/form-data")
    assert response.status_code == 400


def test_confidential_documents(client, people, case):
    response = upload(client, people["clerk"], case["id"], pdf_samples.clean(), confidentiality="geheim")
    assert response.status_code == 201
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    secret = next(d for d in akte["documents"] if d["confidentiality"] == "geheim")
    denied = client.get(f"/api/v1/documents/{secret['id']}/content", headers=people["clerk"].headers)
    assert denied.status_code == 403 and "geheim" in denied.json["message"]
    assert client.get(f"/api/v1/documents/{secret['id']}/content", headers=people["supervisor"].headers).status_code == 200


def test_zda_makes_the_file_read_only_and_reopen_is_logged(client, people, case):
    clerk, supervisor = people["clerk"], people["supervisor"]
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=clerk.headers).json
    early = client.post(f"/api/v1/files/{akte['id']}/close", headers=clerk.headers)
    assert early.status_code == 409 and "running" in early.json["message"]
    task = case["open_tasks"][0]
    client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"approved": True}}, headers=clerk.headers)

    closed = client.post(f"/api/v1/files/{akte['id']}/close", headers=clerk.headers)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["retention_years"] == 10 and closed.json["disposal_code"] == "V"
    assert int(closed.json["retention_until"][:4]) == int(closed.json["closed_at"][:4]) + 10

    refused = upload(client, clerk, case["id"], pdf_samples.clean())
    assert refused.status_code == 409 and "read-only" in refused.json["message"]
    assert client.post(f"/api/v1/files/{akte['id']}/reopen", json={"reason": "Nachtrag"}, headers=clerk.headers).status_code == 403
    assert client.post(f"/api/v1/files/{akte['id']}/reopen", json={}, headers=supervisor.headers).status_code == 422
    reopened = client.post(f"/api/v1/files/{akte['id']}/reopen", json={"reason": "Nachtrag Statik"}, headers=supervisor.headers)
    assert reopened.status_code == 200 and reopened.json["status"] == "open" and reopened.json["retention_until"] is None
    assert upload(client, clerk, case["id"], pdf_samples.clean()).status_code == 201


def test_other_authority_cannot_reach_documents(client, people, case, other_authority):
    stranger = other_authority.user("eve", roles=("clerk", "supervisor"))
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json
    document = akte["documents"][0]
    assert client.get(f"/api/v1/files/{akte['id']}", headers=stranger.headers).status_code == 404
    assert client.get(f"/api/v1/documents/{document['id']}/content", headers=stranger.headers).status_code == 404
    assert upload(client, stranger, case["id"], pdf_samples.clean()).status_code == 404


def test_parallel_case_starts_get_distinct_aktenzeichen(app, people):
    client = app.test_client()
    key = unique_key("antrag")
    deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)})
    numbers, lock = [], threading.Lock()

    def starter():
        local = app.test_client()
        for _ in range(25):
            response = start(local, people["clerk"], key)
            assert response.status_code == 201, response.json
            with lock:
                numbers.append(response.json["business_key"])

    threads = [threading.Thread(target=starter) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(numbers) == 100 and len(set(numbers)) == 100


def test_storage_outage_gives_503_and_leaves_nothing(backend, session_factory, people):
    from web import create_app

    broken = create_app({"DATABASE_URL": backend.database_url, "SECRET_KEY": "x",
                         "STORAGE_URL": f"s3://key:secret@127.0.0.1:{free_port()}/akten?secure=false"})
    client = broken.test_client()
    key = unique_key("antrag")
    assert deploy(client, people["modeller"], {"antrag.bpmn": model_bytes("antrag.bpmn", key)}).status_code == 201
    response = start(client, people["clerk"], key, {"applicant": "Erika Müller"})
    assert response.status_code == 503 and "storage" in response.json["message"]
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Case).where(Case.authority_id == people["clerk"].authority_id)) == 0
    broken.extensions["db_engine"].dispose()


def test_file_plan_through_the_api(client, authority):
    admin = authority.user("admin", roles=("admin",))
    clerk = authority.user("anna", roles=("clerk",))
    plan = client.get("/api/v1/file-plan", headers=clerk.headers).json
    assert {u["code"] for u in plan["units"]} == {"00.01", "63.01"} and plan["processes"] == {"*": "00.01"}
    yaml_plan = ("units:\n  - {code: '63.01', title: Baugenehmigungen, retention_years: 30, disposal: A}\n"
                 "  - {code: '34.01', title: Geburten, retention_years: 110, disposal: A}\n"
                 "processes:\n  geburt: '34.01'\n")
    assert client.put("/api/v1/file-plan", data=yaml_plan, headers=clerk.headers,
                      content_type="application/yaml").status_code == 403
    updated = client.put("/api/v1/file-plan", data=yaml_plan, headers=admin.headers, content_type="application/yaml")
    assert updated.status_code == 200 and updated.json["processes"]["geburt"] == "34.01"
    assert {u["code"] for u in updated.json["units"]} == {"00.01", "34.01", "63.01"}  # units are never deleted
    bad = client.put("/api/v1/file-plan", json={"units": [{"code": "1", "title": "x", "retention_years": 5,
                                                           "disposal": "Z"}]}, headers=admin.headers)
    assert bad.status_code == 422 and "disposal" in bad.json["message"]
    assert client.put("/api/v1/file-plan", data="", headers=admin.headers).status_code == 400
