"""The `aktenfluss` command line: schema, users, deploy, audit and file verification."""

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.db import make_engine
from web.cli import main

pytestmark = pytest.mark.core

MODELS = Path(__file__).parent / "models"


@pytest.fixture()
def cli(tmp_path, monkeypatch):
    """Run CLI commands against a fresh embedded installation in tmp_path."""
    monkeypatch.setenv("AKTENFLUSS_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("AKTENFLUSS_STORAGE_URL", str(tmp_path / "documents"))
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    return run


def test_db_upgrade_is_idempotent(cli):
    result = cli("db", "upgrade")
    assert result.exit_code == 0 and "up to date" in result.output


def test_users_and_tokens(cli):
    assert cli("users", "create-authority", "schwerin", "Landeshauptstadt Schwerin").exit_code == 0
    result = cli("users", "create", "anna", "--authority", "schwerin", "--role", "clerk", "--group", "Bauaufsicht")
    assert result.exit_code == 0 and "API token: af_" in result.output
    duplicate = cli("users", "create", "anna", "--authority", "schwerin", "--role", "clerk")
    assert duplicate.exit_code == 2 and "exists already" in duplicate.output
    bad_role = cli("users", "create", "bob", "--authority", "schwerin", "--role", "king")
    assert bad_role.exit_code == 2 and "king" in bad_role.output
    unknown = cli("users", "create", "bob", "--authority", "nowhere", "--role", "clerk")
    assert unknown.exit_code == 2 and "nowhere" in unknown.output


def test_deploy_valid_and_invalid(cli, tmp_path):
    ok = cli("deploy", MODELS / "antrag.bpmn")
    assert ok.exit_code == 0 and "antrag version 1: deployed" in ok.output
    again = cli("deploy", MODELS / "antrag.bpmn")
    assert again.exit_code == 0 and "unchanged" in again.output
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(b"<?xml version='1.0'?>\n<definitions>\n<process id='x'>\n</definitions>")
    result = cli("deploy", broken)
    assert result.exit_code == 2 and "line" in result.output and "broken.bpmn" in result.output


def test_audit_verify_detects_tampering(cli, tmp_path):
    cli("users", "create-authority", "schwerin", "Schwerin")
    cli("deploy", MODELS / "antrag.bpmn")
    assert cli("audit", "verify").exit_code == 0
    engine = make_engine(os.environ["AKTENFLUSS_DATABASE_URL"])
    with engine.begin() as connection:
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text("UPDATE eakte_audit_events SET actor = 'mallory'"))
    with engine.begin() as connection:  # someone with direct database access removes the protection
        connection.execute(text("DROP TRIGGER eakte_audit_events_no_update"))
        connection.execute(text("UPDATE eakte_audit_events SET actor = 'mallory'"))
    engine.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "definition/antrag at #1" in result.output and "altered" in result.output


def test_file_plan_and_object_verification(cli, tmp_path):
    cli("users", "create-authority", "schwerin", "Schwerin")
    plan = tmp_path / "plan.yaml"
    plan.write_text("units:\n  - {code: '63.01', title: Baugenehmigungen, retention_years: 30, disposal: A}\n"
                    "processes:\n  '*': '63.01'\n", encoding="utf-8")
    assert cli("eakte", "load-plan", plan, "--authority", "schwerin").exit_code == 0
    assert "63.01" in cli("eakte", "plan", "--authority", "schwerin").output
    bad = tmp_path / "bad.yaml"
    bad.write_text("units:\n  - {code: '1', title: x, retention_years: 5, disposal: Z}\n", encoding="utf-8")
    result = cli("eakte", "load-plan", bad, "--authority", "schwerin")
    assert result.exit_code == 2 and "disposal" in result.output

    from web import create_app
    from tests.web.helpers import start

    app = create_app({"SECRET_KEY": "x"})
    token = cli("users", "create", "anna", "--authority", "schwerin", "--role", "clerk").output.split("API token: ")[1].strip()
    cli("deploy", MODELS / "antrag.bpmn")
    headers = type("A", (), {"headers": {"Authorization": f"Bearer {token}"}})()
    assert start(app.test_client(), headers, "antrag", {"applicant": "Erika"}).status_code == 201
    app.extensions["db_engine"].dispose()
    assert cli("eakte", "verify").exit_code == 0

    documents = tmp_path / "documents"
    [stored] = [p for p in documents.rglob("*") if p.is_file() and p.relative_to(documents).parts[0] != "tmp"]
    stored.chmod(stat.S_IWUSR | stat.S_IRUSR)
    stored.write_bytes(b'{"applicant": "Mallory"}')
    result = cli("eakte", "verify")
    assert result.exit_code == 1 and "altered" in result.output
    stored.unlink()
    result = cli("eakte", "verify", "63.01-2026-000001", "--authority", "schwerin")
    assert result.exit_code == 1 and "missing" in result.output


def test_deploy_with_camunda_forms(cli, tmp_path):
    fixtures = Path(__file__).parents[1] / "engine" / "forms" / "fixtures"
    files = [fixtures / "antrag_c7.bpmn", fixtures / "antrag-start.form", fixtures / "antrag-pruefung.form"]
    ok = cli("deploy", *files)
    assert ok.exit_code == 0 and "c7_antrag version 1: deployed" in ok.output
    broken = tmp_path / "antrag-pruefung.form"
    broken.write_text((fixtures / "antrag-pruefung.form").read_text(encoding="utf-8").replace('"type": "table"',
                                                                                             '"type": "iframe"'))
    refused = cli("deploy", files[0], files[1], broken)
    assert refused.exit_code == 2
    assert "antrag-pruefung.form, /components/1/type: component 'iframe' is not supported" in refused.output
