"""Aktenzeichen: unique, never reused file numbers like ``63.01-2026-000123``.

On PostgreSQL a number is taken in a short transaction of its own: one
autocommit ``UPDATE ... RETURNING`` of the counter row on a second pooled
connection. The row is locked only for that statement, so concurrent case
starts in one file plan unit do not queue behind each other's whole
transaction. If the caller's transaction then rolls back (or the process dies
before its commit), the number stays taken and is never given to another
file: the series has a gap there.

The first number of a unit and year creates the counter row, and that
happens in the caller's transaction (the row is locked until its commit, and
a rollback returns the number unused); so does every later number this
transaction takes for that unit and year, since its own uncommitted row is
invisible to any other connection. The second connection only ever updates
counter rows other transactions committed: it never waits for the caller
(which waits for it), so the two cannot deadlock.

Why a gap is acceptable: an Aktenzeichen has to name exactly one file, and
keep naming it (DOMAIN.md: unique and never reused); that is what the counter
guarantees, because it only ever moves forward. Nothing in the file plan and
records management rules this product implements asks for a gapless series
of running numbers; where a law demands gapless numbering it names the
register it means, and the running number of an Aktenzeichen is none of
them. A gap is also told apart from a removed file: every number given to a
file has the ``akte.opened`` event in the file's audit chain, and a disposed
file keeps its tombstone, so a number without either was never given to a
file. An authority that must show a gapless series cannot use this
allocation.

SQLite has one writer at a time (``BEGIN IMMEDIATE``), so there every number
is taken in the caller's transaction and a rollback returns it unused.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eakte.models import FileNumberCounter
from engine.db import is_postgres

_COUNTERS_OF_THIS_TRANSACTION = "eakte_counters_locked"
_TAKE_COMMITTED = (
    update(FileNumberCounter)
    .where(FileNumberCounter.authority_id == bindparam("counter_authority"),
           FileNumberCounter.unit_code == bindparam("counter_unit"), FileNumberCounter.year == bindparam("counter_year"))
    .values(last_number=FileNumberCounter.last_number + 1)
    .returning(FileNumberCounter.last_number)
)


def next_number(session: Session, authority_id: str, unit_code: str, year: int) -> int:
    """Take the next running number for the authority, unit and year.

    Every caller gets a different number: the counter row is updated by one
    atomic statement (see the module text for where and for how long it is
    locked).
    """
    key = {"authority_id": authority_id, "unit_code": unit_code, "year": year}
    if not is_postgres(session):
        return _upsert(session, key, sqlite_insert)
    if (authority_id, unit_code, year) not in _counters_locked_here(session):
        with session.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
            number = own.execute(_TAKE_COMMITTED, {"counter_authority": authority_id, "counter_unit": unit_code,
                                                   "counter_year": year}).scalar_one_or_none()
        if number is not None:
            return number
    number = _upsert(session, key, pg_insert)
    _counters_locked_here(session).add((authority_id, unit_code, year))
    return number


def _upsert(session: Session, key: dict, insert) -> int:
    """Create the counter row with 1, or count it up, in the caller's transaction."""
    statement = (
        insert(FileNumberCounter).values(**key, last_number=1)
        .on_conflict_do_update(index_elements=["authority_id", "unit_code", "year"],
                               set_={"last_number": FileNumberCounter.last_number + 1})
        .returning(FileNumberCounter.last_number)
    )
    return session.execute(statement).scalar_one()


def _counters_locked_here(session: Session) -> set:
    """The counter keys the session's current transaction has written itself (and holds locked)."""
    transaction = session.get_transaction()
    held = session.info.get(_COUNTERS_OF_THIS_TRANSACTION)
    if held is None or transaction is None or held[0] is not transaction:
        held = session.info[_COUNTERS_OF_THIS_TRANSACTION] = (transaction, set())
    return held[1]


def format_aktenzeichen(unit_code: str, year: int, number: int) -> str:
    """Format a file number: unit code, year and a six-digit running number."""
    return f"{unit_code}-{year}-{number:06d}"


def next_aktenzeichen(session: Session, authority_id: str, unit_code: str, year: int) -> str:
    """Take and format the next Aktenzeichen."""
    return format_aktenzeichen(unit_code, year, next_number(session, authority_id, unit_code, year))
