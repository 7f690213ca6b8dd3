"""A small OpenID Connect provider for tests, served on 127.0.0.1.

It speaks just enough of the authorization code flow: discovery document,
JWKS with an RSA key made by ``cryptography``, an authorize endpoint that
logs in whoever the test chose (``login_as``) and redirects back with a code,
and a token endpoint that checks the client's secret and issues an RS256
ID token carrying the nonce (and an RS256 access token, as Keycloak does;
``access_token`` signs one for API tests). Tokens are signed here with ``cryptography``
directly, independent of the library the application verifies them with.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _uint(number: int) -> str:
    return _b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class OidcStub:
    """The provider's state: one client, one signing key, the claims of the next login, issued codes."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.issuer = ""  # set once the server listens
        self.next_claims: dict = {}
        self.nonce_override: str | None = None
        self.sign_with: rsa.RSAPrivateKey | None = None
        self._codes: dict[str, dict] = {}

    def login_as(self, **claims) -> None:
        """Let the next authorization log in a user with these ID token claims (e.g. preferred_username)."""
        self.next_claims = claims

    def jwks(self) -> dict:
        """Return the public key set."""
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _uint(numbers.n), "e": _uint(numbers.e)}]}

    def id_token(self, claims: dict) -> str:
        """Sign ``claims`` as a compact RS256 JWT (with ``sign_with`` instead of the published key, if set)."""
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": self.kid}).encode())
        payload = _b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = (self.sign_with or self.key).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64url(signature)}"

    def access_token(self, claims: dict, *, expires_in: int = 300, audience: str | None = None) -> str:
        """Sign an RS256 access token (as Keycloak issues them) for a user with ``claims``."""
        now = int(time.time())
        return self.id_token({"iss": self.issuer, "aud": audience or self.client_id, "azp": self.client_id,
                              "iat": now, "exp": now + expires_in, "typ": "Bearer",
                              "sub": claims.get("preferred_username", "unbekannt")} | claims)

    def __call__(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self._discovery,
            "/jwks": lambda r: _json(self.jwks()),
            "/authorize": self._authorize,
            "/token": self._token,
        }.get(request.path)
        response = handler(request) if handler else _json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def _discovery(self, _request: Request) -> Response:
        return _json({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
        })

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != self.client_id or args.get("response_type") != "code":
            return _json({"error": "unauthorized_client"}, 400)
        if "openid" not in args.get("scope", "").split():
            return _json({"error": "invalid_scope"}, 400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"],
                             "claims": dict(self.next_claims)}
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        client_id, secret = _client_credentials(request)
        if client_id != self.client_id or secret != self.client_secret:
            return _json({"error": "invalid_client"}, 401)
        grant = self._codes.pop(request.form.get("code", ""), None)  # a code works once
        if request.form.get("grant_type") != "authorization_code" or grant is None:
            return _json({"error": "invalid_grant"}, 400)
        if request.form.get("redirect_uri") != grant["redirect_uri"]:
            return _json({"error": "invalid_grant", "error_description": "redirect_uri differs"}, 400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                  "sub": grant["claims"].get("preferred_username", "unbekannt"),
                  "nonce": self.nonce_override or grant["nonce"]} | grant["claims"]
        return _json({"access_token": self.access_token(grant["claims"]), "token_type": "Bearer", "expires_in": 300,
                      "id_token": self.id_token(claims)})


def _client_credentials(request: Request) -> tuple[str | None, str | None]:
    if request.authorization and request.authorization.type == "basic":
        return request.authorization.username, request.authorization.password
    return request.form.get("client_id"), request.form.get("client_secret")


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@contextmanager
def running_oidc_stub(client_id: str = "aktenfluss", client_secret: str = "stub-secret") -> Iterator[OidcStub]:
    """Serve an :class:`OidcStub` on a free port of 127.0.0.1 for the duration of the block."""
    stub = OidcStub(client_id, client_secret)
    server = make_server("127.0.0.1", 0, stub, threaded=True)
    stub.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
