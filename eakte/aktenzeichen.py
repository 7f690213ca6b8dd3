"""Aktenzeichen: unique, never reused file numbers like ``63.01-2026-000123``.

On PostgreSQL a number is taken in a short transaction of its own (one
autocommit upsert on a second pooled connection): the counter row is locked
only for that statement, so concurrent case starts in one file plan unit do
not queue behind each other's whole transaction. If the caller's transaction
then rolls back (or the process dies before its commit), the number stays
taken and is never given to another file: the series has a gap there.

Why a gap is acceptable: an Aktenzeichen has to name exactly one file, and
keep naming it (DOMAIN.md: unique and never reused); that is what the counter
guarantees, because it only ever moves forward. Nothing in the file plan and
records management rules this product implements asks for a gapless series
of running numbers; where a law demands gapless numbering it names the
register it means, and the running number of an Aktenzeichen is none of
them. A gap is also told apart from a removed file: every number
given to a file has the ``akte.opened`` event in the file's audit chain, and a
disposed file keeps its tombstone, so a number without either was never
given to a file. An authority that must show a gapless series cannot use
this allocation.

SQLite has one writer at a time (``BEGIN IMMEDIATE``), so there the number is
taken in the caller's transaction and a rollback returns it unused.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eakte.models import FileNumberCounter
from engine.db import is_postgres


def next_number(session: Session, authority_id: str, unit_code: str, year: int) -> int:
    """Take the next running number for the authority, unit and year.

    One atomic upsert: concurrent callers serialize on the counter row for
    the length of that statement only (PostgreSQL, see the module text), so
    every caller gets a different number.
    """
    postgres = is_postgres(session)
    insert = pg_insert if postgres else sqlite_insert
    statement = (
        insert(FileNumberCounter)
        .values(authority_id=authority_id, unit_code=unit_code, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["authority_id", "unit_code", "year"],
            set_={"last_number": FileNumberCounter.last_number + 1},
        )
        .returning(FileNumberCounter.last_number)
    )
    if not postgres:
        return session.execute(statement).scalar_one()
    with session.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as own:
        return own.execute(statement).scalar_one()


def format_aktenzeichen(unit_code: str, year: int, number: int) -> str:
    """Format a file number: unit code, year and a six-digit running number."""
    return f"{unit_code}-{year}-{number:06d}"


def next_aktenzeichen(session: Session, authority_id: str, unit_code: str, year: int) -> str:
    """Take and format the next Aktenzeichen."""
    return format_aktenzeichen(unit_code, year, next_number(session, authority_id, unit_code, year))
