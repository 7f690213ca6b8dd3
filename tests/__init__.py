"""Aktenfluss tests; ``STANDARDS`` is the folder of official schemas and examples beside the repository."""

from pathlib import Path

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards"
