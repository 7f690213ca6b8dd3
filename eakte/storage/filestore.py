"""Document store in a local directory, the embedded default.

Layout below the root directory::

    sha256/ab/cd/<64 hex>   content objects, mode 0o444
    tmp/                    uploads in progress

An upload is written to ``tmp/``, fsynced and then hard-linked to its final
path, which fails instead of overwriting if the object already exists. A crash
leaves at most a file in ``tmp/``; ``sweep_temp_files`` removes old ones.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import datetime, timedelta, timezone
from typing import BinaryIO, Iterator

from eakte.storage.base import (
    CHUNK_SIZE,
    KEY_PREFIX,
    ObjectInfo,
    ObjectNotFound,
    StorageUnavailable,
    StoredObject,
    check_content,
    copy_hashing,
    is_valid_key,
    key_for,
    sha256_of_key,
    validate_sha256,
    verified_chunks,
)

_OBJECT_MODE = 0o444
_TEMP_DIR = "tmp"


class FileStore:
    """Content-addressed document store in a local directory.

    Args:
        root: Directory holding the store; created on first use.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.abspath(os.fspath(root))

    def __repr__(self) -> str:
        return f"FileStore({self.root!r})"

    def put(
        self,
        stream: BinaryIO,
        size: int | None = None,
        sha256: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> StoredObject:
        """Store a stream under its content hash (see ``DocumentStore.put``).

        ``content_type`` is not kept: the database row of the document holds it.
        """
        if sha256 is not None:
            validate_sha256(sha256)
        temp_dir = os.path.join(self.root, _TEMP_DIR)
        os.makedirs(temp_dir, exist_ok=True)
        fd, temp_path = tempfile.mkstemp(dir=temp_dir, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as temp_file:
                digest, written = copy_hashing(stream, temp_file)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            check_content(digest, written, sha256, size)
            os.chmod(temp_path, _OBJECT_MODE)
            key = key_for(digest)
            self._link_into_place(temp_path, key)
        finally:
            os.unlink(temp_path)
        return StoredObject(key=key, sha256=digest, size=written)

    def open(self, key: str) -> Iterator[bytes]:
        """Stream an object in 64 KiB chunks, verifying its hash at the end."""
        sha256 = sha256_of_key(key)
        path = self._path(key)
        if not os.path.isfile(path):
            raise ObjectNotFound(key)
        return verified_chunks(_read_chunks(path, key), sha256)

    def read(self, key: str) -> bytes:
        """Return the whole content of an object, verified by hash."""
        return b"".join(self.open(key))

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``."""
        return os.path.isfile(self._path(key))

    def info(self, key: str) -> ObjectInfo:
        """Return size and modification time of an object."""
        try:
            stat = os.stat(self._path(key))
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return _object_info(key, stat)

    def delete(self, key: str) -> None:
        """Remove an object; a missing object is not an error."""
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Yield all content objects in key order, ignoring anything else."""
        objects_root = os.path.join(self.root, KEY_PREFIX.rstrip("/"))
        for dirpath, dirnames, filenames in os.walk(objects_root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                key = os.path.relpath(path, self.root).replace(os.sep, "/")
                if is_valid_key(key) and os.path.isfile(path):
                    yield _object_info(key, os.stat(path))

    def check(self) -> None:
        """Ensure the root directory exists and is writable.

        Raises:
            StorageUnavailable: It cannot be created or is not writable.
        """
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailable(f"cannot create store directory {self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"store directory {self.root} is not writable")

    def sweep_temp_files(self, older_than: timedelta) -> int:
        """Delete uploads left in ``tmp/`` by crashed writers.

        Args:
            older_than: Only files not modified for this long are removed, so
                that uploads in progress survive.

        Returns:
            The number of files removed.
        """
        temp_dir = os.path.join(self.root, _TEMP_DIR)
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        try:
            entries = list(os.scandir(temp_dir))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue
                removed += 1
        return removed

    def _path(self, key: str) -> str:
        sha256_of_key(key)
        return os.path.join(self.root, *key.split("/"))

    def _link_into_place(self, temp_path: str, key: str) -> None:
        final_path = self._path(key)
        final_dir = os.path.dirname(final_path)
        os.makedirs(final_dir, exist_ok=True)
        try:
            os.link(temp_path, final_path)
        except FileExistsError:
            return
        _fsync_dir(final_dir)


def _read_chunks(path: str, key: str) -> Iterator[bytes]:
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise ObjectNotFound(key) from None
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


def _object_info(key: str, stat: os.stat_result) -> ObjectInfo:
    modified_at = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc)
    return ObjectInfo(key=key, size=stat.st_size, modified_at=modified_at)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
