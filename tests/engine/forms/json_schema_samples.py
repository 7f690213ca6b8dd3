"""JSON Schema forms for API-only use: the bundled procedures' former forms, kept as samples of the JSON Schema format.

The bundled procedures now ship form-js forms in their packages (bpmn/<procedure>/*.form); these JSON Schema
versions say the same and are used to show that both formats behave alike (tests/engine/forms/test_parity.py).
"""

FACHBEHOERDEN = ["Brandschutzdienststelle", "Untere Naturschutzbehörde", "Untere Denkmalschutzbehörde", "Gemeinde"]

VOLLSTAENDIGKEIT_PRUEFEN = {
    "type": "object",
    "title": "Vollständigkeit prüfen",
    "required": ["vollstaendig"],
    "properties": {
        "vollstaendig": {"type": "boolean", "title": "Die Bauvorlagen sind vollständig"},
        "fehlende_unterlagen": {"type": "string", "title": "Fehlende Unterlagen", "maxLength": 2000,
                                "description": "Nur ausfüllen, wenn Unterlagen fehlen."},
        "frist_tage": {"type": "integer", "title": "Frist für die Nachreichung (Tage)", "minimum": 1, "maximum": 90,
                       "default": 28},
        "gebaeudeart": {"type": "string", "title": "Art des Vorhabens (für die Gebühr)",
                        "enum": ["Wohngebäude", "Nebengebäude", "Gewerbe", "Sonstige"]},
        "rohbausumme": {"type": "number", "title": "Rohbausumme", "minimum": 0, "x-unit": "EUR"},
    },
    "if": {"properties": {"vollstaendig": {"const": False}}},
    "then": {"required": ["fehlende_unterlagen", "frist_tage"],
             "properties": {"fehlende_unterlagen": {"minLength": 3}}},
    "else": {"required": ["gebaeudeart", "rohbausumme"]},
}

BETEILIGUNG_FESTLEGEN = {
    "type": "object",
    "title": "Beteiligung festlegen",
    "required": ["fachbehoerden", "beteiligungsfrist"],
    "properties": {
        "fachbehoerden": {
            "type": "array", "title": "Zu beteiligende Stellen", "uniqueItems": True,
            "items": {"type": "string", "enum": FACHBEHOERDEN},
        },
        "beteiligungsfrist": {"type": "string", "format": "duration", "x-duration-units": ["D"],
                              "title": "Frist der Beteiligung", "pattern": "^P[0-9]+D$", "default": "P30D",
                              "description": "In Tagen; üblich ist ein Monat (30 Tage). Schweigen gilt danach als "
                                             "Zustimmung."},
    },
}

STELLUNGNAHME_ABGEBEN = {
    "type": "object",
    "title": "Stellungnahme abgeben",
    "required": ["ergebnis", "begruendung"],
    "properties": {
        "ergebnis": {"type": "string", "title": "Ergebnis",
                     "enum": ["Zustimmung", "Zustimmung mit Nebenbestimmungen", "Ablehnung"]},
        "begruendung": {"type": "string", "title": "Begründung", "minLength": 3, "maxLength": 5000},
    },
}

STELLUNGNAHMEN = {
    "type": "array", "readOnly": True, "title": "Stellungnahmen der beteiligten Stellen",
    "items": {"type": "object", "properties": {
        "behoerde": {"type": "string", "title": "Stelle"},
        "ergebnis": {"type": "string", "title": "Ergebnis"},
        "begruendung": {"type": "string", "title": "Begründung"},
        "fiktion": {"type": "boolean", "title": "Zustimmung durch Schweigen"},
    }},
}

BEBAUUNGSPLAN = {
    "type": "object", "readOnly": True, "title": "Ergebnis der Bauleitplanung",
    "properties": {
        "plan_name": {"type": "string", "title": "Bebauungsplan"},
        "plan_number": {"type": "string", "title": "Plannummer"},
        "zone_label": {"type": "string", "title": "Gebietsart"},
        "grz": {"type": "number", "title": "Grundflächenzahl (GRZ)"},
        "gfz": {"type": "number", "title": "Geschossflächenzahl (GFZ)"},
        "max_storeys": {"type": "integer", "title": "Vollgeschosse höchstens"},
        "in_force_since": {"type": "string", "format": "date", "title": "In Kraft seit"},
        "planning_area": {"type": "string", "title": "Planungsrechtliche Lage (ohne Bebauungsplan)"},
    },
}

ENTSCHEIDEN = {
    "type": "object",
    "title": "Über den Bauantrag entscheiden",
    "required": ["entscheidung", "begruendung"],
    "properties": {
        "rueckgabe_begruendung": {"type": "string", "title": "Zurückgegeben von der Amtsleitung mit der Begründung",
                                  "readOnly": True},
        "stellungnahmen": STELLUNGNAHMEN,
        "bebauungsplan": BEBAUUNGSPLAN,
        "gebuehr": {"type": "number", "readOnly": True, "x-unit": "EUR", "title": "Gebühr nach der Gebührenordnung"},
        "tarifstelle": {"type": "string", "readOnly": True, "title": "Tarifstelle"},
        "entscheidung": {"type": "string", "title": "Entscheidung",
                         "enum": ["Genehmigung", "Genehmigung mit Auflagen", "Ablehnung"]},
        "auflagen": {"type": "string", "title": "Auflagen und Nebenbestimmungen", "maxLength": 5000},
        "begruendung": {"type": "string", "title": "Begründung", "minLength": 3, "maxLength": 10000},
    },
    "if": {"properties": {"entscheidung": {"const": "Genehmigung mit Auflagen"}}},
    "then": {"required": ["auflagen"]},
}

# Four-eyes check of a refusal: the decision and its reasons are shown read-only (task context); the
# supervisor releases it or returns it to the clerk who decided, with a reason the clerk then sees.
FREIGEBEN, ZURUECKGEBEN = "freigeben", "zurückgeben"
ABLEHNUNG_FREIGEBEN = {
    "type": "object",
    "title": "Ablehnung freigeben",
    "required": ["freigabe"],
    "properties": {
        "entscheidung": {"type": "string", "title": "Entscheidung der Sachbearbeitung", "readOnly": True},
        "begruendung": {"type": "string", "title": "Begründung der Entscheidung", "readOnly": True},
        "auflagen": {"type": "string", "title": "Auflagen und Nebenbestimmungen", "readOnly": True},
        "freigabe": {"type": "string", "title": "Ihre Entscheidung", "x-widget": "radio",
                     "oneOf": [{"const": FREIGEBEN, "title": "Ablehnung freigeben: der Ablehnungsbescheid wird erstellt"},
                               {"const": ZURUECKGEBEN, "title": "An die Sachbearbeitung zurückgeben, die entschieden hat"}]},
        "freigabe_begruendung": {"type": "string", "title": "Begründung der Rückgabe", "maxLength": 2000,
                                 "description": "Nur beim Zurückgeben: Was soll geändert oder geprüft werden?"},
    },
    "if": {"properties": {"freigabe": {"const": ZURUECKGEBEN}}, "required": ["freigabe"]},
    "then": {"required": ["freigabe_begruendung"], "properties": {"freigabe_begruendung": {"minLength": 3}}},
}

_ADDRESS = {
    "type": "object", "title": "Anschrift", "required": ["street", "postal_code", "city"],
    "properties": {
        "street": {"type": "string", "title": "Straße und Hausnummer", "minLength": 1, "maxLength": 200},
        "postal_code": {"type": "string", "title": "Postleitzahl", "pattern": "^[0-9]{5}$"},
        "city": {"type": "string", "title": "Ort", "minLength": 1, "maxLength": 120},
    },
}

BAUANTRAG_ERFASSEN = {
    "type": "object",
    "title": "Bauantrag erfassen",
    "description": "Ein Bauantrag, der auf Papier oder am Schalter eingegangen ist; die Bauvorlagen als Anlagen.",
    "required": ["antragsteller", "vorhaben", "grundstueck"],
    "properties": {
        "antragsteller": {
            "type": "object", "title": "Antragsteller/in", "required": ["type", "name", "address"],
            "properties": {
                "type": {"type": "string", "title": "Art", "x-widget": "radio", "default": "person",
                         "oneOf": [{"const": "person", "title": "Privatperson"},
                                   {"const": "organisation", "title": "Unternehmen oder Organisation"}]},
                "name": {"type": "string", "title": "Name", "minLength": 2, "maxLength": 200},
                "address": _ADDRESS,
                "email": {"type": "string", "format": "email", "title": "E-Mail", "maxLength": 200},
                "phone": {"type": "string", "title": "Telefon", "maxLength": 40},
            },
        },
        "vorhaben": {
            "type": "object", "title": "Vorhaben", "required": ["description"],
            "properties": {
                "description": {"type": "string", "title": "Bezeichnung des Vorhabens", "minLength": 3,
                                "maxLength": 1000},
                "type": {"type": "string", "title": "Art der Maßnahme",
                         "enum": ["Errichtung", "Änderung", "Nutzungsänderung", "Beseitigung"]},
            },
        },
        "grundstueck": {
            "type": "object", "title": "Baugrundstück", "required": ["gemarkung", "flur", "flurstueck"],
            "properties": {
                "gemarkung": {"type": "string", "title": "Gemarkung", "minLength": 1, "maxLength": 120},
                "flur": {"type": "string", "title": "Flur", "pattern": "^[0-9]{1,4}$"},
                "flurstueck": {"type": "string", "title": "Flurstück", "pattern": "^[0-9]{1,6}(/[0-9]{1,4})?$",
                               "description": "Zähler oder Zähler/Nenner, z. B. 17/2"},
            },
        },
    },
}
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

EHESCHLIESSUNG_ANMELDEN = {
    "type": "object",
    "title": "Eheschließung anmelden",
    "required": ["partner_1", "partner_2"],
    "properties": {
        "partner_1": _person("Erste Person", address=True),
        "partner_2": _person("Zweite Person"),
    },
}


FORMS = {
    ("baugenehmigung", "start"): BAUANTRAG_ERFASSEN,
    ("baugenehmigung", "vollstaendigkeit_pruefen"): VOLLSTAENDIGKEIT_PRUEFEN,
    ("baugenehmigung", "beteiligung_festlegen"): BETEILIGUNG_FESTLEGEN,
    ("baugenehmigung", "stellungnahme_abgeben"): STELLUNGNAHME_ABGEBEN,
    ("baugenehmigung", "entscheiden"): ENTSCHEIDEN,
    ("baugenehmigung", "ablehnung_freigeben"): ABLEHNUNG_FREIGEBEN,
    ("geburt", "start"): GEBURT_ANZEIGEN,
    ("geburt", "anzeige_pruefen"): ANZEIGE_PRUEFEN,
    ("geburt", "wohnsitz_klaeren"): WOHNSITZ_KLAEREN,
    ("geburt", "namen_bestimmen"): NAMEN_BESTIMMEN,
    ("eheschliessung", "start"): EHESCHLIESSUNG_ANMELDEN,
    ("eheschliessung", "unterlagen_pruefen"): UNTERLAGEN_PRUEFEN,
    ("eheschliessung", "termin_festlegen"): TERMIN_FESTLEGEN,
    ("eheschliessung", "trauung_durchfuehren"): TRAUUNG_DURCHFUEHREN,
}
"""(procedure, BPMN element id) -> the JSON Schema form the bundled procedure used before its form-js form."""
