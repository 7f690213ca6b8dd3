"""The state of the package editor: the package's files as the editor page posts them, and back.

The editor page is one HTML form that holds the whole package: every file as
a pair of fields ``datei_name``/``datei_inhalt`` (the browser editors keep the
text areas up to date; without JavaScript they can be edited as text), the
manifest's main entries as form fields, the templates' title, document type
and sample data per template, and the rest of the manifest as JSON. Nothing
is stored until "Speichern" deploys it as a new version; an invalid package
comes back with its problems and every entry kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from eakte.models.dokument import DOCUMENT_TYPES
from processes.packages.manifest import DISPOSAL_CODES, FORMAT, MANIFEST, ROLES

EDITABLE_SUFFIXES = (".bpmn", ".dmn", ".form", ".html", ".css")
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")
FILE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
MAIN_FIELDS = {"name": "verfahren_name", "version": "verfahren_version", "leika": "leika",
               "description": "beschreibung"}
MAX_FILES = 100
OWN_FIELDS = (*MAIN_FIELDS, "format", "process", "templates", "data", "groups", "roles", "file_plan")
"""Manifest entries the editor has fields for; the rest is edited as JSON ("Weitere Angaben")."""
EMPTY_GROUP_ROWS = 2
EMPTY_DATA_ROWS = 3
"""Empty rows offered below the data labels of a package (more after saving)."""
DATA_FORMATS = {"": "wie erfasst", "money": "Betrag in Euro", "duration": "Dauer in Worten"}


@dataclass
class EditorState:
    """A package being edited: the process key, its text files, its manifest, problems with the entries."""

    key: str
    files: dict[str, str] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    entered: MultiDict | None = None  # the submitted form: its rows and fields are shown again as typed

    def names(self, suffix: str) -> list[str]:
        """Return the file names with a suffix, sorted."""
        return sorted(name for name in self.files if name.endswith(suffix))

    @property
    def extra_manifest(self) -> str:
        """Return the manifest entries without a field of their own, as JSON text."""
        rest = {k: v for k, v in self.manifest.items() if k not in OWN_FIELDS}
        return json.dumps(rest, ensure_ascii=False, indent=2) if rest else "{}"

    def data_rows(self) -> list[dict]:
        """Return the data labels as rows (path, label, format, codes as text), as typed or from the manifest,
        and empty rows."""
        if self.entered is not None:
            rows = _up_to_last_filled([dict(zip(("pfad", "bezeichnung", "darstellung", "codes"), row))
                                       for row in zip(*(self.entered.getlist(f"daten_{name}")
                                                        for name in ("pfad", "bezeichnung", "darstellung", "codes")))],
                                      ("pfad", "bezeichnung", "codes"))
        else:
            rows = [{"pfad": path, "bezeichnung": spec.get("label", ""), "darstellung": spec.get("format", ""),
                     "codes": "; ".join(f"{code}={word}" for code, word in (spec.get("values") or {}).items())}
                    for path, spec in (self.manifest.get("data") or {}).items()]
        return rows + [{"pfad": "", "bezeichnung": "", "darstellung": "", "codes": ""}] * EMPTY_DATA_ROWS

    def group_rows(self) -> list[dict]:
        """Return the groups (name, description), as typed or from the manifest, and empty rows."""
        if self.entered is not None:
            rows = _up_to_last_filled([{"name": name, "description": description} for name, description
                                       in zip(self.entered.getlist("gruppe_name"),
                                              self.entered.getlist("gruppe_beschreibung"))],
                                      ("name", "description"))
        else:
            rows = [{"name": g.get("name", ""), "description": g.get("description", "")}
                    for g in self.manifest.get("groups") or () if isinstance(g, dict)]
        return rows + [{"name": "", "description": ""}] * EMPTY_GROUP_ROWS

    def file_plan_values(self) -> dict:
        """Return the fields of the suggested file plan unit, as typed or from the manifest."""
        if self.entered is not None:
            entered = self.entered
            return {"code": entered.get("aktenplan_kennzeichen", ""), "title": entered.get("aktenplan_titel", ""),
                    "years": entered.get("aktenplan_jahre", ""), "permanent": bool(entered.get("aktenplan_dauernd")),
                    "disposal": entered.get("aktenplan_aussonderung", "")}
        unit = self.manifest.get("file_plan") or {}
        years = unit.get("retention_years", "")
        return {"code": unit.get("code", ""), "title": unit.get("title", ""),
                "years": "" if years == "permanent" else str(years), "permanent": years == "permanent",
                "disposal": unit.get("disposal", "")}

    def template_info(self, name: str) -> dict:
        """Return the manifest's entry of a template (title, doc_type, sample)."""
        return (self.manifest.get("templates") or {}).get(name, {})

    def to_files(self) -> dict[str, bytes]:
        """Return the package's files as they are deployed."""
        files = {name: text.encode("utf-8") for name, text in self.files.items()}
        files[MANIFEST] = (json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        return files


def _up_to_last_filled(rows: list[dict], fields: tuple[str, ...]) -> list[dict]:
    """Return the submitted rows up to the last one with something typed (row numbers stay those of the errors)."""
    filled = [index for index, row in enumerate(rows) if any(row[name].strip() for name in fields)]
    return rows[:filled[-1] + 1] if filled else []


def from_files(key: str, files: dict[str, bytes]) -> EditorState:
    """Return the editor state of a deployed package."""
    state = EditorState(key)
    for name, content in files.items():
        if name == MANIFEST:
            try:
                state.manifest = json.loads(content)
            except ValueError:
                state.manifest = {}
        elif name.endswith(EDITABLE_SUFFIXES):
            state.files[name] = content.decode("utf-8-sig", errors="replace")
    state.manifest = {"format": FORMAT, "process": key, "name": key, **state.manifest}
    return state


def new_package(key: str, name: str) -> EditorState:
    """Return the state of a new procedure: a pool with one lane and a start event, and its manifest."""
    bpmn = NEW_BPMN.format(key=key, name=_xml_attribute(name))
    return EditorState(key, {f"{key}.bpmn": bpmn}, {"format": FORMAT, "process": key, "name": name,
                                                     "version": "1.0.0", "roles": ["clerk"]})


def from_form(form: MultiDict) -> EditorState:
    """Read the editor page's fields; entries that cannot be used are named in ``errors``."""
    state = EditorState(form.get("schluessel", "").strip(), entered=form)
    names, contents = form.getlist("datei_name"), form.getlist("datei_inhalt")
    for name, content in list(zip(names, contents))[:MAX_FILES]:
        name = name.strip()
        if name and name.endswith(EDITABLE_SUFFIXES):
            state.files[name] = content.replace("\r\n", "\n")
    try:
        extra = json.loads(form.get("manifest_weitere") or "{}")
        if not isinstance(extra, dict):
            raise ValueError("not an object")
    except ValueError:
        extra = {}
        state.errors["manifest_weitere"] = "Bitte gültiges JSON eingeben (ein Objekt in geschweiften Klammern)."
    manifest = {"format": FORMAT, "process": state.key, **{k: v for k, v in extra.items() if k not in MAIN_FIELDS}}
    for key, field_name in MAIN_FIELDS.items():
        value = form.get(field_name, "").strip()
        if value:
            manifest[key] = value
    templates = {}
    for name in state.names(".html"):
        entry = {}
        title, doc_type = form.get(f"vorlage_titel:{name}", "").strip(), form.get(f"vorlage_art:{name}", "").strip()
        if title:
            entry["title"] = title
        if doc_type:
            entry["doc_type"] = doc_type
        sample = form.get(f"vorlage_beispiel:{name}", "").strip()
        if sample:
            try:
                entry["sample"] = json.loads(sample)
            except ValueError:
                state.errors[f"vorlage_beispiel:{name}"] = "Bitte die Beispieldaten als JSON-Objekt eingeben."
        templates[name] = entry
    if templates:
        manifest["templates"] = templates
    data = _data_labels(form, state.errors)
    if data:
        manifest["data"] = data
    manifest.update(_requirements(form, state.errors))
    state.manifest = manifest
    return state


def _requirements(form: MultiDict, errors: dict[str, str]) -> dict:
    """Read what the procedure needs from an authority: groups, roles, a suggested file plan unit."""
    needs: dict = {}
    groups = []
    for name, description in zip(form.getlist("gruppe_name"), form.getlist("gruppe_beschreibung")):
        name, description = name.strip(), description.strip()
        if name:
            groups.append({"name": name, **({"description": description} if description else {})})
    if groups:
        needs["groups"] = groups
    roles = [role for role in form.getlist("rollen") if role in ROLES]
    if roles:
        needs["roles"] = roles
    code, title = form.get("aktenplan_kennzeichen", "").strip(), form.get("aktenplan_titel", "").strip()
    if code or title:
        if not (code and title):
            errors["aktenplan_kennzeichen" if not code else "aktenplan_titel"] = (
                "Bitte Kennzeichen und Titel der vorgeschlagenen Einheit angeben (oder beide leer lassen).")
        unit: dict = {"code": code, "title": title}
        years = form.get("aktenplan_jahre", "").strip()
        if form.get("aktenplan_dauernd"):
            unit["retention_years"] = "permanent"
        elif years:
            if not years.isdigit() or not 1 <= int(years) <= 500:
                errors["aktenplan_jahre"] = "Bitte eine Aufbewahrungsfrist von 1 bis 500 Jahren angeben."
            else:
                unit["retention_years"] = int(years)
        if form.get("aktenplan_aussonderung") in DISPOSAL_CODES:
            unit["disposal"] = form["aktenplan_aussonderung"]
        needs["file_plan"] = unit
    return needs


def _data_labels(form: MultiDict, errors: dict[str, str]) -> dict:
    """Read the rows of data labels (path, label, format, codes ``HG=Haupterwerb; NG=Nebenerwerb``)."""
    data: dict = {}
    rows = zip(form.getlist("daten_pfad"), form.getlist("daten_bezeichnung"), form.getlist("daten_darstellung"),
               form.getlist("daten_codes"))
    for index, (path, label, shown_as, codes) in enumerate(rows, start=1):
        path, label, codes = path.strip(), label.strip(), codes.strip()
        if not (path or label or codes):
            continue
        if not path or not label:
            errors[f"daten_pfad.{index}"] = f"Zeile {index} der Falldaten: bitte Schlüssel und Bezeichnung angeben."
            continue
        entry: dict = {"label": label}
        if shown_as in ("money", "duration"):
            entry["format"] = shown_as
        if codes:
            pairs = [part.split("=", 1) for part in codes.split(";") if part.strip()]
            if any(len(pair) != 2 or not pair[0].strip() or not pair[1].strip() for pair in pairs):
                errors[f"daten_codes.{index}"] = (f"Zeile {index} der Falldaten: Codes bitte als Code=Bezeichnung, "
                                                  "getrennt durch Semikolon (z. B. HG=Haupterwerb; NG=Nebenerwerb).")
                continue
            entry["values"] = {code.strip(): word.strip() for code, word in pairs}
        data[path] = entry
    return data


def add_file(state: EditorState, name: str, suffix: str) -> str | None:
    """Add an empty template (``.html``) or form (``.form``); return a German error, or None."""
    name = name.strip()
    if name and not name.endswith(suffix):
        name += suffix
    if not FILE_PATTERN.match(name or "") or name == suffix:
        return "Bitte einen Dateinamen aus Buchstaben (ohne Umlaute), Ziffern, „_“ und „-“ angeben."
    if name in state.files:
        return f"Die Datei „{name}“ gibt es im Paket schon."
    if suffix == ".html":
        state.files[name] = NEW_TEMPLATE
    else:
        form_id = name.removesuffix(".form")
        state.files[name] = json.dumps({"id": form_id, "type": "default", "schemaVersion": 16,
                                        "components": []}, indent=2)
    return None


def _xml_attribute(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


DOC_TYPES = DOCUMENT_TYPES
NEW_TEMPLATE = """{% extends "base.html" %}
{# Die Falldaten stehen als Variablen bereit, z. B. {{ antragsteller }}; meta.title ist der Titel. #}
{% block content %}
<p>Text des Dokuments</p>
<p class="signature">Im Auftrag<br>{{ meta.authority }}</p>
{% endblock %}
"""
NEW_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs_{key}" targetNamespace="http://aktenfluss.example/bpmn">
  <bpmn:collaboration id="collab_{key}">
    <bpmn:participant id="pool_{key}" name="{name}" processRef="{key}"/>
  </bpmn:collaboration>
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:laneSet id="lanes_{key}">
      <bpmn:lane id="lane_sachbearbeitung" name="Sachbearbeitung">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Antrag eingegangen"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collab_{key}">
      <bpmndi:BPMNShape id="pool_{key}_di" bpmnElement="pool_{key}" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="900" height="220"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_sachbearbeitung_di" bpmnElement="lane_sachbearbeitung" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="870" height="220"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="202" y="152" width="36" height="36"/>
        <bpmndi:BPMNLabel><dc:Bounds x="180" y="195" width="80" height="27"/></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
