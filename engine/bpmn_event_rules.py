"""Structural rules of the standard for events and message flows (see engine/bpmn_rules.py).

Where an event may be, what it may catch or throw, which sequence flows and
message flows it must or must not have, and which link events belong together.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from engine.bpmn_index import (
    B, EVENT_DEFINITIONS, EVENTS, FLOW_NODES, Index, finding, is_event_subprocess, is_kind, name_of,
)
from engine.validation import Finding, local_name


# --- events ----------------------------------------------------------------------------------------


def event_rules(index: Index) -> Iterator[Finding]:
    links_caught = {}
    for event in index.root.iter():
        if not is_kind(event, EVENTS):
            continue
        kind, event_id = local_name(event), event.get("id")
        triggers = index.triggers(event)
        incoming, outgoing = index.incoming.get(event_id, []), index.outgoing.get(event_id, [])
        parent = event.getparent()
        if kind == "startEvent":
            yield from _start_event(event, triggers, incoming, outgoing, parent)
        elif kind == "endEvent":
            if outgoing:
                yield finding("EXT.104", f"end event '{event_id}' must not have an outgoing sequence flow", event)
            if not incoming:
                yield finding("EXT.107", f"end event '{event_id}' must have an incoming sequence flow", event)
            for bad in {"link", "conditional", "timer"} & set(triggers):
                yield finding("EXT.146", f"end event '{event_id}' cannot have a {bad} event definition", event)
        elif kind == "boundaryEvent":
            yield from _boundary_event(index, event, triggers, incoming, outgoing)
        elif kind == "intermediateThrowEvent":
            if not incoming:
                yield finding("EXT.115", f"intermediate event '{event_id}' must have an incoming sequence flow", event)
            if "link" in triggers and outgoing:
                yield finding("EXT.117", f"link throw event '{event_id}' must not have an outgoing sequence flow", event)
            if "link" not in triggers and not outgoing:
                yield finding("EXT.116", f"intermediate event '{event_id}' must have an outgoing sequence flow", event)
            for bad in {"timer", "conditional", "error", "cancel", "terminate"} & set(triggers):
                yield finding("EXT.146", f"intermediate throw event '{event_id}' cannot throw a {bad} event", event)
        elif kind == "intermediateCatchEvent":
            if "link" in triggers:
                if incoming:
                    yield finding("EXT.117", f"link catch event '{event_id}' must not have an incoming sequence flow", event)
                links_caught.setdefault((id(parent), _linkname_of(event)), event)
            elif not incoming:
                yield finding("EXT.115", f"intermediate event '{event_id}' must have an incoming sequence flow", event)
            if not outgoing:
                yield finding("EXT.116", f"intermediate event '{event_id}' must have an outgoing sequence flow", event)
            if not triggers:
                yield finding("EVENT", f"intermediate catch event '{event_id}' needs an event definition (what it waits for)",
                         event)
            for bad in {"compensation", "error", "escalation", "cancel", "terminate"} & set(triggers):
                yield finding("EXT.122", f"intermediate catch event '{event_id}' cannot catch a {bad} event", event)
        yield from _definitions(index, event, triggers)
    links_thrown = set()
    for event in index.root.iter(B + "intermediateThrowEvent"):
        if "link" in index.triggers(event):
            links_thrown.add((id(event.getparent()), _linkname_of(event)))
            if (id(event.getparent()), _linkname_of(event)) not in links_caught:
                yield finding("EXT.118", f"link throw event '{event.get('id')}' has no link catch event "
                              f"'{_linkname_of(event)}' in the same process level", event)
    for (scope, name), event in links_caught.items():
        if (scope, name) not in links_thrown:
            yield finding("EXT.124", f"link catch event '{event.get('id')}' has no link throw event '{name}' in the "
                          "same process level; nothing can reach it", event)


def _linkname_of(event: etree._Element) -> str | None:
    definition = event.find(B + "linkEventDefinition")
    return (definition.get("name") if definition is not None else None) or event.get("name")


def _start_event(event, triggers, incoming, outgoing, parent) -> Iterator[Finding]:
    event_id = event.get("id")
    if incoming:
        yield finding("EXT.096", f"start event '{event_id}' must not have an incoming sequence flow", event)
    if not outgoing:
        yield finding("EXT.101", f"start event '{event_id}' must have an outgoing sequence flow", event)
    if is_event_subprocess(parent):
        if not triggers:
            yield finding("EXT.059", f"the start event '{event_id}' of an event subprocess needs a trigger (message, timer, "
                     "signal, conditional, error, escalation or compensation)", event)
        for bad in {"link", "cancel", "terminate"} & set(triggers):
            yield finding("EXT.059", f"start event '{event_id}' of an event subprocess cannot be a {bad} event", event)
        if event.get("isInterrupting") == "false":
            for bad in {"error", "compensation"} & set(triggers):
                yield finding("EXT.059", f"a non-interrupting start event ('{event_id}') cannot catch a {bad} event", event)
    elif is_kind(parent, {"subProcess", "transaction"}):
        if triggers:
            yield finding("EXT.100", f"start event '{event_id}' of a subprocess must not have an event definition", event)
    else:
        for bad in {"link", "escalation", "error", "cancel", "compensation", "terminate"} & set(triggers):
            yield finding("EXT.098", f"start event '{event_id}' of a process cannot be a {bad} event (message, timer, "
                     "conditional and signal start events are allowed)", event)


def _boundary_event(index, event, triggers, incoming, outgoing) -> Iterator[Finding]:
    event_id = event.get("id")
    interrupting = event.get("cancelActivity", "true") != "false"
    if incoming:
        yield finding("EXT.112", f"boundary event '{event_id}' must not have an incoming sequence flow", event)
    if "compensation" in triggers:
        if outgoing:
            yield finding("EXT.114", f"compensation boundary event '{event_id}' must not have an outgoing sequence flow",
                     event)
    elif not outgoing:
        yield finding("EXT.113", f"boundary event '{event_id}' must have an outgoing sequence flow", event)
    if not triggers:
        yield finding("EXT.110", f"boundary event '{event_id}' needs an event definition", event)
    forbidden = {"link", "terminate"} if interrupting else {"link", "terminate", "error", "cancel", "compensation"}
    for bad in forbidden & set(triggers):
        yield finding("EXT.110", f"{'an interrupting' if interrupting else 'a non-interrupting'} boundary event "
                 f"('{event_id}') cannot be a {bad} event", event)
    if "cancel" in triggers and index.kind(event.get("attachedToRef")) != "transaction":
        yield finding("EXT.111", f"cancel boundary event '{event_id}' must be attached to a transaction", event)
    target = index.by_id.get(event.get("attachedToRef"))
    if target is not None and target.getparent() is not event.getparent():
        yield finding("BOUNDARY", f"boundary event '{event_id}' must be in the same process level as its activity "
                 f"'{target.get('id')}'", event)


def _definitions(index: Index, event: etree._Element, triggers: list[str]) -> Iterator[Finding]:
    event_id = event.get("id")
    for definition in event:
        kind = local_name(definition) if is_kind(definition, EVENT_DEFINITIONS) else None
        if kind == "conditionalEventDefinition":
            condition = definition.find(B + "condition")
            if condition is None or not (condition.text or "").strip():
                yield finding("EXT.123", f"the conditional event '{event_id}' needs a condition", event)
        elif kind == "timerEventDefinition" and not any(is_kind(c, {"timeDate", "timeDuration", "timeCycle"})
                                                          for c in definition):
            yield finding("TIMER", f"the timer event '{event_id}' needs a timeDate, timeDuration or timeCycle", event)
        elif kind == "cancelEventDefinition" and not any(is_kind(a, {"transaction"}) for a in event.iterancestors()) \
                and not (is_kind(event, {"boundaryEvent"}) and index.kind(event.get("attachedToRef")) == "transaction"):
            yield finding("EXT.106", f"cancel event '{event_id}' is only allowed in a transaction", event)
        elif kind in ("escalationEventDefinition",) and is_kind(event, {"endEvent", "intermediateThrowEvent"}):
            escalation = index.by_id.get((definition.get("escalationRef") or "").split(":")[-1])
            if escalation is None or not escalation.get("escalationCode"):
                yield finding("EXT.011", f"the escalation thrown by '{event_id}' needs an escalationRef to an escalation "
                         "with an escalationCode", event)
        if kind is not None and is_kind(event, {"endEvent", "intermediateThrowEvent"}) and definition.get("id") \
                and definition.get("id") in index.definition_refs:
            yield finding("EXT.095", f"the event definition '{definition.get('id')}' of throw event '{event_id}' is used "
                     "elsewhere by eventDefinitionRef", event)
    if len(triggers) > 1 and is_kind(event, {"boundaryEvent", "intermediateCatchEvent", "startEvent"}) \
            and "link" in triggers:
        yield finding("EVENT", f"link event '{event_id}' cannot have other event definitions", event)



def message_flow_rules(index: Index) -> Iterator[Finding]:
    participants = {p.get("id"): p.get("processRef") for p in index.root.iter(B + "participant")}
    for flow in index.message_flows:
        fid = flow.get("id")
        source, target = index.by_id.get(flow.get("sourceRef")), index.by_id.get(flow.get("targetRef"))
        for end, element in (("sourceRef", source), ("targetRef", target)):
            if element is None:
                yield finding("REF", f"message flow '{fid}' has {end} '{flow.get(end)}' that names no element", flow)
            elif not is_kind(element, FLOW_NODES | {"participant"}):
                yield finding("EXT.008", f"message flow '{fid}' connects a {local_name(element)}; only participants, "
                         "activities and events can send or receive messages", flow)
        if source is None or target is None:
            continue
        if _pool(source, participants) == _pool(target, participants):
            yield finding("EXT.031", f"message flow '{fid}' connects two elements of the same pool; message flows "
                     "connect different pools", flow)
        if is_kind(source, {"startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask"}):
            yield finding("EXT.102", f"message flow '{fid}' starts at {name_of(source)}, which cannot send messages", flow)
        if is_kind(target, {"endEvent", "intermediateThrowEvent", "sendTask"}):
            yield finding("EXT.108", f"message flow '{fid}' ends at {name_of(target)}, which cannot receive messages", flow)
        if is_kind(target, {"startEvent", "intermediateCatchEvent", "boundaryEvent"}) and \
                "message" not in index.triggers(target):
            yield finding("EXT.103", f"{name_of(target)} receives message flow '{fid}' but has no message event definition",
                     flow)
        if is_kind(source, {"endEvent", "intermediateThrowEvent"}) and "message" not in index.triggers(source):
            yield finding("EXT.109", f"{name_of(source)} sends message flow '{fid}' but has no message event definition", flow)


def _pool(element: etree._Element, participants: dict) -> str | None:
    if is_kind(element, {"participant"}):
        return participants.get(element.get("id")) or element.get("id")
    process = next((a for a in element.iterancestors() if is_kind(a, {"process"})), None)
    return process.get("id") if process is not None else None
