"""Set-up and test hooks of the simulated Zustelldienst, under ``/_control`` (header ``X-API-Key``).

Register destinations (with their subscriber client) and clients, show what
a submission went through, offer a decided submission again (replay), submit
its ciphertexts again under a new id (copy), change a ciphertext byte
(tamper). The reply hooks are in fitconnect_replies.py.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Request, Response

from processes.fitconnect import events
from processes.simulators.fitconnect_http import body_of, decoded_events, flip, tags_of
from processes.simulators.online_http import json_response


class ControlEndpoints:
    """The ``/_control`` hooks of the Zustelldienst (mixed into :class:`Zustelldienst`, whose state they use)."""

    def _c_destination(self, request: Request) -> Response:
        self._admin(request)
        body = body_of(request)
        destination_id = body.get("destinationId") or str(uuid.uuid4())
        subscriber = body["subscriber"]
        with self._lock:
            self.destinations[destination_id] = {
                "encryption_key": body["encryptionKey"], "signature_key": body["signatureKey"],
                "services": body["services"], "callback": body.get("callback")}
            client = self.clients.setdefault(subscriber["clientId"], {
                "id": subscriber["clientId"], "secret": subscriber["clientSecret"], "role": "subscriber",
                "destinations": []})
            client["destinations"].append(destination_id)
        return json_response({"destinationId": destination_id}, 201)

    def _c_client(self, request: Request) -> Response:
        self._admin(request)
        body = body_of(request)
        with self._lock:
            self.clients[body["clientId"]] = {"id": body["clientId"], "secret": body["clientSecret"],
                                              "role": body.get("role", "sender"), "destinations": []}
        return json_response({"clientId": body["clientId"]}, 201)

    def _c_submission(self, request: Request, submission_id: str) -> Response:
        self._admin(request)
        submission = self._find_submission(submission_id)
        return json_response({"status": submission["status"], "caseId": submission["caseId"],
                              "events": decoded_events(self.case_events[submission["caseId"]])})

    def _c_replay(self, request: Request, submission_id: str) -> Response:
        self._admin(request)
        with self._lock:
            self._find_submission(submission_id)["status"] = "submitted"
        return json_response({"status": "submitted"})

    def _c_tamper(self, request: Request, submission_id: str) -> Response:
        self._admin(request)
        body, submission = body_of(request), self._find_submission(submission_id)
        with self._lock:
            if body.get("part") == "attachment":
                submission["attachments"][body["attachmentId"]] = flip(submission["attachments"][body["attachmentId"]])
            else:
                key = "encryptedData" if body.get("part", "data") == "data" else "encryptedMetadata"
                submission[key] = flip(submission[key])
        return json_response({"tampered": body.get("part", "data")})

    def _c_copy(self, request: Request, submission_id: str) -> Response:
        """Submit the same ciphertexts again as a new submission (a replay at the transport level)."""
        self._admin(request)
        original = self._find_submission(submission_id)
        copy_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
        with self._lock:
            copy = {**original, "submissionId": copy_id, "caseId": case_id, "status": "submitted",
                    "attachments": dict(original["attachments"])}
            self.submissions[copy_id] = copy
            tags = tags_of(copy["encryptedMetadata"], copy["encryptedData"], copy["attachments"])
            self.case_events[case_id] = [self._event(copy, {events.SUBMIT: {"authenticationTags": tags}})]
        return json_response({"submissionId": copy_id, "caseId": case_id}, 201)
