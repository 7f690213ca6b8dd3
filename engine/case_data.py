"""One consistent data set per case, kept next to Spiff's per-task data copies.

Spiff gives every task its own copy of the data and merges copies at joins with
``DeepMerge``, which de-duplicates and truncates lists: two parallel branches that each
append to ``log`` end with one of the two entries. In BPMN, process data belongs to the
process instance. :class:`CaseData` is that instance-level data set. It is wired around
every task run:

* ``refresh(task)`` right before the task runs (``do_engine_steps(will_complete_task=...)``,
  and for a human task before the submitted form data is merged into it);
* ``absorb(task)`` right after it ran (``did_complete_task=...``).

Algorithm
---------
Every top-level key has a version taken from a case-wide counter; a deleted key keeps its
version as a tombstone. ``absorb`` compares the task's data with a snapshot taken at
``refresh``. Each key the task changed, added or removed gets a new version, and the task
is marked with the counter (``internal_data['case_data_mark']``): its data now reflects
every version up to the mark.

A task that has not run yet got its data from its parent (``Task._inherit_data``), so its
data reflects the *nearest marked ancestor's* mark. ``refresh`` overwrites (or deletes) only
the keys whose version is newer than that mark, i.e. changes made since by other branches,
earlier loop iterations or other instances. Keys at or below the mark keep the task's own
value, which preserves values that legitimately differ per task (a message payload set at
catch time, ...). Refresh uses mark 0 (every key from the case) where the task's data is a
lossy merge or was cut down by Spiff:

* joins (every ``Join`` spec: parallel/inclusive gateways, boundary-event and end joins);
  a join also gets the case's data *after* it ran (Spiff merges the data of the
  arriving branches in ``_run_hook``, after the refresh, with the same lossy
  ``DeepMerge``) and records no change: joining changes no data,
* multi-instance and loop tasks, whose data Spiff merged from their instances,
* tasks after a task with an ``ioSpecification`` (Spiff keeps only its outputs).

Only changes a task makes while it runs are recorded. Data given at case start belongs in
``values``/``versions`` directly (the first task's refresh, at mark 0, copies it in); keys a
task merely carries without changing them (e.g. an input data item Spiff merged into a
multi-instance task) do not become case data.

Improvements over the plain snapshot diff:

* Multi-instance: the input and output data items of an instance are local to the
  instance; they are neither overwritten by refresh nor recorded by absorb (also not from
  the multi-instance task, into which Spiff merges instance data). The collected
  data output of a multi-instance task is written by Spiff into the parent task while its
  instances complete, i.e. before that task's own refresh; refresh therefore leaves the
  output collection alone and keeps it out of the snapshot, so absorb records it.
* A task with an ``ioSpecification`` sees only its inputs and keeps only its outputs; absorb
  records its outputs and no deletions, and marks it 0 (see above).
* Call activities have their own data scope in BPMN: tasks inside a called process are not
  refreshed or absorbed; the call activity task itself absorbs what the called process
  returns. (Parallel branches *inside* a called process therefore still merge the Spiff way.)

Values are plain JSON (dict with string keys, list, str, int, finite float, bool, None),
because the case data is stored in a JSON column. Dates are not accepted: Spiff's serializer
could store ``datetime`` in task data, but the case data and the audit log would then need a
second encoding; scripts store ISO 8601 strings instead. Tuples and sets are rejected rather
than silently turned into lists. Texts must be storable in PostgreSQL (no NUL character, no
lone surrogate), numbers printable (at most ``MAX_INT_DIGITS`` digits), nesting at most
``MAX_DEPTH`` levels deep, and the data tree-shaped (a list that contains itself is refused).

Size: :class:`DataLimits` bounds what one task may produce (the JSON size of the values it
changed) and the whole case data; ``absorb`` refuses a task that passes either with a
:class:`CaseDataError` naming the step and the limit (a 422 in a request, an incident in the
worker; nothing of the step is kept).
"""

from __future__ import annotations

import json
import math
import sys
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.specs.Join import Join

from engine.case_data_handover import differs, hand_down, put_case_values
from engine.errors import ExecutionFailed

MARK_KEY = "case_data_mark"
"""Key in ``Task.internal_data`` holding the counter value the task's data reflects."""


MAX_DEPTH = 64
"""Deepest nesting of lists and dicts in case data (the API refuses deeper JSON alike)."""
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
"""Most digits of an integer in case data (Python cannot write longer ones as JSON)."""
_INT_BOUND = 10**MAX_INT_DIGITS


class CaseDataError(ExecutionFailed, ValueError):
    """A task produced data that cannot be part of the case data (422 in a request, an incident in the worker)."""


@dataclass(frozen=True)
class DataLimits:
    """Size limits of case data, in bytes of compact UTF-8 JSON.

    Attributes:
        case_data_bytes: The whole case data.
        task_result_bytes: What one task changes (a script's variables, a form, a service result).
    """

    case_data_bytes: int = 5_000_000
    task_result_bytes: int = 1_000_000


class CaseData:
    """The case's single data set: values plus a per-key version, and a counter.

    Attributes:
        values: Current value per top-level key.
        versions: Counter value of the last change per key; deleted keys keep theirs.
        counter: Highest version handed out so far.
    """

    def __init__(self, values: dict | None = None, versions: dict[str, int] | None = None, counter: int = 0,
                 limits: DataLimits | None = None):
        self.values: dict[str, Any] = dict(values or {})
        self.versions: dict[str, int] = dict(versions or {})
        self.counter = counter
        self.limits = limits or DataLimits()
        self._snapshots: dict[UUID, dict[str, Any]] = {}
        self._sizes: dict[str, int] | None = None

    def to_dict(self) -> dict:
        """Return the persistent part as JSON-compatible dict (``values``, ``versions``, ``counter``)."""
        return {"values": deepcopy(self.values), "versions": dict(self.versions), "counter": self.counter}

    @classmethod
    def from_dict(cls, d: dict, limits: DataLimits | None = None) -> CaseData:
        """Rebuild from :meth:`to_dict` output."""
        return cls(deepcopy(d.get("values") or {}), d.get("versions") or {}, d.get("counter") or 0, limits)

    def check_size(self, what: str = "the case data") -> None:
        """Raise :class:`CaseDataError` if the values are larger than the case data limit.

        Args:
            what: Who made the data this large, for the message.
        """
        if self._sizes is None:
            self._sizes = {key: _entry_size(key, value) for key, value in self.values.items()}
        total = sum(self._sizes.values())
        if total > self.limits.case_data_bytes:
            raise CaseDataError(
                f"{what} would make the case data {total} bytes large; the limit is "
                f"{self.limits.case_data_bytes} bytes (setting AKTENFLUSS_CASE_DATA_MAX_BYTES)")

    def refresh(self, task) -> None:
        """Bring ``task.data`` up to date with the case right before the task runs.

        Args:
            task: The Spiff task about to run.
        """
        if not _in_case_scope(task):
            return
        self.sync(task)
        snapshot = {key: deepcopy(value) for key, value in task.data.items() if key not in _written_before_run(task)}
        self._snapshots[task.id] = snapshot

    def sync(self, task) -> None:
        """Bring ``task.data`` up to date with the case without recording a snapshot (for a task that waits).

        Args:
            task: A Spiff task (a task about to run, or a waiting event whose condition is evaluated).
        """
        if not _in_case_scope(task):
            return
        mark = 0 if _needs_full_refresh(task) else effective_mark(task)
        own = _local_keys(task) | _written_before_run(task)
        for key, version in self.versions.items():
            if version <= mark or key in own:
                continue
            if key in self.values:
                task.data[key] = deepcopy(self.values[key])
            else:
                task.data.pop(key, None)

    def discard(self, task) -> None:
        """Forget the snapshot of a task that was refreshed but did not complete (its script raised)."""
        self._snapshots.pop(task.id, None)

    def absorb(self, task) -> dict:
        """Record the changes ``task`` made to its data since :meth:`refresh`.

        Args:
            task: The Spiff task that just ran.

        Returns:
            ``{"changed": {key: new value}, "deleted": [key, ...]}`` for the audit log.

        Raises:
            CaseDataError: a changed value is not plain JSON.
            RuntimeError: ``refresh`` was not called for this task.
        """
        if not _in_case_scope(task):
            return {"changed": {}, "deleted": []}
        try:
            snapshot = self._snapshots.pop(task.id)
        except KeyError:
            raise RuntimeError(f"CaseData.absorb called for task '{task.task_spec.name}' without refresh") from None
        if isinstance(task.task_spec, Join):  # what Spiff merged there is lossy, not a change
            put_case_values(self.values, self.versions, task)
            task.internal_data[MARK_KEY] = self.counter
            hand_down(self.versions, task)
            return {"changed": {}, "deleted": []}
        local = _local_keys(task)
        cut_down = getattr(task.task_spec, "io_specification", None) is not None
        step = f"step '{getattr(task.task_spec, 'bpmn_id', None) or task.task_spec.name}'"
        changed = {}
        for key, value in task.data.items():
            if key in local:
                continue
            if key not in snapshot or differs(snapshot[key], value):
                check_json(value, key, step)
                changed[key] = value
        read_only = {obj.bpmn_id for obj in getattr(task.task_spec, "data_input_associations", [])}
        deleted = [] if cut_down else [key for key in snapshot
                                       if key not in task.data and key not in local and key not in read_only]
        check_result_size(changed, self.limits, step)
        for key, value in changed.items():
            self.counter += 1
            self.values[key] = deepcopy(value)
            self.versions[key] = self.counter
            if self._sizes is not None:
                self._sizes[key] = _entry_size(key, value)
        for key in deleted:
            self.counter += 1
            self.values.pop(key, None)
            self.versions[key] = self.counter
            if self._sizes is not None:
                self._sizes.pop(key, None)
        if changed:
            self.check_size(step)
        task.internal_data[MARK_KEY] = 0 if cut_down else self.counter
        if not cut_down:
            hand_down(self.versions, task)
        return {"changed": deepcopy(changed), "deleted": deleted}


def check_result_size(values: dict[str, Any], limits: DataLimits, what: str) -> None:
    """Raise :class:`CaseDataError` if checked values are larger than what one task may produce.

    Args:
        values: Top-level names and their values (checked with :func:`check_json`).
        limits: The limits.
        what: Who produced them (``"step 'calc'"``, ``"the message"``), for the message.
    """
    size = sum(_entry_size(key, value) for key, value in values.items())
    if size > limits.task_result_bytes:
        raise CaseDataError(
            f"{what} produced {size} bytes of data; the limit for what one task produces is "
            f"{limits.task_result_bytes} bytes (setting AKTENFLUSS_TASK_RESULT_MAX_BYTES)")


def _entry_size(key: str, value: Any) -> int:
    """Bytes one top-level entry takes in the stored JSON (checked values only)."""
    return len(key.encode("utf-8")) + len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")) + 4


def effective_mark(task) -> int:
    """Return the mark of ``task`` or of its nearest marked ancestor (0 if none).

    Args:
        task: A Spiff task.
    """
    current = task
    while current is not None:
        mark = current.internal_data.get(MARK_KEY)
        if mark is not None:
            return mark
        current = current.parent
    return 0


def _needs_full_refresh(task) -> bool:
    """True where the task's data is a lossy merge, so every key comes from the case."""
    return isinstance(task.task_spec, (Join, LoopTask))


def _local_keys(task) -> set[str]:
    """Input and output data items of a multi-instance task: local to each instance.

    They are local for the instances and also for the multi-instance task itself, into
    which Spiff merges instance data when no data output is declared.
    """
    spec = task.task_spec
    if not isinstance(spec, MultiInstanceTask):
        parent = task.parent
        if parent is None or not isinstance(parent.task_spec, MultiInstanceTask) or parent.task_spec.task_spec != spec.name:
            return set()
        spec = parent.task_spec
    return {item.bpmn_id for item in (spec.input_item, spec.output_item) if item is not None} | {"loopCounter"}


def _written_before_run(task) -> set[str]:
    """Keys Spiff wrote into the task before it ran: a multi-instance task's collected output."""
    spec = task.task_spec
    if isinstance(spec, MultiInstanceTask) and spec.data_output is not None:
        return {spec.data_output.bpmn_id}
    return set()


def _in_case_scope(task) -> bool:
    """False for tasks inside a called process (call activities have their own data scope)."""
    workflow = task.workflow
    while workflow.parent_task_id is not None:
        owner = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if isinstance(owner.task_spec, CallActivity):
            return False
        workflow = owner.workflow
    return True


def check_json(value: Any, path: str, where: str | None = None) -> None:
    """Raise :class:`CaseDataError` unless ``value`` is plain JSON that can be stored (see the module docstring).

    The walk is iterative, so neither a deep nor a self-referencing value can crash it.

    Args:
        value: The value.
        path: Its name, for the message.
        where: Who produced it (``"step 'calc'"``), for the message.
    """
    prefix = f"{where}: " if where else ""
    on_path: set[int] = set()
    stack: list[tuple[Any, str, int, bool]] = [(value, path, 0, False)]
    while stack:
        item, name, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(item))
            continue
        problem = _scalar_problem(item)
        if problem == "":
            continue
        if problem is not None:
            raise CaseDataError(f"{prefix}case data '{name}' {problem}")
        if id(item) in on_path:
            raise CaseDataError(f"{prefix}case data '{name}' contains itself (a self-referencing "
                                f"{type(item).__name__}); only tree-shaped data can be stored")
        if depth >= MAX_DEPTH:
            raise CaseDataError(f"{prefix}case data '{path}' is nested more than {MAX_DEPTH} levels deep")
        on_path.add(id(item))
        stack.append((item, name, depth, True))
        if isinstance(item, list):
            stack.extend((child, f"{name}[{index}]", depth + 1, False) for index, child in enumerate(item))
            continue
        for key, child in item.items():
            if not isinstance(key, str):
                raise CaseDataError(f"{prefix}case data '{name}' has a {type(key).__name__} key {key!r}; "
                                    "keys must be strings")
            key_problem = _text_problem(key)
            if key_problem:
                raise CaseDataError(f"{prefix}case data '{name}' has a key that {key_problem}")
            stack.append((child, f"{name}.{key}", depth + 1, False))


def _scalar_problem(value: Any) -> str | None:
    """"" for a storable scalar, a problem for an unstorable value, None for a list or dict (walked further)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return _text_problem(value) or ""
    if isinstance(value, int):
        if abs(value) >= _INT_BOUND:
            return f"is a number with more than {MAX_INT_DIGITS} digits"
        return ""
    if isinstance(value, float):
        return "" if math.isfinite(value) else f"is {value}; only finite numbers can be stored"
    if isinstance(value, (list, dict)):
        return None
    return (f"holds a {type(value).__name__}; only JSON values (dict, list, str, number, bool, None) can be stored"
            " — store dates as ISO 8601 strings")


def _text_problem(text: str) -> str | None:
    if "\0" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (e.g. \\ud800), which is not valid Unicode text"
    return None
