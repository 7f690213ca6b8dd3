"""Demo data: two authorities, users for every role, file plans, the bundled packages, cases in several states.

Running it twice changes nothing: what exists already is left alone. Cases
are advanced through the real engine and worker (``drain`` runs the due
jobs), so what a new user sees is what the product does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pikepdf
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from eakte.aktenplan import load_file_plan
from eakte.storage import DocumentStore
from engine.db import transaction
from engine.errors import NotFound
from engine.identity import create_authority, create_user, get_authority
from engine.models import Case, User
from engine.runner import EngineContext, claim_task, complete_task
from processes.casework import deploy_model, open_tasks_of
from processes.intake import IncomingDocument, receive_portal

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"
DEMO_PASSWORD = "aktenfluss-demo"

AUTHORITIES = {
    "schwerin": "Landeshauptstadt Schwerin",
    "ludwigslust-parchim": "Landkreis Ludwigslust-Parchim",
}

FILE_PLAN = {
    "units": [
        {"code": "00.01", "title": "Allgemeine Verwaltung", "retention_years": 10, "disposal": "V"},
        {"code": "63.01", "title": "Baugenehmigungsverfahren", "retention_years": 30, "disposal": "A"},
        {"code": "34.01", "title": "Geburten (Personenstand)", "retention_years": 110, "disposal": "A"},
        {"code": "34.02", "title": "Eheschließungen (Personenstand)", "retention_years": 80, "disposal": "A"},
    ],
    "processes": {"*": "00.01", "baugenehmigung": "63.01", "geburt": "34.01", "eheschliessung": "34.02"},
}

USERS = [
    # username, display name, roles, groups (= lanes)
    ("admin", "Administration", ["admin"], []),
    ("modellierer", "Paula Prozess", ["modeller"], []),
    ("posteingang", "Peter Posteingang", ["clerk"], ["Posteingang", "Sachbearbeitung"]),
    ("bauaufsicht", "Berta Bauaufsicht", ["clerk"], ["Bauaufsicht", "Sachbearbeitung"]),
    ("fachbehoerde", "Frieda Fachbehörde", ["clerk"], ["Fachbehörden"]),
    ("standesamt", "Sören Standesamt", ["clerk"], ["Standesamt"]),
    ("amtsleitung", "Anke Amtsleitung", ["clerk", "supervisor"], ["Amtsleitung", "Bauaufsicht"]),
]
OPERATOR = ("betrieb", "Plattformbetrieb", ["operator"], [])
"""The platform operator (creates authorities and their first administrator); kept in the first authority."""

APPLICATIONS = [
    # applicant, project, parcel, how far the demo takes it
    ("Erika Müller", "Neubau eines Einfamilienhauses mit Carport", ("Schwerin", "3", "17/2"), "eingegangen"),
    ("Hanse Logistik GmbH", "Erweiterung einer Lagerhalle", ("Görries", "1", "88/3"), "beteiligung"),
    ("Landeshauptstadt Schwerin", "Umbau der Kita Puschkinstraße", ("Schwerin", "12", "45"), "beschieden"),
]


@dataclass(frozen=True)
class DemoLogin:
    """A demo login to print."""

    authority: str
    username: str
    roles: list[str]


def seed(sessions: sessionmaker[Session], ctx: EngineContext, store: DocumentStore,
         drain: Callable[[], int]) -> list[DemoLogin]:
    """Create what is missing of the demo and return the logins."""
    with transaction(sessions) as session:
        logins = _authorities_and_users(session)
        for package in bundled_packages():
            deploy_model(session, ctx, package, authority_id=None, actor="demo")
        schwerin = get_authority(session, "schwerin")
        if session.scalar(select(func.count()).select_from(Case).where(Case.authority_id == schwerin.id)):
            return logins
    for applicant, project, parcel, stage in APPLICATIONS:
        _application(sessions, ctx, store, drain, applicant, project, parcel, stage)
    return logins


def bundled_packages() -> list[dict[str, bytes]]:
    """Return the files of each bundled procedure package (one folder of bpmn/ each: model, forms, templates,
    manifest)."""
    return [{path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}
            for folder in sorted(BPMN_DIR.iterdir()) if folder.is_dir()]


def _authorities_and_users(session: Session) -> list[DemoLogin]:
    logins = []
    for slug, name in AUTHORITIES.items():
        try:
            authority = get_authority(session, slug)
        except NotFound:
            authority = create_authority(session, slug, name)
        load_file_plan(session, authority.id, FILE_PLAN)
        for username, display, roles, groups in USERS + ([OPERATOR] if slug == next(iter(AUTHORITIES)) else []):
            exists = session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))
            if exists is None:
                create_user(session, authority, username, roles=roles, groups=groups, display_name=display,
                            password=DEMO_PASSWORD)
            logins.append(DemoLogin(slug, username, roles))
    return logins


def _user(session: Session, username: str) -> User:
    authority = get_authority(session, "schwerin")
    return session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))


def _application(sessions, ctx, store, drain, applicant, project, parcel, stage) -> None:
    gemarkung, flur, flurstueck = parcel
    with transaction(sessions) as session:
        receipt = receive_portal(session, ctx, store, _user(session, "posteingang"), {
            "applicant": {"type": "person", "name": applicant, "email": None, "phone": None,
                          "address": {"street": "Schloßstraße 12", "postal_code": "19053", "city": "Schwerin"}},
            "project": {"description": project, "type": "Neubau", "measures": [], "building_type": None},
            "parcel": {"gemarkung": gemarkung, "flur": flur, "flurstueck": flurstueck},
        }, [IncomingDocument(sample_pdf(project), "Lageplan.pdf", "Lageplan")])
        case_id = receipt.case.id
    drain()
    if stage == "eingegangen":
        return
    complete_as(sessions, ctx, case_id, "posteingang", "vollstaendigkeit_pruefen",
          {"vollstaendig": True, "gebaeudeart": "Gewerbe" if "Halle" in project else "Sonstige", "rohbausumme": 850000})
    drain()
    complete_as(sessions, ctx, case_id, "bauaufsicht", "beteiligung_festlegen",
          {"fachbehoerden": ["Brandschutzdienststelle", "Gemeinde"], "beteiligungsfrist": "P30D"})
    drain()
    if stage == "beteiligung":
        return
    for _ in range(2):
        complete_as(sessions, ctx, case_id, "fachbehoerde", "stellungnahme_abgeben",
              {"ergebnis": "Zustimmung", "begruendung": "Keine Bedenken."})
        drain()
    complete_as(sessions, ctx, case_id, "bauaufsicht", "entscheiden",
          {"entscheidung": "Genehmigung", "begruendung": "Das Vorhaben entspricht dem Bebauungsplan."})
    drain()


def complete_as(sessions, ctx, case_id: str, username: str, bpmn_id: str, data: dict) -> None:
    """Claim and complete a case's open task as a demo user of Schwerin."""
    with transaction(sessions) as session:
        user = _user(session, username)
        case = session.get(Case, case_id)
        task = next(t for t in open_tasks_of(session, case) if t.bpmn_id == bpmn_id)
        claim_task(session, ctx, task.id, user)
        complete_task(session, ctx, task.id, user, data)


def sample_pdf(title: str) -> bytes:
    """A small, valid one-page PDF standing in for a site plan."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    pdf.docinfo["/Title"] = f"Lageplan: {title}"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
