"""Forms (JSON Schema, German labels) of the civil status procedures' start events and human tasks."""

GEBURT = "geburt"
EHESCHLIESSUNG = "eheschliessung"

# A name as the register keeps it: Latin letters with diacritics (ASCII, Latin-1, Latin Extended-A/B and
# Additional), parts joined by a single space, hyphen or apostrophe; no digits or symbols. Written with explicit
# ranges so that Python's and a browser's regular expressions agree.
_LETTER = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
NAME_PATTERN = f"^[{_LETTER}]+(?:[ '\\-][{_LETTER}]+)*$"
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

NACHWEISE_GEBURT = ["Geburtsbescheinigung der Klinik oder Hebamme", "Ausweisdokumente der Eltern",
                    "Geburtsurkunden der Eltern", "Eheurkunde der Eltern", "Vaterschaftsanerkennung",
                    "Sorgeerklärung"]
NAMENSGRUNDLAGEN = ["Ehename der Eltern (§ 1616 BGB)", "Bestimmung durch die Eltern (§ 1617 BGB)",
                    "Name des allein sorgeberechtigten Elternteils (§ 1617a BGB)"]
TRAUORTE = ["Trauzimmer im Standesamt", "Schloss Schwerin, Trausaal", "Rathaus, Festsaal"]

ANZEIGE_PRUEFEN = {
    "type": "object",
    "title": "Geburtsanzeige prüfen",
    "required": ["identitaet_geprueft", "nachweise", "vater_eintragen"],
    "properties": {
        "identitaet_geprueft": {"type": "boolean", "const": True,
                                "title": "Die Identität der Eltern ist geprüft"},
        "nachweise": {"type": "array", "title": "Vorgelegte Nachweise", "minItems": 1, "uniqueItems": True,
                      "items": {"type": "string", "enum": NACHWEISE_GEBURT}},
        "vater_eintragen": {"type": "boolean", "title": "Der Vater wird eingetragen (Ehe oder Anerkennung)"},
        "anmerkung": {"type": "string", "title": "Anmerkung", "maxLength": 2000},
    },
}

WOHNSITZ_KLAEREN = {
    "type": "object",
    "title": "Wohnsitz klären",
    "required": ["wohnsitz", "klaerung"],
    "properties": {
        "wohnsitz": {"type": "string", "title": "Wohnsitz der Mutter (Anschrift)", "minLength": 5, "maxLength": 300},
        "klaerung": {"type": "string", "title": "Wie wurde der Wohnsitz geklärt?", "minLength": 3,
                     "maxLength": 2000},
    },
}

NAMEN_BESTIMMEN = {
    "type": "object",
    "title": "Namen des Kindes bestimmen",
    "required": ["vornamen", "familienname", "namensgrundlage"],
    "properties": {
        "vornamen": {"type": "array", "title": "Vornamen in der bestimmten Reihenfolge", "minItems": 1,
                     "maxItems": 5, "items": {"type": "string", "minLength": 1, "maxLength": 50,
                                              "pattern": NAME_PATTERN}},
        "familienname": {"type": "string", "title": "Geburtsname", "minLength": 1, "maxLength": 100,
                         "pattern": NAME_PATTERN},
        "namensgrundlage": {"type": "string", "title": "Rechtsgrundlage der Namensführung",
                            "enum": NAMENSGRUNDLAGEN},
    },
}

UNTERLAGEN_PRUEFEN = {
    "type": "object",
    "title": "Unterlagen zur Eheschließung prüfen",
    "required": ["vollstaendig"],
    "properties": {
        "vollstaendig": {"type": "boolean",
                         "title": "Die Unterlagen sind vollständig, die Ehefähigkeit ist geprüft"},
        "fehlende_unterlagen": {"type": "string", "title": "Fehlende Unterlagen", "maxLength": 2000,
                                "description": "Nur ausfüllen, wenn Unterlagen fehlen."},
        "frist_tage": {"type": "integer", "title": "Frist für die Nachreichung (Tage)", "minimum": 1, "maximum": 180,
                       "default": 28},
    },
    "if": {"properties": {"vollstaendig": {"const": False}}},
    "then": {"required": ["fehlende_unterlagen", "frist_tage"],
             "properties": {"fehlende_unterlagen": {"minLength": 3}}},
}

TERMIN_FESTLEGEN = {
    "type": "object",
    "title": "Trautermin festlegen",
    "required": ["trautermin", "uhrzeit", "trauort"],
    "properties": {
        "trautermin": {"type": "string", "format": "date", "title": "Datum der Eheschließung",
                       "pattern": DATE_PATTERN},
        "uhrzeit": {"type": "string", "format": "time", "title": "Uhrzeit", "pattern": TIME_PATTERN},
        "trauort": {"type": "string", "title": "Trauort", "enum": TRAUORTE},
    },
}

TRAUUNG_DURCHFUEHREN = {
    "type": "object",
    "title": "Eheschließung vornehmen",
    "required": ["eheschliessung_erfolgt"],
    "properties": {
        "eheschliessung_erfolgt": {"type": "boolean", "title": "Die Ehe wurde geschlossen"},
        "ehename": {"type": "string", "title": "Bestimmter Ehename (weglassen: keine Bestimmung)", "maxLength": 100,
                    "pattern": NAME_PATTERN},
        "trauzeugen": {"type": "array", "title": "Trauzeuginnen und Trauzeugen", "maxItems": 2,
                       "items": {"type": "string", "minLength": 3, "maxLength": 200}},
        "grund": {"type": "string", "title": "Grund, wenn die Eheschließung nicht stattfand", "maxLength": 2000},
    },
    "if": {"properties": {"eheschliessung_erfolgt": {"const": False}}},
    "then": {"required": ["grund"], "properties": {"grund": {"minLength": 3}}},
}


def _person(title: str, required: tuple[str, ...] = ("family_name", "given_names", "birth_date"),
            address: bool = False) -> dict:
    properties = {
        "family_name": {"type": "string", "title": "Familienname", "minLength": 1, "maxLength": 100,
                        "pattern": NAME_PATTERN},
        "given_names": {"type": "string", "title": "Vornamen", "minLength": 1, "maxLength": 200},
        "birth_date": {"type": "string", "format": "date", "title": "Geburtsdatum", "pattern": DATE_PATTERN},
        "birth_place": {"type": "string", "title": "Geburtsort", "maxLength": 120},
    }
    if address:
        properties["address"] = {
            "type": "object", "title": "Anschrift", "required": ["street", "postal_code", "city"],
            "properties": {
                "street": {"type": "string", "title": "Straße und Hausnummer", "minLength": 1, "maxLength": 200},
                "postal_code": {"type": "string", "title": "Postleitzahl", "pattern": "^[0-9]{5}$"},
                "city": {"type": "string", "title": "Ort", "minLength": 1, "maxLength": 120},
            },
        }
    return {"type": "object", "title": title, "required": list(required), "properties": properties}


GEBURT_ANZEIGEN = {
    "type": "object",
    "title": "Geburt anzeigen",
    "description": "Geburtsanzeige am Schalter des Standesamts (oder auf Papier von der Klinik).",
    "required": ["kind", "mutter", "anzeigende_stelle"],
    "properties": {
        "kind": {
            "type": "object", "title": "Kind", "required": ["sex", "birth_date", "birth_place"],
            "properties": {
                "sex": {"type": "string", "title": "Geschlecht", "x-widget": "radio",
                        "enum": ["weiblich", "männlich", "divers", "ohne Angabe"]},
                "birth_date": {"type": "string", "format": "date", "title": "Geburtsdatum", "pattern": DATE_PATTERN},
                "birth_time": {"type": "string", "format": "time", "title": "Uhrzeit der Geburt",
                               "pattern": TIME_PATTERN},
                "birth_place": {"type": "string", "title": "Geburtsort", "minLength": 1, "maxLength": 120},
                "facility": {"type": "string", "title": "Klinik oder Einrichtung", "maxLength": 200},
            },
        },
        "mutter": _person("Mutter"),
        "vater": {**_person("Vater"), "description": "Nur ausfüllen, wenn der Vater angegeben wird."},
        "anzeigende_stelle": {"type": "string", "title": "Anzeigende Stelle oder Person", "minLength": 2,
                              "maxLength": 200},
    },
}
"""Start form of a birth notification at the registry office's counter (the data geburt.bpmn starts with)."""

EHESCHLIESSUNG_ANMELDEN = {
    "type": "object",
    "title": "Eheschließung anmelden",
    "required": ["partner_1", "partner_2"],
    "properties": {
        "partner_1": _person("Erste Person", address=True),
        "partner_2": _person("Zweite Person"),
    },
}
"""Start form of a registration of intent to marry (the data eheschliessung.bpmn starts with)."""

FORMS = {
    GEBURT: {
        "start": GEBURT_ANZEIGEN,
        "anzeige_pruefen": ANZEIGE_PRUEFEN,
        "wohnsitz_klaeren": WOHNSITZ_KLAEREN,
        "namen_bestimmen": NAMEN_BESTIMMEN,
    },
    EHESCHLIESSUNG: {
        "start": EHESCHLIESSUNG_ANMELDEN,
        "unterlagen_pruefen": UNTERLAGEN_PRUEFEN,
        "termin_festlegen": TERMIN_FESTLEGEN,
        "trauung_durchfuehren": TRAUUNG_DURCHFUEHREN,
    },
}
