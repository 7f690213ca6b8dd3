"""Checking submitted data: plain variable names, storable values, and the task's (or start event's) form.

``check_submission`` reduces the data to the fields that apply (see
engine.forms.applicable), validates it against the form's JSON Schema and
returns the problems keyed by field path (``antragsteller.name``,
``stellen.1.behoerde``, ``vornamen.0``), each in English (API) and German (UI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jsonschema import Draft202012Validator

from engine.case_data import CaseDataError, check_json
from engine.errors import InvalidData
from engine.forms.applicable import applicable_data
from engine.forms.messages import german_message
from engine.forms.model import Field, Form
from engine.forms.to_schema import schema_of

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")


@dataclass(frozen=True)
class Problem:
    """One validation problem of a field."""

    path: str
    message: str
    german: str


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


def check_submission(form: Form, data: dict) -> tuple[dict, list[Problem]]:
    """Return the data reduced to the fields that apply, and every problem with it."""
    reduced = applicable_data(form, data)
    fields = _fields_by_path(form)
    problems = []
    for error in Draft202012Validator(schema_of(form, reduced)).iter_errors(reduced):
        path = error_path(error)
        problems.append(Problem(path, error.message, german_message(error, fields.get(_pattern(path)))))
    return reduced, problems


def validate_task_data(data: object, form: Form | None, what: str = "task data") -> dict:
    """Check submitted data against a form and return it reduced to the fields that apply.

    Raises:
        InvalidData: naming each problem per field path (English messages).
    """
    validate_variables(data, what)
    if form is None:
        return data
    reduced, problems = check_submission(form, data)
    if problems:
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.path, []).append(problem.message)
        raise InvalidData(f"{what} does not match the form", {"fields": fields})
    return reduced


def error_path(error) -> str:
    """Return the dotted field path a jsonschema error belongs to (a missing property: its own path)."""
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        match = re.match(r"'([^']+)' is a required property", error.message)
        if match:
            parts.append(match.group(1))
    return ".".join(parts) or "_form"


def _pattern(path: str) -> str:
    return ".".join("*" if part.isdigit() else part for part in path.split("."))


def _fields_by_path(form: Form) -> dict[str, Field]:
    found = {}
    for path, field in form.walk():
        if field.plain_list:
            found[f"{path}.*"] = field.children[0]
        found.setdefault(path, field)
    return found
