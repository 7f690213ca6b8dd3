"""Which fields of a form apply to the entered data, and the data reduced to them.

A field whose visibility condition is false does not apply: it is not
required and its value is dropped (so a value typed before the person changed
their mind is not kept). Display fields and read-only inputs are context, not
input: values submitted for them are dropped as well. Conditions inside the
rows of a list are evaluated per row; a path there is looked up in the row
first, then in the whole data.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from engine.forms.model import Field, Form, get_path


def lookup_in(data: Any, rows: tuple[tuple[Any, str], ...] = ()) -> Callable[[str], Any]:
    """Return a path lookup over ``data``; ``rows`` are (row value, concrete row path), innermost last."""

    def lookup(path: str) -> Any:
        if path == "":
            return rows[-1][0] if rows else data
        if "*" in path and rows:  # a path inside the rows of a list: read in the row being visited
            return get_path(rows[-1][0], path.rsplit("*", 1)[1].lstrip("."))
        for row, _ in reversed(rows):
            first = path.split(".", 1)[0]
            if isinstance(row, dict) and first in row:
                return get_path(row, path)
        return get_path(data, path)

    return lookup


def applicable_data(form: Form, data: dict) -> dict:
    """Return a copy of ``data`` without the values of fields that do not apply or are not entered."""
    result = copy.deepcopy(data)
    if form.source == "form-js":
        _untick_missing(form.fields, result)
    _reduce(form.fields, result, result, ())
    return result


def _untick_missing(fields: list[Field], container: Any) -> None:
    """Add ``false`` for every input checkbox missing from ``container`` (not creating objects on the way)."""
    if not isinstance(container, dict):
        return
    for field in fields:
        if field.is_display:
            continue
        if field.kind == "checkbox" and field.key:
            *parents, last = field.key.split(".")
            target = get_path(container, ".".join(parents)) if parents else container
            if isinstance(target, dict) and last not in target:
                target[last] = False
        elif field.kind == "group":
            _untick_missing(field.children, get_path(container, field.key) if field.key else container)
        elif field.kind == "list" and not field.plain_list:
            rows = get_path(container, field.key)
            for row in rows if isinstance(rows, list) else []:
                _untick_missing(field.children, row)


def _reduce(fields: list[Field], container: Any, whole: dict, rows: tuple) -> None:
    lookup = lookup_in(whole, rows)
    for field in fields:
        applies = field.condition is None or field.condition.holds(lookup)
        if not applies or field.is_display:
            if field.key and isinstance(container, dict):
                _remove(container, field.key)
            elif field.kind == "table" and field.source and isinstance(container, dict):
                _remove(container, field.source)  # the rows a table shows are context, never input
            elif not field.key and field.kind == "group":
                _reduce_all(field.children, container)
            continue
        target = get_path(container, field.key) if field.key else container
        if field.kind == "group":
            _reduce(field.children, target if field.key else container, whole, rows)
        elif field.kind == "list" and isinstance(target, list) and not field.plain_list:
            base = _row_base(rows, field.key)
            for index, row in enumerate(target):
                if isinstance(row, dict):
                    _reduce(field.children, row, whole, rows + ((row, f"{base}.{index}"),))


def _reduce_all(fields: list[Field], container: Any) -> None:
    """Drop every value bound below a group that does not apply."""
    for field in fields:
        if field.key and isinstance(container, dict):
            _remove(container, field.key)
        elif field.kind == "group":
            _reduce_all(field.children, container)


def _row_base(rows: tuple, key: str) -> str:
    return f"{rows[-1][1]}.{key}" if rows else key


def _remove(container: dict, key: str) -> None:
    *parents, last = key.split(".")
    for part in parents:
        container = container.get(part) if isinstance(container, dict) else None
    if isinstance(container, dict):
        container.pop(last, None)
