"""Who may administer what: administrators their own authority, the operator the authorities themselves."""

from __future__ import annotations

from engine.errors import Forbidden
from engine.models import User


def require_admin(actor: User) -> None:
    """Raise Forbidden unless ``actor`` administers their authority."""
    if not actor.has_role("admin"):
        raise Forbidden("only administrators may do this")


def require_operator(actor: User) -> None:
    """Raise Forbidden unless ``actor`` operates the platform (creates authorities)."""
    if not actor.has_role("operator"):
        raise Forbidden("only the platform operator may do this")


def require_admin_or_supervisor(actor: User) -> None:
    """Raise Forbidden unless ``actor`` is an administrator or a supervisor."""
    if not actor.has_role("admin", "supervisor"):
        raise Forbidden("only administrators and supervisors may do this")
