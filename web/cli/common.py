"""The `aktenfluss` command group and what its commands share: settings, sessions, errors."""

from __future__ import annotations

import sys

import click

from engine.db import make_engine, make_session_factory, transaction
from engine.errors import EngineError
from web import config


def _settings() -> dict:
    return config.load()


def _sessions():
    return make_session_factory(make_engine(_settings()["DATABASE_URL"]))


def _context():
    """The engine context the configuration describes (store, seal, connectors)."""
    from web.engine_context import context_from_settings

    return context_from_settings(_settings())[0]


@click.group()
def main() -> None:
    """Aktenfluss: BPMN process engine with an electronic case file."""



def _run(work) -> None:
    """Run ``work(session)`` in one transaction; user errors exit with code 2 and a message."""
    _or_exit(lambda: _in_transaction(work))


def _in_transaction(work) -> None:
    with transaction(_sessions()) as session:
        work(session)


def _or_exit(call):
    from eakte.errors import EakteError
    from eakte.storage import StorageError

    try:
        return call()
    except (EngineError, EakteError) as exc:
        _fail(exc.message)
    except StorageError as exc:
        _fail(f"document storage: {exc}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
