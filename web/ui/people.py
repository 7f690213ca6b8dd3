"""Who did something, in words: the ``person`` template filter for actors of the history, documents and deliveries.

The audit log and the file keep the *username* of whoever acted (it stays
stable when a name changes). Pages show the person's display name instead,
and a word for the platform's own actors. The names of the signed-in user's
authority are read once per request, when the first actor is shown.
"""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from engine.models import User
from web.database import get_session
from web.ui.common import ui_user

SYSTEM_ACTORS = {
    "system": "System",
    "fitconnect": "FIT-Connect (Onlinedienst)",
    "zahlungsplattform": "Zahlungsplattform",
}
APPLICANT_PREFIX = "antragsteller:"


def person(actor: str | None) -> str:
    """Return the display name for an actor recorded by username (``System`` for none)."""
    if not actor:
        return "System"
    if actor in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[actor]
    if actor.startswith(APPLICANT_PREFIX):
        return "Antragsteller/in (Bürgerportal)"
    return _names().get(actor, actor)


def _names() -> dict[str, str]:
    if "actor_names" not in g:
        user = ui_user()
        rows = get_session().execute(
            select(User.username, User.display_name).where(User.authority_id == user.authority_id)
        ) if user is not None else []
        g.actor_names = {username: display_name or username for username, display_name in rows}
    return g.actor_names
