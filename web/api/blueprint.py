"""The REST API's blueprint: request arguments parsed so that every bad input is a 4xx naming the problem.

flask-smorest's default parser lets Python's JSON decoder crash on deeply nested
or overlong input (RecursionError, the int digit limit), passes NUL characters, NaN
and Infinity in a JSON body on to the database (PostgreSQL refuses them in text
and jsonb; the rest of a request is checked by web/request_guard.py) and answers validation
errors without a message; this one refuses such bodies with 400 and puts the
offending fields into the message of every 422.
"""

from __future__ import annotations

import json
import math

import flask_smorest
from flask_smorest import abort
from marshmallow import ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

MAX_JSON_DEPTH = 64
_SHOWN_PROBLEMS = 5


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser with bounded JSON and validation errors that name their fields."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        try:
            value = core.parse_json(req.get_data(cache=True))
        except json.JSONDecodeError:
            raise  # webargs answers these (an empty body counts as missing)
        except RecursionError:
            abort(400, message=f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
        except ValueError as exc:  # e.g. an integer with more digits than Python converts
            abort(400, message=f"the JSON body cannot be read: {exc}")
        problem = json_problem(value)
        if problem:
            abort(400, message=f"the JSON body {problem}")
        return value

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, message=f"the body is not valid JSON (UTF-8): {error}", errors={"json": ["Invalid JSON body."]})

    def handle_error(self, error: ValidationError, req, schema, *, error_status_code, error_headers):
        abort(error_status_code or self.DEFAULT_VALIDATION_STATUS, exc=error, messages=error.messages,
              message=describe(error.messages), schema=schema, headers=error_headers)


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint that parses its arguments with :class:`ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()


def json_problem(value) -> str | None:
    """Return what makes decoded JSON unstorable (too deep, NUL or a lone surrogate in a text, NaN or infinite), or None.

    Walks level by level, without recursion.
    """
    depth, level = 0, [value]
    while level:
        if any(isinstance(v, str) and "\0" in v for v in level):
            return "contains a NUL character (\\u0000), which cannot be stored"
        if any(isinstance(v, str) and not v.isascii() and _has_lone_surrogate(v) for v in level):
            return "contains a lone surrogate (e.g. \\ud800), which is not valid Unicode text"
        if any(isinstance(v, float) and not math.isfinite(v) for v in level):
            return "contains NaN or an infinite number (JSON allows only finite numbers)"
        containers = [v for v in level if isinstance(v, (list, dict))]
        if not containers:
            return None
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return f"is nested more than {MAX_JSON_DEPTH} levels deep"
        level = [child for c in containers
                 for child in ([*c.keys(), *c.values()] if isinstance(c, dict) else c)]
    return None


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def describe(messages) -> str:
    """Turn webargs' nested error messages into one line: 'invalid input: json.reason: Missing data ...'."""
    problems: list[str] = []

    def walk(node, path: list[str]) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, path + [str(key)])
        elif isinstance(node, list) and node and all(isinstance(m, str) for m in node):
            problems.append(f"{'.'.join(path)}: {' '.join(node)}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, path + [str(index)])
        else:
            problems.append(f"{'.'.join(path)}: {node}")

    walk(messages, [])
    shown = "; ".join(problems[:_SHOWN_PROBLEMS])
    more = f" (and {len(problems) - _SHOWN_PROBLEMS} more)" if len(problems) > _SHOWN_PROBLEMS else ""
    return f"invalid input: {shown}{more}" if shown else "invalid input"
