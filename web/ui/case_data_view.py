"""Case data as clerks read it: labelled by the forms that produced it, values formatted, no ids or hashes.

Case data comes from start forms and task forms, from intake (XBau, portal)
and from specialist systems, so its keys are technical names. A key is named
by the label of the form field that binds it (``engine.forms.data_labels`` over
every form of the case's definition), else by a German label known for the
bundled procedures and their specialist systems, else by the key with spaces
for underscores. Values are formatted for the field's kind (money with €,
durations in words "30 Tage", dates as TT.MM.JJJJ, ja/nein) with line breaks
kept; ids, hashes and links to documents belong to the document details and
are left out. Everything is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from engine.forms import DataLabel
from web.ui.formatting import CHANNEL_LABELS
from web.ui.forms.display import format_html

LABELS = {
    "abrufbar_bis": "Abrufbar bis", "address": "Anschrift", "aktenzeichen": "Aktenzeichen", "anlagen": "Anlagen",
    "antragsteller": "Antragsteller/in", "area_m2": "Fläche (m²)", "art": "Art",
    "aufbewahrung_bis": "Aufbewahrung bis", "bebauungsplan": "Bebauungsplan", "begruendung": "Begründung",
    "behoerde": "Behörde", "bereitgestellt_am": "Bereitgestellt am", "bescheid": "Bescheid",
    "beteiligungsfrist": "Beteiligungsfrist", "building_type": "Gebäudeart", "channel": "Eingangskanal",
    "city": "Ort", "datum": "Datum", "description": "Beschreibung", "eingang": "Eingang",
    "eingangsbestaetigung": "Eingangsbestätigung", "birth_date": "Geburtsdatum", "birth_place": "Geburtsort",
    "birth_time": "Uhrzeit der Geburt", "given_names": "Vornamen", "family_name": "Familienname", "sex": "Geschlecht",
    "email": "E-Mail", "entscheidung": "Entscheidung", "ergebnis": "Ergebnis", "fachbehoerden": "Fachbehörden",
    "fiktion": "Zustimmung durch Schweigen", "filename": "Dateiname", "flur": "Flur", "flurstueck": "Flurstück",
    "found": "gefunden", "frist": "Frist", "frist_bis": "Frist bis", "frist_tage": "Frist (Tage)",
    "gebaeudeart": "Gebäudeart", "gebuehr": "Gebühr", "gemarkung": "Gemarkung", "geschlossen_am": "Geschlossen am",
    "gfz": "Geschossflächenzahl (GFZ)", "grundstueck": "Grundstück", "grz": "Grundflächenzahl (GRZ)",
    "house_number": "Hausnummer", "in_force_since": "In Kraft seit", "kind": "Art", "land_use": "Nutzung",
    "max_storeys": "Höchstzahl der Vollgeschosse", "measures": "Maßnahmen", "municipality": "Gemeinde",
    "name": "Name", "owner": "Eigentümer/in", "owner_type": "Art der Eigentümerschaft",
    "parcel_id": "Flurstückskennzeichen", "personen": "Personen", "phone": "Telefon", "plan_name": "Planname",
    "plan_number": "Plannummer", "planning_area": "Planungsrechtliche Lage", "postal_code": "Postleitzahl",
    "receipt_number": "Eingangsnummer", "register": "Register", "registernummer": "Registernummer",
    "rohbausumme": "Rohbausumme", "rolle": "Rolle", "status": "Status", "standesamt": "Standesamt",
    "stellungnahme": "Stellungnahme", "stellungnahmen": "Stellungnahmen", "street": "Straße",
    "tarifstelle": "Tarifstelle", "title": "Titel", "type": "Typ", "version": "Version",
    "vollstaendig": "Vollständig", "vorhaben": "Vorhaben", "weitere_grundstuecke": "Weitere Grundstücke",
    "zda": "zdA", "zone_label": "Gebietsbezeichnung", "zone_type": "Gebietsart", "zustellung": "Zustellung",
    "zustellungen": "Zustellungen", "beurkundet_am": "Beurkundet am", "beurkundung": "Beurkundung",
    "titel": "Titel", "vorlage": "Vorlage", "bescheid_dokument": "Bescheid (Dokument)",
    "gebuehrenfestsetzung": "Gebührenfestsetzung", "gebuehrenbescheid": "Gebührenbescheid",
    "betrag": "Betrag", "zweck": "Zweck", "nachforderungsschreiben": "Nachforderungsschreiben",
    "ruecknahmebescheid": "Rücknahmebescheid", "einstellung": "Einstellung",
    "terminbestaetigung": "Terminbestätigung", "uhrzeit": "Uhrzeit", "trauort": "Trauort",
    "ehename": "Ehename", "eheschliessung_am": "Eheschließung am",
    "kassenzeichen": "Kassenzeichen", "entschieden_von": "Entschieden von", "meldedaten_mutter": "Meldedaten der Mutter",
    "meldedaten_vater": "Meldedaten des Vaters", "message": "Meldung", "nationality": "Staatsangehörigkeit",
    "registered_since": "Gemeldet seit", "registration": "Wohnung", "mitteilung_meldebehoerde":
    "Mitteilung an die Meldebehörde", "mitteilung_statistik": "Mitteilung an das Statistische Amt",
    "received_at": "Eingegangen am", "registry_office": "Standesamt", "urkunde": "Urkunde", "termin": "Termin",
    "beginn": "Beginn", "nachforderung": "Nachforderung", "nachreichung": "Nachreichung", "dokumente": "Dokumente",
    "betreff": "Betreff", "typ": "Art", "dateiname": "Dateiname", "eingangskanal": "Eingangskanal",
}
"""German labels of the keys that the bundled procedures and their specialist systems use."""

VALUE_LABELS = {"channel": CHANNEL_LABELS, "eingangskanal": CHANNEL_LABELS,
                "status": {"received": "eingegangen", "missing": "fehlt", "requested": "nachgefordert"}}
"""German words for the values of keys that hold one of a few codes (where no form offers them as options)."""

MONEY_KEYS = {"gebuehr", "rohbausumme", "betrag"}
"""Keys holding euro amounts where no form says so (the fee comes from the decision table)."""

_HIDDEN_KEYS = {"id", "sha256", "content_hash", "message_id", "service_reference", "link", "links", "token"}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_HASH = re.compile(r"^[0-9a-f]{40,}$", re.I)


def label(key: str, labels: Mapping[str, DataLabel] | None = None, path: str | None = None) -> str:
    """Return the German label of a data key: from the forms (by ``path``), the known keys, or the key itself."""
    known = (labels or {}).get(path or key)
    if known:
        return known.label
    return LABELS.get(key) or key.replace("_", " ")


def hidden(key: str, value) -> bool:
    """Tell whether a value is technical (an id, a hash, a link): it belongs to the document details."""
    if key in _HIDDEN_KEYS or key.endswith("_id") or key.endswith("_ids"):
        return True
    return isinstance(value, str) and bool(_UUID.match(value) or _HASH.match(value))


def render_case_data(data: dict, labels: Mapping[str, DataLabel] | None = None) -> Markup:
    """Render the whole case data as a definition list, labelled and ordered by label."""
    return _object(data, labels or {}, "", "data")


def render_value(value, labels: Mapping[str, DataLabel] | None = None, path: str = "") -> Markup:
    """Render a case data value as HTML: scalars formatted, objects as definition lists, lists as lists."""
    labels = labels or {}
    if isinstance(value, dict):
        return _object(value, labels, path, "data nested") if value else Markup("–")
    if isinstance(value, list):
        if not value:
            return Markup("keine")
        item_path = f"{path}.*" if path else "*"
        if all(not isinstance(item, (dict, list)) for item in value):
            return Markup(", ").join(render_value(item, labels, item_path) for item in value)
        return Markup("<ol>" + "".join(f"<li>{render_value(item, labels, item_path)}</li>" for item in value) + "</ol>")
    known = labels.get(path)
    if known and known.options:
        chosen = known.option_label(value)
        if chosen is not None:
            return escape(chosen)
    key = path.rsplit(".", 1)[-1]
    if isinstance(value, str) and value in VALUE_LABELS.get(key, {}):
        return escape(VALUE_LABELS[key][value])
    kind = known.kind if known else ("money" if key in MONEY_KEYS else None)
    return format_html(value, kind, known.unit if known else None)


def _object(value: dict, labels: Mapping[str, DataLabel], path: str, css: str) -> Markup:
    entries = []
    for key, item in value.items():
        if hidden(key, item):
            continue
        item_path = f"{path}.{key}" if path else key
        entries.append((label(key, labels, item_path), render_value(item, labels, item_path)))
    if not entries:
        return Markup("–")
    items = "".join(f"<dt>{escape(name)}</dt><dd>{html}</dd>" for name, html in sorted(entries, key=lambda e: e[0].lower()))
    return Markup(f'<dl class="{css}">{items}</dl>')
