"""Validation of BPMN files against the OMG BPMN 2.0 XML schema, and unique ids.

The schema files are OMG's BPMN 2.0 XSDs (BPMN20.xsd with Semantic.xsd,
BPMNDI.xsd, DC.xsd, DI.xsd) as shipped in the SpiffWorkflow package
(``SpiffWorkflow/bpmn/parser/schema``, unchanged). The schema is compiled once
per process. Elements of other namespaces (extensions of Camunda, Signavio,
SpiffWorkflow, ...) are allowed where the schema allows them
(``extensionElements``, ``anyAttribute``).

XML Schema reports a duplicate ``xsd:ID`` in general words; ``duplicate_ids``
names every id used twice and where, so the message says what to rename.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import XSD_PATH

SCHEMA_DIR = os.path.dirname(XSD_PATH)


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: message and line."""

    message: str
    line: int | None


@functools.lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(XSD_PATH, parser))


def schema_problems(root: etree._Element, duplicates: frozenset[str] = frozenset(),
                    limit: int = 20) -> list[SchemaProblem]:
    """Validate a BPMN document against the BPMN 2.0 XSD; return its violations (at most ``limit``).

    Args:
        duplicates: Ids already reported by :func:`duplicate_ids` (which names
            them better than the schema's "not a valid value of xs:ID").
    """
    schema = _schema()
    if schema.validate(root.getroottree()):
        return []
    problems = []
    for error in schema.error_log:
        if any(f"attribute 'id': '{value}' is not a valid value" in error.message for value in duplicates):
            continue
        problems.append(SchemaProblem(f"does not conform to the BPMN 2.0 schema: {_plain(error.message)}", error.line))
        if len(problems) >= limit:
            break
    return problems


def _plain(message: str) -> str:
    """Drop the namespace URIs from an XSD message ('{http://...MODEL}task' -> 'bpmn:task')."""
    return (message.replace("{http://www.omg.org/spec/BPMN/20100524/MODEL}", "bpmn:")
            .replace("{http://www.omg.org/spec/BPMN/20100524/DI}", "bpmndi:")
            .replace("{http://www.omg.org/spec/DD/20100524/DC}", "dc:")
            .replace("{http://www.omg.org/spec/DD/20100524/DI}", "di:"))


@dataclass(frozen=True)
class DuplicateId:
    """An id used by more than one element."""

    element_id: str
    lines: tuple[int, ...]


OMG_NAMESPACES = {
    "http://www.omg.org/spec/BPMN/20100524/MODEL", "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC", "http://www.omg.org/spec/DD/20100524/DI",
}
"""Elements whose ``id`` is an ``xsd:ID`` (extension elements may use ``id`` for their own purposes)."""


def duplicate_ids(roots: list[etree._Element]) -> Iterator[DuplicateId]:
    """Yield every id that more than one BPMN element of the given documents uses (each once)."""
    seen: dict[str, list[int]] = {}
    for root in roots:
        for element in root.iter():
            if not isinstance(element.tag, str) or etree.QName(element).namespace not in OMG_NAMESPACES:
                continue
            element_id = element.get("id")
            if element_id is not None:
                seen.setdefault(element_id, []).append(element.sourceline or 0)
    for element_id, lines in seen.items():
        if len(lines) > 1:
            yield DuplicateId(element_id, tuple(lines))
