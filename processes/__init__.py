"""Procedure wiring: the built-in steps procedure packages call by name (their models, forms and templates are
the packages under bpmn/)."""

from __future__ import annotations

from engine.forms import FormRegistry
from engine.registry import CaseOperation, ServiceRegistry
from processes import case_steps
from processes.notices import CaseFileSteps
from processes.packages import documents as package_documents
from processes.personenstand import forms as pstand_forms
from processes.personenstand import services as pstand_services


def register_all(registry: ServiceRegistry, forms: FormRegistry, steps: CaseFileSteps | None) -> None:
    """Register the built-in steps every procedure package may call.

    Without ``steps`` (no document store: the engine benchmark) the steps that
    write into the case file are not available.
    """
    for process_key, task_forms in pstand_forms.FORMS.items():
        for task_id, schema in task_forms.items():
            forms.register(process_key, task_id, schema)
    if steps is None:
        return
    registry.register("eakte.zda", CaseOperation(steps.close_file))
    registry.register("eakte.zustellen", CaseOperation(steps.deliver))
    package_documents.register(registry, steps)
    case_steps.register(registry, steps)
    pstand_services.register(registry, steps)
