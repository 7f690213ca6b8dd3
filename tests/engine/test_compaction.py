"""Compaction keeps long-running cases correct and their state small, without changing behaviour."""

import pytest

from tests.engine.spiff_helpers import Driver

LOOP_ITERATIONS = 1200


def test_loop_of_1200_iterations_completes_with_bounded_state():
    driver = Driver("compaction_loop.bpmn", "compaction_loop", compaction=True, data={"limit": LOOP_ITERATIONS})
    sizes = {}
    for iteration in range(1, LOOP_ITERATIONS + 1):
        assert not driver.workflow.is_completed()
        assert len(driver.ready_human_tasks("review")) == 1, f"no review task in iteration {iteration}"
        driver.complete("review")
        sizes[iteration] = driver.state_size

    assert driver.workflow.is_completed()
    assert driver.data["count"] == LOOP_ITERATIONS
    assert driver.completed.count("review") == LOOP_ITERATIONS
    assert driver.completed[-1] == "end"
    assert sizes[1000] <= 1.5 * sizes[10]
    assert len(driver.workflow.tasks) < 20


def test_without_compaction_the_loop_silently_stops_finding_its_next_task():
    driver = Driver(
        "compaction_loop.bpmn", "compaction_loop", data={"limit": LOOP_ITERATIONS}, save_restore=False,
    )
    iterations = 0
    while driver.ready_human_tasks("review") and iterations < LOOP_ITERATIONS:
        driver.complete("review")
        iterations += 1

    assert iterations < 500
    assert driver.data["count"] < LOOP_ITERATIONS
    assert driver.workflow.is_completed()  # Spiff even reports the unfinished case as complete


SCENARIOS = {
    "parallel_gateway": (
        "compaction_parallel.bpmn", "compaction_parallel",
        [("task_b1", {}), ("task_a", {"a": 1}), ("task_b2", {"b": 2}), ("final_review", {"ok": True})],
    ),
    "non_interrupting_boundary_timer": (
        "compaction_boundary_timer.bpmn", "compaction_boundary_timer",
        [("prepare", {}), ("examine", {"findings": "none"}), ("decide", {"decision": "approve"})],
    ),
    "subprocess": (
        "compaction_subprocess.bpmn", "compaction_subprocess",
        [("register", {}), ("check_documents", {"documents": "complete"}), ("check_fees", {"fees": "paid"}),
         ("decide", {"decision": "approve"})],
    ),
    "multi_instance": (
        "compaction_multi_instance.bpmn", "compaction_multi_instance",
        [("register", {})] + [("agency_statement", {"statement": f"statement {i}"}) for i in range(3)],
    ),
    "parallel_gateway_in_loop": (
        "compaction_parallel_loop.bpmn", "compaction_parallel_loop",
        [("review_b", {"reviewed": i}) for i in range(5)],
    ),
}


def run_scenario(filename: str, process_id: str, steps: list, compaction: bool) -> Driver:
    driver = Driver(filename, process_id, compaction=compaction)
    for bpmn_id, form_data in steps:
        ready = driver.ready_human_tasks(bpmn_id)
        assert ready, f"{bpmn_id} is not ready"
        driver.complete_task(ready[0], form_data)
    return driver


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_compaction_after_every_step_does_not_change_behaviour(scenario):
    filename, process_id, steps = SCENARIOS[scenario]

    plain = run_scenario(filename, process_id, steps, compaction=False)
    compacted = run_scenario(filename, process_id, steps, compaction=True)

    assert plain.workflow.is_completed() and compacted.workflow.is_completed()
    assert compacted.data == plain.data
    assert compacted.completed == plain.completed
    assert compacted.removed > 0


def test_timer_branch_ran_in_the_boundary_timer_scenario():
    filename, process_id, steps = SCENARIOS["non_interrupting_boundary_timer"]

    driver = run_scenario(filename, process_id, steps, compaction=True)

    assert driver.data["log"] == ["reminder", "examined"]
    assert "send_reminder" in driver.completed


def test_compaction_drops_the_subprocess_of_a_removed_task():
    filename, process_id, steps = SCENARIOS["subprocess"]
    driver = run_scenario(filename, process_id, steps[:3], compaction=True)

    assert driver.ready_human_tasks("decide")
    assert driver.workflow.subprocesses == {}


def test_compaction_keeps_case_data_marks_for_refresh():
    driver = Driver("compaction_loop.bpmn", "compaction_loop", compaction=True, data={"limit": 3})
    driver.complete("review")

    review = driver.ready_human_tasks("review")[0]
    assert review.parent is driver.workflow.task_tree
    assert review.internal_data["case_data_mark"] == driver.case_data.versions["count"]
