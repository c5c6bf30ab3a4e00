"""From values given by a user to the arguments a script receives, in two phases.

1. `plan_arguments`, when an effect is planned (before any hook runs): every given name must
   be a parameter and every value pass its kind's `Parameter.validate`, or `ArgumentError`
   is raised. The result, `PlannedArguments`, holds the stored form of each given value.
2. `PlannedArguments.bind`, when the script starts: each kind's start value and default
   rule (`Parameter.bind`), then every argument gated on its dependencies: an unmet
   dependency makes the argument ``None`` (metis-behaviour §4.3). `PlannedArguments.value`
   does the same for one argument, now (what ``context.get_arguments`` calls).

`resolve_arguments` is both phases at once.
A dependency is evaluated on the dependent's resolved value, and the dependent's own
dependencies must be met too (recursively); a cycle makes every parameter on it unmet and
is logged as a warning, as in the original.

`parse_cli_value` converts one ``NAME=VALUE`` string from the command line per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from metis_env.schema.errors import ArgumentError
from metis_env.schema.parameters import Parameter

__all__ = [
    "BoundArguments",
    "PlannedArguments",
    "dependencies_met",
    "parse_cli_args",
    "parse_cli_value",
    "plan_arguments",
    "resolve_arguments",
]

logger = logging.getLogger("metis_env.schema")


def parse_cli_value(parameter: Parameter, text: str) -> Any:
    """Convert the text of one CLI argument for ``parameter``.

    number: ``"5"`` → 5, ``"2.5"`` → 2.5 (blank → ``None``); boolean: true/false/1/0/yes/no;
    dropdown: an option id or name → that option's id; strings: as is.

    Raises:
        ArgumentError: the text is not a valid value for the parameter.
    """
    return parameter.parse_text(text)


def parse_cli_args(
    parameters: Sequence[Parameter], items: Iterable[str], *, target_id: str | None = None
) -> dict[str, Any]:
    """Parse ``["NAME=VALUE", ...]`` into a mapping for `resolve_arguments`.

    Raises:
        ArgumentError: an item has no ``=``, names no parameter, or has a bad value.
    """
    by_id = {p.id: p for p in parameters}
    result: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise ArgumentError(item, rule="must look like NAME=VALUE", target_id=target_id)
        if name not in by_id:
            raise _unknown(name, parameters, target_id)
        try:
            parsed = by_id[name].parse_text(text)
            if by_id[name].repeatable and name in result:
                parsed = by_id[name].validate((*result[name], *parsed))
            result[name] = parsed
        except ArgumentError as exc:
            raise exc.for_target(target_id) if target_id else exc from None
    return result


def _unknown(name: str, parameters: Sequence[Parameter], target_id: str | None) -> ArgumentError:
    known = ", ".join(p.id for p in parameters) or "none"
    owner = f"target '{target_id}'" if target_id else "the target"
    return ArgumentError(
        name, rule=f"is not a parameter of {owner} (parameters: {known})", target_id=target_id
    )


def dependencies_met(
    parameter_id: str, parameters: Mapping[str, Parameter], values: Mapping[str, Any]
) -> bool:
    """Whether every dependency of ``parameter_id`` holds, recursively; cycles are unmet."""
    return _met(parameter_id, parameters, values, ())


def _met(
    pid: str, parameters: Mapping[str, Parameter], values: Mapping[str, Any], path: tuple[str, ...]
) -> bool:
    if pid in path:
        logger.warning(
            "Dependency cycle between parameters %s: treated as unmet.", " -> ".join((*path, pid))
        )
        return False
    parameter = parameters.get(pid)
    if parameter is None:
        return False  # missing dependent argument → unmet (original)
    for dependency in parameter.dependencies:
        dependent = dependency.dependent_id
        if dependent not in parameters or not _met(dependent, parameters, values, (*path, pid)):
            return False
        if not dependency.evaluate(values.get(dependent)):
            return False
    return True


@dataclass(frozen=True)
class BoundArguments:
    """The arguments a script receives: one value per parameter, in declaration order."""

    values: dict[str, Any] = field(default_factory=dict)

    def get(self, parameter_id: str) -> Any:
        """One argument's value; ``None`` when unknown or its dependencies are unmet."""
        return self.values.get(parameter_id)


@dataclass(frozen=True)
class PlannedArguments:
    """Phase one's result: the stored form of every given value, checked.

    Attributes:
        parameters: the target's parameters, in declaration order.
        stored: the stored form of each given value, by parameter id (absent: not given).
    """

    parameters: tuple[Parameter, ...]
    stored: Mapping[str, Any]

    def _bound(self) -> dict[str, Any]:
        return {p.id: p.bind(self.stored.get(p.id)) for p in self.parameters}

    def bind(self) -> BoundArguments:
        """Phase two: every argument's value now, dependencies applied."""
        by_id = {p.id: p for p in self.parameters}
        values = self._bound()
        return BoundArguments(
            {
                pid: (v if dependencies_met(pid, by_id, values) else None)
                for pid, v in values.items()
            }
        )

    def value(self, parameter_id: str) -> Any:
        """One argument's value now (``None``: not a parameter, or dependencies unmet)."""
        by_id = {p.id: p for p in self.parameters}
        if parameter_id not in by_id:
            return None
        values = self._bound()
        return values[parameter_id] if dependencies_met(parameter_id, by_id, values) else None


def plan_arguments(
    parameters: Sequence[Parameter], given: Mapping[str, Any], *, target_id: str | None = None
) -> PlannedArguments:
    """Phase one: check every given name and value; the stored forms.

    ``None`` counts as not given. Raises `ArgumentError` (naming ``target_id``) for a name
    that is not a parameter or a value that breaks its parameter's rules.
    """
    by_id = {p.id: p for p in parameters}
    for name in given:
        if name not in by_id:
            raise _unknown(name, parameters, target_id)
    stored: dict[str, Any] = {}
    for parameter in parameters:
        value = given.get(parameter.id)
        if value is None:
            continue
        try:
            stored[parameter.id] = parameter.validate(value)
        except ArgumentError as exc:
            raise exc.for_target(target_id) if target_id else exc from None
    return PlannedArguments(tuple(parameters), stored)


def resolve_arguments(
    parameters: Sequence[Parameter], given: Mapping[str, Any], *, target_id: str | None = None
) -> dict[str, Any]:
    """The arguments a script receives: one entry per parameter, in declaration order.

    Both phases at once (`plan_arguments`, then `PlannedArguments.bind`).

    Args:
        parameters: the target's parameters.
        given: values by parameter id (typed values; use `parse_cli_value` for text).
        target_id: named in error messages.

    Raises:
        ArgumentError: a name is not a parameter, or a value breaks its parameter's rules.
    """
    return plan_arguments(parameters, given, target_id=target_id).bind().values
