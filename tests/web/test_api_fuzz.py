"""Schemathesis against the committed OpenAPI document: no input makes the API answer with a server error.

Every operation is called with generated requests (valid ones and, where the
schema allows, invalid ones) as a clerk and as an administrator of one authority
that has a deployed process, a case and a document, so that generated requests
also reach existing objects. The number of examples per operation keeps the whole
run within a few minutes (about 40 operations x 2 roles); it runs on the real
components in CI.
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests import conftest
from web.api.spec import COMMITTED
from tests.eakte import pdf_samples
from tests.web.helpers import deploy, model_bytes, start

EXAMPLES_PER_OPERATION = int(os.environ.get("AKTENFLUSS_FUZZ_EXAMPLES", "12"))
"""Examples per operation (and role); set AKTENFLUSS_FUZZ_EXAMPLES for a longer run."""

def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# A package upload as one ZIP body (application/zip): valid and broken archives, and bytes that are no archive.
schemathesis.openapi.media_type("application/zip", st.one_of(
    st.sampled_from([_zip({}), _zip({"antrag.bpmn": model_bytes("antrag.bpmn", "antrag")}),
                     _zip({"../x.bpmn": b"<x/>"}), _zip({"manifest.json": b"{"})]),
    st.binary(max_size=512),
))
schema = schemathesis.openapi.from_path(COMMITTED)


@pytest.fixture(scope="module")
def fuzz_authority(app, session_factory):
    """An authority with a clerk, an administrator, a deployed process, a running case and a document."""
    authority = conftest.TestAuthority(session_factory, f"fuzz-{uuid.uuid4().hex[:10]}")
    actors = {
        "clerk": authority.user("fuzz-sachbearbeitung", roles=("clerk", "supervisor"), groups=("Sachbearbeitung",)),
        "admin": authority.user("fuzz-admin", roles=("admin", "modeller")),
    }
    client = app.test_client()
    assert deploy(client, actors["admin"], {"antrag.bpmn": model_bytes("antrag.bpmn", "antrag")}).status_code == 201
    case = start(client, actors["clerk"], "antrag", {"applicant": "Erika Mustermann"})
    assert case.status_code == 201, case.json
    upload = client.post(f"/api/v1/cases/{case.json['id']}/documents", headers=actors["clerk"].headers,
                         data={"subject": "Lageplan", "file": (io.BytesIO(pdf_samples.clean()), "lageplan.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.json
    return actors


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_api_fail_with_a_server_error(case, app, fuzz_authority):
    for actor in fuzz_authority.values():  # the same request as a clerk and as an administrator
        response = case.call(app=app, headers=actor.headers)
        case.validate_response(response, checks=[not_a_server_error])
