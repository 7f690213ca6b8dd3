"""FIT-Connect Zustelldienst simulator: OAuth token endpoint and the Submission API, for tests and the demo.

Speaks the Submission API as senders (online services) and subscribers
(authorities) use it: ``POST /token`` (client credentials), destinations and
their public keys, ``POST /v1/submissions`` (announce), ``PUT
/v1/submissions/{id}/attachments/{aid}`` (upload, ``application/jose``), ``PUT
/v1/submissions/{id}`` (submit; the Zustelldienst then writes its signed
``submit-submission`` event with the authentication tags and calls the
destination's callback), ``GET /v1/submissions?destinationId=`` (pickup list),
``GET /v1/submissions/{id}`` and its attachments, ``GET``/``POST
/v1/cases/{caseId}/events`` (event log; accept or reject as signed SETs, checked
against the destination's signature key), ``/.well-known/jwks.json``, and the
replies of the ``fitConnect`` reply channel. Set-up and test hooks are under
``/_control`` (header ``X-API-Key``).

This module holds the service (OAuth, keys, routing, its own signed events and
callbacks); the submissions' endpoints are in fitconnect_submissions.py, the
replies' in fitconnect_replies.py, the hooks in fitconnect_control.py.
Like the real service it never sees plaintext. Keys of 2048 bits are taken
(the real service demands 4096; the demo uses 4096).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid

import requests
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from processes.fitconnect import events
from processes.fitconnect.jose import generate_private_key, import_rsa_key, public_jwk, sign_event
from processes.simulators.fitconnect_control import ControlEndpoints
from processes.simulators.fitconnect_http import PROBLEM, Failure, body_of, found, sealed_tags
from processes.simulators.fitconnect_replies import ReplyEndpoints
from processes.simulators.fitconnect_submissions import SubmissionEndpoints
from processes.simulators.online_http import has_admin_key, json_response

log = logging.getLogger(__name__)
TOKEN_SECONDS = 1800
CALLBACK_TYPE = "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions"

_ROUTES = Map([
    Rule("/token", endpoint="token", methods=["POST"]),
    Rule("/.well-known/jwks.json", endpoint="jwks", methods=["GET"]),
    Rule("/v1/destinations/<destination_id>", endpoint="destination", methods=["GET"]),
    Rule("/v1/destinations/<destination_id>/keys/<kid>", endpoint="destination_key", methods=["GET"]),
    Rule("/v1/submissions", endpoint="create", methods=["POST"]),
    Rule("/v1/submissions", endpoint="pickup", methods=["GET"]),
    Rule("/v1/submissions/<submission_id>", endpoint="submit", methods=["PUT"]),
    Rule("/v1/submissions/<submission_id>", endpoint="fetch", methods=["GET"]),
    Rule("/v1/submissions/<submission_id>/attachments/<attachment_id>", endpoint="upload", methods=["PUT"]),
    Rule("/v1/submissions/<submission_id>/attachments/<attachment_id>", endpoint="attachment", methods=["GET"]),
    Rule("/v1/cases/<case_id>/events", endpoint="event_log", methods=["GET"]),
    Rule("/v1/cases/<case_id>/events", endpoint="post_event", methods=["POST"]),
    Rule("/v1/replies", endpoint="create_reply", methods=["POST"]),
    Rule("/v1/replies", endpoint="list_replies", methods=["GET"]),
    Rule("/v1/replies/<reply_id>", endpoint="submit_reply", methods=["PUT"]),
    Rule("/v1/replies/<reply_id>", endpoint="fetch_reply", methods=["GET"]),
    Rule("/v1/replies/<reply_id>/attachments/<attachment_id>", endpoint="upload_reply", methods=["PUT"]),
    Rule("/v1/replies/<reply_id>/attachments/<attachment_id>", endpoint="reply_attachment", methods=["GET"]),
    Rule("/_control/replies/refuse", endpoint="c_refuse_replies", methods=["POST"]),
    Rule("/_control/replies/<reply_id>", endpoint="c_reply", methods=["GET"]),
    Rule("/_control/destinations", endpoint="c_destination", methods=["POST"]),
    Rule("/_control/clients", endpoint="c_client", methods=["POST"]),
    Rule("/_control/submissions/<submission_id>", endpoint="c_submission", methods=["GET"]),
    Rule("/_control/submissions/<submission_id>/replay", endpoint="c_replay", methods=["POST"]),
    Rule("/_control/submissions/<submission_id>/tamper", endpoint="c_tamper", methods=["POST"]),
    Rule("/_control/submissions/<submission_id>/copy", endpoint="c_copy", methods=["POST"]),
])


class Zustelldienst(SubmissionEndpoints, ReplyEndpoints, ControlEndpoints):
    """The simulated delivery service: clients, destinations, submissions, replies and event logs in memory."""

    def __init__(self, admin_key: str, key_bits: int = 2048):
        self.admin_key = admin_key
        self.base_url = ""  # set once the server listens
        self._signing = generate_private_key("PS512", key_bits)
        self._lock = threading.Lock()
        self.clients: dict[str, dict] = {}
        self.destinations: dict[str, dict] = {}
        self.submissions: dict[str, dict] = {}
        self.case_events: dict[str, list[str]] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self.replies: dict[str, dict] = {}
        self._refusals = {"count": 0, "status": 422}

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request, **args)
        except Failure as exc:
            response = json_response({"type": PROBLEM + exc.kind, "title": exc.kind, "status": exc.status,
                                      "detail": exc.detail}, exc.status, "application/problem+json")
        except HTTPException as exc:
            response = json_response({"type": PROBLEM + "not-found", "title": exc.name, "status": exc.code,
                                      "detail": exc.description}, exc.code, "application/problem+json")
        return response(environ, start_response)

    # --- OAuth and keys --------------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        form = request.form
        client = self.clients.get(form.get("client_id", ""))
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if client is None or not hmac.compare_digest(client["secret"], form.get("client_secret", "")):
            return json_response({"error": "invalid_client"}, 401)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (form["client_id"], time.time() + TOKEN_SECONDS)
        scope = " ".join(f"subscribe:destination:{d}" for d in client.get("destinations", [])) or "send:region:DE"
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                              "scope": scope})

    def _jwks(self, request: Request) -> Response:
        return json_response({"keys": [public_jwk(self._signing)]})

    def _client(self, request: Request, role: str | None = None) -> dict:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            client_id, expires = self._tokens.get(token, (None, 0.0)) if scheme.lower() == "bearer" else (None, 0.0)
        if client_id is None or expires < time.time():
            raise Failure(401, "unauthorized", "missing, unknown or expired access token")
        client = self.clients[client_id]
        if role is not None and client["role"] != role:
            raise Failure(403, "forbidden", f"this needs a {role} client")
        return client

    def _destination(self, request: Request, destination_id: str) -> Response:
        self._client(request)
        destination = self._find_destination(destination_id)
        return json_response({"destinationId": destination_id, "status": "active",
                              "encryptionKid": destination["encryption_key"]["kid"],
                              "services": destination["services"]})

    def _destination_key(self, request: Request, destination_id: str, kid: str) -> Response:
        self._client(request)
        destination = self._find_destination(destination_id)
        for key in (destination["encryption_key"], destination["signature_key"]):
            if key["kid"] == kid:
                return json_response(key)
        raise Failure(404, "key-not-found", f"no key '{kid}' at destination {destination_id}")

    # --- helpers ---------------------------------------------------------------------------------------------

    def _admin(self, request: Request) -> None:
        if not has_admin_key(request, self.admin_key):
            raise Failure(401, "unauthorized", "missing or wrong X-API-Key")

    def _find_destination(self, destination_id: str) -> dict:
        return found(self.destinations, destination_id, "destination")

    def _find_submission(self, submission_id: str) -> dict:
        return found(self.submissions, submission_id, "submission")

    def _subscribed(self, request: Request, submission_id: str) -> dict:
        client = self._client(request, "subscriber")
        submission = self._find_submission(submission_id)
        if submission["destinationId"] not in client["destinations"] or submission["status"] != "submitted":
            raise Failure(404, "submission-not-found", "no such submission ready for pickup")
        return submission

    def _take_attachment(self, item: dict, attachment_id: str, request: Request, kind: str) -> None:
        """Keep an uploaded attachment (a compact JWE) of an announced, not yet submitted submission or reply."""
        if attachment_id not in item["announced"] or item["status"] != "created":
            raise Failure(422, "attachment-not-announced", f"the attachment was not announced or the {kind} "
                                                           "is submitted already")
        with self._lock:
            item["attachments"][attachment_id] = request.get_data(as_text=True).strip()

    def _seal(self, item: dict, request: Request, kind: str, subject: str, event: str) -> None:
        """Submit an announced submission or reply: check it is complete, keep its JWEs, log the signed ``event``."""
        body = body_of(request)
        if item["status"] != "created":
            raise Failure(409, f"{kind}-state-invalid", f"the {kind} is submitted already")
        tags = sealed_tags(item["announced"], item["attachments"], body)
        with self._lock:
            item.update(encryptedMetadata=body["encryptedMetadata"], encryptedData=body.get("encryptedData"),
                        status="submitted")
            self.case_events[item["caseId"]].append(self._signed_event(subject, item["caseId"], {
                event: {"authenticationTags": tags}}))

    def _event(self, submission: dict, payload: dict) -> str:
        return self._signed_event(f"submission:{submission['submissionId']}", submission["caseId"], payload)

    def _signed_event(self, subject: str, case_id: str, payload: dict) -> str:
        """A SET of the Zustelldienst itself (signed with its key, published under /.well-known/jwks.json)."""
        claims = {"$schema": events.SET_PAYLOAD_SCHEMA, "jti": str(uuid.uuid4()), "iss": self.base_url,
                  "iat": int(time.time()), "sub": subject, "txn": f"case:{case_id}", "events": payload}
        return sign_event(claims, import_rsa_key(self._signing), self._signing["kid"])

    def _call_back(self, submission: dict) -> None:
        callback = self.destinations[submission["destinationId"]].get("callback")
        if not callback:
            return
        body = json.dumps({"type": CALLBACK_TYPE, "submissionIds": [submission["submissionId"]], "submissions": [
            {"destinationId": submission["destinationId"], "submissionId": submission["submissionId"],
             "caseId": submission["caseId"]}]}).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(callback["secret"].encode(), timestamp.encode() + b"." + body, hashlib.sha512).hexdigest()

        def send() -> None:
            try:
                requests.post(callback["url"], data=body, timeout=5, headers={
                    "Content-Type": "application/json", "callback-authentication": signature,
                    "callback-timestamp": timestamp})
            except requests.RequestException as exc:
                log.warning("callback to %s failed: %s", callback["url"], exc)

        threading.Thread(target=send, name="fitconnect-callback", daemon=True).start()
