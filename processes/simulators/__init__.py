"""Specialist-system simulators (land register, zoning, residents' register, statistics) for tests and the demo.

Each is a small JSON service on a loopback port with an API key and failure
modes; the product reaches them only through the generic HTTP connector.
"""

from processes.simulators.runner import SimulatorSet, start_simulators

__all__ = ["SimulatorSet", "start_simulators"]
