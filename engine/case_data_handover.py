"""Handing case data on to the next tasks exactly (engine/case_data.py uses it after every step).

Spiff copies a task's data into its children when it completes; a child that
already has data (a FUTURE task of a cycle timer, a loop, the task after a
join) gets the parent's data merged into its own with DeepMerge, which keeps
the child's old lists. The case data's marks say a child has the data of its
parent's step, so the child must get exactly that.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.util.task import TaskState


def hand_down(keys, task) -> None:
    """Give the task's unfinished children the task's values of the case's variables ``keys`` exactly."""
    for child in task.children:
        if child.has_state(TaskState.FINISHED_MASK):
            continue
        for key in keys:
            if key in task.data:
                if key not in child.data or differs(child.data[key], task.data[key]):
                    child.data[key] = deepcopy(task.data[key])
            else:
                child.data.pop(key, None)


def put_case_values(values: dict, keys, task) -> None:
    """Give a task the case's current values of ``keys`` (a key without a value is removed)."""
    for key in keys:
        if key in values:
            task.data[key] = deepcopy(values[key])
        else:
            task.data.pop(key, None)


def differs(before: Any, after: Any) -> bool:
    """Compare a value with its snapshot; a value too deep to compare counts as changed (and is checked)."""
    try:
        return before != after
    except RecursionError:
        return True
