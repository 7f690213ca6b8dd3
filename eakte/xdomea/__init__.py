"""xdomea 3.0.0: hand-over of closed files to the archive (0503) and schema validation."""

from eakte.xdomea.export import ExportResult, XdomeaExportError, export_0503, manifest_file_name, message_file_name
from eakte.xdomea.schema import validate_xdomea

__all__ = ["ExportResult", "XdomeaExportError", "export_0503", "manifest_file_name", "message_file_name",
           "validate_xdomea"]
