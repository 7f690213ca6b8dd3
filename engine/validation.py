"""Checks of our own over parsed BPMN/DMN trees, before SpiffWorkflow sees them.

SpiffWorkflow stops at the first error it finds and silently skips elements
it does not know. These checks collect every problem in one pass, each naming
the element and its line: elements and flows that point nowhere, gateways
without conditions, constructs the engine cannot run (and says so), unsafe
scripts. Constructs Spiff lacks but the engine runs (compensation, link
events, complex gateways, implicit splits, conditional flows out of
activities) are rewritten by engine/bpmn_rewrite.py; structural rules of the
standard are checked in engine/bpmn_rules.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from lxml import etree

from engine.script_engine import ScriptSecurityError, check_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
CONDITIONAL_GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "complexGateway"}
SUPPORTED_FLOW_NODES = GATEWAYS | {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask",
    "sendTask", "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
}
NON_FLOW_ELEMENTS = {
    "sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference",
    "textAnnotation", "association", "group", "ioSpecification", "property", "documentation",
    "extensionElements", "incoming", "outgoing", "standardLoopCharacteristics",
    "multiInstanceLoopCharacteristics", "dataInputAssociation", "dataOutputAssociation",
    "completionCondition", "auditing", "monitoring", "correlationSubscription", "activationCondition",
}
COMPENSATION_HANDLERS = {"scriptTask", "task", "manualTask"}
"""Handlers the engine runs inline when it compensates (engine/specs/compensation.py)."""
COMPENSATION_STEPS = COMPENSATION_HANDLERS | {"startEvent", "intermediateThrowEvent", "endEvent"}
"""What a compensation event subprocess may contain (a chain the engine runs inline)."""
# Elements holding expressions that Spiff evaluates (eval) or scripts it runs (exec).
EXPRESSION_PATHS = [
    (".//bpmn:conditionExpression", "eval", "condition"),
    (".//bpmn:loopCondition", "eval", "loop condition"),
    (".//bpmn:completionCondition", "eval", "completion condition"),
    (".//bpmn:loopCardinality", "eval", "loop cardinality"),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "eval", "event condition"),
    (".//bpmn:activationCondition", "eval", "activation condition"),
    (".//bpmn:timeDate", "eval", "timer expression"),
    (".//bpmn:timeDuration", "eval", "timer expression"),
    (".//bpmn:timeCycle", "eval", "timer expression"),
    (".//bpmn:scriptTask/bpmn:script", "exec", "script"),
    (".//spiffworkflow:preScript", "exec", "pre-script"),
    (".//spiffworkflow:postScript", "exec", "post-script"),
]


@dataclass(frozen=True)
class Finding:
    """One problem found by a check; the loader adds the file name."""

    message: str
    element_id: str | None
    line: int | None


def local_name(element: etree._Element) -> str:
    """Return the tag of ``element`` without its namespace."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _bpmn(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and etree.QName(element).namespace == BPMN_NS


def _label(element: etree._Element) -> str:
    kind = {
        "exclusiveGateway": "exclusive gateway", "inclusiveGateway": "inclusive gateway",
        "parallelGateway": "parallel gateway", "complexGateway": "complex gateway",
    }.get(local_name(element), local_name(element))
    return f"{kind} '{element.get('id')}'"


def _finding(message: str, element: etree._Element) -> Finding:
    return Finding(message, element.get("id"), element.sourceline)


def decision_ids(dmn_root: etree._Element) -> list[str]:
    """Return the ids of the decisions a DMN document declares, in order."""
    return [d.get("id") for d in dmn_root if local_name(d) == "decision" and d.get("id")]


def check_dmn(dmn_root: etree._Element) -> Iterator[Finding]:
    """Check a DMN document: one decision per file, sandbox-safe expressions."""
    decisions = [d for d in dmn_root if local_name(d) == "decision"]
    if not decisions:
        yield _finding("DMN file declares no decision", dmn_root)
    elif len(decisions) > 1:
        ids = ", ".join(str(d.get("id")) for d in decisions)
        yield _finding(f"DMN file declares several decisions ({ids}); only one per file is supported", dmn_root)
    for element in dmn_root.iter():
        if local_name(element) in ("inputExpression", "outputEntry"):
            text = "".join(t.text or "" for t in element if local_name(t) == "text").strip()
            if text and text != "-":
                yield from _check_source(text, "eval", "DMN expression", element)


def check_bpmn(
    root: etree._Element,
    decision_ids_available: Collection[str],
    known_operations: Collection[str] | None,
) -> Iterator[Finding]:
    """Run all structural and script checks over one BPMN document."""
    for scope in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                           f"{{{BPMN_NS}}}transaction", f"{{{BPMN_NS}}}adHocSubProcess"):
        yield from _check_scope(scope)
    yield from _check_events_and_elements(root)
    yield from _check_service_tasks(root, known_operations)
    yield from _check_business_rule_tasks(root, decision_ids_available)
    yield from _check_scripts(root)


def _check_scope(scope: etree._Element) -> Iterator[Finding]:
    nodes = {c.get("id"): c for c in scope if _bpmn(c) and local_name(c) in SUPPORTED_FLOW_NODES}
    flows = [c for c in scope if _bpmn(c) and local_name(c) == "sequenceFlow"]
    outgoing: dict[str, list[etree._Element]] = {}
    for flow in flows:
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in nodes:
                yield _finding(f"sequence flow '{flow.get('id')}' has {end} '{flow.get(end)}' that is no element of the same process", flow)
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)

    if local_name(scope) == "process" and scope.get("isExecutable", "true") == "true":
        if not any(local_name(n) == "startEvent" or is_instantiating_receive_task(n, scope) for n in nodes.values()):
            yield _finding(f"process '{scope.get('id')}' has no start event", scope)

    for node_id, node in nodes.items():
        kind = local_name(node)
        flows_out = outgoing.get(node_id, [])
        if kind in CONDITIONAL_GATEWAYS and len(flows_out) > 1:
            for flow in flows_out:
                if flow.find("bpmn:conditionExpression", NSMAP) is None and flow.get("id") != node.get("default"):
                    yield _finding(
                        f"{_label(node)} has an outgoing flow '{flow.get('id')}' without condition and is not the default",
                        flow,
                    )
        elif kind == "eventBasedGateway" or kind.endswith("Event"):
            for flow in flows_out:
                if flow.find("bpmn:conditionExpression", NSMAP) is not None:
                    yield _finding(
                        f"sequence flow '{flow.get('id')}' from {_label(node)} has a condition; flows out of events "
                        "and event-based gateways cannot be conditional", flow)


def _check_events_and_elements(root: etree._Element) -> Iterator[Finding]:
    scopes = {"process", "subProcess", "transaction", "adHocSubProcess"}
    for element in root.iter():
        if not _bpmn(element):
            continue
        kind = local_name(element)
        if is_compensation_event_subprocess(element):
            yield from _check_compensation_event_subprocess(element)
        elif element.get("isForCompensation") == "true" and kind not in COMPENSATION_HANDLERS and kind in SUPPORTED_FLOW_NODES:
            yield _finding(f"compensation handler '{element.get('id')}' is a {kind}; the engine runs script tasks, "
                           "tasks and manual tasks as compensation handlers", element)
        if (
            element.getparent() is not None
            and local_name(element.getparent()) in scopes
            and _bpmn(element.getparent())
            and kind not in SUPPORTED_FLOW_NODES | NON_FLOW_ELEMENTS
        ):
            yield _finding(f"element type '{kind}' ('{element.get('id')}') is not supported", element)


def is_instantiating_receive_task(node: etree._Element, scope: etree._Element) -> bool:
    """Tell whether a node is a receive task that starts its process (``instantiate``, no incoming flow, no
    boundary event): engine/bpmn_rewrite.py makes it a message start event."""
    node_id = node.get("id")
    return (local_name(node) == "receiveTask" and node.get("instantiate") == "true" and _bpmn(node)
            and not any(local_name(c) == "sequenceFlow" and c.get("targetRef") == node_id for c in scope)
            and not any(local_name(c) == "boundaryEvent" and (c.get("attachedToRef") or "").split(":")[-1] == node_id
                        for c in scope))


def is_compensation_event_subprocess(element: etree._Element) -> bool:
    """Tell whether an element is an event subprocess started by a compensation event."""
    return (local_name(element) == "subProcess" and element.get("triggeredByEvent") == "true"
            and element.find("bpmn:startEvent/bpmn:compensateEventDefinition", NSMAP) is not None)


def _check_compensation_event_subprocess(element: etree._Element) -> Iterator[Finding]:
    outgoing: dict[str, int] = {}
    for flow in element.iterfind("bpmn:sequenceFlow", NSMAP):
        outgoing[flow.get("sourceRef")] = outgoing.get(flow.get("sourceRef"), 0) + 1
    for node in element:
        kind = local_name(node) if _bpmn(node) else None
        if kind in SUPPORTED_FLOW_NODES and (kind not in COMPENSATION_STEPS or outgoing.get(node.get("id"), 0) > 1
                                            or node.get("isForCompensation") == "true"):
            yield _finding(
                f"compensation event subprocess '{element.get('id')}' contains '{node.get('id')}' ({kind}); the engine "
                "runs compensation event subprocesses made of one path of script tasks, tasks, manual tasks and "
                "none or compensation events", node)


def _check_service_tasks(root: etree._Element, known_operations: Collection[str] | None) -> Iterator[Finding]:
    for task in root.iterfind(".//bpmn:serviceTask", NSMAP):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NSMAP)
        name = operator.get("id") if operator is not None else None
        if not name:
            yield _finding(
                f"service task '{task.get('id')}' has no operation name "
                "(spiffworkflow:serviceTaskOperator id)",
                task,
            )
            continue
        if known_operations is not None and name not in known_operations:
            yield _finding(f"service task '{task.get('id')}' uses unknown operation '{name}'", task)
        for param in operator.iterfind(".//spiffworkflow:parameter", NSMAP):
            if param.get("value") is not None:
                yield from _check_source(param.get("value"), "eval", f"parameter '{param.get('id')}' of service task", task)


def _check_business_rule_tasks(root: etree._Element, available: Collection[str]) -> Iterator[Finding]:
    for task in root.iterfind(".//bpmn:businessRuleTask", NSMAP):
        decision = task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", None, NSMAP)
        decision = decision.strip() if decision else None
        if not decision:
            hint = " (camunda:decisionRef is not supported)" if task.get(f"{{{CAMUNDA_NS}}}decisionRef") else ""
            yield _finding(
                f"business rule task '{task.get('id')}' has no spiffworkflow:calledDecisionId{hint}", task
            )
        elif decision not in available:
            known = ", ".join(sorted(available)) or "none"
            yield _finding(
                f"business rule task '{task.get('id')}' calls decision '{decision}' that no DMN file provides "
                f"(available: {known})",
                task,
            )


def _check_scripts(root: etree._Element) -> Iterator[Finding]:
    for task in root.iterfind(".//bpmn:scriptTask", NSMAP):
        if not (task.findtext("bpmn:script", "", NSMAP) or "").strip():
            yield _finding(f"script task '{task.get('id')}' has no script", task)
    for path, mode, what in EXPRESSION_PATHS:
        for element in root.iterfind(path, NSMAP):
            owner = _owner(element)
            if (element.text or "").strip():
                yield from _check_source(element.text, mode, what, owner)


def _owner(element: etree._Element) -> etree._Element:
    """Return the nearest ancestor (or self) that has an id, for reporting."""
    current = element
    while current is not None and current.get("id") is None:
        current = current.getparent()
    return current if current is not None else element


def _check_source(source: str, mode: str, what: str, owner: etree._Element) -> Iterator[Finding]:
    try:
        check_script(source, mode)
    except ScriptSecurityError as exc:
        yield _finding(f"{what} of '{owner.get('id')}' is rejected: {exc}", owner)
