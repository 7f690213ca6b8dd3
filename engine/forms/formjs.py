"""Reading a Camunda Form (form-js JSON, as Camunda Modeler and the bpmn.io form editor write it).

A form is ``{"type": "default", "id", "schemaVersion" (>= 4), "components": [...]}``.
Supported components: textfield, textarea, number, checkbox, checklist, radio,
select, taglist, datetime, group, dynamiclist, text, html, table, separator,
spacer (and button, which is ignored: the page has its own "Erledigen").
Supported properties: label, description, key (dotted path), path (groups and
dynamic lists), validate (required, min, max, minLength, maxLength, pattern,
patternErrorMessage, validationType email/phone), readonly and disabled (true:
the value is shown, not entered), defaultValue, values, decimalDigits,
increment, appearance prefix/suffix adorners (a number adorned with € or EUR
is a money amount), datetime subtype/dateLabel/timeLabel/timeSerializingFormat,
dynamiclist allowAddRemove/defaultRepetitions, a description on groups and
dynamic lists (shown as their hint), text and html templates with ``{{ path }}``
placeholders, table dataSource (``=path``) with columns, ``conditional.hide``
in the FEEL subset of engine.forms.feel, and the ``x-`` custom properties of
engine.forms.formjs_properties (durations, optional groups, lists of plain
values, row counts). A group of read-only fields only is context, shown
read-only above the inputs. Times are entered in German local time (Europe/Berlin) and
stored as timeSerializingFormat says. Layout and presentation properties
(layout, showOutline, searchable, use24h, timeInterval, increment, rowCount,
verticalAlignment, disableCollapse, nonCollapsedItems) are accepted and have no
effect.
Everything else is refused, each problem with a JSON pointer and the
component's type and key, so a form never runs with a part ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.forms.conditions import Not
from engine.forms.feel import FeelError, parse_condition
from engine.forms.formjs_properties import apply_properties
from engine.forms.model import Column, Field, Form, Option

MIN_SCHEMA_VERSION = 4
_KEY = re.compile(r"^\w+(\.\w+)*$")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_TOP_LEVEL = {"type", "id", "schemaVersion", "components", "executionPlatform", "executionPlatformVersion",
              "exporter", "versionTag", "$schema"}
_LAYOUT = {"id", "type", "layout", "properties"}  # accepted everywhere, without effect
_INPUT = {"key", "label", "description", "validate", "readonly", "disabled", "defaultValue", "conditional"}
_CHOICE = _INPUT | {"values", "searchable"}
ALLOWED = {
    "textfield": _INPUT | {"appearance"},
    "textarea": _INPUT,
    "number": _INPUT | {"appearance", "decimalDigits", "increment", "serializeToString"},
    "checkbox": _INPUT,
    "checklist": _CHOICE,
    "radio": _CHOICE,
    "select": _CHOICE,
    "taglist": _CHOICE,
    "datetime": _INPUT | {"subtype", "dateLabel", "timeLabel", "use24h", "timeSerializingFormat", "timeInterval",
                          "disallowPassedDates"},
    "group": {"label", "description", "path", "components", "showOutline", "verticalAlignment", "conditional"},
    "dynamiclist": {"label", "description", "path", "components", "showOutline", "isRepeating", "allowAddRemove",
                    "defaultRepetitions", "disableCollapse", "nonCollapsedItems", "verticalAlignment", "conditional"},
    "text": {"text", "conditional"},
    "html": {"content", "conditional", "label"},
    "table": {"label", "dataSource", "columns", "rowCount", "conditional"},
    "separator": {"conditional"},
    "spacer": {"height", "conditional"},
    "button": {"label", "action", "key", "conditional"},
}
_KINDS = {"textfield": "textfield", "textarea": "textarea", "checkbox": "checkbox", "checklist": "checklist",
          "radio": "radio", "select": "select", "taglist": "taglist", "group": "group", "dynamiclist": "list",
          "text": "display_text", "html": "display_html", "table": "table", "separator": "separator",
          "spacer": "spacer"}
_MONEY_ADORNERS = {"€", "EUR"}


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with a form file: where (JSON pointer), in English and in German."""

    pointer: str
    message: str
    german: str


class FormDefinitionError(ValueError):
    """Raised when a form-js form cannot be used; lists every problem."""

    def __init__(self, problems: list[FormProblem]):
        super().__init__("; ".join(f"{p.pointer}: {p.message}" for p in problems))
        self.problems = problems


def read_form_js(definition: Any) -> Form:
    """Return the form model of a form-js form.

    Raises:
        FormDefinitionError: listing every unsupported or invalid part.
    """
    reader = _Reader()
    form = reader.read(definition)
    if reader.problems:
        raise FormDefinitionError(reader.problems)
    return form


class _Reader:
    def __init__(self):
        self.problems: list[FormProblem] = []
        self.keys: dict[str, str] = {}

    def problem(self, pointer: str, message: str, german: str) -> None:
        self.problems.append(FormProblem(pointer or "/", message, german))

    def read(self, definition: Any) -> Form:
        if not isinstance(definition, dict):
            self.problem("", "a form must be a JSON object", "Ein Formular muss ein JSON-Objekt sein.")
            return Form(fields=[], source="form-js")
        if definition.get("type") != "default":
            self.problem("/type", "'type' must be \"default\"", "„type“ muss „default“ sein.")
        version = definition.get("schemaVersion")
        if not isinstance(version, int) or isinstance(version, bool) or version < MIN_SCHEMA_VERSION:
            self.problem("/schemaVersion", f"'schemaVersion' must be an integer of at least {MIN_SCHEMA_VERSION}",
                         f"„schemaVersion“ muss eine ganze Zahl ab {MIN_SCHEMA_VERSION} sein.")
        if not isinstance(definition.get("id"), str) or not definition.get("id"):
            self.problem("/id", "the form needs an 'id' (the BPMN model links forms by it)",
                         "Das Formular braucht eine „id“ (das BPMN-Modell verweist darüber auf es).")
        for name in sorted(set(definition) - _TOP_LEVEL):
            self.problem(f"/{name}", f"unsupported property '{name}'", f"Die Eigenschaft „{name}“ wird nicht unterstützt.")
        components = definition.get("components")
        if not isinstance(components, list):
            self.problem("/components", "'components' must be a list", "„components“ muss eine Liste sein.")
            components = []
        fields = self.components(components, "/components", "")
        return Form(fields=fields, form_id=definition.get("id") if isinstance(definition.get("id"), str) else None,
                    source="form-js", definition=definition)

    def components(self, components: list, pointer: str, prefix: str) -> list[Field]:
        fields = []
        for index, component in enumerate(components):
            field = self.component(component, f"{pointer}/{index}", prefix)
            if field is not None:
                fields.append(field)
        return fields

    def component(self, component: Any, pointer: str, prefix: str) -> Field | None:
        if not isinstance(component, dict):
            self.problem(pointer, "a component must be a JSON object", "Ein Formularelement muss ein JSON-Objekt sein.")
            return None
        kind = component.get("type")
        key = component.get("key")
        what = f"component '{kind}'" + (f" (key '{key}')" if isinstance(key, str) else "")
        was = f"Formularelement „{kind}“" + (f" (Schlüssel „{key}“)" if isinstance(key, str) else "")
        if kind not in ALLOWED:
            self.problem(f"{pointer}/type", f"{what} is not supported", f"{was} wird nicht unterstützt.")
            return None
        for name in sorted(set(component) - ALLOWED[kind] - _LAYOUT):
            self.problem(f"{pointer}/{name}", f"property '{name}' of {what} is not supported",
                         f"Die Eigenschaft „{name}“ von {was} wird nicht unterstützt.")
        for name, value in component.items():
            if isinstance(value, str) and value.startswith("=") and name not in ("dataSource",):
                self.problem(f"{pointer}/{name}", f"property '{name}' of {what} is an expression; only "
                             "conditional.hide may be one",
                             f"Die Eigenschaft „{name}“ von {was} ist ein Ausdruck; nur „conditional.hide“ darf einer sein.")
        if kind == "button":
            return None
        field = Field(kind=_KINDS.get(kind, kind), component_id=component.get("id"),
                      label=_text(component.get("label") or component.get("dateLabel") or component.get("timeLabel")),
                      description=_text(component.get("description")) or None)
        field.condition = self.condition(component, pointer, what, was)
        if kind in ("group", "dynamiclist"):
            field = self.container(component, field, pointer, prefix, what, was)
        elif kind in ("text", "html", "table", "separator", "spacer"):
            field = self.display(component, field, pointer, what, was)
        else:
            field = self.input(component, field, pointer, prefix, what, was)
        apply_properties(component, field, pointer, what, was, self.problem)
        return field

    def condition(self, component: dict, pointer: str, what: str, was: str):
        conditional = component.get("conditional")
        if conditional is None:
            return None
        if not isinstance(conditional, dict) or set(conditional) - {"hide"}:
            self.problem(f"{pointer}/conditional", f"conditional of {what} supports 'hide' only",
                         f"„conditional“ von {was} unterstützt nur „hide“.")
            return None
        hide = conditional.get("hide")
        if hide is None or hide is False or hide == "":
            return None
        if hide is True:
            hide = "=true"
        if not isinstance(hide, str):
            self.problem(f"{pointer}/conditional/hide", f"conditional.hide of {what} must be a FEEL expression",
                         f"„conditional.hide“ von {was} muss ein FEEL-Ausdruck sein.")
            return None
        try:
            return Not(parse_condition(hide))
        except FeelError as exc:
            self.problem(f"{pointer}/conditional/hide", f"{what}: {exc}",
                         f"{was}: Der FEEL-Ausdruck „{hide}“ wird nicht unterstützt (erlaubt sind Vergleiche, and, or, "
                         "not(…), in […], list contains(…), Werte und Variablen).")
            return None

    def container(self, component, field, pointer, prefix, what, was) -> Field:
        path = component.get("path")
        if component["type"] == "dynamiclist" and not path:
            self.problem(f"{pointer}/path", f"{what} needs a 'path' (the list variable)",
                         f"{was} braucht einen „path“ (die Variable der Liste).")
        if path is not None and (not isinstance(path, str) or (path and not _KEY.match(path))):
            self.problem(f"{pointer}/path", f"path of {what} must be a dotted name", f"„path“ von {was} muss ein Name sein.")
            path = None
        field.key = path or None
        field.required = component["type"] == "group"  # a group is layout: never marked "optional"
        full = ".".join(p for p in (prefix, path) if p)
        if component["type"] == "dynamiclist":
            self.claim(full, pointer, what, was)
            full = f"{full}.*"
            field.fixed_rows = component.get("allowAddRemove") is False
            repetitions = component.get("defaultRepetitions")
            if isinstance(repetitions, int) and not isinstance(repetitions, bool) and 0 <= repetitions <= 100:
                field.initial_rows = repetitions
        children = component.get("components")
        if not isinstance(children, list):
            self.problem(f"{pointer}/components", f"{what} needs a list 'components'",
                         f"{was} braucht eine Liste „components“.")
            children = []
        field.children = self.components(children, f"{pointer}/components", full)
        if component["type"] == "group" and field.children and all(child.is_display for child in field.children):
            field.readonly = True  # only read-only values: shown as context, like a read-only JSON Schema object
        return field

    def display(self, component, field, pointer, what, was) -> Field:
        kind = component["type"]
        if kind in ("text", "html"):
            template = component.get("text" if kind == "text" else "content")
            if not isinstance(template, str):
                template = ""
            for placeholder in _PLACEHOLDER.findall(template):
                if not _KEY.match(placeholder.strip()):
                    self.problem(f"{pointer}/{'text' if kind == 'text' else 'content'}",
                                 f"{what}: template '{{{{{placeholder}}}}}' is not supported (only {{{{ path }}}})",
                                 f"{was}: Der Platzhalter „{{{{{placeholder}}}}}“ wird nicht unterstützt "
                                 "(nur {{ Variable }}).")
            field.text = template
        if kind == "table":
            source = component.get("dataSource")
            if not isinstance(source, str) or not _KEY.match(source.removeprefix("=").strip()):
                self.problem(f"{pointer}/dataSource", f"{what} needs a dataSource '=variable'",
                             f"{was} braucht eine Datenquelle „=Variable“.")
            else:
                field.source = source.removeprefix("=").strip()
            columns = component.get("columns")
            if not isinstance(columns, list) or not columns or not all(
                    isinstance(c, dict) and isinstance(c.get("key"), str) for c in columns):
                self.problem(f"{pointer}/columns", f"{what} needs columns with 'key' and 'label'",
                             f"{was} braucht Spalten mit „key“ und „label“.")
            else:
                field.columns = [Column(c["key"], _text(c.get("label")) or c["key"]) for c in columns]
        return field

    def input(self, component, field, pointer, prefix, what, was) -> Field:
        kind = component["type"]
        key = component.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            self.problem(f"{pointer}/key", f"{what} needs a 'key' made of names joined by dots",
                         f"{was} braucht einen „key“ aus Namen, durch Punkte getrennt.")
            key = None
        field.key = key
        if key:
            self.claim(".".join(p for p in (prefix, key) if p), pointer, what, was)
        field.readonly = component.get("readonly") is True or component.get("disabled") is True
        field.default = component.get("defaultValue")
        if kind in ("checklist", "radio", "select", "taglist"):
            field.options = self.options(component, pointer, what, was)
        if kind == "number":
            self.number(component, field, pointer, what, was)
        if kind == "datetime":
            self.datetime(component, field, pointer, what, was)
        if kind == "textfield":
            appearance = component.get("appearance") or {}
            field.prefix, field.suffix = appearance.get("prefixAdorner"), appearance.get("suffixAdorner")
        self.validate(component, field, pointer, what, was)
        return field

    def claim(self, path: str, pointer: str, what: str, was: str) -> None:
        if path in self.keys:
            self.problem(pointer, f"{what}: the key '{path}' is used twice (also at {self.keys[path]})",
                         f"{was}: Der Schlüssel „{path}“ ist doppelt vergeben (auch bei {self.keys[path]}).")
        self.keys.setdefault(path, pointer)

    def options(self, component, pointer, what, was) -> list[Option]:
        values = component.get("values")
        if not isinstance(values, list) or not values or not all(
                isinstance(v, dict) and isinstance(v.get("value"), (str, int, float)) for v in values):
            self.problem(f"{pointer}/values", f"{what} needs static 'values' with 'label' and 'value'",
                         f"{was} braucht feste Auswahlwerte („values“ mit „label“ und „value“).")
            return []
        return [Option(v["value"], _text(v.get("label")) or str(v["value"])) for v in values]

    def number(self, component, field, pointer, what, was) -> None:
        appearance = component.get("appearance") or {}
        field.prefix, field.suffix = appearance.get("prefixAdorner"), appearance.get("suffixAdorner")
        if component.get("serializeToString"):
            self.problem(f"{pointer}/serializeToString", f"{what}: serializeToString is not supported",
                         f"{was}: „serializeToString“ wird nicht unterstützt.")
        digits = component.get("decimalDigits")
        if digits is not None and (not isinstance(digits, int) or isinstance(digits, bool) or digits < 0):
            self.problem(f"{pointer}/decimalDigits", f"{what}: decimalDigits must be a whole number",
                         f"{was}: „decimalDigits“ muss eine ganze Zahl sein.")
            digits = None
        if {field.prefix, field.suffix} & _MONEY_ADORNERS:
            field.kind, field.unit = "money", "EUR"
            field.prefix = field.suffix = None
            field.decimal_digits = 2 if digits is None else min(digits, 2)
        else:
            field.kind = "number"
            field.decimal_digits = digits
            field.integer = digits == 0

    def datetime(self, component, field, pointer, what, was) -> None:
        subtype = component.get("subtype", "date")
        if subtype not in ("date", "time", "datetime"):
            self.problem(f"{pointer}/subtype", f"{what}: subtype must be date, time or datetime",
                         f"{was}: „subtype“ muss date, time oder datetime sein.")
            subtype = "date"
        field.kind = subtype
        time_format = component.get("timeSerializingFormat")
        if time_format not in (None, "no_timezone", "utc_offset", "utc_normalized"):
            self.problem(f"{pointer}/timeSerializingFormat", f"{what}: timeSerializingFormat must be utc_offset, "
                         "utc_normalized or no_timezone",
                         f"{was}: „timeSerializingFormat“ muss utc_offset, utc_normalized oder no_timezone sein.")
        elif subtype != "date" and time_format != "no_timezone":
            field.time_format = time_format
        if component.get("disallowPassedDates"):
            self.problem(f"{pointer}/disallowPassedDates", f"{what}: disallowPassedDates is not supported",
                         f"{was}: „disallowPassedDates“ wird nicht unterstützt.")
        if subtype == "datetime" and not field.label:
            field.label = _text(component.get("dateLabel"))

    def validate(self, component, field, pointer, what, was) -> None:
        rules = component.get("validate") or {}
        if not isinstance(rules, dict):
            self.problem(f"{pointer}/validate", f"validate of {what} must be an object",
                         f"„validate“ von {was} muss ein Objekt sein.")
            return
        known = {"required", "min", "max", "minLength", "maxLength", "pattern", "patternErrorMessage",
                 "validationType"}
        for name in sorted(set(rules) - known):
            self.problem(f"{pointer}/validate/{name}", f"validate.{name} of {what} is not supported",
                         f"„validate.{name}“ von {was} wird nicht unterstützt.")
        field.required = rules.get("required") is True
        for name, attribute, kinds in (("min", "minimum", ("number", "money")), ("max", "maximum", ("number", "money")),
                                       ("minLength", "min_length", ("textfield", "textarea")),
                                       ("maxLength", "max_length", ("textfield", "textarea"))):
            value = rules.get(name)
            if value is None or value == "":
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or field.kind not in kinds:
                self.problem(f"{pointer}/validate/{name}", f"validate.{name} of {what} must be a number "
                             f"(and only on {' or '.join(kinds)} fields)",
                             f"„validate.{name}“ von {was} muss eine Zahl sein (und passt nur zu {', '.join(kinds)}).")
                continue
            setattr(field, attribute, value)
        pattern = rules.get("pattern")
        if pattern:
            try:
                re.compile(pattern)
                field.pattern = pattern
            except (re.error, TypeError):
                self.problem(f"{pointer}/validate/pattern", f"validate.pattern of {what} is not a regular expression",
                             f"„validate.pattern“ von {was} ist kein gültiger regulärer Ausdruck.")
        field.pattern_message = _text(rules.get("patternErrorMessage")) or None
        validation_type = rules.get("validationType")
        if validation_type in ("email", "phone"):
            field.validation_type = validation_type
        elif validation_type not in (None, "", "custom"):
            self.problem(f"{pointer}/validate/validationType", f"validationType of {what} must be email or phone",
                         f"„validationType“ von {was} muss email oder phone sein.")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
