"""The official schemas the product bundles are unchanged copies of ../shared/standards."""

from __future__ import annotations

from pathlib import Path

import pytest

from eakte.xdomea.schema import DEFAULT_XSD
from processes.baugenehmigung.xbau import DEFAULT_SCHEMA_DIR
from tests import STANDARDS

BUNDLES = [
    (DEFAULT_XSD.parent, STANDARDS / "xdomea-3.0.0"),
    (DEFAULT_XSD.parents[1] / "xoev", STANDARDS / "xoev"),
    (DEFAULT_SCHEMA_DIR, STANDARDS / "xbau-2.6"),
]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.core
@pytest.mark.parametrize(("bundled", "official"), BUNDLES, ids=["xdomea", "xoev", "xbau"])
def test_bundled_schemas_are_the_official_files_unchanged(bundled, official):
    assert official.is_dir(), f"official standards missing at {official}"
    bundled_files, official_files = _files(bundled), _files(official)
    assert sorted(bundled_files) == sorted(official_files)
    changed = [name for name, content in bundled_files.items() if content != official_files[name]]
    assert changed == []
