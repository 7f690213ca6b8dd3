"""Browser tests: the app on a real HTTP server on 127.0.0.1, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.processes.procedure_env import start_installation

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Screenshots for reviewers (artifacts, never committed): AKTENFLUSS_SCREENSHOT_DIR or test-artifacts/screenshots.
SCREENSHOTS = Path(os.environ.get("AKTENFLUSS_SCREENSHOT_DIR")
                   or Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots")
VIEWPORT = {"width": 1280, "height": 900}


# Package scope: Playwright's sync API runs an asyncio loop in the main thread while it is
# open; it must be closed before other packages' tests run (pyHanko calls asyncio.run()).
@pytest.fixture(scope="package")
def live_server(app):
    """Serve the test app on a free port of 127.0.0.1; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="package")
def browser():
    """A headless Chromium (Debian's package; Playwright's own download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (scripts/test installs the Debian package)")
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing (scripts/test runs npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--lang=de-DE", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh browser context and page (own cookies) per test."""
    context = browser.new_context(locale="de-DE", viewport=VIEWPORT)
    tab = context.new_page()
    violations: list[str] = []
    tab.on("console", lambda message: violations.append(message.text)
           if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert not violations, "the page broke its Content-Security-Policy:\n" + "\n".join(violations)


def assert_accessible(tab) -> None:
    """Run axe-core (WCAG 2.1 A/AA) on the current page and fail on any violation."""
    tab.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, so the page's CSP need not allow it
    result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe found violations on {tab.url}:\n" + "\n".join(problems)


def screenshot(tab, name: str) -> Path:
    """Save a full-page screenshot of the current page (1280 px wide) as SCREENSHOTS/NAME.png for reviewers."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="module")
def installation(backend, tmp_path_factory):
    """App, simulators and seal as the procedure tests have them (tests/processes/procedure_env.py), for one test
    module; the app served on a free port of 127.0.0.1 (``installation.base_url``)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        inst, simulators = start_installation(tmp_path_factory.mktemp("installation"), backend, monkeypatch)
        with simulators:
            server = make_server("127.0.0.1", 0, inst.app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            inst.base_url = f"http://127.0.0.1:{server.server_port}"
            try:
                yield inst
            finally:
                server.shutdown()
                thread.join(timeout=5)
        inst.app.extensions["db_engine"].dispose()
