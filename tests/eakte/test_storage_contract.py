"""Contract of the document store, run against both backends.

``FileStore`` (local directory) and ``S3Store`` (a real SeaweedFS S3 gateway)
must behave the same; backend-specific guarantees (file mode, temp files, S3
metadata, outages, URL parsing) are tested at the end.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from eakte.storage import (
    CHUNK_SIZE,
    FileStore,
    IntegrityMismatch,
    ObjectNotFound,
    S3Location,
    S3Store,
    StorageError,
    StorageUnavailable,
    key_for,
    open_store,
    parse_s3_url,
)
from tests.support.services import free_port, running_seaweed

MiB = 1024 * 1024
LARGE_SIZE = 40 * MiB
MEMORY_LIMIT = 16 * MiB
"""Peak of traced allocations allowed while moving a LARGE_SIZE object.

The S3 client holds up to about three 5 MiB multipart parts at once."""

OUTAGE_DEADLINE = 5.0
"""Seconds within which an unreachable backend must be reported."""


class GeneratedStream(io.RawIOBase):
    """A readable stream of ``size`` pseudo-random bytes, never held in memory at once."""

    _block = random.Random(4711).randbytes(MiB)

    def __init__(self, size: int) -> None:
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        count = min(len(buffer), self._size - self._position, MiB - self._position % MiB)
        start = self._position % MiB
        buffer[:count] = self._block[start : start + count]
        self._position += count
        return count


def generated_sha256(size: int) -> str:
    digest = hashlib.sha256()
    stream = GeneratedStream(size)
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def peak_memory(action: Callable[[], object]) -> int:
    """Run ``action`` and return the peak of Python allocations it made."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def overwrite_object(store: FileStore | S3Store, key: str, data: bytes) -> None:
    """Replace the stored bytes behind the store's back, as corruption would."""
    if isinstance(store, FileStore):
        path = Path(store.root, *key.split("/"))
        path.chmod(0o644)
        path.write_bytes(data)
    else:
        store.client.put_object(store.bucket, key, io.BytesIO(data), len(data))


def write_foreign_entries(store: FileStore | S3Store) -> None:
    """Store entries that are not content objects: temp uploads, stray names."""
    names = ["other/readme.txt", "sha256/ab/cd/not-a-hash", f"sha256/00/00/{'ab' * 32}"]
    if isinstance(store, FileStore):
        for name in [*names, "tmp/upload-crashed"]:
            path = Path(store.root, *name.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"foreign")
    else:
        for name in names:
            store.client.put_object(store.bucket, name, io.BytesIO(b"foreign"), 7)


INVALID_KEYS = [
    "",
    "../../etc/passwd",
    "/etc/passwd",
    "sha256/../../../etc/passwd",
    f"sha256/ab/cd/../../ab/cd/{'ab' * 32}",
    f"sha256/ab/cd/{'ab' * 32}/..",
    f"sha256/ab/cd/{'AB' * 32}",
    f"sha256/ab/cd/{'ab' * 32}\n",
    f"sha256/ab/cd/{'g' * 64}",
    f"sha256/cd/ab/{'ab' * 32}",
    f"sha256/abcd/{'ab' * 32}",
    f"md5/ab/cd/{'ab' * 32}",
    f"./sha256/ab/ab/{'ab' * 32}",
]


# --- contract, both backends ------------------------------------------------


def test_put_and_read_round_trip(store):
    data = b"Bauantrag, Anlage 1\n" * 100

    stored = store.put(io.BytesIO(data), content_type="text/plain")

    assert stored.sha256 == sha256_hex(data)
    assert stored.key == key_for(stored.sha256) == f"sha256/{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}"
    assert stored.size == len(data)
    assert store.read(stored.key) == data
    assert b"".join(store.open(stored.key)) == data


@pytest.mark.parametrize("announce", ["size", "sha256", "both"])
def test_put_with_announced_size_or_hash(store, announce):
    data = os.urandom(100_000)
    size = len(data) if announce in ("size", "both") else None
    sha256 = sha256_hex(data) if announce in ("sha256", "both") else None

    stored = store.put(io.BytesIO(data), size=size, sha256=sha256)

    assert (stored.sha256, stored.size) == (sha256_hex(data), len(data))
    assert store.read(stored.key) == data


def test_empty_object(store):
    stored = store.put(io.BytesIO(b""), size=0, sha256=sha256_hex(b""))

    assert stored.size == 0
    assert store.read(stored.key) == b""
    assert store.info(stored.key).size == 0


def test_open_streams_in_chunks(store):
    data = os.urandom(3 * CHUNK_SIZE + 17)
    stored = store.put(io.BytesIO(data))

    chunks = list(store.open(stored.key))

    assert b"".join(chunks) == data
    assert len(chunks) >= 4
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE


@pytest.mark.parametrize("announce", [False, True], ids=["unknown-size", "announced"])
def test_large_object_streams_with_bounded_memory(store, announce):
    expected_sha256 = generated_sha256(LARGE_SIZE)
    kwargs = {"size": LARGE_SIZE, "sha256": expected_sha256} if announce else {}
    results = []

    put_peak = peak_memory(lambda: results.append(store.put(GeneratedStream(LARGE_SIZE), **kwargs)))
    stored = results[0]
    digest = hashlib.sha256()

    def read_all() -> None:
        for chunk in store.open(stored.key):
            digest.update(chunk)

    read_peak = peak_memory(read_all)

    assert (stored.sha256, stored.size) == (expected_sha256, LARGE_SIZE)
    assert digest.hexdigest() == expected_sha256
    assert put_peak < MEMORY_LIMIT, f"put allocated up to {put_peak / MiB:.1f} MiB"
    assert read_peak < MEMORY_LIMIT, f"open allocated up to {read_peak / MiB:.1f} MiB"


def test_put_same_content_twice_is_idempotent(store):
    data = b"Geburtsanzeige"
    first = store.put(io.BytesIO(data))
    modified_at = store.info(first.key).modified_at
    time.sleep(1.1)  # S3 reports modification times in whole seconds

    again = store.put(io.BytesIO(data))
    announced = store.put(io.BytesIO(data), size=len(data), sha256=first.sha256)

    assert again == first == announced
    assert store.info(first.key).modified_at == modified_at
    assert [info.key for info in store.iter_objects()] == [first.key]


@pytest.mark.parametrize("size", [1000, 6 * MiB], ids=["small", "multipart"])
@pytest.mark.parametrize("announce_size", [False, True], ids=["hash-only", "hash-and-size"])
def test_hash_mismatch_leaves_nothing(store, size, announce_size):
    data = os.urandom(size)
    claimed = sha256_hex(b"something else")

    with pytest.raises(IntegrityMismatch):
        store.put(io.BytesIO(data), size=size if announce_size else None, sha256=claimed)

    assert list(store.iter_objects()) == []
    assert not store.exists(key_for(claimed))
    assert not store.exists(key_for(sha256_hex(data)))


@pytest.mark.parametrize("actual", [b"too short", b"far too long for the announced size"])
def test_size_mismatch_leaves_nothing(store, actual):
    announced = b"exactly twenty bytes"

    with pytest.raises(IntegrityMismatch):
        store.put(io.BytesIO(actual), size=len(announced), sha256=sha256_hex(announced))
    with pytest.raises(IntegrityMismatch):
        store.put(io.BytesIO(actual), size=len(announced))

    assert list(store.iter_objects()) == []


def test_wrong_content_for_existing_hash_is_rejected(store):
    original = b"Baugenehmigung erteilt"
    stored = store.put(io.BytesIO(original))
    forged = b"Baugenehmigung versagt"

    with pytest.raises(IntegrityMismatch):
        store.put(io.BytesIO(forged), size=len(forged), sha256=stored.sha256)

    assert store.read(stored.key) == original


@pytest.mark.parametrize("size", [1000, 6 * MiB], ids=["small", "multipart"])
@pytest.mark.parametrize("announce_size", [False, True], ids=["size-unknown", "size-announced"])
def test_put_never_rewrites_an_existing_object(store, size, announce_size):
    data = os.urandom(size)
    stored = store.put(io.BytesIO(data))
    overwrite_object(store, stored.key, b"planted behind the store's back")

    again = store.put(io.BytesIO(data), size=size if announce_size else None)

    assert again == stored
    with pytest.raises(IntegrityMismatch):  # still the planted bytes: the put wrote nothing
        store.read(stored.key)


def test_missing_object(store):
    key = key_for(sha256_hex(b"never stored"))

    assert not store.exists(key)
    with pytest.raises(ObjectNotFound):
        store.open(key)
    with pytest.raises(ObjectNotFound):
        store.read(key)
    with pytest.raises(ObjectNotFound):
        store.info(key)
    store.delete(key)


def test_exists_info_and_delete(store):
    before = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=2)
    stored = store.put(io.BytesIO(b"Anlage"))

    info = store.info(stored.key)

    assert store.exists(stored.key)
    assert (info.key, info.size) == (stored.key, 6)
    assert info.modified_at.utcoffset() == timedelta(0)
    assert before <= info.modified_at <= datetime.now(timezone.utc) + timedelta(seconds=2)

    store.delete(stored.key)

    assert not store.exists(stored.key)
    with pytest.raises(ObjectNotFound):
        store.read(stored.key)


def test_iter_objects_lists_only_content_objects(store):
    stored = {store.put(io.BytesIO(data)).key for data in (b"eins", b"zwei", b"drei")}
    write_foreign_entries(store)

    listed = {info.key: info.size for info in store.iter_objects()}

    assert listed == {key: 4 for key in stored}


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_are_rejected(store, key):
    for operation in (store.open, store.read, store.exists, store.info, store.delete):
        with pytest.raises(ValueError, match="invalid storage key"):
            operation(key)


@pytest.mark.parametrize("sha256", ["", "AB" * 32, "ab" * 31, "../" + "ab" * 31])
def test_invalid_announced_hash_is_rejected(store, sha256):
    with pytest.raises(ValueError, match="invalid sha256"):
        store.put(io.BytesIO(b"x"), sha256=sha256)


def test_corrupted_object_fails_on_read(store):
    stored = store.put(io.BytesIO(b"original bytes"))
    overwrite_object(store, stored.key, b"tampered bytes")

    with pytest.raises(IntegrityMismatch):
        store.read(stored.key)
    chunks = store.open(stored.key)
    assert next(chunks) == b"tampered bytes"
    with pytest.raises(IntegrityMismatch):
        next(chunks)


def test_check_passes(store):
    store.check()


# --- FileStore specifics ------------------------------------------------------


def test_file_objects_are_read_only(file_store):
    stored = file_store.put(io.BytesIO(b"Akte"))

    path = Path(file_store.root, *stored.key.split("/"))

    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_file_store_leaves_no_temp_file(file_store):
    file_store.put(io.BytesIO(b"kept"))
    with pytest.raises(IntegrityMismatch):
        file_store.put(io.BytesIO(b"rejected"), sha256=sha256_hex(b"other"))

    assert os.listdir(Path(file_store.root, "tmp")) == []


def test_file_store_removes_temp_file_when_stream_fails(file_store):
    class BrokenStream(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:
            raise OSError("client went away")

    with pytest.raises(OSError, match="client went away"):
        file_store.put(BrokenStream())

    assert os.listdir(Path(file_store.root, "tmp")) == []


def test_sweep_removes_only_old_temp_files(file_store):
    temp_dir = Path(file_store.root, "tmp")
    temp_dir.mkdir(parents=True)
    old, fresh = temp_dir / "upload-old", temp_dir / "upload-fresh"
    old.write_bytes(b"crashed")
    fresh.write_bytes(b"in progress")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    stored = file_store.put(io.BytesIO(b"content"))

    removed = file_store.sweep_temp_files(older_than=timedelta(minutes=30))

    assert removed == 1
    assert sorted(os.listdir(temp_dir)) == ["upload-fresh"]
    assert file_store.exists(stored.key)


def test_file_store_check_creates_root(tmp_path):
    store = FileStore(tmp_path / "new" / "documents")

    store.check()

    assert (tmp_path / "new" / "documents").is_dir()


def test_file_store_check_fails_when_root_is_a_file(tmp_path):
    (tmp_path / "occupied").write_bytes(b"")

    with pytest.raises(StorageUnavailable):
        FileStore(tmp_path / "occupied").check()


# --- S3Store specifics ------------------------------------------------------


def test_s3_object_carries_hash_and_content_type(s3_store):
    stored = s3_store.put(io.BytesIO(b"%PDF-1.7"), content_type="application/pdf")

    stat_result = s3_store.client.stat_object(s3_store.bucket, stored.key)

    assert stat_result.content_type == "application/pdf"
    assert stat_result.metadata["x-amz-meta-sha256"] == stored.sha256


@pytest.mark.parametrize("announce", [False, True], ids=["size-unknown", "size-announced"])
def test_s3_small_put_is_one_conditional_request(s3_store, announce):
    data = os.urandom(1000)
    trace = io.StringIO()
    s3_store.client.trace_on(trace)
    try:
        s3_store.put(io.BytesIO(data), size=len(data) if announce else None)
        s3_store.put(io.BytesIO(data), size=len(data) if announce else None)
    finally:
        s3_store.client.trace_off()

    requests = [line.split()[0] for line in trace.getvalue().splitlines() if line.endswith("HTTP/1.1")]
    assert requests == ["PUT", "PUT"]  # no existence check before either
    assert trace.getvalue().count("If-None-Match: *") == 2
    assert "HTTP/1.1 412" in trace.getvalue()  # the second one was refused: nothing rewritten
    assert s3_store.read(key_for(sha256_hex(data))) == data


def test_s3_check_fails_for_missing_bucket(s3_store):
    missing = S3Store(s3_store.client, "no-such-bucket-here")

    with pytest.raises(StorageUnavailable, match="does not exist"):
        missing.check()


def test_s3_ensure_bucket_is_idempotent(s3_store):
    s3_store.ensure_bucket()

    s3_store.check()


def assert_fails_fast(action: Callable[[], object]) -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        action()
    assert time.monotonic() - started < OUTAGE_DEADLINE


def test_s3_unreachable_endpoint_fails_fast():
    store = open_store(f"s3://key:secret@127.0.0.1:{free_port()}/documents?secure=false")
    key = key_for(sha256_hex(b"x"))

    assert_fails_fast(lambda: store.put(io.BytesIO(b"x")))
    assert_fails_fast(lambda: store.put(io.BytesIO(b"x"), size=1, sha256=sha256_hex(b"x")))
    assert_fails_fast(lambda: store.read(key))
    assert_fails_fast(lambda: store.exists(key))
    assert_fails_fast(lambda: list(store.iter_objects()))
    assert_fails_fast(store.check)


class _ServiceUnavailableHandler(BaseHTTPRequestHandler):
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code>'
        b"<Message>Please reduce your request rate.</Message></Error>"
    )

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.body)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_s3_url() -> Iterator[str]:
    """URL of a local HTTP server answering every request with 503."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ServiceUnavailableHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"s3://key:secret@127.0.0.1:{server.server_address[1]}/documents?secure=false&region=us-east-1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_s3_server_errors_become_unavailable(failing_s3_url):
    store = open_store(failing_s3_url)

    assert_fails_fast(lambda: store.put(io.BytesIO(b"x")))
    assert_fails_fast(lambda: store.read(key_for(sha256_hex(b"x"))))
    assert_fails_fast(store.check)


def test_s3_stopped_server_becomes_unavailable(tmp_path):
    with running_seaweed(tmp_path) as url:
        store = open_store(url)
        stored = store.put(io.BytesIO(b"vor dem Ausfall"))
        store.check()

    assert_fails_fast(lambda: store.put(io.BytesIO(b"nach dem Ausfall")))
    assert_fails_fast(lambda: store.read(stored.key))
    assert_fails_fast(store.check)


# --- open_store -------------------------------------------------------------


def test_open_store_file_url_and_plain_path(tmp_path):
    by_url = open_store(f"file://{tmp_path}/docs%20dir")
    by_path = open_store(str(tmp_path / "docs dir"))

    assert isinstance(by_url, FileStore) and isinstance(by_path, FileStore)
    assert by_url.root == by_path.root == str(tmp_path / "docs dir")


def test_parse_s3_url_decodes_credentials():
    location = parse_s3_url("s3://ak%2Fid:se%40cr%3Aet@127.0.0.1:9000/documents?secure=false&region=eu-central-1")

    assert location == S3Location(
        endpoint="127.0.0.1:9000",
        bucket="documents",
        access_key="ak/id",
        secret_key="se@cr:et",
        secure=False,
        region="eu-central-1",
    )
    assert "se@cr:et" not in repr(location)


def test_parse_s3_url_defaults():
    assert parse_s3_url("s3://s3.example.org/documents") == S3Location(endpoint="s3.example.org", bucket="documents")


def test_open_store_s3_url():
    store = open_store("s3://ak:sk@127.0.0.1:9000/documents?secure=false")

    assert isinstance(store, S3Store)
    assert store.bucket == "documents"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "empty"),
        ("ftp://host/path", "unknown storage URL scheme 'ftp'"),
        ("s3://ak:sk@127.0.0.1:9000", "no bucket"),
        ("s3://ak:sk@127.0.0.1:9000/", "no bucket"),
        ("s3://ak:sk@127.0.0.1:9000/a/b", "must not contain '/'"),
        ("s3:///documents", "no host"),
        ("s3://ak:sk@127.0.0.1:port/documents", "invalid port"),
        ("s3://ak@127.0.0.1/documents", "no secret key"),
        ("s3://ak:sk@127.0.0.1/documents?secure=maybe", "secure must be true or false"),
        ("s3://ak:sk@127.0.0.1/documents?bucket=x", "unknown parameter 'bucket'"),
        ("s3://ak:sk@127.0.0.1/x", "invalid bucket name"),
        ("file://server/share", "must not name a host"),
        ("file:relative/path", "absolute path"),
    ],
)
def test_open_store_rejects_bad_urls(url, problem):
    with pytest.raises(ValueError, match=problem):
        open_store(url)


def test_bad_url_error_does_not_reveal_secret():
    with pytest.raises(ValueError) as excinfo:
        open_store("s3://ak:topsecret@127.0.0.1:9000/")

    assert "topsecret" not in str(excinfo.value)


def test_storage_errors_share_a_base():
    assert all(issubclass(error, StorageError) for error in (StorageUnavailable, ObjectNotFound, IntegrityMismatch))
