"""Where a user task's or start event's form comes from: the deployed definition, else the registry.

A definition's own forms (``.form`` files or embedded forms linked from the
BPMN model, see engine.forms.links) win; the registry holds the JSON Schema
forms that the bundled procedures register in Python, keyed by process key
and BPMN element id (user task or start event).
"""

from __future__ import annotations

from collections.abc import Mapping

from jsonschema import Draft202012Validator

from engine.forms.json_schema import read_json_schema
from engine.forms.model import Form
from engine.forms.to_schema import schema_of


class FormRegistry:
    """Maps (process key, BPMN element id) to a JSON Schema form."""

    def __init__(self) -> None:
        self._forms: dict[tuple[str, str], Form] = {}

    def register(self, process_key: str, element_id: str, schema: dict) -> None:
        """Register the form of one user task or start event; the schema is checked first."""
        Draft202012Validator.check_schema(schema)
        self._forms[(process_key, element_id)] = read_json_schema(schema)

    def form(self, process_key: str, element_id: str, deployed: Mapping[str, Form] | None = None) -> Form | None:
        """Return the form of an element: the definition's own (``deployed``), else the registered one, else None."""
        if deployed and element_id in deployed:
            return deployed[element_id]
        return self._forms.get((process_key, element_id))


def form_of(registry: FormRegistry, definition, element_id: str) -> Form | None:
    """Return the form of a user task or start event of a deployed definition (its parsed model is cached)."""
    from engine.definitions import model_of  # engine.definitions loads models, which read forms: import late

    return registry.form(definition.key, element_id, model_of(definition).forms)


def forms_of_definition(registry: FormRegistry, definition) -> list[Form]:
    """Return every form of a definition: its start forms first, then the forms of its user tasks."""
    from engine.definitions import model_of

    model = model_of(definition)
    ids = [event.bpmn_id for event in model.start_events] + [task.bpmn_id for task in model.user_tasks]
    found = (registry.form(definition.key, element_id, model.forms) for element_id in dict.fromkeys(ids))
    return [form for form in found if form is not None]


def client_schema(form: Form | None) -> dict | None:
    """Return the JSON Schema a client may read before filling in the form (conditional fields optional)."""
    return schema_of(form) if form is not None else None
