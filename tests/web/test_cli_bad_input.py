"""Every `aktenfluss` command with bad arguments: a clear message and exit code 2, never a traceback.

(Checks that find a problem exit 1: audit and object verification, tests/web/test_cli.py.)

The commands run against the test backend's database (PostgreSQL in the real
run), so values the database would refuse are found too.
"""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner

from web.cli import main

pytestmark = pytest.mark.core

MODEL = "tests/web/models/antrag.bpmn"


@pytest.fixture()
def cli(backend, monkeypatch):
    """Run a command against the test backend; return (exit code, output); fail on any traceback."""
    monkeypatch.setenv("AKTENFLUSS_DATABASE_URL", backend.database_url)
    monkeypatch.setenv("AKTENFLUSS_STORAGE_URL", backend.storage_url)
    monkeypatch.delenv("AKTENFLUSS_CONNECTORS_FILE", raising=False)
    runner = CliRunner()

    def run(*args, env=None):
        result = runner.invoke(main, [str(a) for a in args], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"aktenfluss {' '.join(str(a)[:40] for a in args)}: {type(result.exception).__name__}: {result.exception}")
        assert "Traceback" not in result.output
        return result.exit_code, result.output

    return run


@pytest.fixture()
def files(tmp_path):
    """Bad input files: not UTF-8, not YAML, empty, nested too deeply, and a directory."""
    made = {
        "garbage": b"\xff\xfe\x00\x01 units: [", "not_yaml": b"units: [\n", "empty": b"",
        "deep": b"[" * 10_000 + b"]" * 10_000, "not_xml.bpmn": b"\xff\xfe kein XML",
    }
    for name, content in made.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "ordner").mkdir()
    return tmp_path


def test_commands_refuse_bad_arguments_with_a_message(cli, files):
    slug = f"cli-{uuid.uuid4().hex[:10]}"
    assert cli("users", "create-authority", slug, "Testbehörde")[0] == 0
    missing, directory = files / "fehlt.yaml", files / "ordner"
    expectations = [
        (("users", "create-authority", slug, "Doppelt"), "exists already"),
        (("users", "create-authority", "Kein Slug!", "x"), "slug"),
        (("users", "create-authority", "s" * 5000, "x"), "slug"),
        (("users", "create-authority", f"{slug}-2", "n" * 5000), "authority name"),
        (("users", "create-authority", f"{slug}-3", "   "), "authority name"),
        (("users", "create", "anna", "--authority", "nirgendwo", "--role", "clerk"), "nirgendwo"),
        (("users", "create", "anna", "--authority", slug, "--role", "king"), "king"),
        (("users", "create", "anna", "--authority", slug, "--role", "clerk", "--password", "kurz"), "10 characters"),
        (("users", "create", "a" * 5000, "--authority", slug, "--role", "clerk"), "user name"),
        (("users", "create", "bert", "--authority", slug, "--role", "clerk", "--name", "n" * 5000), "display name"),
        (("users", "create", "bert", "--authority", slug), "--role"),
        (("users", "token", "niemand", "--authority", slug), "niemand"),
        (("users", "token", "niemand", "--authority", "nirgendwo"), "nirgendwo"),
        (("deploy", missing), "does not exist"),
        (("deploy", directory), "directory"),
        (("deploy", files / "not_xml.bpmn"), "not well-formed"),
        (("deploy", files / "garbage"), ".bpmn"),
        (("deploy", MODEL, "--authority", "nirgendwo"), "nirgendwo"),
        (("deploy", MODEL, "--user", "u" * 5000), "--user"),
        (("deploy", MODEL, "--user", "   "), "--user"),
        (("openapi", "--out", files / "kein-ordner" / "x.json"), "cannot write"),
        (("openapi", "--out", directory), "directory"),
        (("eakte", "load-plan", files / "garbage", "--authority", slug), "UTF-8"),
        (("eakte", "load-plan", files / "not_yaml", "--authority", slug), "not valid YAML"),
        (("eakte", "load-plan", files / "empty", "--authority", slug), "units"),
        (("eakte", "load-plan", files / "deep", "--authority", slug), "nested too deeply"),
        (("eakte", "load-plan", directory, "--authority", slug), "directory"),
        (("eakte", "load-plan", missing, "--authority", slug), "does not exist"),
        (("eakte", "plan", "--authority", "nirgendwo"), "nirgendwo"),
        (("eakte", "verify", "63.01-2026-000001"), "--authority"),
        (("eakte", "verify", "63.01-2026-000001", "--authority", "nirgendwo"), "nirgendwo"),
        (("eakte", "verify", "../x", "--authority", slug), "no file"),
        (("eakte", "verify", "x" * 5000, "--authority", slug), "no file"),
        (("eakte", "verify", "63.01-9999-999999999999999999", "--authority", slug), "no file"),
        (("eakte", "due", "--authority", "nirgendwo"), "nirgendwo"),
        (("eakte", "sweep", "--grace-hours", "0"), "grace-hours"),
        (("eakte", "sweep", "--grace-hours", "abc"), "grace-hours"),
        (("eakte", "sweep", "--grace-hours", str(10 ** 30)), "grace-hours"),
        (("eakte", "export-xdomea", "63.01-2026-000001", "--authority", slug, "--out", files / "x.zip"), "no file"),
        (("eakte", "export-xdomea", "63.01-2026-000001", "--authority", "nirgendwo", "--out", files / "x.zip"),
         "nirgendwo"),
        (("eakte", "export-xdomea", "63.01-2026-000001", "--authority", slug, "--out", files / "x.zip",
          "--archive", "  "), "--archive"),
        (("eakte", "export-xdomea", "63.01-2026-000001", "--authority", slug), "--out"),
        (("eakte", "offer", "--authority", "nirgendwo", "--out", files / "0501.xml"), "nirgendwo"),
        (("eakte", "offer", "63.01-2026-000001", "--authority", slug, "--out", files / "0501.xml"), "63.01-2026-000001"),
        (("eakte", "offer", "--authority", slug, "--out", files / "0501.xml", "--user", "u" * 500), "--user"),
        (("eakte", "import-appraisal", missing, "--authority", slug), "does not exist"),
        (("eakte", "import-appraisal", files / "garbage", "--authority", slug), "error"),
        (("eakte", "import-appraisal", files / "not_xml.bpmn", "--authority", "nirgendwo"), "nirgendwo"),
        (("eakte", "import-confirmation", files / "garbage", "--authority", slug), "error"),
        (("eakte", "import-confirmation", files / "empty", "--authority", slug), "error"),
        (("eakte", "confirm-archive", "gibt-es-nicht", "--reference", "R-1"), "gibt-es-nicht"),
        (("eakte", "confirm-archive", "gibt-es-nicht", "--reference", "r" * 5000), "--reference"),
        (("eakte", "confirm-archive", "gibt-es-nicht", "--reference", ""), "--reference"),
        (("eakte", "destroy", "63.01-2026-000001", "--authority", slug, "--yes"), "no file"),
        (("eakte", "destroy", "63.01-2026-000001", "--authority", "nirgendwo", "--yes"), "nirgendwo"),
        (("eakte", "make-seal-certificate", "--out", files / "garbage", "--authority-name", "X"), "is a file"),
        (("eakte", "make-seal-certificate", "--out", files / "siegel", "--authority-name", "x" * 5000),
         "authority name"),
        (("eakte", "make-seal-certificate", "--out", files / "siegel", "--authority-name", " "), "authority name"),
        (("connectors", "check", files / "garbage"), "cannot read"),
        (("connectors", "check", files / "not_yaml"), "cannot read"),
        (("connectors", "check", files / "deep"), "nested too deeply"),
        (("connectors", "check", missing), "does not exist"),
        (("simulators", "--port", "alkis=abc"), "NAME=PORT"),
        (("simulators", "--port", "nix=5000"), "unknown simulator 'nix'"),
        (("simulators", "--port", "fitconnect=x"), "NAME=PORT"),
        (("simulators", "--authority", "schwerin"), "--online-dir and --authority go together"),
        (("simulators", "--online-dir", files / "online"), "--online-dir and --authority go together"),
        (("simulators", "--online-dir", files / "online", "--authority", "Schwerin Stadt"), "not an authority slug"),
        (("simulators", "--online-dir", files / "online", "--authority", "schwerin=50a3"), "2 to 8 digits"),
        (("simulators", "--online-dir", files / "garbage", "--authority", "schwerin"), "is a file"),
        (("worker", "--authority", "nirgendwo"), "nirgendwo"),
        (("worker", "--concurrency", "0"), "--concurrency"),
        (("serve", "--port", "abc"), "--port"),
        (("demo", "--port", "abc"), "--port"),
        (("bench", "engine", "--lifecycles", "0"), "--lifecycles"),
        (("bench", "engine", "--steps", "-5"), "--steps"),
        (("bench", "eakte", "--documents", "1"), "--documents"),
        (("bench", "inbox", "--tasks", "0"), "--tasks"),
        (("bench", "worker", "--jobs", "0"), "--jobs"),
        (("bench", "timers", "--pending", "0"), "--pending"),
        (("nicht-da",), "No such command"),
    ]
    problems = []
    for args, expected in expectations:
        code, output = cli(*args)
        if code != 2 or expected not in output:
            problems.append(f"aktenfluss {' '.join(str(a)[:40] for a in args)}: exit {code}, {output.strip()[:200]!r}")
    assert not problems, "\n".join(problems)


def test_database_problems_are_a_message_not_a_traceback(cli):
    code, output = cli("db", "upgrade", env={"AKTENFLUSS_DATABASE_URL": "keine-url"})
    assert code == 2 and "not a database URL" in output
    code, output = cli("users", "create-authority", "x-y", "X",
                       env={"AKTENFLUSS_DATABASE_URL": "postgresql+psycopg://niemand@127.0.0.1:1/nichts"})
    assert code == 2 and "cannot be reached" in output

