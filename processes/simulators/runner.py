"""Start the simulators on loopback ports, each in its own thread.

Used by the tests, by ``aktenfluss simulators`` and by the demo::

    with start_simulators() as simulators:
        simulators.url("alkis")          # http://127.0.0.1:<port>
        simulators.api_key               # value of the X-API-Key header
        simulators.connector_config()    # the connectors file that points the product at them
"""

from __future__ import annotations

import ipaddress
import secrets
import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from processes.simulators import alkis, bauleitplanung, melderegister, postfach, statistik
from processes.simulators.service import API_KEY_HEADER, Simulator

FACTORIES = {
    "alkis": alkis.create,
    "bauleitplanung": bauleitplanung.create,
    "melderegister": melderegister.create,
    "statistik": statistik.create,
    "postfach": postfach.create,
}

# Connector operations (see engine/connectors/config.py) served by each simulator: name -> (method, path).
# alkis.flurstueck and bauleitplanung.bebauungsplan are the operations bpmn/baugenehmigung calls;
# melderegister.* and statistik.report are called by bpmn/geburt and bpmn/eheschliessung.
OPERATIONS = {
    "alkis": {"alkis.flurstueck": ("GET", "/flurstuecke")},
    "bauleitplanung": {"bauleitplanung.bebauungsplan": ("GET", "/bebauungsplaene")},
    "melderegister": {"melderegister.lookup": ("POST", "/personen/suche"),
                      "melderegister.mitteilung": ("POST", "/mitteilungen")},
    "statistik": {"statistik.report": ("POST", "/meldungen")},
    "postfach": {"postfach.senden": ("POST", "/nachrichten")},
}
API_KEY_ENV = "AKTENFLUSS_SIMULATOR_API_KEY"


@dataclass
class RunningSimulator:
    """One simulator served by one thread."""

    simulator: Simulator
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        """Base URL of the simulator."""
        host, port = self.server.socket.getsockname()[:2]
        return f"http://{host}:{port}"


@dataclass
class SimulatorSet:
    """The running simulators; a context manager that stops them."""

    api_key: str
    running: dict[str, RunningSimulator] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """Base URL of the named simulator."""
        return self.running[name].url

    def urls(self) -> dict[str, str]:
        """Base URL of every simulator by name."""
        return {name: item.url for name, item in self.running.items()}

    def connector_config(self, api_key_env: str = API_KEY_ENV, timeout: float = 10.0) -> dict:
        """Return a connectors file (as data) sending every operation to these simulators.

        The key itself is not written: the header refers to ``${api_key_env}``.
        """
        operations = {}
        for name, item in self.running.items():
            for operation, (method, path) in OPERATIONS[name].items():
                operations[operation] = {"url": item.url, "method": method, "path": path, "timeout": timeout,
                                         "headers": {API_KEY_HEADER: f"${{{api_key_env}}}"}}
        return {"default": operations}

    def stop(self) -> None:
        """Stop every simulator and wait for its thread."""
        for item in self.running.values():
            item.simulator.stop()
            item.server.shutdown()
            item.server.server_close()
        for item in self.running.values():
            item.thread.join(timeout=5)
        self.running.clear()

    def __enter__(self) -> SimulatorSet:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start_simulators(host: str = "127.0.0.1", ports: dict[str, int] | None = None,
                     api_key: str | None = None) -> SimulatorSet:
    """Start all simulators on ``host`` (loopback only); a port of 0 or a missing one means any free port.

    Raises:
        ValueError: ``host`` is not a loopback address, or an unknown simulator is named in ``ports``.
    """
    check_binding(host, ports, FACTORIES)
    simulators = SimulatorSet(api_key=api_key or secrets.token_urlsafe(24))
    try:
        for name, factory in FACTORIES.items():
            simulator = factory(simulators.api_key)
            simulators.running[name] = RunningSimulator(simulator, *serve_in_thread(simulator, host,
                                                                                    (ports or {}).get(name, 0), name))
    except BaseException:
        simulators.stop()
        raise
    return simulators


def check_binding(host: str, ports: dict[str, int] | None, known) -> None:
    """Refuse a host that is not a loopback address and ports of simulators not in ``known``.

    Raises:
        ValueError: naming the host or the unknown simulators.
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"simulators bind to loopback addresses only, not {host}")
    unknown = set(ports or {}) - set(known)
    if unknown:
        raise ValueError(f"unknown simulator(s): {', '.join(sorted(unknown))} (known: {', '.join(known)})")


class _QuietRequestHandler(WSGIRequestHandler):
    """Logs only the requests a simulator failed (5xx): the worker polls every few seconds, which is no news."""

    def log_request(self, code="-", size="-") -> None:
        if str(code).startswith("5"):
            super().log_request(code, size)


def serve_in_thread(app, host: str, port: int, name: str) -> tuple[BaseWSGIServer, threading.Thread]:
    """Serve a simulator's WSGI app on ``host:port`` (0: any free port) in a daemon thread; return both."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name=f"simulator-{name}", daemon=True)
    thread.start()
    return server, thread
