"""Document storage of the E-Akte: one protocol, a local and an S3 backend.

``open_store`` picks the backend from a URL:

- ``file:///abs/path`` or a plain path (relative to the current directory):
  ``FileStore`` (embedded default);
- ``s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false&region=...``: ``S3Store``.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from eakte.storage.base import (
    CHUNK_SIZE,
    DocumentStore,
    IntegrityMismatch,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    StoredObject,
    key_for,
)
from eakte.storage.filestore import FileStore
from eakte.storage.s3location import S3Location, build_http_client, parse_s3_url
from eakte.storage.s3store import S3Store, s3_store_from_url

__all__ = [
    "CHUNK_SIZE",
    "DocumentStore",
    "FileStore",
    "IntegrityMismatch",
    "ObjectInfo",
    "ObjectNotFound",
    "S3Location",
    "S3Store",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "build_http_client",
    "key_for",
    "open_store",
    "parse_s3_url",
]


def open_store(url: str) -> DocumentStore:
    """Create the document store a URL describes.

    Args:
        url: ``file:///abs/path``, a filesystem path, or
            ``s3://ACCESS:SECRET@HOST:PORT/BUCKET`` with optional query
            parameters ``secure`` (default ``true``) and ``region``.

    Returns:
        A ``FileStore`` or an ``S3Store``. Nothing is created or contacted.

    Raises:
        ValueError: The URL is empty, malformed or has an unknown scheme.
    """
    if not url:
        raise ValueError("storage URL is empty")
    scheme = urlsplit(url).scheme
    if scheme == "s3":
        return s3_store_from_url(url)
    if scheme == "file":
        return FileStore(_file_url_path(url))
    if scheme == "":
        return FileStore(url)
    raise ValueError(f"unknown storage URL scheme {scheme!r}: expected file:// or s3://")


def _file_url_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"file URL {url!r} must not name a host: use file:///abs/path")
    if parts.query or parts.fragment:
        raise ValueError(f"file URL {url!r} must not have a query or fragment")
    path = unquote(parts.path)
    if not os.path.isabs(path):
        raise ValueError(f"file URL {url!r} needs an absolute path: use file:///abs/path")
    return path
