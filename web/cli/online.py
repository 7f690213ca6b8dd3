"""Commands of the online services: FIT-Connect keys and configuration, the payment configuration."""

from __future__ import annotations

import json
from pathlib import Path

import click

from web.cli.common import _fail, main


@main.group()
def fitconnect() -> None:
    """FIT-Connect intake: destination keys and the configuration (AKTENFLUSS_FITCONNECT_FILE)."""


@fitconnect.command("keys")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="destination", show_default=True, help="file name prefix")
@click.option("--bits", default=4096, show_default=True, type=click.IntRange(2048, 8192), help="RSA key size")
def fitconnect_keys(directory: Path, name: str, bits: int) -> None:
    """Make a destination's key pairs: decryption (RSA-OAEP-256) and signing (PS512), as JWK files.

    The private keys (mode 600) are named in the configuration; the public ones are registered with the
    destination in FIT-Connect's self-service portal.
    """
    from processes.fitconnect.jose import generate_private_key, public_jwk

    try:
        directory.mkdir(parents=True, exist_ok=True)
        for purpose, algorithm in (("decryption", "RSA-OAEP-256"), ("signing", "PS512")):
            private = generate_private_key(algorithm, bits)
            private_file = directory / f"{name}-{purpose}.jwk.json"
            public_file = directory / f"{name}-{purpose}.public.jwk.json"
            if private_file.exists():
                _fail(f"{private_file} exists already; keys are never overwritten")
            private_file.touch(mode=0o600)
            private_file.write_text(json.dumps(private), encoding="utf-8")
            public_file.write_text(json.dumps(public_jwk(private), indent=2), encoding="utf-8")
            click.echo(f"{purpose:10} {algorithm:13} kid {private['kid']}  private {private_file}  public {public_file}")
    except OSError as exc:
        _fail(f"cannot write the keys: {exc}")


@fitconnect.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def fitconnect_check(path: str | None) -> None:
    """Validate the FIT-Connect configuration (default: AKTENFLUSS_FITCONNECT_FILE), its secrets and keys."""
    from processes.config_files import ConfigError
    from processes.fitconnect.config import FitConnectConfig

    try:
        config = FitConnectConfig.from_file(path) if path else FitConnectConfig.from_env()
        for slug, access in sorted(config.authorities.items()):
            access.secret()
            access.callback_key()
            for destination in access.destinations:
                destination.decryption_key()
                destination.signing_key()
                for service, process in sorted(destination.services.items()):
                    click.echo(f"{slug:24} {destination.id}  {service} -> {process}")
    except ConfigError as exc:
        _fail(str(exc))
    if not config.enabled:
        click.echo("FIT-Connect is not configured (AKTENFLUSS_FITCONNECT_FILE is not set or names no authority)")


@main.group()
def payments() -> None:
    """Online payment of fees (AKTENFLUSS_PAYMENT_FILE)."""


@payments.command("check")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def payments_check(path: str | None) -> None:
    """Validate the payment configuration (default: AKTENFLUSS_PAYMENT_FILE) and its secrets."""
    from processes.config_files import ConfigError
    from processes.payment.config import PaymentConfig

    try:
        config = PaymentConfig.from_file(path) if path else PaymentConfig.from_env()
        for slug, merchant in sorted(config.merchants.items()):
            merchant.key()
            merchant.notification_key()
            click.echo(f"{slug:24} merchant {merchant.merchant_id}  Kassenzeichen {merchant.kassenzeichen_prefix}…  "
                       f"{config.provider_url}")
    except ConfigError as exc:
        _fail(str(exc))
    if not config.merchants:
        click.echo("online payment is not configured (AKTENFLUSS_PAYMENT_FILE is not set or names no authority)")
