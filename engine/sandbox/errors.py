"""What the sandbox raises besides the script's own exceptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxUsage:
    """What one evaluation used in its sandbox process.

    Attributes:
        elapsed: Wall-clock seconds from sending the request to the answer (or the kill).
        peak_bytes: Peak resident memory of the sandbox process during the evaluation,
            or None where Linux' ``/proc`` is missing.
    """

    elapsed: float
    peak_bytes: int | None


class ScriptSecurityError(Exception):
    """Raised when a script uses a construct the sandbox does not allow."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(f"line {lineno}: {message}" if lineno else message)
        self.lineno = lineno


class ScriptSyntaxError(ScriptSecurityError):
    """Raised when a script is not valid Python; a rejection like any other."""


class ScriptTimeout(Exception):
    """Raised when a script runs longer than its time limit."""


class ScriptResourceError(Exception):
    """Raised when a script would exceed a size, memory or CPU limit."""


class ScriptDataError(Exception):
    """Raised when a script's data cannot leave the sandbox (a generator, a self-referencing list, ...)."""


class ScriptFailure(Exception):
    """A script raised an exception of a class that is not rebuilt outside the sandbox; the message names it."""
