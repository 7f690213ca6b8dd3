"""Document store in an S3 bucket (production), through the ``minio`` client.

Objects are stored under their content-addressed key with the metadata
``x-amz-meta-sha256``. The key has to be known before the upload starts.
Content of up to ``SINGLE_PUT_MAX`` bytes (5 MiB, most documents) whose size
is announced is read into memory, hashed once and sent in one conditional
PUT (``If-None-Match: *``): the server refuses to replace an existing object
(412), so nothing is ever rewritten and no existence check is needed. This
needs a server with conditional writes (AWS S3, MinIO; SeaweedFS 4.48 is tested).
Larger content goes through the client's multipart upload after an existence
check: if the caller announces hash and size, the stream is uploaded directly
and verified while it is read (a mismatch aborts the upload before it
completes); otherwise it is first spooled to a temporary file and hashed.
Memory per upload stays bounded: at most one 5 MiB body, or about three 5 MiB
multipart parts, whatever the object size.

Transport failures (refused connections, timeouts, 5xx answers) become
``StorageUnavailable``; the client from ``s3location.build_http_client`` gives
up within seconds. ``s3location`` also reads the ``s3://`` URL.
"""

from __future__ import annotations

import hashlib
import tempfile
from contextlib import contextmanager
from datetime import timezone
from typing import BinaryIO, Iterator

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import MIN_PART_SIZE, check_bucket_name

from eakte.storage.base import (
    CHUNK_SIZE,
    KEY_PREFIX,
    IntegrityMismatch,
    ObjectInfo,
    ObjectNotFound,
    StorageError,
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
from eakte.storage.s3location import build_http_client, parse_s3_url

SPOOL_MAX_MEMORY = 8 * 1024 * 1024
"""Uploads of unknown hash are kept in memory up to this size, then on disk."""

SINGLE_PUT_MAX = MIN_PART_SIZE
"""Largest content sent in one conditional PUT; the client splits larger content into parts."""

_SERVER_ERROR_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"})


def s3_store_from_url(url: str) -> S3Store:
    """Create an ``S3Store`` for an ``s3://`` URL (see ``parse_s3_url``).

    The client uses ``build_http_client``; nothing is contacted yet.

    Raises:
        ValueError: The URL or the bucket name is invalid.
    """
    location = parse_s3_url(url)
    client = Minio(
        location.endpoint,
        access_key=location.access_key,
        secret_key=location.secret_key,
        secure=location.secure,
        region=location.region,
        http_client=build_http_client(),
    )
    return S3Store(client, location.bucket)


class S3Store:
    """Content-addressed document store in one S3 bucket.

    Args:
        client: Configured minio client; use ``build_http_client`` for its
            ``http_client`` so that outages fail fast.
        bucket: Existing bucket name (see ``ensure_bucket``).
    """

    def __init__(self, client: Minio, bucket: str) -> None:
        check_bucket_name(bucket)
        self.client = client
        self.bucket = bucket

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r})"

    def put(
        self,
        stream: BinaryIO,
        size: int | None = None,
        sha256: str | None = None,
        content_type: str = "application/octet-stream",
    ) -> StoredObject:
        """Store a stream under its content hash (see ``DocumentStore.put``)."""
        if sha256 is not None:
            validate_sha256(sha256)
        if size is not None and size <= SINGLE_PUT_MAX:
            return self._put_whole(_read_announced(stream, size), sha256, content_type)
        if sha256 is not None and size:
            return self._put_direct(stream, size, sha256, content_type)
        return self._put_spooled(stream, size, sha256, content_type)

    def open(self, key: str) -> Iterator[bytes]:
        """Stream an object in 64 KiB chunks, verifying its hash at the end."""
        sha256 = sha256_of_key(key)
        with _translated_errors(key):
            response = self.client.get_object(self.bucket, key)
        return verified_chunks(_response_chunks(response, key), sha256)

    def read(self, key: str) -> bytes:
        """Return the whole content of an object, verified by hash."""
        return b"".join(self.open(key))

    def exists(self, key: str) -> bool:
        """Tell whether an object is stored under ``key``."""
        try:
            self.info(key)
        except ObjectNotFound:
            return False
        return True

    def info(self, key: str) -> ObjectInfo:
        """Return size and modification time of an object."""
        sha256_of_key(key)
        with _translated_errors(key):
            stat = self.client.stat_object(self.bucket, key)
        return ObjectInfo(key=key, size=stat.size, modified_at=stat.last_modified.astimezone(timezone.utc))

    def delete(self, key: str) -> None:
        """Remove an object; a missing object is not an error."""
        sha256_of_key(key)
        with _translated_errors(key):
            self.client.remove_object(self.bucket, key)

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Yield all content objects below ``sha256/``, ignoring anything else."""
        with _translated_errors():
            for obj in self.client.list_objects(self.bucket, prefix=KEY_PREFIX, recursive=True):
                if is_valid_key(obj.object_name):
                    yield ObjectInfo(
                        key=obj.object_name,
                        size=obj.size,
                        modified_at=obj.last_modified.astimezone(timezone.utc),
                    )

    def check(self) -> None:
        """Verify the endpoint answers and the bucket exists.

        Raises:
            StorageUnavailable: The endpoint is unreachable, rejects the
                credentials or the bucket is missing.
        """
        try:
            with _translated_errors():
                found = self.client.bucket_exists(self.bucket)
        except StorageError as exc:
            raise StorageUnavailable(f"S3 check failed: {exc}") from exc
        if not found:
            raise StorageUnavailable(f"S3 bucket {self.bucket!r} does not exist")

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist (for setup commands only)."""
        with _translated_errors():
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)

    def _put_direct(self, stream: BinaryIO, size: int, sha256: str, content_type: str) -> StoredObject:
        key = key_for(sha256)
        reader = _VerifyingReader(stream, size, sha256)
        if self.exists(key):
            reader.drain()
        else:
            self._upload(key, reader, size, sha256, content_type)
        return StoredObject(key=key, sha256=sha256, size=size)

    def _put_spooled(
        self, stream: BinaryIO, size: int | None, sha256: str | None, content_type: str
    ) -> StoredObject:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_MEMORY) as spool:
            digest, copied = copy_hashing(stream, spool)
            check_content(digest, copied, sha256, size)
            spool.seek(0)
            key = key_for(digest)
            if copied <= SINGLE_PUT_MAX:
                self._put_if_absent(key, spool.read(), digest, content_type)
            elif not self.exists(key):
                self._upload(key, spool, copied, digest, content_type)
        return StoredObject(key=key, sha256=digest, size=copied)

    def _put_whole(self, data: bytes, sha256: str | None, content_type: str) -> StoredObject:
        """Hash ``data`` once, check it against ``sha256`` and store it with one conditional PUT."""
        digest = hashlib.sha256(data).hexdigest()
        check_content(digest, len(data), sha256, None)
        key = key_for(digest)
        self._put_if_absent(key, data, digest, content_type)
        return StoredObject(key=key, sha256=digest, size=len(data))

    def _put_if_absent(self, key: str, data: bytes, sha256: str, content_type: str) -> None:
        """Send ``data`` in one PUT that the server refuses (412) if ``key`` exists already."""
        headers = {"Content-Type": content_type, "x-amz-meta-sha256": sha256, "If-None-Match": "*"}
        with _translated_errors(key):
            try:
                # The public put_object passes no conditional headers; its single-part
                # path calls exactly this method (minio 7.2).
                self.client._put_object(self.bucket, key, data, headers)
            except S3Error as exc:
                if exc.code != "PreconditionFailed":  # 412: the object exists, nothing is rewritten
                    raise

    def _upload(self, key: str, data: BinaryIO, size: int, sha256: str, content_type: str) -> None:
        with _translated_errors(key):
            self.client.put_object(
                self.bucket,
                key,
                data,
                size,
                content_type=content_type,
                metadata={"sha256": sha256},
                num_parallel_uploads=1,
            )


def _read_announced(stream: BinaryIO, size: int) -> bytes:
    """Read the ``size`` bytes a caller announced, failing if the stream is shorter or longer.

    Raises:
        IntegrityMismatch: The stream does not hold exactly ``size`` bytes.
    """
    chunks = []
    received = 0
    while received <= size and (chunk := stream.read(size + 1 - received)):
        chunks.append(chunk)
        received += len(chunk)
    if received > size:
        raise IntegrityMismatch(f"stream is longer than the announced {size} bytes")
    if received < size:
        raise IntegrityMismatch(f"stream ended after {received} bytes, expected {size}")
    return b"".join(chunks)  # a single chunk is returned as is, not copied


class _VerifyingReader:
    """Read exactly ``size`` bytes from a stream, checking length and hash.

    The check runs inside the read that returns the last byte, so an upload
    consuming this reader fails before it completes.
    """

    def __init__(self, stream: BinaryIO, size: int, sha256: str) -> None:
        self._stream = stream
        self._size = size
        self._sha256 = sha256
        self._digest = hashlib.sha256()
        self._consumed = 0

    def read(self, n: int = -1) -> bytes:
        remaining = self._size - self._consumed
        if remaining == 0:
            return b""
        if n is None or n < 0 or n > remaining:
            n = remaining
        data = self._stream.read(n)
        if not data:
            raise IntegrityMismatch(f"stream ended after {self._consumed} bytes, expected {self._size}")
        self._digest.update(data)
        self._consumed += len(data)
        if self._consumed == self._size:
            self._verify()
        return data

    def drain(self) -> None:
        while self.read(CHUNK_SIZE):
            pass

    def _verify(self) -> None:
        if self._stream.read(1):
            raise IntegrityMismatch(f"stream is longer than the announced {self._size} bytes")
        check_content(self._digest.hexdigest(), self._consumed, self._sha256, self._size)


def _response_chunks(response: urllib3.BaseHTTPResponse, key: str) -> Iterator[bytes]:
    try:
        with _translated_errors(key):
            yield from response.stream(CHUNK_SIZE)
    finally:
        response.close()
        response.release_conn()


@contextmanager
def _translated_errors(key: str | None = None) -> Iterator[None]:
    """Turn minio and urllib3 exceptions into storage errors."""
    try:
        yield
    except S3Error as exc:
        if exc.code == "NoSuchKey" and key is not None:
            raise ObjectNotFound(key) from exc
        status = getattr(exc.response, "status", 0) or 0
        if status >= 500 or exc.code in _SERVER_ERROR_CODES:
            raise StorageUnavailable(f"S3 server error: {exc}") from exc
        raise StorageError(f"S3 request failed: {exc}") from exc
    except ServerError as exc:
        if exc.status_code >= 500:
            raise StorageUnavailable(f"S3 server error: {exc}") from exc
        raise StorageError(f"S3 request failed: {exc}") from exc
    except InvalidResponseError as exc:
        raise StorageUnavailable(f"S3 endpoint sent an invalid response: {exc}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise StorageUnavailable(f"S3 endpoint unreachable: {exc}") from exc
