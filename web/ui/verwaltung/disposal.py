"""Disposal with the archive (Aussonderung) for administrators: the due files and where each stands, the offer
list (0501), the archive's appraisal (0502), the hand-over package (0503), the archive's import confirmation (0506)
or one recorded by hand, and the destruction. Every step has a page of its own that says what it will do; the
services record each step in the file's audit chain."""

from __future__ import annotations

import base64

from flask import Blueprint, abort, make_response, render_template, request, send_file, url_for
from sqlalchemy import select

from eakte import anbietung
from eakte.aussonderung import due_for_disposal
from eakte.errors import EakteError
from eakte.models import Akte, ArchiveHandover
from eakte.xdomea.incoming import XdomeaMessageRejected
from processes import disposal
from processes.administration.absences import legal_date
from web.database import commit_now, get_session, session_factory
from web.engine_context import document_store, engine_context
from web.ui.common import login_required, register_error_pages, ui_user
from web.ui.verwaltung.common import no_store
from web.ui.verwaltung.disposal_states import OFFER, describe_due, german_refusal

bp = Blueprint("ui_admin_disposal", __name__, url_prefix="/ui/verwaltung/aussonderung")
register_error_pages(bp)

MAX_MESSAGE_BYTES = 20 * 1024 * 1024


@bp.get("")
@login_required("admin")
def index():
    """List the due files with their state in the archive procedure and the next step for each."""
    return _index_page()


@bp.get("/anbieten")
@login_required("admin")
def offer_confirm():
    """Show which files will be offered and ask for the archive's name (nothing is recorded yet)."""
    chosen = request.args.getlist("akte")
    if not chosen:
        return _index_page({"akte": "Bitte wählen Sie mindestens eine Akte zum Anbieten."}, 422)
    return _offer_page(chosen, {}, {"archiv": disposal.DEFAULT_ARCHIVE, "schluessel": ""})


@bp.post("/anbieten")
@login_required("admin")
def offer():
    """Record the offer and show the offer list (0501) for download."""
    db, user = get_session(), ui_user()
    chosen = request.form.getlist("akte")
    values = {"archiv": request.form.get("archiv", "").strip(),
              "schluessel": request.form.get("schluessel", "").strip()}
    errors = {}
    if not values["archiv"]:
        errors["archiv"] = "Bitte geben Sie den Namen des Archivs an."
    if not chosen:
        errors["_form"] = "Es ist keine Akte ausgewählt."
    if not errors:
        try:
            result = disposal.offer(db, user, archive=values["archiv"], sender_key=values["schluessel"] or None,
                                    aktenzeichen=chosen, today=_today())
        except EakteError as exc:
            errors["_form"] = german_refusal(exc)
        except FileNotFoundError:
            errors["_form"] = ("Das xdomea-Schema ist auf dem Server nicht vorhanden; bitte wenden Sie sich an den "
                               "Betrieb.")
    if errors:
        return _offer_page(chosen, errors, values, 422)
    data_url = "data:application/xml;base64," + base64.b64encode(result.message_xml).decode("ascii")
    return no_store(make_response(render_template(
        "ui/verwaltung/aussonderung_angeboten.html", title="Anbietung erstellt", result=result, data_url=data_url,
        file_name=anbietung.offer_message_file_name(result.process_id), archive=values["archiv"])))


@bp.post("/bewertung")
@login_required("admin")
def appraisal():
    """Record the archive's appraisal (0502) uploaded as XML: which files it wants (A) and which not (V)."""
    data, error = _uploaded("bewertung")
    if error:
        return _index_page({"bewertung": error}, 422)
    try:
        result = disposal.import_appraisal(get_session(), ui_user(), data)
    except (XdomeaMessageRejected, FileNotFoundError) as exc:
        return _index_page({"bewertung": german_refusal(exc)}, 422, problems=_problems(exc))
    return render_template("ui/verwaltung/aussonderung_bewertet.html", title="Bewertung übernommen", result=result)


@bp.post("/importbestaetigung")
@login_required("admin")
def import_confirmation():
    """Record the archive's import confirmation (0506) uploaded as XML."""
    data, error = _uploaded("bestaetigung")
    if error:
        return _index_page({"bestaetigung": error}, 422)
    try:
        result = disposal.import_confirmation(get_session(), ui_user(), data)
    except (XdomeaMessageRejected, FileNotFoundError) as exc:
        return _index_page({"bestaetigung": german_refusal(exc)}, 422, problems=_problems(exc))
    return render_template("ui/verwaltung/aussonderung_bestaetigt.html", title="Importbestätigung übernommen",
                           result=result)


@bp.route("/abgeben/<akte_id>", methods=["GET", "POST"])
@login_required("admin")
def hand_over(akte_id):
    """Ask for confirmation, then record the hand-over and send the 0503 package (ZIP) as a download."""
    db, user = get_session(), ui_user()
    akte = _akte(db, user, akte_id)
    values = {"archiv": request.form.get("archiv", disposal.DEFAULT_ARCHIVE).strip(),
              "schluessel": request.form.get("schluessel", "").strip()}
    errors = {}
    if request.method == "POST":
        if not values["archiv"]:
            errors["archiv"] = "Bitte geben Sie den Namen des Archivs an."
        else:
            try:
                result, package = disposal.hand_over(db, document_store(), user, akte, archive=values["archiv"],
                                                     sender_key=values["schluessel"] or None, receipt=False)
            except EakteError as exc:
                errors["_form"] = german_refusal(exc)
            except FileNotFoundError:
                errors["_form"] = "Das xdomea-Schema ist auf dem Server nicht vorhanden."
            else:
                response = send_file(package, mimetype="application/zip", as_attachment=True,
                                     download_name=f"{result.process_id}_Aussonderung.Aussonderung.0503.zip")
                response.headers["X-Handover-Id"] = result.handover_id
                return no_store(response)
    return render_template("ui/verwaltung/aussonderung_abgeben.html", title=f"Akte {akte.aktenzeichen} abgeben",
                           akte=akte, values=values, errors=errors), 422 if errors else 200


@bp.route("/abgaben/<handover_id>/bestaetigen", methods=["GET", "POST"])
@login_required("admin")
def confirm_by_hand(handover_id):
    """Record by hand that the archive received a hand-over (when it confirms by letter)."""
    db, user = get_session(), ui_user()
    handover = db.get(ArchiveHandover, handover_id)
    akte = db.get(Akte, handover.akte_id) if handover is not None else None
    if akte is None or akte.authority_id != user.authority_id:
        abort(404)
    reference, errors = request.form.get("signatur", "").strip(), {}
    if request.method == "POST":
        if not reference:
            errors["signatur"] = "Bitte geben Sie das Zeichen an, unter dem das Archiv die Akte übernommen hat."
        elif len(reference) > 200:
            errors["signatur"] = "Das Zeichen darf höchstens 200 Zeichen lang sein."
        else:
            try:
                disposal.confirm_by_hand(db, user, handover_id, reference)
            except EakteError as exc:
                errors["_form"] = german_refusal(exc)
            else:
                return render_template("ui/verwaltung/aussonderung_bestaetigt.html", title="Übernahme bestätigt",
                                       result=None, akte=akte, reference=reference)
    return render_template("ui/verwaltung/aussonderung_von_hand.html", title="Übernahme von Hand bestätigen",
                           akte=akte, handover=handover, reference=reference, errors=errors), 422 if errors else 200


@bp.route("/vernichten/<akte_id>", methods=["GET", "POST"])
@login_required("admin")
def destroy(akte_id):
    """Ask for confirmation, then destroy the file's content (tombstones stay in its audit trail)."""
    db, user = get_session(), ui_user()
    akte = _akte(db, user, akte_id)
    errors = {}
    if request.method == "POST":
        if not request.form.get("bestaetigt"):
            errors["bestaetigt"] = "Bitte bestätigen Sie, dass die Akte endgültig vernichtet werden soll."
        else:
            aktenzeichen = akte.aktenzeichen
            commit_now()  # the destruction's own transactions must not wait for this one (SQLite has one writer)
            try:
                result = disposal.destroy(db, session_factory(), document_store(), user, aktenzeichen)
            except EakteError as exc:
                errors["_form"] = german_refusal(exc)
            else:
                return render_template("ui/verwaltung/aussonderung_vernichtet.html", title="Akte vernichtet",
                                       aktenzeichen=aktenzeichen, result=result, akte_id=akte_id)
    return render_template("ui/verwaltung/aussonderung_vernichten.html", title=f"Akte {akte.aktenzeichen} vernichten",
                           akte=akte, errors=errors, due=_due_entry(akte)), 422 if errors else 200


def _today():
    return legal_date(engine_context().clock())


def _akte(db, user, akte_id: str) -> Akte:
    akte = db.scalar(select(Akte).where(Akte.id == akte_id, Akte.authority_id == user.authority_id))
    if akte is None:
        abort(404)
    return akte


def _due_entry(akte: Akte):
    return next((d for d in due_for_disposal(get_session(), akte.authority_id, _today()) if d.akte_id == akte.id), None)


def _uploaded(field: str) -> tuple[bytes | None, str | None]:
    files = [f for f in request.files.getlist(field) if f.filename]
    if len(files) != 1:
        return None, "Bitte wählen Sie genau eine XML-Datei des Archivs aus."
    data = files[0].read(MAX_MESSAGE_BYTES + 1)
    if not data:
        return None, "Die Datei ist leer."
    if len(data) > MAX_MESSAGE_BYTES:
        return None, "Die Datei ist größer als 20 MB."
    return data, None


def _problems(exc: Exception) -> list[str]:
    return list(getattr(exc, "problems", []))[:20]


def _offer_page(chosen: list[str], errors: dict, values: dict, status: int = 200):
    due = {d.aktenzeichen: d for d in due_for_disposal(get_session(), ui_user().authority_id, _today())}
    return render_template("ui/verwaltung/aussonderung_anbieten.html", title="Akten anbieten",
                           files=[due.get(az) for az in chosen], chosen=chosen, errors=errors, values=values), status


def _index_page(errors: dict | None = None, status: int = 200, problems: list[str] | None = None):
    db, user = get_session(), ui_user()
    rows = [describe_due(db, entry) for entry in due_for_disposal(db, user.authority_id, _today())]
    return render_template("ui/verwaltung/aussonderung.html", title="Aussonderung", rows=rows, errors=errors or {},
                           problems=problems or [], offer_url=url_for(".offer_confirm"),
                           offerable=any(OFFER in row.steps for row in rows)), status

