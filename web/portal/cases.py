"""The applicant's cases: the list, one case with its status, handing in documents, fetching notices."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import (Response, current_app, flash, make_response, redirect, render_template, request,
                   stream_with_context, url_for)

from eakte.errors import UnsupportedContent
from engine.errors import Conflict
from engine.models import Authority
from processes import intake
from processes.payment.rules import RESTARTABLE, euro
from processes.portal import cases as portal_cases
from web.database import get_session
from web.engine_context import document_store, engine_context, online_services
from web.portal.common import applicant, applicant_required, bp, error_page
from web.security_headers import CONTENT_SECURITY_POLICY, document_download_headers, policy_header

MAX_FILES = 20
NOTE_LENGTH = 1000


@bp.get("/antraege")
@applicant_required
def cases():
    """The list of the applicant's cases with their status in plain words."""
    summaries = portal_cases.overview(get_session(), engine_context(), applicant().id)
    return render_template("portal/cases.html", title="Meine Anträge", summaries=summaries)


@bp.get("/antraege/<case_id>")
@applicant_required
def case(case_id: str):
    """One case: status, what to do, documents to hand in, the fee, the notices."""
    return _case_page(case_id)


@bp.post("/antraege/<case_id>/unterlagen")
@applicant_required
def hand_in(case_id: str):
    """Hand in the documents the authority asked for (filed into the case; the waiting case goes on)."""
    files = [f for f in request.files.getlist("dateien") if f and f.filename]
    note = request.form.get("hinweis", "").strip()
    errors = {}
    if not files:
        errors["dateien"] = "Bitte wählen Sie mindestens eine Datei aus."
    elif len(files) > MAX_FILES:
        errors["dateien"] = f"Bitte laden Sie höchstens {MAX_FILES} Dateien auf einmal hoch."
    if len(note) > NOTE_LENGTH:
        errors["hinweis"] = f"Der Hinweis darf höchstens {NOTE_LENGTH} Zeichen lang sein."
    if errors:
        return _case_page(case_id, errors=errors, note=note, status=422)
    documents = [intake.IncomingDocument(f.read(), f.filename, _subject(f.filename), doc_type="Bauvorlage")
                 for f in files]
    try:
        portal_cases.hand_in(get_session(), engine_context(), document_store(), applicant().id, case_id, documents,
                             note or None)
    except UnsupportedContent as exc:
        return _case_page(case_id, errors={"dateien": _german_content_error(exc.message)}, note=note, status=422)
    except Conflict as exc:
        return _case_page(case_id, errors={"dateien": exc.message}, note=note, status=409)
    names = ", ".join(f.filename for f in files)
    flash(f"Ihre Unterlagen sind eingegangen ({names}). Die Behörde prüft sie jetzt.", "success")
    return redirect(url_for("portal.case", case_id=case_id), code=303)


@bp.get("/antraege/<case_id>/bescheide/<delivery_id>")
@applicant_required
def notice(case_id: str, delivery_id: str):
    """Download a notice made available to the applicant; recorded as the proof of retrieval."""
    _, version, stream = portal_cases.fetch_notice(
        get_session(), document_store(), applicant().id, case_id, delivery_id, now=engine_context().clock(),
        remote_addr=request.remote_addr)
    # The download is recorded in this request's transaction, committed before the body is streamed.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(version.filename, safe='')}",
               "X-Content-SHA256": version.sha256, "Cache-Control": "no-store"}
    return document_download_headers(Response(stream_with_context(stream), mimetype=version.media_type,
                                              headers=headers))


@bp.route("/<path:_unknown>", methods=["GET", "POST"])
def unknown(_unknown):
    """Addresses under /buerger that no page has: the German 404 page."""
    return error_page(404, "Diese Seite gibt es nicht.")


def _case_page(case_id: str, errors: dict | None = None, note: str = "", status: int = 200):
    session, ctx = get_session(), engine_context()
    detail = portal_cases.detail(session, ctx, applicant().id, case_id, ctx.clock())
    fee = detail.fee
    payable = fee is not None and fee.status in RESTARTABLE and _pays_online(detail.summary.case.authority_id)
    page = make_response(render_template(
        "portal/case.html", title=detail.summary.case.subject or detail.summary.procedure, detail=detail,
        fee_amount=euro(fee.amount_cents) if fee else None, payable=payable, errors=errors or {}, note=note,
        max_files=MAX_FILES), status)
    if payable:  # the payment form leads (by redirect) to the platform's page: the policy must allow that target
        platform = urlsplit(online_services().payments.provider_url)
        page.headers["Content-Security-Policy"] = policy_header(
            {**CONTENT_SECURITY_POLICY, "form-action": ("'self'", f"{platform.scheme}://{platform.netloc}")})
    return page


def _pays_online(authority_id: str) -> bool:
    authority = get_session().get(Authority, authority_id)
    config = online_services().payments
    return bool(config.provider_url) and config.merchant(authority.slug) is not None


def _subject(filename: str) -> str:
    stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("_", " ").strip()
    return f"Nachgereicht: {stem or 'Unterlage'}"[:500]


def _german_content_error(message: str) -> str:
    current_app.logger.info("portal upload refused: %s", message)
    if "not accepted" in message or "nicht angenommen" in message:
        return ("Diese Datei wird nicht angenommen. Bitte laden Sie PDF-Dateien oder Bilder (PNG, JPEG, TIFF) hoch. "
                f"({message})")
    if "empty" in message:
        return "Die Datei ist leer."
    return f"Die Datei kann nicht angenommen werden: {message}"
