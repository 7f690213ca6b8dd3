"""`aktenfluss bench http`: full case lifecycles over the REST API of a running server.

Starts nothing: it drives a server that runs already (``aktenfluss serve``
with a worker, or a throw-away one from ``scripts/bench-http``). Each of N
client threads keeps one HTTP/1.1 connection and repeats, until the time is
up, the lifecycle a clerk goes through:

1. ``POST /api/v1/cases``: start a case of the benchmark process (a script
   step, then a human task);
2. ``GET /api/v1/tasks``: the first page of the inbox;
3. ``POST /api/v1/tasks/{id}/claim``;
4. ``POST /api/v1/tasks/{id}/complete``: a gateway decides and the case ends.

The token's user needs the roles ``clerk`` and ``modeller`` (or ``admin``) and
the group ``Sachbearbeitung``; the benchmark deploys its process for the
user's authority (unchanged content makes no new version). Any answer other
than the expected status stops the run with the server's message.

Afterwards it waits (up to ``rendition_wait`` seconds) until the task record of
the last lifecycle has its PDF/A rendition, made by the worker in the
background, and reports how long that took: the backlog the run left.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

MODEL = Path(__file__).parent / "models" / "bench_lifecycle.bpmn"
PROCESS_KEY = "bench_lifecycle"
REQUEST_KINDS = ("start", "inbox", "claim", "complete")


class BenchError(Exception):
    """The server answered something the lifecycle cannot go on with."""


@dataclass(frozen=True)
class Percentiles:
    """Latency figures of one request kind in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float


@dataclass
class HttpBenchResult:
    """Figures of one run."""

    clients: int
    seconds: float
    lifecycles: int
    latencies: dict[str, Percentiles] = field(default_factory=dict)
    rendition_backlog_seconds: float | None = None
    """Seconds after the run until the last lifecycle's rendition existed (None: not reported by the server)."""

    @property
    def per_second(self) -> float:
        return self.lifecycles / self.seconds


class Client:
    """One keep-alive connection to the server, authenticated with a bearer token."""

    def __init__(self, base_url: str, token: str, timeout: float = 60.0):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BenchError(f"'{base_url}' is not an http(s) URL")
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connect = lambda: connection_class(parts.hostname, parts.port, timeout=timeout)
        self._prefix = parts.path.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._connection = self._connect()

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str | None = None,
                expect: int = 200) -> dict:
        """Send one request and return the JSON answer; raise BenchError on another status."""
        headers = dict(self._headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            self._connection.request(method, self._prefix + path, body=body, headers=headers)
            response = self._connection.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            self._connection.close()
            self._connection = self._connect()
            raise BenchError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if response.getheader("Connection", "").lower() == "close":
            self._connection.close()
            self._connection = self._connect()
        if response.status != expect:
            raise BenchError(f"{method} {path} answered {response.status}: {payload[:500].decode('utf-8', 'replace')}")
        return json.loads(payload) if payload else {}

    def post_json(self, path: str, data: dict, expect: int = 200) -> dict:
        return self.request("POST", path, body=json.dumps(data).encode(), content_type="application/json", expect=expect)

    def close(self) -> None:
        self._connection.close()


def deploy_model(client: Client) -> None:
    """Deploy the benchmark process for the token's authority (no new version if it is unchanged)."""
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{MODEL.name}\"\r\n"
            f"Content-Type: application/xml\r\n\r\n").encode() + MODEL.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    try:
        client.request("POST", "/api/v1/process-definitions", body=body,
                       content_type=f"multipart/form-data; boundary={boundary}", expect=201)
    except BenchError as exc:
        if " answered 200" not in str(exc):  # 200: the same content was deployed before
            raise


def run_lifecycle(client: Client, samples: dict[str, list[float]], number: int) -> str:
    """Run one lifecycle; append each request's milliseconds to ``samples``; return the case id."""

    def timed(kind: str, call):
        started = time.perf_counter()
        result = call()
        samples[kind].append((time.perf_counter() - started) * 1000)
        return result

    began = time.perf_counter()
    case = timed("start", lambda: client.post_json(
        "/api/v1/cases", {"process_key": PROCESS_KEY, "subject": f"Benchmark {number}",
                          "data": {"applicant": "Erika Mustermann"}}, expect=201))
    tasks = [task for task in case.get("open_tasks", []) if task.get("bpmn_id") == "review"]
    if len(tasks) != 1:
        raise BenchError(f"the started case has no open task 'review': {case.get('open_tasks')}")
    task_id = tasks[0]["id"]
    timed("inbox", lambda: client.request("GET", "/api/v1/tasks?per_page=25"))
    timed("claim", lambda: client.post_json(f"/api/v1/tasks/{task_id}/claim", {}))
    done = timed("complete", lambda: client.post_json(f"/api/v1/tasks/{task_id}/complete", {"data": {"approved": True}}))
    if done.get("status") != "completed":
        raise BenchError(f"the case did not end after the completion: status {done.get('status')}")
    samples["lifecycle"].append((time.perf_counter() - began) * 1000)
    return case["id"]


def run(base_url: str, token: str, *, clients: int, seconds: float, rendition_wait: float = 120.0,
        warmup: float = 2.0) -> HttpBenchResult:
    """Drive ``clients`` concurrent lifecycles against the server for ``seconds``; return the figures.

    A warm-up of ``warmup`` seconds (every client, not measured) comes first, so
    connection pools, caches and the sandbox processes of the server are started.
    """
    setup = Client(base_url, token)
    try:
        deploy_model(setup)
    finally:
        setup.close()
    _drive(base_url, token, clients, warmup)
    samples, last_case, elapsed = _drive(base_url, token, clients, seconds)
    result = HttpBenchResult(clients, elapsed, len(samples["lifecycle"]))
    result.latencies = {kind: _percentiles(values) for kind, values in samples.items() if values}
    if last_case is not None and rendition_wait > 0:
        result.rendition_backlog_seconds = wait_for_renditions(base_url, token, last_case, rendition_wait)
    return result


def _drive(base_url: str, token: str, clients: int, seconds: float):
    samples = {kind: [] for kind in (*REQUEST_KINDS, "lifecycle")}
    lock = threading.Lock()
    errors: list[BaseException] = []
    last_case: list[str] = []
    stop_at = time.perf_counter() + seconds

    def loop(index: int) -> None:
        client = Client(base_url, token)
        own = {kind: [] for kind in samples}
        number = 0
        try:
            while time.perf_counter() < stop_at and not errors:
                number += 1
                case_id = run_lifecycle(client, own, index * 1_000_000 + number)
                with lock:
                    last_case[:] = [case_id]
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            client.close()
            with lock:
                for kind, values in own.items():
                    samples[kind].extend(values)

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(index,), name=f"bench-client-{index}") for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0] if isinstance(errors[0], BenchError) else BenchError(repr(errors[0]))
    return samples, (last_case[0] if last_case else None), elapsed


def wait_for_renditions(base_url: str, token: str, case_id: str, limit: float) -> float | None:
    """Seconds until every version in the case's file that waits for a rendition has it (None: server does not say)."""
    client = Client(base_url, token)
    started = time.perf_counter()
    try:
        while True:
            answer = client.request("GET", f"/api/v1/cases/{case_id}/file")
            versions = [v for d in answer.get("documents", []) for v in d.get("versions", [])]
            if not any("rendition_status" in v for v in versions):
                return None
            if all(v["rendition_status"] != "pending" for v in versions):
                return time.perf_counter() - started
            if time.perf_counter() - started > limit:
                raise BenchError(f"renditions still pending {limit:.0f} s after the run (is a worker running?)")
            time.sleep(0.2)
    finally:
        client.close()


def _percentiles(values: list[float]) -> Percentiles:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]

    return Percentiles(len(ordered), statistics.median(ordered), at(0.95), at(0.99))
