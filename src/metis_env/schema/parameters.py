"""Parameter kinds: what a target asks for, and how a given value becomes an argument.

Five kinds, as in the original (metis-behaviour §4.3): `NumberParameter`, `StringParameter`
(``type`` ``string``, alias ``text``), `LargeStringParameter`, `BooleanParameter` and
`DropdownParameter`. Each one

* checks its own declaration when constructed (raising `SchemaError` naming the key),
* `resolve`s a given value (or its absence) into the value the script receives, with the
  original's start-value and default rules, raising `ArgumentError` for a bad value, and
* `parse_text`s a CLI string (``NAME=VALUE``) into a value `resolve` accepts.

Default rules kept from the original: a ``default`` is used only by *required* parameters
(string and number: when the value is blank; dropdown: when nothing is selected) and is
mandatory for them; a default on an optional parameter is ignored. Booleans always fall
back to ``default`` (``False`` when absent). Unlike the original, which only checks in the
browser form, values are validated here (type, min/max, integersOnly, pattern, option).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from metis_env.schema.dependencies import TargetDependency
from metis_env.schema.errors import ArgumentError, SchemaError

__all__ = [
    "BOOLEAN_WORDS",
    "BooleanParameter",
    "DropdownOption",
    "DropdownParameter",
    "LargeStringParameter",
    "NumberParameter",
    "Parameter",
    "StringParameter",
]

#: CLI spellings accepted for booleans (case-insensitive).
BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_INT_TEXT = re.compile(r"[+-]?\d+")


def _text(key: str, value: Any, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or (not empty_ok and value == ""):
        raise SchemaError(
            key, value, "must be a non-empty string" if not empty_ok else "must be a string"
        )
    return value


def _optional_text(key: str, value: Any) -> str | None:
    return None if value is None else _text(key, value, empty_ok=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class Parameter:
    """What every parameter kind shares: id, name, grouping, help text, dependencies.

    Args:
        id: unique within the target; the key of the argument in ``context.effect.args``.
        name: shown to people.
        grouping_id: groups parameters in METIS's form (kept, not used here).
        tooltip_description: help text (the original's key; ``description`` is kept too).
        dependencies: `TargetDependency` objects or their encoded strings; when any is
            unmet the script receives ``None`` for this parameter.
    """

    #: The ``type`` key of this kind, as in the original.
    type: ClassVar[str] = ""

    def __init__(
        self,
        *,
        id: str,
        name: str,
        grouping_id: str | None = None,
        tooltip_description: str | None = None,
        description: str | None = None,
        dependencies: Sequence[TargetDependency | str] = (),
    ) -> None:
        self.id = _text("_id", id)
        if "/" in self.id:
            raise SchemaError("_id", id, "must not contain '/' (dependencies use it)")
        self.name = _text("name", name)
        self.grouping_id = _optional_text("groupingId", grouping_id)
        self.tooltip_description = _optional_text("tooltipDescription", tooltip_description)
        self.description = _optional_text("description", description)
        if isinstance(dependencies, str) or not isinstance(dependencies, Sequence):
            raise SchemaError("dependencies", dependencies, "must be a list of TargetDependency")
        deps: list[TargetDependency] = []
        for index, dep in enumerate(dependencies):
            try:
                deps.append(
                    dep if isinstance(dep, TargetDependency) else TargetDependency.decode(dep)
                )
            except SchemaError as exc:
                raise exc.within(prefix=f"dependencies[{index}]") from None
            except TypeError:
                raise SchemaError(
                    f"dependencies[{index}]", dep, "must be a TargetDependency"
                ) from None
        self.dependencies = tuple(deps)

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """The value the script receives, from ``value`` (``given``) or the start value.

        Raises:
            ArgumentError: ``value`` breaks this parameter's rules.
        """
        raise NotImplementedError

    def parse_text(self, text: str) -> Any:
        """Convert a CLI string into a value `resolve` accepts (validating it)."""
        return self.resolve(text, given=True)

    def fail(self, value: Any, rule: str) -> ArgumentError:
        """An `ArgumentError` about ``value`` for this parameter."""
        return ArgumentError(self.id, value, rule)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, name={self.name!r})"


class _RequiredDefault(Parameter):
    """Kinds with ``required`` and a ``default`` that is mandatory iff required."""

    def __init__(self, *, required: bool = False, default: Any = None, **common: Any) -> None:
        super().__init__(**common)
        if not isinstance(required, bool):
            raise SchemaError("required", required, "must be true or false")
        self.required = required
        if required and default is None:
            raise SchemaError(
                "default", rule="is required when required=True (the value used when left blank)"
            )
        self.default = default


class StringParameter(_RequiredDefault):
    """A one-line string (``type: "string"``, alias ``"text"``); optional regex ``pattern``.

    The pattern is tested like JavaScript's ``RegExp.test`` (a search, not a full match),
    and only against non-empty values.
    """

    type = "string"

    def __init__(
        self, *, pattern: str | re.Pattern[str] | None = None, title: str | None = None, **rest: Any
    ) -> None:
        super().__init__(**rest)
        self.title = _optional_text("title", title)
        self.pattern: re.Pattern[str] | None = None
        if pattern is not None:
            if isinstance(pattern, str):
                try:
                    self.pattern = re.compile(pattern)
                except re.error as exc:
                    raise SchemaError(
                        "pattern", pattern, f"is not a valid regular expression: {exc}"
                    ) from None
            elif isinstance(pattern, re.Pattern):
                self.pattern = pattern
            else:
                raise SchemaError("pattern", pattern, "must be a regular expression string")
        if self.default is not None:
            _text("default", self.default, empty_ok=True)
            if self.default and not self._matches(self.default):
                raise SchemaError(
                    "default", self.default, f"must match the pattern /{self.pattern_text}/"
                )

    @property
    def pattern_text(self) -> str:
        """The pattern's source, or ``""``."""
        return self.pattern.pattern if self.pattern is not None else ""

    def _matches(self, value: str) -> bool:
        return self.pattern is None or self.pattern.search(value) is not None

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """``''`` when not given; a required blank value becomes the default."""
        result = ""
        if given and value is not None:
            if not isinstance(value, str):
                raise self.fail(value, "must be a string")
            if value and not self._matches(value):
                raise self.fail(value, f"must match the pattern /{self.pattern_text}/")
            result = value
        if self.required and result == "":
            return self.default
        return result


class LargeStringParameter(StringParameter):
    """A multi-line string (``type: "large-string"``); same rules as `StringParameter`."""

    type = "large-string"


class NumberParameter(_RequiredDefault):
    """A number with optional ``min``/``max``, ``integers_only`` and a display ``unit``.

    An optional number left blank is ``None``; a required one falls back to ``default``.
    """

    type = "number"

    def __init__(
        self,
        *,
        min: float | None = None,
        max: float | None = None,
        integers_only: bool = False,
        unit: str | None = None,
        **rest: Any,
    ) -> None:
        super().__init__(**rest)
        for key, bound in (("min", min), ("max", max)):
            if bound is not None and not _is_number(bound):
                raise SchemaError(key, bound, "must be a finite number")
        if min is not None and max is not None and min > max:
            raise SchemaError("min", min, f"must not be greater than max ({max})")
        if not isinstance(integers_only, bool):
            raise SchemaError("integersOnly", integers_only, "must be true or false")
        self.min, self.max, self.integers_only = min, max, integers_only
        self.unit = _optional_text("unit", unit)
        if self.default is not None:
            try:
                self.default = self._check(self.default)
            except ArgumentError as exc:
                raise SchemaError("default", self.default, exc.rule) from None

    def _check(self, value: Any) -> int | float:
        if not _is_number(value):
            raise self.fail(value, "must be a number")
        if self.integers_only and isinstance(value, float):
            if not value.is_integer():
                raise self.fail(value, "must be a whole number (integersOnly)")
            value = int(value)
        if self.min is not None and value < self.min:
            raise self.fail(value, f"must be at least {self.min}")
        if self.max is not None and value > self.max:
            raise self.fail(value, f"must be at most {self.max}")
        return value  # type: ignore[no-any-return]

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """``None`` when blank; a required blank value becomes the default."""
        result = self._check(value) if given and value is not None else None
        if self.required and result is None:
            return self.default
        return result

    def parse_text(self, text: str) -> Any:
        """``"5"`` → 5, ``"2.5"``/``"1e3"`` → float; blank → ``None``; NaN/inf refused."""
        stripped = text.strip()
        if stripped == "":
            return None
        number: int | float
        if _INT_TEXT.fullmatch(stripped):
            number = int(stripped)
        else:
            try:
                number = float(stripped)
            except ValueError:
                raise self.fail(text, "must be a number") from None
        return self._check(number)


class BooleanParameter(Parameter):
    """A boolean; falls back to ``default`` (``False`` when not declared). No ``required``."""

    type = "boolean"

    def __init__(
        self, *, default: bool | None = None, required: bool | None = None, **common: Any
    ) -> None:
        super().__init__(**common)
        if default is not None and not isinstance(default, bool):
            raise SchemaError("default", default, "must be true or false")
        if required is not None and not isinstance(required, bool):
            raise SchemaError("required", required, "must be true or false")
        self.default = bool(default)

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """The given boolean, else the default."""
        if given and value is not None:
            if not isinstance(value, bool):
                raise self.fail(value, "must be true or false")
            return value
        return self.default

    def parse_text(self, text: str) -> Any:
        """true/false, 1/0, yes/no (any case)."""
        word = text.strip().lower()
        if word not in BOOLEAN_WORDS:
            raise self.fail(text, "must be one of: true, false, 1, 0, yes, no")
        return BOOLEAN_WORDS[word]


class DropdownOption:
    """One choice of a `DropdownParameter`: ``id`` selects it, ``value`` is what the script gets."""

    def __init__(
        self,
        *,
        id: str,
        name: str,
        value: Any,
        tooltip_description: str | None = None,
    ) -> None:
        self.id = _text("_id", id)
        self.name = _text("name", name)
        self.value = value
        self.tooltip_description = _optional_text("tooltipDescription", tooltip_description)

    def __repr__(self) -> str:
        return f"DropdownOption(id={self.id!r}, name={self.name!r}, value={self.value!r})"


class DropdownParameter(_RequiredDefault):
    """A choice among ``options``; the script receives the chosen option's ``value``.

    A value given by the user names an option by its id (or, failing that, its name).
    ``default`` is an option **id**, mandatory iff required.
    """

    type = "dropdown"

    def __init__(self, *, options: Sequence[DropdownOption], **rest: Any) -> None:
        super().__init__(**rest)
        if isinstance(options, str) or not isinstance(options, Sequence) or not options:
            raise SchemaError("options", options, "must be a non-empty list of options")
        seen: set[str] = set()
        for index, option in enumerate(options):
            if not isinstance(option, DropdownOption):
                raise SchemaError(f"options[{index}]", option, "must be a DropdownOption")
            if option.id in seen:
                raise SchemaError(f"options[{index}]._id", option.id, "must be unique")
            seen.add(option.id)
        self.options = tuple(options)
        if self.default is not None and self.find(self.default) is None:
            raise SchemaError("default", self.default, f"must be an option id ({self.choices})")

    @property
    def choices(self) -> str:
        """The option ids, comma-separated, for messages."""
        return ", ".join(option.id for option in self.options)

    def find(self, key: Any) -> DropdownOption | None:
        """The option whose id is ``key``, else the one whose name is ``key``, else ``None``."""
        for attribute in ("id", "name"):
            for option in self.options:
                if getattr(option, attribute) == key:
                    return option
        return None

    def _select(self, key: Any) -> DropdownOption:
        option = self.find(key) if isinstance(key, str) else None
        if option is None:
            raise self.fail(key, f"must be one of the options: {self.choices}")
        return option

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """The selected option's value; unselected → default option's value or ``None``."""
        if given and value is not None:
            return self._select(value).value
        if self.required:
            default = self.find(self.default)
            return default.value if default is not None else None
        return None

    def parse_text(self, text: str) -> Any:
        """Returns the id of the option named by ``text`` (its id or its name)."""
        return self._select(text).id
