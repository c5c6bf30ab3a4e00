"""`TargetDependency`: show a parameter's argument only when another argument allows it.

A dependency names a condition and the id of the parameter it looks at (the *dependent*).
When any dependency of a parameter is unmet, the script receives ``None`` for it (the
original's ``undefined``, metis-behaviour §4.3). Factories mirror the original's global:
``TargetDependency.TRUTHY("toggle")``, ``EQUALS("mode", "fast")``, ``REGEX("name", r"^a")``.

Encoded form (kept from the original so declarations can be shared):
``"<CONDITION>/<dependent id>/<JSON array of the extra arguments>"``; a regular expression
argument is encoded as ``{"type": "regex", "source": ..., "flags": ...}``.

Comparison follows JavaScript, because the conditions were written for JavaScript values:
truthiness is JS truthiness (``0``, ``""``, ``None``, ``False``, NaN are falsy; empty lists
and dicts are truthy) and EQUALS is ``===`` (``1`` does not equal ``True``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from metis_env.schema.errors import SchemaError

__all__ = ["CONDITIONS", "TargetDependency", "js_strict_equals", "js_truthy"]

#: Every condition name, as the original spells it.
CONDITIONS = ("TRUTHY", "FALSEY", "EQUALS", "EQUALS_SOME", "NOT_EQUALS", "NOT_EMPTY", "REGEX")

# Number of extra arguments each condition takes (after the dependent id).
_ARITY = {"TRUTHY": 0, "FALSEY": 0, "NOT_EMPTY": 0, "EQUALS": 1, "NOT_EQUALS": 1}
_ARITY |= {"EQUALS_SOME": 1, "REGEX": 1}

# JS flag letters that Python's re understands (g and y have no meaning for a single test).
_JS_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "u": 0, "g": 0, "y": 0}


def js_truthy(value: Any) -> bool:
    """JavaScript's ``!!value`` for JSON-like Python values."""
    if value is None or value is False:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def js_strict_equals(a: Any, b: Any) -> bool:
    """JavaScript's ``a === b`` for JSON-like values (booleans never equal numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if type(a) is not type(b):
        return False
    return bool(a == b)


def _compile(source: str, flags: str) -> re.Pattern[str]:
    value = 0
    for letter in flags:
        if letter not in _JS_FLAGS:
            raise SchemaError("flags", flags, "must use only the regex flags i, m, s, u, g, y")
        value |= _JS_FLAGS[letter]
    try:
        return re.compile(source, value)
    except re.error as exc:
        raise SchemaError("pattern", source, f"is not a valid regular expression: {exc}") from None


def _flags_of(pattern: re.Pattern[str]) -> str:
    letters = [("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL)]
    return "".join(letter for letter, flag in letters if pattern.flags & flag)


class TargetDependency:
    """One condition on another parameter's argument.

    Build with the factories (``TargetDependency.TRUTHY("toggle")``) or decode the
    original's string form with `decode`. Instances are immutable and compare by value.
    """

    __slots__ = ("args", "dependent_id", "name")

    def __init__(self, name: str, dependent_id: str, args: Sequence[Any] = ()) -> None:
        if name not in CONDITIONS:
            raise SchemaError("condition", name, f"must be one of {', '.join(CONDITIONS)}")
        if not isinstance(dependent_id, str) or not dependent_id:
            raise SchemaError("dependent id", dependent_id, "must be a non-empty string")
        if "/" in dependent_id:
            raise SchemaError("dependent id", dependent_id, "must not contain '/'")
        if len(args) != _ARITY[name]:
            raise SchemaError(name, list(args), f"takes {_ARITY[name]} argument(s) after the id")
        converted = tuple(args)
        if name == "REGEX":
            converted = (self._to_pattern(args[0]),)
        if name == "EQUALS_SOME" and not isinstance(args[0], list | tuple):
            raise SchemaError(name, args[0], "needs a list of values")
        self.name = name
        self.dependent_id = dependent_id
        self.args = converted

    @staticmethod
    def _to_pattern(value: Any) -> re.Pattern[str]:
        if isinstance(value, re.Pattern):
            return value
        if isinstance(value, str):
            return _compile(value, "")
        if isinstance(value, dict) and value.get("type") == "regex":
            return _compile(str(value.get("source", "")), str(value.get("flags", "")))
        raise SchemaError("REGEX", value, "needs a regular expression (str or re.Pattern)")

    # The original's factories, same names.
    @classmethod
    def TRUTHY(cls, dependent_id: str) -> TargetDependency:
        """Met when the dependent argument is truthy (JS ``!!value``)."""
        return cls("TRUTHY", dependent_id)

    @classmethod
    def FALSEY(cls, dependent_id: str) -> TargetDependency:
        """Met when the dependent argument is falsy."""
        return cls("FALSEY", dependent_id)

    @classmethod
    def EQUALS(cls, dependent_id: str, value: Any) -> TargetDependency:
        """Met when the dependent argument ``=== value``."""
        return cls("EQUALS", dependent_id, [value])

    @classmethod
    def EQUALS_SOME(cls, dependent_id: str, values: Sequence[Any]) -> TargetDependency:
        """Met when the dependent argument equals one of ``values``."""
        return cls("EQUALS_SOME", dependent_id, [list(values)])

    @classmethod
    def NOT_EQUALS(cls, dependent_id: str, value: Any) -> TargetDependency:
        """Met when the dependent argument ``!== value``."""
        return cls("NOT_EQUALS", dependent_id, [value])

    @classmethod
    def NOT_EMPTY(cls, dependent_id: str) -> TargetDependency:
        """Met when the dependent argument is a non-empty list or a non-blank string."""
        return cls("NOT_EMPTY", dependent_id)

    @classmethod
    def REGEX(cls, dependent_id: str, pattern: str | re.Pattern[str]) -> TargetDependency:
        """Met when the dependent argument is a string that ``pattern`` matches (search)."""
        return cls("REGEX", dependent_id, [pattern])

    def evaluate(self, value: Any) -> bool:
        """Whether the condition holds for the dependent argument's ``value``."""
        if self.name == "TRUTHY":
            return js_truthy(value)
        if self.name == "FALSEY":
            return not js_truthy(value)
        if self.name == "EQUALS":
            return js_strict_equals(value, self.args[0])
        if self.name == "NOT_EQUALS":
            return not js_strict_equals(value, self.args[0])
        if self.name == "EQUALS_SOME":
            return any(js_strict_equals(value, x) for x in self.args[0])
        if self.name == "NOT_EMPTY":
            if isinstance(value, list | tuple):
                return len(value) > 0
            return isinstance(value, str) and value.strip() != ""
        pattern: re.Pattern[str] = self.args[0]
        return isinstance(value, str) and pattern.search(value) is not None

    def encode(self) -> str:
        """The original's string form, ``"<CONDITION>/<dependent id>/<JSON args>"``."""
        args: list[Any] = list(self.args)
        if self.name == "REGEX":
            pattern = self.args[0]
            args = [{"type": "regex", "source": pattern.pattern, "flags": _flags_of(pattern)}]
        encoded = json.dumps(args, separators=(",", ":"), ensure_ascii=False)
        return f"{self.name}/{self.dependent_id}/{encoded}"

    @classmethod
    def decode(cls, text: str) -> TargetDependency:
        """Parse the original's string form (see `encode`).

        Raises:
            SchemaError: the text is not ``CONDITION/id/[json]`` or breaks a rule.
        """
        parts = text.split("/", 2)
        if len(parts) != 3:
            raise SchemaError("dependency", text, "must look like 'CONDITION/<id>/[args]'")
        name, dependent_id, raw = parts
        try:
            args = json.loads(raw) if raw else []
        except ValueError:
            raise SchemaError("dependency", text, "has arguments that are not JSON") from None
        if not isinstance(args, list):
            raise SchemaError("dependency", text, "must end with a JSON array of arguments")
        return cls(name, dependent_id, args)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TargetDependency) and self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(self.encode())

    def __repr__(self) -> str:
        extra = "".join(f", {a!r}" for a in self.args)
        return f"TargetDependency.{self.name}({self.dependent_id!r}{extra})"
