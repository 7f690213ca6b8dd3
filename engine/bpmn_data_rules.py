"""Rules of the standard for data, expressions and references between elements (see engine/bpmn_rules.py).

Data inputs and outputs of activities and events must fit the items they
carry (their item definitions, a task's message), formal expressions need a
body, conditions must be conditions, and a reference written as a child
element (``operationRef``, ``participantRef``, the source and target of a
data association, ...) must name an element of the right kind. Rules that
concern only executable processes say so.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lxml import etree

from engine.bpmn_index import B, EVENT_DEFINITIONS, EVENTS, Index, finding, is_kind, name_of, owner_of
from engine.validation import Finding, local_name

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
ITEM_AWARE = {"dataObject", "dataObjectReference", "property", "dataStore", "dataStoreReference", "dataInput",
              "dataOutput"}
CHILD_REFERENCES = [  # (parent kinds or None for any, child element, allowed target kinds, what)
    (None, "participantRef", {"participant"}, "participant"),
    ({"messageEventDefinition"}, "operationRef", {"operation"}, "operation"),
    ({"operation"}, "errorRef", {"error"}, "error"),
    ({"operation"}, "inMessageRef", {"message"}, "message"),
    ({"operation"}, "outMessageRef", {"message"}, "message"),
    ({"participant", "process"}, "interfaceRef", {"interface"}, "interface"),
    ({"dataInputAssociation"}, "sourceRef", ITEM_AWARE, "data item"),
    ({"dataInputAssociation"}, "targetRef", {"dataInput", "property"}, "data input"),
    ({"dataOutputAssociation"}, "sourceRef", {"dataOutput", "property"}, "data output"),
    ({"dataOutputAssociation"}, "targetRef", ITEM_AWARE, "data item"),
]
ATTRIBUTE_REFERENCES = [  # references checked here in addition to engine/bpmn_index.REFERENCES
    ({"sendTask", "receiveTask", "serviceTask"}, "operationRef", {"operation"}, "operation"),
]
FORMAL_BODIES = {"dataPath", "messagePath", "transformation"}
CONDITIONS = {"conditionExpression": "condition", "completionCondition": "completion condition",
              "loopCondition": "loop condition", "activationCondition": "activation condition"}
NATURAL_LANGUAGE_CHECKED = {  # parent kind -> expressions that must be formal in an executable process (EXT.012)
    "adHocSubProcess": ("completionCondition",), "assignment": ("from", "to"),
    "complexGateway": ("activationCondition",),
    "multiInstanceLoopCharacteristics": ("loopCardinality", "completionCondition"),
    "standardLoopCharacteristics": ("loopCondition",),
}
"""Conditions on sequence flows and timer values may be written without ``xsi:type`` (models written for
SpiffWorkflow by hand often are); they are checked as Python expressions all the same."""
_MIME = re.compile(r"^[\w.+-]+/[\w.+-]+(;.*)?$")


def data_rules(index: Index) -> Iterator[Finding]:
    """Check the data, expression and reference rules over one document."""
    yield from _io_sets(index)
    yield from _collections(index)
    yield from _message_tasks(index)
    yield from _event_data(index)
    yield from _called_io(index)
    yield from _expressions(index)
    yield from _child_references(index)
    yield from _flow_lists(index)
    for element in _in_executable_processes(index.root):
        if is_kind(element, {"sequenceFlow"}) and element.get("isImmediate") == "false":
            yield finding("EXT.024", f"sequence flow '{element.get('id')}' has isImmediate=\"false\", which an "
                          "executable process must not have", element)
        if is_kind(element, {"process"}) and element.get("processType") == "Public" \
                and element.get("isExecutable") == "true":
            yield finding("EXT.035", f"process '{element.get('id')}' is public (processType=\"Public\") and cannot be "
                          "executable", element)
        for child in NATURAL_LANGUAGE_CHECKED.get(local_name(element), ()) if is_kind(element, NATURAL_LANGUAGE_CHECKED) else ():
            for expression in element.iterfind(B + child):
                if (expression.get(XSI_TYPE) or "").split(":")[-1] != "tFormalExpression":
                    yield finding("EXT.012", f"the {child} of '{owner_of(element).get('id')}' is not marked as a "
                                  "formal expression; an executable process needs xsi:type=\"bpmn:tFormalExpression\" "
                                  "(an expression the engine evaluates), not natural language", owner_of(element))
        if is_kind(element, {"messageEventDefinition"}) and not element.get("messageRef") \
                and element.getparent() is not None and not is_kind(element.getparent(), {"definitions"}):
            event = element.getparent()
            yield finding("EXT.127", f"{name_of(event)} has a message event definition without messageRef; name the "
                          "message it sends or waits for", event)


def _in_executable_processes(root: etree._Element) -> Iterator[etree._Element]:
    """The executable processes and every element inside them."""
    for process in root.iter(B + "process"):
        if process.get("isExecutable") == "true":
            yield from (e for e in process.iter() if isinstance(e.tag, str))


def _io_sets(index: Index) -> Iterator[Finding]:
    for io in index.root.iter(B + "ioSpecification"):
        inputs = {(r.text or "").strip() for r in io.iter(B + "dataInputRefs")}
        outputs = {(r.text or "").strip() for r in io.iter(B + "dataOutputRefs")}
        for item in io:
            if is_kind(item, {"dataInput"}) and item.get("id") not in inputs:
                yield finding("EXT.084", f"data input '{item.get('id')}' is in no inputSet", item)
            if is_kind(item, {"dataOutput"}) and item.get("id") not in outputs:
                yield finding("EXT.088", f"data output '{item.get('id')}' is in no outputSet", item)
    for association in index.root.iter(B + "dataInputAssociation", B + "dataOutputAssociation"):
        if association.find(B + "transformation") is None and len(association.findall(B + "sourceRef")) > 1:
            yield finding("EXT.092", f"{local_name(association)} of '{owner_of(association).get('id')}' has several "
                          "sourceRefs but no transformation", owner_of(association))


def _collections(index: Index) -> Iterator[Finding]:
    for item in index.root.iter(B + "dataObject", B + "dataInput", B + "dataOutput"):
        definition = index.by_id.get(_ref(item.get("itemSubjectRef")))
        if definition is None or not is_kind(definition, {"itemDefinition"}):
            continue
        if item.get("isCollection", "false") != definition.get("isCollection", "false"):
            yield finding("EXT.020", f"{local_name(item)} '{item.get('id')}' has isCollection="
                          f"\"{item.get('isCollection', 'false')}\" but its item definition '{definition.get('id')}' "
                          f"says \"{definition.get('isCollection', 'false')}\"", owner_of(item))


def _message_tasks(index: Index) -> Iterator[Finding]:
    for task in index.root.iter(B + "sendTask", B + "receiveTask"):
        send = is_kind(task, {"sendTask"})
        io = task.find(B + "ioSpecification")
        sets = io.findall(B + ("inputSet" if send else "outputSet")) if io is not None else []
        items = io.findall(B + ("dataInput" if send else "dataOutput")) if io is not None else []
        what = "data input" if send else "data output"
        if task.get("messageRef") and len(sets) > 1:
            yield finding("EXT.046" if send else "EXT.050", f"{name_of(task)} sends or receives a message and may "
                          f"have one {'inputSet' if send else 'outputSet'} at most, not {len(sets)}", task)
        if task.get("messageRef") and len(items) > 1:
            yield finding("EXT.047" if send else "EXT.051", f"{name_of(task)} sends or receives a message and may "
                          f"have one {what} at most, not {len(items)}", task)
        message = index.by_id.get(_ref(task.get("messageRef")))
        for item in items:
            if not _same_item(index, item.get("itemSubjectRef"), message.get("itemRef") if message is not None else None):
                yield finding("EXT.048" if send else "EXT.052", f"the {what} '{item.get('id')}' of {name_of(task)} "
                              "must carry the item of the task's message (its itemSubjectRef must be the message's "
                              "itemRef or have the same structure)", task)
        if not send and task.get("instantiate") == "true" and index.incoming.get(task.get("id")):
            yield finding("EXT.049", f"{name_of(task)} starts the process (instantiate=\"true\") and cannot have "
                          "incoming sequence flows", task)


def _event_data(index: Index) -> Iterator[Finding]:
    for event in index.root.iter():
        if not is_kind(event, EVENTS):
            continue
        items = [c for c in event if is_kind(c, {"dataInput", "dataOutput"})]
        if not items:
            continue
        definitions = [c for c in event if is_kind(c, EVENT_DEFINITIONS)]
        definitions += [index.by_id.get(_ref(r.text)) for r in event.iterfind(B + "eventDefinitionRef")]
        if len(items) != len(definitions):
            yield finding("EXT.093", f"{name_of(event)} has {len(items)} data {'inputs' if local_name(items[0]) == 'dataInput' else 'outputs'} "
                          f"for {len(definitions)} event definition(s); it needs one for each", event)
            continue
        for item, definition in zip(items, definitions):
            carried = _carried_item(index, definition)
            if carried is not None and not _same_item(index, item.get("itemSubjectRef"), carried):
                yield finding("EXT.094", f"the {local_name(item)} '{item.get('id')}' of {name_of(event)} does not carry "
                              "the item of its event definition (message, signal, error or escalation)", event)


def _carried_item(index: Index, definition: etree._Element | None) -> str | None:
    """The item definition id an event definition carries (a message's itemRef, a signal's structureRef, ...)."""
    if definition is None:
        return None
    refs = {"messageEventDefinition": ("messageRef", "itemRef"), "signalEventDefinition": ("signalRef", "structureRef"),
            "errorEventDefinition": ("errorRef", "structureRef"),
            "escalationEventDefinition": ("escalationRef", "structureRef")}
    pair = refs.get(local_name(definition))
    target = index.by_id.get(_ref(definition.get(pair[0]))) if pair else None
    return target.get(pair[1]) if target is not None else None


def _called_io(index: Index) -> Iterator[Finding]:
    for call in index.root.iter(B + "callActivity"):
        called = index.by_id.get(_ref(call.get("calledElement")))
        mine = call.find(B + "ioSpecification")
        theirs = called.find(B + "ioSpecification") if called is not None else None
        if mine is None or theirs is None:
            continue
        for kind in ("dataInput", "dataOutput"):
            own, other = mine.findall(B + kind), theirs.findall(B + kind)
            if len(own) != len(other) or not all(_same_item(index, a.get("itemSubjectRef"), b.get("itemSubjectRef"))
                                                 for a, b in zip(own, other)):
                yield finding("EXT.063", f"the {kind}s of {name_of(call)} must match those of the called "
                              f"'{called.get('id')}' ({len(own)} here, {len(other)} there, with the same items)", call)


def _same_item(index: Index, first: str | None, second: str | None) -> bool:
    """Tell whether two item definition references carry the same item (same id or same structureRef)."""
    if not first or not second:
        return not first and not second or not second
    if _ref(first) == _ref(second):
        return True
    one, two = index.by_id.get(_ref(first)), index.by_id.get(_ref(second))
    return one is not None and two is not None and one.get("structureRef") is not None \
        and one.get("structureRef") == two.get("structureRef")


def _expressions(index: Index) -> Iterator[Finding]:
    for element in index.root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).namespace != B[1:-1]:
            continue
        kind = local_name(element)
        text = "".join(element.itertext()).strip()
        formal = (element.get(XSI_TYPE) or "").split(":")[-1] == "tFormalExpression"
        in_complex = kind == "condition" and is_kind(element.getparent(), {"complexBehaviorDefinition"})
        if not text and (formal or kind in FORMAL_BODIES or in_complex):
            yield finding("EXT.013", f"the {kind} of '{owner_of(element).get('id')}' is a formal expression without "
                          "a body; write the expression", owner_of(element))
        if kind in ("documentation", "textAnnotation") or kind == "text":
            continue
        what = "complex behaviour condition" if in_complex else CONDITIONS.get(kind)
        if what and text and _constant_not_boolean(text):
            yield finding("EXT.071", f"the {what} of '{owner_of(element).get('id')}' is the constant {text}, which is "
                          "no condition (it must be true or false)", owner_of(element))
    for element in index.root.iter(B + "documentation", B + "textAnnotation"):
        text_format = element.get("textFormat")
        if text_format is not None and not _MIME.match(text_format):
            yield finding("EXT.004", f"textFormat '{text_format}' of {name_of(owner_of(element))} is no MIME type "
                          "(like text/plain)", owner_of(element))


def _constant_not_boolean(text: str) -> bool:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False  # reported by the script checks (engine/validation.py)
    return isinstance(tree.body, ast.Constant) and not isinstance(tree.body.value, bool)


def _child_references(index: Index) -> Iterator[Finding]:
    for element in index.root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = local_name(element)
        for parents, child, allowed, what in CHILD_REFERENCES:
            if parents is not None and kind not in parents:
                continue
            for ref in element.iterfind(B + child):
                value = (ref.text or "").strip()
                if value and index.kind(value) not in allowed:
                    yield finding("REF", f"{child} '{value}' of {name_of(owner_of(element))} names no {what}",
                                  owner_of(element))
        for kinds, attribute, allowed, what in ATTRIBUTE_REFERENCES:
            value = element.get(attribute)
            if value and kind in kinds and index.kind(value) not in allowed:
                yield finding("REF", f"{attribute} '{value}' of {name_of(element)} names no {what}", element)


def _flow_lists(index: Index) -> Iterator[Finding]:
    """Where a document lists the flows of its nodes (incoming/outgoing), every flow must be listed at both ends."""
    if next(index.root.iter(B + "incoming", B + "outgoing"), None) is None:
        return
    for flow in index.flows:
        for end, kind in (("sourceRef", "outgoing"), ("targetRef", "incoming")):
            node = index.by_id.get(flow.get(end))
            if node is None or not isinstance(node.tag, str):
                continue
            if flow.get("id") not in {(r.text or "").strip() for r in node.iterfind(B + kind)}:
                rule = "EXT.101" if is_kind(node, {"startEvent"}) else "EXT.107" if is_kind(node, {"endEvent"}) \
                    else "EXT.023"
                yield finding(rule, f"sequence flow '{flow.get('id')}' is not listed as {kind} of {name_of(node)}, "
                              f"as the other flows of this file are", node)


def _ref(value: str | None) -> str:
    return (value or "").strip().split(":")[-1]
