"""CaseData keeps one consistent data set per case where Spiff's task data copies lose updates."""

import pytest

from engine.case_data import CaseData, CaseDataError
from tests.engine.spiff_helpers import Driver


def run_parallel_scripts(case_data: bool) -> Driver:
    return Driver("data_parallel_scripts.bpmn", "data_parallel_scripts", case_data=case_data)


def test_parallel_branches_appending_to_a_list_keep_both_entries():
    driver = run_parallel_scripts(case_data=True)

    assert driver.workflow.is_completed()
    assert sorted(driver.data["log"]) == ["A", "B", "start"]
    assert driver.data["log"][0] == "start"


def test_without_case_data_spiff_loses_one_branch_entry():
    driver = run_parallel_scripts(case_data=False)

    assert driver.workflow.is_completed()
    assert len(driver.data["log"]) == 2  # the same model; one of "A"/"B" is gone


@pytest.mark.parametrize(
    "order",
    [("statement_fire_dept", "statement_monument_office"), ("statement_monument_office", "statement_fire_dept")],
)
def test_parallel_user_tasks_in_either_order_keep_both_updates(order):
    driver = Driver("data_parallel_user_tasks.bpmn", "data_parallel_user_tasks")
    decisions = {"statement_fire_dept": "conditions", "statement_monument_office": "approved"}
    for bpmn_id in order:
        driver.complete(bpmn_id, {f"decision_{bpmn_id.removeprefix('statement_')}": decisions[bpmn_id]})

    assert driver.workflow.is_completed()
    assert driver.data["decision_fire_dept"] == "conditions"
    assert driver.data["decision_monument_office"] == "approved"
    assert [s["agency"] for s in driver.data["statements"]] == [b.removeprefix("statement_") for b in order]


def test_parallel_multi_instance_keeps_every_instance_statement():
    driver = Driver("data_parallel_multi_instance.bpmn", "data_parallel_multi_instance")

    assert driver.workflow.is_completed()
    assert driver.data["statements"] == [
        "statement of fire_dept", "statement of monument_office", "statement of nature_office",
    ]
    assert "agency" not in driver.data  # the input data item is local to each instance


def test_sequential_multi_instance_collects_outputs_and_keeps_shared_updates():
    driver = Driver("data_sequential_multi_instance.bpmn", "data_sequential_multi_instance")

    assert driver.workflow.is_completed()
    assert driver.data["doubled"] == [20, 40, 60]
    assert driver.data["total_fee"] == 120
    assert driver.data["checked"] == 3  # plain Spiff keeps only the output collection: 0
    assert "fee" not in driver.data and "doubled_fee" not in driver.data


def test_loop_of_twenty_iterations_increments_counter():
    driver = Driver("data_loop.bpmn", "data_loop")

    assert driver.workflow.is_completed()
    assert driver.data["counter"] == 20
    assert driver.data["rounds"] == list(range(1, 21))
    assert driver.completed.count("increment") == 20


def test_message_payload_survives_the_join():
    driver = Driver("data_message.bpmn", "data_message")
    driver.send_message("statement_received", {"agency": "fire_dept", "decision": "approved"})
    driver.complete("prepare")

    assert driver.workflow.is_completed()
    assert driver.data["statement"] == {"agency": "fire_dept", "decision": "approved"}
    assert driver.data["log"] == ["start", "statement", "prepared"]


def test_deleting_a_key_in_a_parallel_branch_propagates():
    driver = Driver("data_delete.bpmn", "data_delete")

    assert driver.workflow.is_completed()
    assert "draft" not in driver.data
    assert driver.data["summary"] == "application of Erika Mustermann"
    assert driver.data["applicant_checked"] is True


def test_without_case_data_spiff_resurrects_the_deleted_key():
    driver = Driver("data_delete.bpmn", "data_delete", case_data=False)

    assert driver.workflow.is_completed()
    assert driver.data["draft"] == "temporary"


def test_initial_case_values_reach_the_first_task():
    case_data = CaseData({"applicant": "Erika"}, {"applicant": 1}, 1)
    driver = Driver("data_parallel_scripts.bpmn", "data_parallel_scripts", case_data=False, save_restore=False)
    task = driver.workflow.task_tree  # already run; refresh/absorb only look at data

    case_data.refresh(task)
    task.data["log"] = ["x"]
    changes = case_data.absorb(task)

    assert task.data["applicant"] == "Erika"
    assert changes == {"changed": {"log": ["x"]}, "deleted": []}
    assert case_data.versions == {"applicant": 1, "log": 2} and case_data.counter == 2


def test_absorb_reports_changes_and_deletions_and_versions_tombstones():
    driver = Driver("data_parallel_scripts.bpmn", "data_parallel_scripts", case_data=False, save_restore=False)
    task = driver.workflow.task_tree
    task.data = {"keep": 1, "drop": 2}
    case_data = CaseData()
    case_data.refresh(task)
    case_data.absorb(task)

    case_data.refresh(task)
    del task.data["drop"]
    task.data["keep"] = 3
    changes = case_data.absorb(task)

    assert changes == {"changed": {"keep": 3}, "deleted": ["drop"]}
    assert case_data.values == {"keep": 3}
    assert case_data.versions["drop"] == case_data.counter
    assert CaseData.from_dict(case_data.to_dict()).to_dict() == case_data.to_dict()


@pytest.mark.parametrize("value", [object(), (1, 2), {1: "a"}, float("nan"), [{"when": object()}]])
def test_absorb_rejects_values_that_are_not_plain_json(value):
    driver = Driver("data_parallel_scripts.bpmn", "data_parallel_scripts", case_data=False, save_restore=False)
    task = driver.workflow.task_tree
    case_data = CaseData()
    case_data.refresh(task)
    task.data["bad"] = value

    with pytest.raises(CaseDataError, match="'bad"):
        case_data.absorb(task)


def test_absorb_without_refresh_is_an_error():
    driver = Driver("data_parallel_scripts.bpmn", "data_parallel_scripts", case_data=False, save_restore=False)

    with pytest.raises(RuntimeError, match="without refresh"):
        CaseData().absorb(driver.workflow.task_tree)
