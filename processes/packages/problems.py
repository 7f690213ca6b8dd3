"""Problems found in a package: where (file, line or JSON pointer, element) and what, in English and German."""

from __future__ import annotations

from dataclasses import dataclass

from engine.loader import ModelProblem


@dataclass(frozen=True)
class PackageProblem(ModelProblem):
    """A model problem of the package layer, with a JSON pointer and a German text for the UI.

    Attributes:
        pointer: JSON pointer into the file (``/templates/bescheid.html/title``), for JSON files.
        german: The message in German, shown in the UI.
    """

    pointer: str | None = None
    german: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line, self.pointer) if part is not None)
        return f"{where}: {self.message}" if where else self.message


def problem(message: str, german: str, *, file: str | None = None, line: int | None = None,
            pointer: str | None = None, element_id: str | None = None) -> PackageProblem:
    """Build a problem (keyword arguments say where it is)."""
    return PackageProblem(message, element_id, line, file, pointer, german)


def german(found: ModelProblem) -> str:
    """Return the German text of a problem (the engine's own checks speak English only)."""
    return getattr(found, "german", None) or found.message


def json_pointer(path) -> str:
    """Return the JSON pointer (RFC 6901) of a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path) or "/"
