"""Visibility conditions of form fields: a small expression tree, evaluated against the entered data.

Conditions come from a form-js ``conditional.hide`` expression (the FEEL subset
in engine.forms.feel) or from a JSON Schema ``if``. They are evaluated in
Python on every submission (a field whose condition is false is neither
required nor kept), exported as JSON for the browser script that hides such
fields while a person types, and described in German for the hint shown when
the script does not run.

FEEL's three-valued logic is kept where it matters: comparing a missing value
gives ``None`` ("unknown"), which counts as false at the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from jsonschema import Draft202012Validator

Scope = Callable[[str], Any]
"""Looks up a dotted path in the data a condition is evaluated against."""

_NEGATED = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


class Condition:
    """Base of the condition nodes."""

    def evaluate(self, lookup: Scope) -> bool | None:
        """Return True, False or None (unknown) for the data seen through ``lookup``."""
        raise NotImplementedError

    def holds(self, lookup: Scope) -> bool:
        """Return whether the condition is true (unknown counts as false)."""
        return self.evaluate(lookup) is True

    def client(self) -> dict | None:
        """Return the JSON the browser script evaluates, or None if it cannot."""
        raise NotImplementedError

    def negate(self) -> Condition:
        """Return the negation, with ``not`` pushed inwards (for descriptions)."""
        return Not(self)

    def describe(self, label: Callable[[str], str]) -> str:
        """Describe the condition in German, naming fields by ``label(path)``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Path:
    """An operand read from the data."""

    path: str


@dataclass(frozen=True)
class Literal:
    """A constant operand (string, number, boolean or None for FEEL's null)."""

    value: Any


Operand = Path | Literal


def _value(operand: Operand, lookup: Scope) -> Any:
    return lookup(operand.path) if isinstance(operand, Path) else operand.value


def _german_value(value: Any) -> str:
    if value is None:
        return "leer"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, (int, float)):
        return str(value).replace(".", ",")
    return f"„{value}“"


@dataclass(frozen=True)
class Compare(Condition):
    """``left op right`` with op one of = != < > <= >=."""

    left: Operand
    op: str
    right: Operand

    def evaluate(self, lookup):
        a, b = _value(self.left, lookup), _value(self.right, lookup)
        if self.op in ("=", "!="):
            equal = _equal(a, b)
            return equal if self.op == "=" else not equal
        if a is None or b is None or isinstance(a, bool) != isinstance(b, bool):
            return None
        try:
            return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[self.op]
        except TypeError:
            return None

    def client(self):
        return {"op": self.op, "left": _operand_json(self.left), "right": _operand_json(self.right)}

    def negate(self):
        return Compare(self.left, _NEGATED[self.op], self.right)

    def describe(self, label):
        if isinstance(self.left, Literal) and isinstance(self.right, Path):
            flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(self.op, self.op)
            return Compare(self.right, flipped, self.left).describe(label)
        name = f"„{label(self.left.path)}“" if isinstance(self.left, Path) else _german_value(self.left.value)
        value = self.right.value if isinstance(self.right, Literal) else None
        other = f"„{label(self.right.path)}“" if isinstance(self.right, Path) else _german_value(value)
        if isinstance(value, bool) and self.op in ("=", "!="):
            ticked = (value is True) == (self.op == "=")
            return f"{name} {'angekreuzt' if ticked else 'nicht angekreuzt'} ist"
        if value is None and isinstance(self.right, Literal) and self.op in ("=", "!="):
            return f"{name} {'leer' if self.op == '=' else 'ausgefüllt'} ist"
        words = {"=": "ist", "!=": "nicht ist", "<": "kleiner ist als", ">": "größer ist als",
                 "<=": "höchstens ist", ">=": "mindestens ist"}[self.op]
        if self.op in ("=", "!="):
            return f"{name} {other} {words}"
        verb, rest = words.split(" ", 1) if " " in words else (words, "")
        return f"{name} {rest} {other} {verb}".replace("  ", " ")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    return a == b


def _operand_json(operand: Operand) -> dict:
    return {"path": operand.path} if isinstance(operand, Path) else {"value": operand.value}


@dataclass(frozen=True)
class In(Condition):
    """``path in [values]``; for a list value (a checklist): whether it contains ``values[0]`` (``contains``)."""

    path: str
    values: tuple
    negated: bool = False
    contains: bool = False

    def evaluate(self, lookup):
        value = lookup(self.path)
        if self.contains:
            found = isinstance(value, list) and any(_equal(v, self.values[0]) for v in value)
        else:
            found = any(_equal(value, v) for v in self.values)
        return found != self.negated

    def client(self):
        node = {"op": "contains" if self.contains else "in", "path": self.path, "values": list(self.values)}
        return {"op": "not", "item": node} if self.negated else node

    def negate(self):
        return In(self.path, self.values, not self.negated, self.contains)

    def describe(self, label):
        values = " oder ".join(_german_value(v) for v in self.values)
        if self.contains:
            return f"bei „{label(self.path)}“ {values} {'nicht ' if self.negated else ''}gewählt ist"
        return f"„{label(self.path)}“ {'nicht ' if self.negated else ''}{values} ist"


@dataclass(frozen=True)
class Truthy(Condition):
    """A bare path: true when its value is true (FEEL: a boolean variable)."""

    path: str
    negated: bool = False

    def evaluate(self, lookup):
        value = lookup(self.path)
        if not isinstance(value, bool):
            return None
        return value != self.negated

    def client(self):
        node = {"op": "truthy", "path": self.path}
        return {"op": "not", "item": node} if self.negated else node

    def negate(self):
        return Truthy(self.path, not self.negated)

    def describe(self, label):
        return f"„{label(self.path)}“ {'nicht ' if self.negated else ''}angekreuzt ist"


@dataclass(frozen=True)
class Constant(Condition):
    """Always true or always false (``conditional.hide: true``)."""

    value: bool

    def evaluate(self, lookup):
        return self.value

    def client(self):
        return {"op": "const", "value": self.value}

    def negate(self):
        return Constant(not self.value)

    def describe(self, label):
        return "immer" if self.value else "nie"


@dataclass(frozen=True)
class All(Condition):
    """FEEL ``and``: false if any item is false, unknown if any is unknown."""

    items: tuple[Condition, ...]

    def evaluate(self, lookup):
        results = [item.evaluate(lookup) for item in self.items]
        return False if False in results else (None if None in results else True)

    def client(self):
        items = [item.client() for item in self.items]
        return None if None in items else {"op": "and", "items": items}

    def negate(self):
        return Any_(tuple(item.negate() for item in self.items))

    def describe(self, label):
        return " und ".join(item.describe(label) for item in self.items)


@dataclass(frozen=True)
class Any_(Condition):
    """FEEL ``or``: true if any item is true, unknown if none is and any is unknown."""

    items: tuple[Condition, ...]

    def evaluate(self, lookup):
        results = [item.evaluate(lookup) for item in self.items]
        return True if True in results else (None if None in results else False)

    def client(self):
        items = [item.client() for item in self.items]
        return None if None in items else {"op": "or", "items": items}

    def negate(self):
        return All(tuple(item.negate() for item in self.items))

    def describe(self, label):
        return " oder ".join(item.describe(label) for item in self.items)


@dataclass(frozen=True)
class Not(Condition):
    """FEEL ``not(...)``: unknown stays unknown."""

    item: Condition

    def evaluate(self, lookup):
        result = self.item.evaluate(lookup)
        return None if result is None else not result

    def client(self):
        inner = self.item.client()
        return None if inner is None else {"op": "not", "item": inner}

    def negate(self):
        return self.item

    def describe(self, label):
        negated = self.item.negate()
        if isinstance(negated, Not):
            return f"nicht gilt: {self.item.describe(label)}"
        return negated.describe(label)


@dataclass(frozen=True)
class SchemaTest(Condition):
    """A JSON Schema ``if``: true when the data is valid against it (absent properties pass, as in JSON Schema)."""

    schema: dict
    base: str = ""  # the path of the object the schema's ``if`` belongs to
    simple: Condition | None = None  # the same test as a plain comparison, for the browser and the hint

    def evaluate(self, lookup):
        value = lookup(self.base)
        return Draft202012Validator(self.schema).is_valid({} if value is None else value)

    def client(self):
        return self.simple.client() if self.simple else None

    def negate(self):
        return Not(self) if self.simple is None else _NegatedSchemaTest(self)

    def describe(self, label):
        return self.simple.describe(label) if self.simple else "die Bedingung des Formulars erfüllt ist"


@dataclass(frozen=True)
class _NegatedSchemaTest(Condition):
    """The negation of a SchemaTest that has a simple form."""

    test: SchemaTest

    def evaluate(self, lookup):
        return not self.test.evaluate(lookup)

    def client(self):
        inner = self.test.client()
        return None if inner is None else {"op": "not", "item": inner}

    def negate(self):
        return self.test

    def describe(self, label):
        return self.test.simple.negate().describe(label)
