"""Rewrite standard BPMN constructs that SpiffWorkflow does not run into equivalent ones it does.

The uploaded files stay as they are; a copy of each document is rewritten
after validation and before SpiffWorkflow parses it. Every rewrite keeps the
meaning the BPMN 2.0 standard gives the construct:

* **Ids Spiff uses itself** (``Start``, ``End``, ``Root``, ``StartEventSplit``,
  ``...EndJoin``, ``...BoundaryEventSplit``, ...) are renamed; ``original_ids``
  maps the new ids back, and the loader gives the task specs their original
  BPMN id again, so the history and the task rows show what the model says.
* **eventDefinitionRef** (an event using an event definition declared at the
  top of the file) becomes a copy of that definition inside the event.
* **Global tasks**: a call activity that calls a ``globalTask`` /
  ``globalScriptTask`` / ``globalUserTask`` / ``globalManualTask`` /
  ``globalBusinessRuleTask`` becomes that task in place (same id, flows, loop
  characteristics).
* **Compensation boundary events** only name an activity's compensation
  handler (through an association); they are removed and the pairs listed in
  ``compensation`` (engine/specs/compensation.py runs the handlers).
* **Link events**: a throwing link event gets a sequence flow to the catching
  link event of the same name in the same process level; both become plain
  (none) intermediate events.
* **Flows out of activities and events** (implicit split, 11.6 of the
  standard): several unconditional flows become a parallel gateway behind the
  element; conditional flows (with or without a default flow) become an
  inclusive gateway, whose unconditional flows get the condition ``True``.
* **Conditions on flows out of a parallel gateway** are removed (the standard
  says they are ignored).
* **completionQuantity = n** puts n tokens on each outgoing flow: a parallel
  gateway with n branches (each through a pass-through event) is put behind
  the activity. **startQuantity = n** makes the activity wait for n tokens: a
  token join (a complex gateway marked ``aktenfluss:tokens``, see
  engine/specs/gateways.py) is put before it.
* **Timer values written as ISO 8601 literals** (``PT5M``, ``R3/PT1H``,
  ``2030-01-01T08:00:00``), as modelling tools write them, are quoted: Spiff
  evaluates timer values as expressions.
* **Data inputs and outputs** of an ioSpecification are known in the case data
  by their ``name`` where it is a plain identifier (Spiff uses the id).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from copy import deepcopy
from dataclasses import dataclass, field

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
GLOBAL_TASKS = {
    "globalTask": "task", "globalScriptTask": "scriptTask", "globalUserTask": "userTask",
    "globalManualTask": "manualTask", "globalBusinessRuleTask": "businessRuleTask",
}
EVENT_DEFINITIONS = {
    "messageEventDefinition", "timerEventDefinition", "signalEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "compensateEventDefinition", "conditionalEventDefinition",
    "linkEventDefinition", "cancelEventDefinition", "terminateEventDefinition",
}
RESERVED_IDS = {"Start", "End", "Root", "StartEventSplit", "StartEventJoin"}
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")
REFERENCE_ATTRIBUTES = ("sourceRef", "targetRef", "attachedToRef", "activityRef", "bpmnElement", "default")
REFERENCE_ELEMENTS = {"flowNodeRef", "sourceRef", "targetRef", "incoming", "outgoing", "dataInputRefs",
                      "dataOutputRefs", "loopDataInputRef", "loopDataOutputRef"}
_ISO_LITERAL = re.compile(
    r"^(R\d*/)?([+-]?\d{4}-\d\d-\d\d(T[\d:.,]+)?(Z|[+-]\d\d(:?\d\d)?)?/)?"
    r"(P(?!$)(\d+([.,]\d+)?[YMWD])*(T(?=\d)(\d+([.,]\d+)?[HMS])+)?)$"
    r"|^[+-]?\d{4}-\d\d-\d\d(T[\d:.,]+)?(Z|[+-]\d\d(:?\d\d)?)?$",
    re.IGNORECASE,
)


@dataclass
class Rewritten:
    """The rewritten copies of the documents and the ids the rewrite renamed (new id -> original id)."""

    roots: dict[str, etree._Element]
    original_ids: dict[str, str] = field(default_factory=dict)
    compensation: dict[str, str] = field(default_factory=dict)
    """Id of a compensable activity -> id of its compensation handler."""


def rewrite(roots: Mapping[str, etree._Element]) -> Rewritten:
    """Return rewritten copies of the BPMN documents (the originals are not touched)."""
    copies = {name: deepcopy(root) for name, root in roots.items()}
    result = Rewritten(copies)
    documents = list(copies.values())
    ids = _Ids(documents)
    _rename_reserved_ids(documents, ids, result.original_ids)
    _inline_event_definition_refs(documents, ids)
    _inline_global_tasks(documents)
    for root in documents:
        for scope in [e for e in root.iter() if _is(e, SCOPES)]:
            flows = _Flows(scope, ids)
            _compensation_boundaries(scope, flows, result.compensation)
            _link_events(scope, flows)
            _strip_parallel_conditions(scope, flows)
            _implicit_splits(scope, flows)
            _completion_quantities(scope, flows)
            _start_quantities(scope, flows)
        _quote_timer_literals(root)
        _io_names(root, ids)
    return result


# --- helpers ------------------------------------------------------------------------------------


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is(element: etree._Element, kinds: Iterable[str]) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS and _local(element) in kinds


class _Ids:
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


class _Flows:
    """The sequence flows of one process level, by source and target."""

    def __init__(self, scope: etree._Element, ids: _Ids):
        self.scope, self.ids = scope, ids
        self.nodes = {c.get("id"): c for c in scope if isinstance(c.tag, str) and c.get("id")}

    def flows(self) -> list[etree._Element]:
        return [c for c in self.scope if _is(c, {"sequenceFlow"})]

    def outgoing(self, node_id: str) -> list[etree._Element]:
        return [f for f in self.flows() if f.get("sourceRef") == node_id]

    def incoming(self, node_id: str) -> list[etree._Element]:
        return [f for f in self.flows() if f.get("targetRef") == node_id]

    def add_node(self, kind: str, base: str, **attributes: str) -> etree._Element:
        node = etree.SubElement(self.scope, B + kind, id=self.ids.new(base), **attributes)
        self.nodes[node.get("id")] = node
        return node

    def connect(self, source: etree._Element, target: etree._Element, base: str) -> etree._Element:
        flow = etree.SubElement(self.scope, B + "sequenceFlow", id=self.ids.new(base),
                                sourceRef=source.get("id"), targetRef=target.get("id"))
        _add_ref(source, "outgoing", flow.get("id"))
        _add_ref(target, "incoming", flow.get("id"))
        return flow

    def move_source(self, flow: etree._Element, new_source: etree._Element) -> None:
        old = self.nodes.get(flow.get("sourceRef"))
        if old is not None:
            _remove_ref(old, "outgoing", flow.get("id"))
        flow.set("sourceRef", new_source.get("id"))
        _add_ref(new_source, "outgoing", flow.get("id"))

    def move_target(self, flow: etree._Element, new_target: etree._Element) -> None:
        old = self.nodes.get(flow.get("targetRef"))
        if old is not None:
            _remove_ref(old, "incoming", flow.get("id"))
        flow.set("targetRef", new_target.get("id"))
        _add_ref(new_target, "incoming", flow.get("id"))


def _add_ref(node: etree._Element, kind: str, flow_id: str) -> None:
    ref = etree.Element(B + kind)
    ref.text = flow_id
    # incoming/outgoing come right after documentation/extensionElements in the schema's order
    position = 0
    for index, child in enumerate(node):
        if _local(child) in ("documentation", "extensionElements", "incoming", "outgoing"):
            position = index + 1
    node.insert(position, ref)


def _remove_ref(node: etree._Element, kind: str, flow_id: str) -> None:
    for child in list(node):
        if _is(child, {kind}) and (child.text or "").strip() == flow_id:
            node.remove(child)


def _condition(flow: etree._Element) -> etree._Element | None:
    return flow.find(B + "conditionExpression")


# --- the rewrites ------------------------------------------------------------------------------


def _rename_reserved_ids(documents: list[etree._Element], ids: _Ids, original_ids: dict[str, str]) -> None:
    renamed: dict[str, str] = {}
    for root in documents:
        for element in root.iter():
            element_id = element.get("id") if isinstance(element.tag, str) else None
            parent = element.getparent()
            if element_id and parent is not None and _is(parent, SCOPES) and (
                    element_id in RESERVED_IDS or element_id.endswith(RESERVED_SUFFIXES)):
                new_id = ids.new(f"{element_id.replace('.', '_')}_")
                renamed[element_id] = new_id
                original_ids[new_id] = element_id
                element.set("id", new_id)
    if not renamed:
        return
    for root in documents:
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in REFERENCE_ATTRIBUTES:
                if element.get(attribute) in renamed:
                    element.set(attribute, renamed[element.get(attribute)])
            if _local(element) in REFERENCE_ELEMENTS and (element.text or "").strip() in renamed:
                element.text = renamed[element.text.strip()]


def _inline_event_definition_refs(documents: list[etree._Element], ids: _Ids) -> None:
    definitions = {}
    for root in documents:
        for child in root:
            if _is(child, EVENT_DEFINITIONS) and child.get("id"):
                definitions[child.get("id")] = child
    for root in documents:
        for ref in list(root.iter(B + "eventDefinitionRef")):
            target = definitions.get(_local_ref(ref.text))
            if target is None:
                continue  # refused by the checks before the rewrite
            copy = deepcopy(target)
            copy.set("id", ids.new(f"{ref.getparent().get('id')}_{target.get('id')}"))
            ref.getparent().replace(ref, copy)


def _local_ref(text: str | None) -> str:
    """A QName reference without its prefix (``tns:foo`` -> ``foo``)."""
    value = (text or "").strip()
    return value.split(":", 1)[1] if ":" in value else value


def _inline_global_tasks(documents: list[etree._Element]) -> None:
    globals_ = {}
    for root in documents:
        for child in root:
            if _is(child, GLOBAL_TASKS) and child.get("id"):
                globals_[child.get("id")] = child
    if not globals_:
        return
    for root in documents:
        for call in list(root.iter(B + "callActivity")):
            target = globals_.get(_local_ref(call.get("calledElement")))
            if target is None:
                continue
            kind = GLOBAL_TASKS[_local(target)]
            task = etree.Element(B + kind, {k: v for k, v in call.attrib.items() if k != "calledElement"})
            if kind == "scriptTask" and target.get("scriptLanguage") and not task.get("scriptFormat"):
                task.set("scriptFormat", target.get("scriptLanguage"))
            for child in target:
                if _local(child) in ("extensionElements", "script") and call.find(child.tag) is None:
                    task.append(deepcopy(child))
            for child in call:
                task.append(child)
            _order_script_last(task)
            call.getparent().replace(call, task)


def _order_script_last(task: etree._Element) -> None:
    """Keep ``script`` after the activity's own elements, where the schema wants it."""
    script = task.find(B + "script")
    if script is not None:
        task.remove(script)
        task.append(script)


def _compensation_boundaries(scope: etree._Element, flows: _Flows, pairs: dict[str, str]) -> None:
    associations = [c for c in scope if _is(c, {"association"})]
    for node in list(flows.nodes.values()):
        if not _is(node, {"boundaryEvent"}) or node.find(B + "compensateEventDefinition") is None:
            continue
        for association in associations:
            if node.get("id") in (association.get("sourceRef"), association.get("targetRef")):
                other = association.get("targetRef") if association.get("sourceRef") == node.get("id") \
                    else association.get("sourceRef")
                if other in flows.nodes and node.get("attachedToRef"):
                    pairs[node.get("attachedToRef")] = other
                scope.remove(association)
        scope.remove(node)
        del flows.nodes[node.get("id")]


def _link_events(scope: etree._Element, flows: _Flows) -> None:
    catches, throws = {}, []
    for node in flows.nodes.values():
        definition = node.find(B + "linkEventDefinition")
        if definition is None:
            continue
        name = definition.get("name") or node.get("name")
        if _is(node, {"intermediateCatchEvent"}):
            catches[name] = node
        elif _is(node, {"intermediateThrowEvent"}):
            throws.append((node, name))
        node.remove(definition)
    for node, name in throws:
        target = catches.get(name)
        if target is not None:
            flows.connect(node, target, f"{node.get('id')}_link")


def _strip_parallel_conditions(scope: etree._Element, flows: _Flows) -> None:
    for node in flows.nodes.values():
        if _is(node, {"parallelGateway"}):
            for flow in flows.outgoing(node.get("id")):
                condition = _condition(flow)
                if condition is not None:
                    flow.remove(condition)


def _implicit_splits(scope: etree._Element, flows: _Flows) -> None:
    for node in list(flows.nodes.values()):
        if not _is(node, ACTIVITIES | EVENTS):
            continue
        outgoing = flows.outgoing(node.get("id"))
        conditional = any(_condition(flow) is not None for flow in outgoing)
        default = node.get("default")
        if not conditional and len(outgoing) < 2:
            continue
        if conditional:
            gateway = flows.add_node("inclusiveGateway", f"{node.get('id')}_split")
            for flow in outgoing:
                if _condition(flow) is None and flow.get("id") != default:
                    expression = etree.SubElement(flow, B + "conditionExpression")
                    expression.text = "True"
            if default:
                gateway.set("default", default)
                del node.attrib["default"]
        else:
            gateway = flows.add_node("parallelGateway", f"{node.get('id')}_split")
        for flow in outgoing:
            flows.move_source(flow, gateway)
        flows.connect(node, gateway, f"{node.get('id')}_to_split")


def _quantity(node: etree._Element, attribute: str) -> int:
    try:
        return int(node.get(attribute, "1"))
    except ValueError:
        return 1


def _completion_quantities(scope: etree._Element, flows: _Flows) -> None:
    for node in list(flows.nodes.values()):
        count = _quantity(node, "completionQuantity")
        if not _is(node, ACTIVITIES) or count < 2:
            continue
        for flow in flows.outgoing(node.get("id")):
            split = flows.add_node("parallelGateway", f"{node.get('id')}_tokens")
            target = flows.nodes[flow.get("targetRef")]
            flows.move_target(flow, split)
            for number in range(1, count + 1):
                token = flows.add_node("intermediateThrowEvent", f"{node.get('id')}_token_{number}")
                flows.connect(split, token, f"{token.get('id')}_in")
                flows.connect(token, target, f"{token.get('id')}_out")


def _start_quantities(scope: etree._Element, flows: _Flows) -> None:
    for node in list(flows.nodes.values()):
        count = _quantity(node, "startQuantity")
        if not _is(node, ACTIVITIES) or count < 2:
            continue
        join = flows.add_node("complexGateway", f"{node.get('id')}_tokens_in", **{TOKENS_ATTRIBUTE: str(count)})
        for flow in flows.incoming(node.get("id")):
            flows.move_target(flow, join)
        flows.connect(join, node, f"{node.get('id')}_start")


def _quote_timer_literals(root: etree._Element) -> None:
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for element in root.iter(B + kind):
            text = (element.text or "").strip()
            if text and _ISO_LITERAL.match(text):
                element.text = repr(text)


def _io_names(root: etree._Element, ids: _Ids) -> None:
    """Let the data inputs and outputs of an ioSpecification go by their name (Spiff uses the id)."""
    renamed: dict[str, str] = {}
    for io in root.iter(B + "ioSpecification"):
        owner = io.getparent()
        if owner.find(B + "multiInstanceLoopCharacteristics") is not None:
            continue
        for item in io:
            if not _is(item, {"dataInput", "dataOutput"}):
                continue
            name = item.get("name")
            if (name and name.isidentifier() and not keyword.iskeyword(name) and name != item.get("id")
                    and name not in ids.used):
                renamed[item.get("id")] = name
                ids.used.add(name)
                item.set("id", name)
    if not renamed:
        return
    for element in root.iter(B + "dataInputRefs", B + "dataOutputRefs", B + "sourceRef", B + "targetRef"):
        if (element.text or "").strip() in renamed:
            element.text = renamed[element.text.strip()]
