"""Document templates of procedure packages: Jinja2 in a sandbox, rendered to PDF/A like the built-in ones.

A package's templates (``*.html``, and ``*.css`` they include) come from a
modeller's upload, so they run in Jinja2's ``ImmutableSandboxedEnvironment``
(no access to Python internals, no changing of the data) with more limits of
our own, because a template must not be able to stop a worker:

- values are bounded: repeating (``*``), powers, ``%`` formatting, ``replace``
  and ``join`` refuse results longer than ``MAX_VALUE_LENGTH``; string methods
  that pad to a given width are not available;
- every call, attribute access and step of ``range`` checks a deadline
  (``TIME_LIMIT`` seconds), and the output stops at ``MAX_OUTPUT_CHARS``.

Templates extend the shared letterhead (``{% extends "base.html" %}`` with a
``main`` or ``content`` block) or write a whole document; ``notice.html`` and
``certificate.html`` can be extended too. They receive the case data at the
top level (``{{ antragsteller.name }}``), the service task's parameters, and
``meta`` (title, Aktenzeichen, authority, date). Missing values are errors
(``StrictUndefined``): use ``default`` for optional ones.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from eakte.rendering import FILTERS, TEMPLATE_DIR, DocumentMeta, html_to_pdf

TIME_LIMIT = 5.0
MAX_VALUE_LENGTH = 200_000
MAX_OUTPUT_CHARS = 2_000_000
MAX_RANGE = 10_000
SHARED_TEMPLATES = ("base.html", "notice.html", "certificate.html")
"""Templates of ``eakte/templates`` a package template may extend or include."""
_UNSAFE_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "format", "format_map", "replace",
                             "join", "encode", "mro"})
_WIDTH = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")


class TemplateProblem(Exception):
    """A template cannot be rendered; ``line`` is the template line if known."""

    def __init__(self, message: str, german: str, template: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message, self.german, self.template, self.line = message, german, template, line


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise SecurityError(f"the template took longer than {TIME_LIMIT:g} s")


class _PackageEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with bounded values and a deadline."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, templates: Mapping[str, str]) -> None:
        loader = jinja2.ChoiceLoader([
            jinja2.DictLoader(dict(templates)),
            jinja2.FunctionLoader(_shared_template),
        ])
        super().__init__(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                         lstrip_blocks=True)
        self.deadline = _Deadline(TIME_LIMIT)
        self.filters.update(FILTERS)
        self.filters.update(datum=_datum, euro=_euro, zahl=_zahl, replace=_bounded_replace, join=_bounded_join,
                            format=_bounded_format)
        for name in ("center", "indent", "wordwrap", "filesizeformat", "urlize", "xmlattr"):
            self.filters.pop(name, None)
        self.globals["range"] = self._range

    def _range(self, *args: int):
        span = range(*args)
        if len(span) > MAX_RANGE:
            raise SecurityError(f"range is limited to {MAX_RANGE} items")
        for item in span:
            self.deadline.check()
            yield item

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr in _UNSAFE_METHODS and isinstance(obj, (str, bytes)):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.deadline.check()
        return _bounded(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.deadline.check()
        return _bounded(super().getitem(obj, argument))

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        __self.deadline.check()
        for value in (*args, *kwargs.values()):
            _bounded(value)
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        self.deadline.check()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_VALUE_LENGTH:
                        raise SecurityError(f"repetition longer than {MAX_VALUE_LENGTH} is not allowed")
        elif operator == "**":
            if isinstance(right, int) and (abs(right) > 1000 or (isinstance(left, int) and
                                                                  abs(left).bit_length() * abs(right) > 10_000)):
                raise SecurityError("power too large")
        elif operator == "%" and isinstance(left, str):
            _check_widths(left)
        return _bounded(super().call_binop(context, operator, left, right))


def _shared_template(name: str) -> str | None:
    if name not in SHARED_TEMPLATES:
        return None
    return (TEMPLATE_DIR / name).read_text(encoding="utf-8")


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_VALUE_LENGTH:
        raise SecurityError(f"values longer than {MAX_VALUE_LENGTH} are not allowed in templates")
    return value


def _check_widths(format_string: str) -> None:
    for match in _WIDTH.finditer(format_string):
        for width in match.groups():
            if width == "*" or (width and int(width) > 1000):
                raise SecurityError("format widths above 1000 are not allowed")


def _bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_widths(str(value))
    return _bounded(jinja2.filters.do_format(value, *args, **kwargs))


@jinja2.pass_eval_context
def _bounded_replace(eval_ctx, value: str, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    hits = text.count(str(old)) if count is None else min(count, text.count(str(old)))
    if len(text) + hits * max(len(str(new)) - len(str(old)), 0) > MAX_VALUE_LENGTH:
        raise SecurityError(f"replace would give more than {MAX_VALUE_LENGTH} characters")
    return jinja2.filters.do_replace(eval_ctx, value, old, new, count)



@jinja2.pass_eval_context
def _bounded_join(eval_ctx, value, d: str = "", attribute=None) -> str:
    items = list(value)
    if len(items) * len(str(d)) + sum(len(str(item)) for item in items) > MAX_VALUE_LENGTH:
        raise SecurityError(f"join would give more than {MAX_VALUE_LENGTH} characters")
    return jinja2.filters.do_join(eval_ctx, items, d, attribute)



def _datum(value: Any) -> str:
    """Format a date (or an ISO date text from a form) as ``01.03.2026``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return FILTERS["date_de"](value) if isinstance(value, (date, datetime)) else str(value)


def _zahl(value: Any, places: int | None = None) -> str:
    """Format a number the German way: 1.234,5 (with ``places`` decimals if given)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:,.{places}f}" if places is not None else f"{number:,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _euro(value: Any) -> str:
    """Format an amount of money: 1.234,50 €."""
    return f"{_zahl(value, 2)} €"


def template_names(files: Mapping[str, bytes]) -> list[str]:
    """Return the document templates (``*.html``) among a package's files."""
    return sorted(name for name in files if name.lower().endswith(".html"))


def decoded_templates(files: Mapping[str, bytes]) -> dict[str, str]:
    """Return the package's ``*.html`` and ``*.css`` files as text (UTF-8); undecodable ones are left out."""
    found = {}
    for name, content in files.items():
        if name.lower().endswith((".html", ".css")):
            try:
                found[name] = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                continue
    return found


def check_syntax(templates: Mapping[str, str], name: str) -> TemplateProblem | None:
    """Compile one template; return the problem if it is not valid Jinja2."""
    try:
        _PackageEnvironment(templates).get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        return TemplateProblem(f"template syntax error: {exc.message}", f"Fehler in der Vorlage: {exc.message}",
                               exc.name or name, exc.lineno)
    return None


def render_html(templates: Mapping[str, str], name: str, context: Mapping[str, Any], meta: DocumentMeta) -> str:
    """Fill a package template with ``context``; return the HTML.

    Raises:
        TemplateProblem: the template is invalid, needs a value the context lacks, or breaks a limit.
    """
    environment = _PackageEnvironment(templates)
    values = {key: value for key, value in context.items() if key != "meta"}
    try:
        template = environment.get_template(name)
        parts, length = [], 0
        for chunk in template.generate(values, meta=meta):
            length += len(chunk)
            if length > MAX_OUTPUT_CHARS:
                raise SecurityError(f"the document would be longer than {MAX_OUTPUT_CHARS} characters")
            environment.deadline.check()
            parts.append(chunk)
        return "".join(parts)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template '{exc.name}' does not exist",
                              f"Die Vorlage „{exc.name}“ gibt es im Paket nicht.", name) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}", f"Fehler in der Vorlage: {exc.message}",
                              exc.name or name, exc.lineno) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"the template needs a value the case data lacks: {exc.message}",
                              f"Der Vorlage fehlt ein Wert aus den Falldaten: {exc.message}",
                              name, _template_line(exc, name)) from exc
    except SecurityError as exc:
        raise TemplateProblem(f"the template breaks a limit of the sandbox: {exc}",
                              f"Die Vorlage überschreitet eine Grenze: {exc}", name, _template_line(exc, name)) from exc
    except RecursionError as exc:
        raise TemplateProblem("the template calls itself without end", "Die Vorlage ruft sich endlos selbst auf.",
                              name) from exc
    except Exception as exc:  # noqa: BLE001 - any error inside a template is the template's problem
        raise TemplateProblem(f"the template fails: {type(exc).__name__}: {exc}",
                              f"Die Vorlage bricht ab: {type(exc).__name__}: {exc}", name,
                              _template_line(exc, name)) from exc


def render_document(templates: Mapping[str, str], name: str, context: Mapping[str, Any], meta: DocumentMeta) -> bytes:
    """Fill a package template and render it to PDF/A-2b.

    Raises:
        TemplateProblem: see ``render_html``, or WeasyPrint could not lay the document out.
    """
    html = render_html(templates, name, context, meta)
    try:
        return html_to_pdf(html, meta)
    except Exception as exc:  # noqa: BLE001 - e.g. a URL to an image: nothing outside is fetched
        raise TemplateProblem(f"the document cannot be laid out as PDF: {exc}",
                              f"Das Dokument kann nicht als PDF gesetzt werden: {exc}", name) from exc


def _template_line(exc: BaseException, name: str) -> int | None:
    """Return the template line of the innermost traceback frame that Jinja2 rewrote to point into a template."""
    line, tb = None, exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
