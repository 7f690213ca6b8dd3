"""What the civil status tests share: the registry office's file plan, a case driven through the API, the file check."""

from __future__ import annotations

from sqlalchemy import select

from eakte.aktenplan import load_file_plan
from eakte.audit import iter_breaks
from eakte.models import Akte
from eakte.siegel import verify_seal
from eakte.xdomea import export_0503, validate_xdomea
from engine.db import transaction

# § 5 PStG: birth register 110 years, marriage register 80 years, then to the archive.
CIVIL_STATUS_PLAN = {
    "units": [
        {"code": "34.01", "title": "Geburten (Personenstand)", "retention_years": 110, "disposal": "A"},
        {"code": "34.02", "title": "Eheschließungen (Personenstand)", "retention_years": 80, "disposal": "A"},
    ],
    "processes": {"geburt": "34.01", "eheschliessung": "34.02"},
}


def load_civil_status_plan(session_factory, authority) -> None:
    """Map the civil status procedures to their register units in the authority's file plan."""
    with transaction(session_factory) as session:
        load_file_plan(session, authority.id, CIVIL_STATUS_PLAN)


class ApiCase:
    """A case started and driven through the REST API; the worker runs in-process after each step."""

    def __init__(self, installation, people, process_key: str, data: dict, starter: str = "standesamt"):
        self.inst, self.people = installation, people
        started = self.client.post("/api/v1/cases", json={"process_key": process_key, "data": data},
                                   headers=people[starter].headers)
        assert started.status_code == 201, started.json
        self.id, self.aktenzeichen = started.json["id"], started.json["business_key"]
        self.inst.drain()

    @property
    def client(self):
        return self.inst.client

    @property
    def supervisor(self) -> dict:
        return self.people["supervisor"].headers

    def get(self) -> dict:
        return self.client.get(f"/api/v1/cases/{self.id}", headers=self.supervisor).json

    def open_tasks(self) -> list[str]:
        return sorted(t["bpmn_id"] for t in self.get()["open_tasks"])

    def complete(self, actor: str, bpmn_id: str, data: dict, expect: int = 200) -> dict:
        task = next(t for t in self.get()["open_tasks"] if t["bpmn_id"] == bpmn_id)
        headers = self.people[actor].headers
        claimed = self.client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=headers)
        assert claimed.status_code == 200, claimed.json
        response = self.client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=headers)
        assert response.status_code == expect, response.json
        if expect == 200:
            self.inst.drain()
        return response.json

    def history_kinds(self) -> list[str]:
        page = self.client.get(f"/api/v1/cases/{self.id}/history", query_string={"per_page": 500},
                               headers=self.supervisor).json
        return [event["kind"] for event in page["items"]]

    def file(self) -> dict:
        return self.client.get(f"/api/v1/cases/{self.id}/file", headers=self.supervisor).json

    def documents(self, doc_type: str) -> list[dict]:
        return [d for d in self.file()["documents"] if d["doc_type"] == doc_type]

    def content(self, dokument_id: str) -> bytes:
        return self.client.get(f"/api/v1/documents/{dokument_id}/content", headers=self.supervisor).data

    def assert_sealed_certificate(self, title: str) -> None:
        """The file holds exactly one certificate; it is a PDF with an intact seal of the test CA."""
        [certificate] = self.documents("Urkunde")
        assert certificate["subject"].startswith(title)
        pdf = self.content(certificate["id"])
        assert pdf[:5] == b"%PDF-"
        report = verify_seal(pdf, [self.inst.ca_cert])
        assert report.valid and report.intact

    def check_final_file(self, session_factory, tmp_path, retention_years: int) -> None:
        """The file alone shows the case: closed with the register's retention, chain intact, xdomea valid."""
        akte = self.file()
        assert akte["status"] == "closed" and akte["retention_years"] == retention_years
        with session_factory() as session:
            assert list(iter_breaks(session, f"case/{self.id}")) == []
            row = session.scalar(select(Akte).where(Akte.id == akte["id"]))
            result = export_0503(session, self.inst.app.extensions["document_store"], row,
                                 sender={"name": "Landeshauptstadt Schwerin", "unit": "Standesamt"},
                                 recipient={"name": "Landesarchiv Mecklenburg-Vorpommern"},
                                 actor="test", out=tmp_path / "abgabe.zip")
            assert validate_xdomea(result.message_xml) == []
            session.commit()
