"""docker/compose.yaml is a valid Compose file that wires the services as documented."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

COMPOSE_FILE = Path(__file__).resolve().parent.parent / "docker" / "compose.yaml"
DOCKER_COMPOSE = shutil.which("docker-compose")

pytestmark = pytest.mark.skipif(
    DOCKER_COMPOSE is None, reason="docker-compose is not installed (scripts/test installs it)"
)


def _compose_config(*args: str, secret_key: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AKTENFLUSS_", "POSTGRES_", "MINIO_", "COMPOSE_"))
    }
    if secret_key is not None:
        env["AKTENFLUSS_SECRET_KEY"] = secret_key
    return subprocess.run(
        [DOCKER_COMPOSE, "--file", str(COMPOSE_FILE), "config", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_file_is_valid() -> None:
    result = _compose_config("--quiet", secret_key="test-secret")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_run_without_a_secret_key() -> None:
    result = _compose_config("--quiet", secret_key=None)
    assert result.returncode != 0
    assert "AKTENFLUSS_SECRET_KEY" in result.stderr


def test_compose_wires_web_worker_and_migration() -> None:
    result = _compose_config(secret_key="test-secret")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]

    assert set(services) == {"postgres", "minio", "minio-init", "migrate", "web", "worker"}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["worker"]["command"] == ["worker"]
    assert services["web"]["entrypoint"] == ["gunicorn"]
    assert services["web"]["command"][-1] == "web:create_app()"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("migrate", "web", "worker"):
        environment = services[name]["environment"]
        assert environment["AKTENFLUSS_SECRET_KEY"] == "test-secret"
        assert environment["AKTENFLUSS_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["AKTENFLUSS_STORAGE_URL"] == (
            "s3://minio:minio123@minio:9000/aktenfluss?secure=false"
        )
