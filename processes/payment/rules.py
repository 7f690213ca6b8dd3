"""Pure rules of fees and payments: Kassenzeichen, money as Germans write it, provider states."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PROVIDER_STATES = {"INITIAL": "pending", "BOOKED": "paid", "FAILED": "failed", "CANCELED": "cancelled"}
"""Payment states of the provider (as in FIT-Connect's paymentInformation) -> ours."""
RESTARTABLE = ("open", "failed", "cancelled")
"""A payment in these states can be (re)started by the payer."""


def luhn_digit(digits: str) -> int:
    """The Luhn check digit for a string of digits (catches every single wrong digit and most swaps)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def kassenzeichen(prefix: str, year: int, number: int) -> str:
    """Form a Kassenzeichen: the authority's prefix, the year, a running number and a check digit.

    ``kassenzeichen("5063", 2026, 17)`` is ``"50632600000177"``: prefix, two
    year digits, seven digits of the number, one Luhn digit.
    """
    if not prefix.isdigit():
        raise ValueError("the Kassenzeichen prefix must be digits")
    body = f"{prefix}{year % 100:02d}{number:07d}"
    return body + str(luhn_digit(body))


def is_kassenzeichen(value: str) -> bool:
    """Tell whether ``value`` looks like a Kassenzeichen of this scheme (digits, correct check digit)."""
    return value.isdigit() and len(value) >= 10 and luhn_digit(value[:-1]) == int(value[-1])


def cents(amount: float | int | str | Decimal) -> int:
    """An amount in euros (as the fee table computes it) in whole cents, rounded half up."""
    try:
        return int((Decimal(str(amount)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    except InvalidOperation as exc:
        raise ValueError(f"'{amount}' is not an amount") from exc


def euro(amount_cents: int) -> str:
    """Format cents the German way: ``123456`` -> ``1.234,56 €``."""
    text = f"{amount_cents / 100:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


def our_state(provider_state: str) -> str:
    """Our status for a provider's payment state.

    Raises:
        ValueError: a state the provider does not define.
    """
    try:
        return PROVIDER_STATES[provider_state]
    except KeyError:
        raise ValueError(f"unknown payment state '{provider_state}' (known: {', '.join(PROVIDER_STATES)})") from None
