"""Vertrauensniveaus (assurance levels) of an electronic identification, as pure functions.

eID brokers (BundID, the MV-Servicekonto) tell how strongly a person was
identified in the ``acr`` claim: the eIDAS levels of assurance as URIs, or
the older STORK QAA levels. The portal and the FIT-Connect intake keep only
the German level: niedrig (user name and password), substantiell (e.g. an
ELSTER certificate) or hoch (online ID card function).
"""

from __future__ import annotations

LEVELS = ("niedrig", "substantiell", "hoch")
"""Weakest first."""

ACR_LEVELS = {
    "http://eidas.europa.eu/LoA/low": "niedrig",
    "http://eidas.europa.eu/LoA/substantial": "substantiell",
    "http://eidas.europa.eu/LoA/high": "hoch",
    "STORK-QAA-Level-1": "niedrig",
    "STORK-QAA-Level-2": "niedrig",
    "STORK-QAA-Level-3": "substantiell",
    "STORK-QAA-Level-4": "hoch",
}
ACR_OF_LEVEL = {"niedrig": "http://eidas.europa.eu/LoA/low", "substantiell": "http://eidas.europa.eu/LoA/substantial",
                "hoch": "http://eidas.europa.eu/LoA/high"}


def level_of(acr: object) -> str | None:
    """The Vertrauensniveau an ``acr`` value stands for, or None if it is unknown."""
    return ACR_LEVELS.get(acr) if isinstance(acr, str) else None


def at_least(level: str | None, minimum: str) -> bool:
    """Tell whether ``level`` is ``minimum`` or stronger (an unknown level never is)."""
    return level in LEVELS and LEVELS.index(level) >= LEVELS.index(minimum)
