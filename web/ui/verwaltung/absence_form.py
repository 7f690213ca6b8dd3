"""The absence form (von, bis, Vertretung, nur für Gruppen), shared by "Mein Konto" and the administration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import EngineError
from engine.legal_time import LEGAL_TIME
from engine.models import User
from engine.substitutions import WORKING_ROLES
from processes.administration import absences
from web.ui.verwaltung.common import parse_day, refusal

FIELDS = {"person", "von", "bis", "vertretung", "gruppen", "_form"}


@dataclass
class AbsenceForm:
    """What was entered (echoed back after an error)."""

    person: str = ""
    von: str = ""
    bis: str = ""
    vertretung: str = ""
    gruppen: tuple[str, ...] = ()


def substitutes_for(session: Session, actor: User) -> list[User]:
    """Return the active colleagues who can stand in (they work tasks), by name."""
    users = session.scalars(select(User).where(User.authority_id == actor.authority_id, User.active)
                            .order_by(User.display_name))
    return [u for u in users if u.has_role(*WORKING_ROLES)]


def submit(session: Session, actor: User, form, now: datetime, *, for_someone: bool) -> tuple[AbsenceForm, dict]:
    """Read the posted absence form and record the absence; return the entered values and German errors."""
    entered = AbsenceForm(person=form.get("person", "").strip(), von=form.get("von", "").strip(),
                          bis=form.get("bis", "").strip(), vertretung=form.get("vertretung", "").strip(),
                          gruppen=tuple(g for g in form.getlist("gruppen") if g.strip()))
    errors: dict[str, str] = {}
    user = actor
    if for_someone:
        user = _colleague(session, actor, entered.person) if entered.person else None
        if user is None:
            errors["person"] = "Bitte wählen Sie, wer abwesend ist."
    starts_on = parse_day(entered.von, "von", errors, required=True, label="den ersten Tag der Abwesenheit")
    ends_on = parse_day(entered.bis, "bis", errors, required=False, label="den letzten Tag der Abwesenheit")
    substitute = None
    if entered.vertretung:
        substitute = _colleague(session, actor, entered.vertretung)
        if substitute is None:
            errors["vertretung"] = "Diese Person gibt es in Ihrer Behörde nicht."
    if errors:
        return entered, errors
    try:
        absences.set_absence(session, actor, user, substitute=substitute, starts_on=starts_on, ends_on=ends_on,
                             groups=list(entered.gruppen) or None, now=now)
    except EngineError as exc:
        refusal(exc, errors, FIELDS)
    return entered, errors


def describe_period(starts_at: datetime, ends_at: datetime | None) -> str:
    """Return "vom 03.03.2027 bis 05.03.2027" (last day inclusive) or "ab 03.03.2027"."""
    first = absences.legal_date(starts_at)
    if ends_at is None:
        return f"ab {first:%d.%m.%Y}"
    local_end = ends_at.astimezone(LEGAL_TIME)
    if local_end.time() != time(0):  # ended early, during a day
        return f"vom {first:%d.%m.%Y} bis {local_end:%d.%m.%Y, %H:%M} Uhr"
    last = date.fromordinal(local_end.date().toordinal() - 1)
    return f"vom {first:%d.%m.%Y} bis {max(first, last):%d.%m.%Y}"


def _colleague(session: Session, actor: User, username: str) -> User | None:
    return session.scalar(select(User).where(User.authority_id == actor.authority_id, User.username == username))
