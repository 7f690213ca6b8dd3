"""Database basics: declarative base, engine creation and sessions.

PostgreSQL is the production database, SQLite the embedded default. All
datetimes are stored tz-aware in UTC. On SQLite every transaction starts with
``BEGIN IMMEDIATE`` so that concurrent writers wait for each other (busy
timeout) instead of failing half-way; on PostgreSQL row locks do that job.
"""

from __future__ import annotations

import select
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterator

from sqlalchemy import JSON, Column, DateTime, MetaData, Table, bindparam, create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timestamp that is always tz-aware UTC in Python, whatever the database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use tz-aware UTC datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite drops the zone; values were written as UTC
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base for all tables of all packages."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


def utcnow() -> datetime:
    """Return the current time as a tz-aware UTC datetime."""
    return datetime.now(timezone.utc)


def new_id() -> str:
    """Return a new random identifier (UUID4 as text)."""
    return str(uuid.uuid4())


def make_engine(url: str, **kwargs) -> Engine:
    """Create a SQLAlchemy engine with the settings this product relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _refuse_connection_closed_by_server)
    return engine


def _refuse_connection_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Hand out no pooled connection that the server has closed, without a round trip (instead of a pre-ping).

    A restarting or terminating PostgreSQL server sends an error and closes
    the socket of every idle connection, so its socket turns readable; a
    healthy idle connection has nothing to read. Such a connection is refused
    (``DisconnectionError``) and the pool opens a new one. A server that
    vanished silently (host down) is noticed by the first statement: that
    request fails with 503, the pool drops all its connections (SQLAlchemy's
    disconnect handling), and the next request connects afresh.
    """
    try:
        closed = getattr(dbapi_connection, "closed", False) or bool(_poll_readable(dbapi_connection.fileno()))
    except (OSError, ValueError, AttributeError) as exc:  # no socket any more
        raise DisconnectionError(f"connection unusable: {exc}") from exc
    if closed:
        raise DisconnectionError("the database server closed the connection")


def _poll_readable(fd: int) -> list:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return poller.poll(0)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(session_or_engine) -> bool:
    """Tell whether the given session or engine talks to PostgreSQL."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to ``engine``."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run a block in one transaction: commit on success, roll back on error."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def write_row(session: Session, obj: Base, values: dict[str, Any]) -> None:
    """Update the row of a loaded object with one statement and record ``values`` on it as committed.

    Cheaper than the unit of work for the engine's hot path: no change
    tracking, no flush plan, one cached statement. Attribute names must be
    column names. A version column (``version_id_col``) is checked and moved as
    the ORM would; if the row changed meanwhile, StaleDataError is raised and
    the caller's transaction must roll back. Other pending changes of the
    object stay pending for the next flush.
    """
    state = inspect(obj)
    mapper = state.mapper
    version_column = mapper.version_id_col
    params = {f"set_{name}": value for name, value in values.items()}
    params["pk"] = state.identity[0]
    if version_column is not None:
        current = getattr(obj, version_column.key)
        params.update(version=current, next_version=current + 1)
    statement = _update_by_pk(mapper.local_table, tuple(sorted(values)), version_column)
    result = session.connection().execute(statement, params)
    if result.rowcount != 1:
        raise StaleDataError(f"{mapper.local_table.name} row {params['pk']!r} was changed or deleted meanwhile")
    for name, value in values.items():
        set_committed_value(obj, name, value)
    if version_column is not None:
        set_committed_value(obj, version_column.key, params["next_version"])


@lru_cache(maxsize=64)
def _update_by_pk(table: Table, names: tuple[str, ...], version_column: Column | None):
    """Build (once per table, column set and version column) the UPDATE of one row by its primary key."""
    [pk] = table.primary_key.columns
    columns = {name: bindparam(f"set_{name}") for name in names}
    statement = table.update().where(pk == bindparam("pk"))
    if version_column is not None:
        columns[version_column.key] = bindparam("next_version")
        statement = statement.where(version_column == bindparam("version"))
    return statement.values(columns)
