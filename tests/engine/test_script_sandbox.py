"""The sandbox rejects escapes, bounds time and size, and runs real workflows."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.loader import parse_model
from engine.registry import ServiceRegistry, UnknownOperation
from engine.script_engine import (
    SandboxedEnvironment,
    ScriptDataError,
    SandboxedScriptEngine,
    ScriptResourceError,
    ScriptSecurityError,
    ScriptSyntaxError,
    ScriptTimeout,
    check_script,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("().__class__.__bases__[0].__subclasses__()", "access to '__class__' is not allowed"),
        ("getattr(x, '__globals__')", "calling 'getattr' is not allowed"),
        ("'{0.__class__}'.format(x)", "access to 'format' is not allowed"),
        ("'{x.__class__}'.format_map({'x': x})", "access to 'format_map' is not allowed"),
        ("__import__('os').system('id')", "name '__import__' is not allowed"),
        ("import os", "import statements are not allowed"),
        ("from os import path", "import statements are not allowed"),
        ("open('/etc/passwd').read()", "calling 'open' is not allowed"),
        ("exec('1')", "calling 'exec' is not allowed"),
        ("eval('1')", "calling 'eval' is not allowed"),
        ("compile('1', 'f', 'eval')", "calling 'compile' is not allowed"),
        ("globals()", "calling 'globals' is not allowed"),
        ("vars()", "calling 'vars' is not allowed"),
        ("setattr(x, 'y', 1)", "calling 'setattr' is not allowed"),
        ("type(x)", "calling 'type' is not allowed"),
        ("breakpoint()", "calling 'breakpoint' is not allowed"),
        ("input()", "calling 'input' is not allowed"),
        ("(i for i in []).gi_frame.f_back.f_globals", "access to 'gi_frame' is not allowed"),
        ("x.y = 1", "assigning or deleting attribute 'y' is not allowed"),
        ("class A:\n    pass", "class definitions are not allowed"),
        ("def g():\n    yield 1", "generator functions (yield) are not allowed"),
        ("y = f'{x:>{x}}'", "computed format specifications in f-strings are not allowed"),
        ("y = f'{x:>999999999}'", "format width in f-string is too large"),
        ("y = str.mro()", "access to 'mro' is not allowed"),
    ],
)
def test_escape_payloads_are_rejected_with_a_clear_message(source: str, message: str) -> None:
    with pytest.raises(ScriptSecurityError) as info:
        check_script(source, "exec")
    assert message in str(info.value)
    with pytest.raises(ScriptSecurityError):
        SandboxedEnvironment().execute(source, {"x": 1})


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(ScriptSyntaxError, match="line 2: syntax error"):
        check_script("a = 1\nb = (", "exec")


def test_dynamic_attribute_escape_is_blocked_at_run_time() -> None:
    env = SandboxedEnvironment()
    # Keys look like dunders but a dict lookup never reaches object attributes.
    assert env.evaluate("d['__class__']", {"d": {"__class__": 1}}) == 1
    with pytest.raises(ScriptDataError, match="cannot be passed to the sandbox"):  # modules never reach a script
        env.evaluate("m.path", {"m": threading})


@pytest.mark.parametrize(
    "source",
    [
        "y = 10**10**10",
        "y = 'a' * 10**10",
        "y = [0] * 10**10",
        "y = 10**10 * [0]",
        "y = 1 << 10**9",
        "y = '%999999999d' % 1",
        "y = '%*d' % (10**9, 1)",
        "y = 'x'.ljust(10**9)",
        "y = 'x'.zfill(10**9)",
        "y = list(range(10**10))",
        "y = 3\nwhile True:\n    y = y * y",
        "s = 'ab'\nwhile True:\n    s = s + s",
        "s = 'ab'\nwhile True:\n    s += s",
        "s = 'ab'\nwhile True:\n    s = s.join([s, s])",
        "s = 'a' * 1000\ns = s.replace('', s)",
    ],
)
def test_huge_computations_are_refused_before_they_run(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(ScriptResourceError):
        SandboxedEnvironment().execute(source, {})
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "source",
    [
        "while True: pass",
        "while True:\n    try:\n        while True: pass\n    except Exception:\n        pass",
        "def f():\n    while True:\n        try:\n            pass\n        finally:\n            continue\nf()",
        "def f(n):\n    return f(n - 1) + f(n - 1) if n else 0\ny = f(60)",
        "y = [a * b for a in range(10**6) for b in range(10**6)]",
        "y = sorted(range(10**6), key=lambda v: [w for w in range(10**6)])",
        "y = sum(a for a in range(10**6) for b in range(10**6))",
    ],
)
def test_runaway_scripts_time_out_in_a_worker_thread(source: str) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            SandboxedEnvironment(time_limit=0.5).execute(source, {})
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - started

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert isinstance(outcome["error"], ScriptTimeout)
    assert outcome["elapsed"] < 2


def test_memory_growth_is_bounded() -> None:
    env = SandboxedEnvironment(time_limit=5, memory_limit=64 * 2**20)
    with pytest.raises(ScriptResourceError, match="memory limit"):
        env.execute("y = [[0] * 100000 for _ in range(100000)]", {})


def test_legitimate_scripts_work() -> None:
    env = SandboxedEnvironment()
    data = {"amounts": [30, 10, 20], "counts": {}, "name": "  Müller "}
    env.execute(
        "\n".join([
            "total = sum(amounts)",
            "top = sorted(amounts, reverse=True)[:2]",
            "for a in amounts:",
            "    counts[a] = counts.get(a, 0)",
            "    counts[a] += 1",
            "squares = {a: a * a for a in amounts if a > 10}",
            "label = f'{name.strip().upper()}: {total:>6.2f}'",
            "due = (datetime(2024, 1, 31, tzinfo=timezone.utc) + timedelta(days=14)).date().isoformat()",
            "def fee(n):",
            "    return 10 * n if n < 3 else 25",
            "fees = [fee(n) for n in range(5)]",
            "try:",
            "    ratio = total / 0",
            "except ZeroDivisionError:",
            "    ratio = None",
            "ok = all(isinstance(a, int) for a in amounts) and any(a > 25 for a in amounts)",
            "pairs = list(zip(amounts, enumerate('abc')))",
            "del name",
        ]),
        data,
    )
    assert data["total"] == 60
    assert data["top"] == [30, 20]
    assert data["counts"] == {30: 1, 10: 1, 20: 1}
    assert data["squares"] == {30: 900, 20: 400}
    assert data["label"] == "MÜLLER:  60.00"
    assert data["due"] == "2024-02-14"
    assert data["fees"] == [0, 10, 20, 25, 25]
    assert data["ratio"] is None
    assert data["ok"] is True
    assert data["pairs"][0] == (30, (0, "a"))
    assert "name" not in data and "fee" not in data
    assert env.evaluate("\n  total > 50 and 'MÜLLER' in label\n", data) is True


def test_task_data_shadows_helper_names() -> None:
    assert SandboxedEnvironment().evaluate("date", {"date": "2024-01-01"}) == "2024-01-01"


def _workflow(files: dict[str, bytes], engine: SandboxedScriptEngine, **data: object) -> BpmnWorkflow:
    model = parse_model(files)
    workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    return workflow


def _lifecycle() -> dict[str, bytes]:
    return {"simple_lifecycle.bpmn": (FIXTURES / "simple_lifecycle.bpmn").read_bytes()}


def test_script_task_and_conditions_run_in_a_real_workflow() -> None:
    workflow = _workflow(_lifecycle(), SandboxedScriptEngine(), applicant_count=3)
    workflow.do_engine_steps()
    [review] = workflow.get_tasks(state=TaskState.READY)
    assert review.task_spec.bpmn_id == "review"
    assert review.data["fee"] == 150
    assert review.data["received"] == "2024-01-15"
    review.data["approved"] = False
    review.run()
    workflow.do_engine_steps()
    assert workflow.completed
    completed = {t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)}
    assert "end_rejected" in completed and "end_approved" not in completed


def test_script_errors_surface_as_workflow_task_exception() -> None:
    source = _lifecycle()["simple_lifecycle.bpmn"].replace(
        b"received = str(date(2024, 1, 15))", b"received = undefined_name + 1"
    )
    workflow = _workflow({"m.bpmn": source}, SandboxedScriptEngine(), applicant_count=1)
    with pytest.raises(WorkflowTaskException, match="undefined_name"):
        workflow.do_engine_steps()


def test_script_timeout_in_a_workflow_is_a_workflow_task_exception() -> None:
    source = _lifecycle()["simple_lifecycle.bpmn"].replace(
        b"received = str(date(2024, 1, 15))", b"while True:\n    pass"
    )
    workflow = _workflow({"m.bpmn": source}, SandboxedScriptEngine(time_limit=0.2), applicant_count=1)
    with pytest.raises(WorkflowTaskException, match="ScriptTimeout"):
        workflow.do_engine_steps()


def _echo_files() -> dict[str, bytes]:
    return {"service_echo.bpmn": (FIXTURES / "service_echo.bpmn").read_bytes()}


def test_service_task_calls_registered_handler_with_evaluated_params() -> None:
    registry = ServiceRegistry()
    registry.register("test.echo", lambda message, count: {"message": message, "count": count})
    workflow = _workflow(_echo_files(), SandboxedScriptEngine(registry), name="Welt")
    workflow.do_engine_steps()
    assert workflow.completed
    assert workflow.data["echo_result"] == {"message": "Hallo Welt", "count": 4}


def test_failing_service_handler_gives_workflow_task_exception_not_name_error() -> None:
    def broken(message: str, count: int) -> None:
        raise RuntimeError("backend down")

    registry = ServiceRegistry()
    registry.register("test.echo", broken)
    workflow = _workflow(_echo_files(), SandboxedScriptEngine(registry), name="Welt")
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert "test.echo" in str(info.value) and "backend down" in str(info.value)
    assert not isinstance(info.value, NameError)


def test_unknown_service_operation_gives_workflow_task_exception() -> None:
    workflow = _workflow(_echo_files(), SandboxedScriptEngine(ServiceRegistry()), name="Welt")
    with pytest.raises(WorkflowTaskException, match="unknown service operation 'test.echo'"):
        workflow.do_engine_steps()


def test_non_json_service_result_gives_workflow_task_exception() -> None:
    registry = ServiceRegistry()
    registry.register("test.echo", lambda message, count: {1, 2})
    workflow = _workflow(_echo_files(), SandboxedScriptEngine(registry), name="Welt")
    with pytest.raises(WorkflowTaskException, match="not JSON"):
        workflow.do_engine_steps()


def test_registry_rejects_duplicates_and_explains_unknown_names() -> None:
    registry = ServiceRegistry()
    registry.register("b.two", print)
    registry.register("a.one", print)
    assert registry.names() == ["a.one", "b.two"]
    assert "a.one" in registry and "c.three" not in registry
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a.one", print)
    with pytest.raises(UnknownOperation, match="unknown service operation 'c.three'.*a.one, b.two"):
        registry.get("c.three")
