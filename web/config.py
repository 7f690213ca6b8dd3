"""Configuration: defaults, overridden by AKTENFLUSS_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("AKTENFLUSS_INSTANCE_DIR", "instance")).resolve()
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def defaults() -> dict:
    """Return the default settings (embedded: SQLite file and a local directory)."""
    return {
        "DATABASE_URL": f"sqlite:///{INSTANCE_DIR / 'aktenfluss.db'}",
        "STORAGE_URL": str(INSTANCE_DIR / "documents"),
        "SECRET_KEY": None,
        "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
        "SCRIPT_TIME_LIMIT": 1.0,  # seconds per script or expression (wall clock, in a sandbox process)
        "SCRIPT_MEMORY_LIMIT": 256 * 1024 * 1024,  # bytes a sandbox process may grow by during one script
        "SCRIPT_PROCESSES": 2,  # sandbox processes per web or worker process (started on first use)
        "CASE_DATA_MAX_BYTES": 5_000_000,  # size of a case's data (compact JSON)
        "TASK_RESULT_MAX_BYTES": 1_000_000,  # size of what one task produces (form, script, service result)
        # Address under which applicants reach this installation (download links of delivered notices).
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        # Electronic seal of notices (PEM files); unset: notices are filed unsealed, and say so.
        "SEAL_KEY_FILE": None,
        "SEAL_CERT_FILE": None,
        "SEAL_CHAIN_FILES": None,
        "SEAL_PASSPHRASE": None,
        "SESSION_COOKIE_SECURE": True,  # UI session cookie only over HTTPS; the demo (plain HTTP) sets it to 0
        "NODE_MODULES_DIR": str(REPOSITORY_ROOT / "node_modules"),  # bpmn-js for the diagram view
        "OIDC_ISSUER": None,  # OpenID Connect login (e.g. a Keycloak realm URL); off when unset
        "OIDC_CLIENT_ID": None,
        "OIDC_CLIENT_SECRET": None,
        "OIDC_AUTHORITY_CLAIM": "authority",  # ID token claim naming the authority slug
        "OIDC_USERNAME_CLAIM": "preferred_username",
        "OIDC_ROLES_CLAIM": None,  # e.g. realm_access.roles: roles then come from the provider at every sign-in
        "OIDC_ROLE_MAPPING": None,  # provider role=our role, comma-separated, e.g. "bauamt-leitung=supervisor"
        "OIDC_GROUPS_CLAIM": None,  # e.g. groups: group memberships then come from the provider at every sign-in
        "OIDC_GROUP_MAPPING": None,  # provider group=our group, comma-separated; unset: same names ("/" dropped)
        "OIDC_CREATE_USERS": False,  # create users at their first sign-in (needs roles from the provider)
        "OIDC_API_AUDIENCE": None,  # audience of access tokens the API accepts; unset: OIDC_CLIENT_ID
        # Applicant portal (/buerger): the eID broker (BundID, MV-Servicekonto) as OpenID provider; off when unset.
        "PORTAL_OIDC_ISSUER": None,
        "PORTAL_OIDC_CLIENT_ID": None,
        "PORTAL_OIDC_CLIENT_SECRET": None,
        "PORTAL_MIN_ASSURANCE": "substantiell",  # Vertrauensniveau an applicant needs: niedrig, substantiell, hoch
        "API_TITLE": "Aktenfluss API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "Process engine and electronic case file (E-Akte) for public administration."},
        },
    }


def load(overrides: dict | None = None) -> dict:
    """Merge defaults, AKTENFLUSS_* environment variables and explicit overrides."""
    settings = defaults()
    for key in settings:
        env_value = os.environ.get(f"AKTENFLUSS_{key}")
        if env_value is None:
            continue
        if isinstance(settings[key], bool):
            settings[key] = env_value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(settings[key], (int, float)):
            settings[key] = type(settings[key])(env_value)
        else:
            settings[key] = env_value
    settings.update(overrides or {})
    return settings
