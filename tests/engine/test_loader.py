"""Uploaded models are parsed safely and every problem is reported clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.loader import ModelValidationError, content_hash, load_model, parse_model

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="t">'
)


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _model(body: str, process_attrs: str = 'id="p" isExecutable="true"') -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{HEADER}\n<bpmn:process {process_attrs}>\n{body}\n</bpmn:process>\n</bpmn:definitions>'.encode()


def _linear(middle: str, middle_id: str = "t1") -> str:
    return (
        '<bpmn:startEvent id="start"/>\n'
        f"{middle}\n"
        '<bpmn:endEvent id="end"/>\n'
        f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{middle_id}"/>\n'
        f'<bpmn:sequenceFlow id="f2" sourceRef="{middle_id}" targetRef="end"/>'
    )


def _problems(files: dict[str, bytes], **kwargs: object) -> list:
    with pytest.raises(ModelValidationError) as info:
        parse_model(files, **kwargs)
    return info.value.problems


def _one(files: dict[str, bytes], fragment: str, **kwargs: object):
    problems = _problems(files, **kwargs)
    matching = [p for p in problems if fragment in p.message]
    assert matching, [p.message for p in problems]
    return matching[0]


def test_simple_lifecycle_fixture_parses() -> None:
    model = parse_model({"simple_lifecycle.bpmn": _fixture("simple_lifecycle.bpmn")})
    assert model.process_id == "simple_lifecycle"
    assert model.name == "Simple lifecycle"
    assert model.spec.name == "simple_lifecycle"
    [review] = model.user_tasks
    assert (review.bpmn_id, review.name, review.lane) == ("review", "Antrag pruefen", "Sachbearbeitung")
    assert review.documentation.startswith("Pruefen Sie")
    assert model.service_operations == []


def test_service_and_dmn_fixtures_parse() -> None:
    service = parse_model({"service_echo.bpmn": _fixture("service_echo.bpmn")}, known_operations=["test.echo"])
    assert service.service_operations == ["test.echo"]
    decision = parse_model({"fee_decision.bpmn": _fixture("fee_decision.bpmn"), "fee_table.dmn": _fixture("fee_table.dmn")})
    assert "determine_fee" in decision.spec.task_specs


def test_content_hash_and_cache() -> None:
    files = {"simple_lifecycle.bpmn": _fixture("simple_lifecycle.bpmn")}
    assert content_hash(files) == content_hash(dict(files))
    assert content_hash(files) != content_hash({"other.bpmn": files["simple_lifecycle.bpmn"]})
    first = load_model(files)
    assert load_model({"simple_lifecycle.bpmn": bytes(files["simple_lifecycle.bpmn"])}) is first
    assert first.content_hash == content_hash(files)


def test_billion_laughs_is_rejected_without_expansion() -> None:
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b"]>\n" + HEADER.encode() + b"<bpmn:process id='p'>&lol9;</bpmn:process></bpmn:definitions>"
    )
    problem = _one({"bomb.bpmn": laughs}, "DOCTYPE declarations are not allowed")
    assert problem.file == "bomb.bpmn"


def test_external_entity_is_not_fetched() -> None:
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + HEADER.encode() + b"<bpmn:process id='p' name='&x;'/></bpmn:definitions>"
    )
    problems = _problems({"xxe.bpmn": xxe})
    assert any("DOCTYPE" in p.message for p in problems)
    assert not any("root:" in str(p) for p in problems)


def test_not_well_formed_xml_reports_the_line() -> None:
    problem = _one({"broken.bpmn": b'<?xml version="1.0"?>\n<a>\n<b>\n</a>'}, "not well-formed XML")
    assert problem.line in (3, 4)
    assert problem.file == "broken.bpmn"


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1252", "utf-8-sig"])
def test_encoding_is_taken_from_the_xml_declaration(encoding: str) -> None:
    declared = "UTF-8" if encoding == "utf-8-sig" else encoding
    text = _model(_linear('<bpmn:userTask id="t1" name="Prüfung €uro"/>')).decode()
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"')
    name = "Prüfung €uro" if encoding != "ISO-8859-1" else "Prüfung"
    text = text.replace("Prüfung €uro", name)
    model = parse_model({"enc.bpmn": text.encode(encoding)})
    assert model.user_tasks[0].name == name


def test_only_bpmn_and_dmn_files_and_size_limits() -> None:
    valid = _fixture("simple_lifecycle.bpmn")
    assert _one({"a.bpmn": valid, "notes.txt": b"x"}, "only .bpmn, .dmn and .form").file == "notes.txt"
    assert _one({"a.bpmn": valid}, "the limit is 100", max_bytes=100).file == "a.bpmn"
    _one({"a.bpmn": valid, "b.bpmn": valid}, "in total", max_total_bytes=len(valid) + 1)


@pytest.mark.parametrize(
    ("body", "fragment", "element_id"),
    [
        (_linear('<bpmn:intermediateThrowEvent id="t1"><bpmn:linkEventDefinition name="L"/></bpmn:intermediateThrowEvent>'),
         "link throw event 't1' has no link catch event 'L'", "t1"),
        (_linear('<bpmn:intermediateCatchEvent id="t1"/>'), "intermediate catch event 't1' needs an event definition",
         "t1"),
        (_linear('<bpmn:choreographyTask id="t1"/>'), "element type 'choreographyTask'", "t1"),
        ('<bpmn:startEvent id="start"/><bpmn:task id="t1"/><bpmn:endEvent id="a"/>'
         '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="t1"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="t1" targetRef="a"><bpmn:conditionExpression>x</bpmn:conditionExpression>'
         '</bpmn:sequenceFlow>', "task 't1' has one outgoing flow and it is conditional", "f1"),
        ('<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw_ok" default="f1"/><bpmn:endEvent id="a"/>'
         '<bpmn:endEvent id="b"/><bpmn:endEvent id="c"/><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw_ok"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="gw_ok" targetRef="a"/>'
         '<bpmn:sequenceFlow id="f2" sourceRef="gw_ok" targetRef="b"><bpmn:conditionExpression>x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>'
         '<bpmn:sequenceFlow id="flow_3" sourceRef="gw_ok" targetRef="c"/>',
         "exclusive gateway 'gw_ok' has an outgoing flow 'flow_3' without condition and is not the default", "flow_3"),
        ('<bpmn:startEvent id="start"/><bpmn:endEvent id="end"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end"><bpmn:conditionExpression>x</bpmn:conditionExpression></bpmn:sequenceFlow>',
         "flows out of events and event-based gateways cannot be conditional", "f1"),
        ('<bpmn:task id="t1"/>', "process 'p' has no start event", "p"),
        (_linear('<bpmn:serviceTask id="t1"/>'), "service task 't1' has no operation name", "t1"),
        (_linear('<bpmn:scriptTask id="t1"><bpmn:script>x = (</bpmn:script></bpmn:scriptTask>'),
         "script of 't1' is rejected: line 1: syntax error", "t1"),
        (_linear('<bpmn:scriptTask id="t1"><bpmn:script>y = ().__class__</bpmn:script></bpmn:scriptTask>'),
         "access to '__class__' is not allowed", "t1"),
        (_linear('<bpmn:scriptTask id="t1"><bpmn:script>\n</bpmn:script></bpmn:scriptTask>'), "script task 't1' has no script", "t1"),
        ('<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="gw" default="f1"/><bpmn:endEvent id="a"/><bpmn:endEvent id="b"/>'
         '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="gw"/><bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a"/>'
         '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="b"><bpmn:conditionExpression>__import__("os")</bpmn:conditionExpression></bpmn:sequenceFlow>',
         "condition of 'f2' is rejected: line 1: name '__import__' is not allowed", "f2"),
        (_linear('<bpmn:businessRuleTask id="t1"><bpmn:extensionElements><spiffworkflow:calledDecisionId>nope</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>'),
         "calls decision 'nope' that no DMN file provides", "t1"),
        (_linear('<bpmn:businessRuleTask id="t1" camunda:decisionRef="d"/>'), "camunda:decisionRef is not supported", "t1"),
    ],
)
def test_own_checks_name_the_element_and_line(body: str, fragment: str, element_id: str) -> None:
    problem = _one({"m.bpmn": _model(body)}, fragment)
    assert problem.element_id == element_id
    assert problem.file == "m.bpmn"
    assert isinstance(problem.line, int) and problem.line >= 3


def test_unknown_service_operation_is_rejected_when_operations_are_known() -> None:
    files = {"service_echo.bpmn": _fixture("service_echo.bpmn")}
    problem = _one(files, "uses unknown operation 'test.echo'", known_operations=["other.op"])
    assert problem.element_id == "call_echo"


def test_a_call_activity_may_call_a_process_the_files_do_not_contain() -> None:
    body = _linear('<bpmn:callActivity id="t1" calledElement="missing"/>')
    model = parse_model({"m.bpmn": _model(body)})
    assert model.called_keys == ("missing",)  # deploying checks that it is deployed (tests/engine/test_deploy_processes.py)


def test_a_call_activity_must_call_a_process_or_global_task() -> None:
    body = _linear('<bpmn:callActivity id="t1" calledElement="end"/>')
    problem = _one({"m.bpmn": _model(body)}, "call activity 't1' calls 'end', a endEvent")
    assert problem.element_id == "t1"


def test_process_executability_and_the_main_process() -> None:
    body = _linear('<bpmn:task id="t1"/>')
    not_executable = _problems({"m.bpmn": _model(body, 'id="p" isExecutable="false"')})
    assert any("process 'p' is not executable; mark it isExecutable=\"true\"" in p.message for p in not_executable)
    assert any("no executable process" in p.message for p in not_executable)
    second = ('<bpmn:process id="q"><bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="m"/>'
              '</bpmn:startEvent><bpmn:endEvent id="e2"/><bpmn:sequenceFlow id="g" sourceRef="s2" targetRef="e2"/>'
              '</bpmn:process><bpmn:message id="m" name="go"/></bpmn:definitions>')
    two = _model(body).replace(b"</bpmn:definitions>", second.encode())
    model = parse_model({"m.bpmn": two})
    assert model.process_id == "p" and sorted(model.processes) == ["p", "q"]  # both deploy; p has a none start event


def test_several_problems_are_reported_in_one_pass() -> None:
    body = (
        '<bpmn:startEvent id="start"/><bpmn:complexGateway id="cg"/><bpmn:serviceTask id="svc"/>'
        '<bpmn:endEvent id="end"><bpmn:linkEventDefinition/></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="cg"/><bpmn:sequenceFlow id="f2" sourceRef="cg" targetRef="svc"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="svc" targetRef="end"/>'
    )  # cg: one flow in and out; svc: no operation; end: a link end event
    problems = _problems({"m.bpmn": _model(body), "readme.md": b"x"})
    ids = {p.element_id for p in problems}
    assert {"cg", "svc", "end"} <= ids
    assert any(p.file == "readme.md" for p in problems)
    assert len(str(ModelValidationError(problems)).splitlines()) == len(problems)


def test_spiff_parse_errors_become_problems_with_element_and_line() -> None:
    body = (
        '<bpmn:startEvent id="start"/><bpmn:task id="t1"/><bpmn:endEvent id="end"/>'
        '<bpmn:boundaryEvent id="b1" attachedToRef="t1"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t1"/><bpmn:sequenceFlow id="f2" sourceRef="t1" targetRef="end"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="b1" targetRef="end"/>'
    )
    problems = _problems({"m.bpmn": _model(body)})
    assert len(problems) == 1
    assert problems[0].element_id in {"b1", "t1"}
    assert problems[0].file == "m.bpmn" and problems[0].line == 4


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"a.bpmn": b""},
        {"a.bpmn": b"\x00\xff\xfe garbage"},
        {"a.bpmn": _fixture("simple_lifecycle.bpmn")[:700]},
        {"a.bpmn": b"<html><body>not bpmn</body></html>"},
        {"a.bpmn": b'<definitions xmlns="urn:other"/>'},
        {"a.dmn": b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"/>'},
        {"a.bpmn": HEADER.encode() + b"</bpmn:definitions>"},
        {"a.bpmn": _model('<bpmn:startEvent id="s"/><bpmn:callActivity id="c"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="c"/>')},
        {"a.bpmn": _model('<bpmn:startEvent id="s"/><bpmn:callActivity id="c" calledElement="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="c"/>')},
        {"a.bpmn": "not bytes"},
        {"a.bpmn": _fixture("fee_decision.bpmn"), "b.dmn": _fixture("fee_table.dmn")[:300]},
    ],
)
def test_garbage_only_raises_model_validation_error(files: dict) -> None:
    with pytest.raises(ModelValidationError) as info:
        parse_model(files)
    assert info.value.problems
    with pytest.raises(ModelValidationError):
        load_model(files)
