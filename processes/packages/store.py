"""The package of a deployed definition version, read once per content hash.

Definition versions never change, so what a running case needs from its
package (templates, manifest) is read from ``engine_definition_files`` on the
first use and then kept per content hash (bounded; per process, which is
fine with several web and worker processes because nothing changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from eakte.document_templates import decoded_templates
from engine.connectors.systems import OperationDeclaration
from engine.models import ProcessDefinition
from processes.packages.manifest import MANIFEST, Manifest, read_manifest

_CACHE_SIZE = 64
_cache: OrderedDict[str, LoadedPackage] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class LoadedPackage:
    """The parts of a deployed package that cases use at run time."""

    manifest: Manifest | None
    templates: dict[str, str] = field(default_factory=dict)
    operations: dict[str, OperationDeclaration] = field(default_factory=dict)


def package_of(definition: ProcessDefinition) -> LoadedPackage:
    """Return the manifest and templates of a deployed definition version (checked at deployment)."""
    with _lock:
        found = _cache.get(definition.content_hash)
        if found is not None:
            _cache.move_to_end(definition.content_hash)
            return found
    files = definition.file_contents()
    manifest = read_manifest(files[MANIFEST])[0] if MANIFEST in files else None
    operations = {
        name: OperationDeclaration(name, op.system, op.method, op.path, dict(op.output))
        for name, op in (manifest.operations.items() if manifest else ()) if op.declared
    }
    loaded = LoadedPackage(manifest, decoded_templates(files), operations)
    with _lock:
        _cache[definition.content_hash] = loaded
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return loaded


def declared_operations(definition: ProcessDefinition) -> dict[str, OperationDeclaration]:
    """Return the connector operations a definition's package declares (for the worker)."""
    return package_of(definition).operations
