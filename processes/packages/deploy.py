"""Check a package as a whole and deploy it as one new definition version.

A package is refused as a whole: the problems of the manifest, the templates,
the model and of how they fit together are collected and raised together as
one ``ModelValidationError``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine import definitions
from engine.loader import ModelProblem, ModelValidationError, ParsedModel, parse_model
from processes.packages.checks import check_model_against_package, check_templates
from processes.packages.manifest import MANIFEST, Manifest, read_manifest


@dataclass(frozen=True)
class ParsedPackage:
    """A checked package: its model, manifest (if any) and templates."""

    model: ParsedModel
    manifest: Manifest | None
    templates: dict[str, str] = field(default_factory=dict)

    @property
    def known_operations(self) -> set[str]:
        """Return the operations the package declares (calls to specialist systems)."""
        return set(self.manifest.operations) if self.manifest else set()


def parse_package(files: Mapping[str, bytes], registered: Collection[str]) -> ParsedPackage:
    """Check every file of a package and how they fit together.

    Args:
        files: File name to bytes (models, forms, templates, ``manifest.json``).
        registered: Operations the installation provides (built-in steps, Python handlers, configured connectors).

    Raises:
        ModelValidationError: listing every problem found in the package.
    """
    problems: list[ModelProblem] = []
    manifest = None
    if MANIFEST in files:
        manifest, found = read_manifest(files[MANIFEST])
        problems.extend(found)
    templates, found = check_templates(files)
    problems.extend(found)
    known = set(registered) | (set(manifest.operations) if manifest else set())
    try:
        model = parse_model(files, known_operations=known)
    except ModelValidationError as exc:
        raise ModelValidationError(problems + exc.problems) from exc
    problems.extend(check_model_against_package(model, manifest, templates, set(registered),
                                                manifest_broken=MANIFEST in files and manifest is None))
    if problems:
        raise ModelValidationError(problems)
    return ParsedPackage(model, manifest, templates)


def deploy_package(session: Session, files: Mapping[str, bytes], *, registered: Collection[str],
                   authority_id: str | None, deployed_by: str | None, now) -> definitions.Deployment:
    """Check a package and store it as a new version of its process (or return the identical version)."""
    package = parse_package(files, registered)
    return definitions.deploy(session, dict(files), authority_id=authority_id, deployed_by=deployed_by,
                              known_operations=set(registered) | package.known_operations, now=now,
                              model=package.model)
