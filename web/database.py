"""One database session per request; the request owns the transaction.

The session is opened on first use. After the view returns, a successful
response (status < 400) is committed and anything else rolled back. If the
commit itself fails (a concurrent change, a lost connection), the client gets
409 or 503 instead of a success that did not happen.
"""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.db import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    """Create the engine and session factory and hook the transaction into requests."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)
    app.after_request(_finish_transaction)
    app.teardown_request(_close_session)


def get_session() -> Session:
    """Return the current request's session (opened on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session


def _finish_transaction(response):
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400:
        db_session.rollback()
        return response
    try:
        db_session.commit()
    except (StaleDataError, IntegrityError):
        db_session.rollback()
        response = jsonify(code=409, status="Conflict", message="the data was changed concurrently; please retry")
        response.status_code = 409
    except OperationalError:
        db_session.rollback()
        response = jsonify(code=503, status="Service Unavailable", message="the database is not available")
        response.status_code = 503
    return response


def _close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()
