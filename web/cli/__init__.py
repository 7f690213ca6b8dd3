"""The `aktenfluss` command line: one module per area, all commands on one group."""

from web.cli import bench, eakte, online, packages, run, setup  # noqa: F401  (registers the commands)
from web.cli.common import main

__all__ = ["main"]
