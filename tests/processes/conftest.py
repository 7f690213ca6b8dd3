"""Fixtures of the end-to-end procedure tests."""

import pytest

from tests.processes.procedure_env import start_installation


@pytest.fixture(scope="module")
def installation(backend, tmp_path_factory):
    """App, simulators, seal and worker for one test module (see procedure_env.py)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        inst, simulators = start_installation(tmp_path_factory.mktemp("installation"), backend, monkeypatch)
        with simulators:
            yield inst
        inst.app.extensions["db_engine"].dispose()
