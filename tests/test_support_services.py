"""The real PostgreSQL and SeaweedFS servers start, serve and stop again."""

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error
from sqlalchemy import create_engine, make_url, text

from tests.support.services import port_is_open, running_postgres, running_seaweed


class _Boom(Exception):
    pass


def _minio(url: str, http: urllib3.PoolManager, secret: str | None = None) -> tuple[Minio, str]:
    parts = urlsplit(url)
    assert parts.scheme == "s3"
    assert parse_qs(parts.query) == {"secure": ["false"]}
    client = Minio(
        f"{parts.hostname}:{parts.port}",
        access_key=parts.username,
        secret_key=secret or parts.password,
        secure=False,
        http_client=http,
    )
    return client, parts.path.lstrip("/")


def test_postgres_serves_sql_and_stops(tmp_path: Path) -> None:
    with running_postgres(tmp_path) as url:
        parsed = make_url(url)
        assert (parsed.drivername, parsed.host) == ("postgresql+psycopg", "127.0.0.1")
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                row = connection.execute(
                    text("select 1, current_user, current_database()")
                ).one()
        finally:
            engine.dispose()
        assert tuple(row) == (1, "aktenfluss", "aktenfluss")
        assert port_is_open(parsed.port)
    assert not port_is_open(parsed.port)


def test_postgres_stops_when_the_body_raises(tmp_path: Path) -> None:
    with pytest.raises(_Boom), running_postgres(tmp_path / "missing" / "pg") as url:
        port = make_url(url).port
        assert port_is_open(port)
        raise _Boom
    assert not port_is_open(port)


def test_seaweed_round_trip_and_stop(tmp_path: Path) -> None:
    http = urllib3.PoolManager(retries=urllib3.Retry(total=0))
    try:
        with running_seaweed(tmp_path) as url:
            client, bucket = _minio(url, http)
            assert client.bucket_exists(bucket)
            client.put_object(bucket, "akte/1.txt", io.BytesIO(b"Bescheid"), 8)
            response = client.get_object(bucket, "akte/1.txt")
            try:
                assert response.read() == b"Bescheid"
            finally:
                response.close()
                response.release_conn()

            intruder, _ = _minio(url, http, secret="not-the-secret")
            with pytest.raises(S3Error):
                intruder.list_buckets()
            port = urlsplit(url).port
            assert port_is_open(port)
    finally:
        http.clear()
    assert not port_is_open(port)


def test_seaweed_stops_when_the_body_raises(tmp_path: Path) -> None:
    with pytest.raises(_Boom), running_seaweed(tmp_path / "missing" / "s3") as url:
        port = urlsplit(url).port
        assert port_is_open(port)
        raise _Boom
    assert not port_is_open(port)
