"""What web/templates/ui/form_fields.html draws: one widget per field, with name, id, value, errors and condition.

``build_widgets`` turns a form and a raw tree (engine values as typed, see
web.ui.forms.values) into input widgets; ``build_context`` turns the form's
display fields into read-only context filled from the case data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field as dataclass_field
from typing import Any

from markupsafe import Markup

from engine.forms.model import DURATION_UNITS, Field, Form, get_path, join
from web.ui.forms.display import format_html, markdown_html, safe_html
from web.ui.forms.values import empty_row


@dataclass
class Widget:
    """One field as the template draws it."""

    kind: str
    name: str
    id: str
    label: str
    hint: str | None = None
    required: bool = False
    value: Any = None
    options: list[tuple[str, str, bool]] = dataclass_field(default_factory=list)  # (value, label, chosen)
    errors: list[str] = dataclass_field(default_factory=list)
    children: list[Widget] = dataclass_field(default_factory=list)
    rows: list[list[Widget]] = dataclass_field(default_factory=list)
    row_label: str = "Zeile"
    condition: str | None = None  # JSON for the browser script (data-zeigen-wenn)
    condition_hint: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    units: list[tuple[str, str, bool]] = dataclass_field(default_factory=list)
    integer: bool = False
    can_add: bool = True
    can_remove: bool = True
    autofocus: bool = False
    html: Markup | None = None
    columns: list[tuple[str, str]] = dataclass_field(default_factory=list)
    table: list[list[Markup]] = dataclass_field(default_factory=list)

    @property
    def described_by(self) -> str:
        """The ids of the hint, condition hint and error message (for aria-describedby)."""
        ids = [self.id + "-hinweis"] if self.hint else []
        ids += [self.id + "-bedingung"] if self.condition_hint else []
        ids += [self.id + "-fehler"] if self.errors else []
        return " ".join(ids)

    @property
    def first_input_id(self) -> str:
        """The id the error summary links to (the first input of a group)."""
        if self.kind in ("checklist", "taglist", "radio"):
            return f"{self.id}-0"
        if self.kind in ("group", "list") and self.rows and self.rows[0]:
            return self.rows[0][0].first_input_id
        if self.kind == "group" and self.children:
            return self.children[0].first_input_id
        return self.id


def html_id(name: str) -> str:
    """Return the element id of an input name (``stellen.1.behoerde`` -> ``feld-stellen-1-behoerde``)."""
    return "feld-" + name.replace(".", "-").replace(":", "-")


class _Builder:
    def __init__(self, form: Form, errors: dict[str, list[str]], focus: str | None):
        self.errors, self.focus = errors, focus
        self.labels = {path: f.label for path, f in form.walk() if f.label}
        self.used: set[str] = set()

    def label_of(self, path: str) -> str:
        return self.labels.get(path) or path.rsplit(".", 1)[-1].replace("_", " ")

    def widgets(self, fields: list[Field], prefix: str, pattern: str, tree: Any) -> list[Widget]:
        result = []
        for f in fields:
            if f.is_display:
                continue
            name, path = join(prefix, f.key), join(pattern, f.key)
            if f.kind == "group":
                sub = get_path(tree, f.key) if f.key else tree
                widget = self.base(f, name if f.key else f"{prefix}:gruppe{len(result)}", path)
                widget.children = self.widgets(f.children, name, path, sub or {})
            elif f.kind == "list":
                widget = self.base(f, name, path)
                self.rows(f, widget, get_path(tree, f.key) or [], name, path)
            else:
                widget = self.base(f, name, path)
                self.value(f, widget, get_path(tree, f.key) if f.key else None)
            result.append(widget)
        return result

    def base(self, f: Field, name: str, path: str) -> Widget:
        widget = Widget(kind=f.kind, name=name, id=html_id(name), label=f.label or self.label_of(path),
                        hint=f.description, required=f.required, errors=self.errors.get(name, []),
                        prefix=f.prefix, suffix=f.suffix, integer=f.integer)
        self.used.add(name)
        if f.condition is not None:
            client = f.condition.client()
            row_scoped = "*" in path
            widget.condition = json.dumps(client, ensure_ascii=False) if client and not row_scoped else None
            widget.condition_hint = f"Nur auszufüllen, wenn {f.condition.describe(self.label_of)}."
        if f.kind == "money":
            widget.suffix = "€"
        widget.autofocus = self.focus in (name, f"{name}:hinzufuegen")
        return widget

    def value(self, f: Field, widget: Widget, raw: Any) -> None:
        if f.kind in ("checklist", "taglist"):
            chosen = raw or []
            widget.options = [(str(o.value), o.label, str(o.value) in chosen) for o in f.options]
        elif f.kind in ("select", "radio"):
            widget.options = [(str(o.value), o.label, str(o.value) == raw) for o in f.options]
            widget.value = raw
        elif f.kind == "duration":
            raw = raw or {}
            widget.value = raw.get("anzahl", "")
            unit = raw.get("einheit") or f.duration_units[0]
            widget.units = [(u, DURATION_UNITS[u][1], u == unit) for u in f.duration_units]
        else:
            widget.value = raw

    def rows(self, f: Field, widget: Widget, rows: list, name: str, path: str) -> None:
        if not rows:
            rows = [empty_row(f)]
        widget.row_label = f.children[0].label if f.plain_list and f.children[0].label else "Zeile"
        widget.can_add = not f.fixed_rows and (f.max_items is None or len(rows) < f.max_items)
        widget.can_remove = not f.fixed_rows
        widget.value = len(rows)
        for index, row in enumerate(rows):
            row_name = f"{name}.{index}"
            if f.plain_list:
                child = f.children[0]
                item = self.base(child, row_name, f"{path}.*")
                item.label = f"{widget.row_label} {index + 1}"
                item.required = True  # a row is there to be filled (an empty one is dropped)
                self.value(child, item, row)
                widget.rows.append([item])
            else:
                widget.rows.append(self.widgets(f.children, row_name, f"{path}.*", row))


def build_widgets(form: Form, tree: dict, errors: dict[str, list[str]] | None = None,
                  focus: str | None = None) -> tuple[list[Widget], dict[str, list[str]]]:
    """Return the input widgets of ``form`` showing ``tree``, and the errors that belong to no widget."""
    errors = errors or {}
    builder = _Builder(form, errors, focus)
    widgets = builder.widgets(form.fields, "", "", tree)
    unplaced = {path: messages for path, messages in errors.items() if path not in builder.used}
    for path, messages in list(unplaced.items()):
        owner = _nearest(widgets, path)
        if owner is not None:
            owner.errors = owner.errors + messages
            del unplaced[path]
    return widgets, unplaced


def _nearest(widgets: list[Widget], path: str) -> Widget | None:
    """Return the widget whose name is the longest prefix of ``path`` (an error inside a checkbox group...)."""
    best = None
    for widget in _all(widgets):
        if path.startswith(widget.name + ".") and (best is None or len(widget.name) > len(best.name)):
            best = widget
    return best


def _all(widgets: list[Widget]):
    for widget in widgets:
        yield widget
        yield from _all(widget.children)
        for row in widget.rows:
            yield from _all(row)


def error_summary(widgets: list[Widget]) -> list[tuple[str, str]]:
    """Return (link target id, "Label: message") for every error of the widgets, in page order."""
    return [(w.first_input_id, f"{w.label}: {message}") for w in _all(widgets) for message in w.errors]


def build_context(form: Form, data: dict) -> list[Widget]:
    """Return the form's display fields (text, html, tables, read-only values) filled from ``data``."""
    return [_context(f, data, f.key or "") for f in form.fields if f.is_display]


def _context(f: Field, data: dict, path: str) -> Widget:
    widget = Widget(kind=f.kind, name=path, id=html_id(f"kontext-{path or f.component_id or id(f)}"), label=f.label)
    if f.kind == "display_text":
        widget.html = markdown_html(f, data)
    elif f.kind == "display_html":
        widget.html = safe_html(f, data)
    elif f.kind == "table":
        rows = get_path(data, f.source or "") or []
        widget.columns = [(c.key, c.label) for c in f.columns]
        widget.table = [[format_html(row.get(c.key) if isinstance(row, dict) else None) for c in f.columns]
                        for row in rows if isinstance(row, dict)]
    elif f.kind == "group":
        widget.kind = "context_group"
        widget.children = [_context(child, get_path(data, path) or {}, child.key or "") for child in f.children]
        for child, sub in zip(widget.children, f.children):
            child.name = join(path, sub.key)
    elif f.kind not in ("separator", "spacer"):
        widget.kind = "value"
        widget.html = format_html(get_path(data, path), f.kind, f.unit)
    return widget
