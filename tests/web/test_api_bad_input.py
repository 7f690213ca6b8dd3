"""Hostile input against every operation of the committed OpenAPI document: never a 5xx.

For each path and method in web/api/openapi.json the test sends, as a user with
every role, malformed and mistyped bodies, missing and unknown fields, overlong
and non-UTF-8 values, path parameters that are not ids, query parameters of the
wrong type and wrong content types. Every answer must be below 500; a 4xx answer
must be JSON with a message (a validation error names the offending field); and a
refused request must leave the database as it was.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
from tests import conftest
from tests.web.helpers import model_bytes, snapshot
from web.api.spec import COMMITTED

pytestmark = pytest.mark.core

SPEC = json.loads(COMMITTED.read_text(encoding="utf-8"))
OPERATIONS = [(path, method) for path, item in SPEC["paths"].items() for method in item if method != "parameters"]

OVERLONG = "ä" * 100_000
HUGE = 10 ** 400
TOO_MANY_DIGITS = "9" * 5000  # more digits than Python converts to int by default
NON_UTF8 = b"\xff\xfe\xc3\x28 \x80"
TEXT = b"Hallo Welt\n"
BAD_IDS = ["../x", "..%2F..%2Fx", "x" * 5000, "ünïcødé-✓-𝔘", "%00", "a%00b", "' OR '1'='1", "-1", "0", "null", " "]
BAD_QUERY_VALUES = ["-1", "0", "abc", str(10 ** 9), str(HUGE), "", "%00", "\x00", "x" * 5000, "unknown", "1.5", "true"]
PATTERN_SAMPLES = ("12345", "17", "17/2")


@dataclass
class Probe:
    """One hostile request: what it is, the request arguments, and the field it breaks (if one)."""

    label: str
    kwargs: dict
    breaks_field: str | None = None
    status: int | None = None  # the one status the answer must have, if known


@dataclass
class World:
    """One authority with a user of every role, a deployed model, a running case and its file."""

    actor: object
    ids: dict[str, str] = field(default_factory=dict)
    known: dict = field(default_factory=dict)  # valid body values, e.g. the deployed process key


@pytest.fixture(scope="module")
def world(app, session_factory) -> World:
    authority = conftest.TestAuthority(session_factory, f"bad-{uuid.uuid4().hex[:12]}")
    actor = authority.user("alle", roles=("admin", "clerk", "supervisor", "modeller", "operator"),
                           groups=("Sachbearbeitung",))
    target = authority.user("ziel", roles=("clerk",), groups=("Sachbearbeitung",))
    client = app.test_client()
    key = conftest.unique_key("antrag")
    files = {"file": [(io.BytesIO(model_bytes("antrag.bpmn", key)), "antrag.bpmn")]}
    definition = client.post("/api/v1/process-definitions", data=files, headers=actor.headers,
                             content_type="multipart/form-data").json
    case = client.post("/api/v1/cases", json={"process_key": key, "data": {"applicant": "Erika"}},
                       headers=actor.headers).json
    akte = client.get(f"/api/v1/cases/{case['id']}/file", headers=actor.headers).json
    group = client.get("/api/v1/groups", headers=actor.headers).json[0]
    token = client.post(f"/api/v1/users/{target.id}/tokens", json={"label": "Skript"}, headers=actor.headers).json
    absence = client.post("/api/v1/substitutions", json={"user": "ziel", "starts_on": "2030-01-01"},
                          headers=actor.headers).json
    return World(actor, {
        "user_id": target.id, "group_id": group["id"], "token_id": token["id"], "absence_id": absence["id"],
        "code": "00.01", "process_key": key,
        "case_id": case["id"], "task_id": case["open_tasks"][0]["id"], "definition_id": definition["id"],
        "file_id": akte["id"], "document_id": akte["documents"][0]["id"], "incident_id": str(uuid.uuid4()),
        "handover_id": str(uuid.uuid4()),
        "token": "af_" + "0" * 40, "authority": authority.slug,
    }, {"process_key": key})


def resolve(schema: dict) -> dict:
    """Follow a ``$ref`` into components/schemas."""
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def sample(schema: dict):
    """Return a minimal valid value for ``schema`` (so that one broken field is the only problem)."""
    schema = resolve(schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        return {name: sample(schema["properties"][name]) for name in schema.get("required", [])}
    if kind == "array":
        return [sample(schema["items"])] * schema.get("minItems", 0)
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "email":
        return "erika@example.org"
    if schema.get("format") == "date":
        return "2030-01-01"
    if "pattern" in schema:
        return next(s for s in PATTERN_SAMPLES if re.fullmatch(schema["pattern"], s))
    return "Beispieltext"[: schema.get("maxLength", 100)]


def wrong_values(schema: dict) -> list:
    """Values of the wrong type (and of absurd size) for a property of ``schema``."""
    kind = resolve(schema).get("type")
    swapped = {"string": 12345, "integer": "zwölf", "number": "zwölf", "boolean": "vielleicht",
               "object": "kein Objekt", "array": "keine Liste"}.get(kind, "text")
    return [swapped, None, [1, 2], {"nested": {}}, HUGE, -HUGE, OVERLONG, "\x00", 1e308]


def operation(path: str, method: str) -> dict:
    return SPEC["paths"][path][method]


def parameters(path: str, method: str, where: str) -> list[dict]:
    item = SPEC["paths"][path]
    return [p for p in item.get("parameters", []) + operation(path, method).get("parameters", []) if p["in"] == where]


def url_for(path: str, world: World, override: dict | None = None) -> str:
    values = {**world.ids, **(override or {})}
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def json_probes(schema: dict, known: dict) -> list[Probe]:
    """Hostile JSON bodies for an operation whose body is the JSON object ``schema`` (``known``: valid values)."""
    raw = "application/json"
    probes = [
        Probe("malformed JSON", {"data": b'{"a": ', "content_type": raw}),
        Probe("JSON list", {"json": [1, 2]}),
        Probe("JSON string", {"json": "text"}),
        Probe("JSON number", {"json": 7}),
        Probe("JSON null", {"data": b"null", "content_type": raw}),
        Probe("huge number", {"data": str(HUGE).encode(), "content_type": raw}),
        Probe("too many digits", {"data": f'{{"x": {TOO_MANY_DIGITS}}}'.encode(), "content_type": raw}),
        Probe("NaN and Infinity", {"data": b'{"x": NaN, "y": Infinity}', "content_type": raw}),
        Probe("deep nesting", {"data": b"[" * 100_000 + b"]" * 100_000, "content_type": raw}),
        Probe("non-UTF-8 bytes", {"data": b'{"a": "' + NON_UTF8 + b'"}', "content_type": raw}),
        Probe("BOM and UTF-16", {"data": '{"a": 1}'.encode("utf-16"), "content_type": raw}),
        Probe("empty body as JSON", {"data": b"", "content_type": raw}),
        Probe("empty body without type", {"data": b""}),
        Probe("multipart instead of JSON", {"data": {"x": "1"}, "content_type": "multipart/form-data"}),
        Probe("form instead of JSON", {"data": {"x": "1"}, "content_type": "application/x-www-form-urlencoded"}),
        Probe("text/plain", {"data": b'{"a": 1}', "content_type": "text/plain"}),
        Probe("empty object", {"json": {}}),
    ]
    valid = {**sample(schema), **{k: v for k, v in known.items() if k in resolve(schema).get("properties", {})}}
    probes.append(Probe("unknown field", {"json": {**valid, "unbekanntes_feld": 1}}, "unbekanntes_feld"))
    for name, prop in resolve(schema).get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        for value in wrong_values(prop):
            probes.append(Probe(f"{name}={str(value)[:20]!r}", {"json": {**valid, name: value}}, name))
        nested = resolve(prop)
        if nested.get("type") == "object" and "properties" not in nested:  # free data (case data, form data)
            rest = json.dumps({k: v for k, v in valid.items() if k != name})[1:-1]
            for label, member in (("NaN", '"x": NaN'), ("Infinity", '"x": -Infinity'), ("1e999", '"x": 1e999'),
                                  ("huge", f'"x": {HUGE}'), ("deep", f'"x": {"[" * 60}{"]" * 60}'),
                                  ("odd keys", '"__class__": 1, "": 2')):
                body = "{" + (rest + ", " if rest else "") + f'"{name}": {{{member}}}}}'
                probes.append(Probe(f"{name} holding {label}", {"data": body.encode(), "content_type": raw}))
        if nested.get("type") == "object" or "properties" in nested:
            for child, child_prop in nested.get("properties", {}).items():
                probes.append(Probe(f"{name}.{child} wrong type",
                                    {"json": {**valid, name: {**sample(nested), child: wrong_values(child_prop)[0]}}},
                                    child))
    for name in resolve(schema).get("required", []):
        probes.append(Probe(f"missing {name}", {"json": {k: v for k, v in valid.items() if k != name}}, name))
    return probes


def multipart_probes(schema: dict) -> list[Probe]:
    """Hostile multipart bodies for an upload operation described by ``schema``."""
    props = resolve(schema).get("properties", {})
    file_fields = [n for n, p in props.items() if p.get("format") == "binary" or p.get("items", {}).get("format") == "binary"]
    text_fields = {n: sample(props[n]) for n in resolve(schema).get("required", []) if n not in file_fields}
    mp = "multipart/form-data"

    def form(files: dict, **fields) -> dict:
        return {"data": {**text_fields, **fields, **files}, "content_type": mp}

    probes = [
        Probe("JSON instead of multipart", {"json": {name: "x" for name in props}}),
        Probe("multipart without parts", {"data": {}, "content_type": mp}),
        Probe("broken multipart", {"data": b"--x\r\nnonsense", "content_type": "multipart/form-data; boundary=x"}),
        Probe("multipart without boundary", {"data": b"abc", "content_type": mp}),
        Probe("non-UTF-8 body as XML", {"data": NON_UTF8, "content_type": "application/xml"}),
        Probe("empty XML", {"data": b"", "content_type": "application/xml"}),
        Probe("text/plain", {"data": b"hello", "content_type": "text/plain"}),
        Probe("XML entity bomb", {"data": ENTITY_BOMB, "content_type": "application/xml"}),
    ]
    for name in file_fields:
        probes += [
            Probe(f"{name}: no file", form({})),
            Probe(f"{name}: empty file", form({name: (io.BytesIO(b""), "leer.pdf")})),
            Probe(f"{name}: two files", form({name: [(io.BytesIO(b"a"), "a.pdf"), (io.BytesIO(b"b"), "b.pdf")]})),
            Probe(f"{name}: no file name", form({name: (io.BytesIO(TEXT), "")})),
            Probe(f"{name}: path as file name", form({name: (io.BytesIO(TEXT), "../../etc/passwd.txt")})),
            Probe(f"{name}: overlong file name", form({name: (io.BytesIO(TEXT), "x" * 5000 + ".txt")})),
            Probe(f"{name}: unicode file name", form({name: (io.BytesIO(TEXT), "Lageplan ✓ 𝔘 \u202e.txt")})),
            Probe(f"{name}: NUL in file name", form({name: (io.BytesIO(TEXT), "a\x00b.txt")})),
            Probe(f"{name}: non-UTF-8 content", form({name: (io.BytesIO(NON_UTF8), "daten.xml")})),
            Probe(f"{name}: not a PDF", form({name: (io.BytesIO(b"%PDF-1.4 kaputt"), "kaputt.pdf")})),
            Probe(f"{name}: as text field", form({}, **{name: "kein Upload"})),
        ]
    def upload() -> dict:
        return {name: (io.BytesIO(TEXT), "notiz.txt") for name in file_fields[:1]}

    for name in (n for n in props if n not in file_fields):
        probes += [
            Probe(f"{name}: overlong", form(upload(), **{name: OVERLONG})),
            Probe(f"{name}: empty", form(upload(), **{name: ""})),
            Probe(f"{name}: NUL", form(upload(), **{name: "a\x00b"})),
            Probe(f"{name}: unknown value", form(upload(), **{name: "unbekannt-✓"})),
        ]
    probes.append(Probe("unknown form field", form(upload(), unbekanntes_feld="1")))
    return probes


def text_probes() -> list[Probe]:
    """Hostile bodies for an operation that takes JSON or YAML text (the file plan)."""
    yaml = "application/yaml"

    def unit(**fields) -> bytes:
        values = {"code": "'99.01'", "title": "X", "retention_years": "5", "disposal": "V", **fields}
        return ("units: [{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}]\n").encode()

    bodies = {
        "empty": b"", "blank": b"   \n", "not YAML": b"units: [\n", "YAML list": b"- a\n- b\n",
        "YAML scalar": b"just text", "python tag": b"units: !!python/object/apply:os.system ['true']\n",
        "non-UTF-8": NON_UTF8, "units not a list": b"units: 5\n", "unit not a mapping": b"units: [5]\n",
        "unit without code": b"units: [{title: X}]\n",
        "retention not a number": unit(retention_years="abc"),
        "huge retention": unit(retention_years=str(HUGE)),
        "too many digits": unit(retention_years=TOO_MANY_DIGITS),
        "negative retention": unit(retention_years="-5"),
        "bad disposal": unit(disposal="Q"),
        "overlong code": unit(code="'" + "9" * 5000 + "'"),
        "overlong title": unit(title="'" + OVERLONG + "'"),
        "NUL in title": unit(title='"a\\0b"'),
        "code as number": unit(code="99"),
        "code as list": unit(code="[1]"),
        "bad confidentiality": unit(confidentiality="x"),
        "processes not a mapping": unit() + b"processes: [a]\n",
        "process to unknown unit": unit() + b"processes: {'*': '98.76'}\n",
        "process to a list": unit() + b"processes: {'*': [1]}\n",
        "process key a number": unit() + b"processes: {7: '99.01'}\n",
        "process key overlong": unit() + f"processes: {{'{'p' * 5000}': '99.01'}}\n".encode(),
        "process key a list": unit() + b"processes: {? [a, b] : '99.01'}\n",
        "NUL in process key": unit() + b'processes: {"a\\0b": "99.01"}\n',
        "YAML alias bomb": ALIAS_BOMB,
        "deep nesting": b"[" * 10_000 + b"]" * 10_000,
        "unknown key": unit() + b"zusatz: 1\n",
    }
    probes = [Probe(f"YAML {label}", {"data": body, "content_type": yaml}) for label, body in bodies.items()]
    valid_unit = {"code": "99.01", "title": "X", "retention_years": 5, "disposal": "V"}
    probes += [
        Probe("JSON malformed", {"data": b'{"units": ', "content_type": "application/json"}),
        Probe("JSON list", {"json": [1]}),
        Probe("JSON units null", {"json": {"units": None}}),
        Probe("JSON retention huge", {"json": {"units": [{**valid_unit, "retention_years": HUGE}]}}),
        Probe("JSON title not text", {"json": {"units": [{**valid_unit, "title": {"a": 1}}]}}),
        Probe("JSON NUL in code", {"json": {"units": [{**valid_unit, "code": "9\x009"}]}}),
        Probe("JSON deep nesting", {"data": b"[" * 100_000 + b"]" * 100_000, "content_type": "application/json"}),
        Probe("JSON too many digits", {"data": f'{{"units": [{{"retention_years": {TOO_MANY_DIGITS}}}]}}'.encode(),
                                       "content_type": "application/json"}),
        Probe("multipart", {"data": {"units": "x"}, "content_type": "multipart/form-data"}),
    ]
    return probes


ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
               b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>')
ALIAS_BOMB = b"a: &a ['x','x','x','x','x','x','x','x','x']\n" + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode() for i in range(8))


def body_probes(path: str, method: str, known: dict) -> list[Probe]:
    """The hostile bodies that fit the operation's documented request body."""
    content = operation(path, method).get("requestBody", {}).get("content", {})
    if "application/yaml" in content:
        return text_probes()
    if "multipart/form-data" in content:
        return multipart_probes(content["multipart/form-data"]["schema"])
    if "application/json" in content:
        return json_probes(content["application/json"]["schema"], known)
    if method in ("post", "put", "patch"):  # no documented body: whatever is sent must not matter
        return [Probe("unexpected JSON", {"json": {"x": OVERLONG}}),
                Probe("unexpected garbage", {"data": NON_UTF8, "content_type": "application/json"})]
    return []


def path_probes(path: str, method: str) -> list[tuple[str, dict]]:
    return [(f"path {p['name']}={value[:20]!r}", {p["name"]: value}) for p in parameters(path, method, "path")
            for value in BAD_IDS]


def query_probes(path: str, method: str) -> list[Probe]:
    probes = [Probe(f"query {p['name']}={value[:20]!r}", {"query_string": {p["name"]: value}}, p["name"])
              for p in parameters(path, method, "query") for value in BAD_QUERY_VALUES]
    if parameters(path, method, "query"):
        probes.append(Probe("query non-UTF-8", {"query_string": "page=%ff%fe&per_page=%c3%28"}))
        probes.append(Probe("query repeated", {"query_string": "page=1&page=2&per_page=3&per_page=x"}))
    return probes


def check(response, probe: Probe, before: tuple, after) -> list[str]:
    """Return what is wrong with the answer to ``probe`` (empty if nothing)."""
    status = response.status_code
    problems = []
    if status >= 500:
        return [f"{probe.label}: {status} {response.get_data(as_text=True)[:200]}"]
    if probe.status is not None and status != probe.status:
        problems.append(f"{probe.label}: {status} instead of {probe.status}")
    if status >= 400:
        body = response.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("message"), str) or not body["message"].strip():
            problems.append(f"{probe.label}: {status} without a JSON message: {response.get_data(as_text=True)[:200]}")
        elif "errors" in body and probe.breaks_field and probe.breaks_field not in json.dumps(body, ensure_ascii=False):
            problems.append(f"{probe.label}: {status} does not name the field '{probe.breaks_field}': {body}")
        if after() != before:
            problems.append(f"{probe.label}: refused with {status} but the database changed")
    return problems


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_hostile_input_never_gives_a_server_error(client, world, session_factory, path, method):
    headers = world.actor.headers
    requests: list[tuple[str, Probe]] = [(url_for(path, world), probe)
                                         for probe in body_probes(path, method, world.known)
                                         + query_probes(path, method)]
    for label, override in path_probes(path, method):
        requests.append((url_for(path, world, override), Probe(label, {})))
    if operation(path, method).get("security") != []:  # the delivery download needs no token
        requests.append((url_for(path, world), Probe("no token, bad body", {"no_auth": True, "json": [1]}, status=401)))
    assert requests, "every operation gets at least one hostile request"

    problems: list[str] = []
    for url, probe in requests:
        kwargs = dict(probe.kwargs)
        request_headers = {} if kwargs.pop("no_auth", False) else headers
        before = snapshot(session_factory)
        try:
            response = client.open(url, method=method.upper(), headers=request_headers, **kwargs)
        except Exception as exc:  # the test app propagates unhandled errors: that is a 500 in production
            problems.append(f"{probe.label}: unhandled {type(exc).__name__}: {str(exc)[:200]}")
            continue
        problems += check(response, probe, before, lambda: snapshot(session_factory))
        response.close()  # a streamed download holds its request context until closed
    assert not problems, f"{method.upper()} {path}:\n" + "\n".join(problems)


def test_the_checks_can_fail(client, world, session_factory):
    """A 5xx, a 4xx without message, an unnamed field and a change despite refusal are all reported."""

    class Answer:
        def __init__(self, status, body):
            self.status_code, self._body = status, body

        def get_json(self, silent=False):
            return self._body

        def get_data(self, as_text=False):
            return json.dumps(self._body)

    before = snapshot(session_factory)
    probe = Probe("x", {}, "reason")
    assert check(Answer(500, {}), probe, before, lambda: before)
    assert check(Answer(404, {"code": 404}), probe, before, lambda: before)
    assert check(Answer(422, {"message": "m", "errors": {"json": {"other": ["x"]}}}), probe, before, lambda: before)
    assert check(Answer(409, {"message": "m"}), probe, before, lambda: ("changed",))
    assert not check(Answer(422, {"message": "m", "errors": {"json": {"reason": ["x"]}}}), probe, before, lambda: before)


def test_a_too_large_body_is_413_with_a_message(app, client, world, session_factory, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    before = snapshot(session_factory)
    response = client.post("/api/v1/cases", json={"process_key": world.known["process_key"], "data": {"x": "y" * 5000}},
                           headers=world.actor.headers)
    assert response.status_code == 413 and response.json["message"]
    upload = {"subject": "Groß", "file": (io.BytesIO(b"x" * 5000), "gross.txt")}
    response = client.post(f"/api/v1/cases/{world.ids['case_id']}/documents", data=upload,
                           headers=world.actor.headers, content_type="multipart/form-data")
    assert response.status_code == 413 and response.json["message"]
    assert snapshot(session_factory) == before


@pytest.mark.parametrize("name", ["x" * 300 + ".bpmn", "a\\b/../" + "y" * 260 + ".bpmn"])
def test_a_valid_model_with_an_overlong_file_name_is_refused(client, world, session_factory, name):
    """The name did not fit the column: a 500 on PostgreSQL."""
    before = snapshot(session_factory)
    model = model_bytes("antrag.bpmn", conftest.unique_key("antrag"))
    multipart = client.post("/api/v1/process-definitions", data={"file": [(io.BytesIO(model), name)]},
                            headers=world.actor.headers, content_type="multipart/form-data")
    raw = client.post("/api/v1/process-definitions", query_string={"filename": name}, data=model,
                      headers={**world.actor.headers, "Content-Type": "application/xml"})
    for response in (multipart, raw):
        assert response.status_code == 422 and "characters" in response.json["errors"][0]["message"]
    assert snapshot(session_factory) == before
