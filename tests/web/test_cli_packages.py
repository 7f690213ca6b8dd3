"""The command line for packages: deploy a folder or ZIP, export, import into another authority, set it up."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.processes.packages.helpers import PACKAGES, zipped
from tests.web.test_cli import cli  # noqa: F401 - fixture

pytestmark = pytest.mark.core


def test_deploy_a_folder_or_zip_export_import_and_set_up(cli, tmp_path):
    assert cli("users", "create-authority", "schwerin", "Landeshauptstadt Schwerin").exit_code == 0
    assert cli("users", "create-authority", "lup", "Landkreis Ludwigslust-Parchim").exit_code == 0
    assert cli("users", "create", "bea", "--authority", "lup", "--role", "clerk").exit_code == 0
    folder = PACKAGES / "register"
    deployed = cli("deploy", folder, "--authority", "schwerin")
    assert deployed.exit_code == 0 and "register version 1: deployed" in deployed.output
    archive = tmp_path / "register.zip"
    archive.write_bytes(zipped({p.name: p.read_bytes() for p in folder.iterdir()}, folder="register"))
    again = cli("deploy", archive, "--authority", "schwerin")
    assert again.exit_code == 0 and "unchanged" in again.output

    out = tmp_path / "export.zip"
    exported = cli("export", "register", "--authority", "schwerin", "--out", out)
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as zf:
        assert "register/manifest.json" in zf.namelist()

    imported = cli("import", out, "--authority", "lup")
    assert imported.exit_code == 0, imported.output
    assert "MISSING group Gewerbeamt" in imported.output and "MISSING file_plan register" in imported.output
    assert "not ready" in imported.output

    configured = cli("setup", "register", "--authority", "lup", "--create-unit", "--group", "Gewerbeamt=bea",
                     "--system", "gewerberegister=http://127.0.0.1:9")
    assert configured.exit_code == 0, configured.output
    assert "MISSING" not in configured.output and "ready: cases can start" in configured.output


def test_bad_packages_and_arguments_exit_with_2(cli, tmp_path):
    assert cli("users", "create-authority", "schwerin", "Landeshauptstadt Schwerin").exit_code == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"format": 1, "process": 7}', encoding="utf-8")
    (broken / "x.bpmn").write_text("<nicht", encoding="utf-8")
    result = cli("deploy", broken)
    assert result.exit_code == 2
    assert "manifest.json, /process" in result.output and "x.bpmn, line 1" in result.output
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(zipped({"a.html": b"\0" * 30_000_000}))
    assert "unpacks to more than" in cli("deploy", bomb).output
    assert cli("setup", "register", "--authority", "schwerin", "--group", "ohne-gleich").exit_code == 2
    assert cli("export", "gibtsnicht", "--authority", "schwerin", "--out", tmp_path / "x.zip").exit_code == 2
    assert cli("import", bomb, "--authority", "schwerin").exit_code == 2
