"""The committed OpenAPI document matches the code (regenerate with `aktenfluss openapi`)."""

import json

import pytest

from web.api.spec import COMMITTED, openapi_json

pytestmark = pytest.mark.core


def test_committed_openapi_matches_the_code():
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == json.loads(openapi_json()), (
        "web/api/openapi.json is out of date: run `aktenfluss openapi` and commit the result"
    )


def test_every_operation_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert operation.get("summary") or operation.get("description"), f"{method.upper()} {path} has no summary"
            assert any(code.startswith("2") for code in operation["responses"]), f"{method.upper()} {path}"
