"""The JSON Schema the engine checks a submission against.

A JSON Schema form is used as it is. A form-js form is converted, for the
data at hand: fields whose condition is false are left out (so they are not
required), each row of a list gets the schema of the fields that apply in it.
Without data (``None``) every conditional field is left optional: the schema a
client may read before it fills anything in.
"""

from __future__ import annotations

from typing import Any

from engine.forms.applicable import lookup_in
from engine.forms.model import Field, Form, get_path

DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?(Z|[+-][0-9]{2}:[0-9]{2})?$"
DATETIME_PATTERN = DATE_PATTERN[:-1] + "T" + TIME_PATTERN[1:]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()/-]{4,}$"


def schema_of(form: Form, data: dict | None = None) -> dict:
    """Return the JSON Schema that ``data`` (already reduced to the fields that apply) must satisfy."""
    if form.schema is not None:
        return form.schema
    return _object(form.fields, data, data, ())


def _object(fields: list[Field], container: Any, whole: Any, rows: tuple) -> dict:
    schema: dict = {"type": "object", "properties": {}}
    for field in fields:
        if field.is_display:
            continue
        if field.condition is not None and (whole is None or not field.condition.holds(lookup_in(whole, rows))):
            if whole is not None:
                continue  # does not apply: neither required nor checked
            optional = True
        else:
            optional = False
        if field.kind == "group" and not field.key:
            _merge(schema, _object(field.children, container, whole, rows), optional)
            continue
        value = get_path(container, field.key) if container is not None and field.key else None
        sub = _field(field, value, whole, rows)
        # A group's object is required when the group is (form-js groups are, unless x-optional) and something
        # in it is required: a group of optional fields may be left out of the data as a whole.
        needed = field.required and not optional and (field.kind != "group" or bool(sub.get("required")))
        _place(schema, field.key, sub, needed)
    return schema


def _field(field: Field, value: Any, whole: Any, rows: tuple) -> dict:
    if field.kind == "group":
        return _object(field.children, value, whole, rows)
    if field.kind == "list":
        return _list(field, value, whole, rows)
    return input_schema(field)


def _list(field: Field, value: Any, whole: Any, rows: tuple) -> dict:
    schema: dict = {"type": "array"}
    if field.min_items is not None:
        schema["minItems"] = field.min_items
    if field.max_items is not None:
        schema["maxItems"] = field.max_items
    if field.required and field.min_items is None:
        schema["minItems"] = 1
    if field.plain_list:
        schema["items"] = input_schema(field.children[0])
        return schema
    if whole is None or not isinstance(value, list):
        schema["items"] = _object(field.children, None, None, ())
        return schema
    schema["prefixItems"] = [_object(field.children, row, whole, rows + ((row, ""),)) for row in value]
    return schema


def input_schema(field: Field) -> dict:
    """Return the JSON Schema of one input field's value."""
    kind = field.kind
    if kind == "checkbox":
        return {"type": "boolean", **({"const": True} if field.required else {})}
    if kind in ("checklist", "taglist"):
        schema = {"type": "array", "uniqueItems": True, "items": {"enum": [o.value for o in field.options]}}
        if field.required:
            schema["minItems"] = 1
        return schema
    if kind in ("radio", "select"):
        return {"enum": [o.value for o in field.options]}
    if kind in ("number", "money"):
        schema = {"type": "integer" if field.integer else "number"}
        for name, attribute in (("minimum", "minimum"), ("maximum", "maximum"),
                                ("exclusiveMinimum", "exclusive_minimum"), ("exclusiveMaximum", "exclusive_maximum")):
            if getattr(field, attribute) is not None:
                schema[name] = getattr(field, attribute)
        return schema
    schema: dict = {"type": "string"}
    pattern = {"date": DATE_PATTERN, "time": TIME_PATTERN, "datetime": DATETIME_PATTERN,
               "duration": "^P[0-9]+[" + "".join(field.duration_units) + "]$"}.get(kind, field.pattern)
    if field.validation_type == "email":
        pattern = EMAIL_PATTERN
    elif field.validation_type == "phone":
        pattern = PHONE_PATTERN
    if pattern:
        schema["pattern"] = pattern
    if field.pattern and pattern != field.pattern:
        schema["allOf"] = [{"pattern": field.pattern}]
    min_length = field.min_length if field.min_length is not None else (1 if field.required else None)
    if min_length is not None:
        schema["minLength"] = min_length
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    return schema


def _place(schema: dict, key: str | None, sub: dict, required: bool) -> None:
    """Put ``sub`` at a dotted ``key`` of an object schema, creating nested objects on the way."""
    if not key:
        return
    *parents, last = key.split(".")
    for part in parents:
        nested = schema["properties"].setdefault(part, {"type": "object", "properties": {}})
        if required and part not in schema.get("required", []):
            schema.setdefault("required", []).append(part)
        schema = nested
    schema["properties"][last] = sub
    if required:
        schema.setdefault("required", []).append(last)


def _merge(schema: dict, other: dict, optional: bool) -> None:
    for name, sub in other["properties"].items():
        schema["properties"][name] = sub
    if not optional:
        for name in other.get("required", []):
            schema.setdefault("required", []).append(name)
