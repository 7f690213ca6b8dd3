"""Workflow state serialization without the parsed process spec.

Spiff's ``BpmnWorkflowSerializer.to_dict`` writes the whole parsed spec (every task spec
of the process and of all called processes) next to the instance. Specs are parsed once
and cached by content hash (STYLE.md habit 7), so a case row only needs the instance part:
task tree, task data, workflow data, subprocess instances, pending events, correlations.

Spiff 3.2.0 allows this cleanly: the spec is written by ``BpmnWorkflowConverter`` only, and
the registry passes keyword arguments of ``restore`` to the top-level converter. We register
a subclass of that converter that omits ``spec`` and ``subprocess_specs`` on the way out and
takes them as arguments on the way in. Everything else (tasks, subprocesses, events) uses
Spiff's own converters for the spiff extension specs (``SPIFF_CONFIG``). A
case's workflow is an ``engine.case_workflow.CaseWorkflow``; it is written and
read under Spiff's type name ``BpmnWorkflow``.

Consequences:
    * The state is only valid together with the exact spec it was written with; the caller
      stores the BPMN hash next to it and passes the cached spec back.
    * Spiff's own format migrations (``bpmn/serializer/migration``) expect the spec inside
      the state and do not apply here. ``SERIALIZER_VERSION`` names this format; a future
      change of format needs a numbered migration of our own.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_FORMAT
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessageEventDefinition

from engine.case_workflow import CaseWorkflow
from engine.specs.messages import CaseConditionalEventDefinition, CaseMessageEventDefinition

SERIALIZER_VERSION = f"{SPIFF_FORMAT}-instance-1"
"""Format of the dict returned by :func:`serialize`: Spiff's format minus the specs."""

VERSION_KEY = "serializer_version"


class InstanceOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Converts a ``BpmnWorkflow`` without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        """Return the instance part of ``workflow`` as JSON-compatible dict."""
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
        """Rebuild a workflow from ``dct`` using the given (cached) specs."""
        dct = dict(dct)  # set_default_attributes pops keys; leave the caller's dict intact
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dict(dct["subprocesses"]), workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = InstanceOnlyWorkflowConverter
    # Event definitions of our own (engine/specs) travel inside events kept in the state (an event-based
    # gateway keeps the events it saw): they are stored like the Spiff classes they extend.
    config[CaseMessageEventDefinition] = SPIFF_CONFIG[SpiffMessageEventDefinition]
    config[CaseConditionalEventDefinition] = TimerConditionalEventDefinitionConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # A case's workflow is a CaseWorkflow, stored under Spiff's type name: states written before stay readable.
    InstanceOnlyWorkflowConverter(CaseWorkflow, registry, typename="BpmnWorkflow")
    return BpmnWorkflowSerializer(registry, version=SERIALIZER_VERSION)


SERIALIZER = _build_serializer()
"""The configured serializer (spiff extension specs, instance-only workflow converter)."""


def serialize(workflow: BpmnWorkflow) -> dict[str, Any]:
    """Convert a workflow's instance state to a JSON-compatible dict.

    Args:
        workflow: The top-level workflow.

    Returns:
        The state without any spec, tagged with ``serializer_version``.
    """
    state = SERIALIZER.to_dict(workflow)
    state[VERSION_KEY] = SERIALIZER_VERSION
    return state


def deserialize(
    state: dict[str, Any],
    spec: BpmnProcessSpec,
    subprocess_specs: dict[str, BpmnProcessSpec],
    script_engine: PythonScriptEngine | None = None,
) -> BpmnWorkflow:
    """Rebuild a workflow from :func:`serialize` output and the cached specs.

    Args:
        state: The dict produced by :func:`serialize` (e.g. after a JSON round trip); not modified.
        spec: The parsed top-level process spec the state was written with.
        subprocess_specs: The parsed specs of called processes and subprocesses.
        script_engine: Engine to attach; Spiff's default engine if omitted.

    Returns:
        The restored workflow.

    Raises:
        ValueError: ``state`` was written in another format version.
    """
    version = state.get(VERSION_KEY)
    if version != SERIALIZER_VERSION:
        raise ValueError(f"workflow state has serializer version {version!r}; expected {SERIALIZER_VERSION!r}")
    body = {key: value for key, value in state.items() if key != VERSION_KEY}
    workflow = SERIALIZER.from_dict(body, spec=spec, subprocess_specs=subprocess_specs)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow
