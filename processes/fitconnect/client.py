"""The Submission API as a subscriber uses it: token, list, fetch, event log, events.

Every call is a plain HTTP request (requests) with the OAuth 2 access token of
the client-credentials grant. A token is fetched per poll run and kept only
for that run; nothing is kept between jobs. Connection failures, timeouts and
server errors raise :class:`FitConnectUnavailable`: the poll ends and the next
one tries again, nothing is decided about a submission then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from processes.fitconnect.config import AuthorityAccess, FitConnectConfig

PAGE_SIZE = 500
TIMEOUT_SECONDS = 15.0


class FitConnectUnavailable(Exception):
    """The Zustelldienst or its token endpoint could not be used; the message says how."""


class SubmissionGone(Exception):
    """The submission (or an attachment) is no longer there for us (404): someone else decided it."""


@dataclass
class SubmissionApi:
    """A subscriber's session with the Zustelldienst for one poll run."""

    config: FitConnectConfig
    access: AuthorityAccess
    timeout: float = TIMEOUT_SECONDS
    _token: str | None = field(default=None, repr=False)
    _http: requests.Session = field(default_factory=requests.Session, repr=False)

    def token(self) -> str:
        """Get an access token with the client-credentials grant (once per run)."""
        if self._token is None:
            response = self._send("POST", self.config.token_url, auth_needed=False, data={
                "grant_type": "client_credentials", "client_id": self.access.client_id,
                "client_secret": self.access.secret(),
            })
            if response.status_code != 200:
                raise FitConnectUnavailable(f"token endpoint answered {response.status_code}: {_reason(response)}")
            token = _json(response).get("access_token")
            if not isinstance(token, str) or not token:
                raise FitConnectUnavailable("token endpoint answered without an access_token")
            self._token = token
        return self._token

    def submissions(self, destination_id: str) -> list[dict]:
        """List the submissions of a destination that are ready for pickup (all pages)."""
        listed, offset = [], 0
        while True:
            page = self._get_json("/v1/submissions", params={"destinationId": destination_id, "offset": offset,
                                                              "limit": PAGE_SIZE})
            items = page.get("submissions") or []
            listed += [item for item in items if isinstance(item, dict) and item.get("submissionId")]
            offset += len(items)
            if not items or offset >= int(page.get("totalCount") or 0):
                return listed

    def submission(self, submission_id: str) -> dict:
        """Fetch a submission: service, attachment ids, encrypted metadata and data."""
        return self._get_json(f"/v1/submissions/{submission_id}")

    def attachment(self, submission_id: str, attachment_id: str) -> str:
        """Fetch one encrypted attachment (compact JWE)."""
        response = self._send("GET", self._url(f"/v1/submissions/{submission_id}/attachments/{attachment_id}"),
                              headers={"Accept": "application/jose"})
        self._check(response)
        return response.text.strip()

    def event_log(self, fit_case_id: str) -> list[str]:
        """The SETs of a FIT-Connect case, oldest first."""
        log = self._get_json(f"/v1/cases/{fit_case_id}/events").get("eventLog")
        return [item for item in log if isinstance(item, str)] if isinstance(log, list) else []

    def send_event(self, fit_case_id: str, token: str) -> None:
        """Post a signed event (accept or reject) into the case's event log.

        Raises:
            SubmissionGone: the Zustelldienst no longer takes an event (already decided).
        """
        response = self._send("POST", self._url(f"/v1/cases/{fit_case_id}/events"), data=token.encode("ascii"),
                              headers={"Content-Type": "application/jose"})
        if response.status_code in (404, 409):
            raise SubmissionGone(f"the Zustelldienst refused the event ({response.status_code}): {_reason(response)}")
        self._check(response, expected=(200, 201, 202, 204))

    def delivery_service_keys(self) -> dict:
        """The Zustelldienst's public keys (JWKS) that sign its own events."""
        response = self._send("GET", f"{self.config.submission_api_url}/.well-known/jwks.json", auth_needed=False)
        self._check(response)
        return _json(response)

    def _get_json(self, path: str, params: dict | None = None) -> dict:
        response = self._send("GET", self._url(path), params=params, headers={"Accept": "application/json"})
        self._check(response)
        return _json(response)

    def _url(self, path: str) -> str:
        return f"{self.config.submission_api_url}{path}"

    def _send(self, method: str, url: str, *, auth_needed: bool = True, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if auth_needed:
            headers["Authorization"] = f"Bearer {self.token()}"
        try:
            return self._http.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise FitConnectUnavailable(f"{method} {url} failed: {exc}") from exc

    def _check(self, response, expected=(200,)) -> None:
        if response.status_code == 404:
            raise SubmissionGone(f"{response.request.method} {response.url} answered 404: {_reason(response)}")
        if response.status_code not in expected:
            raise FitConnectUnavailable(f"{response.request.method} {response.url} answered {response.status_code}: "
                                        f"{_reason(response)}")


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError as exc:
        raise FitConnectUnavailable(f"{response.url} answered no JSON") from exc
    if not isinstance(body, dict):
        raise FitConnectUnavailable(f"{response.url} answered JSON that is not an object")
    return body


def _reason(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body.get("error_description") or body.get("error")
                   or body)[:300]
    return str(body)[:300]
