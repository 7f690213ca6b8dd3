"""Parse and validate uploaded BPMN/DMN models safely.

``parse_model`` takes raw file bytes, parses them with a hardened lxml parser
(no entity expansion, no DTD loading, no network, no huge trees; any DOCTYPE is
rejected), runs our own checks (engine.validation) over every file, then hands
the trees to SpiffWorkflow's spiff parser. The expressions of timer start
events are evaluated here, without case data (there is none before a case
starts), and checked as ISO 8601 values. Every problem becomes a
``ModelProblem``; invalid input never raises anything but
``ModelValidationError``. ``load_model`` caches parsed models by content hash.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask

from engine.forms.links import FORM_SUFFIX, LinkProblem, link_forms
from engine.forms.model import Form
from engine.script_engine import SandboxedEnvironment
from engine.timers import StartTimer, start_timer
from engine.validation import BPMN_NS, NSMAP, Finding, check_bpmn, check_dmn, decision_ids, local_name

DEFAULT_MAX_BYTES = 5_000_000
MAX_FILE_NAME_LENGTH = 255
"""Longest model file name (the column engine_definition_files.filename)."""
DEFAULT_MAX_TOTAL_BYTES = 20_000_000
_CACHE_SIZE = 64
PACKAGE_RESOURCE_SUFFIXES = (".html", ".css")
"""Document templates of a procedure package: checked by the package layer (processes/packages), not here."""
PACKAGE_MANIFEST = "manifest.json"
"""The manifest of a procedure package: checked by the package layer, not here."""
_DOCTYPE_REJECTED = (
    "DOCTYPE declarations are not allowed in models (entity declarations could expand "
    "or fetch external content)"
)


@dataclass(frozen=True)
class ModelProblem:
    """One thing wrong with an uploaded model."""

    message: str
    element_id: str | None
    line: int | None
    file: str | None
    pointer: str | None = None  # in a form file: the JSON pointer of the part at fault
    german: str | None = None  # the message in German, where the check that found it has one

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        if self.pointer:
            where = f"{where}#{self.pointer}" if where else self.pointer
        return f"{where}: {self.message}" if where else self.message


class ModelValidationError(Exception):
    """Raised when uploaded model files cannot be used; lists every problem found."""

    def __init__(self, problems: list[ModelProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task of a model; ``lane`` becomes the candidate group."""

    bpmn_id: str
    name: str | None
    lane: str | None
    documentation: str | None


@dataclass(frozen=True)
class ParsedModel:
    """A validated model, ready to start workflows from."""

    process_id: str
    name: str | None
    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    user_tasks: list[UserTaskInfo]
    service_operations: list[str]
    start_timers: tuple[StartTimer, ...] = ()
    forms: Mapping[str, Form] = dataclasses.field(default_factory=dict)  # user task / start event id -> its form

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


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _parse_xml(name: str, data: bytes, problems: list[ModelProblem]) -> etree._Element | None:
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        if "entit" in exc.msg.lower() or "amplification" in exc.msg.lower():
            message = f"{_DOCTYPE_REJECTED} (parser: {exc.msg})"
        else:
            message = f"not well-formed XML: {exc.msg}"
        problems.append(ModelProblem(message, None, line, name))
        return None
    except (ValueError, etree.LxmlError) as exc:
        problems.append(ModelProblem(f"cannot read XML: {exc}", None, None, name))
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        problems.append(ModelProblem(_DOCTYPE_REJECTED, None, 1, name))
        return None
    return root


def _read_files(
    files: Mapping[str, bytes], max_bytes: int, max_total_bytes: int, problems: list[ModelProblem]
) -> tuple[dict[str, etree._Element], dict[str, etree._Element], dict[str, bytes]]:
    bpmn: dict[str, etree._Element] = {}
    dmn: dict[str, etree._Element] = {}
    forms: dict[str, bytes] = {}
    if not files:
        problems.append(ModelProblem("no model files given", None, None, None))
    total = sum(len(data) for data in files.values() if isinstance(data, (bytes, bytearray)))
    if total > max_total_bytes:
        problems.append(ModelProblem(
            f"model files are {total} bytes in total; the limit is {max_total_bytes}", None, None, None))
        return bpmn, dmn, forms
    for name in sorted(files):
        if is_package_resource(name):
            continue
        data = files[name]
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ("bpmn", "dmn", FORM_SUFFIX):
            problems.append(ModelProblem("only .bpmn, .dmn and .form files are accepted", None, None, name,
                                         german="Nur .bpmn-, .dmn- und .form-Dateien werden angenommen."))
            continue
        if len(name) > MAX_FILE_NAME_LENGTH:
            problems.append(ModelProblem(f"the file name has {len(name)} characters; the limit is "
                                         f"{MAX_FILE_NAME_LENGTH}", None, None, name[:60] + "…"))
            continue
        if not isinstance(data, (bytes, bytearray)):
            problems.append(ModelProblem("file content must be bytes", None, None, name))
            continue
        if len(data) > max_bytes:
            problems.append(ModelProblem(
                f"file is {len(data)} bytes; the limit is {max_bytes}", None, None, name))
            continue
        if suffix == FORM_SUFFIX:
            forms[name] = bytes(data)
            continue
        root = _parse_xml(name, bytes(data), problems)
        if root is None:
            continue
        expected = "definitions"
        if local_name(root) != expected:
            problems.append(ModelProblem(
                f"root element is '{local_name(root)}', expected '{expected}'", None, root.sourceline, name))
        elif suffix == "bpmn" and etree.QName(root).namespace != BPMN_NS:
            problems.append(ModelProblem(
                f"not a BPMN 2.0 file (namespace '{etree.QName(root).namespace}')", None, root.sourceline, name))
        else:
            (bpmn if suffix == "bpmn" else dmn)[name] = root
    return bpmn, dmn, forms


def is_package_resource(name: str) -> bool:
    """Tell whether a file of a deployment is a package's manifest or document template (no model)."""
    return name == PACKAGE_MANIFEST or name.lower().endswith(PACKAGE_RESOURCE_SUFFIXES)


def _from_finding(finding: Finding, file: str) -> ModelProblem:
    return ModelProblem(finding.message, finding.element_id, finding.line, file)


def _from_link(problem: LinkProblem) -> ModelProblem:
    return ModelProblem(problem.message, problem.element_id, problem.line, problem.file, problem.pointer,
                        problem.german)


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
    """Return ids of executable top-level processes not called by another one."""
    executable: list[str] = []
    called: set[str] = set()
    for name, root in roots.items():
        for process in root.iterfind("bpmn:process", NSMAP):
            called.update(root.xpath(".//bpmn:callActivity/@calledElement", namespaces=NSMAP))
            has_nodes = any(local_name(child) != "laneSet" and local_name(child) != "documentation" for child in process)
            if process.get("isExecutable", "true") != "true":
                if has_nodes:
                    problems.append(ModelProblem(
                        f"process '{process.get('id')}' is not executable; mark it isExecutable=\"true\"",
                        process.get("id"), process.sourceline, name))
                continue
            executable.append(process.get("id"))
    return [pid for pid in executable if pid not in called]


def _check_call_activities(roots: Mapping[str, etree._Element]) -> list[ModelProblem]:
    process_ids = {p.get("id") for root in roots.values() for p in root.iterfind("bpmn:process", NSMAP)}
    problems = []
    for name, root in roots.items():
        for call in root.iterfind(".//bpmn:callActivity", NSMAP):
            called = call.get("calledElement")
            if called not in process_ids:
                what = f"calls process '{called}' that no file provides" if called else "has no calledElement"
                problems.append(ModelProblem(
                    f"call activity '{call.get('id')}' {what}", call.get("id"), call.sourceline, name))
    return problems


def _collect_specs(parser: SpiffBpmnParser, process_id: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    missing = sorted(key for key, value in subprocess_specs.items() if value is None)
    if missing:
        raise ValidationException(f"called process(es) not found: {', '.join(missing)}")
    return spec, subprocess_specs


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
        The parsed model with its single executable, uncalled main process.

    Raises:
        ModelValidationError: Listing every problem found.
    """
    problems: list[ModelProblem] = []
    try:
        return _parse(files, known_operations, max_bytes, max_total_bytes, problems)
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
) -> ParsedModel:
    bpmn_roots, dmn_roots, form_files = _read_files(files, max_bytes, max_total_bytes, problems)
    available: set[str] = set()
    for name, root in dmn_roots.items():
        problems.extend(_from_finding(f, name) for f in check_dmn(root))
        available.update(decision_ids(root)[:1])
    for name, root in bpmn_roots.items():
        problems.extend(_from_finding(f, name) for f in check_bpmn(root, available, known_operations))
    problems.extend(_check_call_activities(bpmn_roots))
    forms, form_problems = link_forms(bpmn_roots, form_files)
    problems.extend(_from_link(p) for p in form_problems)
    candidates = _process_ids(bpmn_roots, problems)
    if bpmn_roots and not candidates:
        problems.append(ModelProblem("no executable process found", None, None, None))
    elif len(candidates) > 1:
        problems.append(ModelProblem(
            f"ambiguous model: processes {', '.join(candidates)} are all executable and none is "
            "called by another; keep one main process", None, None, None))
    if not bpmn_roots and not problems:
        problems.append(ModelProblem("no .bpmn file given", None, None, None))
    if problems:
        raise ModelValidationError(problems)

    parser = SpiffBpmnParser()
    try:
        for name, root in dmn_roots.items():
            parser.add_dmn_xml(root, filename=name)
        for name, root in bpmn_roots.items():
            parser.add_bpmn_xml(root.getroottree(), filename=name)
        spec, subprocess_specs = _collect_specs(parser, candidates[0])
    except ValidationException as exc:
        raise ModelValidationError([_from_spiff(exc, {**bpmn_roots, **dmn_roots})]) from exc
    except Exception as exc:
        raise ModelValidationError([ModelProblem(
            f"SpiffWorkflow could not parse the model: {type(exc).__name__}: {exc}", None, None, None)]) from exc
    user_tasks, operations = _summarise(spec, subprocess_specs)
    start_timers = _start_timers(spec, bpmn_roots)
    return ParsedModel(
        process_id=candidates[0],
        name=spec.description if spec.description != candidates[0] else None,
        content_hash=content_hash(files),
        spec=spec,
        subprocess_specs=subprocess_specs,
        user_tasks=user_tasks,
        service_operations=operations,
        start_timers=start_timers,
        forms=forms,
    )


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


def load_model(files: Mapping[str, bytes]) -> ParsedModel:
    """Like ``parse_model``, but cached by content hash (bounded LRU).

    Parsed specs are shared between callers and must be treated as read-only.
    """
    try:
        wrapped = _Files(files)
    except Exception as exc:  # e.g. non-bytes content cannot be hashed
        raise ModelValidationError([ModelProblem(f"invalid model files: {exc}", None, None, None)]) from exc
    return _load_cached(wrapped)
