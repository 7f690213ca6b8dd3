"""SpiffWorkflow's spiff parser, extended with the specs of engine/specs for what Spiff lacks.

Differences to ``SpiffBpmnParser``:

- complex gateways (and the token joins of engine/bpmn_rewrite.py) are parsed;
- call activities become ``ChildCaseCall`` (the called process runs as a
  child case, so it need not be part of the upload);
- start events know whether they interrupt (``isInterrupting``); a subprocess
  is an event subprocess only if ``triggeredByEvent="true"``;
- multi-instance activities get their behaviour and the instance counts;
- compensation throw events and compensation handlers (``isForCompensation``)
  are parsed;
- event subprocesses with a conditional start event are started with their
  process level (like timer ones), so their condition is watched;
- every process level ends with ``CaseEndJoin``; data objects and ad-hoc
  subprocesses use the classes of engine/specs/events.py.

``finish_specs`` completes what the parser cannot see: original ids of renamed
elements, compensation handlers, data inputs and outputs found by name. The
ioSpecification of a task only documents what it reads and writes: the task
works on the case data, one set of variables (as Camunda runs it; Spiff would
hide all but the data inputs and drop all but the data outputs). The one of a
process says what a calling case passes in and gets back (engine/calls.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from lxml import etree
from SpiffWorkflow.bpmn.parser.ProcessParser import AdHocParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser, SubprocessParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import StartEventJoin, StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.parser.event_parsers import (
    CANCEL_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TERMINATION_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffEndEventParser,
    SpiffIntermediateThrowEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.parser.task_spec import SpiffTaskParser, SubWorkflowParser
from SpiffWorkflow.spiff.specs.defaults import EventSubprocess
from SpiffWorkflow.spiff.specs.event_definitions import EscalationEventDefinition, SignalEventDefinition

from engine.bpmn_xml import TOKENS_ATTRIBUTE
from engine.specs.calls import CallTarget, ChildCaseCall, Mapping as CallMapping
from engine.specs.compensation import (
    CompensateEventDefinition, CompensatingCancelEventDefinition, record_completion,
)
from engine.specs.events import (
    AdHocSpec, CaseDataObject, CaseEndJoin, EventSubprocessStart, NamedDataReference, RepeatingBoundaryEvent,
)
from engine.specs.gateways import ComplexGateway
from engine.specs.messages import CaseConditionalEventDefinition, CaseMessageEventDefinition
from engine.specs.multi_instance import Behaviour, ParallelInstances, SequentialInstances

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NSMAP = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}


def _case_spec(spec: BpmnProcessSpec) -> BpmnProcessSpec:
    spec.end.__class__ = CaseEndJoin  # same state, our threshold (see engine/specs/events.py)
    return spec


class CaseProcessParser(SpiffProcessParser):
    """Process parser: our end join and data objects, conditional event subprocesses, compensation handlers."""

    def create_spec(self):
        return _case_spec(super().create_spec())

    def parse_data_object(self, obj):
        return CaseDataObject(obj.get("id"), obj.get("name"))

    def add_tasks(self):
        start_nodes = self.xpath("./bpmn:startEvent")
        if not start_nodes and self.process_executable:
            raise ValidationException("No start event found", node=self.node, file_name=self.filename)
        for node in start_nodes:
            self.parse_node(node)
        if len(start_nodes) > 1:
            split = StartEventSplit(self.spec, "StartEventSplit")
            join = StartEventJoin(self.spec, "StartEventJoin", split_task="StartEventSplit", threshold=1, cancel=True)
            for spec in self.spec.start.outputs:
                spec.inputs = [split]
                spec.connect(join)
            split.outputs = self.spec.start.outputs
            self.spec.start.outputs = [split]
            split.inputs = [self.spec.start]
        for node in self.xpath("./bpmn:subProcess[@triggeredByEvent='true']"):
            task_spec = self.parse_node(node)
            sp_spec = self.parser.process_parsers[task_spec.spec].get_spec()
            if any(isinstance(s.event_definition, ConditionalEventDefinition) for s in sp_spec.bpmn_start_events):
                self.spec.start.connect(task_spec)  # watched from the start, like a timer
                task_spec.connect(self.spec.end)
            else:
                self.spec.start.connect_or_add_trigger(task_spec, sp_spec)
        for node in self.xpath("./*[@isForCompensation='true']"):
            self.parse_node(node)


class CaseAdHocParser(AdHocParser):
    """Ad-hoc subprocesses with our spec (no completion condition needed)."""

    def create_spec(self):
        spec = super().create_spec()
        spec.__class__ = AdHocSpec
        return _case_spec(spec)


class _LoopClasses:
    """Multi-instance specs of our own, with their behaviour; message and conditional events of our own."""

    SEQUENTIAL_MI_CLASS = SequentialInstances
    PARALLEL_MI_CLASS = ParallelInstances

    def _add_multiinstance_task(self, loop_characteristics):
        super()._add_multiinstance_task(loop_characteristics)
        self.task.behaviour = _behaviour(self, loop_characteristics)

    def parse_message_event(self, message_event):
        with warnings.catch_warnings():  # Spiff warns about messageVariable on the event (still supported)
            warnings.simplefilter("ignore", DeprecationWarning)
            definition = super().parse_message_event(message_event)
        definition.__class__ = CaseMessageEventDefinition  # same attributes, our throw and catch
        return definition

    def parse_conditional_event(self, event):
        definition = super().parse_conditional_event(event)
        definition.__class__ = CaseConditionalEventDefinition
        return definition


class _CompensationThrow:
    """Throw events with a compensateEventDefinition compensate (Spiff would parse them as none events)."""

    def get_event_definition(self, xpaths):
        definition = self.node.find(f"{{{BPMN_NS}}}compensateEventDefinition")
        if definition is not None:
            activity = definition.get("activityRef")
            return CompensateEventDefinition(activity=activity.split(":")[-1] if activity else None,
                                             description="Compensation")
        return super().get_event_definition(xpaths)


class StartParser(_LoopClasses, SpiffStartEventParser):
    """Start events, with error and escalation start events of event subprocesses (Spiff parses them as none)."""

    def create_task(self):
        definition = self.get_event_definition([MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH,
                                                CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH])
        task = self._create_task(definition)
        self.spec.start.connect(task)
        task.interrupting = self.node.get("isInterrupting", "true") != "false"
        return task


class BoundaryParser(_LoopClasses, SpiffBoundaryEventParser):
    pass


class EndParser(_CompensationThrow, _LoopClasses, SpiffEndEventParser):
    """End events, also signal end events (Spiff parses them as none); a cancel end event compensates its
    transaction before it cancels it."""

    def create_task(self):
        definition = self.get_event_definition([MESSAGE_EVENT_XPATH, CANCEL_EVENT_XPATH, ERROR_EVENT_XPATH,
                                                ESCALATION_EVENT_XPATH, TERMINATION_EVENT_XPATH, SIGNAL_EVENT_XPATH])
        task = self._create_task(definition)
        task.connect(self.spec.end)
        return task

    def parse_cancel_event(self, event):
        return CompensatingCancelEventDefinition(description=self.get_event_description(event))


class ThrowParser(_CompensationThrow, _LoopClasses, SpiffIntermediateThrowEventParser):
    pass


class SubProcessParser(_LoopClasses, SubWorkflowParser):
    def create_task(self):
        extensions = self.parse_extensions()
        spec_class = EventSubprocess if self.node.get("triggeredByEvent") == "true" else self.spec_class
        return spec_class(self.spec, self.bpmn_id, subworkflow_spec=SubprocessParser.get_subprocess_spec(self),
                          prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
                          **self.bpmn_attributes)


class CallParser(_LoopClasses, SpiffTaskParser):
    def create_task(self):
        extensions = self.parse_extensions()
        return ChildCaseCall(self.spec, self.bpmn_id, target=_call_target(self), prescript=extensions.get("preScript"),
                             postscript=extensions.get("postScript"), **self.bpmn_attributes)


class ComplexGatewayParser(ConditionalGatewayParser):
    def create_task(self):
        condition = self.node.find(f"{{{BPMN_NS}}}activationCondition")
        tokens = self.node.get(TOKENS_ATTRIBUTE)
        return self.spec_class(self.spec, self.bpmn_id,
                               activation_condition=(condition.text or "").strip() or None if condition is not None
                               else None,
                               tokens=int(tokens) if tokens else None, **self.bpmn_attributes)


def _with_loops(parser_class):
    return type(parser_class.__name__, (_LoopClasses, parser_class), {})


class CaseBpmnParser(SpiffBpmnParser):
    """The parser of the engine (see the module docstring)."""

    PROCESS_PARSER_CLASS = CaseProcessParser
    AD_HOC_PARSER_CLASS = CaseAdHocParser
    OVERRIDE_PARSER_CLASSES = {
        **{tag: (_with_loops(parser), spec) for tag, (parser, spec) in SpiffBpmnParser.OVERRIDE_PARSER_CLASSES.items()},
        full_tag("startEvent"): (StartParser, EventSubprocessStart),
        full_tag("boundaryEvent"): (BoundaryParser, RepeatingBoundaryEvent),
        full_tag("endEvent"): (EndParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("endEvent")][1]),
        full_tag("intermediateThrowEvent"): (
            ThrowParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("intermediateThrowEvent")][1]),
        full_tag("subProcess"): (SubProcessParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("subProcess")][1]),
        full_tag("callActivity"): (CallParser, ChildCaseCall),
        full_tag("complexGateway"): (ComplexGatewayParser, ComplexGateway),
    }


# --- parts of nodes -----------------------------------------------------------------------------


def _call_target(parser) -> CallTarget:
    node = parser.node
    key = (node.get("calledElement") or "").strip()
    if not key:
        raise ValidationException("call activity has no calledElement", node=node, file_name=parser.filename)
    version = None
    if node.get(f"{{{CAMUNDA_NS}}}calledElementBinding") == "version":
        raw = node.get(f"{{{CAMUNDA_NS}}}calledElementVersion", "")
        if not raw.strip().isdigit():
            raise ValidationException(f"camunda:calledElementVersion '{raw}' is no version number", node=node,
                                      file_name=parser.filename)
        version = int(raw)
    return CallTarget(key.split(":")[-1], version, _mappings(node, "in"), _mappings(node, "out"))


def _mappings(node: etree._Element, kind: str) -> tuple[CallMapping, ...]:
    found = []
    for element in node.iterfind(f"bpmn:extensionElements/camunda:{kind}", NSMAP):
        if element.get("variables") == "all":
            found.append(CallMapping(all=True))
        elif element.get("source") or element.get("sourceExpression"):
            found.append(CallMapping(target=element.get("target"), source=element.get("source"),
                                     expression=_juel(element.get("sourceExpression"))))
    return tuple(found)


def _juel(expression: str | None) -> str | None:
    """``${x}`` (Camunda's notation) -> ``x``."""
    if expression is None:
        return None
    text = expression.strip()
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _behaviour(parser, loop: etree._Element) -> Behaviour:
    kind = loop.get("behavior", "All")
    root = loop.getroottree().getroot()
    if kind in ("None", "One"):
        ref = loop.get("noneBehaviorEventRef" if kind == "None" else "oneBehaviorEventRef")
        return Behaviour(kind, _event_by_id(parser, root, ref))
    if kind == "Complex":
        pairs = []
        for complex_ in loop.iterfind("bpmn:complexBehaviorDefinition", NSMAP):
            condition = complex_.find("bpmn:condition", NSMAP)
            event = complex_.find("bpmn:event", NSMAP)
            definition = _event_definition(parser, root, next(iter(event), None)) if event is not None else None
            if condition is not None and definition is not None:
                pairs.append(((condition.text or "").strip(), definition))
        return Behaviour(kind, complex_=pairs)
    return Behaviour(kind)


def _event_by_id(parser, root: etree._Element, ref: str | None):
    if not ref:
        return None
    found = root.xpath("//*[@id=$id]", id=ref.split(":")[-1])
    return _event_definition(parser, root, found[0]) if found else None


def _event_definition(parser, root: etree._Element, element: etree._Element | None):
    """Build the event definition a multi-instance behaviour throws (signal, escalation or message)."""
    if element is None:
        return None
    kind = etree.QName(element).localname
    if kind == "signalEventDefinition":
        return SignalEventDefinition(_referenced(root, element.get("signalRef"), "name"))
    if kind == "escalationEventDefinition":
        return EscalationEventDefinition(_referenced(root, element.get("escalationRef"), "name"),
                                         code=_referenced(root, element.get("escalationRef"), "escalationCode"))
    if kind == "messageEventDefinition":
        return CaseMessageEventDefinition(_referenced(root, element.get("messageRef"), "name"))
    raise ValidationException(f"multi-instance behaviour cannot throw a {kind}", node=element,
                              file_name=parser.filename)


def _referenced(root: etree._Element, ref: str | None, attribute: str) -> str | None:
    if not ref:
        return None
    found = root.xpath("//*[@id=$id]", id=ref.split(":")[-1])
    return found[0].get(attribute) if found else None


# --- after parsing --------------------------------------------------------------------------------


def finish_specs(specs: Mapping[str, BpmnProcessSpec], original_ids: Mapping[str, str],
                 compensation: Mapping[str, str], compensation_steps: Mapping[str, list] | None = None) -> None:
    """Complete the parsed specs (see the module docstring); ``specs`` are all process specs of the model.

    Args:
        original_ids: New id -> original id of elements the rewrite renamed.
        compensation: Id of a compensable activity -> id of its compensation handler.
        compensation_steps: Id of a subprocess -> the path of its compensation event subprocess.
    """
    compensation_steps = compensation_steps or {}
    compensable_processes = _compensable_processes(specs, compensation)
    for process in specs.values():
        _named_io(process)
        for spec in process.task_specs.values():
            _named_io(spec)
            if not isinstance(spec, SubWorkflowTask):
                spec.io_specification = None  # the activity works on the case data (module docstring)
            handler = compensation.get(getattr(spec, "bpmn_id", None))
            if handler is not None and handler in process.task_specs:
                spec.compensation_handler = handler
                spec.completed_event.connect(record_completion)
            elif isinstance(spec, SubWorkflowTask) and getattr(spec, "bpmn_id", None) in compensation_steps:
                spec.compensation_steps = compensation_steps[spec.bpmn_id]
                spec.completed_event.connect(record_completion)
            elif isinstance(spec, SubWorkflowTask) and spec.spec in compensable_processes:
                spec.completed_event.connect(record_completion)
        for spec in process.task_specs.values():
            bpmn_id = getattr(spec, "bpmn_id", None)
            if bpmn_id in original_ids:
                spec.bpmn_id = original_ids[bpmn_id]


def _compensable_processes(specs: Mapping[str, BpmnProcessSpec], compensation: Mapping[str, str]) -> set[str]:
    """Names of process levels that contain compensable activities (directly or in their subprocesses)."""
    found = {name for name, process in specs.items()
             if any(getattr(s, "bpmn_id", None) in compensation for s in process.task_specs.values())}
    changed = True
    while changed:
        changed = False
        for name, process in specs.items():
            if name not in found and any(isinstance(s, SubWorkflowTask) and s.spec in found
                                         for s in process.task_specs.values()):
                found.add(name)
                changed = True
    return found


def _named_io(owner) -> None:
    io = getattr(owner, "io_specification", None)
    if io is None:
        return
    io.data_inputs = [NamedDataReference(item.bpmn_id, item.bpmn_name) for item in io.data_inputs]
    io.data_outputs = [NamedDataReference(item.bpmn_id, item.bpmn_name) for item in io.data_outputs]

