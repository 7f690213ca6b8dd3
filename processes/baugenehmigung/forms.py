"""Forms (JSON Schema, German labels) of the building permit's human tasks."""

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
        "rohbausumme": {"type": "number", "title": "Rohbausumme in Euro", "minimum": 0},
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
        "beteiligungsfrist": {"type": "string", "title": "Frist der Beteiligung (ISO 8601, z. B. P30D)",
                              "pattern": "^P[0-9]+D$", "default": "P30D"},
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

ENTSCHEIDEN = {
    "type": "object",
    "title": "Über den Bauantrag entscheiden",
    "required": ["entscheidung", "begruendung"],
    "properties": {
        "rueckgabe_begruendung": {"type": "string", "title": "Zurückgegeben von der Amtsleitung mit der Begründung",
                                  "readOnly": True},
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
        "freigabe": {"type": "string", "title": "Ihre Entscheidung", "enum": [FREIGEBEN, ZURUECKGEBEN],
                     "description": "Freigeben: Der Ablehnungsbescheid wird erstellt. Zurückgeben: Die Entscheidung "
                                    "geht an die Sachbearbeiterin oder den Sachbearbeiter zurück."},
        "freigabe_begruendung": {"type": "string", "title": "Begründung der Rückgabe", "maxLength": 2000,
                                 "description": "Nur beim Zurückgeben: Was soll geändert oder geprüft werden?"},
    },
    "if": {"properties": {"freigabe": {"const": ZURUECKGEBEN}}, "required": ["freigabe"]},
    "then": {"required": ["freigabe_begruendung"], "properties": {"freigabe_begruendung": {"minLength": 3}}},
}

FORMS = {
    "vollstaendigkeit_pruefen": VOLLSTAENDIGKEIT_PRUEFEN,
    "beteiligung_festlegen": BETEILIGUNG_FESTLEGEN,
    "stellungnahme_abgeben": STELLUNGNAHME_ABGEBEN,
    "entscheiden": ENTSCHEIDEN,
    "ablehnung_freigeben": ABLEHNUNG_FREIGEBEN,
}
