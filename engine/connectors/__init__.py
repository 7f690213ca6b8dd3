"""Connectors to specialist systems (Fachverfahren): configuration and the HTTP/JSON client."""
