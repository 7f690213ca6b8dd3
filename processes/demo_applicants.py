"""Demo data of the applicant side: applications sent through FIT-Connect, one waiting for documents, one for its fee.

Runs after processes/demo.py. An online service (the simulated
MV-Serviceportal) sends two building applications, identified through the eID
simulator, and a hospital a birth notification; the worker fetches and
accepts them. The clerks then ask Erika Müller for a missing document and
decide Mehmet Yılmaz's application, which now waits for its fee. Signed in to
the portal as one of them, a visitor sees the case and can act. Running it
again changes nothing once Schwerin has received through FIT-Connect.
"""

from __future__ import annotations

import json
from typing import Callable

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.identity import get_authority
from engine.runner import EngineContext
from processes.demo import sample_pdf, complete_as
from processes.fitconnect import datasets
from processes.fitconnect.models import FitConnectSubmission
from processes.simulators import xbau_antrag
from processes.simulators.fitconnect_sender import Attachment, OnlineService
from processes.simulators.online import LEIKA_BAUGENEHMIGUNG, LEIKA_GEBURT, OnlineSimulators

BIRTH = {"$schema": datasets.GEBURTSANZEIGE.schema_uri,
         "kind": {"sex": "männlich", "birth_date": "2026-11-28", "birth_time": "06:40", "birth_place": "Schwerin",
                  "facility": "Helios Kliniken Schwerin"},
         "mutter": {"family_name": "Krüger", "given_names": "Sophie", "birth_date": "1995-06-17",
                    "birth_place": "Parchim"},
         "anzeigende_stelle": "Helios Kliniken Schwerin, Geburtshilfe"}


def seed_applicants(sessions: sessionmaker[Session], ctx: EngineContext, online: OnlineSimulators,
                    destination_id: str, drain: Callable[[], int]) -> bool:
    """Send the demo's applications through FIT-Connect and move two of them along; False if done before."""
    with transaction(sessions) as session:
        schwerin = get_authority(session, "schwerin")
        if session.scalar(select(func.count()).select_from(FitConnectSubmission)
                          .where(FitConnectSubmission.authority_id == schwerin.id)):
            return False
    sender = online.add_sender()
    erika = _send_building(sender, online, destination_id, "erika", xbau_antrag.SampleAntrag())
    mehmet = _send_building(sender, online, destination_id, "mehmet", xbau_antrag.SampleAntrag(
        vorname="Mehmet", familienname="Yılmaz", strasse="Ziolkowskistraße", hausnummer="14", postleitzahl="19063",
        email="m.yilmaz@example.org", vorhaben="Anbau eines Wintergartens", massnahme_code="12"))
    sender.send(destination_id, LEIKA_GEBURT, json.dumps(BIRTH, ensure_ascii=False).encode("utf-8"),
                schema_uri=datasets.GEBURTSANZEIGE.schema_uri, mime_type="application/json",
                service_name="Geburtsanzeige")
    drain()  # the worker polls: fetches, decrypts, checks and accepts them
    with transaction(sessions) as session:
        cases = dict(session.execute(select(FitConnectSubmission.submission_id, FitConnectSubmission.case_id)).tuples().all())
    complete_as(sessions, ctx, cases[erika], "posteingang", "vollstaendigkeit_pruefen",
                {"vollstaendig": False, "fehlende_unterlagen": "Standsicherheitsnachweis (Statik)", "frist_tage": 21})
    drain()
    for bpmn_id, user, data in (
        ("vollstaendigkeit_pruefen", "posteingang", {"vollstaendig": True, "gebaeudeart": "Wohngebäude",
                                                     "rohbausumme": 48000}),
        ("beteiligung_festlegen", "bauaufsicht", {"fachbehoerden": ["Gemeinde"], "beteiligungsfrist": "P30D"}),
        ("stellungnahme_abgeben", "fachbehoerde", {"ergebnis": "Zustimmung", "begruendung": "Keine Bedenken."}),
        ("entscheiden", "bauaufsicht", {"entscheidung": "Genehmigung", "begruendung": "Das Vorhaben ist zulässig."}),
    ):
        complete_as(sessions, ctx, cases[mehmet], user, bpmn_id, data)
        drain()
    return True


def _send_building(sender: OnlineService, online: OnlineSimulators, destination_id: str, person: str,
                   antrag: xbau_antrag.SampleAntrag) -> str:
    report = requests.post(f"{online.url('eid')}/_control/identification-reports", timeout=10,
                           json={"person": person, "assurance": "substantiell"},
                           headers={"X-API-Key": online.admin_key}).json()["report"]
    attachments = [Attachment("Lageplan.pdf", sample_pdf(antrag.vorhaben), description="Lageplan"),
                   Attachment("Bauzeichnungen.pdf", sample_pdf(f"Bauzeichnungen: {antrag.vorhaben}"),
                              description="Bauzeichnungen")]
    sent = sender.send(destination_id, LEIKA_BAUGENEHMIGUNG, xbau_antrag.message_bytes(antrag),
                       schema_uri=datasets.BAUANTRAG_XBAU.schema_uri, mime_type="application/xml",
                       attachments=attachments, identification_report=report, service_name="Baugenehmigung")
    return sent.submission_id
