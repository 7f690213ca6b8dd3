"""Verified API tokens kept per web process, trusted only while the identity generation stands still.

Looking a token up costs every API request a query that loads the token,
its user and the user's authority. A web process on PostgreSQL keeps what
that query found (per token hash, at most ``TTL`` seconds) together with the
*identity generation* it was found at: one number in
``engine_identity_generation`` that database triggers move whenever a user,
an API token or an authority is changed or deleted (migration 0012), by
whichever process or tool does it. Each request reads the current number
(below) and uses a kept entry only if the number is still the same; after
any revocation, deactivation or change of roles or groups, every process's
next request asks the database again. So a revoked token stops working at
once on every process, as if nothing were kept.

The number costs no round trip: the request's transaction starts with
``SELECT generation ...; BEGIN`` sent as one query (``install``), where the
driver would otherwise send ``BEGIN`` on its own. For this the engine's
connections run in the driver's autocommit mode and every transaction
SQLAlchemy begins is begun here; a connection told to use ``AUTOCOMMIT``
(one statement, e.g. taking an Aktenzeichen) is left without a transaction.
On SQLite nothing is kept: there the lookup is a local call.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from engine.identity import token_hash, user_for_token
from engine.models import Authority, User

GENERATION = "aktenfluss_identity_generation"
"""Key in ``Connection.info``: the identity generation read when the connection's transaction began."""
TTL = 300.0
"""Seconds a verified token is kept at most, even if nothing changed."""
CAPACITY = 10_000
_BEGIN = "SELECT generation FROM engine_identity_generation WHERE id = 1; BEGIN"


def install(engine: Engine) -> None:
    """Begin each transaction of ``engine`` (PostgreSQL) by reading the identity generation in the same round trip."""

    @event.listens_for(engine, "connect")
    def _autocommit_on_connect(dbapi_connection, _record):
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkout")
    def _autocommit_on_checkout(dbapi_connection, _record, _proxy):
        # SQLAlchemy resets a connection that was used with an isolation level of its own.
        if not dbapi_connection.autocommit:
            dbapi_connection.autocommit = True

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.execute(_BEGIN)
            connection.info[GENERATION] = cursor.fetchone()[0]


@dataclass(frozen=True)
class _Verified:
    generation: int
    until: float
    user: dict
    authority: dict


class VerifiedTokens:
    """The verified tokens of one web process (thread-safe, least recently used dropped first)."""

    def __init__(self, capacity: int = CAPACITY, ttl: float = TTL):
        self._entries: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity, self._ttl = capacity, ttl

    def user(self, session: Session, token: str) -> User | None:
        """Return the active user owning ``token`` (as ``engine.identity.user_for_token``), or None."""
        generation = session.connection().info.get(GENERATION)
        if generation is None:  # SQLite, or an engine without ``install``
            return user_for_token(session, token)
        key = token_hash(token)
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept.generation == generation and kept.until > time.monotonic():
                self._entries.move_to_end(key)
                return _attach(session, kept)
        user = user_for_token(session, token)
        if user is not None:
            self._keep(key, _Verified(generation, time.monotonic() + self._ttl, _columns(user), _columns(user.authority)))
        return user

    def _keep(self, key: str, verified: _Verified) -> None:
        with self._lock:
            self._entries[key] = verified
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


def _columns(row) -> dict:
    return {column.key: _copied(getattr(row, column.key)) for column in row.__table__.columns}


def _copied(value):
    """A copy of a column value that a request may change in place (the JSON lists), else the value."""
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


def _attach(session: Session, kept: _Verified) -> User:
    """Put the kept user and authority into the session as if loaded from the database (no query)."""
    authority = _persistent(session, Authority, kept.authority)
    user = _persistent(session, User, kept.user)
    set_committed_value(user, "authority", authority)
    return user


def _persistent(session: Session, model, columns: dict):
    present = session.identity_map.get(session.identity_key(model, columns["id"]))
    if present is not None:
        return present
    row = model(**{name: _copied(value) for name, value in columns.items()})
    make_transient_to_detached(row)
    session.add(row)
    return row
