"""Where an S3 document store is and how it is reached: the ``s3://`` URL and the HTTP client."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

import urllib3


def build_http_client(
    connect_timeout: float = 3.0,
    read_timeout: float = 30.0,
    retries: int = 2,
) -> urllib3.PoolManager:
    """Return an HTTP pool for ``minio.Minio`` that gives up quickly.

    Args:
        connect_timeout: Seconds to wait for a TCP connection.
        read_timeout: Seconds to wait for data on an open connection.
        retries: Retries on connection errors and 5xx answers, with a short
            backoff; ``Retry-After`` headers are not honoured.

    Returns:
        A pool manager verifying TLS certificates against the system store
        (or ``SSL_CERT_FILE``).
    """
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE"),
        retries=urllib3.Retry(
            total=retries,
            backoff_factor=0.2,
            status_forcelist=[500, 502, 503, 504],
            respect_retry_after_header=False,
        ),
    )


@dataclass(frozen=True)
class S3Location:
    """Where an ``S3Store`` keeps its objects, as parsed from an ``s3://`` URL.

    Attributes:
        endpoint: ``host`` or ``host:port``.
        bucket: Bucket name.
        access_key: Access key, or ``None`` for anonymous access.
        secret_key: Secret key (hidden from ``repr``).
        secure: Use HTTPS.
        region: Region, or ``None`` to let the client discover it.
    """

    endpoint: str
    bucket: str
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    secure: bool = True
    region: str | None = None


def parse_s3_url(url: str) -> S3Location:
    """Parse ``s3://ACCESS:SECRET@HOST:PORT/BUCKET?secure=false&region=...``.

    Credentials are percent-decoded. Query parameters: ``secure`` (``true`` or
    ``false``, default ``true``) and ``region``. Error messages never contain
    the secret key.

    Raises:
        ValueError: The URL is malformed, names no host or no bucket, or has
            unknown parameters.
    """
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ValueError(f"not an s3:// URL: {_redact(url)!r}")
    try:
        parts.port
    except ValueError as exc:
        raise ValueError(f"invalid port in S3 URL {_redact(url)!r}") from exc
    if not parts.hostname:
        raise ValueError(f"S3 URL {_redact(url)!r} names no host")
    bucket = parts.path.strip("/")
    if not bucket:
        raise ValueError(f"S3 URL {_redact(url)!r} names no bucket (expected s3://HOST/BUCKET)")
    if "/" in bucket:
        raise ValueError(f"S3 URL {_redact(url)!r}: bucket name must not contain '/'")
    access_key = unquote(parts.username) if parts.username else None
    secret_key = unquote(parts.password) if parts.password is not None else None
    if access_key and secret_key is None:
        raise ValueError(f"S3 URL {_redact(url)!r} has an access key but no secret key")
    secure, region = _parse_options(url, parts.query)
    return S3Location(
        endpoint=parts.netloc.rsplit("@", 1)[-1],
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        region=region,
    )


def _parse_options(url: str, query: str) -> tuple[bool, str | None]:
    secure, region = True, None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "secure":
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"S3 URL {_redact(url)!r}: secure must be true or false, not {value!r}")
            secure = value.lower() in ("true", "1")
        elif name == "region":
            region = value or None
        else:
            raise ValueError(f"S3 URL {_redact(url)!r}: unknown parameter {name!r}")
    return secure, region


def _redact(url: str) -> str:
    """Return ``url`` with its secret key replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0]
    return parts._replace(netloc=f"{userinfo}:***@{netloc[1]}").geturl()
