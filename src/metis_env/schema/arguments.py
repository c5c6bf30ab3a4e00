"""From values given by a user to the arguments a script receives.

`resolve_arguments` checks every given name and value (raising `ArgumentError` before
anything runs), applies each kind's start value and default rule, then gates every argument
on its dependencies: an unmet dependency makes the argument ``None`` (metis-behaviour §4.3).
A dependency is evaluated on the dependent's resolved value, and the dependent's own
dependencies must be met too (recursively); a cycle makes every parameter on it unmet and
is logged as a warning, as in the original.

`parse_cli_value` converts one ``NAME=VALUE`` string from the command line per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from metis_env.schema.errors import ArgumentError
from metis_env.schema.parameters import Parameter

__all__ = ["dependencies_met", "parse_cli_args", "parse_cli_value", "resolve_arguments"]

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
            result[name] = by_id[name].parse_text(text)
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


def resolve_arguments(
    parameters: Sequence[Parameter], given: Mapping[str, Any], *, target_id: str | None = None
) -> dict[str, Any]:
    """The arguments a script receives: one entry per parameter, in declaration order.

    Args:
        parameters: the target's parameters.
        given: values by parameter id (typed values; use `parse_cli_value` for text).
        target_id: named in error messages.

    Raises:
        ArgumentError: a name is not a parameter, or a value breaks its parameter's rules.
    """
    by_id = {p.id: p for p in parameters}
    for name in given:
        if name not in by_id:
            raise _unknown(name, parameters, target_id)
    values: dict[str, Any] = {}
    for parameter in parameters:
        try:
            values[parameter.id] = parameter.resolve(
                given.get(parameter.id), given=parameter.id in given
            )
        except ArgumentError as exc:
            raise exc.for_target(target_id) if target_id else exc from None
    return {
        pid: (value if dependencies_met(pid, by_id, values) else None)
        for pid, value in values.items()
    }
