"""Problems found in a package: where (file, line or JSON pointer, element) and what, in English and German."""

from __future__ import annotations

from engine.loader import ModelProblem


def problem(message: str, german: str, *, file: str | None = None, line: int | None = None,
            pointer: str | None = None, element_id: str | None = None) -> ModelProblem:
    """Build a problem (keyword arguments say where it is)."""
    return ModelProblem(message, element_id, line, file, pointer, german)


def german(found: ModelProblem) -> str:
    """Return the German text of a problem (the English one where the check that found it has none)."""
    return found.german or found.message


def json_pointer(path) -> str:
    """Return the JSON pointer (RFC 6901) of a path of keys and indexes."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path) or "/"
