"""Validation of xdomea messages against the official 3.0.0 XML schema.

The official schema files are bundled unchanged (``schemas/``, see its
SOURCES.md); ``AKTENFLUSS_XDOMEA_XSD`` can point at another copy. The schema
is loaded from its file path so that its relative imports
(``../xoev/code/1_0/xoev-code.xsd``) resolve, and every document is read by a
parser that never touches the network, never loads DTDs and never expands
entities.
"""

from __future__ import annotations

import os
from pathlib import Path

from lxml import etree

from eakte.safe_xml import PerThreadSchemas, problems_of, without_paths

DEFAULT_XSD = Path(__file__).resolve().parent / "schemas" / "xdomea-3.0.0" / "xdomea.xsd"


class _LocalOnlyResolver(etree.Resolver):
    """Refuse every URL that is not a local file (schema imports included)."""

    def resolve(self, url, pubid, context):
        if url and "://" in url and not url.startswith("file://"):
            raise etree.XMLSchemaParseError(f"refusing to load {url!r}: only local files are read")
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    parser.resolvers.add(_LocalOnlyResolver())
    return parser


def schema_path() -> Path:
    """Return the path of ``xdomea.xsd``: ``AKTENFLUSS_XDOMEA_XSD`` or the default."""
    configured = os.environ.get("AKTENFLUSS_XDOMEA_XSD")
    return Path(configured) if configured else DEFAULT_XSD


def _compile_schema(path: Path) -> etree.XMLSchema:
    if not path.is_file():
        raise FileNotFoundError(
            f"xdomea schema not found at {path}: set AKTENFLUSS_XDOMEA_XSD to the path of xdomea.xsd (3.0.0)"
        )
    document = etree.parse(str(path), _parser())
    return etree.XMLSchema(document)


_schemas = PerThreadSchemas(_compile_schema)


def load_schema(path: Path) -> etree.XMLSchema:
    """Load (once per path and thread, see eakte/safe_xml.py) the xdomea schema from a local file.

    Raises:
        FileNotFoundError: There is no schema file at ``path``.
        lxml.etree.XMLSchemaParseError: The schema cannot be compiled.
    """
    return _schemas.get(Path(path))


def validate_xdomea(xml_bytes: bytes, xsd: Path | None = None) -> list[str]:
    """Validate an xdomea message against the 3.0.0 schema.

    Args:
        xml_bytes: The message as bytes (encoding declared in the document).
        xsd: Path of ``xdomea.xsd``; default: ``schema_path()``.

    Returns:
        The schema errors as ``"line N: message"``; empty if the message is valid.

    Raises:
        FileNotFoundError: The schema file is missing.
    """
    load_schema(xsd or schema_path())
    parser = _parser()
    try:
        document = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        found = problems_of(parser.error_log)
        return [f"not well-formed XML: line {p.line}: {p.message}" for p in found] or [
            f"not well-formed XML: {without_paths(error.msg or '')}"]
    return schema_errors(document, xsd)


def schema_errors(document: etree._Element, xsd: Path | None = None) -> list[str]:
    """Like ``validate_xdomea``, for a message already parsed (by a hardened parser) into ``document``."""
    return [f"line {p.line}: {p.message}" for p in _schemas.problems(Path(xsd or schema_path()), document)]
