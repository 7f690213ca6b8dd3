"""JOSE as FIT-Connect uses it, through joserfc: encrypted parts (JWE) and signed events (SET).

Submissions carry metadata, data set and attachments as compact JWE with
``RSA-OAEP-256`` key wrapping and ``A256GCM`` content encryption; nothing
else is accepted (no other algorithm, no compression). Security Event Tokens
are JWTs signed with ``PS512`` and typed ``secevent+jwt``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from joserfc import jwe, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

ENCRYPTION_ALGORITHMS = ("RSA-OAEP-256", "A256GCM")
SIGNATURE_ALGORITHM = "PS512"
SET_TYPE = "secevent+jwt"
KEY_BITS = 4096
"""FIT-Connect requires RSA keys of 4096 bits."""


class JoseFailure(Exception):
    """A JWE cannot be decrypted, or a signed token is not valid; the message says why."""


def decrypt(token: str, key: RSAKey) -> bytes:
    """Decrypt a compact JWE made for ``key``.

    Raises:
        JoseFailure: not a compact JWE, another algorithm, the wrong key, or changed ciphertext.
    """
    if not isinstance(token, str) or token.count(".") != 4:
        raise JoseFailure("not a compact JWE (five base64url parts)")
    try:
        return jwe.decrypt_compact(token, key, algorithms=list(ENCRYPTION_ALGORITHMS)).plaintext
    except JoseError as exc:
        reason = exc.description or exc.error
        raise JoseFailure(f"cannot be decrypted with the destination's key ({reason})") from exc
    except (ValueError, TypeError) as exc:
        raise JoseFailure(f"not a valid JWE ({exc})") from exc


def import_rsa_key(jwk: dict) -> RSAKey:
    """Import an RSA JWK for use here.

    FIT-Connect marks encryption keys with the key operations ``wrapKey`` and
    ``unwrapKey`` (RFC 7517); joserfc checks its own operation names, so the
    list is checked here and left out of the import.

    Raises:
        JoseFailure: not an RSA JWK, or one whose key operations forbid wrapping keys or signing.
    """
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise JoseFailure("not an RSA JWK")
    operations = set(jwk.get("key_ops") or ())
    if operations and not operations & {"wrapKey", "unwrapKey", "sign", "verify"}:
        raise JoseFailure(f"the key may only be used for {', '.join(sorted(operations))}")
    try:
        return RSAKey.import_key({k: v for k, v in jwk.items() if k != "key_ops"})
    except (JoseError, ValueError, TypeError) as exc:
        raise JoseFailure(f"not a usable RSA JWK ({exc})") from exc


def encrypt(plaintext: bytes, public_key: dict, content_type: str) -> str:
    """Encrypt for a destination's public key (what the sender, an online service, does)."""
    if "wrapKey" not in (public_key.get("key_ops") or ["wrapKey"]):
        raise JoseFailure("the destination's key is not an encryption key (key_ops without wrapKey)")
    key = import_rsa_key(public_key)
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": content_type, "kid": public_key.get("kid")}
    return jwe.encrypt_compact({k: v for k, v in header.items() if v}, plaintext, key,
                               algorithms=list(ENCRYPTION_ALGORITHMS))


def authentication_tag(token: str) -> str:
    """The JWE's authentication tag (its fifth part): it identifies exactly this ciphertext."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 5 or not parts[4]:
        raise JoseFailure("not a compact JWE (five base64url parts)")
    return parts[4]


def sign_event(claims: dict[str, Any], key: RSAKey, kid: str) -> str:
    """Sign a Security Event Token."""
    header = {"typ": SET_TYPE, "alg": SIGNATURE_ALGORITHM, "kid": kid}
    return jwt.encode(header, claims, key, algorithms=[SIGNATURE_ALGORITHM])


def read_signed(token: str, keys: KeySet, *, expected_type: str | None = SET_TYPE,
                algorithms: tuple[str, ...] = (SIGNATURE_ALGORITHM,)) -> tuple[dict, dict]:
    """Verify a signed token against ``keys`` and return its header and claims.

    Raises:
        JoseFailure: malformed, signed with another key or algorithm, or of another type.
    """
    try:
        token_ = jwt.decode(token, keys, algorithms=list(algorithms))
    except JoseError as exc:
        raise JoseFailure(f"signature not valid ({exc.description or exc.error})") from exc
    except (ValueError, TypeError) as exc:
        raise JoseFailure(f"not a signed token ({exc})") from exc
    if expected_type is not None and token_.header.get("typ") != expected_type:
        raise JoseFailure(f"token type is '{token_.header.get('typ')}', expected '{expected_type}'")
    return dict(token_.header), dict(token_.claims)


def key_set(jwks: dict) -> KeySet:
    """Import a JWK set (public keys) as published under a JWKS URL.

    Raises:
        JoseFailure: not a JWK set.
    """
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise JoseFailure("not a JWK set (an object with 'keys')")
    return KeySet([import_rsa_key(key) for key in jwks["keys"]])


def generate_private_key(algorithm: str, bits: int = KEY_BITS) -> dict:
    """Make a new RSA key pair for ``RSA-OAEP-256`` (decryption) or ``PS512`` (signing); return the private JWK."""
    use = "enc" if algorithm == "RSA-OAEP-256" else "sig"
    operations = ["unwrapKey"] if use == "enc" else ["sign"]
    key = RSAKey.generate_key(bits, parameters={"alg": algorithm, "use": use, "kid": secrets.token_hex(16)})
    return {**key.as_dict(private=True), "key_ops": operations}


def public_jwk(private_jwk: dict) -> dict:
    """The public half of a private RSA JWK, with the key operations of the public side."""
    public = {k: v for k, v in private_jwk.items() if k in ("kty", "n", "e", "kid", "alg", "use")}
    public["key_ops"] = ["wrapKey"] if private_jwk.get("use") == "enc" else ["verify"]
    return public


def canonical(data: Any) -> bytes:
    """JSON bytes as the parts of a submission are sent (UTF-8, no ASCII escaping)."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
