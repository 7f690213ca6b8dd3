"""Operator configuration files of the online services: YAML with ``${VAR}`` placeholders for secrets.

Secrets (client secrets, callback and notification keys) are never written
into the file itself: the file says ``${FITCONNECT_CLIENT_SECRET}`` and the
value comes from the environment when it is used, as for the connectors file
(engine/connectors/config.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(ValueError):
    """A configuration file or one of its values is not usable; the message names the place."""


def read_yaml(path: str | Path, what: str) -> dict:
    """Read a YAML mapping from ``path``; ``what`` names the file in error messages.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or is not a mapping.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"cannot read {what} '{path}': {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{what} '{path}' must be a mapping")
    return data


def expand(value: str, where: str) -> str:
    """Replace ``${VAR}`` in ``value`` from the environment.

    Raises:
        ConfigError: a referenced variable is not set.
    """
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"environment variable '{name}' used in {where} is not set")
        return os.environ[name]

    return _PLACEHOLDER.sub(replace, value)


def mapping(value: Any, where: str) -> dict:
    """Return ``value`` if it is a mapping (None counts as empty), else raise ConfigError."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping")
    return value


def text(data: dict, key: str, where: str, *, required: bool = True, default: str | None = None) -> str | None:
    """Return ``data[key]`` as a stripped string (missing: ``default``, or ConfigError if required)."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{where} needs '{key}'")
        return default
    if not isinstance(value, (str, int, float)):
        raise ConfigError(f"'{key}' of {where} must be text")
    return str(value).strip()


def only_keys(data: dict, allowed: set[str], where: str) -> None:
    """Raise ConfigError if ``data`` has keys outside ``allowed`` (a typo would otherwise go unnoticed)."""
    unknown = set(data) - allowed
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
