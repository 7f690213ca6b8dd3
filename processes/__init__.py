"""Procedure packages: the BPMN models, service handlers and forms of each procedure."""

from engine.forms import FormRegistry
from engine.registry import ServiceRegistry


def register_all(registry: ServiceRegistry, forms: FormRegistry) -> None:
    """Register the service operations and forms of every bundled procedure."""
    # Procedures (baugenehmigung, personenstand) register here as they are added.
    del registry, forms
