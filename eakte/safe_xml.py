"""Parsing XML messages from outside (applicants' XBau, archives' xdomea) safely.

The parser never touches the network, never loads a DTD, never expands
entities and refuses documents with a document type declaration; the size is
bounded before parsing. The bytes are parsed as they are, so the XML
declaration decides the encoding.

Error messages name only this message's problems, never another request's
values or a server path: libxml2 collects errors per thread, across requests,
so a parse error is read from its own parser's log (not from the exception,
which carries the thread's log), and a schema's errors from a schema object
that only this thread uses (:class:`PerThreadSchemas`; lxml keeps the errors
of the last validation on the schema object). File paths are cut to the file
name in every message.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

_PATH = re.compile(r"(?:file:/*|(?<![\w.:/])/)(?:[^\s'\"/<>]+/)+([^\s'\"/<>]+)")


@dataclass(frozen=True)
class XmlProblem:
    """One problem found in a message: its line (where known) and what is wrong."""

    line: int | None
    message: str


class UnsafeOrBrokenXml(Exception):
    """The bytes are no acceptable XML document; ``problems`` lists what was found."""

    def __init__(self, message: str, problems: list[XmlProblem]):
        super().__init__(message)
        self.message = message
        self.problems = problems


def parse_untrusted(data: bytes, *, max_bytes: int, kind: str) -> etree._Element:
    """Parse a message from outside and return its root element.

    Args:
        data: The message as received.
        max_bytes: Largest acceptable message.
        kind: What the message is, for error texts (e.g. "XBau").

    Raises:
        UnsafeOrBrokenXml: empty, too large, not well-formed, or with a DTD.
    """
    if not data or not data.strip():
        raise UnsafeOrBrokenXml("the message is empty", [])
    if len(data) > max_bytes:
        raise UnsafeOrBrokenXml(f"the message is larger than {max_bytes // (1024 * 1024)} MB", [])
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        problems = problems_of(parser.error_log) or [XmlProblem(exc.lineno, without_paths(exc.msg or ""))]
        raise UnsafeOrBrokenXml("the message is not well-formed XML", problems) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeOrBrokenXml(f"document type declarations (DTD, entities) are not allowed in {kind} messages",
                                [XmlProblem(1, "DOCTYPE found")])
    return root


def without_paths(message: str) -> str:
    """Cut every file path or ``file:`` URL in ``message`` to its file name."""
    return _PATH.sub(r"\1", message)


def problems_of(error_log: Iterable) -> list[XmlProblem]:
    """The entries of one parser's or schema's error log, without paths."""
    return [XmlProblem(entry.line, without_paths(entry.message)) for entry in error_log]


class PerThreadSchemas:
    """Compiled XML schemas cached per thread and path.

    Args:
        compile_schema: Compiles the schema at a path (called once per thread and path).
    """

    def __init__(self, compile_schema: Callable[[Path], etree.XMLSchema]) -> None:
        self._compile = compile_schema
        self._local = threading.local()

    def get(self, path: Path) -> etree.XMLSchema:
        """Return this thread's compiled schema for ``path``."""
        cache = self._local.__dict__.setdefault("schemas", {})
        key = Path(path)
        if key not in cache:
            cache[key] = self._compile(key)
        return cache[key]

    def problems(self, path: Path, document: etree._Element | etree._ElementTree) -> list[XmlProblem]:
        """Validate ``document`` against the schema at ``path``; return this validation's problems (none: valid)."""
        schema = self.get(path)
        if schema.validate(document):
            return []
        return problems_of(schema.error_log)
