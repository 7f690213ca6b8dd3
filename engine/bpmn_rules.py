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


def check_rules(root: etree._Element) -> Iterator[Finding]:
    """Check one BPMN document against the structural rules (see the module docstring)."""
    index = _Index(root)
    yield from _references(index)
    yield from _called_elements(index)
    for scope in (e for e in root.iter() if _is(e, SCOPES)):
        yield from _scope_rules(index, scope)
    yield from _event_rules(index)
    yield from _gateway_rules(index)
    yield from _activity_rules(index)
    yield from _message_flow_rules(index)
    yield from _data_rules(index)


class _Index:
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
        kinds = [EVENT_DEFINITIONS[local_name(c)] for c in event if _is(c, EVENT_DEFINITIONS)]
        for ref in event.iterfind(B + "eventDefinitionRef"):
            kind = self.kind((ref.text or "").strip())
            if kind in EVENT_DEFINITIONS:
                kinds.append(EVENT_DEFINITIONS[kind])
        return kinds


def _is(element: etree._Element, kinds) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS and local_name(element) in kinds


def _f(rule: str, message: str, element: etree._Element) -> Finding:
    return Finding(f"{message} ({rule})", element.get("id"), element.sourceline)


def _name(element: etree._Element) -> str:
    words = {"startEvent": "start event", "endEvent": "end event", "intermediateCatchEvent": "intermediate catch event",
             "intermediateThrowEvent": "intermediate throw event", "boundaryEvent": "boundary event",
             "eventBasedGateway": "event-based gateway", "exclusiveGateway": "exclusive gateway",
             "inclusiveGateway": "inclusive gateway", "parallelGateway": "parallel gateway",
             "complexGateway": "complex gateway", "subProcess": "subprocess", "adHocSubProcess": "ad-hoc subprocess",
             "callActivity": "call activity"}
    return f"{words.get(local_name(element), local_name(element))} '{element.get('id')}'"


def _event_subprocess(element: etree._Element) -> bool:
    return _is(element, {"subProcess"}) and element.get("triggeredByEvent") == "true"


# --- references ---------------------------------------------------------------------------------


def _references(index: _Index) -> Iterator[Finding]:
    for element in index.root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = local_name(element)
        for kinds, attribute, allowed, what in REFERENCES:
            value = element.get(attribute)
            if value is None or (kinds is not None and kind not in kinds):
                continue
            if index.kind(value) not in allowed:
                yield _f("REF", f"{attribute} '{value}' of {_name(element)} names no {what}", _owner(element))
        for ref in element.iterfind(B + "eventDefinitionRef"):
            if index.kind((ref.text or "").strip()) not in EVENT_DEFINITIONS:
                yield _f("REF", f"eventDefinitionRef '{(ref.text or '').strip()}' of {_name(element)} names no "
                         "event definition", element)
    for flow in index.flows:
        for end in ("sourceRef", "targetRef"):
            target = index.by_id.get(flow.get(end))
            if target is None:
                continue  # reported by engine.validation
            if not _is(target, FLOW_NODES):
                yield _f("EXT.021" if end == "sourceRef" else "EXT.022",
                         f"sequence flow '{flow.get('id')}' has {end} '{flow.get(end)}', a {local_name(target)}; only "
                         "activities, events and gateways can be connected by sequence flows", flow)
            elif _event_subprocess(target):
                yield _f("EXT.057", f"event subprocess '{target.get('id')}' must not be connected by sequence "
                         f"flows (flow '{flow.get('id')}')", flow)
    for node in index.root.iter():
        if not _is(node, FLOW_NODES):
            continue
        for kind, end in (("incoming", "targetRef"), ("outgoing", "sourceRef")):
            for ref in node.iterfind(B + kind):
                flow = index.by_id.get((ref.text or "").strip())
                if flow is None or not _is(flow, {"sequenceFlow"}) or flow.get(end) != node.get("id"):
                    yield _f("EXT.023", f"{_name(node)} lists '{(ref.text or '').strip()}' as {kind}, but no sequence "
                             f"flow with that id has it as {end}", node)
        default = node.get("default")
        if default is not None and default not in {f.get("id") for f in index.outgoing.get(node.get("id"), [])}:
            yield _f("EXT.026", f"the default flow '{default}' of {_name(node)} is no outgoing sequence flow of it", node)


def _called_elements(index: _Index) -> Iterator[Finding]:
    for call in index.root.iter(B + "callActivity"):
        kind = index.kind(call.get("calledElement"))
        if kind is not None and kind != "process" and not kind.startswith("global"):
            yield _f("REF", f"call activity '{call.get('id')}' calls '{call.get('calledElement')}', a {kind}; it can "
                     "call a process or a global task", call)


def _owner(element: etree._Element) -> etree._Element:
    current = element
    while current is not None and current.get("id") is None:
        current = current.getparent()
    return current if current is not None else element


# --- process levels -------------------------------------------------------------------------------


def _scope_rules(index: _Index, scope: etree._Element) -> Iterator[Finding]:
    children = [c for c in scope if isinstance(c.tag, str)]
    starts = [c for c in children if _is(c, {"startEvent"})]
    ends = [c for c in children if _is(c, {"endEvent"})]
    if _is(scope, {"adHocSubProcess"}):
        if not any(_is(c, ACTIVITIES) for c in children):
            yield _f("EXT.061", f"{_name(scope)} must contain at least one activity", scope)
        for event in starts + ends:
            yield _f("EXT.062", f"{_name(scope)} must not contain start or end events ('{event.get('id')}')", event)
        return
    if _event_subprocess(scope) and len(starts) != 1:
        yield _f("EXT.058", f"event subprocess '{scope.get('id')}' must have exactly one start event, not "
                 f"{len(starts)}", scope)
    if starts and not ends:
        yield _f("EXT.105", f"{_name(scope)} has a start event but no end event", starts[0])
    if ends and not starts:
        yield _f("EXT.097", f"{_name(scope)} has an end event but no start event", ends[0])
    if _is(scope, {"subProcess", "transaction"}) and scope.find(B + "ioSpecification") is not None:
        yield _f("EXT.079", f"{_name(scope)} must not have an ioSpecification", scope)
    for node in children:
        if not _is(node, FLOW_NODES) or node.get("isForCompensation") == "true" or _event_subprocess(node):
            continue
        node_id = node.get("id")
        link = "link" in index.triggers(node)
        if starts and not index.incoming.get(node_id) and not _is(node, {"startEvent", "boundaryEvent"}) \
                and not (link and _is(node, {"intermediateCatchEvent"})) \
                and not (_is(node, {"eventBasedGateway"}) and node.get("instantiate") == "true"):
            yield _f("EXT.150", f"{_name(node)} has no incoming sequence flow (the process level has a start event, "
                     "so every element must be reached)", node)
        if ends and not index.outgoing.get(node_id) and not _is(node, {"endEvent"}) \
                and not (link and _is(node, {"intermediateThrowEvent"})) \
                and not (_is(node, {"boundaryEvent"}) and "compensation" in index.triggers(node)):
            yield _f("EXT.151", f"{_name(node)} has no outgoing sequence flow (the process level has end events, "
                     "so every path must lead to one)", node)


# --- events ----------------------------------------------------------------------------------------


def _event_rules(index: _Index) -> Iterator[Finding]:
    links_caught = {}
    for event in index.root.iter():
        if not _is(event, EVENTS):
            continue
        kind, event_id = local_name(event), event.get("id")
        triggers = index.triggers(event)
        incoming, outgoing = index.incoming.get(event_id, []), index.outgoing.get(event_id, [])
        parent = event.getparent()
        if kind == "startEvent":
            yield from _start_event(event, triggers, incoming, outgoing, parent)
        elif kind == "endEvent":
            if outgoing:
                yield _f("EXT.104", f"end event '{event_id}' must not have an outgoing sequence flow", event)
            if not incoming:
                yield _f("EXT.107", f"end event '{event_id}' must have an incoming sequence flow", event)
            for bad in {"link", "conditional", "timer"} & set(triggers):
                yield _f("EXT.146", f"end event '{event_id}' cannot have a {bad} event definition", event)
        elif kind == "boundaryEvent":
            yield from _boundary_event(index, event, triggers, incoming, outgoing)
        elif kind == "intermediateThrowEvent":
            if not incoming:
                yield _f("EXT.115", f"intermediate event '{event_id}' must have an incoming sequence flow", event)
            if "link" in triggers and outgoing:
                yield _f("EXT.117", f"link throw event '{event_id}' must not have an outgoing sequence flow", event)
            if "link" not in triggers and not outgoing:
                yield _f("EXT.116", f"intermediate event '{event_id}' must have an outgoing sequence flow", event)
            for bad in {"timer", "conditional", "error", "cancel", "terminate"} & set(triggers):
                yield _f("EXT.146", f"intermediate throw event '{event_id}' cannot throw a {bad} event", event)
        elif kind == "intermediateCatchEvent":
            if "link" in triggers:
                if incoming:
                    yield _f("EXT.117", f"link catch event '{event_id}' must not have an incoming sequence flow", event)
                links_caught.setdefault((id(parent), _link_name(event)), event)
            elif not incoming:
                yield _f("EXT.115", f"intermediate event '{event_id}' must have an incoming sequence flow", event)
            if not outgoing:
                yield _f("EXT.116", f"intermediate event '{event_id}' must have an outgoing sequence flow", event)
            if not triggers:
                yield _f("EVENT", f"intermediate catch event '{event_id}' needs an event definition (what it waits for)",
                         event)
            for bad in {"compensation", "error", "escalation", "cancel", "terminate"} & set(triggers):
                yield _f("EXT.122", f"intermediate catch event '{event_id}' cannot catch a {bad} event", event)
        yield from _definitions(index, event, triggers)
    for event in index.root.iter(B + "intermediateThrowEvent"):
        if "link" in index.triggers(event) and (id(event.getparent()), _link_name(event)) not in links_caught:
            yield _f("EXT.118", f"link throw event '{event.get('id')}' has no link catch event "
                     f"'{_link_name(event)}' in the same process level", event)


def _link_name(event: etree._Element) -> str | None:
    definition = event.find(B + "linkEventDefinition")
    return (definition.get("name") if definition is not None else None) or event.get("name")


def _start_event(event, triggers, incoming, outgoing, parent) -> Iterator[Finding]:
    event_id = event.get("id")
    if incoming:
        yield _f("EXT.096", f"start event '{event_id}' must not have an incoming sequence flow", event)
    if not outgoing:
        yield _f("EXT.101", f"start event '{event_id}' must have an outgoing sequence flow", event)
    if _event_subprocess(parent):
        if not triggers:
            yield _f("EXT.059", f"the start event '{event_id}' of an event subprocess needs a trigger (message, timer, "
                     "signal, conditional, error, escalation or compensation)", event)
        for bad in {"link", "cancel", "terminate"} & set(triggers):
            yield _f("EXT.059", f"start event '{event_id}' of an event subprocess cannot be a {bad} event", event)
        if event.get("isInterrupting") == "false":
            for bad in {"error", "compensation"} & set(triggers):
                yield _f("EXT.059", f"a non-interrupting start event ('{event_id}') cannot catch a {bad} event", event)
    elif _is(parent, {"subProcess", "transaction"}):
        if triggers:
            yield _f("EXT.100", f"start event '{event_id}' of a subprocess must not have an event definition", event)
    else:
        for bad in {"link", "escalation", "error", "cancel", "compensation", "terminate"} & set(triggers):
            yield _f("EXT.098", f"start event '{event_id}' of a process cannot be a {bad} event (message, timer, "
                     "conditional and signal start events are allowed)", event)


def _boundary_event(index, event, triggers, incoming, outgoing) -> Iterator[Finding]:
    event_id = event.get("id")
    interrupting = event.get("cancelActivity", "true") != "false"
    if incoming:
        yield _f("EXT.112", f"boundary event '{event_id}' must not have an incoming sequence flow", event)
    if "compensation" in triggers:
        if outgoing:
            yield _f("EXT.114", f"compensation boundary event '{event_id}' must not have an outgoing sequence flow",
                     event)
    elif not outgoing:
        yield _f("EXT.113", f"boundary event '{event_id}' must have an outgoing sequence flow", event)
    if not triggers:
        yield _f("EXT.110", f"boundary event '{event_id}' needs an event definition", event)
    forbidden = {"link", "terminate"} if interrupting else {"link", "terminate", "error", "cancel", "compensation"}
    for bad in forbidden & set(triggers):
        yield _f("EXT.110", f"{'an interrupting' if interrupting else 'a non-interrupting'} boundary event "
                 f"('{event_id}') cannot be a {bad} event", event)
    if "cancel" in triggers and index.kind(event.get("attachedToRef")) != "transaction":
        yield _f("EXT.111", f"cancel boundary event '{event_id}' must be attached to a transaction", event)
    target = index.by_id.get(event.get("attachedToRef"))
    if target is not None and target.getparent() is not event.getparent():
        yield _f("BOUNDARY", f"boundary event '{event_id}' must be in the same process level as its activity "
                 f"'{target.get('id')}'", event)


def _definitions(index: _Index, event: etree._Element, triggers: list[str]) -> Iterator[Finding]:
    event_id = event.get("id")
    for definition in event:
        kind = local_name(definition) if _is(definition, EVENT_DEFINITIONS) else None
        if kind == "conditionalEventDefinition":
            condition = definition.find(B + "condition")
            if condition is None or not (condition.text or "").strip():
                yield _f("EXT.123", f"the conditional event '{event_id}' needs a condition", event)
        elif kind == "timerEventDefinition" and not any(_is(c, {"timeDate", "timeDuration", "timeCycle"})
                                                          for c in definition):
            yield _f("TIMER", f"the timer event '{event_id}' needs a timeDate, timeDuration or timeCycle", event)
        elif kind == "cancelEventDefinition" and not any(_is(a, {"transaction"}) for a in event.iterancestors()) \
                and not (_is(event, {"boundaryEvent"}) and index.kind(event.get("attachedToRef")) == "transaction"):
            yield _f("EXT.106", f"cancel event '{event_id}' is only allowed in a transaction", event)
        elif kind in ("escalationEventDefinition",) and _is(event, {"endEvent", "intermediateThrowEvent"}):
            escalation = index.by_id.get((definition.get("escalationRef") or "").split(":")[-1])
            if escalation is None or not escalation.get("escalationCode"):
                yield _f("EXT.011", f"the escalation thrown by '{event_id}' needs an escalationRef to an escalation "
                         "with an escalationCode", event)
        if kind is not None and _is(event, {"endEvent", "intermediateThrowEvent"}) and definition.get("id") \
                and definition.get("id") in index.definition_refs:
            yield _f("EXT.095", f"the event definition '{definition.get('id')}' of throw event '{event_id}' is used "
                     "elsewhere by eventDefinitionRef", event)
    if len(triggers) > 1 and _is(event, {"boundaryEvent", "intermediateCatchEvent", "startEvent"}) \
            and "link" in triggers:
        yield _f("EVENT", f"link event '{event_id}' cannot have other event definitions", event)


# --- gateways, activities, message flows, data -------------------------------------------------------


def _gateway_rules(index: _Index) -> Iterator[Finding]:
    for gateway in index.root.iter():
        if not _is(gateway, GATEWAYS):
            continue
        gid = gateway.get("id")
        incoming, outgoing = index.incoming.get(gid, []), index.outgoing.get(gid, [])
        instantiating = _is(gateway, {"eventBasedGateway"}) and gateway.get("instantiate") == "true"
        if len(incoming) < 2 and len(outgoing) < 2 and not instantiating:
            yield _f("EXT.135", f"{_name(gateway)} must have several incoming or several outgoing sequence flows", gateway)
        direction = gateway.get("gatewayDirection")
        if direction == "Converging" and len(outgoing) > 1:
            yield _f("EXT.017", f"converging {_name(gateway)} must not have several outgoing flows", gateway)
        if direction == "Diverging" and len(incoming) > 1:
            yield _f("EXT.018", f"diverging {_name(gateway)} must not have several incoming flows", gateway)
        if _is(gateway, {"eventBasedGateway"}):
            yield from _event_gateway(index, gateway, incoming, outgoing, instantiating)


def _event_gateway(index, gateway, incoming, outgoing, instantiating) -> Iterator[Finding]:
    gid = gateway.get("id")
    if len(outgoing) < 2:
        yield _f("EXT.136", f"event-based gateway '{gid}' must have two or more outgoing sequence flows", gateway)
    if instantiating and incoming:
        yield _f("EXT.142", f"event-based gateway '{gid}' starts the process (instantiate) and cannot have incoming "
                 "flows", gateway)
    kinds = set()
    for flow in outgoing:
        if flow.find(B + "conditionExpression") is not None:
            yield _f("EXT.137", f"flow '{flow.get('id')}' out of event-based gateway '{gid}' cannot have a condition",
                     flow)
        target = index.by_id.get(flow.get("targetRef"))
        if target is None:
            continue
        triggers = set(index.triggers(target))
        if _is(target, {"receiveTask"}):
            kinds.add("receive")
            if any(b.get("attachedToRef") == target.get("id") for b in index.root.iter(B + "boundaryEvent")):
                yield _f("EXT.140", f"receive task '{target.get('id')}' after event-based gateway '{gid}' cannot have "
                         "boundary events", target)
        elif _is(target, {"intermediateCatchEvent"}) and triggers and triggers <= {"message", "signal", "timer",
                                                                                   "conditional"}:
            if "message" in triggers:
                kinds.add("message")
        else:
            yield _f("EXT.138", f"event-based gateway '{gid}' leads to {_name(target)}; it may only lead to receive "
                     "tasks and message, signal, timer or conditional catch events", flow)
        if len(index.incoming.get(target.get("id"), [])) > 1:
            yield _f("EXT.141", f"{_name(target)} after event-based gateway '{gid}' cannot have other incoming flows",
                     target)
    if {"receive", "message"} <= kinds:
        yield _f("EXT.139", f"event-based gateway '{gid}' mixes receive tasks and message catch events", gateway)


def _activity_rules(index: _Index) -> Iterator[Finding]:
    for activity in index.root.iter():
        if not _is(activity, ACTIVITIES):
            continue
        aid = activity.get("id")
        outgoing = index.outgoing.get(aid, [])
        if len(outgoing) == 1 and outgoing[0].find(B + "conditionExpression") is not None:
            yield _f("EXT.025", f"{_name(activity)} has one outgoing flow and it is conditional; a conditional flow "
                     "needs an alternative", outgoing[0])
        for attribute in ("startQuantity", "completionQuantity"):
            value = activity.get(attribute)
            if value is not None and (not value.strip().lstrip("-").isdigit() or int(value) < 1):
                yield _f("EXT.037", f"{attribute} of {_name(activity)} is {value}; it must be at least 1", activity)
        if activity.get("isForCompensation") == "true" and (index.incoming.get(aid) or outgoing):
            yield _f("COMPENSATION", f"compensation handler {_name(activity)} must not be connected by sequence flows",
                     activity)
        yield from _loop_rules(activity)


def _loop_rules(activity: etree._Element) -> Iterator[Finding]:
    aid = activity.get("id")
    loop = activity.find(B + "standardLoopCharacteristics")
    if loop is not None and loop.get("loopMaximum") is not None:
        value = loop.get("loopMaximum").strip()
        if not value.lstrip("-").isdigit() or int(value) < 0:
            yield _f("LOOP", f"loopMaximum of '{aid}' is {value}; it must be a whole number, not negative", activity)
    multi = activity.find(B + "multiInstanceLoopCharacteristics")
    if multi is None:
        return
    cardinality = multi.find(B + "loopCardinality")
    text = (cardinality.text or "").strip() if cardinality is not None else ""
    if text.startswith("-") and text[1:].strip().replace(".", "", 1).isdigit():
        yield _f("LOOP", f"the loop cardinality of '{aid}' is {text}; it must not be negative", activity)
    has_input = multi.find(B + "loopDataInputRef") is not None
    if cardinality is None and not has_input:
        yield _f("LOOP", f"multi-instance '{aid}' needs a loopCardinality or a loopDataInputRef", activity)
    if cardinality is not None and has_input:
        yield _f("LOOP", f"multi-instance '{aid}' has both a loopCardinality and a loopDataInputRef; keep one", activity)
    behavior = multi.get("behavior", "All")
    if behavior == "One" and not multi.get("oneBehaviorEventRef"):
        yield _f("LOOP", f"multi-instance '{aid}' with behavior One needs a oneBehaviorEventRef", activity)
    if behavior == "None" and not multi.get("noneBehaviorEventRef"):
        yield _f("LOOP", f"multi-instance '{aid}' with behavior None needs a noneBehaviorEventRef", activity)
    if behavior == "Complex" and multi.find(B + "complexBehaviorDefinition") is None:
        yield _f("LOOP", f"multi-instance '{aid}' with behavior Complex needs a complexBehaviorDefinition", activity)


def _message_flow_rules(index: _Index) -> Iterator[Finding]:
    participants = {p.get("id"): p.get("processRef") for p in index.root.iter(B + "participant")}
    for flow in index.message_flows:
        fid = flow.get("id")
        source, target = index.by_id.get(flow.get("sourceRef")), index.by_id.get(flow.get("targetRef"))
        for end, element in (("sourceRef", source), ("targetRef", target)):
            if element is None:
                yield _f("REF", f"message flow '{fid}' has {end} '{flow.get(end)}' that names no element", flow)
            elif not _is(element, FLOW_NODES | {"participant"}):
                yield _f("EXT.008", f"message flow '{fid}' connects a {local_name(element)}; only participants, "
                         "activities and events can send or receive messages", flow)
        if source is None or target is None:
            continue
        if _pool(source, participants) == _pool(target, participants):
            yield _f("EXT.031", f"message flow '{fid}' connects two elements of the same pool; message flows "
                     "connect different pools", flow)
        if _is(source, {"startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"}):
            yield _f("EXT.102", f"message flow '{fid}' starts at {_name(source)}, which cannot send messages", flow)
        if _is(target, {"endEvent", "intermediateThrowEvent", "sendTask"}):
            yield _f("EXT.108", f"message flow '{fid}' ends at {_name(target)}, which cannot receive messages", flow)
        if _is(target, {"startEvent", "intermediateCatchEvent", "boundaryEvent"}) and \
                "message" not in index.triggers(target):
            yield _f("EXT.103", f"{_name(target)} receives message flow '{fid}' but has no message event definition",
                     flow)
        if _is(source, {"endEvent", "intermediateThrowEvent"}) and "message" not in index.triggers(source):
            yield _f("EXT.109", f"{_name(source)} sends message flow '{fid}' but has no message event definition", flow)


def _pool(element: etree._Element, participants: dict) -> str | None:
    if _is(element, {"participant"}):
        return participants.get(element.get("id")) or element.get("id")
    process = next((a for a in element.iterancestors() if _is(a, {"process"})), None)
    return process.get("id") if process is not None else None


def _data_rules(index: _Index) -> Iterator[Finding]:
    for io in index.root.iter(B + "ioSpecification"):
        inputs = {(r.text or "").strip() for r in io.iter(B + "dataInputRefs")}
        outputs = {(r.text or "").strip() for r in io.iter(B + "dataOutputRefs")}
        for item in io:
            if _is(item, {"dataInput"}) and item.get("id") not in inputs:
                yield _f("EXT.084", f"data input '{item.get('id')}' is in no inputSet", item)
            if _is(item, {"dataOutput"}) and item.get("id") not in outputs:
                yield _f("EXT.088", f"data output '{item.get('id')}' is in no outputSet", item)
    for association in index.root.iter(B + "dataInputAssociation", B + "dataOutputAssociation"):
        if association.find(B + "transformation") is None and len(association.findall(B + "sourceRef")) > 1:
            yield _f("EXT.092", f"{local_name(association)} of '{_owner(association).get('id')}' has several "
                     "sourceRefs but no transformation", _owner(association))
