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
