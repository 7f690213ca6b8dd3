"""German messages for what the administration services refuse, and the field each one belongs to.

The services speak English (the API's language); the pages name the problem
in German next to the field it concerns.
"""

from __future__ import annotations

import re

from eakte.errors import EakteError
from engine.errors import EngineError

_RULES: list[tuple[str, str, str]] = [
    (r"^user name '.*' may contain", "benutzername",
     "Der Benutzername darf nur Buchstaben, Ziffern und . _ @ - enthalten und muss 2 bis 100 Zeichen lang sein."),
    (r"^user '.*' exists already", "benutzername", "Diesen Benutzernamen gibt es in Ihrer Behörde schon."),
    (r"is not an e-mail address", "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein (name@beispiel.de)."),
    (r"^display name must be", "anzeigename", "Der Name muss 1 bis 200 Zeichen lang sein, ohne Steuerzeichen."),
    (r"^you cannot take away your own administrator role", "rollen",
     "Sie können sich die Rolle „Administration“ nicht selbst entziehen. Bitten Sie eine andere Person mit dieser "
     "Rolle."),
    (r"^only the platform operator may grant", "rollen",
     "Die Rolle „Plattformbetrieb“ kann nur der Plattformbetrieb vergeben oder entziehen."),
    (r"^(choose at least one role|unknown (or missing )?roles)", "rollen", "Bitte wählen Sie mindestens eine Rolle."),
    (r"^group '.*' exists already", "name", "Eine Gruppe mit diesem Namen gibt es schon."),
    (r"^group name must be", "name", "Der Name muss 1 bis 200 Zeichen lang sein, ohne Steuerzeichen."),
    (r"^candidate group must be", "bahnen",
     "Jede Bahn oder Kandidatengruppe muss 1 bis 200 Zeichen lang sein, ohne Steuerzeichen."),
    (r"^password must have at least", "neues_passwort", "Das Passwort muss mindestens 10 Zeichen lang sein."),
    (r"^password must have at most", "neues_passwort", "Das Passwort darf höchstens 200 Zeichen lang sein."),
    (r"^the current password is wrong", "aktuelles_passwort", "Das aktuelle Passwort stimmt nicht."),
    (r"^the new password must differ", "neues_passwort",
     "Das neue Passwort muss sich vom bisherigen unterscheiden."),
    (r"^a token label must be", "bezeichnung", "Die Bezeichnung darf höchstens 100 Zeichen lang sein."),
    (r"^authority slug", "kuerzel",
     "Das Kürzel muss 2 bis 63 Zeichen lang sein: Kleinbuchstaben, Ziffern und Bindestriche, am Anfang kein "
     "Bindestrich."),
    (r"^authority name must be", "behoerdenname", "Der Name muss 1 bis 200 Zeichen lang sein."),
    (r"^authority '.*' exists already", "kuerzel", "Eine Behörde mit diesem Kürzel gibt es schon."),
    (r"^a substitute must belong", "vertretung", "Die Vertretung muss zu Ihrer Behörde gehören."),
    (r"^nobody can substitute for themselves", "vertretung", "Niemand kann sich selbst vertreten."),
    (r"is deactivated and cannot substitute", "vertretung", "Dieses Konto ist deaktiviert und kann nicht vertreten."),
    (r"works no tasks", "vertretung",
     "Diese Person bearbeitet keine Aufgaben (ihr fehlt die Rolle Sachbearbeitung oder Fachaufsicht)."),
    (r"^(the last day of an absence|a substitution must end)", "bis",
     "Der letzte Tag darf nicht vor dem ersten Tag liegen."),
    (r"^dates of an absence must lie between", "von", "Bitte geben Sie ein Datum zwischen 1900 und 9000 an."),
    (r"^this absence would be over already", "bis", "Der letzte Tag darf nicht in der Vergangenheit liegen."),
    (r"^this absence has ended already", "_form", "Diese Abwesenheit ist bereits beendet."),
    (r"^groups must be a non-empty list", "gruppen", "Bitte wählen Sie mindestens eine Gruppe."),
    (r"^a unit with the code '.*' exists already", "kennzeichen", "Eine Einheit mit diesem Kennzeichen gibt es schon."),
    (r"'code' must be at most|'code' is required", "kennzeichen",
     "Das Kennzeichen muss 1 bis 40 Zeichen lang sein, ohne Steuerzeichen."),
    (r"'title' must be at most|'title' is required", "titel", "Der Titel muss 1 bis 300 Zeichen lang sein."),
    (r"retention_years must be", "aufbewahrung",
     "Die Aufbewahrungsfrist muss zwischen 1 und 500 Jahren liegen oder „dauernd“ sein."),
    (r"disposal must be one of", "aussonderung", "Bitte wählen Sie A, B oder V."),
    (r"confidentiality must be one of", "vertraulichkeit", "Bitte wählen Sie eine Vertraulichkeitsstufe."),
    (r"the process key .* must be text", "verfahren", "Der Prozessschlüssel muss 1 bis 200 Zeichen lang sein."),
    (r"^no file plan unit", "einheit", "Diese Einheit gibt es im Aktenplan nicht."),
    (r"is deactivated already", "_form", "Dieses Konto ist bereits deaktiviert."),
    (r"^you cannot deactivate yourself", "_form",
     "Sie können Ihr eigenes Konto nicht deaktivieren. Bitten Sie eine andere Person mit der Rolle Administration."),
    (r"is active$", "_form", "Dieses Konto ist aktiv."),
    (r"is deactivated; reactivate", "_form", "Dieses Konto ist deaktiviert. Aktivieren Sie es zuerst wieder."),
    (r"^user '.*' is deactivated$", "_form", "Dieses Konto ist deaktiviert."),
    (r"^this API token is revoked already", "_form", "Dieser Schlüssel ist bereits widerrufen."),
    (r"^no user '", "_form", "Diese Person gibt es in Ihrer Behörde nicht."),
    (r"^no group '", "_form", "Diese Gruppe gibt es in Ihrer Behörde nicht."),
]
_COMPILED = [(re.compile(pattern), field, text) for pattern, field, text in _RULES]
FALLBACK = "Die Änderung ist so nicht möglich. Bitte prüfen Sie Ihre Eingaben."


def german_problem(exc: EngineError | EakteError) -> tuple[str, str]:
    """Return (field id, German message) for a refused change; the field is ``_form`` if none fits."""
    for pattern, field, text in _COMPILED:
        if pattern.search(exc.message):
            return field, text
    return "_form", FALLBACK
