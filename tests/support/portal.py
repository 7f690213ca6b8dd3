"""Driving the applicant side in tests: sign-in at the eID simulator, a building permit case moved along by clerks."""

from __future__ import annotations

import re
import uuid
from html import unescape
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from engine.db import transaction
from engine.models import UserTask
from processes.fitconnect.models import FitConnectSubmission
from tests.support.applications import send_building_application


def sign_in(client, person: str = "erika", assurance: str = "substantiell", action: str = "login"):
    """Run the portal's code flow with the test client: portal -> eID login page (real HTTP) -> back."""
    start = client.get("/buerger/anmelden")
    assert start.status_code == 302, start.data
    page = requests.get(start.location, timeout=10)
    assert page.status_code == 200, page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = {k: unescape(v) for k, v in form.items()} | {"person": person, "assurance": assurance, "action": action}
    back = requests.post(page.url.split("?")[0], data=form, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["Location"])
    return client.get(f"{location.path}?{location.query}")


def case_of_submission(inst, submission_id: str) -> str:
    """The case a FIT-Connect submission became."""
    with transaction(inst.sessions) as session:
        return session.scalar(select(FitConnectSubmission.case_id)
                              .where(FitConnectSubmission.submission_id == submission_id))


def csrf_of(html: str) -> str:
    """The CSRF token of a form on the page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class PermitCase:
    """A building permit received through FIT-Connect for a test person, moved along by the authority's clerks."""

    def __init__(self, inst, case_id: str):
        self.inst, self.id = inst, case_id
        self.clerk = inst.user(f"bauamt-{uuid.uuid4().hex[:8]}", roles=("clerk", "supervisor"),
                               groups=("Posteingang", "Bauaufsicht", "Fachbehörden", "Sachbearbeitung"))

    @classmethod
    def received(cls, inst, person: str = "erika") -> PermitCase:
        """Send a building application of the person through FIT-Connect and let the worker receive it."""
        sent = send_building_application(inst, person=person)
        inst.poll()
        return cls(inst, case_of_submission(inst, sent.submission_id))

    def get(self) -> dict:
        return self.inst.client.get(f"/api/v1/cases/{self.id}", headers=self.clerk.headers).json

    def open_tasks(self) -> list[str]:
        with transaction(self.inst.sessions) as session:
            return sorted(session.scalars(select(UserTask.bpmn_id).where(UserTask.case_id == self.id,
                                                                         UserTask.status == "open")))

    def complete(self, bpmn_id: str, data: dict) -> None:
        client = self.inst.client
        task = next(t for t in self.get()["open_tasks"] if t["bpmn_id"] == bpmn_id)
        assert client.post(f"/api/v1/tasks/{task['id']}/claim", json={}, headers=self.clerk.headers).status_code == 200
        done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data}, headers=self.clerk.headers)
        assert done.status_code == 200, done.json
        self.inst.drain()

    def request_documents(self, missing: str = "Standsicherheitsnachweis (Statik)") -> None:
        self.complete("vollstaendigkeit_pruefen", {"vollstaendig": False, "fehlende_unterlagen": missing,
                                                   "frist_tage": 14})

    def decide(self) -> None:
        """Complete, participation, consent, permit: the case waits for the fee."""
        self.complete("vollstaendigkeit_pruefen", {"vollstaendig": True, "gebaeudeart": "Wohngebäude",
                                                   "rohbausumme": 320000})
        self.complete("beteiligung_festlegen", {"fachbehoerden": ["Gemeinde"], "beteiligungsfrist": "P30D"})
        self.complete("stellungnahme_abgeben", {"ergebnis": "Zustimmung", "begruendung": "Einvernehmen."})
        self.complete("entscheiden", {"entscheidung": "Genehmigung", "begruendung": "Das Vorhaben ist zulässig."})
