"""The values of a form page as typed ("raw tree"): from case data, from a submitted request, and back to data.

The raw tree has the shape of the data (objects for groups, lists of rows for
repeatable lists) with what the page shows at the leaves: text as typed,
numbers in German notation, ``True``/``False`` for a checkbox, a list of the
ticked values for a checkbox group, ``{"anzahl", "einheit"}`` for a duration.
Rendering always starts from a raw tree, so a page shown after an error
carries every value (and every row) exactly as entered.

Input names are the field paths: ``antragsteller.name``, ``stellen.1.behoerde``,
``vornamen.0``; a duration adds ``:anzahl`` and ``:einheit``, a list sends its
number of rows as ``:zeilen``. Keys are made of letters, digits and ``_``, so
``.`` and ``:`` never clash with them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from engine.forms.model import Field, Form, get_path, join, set_path
from web.ui.forms.numbers import NumberRefused, format_number, parse_number

MAX_ROWS = 100
LOCAL_ZONE = ZoneInfo("Europe/Berlin")
"""Times are entered as German local time."""
_DURATION = re.compile(r"^P(\d+)([DWMY])$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class Invalid:
    """Marks a value that could not be read (so the engine can tell whether its field applies)."""

    def __deepcopy__(self, memo):
        return self


INVALID = Invalid()


def tree_from_data(form: Form, data: dict | None) -> dict:
    """Return the raw tree showing ``data`` (defaults where it has no value)."""
    tree: dict = {}
    _fill(form.fields, data or {}, tree)
    return tree


def _fill(fields: list[Field], data: Any, tree: dict) -> None:
    for field in fields:
        if field.is_display:
            continue
        if field.kind == "group":
            if field.key:
                sub: dict = {}
                set_path(tree, field.key, sub)
                _fill(field.children, get_path(data, field.key) or {}, sub)
            else:
                _fill(field.children, data, tree)
        elif field.kind == "list":
            set_path(tree, field.key, _rows_from_data(field, get_path(data, field.key)))
        else:
            value = get_path(data, field.key) if field.key else None
            set_path(tree, field.key, show(field, field.default if value is None else value))


def _rows_from_data(field: Field, values: Any) -> list:
    rows = values if isinstance(values, list) else []
    if field.plain_list:
        shown = [show(field.children[0], value) for value in rows]
    else:
        shown = []
        for row in rows:
            sub: dict = {}
            _fill(field.children, row if isinstance(row, dict) else {}, sub)
            shown.append(sub)
    while len(shown) < max(field.min_items or 0, field.initial_rows):
        shown.append(empty_row(field))
    return shown


def empty_row(field: Field) -> Any:
    """Return the raw value of a new row of a list."""
    if field.plain_list:
        return show(field.children[0], None)
    row: dict = {}
    _fill(field.children, {}, row)
    return row


def show(field: Field, value: Any) -> Any:
    """Return the raw (displayed) form of a typed value."""
    kind = field.kind
    if kind == "checkbox":
        return value is True
    if kind in ("checklist", "taglist"):
        return [str(v) for v in value] if isinstance(value, list) else []
    if kind == "duration":
        match = _DURATION.match(value) if isinstance(value, str) else None
        return {"anzahl": match.group(1), "einheit": match.group(2)} if match else \
            {"anzahl": "", "einheit": field.duration_units[0]}
    if value is None:
        return ""
    if kind in ("number", "money") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, 2 if kind == "money" else field.decimal_digits if field.decimal_digits else None)
    if kind in ("time", "datetime") and isinstance(value, str):
        return local_moment(value, kind)
    return str(value)


def tree_from_request(form: Form, submitted) -> dict:
    """Return the raw tree of a submitted form (a werkzeug MultiDict)."""
    tree: dict = {}
    _read(form.fields, "", submitted, tree)
    return tree


def _read(fields: list[Field], prefix: str, submitted, tree: dict) -> None:
    for field in fields:
        if field.is_display:
            continue
        path = join(prefix, field.key)
        if field.kind == "group":
            if field.key:
                sub: dict = {}
                set_path(tree, field.key, sub)
                _read(field.children, path, submitted, sub)
            else:
                _read(field.children, path, submitted, tree)
        elif field.kind == "list":
            set_path(tree, field.key, [_read_row(field, f"{path}.{index}", submitted)
                                       for index in range(row_count(submitted, path))])
        else:
            set_path(tree, field.key, _read_leaf(field, path, submitted))


def row_count(submitted, path: str) -> int:
    """Return the number of rows a list was sent with (at most MAX_ROWS)."""
    raw = submitted.get(f"{path}:zeilen", "")
    return min(int(raw), MAX_ROWS) if raw.isdigit() else 0


def _read_row(field: Field, path: str, submitted) -> Any:
    if field.plain_list:
        return _read_leaf(field.children[0], path, submitted)
    row: dict = {}
    _read(field.children, path, submitted, row)
    return row


def _read_leaf(field: Field, path: str, submitted) -> Any:
    if field.kind == "checkbox":
        return submitted.get(path) is not None
    if field.kind in ("checklist", "taglist"):
        return submitted.getlist(path)
    if field.kind == "duration":
        return {"anzahl": submitted.get(f"{path}:anzahl", ""), "einheit": submitted.get(f"{path}:einheit", "")}
    return submitted.get(path, "")


def is_empty(raw: Any) -> bool:
    """Tell whether a raw value (or row) holds nothing that was entered."""
    if isinstance(raw, dict):
        if set(raw) == {"anzahl", "einheit"}:
            return not str(raw["anzahl"]).strip()
        return all(is_empty(v) for v in raw.values())
    if isinstance(raw, list):
        return all(is_empty(v) for v in raw)
    if isinstance(raw, bool):
        return not raw
    return not str(raw).strip()


def to_data(form: Form, tree: dict) -> tuple[dict, dict[str, list[str]]]:
    """Convert a raw tree to typed data; return (data, German conversion errors per field path).

    Rows left completely empty are dropped from ``tree`` (so row numbers of
    errors match the rows shown). A value that cannot be read is ``INVALID`` in
    the data; its error counts only if its field applies.
    """
    data: dict = {}
    errors: dict[str, list[str]] = {}
    _convert(form.fields, "", tree, data, errors)
    return data, errors


def _convert(fields: list[Field], prefix: str, tree: Any, data: dict, errors: dict) -> None:
    for field in fields:
        if field.is_display:
            continue
        path = join(prefix, field.key)
        if field.kind == "group":
            if field.key:
                sub: dict = {}
                _convert(field.children, path, get_path(tree, field.key) or {}, sub, errors)
                if sub:
                    set_path(data, field.key, sub)
            else:
                _convert(field.children, path, tree, data, errors)
            continue
        if field.kind == "list":
            rows = [row for row in (get_path(tree, field.key) or []) if not is_empty(row)]
            set_path(tree, field.key, rows)
            values = []
            for index, row in enumerate(rows):
                if field.plain_list:
                    values.append(_leaf(field.children[0], row, f"{path}.{index}", errors))
                else:
                    sub = {}
                    _convert(field.children, f"{path}.{index}", row, sub, errors)
                    values.append(sub)
            set_path(data, field.key, values)
            continue
        value = _leaf(field, get_path(tree, field.key), path, errors)
        if value is not None:
            set_path(data, field.key, value)


def _leaf(field: Field, raw: Any, path: str, errors: dict) -> Any:
    try:
        return read_value(field, raw)
    except ValueError as exc:
        errors[path] = [str(exc)]
        return INVALID


def read_value(field: Field, raw: Any) -> Any:
    """Return the typed value of one raw value, None if nothing was entered.

    Raises:
        ValueError: with a German message.
    """
    kind = field.kind
    if kind == "checkbox":
        return raw is True
    if kind in ("checklist", "taglist"):
        by_text = {str(o.value): o.value for o in field.options}
        if any(item not in by_text for item in raw or []):
            raise ValueError("Bitte nur die angebotenen Werte wählen.")
        return [by_text[item] for item in by_text if item in (raw or [])]
    if kind == "duration":
        return _duration(field, raw or {})
    text = str(raw or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if kind in ("select", "radio"):
        for option in field.options:
            if str(option.value) == text:
                return option.value
        raise ValueError("Bitte einen der angebotenen Werte wählen.")
    if kind in ("number", "money"):
        try:
            return parse_number(text, integer=field.integer,
                                decimal_digits=2 if kind == "money" else field.decimal_digits)
        except NumberRefused as exc:
            raise ValueError(str(exc)) from exc
    if kind == "date":
        return _date(text)
    if kind == "time":
        if not _TIME.match(text):
            raise ValueError("Bitte eine Uhrzeit im Format HH:MM eingeben (z. B. 14:30).")
        return stored_moment(field, datetime.combine(date.today(), time.fromisoformat(text)), "time")
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValueError("Bitte Datum und Uhrzeit angeben (TT.MM.JJJJ, HH:MM).") from exc
        return stored_moment(field, moment.replace(tzinfo=None, second=0, microsecond=0), "datetime")
    return text


def stored_moment(field: Field, local: datetime, kind: str) -> str:
    """Return a time or date-time entered in German local time as the form stores it (timeSerializingFormat)."""
    if field.time_format == "utc_offset":
        text = local.replace(tzinfo=LOCAL_ZONE).isoformat(timespec="minutes")
    elif field.time_format == "utc_normalized":
        text = local.replace(tzinfo=LOCAL_ZONE).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    else:
        text = local.strftime("%Y-%m-%dT%H:%M")
    return text.split("T", 1)[1] if kind == "time" else text


def local_moment(value: str, kind: str) -> str:
    """Return a stored time or date-time as the input shows it, in German local time."""
    text = f"{date.today().isoformat()}T{value}" if kind == "time" else value
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_ZONE)
    return moment.strftime("%H:%M" if kind == "time" else "%Y-%m-%dT%H:%M")


def _date(text: str) -> str:
    german = _GERMAN_DATE.match(text)
    try:
        if german:
            day, month, year = (int(part) for part in german.groups())
            return date(year, month, day).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise ValueError("Bitte ein gültiges Datum eingeben (TT.MM.JJJJ).") from exc


def _duration(field: Field, raw: dict) -> str | None:
    amount = str(raw.get("anzahl", "")).strip()
    if not amount:
        return None
    unit = raw.get("einheit") or field.duration_units[0]
    if unit not in field.duration_units:
        raise ValueError("Bitte eine der angebotenen Einheiten wählen.")
    try:
        number = parse_number(amount, integer=True)
    except NumberRefused as exc:
        raise ValueError("Bitte die Dauer als ganze Zahl eingeben (z. B. 30).") from exc
    if number < 0:
        raise ValueError("Die Dauer darf nicht negativ sein.")
    return f"P{number}{unit}"


def normalized(form: Form, tree: dict, data: dict) -> dict:
    """Return the raw tree with every value that could be read shown formatted ("250.000,00" for money)."""
    shown = tree_from_data(form, {})
    _normalize(form.fields, tree, data, shown)
    return shown


def _normalize(fields: list[Field], tree: Any, data: Any, shown: dict) -> None:
    for field in fields:
        if field.is_display:
            continue
        raw = get_path(tree, field.key) if field.key else tree
        value = get_path(data, field.key) if field.key else data
        if field.kind == "group":
            target = get_path(shown, field.key) if field.key else shown
            _normalize(field.children, raw or {}, value or {}, target)
        elif field.kind == "list":
            rows = []
            for index, row in enumerate(raw or []):
                typed = value[index] if isinstance(value, list) and index < len(value) else None
                if field.plain_list:
                    rows.append(_shown(field.children[0], row, typed))
                else:
                    sub = empty_row(field)
                    _normalize(field.children, row, typed if isinstance(typed, dict) else {}, sub)
                    rows.append(sub)
            set_path(shown, field.key, rows)
        else:
            set_path(shown, field.key, _shown(field, raw, value))


def _shown(field: Field, raw: Any, value: Any) -> Any:
    if field.kind in ("number", "money") and value is not None and not isinstance(value, Invalid):
        return show(field, value)
    return raw
