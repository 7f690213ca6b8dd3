"""Helpers shared by the test suites: real backing services for the session."""
