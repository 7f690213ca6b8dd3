"""German number input: thousands dots, decimal comma, integers stay integers, ambiguous dots refused."""

import pytest

from web.ui.forms.numbers import DOT_MESSAGE, NumberRefused, format_money, format_number, parse_number


@pytest.mark.parametrize("text, expected", [
    ("250.000", 250000), ("1.234,56", 1234.56), ("1234,5", 1234.5), ("-5", -5), ("0", 0), ("12", 12),
    ("1.234.567", 1234567), ("250.000,00", 250000), (" 250 000 ", 250000), ("1.500 €", 1500), ("3,50 EUR", 3.5),
    ("+7", 7), ("-0,5", -0.5), ("12,0", 12),
])
def test_german_numbers(text, expected):
    value = parse_number(text)
    assert value == expected and type(value) is type(expected)


def test_minus_five_stays_an_integer():
    assert repr(parse_number("-5", integer=True)) == "-5"


@pytest.mark.parametrize("text, message", [
    ("1.5", DOT_MESSAGE), ("1.25", DOT_MESSAGE), ("12.3456", DOT_MESSAGE), ("1.23,4", DOT_MESSAGE),
    ("1,2,3", "Bitte eine Zahl eingeben (z. B. 1.234,56)."), ("zwölf", "Bitte eine Zahl eingeben (z. B. 1.234,56)."),
    ("nan", "Bitte eine Zahl eingeben (z. B. 1.234,56)."), ("1e999", "Bitte eine Zahl eingeben (z. B. 1.234,56)."),
    ("inf", "Bitte eine Zahl eingeben (z. B. 1.234,56)."), ("", "Bitte eine Zahl eingeben (z. B. 1.234,56)."),
])
def test_ambiguous_or_wrong_numbers_are_refused_with_a_german_message(text, message):
    with pytest.raises(NumberRefused) as info:
        parse_number(text)
    assert str(info.value) == message


def test_integer_and_money_fields_refuse_too_many_decimals():
    with pytest.raises(NumberRefused, match="ganze Zahl"):
        parse_number("1,5", integer=True)
    with pytest.raises(NumberRefused, match="höchstens 2 Nachkommastellen"):
        parse_number("1,234", decimal_digits=2)
    assert parse_number("12,50", decimal_digits=2) == 12.5


def test_formatting():
    assert format_money(250000) == "250.000,00 €"
    assert format_money(1234.5) == "1.234,50 €"
    assert format_number(250000) == "250.000" and format_number(1234.56) == "1.234,56" and format_number(-5) == "-5"


def test_times_are_entered_in_german_local_time_and_stored_as_the_form_says():
    from engine.forms.model import Field
    from web.ui.forms.values import read_value, show

    normalized = Field(kind="datetime", time_format="utc_normalized")
    assert read_value(normalized, "2026-03-01T10:00") == "2026-03-01T09:00Z"
    assert show(normalized, "2026-03-01T09:00Z") == "2026-03-01T10:00"
    with_offset = Field(kind="datetime", time_format="utc_offset")
    assert read_value(with_offset, "2026-07-01T10:00") == "2026-07-01T10:00+02:00"
    assert read_value(Field(kind="time"), "08:12") == "08:12"
    with pytest.raises(ValueError, match="HH:MM"):
        read_value(Field(kind="time"), "8 Uhr")
