"""The reply channel an applicant chose (``replyChannel`` of the metadata): what it is and whether we answer there.

FIT-Connect's metadata names at most one reply channel (docs: metadata,
replyChannel): ``eMail``, ``deMail``, ``fink``, ``elster``, ``idBundDeMailbox``
or ``fitConnect``. With ``fitConnect`` the authority answers through the
Submission API itself (a *reply*, encrypted with the public key the online
service put into ``encryptionPublicKey``); the other channels are outside
FIT-Connect. This installation answers through ``fitConnect``; for every
other channel (and without one) notices are delivered as before: made
available for download in the applicant portal, the link sent to the mailbox.

Pure functions: the metadata's structure was checked against the metadata
schema before (opening.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from processes.fitconnect.jose import JoseFailure, import_rsa_key

FIT_CONNECT = "fitConnect"
MIN_KEY_BITS = 2048
"""The reply key's minimum size here (FIT-Connect's production demands 4096 bits, its test keys may be smaller)."""

LABELS = {
    FIT_CONNECT: "FIT-Connect (Rückkanal des Onlinedienstes)",
    "eMail": "E-Mail",
    "deMail": "De-Mail",
    "fink": "Postfach eines Servicekontos (FINK)",
    "elster": "ELSTER-Postfach",
    "idBundDeMailbox": "Postfach der BundID",
}


@dataclass(frozen=True)
class ReplyChannel:
    """The channel a submission names: its kind (the metadata key) and its details as received."""

    kind: str
    details: dict

    @property
    def answered_here(self) -> bool:
        """True if notices go back through this channel (FIT-Connect's reply), else through the portal."""
        return self.kind == FIT_CONNECT

    @property
    def encryption_key(self) -> dict | None:
        """The online service's public key for replies (a JWK), for the ``fitConnect`` channel."""
        key = self.details.get("encryptionPublicKey") if self.kind == FIT_CONNECT else None
        return key if isinstance(key, dict) else None

    def label(self) -> str:
        """The channel in plain German, e.g. "E-Mail an erika@example.org"."""
        name = LABELS.get(self.kind, self.kind)
        address = self.details.get("address") or self.details.get("finkPostfachRef")
        return f"{name} an {address}" if isinstance(address, str) and address else name


def reply_channel(value) -> ReplyChannel | None:
    """The reply channel of a ``replyChannel`` object as received, or None if there is none."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    [(kind, details)] = value.items()
    return ReplyChannel(str(kind), details if isinstance(details, dict) else {})


def channel_of_submission(stored, case_data: dict | None) -> ReplyChannel | None:
    """The reply channel kept with a submission, else the one in its case's intake data.

    Submissions received before the channel was kept on their row have it
    only in the case data (``eingang.fitconnect.reply_channel``).
    """
    if stored is None:
        stored = (((case_data or {}).get("eingang") or {}).get("fitconnect") or {}).get("reply_channel")
    return reply_channel(stored)


def reply_key_problem(channel: ReplyChannel | None) -> str | None:
    """Why the ``fitConnect`` channel's key cannot encrypt replies (German, for the rejection), or None if it can.

    The key must be a public RSA key for ``RSA-OAEP-256`` of at least
    :data:`MIN_KEY_BITS` bits whose key operations allow wrapping keys.
    """
    if channel is None or channel.kind != FIT_CONNECT:
        return None
    key = channel.encryption_key
    if key is None:
        return "Der Rückkanal FIT-Connect nennt keinen Schlüssel (encryptionPublicKey)."
    if any(part in key for part in ("d", "p", "q")):
        return "Der Schlüssel des Rückkanals ist ein privater Schlüssel; erwartet wird der öffentliche."
    if key.get("alg") not in (None, "RSA-OAEP-256"):
        return f"Der Schlüssel des Rückkanals ist für {key.get('alg')} bestimmt, nicht für RSA-OAEP-256."
    if "wrapKey" not in (key.get("key_ops") or ["wrapKey"]):
        return "Der Schlüssel des Rückkanals darf keine Schlüssel verschlüsseln (key_ops ohne wrapKey)."
    bits = _modulus_bits(key.get("n"))
    if bits is None:
        return "Der Schlüssel des Rückkanals ist kein RSA-Schlüssel (Modulus n fehlt oder ist kein base64url)."
    if bits < MIN_KEY_BITS:
        return f"Der Schlüssel des Rückkanals hat {bits} Bit; verlangt sind mindestens {MIN_KEY_BITS}."
    try:
        import_rsa_key(key)
    except JoseFailure as exc:
        return f"Der Schlüssel des Rückkanals ist kein brauchbarer RSA-Schlüssel ({exc})."
    return None


def _modulus_bits(modulus) -> int | None:
    if not isinstance(modulus, str) or not modulus:
        return None
    try:
        raw = base64.urlsafe_b64decode(modulus + "=" * (-len(modulus) % 4))
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw, "big").bit_length()
