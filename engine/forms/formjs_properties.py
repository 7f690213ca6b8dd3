"""Custom properties of form-js components that Aktenfluss reads (``x-…``), for what form-js cannot say itself.

form-js lets a modeller attach custom properties to any component (Camunda
Modeler and the form editor: "Custom properties"; in the JSON
``"properties": {"name": "value"}`` with text values). Properties whose name
starts with ``x-`` are ours, like the ``x-`` keywords of JSON Schema forms;
all others belong to the modeller and are kept without effect.

- ``x-duration-units`` on a textfield: the value is an ISO 8601 duration
  (``P30D``), entered as a number with a unit; the units offered, e.g. ``D``
  or ``D,W,M`` (D days, W weeks, M months, Y years; the first is the default).
- ``x-optional: true`` on a group with a path: the group may be left empty as a
  whole (it is then not in the data); once something in it is filled in, its
  required fields are required (e.g. a child's father).
- ``x-plain: true`` on a dynamic list with exactly one input: the list holds
  that input's plain values (``["Lena", "Marie"]``) instead of one object per row.
- ``x-min-items`` / ``x-max-items`` on a dynamic list: how many rows must be /
  may be filled in (a list with ``x-min-items`` of 1 or more is required).

An unknown ``x-`` property, or a known one on another component or with a
value it cannot have, is refused like any other unsupported part.
"""

from __future__ import annotations

from typing import Any, Callable

from engine.forms.model import DURATION_UNITS, Field

Report = Callable[[str, str, str], None]
"""Records a problem: (JSON pointer, English message, German message)."""

ON = {
    "x-duration-units": ("textfield",),
    "x-optional": ("group",),
    "x-plain": ("dynamiclist",),
    "x-min-items": ("dynamiclist",),
    "x-max-items": ("dynamiclist",),
}
_TRUE = ("true", True)


def apply_properties(component: dict, field: Field, pointer: str, what: str, was: str, report: Report) -> None:
    """Apply the ``x-`` custom properties of a component to its field; report every problem."""
    properties = component.get("properties")
    if properties is None:
        return
    if not isinstance(properties, dict):
        report(f"{pointer}/properties", f"properties of {what} must be an object",
               f"„properties“ von {was} muss ein Objekt sein.")
        return
    kind = component.get("type")
    for name, value in properties.items():
        if not isinstance(name, str) or not name.startswith("x-"):
            continue
        where = f"{pointer}/properties/{name}"
        if name not in ON:
            report(where, f"custom property '{name}' of {what} is not supported (known: {', '.join(sorted(ON))})",
                   f"Die Eigenschaft „{name}“ von {was} wird nicht unterstützt (bekannt: {', '.join(sorted(ON))}).")
        elif kind not in ON[name]:
            report(where, f"custom property '{name}' belongs on a {' or '.join(ON[name])}, not on {what}",
                   f"Die Eigenschaft „{name}“ gehört zu „{' oder '.join(ON[name])}“, nicht zu {was}.")
        elif not _APPLY[name](field, value, component):
            report(where, f"custom property '{name}' of {what} has a value it cannot have: {value!r}",
                   f"Die Eigenschaft „{name}“ von {was} hat einen ungültigen Wert: {value!r}.")


def _duration(field: Field, value: Any, component: dict) -> bool:
    units = tuple(part.strip().upper() for part in value.split(",")) if isinstance(value, str) else ()
    if not units or any(unit not in DURATION_UNITS for unit in units) or len(set(units)) != len(units):
        return False
    field.kind, field.duration_units = "duration", units
    return True


def _optional(field: Field, value: Any, component: dict) -> bool:
    if value not in _TRUE and value not in ("false", False):
        return False
    if value in _TRUE:
        if not field.key:
            return False  # a group without a path binds no object that could be left out
        field.required = False
    return True


def _plain(field: Field, value: Any, component: dict) -> bool:
    if value not in _TRUE and value not in ("false", False):
        return False
    if value in _TRUE:
        inputs = [child for child in field.children if child.is_input]
        if len(field.children) != 1 or len(inputs) != 1 or inputs[0].kind in ("group", "list"):
            return False
        inputs[0].key = ""  # the row is the value itself (engine.forms.model: plain lists)
    return True


def _count(attribute: str) -> Callable[[Field, Any, dict], bool]:
    def apply(field: Field, value: Any, component: dict) -> bool:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not text.isdigit() or int(text) > 1000:
            return False
        setattr(field, attribute, int(text))
        if attribute == "min_items" and int(text) > 0:
            field.required = True
        return True

    return apply


_APPLY = {"x-duration-units": _duration, "x-optional": _optional, "x-plain": _plain,
          "x-min-items": _count("min_items"), "x-max-items": _count("max_items")}
