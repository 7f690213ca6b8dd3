"""Read a package from a ZIP archive safely, and write one.

An uploaded archive is untrusted: its entries are read with limits on the
archive size, the number of entries, and each entry's and the total unpacked
size, and every entry is read with a bounded read, whatever its header claims:
a zip bomb (an entry, or many entries sharing the same data, that unpack to
gigabytes) is refused after at most the limit was unpacked. Names must be plain relative paths: no
absolute paths, no ``..``, no backslashes or control characters, no symbolic
links, no encryption. A package is flat: its files lie at the top of the
archive or in one folder (the procedure's folder, as ``zip -r name.zip name/``
makes it); deeper folders are refused. Folders, ``__MACOSX/`` entries and
hidden files (``.DS_Store``) are skipped.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping

from engine.loader import ModelValidationError
from engine.loader import ModelProblem
from processes.packages.problems import problem

MAX_ARCHIVE_BYTES = 20_000_000
MAX_ENTRIES = 200
MAX_ENTRY_BYTES = 5_000_000
MAX_TOTAL_BYTES = 20_000_000
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
"""Entry time in exported archives: the same package always gives the same bytes."""


def is_zip(name: str, data: bytes) -> bool:
    """Tell whether an upload is a ZIP archive (by its name or its first bytes)."""
    return name.lower().endswith(".zip") or data[:4] in (ZIP_MAGIC, EMPTY_ZIP_MAGIC)


def read_package_zip(data: bytes, archive_name: str = "paket.zip") -> dict[str, bytes]:
    """Return the files of a package archive as a mapping of file name to bytes.

    Raises:
        ModelValidationError: the archive breaks a limit or a rule; every problem is named.
    """
    problems: list[ModelProblem] = []
    if len(data) > MAX_ARCHIVE_BYTES:
        _refuse(archive_name, f"the archive is {len(data)} bytes; the limit is {MAX_ARCHIVE_BYTES}",
                f"Das Archiv ist {len(data):,} Bytes groß; erlaubt sind höchstens {MAX_ARCHIVE_BYTES:,}.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        _refuse(archive_name, f"not a readable ZIP archive: {exc}", f"Kein lesbares ZIP-Archiv: {exc}")
    if len(entries) > MAX_ENTRIES:
        _refuse(archive_name, f"the archive has {len(entries)} entries; the limit is {MAX_ENTRIES}",
                f"Das Archiv hat {len(entries)} Einträge; erlaubt sind höchstens {MAX_ENTRIES}.")
    wanted = [entry for entry in entries if not _skipped(entry)]
    for entry in wanted:
        problems.extend(_name_problems(entry, archive_name))
    if problems:
        raise ModelValidationError(problems)
    prefix = _common_folder([entry.filename for entry in wanted])
    files: dict[str, bytes] = {}
    total = 0
    with archive:
        for entry in wanted:
            name = entry.filename[len(prefix):]
            where = f"{archive_name}/{entry.filename}"
            if "/" in name:
                problems.append(problem(
                    "packages are flat: put every file at the top of the archive or in one folder",
                    "Ein Paket ist flach: Alle Dateien liegen oben im Archiv oder in einem einzigen Ordner.",
                    file=where))
                continue
            if name in files:
                problems.append(problem("the file appears twice in the archive",
                                        "Die Datei kommt im Archiv zweimal vor.", file=where))
                continue
            content, error = _read_entry(archive, entry, MAX_TOTAL_BYTES - total)
            if error:
                problems.append(problem(error[0], error[1], file=where))
                if total + (entry.file_size or 0) >= MAX_TOTAL_BYTES:
                    break
                continue
            total += len(content)
            files[name] = content
    if problems:
        raise ModelValidationError(problems)
    if not files:
        _refuse(archive_name, "the archive holds no files", "Das Archiv enthält keine Dateien.")
    return files


def write_package_zip(files: Mapping[str, bytes], folder: str | None = None) -> bytes:
    """Return a ZIP archive of the package's files (in ``folder/`` if given), the same bytes for the same files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}" if folder else name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def _refuse(archive_name: str, message: str, german: str) -> None:
    raise ModelValidationError([problem(message, german, file=archive_name)])


def _skipped(entry: zipfile.ZipInfo) -> bool:
    name = entry.filename
    last = name.rstrip("/").rsplit("/", 1)[-1]
    return entry.is_dir() or name.startswith("__MACOSX/") or last.startswith(".")


def _name_problems(entry: zipfile.ZipInfo, archive_name: str) -> list[ModelProblem]:
    name = entry.filename
    where = f"{archive_name}/{name}"[:300]
    parts = name.split("/")
    if (name.startswith("/") or "\\" in name or ":" in parts[0] or any(part in ("", ".", "..") for part in parts)
            or any(ord(char) < 32 or ord(char) == 127 for char in name)):
        return [problem("unsafe entry name (absolute path, '..', backslash or control character)",
                        "Unzulässiger Name im Archiv (absoluter Pfad, „..“, Backslash oder Steuerzeichen).",
                        file=where)]
    if stat.S_ISLNK(entry.external_attr >> 16):
        return [problem("symbolic links are not allowed in a package",
                        "Symbolische Verknüpfungen sind in einem Paket nicht erlaubt.", file=where)]
    if entry.flag_bits & 0x1:
        return [problem("encrypted entries cannot be read", "Verschlüsselte Einträge können nicht gelesen werden.",
                        file=where)]
    return []


def _common_folder(names: list[str]) -> str:
    """Return ``folder/`` if every name lies in the same top-level folder, else ''."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop() + "/"
    return ""


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> tuple[bytes, tuple | None]:
    """Read one entry with bounded reads; return its bytes or an error (English, German)."""
    limit = min(MAX_ENTRY_BYTES, budget)
    if entry.file_size > limit:
        return b"", _too_big(entry.file_size, limit)
    try:
        with archive.open(entry) as stream:
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError, RuntimeError) as exc:
        return b"", (f"cannot unpack the entry: {exc}", f"Der Eintrag kann nicht entpackt werden: {exc}")
    if len(content) > limit:
        return b"", _too_big(len(content), limit)
    return content, None


def _too_big(size: int, limit: int) -> tuple[str, str]:
    return (f"the entry unpacks to more than {limit} bytes (the limit per file and for the whole package); refused",
            f"Der Eintrag ist entpackt größer als {limit:,} Bytes (Grenze je Datei und für das ganze Paket); "
            "abgelehnt.")


def files_of_upload(uploads: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """Return the package files of an upload: one ZIP archive, or the files themselves.

    Args:
        uploads: (file name without folders, content) per uploaded file.

    Raises:
        ModelValidationError: a ZIP among other files, a file twice, or a bad archive.
    """
    archives = [name for name, content in uploads if is_zip(name, content)]
    if archives and len(uploads) > 1:
        _refuse(archives[0], "send either one ZIP archive or the package's files, not both",
                "Bitte entweder ein ZIP-Archiv oder die einzelnen Dateien des Pakets hochladen, nicht beides.")
    if archives:
        name, content = uploads[0]
        return read_package_zip(content, name)
    files: dict[str, bytes] = {}
    for name, content in uploads:
        if name in files:
            _refuse(name, "the file was uploaded twice", "Die Datei wurde zweimal hochgeladen.")
        files[name] = content
    return files
