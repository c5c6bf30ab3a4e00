"""What every parameter kind shares, and the registry of kinds (see `metis_env.schema.parameters`).

`Parameter` holds the common declaration (id, name, grouping, help text, dependencies) and
the two phases every kind implements: `Parameter.validate` (when an effect is planned) and
`Parameter.bind` (when the script starts). A subclass that sets ``type`` registers itself
in `PARAMETER_KINDS` under ``type`` and its ``aliases``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from metis_env.schema.dependencies import TargetDependency
from metis_env.schema.errors import ArgumentError, SchemaError

__all__ = [
    "COMMON_KEYS",
    "PARAMETER_KINDS",
    "REQUIRED_DEFAULT_KEYS",
    "Parameter",
    "RequiredDefaultParameter",
]

#: Declaration keys every kind accepts (besides ``_id``/``id`` and ``type``) → keyword.
COMMON_KEYS: Mapping[str, str] = {
    "name": "name",
    "groupingId": "grouping_id",
    "grouping_id": "grouping_id",
    "tooltipDescription": "tooltip_description",
    "tooltip_description": "tooltip_description",
    "description": "description",
    "dependencies": "dependencies",
}
#: The keys of kinds with ``required`` and a ``default`` mandatory iff required.
REQUIRED_DEFAULT_KEYS: Mapping[str, str] = {"required": "required", "default": "default"}
#: Every kind by ``type`` value (aliases included), filled as the classes are defined.
PARAMETER_KINDS: dict[str, type[Parameter]] = {}


def text_value(key: str, value: Any, *, empty_ok: bool = False) -> str:
    """``value`` if it is a (non-empty, unless ``empty_ok``) string; else `SchemaError`."""
    if not isinstance(value, str) or (not empty_ok and value == ""):
        raise SchemaError(
            key, value, "must be a non-empty string" if not empty_ok else "must be a string"
        )
    return value


def optional_text(key: str, value: Any) -> str | None:
    """``None``, or ``value`` if it is a string; else `SchemaError`."""
    return None if value is None else text_value(key, value, empty_ok=True)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (``bool`` excluded)."""
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

    #: The ``type`` key of this kind, as in the original ("": not a kind of its own).
    type: ClassVar[str] = ""
    #: Other ``type`` values accepted for this kind.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Declaration keys of this kind beyond `COMMON_KEYS` (declared key → keyword).
    keys: ClassVar[Mapping[str, str]] = {}
    #: Whether repeating ``--arg NAME=…`` adds to the value (a tuple) instead of replacing it.
    repeatable: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in vars(cls) and cls.type:
            for name in (cls.type, *cls.aliases):
                PARAMETER_KINDS[name] = cls

    @classmethod
    def declaration_keys(cls) -> dict[str, str]:
        """Every key a declaration of this kind may hold (besides ``_id`` and ``type``)."""
        return {**COMMON_KEYS, **cls.keys}

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
        self.id = text_value("_id", id)
        if "/" in self.id:
            raise SchemaError("_id", id, "must not contain '/' (dependencies use it)")
        self.name = text_value("name", name)
        self.grouping_id = optional_text("groupingId", grouping_id)
        self.tooltip_description = optional_text("tooltipDescription", tooltip_description)
        self.description = optional_text("description", description)
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

    def validate(self, value: Any) -> Any:
        """Phase one: the stored form of a given (non-``None``) value.

        Raises:
            ArgumentError: ``value`` breaks this parameter's rules.
        """
        raise NotImplementedError

    def bind(self, stored: Any = None) -> Any:
        """Phase two: the value the script receives for ``stored`` (``None``: nothing was
        given), with the kind's start value and default rule."""
        raise NotImplementedError

    def resolve(self, value: Any = None, *, given: bool = False) -> Any:
        """Both phases at once: `validate` a given value, then `bind` it.

        Raises:
            ArgumentError: ``value`` breaks this parameter's rules.
        """
        return self.bind(self.validate(value) if given and value is not None else None)

    def parse_text(self, text: str) -> Any:
        """Convert a CLI string into a value `validate` accepts (validating it)."""
        return self.validate(text)

    def fail(self, value: Any, rule: str) -> ArgumentError:
        """An `ArgumentError` about ``value`` for this parameter."""
        return ArgumentError(self.id, value, rule)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, name={self.name!r})"


class RequiredDefaultParameter(Parameter):
    """Kinds with ``required`` and a ``default`` that is mandatory iff required."""

    keys = REQUIRED_DEFAULT_KEYS

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
