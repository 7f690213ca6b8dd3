"""Numbers as Germans write them: parsing what a person typed, and formatting values for the page.

The rules (the same for every number and money field):

- the decimal separator is the comma: "1234,5" is 1234.5;
- a dot separates thousands and must be followed by exactly three digits:
  "250.000" is 250000, "1.234,56" is 1234.56; any other dot ("1.5", "1.25")
  is refused with a message saying how to write the number, because "1.5"
  could mean one and a half or fifteen hundred written wrongly;
- spaces (also the narrow no-break space) and a trailing "€"/"EUR" are ignored;
- without a decimal part the value is an integer ("-5" stays -5, never -5.0);
  an integer field refuses a decimal part other than zeros, a money field more
  than two decimal places.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_PLAIN = re.compile(r"^[+-]?\d+(,\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")

DOT_MESSAGE = ("Bitte schreiben Sie Nachkommastellen mit Komma (z. B. 1,5). Ein Punkt trennt nur Tausender und "
               "steht vor genau drei Ziffern (z. B. 250.000).")


class NumberRefused(ValueError):
    """What was typed is not a number in German notation; the message says why, in German."""


def parse_number(text: str, *, integer: bool = False, decimal_digits: int | None = None) -> int | float:
    """Parse a German number; return an int when it has no decimal part.

    Raises:
        NumberRefused: with a German message explaining how to write it.
    """
    cleaned = _SPACES.sub("", text.strip())
    for unit in ("€", "EUR", "Euro"):
        cleaned = cleaned.removesuffix(unit)
    if _GROUPED.match(cleaned):
        cleaned = cleaned.replace(".", "")
    elif "." in cleaned:
        raise NumberRefused(DOT_MESSAGE)
    if not _PLAIN.match(cleaned):
        raise NumberRefused("Bitte eine ganze Zahl eingeben." if integer else
                            "Bitte eine Zahl eingeben (z. B. 1.234,56).")
    whole, _, fraction = cleaned.partition(",")
    if fraction.strip("0") == "":
        try:
            return int(whole)
        except ValueError as exc:  # pragma: no cover - the pattern only lets digits through
            raise NumberRefused("Bitte eine Zahl eingeben.") from exc
    if integer:
        raise NumberRefused("Bitte eine ganze Zahl eingeben (ohne Nachkommastellen).")
    if decimal_digits is not None and len(fraction.rstrip("0")) > decimal_digits:
        raise NumberRefused(f"Bitte höchstens {decimal_digits} Nachkommastellen eingeben." if decimal_digits != 1
                            else "Bitte höchstens eine Nachkommastelle eingeben.")
    try:
        return float(Decimal(f"{whole}.{fraction}"))
    except InvalidOperation as exc:  # pragma: no cover
        raise NumberRefused("Bitte eine Zahl eingeben.") from exc


def format_number(value: int | float, decimal_digits: int | None = None) -> str:
    """Format a number the German way: "250.000", "1.234,56"; ``decimal_digits`` fixes the decimals."""
    if isinstance(value, bool):
        return str(value)
    if decimal_digits is not None:
        text = f"{value:,.{decimal_digits}f}"
    elif isinstance(value, int) or float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{Decimal(repr(float(value))):,}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_money(value: int | float, with_unit: bool = True) -> str:
    """Format an amount in euros: "250.000,00 €"."""
    return format_number(value, 2) + (" €" if with_unit else "")
