"""Structural rules of the BPMN 2.0 standard that its XML schema cannot express.

The BPMN 2.0 specification states many constraints in its text and tables
only (which element may start a sequence flow, where an event definition is
allowed, what an event-based gateway may lead to, ...). ``check_rules`` checks
them over one document and names each violated rule with the number the
BPMNspector project gave it (``EXT.nnn``), the element and what to change.
References between elements (``messageRef``, ``attachedToRef``, ...) must
name an element of the right kind.

Rules are pure functions of the XML tree. Some rules of the standard are
deliberately not enforced because common modelling tools do not write them
(``incoming``/``outgoing`` children are not required, but must agree with the
flows when present; a data output association without ``sourceRef`` is
accepted; link events may pair by name).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from engine.bpmn_data_rules import data_rules
from engine.bpmn_event_rules import event_rules, message_flow_rules
from engine.bpmn_io_rules import io_rules
from engine.bpmn_index import (
    ACTIVITIES, B, EVENT_DEFINITIONS, FLOW_NODES, GATEWAYS, REFERENCES, SCOPES, Index, finding, is_event_subprocess,
    is_kind, name_of, owner_of,
)
from engine.validation import Finding, local_name

def check_rules(root: etree._Element) -> Iterator[Finding]:
    """Check one BPMN document against the structural rules (see the module docstring)."""
    index = Index(root)
    yield from _references(index)
    yield from _called_elements(index)
    for scope in (e for e in root.iter() if is_kind(e, SCOPES)):
        yield from _scope_rules(index, scope)
    yield from event_rules(index)
    yield from _gateway_rules(index)
    yield from _activity_rules(index)
    yield from message_flow_rules(index)
    yield from data_rules(index)
    yield from io_rules(index)


# --- references ---------------------------------------------------------------------------------


def _references(index: Index) -> Iterator[Finding]:
    for element in index.root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = local_name(element)
        for kinds, attribute, allowed, what in REFERENCES:
            value = element.get(attribute)
            if value is None or (kinds is not None and kind not in kinds):
                continue
            if index.kind(value) not in allowed:
                yield finding("REF", f"{attribute} '{value}' of {name_of(element)} names no {what}", owner_of(element))
        for ref in element.iterfind(B + "eventDefinitionRef"):
            if index.kind((ref.text or "").strip()) not in EVENT_DEFINITIONS:
                yield finding("REF", f"eventDefinitionRef '{(ref.text or '').strip()}' of {name_of(element)} names no "
                         "event definition", element)
    for flow in index.flows:
        for end in ("sourceRef", "targetRef"):
            target = index.by_id.get(flow.get(end))
            if target is None:
                continue  # reported by engine.validation
            if not is_kind(target, FLOW_NODES):
                yield finding("EXT.021" if end == "sourceRef" else "EXT.022",
                         f"sequence flow '{flow.get('id')}' has {end} '{flow.get(end)}', a {local_name(target)}; only "
                         "activities, events and gateways can be connected by sequence flows", flow)
            elif is_event_subprocess(target):
                yield finding("EXT.057", f"event subprocess '{target.get('id')}' must not be connected by sequence "
                         f"flows (flow '{flow.get('id')}')", flow)
    for node in index.root.iter():
        if not is_kind(node, FLOW_NODES):
            continue
        for kind, end in (("incoming", "targetRef"), ("outgoing", "sourceRef")):
            for ref in node.iterfind(B + kind):
                flow = index.by_id.get((ref.text or "").strip())
                if flow is None or not is_kind(flow, {"sequenceFlow"}) or flow.get(end) != node.get("id"):
                    yield finding("EXT.023", f"{name_of(node)} lists '{(ref.text or '').strip()}' as {kind}, but no sequence "
                             f"flow with that id has it as {end}", node)
        default = node.get("default")
        if default is not None and default not in {f.get("id") for f in index.outgoing.get(node.get("id"), [])}:
            yield finding("EXT.026", f"the default flow '{default}' of {name_of(node)} is no outgoing sequence flow of it", node)


def _called_elements(index: Index) -> Iterator[Finding]:
    for call in index.root.iter(B + "callActivity"):
        kind = index.kind(call.get("calledElement"))
        if kind is not None and kind != "process" and not kind.startswith("global"):
            yield finding("REF", f"call activity '{call.get('id')}' calls '{call.get('calledElement')}', a {kind}; it can "
                     "call a process or a global task", call)


# --- process levels -------------------------------------------------------------------------------


def _scope_rules(index: Index, scope: etree._Element) -> Iterator[Finding]:
    children = [c for c in scope if isinstance(c.tag, str)]
    starts = [c for c in children if is_kind(c, {"startEvent"})]
    ends = [c for c in children if is_kind(c, {"endEvent"})]
    if is_kind(scope, {"adHocSubProcess"}):
        if not any(is_kind(c, ACTIVITIES) for c in children):
            yield finding("EXT.061", f"{name_of(scope)} must contain at least one activity", scope)
        for event in starts + ends:
            yield finding("EXT.062", f"{name_of(scope)} must not contain start or end events ('{event.get('id')}')", event)
        return
    if is_event_subprocess(scope) and len(starts) != 1:
        yield finding("EXT.058", f"event subprocess '{scope.get('id')}' must have exactly one start event, not "
                 f"{len(starts)}", scope)
    if starts and not ends:
        yield finding("EXT.105", f"{name_of(scope)} has a start event but no end event", starts[0])
    if ends and not starts:
        yield finding("EXT.097", f"{name_of(scope)} has an end event but no start event", ends[0])
    if is_kind(scope, {"subProcess", "transaction"}) and scope.find(B + "ioSpecification") is not None:
        yield finding("EXT.079", f"{name_of(scope)} must not have an ioSpecification", scope)
    for node in children:
        if not is_kind(node, FLOW_NODES) or node.get("isForCompensation") == "true" or is_event_subprocess(node):
            continue
        node_id = node.get("id")
        link = "link" in index.triggers(node)
        if starts and not index.incoming.get(node_id) and not is_kind(node, {"startEvent", "boundaryEvent"}) \
                and not (link and is_kind(node, {"intermediateCatchEvent"})) \
                and not (is_kind(node, {"eventBasedGateway"}) and node.get("instantiate") == "true"):
            yield finding("EXT.150", f"{name_of(node)} has no incoming sequence flow (the process level has a start event, "
                     "so every element must be reached)", node)
        if ends and not index.outgoing.get(node_id) and not is_kind(node, {"endEvent"}) \
                and not (link and is_kind(node, {"intermediateThrowEvent"})) \
                and not (is_kind(node, {"boundaryEvent"}) and "compensation" in index.triggers(node)):
            yield finding("EXT.151", f"{name_of(node)} has no outgoing sequence flow (the process level has end events, "
                     "so every path must lead to one)", node)


# --- gateways, activities, message flows, data -------------------------------------------------------


def _gateway_rules(index: Index) -> Iterator[Finding]:
    for gateway in index.root.iter():
        if not is_kind(gateway, GATEWAYS):
            continue
        gid = gateway.get("id")
        incoming, outgoing = index.incoming.get(gid, []), index.outgoing.get(gid, [])
        instantiating = is_kind(gateway, {"eventBasedGateway"}) and gateway.get("instantiate") == "true"
        if len(incoming) < 2 and len(outgoing) < 2 and not instantiating:
            yield finding("EXT.135", f"{name_of(gateway)} must have several incoming or several outgoing sequence flows", gateway)
        direction = gateway.get("gatewayDirection")
        if direction == "Converging" and len(outgoing) > 1:
            yield finding("EXT.017", f"converging {name_of(gateway)} must not have several outgoing flows", gateway)
        if direction == "Diverging" and len(incoming) > 1:
            yield finding("EXT.018", f"diverging {name_of(gateway)} must not have several incoming flows", gateway)
        if direction == "Mixed" and (len(incoming) < 2 or len(outgoing) < 2):
            yield finding("EXT.019", f"mixed {name_of(gateway)} must have several incoming and several outgoing flows",
                          gateway)
        if is_kind(gateway, {"eventBasedGateway"}):
            yield from _event_gateway(index, gateway, incoming, outgoing, instantiating)


def _event_gateway(index, gateway, incoming, outgoing, instantiating) -> Iterator[Finding]:
    gid = gateway.get("id")
    if len(outgoing) < 2:
        yield finding("EXT.136", f"event-based gateway '{gid}' must have two or more outgoing sequence flows", gateway)
    if instantiating and incoming:
        yield finding("EXT.142", f"event-based gateway '{gid}' starts the process (instantiate) and cannot have incoming "
                 "flows", gateway)
    kinds = set()
    for flow in outgoing:
        if flow.find(B + "conditionExpression") is not None:
            yield finding("EXT.137", f"flow '{flow.get('id')}' out of event-based gateway '{gid}' cannot have a condition",
                     flow)
        target = index.by_id.get(flow.get("targetRef"))
        if target is None:
            continue
        triggers = set(index.triggers(target))
        if is_kind(target, {"receiveTask"}):
            kinds.add("receive")
            if any(b.get("attachedToRef") == target.get("id") for b in index.root.iter(B + "boundaryEvent")):
                yield finding("EXT.140", f"receive task '{target.get('id')}' after event-based gateway '{gid}' cannot have "
                         "boundary events", target)
        elif is_kind(target, {"intermediateCatchEvent"}) and triggers and triggers <= {"message", "signal", "timer",
                                                                                   "conditional"}:
            if "message" in triggers:
                kinds.add("message")
        else:
            yield finding("EXT.138", f"event-based gateway '{gid}' leads to {name_of(target)}; it may only lead to receive "
                     "tasks and message, signal, timer or conditional catch events", flow)
        if len(index.incoming.get(target.get("id"), [])) > 1:
            yield finding("EXT.141", f"{name_of(target)} after event-based gateway '{gid}' cannot have other incoming flows",
                     target)
    if {"receive", "message"} <= kinds:
        yield finding("EXT.139", f"event-based gateway '{gid}' mixes receive tasks and message catch events", gateway)


def _activity_rules(index: Index) -> Iterator[Finding]:
    for activity in index.root.iter():
        if not is_kind(activity, ACTIVITIES):
            continue
        aid = activity.get("id")
        outgoing = index.outgoing.get(aid, [])
        if len(outgoing) == 1 and outgoing[0].find(B + "conditionExpression") is not None:
            yield finding("EXT.025", f"{name_of(activity)} has one outgoing flow and it is conditional; a conditional flow "
                     "needs an alternative", outgoing[0])
        for attribute in ("startQuantity", "completionQuantity"):
            value = activity.get(attribute)
            if value is not None and (not value.strip().lstrip("-").isdigit() or int(value) < 1):
                yield finding("EXT.037", f"{attribute} of {name_of(activity)} is {value}; it must be at least 1", activity)
        if activity.get("isForCompensation") == "true" and (index.incoming.get(aid) or outgoing):
            yield finding("COMPENSATION", f"compensation handler {name_of(activity)} must not be connected by sequence flows",
                     activity)
        yield from _loop_rules(activity)


def _loop_rules(activity: etree._Element) -> Iterator[Finding]:
    aid = activity.get("id")
    loop = activity.find(B + "standardLoopCharacteristics")
    if loop is not None and loop.get("loopMaximum") is not None:
        value = loop.get("loopMaximum").strip()
        if not value.lstrip("-").isdigit() or int(value) < 0:
            yield finding("LOOP", f"loopMaximum of '{aid}' is {value}; it must be a whole number, not negative", activity)
    multi = activity.find(B + "multiInstanceLoopCharacteristics")
    if multi is None:
        return
    cardinality = multi.find(B + "loopCardinality")
    text = (cardinality.text or "").strip() if cardinality is not None else ""
    if text.startswith("-") and text[1:].strip().replace(".", "", 1).isdigit():
        yield finding("LOOP", f"the loop cardinality of '{aid}' is {text}; it must not be negative", activity)
    has_input = multi.find(B + "loopDataInputRef") is not None
    if cardinality is None and not has_input:
        yield finding("LOOP", f"multi-instance '{aid}' needs a loopCardinality or a loopDataInputRef", activity)
    if cardinality is not None and has_input:
        yield finding("LOOP", f"multi-instance '{aid}' has both a loopCardinality and a loopDataInputRef; keep one", activity)
    behavior = multi.get("behavior", "All")
    if behavior == "One" and not multi.get("oneBehaviorEventRef"):
        yield finding("LOOP", f"multi-instance '{aid}' with behavior One needs a oneBehaviorEventRef", activity)
    if behavior == "None" and not multi.get("noneBehaviorEventRef"):
        yield finding("LOOP", f"multi-instance '{aid}' with behavior None needs a noneBehaviorEventRef", activity)
    if behavior == "Complex" and multi.find(B + "complexBehaviorDefinition") is None:
        yield finding("LOOP", f"multi-instance '{aid}' with behavior Complex needs a complexBehaviorDefinition", activity)
