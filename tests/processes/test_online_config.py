"""Configuration of FIT-Connect and of the payment platform: every mistake named, secrets from the environment."""

import json

import pytest

from processes.config_files import ConfigError
from processes.fitconnect.config import FitConnectConfig, load_private_key
from processes.fitconnect.jose import generate_private_key, public_jwk
from processes.payment.config import PaymentConfig

pytestmark = pytest.mark.core

LEIKA = "urn:de:fim:leika:leistung:99066025001000"


def _fitconnect(**authority) -> dict:
    entry = {"client_id": "c", "client_secret": "${FC_SECRET}", "destinations": [
        {"id": "d-1", "decryption_key": "/k/dec.json", "signing_key": "/k/sig.json",
         "services": {LEIKA: "baugenehmigung"}}]} | authority
    return {"token_url": "http://t/token", "submission_api_url": "http://s/", "authorities": {"schwerin": entry}}


def test_fitconnect_configuration_is_read_and_secrets_come_from_the_environment(monkeypatch):
    config = FitConnectConfig.from_dict(_fitconnect(callback_secret="${FC_CALLBACK}", poll_interval=15))
    access = config.authorities["schwerin"]
    assert config.enabled and config.submission_api_url == "http://s" and access.poll_interval == 15
    assert access.destination("d-1").services == {LEIKA: "baugenehmigung"} and access.destination("x") is None
    with pytest.raises(ConfigError, match="'FC_SECRET' used in the FIT-Connect client secret of 'schwerin'"):
        access.secret()
    monkeypatch.setenv("FC_SECRET", "geheim")
    monkeypatch.setenv("FC_CALLBACK", "cb")
    assert access.secret() == "geheim" and access.callback_key() == b"cb"
    assert not FitConnectConfig.from_dict(None).enabled


@pytest.mark.parametrize("change, message", [
    ({"poll_interval": 0}, "poll_interval of authority 'schwerin' must be 1 to 86400 seconds"),
    ({"destinations": []}, "authority 'schwerin' needs a list of 'destinations'"),
    ({"destinations": [{"id": "d", "decryption_key": "a", "signing_key": "b", "services": {"99066025001000": "x"}}]},
     "must be LeiKa URNs"),
    ({"destinations": [{"id": "d", "decryption_key": "a", "signing_key": "b"}]}, "needs 'services'"),
    ({"client_id": None}, "authority 'schwerin' needs 'client_id'"),
    ({"typo": 1}, "authority 'schwerin' has unknown keys: typo"),
])
def test_fitconnect_configuration_mistakes_are_named(change, message):
    with pytest.raises(ConfigError, match=message):
        FitConnectConfig.from_dict(_fitconnect(**change))


def test_keys_must_be_private_and_for_their_algorithm(tmp_path):
    private = generate_private_key("RSA-OAEP-256", 2048)
    (tmp_path / "dec.json").write_text(json.dumps(private))
    (tmp_path / "pub.json").write_text(json.dumps(public_jwk(private)))
    (tmp_path / "broken.json").write_text("{")
    assert load_private_key(tmp_path / "dec.json", "RSA-OAEP-256").is_private
    with pytest.raises(ConfigError, match="is for RSA-OAEP-256, not PS512"):
        load_private_key(tmp_path / "dec.json", "PS512")
    with pytest.raises(ConfigError, match="public key; the private key is needed"):
        load_private_key(tmp_path / "pub.json", "RSA-OAEP-256")
    with pytest.raises(ConfigError, match="cannot read the key"):
        load_private_key(tmp_path / "broken.json", "RSA-OAEP-256")
    with pytest.raises(ConfigError, match="cannot read the key"):
        load_private_key(tmp_path / "missing.json", "RSA-OAEP-256")


def test_payment_configuration(monkeypatch, tmp_path):
    data = {"provider_url": "http://epay/", "authorities": {"schwerin": {
        "merchant_id": "m", "api_key": "${EPAY_KEY}", "notification_secret": "s", "kassenzeichen_prefix": "5063"}}}
    config = PaymentConfig.from_dict(data)
    assert config.provider_url == "http://epay" and config.prefix("schwerin") == "5063" and config.prefix("x") == "9900"
    monkeypatch.setenv("EPAY_KEY", "k")
    assert config.merchant("schwerin").key() == "k" and config.merchant("x") is None
    bad = {"provider_url": "http://e", "authorities": {"s": {"merchant_id": "m", "api_key": "k",
                                                             "notification_secret": "s", "kassenzeichen_prefix": "AB"}}}
    with pytest.raises(ConfigError, match="kassenzeichen_prefix of payment authority 's' must be 2 to 8 digits"):
        PaymentConfig.from_dict(bad)
    path = tmp_path / "payment.yaml"
    path.write_text("- keine Zuordnung\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        PaymentConfig.from_file(path)
