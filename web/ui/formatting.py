"""German display of dates and numbers in templates (times shown in the authority's time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Berlin")


def datum(value: datetime | None) -> str:
    """Format a moment as ``TT.MM.JJJJ`` in German local time."""
    return value.astimezone(LOCAL_ZONE).strftime("%d.%m.%Y") if value else "–"


def datumzeit(value: datetime | None) -> str:
    """Format a moment as ``TT.MM.JJJJ HH:MM`` in German local time."""
    return value.astimezone(LOCAL_ZONE).strftime("%d.%m.%Y %H:%M") if value else "–"


def zahl(value: float | int | None, digits: int = 1) -> str:
    """Format a number with a decimal comma."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return f"{value:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def groesse(size: int | None) -> str:
    """Format a byte count in German (``812 Byte``, ``1,4 KB``, ``3,2 MB``)."""
    if size is None:
        return "–"
    if size < 1024:
        return f"{size} Byte"
    if size < 1024 * 1024:
        return f"{zahl(size / 1024)} KB"
    return f"{zahl(size / (1024 * 1024))} MB"


PRIORITY_HIGH = 70
PRIORITY_LOW = 30


def prioritaet(value: int | None) -> str:
    """Say a task's priority (0-100, default 50) in words: ``hoch`` from 70, ``niedrig`` up to 30, else ``normal``."""
    if value is None:
        return "normal"
    if value >= PRIORITY_HIGH:
        return "hoch"
    if value <= PRIORITY_LOW:
        return "niedrig"
    return "normal"


def eintraege(count: int | str) -> str:
    """Say how many entries: ``1 Eintrag``, ``3 Einträge``; a text such as ``mehr als 10.000`` is kept."""
    if isinstance(count, int):
        return "1 Eintrag" if count == 1 else f"{zahl(count)} Einträge"
    return f"{count} Einträge"


def kalenderwoche(week: str) -> str:
    """Write an ISO week ``2026-W49`` as Germans do: ``KW 49/2026`` (other text unchanged)."""
    year, _, number = week.partition("-W")
    if not (year.isdigit() and number.isdigit()):
        return week
    return f"KW {int(number)}/{year}"


CHANNEL_LABELS = {"api": "Schnittstelle (API)", "portal": "Online-Portal", "xbau": "XBau-Nachricht",
                  "paper": "Papier (Post)", "counter": "Schalter / vor Ort", "email": "E-Mail", "fax": "Fax",
                  "fitconnect": "FIT-Connect (Onlinedienst)"}
"""German names of the intake channels recorded in Case.channel (see processes/intake.py)."""


def kanal(channel: str | None) -> str:
    """Return the German name of an intake channel."""
    return CHANNEL_LABELS.get(channel or "", channel or "–")
