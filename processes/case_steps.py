"""Generic steps any procedure calls by name: deadlines, appointments in German legal time, fees.

They are what a package cannot say in a template or a form: counting days in
German local time, turning a date and a time entered at the registry office
into an instant a timer can wait for, and reserving a Kassenzeichen. Each is
a case operation (engine/registry.py): it runs in the transaction of the step
that called it, so what it records commits or rolls back with that step.

- ``frist.berechnen`` (``tage``): a deadline of that many days from today,
  ``{"frist": "P14D", "frist_bis": "2026-03-15"}`` (for a timer's timeDuration
  and for the letter that names the day);
- ``termin.berechnen`` (``datum``, ``uhrzeit``, further parameters): the instant
  an appointment begins, ``{"beginn": "2026-06-12T11:30:00+02:00", "datum",
  "uhrzeit", ...}`` with every further parameter copied (for a timer's timeDate);
- ``gebuehr.festsetzen`` (``betrag`` in euros, ``zweck``): a fee of the case
  under a new Kassenzeichen, ``{"kassenzeichen", "betrag", "zweck"}`` (for the
  fee notice's template and the payment that follows).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.registry import CaseCall, CaseOperation, ServiceRegistry
from processes.notices import CaseFileSteps
from processes.payment.rules import cents

LEGAL_TIME = ZoneInfo("Europe/Berlin")
MAX_DAYS = 3660


def register(registry: ServiceRegistry, steps: CaseFileSteps) -> None:
    """Register the generic steps."""
    registry.register("frist.berechnen", CaseOperation(deadline))
    registry.register("termin.berechnen", CaseOperation(appointment))
    registry.register("gebuehr.festsetzen", CaseOperation(lambda call, **params: fee(steps, call, **params)))


def deadline(call: CaseCall, tage: int) -> dict:
    """Return a deadline of ``tage`` days from the step's day (German local time)."""
    days = _whole_number(tage, "tage")
    if not 0 < days <= MAX_DAYS:
        raise ValueError(f"a deadline must be 1 to {MAX_DAYS} days, not {days}")
    until = call.now.astimezone(LEGAL_TIME).date() + timedelta(days=days)
    return {"frist": f"P{days}D", "frist_bis": until.isoformat()}


def appointment(call: CaseCall, datum: str, uhrzeit: str, **angaben: Any) -> dict:
    """Return when an appointment on ``datum`` at ``uhrzeit`` (German local time) begins, with ``angaben``."""
    try:
        day, clock = date.fromisoformat(str(datum)), time.fromisoformat(str(uhrzeit))
    except ValueError as exc:
        raise ValueError(f"'{datum}' '{uhrzeit}' is no date (YYYY-MM-DD) and time (HH:MM)") from exc
    begins = datetime.combine(day, clock.replace(tzinfo=None), LEGAL_TIME)
    return {**angaben, "beginn": begins.isoformat(), "datum": day.isoformat(), "uhrzeit": clock.strftime("%H:%M")}


def fee(steps: CaseFileSteps, call: CaseCall, betrag: float, zweck: str) -> dict:
    """Set a fee of ``betrag`` euros for the case under a new Kassenzeichen; the purpose names the Aktenzeichen."""
    if isinstance(betrag, bool) or not isinstance(betrag, (int, float)):
        raise ValueError(f"the fee must be a number of euros, not {betrag!r}")
    purpose = f"{zweck} {call.case.business_key}".strip()
    payment = steps.fee(call, amount_cents=cents(betrag), purpose=purpose)
    return {"kassenzeichen": payment.kassenzeichen, "betrag": payment.amount_cents / 100, "zweck": payment.purpose}


def _whole_number(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"'{name}' must be a whole number, not {value!r}")
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError(f"'{name}' must be a whole number, not {value!r}") from exc
    if not number.is_integer():
        raise ValueError(f"'{name}' must be a whole number, not {value!r}")
    return int(number)
