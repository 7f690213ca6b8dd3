"""Pages of one procedure: its versions with their cases, the comparison of two versions, import and setup."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import definitions
from engine.errors import EngineError, InvalidData
from engine.connectors.systems import systems_of
from engine.loader import ModelValidationError
from engine.models import User
from eakte.aktenplan import list_units
from processes import casework
from processes.packages import configure, setup as package_setup
from processes.packages.diff import diff_packages
from processes.packages.exchange import import_package
from processes.packages.store import package_of
from processes.packages.versions import versions_of
from web.database import get_session
from web.engine_context import engine_context
from web.ui.common import login_required, register_error_pages, ui_user

bp = Blueprint("ui_procedures", __name__, url_prefix="/ui/verfahren")
register_error_pages(bp)

MAX_HEADER_LINES = 20


@bp.get("/<key>")
@login_required("modeller", "supervisor")
def show(key):
    """The versions of a procedure with the cases on each, and a form to compare two."""
    rows = versions_of(get_session(), ui_user().authority_id, key)
    return render_template("ui/procedure.html", title=f"Verfahren {key}", key=key, rows=rows)


@bp.get("/<key>/vergleich")
@login_required("modeller", "supervisor")
def compare(key):
    """Compare two versions: changed, added and removed elements and files, coloured in both diagrams."""
    session, user = get_session(), ui_user()
    rows = versions_of(session, user.authority_id, key)
    by_id = {row.definition.id: row.definition for row in rows}
    old, new = by_id.get(request.args.get("alt", "")), by_id.get(request.args.get("neu", ""))
    if old is None or new is None or old.id == new.id:
        return render_template("ui/procedure.html", title=f"Verfahren {key}", key=key, rows=rows,
                               compare_error="Bitte zwei verschiedene Versionen auswählen."), 422
    if old.version > new.version:
        old, new = new, old
    diff = diff_packages(old.file_contents(), new.file_contents())
    return render_template("ui/procedure_diff.html", title=f"{key}: Version {old.version} und {new.version}",
                           key=key, old=old, new=new, diff=diff)


@bp.get("/uebernehmen")
@login_required("modeller")
def import_form():
    """The form to import a package exported by another authority (Einer für Alle)."""
    return render_template("ui/procedure_import.html", title="Verfahren übernehmen")


@bp.post("/uebernehmen")
@login_required("modeller")
def import_upload():
    """Import the uploaded package ZIP; on success show what the authority still has to configure."""
    upload = request.files.get("paket")
    if upload is None or not upload.filename:
        return render_template("ui/procedure_import.html", title="Verfahren übernehmen",
                               upload_error="Bitte das ZIP-Archiv des Verfahrens auswählen."), 422
    try:
        result = import_package(get_session(), engine_context(), upload.read(), ui_user(),
                                archive_name=upload.filename.rsplit("/", 1)[-1])
    except ModelValidationError as exc:
        return render_template("ui/procedure_import.html", title="Verfahren übernehmen", problems=exc.problems), 422
    d = result.deployment.definition
    flash(f"{d.name or d.key} als Version {d.version} übernommen." + (
        "" if result.ready else " Bevor Vorgänge beginnen können, muss Ihre Behörde noch einiges einrichten."))
    return redirect(url_for(".setup", key=d.key))


@bp.get("/<key>/einrichtung")
@login_required("modeller", "supervisor")
def setup(key):
    """What the procedure needs from this authority, and the forms to configure it (administrators)."""
    return _setup_page(key)


@bp.post("/<key>/einrichtung/aktenplan")
@login_required("admin")
def setup_file_plan(key):
    """File new cases of the procedure under a unit of the file plan (or the one the package suggests)."""
    session, user = get_session(), ui_user()
    definition = definitions.latest_definition(session, key, user.authority_id)
    try:
        if request.form.get("aktion") == "vorschlag":
            unit = configure.create_suggested_unit(session, user.authority_id, definition, actor=user.username,
                                                   now=engine_context().clock())
        else:
            unit = configure.assign_unit(session, user.authority_id, key, request.form.get("einheit", ""),
                                         actor=user.username)
    except EngineError as exc:
        return _setup_page(key, errors={"einheit": _german(exc)}, status=422)
    flash(f"Neue Vorgänge werden unter {unit.code} {unit.title} abgelegt.")
    return redirect(url_for(".setup", key=key))


@bp.post("/<key>/einrichtung/gruppe")
@login_required("admin")
def setup_group(key):
    """Make the chosen users the members of one group the procedure needs."""
    session, user = get_session(), ui_user()
    group = request.form.get("gruppe", "")
    members = request.form.getlist("mitglieder")
    try:
        configure.set_group_members(session, user.authority_id, key, group, members, actor=user.username)
    except InvalidData as exc:
        return _setup_page(key, errors={"gruppe": _german(exc)}, status=422)
    flash(f"Gruppe „{group}“: {len(members)} Mitglied(er) gespeichert.")
    return redirect(url_for(".setup", key=key))


@bp.post("/<key>/einrichtung/fachverfahren")
@login_required("admin")
def setup_system(key):
    """Store where a specialist system is for this authority."""
    session, user = get_session(), ui_user()
    system = request.form.get("system", "")
    values = {"url": request.form.get("adresse", "").strip(), "timeout": request.form.get("zeitlimit", "10"),
              "headers": request.form.get("kopfzeilen", "")}
    errors: dict[str, str] = {}
    try:
        timeout = float(values["timeout"].replace(",", "."))
    except ValueError:
        timeout, errors["zeitlimit"] = 0.0, "Bitte eine Zahl von Sekunden eingeben, z. B. 10."
    headers, header_error = _headers(values["headers"])
    if header_error:
        errors["kopfzeilen"] = header_error
    if not errors:
        try:
            configure.configure_system(session, user.authority_id, key, system, values["url"], timeout, headers,
                                       actor=user.username, now=engine_context().clock())
        except InvalidData as exc:
            fields = exc.details.get("fields", {})
            errors = {"adresse": "Bitte eine http- oder https-Adresse ohne Abfrageteil eingeben."} if "url" in fields else {}
            if "timeout" in fields:
                errors["zeitlimit"] = "Das Zeitlimit muss zwischen 0 und 300 Sekunden liegen."
            if "headers" in fields:
                errors["kopfzeilen"] = ("Zugangsdaten bitte als ${VARIABLE} aus der Umgebung eintragen, nie im "
                                        "Klartext; Namen nur aus Buchstaben, Ziffern und „-“.")
            if "system" in fields:
                errors["adresse"] = "Unbekanntes Fachverfahren."
    if errors:
        return _setup_page(key, errors=errors, system=system, values=values, status=422)
    flash(f"Adresse des Fachverfahrens „{system}“ gespeichert.")
    return redirect(url_for(".setup", key=key))


def _setup_page(key: str, errors: dict | None = None, system: str | None = None, values: dict | None = None,
                status: int = 200):
    session, user = get_session(), ui_user()
    ctx = engine_context()
    definition = definitions.latest_definition(session, key, user.authority_id)
    found = package_setup.requirements(session, ctx, user.authority, definition)
    manifest = package_of(definition).manifest
    systems = sorted({op.system for op in (manifest.operations.values() if manifest else ()) if op.declared})
    users = list(session.scalars(select(User).where(User.authority_id == user.authority_id, User.active)
                                 .order_by(User.username)))
    return render_template(
        "ui/procedure_setup.html", title=f"Einrichtung: {definition.name or key}", key=key, definition=definition,
        manifest=manifest, requirements=found, imported=package_setup.imported(session, user.authority_id, key),
        units=list_units(session, user.authority_id), users=users, systems=systems,
        configured=systems_of(session, user.authority_id), errors=errors or {}, failed_system=system,
        values=values or {}), status


def _headers(text: str) -> tuple[dict[str, str], str | None]:
    headers = {}
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_HEADER_LINES:
        return {}, f"Höchstens {MAX_HEADER_LINES} Kopfzeilen."
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            return {}, f"Die Zeile „{line[:60]}“ hat nicht die Form „Name: Wert“."
        headers[name.strip()] = value.strip()
    return headers, None


_GERMAN = {
    "your file plan has no unit": "Diese Einheit gibt es in Ihrem Aktenplan nicht.",
    "the package suggests no file plan unit": "Das Paket schlägt keine Aktenplaneinheit vor.",
    "has a unit": "Eine Einheit mit diesem Kennzeichen gibt es schon; bitte wählen Sie sie in der Liste aus.",
    "no active user": "Eine ausgewählte Person gibt es nicht (mehr) in Ihrer Behörde.",
    "a group name has": "Der Gruppenname fehlt oder ist zu lang.",
}


def _german(exc: EngineError) -> str:
    return next((text for start, text in _GERMAN.items() if start in exc.message), exc.message)
