"""Reading a JSON Schema (draft 2020-12) form into the form model.

What a property becomes:

- ``enum`` (or ``oneOf`` of ``const`` values with a ``title`` each, for labelled
  choices) -> select (``"x-widget": "radio"`` -> radio buttons); ``boolean`` -> checkbox; ``integer``/``number`` -> number,
  with ``"x-unit": "EUR"`` -> money (entered and shown as "250.000,00 €");
- ``string`` with ``format`` ``date`` / ``time`` (HH:MM) / ``date-time`` /
  ``duration`` (ISO 8601 such as ``P30D``, entered as a number with a unit; the
  units offered are ``"x-duration-units"``, default ``["D"]``); a string longer
  than 200 characters (``maxLength``) -> textarea, else a text field;
- ``array`` of an ``enum`` -> checkbox group; of strings/numbers -> repeatable
  rows of one value; of objects -> repeatable rows of fields;
- ``object`` with ``properties`` -> a fieldset of its fields;
- ``readOnly: true`` -> context shown from the case data, not entered (an array
  of objects as a table);
- ``if``/``then``/``else``: a field named only in ``then`` (required or
  properties) and not required outside it applies only while ``if`` holds, one
  named only in ``else`` only while it does not.
"""

from __future__ import annotations

from engine.forms.conditions import Compare, Condition, In, Literal, Path, SchemaTest
from engine.forms.model import Column, Field, Form, Option, join

TEXTAREA_FROM = 200


def read_json_schema(schema: dict) -> Form:
    """Return the form model of a JSON Schema form (the schema must already be checked)."""
    return Form(fields=_object_fields(schema, ""), title=schema.get("title"), schema=schema, source="json-schema")


def _object_fields(schema: dict, prefix: str) -> list[Field]:
    required = set(schema.get("required", []))
    conditions = _branch_conditions(schema, prefix, required)
    branch_required = {name for branch in ("then", "else") if isinstance(schema.get(branch), dict)
                       for name in schema[branch].get("required", []) if name in conditions}
    result = []
    for name, prop in (schema.get("properties") or {}).items():
        # A field required in the only branch it applies in is required whenever it is shown.
        field = _field(name, prop, join(prefix, name), name in required or name in branch_required)
        field.condition = conditions.get(name)
        result.append(field)
    return result


def _field(key: str, prop: dict, path: str, required: bool) -> Field:
    kind = prop.get("type")
    common = {"key": key, "label": prop.get("title") or key.replace("_", " "), "description": prop.get("description"),
              "required": required, "default": prop.get("default"), "readonly": bool(prop.get("readOnly"))}
    if kind == "object" or "properties" in prop:
        children = _object_fields(prop, path)
        if common["readonly"]:
            _read_only(children)
        return Field(kind="group", children=children, **common)
    if kind == "array":
        return _array_field(prop, path, common)
    options = _options(prop)
    if options is not None:
        return Field(kind="radio" if prop.get("x-widget") == "radio" else "select", options=options, **common)
    if kind == "boolean":
        return Field(kind="checkbox", **common)
    if kind in ("integer", "number"):
        money = prop.get("x-unit")
        return Field(kind="money" if money else "number", integer=kind == "integer", unit=money,
                     decimal_digits=2 if money else None, minimum=prop.get("minimum"), maximum=prop.get("maximum"),
                     exclusive_minimum=prop.get("exclusiveMinimum"), exclusive_maximum=prop.get("exclusiveMaximum"),
                     **common)
    fmt = prop.get("format")
    text_rules = {"min_length": prop.get("minLength"), "max_length": prop.get("maxLength"),
                  "pattern": prop.get("pattern")}
    if fmt in ("date", "time", "date-time"):
        return Field(kind={"date-time": "datetime"}.get(fmt, fmt), **text_rules, **common)
    if fmt == "duration":
        return Field(kind="duration", duration_units=tuple(prop.get("x-duration-units") or ("D",)), **text_rules,
                     **common)
    if fmt == "email":
        return Field(kind="textfield", validation_type="email", **text_rules, **common)
    textarea = (prop.get("maxLength") or 0) > TEXTAREA_FROM or prop.get("x-widget") == "textarea"
    return Field(kind="textarea" if textarea else "textfield", **text_rules, **common)


def _options(prop: dict) -> list[Option] | None:
    """Return the choices of an ``enum``, or of a ``oneOf`` of ``const`` values with a ``title`` each."""
    if "enum" in prop:
        return [Option(value, str(value)) for value in prop["enum"]]
    choices = prop.get("oneOf")
    if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
        return [Option(c["const"], c.get("title") or str(c["const"])) for c in choices]
    return None


def _read_only(fields: list[Field]) -> None:
    for field in fields:
        field.readonly = True
        _read_only(field.children)


def _array_field(prop: dict, path: str, common: dict) -> Field:
    items = prop.get("items") or {}
    counts = {"min_items": prop.get("minItems"), "max_items": prop.get("maxItems")}
    options = _options(items)
    if options is not None:
        return Field(kind="checklist", options=options, **counts, **common)
    if items.get("type") == "object" or "properties" in items:
        if common["readonly"]:
            columns = [Column(name, sub.get("title") or name) for name, sub in (items.get("properties") or {}).items()]
            return Field(kind="table", columns=columns, source=path, **{**common, "readonly": True})
        return Field(kind="list", children=_object_fields(items, f"{path}.*"), **counts, **common)
    row = _field("", items, f"{path}.*", True)
    row.label = items.get("title") or common["label"]
    return Field(kind="list", children=[row], **counts, **common)


def _branch_conditions(schema: dict, prefix: str, required: set[str]) -> dict[str, Condition]:
    """Return the condition of each property that only one branch of ``if``/``then``/``else`` names."""
    test = schema.get("if")
    if not isinstance(test, dict):
        return {}
    condition = SchemaTest(test, prefix, _simple(test, prefix))
    then_names, else_names = _named(schema.get("then")), _named(schema.get("else"))
    conditions: dict[str, Condition] = {}
    for name in then_names - else_names - required:
        conditions[name] = condition
    for name in else_names - then_names - required:
        conditions[name] = condition.negate()
    return conditions


def _named(branch) -> set[str]:
    if not isinstance(branch, dict):
        return set()
    return set(branch.get("required", [])) | set((branch.get("properties") or {}).keys())


def _simple(test: dict, prefix: str) -> Condition | None:
    """Return ``if`` as a comparison when it tests one property with ``const`` or ``enum``."""
    properties = test.get("properties") or {}
    if len(properties) != 1 or set(test) - {"properties", "required"}:
        return None
    [(name, rule)] = properties.items()
    path = join(prefix.replace(".*", ""), name) if ".*" not in prefix else None
    if path is None or not isinstance(rule, dict):
        return None
    if set(rule) == {"const"}:
        return Compare(Path(path), "=", Literal(rule["const"]))
    if set(rule) == {"enum"}:
        return In(path, tuple(rule["enum"]))
    return None
