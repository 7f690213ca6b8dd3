"""A small conformance runner: deploy a model over the REST API, start a case, run the worker, check the outcome.

Each model lives in ``fixtures/semantics/<class>/<name>.bpmn`` (plus DMN files
named ``<name>*.dmn``) with its expectation in ``<name>.json``:

``refused``
    The deployment must be refused (422); every string listed must appear in
    the problems (e.g. the id of the offending element).
``deploy_first``
    Other model files (in the same directory) deployed before, in order.
``start``
    ``{"process": key, "data": {...}}``; without ``process`` the key the
    deployment answered with (the main process) is started. ``"status": 4xx``
    expects the start to be refused with that status, naming ``"names"``.
``actions``
    Done in order whenever the case waits: ``{"complete": bpmn_id, "data": {...}}``
    completes the open task with that BPMN id (the runner waits until it is open);
    ``{"message": name, "correlation": {...}, "data": {...}}`` posts a message;
    ``{"cancel": true}`` cancels the case; ``{"wait_for": {...}}`` waits until the
    case data has these values (the clock moves on meanwhile).
``expect``
    ``status`` and ``error_code`` of the case, ``data`` (each key must be equal),
    ``absent`` (keys that must not be in the data),
    ``steps`` (the BPMN ids of the steps that completed, in this order, among all
    steps that carry one of these ids), and ``cases``: other cases of the
    authority by process key (and ``state``, a filter) with their ``status``,
    ``data`` and ``count``.

``__SUFFIX__`` in any of the files is replaced by a random suffix per run (for
process keys whose version numbers a model pins).

The clock runs, but the runner moves it forward to the next due job whenever
nothing else is left to do, so timers fire without waiting. The S3 server
refuses requests whose time is more than 15 minutes off, so the models use
timers that add up to less than ``MAX_SKEW``.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import func, select

from engine.db import transaction
from engine.models_jobs import Job
from engine.worker import Worker
from engine import jobs

SEMANTICS = Path(__file__).parent / "fixtures" / "semantics"
MAX_SKEW = timedelta(minutes=12)
MAX_ROUNDS = 200


@dataclass
class Outcome:
    """What a run found; ``problems`` is empty when the model behaved as expected."""

    name: str
    problems: list[str] = field(default_factory=list)
    case: dict | None = None

    @property
    def passed(self) -> bool:
        return not self.problems


def models(group: str | None = None) -> list[Path]:
    """Return the expectation files of all models (of one class directory)."""
    base = SEMANTICS / group if group else SEMANTICS
    return sorted(base.rglob("*.json"))


def model_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


class Runner:
    """Runs models against one app, database and authority.

    Args:
        client: Flask test client of the app.
        session_factory: Sessions on the app's database.
        ctx: The engine context the worker uses (the app's own).
        authority: The test authority (``tests.conftest.TestAuthority``).
    """

    def __init__(self, client, session_factory, ctx, authority):
        self.client, self.sessions, self.ctx, self.authority = client, session_factory, ctx, authority
        self.modeller = authority.user("modellierer", roles=("modeller",))
        self.clerk = authority.user("bearbeiter", roles=("clerk", "supervisor"))

    def run(self, expectation: Path) -> Outcome:
        """Deploy, start and drive one model; compare with its expectation."""
        self.suffix = uuid.uuid4().hex[:8]
        spec = json.loads(expectation.read_text(encoding="utf-8").replace("__SUFFIX__", self.suffix))
        outcome = Outcome(model_id(expectation))
        with time_machine.travel(datetime.now(timezone.utc), tick=True) as clock:
            self._run(expectation, spec, outcome, clock)
        return outcome

    def _run(self, expectation: Path, spec: dict, outcome: Outcome, clock) -> None:
        files = {expectation.with_suffix(".bpmn").name: self._read(expectation.with_suffix(".bpmn"))}
        for dmn in expectation.parent.glob(f"{expectation.stem}*.dmn"):
            files[dmn.name] = self._read(dmn)
        for extra in spec.get("deploy_first", []):
            path = expectation.parent / extra
            first = self._deploy({path.name: self._read(path)})
            if first.status_code not in (200, 201):
                outcome.problems.append(f"deploying {extra} failed: {first.status_code} {first.json}")
                return
        deployed = self._deploy(files)
        if "refused" in spec:
            self._check_refusal(deployed, spec["refused"], outcome)
            return
        if deployed.status_code not in (200, 201):
            outcome.problems.append(f"deployment failed: {deployed.status_code} {json.dumps(deployed.json)[:2000]}")
            return
        start = spec.get("start", {})
        key = start.get("process") or deployed.json["key"]
        started = self.client.post("/api/v1/cases", headers=self.clerk.headers,
                                   json={"process_key": key, "data": start.get("data", {})})
        if "status" in start:
            if started.status_code != start["status"]:
                outcome.problems.append(f"start answered {started.status_code}, expected {start['status']}: "
                                        f"{started.json}")
            for name in start.get("names", []):
                if name not in json.dumps(started.json):
                    outcome.problems.append(f"the refusal does not name '{name}': {started.json}")
            return
        if started.status_code != 201:
            outcome.problems.append(f"start failed: {started.status_code} {json.dumps(started.json)[:2000]}")
            return
        case_id = started.json["id"]
        self._drive(case_id, spec.get("actions", []), outcome, clock)
        case = self.client.get(f"/api/v1/cases/{case_id}", headers=self.clerk.headers).json
        outcome.case = case
        self._compare(case, spec.get("expect", {}), outcome)

    def _read(self, path: Path) -> bytes:
        return path.read_bytes().replace(b"__SUFFIX__", self.suffix.encode())

    def _deploy(self, files: dict[str, bytes]):
        data = {"file": [(io.BytesIO(content), name) for name, content in files.items()]}
        return self.client.post("/api/v1/process-definitions", data=data, headers=self.modeller.headers,
                                content_type="multipart/form-data")

    @staticmethod
    def _check_refusal(response, names: list[str], outcome: Outcome) -> None:
        if response.status_code != 422:
            outcome.problems.append(f"deployment was not refused: {response.status_code} {response.json}")
            return
        text = json.dumps(response.json)
        for name in names:
            if name not in text:
                outcome.problems.append(f"the refusal does not name '{name}': {text[:2000]}")

    def worker(self) -> Worker:
        return Worker(self.sessions, self.ctx, authority_id=self.authority.id,
                      backoff=jobs.Backoff(base_seconds=0.0, cap_seconds=0.0))

    def _drive(self, case_id: str, actions: list[dict], outcome: Outcome, clock) -> None:
        pending = list(actions)
        worker = self.worker()
        self.started = datetime.now(timezone.utc)
        for _ in range(MAX_ROUNDS):
            ran = 0
            while ran < 500 and worker.run_once():
                ran += 1
            if pending and self._act(case_id, pending[0], outcome):
                pending.pop(0)
                continue
            if ran:
                continue
            due = self._next_due()
            if due is None:
                break
            target = max(due, datetime.now(timezone.utc)) + timedelta(seconds=1)
            if target - self.started > MAX_SKEW:
                outcome.problems.append(f"the next job is due at {target}, too far ahead for the runner")
                break
            clock.move_to(target)
        if pending:
            outcome.problems.append(f"actions not done (the case never waited for them): {pending}")

    def _act(self, case_id: str, action: dict, outcome: Outcome) -> bool:
        headers = self.clerk.headers
        if "complete" in action:
            case = self.client.get(f"/api/v1/cases/{case_id}", headers=headers).json
            tasks = [t for t in case.get("open_tasks", []) if t["bpmn_id"] == action["complete"]]
            tasks += self._open_tasks_of_other_cases(action["complete"]) if not tasks else []
            if not tasks:
                return False
            done = self.client.post(f"/api/v1/tasks/{tasks[0]['id']}/complete", headers=headers,
                                    json={"data": action.get("data", {})})
            if done.status_code != 200:
                outcome.problems.append(f"completing '{action['complete']}' failed: {done.status_code} {done.json}")
            return True
        if "message" in action:
            sent = self.client.post("/api/v1/messages", headers=headers, json={
                "name": action["message"], "correlation": action.get("correlation", {"business_key": None}),
                "data": action.get("data", {})})
            if sent.status_code not in (200, 201, 202):
                outcome.problems.append(f"message '{action['message']}' failed: {sent.status_code} {sent.json}")
            return True
        if "wait_for" in action:
            data = self.client.get(f"/api/v1/cases/{case_id}", headers=headers).json.get("data", {})
            return all(data.get(key) == value for key, value in action["wait_for"].items())
        if "cancel" in action:
            done = self.client.post(f"/api/v1/cases/{case_id}/cancel", headers=headers, json={"reason": "Test"})
            if done.status_code != 200:
                outcome.problems.append(f"cancelling failed: {done.status_code} {done.json}")
            return True
        raise ValueError(f"unknown action {action}")

    def _open_tasks_of_other_cases(self, bpmn_id: str) -> list[dict]:
        inbox = self.client.get("/api/v1/tasks", headers=self.clerk.headers,
                                query_string={"scope": "authority", "per_page": 200}).json
        return [t for t in inbox.get("items", []) if t["bpmn_id"] == bpmn_id]

    def _next_due(self) -> datetime | None:
        with transaction(self.sessions) as session:
            due = session.scalar(select(func.min(Job.run_at)).where(
                Job.authority_id == self.authority.id, Job.status == "todo"))
        if due is not None and due.tzinfo is None:
            due = due.replace(tzinfo=timezone.utc)
        return due

    def _compare(self, case: dict, expect: dict, outcome: Outcome) -> None:
        problems = outcome.problems
        if "status" in expect and case.get("status") != expect["status"]:
            problems.append(f"status is {case.get('status')!r}, expected {expect['status']!r}")
        if "error_code" in expect and case.get("error_code") != expect["error_code"]:
            problems.append(f"error_code is {case.get('error_code')!r}, expected {expect['error_code']!r}")
        _compare_data(case.get("data", {}), expect.get("data", {}), "", problems)
        _check_absent(case.get("data", {}), expect.get("absent", []), "", problems)
        if "steps" in expect:
            steps = self._steps(case["id"], set(expect["steps"]))
            if steps != expect["steps"]:
                problems.append(f"steps were {steps}, expected {expect['steps']}")
        for other in expect.get("cases", []):
            self._compare_other(other, problems)

    def _steps(self, case_id: str, wanted: set[str]) -> list[str]:
        history = self.client.get(f"/api/v1/cases/{case_id}/history", headers=self.clerk.headers,
                                  query_string={"per_page": 500}).json
        return [e["data"].get("bpmn_id") for e in history["items"]
                if e["kind"] in ("step.completed", "task.completed") and e["data"].get("bpmn_id") in wanted]

    def _compare_other(self, other: dict, problems: list[str]) -> None:
        query = {"process_key": other["process"], "per_page": 100}
        if "state" in other:
            query["state"] = other["state"]
        listed = self.client.get("/api/v1/cases", headers=self.clerk.headers, query_string=query)
        if listed.status_code != 200:
            problems.append(f"listing cases of '{other['process']}' failed: {listed.status_code} {listed.json}")
            return
        items = listed.json["items"]
        if "count" in other and len(items) != other["count"]:
            problems.append(f"{len(items)} case(s) of '{other['process']}', expected {other['count']}")
        if not items:
            problems.append(f"no case of '{other['process']}'")
            return
        for item in items:
            case = self.client.get(f"/api/v1/cases/{item['id']}", headers=self.clerk.headers).json
            for name in ("status", "error_code"):
                if name in other and case.get(name) != other[name]:
                    problems.append(f"{name} of a case of '{other['process']}' is {case.get(name)!r}, "
                                    f"expected {other[name]!r}")
            _compare_data(case.get("data", {}), other.get("data", {}), f"{other['process']}.", problems)
            _check_absent(case.get("data", {}), other.get("absent", []), f"{other['process']}.", problems)


def _compare_data(actual: dict, expected: dict, prefix: str, problems: list[str]) -> None:
    for key, value in expected.items():
        if key not in actual:
            problems.append(f"data '{prefix}{key}' is missing (expected {value!r})")
        elif actual[key] != value:
            problems.append(f"data '{prefix}{key}' is {actual[key]!r}, expected {value!r}")


def _check_absent(actual: dict, absent: list[str], prefix: str, problems: list[str]) -> None:
    for key in absent:
        if key in actual:
            problems.append(f"data '{prefix}{key}' should not be there (it is {actual[key]!r})")


def count_by_class(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    """Return (passed, total) per class directory."""
    result: dict[str, tuple[int, int]] = {}
    for outcome in outcomes:
        group = outcome.name.split("/")[0]
        passed, total = result.get(group, (0, 0))
        result[group] = (passed + outcome.passed, total + 1)
    return result


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
