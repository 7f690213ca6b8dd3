"""Task rules: who may hand a task to whom, who works on tasks, applicants' names, saved inbox filters."""

from types import SimpleNamespace

import pytest

from engine import inbox_filters, task_rules
from engine.db import transaction
from engine.errors import CaseNotActive, Conflict, Forbidden, InvalidData, NotFound
from processes.applicants import applicant_of
from processes.file_rules import FileHasActiveCases, check_may_close


def person(id_, roles=("clerk",), groups=("A",), active=True):
    return SimpleNamespace(id=id_, username=id_, roles=list(roles), groups=list(groups), active=active,
                           has_role=lambda *wanted: "admin" in roles or any(r in roles for r in wanted))


def task(assignee_id=None, group="A"):
    return SimpleNamespace(assignee_id=assignee_id, candidate_group=group)


CLERK, COLLEAGUE, OUTSIDER = person("anna"), person("tom"), person("bea", groups=("B",))
BOSS, MODELLER, ADMIN = person("lea", ("supervisor",), ()), person("mona", ("modeller",)), person("adam", ("admin",))


@pytest.mark.parametrize("row,user,assignee", [
    (task(), CLERK, CLERK),                     # claim for oneself
    (task("anna"), CLERK, COLLEAGUE),           # a clerk hands on a task she holds
    (task(), CLERK, COLLEAGUE),                 # ... or one open in her group
    (task("tom"), BOSS, OUTSIDER),              # supervisors give any task to anyone who works on tasks
    (task(group=None), CLERK, OUTSIDER),        # a task without a group: any colleague
])
def test_allowed_hand_overs(row, user, assignee):
    task_rules.check_may_assign(row, user, assignee)


@pytest.mark.parametrize("row,user,assignee,error", [
    (task("tom"), CLERK, CLERK, Conflict),      # someone else holds it
    (task("tom"), CLERK, OUTSIDER, Conflict),
    (task(), CLERK, OUTSIDER, Forbidden),       # outside the task's group
    (task(), CLERK, BOSS, Forbidden),           # a supervisor outside the group is no colleague of the group
    (task(group="B"), CLERK, OUTSIDER, Forbidden),  # not her group's task
    (task(), BOSS, MODELLER, Forbidden),        # modellers and admins do no task work
    (task(), BOSS, ADMIN, Forbidden),
    (task(), BOSS, person("alt", active=False), Forbidden),
])
def test_refused_hand_overs(row, user, assignee, error):
    with pytest.raises(error):
        task_rules.check_may_assign(row, user, assignee)


def test_only_running_cases_allow_work():
    task_rules.check_case_active(SimpleNamespace(status="running"), "claimed")
    with pytest.raises(CaseNotActive) as refused:
        task_rules.check_case_active(SimpleNamespace(status="suspended"), "claimed")
    assert refused.value.status == 409 and refused.value.case_status == "suspended"
    assert refused.value.message == "case is suspended; its tasks cannot be claimed"


def test_completion_variables():
    spec = SimpleNamespace(extensions={"properties": {"completedByVariable": "entschieden_von"}})
    assert task_rules.completion_variables(spec, CLERK) == {"entschieden_von": "anna"}
    assert task_rules.completion_variables(SimpleNamespace(extensions={}), CLERK) == {}


@pytest.mark.parametrize("key,data,name", [
    ("baugenehmigung", {"antragsteller": {"name": " Erika   Müller "}}, "Erika Müller"),
    ("antrag", {"antragsteller": "Jens Petersen"}, "Jens Petersen"),
    ("antrag", {"antragsteller": {"name": 7}}, None),
    ("antrag", {}, None),
    ("geburt", {"mutter": {"given_names": "Erika", "family_name": "Müller"},
                "vater": {"given_names": "Jens", "family_name": "Petersen"}}, "Erika Müller, Jens Petersen"),
    ("geburt", {"mutter": {"given_names": "Erika", "family_name": "Müller"}}, "Erika Müller"),
    ("eheschliessung", {"partner_1": {"given_names": "Anna Marie", "family_name": "Schulz"},
                        "partner_2": {"family_name": "Yılmaz", "given_names": "Mehmet"}},
     "Anna Marie Schulz, Mehmet Yılmaz"),
    ("eheschliessung", {"partner_1": "kein Objekt"}, None),
])
def test_applicant_names(key, data, name):
    assert applicant_of(key, data) == name


def test_closing_rules():
    check_may_close("AZ", ["completed", "cancelled"], is_supervisor=True, worked_on_file=False)
    check_may_close("AZ", ["completed"], is_supervisor=False, worked_on_file=True)
    with pytest.raises(FileHasActiveCases) as active:
        check_may_close("AZ", ["running", "suspended", "suspended", "completed"], is_supervisor=True,
                        worked_on_file=True)
    assert (active.value.running, active.value.suspended) == (1, 2) and active.value.status == 409
    with pytest.raises(Forbidden):
        check_may_close("AZ", ["completed"], is_supervisor=False, worked_on_file=False)


def test_saved_filters_are_limited_and_personal(session_factory, authority):
    from engine.identity import create_user, get_authority

    with transaction(session_factory) as session:
        owner = create_user(session, get_authority(session, authority.slug), "filterer", roles=["clerk"])
        other = create_user(session, get_authority(session, authority.slug), "neugier", roles=["clerk"])
        first = inbox_filters.save_filter(session, owner, "  Meine   Bauanträge ", {"suche": "Carport"})
        assert first.name == "Meine Bauanträge"
        assert inbox_filters.save_filter(session, owner, "Meine Bauanträge", {"suche": "Garage"}).id == first.id
        for bad_name in ("", "   ", "x" * 101):
            with pytest.raises(InvalidData):
                inbox_filters.save_filter(session, owner, bad_name, {})
        with pytest.raises(InvalidData):
            inbox_filters.save_filter(session, owner, "lang", {"suche": "x" * 201})
        for number in range(inbox_filters.MAX_FILTERS - 1):
            inbox_filters.save_filter(session, owner, f"Filter {number:02d}", {})
        with pytest.raises(InvalidData):
            inbox_filters.save_filter(session, owner, "einer zu viel", {})
        assert inbox_filters.filters_of(session, other) == []
        with pytest.raises(NotFound):
            inbox_filters.delete_filter(session, other, first.id)
        inbox_filters.delete_filter(session, owner, first.id)
        assert len(inbox_filters.filters_of(session, owner)) == inbox_filters.MAX_FILTERS - 1
