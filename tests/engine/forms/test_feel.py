"""The FEEL subset of form conditions: what is understood, how it evaluates, what is refused by name."""

import pytest

from engine.forms.applicable import lookup_in
from engine.forms.feel import FeelError, parse_condition


def holds(expression: str, data: dict):
    return parse_condition(expression).evaluate(lookup_in(data))


@pytest.mark.parametrize("expression, data, expected", [
    ('=entscheidung = "abgelehnt"', {"entscheidung": "abgelehnt"}, True),
    ('=entscheidung != "abgelehnt"', {"entscheidung": "abgelehnt"}, False),
    ("=betrag > 1000", {"betrag": 2500}, True),
    ("=betrag <= 1000", {"betrag": 2500}, False),
    ("=betrag >= 2500 and eilig", {"betrag": 2500, "eilig": True}, True),
    ("=betrag < 10 or eilig = true", {"betrag": 20, "eilig": False}, False),
    ("=not(vollstaendig)", {"vollstaendig": False}, True),
    ("=vollstaendig = null", {}, True),
    ("=antrag.art = \"Neubau\"", {"antrag": {"art": "Neubau"}}, True),
    ('=art in ["Neubau", "Umbau"]', {"art": "Umbau"}, True),
    ('=list contains(nachweise, "lageplan")', {"nachweise": ["lageplan"]}, True),
    ("=(a = 1 or b = 2) and not(c)", {"a": 1, "c": False}, True),
    ("=true", {}, True),
    ("=betrag > 1000", {}, None),  # unknown: counts as false
    ("=betrag > 1000", {"betrag": "viel"}, None),
])
def test_conditions_evaluate_like_feel(expression, data, expected):
    assert holds(expression, data) is expected


@pytest.mark.parametrize("expression", [
    "=count(nachweise) > 2", "=betrag + 5 > 10", "=if a then b else c", "=some x in y satisfies x > 1",
    '=a = "x" and', "=1 = 2", "=a instance of string",
])
def test_everything_else_is_refused_naming_the_expression(expression):
    with pytest.raises(FeelError) as info:
        parse_condition(expression)
    assert expression in str(info.value)


def test_conditions_describe_themselves_in_german_and_for_the_browser():
    condition = parse_condition('=entscheidung != "abgelehnt"').negate()
    assert condition.describe(lambda path: "Entscheidung") == "„Entscheidung“ „abgelehnt“ ist"
    assert condition.client() == {"op": "=", "left": {"path": "entscheidung"}, "right": {"value": "abgelehnt"}}
    ticked = parse_condition("=vollstaendig = false").negate()
    assert ticked.describe(lambda path: "Vollständig") == "„Vollständig“ angekreuzt ist"
