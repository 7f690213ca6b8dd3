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


def validate_task_data(data: object, schema: dict | None) -> dict:
    """Check submitted task data and return it; raise InvalidData naming each problem."""
    if not isinstance(data, dict):
        raise InvalidData("task data must be a JSON object")
    bad_keys = sorted(k for k in data if not _IDENTIFIER.match(str(k)))
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
        raise InvalidData("task data holds values that cannot be stored", {"fields": unstorable})
    if schema is None:
        return data
    problems: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        field = ".".join(str(p) for p in error.absolute_path) or _missing_field(error) or "_schema"
        problems.setdefault(field, []).append(error.message)
    if problems:
        raise InvalidData("task data does not match the form", {"fields": problems})
    return data


def _missing_field(error) -> str | None:
    if error.validator == "required":
        match = re.match(r"'([^']+)' is a required property", error.message)
        return match.group(1) if match else None
    return None
