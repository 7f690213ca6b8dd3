"""Form schemas of user tasks and validation of submitted task data.

A form schema is a JSON Schema (draft 2020-12) with German titles, registered
per process key and user task id by the procedure packages. Tasks without a
schema accept any JSON object whose keys are plain identifiers.
"""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from engine.case_data import CaseDataError, check_json
from engine.errors import InvalidData

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


class FormRegistry:
    """Maps (process key, user task id) to a JSON Schema."""

    def __init__(self) -> None:
        self._schemas: dict[tuple[str, str], dict] = {}

    def register(self, process_key: str, task_id: str, schema: dict) -> None:
        """Register the form of one user task; the schema is checked first."""
        Draft202012Validator.check_schema(schema)
        self._schemas[(process_key, task_id)] = schema

    def get(self, process_key: str, task_id: str) -> dict | None:
        """Return the schema of a user task, or None if it has none."""
        return self._schemas.get((process_key, task_id))


def validate_variables(data: object, what: str) -> dict:
    """Check data that becomes process variables (a case's start data, a task's data) and return it.

    The top-level names must be plain identifiers and every value storable JSON.

    Args:
        what: What the data is, for the error message (e.g. "task data").

    Raises:
        InvalidData: naming each problem.
    """
    if not isinstance(data, dict):
        raise InvalidData(f"{what} must be a JSON object")
    bad_keys = sorted(str(k) for k in data if not _IDENTIFIER.match(str(k)))
    if bad_keys:
        raise InvalidData(
            "field names must start with a letter and contain only letters, digits and '_'",
            {"fields": {key: ["invalid field name"] for key in bad_keys}},
        )
    unstorable = {}
    for key, value in data.items():
        try:
            check_json(value, key)
        except CaseDataError as exc:  # NaN or an infinite number (from a form, not from JSON)
            unstorable[key] = [str(exc)]
    if unstorable:
        raise InvalidData(f"{what} holds values that cannot be stored", {"fields": unstorable})
    return data


def validate_task_data(data: object, schema: dict | None) -> dict:
    """Check submitted task data and return it without the form's read-only fields; raise InvalidData naming each problem.

    Read-only fields are context the form shows from the case data; a value submitted for one is dropped, so a task
    cannot change what it only shows (the four-eyes task shows the decision it checks).
    """
    validate_variables(data, "task data")
    if schema is None:
        return data
    read_only = read_only_fields(schema)
    data = {key: value for key, value in data.items() if key not in read_only}
    problems: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        field = ".".join(str(p) for p in error.absolute_path) or _missing_field(error) or "_schema"
        problems.setdefault(field, []).append(error.message)
    if problems:
        raise InvalidData("task data does not match the form", {"fields": problems})
    return data


def read_only_fields(schema: dict) -> set[str]:
    """Return the top-level properties marked ``readOnly``: case data the form shows but does not accept."""
    return {name for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, dict) and prop.get("readOnly") is True}


def _missing_field(error) -> str | None:
    if error.validator == "required":
        match = re.match(r"'([^']+)' is a required property", error.message)
        return match.group(1) if match else None
    return None
