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
* **A receive task that starts its process** (``instantiate="true"``, no
  incoming flow) becomes a message start event of the same id and message.
* **Boundary events catching a multi-instance activity's own behaviour
  events** (``noneBehaviorEventRef``, ``oneBehaviorEventRef``, the events of
  a ``complexBehaviorDefinition``) do not interrupt it: the activity reports
  its progress through them and goes on (they are made non-interrupting).
* **Compensation boundary events** only name an activity's compensation
  handler (through an association); they are removed and the pairs listed in
  ``compensation`` (engine/specs/compensation.py runs the handlers). A
  **compensation event subprocess** of a subprocess is removed and its path
  listed in ``compensation_steps``: compensating the subprocess runs that path.
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
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn_flow_rewrite import rewrite_flows
from engine.bpmn_xml import B, SCOPES, Ids, is_kind, local
from engine.validation import is_instantiating_receive_task

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
    compensation_steps: dict[str, list[tuple[str, str | None, str]]] = field(default_factory=dict)
    """Id of a subprocess -> what its compensation event subprocess does (engine/bpmn_flow_rewrite.py)."""


def rewrite(roots: Mapping[str, etree._Element]) -> Rewritten:
    """Return rewritten copies of the BPMN documents (the originals are not touched)."""
    copies = {name: deepcopy(root) for name, root in roots.items()}
    result = Rewritten(copies)
    documents = list(copies.values())
    ids = Ids(documents)
    _rename_reserved_ids(documents, ids, result.original_ids)
    _inline_event_definition_refs(documents, ids)
    _inline_global_tasks(documents)
    for root in documents:
        _behaviour_boundaries(root)
        _instantiating_receive_tasks(root)
    for root in documents:
        for scope in [e for e in root.iter() if is_kind(e, SCOPES)]:
            rewrite_flows(scope, ids, result.compensation, result.compensation_steps)
        _quote_timer_literals(root)
        _io_names(root, ids)
    return result


# --- the rewrites ------------------------------------------------------------------------------


_REF_ATTRIBUTES = ("signalRef", "messageRef", "escalationRef")
_START_EVENT_CHILDREN = {"documentation", "extensionElements", "outgoing"}


def _instantiating_receive_tasks(root: etree._Element) -> None:
    for process in root.iter(B + "process"):
        for task in [node for node in process if is_instantiating_receive_task(node, process)]:
            message = task.get("messageRef")
            for name in list(task.attrib):
                if name not in ("id", "name"):
                    del task.attrib[name]
            for child in list(task):
                if not isinstance(child.tag, str) or local(child) not in _START_EVENT_CHILDREN:
                    task.remove(child)
            task.tag = B + "startEvent"
            definition = etree.SubElement(task, B + "messageEventDefinition")
            if message:
                definition.set("messageRef", message)


def _behaviour_boundaries(root: etree._Element) -> None:
    by_id = {element.get("id"): element for element in root.iter()
             if isinstance(element.tag, str) and element.get("id")}
    attached: dict[str, list[etree._Element]] = {}
    for boundary in root.iter(B + "boundaryEvent"):
        attached.setdefault(_local_ref(boundary.get("attachedToRef")), []).append(boundary)
    for loop in root.iter(B + "multiInstanceLoopCharacteristics"):
        thrown = [by_id.get(_local_ref(loop.get(name))) for name in ("noneBehaviorEventRef", "oneBehaviorEventRef")]
        thrown += [definition for event in loop.iter(B + "event") for definition in event]
        keys = {_event_key(definition) for definition in thrown if definition is not None}
        for boundary in attached.get(loop.getparent().get("id"), []):
            if any(_event_key(definition) in keys for definition in boundary if is_kind(definition, EVENT_DEFINITIONS)):
                boundary.set("cancelActivity", "false")


def _event_key(definition: etree._Element) -> tuple:
    return (local(definition), *(_local_ref(definition.get(name)) for name in _REF_ATTRIBUTES))


def _rename_reserved_ids(documents: list[etree._Element], ids: Ids, original_ids: dict[str, str]) -> None:
    renamed: dict[str, str] = {}
    for root in documents:
        for element in root.iter():
            element_id = element.get("id") if isinstance(element.tag, str) else None
            parent = element.getparent()
            if element_id and parent is not None and is_kind(parent, SCOPES) and (
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
            if local(element) in REFERENCE_ELEMENTS and (element.text or "").strip() in renamed:
                element.text = renamed[element.text.strip()]


def _inline_event_definition_refs(documents: list[etree._Element], ids: Ids) -> None:
    definitions = {}
    for root in documents:
        for child in root:
            if is_kind(child, EVENT_DEFINITIONS) and child.get("id"):
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
            if is_kind(child, GLOBAL_TASKS) and child.get("id"):
                globals_[child.get("id")] = child
    if not globals_:
        return
    for root in documents:
        for call in list(root.iter(B + "callActivity")):
            target = globals_.get(_local_ref(call.get("calledElement")))
            if target is None:
                continue
            kind = GLOBAL_TASKS[local(target)]
            task = etree.Element(B + kind, {k: v for k, v in call.attrib.items() if k != "calledElement"})
            if kind == "scriptTask" and target.get("scriptLanguage") and not task.get("scriptFormat"):
                task.set("scriptFormat", target.get("scriptLanguage"))
            for child in target:
                if local(child) in ("extensionElements", "script") and call.find(child.tag) is None:
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


def _quote_timer_literals(root: etree._Element) -> None:
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for element in root.iter(B + kind):
            text = (element.text or "").strip()
            if text and _ISO_LITERAL.match(text):
                element.text = repr(text)


def _io_names(root: etree._Element, ids: Ids) -> None:
    """Let the data inputs and outputs of an ioSpecification go by their name (Spiff uses the id)."""
    renamed: dict[str, str] = {}
    for io in root.iter(B + "ioSpecification"):
        owner = io.getparent()
        if owner.find(B + "multiInstanceLoopCharacteristics") is not None:
            continue
        for item in io:
            if not is_kind(item, {"dataInput", "dataOutput"}):
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
