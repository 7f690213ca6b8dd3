"""Through the API (the web process): every payload family is a 422 naming the limit, within 2x the limits."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.engine.sandbox_payloads import MEMORY_LIMIT, PAYLOADS, TIME_LIMIT, payload_model, resident_bytes
from tests.web.helpers import deploy, start


@pytest.fixture(scope="module")
def limited_app(backend):
    """The app with the payloads' limits (one second, 64 MiB)."""
    from web import create_app

    app = create_app({"DATABASE_URL": backend.database_url, "STORAGE_URL": backend.storage_url, "SECRET_KEY": "x",
                      "TESTING": True, "SCRIPT_TIME_LIMIT": TIME_LIMIT, "SCRIPT_MEMORY_LIMIT": MEMORY_LIMIT})
    yield app
    app.extensions["db_engine"].dispose()


def test_payloads_through_the_api_are_refused_within_twice_the_limits(limited_app, authority):
    client = limited_app.test_client()
    modeller = authority.user("mod", roles=("modeller",))
    clerk = authority.user("anna", roles=("clerk",))
    key = f"sandbox_api_{uuid.uuid4().hex[:8]}"
    assert deploy(client, modeller, {"payloads.bpmn": payload_model(key)}).status_code == 201

    def complete_go(family: str):
        case = start(client, clerk, key, {"family": family})
        assert case.status_code == 201, case.json
        [task] = case.json["open_tasks"]
        started = time.monotonic()
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}}, headers=clerk.headers)
        return response, time.monotonic() - started

    harmless, baseline = complete_go("harmless")
    assert harmless.status_code == 200, harmless.json
    rss_before = resident_bytes()
    for family in sorted(PAYLOADS):
        response, elapsed = complete_go(family)
        assert response.status_code == 422, (family, response.json)
        message = response.json["message"]
        assert "run_" + family in message
        if "recursion" in family:
            assert "RecursionError" in message
        else:
            assert "limit" in message, message
        assert elapsed - baseline <= 2 * TIME_LIMIT, f"{family}: {elapsed:.2f} s"
    assert resident_bytes() - rss_before < MEMORY_LIMIT // 2  # the web process did not do the work
    again, _ = complete_go("harmless")  # and it goes on serving
    assert again.status_code == 200
