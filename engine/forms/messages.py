"""German validation messages for the problems jsonschema finds, worded for the field that has them."""

from __future__ import annotations

from engine.forms.model import Field


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else str(value)
    return text.replace(".", ",").replace("\u202f", ".")


def german_message(error, field: Field | None = None) -> str:
    """Return the German message of a jsonschema error; ``field`` (if known) refines it."""
    value = error.validator_value
    kind = field.kind if field else None
    validator = error.validator
    if validator == "required":
        return "Dieses Feld ist ein Pflichtfeld."
    if validator == "const" and value is True:
        return "Bitte bestätigen Sie dies durch Ankreuzen."
    if validator in ("minItems", "maxItems"):
        what = "Einträge" if kind in ("checklist", "taglist") else "Zeilen"
        if kind in ("checklist", "taglist"):
            if validator == "minItems":
                return f"Bitte mindestens {value} Eintrag wählen." if value == 1 else \
                    f"Bitte mindestens {value} {what} wählen."
            return f"Bitte höchstens {value} {what} wählen."
        if validator == "minItems":
            return "Bitte mindestens eine Zeile ausfüllen." if value == 1 else f"Bitte mindestens {value} Zeilen ausfüllen."
        return f"Bitte höchstens {value} Zeilen angeben."
    if validator == "pattern":
        if field and field.pattern_message:
            return field.pattern_message
        if kind == "duration":
            return "Bitte eine Dauer als ganze Zahl mit Einheit angeben (z. B. 30 Tage)."
        if kind in ("date", "datetime"):
            return "Bitte ein gültiges Datum eingeben."
        if kind == "time":
            return "Bitte eine Uhrzeit im Format HH:MM eingeben."
        if field and field.validation_type == "email":
            return "Bitte eine gültige E-Mail-Adresse eingeben (z. B. name@example.de)."
        if field and field.validation_type == "phone":
            return "Bitte eine gültige Telefonnummer eingeben (Ziffern, Leerzeichen, +, /, -)."
        return "Der Wert hat nicht das verlangte Format."
    if validator == "minLength" and value == 1:
        return "Dieses Feld ist ein Pflichtfeld."
    money = " €" if kind == "money" else ""
    messages = {
        "type": "Der Wert hat nicht die erwartete Art.",
        "enum": "Bitte einen der angebotenen Werte wählen.",
        "minimum": f"Der Wert muss mindestens {_number(value)}{money} sein.",
        "maximum": f"Der Wert darf höchstens {_number(value)}{money} sein.",
        "exclusiveMinimum": f"Der Wert muss größer als {_number(value)}{money} sein.",
        "exclusiveMaximum": f"Der Wert muss kleiner als {_number(value)}{money} sein.",
        "minLength": f"Bitte mindestens {value} Zeichen eingeben.",
        "maxLength": f"Bitte höchstens {value} Zeichen eingeben.",
        "const": "Dieser Wert ist hier nicht zulässig.",
        "uniqueItems": "Jeder Wert darf nur einmal vorkommen.",
        "additionalProperties": "Dieses Feld gehört nicht zum Formular.",
    }
    return messages.get(validator, f"Ungültiger Wert ({error.message}).")
