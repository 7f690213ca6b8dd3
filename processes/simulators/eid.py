"""eID broker simulator: an OpenID Connect provider like BundID or the MV-Servicekonto, for tests and the demo.

Authorization code flow with a login page (no JavaScript) where a tester
chooses one of the test persons and how they identify (the Vertrauensniveau:
user name and password = niedrig, ELSTER certificate = substantiell, online ID
card = hoch). The ID token (RS256, published under ``/jwks``) carries the
person's pseudonym as ``sub`` (the same for every client of the sector, as an
MV-wide pseudonym would be), ``acr`` as an eIDAS level URI, and the
attributes a portal may need (names, date of birth, address).

Online services get a signed identification report of a person through
``POST /_control/identification-reports`` (header ``X-API-Key``): what the
broker hands the online service after the applicant identified there; it goes
into the FIT-Connect metadata.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from processes.fitconnect.jose import generate_private_key, import_rsa_key, public_jwk
from processes.portal.assurance import ACR_OF_LEVEL, LEVELS

PERSONS = {
    "erika": {"given_name": "Erika", "family_name": "Müller", "birthdate": "1978-04-12", "place_of_birth": "Schwerin",
              "address": {"street_address": "Schloßstraße 12", "postal_code": "19053", "locality": "Schwerin"}},
    "jens": {"given_name": "Jens", "family_name": "Petersen", "birthdate": "1985-09-30", "place_of_birth": "Rostock",
             "address": {"street_address": "Schweriner Straße 7", "postal_code": "19288", "locality": "Ludwigslust"}},
    "anna": {"given_name": "Anna Marie", "family_name": "Schulz", "birthdate": "1992-01-23", "place_of_birth": "Wismar",
             "address": {"street_address": "Mecklenburgstraße 40", "postal_code": "19053", "locality": "Schwerin"}},
    "mehmet": {"given_name": "Mehmet", "family_name": "Yılmaz", "birthdate": "1989-11-02", "place_of_birth": "Hamburg",
               "address": {"street_address": "Ziolkowskistraße 14", "postal_code": "19063", "locality": "Schwerin"}},
}
METHODS = {"niedrig": "Benutzername und Passwort", "substantiell": "ELSTER-Zertifikat",
           "hoch": "Online-Ausweisfunktion (Personalausweis)"}
TOKEN_SECONDS = 300

_ROUTES = Map([
    Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
    Rule("/jwks", endpoint="jwks", methods=["GET"]),
    Rule("/authorize", endpoint="login_page", methods=["GET"]),
    Rule("/authorize", endpoint="login", methods=["POST"]),
    Rule("/token", endpoint="token", methods=["POST"]),
    Rule("/_control/clients", endpoint="c_client", methods=["POST"]),
    Rule("/_control/identification-reports", endpoint="c_report", methods=["POST"]),
])


class EidBroker:
    """The simulated broker: its signing key, registered clients and issued codes, in memory."""

    def __init__(self, admin_key: str, pseudonym_secret: str | None = None, key_bits: int = 2048):
        self.admin_key = admin_key
        self.issuer = ""  # set once the server listens
        self._secret = (pseudonym_secret or secrets.token_hex(32)).encode()
        self._key = generate_private_key("RS256", key_bits)
        self._clients: dict[str, dict] = {}
        self._codes: dict[str, dict] = {}
        self._lock = threading.Lock()

    def register_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Allow a relying party (the portal) with its exact redirect URIs."""
        with self._lock:
            self._clients[client_id] = {"secret": client_secret, "redirect_uris": list(redirect_uris)}

    def pseudonym(self, person: str) -> str:
        """The person's pseudonym in this sector (stable for a given pseudonym secret)."""
        return "mv-" + hmac.new(self._secret, person.encode(), hashlib.sha256).hexdigest()[:32]

    def report(self, person: str, assurance: str, audience: str = "onlinedienst") -> str:
        """A signed identification report of a test person."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": audience, "iat": now, "exp": now + 3600, "sub": self.pseudonym(person),
                  "acr": ACR_OF_LEVEL[assurance], "given_name": PERSONS[person]["given_name"],
                  "family_name": PERSONS[person]["family_name"]}
        return self._sign(claims)

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, _ = _ROUTES.bind_to_environ(environ).match()
        except Exception:  # noqa: BLE001 - werkzeug's NotFound/MethodNotAllowed
            return _json({"error": "not_found"}, 404)(environ, start_response)
        return getattr(self, f"_{endpoint}")(request)(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        return _json({"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                      "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                      "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                      "id_token_signing_alg_values_supported": ["RS256"],
                      "acr_values_supported": list(ACR_OF_LEVEL.values()),
                      "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                      "scopes_supported": ["openid", "profile", "address"]})

    def _jwks(self, request: Request) -> Response:
        return _json({"keys": [public_jwk(self._key)]})

    def _login_page(self, request: Request) -> Response:
        args = request.args
        problem = self._check_authorize(args)
        if problem:
            return _page("Anmeldung nicht möglich", f"<p>{html.escape(problem)}</p>", 400)
        hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(args.get(name, ""))}">'
                         for name in ("client_id", "redirect_uri", "state", "nonce", "scope", "acr_values"))
        persons = "".join(
            f'<div class="option"><input type="radio" id="person-{key}" name="person" value="{key}"'
            f'{" checked" if i == 0 else ""}><label for="person-{key}">{html.escape(p["given_name"])} '
            f'{html.escape(p["family_name"])}, geboren am {p["birthdate"][8:]}.{p["birthdate"][5:7]}.'
            f'{p["birthdate"][:4]}</label></div>'
            for i, (key, p) in enumerate(PERSONS.items()))
        wanted = next((level for level, uri in ACR_OF_LEVEL.items() if uri in args.get("acr_values", "")), "hoch")
        levels = "".join(f'<option value="{level}"{" selected" if level == wanted else ""}>{METHODS[level]} '
                         f'(Vertrauensniveau {level})</option>' for level in LEVELS)
        body = (f'<p>Dies ist eine Testumgebung. Wählen Sie eine Testperson und die Art der Identifizierung.</p>'
                f'<form method="post" action="/authorize">{hidden}'
                f'<fieldset><legend>Testperson</legend>{persons}</fieldset>'
                f'<p><label for="assurance">Identifizierung</label><br><select id="assurance" name="assurance">'
                f'{levels}</select></p>'
                f'<p><button type="submit" name="action" value="login">Anmelden</button> '
                f'<button type="submit" name="action" value="cancel">Abbrechen</button></p></form>')
        return _page("Anmelden mit Ihrem Nutzerkonto", body)

    def _login(self, request: Request) -> Response:
        form = request.form
        problem = self._check_authorize(form)
        if problem:
            return _page("Anmeldung nicht möglich", f"<p>{html.escape(problem)}</p>", 400)
        if form.get("action") == "cancel":
            query = urlencode({"error": "access_denied", "state": form.get("state", "")})
            return Response(status=302, headers={"Location": f"{form['redirect_uri']}?{query}"})
        person, assurance = form.get("person"), form.get("assurance")
        if person not in PERSONS or assurance not in LEVELS:
            return _page("Anmeldung nicht möglich", "<p>Bitte wählen Sie eine Testperson.</p>", 400)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"client_id": form["client_id"], "redirect_uri": form["redirect_uri"],
                                 "nonce": form.get("nonce"), "person": person, "assurance": assurance,
                                 "expires": time.time() + 120}
        query = urlencode({"code": code, "state": form.get("state", "")})
        return Response(status=302, headers={"Location": f"{form['redirect_uri']}?{query}"})

    def _token(self, request: Request) -> Response:
        if request.authorization and request.authorization.type == "basic":
            client_id, secret = request.authorization.username, request.authorization.password
        else:
            client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        client = self._clients.get(client_id or "")
        if client is None or not hmac.compare_digest(client["secret"], secret or ""):
            return _json({"error": "invalid_client"}, 401)
        with self._lock:
            grant = self._codes.pop(request.form.get("code", ""), None)  # a code works once
        if (request.form.get("grant_type") != "authorization_code" or grant is None or grant["expires"] < time.time()
                or grant["client_id"] != client_id or grant["redirect_uri"] != request.form.get("redirect_uri")):
            return _json({"error": "invalid_grant"}, 400)
        person, now = PERSONS[grant["person"]], int(time.time())
        claims = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + TOKEN_SECONDS,
                  "sub": self.pseudonym(grant["person"]), "nonce": grant["nonce"],
                  "acr": ACR_OF_LEVEL[grant["assurance"]], **person}
        return _json({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                      "id_token": self._sign(claims)})

    def _c_client(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-API-Key", ""), self.admin_key):
            return _json({"error": "unauthorized"}, 401)
        body = request.get_json(silent=True) or {}
        self.register_client(body["clientId"], body["clientSecret"], body.get("redirectUris") or [])
        return _json({"clientId": body["clientId"]}, 201)

    def _c_report(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-API-Key", ""), self.admin_key):
            return _json({"error": "unauthorized"}, 401)
        body = request.get_json(silent=True) or {}
        if body.get("person") not in PERSONS or body.get("assurance") not in LEVELS:
            return _json({"error": f"person one of {', '.join(PERSONS)}, assurance one of {', '.join(LEVELS)}"}, 400)
        return _json({"report": self.report(body["person"], body["assurance"]),
                      "sub": self.pseudonym(body["person"])}, 201)

    def _check_authorize(self, args) -> str | None:
        client = self._clients.get(args.get("client_id", ""))
        if client is None:
            return "Unbekannter Dienst (client_id)."
        if args.get("redirect_uri") not in client["redirect_uris"]:
            return "Die Rücksprungadresse ist für diesen Dienst nicht registriert."
        if "openid" not in (args.get("scope") or "").split():
            return "Der Dienst hat den Bereich „openid“ nicht angefragt."
        return None

    def _sign(self, claims: dict) -> str:
        return jwt.encode({"alg": "RS256", "kid": self._key["kid"], "typ": "JWT"}, claims,
                          import_rsa_key(self._key), algorithms=["RS256"])


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _page(title: str, body: str, status: int = 200) -> Response:
    style = ("body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
             "header{border-bottom:4px solid #003064;margin-bottom:1rem}fieldset{border:1px solid #767676}"
             ".option{margin:.25rem 0}button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}"
             "button[value=login]{background:#003064;color:#fff;border:2px solid #003064}"
             ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}")
    document = (f'<!doctype html><html lang="de"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – '
                f'Nutzerkonto (Test)</title><style>{style}</style></head><body><header><p>Nutzerkonto Bund/Land '
                f'(Testumgebung)</p></header><main><h1>{title}</h1>{body}</main></body></html>')
    return Response(document, status=status, mimetype="text/html")
