"""Values as clerks read them: money with €, durations in words, dates as TT.MM.JJJJ, ja/nein, line breaks kept.

Used for the read-only context above a form (form-js text, html, table and
read-only fields; JSON Schema ``readOnly`` properties) and for the case data
on the case page.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from engine.forms.model import DURATION_UNITS, Field, get_path
from web.ui.formatting import datumzeit
from web.ui.forms.numbers import format_money, format_number

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DURATION = re.compile(r"^P(\d+)([DWMY])$")
_PLACEHOLDER = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def duration_words(value: str) -> str | None:
    """Return an ISO 8601 duration like ``P30D`` in words ("30 Tage"), None if it is none of that form."""
    match = _DURATION.match(value)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    singular, plural = DURATION_UNITS[unit]
    return f"{amount} {singular if amount == 1 else plural}"


def format_value(value: Any, kind: str | None = None, unit: str | None = None) -> str:
    """Return a value as text, formatted for its field kind (or guessed from the value)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (int, float)):
        if kind == "money" or unit == "EUR":
            return format_money(value)
        return format_number(value)
    if isinstance(value, list):
        return ", ".join(format_value(item, kind, unit) for item in value) or "keine"
    text = str(value)
    if kind == "duration" or _DURATION.match(text):
        return duration_words(text) or text
    if _ISO_MOMENT.fullmatch(text[:16]):
        return _moment(text)
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text).strftime("%d.%m.%Y")
        except ValueError:
            return text
    return text


def format_html(value: Any, kind: str | None = None, unit: str | None = None) -> Markup:
    """Return a formatted value as HTML with its line breaks kept."""
    return Markup("<br>").join(escape(line) for line in format_value(value, kind, unit).split("\n"))


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return datumzeit(moment) if moment.tzinfo else moment.strftime("%d.%m.%Y %H:%M")


def markdown_html(field: Field, data: dict) -> Markup:
    """Render a form-js text component: Markdown (raw HTML off) with case data filled in, escaped."""
    filled = _PLACEHOLDER.sub(lambda m: _markdown_escape(format_value(get_path(data, m.group(1)))), field.text or "")
    return Markup(nh3.clean(_MARKDOWN.render(filled)))


def safe_html(field: Field, data: dict) -> Markup:
    """Render a form-js html component: the template with escaped case data, then sanitised (no scripts, styles)."""
    filled = _PLACEHOLDER.sub(lambda m: str(escape(format_value(get_path(data, m.group(1))))), field.text or "")
    return Markup(nh3.clean(filled))


def _markdown_escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|])", r"\\\1", text)
