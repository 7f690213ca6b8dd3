"""Rules of the standard for input/output specifications, services, participants and compensation pairs.

Part of the structural checks (engine/bpmn_rules.py): the sets of an
ioSpecification must agree with each other, a service task bound to an
operation must fit it, participant multiplicities must make sense, a called
process must be startable, and a compensation boundary event must lead to an
activity marked for compensation.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from engine.bpmn_index import B, Index, finding, is_kind, name_of, owner_of
from engine.validation import Finding, local_name


def io_rules(index: Index) -> Iterator[Finding]:
    """Check the rules of this module over one document."""
    yield from _set_refs(index)
    yield from _service_tasks(index)
    yield from _association_items(index)
    yield from _multiplicities(index)
    yield from _called_processes(index)
    yield from _compensation_pairs(index)


def _texts(parent: etree._Element, child: str) -> set[str]:
    return {(r.text or "").strip() for r in parent.iterfind(B + child)}


def _set_refs(index: Index) -> Iterator[Finding]:
    for io in index.root.iter(B + "ioSpecification"):
        owner = owner_of(io)
        for kind, rule_optional, rule_while, refs in (("inputSet", "EXT.085", "EXT.086", "dataInputRefs"),
                                                      ("outputSet", "EXT.089", "EXT.090", "dataOutputRefs")):
            prefix = "optional" if kind == "inputSet" else "optional"
            for item_set in io.iterfind(B + kind):
                listed = _texts(item_set, refs)
                for extra, rule in ((f"{prefix}{'Input' if kind == 'inputSet' else 'Output'}Refs", rule_optional),
                                    (f"whileExecuting{'Input' if kind == 'inputSet' else 'Output'}Refs", rule_while)):
                    for ref in _texts(item_set, extra) - listed:
                        yield finding(rule, f"{extra} '{ref}' of a {kind} of '{owner.get('id')}' must also be listed "
                                      f"as {refs} of that set", owner)
        sets = {s.get("id"): s for s in io if is_kind(s, {"inputSet", "outputSet"}) and s.get("id")}
        for item_set in sets.values():
            other_kind, back = ("outputSetRefs", "inputSetRefs") if is_kind(item_set, {"inputSet"}) \
                else ("inputSetRefs", "outputSetRefs")
            for ref in _texts(item_set, other_kind):
                other = sets.get(ref)
                if other is None or item_set.get("id") not in _texts(other, back):
                    yield finding("EXT.087", f"{local_name(item_set)} '{item_set.get('id')}' of '{owner.get('id')}' "
                                  f"names '{ref}' in {other_kind}, which does not name it back", owner)


def _service_tasks(index: Index) -> Iterator[Finding]:
    for task in index.root.iter(B + "serviceTask"):
        operation = index.by_id.get((task.get("operationRef") or "").split(":")[-1])
        if operation is None or not is_kind(operation, {"operation"}):
            continue
        io = task.find(B + "ioSpecification")
        inputs = io.findall(B + "inputSet") if io is not None else []
        outputs = io.findall(B + "outputSet") if io is not None else []
        if len(inputs) != 1:
            yield finding("EXT.042", f"{name_of(task)} calls operation '{operation.get('id')}' and needs exactly one "
                          f"inputSet in its ioSpecification, not {len(inputs)}", task)
        if len(outputs) > 1:
            yield finding("EXT.043", f"{name_of(task)} calls operation '{operation.get('id')}' and may have one "
                          f"outputSet at most, not {len(outputs)}", task)
        for rule, message_ref, kind in (("EXT.044", "inMessageRef", "dataInput"), ("EXT.045", "outMessageRef", "dataOutput")):
            message = index.by_id.get(operation.findtext(B + message_ref, "").strip().split(":")[-1])
            if message is None:
                continue
            for item in (io.findall(B + kind) if io is not None else [None]):
                if item is None or not _same(index, item.get("itemSubjectRef"), message.get("itemRef")):
                    yield finding(rule, f"{name_of(task)} must have a {kind} that carries the item of message "
                                  f"'{message.get('id')}' of operation '{operation.get('id')}'", task)
                    break


def _association_items(index: Index) -> Iterator[Finding]:
    for association in index.root.iter(B + "dataInputAssociation", B + "dataOutputAssociation"):
        if association.find(B + "transformation") is not None:
            continue
        sources = [_item_of(index, index.by_id.get(s)) for s in _texts(association, "sourceRef")]
        target = _item_of(index, index.by_id.get(association.findtext(B + "targetRef", "").strip()))
        for source in sources:
            if source and target and not _same(index, source, target):
                yield finding("EXT.091", f"the {local_name(association)} of '{owner_of(association).get('id')}' "
                              "connects data of different item definitions without a transformation",
                              owner_of(association))


def _item_of(index: Index, element: etree._Element | None) -> str | None:
    if element is None:
        return None
    if is_kind(element, {"dataObjectReference"}):
        element = index.by_id.get(element.get("dataObjectRef"))
    return element.get("itemSubjectRef") if element is not None else None


def _same(index: Index, first: str | None, second: str | None) -> bool:
    if not first or not second or first.split(":")[-1] == second.split(":")[-1]:
        return bool(first) == bool(second) or not second
    one, two = index.by_id.get(first.split(":")[-1]), index.by_id.get(second.split(":")[-1])
    return one is not None and two is not None and one.get("structureRef") is not None \
        and one.get("structureRef") == two.get("structureRef")


def _multiplicities(index: Index) -> Iterator[Finding]:
    for multiplicity in index.root.iter(B + "participantMultiplicity"):
        participant = owner_of(multiplicity)
        try:
            minimum, maximum = int(multiplicity.get("minimum", "0")), int(multiplicity.get("maximum", "1"))
        except ValueError:
            continue  # the schema check reports it
        if minimum < 0:
            yield finding("EXT.029", f"participant '{participant.get('id')}' has a negative minimum multiplicity",
                          participant)
        if maximum < 1 or maximum < minimum:
            yield finding("EXT.030", f"participant '{participant.get('id')}' has maximum multiplicity {maximum}; it "
                          "must be at least 1 and at least the minimum", participant)


def _called_processes(index: Index) -> Iterator[Finding]:
    for call in index.root.iter(B + "callActivity"):
        process = index.by_id.get((call.get("calledElement") or "").split(":")[-1])
        if process is None or not is_kind(process, {"process"}):
            continue
        starts = [e for e in process if is_kind(e, {"startEvent"})]
        if starts and not any(not any(is_kind(c, {"eventDefinitionRef"}) or local_name(c).endswith("EventDefinition")
                                      for c in start if isinstance(c.tag, str)) for start in starts):
            yield finding("EXT.099", f"{name_of(call)} calls process '{process.get('id')}', which has no none start "
                          "event to start it with", call)


def _compensation_pairs(index: Index) -> Iterator[Finding]:
    associations = list(index.root.iter(B + "association"))
    for boundary in index.root.iter(B + "boundaryEvent"):
        if boundary.find(B + "compensateEventDefinition") is None:
            continue
        handlers = [index.by_id.get(a.get("targetRef") if a.get("sourceRef") == boundary.get("id") else a.get("sourceRef"))
                    for a in associations if boundary.get("id") in (a.get("sourceRef"), a.get("targetRef"))]
        if not handlers:
            yield finding("EXT.143", f"compensation boundary event '{boundary.get('id')}' must be connected by an "
                          "association to the activity that compensates", boundary)
        for handler in handlers:
            if handler is not None and handler.get("isForCompensation") != "true":
                yield finding("EXT.144", f"compensation boundary event '{boundary.get('id')}' is associated with "
                              f"'{handler.get('id')}', which is not marked for compensation (isForCompensation)",
                              boundary)
