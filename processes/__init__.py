"""Procedure wiring: the built-in steps procedure packages call by name (their models, forms and templates are
the packages under bpmn/)."""

from __future__ import annotations

from engine.registry import CaseOperation, ServiceRegistry
from processes import case_steps
from processes.notices import CaseFileSteps
from processes.packages import documents as package_documents
from processes.personenstand import services as pstand_services


def register_all(registry: ServiceRegistry, steps: CaseFileSteps | None) -> None:
    """Register the built-in steps every procedure package may call.

    Without ``steps`` (no document store: the engine benchmark) the steps that
    write into the case file are not available.
    """
    if steps is None:
        return
    registry.register("eakte.zda", CaseOperation(steps.close_file))
    registry.register("eakte.zustellen", CaseOperation(steps.deliver))
    package_documents.register(registry, steps)
    case_steps.register(registry, steps)
    pstand_services.register(registry)
