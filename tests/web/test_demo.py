"""The demo (README's first command) starts, serves the sign-in and a demo user's inbox, and stops on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_base_port() -> int:
    """A port whose neighbours +11, +12, +13 (the applicant-side simulators) are free too."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 60000:
            continue
        try:
            for offset in (0, 11, 12, 13):
                with socket.socket() as other:
                    other.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise AssertionError("no free ports for the demo")


def test_the_demo_starts_serves_its_users_and_stops(tmp_path):
    port = _free_base_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AKTENFLUSS_")}
    env |= {"AKTENFLUSS_INSTANCE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}  # the embedded default
    cli = [sys.executable, "-c", "from web.cli import main; main()"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    demo = subprocess.Popen([*cli, "demo", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Beenden mit Strg+C." in line:
                break
        text = "".join(output)
        assert "Beenden mit Strg+C." in text, text[-3000:]
        assert "callback to" not in text and "Traceback" not in text, text[-3000:]
        base = f"http://127.0.0.1:{port}"
        with requests.Session() as browser:
            page = browser.get(f"{base}/ui/anmelden", timeout=10)
            assert page.status_code == 200 and "Anmelden" in page.text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            signed_in = browser.post(f"{base}/ui/anmelden", timeout=10, data={
                "csrf_token": token, "behoerde": "schwerin", "benutzername": "posteingang",
                "passwort": "aktenfluss-demo"})
            assert signed_in.status_code == 200 and "Vollständigkeit prüfen" in signed_in.text
    finally:
        demo.send_signal(signal.SIGTERM)
        stopped = demo.wait(timeout=30)
        demo.stdout.close()
    assert stopped == 0
