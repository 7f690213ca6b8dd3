"""Builders of sample PDFs for the PDF check tests, made with pikepdf.

Each function returns the bytes of a small PDF with one particular feature,
so no binary test files are committed.
"""

from __future__ import annotations

import io
import re

import pikepdf
from pikepdf import Array, Dictionary, Name, String


def _save(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


def _new(pages: int = 2) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(f"BT /F1 12 Tf 72 760 Td (Seite {number}) Tj ET".encode())
    return pdf


def _js(pdf: pikepdf.Pdf, code: str = "app.alert('hi');") -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String(code)))


def _link(pdf: pikepdf.Pdf, action: Dictionary) -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[72, 700, 200, 720],
                                        Border=[0, 0, 0], A=action))


def clean() -> bytes:
    """A two-page PDF with text, a web link and an internal link."""
    pdf = _new()
    first, second = pdf.pages
    first.obj.Annots = Array([
        _link(pdf, Dictionary(S=Name.URI, URI=String("https://example.org/"))),
        _link(pdf, Dictionary(S=Name.GoTo, D=[second.obj, Name.Fit])),
    ])
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = "Bauantrag Lageplan"
    return _save(pdf)


def js_open_action() -> bytes:
    """JavaScript run when the document opens."""
    pdf = _new()
    pdf.Root.OpenAction = _js(pdf)
    return _save(pdf)


def js_name_tree() -> bytes:
    """Document-level JavaScript in the /Names /JavaScript tree."""
    pdf = _new()
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _js(pdf)])))
    return _save(pdf)


def launch_annotation() -> bytes:
    """A link on page 2 whose action launches a program."""
    pdf = _new()
    launch = Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("cmd.exe")))
    pdf.pages[1].obj.Annots = Array([_link(pdf, launch)])
    return _save(pdf)


def embedded_exe() -> bytes:
    """An embedded file 'x.exe' in the document's attachments."""
    pdf = _new()
    pdf.attachments["x.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00fake program", filename="x.exe")
    return _save(pdf)


def file_attachment_annotation() -> bytes:
    """A file attachment annotation on page 1."""
    pdf = _new()
    spec = pikepdf.AttachedFileSpec(pdf, b"secret", filename="notes.txt")
    annot = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment,
                                         Rect=[72, 600, 90, 620], FS=spec.obj))
    pdf.pages[0].obj.Annots = Array([annot])
    return _save(pdf)


def page_additional_actions() -> bytes:
    """An /AA page-open trigger on page 2 running JavaScript."""
    pdf = _new()
    pdf.pages[1].obj.AA = Dictionary(O=_js(pdf))
    return _save(pdf)


def form_field_js() -> bytes:
    """A form field whose keystroke action runs JavaScript, plus an XFA form."""
    pdf = _new(pages=1)
    page = pdf.pages[0].obj
    widget = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String("betrag"), Rect=[72, 500, 300, 520],
        P=page, AA=Dictionary(K=_js(pdf, "event.rc = true;"))))
    page.Annots = Array([widget])
    pdf.Root.AcroForm = Dictionary(Fields=Array([widget]), XFA=pdf.make_stream(b"<xdp:xdp/>"))
    return _save(pdf)


def chained_js_in_link() -> bytes:
    """A harmless GoTo link whose /Next action runs JavaScript (self-referencing chain)."""
    pdf = _new()
    goto = pdf.make_indirect(Dictionary(S=Name.GoTo, D=[pdf.pages[1].obj, Name.Fit]))
    goto.Next = Array([_js(pdf), goto])
    pdf.pages[0].obj.Annots = Array([_link(pdf, goto)])
    return _save(pdf)


def encrypted(owner_only: bool) -> bytes:
    """An AES-256 encrypted PDF, with a user password or with an owner password only."""
    user = "" if owner_only else "user"
    return _save(_new(), encryption=pikepdf.Encryption(owner="owner", user=user))


def damaged_xref() -> bytes:
    """A clean PDF whose xref offsets point to the wrong places (qpdf repairs it)."""
    data = _save(_new(), object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data)


def truncated() -> bytes:
    """The first 200 bytes of a PDF."""
    return clean()[:200]


def zip_file() -> bytes:
    """A small ZIP archive."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    return out.getvalue()
