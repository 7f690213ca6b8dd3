"""Hostile script payloads by family, and a model that runs the one a case chooses."""

from __future__ import annotations

from xml.sax.saxutils import escape

TIME_LIMIT = 1.0
MEMORY_LIMIT = 64 * 2**20

PAYLOADS: dict[str, str] = {
    # straight-line C-level work: no loop, no function, one call that runs for minutes
    "c_level_count": "a = 'x' * 10**5\nb = 'x' * 10**5\nL = [a] * 10**6\nn = L.count(b)\nn = L.count(b)\nn = L.count(b)",
    "c_level_fstring": "s = 'x' * 10**6\na = f'{s}{s}'\nb = f'{s}{s}'\nn = ([a] * 10**6).count(b)",
    # growth by extend, f-strings, % formatting, repetition
    "extend": "a = [0] * 10**6\na.extend(a)\na.extend(a)\na.extend(a)\na.extend(a)\na.extend(a)\na.extend(a)",
    "fstring": "s = 'x' * 10**6\ns = f'{s}{s}{s}{s}{s}{s}{s}{s}'\ns = f'{s}{s}{s}{s}{s}{s}{s}{s}'\n"
               "s = f'{s}{s}{s}{s}{s}{s}{s}{s}'",
    "percent": "s = 'x' * 10**6\ns = '%s%s%s%s%s%s%s%s' % (s, s, s, s, s, s, s, s)\n"
               "s = '%s%s%s%s%s%s%s%s' % (s, s, s, s, s, s, s, s)\ns = '%s%s%s%s%s%s%s%s' % (s, s, s, s, s, s, s, s)",
    "repetition": "a = [0] * 10**6\nb = [a * 1 for i in range(1000)]",
    # deep recursion
    "recursion": "def f(n):\n    return f(n + 1) + 1\nx = f(0)",
    "nested_recursion": "def f(n):\n    return [f(n + 1)]\nx = f(0)",
    # many small allocations
    "small_allocations": "a = []\nwhile True:\n    a.append([len(a), str(len(a))])",
}
"""Family name -> script. Every one breaches a limit or Python's recursion limit."""

HARMLESS = "x = 1"


def payload_model(key: str, first: str = "user") -> bytes:
    """A process: a first step (a user task ``go`` or a service task ``lookup``), then the script the case's
    ``family`` names (``harmless`` or a key of :data:`PAYLOADS`), then a user task ``after``.

    Args:
        key: The process id.
        first: ``"user"``, ``"service"`` (the service task calls ``test.sandbox_noop``) or ``"timer"`` (a
            timer due two seconds later); after the last two the script runs in the worker.
    """
    families = {"harmless": HARMLESS, **PAYLOADS}
    scripts = "\n".join(
        f'<bpmn:scriptTask id="run_{name}" name="{name}"><bpmn:incoming>to_{name}</bpmn:incoming>'
        f"<bpmn:outgoing>from_{name}</bpmn:outgoing><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>"
        for name, script in families.items())
    flows = "\n".join(
        f'<bpmn:sequenceFlow id="to_{name}" sourceRef="choose" targetRef="run_{name}">'
        f'<bpmn:conditionExpression>family == "{name}"</bpmn:conditionExpression></bpmn:sequenceFlow>'
        f'<bpmn:sequenceFlow id="from_{name}" sourceRef="run_{name}" targetRef="join" />'
        for name in families)
    if first == "user":
        first_step = '<bpmn:userTask id="go" name="Los"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>'
        first_id = "go"
    elif first == "timer":
        first_step = ('<bpmn:intermediateCatchEvent id="wait" name="Gleich"><bpmn:incoming>f1</bpmn:incoming>'
                      "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>"
                      '<bpmn:timeDuration>"PT2S"</bpmn:timeDuration></bpmn:timerEventDefinition>'
                      "</bpmn:intermediateCatchEvent>")
        first_id = "wait"
    else:
        first_step = (
            '<bpmn:serviceTask id="lookup" name="Abfragen"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="test.sandbox_noop" resultVariable="looked_up">'
            "<spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>")
        first_id = "lookup"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="{key}_definitions" targetNamespace="http://aktenfluss.example/bpmn">
  <bpmn:process id="{key}" name="Sandbox payloads" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {first_step}
    <bpmn:exclusiveGateway id="choose"><bpmn:incoming>f2</bpmn:incoming>{"".join(f"<bpmn:outgoing>to_{n}</bpmn:outgoing>" for n in families)}</bpmn:exclusiveGateway>
    {scripts}
    <bpmn:exclusiveGateway id="join">{"".join(f"<bpmn:incoming>from_{n}</bpmn:incoming>" for n in families)}<bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="after" name="Danach"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{first_id}" />
    <bpmn:sequenceFlow id="f2" sourceRef="{first_id}" targetRef="choose" />
    {flows}
    <bpmn:sequenceFlow id="f3" sourceRef="join" targetRef="after" />
    <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


def resident_bytes() -> int:
    """Resident set size of this process."""
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def script_model(key: str, script: str) -> bytes:
    """A process that runs ``script`` right after its start, then waits at a user task ``after``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="{key}_definitions" targetNamespace="http://aktenfluss.example/bpmn">
  <bpmn:process id="{key}" name="Ein Skript" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="calc" name="Rechnen"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="after" name="Danach"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
    <bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="after" />
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
""".encode()
