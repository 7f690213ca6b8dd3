"""Applications as online services send them through FIT-Connect (shared by process, web and browser tests)."""

from __future__ import annotations

import json

import requests

from processes.fitconnect import datasets
from processes.simulators import xbau_antrag
from processes.simulators.fitconnect_sender import Attachment, Sent
from processes.simulators.online import LEIKA_BAUGENEHMIGUNG, LEIKA_GEBURT
from tests.eakte import pdf_samples

BIRTH = {"$schema": datasets.GEBURTSANZEIGE.schema_uri,
         "kind": {"sex": "weiblich", "birth_date": "2026-02-14", "birth_time": "08:12", "birth_place": "Schwerin",
                  "facility": "Helios Kliniken Schwerin"},
         "mutter": {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-12",
                    "birth_place": "Schwerin"},
         "vater": {"family_name": "Petersen", "given_names": "Jens", "birth_date": "1985-09-30",
                   "birth_place": "Rostock"},
         "anzeigende_stelle": "Helios Kliniken Schwerin"}


def identification_report(inst, person: str = "erika", assurance: str = "substantiell") -> str:
    """The eID broker's signed report of a test person (what the online service got at the applicant's login)."""
    response = requests.post(f"{inst.online.url('eid')}/_control/identification-reports", timeout=10,
                             json={"person": person, "assurance": assurance},
                             headers={"X-API-Key": inst.online.admin_key})
    response.raise_for_status()
    return response.json()["report"]


def send_building_application(inst, *, person: str | None = "erika", **options) -> Sent:
    """An XBau 0200 building application with site plan, drawings and the service's PDF of the form."""
    message = xbau_antrag.message_bytes()
    attachments = [Attachment("Lageplan.pdf", pdf_samples.clean(), description="Lageplan"),
                   Attachment("Bauzeichnungen.pdf", pdf_samples.clean() + b"\n%Ansichten", description="Bauzeichnungen"),
                   Attachment("Antrag.pdf", pdf_samples.clean() + b"\n%Formular", purpose="form")]
    report = identification_report(inst, person) if person else None
    return inst.sender.send(inst.destination.destination_id, LEIKA_BAUGENEHMIGUNG, message,
                            schema_uri=datasets.BAUANTRAG_XBAU.schema_uri, mime_type="application/xml",
                            attachments=options.pop("attachments", attachments), identification_report=report,
                            reply_email="erika.mueller@example.org", service_name="Baugenehmigung", **options)


def send_birth_notification(inst, data: dict | None = None, **options) -> Sent:
    """A hospital's birth notification as a JSON data set, without identification."""
    raw = json.dumps(data or BIRTH, ensure_ascii=False).encode("utf-8")
    return inst.sender.send(inst.destination.destination_id, LEIKA_GEBURT, raw,
                            schema_uri=datasets.GEBURTSANZEIGE.schema_uri, mime_type="application/json",
                            service_name="Geburtsanzeige", **options)


def control(inst, path: str, body: dict | None = None, method: str = "POST") -> dict:
    """Call a test hook of the FIT-Connect simulator."""
    response = requests.request(method, f"{inst.online.url('fitconnect')}/_control{path}", json=body, timeout=10,
                                headers={"X-API-Key": inst.online.admin_key})
    response.raise_for_status()
    return response.json()
