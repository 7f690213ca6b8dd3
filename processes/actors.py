"""Who acts when nobody of the authority's staff does: an interface or an applicant.

The application services take the acting user for its authority and its name
(the actor in the audit log). Intake through FIT-Connect, an applicant in the
portal and the payment provider act through a :class:`SystemActor` of the
authority concerned: a name in the log, no roles, no row in the user table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """An interface or applicant acting for one authority's case (never a user who can sign in)."""

    authority_id: str
    username: str
    id: str | None = None
    roles: tuple[str, ...] = ()

    def has_role(self, *roles: str) -> bool:
        """An interface holds no role."""
        return False
