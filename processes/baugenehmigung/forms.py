"""Forms (JSON Schema, German labels) of the building permit's start event and human tasks."""

PROCESS_KEY = "baugenehmigung"

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

ABLEHNUNG_FREIGEBEN = {
    "type": "object",
    "title": "Ablehnung freigeben",
    "required": ["freigegeben"],
    "properties": {
        "freigegeben": {"type": "boolean", "title": "Ich gebe die Ablehnung frei"},
        "anmerkung": {"type": "string", "title": "Anmerkung", "maxLength": 2000},
    },
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
"""Start form of a building application that arrived on paper or at the counter (same data as the portal's)."""

FORMS = {
    "start": BAUANTRAG_ERFASSEN,
    "vollstaendigkeit_pruefen": VOLLSTAENDIGKEIT_PRUEFEN,
    "beteiligung_festlegen": BETEILIGUNG_FESTLEGEN,
    "stellungnahme_abgeben": STELLUNGNAHME_ABGEBEN,
    "entscheiden": ENTSCHEIDEN,
    "ablehnung_freigeben": ABLEHNUNG_FREIGEBEN,
}
