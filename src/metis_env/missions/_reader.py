"""Typed, path-aware reads from parsed JSON: every mistake becomes a `MissionFormatError`.

The parser never indexes raw JSON itself; it goes through `Obj`, which knows where it is
(``forces[0].nodes[2]``), rejects keys METIS's strict schema does not know (its own text:
``is not in schema. Please delete this field and try again.``) and checks each value's type
and range as it reads it. That is what lets any JSON at all fail with a MissionFormatError
and never with a KeyError or TypeError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from typing import Any

from metis_env.missions.errors import MissionFormatError

REQUIRED: Any = object()
UNKNOWN_KEY = "is not in schema. Please delete this field and try again."


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (not isinstance(value, float) or math.isfinite(value))
    )


class Obj:
    """A JSON object at ``path`` whose keys must be among ``allowed``."""

    def __init__(self, path: str, value: Any, allowed: Collection[str]) -> None:
        if not isinstance(value, dict):
            raise MissionFormatError(path or "mission", value, "must be an object")
        for key in value:
            if key not in allowed:
                raise MissionFormatError(join(path, str(key)), rule=UNKNOWN_KEY)
        self.path = path
        self.value: dict[str, Any] = value

    def at(self, key: str) -> str:
        return join(self.path, key)

    def get(self, key: str, default: Any) -> Any:
        if key in self.value:
            return self.value[key]
        if default is REQUIRED:
            raise MissionFormatError(self.at(key), rule="is required")
        return default

    def string(
        self,
        key: str,
        default: Any = REQUIRED,
        *,
        max_length: int | None = None,
        pattern: str | None = None,
        choices: Collection[str] | None = None,
        trim: bool = False,
    ) -> str:
        value = self.get(key, default)
        if not isinstance(value, str):
            raise MissionFormatError(self.at(key), value, "must be a string")
        if trim:
            value = value.strip()
        if max_length is not None and len(value) > max_length:
            raise MissionFormatError(
                self.at(key), value, f"must be at most {max_length} characters"
            )
        if pattern is not None and re.fullmatch(pattern, value) is None:
            raise MissionFormatError(self.at(key), value, f"must match {pattern}")
        if choices is not None and value not in choices:
            raise MissionFormatError(self.at(key), value, "must be one of " + ", ".join(choices))
        return value

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise MissionFormatError(self.at(key), value, "must be true or false")
        return value

    def number(
        self,
        key: str,
        default: Any = REQUIRED,
        *,
        low: float | None = None,
        high: float | None = None,
        integer: bool = False,
    ) -> Any:
        value = self.get(key, default)
        if not is_number(value):
            raise MissionFormatError(self.at(key), value, "must be a finite number")
        if integer and value != int(value):
            raise MissionFormatError(self.at(key), value, "must be an integer")
        if low is not None and value < low:
            raise MissionFormatError(self.at(key), value, f"must be at least {low:g}")
        if high is not None and value > high:
            raise MissionFormatError(self.at(key), value, f"must be at most {high:g}")
        return int(value) if integer else value

    def items(
        self, key: str, default: Any = REQUIRED, *, most: int | None = None
    ) -> Iterator[tuple[str, Any]]:
        """Each element of the list at ``key`` with its path (``forces[0]``)."""
        value = self.get(key, default)
        if not isinstance(value, list):
            raise MissionFormatError(self.at(key), value, "must be a list")
        if most is not None and len(value) > most:
            raise MissionFormatError(self.at(key), len(value), f"must hold at most {most} items")
        for index, item in enumerate(value):
            yield f"{self.at(key)}[{index}]", item

    def strings(self, key: str, default: Any = REQUIRED) -> tuple[str, ...]:
        out = []
        for path, item in self.items(key, default):
            if not isinstance(item, str):
                raise MissionFormatError(path, item, "must be a string")
            out.append(item)
        return tuple(out)
