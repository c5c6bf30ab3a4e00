"""Read a Python parameter as METIS declares it: the one place that knows parameter attributes.

The schema layer is being reshaped so that each parameter kind declares its type and keys
itself (issue 12, item 5). Everything the export needs from a parameter goes through
`describe_parameter`, which reads attributes defensively (``getattr`` with a default, both
spellings where two exist); when the schema's shape settles, this file is what changes.

The result uses METIS's keys and order (metis-behaviour §4.3): ``_id, name, type, required,
default, min, max, integersOnly, unit, pattern, title, options, validComponentTypes,
multiple, groupingId, tooltipDescription, dependencies``. Keys whose value is absent are
left out, except the ones METIS requires for the kind (``required`` and ``default``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Call", "Regex", "describe_dependency", "describe_parameter", "parameter_kind"]

# Kinds whose declaration carries `required` (and `default` iff required) in METIS.
_REQUIRED_KINDS = ("string", "large-string", "number", "dropdown")
# Python spellings of the kinds METIS knows under another name.
_KIND_ALIASES = {"text": "string"}


@dataclass(frozen=True)
class Regex:
    """A regular expression to write as a JavaScript literal (``/source/flags``)."""

    source: str
    flags: str = ""


@dataclass(frozen=True)
class Call:
    """A call to write as code, e.g. ``TargetDependency.TRUTHY('toggle')``."""

    function: str
    args: tuple[Any, ...] = ()


def _get(obj: Any, *names: str) -> Any:
    """The first attribute (or mapping key) of ``names`` that ``obj`` has and is not None."""
    for name in names:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def parameter_kind(parameter: Any) -> str:
    """METIS's ``type`` of ``parameter`` (``text`` becomes ``string``)."""
    kind = _get(parameter, "type", "kind")
    kind = getattr(kind, "value", kind)  # an enum member, should kinds become one
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"cannot tell the kind of parameter {parameter!r}")
    return _KIND_ALIASES.get(kind, kind)


def _regex(pattern: Any) -> Regex | None:
    """A Python regex (compiled or text) as a JavaScript one; ``(?P<n>`` becomes ``(?<n>``."""
    if pattern is None or pattern == "":
        return None
    if isinstance(pattern, Regex):
        return pattern
    source = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
    flags = ""
    if isinstance(pattern, re.Pattern):
        letters = (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL))
        flags = "".join(letter for letter, flag in letters if pattern.flags & flag)
    return Regex(source.replace("(?P<", "(?<"), flags)


def describe_dependency(dependency: Any) -> Call:
    """A dependency as the call to METIS's ``TargetDependency`` factory that builds it."""
    if isinstance(dependency, str):  # the encoded form "<NAME>/<id>/<json args>"
        from metis_env.schema import TargetDependency

        dependency = TargetDependency.decode(dependency)
    name = _get(dependency, "name")
    dependent = _get(dependency, "dependent_id", "dependentId")
    args = tuple(_get(dependency, "args") or ())
    if name == "REGEX" and args:
        args = (_regex(args[0]),)
    return Call(f"TargetDependency.{name}", (dependent, *args))


def _option(option: Any) -> dict[str, Any]:
    described: dict[str, Any] = {
        "_id": _get(option, "id", "_id"),
        "name": _get(option, "name"),
        "value": option.get("value") if isinstance(option, Mapping) else option.value,
    }
    tooltip = _get(option, "tooltip_description", "tooltipDescription")
    if tooltip:
        described["tooltipDescription"] = tooltip
    return described


def describe_parameter(parameter: Any) -> dict[str, Any]:
    """``parameter`` as METIS's declaration object (keys in METIS's spelling and order)."""
    kind = parameter_kind(parameter)
    described: dict[str, Any] = {
        "_id": _get(parameter, "id", "_id"),
        "name": _get(parameter, "name"),
        "type": kind,
    }
    if kind in _REQUIRED_KINDS:
        required = bool(_get(parameter, "required"))
        described["required"] = required
        if required:
            described["default"] = _get(parameter, "default")
    elif kind == "boolean":
        described["default"] = bool(_get(parameter, "default"))
    for key, names in (
        ("min", ("min", "minimum")),
        ("max", ("max", "maximum")),
        ("unit", ("unit",)),
    ):
        value = _get(parameter, *names)
        if value is not None:
            described[key] = value
    if _get(parameter, "integers_only", "integersOnly"):
        described["integersOnly"] = True
    pattern = _regex(_get(parameter, "pattern"))
    if pattern is not None:
        described["pattern"] = pattern
    title = _get(parameter, "title")
    if title:
        described["title"] = title
    options = _get(parameter, "options")
    if options:
        described["options"] = [_option(option) for option in options]
    if kind == "mission-component":
        required = _get(parameter, "required")
        if required is not None:
            described["required"] = bool(required)
        types = _get(parameter, "valid_component_types", "validComponentTypes")
        if types:
            described["validComponentTypes"] = [getattr(t, "value", t) for t in types]
        multiple = _get(parameter, "multiple")
        if multiple is not None:
            described["multiple"] = bool(multiple)
    grouping = _get(parameter, "grouping_id", "groupingId")
    if grouping:
        described["groupingId"] = grouping
    # METIS shows `tooltipDescription` as help text and drops `description` (§4.3).
    tooltip = _get(parameter, "tooltip_description", "tooltipDescription", "description")
    if tooltip:
        described["tooltipDescription"] = tooltip
    dependencies: Sequence[Any] = _get(parameter, "dependencies") or ()
    if dependencies:
        described["dependencies"] = [describe_dependency(d) for d in dependencies]
    return described
