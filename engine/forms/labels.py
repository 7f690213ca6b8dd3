"""Labels of case data: which form field produced a value, so the case page can name it in German."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.forms.model import Form

LIST_CHOICE_KINDS = frozenset({"checklist", "taglist"})


@dataclass(frozen=True)
class DataLabel:
    """The label and kind of the field that binds a data path (rows of lists written ``*``)."""

    label: str
    kind: str
    unit: str | None = None
    options: tuple[tuple[object, str], ...] = ()  # (value, label) of a choice field: values are shown by label

    def option_label(self, value: object) -> str | None:
        """Return the label of a chosen value, or None if the field offers no such option."""
        return next((label for option, label in self.options if option == value and type(option) is type(value)), None)


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
            options = tuple((option.value, option.label) for option in field.options)
            labels.setdefault(key_path, DataLabel(field.label, field.kind, field.unit, options))
            if options and field.kind in LIST_CHOICE_KINDS:  # each chosen item of a checklist is shown by its label
                labels.setdefault(f"{key_path}.*", DataLabel(field.label, "select", None, options))
            for column in field.columns:
                labels.setdefault(f"{key_path}.*.{column.key}", DataLabel(column.label, "textfield"))
    return labels
