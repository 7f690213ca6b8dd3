"""Demo data: two authorities, users for every role, the bundled models, a few cases.

Running it twice changes nothing: what exists already is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from eakte.aktenplan import load_file_plan
from engine.errors import NotFound
from engine.identity import create_authority, create_user, get_authority
from engine.models import Case, User
from engine.runner import EngineContext, complete_task
from processes.casework import deploy_model, open_tasks_of, start_case

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
    "processes": {"*": "00.01"},
}

USERS = [
    # username, display name, roles, groups
    ("admin", "Administration", ["admin"], []),
    ("modellierer", "Paula Prozess", ["modeller"], []),
    ("sachbearbeiter", "Sven Sachbearbeiter", ["clerk"], ["Sachbearbeitung"]),
    ("sachbearbeiterin", "Sabine Sorgfalt", ["clerk"], ["Sachbearbeitung"]),
    ("amtsleitung", "Anke Amtsleitung", ["clerk", "supervisor"], ["Amtsleitung"]),
]


@dataclass(frozen=True)
class DemoLogin:
    """A demo login to print."""

    authority: str
    username: str
    roles: list[str]


def seed(session: Session, ctx: EngineContext) -> list[DemoLogin]:
    """Create the demo data that is missing; return the logins."""
    logins = []
    for slug, name in AUTHORITIES.items():
        try:
            authority = get_authority(session, slug)
        except NotFound:
            authority = create_authority(session, slug, name)
        load_file_plan(session, authority.id, FILE_PLAN)
        for username, display, roles, groups in USERS:
            exists = session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))
            if exists is None:
                create_user(session, authority, username, roles=roles, groups=groups, display_name=display,
                            password=DEMO_PASSWORD)
            logins.append(DemoLogin(slug, username, roles))
    for path in sorted(BPMN_DIR.rglob("*.bpmn")):
        files = {path.name: path.read_bytes()} | {dmn.name: dmn.read_bytes() for dmn in path.parent.glob("*.dmn")}
        deploy_model(session, ctx, files, authority_id=None, actor="demo")
    _start_cases(session, ctx)
    return logins


def _start_cases(session: Session, ctx: EngineContext) -> None:
    authority = get_authority(session, "schwerin")
    if session.scalar(select(func.count()).select_from(Case).where(Case.authority_id == authority.id)):
        return
    clerk = session.scalar(select(User).where(User.authority_id == authority.id, User.username == "sachbearbeiter"))
    applications = [
        ("Erika Mustermann", "Carport auf Flurstück 17/2", None),
        ("Max Schulz", "Gartenhaus Lankow", True),
        ("Familie Öztürk", "Terrassenüberdachung", False),
    ]
    for applicant, subject, decision in applications:
        case = start_case(session, ctx, clerk, "antrag", {"applicant": applicant}, subject=subject)
        if decision is not None:
            task_id = open_tasks_of(session, case)[0].id
            complete_task(session, ctx, task_id, clerk, {"approved": decision})
