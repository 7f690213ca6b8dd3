"""Compare two versions of a package: which model elements and which files were added, removed or changed.

Model elements are compared by id across all BPMN and DMN files (the diagram
layout is left out: moving a shape changes nothing the engine runs). An
element counts as changed when its type, one of its attributes, or what it
holds without an id of its own (conditions, scripts, extension elements,
flow references) differs. Other files are compared as text, line by line.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

DIAGRAM_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/", "http://www.omg.org/spec/DMN/20180521/DI/",
    "http://www.omg.org/spec/DMN/20180521/DC/",
}
MODEL_SUFFIXES = (".bpmn", ".dmn")
TYPE_NAMES = {
    "startEvent": "Startereignis", "endEvent": "Endereignis", "userTask": "Benutzeraufgabe",
    "serviceTask": "Serviceaufgabe", "scriptTask": "Skriptaufgabe", "businessRuleTask": "Geschäftsregelaufgabe",
    "task": "Aufgabe", "manualTask": "Manuelle Aufgabe", "sendTask": "Sendeaufgabe", "receiveTask": "Empfangsaufgabe",
    "exclusiveGateway": "Exklusives Gateway", "parallelGateway": "Paralleles Gateway",
    "inclusiveGateway": "Inklusives Gateway", "eventBasedGateway": "Ereignisbasiertes Gateway",
    "sequenceFlow": "Sequenzfluss", "lane": "Lane (Gruppe)", "process": "Prozess", "subProcess": "Teilprozess",
    "callActivity": "Aufruf", "intermediateCatchEvent": "Zwischenereignis", "boundaryEvent": "Randereignis",
    "intermediateThrowEvent": "Zwischenereignis", "decision": "Entscheidung", "rule": "Regel",
    "inputClause": "Eingabe", "outputClause": "Ausgabe", "participant": "Pool",
}


@dataclass(frozen=True)
class ElementChange:
    """One model element that differs between the versions."""

    status: str  # added, removed, changed
    element_id: str
    type: str
    name: str | None
    file: str
    details: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        """Return the German name of the element type."""
        return TYPE_NAMES.get(self.type, self.type)


@dataclass(frozen=True)
class FileChange:
    """One file that differs between the versions, with a line diff for text files."""

    status: str  # added, removed, changed
    name: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageDiff:
    """Everything that differs between two versions."""

    elements: list[ElementChange] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)

    def marked(self, status: str) -> list[str]:
        """Return the ids of elements with a status, for colouring a diagram."""
        return [change.element_id for change in self.elements if change.status == status]


@dataclass(frozen=True)
class _Element:
    type: str
    name: str | None
    file: str
    attributes: dict
    content: str


def diff_packages(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> PackageDiff:
    """Compare the files of two versions of a package."""
    before, after = _elements(old), _elements(new)
    elements = []
    for element_id in sorted(set(before) | set(after), key=lambda i: (i not in after, i)):
        if element_id not in before:
            e = after[element_id]
            elements.append(ElementChange("added", element_id, e.type, e.name, e.file))
        elif element_id not in after:
            e = before[element_id]
            elements.append(ElementChange("removed", element_id, e.type, e.name, e.file))
        else:
            details = _details(before[element_id], after[element_id])
            if details:
                e = after[element_id]
                elements.append(ElementChange("changed", element_id, e.type, e.name, e.file, details))
    files = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            files.append(FileChange("added", name))
        elif name not in new:
            files.append(FileChange("removed", name))
        elif old[name] != new[name]:
            lines = () if name.endswith(MODEL_SUFFIXES) else _line_diff(old[name], new[name])
            files.append(FileChange("changed", name, lines))
    return PackageDiff(elements, files)


def _elements(files: Mapping[str, bytes]) -> dict[str, _Element]:
    found: dict[str, _Element] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    for name, content in files.items():
        if not name.lower().endswith(MODEL_SUFFIXES):
            continue
        try:
            root = etree.fromstring(content, parser)
        except (etree.XMLSyntaxError, ValueError):
            continue  # deployed files are valid; nothing to compare otherwise
        for element in root.iter():
            if not isinstance(element.tag, str) or element.get("id") is None or _in_diagram(element):
                continue
            attributes = {k: v for k, v in element.attrib.items() if k != "id"}
            found[element.get("id")] = _Element(etree.QName(element).localname, element.get("name"), name, attributes,
                                                _content(element))
    return found


def _in_diagram(element: etree._Element) -> bool:
    return etree.QName(element).namespace in DIAGRAM_NAMESPACES


def _content(element: etree._Element) -> str:
    """Serialise what an element holds that has no id of its own (its children with ids are compared themselves)."""
    parts = [(element.text or "").strip()]
    for child in element:
        if not isinstance(child.tag, str) or child.get("id") is not None or _in_diagram(child):
            continue
        parts.append(etree.tostring(child, method="c14n").decode("utf-8"))
    return "\n".join(part for part in parts if part)


def _details(old: _Element, new: _Element) -> tuple[str, ...]:
    details = []
    if old.type != new.type:
        details.append(f"Typ: {TYPE_NAMES.get(old.type, old.type)} → {TYPE_NAMES.get(new.type, new.type)}")
    for key in sorted(set(old.attributes) | set(new.attributes)):
        before, after = old.attributes.get(key), new.attributes.get(key)
        if before != after:
            label = "Name" if key == "name" else etree.QName(key).localname
            details.append(f"{label}: {_shown(before)} → {_shown(after)}")
    if old.content != new.content:
        details.append("Inhalt geändert (Bedingung, Skript, Parameter, Formular oder Verbindungen)")
    return tuple(details)


def _shown(value: str | None) -> str:
    if value is None:
        return "–"
    return f"„{value[:80]}{'…' if len(value) > 80 else ''}“"


def _line_diff(old: bytes, new: bytes) -> tuple[str, ...]:
    try:
        before, after = old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return ()
    return tuple(list(difflib.unified_diff(before, after, "vorher", "nachher", lineterm="", n=2))[:400])
