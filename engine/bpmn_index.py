"""An index over one BPMN document for the structural rules (engine/bpmn_rules.py, engine/bpmn_event_rules.py).

Elements by id, sequence flows by source and target, the kinds of an event's
definitions (inline or by ``eventDefinitionRef``), and how a finding names an
element and the rule it breaks.
"""

from __future__ import annotations

from lxml import etree

from engine.validation import BPMN_NS, Finding, local_name

B = f"{{{BPMN_NS}}}"
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "sendTask",
              "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
          "implicitThrowEvent"}
FLOW_NODES = ACTIVITIES | GATEWAYS | EVENTS
SCOPES = {"process", "subProcess", "transaction", "adHocSubProcess"}
EVENT_DEFINITIONS = {
    "messageEventDefinition": "message", "timerEventDefinition": "timer", "signalEventDefinition": "signal",
    "errorEventDefinition": "error", "escalationEventDefinition": "escalation", "compensateEventDefinition": "compensation",
    "conditionalEventDefinition": "conditional", "linkEventDefinition": "link", "cancelEventDefinition": "cancel",
    "terminateEventDefinition": "terminate",
}
REFERENCES = [  # (element kinds or None for any, attribute, allowed target kinds, what)
    ({"messageEventDefinition", "sendTask", "receiveTask", "messageFlow"}, "messageRef", {"message"}, "message"),
    ({"signalEventDefinition"}, "signalRef", {"signal"}, "signal"),
    ({"errorEventDefinition"}, "errorRef", {"error"}, "error"),
    ({"escalationEventDefinition"}, "escalationRef", {"escalation"}, "escalation"),
    ({"boundaryEvent"}, "attachedToRef", ACTIVITIES, "activity"),
    ({"dataObjectReference"}, "dataObjectRef", {"dataObject"}, "data object"),
    ({"dataStoreReference"}, "dataStoreRef", {"dataStore"}, "data store"),
    ({"participant"}, "processRef", {"process"}, "process"),
    ({"compensateEventDefinition"}, "activityRef", ACTIVITIES, "activity"),
    (None, "itemSubjectRef", {"itemDefinition"}, "item definition"),
    ({"message"}, "itemRef", {"itemDefinition"}, "item definition"),
]


class Index:
    """Elements of a document by id, and the sequence flows of each node."""

    def __init__(self, root: etree._Element):
        self.root = root
        self.by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
        self.flows = [e for e in root.iter(B + "sequenceFlow")]
        self.incoming: dict[str, list] = {}
        self.outgoing: dict[str, list] = {}
        for flow in self.flows:
            self.outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            self.incoming.setdefault(flow.get("targetRef"), []).append(flow)
        self.message_flows = list(root.iter(B + "messageFlow"))
        self.definition_refs = {(ref.text or "").strip().split(":")[-1] for ref in root.iter(B + "eventDefinitionRef")}

    def kind(self, element_id: str | None) -> str | None:
        element = self.by_id.get((element_id or "").split(":")[-1])
        return local_name(element) if element is not None else None

    def triggers(self, event: etree._Element) -> list[str]:
        """The kinds of the event's definitions, inline or by eventDefinitionRef."""
        kinds = [EVENT_DEFINITIONS[local_name(c)] for c in event if is_kind(c, EVENT_DEFINITIONS)]
        for ref in event.iterfind(B + "eventDefinitionRef"):
            kind = self.kind((ref.text or "").strip())
            if kind in EVENT_DEFINITIONS:
                kinds.append(EVENT_DEFINITIONS[kind])
        return kinds


def is_kind(element: etree._Element, kinds) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS and local_name(element) in kinds


def finding(rule: str, message: str, element: etree._Element) -> Finding:
    return Finding(f"{message} ({rule})", element.get("id"), element.sourceline)


def name_of(element: etree._Element) -> str:
    words = {"startEvent": "start event", "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
             "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event",
             "eventBasedGateway": "event-based gateway", "exclusiveGateway": "exclusive gateway",
             "inclusiveGateway": "inclusive gateway", "parallelGateway": "parallel gateway",
             "complexGateway": "complex gateway", "subProcess": "subprocess", "adHocSubProcess": "ad-hoc subprocess",
             "callActivity": "call activity"}
    return f"{words.get(local_name(element), local_name(element))} '{element.get('id')}'"


def is_event_subprocess(element: etree._Element) -> bool:
    return is_kind(element, {"subProcess"}) and element.get("triggeredByEvent") == "true"


def owner_of(element: etree._Element) -> etree._Element:
    """The nearest element (the element itself, or an ancestor) that has an id, for reporting."""
    current = element
    while current is not None and current.get("id") is None:
        current = current.getparent()
    return current if current is not None else element
