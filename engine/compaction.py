"""Remove finished history from a workflow so a long-running case keeps a flat cost.

Why: Spiff keeps every task that ever ran. The serializer writes the whole tree, so each
step of a loop costs more than the last (O(n²) over a case), and ``TaskIterator`` stops
descending at depth 1000, so in a loop of a few hundred iterations the next task is silently
not found any more (``do_engine_steps`` does nothing, ``get_tasks(state=READY)`` is empty).
Spiff's ``is_descendant_of``/``find_ancestor`` also recurse once per tree level and hit
Python's recursion limit in deep trees.

What is kept, per (sub)workflow:

* the root task (event subprocess starts are added below it),
* every unfinished task (MAYBE, LIKELY, FUTURE, WAITING, READY, STARTED) with its whole
  subtree (a running multi-instance or loop task keeps its finished instances),
* the ancestors of unfinished tasks,
* for an unfinished structured join (``Join`` with ``split_task``: boundary-event joins,
  multiple start events) the whole subtree of its split, which the join inspects.

Everything else is finished history in a branch without unfinished tasks and is removed.
Then the kept ancestor chains are shortened: a finished task with exactly one kept child is
spliced out (the child is attached to its parent), unless something looks at it:

* the parent of a join task: parallel/inclusive gateways identify the arrived incoming flow
  by ``task.parent.task_spec`` and copy data from ``task.parent``;
* the split of a structured join and everything below it (``find_ancestor``);
* the root.

How Spiff's lookups are served by what is kept: joins (``unstructured_join.py``,
``parallel_gateway.py``, ``inclusive_gateway.py``) look at the other task instances of the
same join spec and their parents; waiting instances are unfinished and their parents are
never spliced; finished instances in dead branches are history. Boundary events
(``BoundaryEventSplit``/``BoundaryEventJoin``) and multiple start events are pinned as above.
Event-based gateways, catching events and timers are unfinished while they can still fire.
Multi-instance and loop tasks keep their instances while they run. A (sub)process task's
subprocess is dropped from ``workflow.subprocesses`` only when that task is removed;
workflows without unfinished tasks are left as they are.

Not compacted (skipped while present): ad-hoc subprocesses, whose spec matches the root's
children against its paths.

Limits: history removed here is gone from the Spiff state, so ``reset_from_task_id`` to a
removed task is impossible; the audit log is the record of the past. ``last_task`` is set to
``None`` when it was removed.

CaseData: ``CaseData.refresh`` reads the nearest ``case_data_mark`` up the parent chain.
Before a task loses an ancestor, its effective mark is stored on it, so refresh behaves as
before compaction.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from engine.case_data import MARK_KEY, effective_mark


def compact(workflow: BpmnWorkflow) -> int:
    """Remove finished history that can no longer influence execution.

    Args:
        workflow: The top-level workflow; its subprocesses are compacted too.

    Returns:
        The number of tasks removed (including tasks of dropped subprocesses).
    """
    removed = 0
    for wf in [workflow, *workflow.subprocesses.values()]:
        removed += _compact_workflow(wf)
    removed += _drop_orphan_subprocesses(workflow)
    return removed


def _compact_workflow(wf) -> int:
    if isinstance(wf.spec, AdHocSubprocessSpec):
        return 0
    tasks = wf.tasks
    live = [task for task in tasks.values() if task.has_state(TaskState.NOT_FINISHED_MASK)]
    if not live:
        return 0

    keep: set[UUID] = {wf.task_tree.id}
    frozen: set[UUID] = {wf.task_tree.id}
    for task in live:
        keep.update(_subtree_ids(task))
        frozen.update(_subtree_ids(task))
        keep.update(_ancestor_ids(task))
        split_name = getattr(task.task_spec, "split_task", None) if isinstance(task.task_spec, Join) else None
        if split_name:
            split = _find_ancestor(task, split_name)
            if split is not None:
                subtree = _subtree_ids(split)
                keep.update(subtree)
                frozen.update(subtree)
    for task_id in keep:
        task = tasks[task_id]
        if isinstance(task.task_spec, Join) and task._parent is not None:
            frozen.add(task._parent)

    doomed = [task_id for task_id in tasks if task_id not in keep]
    splice = [
        task_id for task_id in keep
        if task_id not in frozen and len([c for c in tasks[task_id]._children if c in keep]) == 1
    ]
    gone = set(doomed) | set(splice)
    _carry_marks(tasks, keep - gone, gone)

    for task_id in keep:
        task = tasks[task_id]
        task._children = [c for c in task._children if c in keep]
    for task_id in splice:
        task = tasks[task_id]
        child, parent = tasks[task._children[0]], tasks[task._parent]
        child._parent = parent.id
        parent._children = [child.id if c == task_id else c for c in parent._children]
    for task_id in gone:
        del tasks[task_id]
    if wf.last_task is not None and wf.last_task.id in gone:
        wf.last_task = None
    return len(gone)


def _carry_marks(tasks: dict, kept: set[UUID], gone: set[UUID]) -> None:
    """Store the effective CaseData mark on kept tasks that lose their parent."""
    marks = {}
    for task_id in kept:
        task = tasks[task_id]
        if task._parent in gone and MARK_KEY not in task.internal_data:
            marks[task_id] = effective_mark(task)
    for task_id, mark in marks.items():
        tasks[task_id].internal_data[MARK_KEY] = mark


def _subtree_ids(task) -> set[UUID]:
    ids, stack = set(), [task]
    while stack:
        current = stack.pop()
        ids.add(current.id)
        stack.extend(current.children)
    return ids


def _ancestor_ids(task) -> set[UUID]:
    ids, current = set(), task.parent
    while current is not None:
        ids.add(current.id)
        current = current.parent
    return ids


def _find_ancestor(task, spec_name: str):
    current = task.parent
    while current is not None and current.task_spec.name != spec_name:
        current = current.parent
    return current


def _drop_orphan_subprocesses(workflow: BpmnWorkflow) -> int:
    """Remove subprocesses whose owning task is no longer in any workflow."""
    removed = 0
    while True:
        owners = set(workflow.tasks)
        for sp in workflow.subprocesses.values():
            owners.update(sp.tasks)
        orphans = [sp_id for sp_id in workflow.subprocesses if sp_id not in owners]
        if not orphans:
            return removed
        for sp_id in orphans:
            removed += len(workflow.subprocesses.pop(sp_id).tasks)
