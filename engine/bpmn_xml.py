"""Helpers for reading and changing BPMN XML trees (engine/bpmn_rewrite.py and engine/bpmn_flow_rewrite.py)."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
AKTENFLUSS_NS = "https://aktenfluss.de/schema/bpmn"
TOKENS_ATTRIBUTE = f"{{{AKTENFLUSS_NS}}}tokens"
"""Marks a complex gateway the rewrite put before an activity with a startQuantity: fire per this many tokens."""
B = f"{{{BPMN_NS}}}"

SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
ACTIVITIES = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess",
}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}


def local(element: etree._Element) -> str:
    """The tag of ``element`` without its namespace."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def is_kind(element: etree._Element, kinds: Iterable[str]) -> bool:
    """True if ``element`` is a BPMN element of one of ``kinds`` (local names)."""
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS and local(element) in kinds


class Ids:
    """All ids of the documents; hands out new unique ones."""

    def __init__(self, documents: list[etree._Element]):
        self.used = {e.get("id") for root in documents for e in root.iter() if isinstance(e.tag, str) and e.get("id")}

    def new(self, base: str) -> str:
        candidate, number = f"{base}", 1
        while candidate in self.used:
            number += 1
            candidate = f"{base}_{number}"
        self.used.add(candidate)
        return candidate
