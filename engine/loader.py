"""Parse and validate uploaded BPMN/DMN models safely.

``parse_model`` takes raw file bytes, parses them with a hardened lxml parser
(no entity expansion, no DTD loading, no network, no huge trees; any DOCTYPE is
rejected), validates every BPMN file against the OMG BPMN 2.0 schema
(engine.bpmn_schema), refuses duplicate ids, checks the structural rules of
the standard (engine.bpmn_rules) and our own (engine.validation), rewrites standard constructs Spiff lacks into ones it
runs (engine.bpmn_rewrite, on a copy) and hands the trees to our extension of
SpiffWorkflow's spiff parser (engine.bpmn_parser). The expressions of timer
start events are evaluated here, without case data (there is none before a
case starts), and checked as ISO 8601 values. Every problem becomes a
``ModelProblem``; invalid input never raises anything but
``ModelValidationError``. ``load_model`` caches parsed models by content hash.

Every executable process of the files becomes a ``ParsedModel`` (a
collaboration deploys all its pools; a process called by a call activity can
also be started as a child case). The *main* process, the one a deployment
answers with, is the first uncalled process with a none start event
(participants of a collaboration in their order, then document order).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask

from engine.bpmn_parser import CaseBpmnParser, finish_specs
from engine.forms.links import link_forms
from engine.forms.model import Form
from engine.model_files import (  # noqa: F401 - ModelProblem, ModelValidationError are the loader's interface
    DEFAULT_MAX_BYTES, DEFAULT_MAX_TOTAL_BYTES, ModelProblem, ModelValidationError, missing_imports, read_files,
)
from engine.bpmn_rewrite import GLOBAL_TASKS, rewrite
from engine.bpmn_rules import check_rules
from engine.bpmn_schema import duplicate_ids, schema_problems
from engine.script_engine import SandboxedEnvironment
from engine.specs.calls import ChildCaseCall
from engine.timers import StartTimer, start_timer
from engine.validation import NSMAP, Finding, check_bpmn, check_dmn, decision_ids, local_name

_CACHE_SIZE = 64

@dataclass(frozen=True)
class UserTaskInfo:
    """A user task of a model; ``lane`` becomes the candidate group."""

    bpmn_id: str
    name: str | None
    lane: str | None
    documentation: str | None


@dataclass(frozen=True)
class ParsedModel:
    """A validated process of a model, ready to start workflows from.

    ``processes`` holds every executable process of the same files (this one
    included), by process id; ``called_keys`` the process keys its call
    activities call that the files do not contain (they must be deployed).
    """

    process_id: str
    name: str | None
    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    user_tasks: list[UserTaskInfo]
    service_operations: list[str]
    start_timers: tuple[StartTimer, ...] = ()
    called_keys: tuple[str, ...] = ()
    processes: dict[str, ParsedModel] = field(default_factory=dict, compare=False, repr=False)
    forms: Mapping[str, Form] = field(default_factory=dict)  # user task / start event id -> its form

    @property
    def start_events(self) -> list:
        """Return the task specs of the main process's start events."""
        return start_events(self.spec)

    @property
    def starts_only_by_timer(self) -> bool:
        """Tell whether every start event of the main process is a timer (no case can be started by hand)."""
        return bool(self.start_timers) and len(self.start_timers) == len(self.start_events)


def start_events(spec: BpmnProcessSpec) -> list:
    """Return the start event specs of a process (behind Spiff's ``StartEventSplit`` if there are several)."""
    found = []
    for output in spec.start.outputs:
        if isinstance(output, StartEventSplit):
            found.extend(output.outputs)
        elif isinstance(output, StartEvent):
            found.append(output)
    return found


def content_hash(files: Mapping[str, bytes]) -> str:
    """Return the sha256 hex digest over the sorted (filename, bytes) pairs."""
    digest = hashlib.sha256()
    for name in sorted(files):
        encoded = name.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(files[name]).to_bytes(8, "big") + files[name])
    return digest.hexdigest()


def _from_finding(finding: Finding, file: str) -> ModelProblem:
    return ModelProblem(finding.message, finding.element_id, finding.line, file)


def _from_spiff(exc: ValidationException, roots: Mapping[str, etree._Element]) -> ModelProblem:
    element_id = getattr(exc, "id", None) or None
    file = getattr(exc, "file_name", None) or None
    line = getattr(exc, "line_number", None)
    line = line if isinstance(line, int) and line > 0 else None
    if line is None and element_id:
        line, file = _locate(element_id, roots, file)
    tag = getattr(exc, "tag", "")
    message = str(exc).strip() or type(exc).__name__
    if tag and element_id:
        message = f"{message} ({tag} '{element_id}')"
    return ModelProblem(message, element_id, line, file)


def _locate(element_id: str, roots: Mapping[str, etree._Element], file: str | None = None) -> tuple[int | None, str | None]:
    """Return the line and file of the element with ``element_id`` (searching ``file`` only, if given)."""
    for name, root in roots.items():
        if file not in (None, name):
            continue
        found = root.xpath("//*[@id=$id]", id=element_id)
        if found:
            return found[0].sourceline, name
    return None, file


def _start_timers(spec: BpmnProcessSpec, roots: Mapping[str, etree._Element]) -> tuple[StartTimer, ...]:
    """Evaluate and check the timer start events of the main process."""
    timers, problems = [], []
    environment = SandboxedEnvironment()
    for event in start_events(spec):
        definition = getattr(event, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        try:
            timers.append(start_timer(event.bpmn_id, definition, environment.evaluate(definition.expression, {})))
        except Exception as exc:  # noqa: BLE001 - whatever the expression does wrong is reported
            line, file = _locate(event.bpmn_id, roots)
            problems.append(ModelProblem(f"timer start event '{event.bpmn_id}': {_explain(exc)}", event.bpmn_id,
                                         line, file))
    if problems:
        raise ModelValidationError(problems)
    return tuple(timers)


def _explain(exc: Exception) -> str:
    if isinstance(exc, NameError):
        return f"its expression cannot use case data (a case has none before it starts): {exc}"
    if isinstance(exc, ValueError):
        return str(exc)
    return f"its expression fails: {type(exc).__name__}: {exc}"


def _process_ids(roots: Mapping[str, etree._Element], problems: list[ModelProblem]) -> list[str]:
    """Return the ids of the executable processes, collaboration participants first, in their order."""
    executable: list[str] = []
    for name, root in roots.items():
        for process in root.iterfind("bpmn:process", NSMAP):
            has_nodes = any(local_name(child) not in ("laneSet", "documentation", "extensionElements")
                            for child in process)
            if process.get("isExecutable", "true") != "true":
                if has_nodes and not _is_participant(roots, process.get("id")):
                    problems.append(ModelProblem(
                        f"process '{process.get('id')}' is not executable; mark it isExecutable=\"true\"",
                        process.get("id"), process.sourceline, name))
                continue
            executable.append(process.get("id"))
    order = [ref for root in roots.values() for ref in root.xpath("bpmn:collaboration/bpmn:participant/@processRef",
                                                                   namespaces=NSMAP)]
    return sorted(executable, key=lambda pid: order.index(pid) if pid in order else len(order))


def _is_participant(roots: Mapping[str, etree._Element], process_id: str) -> bool:
    """A non-executable pool of a collaboration (a partner outside) is documentation, not an error."""
    return any(root.xpath("bpmn:collaboration/bpmn:participant[@processRef=$id]", namespaces=NSMAP, id=process_id)
               for root in roots.values())


def _main_process(roots: Mapping[str, etree._Element], executable: list[str]) -> str:
    """The uncalled process with a none start event that comes first (see the module docstring)."""
    called = {c.split(":")[-1] for root in roots.values()
              for c in root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP)}
    candidates = [pid for pid in executable if pid not in called] or executable
    for pid in candidates:
        for root in roots.values():
            starts = root.xpath("bpmn:process[@id=$id]/bpmn:startEvent", namespaces=NSMAP, id=pid)
            if any(not any(local_name(child).endswith("EventDefinition") or local_name(child) == "eventDefinitionRef"
                           for child in start) for start in starts):
                return pid
    return candidates[0]


def _check_call_activities(roots: Mapping[str, etree._Element]) -> list[ModelProblem]:
    problems = []
    for name, root in roots.items():
        for call in root.iterfind(".//bpmn:callActivity", NSMAP):
            if not (call.get("calledElement") or "").strip():
                problems.append(ModelProblem(f"call activity '{call.get('id')}' has no calledElement",
                                             call.get("id"), call.sourceline, name))
    return problems


def _check_schema(roots: Mapping[str, etree._Element]) -> list[ModelProblem]:
    problems = []
    duplicates = list(duplicate_ids(list(roots.values())))
    for duplicate in duplicates:
        lines = ", ".join(str(line) for line in duplicate.lines)
        problems.append(ModelProblem(f"duplicate id '{duplicate.element_id}': {len(duplicate.lines)} elements "
                                     f"(lines {lines}) use it; ids must be unique", duplicate.element_id,
                                     duplicate.lines[0] or None, None))
    names = frozenset(d.element_id for d in duplicates)
    for name, root in roots.items():
        problems.extend(ModelProblem(p.message, None, p.line, name) for p in schema_problems(root, names))
    return problems + missing_imports(roots)


def _called_keys(spec: BpmnProcessSpec, subprocess_specs: Mapping[str, BpmnProcessSpec],
                 local: set[str]) -> tuple[str, ...]:
    keys = {task_spec.target.key for process in [spec, *subprocess_specs.values()]
            for task_spec in process.task_specs.values() if isinstance(task_spec, ChildCaseCall)}
    return tuple(sorted(keys - local))


def _summarise(spec: BpmnProcessSpec, subprocess_specs: Mapping[str, BpmnProcessSpec]) -> tuple[list[UserTaskInfo], list[str]]:
    user_tasks: list[UserTaskInfo] = []
    operations: set[str] = set()
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if isinstance(task_spec, UserTask):
                user_tasks.append(UserTaskInfo(
                    task_spec.bpmn_id, task_spec.bpmn_name, task_spec.lane, task_spec.documentation))
            elif isinstance(task_spec, ServiceTask):
                operations.add(task_spec.operation_name)
    return user_tasks, sorted(operations)


def parse_model(
    files: Mapping[str, bytes],
    known_operations: Collection[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> ParsedModel:
    """Parse and validate a model made of BPMN and DMN files.

    Args:
        files: Filename to raw bytes; names must end in ``.bpmn``, ``.dmn`` or ``.form`` (Camunda Forms linked
            from user tasks and start events, see engine.forms.links).
        known_operations: If given, service tasks may only use these operations.
        max_bytes: Size limit per file.
        max_total_bytes: Size limit for all files together.

    Returns:
        The parsed model of the main process; ``processes`` holds all of them.

    Raises:
        ModelValidationError: Listing every problem found.
    """
    problems: list[ModelProblem] = []
    try:
        models = _parse(files, known_operations, max_bytes, max_total_bytes, problems)
        return models[next(iter(models))]
    except ModelValidationError:
        raise
    except Exception as exc:  # never let a parser crash escape as anything else
        problems.append(ModelProblem(f"model could not be parsed: {type(exc).__name__}: {exc}", None, None, None))
        raise ModelValidationError(problems) from exc


def _parse(
    files: Mapping[str, bytes],
    known_operations: Collection[str] | None,
    max_bytes: int,
    max_total_bytes: int,
    problems: list[ModelProblem],
) -> dict[str, ParsedModel]:
    """Parse and validate; return the models of all executable processes, the main one first."""
    bpmn_roots, dmn_roots, form_files = read_files(files, max_bytes, max_total_bytes, problems)
    problems.extend(_check_schema(bpmn_roots))
    available: set[str] = set()
    for name, root in dmn_roots.items():
        problems.extend(_from_finding(f, name) for f in check_dmn(root))
        available.update(decision_ids(root)[:1])
    for name, root in bpmn_roots.items():
        problems.extend(_from_finding(f, name) for f in check_bpmn(root, available, known_operations))
        problems.extend(_from_finding(f, name) for f in check_rules(root))
    problems.extend(_check_call_activities(bpmn_roots))
    forms, form_problems = link_forms(bpmn_roots, form_files)
    problems.extend(ModelProblem(p.message, p.element_id, p.line, p.file, p.pointer, p.german) for p in form_problems)
    executable = _process_ids(bpmn_roots, problems)
    if bpmn_roots and not executable:
        problems.append(ModelProblem("no executable process found", None, None, None))
    if not bpmn_roots and not problems:
        problems.append(ModelProblem("no .bpmn file given", None, None, None))
    if problems:
        raise ModelValidationError(problems)
    main = _main_process(bpmn_roots, executable)
    order = [main, *(pid for pid in executable if pid != main)]

    rewritten = rewrite(bpmn_roots)
    parser = CaseBpmnParser()
    try:
        for name, root in dmn_roots.items():
            parser.add_dmn_xml(root, filename=name)
        for name, root in rewritten.roots.items():
            parser.add_bpmn_xml(root.getroottree(), filename=name)
        parsed = {pid: (parser.get_spec(pid), parser.get_subprocess_specs(pid)) for pid in order}
        every_spec: dict[str, BpmnProcessSpec] = {}
        for spec, subprocess_specs in parsed.values():
            every_spec[spec.name] = spec
            every_spec.update(subprocess_specs)
        finish_specs(every_spec, rewritten.original_ids, rewritten.compensation, rewritten.compensation_steps)
    except ValidationException as exc:
        raise ModelValidationError([_from_spiff(exc, {**bpmn_roots, **dmn_roots})]) from exc
    except Exception as exc:
        raise ModelValidationError([ModelProblem(
            f"SpiffWorkflow could not parse the model: {type(exc).__name__}: {exc}", None, None, None)]) from exc
    digest = content_hash(files)
    models: dict[str, ParsedModel] = {}
    for pid, (spec, subprocess_specs) in parsed.items():
        user_tasks, operations = _summarise(spec, subprocess_specs)
        models[pid] = ParsedModel(
            process_id=pid,
            name=spec.description if spec.description != pid else None,
            content_hash=digest,
            spec=spec,
            subprocess_specs=subprocess_specs,
            user_tasks=user_tasks,
            service_operations=operations,
            start_timers=_start_timers(spec, bpmn_roots),
            called_keys=_called_keys(spec, subprocess_specs, set(executable) | _global_task_ids(bpmn_roots)),
            forms=forms,
        )
    for model in models.values():
        model.processes.update(models)
    return models


def _global_task_ids(roots: Mapping[str, etree._Element]) -> set[str]:
    return {child.get("id") for root in roots.values() for child in root if local_name(child) in GLOBAL_TASKS}


class _Files:
    """Hashable view of model files, compared by content hash."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = files
        self.digest = content_hash(files)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, _Files) and other.digest == self.digest


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _load_cached(files: _Files) -> ParsedModel:
    return parse_model(files.files)


def load_model(files: Mapping[str, bytes], process_id: str | None = None) -> ParsedModel:
    """Like ``parse_model``, but cached by content hash (bounded LRU); ``process_id`` picks a process of the files.

    Parsed specs are shared between callers and must be treated as read-only.
    """
    try:
        wrapped = _Files(files)
    except Exception as exc:  # e.g. non-bytes content cannot be hashed
        raise ModelValidationError([ModelProblem(f"invalid model files: {exc}", None, None, None)]) from exc
    model = _load_cached(wrapped)
    if process_id is None or process_id == model.process_id:
        return model
    try:
        return model.processes[process_id]
    except KeyError:
        raise ModelValidationError([ModelProblem(f"the files contain no executable process '{process_id}'",
                                                 process_id, None, None)]) from None
