"""Aktenzeichen: unique, never reused, and taken without holding up other case starts."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text

from eakte.aktenzeichen import format_aktenzeichen, next_aktenzeichen, next_number
from engine.db import transaction
from engine.identity import create_authority
from tests.conftest import BACKEND

pytestmark = pytest.mark.core

postgres_only = pytest.mark.skipif(BACKEND != "real", reason="needs PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)")


def _take(session_factory, authority_id: str, unit: str = "63.01", year: int = 2026) -> int:
    with transaction(session_factory) as session:
        return next_number(session, authority_id, unit, year)


def test_numbers_run_per_authority_unit_and_year(session_factory, authority, other_authority):
    assert [_take(session_factory, authority.id) for _ in range(3)] == [1, 2, 3]
    assert _take(session_factory, authority.id, year=2027) == 1
    assert _take(session_factory, authority.id, unit="00.01") == 1
    assert _take(session_factory, other_authority.id) == 1
    assert format_aktenzeichen("63.01", 2026, 123) == "63.01-2026-000123"


def test_concurrent_starts_get_different_numbers(session_factory, authority):
    taken, errors = [], []

    def take():
        try:
            for _ in range(10):
                taken.append(_take(session_factory, authority.id))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 41))


@postgres_only
def test_an_open_transaction_does_not_hold_up_the_next_number(session_factory, authority):
    assert _take(session_factory, authority.id) == 1  # the unit's counter exists (the first number creates it)
    with transaction(session_factory) as first:
        mine = next_aktenzeichen(first, authority.id, "63.01", 2026)
        with transaction(session_factory) as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))  # a wait for the first would fail here
            theirs = next_aktenzeichen(second, authority.id, "63.01", 2026)
    assert (mine, theirs) == ("63.01-2026-000002", "63.01-2026-000003")


@postgres_only
def test_a_number_of_a_rolled_back_start_is_never_given_again(session_factory, authority):
    assert _take(session_factory, authority.id) == 1
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        assert next_number(session, authority.id, "63.01", 2026) == 2
        raise RuntimeError("the start fails after the number was taken")
    assert _take(session_factory, authority.id) == 3  # 2 stays unused: a gap, never a duplicate


def test_the_first_number_of_a_unit_rolls_back_with_its_transaction(session_factory, authority):
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        assert next_number(session, authority.id, "63.01", 2026) == 1
        assert next_number(session, authority.id, "63.01", 2026) == 2  # its own new counter: no deadlock
        raise RuntimeError("the start fails")
    assert _take(session_factory, authority.id) == 1


def test_an_authority_created_in_the_same_transaction_gets_numbers(session_factory):
    with transaction(session_factory) as session:
        authority = create_authority(session, f"n-{uuid.uuid4().hex[:10]}", "Neue Behörde")
        assert next_number(session, authority.id, "63.01", 2026) == 1
        assert next_number(session, authority.id, "63.01", 2026) == 2
