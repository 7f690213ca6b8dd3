"""Rules for closing a file (zdA) by hand: pure functions, called by processes/casefile.py.

A file can be closed only when none of its cases is running or suspended: the
procedure still writes into it (a suspended case may be resumed). Supervisors
may close a file; a clerk only a file whose case they worked on (a task of it
assigned to or completed by them). A procedure closing its own file as its
last step (the ``eakte.zda`` service) is not a close by hand and needs neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from engine.errors import Conflict, Forbidden

ACTIVE_STATUSES = ("running", "suspended")


class FileHasActiveCases(Conflict):
    """The file has cases that are still running or suspended; ``running`` and ``suspended`` count them."""

    def __init__(self, aktenzeichen: str, running: int, suspended: int):
        parts = [f"{n} {status} case(s)" for n, status in ((running, "running"), (suspended, "suspended")) if n]
        super().__init__(f"file {aktenzeichen} still has {' and '.join(parts)}; finish or cancel them first",
                         {"running": running, "suspended": suspended})
        self.running, self.suspended = running, suspended


def check_may_close(aktenzeichen: str, case_statuses: Iterable[str], *, is_supervisor: bool,
                    worked_on_file: bool) -> None:
    """Check that a person may close the file now.

    Args:
        aktenzeichen: The file's number (for the message).
        case_statuses: The status of every case recorded in the file.
        is_supervisor: The person is a supervisor.
        worked_on_file: The person was assigned to or completed a task of one of the file's cases.

    Raises:
        FileHasActiveCases: A case of the file is running or suspended (409).
        Forbidden: A clerk who did not work on the file's cases (403).
    """
    counts = Counter(status for status in case_statuses if status in ACTIVE_STATUSES)
    if counts:
        raise FileHasActiveCases(aktenzeichen, counts["running"], counts["suspended"])
    if not is_supervisor and not worked_on_file:
        raise Forbidden(f"only supervisors, or clerks who worked on a case of file {aktenzeichen}, may close it")
