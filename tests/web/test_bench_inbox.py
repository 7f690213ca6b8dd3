"""`aktenfluss bench inbox`: the query variants and the rendered page run (PostgreSQL only)."""

import pytest

from tests.conftest import BACKEND
from web.bench import inbox as bench

pytestmark = pytest.mark.skipif(BACKEND != "real", reason="bench inbox needs PostgreSQL (AKTENFLUSS_TEST_BACKEND=real)")


def test_inbox_queries_and_the_signed_in_page_are_timed(backend):
    timings, page = bench.run(backend.database_url, open_tasks=4000, repeats=2)

    assert len(timings) == 8 and all(timing.p95 > 0 for timing in timings)
    mine = next(timing for timing in timings if timing.name.startswith("my tasks"))
    assert mine.total > 0  # the clerk's groups have open tasks
    assert page is not None and page.p50 > 0  # the page answered 200 for the signed-in clerk
