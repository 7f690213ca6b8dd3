"""The form model both form formats are read into: fields with a key path, a kind, rules and a visibility condition.

A form is a tree of fields. An input field binds a value at its ``key``, a
dotted path relative to its parent (a group with a key of its own opens an
object, a repeatable list opens one object per row; a list whose only child
has the key ``""`` holds plain values, e.g. a list of first names). Display
fields (text, html, table, read-only values) show case data and bind nothing
that is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from engine.forms.conditions import Condition

INPUT_KINDS = frozenset({
    "textfield", "textarea", "number", "money", "duration", "date", "time", "datetime", "checkbox", "checklist",
    "radio", "select", "taglist",
})
DISPLAY_KINDS = frozenset({"display_text", "display_html", "table", "value", "separator", "spacer"})
DURATION_UNITS = {"D": ("Tag", "Tage"), "W": ("Woche", "Wochen"), "M": ("Monat", "Monate"), "Y": ("Jahr", "Jahre")}
"""ISO 8601 duration designators a duration field may offer, with the German singular and plural."""


@dataclass(frozen=True)
class Option:
    """One choice of a checklist, radio group, select or taglist."""

    value: Any
    label: str


@dataclass(frozen=True)
class Column:
    """One column of a table: the key in each row and its heading."""

    key: str
    label: str


@dataclass
class Field:
    """One field of a form (see the module docstring for keys and kinds)."""

    kind: str
    key: str | None = None
    label: str = ""
    description: str | None = None
    required: bool = False
    options: list[Option] = field(default_factory=list)
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    min_items: int | None = None
    max_items: int | None = None
    validation_type: str | None = None  # "email" or "phone"
    decimal_digits: int | None = None
    default: Any = None
    unit: str | None = None  # money: the currency ("EUR")
    duration_units: tuple[str, ...] = ("D",)
    prefix: str | None = None
    suffix: str | None = None
    readonly: bool = False
    time_format: str | None = None  # time/datetime: None (local, no zone), "utc_offset" or "utc_normalized"
    fixed_rows: bool = False  # a list whose rows cannot be added or removed
    initial_rows: int = 1  # rows a list shows when the data has none
    children: list[Field] = field(default_factory=list)
    condition: Condition | None = None  # shown (and validated, and kept) only while it holds
    text: str | None = None  # display_text (Markdown) and display_html: a template with {{ path }} placeholders
    source: str | None = None  # table and value: the case data path shown
    columns: list[Column] = field(default_factory=list)
    component_id: str | None = None

    @property
    def is_input(self) -> bool:
        """Tell whether the field takes a submitted value."""
        return self.kind in INPUT_KINDS and not self.readonly

    @property
    def is_display(self) -> bool:
        """Tell whether the field only shows case data."""
        return self.kind in DISPLAY_KINDS or self.readonly

    @property
    def plain_list(self) -> bool:
        """Tell whether a repeatable list holds plain values (its only child has the key "")."""
        return self.kind == "list" and len(self.children) == 1 and self.children[0].key == ""


@dataclass
class Form:
    """A form: its fields, where it came from, and for JSON Schema forms the schema itself."""

    fields: list[Field]
    title: str | None = None
    form_id: str | None = None
    source: str = "json-schema"  # or "form-js"
    schema: dict | None = None
    definition: dict | None = None  # the form-js JSON as deployed

    def walk(self) -> Iterator[tuple[str, Field]]:
        """Yield (absolute key path, field) for every field; rows of lists appear as ``path.*``."""
        yield from walk_fields(self.fields, "")

    @property
    def display_fields(self) -> list[Field]:
        """Return the top-level display fields (the task's context shown above the inputs)."""
        return [f for f in self.fields if f.is_display]


def join(prefix: str, key: str | None) -> str:
    """Join a key path and a relative key (either may be empty)."""
    if not key:
        return prefix
    return f"{prefix}.{key}" if prefix else key


def walk_fields(fields: list[Field], prefix: str) -> Iterator[tuple[str, Field]]:
    """Yield (absolute key path, field) below ``prefix``; rows of lists are written ``*``."""
    for f in fields:
        path = join(prefix, f.key)
        yield path, f
        if f.kind == "group":
            yield from walk_fields(f.children, path)
        elif f.kind == "list":
            yield from walk_fields(f.children, f"{path}.*")


def get_path(data: Any, path: str) -> Any:
    """Return the value at a dotted path of ``data`` (list indices as numbers), or None."""
    value = data
    for part in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def set_path(data: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted path of ``data``, creating objects on the way."""
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value
