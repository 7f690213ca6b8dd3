"""The administration's start page and the administration log (Verwaltungsprotokoll)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from processes.administration.audit_log import PLATFORM_STREAM, admin_log
from web.database import get_session
from web.ui.common import login_required, page_args, register_error_pages, ui_user
from web.ui.formatting import datumzeit
from web.ui.verwaltung.common import ROLE_LABELS

bp = Blueprint("ui_admin", __name__, url_prefix="/ui/verwaltung")
register_error_pages(bp)

EVENT_LABELS = {
    "user.created": "Konto angelegt",
    "user.updated": "Konto geändert",
    "user.deactivated": "Konto deaktiviert",
    "user.reactivated": "Konto wieder aktiviert",
    "user.password_reset": "Passwort zurückgesetzt",
    "user.password_changed": "Passwort geändert",
    "user.signed_out": "Überall abgemeldet",
    "token.issued": "API-Schlüssel erzeugt",
    "token.revoked": "API-Schlüssel widerrufen",
    "group.created": "Gruppe angelegt",
    "group.updated": "Gruppe geändert",
    "absence.recorded": "Abwesenheit eingetragen",
    "absence.ended": "Abwesenheit beendet",
    "authority.created": "Behörde angelegt",
    "file_plan.unit_created": "Aktenplaneinheit angelegt",
    "file_plan.unit_changed": "Aktenplaneinheit geändert",
    "file_plan.process_mapped": "Verfahren zugeordnet",
    "disposal.offered": "Akten dem Archiv angeboten (0501)",
    "disposal.appraised": "Bewertung des Archivs übernommen (0502)",
    "disposal.handed_over": "Akte an das Archiv abgegeben (0503)",
    "disposal.archive_confirmed": "Übernahme durch das Archiv bestätigt",
    "disposal.archive_import_failed": "Import im Archiv fehlgeschlagen",
    "disposal.destroyed": "Akte vernichtet",
    "oidc.user_created": "Konto bei erster Anmeldung (Single Sign-on) angelegt",
    "oidc.user_updated": "Rollen oder Gruppen aus Single Sign-on übernommen",
}
FIELD_LABELS = {
    "display_name": "Name", "email": "E-Mail", "roles": "Rollen", "groups": "Gruppen", "active": "aktiv",
    "credentials": "Zugang", "method": "Verfahren", "sessions_ended": "beendete Anmeldungen", "label": "Bezeichnung",
    "token_id": "Schlüssel", "name": "Name", "candidate_groups": "Bahnen und Kandidatengruppen", "members": "Mitglieder",
    "user": "abwesend", "substitute": "Vertretung", "starts_at": "ab", "ends_at": "bis", "slug": "Kürzel",
    "administrator": "Administration", "code": "Kennzeichen", "title": "Titel", "retention_years": "Aufbewahrung (Jahre)",
    "disposal": "Aussonderung", "confidentiality": "Vertraulichkeit", "unit": "Einheit",
    "process_id": "Prozess-ID", "archive": "Archiv", "decisions": "Entscheidungen",
    "archive_reference": "Zeichen des Archivs",
    "package_sha256": "Prüfsumme des Pakets", "by_hand": "von Hand", "versions_destroyed": "vernichtete Versionen",
    "objects_deleted": "gelöschte Dateien", "complete": "vollständig",
}
VALUE_LABELS = {"link": "Einmal-Link", "temporary": "vorläufiges Passwort", "permanent": "dauernd", **ROLE_LABELS}


@bp.get("")
@login_required("admin", "operator")
def index():
    """Show what an administrator (or the operator) can manage."""
    return render_template("ui/verwaltung/index.html", title="Verwaltung", user=ui_user())


@bp.get("/protokoll")
@login_required("admin", "operator")
def log():
    """Show the administration log of my authority (the operator: of the platform), newest first."""
    user = ui_user()
    page, per_page = page_args(50)
    platform = not user.has_role("admin")
    events, total = admin_log(get_session(), user.authority_id, (page - 1) * per_page, per_page,
                              stream=PLATFORM_STREAM if platform else None)
    return render_template("ui/verwaltung/protokoll.html", title="Verwaltungsprotokoll", events=events, total=total,
                           page=page, pages=max(1, -(-total // per_page)), platform=platform, labels=EVENT_LABELS,
                           describe=describe_values)


def describe_values(values: dict | None) -> list[str]:
    """Return "Feld: Wert" lines of an event's before or after values, in German."""
    return [f"{FIELD_LABELS.get(key, key)}: {_value(value)}" for key, value in (values or {}).items()]


def _value(value) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "keine"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "keine"
    if isinstance(value, str):
        try:
            return datumzeit(datetime.fromisoformat(value)) if "T" in value else VALUE_LABELS.get(value, value)
        except ValueError:
            return VALUE_LABELS.get(value, value)
    return str(value)
