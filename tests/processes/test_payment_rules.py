"""Kassenzeichen, money as Germans write it, and the payment platform's states (pure rules)."""

import pytest

from processes.payment.rules import cents, euro, is_kassenzeichen, kassenzeichen, luhn_digit, our_state

pytestmark = pytest.mark.core


def test_kassenzeichen_has_prefix_year_number_and_a_check_digit():
    value = kassenzeichen("5063", 2026, 17)
    assert value == "50632600000177" and is_kassenzeichen(value)
    assert luhn_digit("7992739871") == 3  # the textbook example
    for position in range(len(value)):  # every single wrong digit is caught
        wrong = value[:position] + str((int(value[position]) + 1) % 10) + value[position + 1:]
        assert not is_kassenzeichen(wrong)
    with pytest.raises(ValueError):
        kassenzeichen("AB", 2026, 1)


def test_money():
    assert euro(123456) == "1.234,56 €" and euro(5) == "0,05 €"
    assert cents(3200.0) == 320000 and cents("0.125") == 13 and cents(1234.565) == 123457
    with pytest.raises(ValueError):
        cents("abc")


def test_provider_states():
    assert [our_state(s) for s in ("INITIAL", "BOOKED", "FAILED", "CANCELED")] == ["pending", "paid", "failed",
                                                                                  "cancelled"]
    with pytest.raises(ValueError, match="unknown payment state"):
        our_state("REFUNDED")
