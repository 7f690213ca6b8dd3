"""The subset of FEEL that form conditions may use, parsed into engine.forms.conditions.

Supported (until a full FEEL engine exists): comparisons ``= != < > <= >=``
between a dotted path and a literal (or two paths), ``and``, ``or``,
``not(...)``, parentheses, ``null``, string, number and boolean literals, a bare
path (a boolean variable), ``path in [literal, ...]`` and
``list contains(path, literal)``. Anything else is refused with ``FeelError``
naming the expression, so a form never runs with a condition read wrongly.
"""

from __future__ import annotations

import re

from engine.forms.conditions import All, Any_, Compare, Condition, Constant, In, Literal, Not, Path, Truthy

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<punct>[()\[\],])
    | (?P<name>list\s+contains|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "null", "true", "false", "in"}


class FeelError(ValueError):
    """An expression outside the supported FEEL subset; the message names it."""


def parse_condition(expression: str) -> Condition:
    """Parse a FEEL condition (with or without the leading ``=``).

    Raises:
        FeelError: the expression uses something outside the supported subset.
    """
    source = expression.strip()
    if source.startswith("="):
        source = source[1:]
    parser = _Parser(expression, _tokens(expression, source))
    result = parser.expression()
    if parser.peek() is not None:
        parser.fail(f"unexpected '{parser.peek()[1]}'")
    return result


def _tokens(expression: str, source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise FeelError(f"unsupported FEEL expression '{expression}': cannot read '{source[position:].strip()}'")
        kind = match.lastgroup
        text = match.group(kind)
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        tokens.append((kind, text))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str, tokens: list[tuple[str, str]]):
        self.source, self.tokens, self.position = expression, tokens, 0

    def fail(self, why: str):
        raise FeelError(f"unsupported FEEL expression '{self.source}': {why} (supported: comparisons, and, or, "
                        "not(...), in [...], list contains(...), literals and variable paths)")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            self.fail(f"expected {text or kind}" + (f", found '{token[1]}'" if token else ", found the end"))
        self.position += 1
        return token[1]

    def accept(self, kind: str, text: str) -> bool:
        token = self.peek()
        if token == (kind, text):
            self.position += 1
            return True
        return False

    def expression(self) -> Condition:
        items = [self.conjunction()]
        while self.accept("keyword", "or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Any_(tuple(items))

    def conjunction(self) -> Condition:
        items = [self.comparison()]
        while self.accept("keyword", "and"):
            items.append(self.comparison())
        return items[0] if len(items) == 1 else All(tuple(items))

    def comparison(self) -> Condition:
        token = self.peek()
        if token == ("keyword", "not"):
            self.position += 1
            self.take("punct", "(")
            inner = self.expression()
            self.take("punct", ")")
            return Not(inner)
        if token == ("punct", "("):
            self.position += 1
            inner = self.expression()
            self.take("punct", ")")
            return inner
        if token is not None and token[0] == "name" and token[1].startswith("list"):
            return self.contains()
        left = self.operand()
        token = self.peek()
        if token is not None and token[0] == "op":
            self.position += 1
            right = self.operand()
            if isinstance(left, Literal) and isinstance(right, Literal):
                self.fail("a comparison needs a variable")
            return Compare(left, token[1], right)
        if self.accept("keyword", "in"):
            if not isinstance(left, Path):
                self.fail("'in' needs a variable on its left")
            return In(left.path, tuple(self.literal_list()))
        if isinstance(left, Path):
            return Truthy(left.path)
        if isinstance(left.value, bool):
            return Constant(left.value)
        self.fail("a condition must be true or false")

    def contains(self) -> Condition:
        self.position += 1
        self.take("punct", "(")
        target = self.operand()
        self.take("punct", ",")
        value = self.operand()
        self.take("punct", ")")
        if not isinstance(target, Path) or not isinstance(value, Literal):
            self.fail("list contains(variable, literal) is supported")
        return In(target.path, (value.value,), contains=True)

    def literal_list(self) -> list:
        self.take("punct", "[")
        values = []
        while True:
            operand = self.operand()
            if not isinstance(operand, Literal):
                self.fail("a list may hold literals only")
            values.append(operand.value)
            if self.accept("punct", "]"):
                return values
            self.take("punct", ",")

    def operand(self) -> Path | Literal:
        token = self.peek()
        if token is None:
            self.fail("the expression ends too early")
        kind, text = token
        self.position += 1
        if kind == "string":
            return Literal(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "number":
            return Literal(float(text) if "." in text else int(text))
        if kind == "keyword" and text in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[text])
        if kind == "name":
            if self.peek() == ("punct", "("):
                self.fail(f"function '{text}' is not supported")
            return Path(text)
        self.fail(f"unexpected '{text}'")
