"""Forms deployed with a model: ``.form`` files and embedded forms, linked from user tasks and start events.

The links Camunda Modeler writes are understood:

- Camunda 8: ``<zeebe:formDefinition formId="…"/>`` in the element's
  extensionElements names a deployed form by its ``id``; ``formKey=
  "camunda-forms:bpmn:X"`` names a form embedded in the model as
  ``<zeebe:userTaskForm id="X">{json}</zeebe:userTaskForm>``.
- Camunda 7: ``camunda:formRef="…"`` (with ``camunda:formRefBinding`` latest or
  deployment: both resolve within the deployment) names a form by its ``id``;
  ``camunda:formKey="camunda-forms:deployment:x.form"`` names a form file.

Every problem (invalid JSON, an unsupported component, an unknown reference)
is reported with the file, the element id or JSON pointer, in English and German.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from engine.forms.formjs import FormDefinitionError, read_form_js
from engine.forms.model import Form

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FORM_SUFFIX = "form"
_LINKED = ("userTask", "startEvent")


@dataclass(frozen=True)
class LinkProblem:
    """A problem with a deployed form or its link."""

    message: str
    german: str
    file: str | None
    element_id: str | None = None
    line: int | None = None
    pointer: str | None = None


def read_form_file(name: str, data: bytes, problems: list[LinkProblem]) -> Form | None:
    """Parse one ``.form`` file; its problems are appended to ``problems``."""
    return _read(data, name, None, None, problems)


def _read(data: bytes | str, file: str, element_id: str | None, line: int | None,
          problems: list[LinkProblem]) -> Form | None:
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        definition = json.loads(text)
    except UnicodeDecodeError:
        problems.append(LinkProblem("the form is not UTF-8 text", "Das Formular ist kein UTF-8-Text.", file,
                                    element_id, line))
        return None
    except json.JSONDecodeError as exc:
        problems.append(LinkProblem(f"the form is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                    f"Das Formular ist kein gültiges JSON: {exc.msg} (Zeile {exc.lineno}, "
                                    f"Spalte {exc.colno}).", file, element_id, (line or 1) + exc.lineno - 1))
        return None
    try:
        return read_form_js(definition)
    except FormDefinitionError as exc:
        problems.extend(LinkProblem(p.message, p.german, file, element_id, line, p.pointer) for p in exc.problems)
        return None


def link_forms(bpmn_roots: Mapping[str, etree._Element], form_files: Mapping[str, bytes]
               ) -> tuple[dict[str, Form], list[LinkProblem]]:
    """Return the form of every linked user task and start event (by element id), and every problem found."""
    problems: list[LinkProblem] = []
    by_file: dict[str, Form] = {}
    by_id: dict[str, tuple[str, Form]] = {}
    for name in sorted(form_files):
        form = read_form_file(name, form_files[name], problems)
        if form is None:
            continue
        by_file[name] = form
        if form.form_id in by_id:
            problems.append(LinkProblem(f"form id '{form.form_id}' is also used by {by_id[form.form_id][0]}",
                                        f"Die Formular-ID „{form.form_id}“ hat auch {by_id[form.form_id][0]}.",
                                        name, None, None, "/id"))
        by_id.setdefault(form.form_id, (name, form))
    embedded = _embedded_forms(bpmn_roots, problems)
    linked: dict[str, Form] = {}
    for file, root in bpmn_roots.items():
        for element in root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in _LINKED)):
            form = _resolve(element, file, by_file, by_id, embedded, problems)
            if form is not None:
                linked[element.get("id")] = form
    return linked, problems


def _embedded_forms(roots: Mapping[str, etree._Element], problems: list[LinkProblem]) -> dict[str, Form]:
    found = {}
    for file, root in roots.items():
        for element in root.iter(f"{{{ZEEBE_NS}}}userTaskForm"):
            form_key = element.get("id")
            form = _read(element.text or "", file, form_key, element.sourceline, problems)
            if form is not None and form_key:
                found[form_key] = form
    return found


def _resolve(element, file, by_file, by_id, embedded, problems) -> Form | None:
    element_id = element.get("id")
    where = {"file": file, "element_id": element_id, "line": element.sourceline}
    definition = element.find(f"{{{BPMN_NS}}}extensionElements/{{{ZEEBE_NS}}}formDefinition")
    if definition is not None:
        if definition.get("formId"):
            return _by_id(definition.get("formId"), by_id, problems, where)
        key = definition.get("formKey") or ""
        if key.startswith("camunda-forms:bpmn:"):
            name = key.removeprefix("camunda-forms:bpmn:")
            if name in embedded:
                return embedded[name]
            problems.append(LinkProblem(f"formKey '{key}' names no zeebe:userTaskForm '{name}' in the model",
                                        f"formKey „{key}“: Im Modell gibt es kein eingebettetes Formular „{name}“.",
                                        **where))
            return None
        what = f"formKey '{key}'" if key else "an external form reference"
        problems.append(LinkProblem(f"{what} is not supported; link a deployed form with formId",
                                    f"{'formKey „' + key + '“' if key else 'Ein externer Formularverweis'} wird nicht "
                                    "unterstützt; verweisen Sie mit formId auf ein mitgeliefertes Formular.", **where))
        return None
    form_ref = element.get(f"{{{CAMUNDA_NS}}}formRef")
    if form_ref:
        binding = element.get(f"{{{CAMUNDA_NS}}}formRefBinding", "latest")
        if binding not in ("latest", "deployment"):
            problems.append(LinkProblem(f"camunda:formRefBinding '{binding}' is not supported (latest or deployment)",
                                        f"camunda:formRefBinding „{binding}“ wird nicht unterstützt (latest oder "
                                        "deployment).", **where))
            return None
        return _by_id(form_ref, by_id, problems, where)
    form_key = element.get(f"{{{CAMUNDA_NS}}}formKey")
    if form_key:
        if form_key.startswith("camunda-forms:deployment:"):
            name = form_key.removeprefix("camunda-forms:deployment:")
            if name in by_file:
                return by_file[name]
            problems.append(LinkProblem(f"camunda:formKey '{form_key}' names a form file '{name}' that was not "
                                        "deployed", f"camunda:formKey „{form_key}“: Die Formulardatei „{name}“ "
                                        "wurde nicht mit hochgeladen.", **where))
            return None
        problems.append(LinkProblem(f"camunda:formKey '{form_key}' is not supported (use "
                                    "camunda-forms:deployment:NAME.form or camunda:formRef)",
                                    f"camunda:formKey „{form_key}“ wird nicht unterstützt (verwenden Sie "
                                    "camunda-forms:deployment:NAME.form oder camunda:formRef).", **where))
    return None


def _by_id(form_id: str, by_id, problems, where) -> Form | None:
    if form_id in by_id:
        return by_id[form_id][1]
    problems.append(LinkProblem(f"the linked form '{form_id}' was not deployed (no .form file has this id)",
                                f"Das verknüpfte Formular „{form_id}“ fehlt (keine hochgeladene .form-Datei hat "
                                "diese ID).", **where))
    return None
