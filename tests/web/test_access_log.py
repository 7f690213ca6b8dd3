"""Access logs keep no secrets: a delivery link's token never reaches the log of either server."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config
from werkzeug.serving import make_server

from web.access_log import RedactingGunicornLogger, redact_target

pytestmark = pytest.mark.core

TOKEN = "Zq3kP0_x9vB2-mN8rT5wY1uA7sD4fG6hJ0kL2zX"


def test_werkzeug_request_log_has_the_token_redacted(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            response = requests.get(f"http://127.0.0.1:{server.server_port}/api/v1/delivery/{TOKEN}/content"
                                    f"?token={TOKEN}", timeout=10)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
    assert response.status_code == 404
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/api/v1/delivery/[redacted]/content" in line for line in lines), lines
    assert not any(TOKEN in line for line in lines)


def test_gunicorn_access_log_has_the_token_redacted(tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s')
    logger = RedactingGunicornLogger(config)
    target = f"/api/v1/delivery/{TOKEN}/content"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{target}?code=geheim", "PATH_INFO": target,
               "QUERY_STRING": "code=geheim", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7"}
    request = SimpleNamespace(headers=[("REFERER", f"https://stadt.example{target}")])
    response = SimpleNamespace(status="404 NOT FOUND", response_length=0, sent=0, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert TOKEN not in line and "geheim" not in line
    assert "/api/v1/delivery/[redacted]/content" in line


def test_ordinary_addresses_stay_readable():
    assert redact_target("/api/v1/cases/0b6e2f8a-1b2c-4d5e-8f90-123456789abc/history?page=2") == \
        "/api/v1/cases/0b6e2f8a-1b2c-4d5e-8f90-123456789abc/history?page=2"
    assert redact_target("/ui/vendor/bpmn-viewer.production.min.js") == "/ui/vendor/bpmn-viewer.production.min.js"
    assert redact_target("/ui/oidc/callback?code=abc&state=xyz") == "/ui/oidc/callback?code=[redacted]&state=[redacted]"
