"""Parameter kinds: what a target asks for, and how a given value becomes an argument.

Five kinds, as in the original (metis-behaviour §4.3): `NumberParameter`, `StringParameter`
(``type`` ``string``, alias ``text``), `LargeStringParameter`, `BooleanParameter` and
`DropdownParameter`. Each kind describes itself, in its class and nowhere else:

* ``type`` (and ``aliases``): the declaration's ``type`` values that build it; a class that
  sets ``type`` registers itself in `PARAMETER_KINDS` (adding a kind = writing its class);
* ``keys``: the declaration keys it accepts beyond the common ones (camelCase and Python
  spelling → keyword argument);
* its constructor checks the declaration (raising `SchemaError` naming the key);
* `validate` (phase one, when an effect is planned) turns a given value into the stored
  form METIS keeps (a dropdown stores the option id), raising `ArgumentError`;
* `bind` (phase two, when the script starts) turns the stored form, or its absence, into
  the value the script receives, with the original's start-value and default rules;
* `parse_text` converts a CLI string (``NAME=VALUE``) into a value `validate` accepts.

Default rules kept from the original: a ``default`` is used only by *required* parameters
(string and number: when the value is blank; dropdown: when nothing is selected) and is
mandatory for them; a default on an optional parameter is ignored. Booleans always fall
back to ``default`` (``False`` when absent). Unlike the original, which only checks in the
browser form, values are validated here (type, min/max, integersOnly, pattern, option).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from metis_env.schema.errors import ArgumentError, SchemaError
from metis_env.schema.parameter_base import (
    COMMON_KEYS,
    PARAMETER_KINDS,
    REQUIRED_DEFAULT_KEYS,
    Parameter,
    RequiredDefaultParameter,
    is_number,
    optional_text,
    text_value,
)

__all__ = [
    "BOOLEAN_WORDS",
    "COMMON_KEYS",
    "PARAMETER_KINDS",
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


class StringParameter(RequiredDefaultParameter):
    """A one-line string (``type: "string"``, alias ``"text"``); optional regex ``pattern``.

    The pattern is tested like JavaScript's ``RegExp.test`` (a search, not a full match),
    and only against non-empty values.
    """

    type = "string"
    aliases: ClassVar[tuple[str, ...]] = ("text",)
    keys: ClassVar[Mapping[str, str]] = {
        **REQUIRED_DEFAULT_KEYS,
        "pattern": "pattern",
        "title": "title",
    }

    def __init__(
        self, *, pattern: str | re.Pattern[str] | None = None, title: str | None = None, **rest: Any
    ) -> None:
        super().__init__(**rest)
        self.title = optional_text("title", title)
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
            text_value("default", self.default, empty_ok=True)
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

    def validate(self, value: Any) -> Any:
        """A string matching the pattern (a blank one always passes)."""
        if not isinstance(value, str):
            raise self.fail(value, "must be a string")
        if value and not self._matches(value):
            raise self.fail(value, f"must match the pattern /{self.pattern_text}/")
        return value

    def bind(self, stored: Any = None) -> Any:
        """``''`` when not given; a required blank value becomes the default."""
        result = "" if stored is None else stored
        if self.required and result == "":
            return self.default
        return result


class LargeStringParameter(StringParameter):
    """A multi-line string (``type: "large-string"``); same rules as `StringParameter`."""

    type = "large-string"
    aliases = ()


class NumberParameter(RequiredDefaultParameter):
    """A number with optional ``min``/``max``, ``integers_only`` and a display ``unit``.

    An optional number left blank is ``None``; a required one falls back to ``default``.
    """

    type = "number"
    keys: ClassVar[Mapping[str, str]] = {
        **REQUIRED_DEFAULT_KEYS,
        **{"min": "min", "max": "max", "unit": "unit"},
        **{"integersOnly": "integers_only", "integers_only": "integers_only"},
    }

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
            if bound is not None and not is_number(bound):
                raise SchemaError(key, bound, "must be a finite number")
        if min is not None and max is not None and min > max:
            raise SchemaError("min", min, f"must not be greater than max ({max})")
        if not isinstance(integers_only, bool):
            raise SchemaError("integersOnly", integers_only, "must be true or false")
        self.min, self.max, self.integers_only = min, max, integers_only
        self.unit = optional_text("unit", unit)
        if self.default is not None:
            try:
                self.default = self._check(self.default)
            except ArgumentError as exc:
                raise SchemaError("default", self.default, exc.rule) from None

    def _check(self, value: Any) -> int | float:
        if not is_number(value):
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

    def validate(self, value: Any) -> Any:
        """A finite number within min/max (whole when ``integers_only``)."""
        return self._check(value)

    def bind(self, stored: Any = None) -> Any:
        """``None`` when blank; a required blank value becomes the default."""
        if self.required and stored is None:
            return self.default
        return stored

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
    keys: ClassVar[Mapping[str, str]] = (
        REQUIRED_DEFAULT_KEYS  # ``required`` is accepted and ignored, as in METIS
    )

    def __init__(
        self, *, default: bool | None = None, required: bool | None = None, **common: Any
    ) -> None:
        super().__init__(**common)
        if default is not None and not isinstance(default, bool):
            raise SchemaError("default", default, "must be true or false")
        if required is not None and not isinstance(required, bool):
            raise SchemaError("required", required, "must be true or false")
        self.default = bool(default)

    def validate(self, value: Any) -> Any:
        """``True`` or ``False``."""
        if not isinstance(value, bool):
            raise self.fail(value, "must be true or false")
        return value

    def bind(self, stored: Any = None) -> Any:
        """The given boolean, else the default."""
        return self.default if stored is None else stored

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
        self.id = text_value("_id", id)
        self.name = text_value("name", name)
        self.value = value
        self.tooltip_description = optional_text("tooltipDescription", tooltip_description)

    def __repr__(self) -> str:
        return f"DropdownOption(id={self.id!r}, name={self.name!r}, value={self.value!r})"


class DropdownParameter(RequiredDefaultParameter):
    """A choice among ``options``; the script receives the chosen option's ``value``.

    A value given by the user names an option by its id (or, failing that, its name).
    ``default`` is an option **id**, mandatory iff required.
    """

    type = "dropdown"
    keys: ClassVar[Mapping[str, str]] = {**REQUIRED_DEFAULT_KEYS, "options": "options"}

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

    def validate(self, value: Any) -> Any:
        """The id of the option ``value`` names (its id, or failing that its name)."""
        return self._select(value).id

    def bind(self, stored: Any = None) -> Any:
        """The selected option's value; unselected → default option's value or ``None``."""
        key = stored if stored is not None else (self.default if self.required else None)
        option = self.find(key) if key is not None else None
        return option.value if option is not None else None

    def parse_text(self, text: str) -> Any:
        """Returns the id of the option named by ``text`` (its id or its name)."""
        return self._select(text).id
