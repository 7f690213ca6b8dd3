"""Reading uploaded model files: sizes, names, hardened XML parsing, and how problems are reported.

Files are parsed from bytes (the XML declaration decides the encoding) with a
hardened lxml parser: no entity expansion, no DTD loading, no network, no huge
trees; any DOCTYPE is rejected. Every problem becomes a ``ModelProblem``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from engine.forms.links import FORM_SUFFIX
from engine.validation import BPMN_NS, local_name

DEFAULT_MAX_BYTES = 5_000_000
MAX_FILE_NAME_LENGTH = 255
"""Longest model file name (the column engine_definition_files.filename)."""
DEFAULT_MAX_TOTAL_BYTES = 20_000_000
PACKAGE_RESOURCE_SUFFIXES = (".html", ".css")
"""Document templates of a procedure package: checked by the package layer (processes/packages), not here."""
PACKAGE_MANIFEST = "manifest.json"
"""The manifest of a procedure package: checked by the package layer, not here."""
_DOCTYPE_REJECTED = (
    "DOCTYPE declarations are not allowed in models (entity declarations could expand "
    "or fetch external content)"
)


@dataclass(frozen=True)
class ModelProblem:
    """One thing wrong with an uploaded model."""

    message: str
    element_id: str | None
    line: int | None
    file: str | None
    pointer: str | None = None  # in a form file: the JSON pointer of the part at fault
    german: str | None = None  # the message in German, where the check that found it has one

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        if self.pointer:
            where = f"{where}#{self.pointer}" if where else self.pointer
        return f"{where}: {self.message}" if where else self.message


class ModelValidationError(Exception):
    """Raised when uploaded model files cannot be used; lists every problem found."""

    def __init__(self, problems: list[ModelProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _parse_xml(name: str, data: bytes, problems: list[ModelProblem]) -> etree._Element | None:
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        if "entit" in exc.msg.lower() or "amplification" in exc.msg.lower():
            message = f"{_DOCTYPE_REJECTED} (parser: {exc.msg})"
        else:
            message = f"not well-formed XML: {exc.msg}"
        problems.append(ModelProblem(message, None, line, name))
        return None
    except (ValueError, etree.LxmlError) as exc:
        problems.append(ModelProblem(f"cannot read XML: {exc}", None, None, name))
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        problems.append(ModelProblem(_DOCTYPE_REJECTED, None, 1, name))
        return None
    return root


def read_files(
    files: Mapping[str, bytes], max_bytes: int, max_total_bytes: int, problems: list[ModelProblem]
) -> tuple[dict[str, etree._Element], dict[str, etree._Element], dict[str, bytes]]:
    """Parse the BPMN and DMN files, keep the form files as bytes; add every problem to ``problems``."""
    bpmn: dict[str, etree._Element] = {}
    dmn: dict[str, etree._Element] = {}
    forms: dict[str, bytes] = {}
    if not files:
        problems.append(ModelProblem("no model files given", None, None, None))
    total = sum(len(data) for data in files.values() if isinstance(data, (bytes, bytearray)))
    if total > max_total_bytes:
        problems.append(ModelProblem(
            f"model files are {total} bytes in total; the limit is {max_total_bytes}", None, None, None))
        return bpmn, dmn, forms
    for name in sorted(files):
        if is_package_resource(name):
            continue
        data = files[name]
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ("bpmn", "dmn", FORM_SUFFIX):
            problems.append(ModelProblem("only .bpmn, .dmn and .form files are accepted", None, None, name,
                                         german="Nur .bpmn-, .dmn- und .form-Dateien werden angenommen."))
            continue
        if len(name) > MAX_FILE_NAME_LENGTH:
            problems.append(ModelProblem(f"the file name has {len(name)} characters; the limit is "
                                         f"{MAX_FILE_NAME_LENGTH}", None, None, name[:60] + "…"))
            continue
        if not isinstance(data, (bytes, bytearray)):
            problems.append(ModelProblem("file content must be bytes", None, None, name))
            continue
        if len(data) > max_bytes:
            problems.append(ModelProblem(
                f"file is {len(data)} bytes; the limit is {max_bytes}", None, None, name))
            continue
        if suffix == FORM_SUFFIX:
            forms[name] = bytes(data)
            continue
        root = _parse_xml(name, bytes(data), problems)
        if root is None:
            continue
        expected = "definitions"
        if local_name(root) != expected:
            problems.append(ModelProblem(
                f"root element is '{local_name(root)}', expected '{expected}'", None, root.sourceline, name))
        elif suffix == "bpmn" and etree.QName(root).namespace != BPMN_NS:
            problems.append(ModelProblem(
                f"not a BPMN 2.0 file (namespace '{etree.QName(root).namespace}')", None, root.sourceline, name))
        else:
            (bpmn if suffix == "bpmn" else dmn)[name] = root
    return bpmn, dmn, forms


def is_package_resource(name: str) -> bool:
    """Tell whether a file of a deployment is a package's manifest or document template (no model)."""
    return name == PACKAGE_MANIFEST or name.lower().endswith(PACKAGE_RESOURCE_SUFFIXES)


BPMN_IMPORT = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def missing_imports(roots: Mapping[str, etree._Element]) -> list[ModelProblem]:
    """Name the BPMN files a file imports (``<import importType=BPMN location=...>``) that were not uploaded with it.

    Elements of an imported file are referenced by the importing one; without it
    the references lead nowhere. The location is matched by its file name.
    """
    problems = []
    for name, root in roots.items():
        for element in root.iterfind(f"{{{BPMN_NS}}}import"):
            location = (element.get("location") or "").strip()
            if element.get("importType") == BPMN_IMPORT and location.replace("\\", "/").rsplit("/", 1)[-1] not in roots:
                problems.append(ModelProblem(
                    f"the file imports '{location}', which was not uploaded with it; upload the imported BPMN file "
                    "too", None, element.sourceline, name))
    return problems
