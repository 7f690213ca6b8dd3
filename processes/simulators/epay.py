"""Payment platform simulator (ePayBL-style), for tests and the demo.

The authority's side (HTTP Basic with merchant id and API key, see
processes/payment/provider.py): ``POST /api/v1/zahlungen`` creates a payment
and answers its payment page, ``GET /api/v1/zahlungen/<id>`` its state. The
payer's side: ``/zahlung/<id>`` shows amount, Kassenzeichen and purpose; the
payer picks a method and pays, or cancels; a tester can also let the payment
fail. The platform then notifies the authority (signed, see provider.py) and
sends the payer back to the return address.

``POST /_control`` (header ``X-API-Key``) switches how notifications are
sent: ``{"notification": "immediate" | "late" | "duplicate" | "none",
"delay": seconds}``; late ones arrive after the payer is back, duplicates
twice. ``GET /_control/payments`` lists what happened.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import secrets
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

import requests
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from processes.payment.provider import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from processes.payment.rules import euro

log = logging.getLogger(__name__)
METHODS = {"KREDITKARTE": "Kreditkarte", "GIROPAY": "giropay / paydirect", "PAYPAL": "PayPal",
           "LASTSCHRIFT": "SEPA-Lastschrift"}
NOTIFICATION_MODES = ("immediate", "late", "duplicate", "none")

_ROUTES = Map([
    Rule("/api/v1/zahlungen", endpoint="create", methods=["POST"]),
    Rule("/api/v1/zahlungen/<payment_id>", endpoint="state", methods=["GET"]),
    Rule("/zahlung/<payment_id>", endpoint="page", methods=["GET"]),
    Rule("/zahlung/<payment_id>", endpoint="act", methods=["POST"]),
    Rule("/_control", endpoint="control", methods=["POST"]),
    Rule("/_control/payments", endpoint="listing", methods=["GET"]),
])


class PaymentPlatform:
    """Merchants, payments and the notification mode, in memory."""

    def __init__(self, admin_key: str):
        self.admin_key = admin_key
        self.base_url = ""  # set once the server listens
        self.merchants: dict[str, dict] = {}
        self.payments: dict[str, dict] = {}
        self.notification_mode, self.delay = "immediate", 2.0
        self._lock = threading.Lock()

    def add_merchant(self, merchant_id: str, api_key: str, notification_secret: str) -> None:
        """Open a merchant account (an authority's Bewirtschafter)."""
        with self._lock:
            self.merchants[merchant_id] = {"api_key": api_key, "secret": notification_secret}

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, args = _ROUTES.bind_to_environ(environ).match()
        except Exception:  # noqa: BLE001 - werkzeug's NotFound/MethodNotAllowed
            return _json({"fehler": "nicht gefunden"}, 404)(environ, start_response)
        return getattr(self, f"_{endpoint}")(request, **args)(environ, start_response)

    def _merchant(self, request: Request) -> str | None:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return None
        merchant = self.merchants.get(auth.username or "")
        if merchant is None or not hmac.compare_digest(merchant["api_key"], auth.password or ""):
            return None
        return auth.username

    def _create(self, request: Request) -> Response:
        merchant = self._merchant(request)
        if merchant is None:
            return _json({"fehler": "Bewirtschafter oder API-Schlüssel falsch"}, 401)
        body = request.get_json(silent=True) or {}
        amount = body.get("betrag")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return _json({"fehler": "betrag muss ein positiver Betrag in Cent sein"}, 400)
        missing = [k for k in ("kassenzeichen", "verwendungszweck", "rueckkehrUrl", "benachrichtigungUrl")
                   if not body.get(k)]
        if missing:
            return _json({"fehler": f"es fehlen: {', '.join(missing)}"}, 400)
        payment_id = secrets.token_hex(12)
        payment = {"zahlungId": payment_id, "bewirtschafter": merchant, "kassenzeichen": body["kassenzeichen"],
                   "betrag": amount, "waehrung": body.get("waehrung") or "EUR", "status": "INITIAL",
                   "zahlverfahren": None, "gebuchtAm": None, "verwendungszweck": body["verwendungszweck"],
                   "rueckkehrUrl": body["rueckkehrUrl"], "benachrichtigungUrl": body["benachrichtigungUrl"],
                   "benachrichtigungen": []}
        with self._lock:
            self.payments[payment_id] = payment
        return _json({**_public(payment), "zahlungsseite": f"{self.base_url}/zahlung/{payment_id}"}, 201)

    def _state(self, request: Request, payment_id: str) -> Response:
        merchant = self._merchant(request)
        payment = self.payments.get(payment_id)
        if merchant is None or payment is None or payment["bewirtschafter"] != merchant:
            return _json({"fehler": "Zahlung unbekannt"}, 404)
        return _json(_public(payment))

    def _page(self, request: Request, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        if payment is None:
            return _html("Zahlung unbekannt", "<p>Diese Zahlung gibt es nicht.</p>", 404)
        if payment["status"] != "INITIAL":
            return _html("Zahlung abgeschlossen", f'<p>Diese Zahlung ist abgeschlossen.</p><p><a href="'
                                                  f'{html.escape(_back(payment))}">Zurück zur Behörde</a></p>')
        methods = "".join(f'<div><input type="radio" id="m-{key}" name="zahlverfahren" value="{key}"'
                          f'{" checked" if i == 0 else ""}><label for="m-{key}">{label}</label></div>'
                          for i, (key, label) in enumerate(METHODS.items()))
        body = (f'<dl><dt>Betrag</dt><dd>{euro(payment["betrag"])}</dd><dt>Kassenzeichen</dt>'
                f'<dd>{html.escape(payment["kassenzeichen"])}</dd><dt>Verwendungszweck</dt>'
                f'<dd>{html.escape(payment["verwendungszweck"])}</dd></dl>'
                f'<form method="post"><fieldset><legend>Zahlverfahren</legend>{methods}</fieldset>'
                f'<p><button type="submit" name="aktion" value="bezahlen">Jetzt bezahlen</button> '
                f'<button type="submit" name="aktion" value="abbrechen">Abbrechen</button></p>'
                f'<p class="test">Nur in der Testumgebung: <button type="submit" name="aktion" value="ablehnen">'
                f'Zahlung scheitern lassen</button></p></form>')
        return _html("Gebühr bezahlen", body)

    def _act(self, request: Request, payment_id: str) -> Response:
        payment = self.payments.get(payment_id)
        action = request.form.get("aktion")
        if payment is None or action not in ("bezahlen", "abbrechen", "ablehnen"):
            return _html("Zahlung nicht möglich", "<p>Diese Aktion gibt es nicht.</p>", 400)
        with self._lock:
            if payment["status"] == "INITIAL":
                if action == "bezahlen":
                    method = request.form.get("zahlverfahren")
                    payment.update(status="BOOKED", zahlverfahren=METHODS.get(method, "Kreditkarte"),
                                   gebuchtAm=datetime.now(timezone.utc).isoformat(timespec="seconds"))
                else:
                    payment["status"] = "CANCELED" if action == "abbrechen" else "FAILED"
            mode, delay = self.notification_mode, self.delay
        self._notify(payment, mode, delay)
        return Response(status=303, headers={"Location": _back(payment)})

    def _notify(self, payment: dict, mode: str, delay: float) -> None:
        if mode == "none":
            return
        merchant = self.merchants[payment["bewirtschafter"]]
        body = json.dumps(_public(payment), ensure_ascii=False).encode("utf-8")

        def send(wait: float) -> None:
            time.sleep(wait)
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                       SIGNATURE_HEADER: signature(merchant["secret"].encode(), timestamp, body)}
            try:
                response = requests.post(payment["benachrichtigungUrl"], data=body, headers=headers, timeout=10)
                payment["benachrichtigungen"].append(response.status_code)
            except requests.RequestException as exc:
                log.warning("notification to %s failed: %s", payment["benachrichtigungUrl"], exc)
                payment["benachrichtigungen"].append(str(exc))

        if mode == "immediate":
            send(0)
            return
        waits = [delay] if mode == "late" else [0, 0.2]
        for wait in waits:
            threading.Thread(target=send, args=(wait,), name="epay-notification", daemon=True).start()

    def _control(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-API-Key", ""), self.admin_key):
            return _json({"fehler": "X-API-Key fehlt oder ist falsch"}, 401)
        body = request.get_json(silent=True) or {}
        if body.get("notification") not in NOTIFICATION_MODES:
            return _json({"fehler": f"notification: eins von {', '.join(NOTIFICATION_MODES)}"}, 400)
        with self._lock:
            self.notification_mode = body["notification"]
            self.delay = float(body.get("delay", self.delay))
        return _json({"notification": self.notification_mode, "delay": self.delay})

    def _listing(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("X-API-Key", ""), self.admin_key):
            return _json({"fehler": "X-API-Key fehlt oder ist falsch"}, 401)
        with self._lock:
            return _json({"zahlungen": [{**_public(p), "benachrichtigungen": list(p["benachrichtigungen"])}
                                        for p in self.payments.values()]})


def _public(payment: dict) -> dict:
    return {k: payment[k] for k in ("zahlungId", "bewirtschafter", "kassenzeichen", "betrag", "waehrung", "status",
                                    "zahlverfahren", "gebuchtAm")}


def _back(payment: dict) -> str:
    separator = "&" if "?" in payment["rueckkehrUrl"] else "?"
    return f"{payment['rueckkehrUrl']}{separator}{urlencode({'status': payment['status']})}"


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _html(title: str, body: str, status: int = 200) -> Response:
    style = ("body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
             "header{border-bottom:4px solid #1d6b2f;margin-bottom:1rem}dl{display:grid;grid-template-columns:"
             "max-content 1fr;gap:.25rem 1rem}dt{font-weight:bold}dd{margin:0}fieldset{border:1px solid #767676}"
             "button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}.test{color:#4a4a4a;margin-top:2rem}"
             ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}")
    document = (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><meta name="viewport" '
                f'content="width=device-width, initial-scale=1"><title>{title} – Zahlungsplattform (Test)</title>'
                f'<style>{style}</style></head><body><header><p>Zahlungsplattform (Testumgebung)</p></header>'
                f'<main><h1>{title}</h1>{body}</main></body></html>')
    return Response(document, status=status, mimetype="text/html")
