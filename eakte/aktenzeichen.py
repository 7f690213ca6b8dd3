"""Aktenzeichen: unique, never reused file numbers like ``63.01-2026-000123``."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from eakte.models import FileNumberCounter
from engine.db import is_postgres


def next_number(session: Session, authority_id: str, unit_code: str, year: int) -> int:
    """Reserve the next running number for the authority, unit and year.

    One atomic upsert: concurrent callers serialize on the counter row, so
    every caller gets a different number. If the transaction rolls back, the
    counter rolls back with it and the number is issued again later; it was
    never visible, so no Aktenzeichen is ever used twice.
    """
    insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        insert(FileNumberCounter)
        .values(authority_id=authority_id, unit_code=unit_code, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["authority_id", "unit_code", "year"],
            set_={"last_number": FileNumberCounter.last_number + 1},
        )
        .returning(FileNumberCounter.last_number)
    )
    return session.execute(statement).scalar_one()


def format_aktenzeichen(unit_code: str, year: int, number: int) -> str:
    """Format a file number: unit code, year and a six-digit running number."""
    return f"{unit_code}-{year}-{number:06d}"


def next_aktenzeichen(session: Session, authority_id: str, unit_code: str, year: int) -> str:
    """Reserve and format the next Aktenzeichen."""
    return format_aktenzeichen(unit_code, year, next_number(session, authority_id, unit_code, year))
