"""The document store protocol, its errors and content-addressed keys.

Documents are stored by content: the key of an object is derived from the
SHA-256 of its bytes (``sha256/ab/cd/<64 hex>``), so an object is never
overwritten and storing the same bytes twice yields the same key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Iterator, Protocol

CHUNK_SIZE = 64 * 1024
"""Size of the chunks yielded by ``DocumentStore.open`` and used for copying."""

KEY_PREFIX = "sha256/"

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_KEY_RE = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")


class StorageError(Exception):
    """Base class of all document store errors."""


class StorageUnavailable(StorageError):
    """The backend is unreachable, timed out or answered with a server error."""


class ObjectNotFound(StorageError):
    """No object is stored under the requested key."""


class IntegrityMismatch(StorageError):
    """Bytes written or read do not match the expected SHA-256 or size."""


@dataclass(frozen=True)
class StoredObject:
    """Result of storing content.

    Attributes:
        key: Content-addressed key, ``sha256/ab/cd/<64 hex>``.
        sha256: Lowercase hex SHA-256 of the content.
        size: Content length in bytes.
    """

    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    """Metadata of a stored object.

    Attributes:
        key: Content-addressed key.
        size: Content length in bytes.
        modified_at: Time the object was stored, tz-aware UTC.
    """

    key: str
    size: int
    modified_at: datetime


class DocumentStore(Protocol):
    """Content-addressed, write-once storage for document bytes."""

    def put(
        self,
        stream: BinaryIO,
        size: int | None = None,
        sha256: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> StoredObject:
        """Store the bytes of ``stream`` under their content hash.

        The stream is hashed while it is copied, never loaded into memory as a
        whole. Storing content that already exists does not rewrite it.

        Args:
            stream: Readable binary stream, consumed to its end (or ``size``).
            size: Expected length in bytes, if known.
            sha256: Expected lowercase hex SHA-256, if known.
            content_type: MIME type, kept as object metadata where supported.

        Returns:
            Key, hash and size of the stored content.

        Raises:
            IntegrityMismatch: The content does not match ``sha256`` or
                ``size``; nothing is stored then.
            StorageUnavailable: The backend cannot be reached.
        """
        ...

    def open(self, key: str) -> Iterator[bytes]:
        """Stream an object in chunks of ``CHUNK_SIZE`` bytes.

        Raises:
            ObjectNotFound: No object is stored under ``key`` (raised by the
                call itself, before iteration).
            IntegrityMismatch: After the last chunk, if the bytes do not
                hash to the key.
        """
        ...

    def read(self, key: str) -> bytes:
        """Return the whole content of a (small) object, verified by hash."""
        ...

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``."""
        ...

    def info(self, key: str) -> ObjectInfo:
        """Return size and modification time of an object.

        Raises:
            ObjectNotFound: No object is stored under ``key``.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove an object; a missing object is not an error.

        Only disposal (Aussonderung) and the orphan sweeper may call this.
        """
        ...

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Yield all content objects, skipping temporary or foreign entries."""
        ...

    def check(self) -> None:
        """Verify the backend is usable (health check).

        Raises:
            StorageUnavailable: The backend cannot be used.
        """
        ...


def validate_sha256(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits.

    Raises:
        ValueError: It is not.
    """
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"invalid sha256 {sha256!r}: expected 64 lowercase hex digits")
    return sha256


def key_for(sha256: str) -> str:
    """Return the content-addressed key for a SHA-256 hex digest.

    Raises:
        ValueError: ``sha256`` is not 64 lowercase hex digits.
    """
    validate_sha256(sha256)
    return f"{KEY_PREFIX}{sha256[:2]}/{sha256[2:4]}/{sha256}"


def is_valid_key(key: object) -> bool:
    """Tell whether ``key`` is a well-formed content-addressed key."""
    if not isinstance(key, str):
        return False
    match = _KEY_RE.fullmatch(key)
    return bool(match) and match.group(3)[:2] == match.group(1) and match.group(3)[2:4] == match.group(2)


def sha256_of_key(key: str) -> str:
    """Return the SHA-256 digest encoded in a key.

    Raises:
        ValueError: ``key`` is not a well-formed content-addressed key, e.g.
            one that tries to leave the store (``../``).
    """
    if not is_valid_key(key):
        raise ValueError(f"invalid storage key {key!r}: expected 'sha256/ab/cd/<64 hex>'")
    return key.rsplit("/", 1)[1]


def verified_chunks(chunks: Iterator[bytes], sha256: str) -> Iterator[bytes]:
    """Pass ``chunks`` through and check their hash after the last one.

    Raises:
        IntegrityMismatch: The bytes do not hash to ``sha256``.
    """
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != sha256:
        raise IntegrityMismatch(f"stored bytes hash to {digest.hexdigest()}, expected {sha256}")


def copy_hashing(stream: BinaryIO, target: BinaryIO) -> tuple[str, int]:
    """Copy ``stream`` to ``target`` in chunks, hashing on the way.

    Returns:
        The SHA-256 hex digest and the number of bytes copied.
    """
    digest = hashlib.sha256()
    copied = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        target.write(chunk)
        copied += len(chunk)
    return digest.hexdigest(), copied


def check_content(sha256: str, size: int, expected_sha256: str | None, expected_size: int | None) -> None:
    """Compare received content with what the caller announced.

    Raises:
        IntegrityMismatch: Size or hash differ from the expected values.
    """
    if expected_size is not None and size != expected_size:
        raise IntegrityMismatch(f"received {size} bytes, expected {expected_size}")
    if expected_sha256 is not None and sha256 != expected_sha256:
        raise IntegrityMismatch(f"content hashes to {sha256}, expected {expected_sha256}")
