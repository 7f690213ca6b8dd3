"""Values of the xdomea code lists used in 0503 messages (xdomea 3.0.0).

File formats come from the code list ``urn:xoev-de:xdomea:codeliste:dateiformat``
version 2.0 (the version the official 3.0.0 example message uses; mostly
PRONOM names). It has no entry for JSON: such files get the code ``100``
("Sonstiges") plus a ``SonstigerName``.
"""

from __future__ import annotations

from dataclasses import dataclass

NACHRICHTENTYP_LIST = ("urn:xoev-de:xdomea:codeliste:nachrichtentyp", "2.0")
DATEIFORMAT_LIST = ("urn:xoev-de:xdomea:codeliste:dateiformat", "2.0")
MEDIUM_LIST = ("urn:xoev-de:xdomea:codeliste:medium", "1.0")
VERTRAULICHKEIT_LIST = ("urn:xoev-de:xdomea:codeliste:vertraulichkeitsstufe", "1.0")
AUSSONDERUNGSART_LIST = ("urn:xoev-de:xdomea:codeliste:aussonderungsart", "1.0")

MEDIUM_ELEKTRONISCH = ("001", "Elektronisch: Das Schriftgutobjekt liegt ausschließlich in elektronischer Form vor.")

# Our confidentiality levels -> xdomea Vertraulichkeitsstufe (001 geheim, 002 VS-NfD,
# 003 offen/nicht eingestuft, 004 streng geheim, 005 vertraulich). "intern" is an access
# rule of the product, not a classified-information level (VS-NfD), so it is "not classified".
VERTRAULICHKEIT = {"offen": "003", "intern": "003", "vertraulich": "005", "geheim": "001"}

SONSTIGES = "100"


@dataclass(frozen=True)
class FileFormat:
    """A file format as the Dateiformat code list names it.

    Attributes:
        code: Code of the list (e.g. ``"018"`` for PDF).
        extension: File extension for the file name in the package, without dot.
        other_name: ``SonstigerName`` for code ``100`` ("Sonstiges"), else ``None``.
    """

    code: str
    extension: str
    other_name: str | None = None


# media type -> {extension: code}; the first entry is used when the file name has no
# matching extension. The list distinguishes some formats by extension only.
_BY_MEDIA_TYPE: dict[str, dict[str, str]] = {
    "application/pdf": {"pdf": "018"},
    "application/xml": {"xml": "030"},
    "text/xml": {"xml": "030"},
    "text/plain": {"txt": "045"},
    "text/csv": {"csv": "002"},
    "text/html": {"html": "008", "htm": "007"},
    "image/png": {"png": "019"},
    "image/jpeg": {"jpg": "011", "jpeg": "010", "jpe": "009"},
    "image/tiff": {"tif": "023", "tiff": "024"},
    "image/bmp": {"bmp": "001"},
    "application/vnd.oasis.opendocument.text": {"odt": "015"},
    "application/vnd.oasis.opendocument.spreadsheet": {"ods": "014"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx": "035"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx": "036"},
}
_PDFA_CODE = "044"  # Portable Document Format (Archival)
_OTHER = {"application/json": ("json", "JSON (JavaScript Object Notation, RFC 8259)")}


def file_format(media_type: str, filename: str, *, pdfa: bool = False) -> FileFormat:
    """Map a media type (and the original file name) to a Dateiformat code.

    Args:
        media_type: The stored media type; parameters such as ``charset`` are ignored.
        filename: The original file name; its extension picks among variants
            (``jpg``/``jpeg``, ``tif``/``tiff``).
        pdfa: The PDF claims PDF/A conformance (code ``044`` instead of ``018``).

    Returns:
        The format; unknown media types map to ``100`` with the media type as name.
    """
    base = media_type.split(";", 1)[0].strip().lower()
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if base == "application/pdf" and pdfa:
        return FileFormat(_PDFA_CODE, "pdf")
    if base in _BY_MEDIA_TYPE:
        variants = _BY_MEDIA_TYPE[base]
        if extension in variants:
            return FileFormat(variants[extension], extension)
        first = next(iter(variants))
        return FileFormat(variants[first], first)
    if base in _OTHER:
        default_extension, name = _OTHER[base]
        return FileFormat(SONSTIGES, default_extension, name)
    return FileFormat(SONSTIGES, "bin", base or "application/octet-stream")
