"""Replies through the ``fitConnect`` reply channel, as the simulated Zustelldienst handles them.

The subscriber (the authority) answers in the FIT-Connect case of an accepted
submission: ``POST /v1/replies`` (case id and announced attachment ids ->
``replyId``), ``PUT /v1/replies/{id}/attachments/{aid}`` (``application/jose``),
``PUT /v1/replies/{id}`` (encrypted metadata, optionally data). The
Zustelldienst then signs a ``submit-reply`` event with the authentication tags
of what it holds into the case's event log. The online service that sent the
submission lists its replies (``GET /v1/replies``; the first listing writes a
``notify-reply`` event, ``notifyType`` polling) and fetches them (``GET
/v1/replies/{id}`` and its attachments). Like the real service it never sees
plaintext: the reply is encrypted with the online service's own key.

Test hooks: ``POST /_control/replies/refuse {"count": N, "status": 422}``
refuses the next N reply requests of subscribers with that status;
``GET /_control/replies/{id}`` shows a reply's state and events.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Request, Response

from processes.fitconnect import events
from processes.simulators.fitconnect_http import (Failure, announced_attachments, body_of, decoded_events, found,
                                                   page_of)
from processes.simulators.online_http import json_response


class ReplyEndpoints:
    """The reply resources of the Zustelldienst (mixed into :class:`Zustelldienst`, whose state they use)."""

    def _create_reply(self, request: Request) -> Response:
        client = self._client(request, "subscriber")
        self._maybe_refuse()
        body = body_of(request)
        case_id, announced = body.get("caseId"), announced_attachments(body)
        submission = next((s for s in self.submissions.values() if s["caseId"] == case_id), None)
        if submission is None or submission["destinationId"] not in client["destinations"]:
            raise Failure(404, "case-not-found", f"no case '{case_id}' of the client's destinations")
        if submission["status"] != "accepted":
            raise Failure(409, "submission-state-invalid", f"the case's submission is {submission['status']}; "
                                                           "a reply needs an accepted submission")
        reply_id = str(uuid.uuid4())
        with self._lock:
            self.replies[reply_id] = {"replyId": reply_id, "caseId": case_id,
                                      "submissionId": submission["submissionId"],
                                      "destinationId": submission["destinationId"], "sender": submission["sender"],
                                      "announced": announced, "attachments": {}, "status": "created",
                                      "encryptedMetadata": None, "encryptedData": None, "notified": False}
        return json_response({"replyId": reply_id, "caseId": case_id, "destinationId": submission["destinationId"]},
                             201)

    def _upload_reply(self, request: Request, reply_id: str, attachment_id: str) -> Response:
        self._take_attachment(self._own_reply(request, reply_id), attachment_id, request, "reply")
        return Response(status=204)

    def _submit_reply(self, request: Request, reply_id: str) -> Response:
        reply = self._own_reply(request, reply_id)
        self._maybe_refuse()
        self._seal(reply, request, "reply", f"reply:{reply_id}", events.SUBMIT_REPLY)
        return json_response({"replyId": reply_id, "caseId": reply["caseId"]})

    def _list_replies(self, request: Request) -> Response:
        client = self._client(request, "sender")
        offset, limit = page_of(request)
        with self._lock:
            ready = [r for r in self.replies.values() if r["sender"] == client["id"] and r["status"] == "submitted"]
            for reply in ready[offset:offset + limit]:
                if not reply["notified"]:
                    reply["notified"] = True
                    self.case_events[reply["caseId"]].append(self._signed_event(
                        f"reply:{reply['replyId']}", reply["caseId"], {events.NOTIFY_REPLY: {"notifyType": "polling"}}))
        page = [{"replyId": r["replyId"], "caseId": r["caseId"], "submissionId": r["submissionId"]}
                for r in ready[offset:offset + limit]]
        return json_response({"count": len(page), "offset": offset, "totalCount": len(ready), "replies": page})

    def _fetch_reply(self, request: Request, reply_id: str) -> Response:
        reply = self._sent_reply(request, reply_id)
        return json_response({"replyId": reply_id, "caseId": reply["caseId"], "submissionId": reply["submissionId"],
                              "attachments": list(reply["announced"]), "encryptedMetadata": reply["encryptedMetadata"],
                              "encryptedData": reply["encryptedData"]})

    def _reply_attachment(self, request: Request, reply_id: str, attachment_id: str) -> Response:
        return Response(found(self._sent_reply(request, reply_id)["attachments"], attachment_id, "attachment"),
                        mimetype="application/jose")

    def _c_refuse_replies(self, request: Request) -> Response:
        self._admin(request)
        body = body_of(request)
        with self._lock:
            self._refusals = {"count": int(body.get("count", 1)), "status": int(body.get("status", 422))}
        return json_response(self._refusals)

    def _c_reply(self, request: Request, reply_id: str) -> Response:
        self._admin(request)
        reply = self._find_reply(reply_id)
        return json_response({"status": reply["status"], "caseId": reply["caseId"],
                              "events": [e for e in decoded_events(self.case_events[reply["caseId"]])
                                         if e.get("sub") == f"reply:{reply_id}"]})

    def _maybe_refuse(self) -> None:
        with self._lock:
            if self._refusals["count"] <= 0:
                return
            self._refusals["count"] -= 1
            status = self._refusals["status"]
        raise Failure(status, "reply-refused", "the Zustelldienst does not take replies now (test hook)")

    def _find_reply(self, reply_id: str) -> dict:
        return found(self.replies, reply_id, "reply")

    def _own_reply(self, request: Request, reply_id: str) -> dict:
        """A reply of one of the subscriber client's destinations."""
        client = self._client(request, "subscriber")
        reply = self._find_reply(reply_id)
        if reply["destinationId"] not in client["destinations"]:
            raise Failure(404, "reply-not-found", f"no reply '{reply_id}'")
        return reply

    def _sent_reply(self, request: Request, reply_id: str) -> dict:
        """A submitted reply to a submission the sender client sent."""
        client = self._client(request, "sender")
        reply = self._find_reply(reply_id)
        if reply["sender"] != client["id"] or reply["status"] != "submitted":
            raise Failure(404, "reply-not-found", f"no reply '{reply_id}' ready for pickup")
        return reply
