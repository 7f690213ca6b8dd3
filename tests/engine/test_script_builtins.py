"""Scripts get the standard exception classes and the builtins people expect (issue 15, class 1)."""

from __future__ import annotations

import datetime

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.loader import parse_model
from engine.script_engine import SandboxedEnvironment, SandboxedScriptEngine
from tests.engine.sandbox_payloads import script_model

LOG_SCRIPT = "try:\n    log\nexcept NameError:\n    log = []\nlog.append('a')"


def test_try_name_error_starts_a_list_and_keeps_it_afterwards():
    env = SandboxedEnvironment()
    data: dict = {}
    env.execute(LOG_SCRIPT, data)
    assert data == {"log": ["a"]}
    env.execute(LOG_SCRIPT, data)
    assert data == {"log": ["a", "a"]}


@pytest.mark.parametrize("name", [
    "NameError", "AttributeError", "KeyError", "IndexError", "ValueError", "TypeError", "ZeroDivisionError",
    "RuntimeError", "StopIteration", "Exception", "ArithmeticError", "LookupError", "NotImplementedError",
    "OverflowError", "AssertionError", "UnboundLocalError", "RecursionError",
])
def test_standard_exceptions_can_be_raised_and_caught(name):
    data: dict = {}
    SandboxedEnvironment().execute(f"try:\n    raise {name}('x')\nexcept {name} as e:\n    caught = str(e)", data)
    assert data == {"caught": "x" if name != "KeyError" else "'x'"}


def test_typical_errors_are_caught_by_their_class():
    script = "\n".join([
        "try:\n    {}['k']\nexcept KeyError:\n    a = 'key'",
        "try:\n    [][1]\nexcept IndexError:\n    b = 'index'",
        "try:\n    'x'.nope\nexcept AttributeError:\n    c = 'attribute'",
        "try:\n    int('x')\nexcept ValueError:\n    d = 'value'",
        "try:\n    next(iter([]))\nexcept StopIteration:\n    e = 'stop'",
        "try:\n    1 / 0\nexcept ArithmeticError:\n    f = 'arith'",
    ])
    data: dict = {}
    SandboxedEnvironment().execute(script, data)
    assert data == {"a": "key", "b": "index", "c": "attribute", "d": "value", "e": "stop", "f": "arith"}


def test_the_builtins_people_expect_are_there():
    data: dict = {"xs": [3, 1, 2], "names": ["b", "a"]}
    SandboxedEnvironment().execute("\n".join([
        "s = sorted(xs)", "r = list(reversed(xs))", "e = list(enumerate(names))", "z = list(zip(xs, names))",
        "an = any(x > 2 for x in xs)", "al = all(x > 0 for x in xs)", "ro = round(2.567, 2)", "mi = min(xs)",
        "ma = max(xs)", "su = sum(xs)", "ab = abs(-3)", "le = len(xs)", "ra = list(range(3))",
        "d = dict(a=1)", "st = sorted(set(xs))", "t = list(tuple(xs))", "i = int('7') + float('0.5')",
        "b = bool(0)", "m = list(map(str, xs))", "f = list(filter(lambda x: x > 1, xs))",
        "isi = isinstance(xs, list)", "dm = list(divmod(7, 2))", "p = pow(2, 10)", "c = chr(65) + str(ord('B'))",
        "h = hex(255)", "fm = format(3.14159, '.2f')", "rp = repr('x')", "nx = next(iter(xs))",
    ]), data)
    assert data["s"] == [1, 2, 3] and data["r"] == [2, 1, 3] and data["e"] == [(0, "b"), (1, "a")]
    assert data["z"] == [(3, "b"), (1, "a")] and data["an"] is True and data["al"] is True
    assert (data["ro"], data["mi"], data["ma"], data["su"], data["ab"], data["le"]) == (2.57, 1, 3, 6, 3, 3)
    assert data["ra"] == [0, 1, 2] and data["d"] == {"a": 1} and data["st"] == [1, 2, 3] and data["t"] == [3, 1, 2]
    assert data["i"] == 7.5 and data["b"] is False and data["m"] == ["3", "1", "2"] and data["f"] == [3, 2]
    assert data["isi"] is True and data["dm"] == [3, 1] and data["p"] == 1024 and data["c"] == "A66"
    assert (data["h"], data["fm"], data["rp"], data["nx"]) == ("0xff", "3.14", "'x'", 3)


def test_datetime_methods_work_inside_scripts():
    data: dict = {}
    SandboxedEnvironment().execute("\n".join([
        "a = date(2024, 1, 2).strftime('%d.%m.%Y')",
        "b = datetime(2024, 1, 2, 13, 5).strftime('%H:%M')",
        "c = (date(2024, 1, 31) + timedelta(days=1)).isoformat()",
        "d = datetime.strptime('02.01.2024', '%d.%m.%Y').date().isoformat()",
        "e = datetime(2024, 1, 2, tzinfo=timezone.utc).isoformat()",
        "f = date.fromisoformat('2024-03-01').weekday()",
        "g = datetime(2024, 1, 2)",
    ]), data)
    assert data["a"] == "02.01.2024" and data["b"] == "13:05" and data["c"] == "2024-02-01"
    assert data["d"] == "2024-01-02" and data["e"] == "2024-01-02T00:00:00+00:00" and data["f"] == 4
    assert data["g"] == datetime.datetime(2024, 1, 2)  # round-trips out of the sandbox process exactly


def test_imports_stay_forbidden_even_though_datetime_may_import_time():
    from engine.script_engine import ScriptSecurityError

    with pytest.raises(ScriptSecurityError):
        SandboxedEnvironment().execute("import time", {})
    with pytest.raises(ScriptSecurityError):
        SandboxedEnvironment().execute("x = __import__('os')", {})


def test_a_model_whose_scripts_start_with_try_name_error_runs_to_its_end():
    script = LOG_SCRIPT + "\nstamp = date(2024, 5, 1).strftime('%Y%m%d')\nlog.append(stamp)"
    model = parse_model({"m.bpmn": script_model("log_model", script)})
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=SandboxedScriptEngine())
    workflow.do_engine_steps()
    [after] = workflow.get_tasks(state=TaskState.READY)
    assert after.task_spec.bpmn_id == "after"
    assert after.data["log"] == ["a", "20240501"]
