"""Single sign-on: the user, roles and groups an identity provider's claims stand for.

The provider (e.g. Keycloak) names the authority and the user name in claims
of its tokens. Optionally it also carries roles and groups (configurable
claim names, dotted paths such as ``realm_access.roles``, and a mapping of
the provider's names to ours); then they replace the user's roles and group
memberships at every sign-in. Users can be created at their first sign-in.
Every change is recorded in the authority's administration log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import identity
from engine.groups import ensure_groups, groups_of, set_user_groups
from engine.errors import InvalidData
from engine.models import PLATFORM_ROLES, ROLES, Authority, User
from processes.administration.audit_log import changed, record_change


class SignInRefused(Exception):
    """The claims do not allow a sign-in; ``reason`` says which of ``REASONS`` applies, ``detail`` names the value."""

    REASONS = ("missing_claim", "unknown_authority", "unknown_user", "no_role", "invalid_claim")

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ClaimRules:
    """Which claims say what, and how the provider's names map to ours."""

    authority_claim: str = "authority"
    username_claim: str = "preferred_username"
    display_name_claim: str = "name"
    email_claim: str = "email"
    roles_claim: str | None = None
    role_mapping: dict[str, str] = field(default_factory=dict)
    groups_claim: str | None = None
    group_mapping: dict[str, str] = field(default_factory=dict)
    create_users: bool = False

    @classmethod
    def from_config(cls, config: dict) -> ClaimRules:
        """Read the OIDC_* settings (mappings as ``theirs=ours,theirs2=ours2``)."""
        return cls(
            authority_claim=config.get("OIDC_AUTHORITY_CLAIM") or "authority",
            username_claim=config.get("OIDC_USERNAME_CLAIM") or "preferred_username",
            roles_claim=config.get("OIDC_ROLES_CLAIM") or None,
            role_mapping=parse_mapping(config.get("OIDC_ROLE_MAPPING") or ""),
            groups_claim=config.get("OIDC_GROUPS_CLAIM") or None,
            group_mapping=parse_mapping(config.get("OIDC_GROUP_MAPPING") or ""),
            create_users=bool(config.get("OIDC_CREATE_USERS")),
        )


def parse_mapping(text: str) -> dict[str, str]:
    """Parse ``theirs=ours,theirs2=ours2`` (spaces around names ignored).

    Raises:
        ValueError: An entry has no ``=`` or an empty side.
    """
    mapping = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        theirs, sep, ours = (s.strip() for s in entry.partition("="))
        if not sep or not theirs or not ours:
            raise ValueError(f"mapping entry '{entry}' must look like provider-name=our-name")
        mapping[theirs] = ours
    return mapping


def claim(claims: dict, path: str):
    """Return the value at a dotted path (``realm_access.roles``), or None."""
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def roles_from(claims: dict, rules: ClaimRules) -> list[str] | None:
    """Return our roles named by the roles claim (None if no roles claim is configured)."""
    if not rules.roles_claim:
        return None
    values = _names(claim(claims, rules.roles_claim))
    mapped = {rules.role_mapping.get(v, v if not rules.role_mapping else None) for v in values}
    return sorted(r for r in mapped if r in ROLES and r not in PLATFORM_ROLES)  # the operator is never a claim


def groups_from(claims: dict, rules: ClaimRules) -> list[str] | None:
    """Return our group names named by the groups claim (None if no groups claim is configured).

    Keycloak sends group paths (``/Bauaufsicht``); the leading slash is dropped.
    Without a group mapping every group counts; with one, only the mapped ones.
    """
    if not rules.groups_claim:
        return None
    values = [v.lstrip("/") for v in _names(claim(claims, rules.groups_claim))]
    if rules.group_mapping:
        return sorted({rules.group_mapping[v] for v in values if v in rules.group_mapping})
    return sorted({v for v in values if v})


def sign_in(session: Session, claims: dict, rules: ClaimRules, now: datetime) -> User:
    """Return the active user the claims name, created or updated as the rules say.

    Raises:
        SignInRefused: A claim is missing, the authority or (without creation) the user is unknown, or a
            created user would have no role.
    """
    slug = str(claim(claims, rules.authority_claim) or "").strip().lower()
    username = str(claim(claims, rules.username_claim) or "").strip()
    if not slug or not username:
        raise SignInRefused("missing_claim", rules.authority_claim if not slug else rules.username_claim)
    authority = session.scalar(select(Authority).where(Authority.slug == slug))
    if authority is None:
        raise SignInRefused("unknown_authority", slug)
    user = session.scalar(select(User).where(User.authority_id == authority.id, User.username == username))
    roles, groups = roles_from(claims, rules), groups_from(claims, rules)
    if user is None:
        if not rules.create_users:
            raise SignInRefused("unknown_user", username)
        return _create(session, authority, username, claims, rules, roles, groups)
    if not user.active:
        raise SignInRefused("unknown_user", username)
    _sync(session, user, roles, groups)
    return user


def _create(session: Session, authority: Authority, username: str, claims: dict, rules: ClaimRules,
            roles: list[str] | None, groups: list[str] | None) -> User:
    if not roles:
        raise SignInRefused("no_role", username)
    display_name = str(claim(claims, rules.display_name_claim) or "").strip()[:200] or None
    email = str(claim(claims, rules.email_claim) or "").strip() or None
    try:
        identity.check_email(email)
    except InvalidData:
        email = None
    try:
        user = identity.create_user(session, authority, username, roles=roles, display_name=display_name, email=email,
                                    groups=groups or [])
    except InvalidData as exc:
        raise SignInRefused("invalid_claim", exc.message) from exc
    record_change(session, user, authority.id, "oidc.user_created", target=user.username, before=None,
                  after={"display_name": user.display_name, "email": user.email, "roles": user.roles,
                         "groups": [g.name for g in groups_of(session, user)]})
    return user


def _sync(session: Session, user: User, roles: list[str] | None, groups: list[str] | None) -> None:
    before = {"roles": list(user.roles), "groups": [g.name for g in groups_of(session, user)]}
    if roles is not None:
        if not roles:
            raise SignInRefused("no_role", user.username)
        user.roles = sorted(set(roles) | (set(PLATFORM_ROLES) & set(user.roles)))  # the operator role stays
    if groups is not None:
        try:
            set_user_groups(session, user, [g.id for g in ensure_groups(session, user.authority_id, groups)])
        except InvalidData as exc:
            raise SignInRefused("invalid_claim", exc.message) from exc
    session.flush()
    old, new = changed(before, {"roles": list(user.roles), "groups": [g.name for g in groups_of(session, user)]})
    if new:
        record_change(session, user, user.authority_id, "oidc.user_updated", target=user.username, before=old,
                      after=new)


def _names(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
