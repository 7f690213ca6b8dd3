"""Parsing XML messages from outside (applicants' XBau, archives' xdomea) safely.

The parser never touches the network, never loads a DTD, never expands
entities and refuses documents with a document type declaration; the size is
bounded before parsing. The bytes are parsed as they are, so the XML
declaration decides the encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


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
        problems = [XmlProblem(e.line, e.message) for e in exc.error_log] or [XmlProblem(exc.lineno, str(exc))]
        raise UnsafeOrBrokenXml("the message is not well-formed XML", problems) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeOrBrokenXml(f"document type declarations (DTD, entities) are not allowed in {kind} messages",
                                [XmlProblem(1, "DOCTYPE found")])
    return root
