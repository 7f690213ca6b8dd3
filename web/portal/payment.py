"""Paying a fee from the portal: off to the payment platform, and back."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for

from processes.payment.fees import OnlinePaymentUnavailable, start_payment
from processes.payment.provider import ProviderUnavailable
from processes.payment.settlement import query_platform
from engine.errors import InvalidData
from engine.models import Authority
from processes.portal import cases as portal_cases
from web.database import get_session
from web.engine_context import document_store, engine_context, online_services
from web.portal.common import applicant, applicant_required, bp, error_page

RETURN_MESSAGES = {
    "paid": ("Vielen Dank! Ihre Zahlung ist eingegangen. Ihr Bescheid wird Ihnen jetzt zugestellt.", "success"),
    "already_paid": ("Vielen Dank! Ihre Zahlung ist eingegangen. Ihr Bescheid wird Ihnen jetzt zugestellt.",
                     "success"),
    "cancelled": ("Sie haben die Zahlung abgebrochen. Sie können jederzeit erneut bezahlen.", "info"),
    "failed": ("Die Zahlung ist nicht gelungen. Bitte versuchen Sie es noch einmal oder wählen Sie ein anderes "
               "Zahlverfahren.", "danger"),
    "pending": ("Ihre Zahlung wird noch bearbeitet. Sobald sie bestätigt ist, sehen Sie es hier.", "info"),
}


@bp.post("/antraege/<case_id>/zahlung")
@applicant_required
def pay(case_id: str):
    """Create the payment at the platform and send the applicant to its payment page."""
    session, ctx = get_session(), engine_context()
    case, fee = portal_cases.fee_of(session, applicant().id, case_id, for_update=True)
    slug = session.get(Authority, case.authority_id).slug
    try:
        page = start_payment(session, online_services().payments, slug, fee,
                             return_url=url_for("portal.payment_return", case_id=case_id, _external=True),
                             notification_base_url=current_app.config["PUBLIC_BASE_URL"], now=ctx.clock(),
                             actor=portal_cases.actor_of(applicant().id, case.authority_id).username)
    except OnlinePaymentUnavailable as exc:
        return error_page(409, exc.message)
    except ProviderUnavailable:
        return error_page(502, "Die Zahlungsplattform ist gerade nicht erreichbar. Bitte versuchen Sie es später "
                               "noch einmal.")
    return redirect(page, code=303)


@bp.get("/antraege/<case_id>/zahlung/rueckkehr")
@applicant_required
def payment_return(case_id: str):
    """Back from the payment platform: ask it where the payment stands (its notification may come later)."""
    session, ctx = get_session(), engine_context()
    case, fee = portal_cases.fee_of(session, applicant().id, case_id, for_update=True)
    slug = session.get(Authority, case.authority_id).slug
    try:
        result = query_platform(session, ctx, document_store(), online_services().payments, slug, fee,
                                portal_cases.actor_of(applicant().id, case.authority_id).username)
    except ProviderUnavailable:
        result = "pending"
    except InvalidData:  # the platform reports another amount or Kassenzeichen: nothing was changed
        return error_page(422, "Die Zahlungsplattform meldet eine Zahlung, die nicht zu dieser Gebühr passt. Es wurde "
                               "nichts verbucht; bitte wenden Sie sich an die Behörde.")
    message, category = RETURN_MESSAGES.get(result, RETURN_MESSAGES["pending"])
    flash(message, category)
    return redirect(url_for("portal.case", case_id=case_id), code=303)
