"""A submitted form page: row actions (add, remove), reading the values, checking them against the form.

Adding or removing a row is a submit button named ``_aktion`` (value
``hinzufuegen:PATH`` or ``entfernen:PATH:ROW``), so it works without
JavaScript: the server answers with the same page, one row more or less,
every other value as it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.forms import check_submission
from engine.forms.applicable import applicable_data
from engine.forms.model import Field, Form, get_path, walk_fields
from web.ui.forms.values import (INVALID, MAX_ROWS, Invalid, empty_row, normalized, to_data, tree_from_request)

ACTION = "_aktion"


@dataclass
class Submission:
    """What a form page sent: the raw tree, and either the data or the problems per field path."""

    tree: dict
    data: dict = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str | None = None
    focus: str | None = None  # input name to focus after a row action


def read_submission(form: Form, submitted) -> Submission:
    """Read a form page; apply a row action, or convert and check the values (German messages)."""
    tree = tree_from_request(form, submitted)
    action = submitted.get(ACTION)
    if action:
        focus = apply_row_action(form, tree, action)
        return Submission(tree=tree, action=action, focus=focus)
    data, conversion = to_data(form, tree)
    reduced = applicable_data(form, data)
    conversion = {path: messages for path, messages in conversion.items() if _still_there(reduced, path)}
    clean = _without_invalid(data)
    checked, problems = check_submission(form, clean)
    errors = dict(conversion)
    for problem in problems:
        if not any(problem.path == path or problem.path.startswith(path + ".") for path in conversion):
            errors.setdefault(problem.path, []).append(problem.german)
    return Submission(tree=normalized(form, tree, data), data=checked, errors=errors)


def apply_row_action(form: Form, tree: dict, action: str) -> str | None:
    """Add or remove a row as ``action`` says; return the input name to focus, None if the action is unknown."""
    verb, _, rest = action.partition(":")
    path, index = (rest.rsplit(":", 1) + [""])[:2] if verb == "entfernen" else (rest, "")
    field = _list_field(form, path)
    rows = get_path(tree, path) if field else None
    if field is None or not isinstance(rows, list):
        return None
    if verb == "hinzufuegen" and len(rows) < MAX_ROWS and (field.max_items is None or len(rows) < field.max_items):
        rows.append(empty_row(field))
        return _first_input(field, f"{path}.{len(rows) - 1}")
    if verb == "entfernen" and index.isdigit() and int(index) < len(rows):
        rows.pop(int(index))
        if not rows:
            rows.append(empty_row(field))
        return f"{path}:hinzufuegen"
    return None


def _first_input(field: Field, row: str) -> str:
    """Return the input name of the first field of a new row (where the cursor goes)."""
    if field.plain_list:
        return row
    for path, child in walk_fields(field.children, row):
        if child.is_input:
            return path
    return row


def _list_field(form: Form, concrete: str) -> Field | None:
    pattern = ".".join("*" if part.isdigit() else part for part in concrete.split("."))
    for path, candidate in form.walk():
        if path == pattern and candidate.kind == "list":
            return candidate
    return None


def _still_there(data: Any, path: str) -> bool:
    """Tell whether the unreadable value at ``path`` survived the reduction (its field applies)."""
    return isinstance(get_path(data, path), Invalid)


def _without_invalid(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_invalid(v) for k, v in value.items() if v is not INVALID}
    if isinstance(value, list):
        return [_without_invalid(v) for v in value if v is not INVALID]
    return value
