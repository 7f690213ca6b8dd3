"""Submissions in the simulated Zustelldienst: what senders hand in and subscribers pick up and decide.

Senders (online services) announce a submission (``POST /v1/submissions``),
upload its encrypted attachments and submit it (``PUT``); the Zustelldienst
then writes its signed ``submit-submission`` event with the authentication
tags and calls the destination's callback. Subscribers (authorities) list
what is ready (``GET /v1/submissions?destinationId=``), fetch it and its
attachments, read the case's event log and accept or reject the submission
with a SET signed by the destination's signature key.
"""

from __future__ import annotations

import base64
import json
import uuid

from werkzeug.wrappers import Request, Response

from processes.fitconnect import events
from processes.fitconnect.jose import JoseFailure, authentication_tag, key_set, read_signed
from processes.simulators.fitconnect_http import Failure, announced_attachments, body_of, found, pad, page_of
from processes.simulators.online_http import json_response


class SubmissionEndpoints:
    """The submission resources of the Zustelldienst (mixed into :class:`Zustelldienst`, whose state they use)."""

    # --- sender (online service) --------------------------------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        sender = self._client(request, "sender")
        body = body_of(request)
        destination = self._find_destination(str(body.get("destinationId")))
        identifier = (body.get("serviceType") or {}).get("identifier")
        if identifier not in [s["identifier"] for s in destination["services"]]:
            raise Failure(422, "service-not-offered", f"the destination does not offer service '{identifier}'")
        announced = announced_attachments(body)
        submission_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
        with self._lock:
            self.submissions[submission_id] = {
                "destinationId": body["destinationId"], "submissionId": submission_id, "caseId": case_id,
                "serviceType": body.get("serviceType"), "announced": announced, "attachments": {},
                "sender": sender["id"],
                "status": "created", "encryptedMetadata": None, "encryptedData": None,
            }
            self.case_events.setdefault(case_id, [])
        return json_response({"destinationId": body["destinationId"], "submissionId": submission_id,
                              "caseId": case_id}, 201)

    def _upload(self, request: Request, submission_id: str, attachment_id: str) -> Response:
        self._client(request, "sender")
        self._take_attachment(self._find_submission(submission_id), attachment_id, request, "submission")
        return Response(status=204)

    def _submit(self, request: Request, submission_id: str) -> Response:
        self._client(request, "sender")
        submission = self._find_submission(submission_id)
        self._seal(submission, request, "submission", f"submission:{submission_id}", events.SUBMIT)
        self._call_back(submission)
        return json_response({"destinationId": submission["destinationId"], "submissionId": submission_id,
                              "caseId": submission["caseId"]})

    # --- subscriber (authority) ---------------------------------------------------------------------------------------

    def _pickup(self, request: Request) -> Response:
        client = self._client(request, "subscriber")
        destination_id = request.args.get("destinationId")
        if destination_id not in client["destinations"]:
            raise Failure(403, "forbidden", "the client is not subscribed to this destination")
        offset, limit = page_of(request)
        with self._lock:
            ready = [{"destinationId": s["destinationId"], "submissionId": s["submissionId"], "caseId": s["caseId"]}
                     for s in self.submissions.values()
                     if s["destinationId"] == destination_id and s["status"] == "submitted"]
        page = ready[offset:offset + limit]
        return json_response({"count": len(page), "offset": offset, "totalCount": len(ready), "submissions": page})

    def _fetch(self, request: Request, submission_id: str) -> Response:
        submission = self._subscribed(request, submission_id)
        return json_response({"destinationId": submission["destinationId"], "submissionId": submission_id,
                              "caseId": submission["caseId"], "serviceType": submission["serviceType"],
                              "attachments": list(submission["announced"]),
                              "encryptedMetadata": submission["encryptedMetadata"],
                              "encryptedData": submission["encryptedData"]})

    def _attachment(self, request: Request, submission_id: str, attachment_id: str) -> Response:
        return Response(found(self._subscribed(request, submission_id)["attachments"], attachment_id, "attachment"),
                        mimetype="application/jose")

    def _event_log(self, request: Request, case_id: str) -> Response:
        self._client(request)
        if case_id not in self.case_events:
            raise Failure(404, "case-not-found", f"no case '{case_id}'")
        offset, limit = page_of(request)
        with self._lock:
            log_ = list(self.case_events[case_id])
        page = log_[offset:offset + limit]
        return json_response({"offset": offset, "count": len(page), "totalCount": len(log_), "eventLog": page})

    def _post_event(self, request: Request, case_id: str) -> Response:
        client = self._client(request, "subscriber")
        token = request.get_data(as_text=True).strip()
        try:
            unverified = json.loads(base64.urlsafe_b64decode(pad(token.split(".")[1])))
            submission = self._find_submission(str(unverified.get("sub", "")).removeprefix("submission:"))
            destination = self.destinations[submission["destinationId"]]
            _, claims = read_signed(token, key_set({"keys": [destination["signature_key"]]}))
        except (JoseFailure, ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
            raise Failure(422, "invalid-set", f"not a SET signed with the destination's signature key: {exc}") from exc
        if (submission["destinationId"] not in client["destinations"]
                or claims.get("iss") != submission["destinationId"]):
            raise Failure(403, "forbidden", "the event is not issued by the submission's destination")
        if claims.get("txn") != f"case:{case_id}" or submission["caseId"] != case_id:
            raise Failure(422, "invalid-set", "txn does not name this case")
        decided = [e for e in (claims.get("events") or {}) if e in (events.ACCEPT, events.REJECT)]
        if len(decided) != 1 or len(claims["events"]) != 1:
            raise Failure(422, "invalid-set", "exactly one accept-submission or reject-submission event is required")
        payload = claims["events"][decided[0]] or {}
        if decided[0] == events.REJECT and not payload.get("problems"):
            raise Failure(422, "invalid-set", "a rejection names its problems")
        if decided[0] == events.ACCEPT and submission["encryptedData"] is not None:
            if (payload.get("authenticationTags") or {}).get("data") != authentication_tag(submission["encryptedData"]):
                raise Failure(422, "invalid-set", "the authentication tags do not match the submission")
        with self._lock:
            if submission["status"] != "submitted":
                raise Failure(409, "submission-state-invalid", f"the submission is {submission['status']}")
            submission["status"] = "accepted" if decided[0] == events.ACCEPT else "rejected"
            self.case_events[case_id].append(token)
        return Response(status=204)
