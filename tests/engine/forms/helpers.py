"""Camunda Modeler style fixtures: a C8 and a C7 model with their form-js forms."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def form_files() -> dict[str, bytes]:
    """The .form files of the fixtures."""
    return {path.name: path.read_bytes() for path in sorted(FIXTURES.glob("*.form"))}


def model_files(model: str, process_key: str | None = None) -> dict[str, bytes]:
    """A fixture model (``antrag_c8`` or ``antrag_c7``) with its forms, optionally under a fresh process id."""
    bpmn = (FIXTURES / f"{model}.bpmn").read_bytes()
    if process_key:
        bpmn = bpmn.replace(f'id="{model[-2:]}_antrag"'.encode(), f'id="{process_key}"'.encode())
        bpmn = bpmn.replace(f'processRef="{model[-2:]}_antrag"'.encode(), f'processRef="{process_key}"'.encode())
    return {f"{model}.bpmn": bpmn, **form_files()}


def form_definition(name: str) -> dict:
    """A fixture form as JSON."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))
