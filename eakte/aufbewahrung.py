"""Retention rules (pure functions): when a closed file may be disposed of."""

from __future__ import annotations

from datetime import date, datetime


def retention_until(closed_at: datetime, retention_years: int | None) -> date | None:
    """Return the last day of retention, or None for files kept permanently.

    Retention runs from the zdA date; a file closed on 29 February ends on
    28 February of the target year if that year has no 29 February.
    """
    if retention_years is None:
        return None
    day = closed_at.date()
    year = day.year + retention_years
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=year, day=28)


def is_due(retention_end: date | None, today: date) -> bool:
    """Tell whether a file with this retention end may be disposed of today."""
    return retention_end is not None and retention_end <= today
