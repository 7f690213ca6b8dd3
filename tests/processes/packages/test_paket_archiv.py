"""A package archive is read safely: limits, no path traversal, no links, zip bombs refused."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile

import pytest

from engine.loader import ModelValidationError
from processes.packages import archive
from processes.packages.archive import files_of_upload, read_package_zip, write_package_zip


def _zip(entries: dict[str, bytes], **info) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            entry = zipfile.ZipInfo(name)
            entry.compress_type = zipfile.ZIP_DEFLATED
            for key, value in info.items():
                setattr(entry, key, value)
            zf.writestr(entry, content)
    return out.getvalue()


def _problems(data: bytes) -> list:
    with pytest.raises(ModelValidationError) as caught:
        read_package_zip(data, "paket.zip")
    return caught.value.problems


def test_files_at_the_top_or_in_one_folder_are_read_and_junk_is_skipped():
    files = {"a.bpmn": b"<a/>", "manifest.json": b"{}"}
    assert read_package_zip(_zip(files)) == files
    assert read_package_zip(_zip({f"paket/{k}": v for k, v in files.items()} | {"paket/": b"",
                                  "__MACOSX/paket/._a.bpmn": b"x", "paket/.DS_Store": b"x"})) == files


@pytest.mark.parametrize("name", ["../evil.bpmn", "/etc/passwd", "a/../../b.html", "C:/x.bpmn", "a\\b.bpmn",
                                  "ok/./x.bpmn", "bad\x01name.bpmn"])
def test_unsafe_names_are_refused(name):
    [found] = _problems(_zip({name: b"x"}))
    assert "unsafe entry name" in found.message and found.file.startswith("paket.zip/")
    assert "Unzulässiger Name" in found.german


def test_deeper_folders_duplicates_and_links_are_refused():
    deep = _problems(_zip({"a/b/c.bpmn": b"x", "a/d.bpmn": b"y"}))
    assert [p.file for p in deep] == ["paket.zip/a/b/c.bpmn"] and "flat" in deep[0].message
    assert "twice" in _problems(_twice())[0].message
    link = _problems(_zip({"a.html": b"/etc/passwd"}, external_attr=(stat.S_IFLNK | 0o777) << 16))
    assert "symbolic links" in link[0].message


def _twice() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it writes
        zf.writestr("a.bpmn", b"1")
        zf.writestr("a.bpmn", b"2")
    return out.getvalue()


def test_a_zip_bomb_is_refused_after_the_limit_was_unpacked(monkeypatch):
    bomb = _zip({"bomb.html": b"\0" * 30_000_000})
    assert len(bomb) < 100_000
    [found] = _problems(bomb)
    assert "unpacks to more than" in found.message

    # A header that lies about the size: the bounded read still stops at the limit.
    lying = bytearray(_zip({"x.html": b"A" * 6_000_000}))
    central = lying.rfind(b"PK\x01\x02")
    lying[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size in the central directory
    problems = _problems(bytes(lying))
    assert any("more than" in p.message or "cannot unpack" in p.message for p in problems)


def test_many_entries_together_may_not_exceed_the_total(monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1_000)
    problems = _problems(_zip({f"f{i}.html": b"x" * 400 for i in range(5)}))
    assert problems and all("more than" in p.message for p in problems)


def test_too_many_entries_and_garbage_are_refused(monkeypatch):
    monkeypatch.setattr(archive, "MAX_ENTRIES", 3)
    assert "entries" in _problems(_zip({f"f{i}.html": b"x" for i in range(4)}))[0].message
    assert "not a readable ZIP" in _problems(b"PK\x03\x04 this is no archive")[0].message
    assert "no files" in _problems(_zip({"leer/": b""}))[0].message


def test_an_upload_is_one_zip_or_files_never_both():
    files = {"a.bpmn": b"<a/>"}
    assert files_of_upload([("paket.zip", _zip(files))]) == files
    assert files_of_upload([("a.bpmn", b"<a/>"), ("b.dmn", b"<b/>")]) == {"a.bpmn": b"<a/>", "b.dmn": b"<b/>"}
    with pytest.raises(ModelValidationError, match="either one ZIP"):
        files_of_upload([("paket.zip", _zip(files)), ("b.dmn", b"<b/>")])


def test_an_exported_archive_reads_back_and_is_the_same_for_the_same_files():
    files = {"b.html": b"<p>", "a.bpmn": b"<a/>"}
    data = write_package_zip(files, folder="paket")
    assert data == write_package_zip(dict(reversed(files.items())), folder="paket")
    assert read_package_zip(data) == files
