"""engine.db.write_row: the engine's one-statement row update keeps the ORM object and the optimistic lock right."""

import pytest
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from engine.db import transaction, write_row
from engine.models import Case
from tests.engine.background import context, deploy_fixture, start

pytestmark = pytest.mark.core


@pytest.fixture()
def case_id(session_factory, authority):
    ctx = context()
    return start(session_factory, ctx, authority.id, deploy_fixture(session_factory, ctx, authority.id, "bg_message.bpmn"))


def test_written_values_are_committed_on_the_object_and_the_revision_moves(session_factory, case_id):
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        revision = case.revision
        write_row(session, case, {"subject": "Neubau Gartenhaus", "status": "suspended"})
        assert not session.dirty  # nothing left for the unit of work to write
        assert (case.subject, case.status, case.revision) == ("Neubau Gartenhaus", "suspended", revision + 1)
    with transaction(session_factory) as session:
        stored = session.get(Case, case_id)
        assert (stored.subject, stored.status, stored.revision) == ("Neubau Gartenhaus", "suspended", revision + 1)


def test_a_row_changed_since_it_was_read_is_not_overwritten(session_factory, case_id):
    with transaction(session_factory) as session:
        case = session.get(Case, case_id)
        session.execute(update(Case.__table__).where(Case.__table__.c.id == case_id)  # someone else's change
                        .values(revision=case.revision + 1, subject="von anderer Stelle"))
        with pytest.raises(StaleDataError), session.begin_nested():
            write_row(session, case, {"subject": "veraltet"})
    with transaction(session_factory) as session:
        assert session.get(Case, case_id).subject == "von anderer Stelle"
