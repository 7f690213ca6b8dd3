"""Labels of case data: which form field produced a value, so the case page can name it in German."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.forms.model import Form


@dataclass(frozen=True)
class DataLabel:
    """The label and kind of the field that binds a data path (rows of lists written ``*``)."""

    label: str
    kind: str
    unit: str | None = None


def data_labels(forms: Iterable[Form]) -> dict[str, DataLabel]:
    """Collect key path -> label and kind from ``forms`` (the first form naming a path wins).

    Groups and lists with a key are included (their legend names the object or
    list); display fields are included too: a table's source or a read-only
    value is labelled like the field that shows it.
    """
    labels: dict[str, DataLabel] = {}
    for form in forms:
        for path, field in form.walk():
            key_path = field.source if field.kind == "table" and field.source else path
            if not key_path or not field.label or (field.kind == "group" and not field.key):
                continue
            labels.setdefault(key_path, DataLabel(field.label, field.kind, field.unit))
            for column in field.columns:
                labels.setdefault(f"{key_path}.*.{column.key}", DataLabel(column.label, "textfield"))
    return labels
