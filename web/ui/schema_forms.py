"""HTML forms from a task's JSON Schema: fields to render, submitted values to data, German messages."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict


@dataclass
class FormField:
    """One input of a task form."""

    name: str
    label: str
    widget: str  # text, textarea, number, date, checkbox, select
    required: bool
    description: str | None = None
    options: list = field(default_factory=list)
    value: object = None
    step: str | None = None
    errors: list[str] = field(default_factory=list)


def fields_of(schema: dict, data: dict | None = None) -> list[FormField]:
    """Return the form fields of the top-level properties of ``schema``, with ``data`` as values."""
    data = data or {}
    required = set(schema.get("required", []))
    result = []
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):  # task context, not an input
            continue
        kind = prop.get("type")
        if "enum" in prop:
            widget = "select"
        elif kind == "boolean":
            widget = "checkbox"
        elif kind in ("integer", "number"):
            widget = "number"
        elif prop.get("format") == "date":
            widget = "date"
        elif kind == "string" and (prop.get("maxLength") or 0) > 200:
            widget = "textarea"
        else:
            widget = "text"
        result.append(FormField(
            name=name, label=prop.get("title") or name, widget=widget, required=name in required,
            description=prop.get("description"), options=list(prop.get("enum", [])),
            value=data.get(name, prop.get("default")), step="1" if kind == "integer" else ("any" if kind == "number" else None),
        ))
    return result


def parse_submission(schema: dict, form: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """Turn submitted form values into typed data; return (data, conversion errors per field)."""
    data: dict = {}
    errors: dict[str, list[str]] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):  # task context, not an input
            continue
        kind = prop.get("type")
        raw = form.get(name, "")
        if kind == "boolean":
            data[name] = raw == "on"
            continue
        raw = raw.strip()
        if raw == "":
            continue
        if "enum" in prop:
            match = [option for option in prop["enum"] if str(option) == raw]
            if match:
                data[name] = match[0]
            else:
                errors[name] = ["Bitte einen der angebotenen Werte wählen."]
        elif kind == "integer":
            try:
                data[name] = int(raw)
            except ValueError:
                errors[name] = ["Bitte eine ganze Zahl eingeben."]
        elif kind == "number":
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                number = math.nan
            if math.isfinite(number):  # float() also reads "nan", "inf" and "1e999"
                data[name] = number
            else:
                errors[name] = ["Bitte eine Zahl eingeben."]
        elif prop.get("format") == "date":
            try:
                data[name] = date.fromisoformat(raw).isoformat()
            except ValueError:
                errors[name] = ["Bitte ein Datum im Format TT.MM.JJJJ eingeben."]
        else:
            data[name] = raw
    return data, errors


def german_errors(schema: dict, data: dict) -> dict[str, list[str]]:
    """Validate ``data`` against ``schema``; return German messages per field (empty if valid)."""
    problems: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(data):
        if error.validator == "required":
            field_name = error.message.split("'")[1]
        else:
            field_name = ".".join(str(p) for p in error.absolute_path) or "_form"
        problems.setdefault(field_name, []).append(_german(error))
    return problems


def _german(error) -> str:
    value = error.validator_value
    messages = {
        "required": "Dieses Feld ist ein Pflichtfeld.",
        "type": "Der Wert hat nicht die erwartete Art.",
        "enum": "Bitte einen der angebotenen Werte wählen.",
        "minimum": f"Der Wert muss mindestens {value} sein.",
        "maximum": f"Der Wert darf höchstens {value} sein.",
        "exclusiveMinimum": f"Der Wert muss größer als {value} sein.",
        "exclusiveMaximum": f"Der Wert muss kleiner als {value} sein.",
        "minLength": f"Bitte mindestens {value} Zeichen eingeben.",
        "maxLength": f"Bitte höchstens {value} Zeichen eingeben.",
        "pattern": "Der Wert hat nicht das verlangte Format.",
        "const": "Dieser Wert ist hier nicht zulässig.",
    }
    return messages.get(error.validator, f"Ungültiger Wert ({error.message}).")
