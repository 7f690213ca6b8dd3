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
than silently turned into lists.
"""

from __future__ import annotations

import math
from copy import deepcopy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.specs.Join import Join

MARK_KEY = "case_data_mark"
"""Key in ``Task.internal_data`` holding the counter value the task's data reflects."""


class CaseDataError(ValueError):
    """A task produced data that cannot be part of the case data."""


class CaseData:
    """The case's single data set: values plus a per-key version, and a counter.

    Attributes:
        values: Current value per top-level key.
        versions: Counter value of the last change per key; deleted keys keep theirs.
        counter: Highest version handed out so far.
    """

    def __init__(self, values: dict | None = None, versions: dict[str, int] | None = None, counter: int = 0):
        self.values: dict[str, Any] = dict(values or {})
        self.versions: dict[str, int] = dict(versions or {})
        self.counter = counter
        self._snapshots: dict[UUID, dict[str, Any]] = {}

    def to_dict(self) -> dict:
        """Return the persistent part as JSON-compatible dict (``values``, ``versions``, ``counter``)."""
        return {"values": deepcopy(self.values), "versions": dict(self.versions), "counter": self.counter}

    @classmethod
    def from_dict(cls, d: dict) -> CaseData:
        """Rebuild from :meth:`to_dict` output."""
        return cls(deepcopy(d.get("values") or {}), d.get("versions") or {}, d.get("counter") or 0)

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
        if isinstance(task.task_spec, Join):
            self._overwrite(task)
            return {"changed": {}, "deleted": []}
        local = _local_keys(task)
        cut_down = getattr(task.task_spec, "io_specification", None) is not None
        changed = {}
        for key, value in task.data.items():
            if key in local:
                continue
            if key not in snapshot or snapshot[key] != value:
                check_json(value, key)
                changed[key] = value
        read_only = {obj.bpmn_id for obj in getattr(task.task_spec, "data_input_associations", [])}
        deleted = [] if cut_down else [key for key in snapshot
                                       if key not in task.data and key not in local and key not in read_only]
        for key, value in changed.items():
            self.counter += 1
            self.values[key] = deepcopy(value)
            self.versions[key] = self.counter
        for key in deleted:
            self.counter += 1
            self.values.pop(key, None)
            self.versions[key] = self.counter
        task.internal_data[MARK_KEY] = 0 if cut_down else self.counter
        return {"changed": deepcopy(changed), "deleted": deleted}

    def _overwrite(self, task) -> None:
        """Give a join the case's data after it ran: what Spiff merged there is lossy, not a change."""
        for key in self.versions:
            if key in self.values:
                task.data[key] = deepcopy(self.values[key])
            else:
                task.data.pop(key, None)
        task.internal_data[MARK_KEY] = self.counter


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


def check_json(value: Any, path: str) -> None:
    """Raise :class:`CaseDataError` unless ``value`` is plain JSON."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CaseDataError(f"case data '{path}' is {value}; only finite numbers can be stored")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CaseDataError(f"case data '{path}' has a {type(key).__name__} key {key!r}; keys must be strings")
            check_json(item, f"{path}.{key}")
        return
    raise CaseDataError(
        f"case data '{path}' holds a {type(value).__name__}; only JSON values "
        "(dict, list, str, number, bool, None) can be stored — store dates as ISO 8601 strings"
    )
