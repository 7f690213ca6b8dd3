"""Checks of a package as a whole: its manifest and templates, and how the model uses them.

Each check returns problems instead of raising, so that a package is refused
with every problem named at once.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from datetime import datetime, timezone

from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask

from eakte.document_templates import SHARED_TEMPLATES, TemplateProblem, check_syntax, render_html
from eakte.models.dokument import DOCUMENT_TYPES
from eakte.rendering import DocumentMeta
from engine.loader import ParsedModel
from processes.packages.manifest import MANIFEST, Manifest
from engine.loader import ModelProblem
from processes.packages.problems import problem

DOCUMENT_OPERATION = "eakte.dokument"
"""The generic operation that fills a package template and files the document (processes/packages/documents.py)."""
TEMPLATE_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
SAMPLE_META = DocumentMeta(title="Vorschau", aktenzeichen="00.00-2026-000001", author="Vorschau",
                           authority="Musterbehörde", created_at=datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc),
                           subject="Vorschau mit Beispieldaten")


def check_templates(files: Mapping[str, bytes]) -> tuple[dict[str, str], list[ModelProblem]]:
    """Decode and compile the package's templates; return them as text and the problems found."""
    problems, texts = [], {}
    for name in sorted(files):
        if not name.lower().endswith((".html", ".css")):
            continue
        if set(name) - TEMPLATE_NAME_CHARS or name.startswith("."):
            problems.append(problem(
                "template names may use only letters, digits, '_', '.' and '-'",
                "Namen von Vorlagen dürfen nur Buchstaben ohne Umlaute, Ziffern, „_“, „.“ und „-“ enthalten.",
                file=name))
            continue
        if name in SHARED_TEMPLATES:
            problems.append(problem(f"'{name}' is the name of a shared template; choose another name",
                                    f"„{name}“ ist der Name einer mitgelieferten Vorlage; bitte anders benennen.",
                                    file=name))
            continue
        try:
            texts[name] = files[name].decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(problem(f"not UTF-8 text: {exc.reason}", "Die Datei ist kein UTF-8-Text.", file=name))
    for name in sorted(texts):
        if name.lower().endswith(".html"):
            found = check_syntax(texts, name)
            if found is not None:
                problems.append(_template_problem(found, name))
    return texts, problems


def check_model_against_package(model: ParsedModel, manifest: Manifest | None, templates: Mapping[str, str],
                                registered: set[str], manifest_broken: bool = False) -> list[ModelProblem]:
    """Check what the model uses against what the package provides and declares.

    With ``manifest_broken`` (its problems are reported already) nothing is checked that needs the manifest.
    """
    problems: list[ModelProblem] = []
    if manifest is not None and manifest.process != model.process_id:
        problems.append(problem(
            f"the manifest names process '{manifest.process}', but the model's main process is '{model.process_id}'",
            f"Das Manifest nennt den Prozess „{manifest.process}“, der Hauptprozess des Modells ist aber "
            f"„{model.process_id}“.", file=MANIFEST, pointer="/process"))
    for task in service_tasks(model):
        if task.operation_name == DOCUMENT_OPERATION:
            problems.extend(_check_document_task(task, manifest, templates, manifest_broken))
        elif manifest is not None and task.operation_name in manifest.operations:
            problems.extend(_check_declared_inputs(task, manifest))
    if manifest is not None:
        problems.extend(_check_samples(manifest, templates))
    return problems


def service_tasks(model: ParsedModel) -> list[ServiceTask]:
    """Return the service task specs of the main process and its called processes."""
    return [spec for process in (model.spec, *model.subprocess_specs.values())
            for spec in process.task_specs.values() if isinstance(spec, ServiceTask)]


def literal(expression: str | None):
    """Return the value of a parameter expression that is a plain literal (``"bescheid.html"``), else None."""
    try:
        return ast.literal_eval(expression) if expression else None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _check_document_task(task: ServiceTask, manifest: Manifest | None, templates: Mapping[str, str],
                         manifest_broken: bool):
    params = task.operation_params
    where = {"element_id": task.bpmn_id}
    if "vorlage" not in params:
        yield problem(f"service task '{task.bpmn_id}' ({DOCUMENT_OPERATION}) needs the parameter 'vorlage'",
                      f"Die Serviceaufgabe „{task.bpmn_id}“ braucht den Parameter „vorlage“ (die Vorlage).", **where)
        return
    name = literal(params["vorlage"]["value"])
    if name is None:
        return  # chosen at run time from case data: checked when the task runs
    if not isinstance(name, str) or name not in templates or not name.lower().endswith(".html"):
        known = ", ".join(sorted(n for n in templates if n.lower().endswith(".html"))) or "keine"
        yield problem(f"service task '{task.bpmn_id}' uses template '{name}' that the package does not contain",
                      f"Die Serviceaufgabe „{task.bpmn_id}“ verwendet die Vorlage „{name}“, die es im Paket nicht "
                      f"gibt (vorhanden: {known}).", **where)
        return
    info = manifest.templates.get(name) if manifest else None
    doc_type = literal(params["dokumentart"]["value"]) if "dokumentart" in params else None
    if doc_type is not None and doc_type not in DOCUMENT_TYPES:
        yield problem(f"service task '{task.bpmn_id}': unknown document type '{doc_type}' "
                      f"(allowed: {', '.join(DOCUMENT_TYPES)})",
                      f"Die Serviceaufgabe „{task.bpmn_id}“: Die Dokumentart „{doc_type}“ gibt es nicht "
                      f"(möglich: {', '.join(DOCUMENT_TYPES)}).", **where)
    for param, attribute, german in (("titel", "title", "einen Titel"), ("dokumentart", "doc_type", "eine Dokumentart")):
        if param not in params and not (info and getattr(info, attribute)) and not manifest_broken:
            yield problem(
                f"service task '{task.bpmn_id}': template '{name}' needs a {attribute} (parameter '{param}' or "
                f"'templates/{name}/{attribute}' in the manifest)",
                f"Die Serviceaufgabe „{task.bpmn_id}“: Die Vorlage „{name}“ braucht {german} (Parameter „{param}“ "
                f"oder im Manifest unter „templates“).", **where)


def _check_declared_inputs(task: ServiceTask, manifest: Manifest):
    operation = manifest.operations[task.operation_name]
    if not operation.declared or not operation.inputs:
        return
    given, wanted = set(task.operation_params), set(operation.inputs)
    for missing in sorted(wanted - given):
        yield problem(f"service task '{task.bpmn_id}' does not pass '{missing}' that operation "
                      f"'{operation.name}' needs", f"Die Serviceaufgabe „{task.bpmn_id}“ übergibt „{missing}“ nicht, "
                      f"das die Operation „{operation.name}“ braucht.", element_id=task.bpmn_id)
    for extra in sorted(given - wanted):
        yield problem(f"service task '{task.bpmn_id}' passes '{extra}' that operation '{operation.name}' does not "
                      "declare", f"Die Serviceaufgabe „{task.bpmn_id}“ übergibt „{extra}“, das die Operation "
                      f"„{operation.name}“ nicht kennt.", element_id=task.bpmn_id)


def _check_samples(manifest: Manifest, templates: Mapping[str, str]):
    for name, info in sorted(manifest.templates.items()):
        if name not in templates:
            yield problem(f"the manifest describes template '{name}' that the package does not contain",
                          f"Das Manifest beschreibt die Vorlage „{name}“, die es im Paket nicht gibt.",
                          file=MANIFEST, pointer=f"/templates/{name}")
        elif info.sample:
            try:
                render_html(templates, name, info.sample, SAMPLE_META)
            except TemplateProblem as found:
                yield _template_problem(found, name, sample=True)


def _template_problem(found: TemplateProblem, name: str, sample: bool = False) -> ModelProblem:
    suffix = (" (with the manifest's sample data)", " (mit den Beispieldaten des Manifests)") if sample else ("", "")
    return problem(found.message + suffix[0], found.german + suffix[1], file=found.template or name, line=found.line)
