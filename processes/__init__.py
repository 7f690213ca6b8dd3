"""Procedure packages: the BPMN models, service handlers and forms of each procedure."""

from __future__ import annotations

from engine.forms import FormRegistry
from engine.registry import CaseOperation, ServiceRegistry
from processes.baugenehmigung import forms as bau_forms
from processes.baugenehmigung import services as bau_services
from processes.notices import CaseFileSteps
from processes.packages import documents as package_documents
from processes.personenstand import forms as pstand_forms
from processes.personenstand import services as pstand_services


def register_all(registry: ServiceRegistry, forms: FormRegistry, steps: CaseFileSteps | None) -> None:
    """Register the forms and built-in steps of every bundled procedure.

    Without ``steps`` (no document store: the engine benchmark) the steps that
    write into the case file are not available.
    """
    for task_id, schema in bau_forms.FORMS.items():
        forms.register(bau_forms.PROCESS_KEY, task_id, schema)
    for process_key, task_forms in pstand_forms.FORMS.items():
        for task_id, schema in task_forms.items():
            forms.register(process_key, task_id, schema)
    if steps is None:
        return
    registry.register("eakte.zda", CaseOperation(steps.close_file))
    registry.register("eakte.zustellen", CaseOperation(steps.deliver))
    bau_services.register(registry, steps)
    package_documents.register(registry, steps)
    pstand_services.register(registry, steps)
