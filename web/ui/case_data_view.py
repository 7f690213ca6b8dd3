"""Case data as clerks read it: nested values as lists of labelled fields, not JSON.

Case data comes from intake (XBau, portal), from the forms of human tasks and
from specialist systems, so its keys are technical names. Known keys get a
German label; any other key is shown with its underscores as spaces. Dates in
ISO form are shown as ``TT.MM.JJJJ``, yes/no as "ja"/"nein", missing values as
"–". Everything is escaped.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from markupsafe import Markup, escape

from web.ui.formatting import datumzeit, zahl

LABELS = {
    "abrufbar_bis": "Abrufbar bis", "address": "Anschrift", "aktenzeichen": "Aktenzeichen", "anlagen": "Anlagen",
    "antragsteller": "Antragsteller/in", "area_m2": "Fläche (m²)", "art": "Art",
    "aufbewahrung_bis": "Aufbewahrung bis", "bebauungsplan": "Bebauungsplan", "begruendung": "Begründung",
    "behoerde": "Behörde", "bereitgestellt_am": "Bereitgestellt am", "bescheid": "Bescheid",
    "beteiligungsfrist": "Beteiligungsfrist", "building_type": "Gebäudeart", "channel": "Eingangskanal",
    "city": "Ort", "datum": "Datum", "description": "Beschreibung", "dokument_id": "Dokument",
    "dokument_ids": "Dokumente", "eingang": "Eingang", "eingangsbestaetigung": "Eingangsbestätigung",
    "email": "E-Mail", "entscheidung": "Entscheidung", "ergebnis": "Ergebnis", "fachbehoerden": "Fachbehörden",
    "fiktion": "Fiktion", "filename": "Dateiname", "flur": "Flur", "flurstueck": "Flurstück", "found": "gefunden",
    "gebaeudeart": "Gebäudeart", "gebuehr": "Gebühr", "gemarkung": "Gemarkung", "geschlossen_am": "Geschlossen am",
    "gfz": "Geschossflächenzahl (GFZ)", "grundstueck": "Grundstück", "grz": "Grundflächenzahl (GRZ)",
    "in_force_since": "In Kraft seit", "kind": "Art", "land_use": "Nutzung", "link": "Link",
    "max_storeys": "Höchstzahl der Vollgeschosse", "measures": "Maßnahmen", "municipality": "Gemeinde",
    "name": "Name", "owner": "Eigentümer/in", "owner_type": "Art der Eigentümerschaft", "parcel_id": "Flurstückskennzeichen",
    "phone": "Telefon", "plan_name": "Planname", "plan_number": "Plannummer", "postal_code": "Postleitzahl",
    "rohbausumme": "Rohbausumme", "sha256": "Prüfsumme (SHA-256)", "status": "Status",
    "stellungnahme": "Stellungnahme", "stellungnahmen": "Stellungnahmen", "street": "Straße",
    "tarifstelle": "Tarifstelle", "title": "Titel", "type": "Typ", "version": "Version",
    "vollstaendig": "Vollständig", "vorhaben": "Vorhaben", "weitere_grundstuecke": "Weitere Grundstücke",
    "zda": "zdA", "zone_label": "Gebietsbezeichnung", "zone_type": "Gebietsart", "zustellung": "Zustellung",
    "zustellung_id": "Zustellung", "zustellungen": "Zustellungen",
}
"""German labels of the keys that the bundled procedures and their specialist systems use."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def label(key: str) -> str:
    """Return the German label of a data key (the key with spaces for underscores if none is known)."""
    return LABELS.get(key) or key.replace("_", " ")


def render_value(value) -> Markup:
    """Render a case data value as HTML: scalars as text, objects as definition lists, lists as lists."""
    if isinstance(value, dict):
        if not value:
            return Markup("–")
        items = "".join(f"<dt>{escape(label(key))}</dt><dd>{render_value(item)}</dd>"
                        for key, item in sorted(value.items()))
        return Markup(f'<dl class="data nested">{items}</dl>')
    if isinstance(value, list):
        if not value:
            return Markup("keine")
        if all(not isinstance(item, (dict, list)) for item in value):
            return Markup(", ").join(render_value(item) for item in value)
        return Markup("<ol>" + "".join(f"<li>{render_value(item)}</li>" for item in value) + "</ol>")
    return escape(_scalar(value))


def _scalar(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return zahl(value)
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    text = str(value)
    if _ISO_MOMENT.fullmatch(text[:16]):
        return _moment(text)
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text).strftime("%d.%m.%Y")
        except ValueError:
            return text
    return text


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return datumzeit(moment) if moment.tzinfo else moment.strftime("%d.%m.%Y %H:%M")
