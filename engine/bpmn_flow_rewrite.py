"""Rewrites within one process level: flows, compensation pairs, link events, token quantities.

See engine/bpmn_rewrite.py for what each rewrite means and why it keeps the
model's meaning.
"""

from __future__ import annotations

from lxml import etree

from engine import bpmn_xml as rw


def rewrite_flows(scope: etree._Element, ids, compensation: dict[str, str],
                  compensation_steps: dict[str, list[tuple[str, str | None, str]]]) -> None:
    """Apply the flow-level rewrites to one process level (``ids`` hands out new unique ids)."""
    _compensation_event_subprocesses(scope, compensation_steps)
    flows = _Flows(scope, ids)
    _compensation_boundaries(scope, flows, compensation)
    _link_events(scope, flows)
    _strip_parallel_conditions(scope, flows)
    _implicit_splits(scope, flows)
    _completion_quantities(scope, flows)
    _start_quantities(scope, flows)


class _Flows:
    """The sequence flows of one process level, by source and target."""

    def __init__(self, scope: etree._Element, ids: rw.Ids):
        self.scope, self.ids = scope, ids
        self.nodes = {c.get("id"): c for c in scope if isinstance(c.tag, str) and c.get("id")}

    def flows(self) -> list[etree._Element]:
        return [c for c in self.scope if rw.is_kind(c, {"sequenceFlow"})]

    def outgoing(self, node_id: str) -> list[etree._Element]:
        return [f for f in self.flows() if f.get("sourceRef") == node_id]

    def incoming(self, node_id: str) -> list[etree._Element]:
        return [f for f in self.flows() if f.get("targetRef") == node_id]

    def add_node(self, kind: str, base: str, **attributes: str) -> etree._Element:
        node = etree.SubElement(self.scope, rw.B + kind, id=self.ids.new(base), **attributes)
        self.nodes[node.get("id")] = node
        return node

    def connect(self, source: etree._Element, target: etree._Element, base: str) -> etree._Element:
        flow = etree.SubElement(self.scope, rw.B + "sequenceFlow", id=self.ids.new(base),
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
    ref = etree.Element(rw.B + kind)
    ref.text = flow_id
    # incoming/outgoing come right after documentation/extensionElements in the schema's order
    position = 0
    for index, child in enumerate(node):
        if rw.local(child) in ("documentation", "extensionElements", "incoming", "outgoing"):
            position = index + 1
    node.insert(position, ref)


def _remove_ref(node: etree._Element, kind: str, flow_id: str) -> None:
    for child in list(node):
        if rw.is_kind(child, {kind}) and (child.text or "").strip() == flow_id:
            node.remove(child)


def _condition(flow: etree._Element) -> etree._Element | None:
    return flow.find(rw.B + "conditionExpression")


def _compensation_boundaries(scope: etree._Element, flows: _Flows, pairs: dict[str, str]) -> None:
    associations = [c for c in scope if rw.is_kind(c, {"association"})]
    for node in list(flows.nodes.values()):
        if not rw.is_kind(node, {"boundaryEvent"}) or node.find(rw.B + "compensateEventDefinition") is None:
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


def _compensation_event_subprocesses(scope: etree._Element, steps: dict[str, list]) -> None:
    """Turn a compensation event subprocess into the steps that compensate its subprocess (and remove it).

    Each step is ``(kind, value, id)``: ``("script", script, id)``, ``("task", None, id)`` or
    ``("compensate", activityRef or None, id)``; engine/validation.py allows only one path of these.
    """
    for child in list(scope):
        if not (rw.is_kind(child, {"subProcess"}) and child.get("triggeredByEvent") == "true"
                and child.find(f"{rw.B}startEvent/{rw.B}compensateEventDefinition") is not None):
            continue
        scope.remove(child)
        nodes = {node.get("id"): node for node in child if isinstance(node.tag, str) and node.get("id")}
        next_of = {flow.get("sourceRef"): flow.get("targetRef") for flow in child if rw.is_kind(flow, {"sequenceFlow"})}
        node = child.find(rw.B + "startEvent")
        chain, seen = [], set()
        while node is not None and node.get("id") not in seen:
            seen.add(node.get("id"))
            compensate = node.find(rw.B + "compensateEventDefinition")
            if rw.is_kind(node, {"scriptTask"}):
                chain.append(("script", node.findtext(rw.B + "script") or "", node.get("id")))
            elif rw.is_kind(node, {"task", "manualTask"}):
                chain.append(("task", None, node.get("id")))
            elif compensate is not None and not rw.is_kind(node, {"startEvent"}):
                chain.append(("compensate", compensate.get("activityRef"), node.get("id")))
            node = nodes.get(next_of.get(node.get("id")))
        if rw.is_kind(scope, {"subProcess", "transaction", "adHocSubProcess"}) and scope.get("id"):
            steps[scope.get("id")] = chain


def _link_events(scope: etree._Element, flows: _Flows) -> None:
    catches, throws = {}, []
    for node in flows.nodes.values():
        definition = node.find(rw.B + "linkEventDefinition")
        if definition is None:
            continue
        name = definition.get("name") or node.get("name")
        if rw.is_kind(node, {"intermediateCatchEvent"}):
            catches[name] = node
        elif rw.is_kind(node, {"intermediateThrowEvent"}):
            throws.append((node, name))
        node.remove(definition)
    for node, name in throws:
        target = catches.get(name)
        if target is not None:
            flows.connect(node, target, f"{node.get('id')}_link")


def _strip_parallel_conditions(scope: etree._Element, flows: _Flows) -> None:
    for node in flows.nodes.values():
        if rw.is_kind(node, {"parallelGateway"}):
            for flow in flows.outgoing(node.get("id")):
                condition = _condition(flow)
                if condition is not None:
                    flow.remove(condition)


def _implicit_splits(scope: etree._Element, flows: _Flows) -> None:
    """Split tokens out of an activity or event with several flows, as the standard says.

    Unconditional flows always get a token (a parallel split); the conditional
    ones and the default flow make an inclusive choice of their own: the default
    gets a token when no condition holds, whatever the unconditional flows do
    (without a default flow, no token leaves by the conditional flows then).
    """
    for node in list(flows.nodes.values()):
        if not rw.is_kind(node, rw.ACTIVITIES | rw.EVENTS):
            continue
        outgoing = flows.outgoing(node.get("id"))
        default = node.attrib.pop("default", None)
        conditional = [flow for flow in outgoing if _condition(flow) is not None]
        guarded = conditional + [flow for flow in outgoing if flow.get("id") == default] if conditional else []
        plain = [flow for flow in outgoing if flow not in guarded]
        if not guarded and len(plain) < 2:
            continue
        split = node
        if plain:
            split = flows.add_node("parallelGateway", f"{node.get('id')}_split")
            for flow in plain:
                flows.move_source(flow, split)
            flows.connect(node, split, f"{node.get('id')}_to_split")
        if guarded:
            choice = flows.add_node("inclusiveGateway", f"{node.get('id')}_choice")
            for flow in guarded:
                flows.move_source(flow, choice)
            flows.connect(split, choice, f"{node.get('id')}_to_choice")
            if not (default and any(flow.get("id") == default for flow in guarded)):
                # no condition holds and there is no default flow: that token ends here
                default = flows.connect(choice, flows.add_node("endEvent", f"{node.get('id')}_no_flow"),
                                        f"{node.get('id')}_no_flow").get("id")
            choice.set("default", default)


def _quantity(node: etree._Element, attribute: str) -> int:
    try:
        return int(node.get(attribute, "1"))
    except ValueError:
        return 1


def _completion_quantities(scope: etree._Element, flows: _Flows) -> None:
    for node in list(flows.nodes.values()):
        count = _quantity(node, "completionQuantity")
        if not rw.is_kind(node, rw.ACTIVITIES) or count < 2:
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
        if not rw.is_kind(node, rw.ACTIVITIES) or count < 2:
            continue
        join = flows.add_node("complexGateway", f"{node.get('id')}_tokens_in", **{rw.TOKENS_ATTRIBUTE: str(count)})
        for flow in flows.incoming(node.get("id")):
            flows.move_target(flow, join)
        flows.connect(join, node, f"{node.get('id')}_start")
