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


class Text(click.ParamType):
    """Text of 1 to ``max_length`` characters (surrounding blanks removed): what a database column takes."""

    name = "text"

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def convert(self, value, param, ctx):
        text = value.strip()
        if not 0 < len(text) <= self.max_length:
            self.fail(f"must be 1-{self.max_length} characters, got {len(text)}", param, ctx)
        return text


ACTOR = Text(100)
"""A name recorded as the actor of a command (``--user``)."""


@click.group()
def main() -> None:
    """Aktenfluss: BPMN process engine with an electronic case file."""



def _run(work) -> None:
    """Run ``work(session)`` in one transaction; user errors exit with code 2 and a message."""
    _with_sessions(lambda sessions: _in_transaction(sessions, work))


def _in_transaction(sessions, work) -> None:
    with transaction(sessions) as session:
        work(session)


def _with_sessions(work):
    """Return ``work(session_factory)``, for a command with transactions of its own; user errors exit with code 2."""
    def call():
        engine = make_engine(_settings()["DATABASE_URL"])
        try:
            return work(make_session_factory(engine))
        finally:
            engine.dispose()  # a command's connections end with it

    return _or_exit(call)


def _or_exit(call):
    """Return ``call()``; a user error, a bad database URL or an unreachable database exits with code 2."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    from eakte.errors import EakteError
    from eakte.storage import StorageError

    try:
        return call()
    except (EngineError, EakteError) as exc:
        _fail(exc.message)
    except StorageError as exc:
        _fail(f"document storage: {exc}")
    except ArgumentError as exc:
        _fail(f"AKTENFLUSS_DATABASE_URL is not a database URL: {exc}")
    except OperationalError as exc:
        _fail(f"the database cannot be reached: {str(exc.orig).strip().splitlines()[0]}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
