"""The security review's findings, each through the API or the UI: size limits, headers, no 500 on odd input."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.engine.sandbox_payloads import script_model
from tests.eakte import pdf_samples
from tests.web.helpers import deploy, start
from tests.web.ui_helpers import PASSWORD, csrf_token, ui_user

pytestmark = pytest.mark.core


@pytest.fixture()
def people(authority):
    return {"modeller": authority.user("mod", roles=("modeller",)),
            "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))}


def run_script(client, people, script: str, data: dict | None = None):
    key = f"script_{uuid.uuid4().hex[:8]}"
    assert deploy(client, people["modeller"], {"s.bpmn": script_model(key, script)}).status_code == 201
    return start(client, people["clerk"], key, data or {})


# --- finding 4: case data and task results have a size limit -----------------------------------


def test_a_script_cannot_store_more_than_the_case_data_limit(client, people):
    response = run_script(client, people, "a = 'x' * 10**6\nb = [a] * 40")
    assert response.status_code == 422, response.json
    assert "limit" in response.json["message"] and "bytes" in response.json["message"]
    assert "'calc'" in response.json["message"]


def test_limits_are_configurable_and_named_in_the_error(backend, authority):
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "x",
                      "TESTING": True, "CASE_DATA_MAX_BYTES": 20_000, "TASK_RESULT_MAX_BYTES": 5_000})
    client = app.test_client()
    people = {"modeller": authority.user("mod", roles=("modeller",)),
              "clerk": authority.user("anna", roles=("clerk",), groups=("Sachbearbeitung",))}
    result = run_script(client, people, "note = 'x' * 6000")
    assert result.status_code == 422
    assert "limit for what one task produces is 5000 bytes" in result.json["message"]
    assert "AKTENFLUSS_TASK_RESULT_MAX_BYTES" in result.json["message"]
    too_much_start = run_script(client, people, "x = 1", {"a": "y" * 25_000})
    assert too_much_start.status_code == 422
    assert "the limit is 20000 bytes" in too_much_start.json["message"]
    fine = run_script(client, people, "note = 'x' * 4000")
    assert fine.status_code == 201, fine.json
    [task] = fine.json["open_tasks"]
    too_big_form = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {"text": "z" * 6000}},
                               headers=people["clerk"].headers)
    assert too_big_form.status_code == 422 and "5000 bytes" in too_big_form.json["message"]
    app.extensions["db_engine"].dispose()


# --- finding 6: security headers ------------------------------------------------------------------


def test_ui_pages_and_api_answers_carry_the_security_headers(client, people):
    for response in (client.get("/ui/anmelden"), client.get("/api/v1/tasks", headers=people["clerk"].headers)):
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
    with client.get("/static/ui.css") as static:
        assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"
        assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_uploaded_html_is_served_as_a_sandboxed_attachment_never_sniffed(client, people):
    key = f"script_{uuid.uuid4().hex[:8]}"
    assert deploy(client, people["modeller"], {"s.bpmn": script_model(key, "x = 1")}).status_code == 201
    case = start(client, people["clerk"], key).json
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    upload = client.post(f"/api/v1/cases/{case['id']}/documents", headers=people["clerk"].headers,
                         data={"subject": "Seite", "file": (io.BytesIO(html), "seite.html")},
                         content_type="multipart/form-data")
    subject = "Seite"
    if upload.status_code != 201:  # the upload check may refuse HTML altogether: then it is never served
        assert upload.status_code in (415, 422), upload.json
        subject = "Plan"
        upload = client.post(f"/api/v1/cases/{case['id']}/documents", headers=people["clerk"].headers,
                             data={"subject": subject, "file": (io.BytesIO(pdf_samples.clean()), "plan.pdf")},
                             content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    documents = client.get(f"/api/v1/cases/{case['id']}/file", headers=people["clerk"].headers).json["documents"]
    [document] = [d for d in documents if d["subject"] == subject]
    download = client.get(f"/api/v1/documents/{document['id']}/content?original=true",
                          headers=people["clerk"].headers)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert download.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_https_only_by_default(backend):
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["db_engine"].dispose()


# --- finding 8: odd input is a 4xx, never a 500 ---------------------------------------------------


def test_lone_surrogate_in_json_is_refused_with_400(client, people):
    body = '{"process_key": "antrag", "data": {"name": "\\ud800"}}'
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers=people["clerk"].headers)
    assert response.status_code == 400 and "surrogate" in response.json["message"]
    key_body = '{"process_key": "antrag", "data": {"\\udfff": 1}}'
    response = client.post("/api/v1/cases", data=key_body, content_type="application/json",
                           headers=people["clerk"].headers)
    assert response.status_code == 400


UNNAMED_PART = b"--B\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--B--\r\n"


@pytest.mark.parametrize("url", ["/ui/anmelden", "/api/v1/cases", "/api/v1/process-definitions"])
def test_multipart_part_without_a_name_is_refused_with_400(client, people, url):
    response = client.post(url, data=UNNAMED_PART, headers={**people["clerk"].headers,
                                                             "Content-Type": "multipart/form-data; boundary=B"})
    assert response.status_code == 400
    if url.startswith("/ui"):
        assert "Feld ohne Namen" in response.get_data(as_text=True)


def test_next_with_cr_lf_at_login_goes_to_the_inbox(client, session_factory, authority):
    ui_user(session_factory, authority, "lena")
    page = client.get("/ui/anmelden")
    response = client.post("/ui/anmelden?next=/ui/%0d%0aSet-Cookie:%20x=1", data={
        "behoerde": authority.slug, "benutzername": "lena", "passwort": PASSWORD,
        "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/ui/aufgaben")


@pytest.mark.parametrize(("script", "problem"), [
    ("x = float('nan')", "finite"),
    ("x = {1, 2}", "set"),
    ("x = (1, 2)", "tuple"),
    ("x = datetime(2024, 1, 1)", "datetime"),
    ("x = []\nx.append(x)", "itself"),
    ("x = []\nfor i in range(100000):\n    x = [x]", "deep"),
    ("x = 10**5000", "digits"),
    ("x = chr(0xd800)", "surrogate"),
    ("x = 'a' + chr(0) + 'b'", "NUL"),
])
def test_a_script_storing_unstorable_data_is_a_422_naming_the_value(client, people, script, problem):
    response = run_script(client, people, script)
    assert response.status_code == 422, response.json
    assert "'x'" in response.json["message"] and problem in response.json["message"]
