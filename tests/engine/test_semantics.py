"""BPMN execution semantics, one model per behaviour, run over the REST API with the product's worker.

The models and their expectations are in ``fixtures/semantics/<class>/``
(see tests/engine/conformance.py for the format); ``scripts/conformance``
prints the pass count per class.
"""

from __future__ import annotations

import pytest

from tests.engine import conformance

pytestmark = pytest.mark.core


@pytest.fixture()
def runner(app, session_factory, authority):
    return conformance.Runner(app.test_client(), session_factory, app.extensions["engine_context"], authority)


@pytest.mark.parametrize("expectation", conformance.models(), ids=conformance.model_id)
def test_model(runner, expectation):
    outcome = runner.run(expectation)
    assert outcome.passed, "\n".join(outcome.problems) + f"\ncase: {conformance.as_json(outcome.case)}"
