"""The FIT-Connect and payment commands: keys made, configurations checked, mistakes exit with code 2."""

import json

import pytest
from click.testing import CliRunner

from web.cli import main

pytestmark = pytest.mark.core


def test_keys_are_made_and_the_configuration_checked(tmp_path, monkeypatch):
    runner = CliRunner()
    made = runner.invoke(main, ["fitconnect", "keys", str(tmp_path / "keys"), "--name", "schwerin", "--bits", "2048"])
    assert made.exit_code == 0, made.output
    private = tmp_path / "keys" / "schwerin-decryption.jwk.json"
    assert private.stat().st_mode & 0o777 == 0o600
    public = json.loads((tmp_path / "keys" / "schwerin-decryption.public.jwk.json").read_text())
    assert public["key_ops"] == ["wrapKey"] and "d" not in public
    again = runner.invoke(main, ["fitconnect", "keys", str(tmp_path / "keys"), "--name", "schwerin", "--bits", "2048"])
    assert again.exit_code == 2 and "never overwritten" in again.output

    config = tmp_path / "fitconnect.yaml"
    config.write_text(
        "token_url: http://t/token\nsubmission_api_url: http://s\nauthorities:\n  schwerin:\n"
        "    client_id: c\n    client_secret: ${FC_SECRET}\n    destinations:\n      - id: d-1\n"
        f"        decryption_key: {private}\n        signing_key: {tmp_path / 'keys' / 'schwerin-signing.jwk.json'}\n"
        "        services:\n          urn:de:fim:leika:leistung:99066025001000: baugenehmigung\n")
    missing_secret = runner.invoke(main, ["fitconnect", "check", str(config)])
    assert missing_secret.exit_code == 2 and "FC_SECRET" in missing_secret.output
    monkeypatch.setenv("FC_SECRET", "geheim")
    checked = runner.invoke(main, ["fitconnect", "check", str(config)])
    assert checked.exit_code == 0 and "d-1  urn:de:fim:leika:leistung:99066025001000 -> baugenehmigung" in checked.output
    config.write_text(config.read_text().replace("schwerin-signing", "schwerin-decryption", 1))
    wrong = runner.invoke(main, ["fitconnect", "check", str(config)])
    assert wrong.exit_code == 2 and "is for RSA-OAEP-256, not PS512" in wrong.output


def test_payment_configuration_is_checked(tmp_path, monkeypatch):
    config = tmp_path / "payment.yaml"
    config.write_text("provider_url: http://epay\nauthorities:\n  schwerin:\n    merchant_id: m\n"
                      "    api_key: ${EPAY_KEY}\n    notification_secret: n\n")
    runner = CliRunner()
    assert runner.invoke(main, ["payments", "check", str(config)]).exit_code == 2
    monkeypatch.setenv("EPAY_KEY", "k")
    checked = runner.invoke(main, ["payments", "check", str(config)])
    assert checked.exit_code == 0 and "merchant m  Kassenzeichen 9900" in checked.output


def test_simulators_command_sets_up_the_applicant_side_for_an_authority(tmp_path):
    """`aktenfluss simulators --online-dir` runs the applicant side and writes what Aktenfluss needs to use it."""
    import os
    import re
    import shlex
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import requests

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", "simulators", "--online-dir", str(tmp_path / "online"),
         "--authority", "schwerin=5063", "--aktenfluss-url", "http://127.0.0.1:5999"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("environment for"):
                break
        text = "".join(output)
        assert "source" in text, text
        eid_url = re.search(r"^eid\s+(\S+)", text, re.M).group(1)
        discovery = requests.get(f"{eid_url}/.well-known/openid-configuration", timeout=10).json()
        assert discovery["issuer"] == eid_url
        env_file = tmp_path / "online" / "online.env"
        assert env_file.stat().st_mode & 0o777 == 0o600
        exported = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1)
                        for line in env_file.read_text().splitlines())
        assert exported["AKTENFLUSS_PORTAL_OIDC_ISSUER"] == eid_url
        destination = re.search(r"FIT-Connect destination of schwerin: (\S+)", text).group(1)
        checked = CliRunner(env=exported).invoke(main, ["fitconnect", "check"])
        assert checked.exit_code == 0 and destination in checked.output, checked.output
        assert "-> baugenehmigung" in checked.output and "-> geburt" in checked.output
        paid = CliRunner(env=exported).invoke(main, ["payments", "check"])
        assert paid.exit_code == 0 and "merchant bewirtschafter-schwerin  Kassenzeichen 5063" in paid.output, paid.output
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)  # reads the rest and closes the pipe
