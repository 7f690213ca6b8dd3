"""One database session per request; the request owns the transaction.

The session is opened on first use. After the view returns, a successful
response (status < 400) is committed and anything else rolled back. If the
commit itself fails (a concurrent change, a lost connection), the client gets
409 or 503 instead of a success that did not happen. A view whose work needs
transactions of its own (a destruction: tombstones are committed before the
stored objects are deleted) commits the request's transaction first with
``commit_now`` and takes the ``session_factory``.
"""

from __future__ import annotations

from http import HTTPStatus

from flask import Flask, current_app, g, jsonify
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.db import make_engine, make_session_factory
from web import token_cache


def init_app(app: Flask) -> None:
    """Create the engine and session factory and hook the transaction into requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    if engine.dialect.name == "postgresql":
        token_cache.install(engine)  # transactions begin by reading the identity generation
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)
    app.extensions["verified_tokens"] = token_cache.VerifiedTokens()
    app.after_request(_finish_transaction)
    app.teardown_request(_close_session)


def get_session() -> Session:
    """Return the current request's session (opened on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session


def session_factory():
    """Return the app's session factory, for work in a transaction of its own."""
    return current_app.extensions["db_sessions"]


def commit_now() -> None:
    """Commit the request's transaction before the view goes on (a step that must be durable first).

    A failed commit ends the request as it would after the view: 409 for a
    concurrent change, 503 for a lost database.
    """
    failure = _commit(get_session())
    if failure is not None:
        abort(failure[0], message=failure[1])


def _finish_transaction(response):
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400:
        db_session.rollback()
        return response
    failure = _commit(db_session)
    if failure is not None:
        status, message = failure
        response = jsonify(code=status, status=HTTPStatus(status).phrase, message=message)
        response.status_code = status
    return response


def _commit(db_session: Session) -> tuple[int, str] | None:
    """Commit; if that fails, roll back and return the HTTP status and message that fit."""
    try:
        db_session.commit()
    except (StaleDataError, IntegrityError):
        db_session.rollback()
        return 409, "the data was changed concurrently; please retry"
    except OperationalError:
        db_session.rollback()
        return 503, "the database is not available"
    return None


def _close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
