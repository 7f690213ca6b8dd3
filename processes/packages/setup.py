"""What an authority has to configure before it can run a package it imported (Einer für Alle).

A package names what it needs from an authority: the groups its lanes and
candidate groups hand tasks to, the roles its users need, the connector
operations it calls, and a file plan unit for its files. For an imported
package the authority configures these itself; until it has, no case of the
process starts (``Conflict``, HTTP 409, naming what is missing). Packages an
authority deployed itself are not held back: the modeller knows the installation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte.models import FilePlanUnit, ProcessUnitMapping
from engine.connectors.http import ConnectorOperation
from engine.connectors.systems import settings_for
from engine.definitions import model_of
from engine.errors import Conflict
from engine.models import Authority, ProcessDefinition, User
from engine.models_packages import PackageImport
from engine.registry import ServiceRegistry
from processes.packages.checks import DOCUMENT_OPERATION
from processes.packages.store import package_of

ROLE_NAMES = {"clerk": "Sachbearbeitung", "supervisor": "Fachaufsicht", "modeller": "Prozessmodellierung",
              "admin": "Verwaltung"}


@dataclass(frozen=True)
class Requirement:
    """One thing a package needs from the authority, and whether the authority has it."""

    kind: str  # group, role, connector, file_plan
    name: str
    met: bool
    detail: str  # German, for the checklist
    message: str  # English, for API answers and logs

    @property
    def label(self) -> str:
        """Return the German name of the kind of requirement."""
        return {"group": "Gruppe", "role": "Rolle", "connector": "Fachverfahren", "file_plan": "Aktenplan"}[self.kind]


def requirements(session: Session, ctx, authority: Authority, definition: ProcessDefinition) -> list[Requirement]:
    """Return everything the definition's package needs from the authority, met or not."""
    package = package_of(definition)
    manifest = package.manifest
    users = list(session.scalars(select(User).where(User.authority_id == authority.id, User.active)))
    found: list[Requirement] = []
    lanes = [task.lane for task in model_of(definition).user_tasks if task.lane]
    for group in dict.fromkeys([*(manifest.groups if manifest else ()), *lanes]):
        holders = [user.username for user in users if group in (user.groups or [])]
        found.append(Requirement(
            "group", group, bool(holders),
            f"{len(holders)} Person(en): {', '.join(sorted(holders))}" if holders else
            "Niemand in Ihrer Behörde gehört dieser Gruppe an; ihre Aufgaben sähe niemand.",
            f"group '{group}' has {len(holders)} member(s)" if holders else f"no user belongs to group '{group}'"))
    for role in (manifest.roles if manifest else ()):
        holders = [user.username for user in users if user.has_role(role)]
        found.append(Requirement(
            "role", role, bool(holders),
            f"{len(holders)} Person(en)" if holders else f"Niemand hat die Rolle „{ROLE_NAMES.get(role, role)}“.",
            f"role '{role}' is held by {len(holders)} user(s)" if holders else f"no user has the role '{role}'"))
    for name, operation in sorted((manifest.operations if manifest else {}).items()):
        found.append(_connector(session, ctx, authority, name, operation))
    found.append(_file_plan(session, authority, definition.key, manifest))
    return found


def _connector(session: Session, ctx, authority: Authority, name: str, operation) -> Requirement:
    if operation.declared:
        settings = settings_for(session, ctx.connectors, authority.id, authority.slug, operation.system)
        if settings is not None:
            return Requirement("connector", name, True, f"System „{operation.system}“: {settings[0].url}",
                               f"system '{operation.system}' at {settings[0].url}")
        return Requirement("connector", name, False,
                           f"Die Adresse des Fachverfahrens „{operation.system}“ ist nicht eingetragen.",
                           f"system '{operation.system}' of operation '{name}' is not configured")
    if ctx.connectors.has_operation(authority.slug, name) or _built_in(ctx.registry, name):
        return Requirement("connector", name, True, "in der Konnektor-Konfiguration eingetragen",
                           f"operation '{name}' is configured")
    return Requirement("connector", name, False,
                       "Die Operation fehlt in der Konnektor-Konfiguration (AKTENFLUSS_CONNECTORS_FILE) Ihrer Behörde.",
                       f"operation '{name}' has no endpoint for authority '{authority.slug}'")


def _built_in(registry: ServiceRegistry, name: str) -> bool:
    if name == DOCUMENT_OPERATION:
        return True
    return name in registry and not isinstance(registry.get(name), ConnectorOperation)


def _file_plan(session: Session, authority: Authority, process_key: str, manifest) -> Requirement:
    unit = session.scalar(
        select(FilePlanUnit).join(ProcessUnitMapping, ProcessUnitMapping.unit_id == FilePlanUnit.id)
        .where(ProcessUnitMapping.authority_id == authority.id, ProcessUnitMapping.process_key == process_key))
    if unit is not None:
        return Requirement("file_plan", process_key, True, f"Aktenplaneinheit {unit.code} {unit.title}",
                           f"filed under unit {unit.code}")
    suggestion = f" Vorschlag des Pakets: {manifest.file_plan['code']} {manifest.file_plan['title']}." \
        if manifest and manifest.file_plan else ""
    return Requirement("file_plan", process_key, False,
                       f"Das Verfahren ist keiner Einheit Ihres Aktenplans zugeordnet.{suggestion}",
                       f"process '{process_key}' is not assigned to a unit of the file plan")


def imported(session: Session, authority_id: str, process_key: str) -> PackageImport | None:
    """Return the newest import of the process by the authority, or None if it never imported it."""
    return session.scalar(select(PackageImport).where(PackageImport.authority_id == authority_id,
                                                      PackageImport.process_key == process_key)
                          .order_by(PackageImport.imported_at.desc()).limit(1))


def missing(session: Session, ctx, authority_id: str, definition: ProcessDefinition) -> list[Requirement]:
    """Return what an imported package still lacks in the authority (nothing for packages it deployed itself)."""
    if imported(session, authority_id, definition.key) is None:
        return []
    authority = session.get(Authority, authority_id)
    return [found for found in requirements(session, ctx, authority, definition) if not found.met]


def start_guard(ctx):
    """Return the engine's start guard: refuse a case of an imported package the authority has not set up."""

    def guard(session: Session, definition: ProcessDefinition, authority_id: str) -> None:
        lacking = missing(session, ctx, authority_id, definition)
        if lacking:
            raise Conflict(
                f"process '{definition.key}' was imported and is not set up yet: "
                + "; ".join(found.message for found in lacking),
                {"missing": [{"kind": f.kind, "name": f.name, "detail": f.message} for f in lacking]})

    return guard
