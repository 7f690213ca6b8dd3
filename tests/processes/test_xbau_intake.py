"""XBau 0200 and portal intake: a case with Aktenzeichen, data and documents, or a clear 422 and nothing."""

import base64
import hashlib
import io

import pytest
from lxml import etree
from sqlalchemy import func, select

from engine.models import Case
from processes.baugenehmigung import xbau
from tests.eakte import pdf_samples
from processes.simulators.xbau_antrag import SampleAnlage, SampleAntrag, build_0200, message_bytes
from tests.web.helpers import deploy, model_bytes

pytestmark = pytest.mark.core

XBAU_URL = "/api/v1/intake/xbau"


@pytest.fixture()
def intake_user(client, authority):
    modeller = authority.user("mod", roles=("modeller",))
    response = deploy(client, modeller, {"baugenehmigung.bpmn": model_bytes("antrag.bpmn", "baugenehmigung")})
    assert response.status_code == 201, response.json
    return authority.user("xbau-eingang", roles=("clerk",))


def send(client, actor, message: bytes, attachments: dict[str, bytes] | None = None):
    if attachments is None:
        return client.post(XBAU_URL, data=message, headers=actor.headers, content_type="application/xml")
    form = {"message": (io.BytesIO(message), "antrag.xml"),
            "attachment": [(io.BytesIO(data), name) for name, data in attachments.items()]}
    return client.post(XBAU_URL, data=form, headers=actor.headers, content_type="multipart/form-data")


def bauvorlagen() -> dict[str, bytes]:
    return {"Lageplan.pdf": pdf_samples.clean(), "Bauzeichnungen.pdf": pdf_samples.clean() + b"\n%Ansichten"}


def cases_of(session_factory, actor) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Case).where(Case.authority_id == actor.authority_id))


def test_samples_conform_to_the_xbau_schema():
    schema = xbau.load_schema(xbau.schema_dir())
    variants = [SampleAntrag(), SampleAntrag(anlagen=[]), SampleAntrag(wohngebaeude_code=None, bebauungsplan=None),
                SampleAntrag(anlagen=[SampleAnlage("Statik", "Statik.pdf", wird_nachgereicht=True),
                                      SampleAnlage("Foto", "Foto.png", link="https://portal.example/f/1")])]
    for antrag in variants:
        assert schema.validate(build_0200(antrag)), schema.error_log


def test_valid_message_creates_case_with_file_data_and_bauvorlagen(client, session_factory, intake_user):
    antrag = SampleAntrag()
    files = bauvorlagen()
    response = send(client, intake_user, message_bytes(antrag), files)
    assert response.status_code == 201, response.json
    receipt = response.json
    assert receipt["aktenzeichen"].startswith("00.01-") and receipt["channel"] == "xbau"
    assert receipt["message_id"] == antrag.message_id and receipt["received_at"]
    stored = {d["filename"]: d for d in receipt["documents"]}
    assert set(stored) == {"baugenehmigung.antrag.0200.xml", "Lageplan.pdf", "Bauzeichnungen.pdf"}
    assert stored["Lageplan.pdf"]["sha256"] == hashlib.sha256(files["Lageplan.pdf"]).hexdigest()
    assert stored["Lageplan.pdf"]["doc_type"] == "Bauvorlage" and stored["Lageplan.pdf"]["subject"] == "Lageplan"

    case = client.get(f"/api/v1/cases/{receipt['case_id']}", headers=intake_user.headers).json
    assert case["business_key"] == receipt["aktenzeichen"]
    data = case["data"]
    assert data["antragsteller"]["name"] == "Erika Müller" and data["antragsteller"]["email"] == "erika.mueller@example.org"
    assert data["antragsteller"]["address"] == {"street": "Schloßstraße 12", "postal_code": "19053", "city": "Schwerin"}
    assert data["vorhaben"]["description"] == "Neubau eines Einfamilienhauses mit Carport"
    assert data["vorhaben"]["type"] == "Errichtung"
    assert data["grundstueck"]["gemarkung"] == "Schwerin" and data["grundstueck"]["flur"] == "3"
    assert data["grundstueck"]["flurstueck"] == "17/2" and data["grundstueck"]["zoning_plan"] == "Nr. 42 Lankow-Nord"
    assert data["bauaufsicht"]["id"] == "psw:bauaufsicht-schwerin"
    assert data["eingang"]["sender"] == {"id": "psw:antragsportal-mv", "name": "Bauportal M-V"}
    assert [a["filename"] for a in data["anlagen"]] == ["Lageplan.pdf", "Bauzeichnungen.pdf"]
    with session_factory() as session:
        assert session.get(Case, receipt["case_id"]).channel == "xbau"

    akte = client.get(f"/api/v1/cases/{receipt['case_id']}/file", headers=intake_user.headers).json
    kinds = sorted((d["doc_type"], d["direction"]) for d in akte["documents"])
    assert kinds == [("Antrag", "incoming")] * 2 + [("Bauvorlage", "incoming")] * 2
    lageplan = next(d for d in akte["documents"] if d["subject"] == "Lageplan")
    content = client.get(f"/api/v1/documents/{lageplan['id']}/content", query_string={"original": 1},
                         headers=intake_user.headers)
    assert content.data == files["Lageplan.pdf"]


def test_plain_xml_body_and_attachments_to_follow(client, intake_user):
    antrag = SampleAntrag(anlagen=[SampleAnlage("Standsicherheitsnachweis", "Statik.pdf", wird_nachgereicht=True)])
    response = send(client, intake_user, message_bytes(antrag))
    assert response.status_code == 201, response.json
    assert [d["doc_type"] for d in response.json["documents"]] == ["Antrag"]
    case = client.get(f"/api/v1/cases/{response.json['case_id']}", headers=intake_user.headers).json
    assert case["data"]["anlagen"][0]["status"] == "to_follow"


def test_schema_invalid_message_lists_errors_with_lines(client, session_factory, intake_user):
    root = build_0200(SampleAntrag(message_id="keine-uuid", massnahme_code="99"))
    etree.SubElement(root, "unbekannt")
    message = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    response = send(client, intake_user, message)
    assert response.status_code == 422
    assert "schema" in response.json["message"]
    errors = response.json["errors"]
    assert len(errors) == 3 and all(isinstance(e["line"], int) for e in errors)
    assert any("nachrichtenUUID" in e["message"] for e in errors)
    assert any("'99'" in e["message"] for e in errors)
    assert cases_of(session_factory, intake_user) == 0


def test_not_well_formed_xml(client, intake_user):
    response = send(client, intake_user, b"<?xml version='1.0'?>\n<xbau:baugenehmigung.antrag.0200>\n<offen>")
    assert response.status_code == 422 and "well-formed" in response.json["message"]
    assert response.json["errors"][0]["line"] >= 1


def test_entity_payload_is_rejected_and_no_file_is_read(client, session_factory, intake_user, tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("STRENG-GEHEIM-4711")
    message = message_bytes().replace(
        b"<?xml version='1.0' encoding='UTF-8'?>",
        f"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file://{secret}\">]>".encode(),
    ).replace(b"Erika", b"&xxe;")
    assert b"&xxe;" in message and b"DOCTYPE" in message
    response = send(client, intake_user, message)
    assert response.status_code == 422 and "DTD" in response.json["message"]
    assert "STRENG-GEHEIM" not in response.get_data(as_text=True)
    assert cases_of(session_factory, intake_user) == 0


def test_billion_laughs_is_rejected(client, intake_user):
    entities = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))
    message = f"<?xml version='1.0'?>\n<!DOCTYPE r [{entities}]>\n<r>&l9;</r>".encode()
    response = send(client, intake_user, message)
    assert response.status_code == 422  # refused by the parser's amplification limit or by the DTD check
    assert "DTD" in response.json["message"] or "entity" in str(response.json["errors"])


def test_wrong_message_type_names_the_expected_one(client, intake_user):
    message = message_bytes(root_tag="baugenehmigung.formellePruefung.0201", message_code="0201")
    response = send(client, intake_user, message)
    assert response.status_code == 422
    assert "baugenehmigung.antrag.0200" in response.json["message"]
    assert "formellePruefung.0201" in response.json["message"]


def test_wrong_type_code_in_header_is_rejected(client, intake_user):
    response = send(client, intake_user, message_bytes(message_code="0202"))
    assert response.status_code == 422 and "0200" in response.json["message"]


def test_message_without_parcel_data_names_what_is_missing(client, session_factory, intake_user):
    response = send(client, intake_user, message_bytes(SampleAntrag(flur=None, zaehler=None, nenner=None, anlagen=[])))
    assert response.status_code == 422
    assert any("flur" in e["message"] and "flurstueck" in e["message"] for e in response.json["errors"])
    assert cases_of(session_factory, intake_user) == 0


def test_unacceptable_attachment_rejects_the_whole_intake(client, session_factory, intake_user):
    files = bauvorlagen()
    files["Bauzeichnungen.pdf"] = b"MZ\x90\x00" + b"\x00" * 300
    response = send(client, intake_user, message_bytes(), files)
    assert response.status_code == 422
    assert "Bauzeichnungen.pdf" in response.json["message"] and "not accepted" in response.json["message"]
    assert cases_of(session_factory, intake_user) == 0


@pytest.mark.parametrize("change, text", [
    (lambda files: files.pop("Lageplan.pdf"), "'Lageplan.pdf' is announced"),
    (lambda files: files.update({"Virus.exe": b"MZ"}), "'Virus.exe' is not announced"),
])
def test_attachments_must_match_the_message(client, session_factory, intake_user, change, text):
    files = bauvorlagen()
    change(files)
    response = send(client, intake_user, message_bytes(), files)
    assert response.status_code == 422
    assert any(text in e["message"] for e in response.json["errors"])
    assert cases_of(session_factory, intake_user) == 0


def test_intake_needs_clerk_role_and_a_message(client, authority, intake_user):
    outsider = authority.user("leser", roles=("supervisor",))
    assert send(client, outsider, message_bytes()).status_code == 403
    assert client.post(XBAU_URL, data=message_bytes(), content_type="application/xml").status_code == 401
    assert client.post(XBAU_URL, json={"x": 1}, headers=intake_user.headers).status_code == 415
    assert send(client, intake_user, b"").status_code == 422


def test_schema_directory_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("AKTENFLUSS_XBAU_SCHEMA_DIR", str(tmp_path))
    assert xbau.schema_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="AKTENFLUSS_XBAU_SCHEMA_DIR"):
        xbau.read_antrag(message_bytes(), xbau.schema_dir())


def portal_form(**overrides) -> dict:
    form = {
        "applicant": {"name": "Jens Petersen", "email": "j.petersen@example.org", "phone": "03874 22110",
                      "address": {"street": "Schweriner Straße 7", "postal_code": "19288", "city": "Ludwigslust"}},
        "project": {"description": "Anbau eines Wintergartens", "type": "Änderung"},
        "parcel": {"gemarkung": "Ludwigslust", "flur": "5", "flurstueck": "112/4"},
        "attachments": [{"filename": "Lageplan.pdf", "title": "Lageplan",
                         "content": base64.b64encode(pdf_samples.clean()).decode()}],
    }
    form.update(overrides)
    return form


def test_portal_form_creates_case_with_receipt(client, session_factory, intake_user):
    response = client.post("/api/v1/intake/portal", json=portal_form(), headers=intake_user.headers)
    assert response.status_code == 201, response.json
    receipt = response.json
    assert receipt["channel"] == "portal" and receipt["aktenzeichen"] and receipt["message_id"] is None
    assert [(d["filename"], d["doc_type"]) for d in receipt["documents"]] == [("Lageplan.pdf", "Bauvorlage")]
    case = client.get(f"/api/v1/cases/{receipt['case_id']}", headers=intake_user.headers).json
    assert case["data"]["grundstueck"]["flurstueck"] == "112/4" and case["data"]["antragsteller"]["name"] == "Jens Petersen"
    assert case["data"]["eingang"] == {"channel": "portal"}
    with session_factory() as session:
        assert session.get(Case, receipt["case_id"]).channel == "portal"


def test_portal_form_is_validated(client, session_factory, intake_user):
    bad = portal_form(parcel={"gemarkung": "Ludwigslust", "flur": "fünf"},
                      attachments=[{"filename": "x.pdf", "title": "x", "content": "%%%"}])
    response = client.post("/api/v1/intake/portal", json=bad, headers=intake_user.headers)
    assert response.status_code == 422
    errors = str(response.json["errors"])
    assert "flurstueck" in errors and "flur" in errors and "base64" in errors
    exe = portal_form(attachments=[{"filename": "setup.exe", "title": "Setup",
                                    "content": base64.b64encode(b"MZ\x90\x00" + b"\x00" * 300).decode()}])
    response = client.post("/api/v1/intake/portal", json=exe, headers=intake_user.headers)
    assert response.status_code == 422 and "setup.exe" in response.json["message"]
    assert cases_of(session_factory, intake_user) == 0
