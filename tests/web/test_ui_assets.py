"""Browser libraries are served from node_modules: only the allowed files and folders, nothing outside them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.core


def _get(client, path):
    """GET a served file and close the response (files are streamed)."""
    with client.get(path) as response:
        return response.status_code, response.get_data()


def test_kern_stylesheet_and_its_fonts_are_served(client):
    status, css = _get(client, "/ui/vendor/kern/kern.min.css")
    assert status == 200 and b".kern-btn" in css
    status, fonts = _get(client, "/ui/vendor/kern/fonts/fira-sans.css")
    assert status == 200 and b"FiraSans-Regular.woff2" in fonts
    assert _get(client, "/ui/vendor/kern/fonts/fira-sans/FiraSans-Regular.woff2")[0] == 200


@pytest.mark.parametrize("path", [
    "/ui/vendor/kern/../../bpmn-js/package.json",
    "/ui/vendor/kern/%2e%2e/%2e%2e/bpmn-js/dist/bpmn-viewer.production.min.js",
    "/ui/vendor/kern/js/kern-kopfzeile.js",       # not an allowed file type
    "/ui/vendor/kern/missing.css",
    "/ui/vendor/elsewhere/kern.min.css",          # not an allowed folder
    "/ui/vendor/package.json",
])
def test_anything_else_is_not_found(client, path):
    assert _get(client, path)[0] == 404


def test_pages_link_the_kern_stylesheet(client):
    html = client.get("/ui/anmelden").get_data(as_text=True)
    assert "/ui/vendor/kern/kern.min.css" in html and 'class="kern-form-input__input' in html
