"""Einer für Alle: export a deployed package as a ZIP with its manifest, import one from another authority.

The export holds every file of the definition version. Its manifest is the
package's own, completed with what the exporting authority knows: who
publishes it, the file plan unit its cases are filed under, the groups of its
lanes, the connector operations it calls. A package deployed without a
manifest gets one made from its model. The import deploys the package for
the importing authority like an upload, records where it came from, and
answers with the checklist of what the authority still has to configure
(processes/packages/setup.py); until it is done, no case starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from eakte.models import FilePlanUnit, ProcessUnitMapping
from eakte.document_templates import template_names
from engine import definitions
from engine.connectors.http import ConnectorOperation
from engine.definitions import model_of
from engine.errors import Forbidden
from engine.loader import ModelValidationError
from engine.models import Authority, ProcessDefinition, User
from engine.models_packages import PackageImport
from processes import casework
from processes.packages.archive import read_package_zip, write_package_zip
from processes.packages.checks import service_tasks
from processes.packages.manifest import FORMAT, MANIFEST
from processes.packages.problems import problem
from processes.packages.setup import Requirement, requirements


@dataclass(frozen=True)
class ImportResult:
    """An imported package: the deployment and what the authority still has to configure."""

    deployment: definitions.Deployment
    requirements: list[Requirement]

    @property
    def ready(self) -> bool:
        """Tell whether cases can start."""
        return all(found.met for found in self.requirements)


def export_package(session: Session, ctx, definition: ProcessDefinition, authority_id: str) -> tuple[str, bytes]:
    """Return the file name and bytes of the export ZIP of one definition version."""
    files = definition.file_contents()
    manifest = json.loads(files[MANIFEST]) if MANIFEST in files else {}
    files[MANIFEST] = (json.dumps(_completed_manifest(session, ctx, definition, authority_id, manifest),
                                  ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    name = f"{definition.key}-{manifest.get('version') or definition.version}"
    return f"{name}.zip", write_package_zip(files, folder=definition.key)


def _completed_manifest(session: Session, ctx, definition: ProcessDefinition, authority_id: str, manifest: dict) -> dict:
    model = model_of(definition)
    authority = session.get(Authority, authority_id)
    result = {"format": FORMAT, "process": definition.key, "name": definition.name or definition.key,
              "version": str(definition.version), **manifest}
    result.setdefault("publisher", authority.name)
    groups = list(result.get("groups", []))
    named = {group["name"] for group in groups}
    groups += [{"name": lane} for lane in dict.fromkeys(t.lane for t in model.user_tasks if t.lane) if lane not in named]
    if groups:
        result["groups"] = groups
    result.setdefault("roles", ["clerk"])
    connectors = dict(result.get("connectors", {}))
    for task in service_tasks(model):
        handler = ctx.registry.get(task.operation_name) if task.operation_name in ctx.registry else None
        if isinstance(handler, ConnectorOperation) and task.operation_name not in connectors:
            connectors[task.operation_name] = {}
    if connectors:
        result["connectors"] = connectors
    unit = _unit_of(session, authority_id, definition.key)
    if unit is not None and "file_plan" not in result:
        result["file_plan"] = {"code": unit.code, "title": unit.title,
                               "retention_years": unit.retention_years or "permanent", "disposal": unit.disposal_code}
    templates = dict(result.get("templates", {}))
    for name in template_names(definition.file_contents()):
        templates.setdefault(name, {})
    if templates:
        result["templates"] = templates
    return result


def _unit_of(session: Session, authority_id: str, process_key: str) -> FilePlanUnit | None:
    return session.scalar(
        select(FilePlanUnit).join(ProcessUnitMapping, ProcessUnitMapping.unit_id == FilePlanUnit.id)
        .where(ProcessUnitMapping.authority_id == authority_id,
               ProcessUnitMapping.process_key.in_([process_key, "*"]))
        .order_by(ProcessUnitMapping.process_key.desc()).limit(1))  # the process's own mapping before '*'


def import_package(session: Session, ctx, data: bytes, user: User, archive_name: str = "paket.zip") -> ImportResult:
    """Deploy a package exported by another authority for the user's authority and record the import.

    Raises:
        Forbidden: the user is no modeller.
        ModelValidationError: the archive or the package is invalid, or it has no manifest.
    """
    if not user.has_role("modeller"):
        raise Forbidden("only modellers may import procedures")
    return import_archive(session, ctx, data, user.authority_id, user.username, archive_name)


def import_archive(session: Session, ctx, data: bytes, authority_id: str, actor: str,
                   archive_name: str = "paket.zip") -> ImportResult:
    """Import a package archive for an authority (the CLI's way; ``import_package`` checks the user first)."""
    files = read_package_zip(data, archive_name)
    if MANIFEST not in files:
        raise ModelValidationError([problem(
            "an imported package needs its manifest.json (what it needs from the authority)",
            "Ein übernommenes Paket braucht seine Datei manifest.json (was es von der Behörde braucht).",
            file=archive_name)])
    deployment = casework.deploy_model(session, ctx, files, authority_id=authority_id, actor=actor)
    manifest = json.loads(files[MANIFEST])
    definition = deployment.definition
    session.add(PackageImport(authority_id=authority_id, process_key=definition.key, definition_id=definition.id,
                              source=manifest.get("publisher"), package_version=manifest.get("version"),
                              imported_at=ctx.clock(), imported_by=actor))
    session.flush()
    audit.record(session, f"definition/{definition.key}", "package.imported", actor=actor, authority_id=authority_id,
                 data={"definition_id": definition.id, "version": definition.version,
                       "source": manifest.get("publisher"), "package_version": manifest.get("version")})
    authority = session.get(Authority, authority_id)
    return ImportResult(deployment, requirements(session, ctx, authority, deployment.definition))
