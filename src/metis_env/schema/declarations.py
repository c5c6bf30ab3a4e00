"""Turn the seed's dict declarations (``{_id, name, type, required, default}``) into parameters.

Which ``type`` builds which kind, and which keys each kind takes, is declared by the kinds
themselves (`metis_env.schema.parameters`).

Keys follow the original's camelCase (``integersOnly``, ``groupingId``, ``tooltipDescription``)
and the Python spelling is accepted too (``integers_only``); ``_id`` and ``id`` both name the
id. Unlike the original, which silently drops misspelled keys, an unknown key is a
`SchemaError` listing the keys the kind accepts: a typo should fail at load, not at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metis_env.schema.errors import SchemaError
from metis_env.schema.parameters import (
    PARAMETER_KINDS,
    DropdownOption,
    DropdownParameter,
    Parameter,
)

__all__ = ["PARAMETER_TYPES", "option_from_dict", "parameter_from_dict", "to_parameter"]

#: ``type`` values and the class each one builds (``text`` is the seed's alias of ``string``).
#: The kinds register themselves (`metis_env.schema.parameters.PARAMETER_KINDS`).
PARAMETER_TYPES: Mapping[str, type[Parameter]] = PARAMETER_KINDS
_OPTION_KEYS = {"name": "name", "value": "value"} | {
    "tooltipDescription": "tooltip_description",
    "tooltip_description": "tooltip_description",
}


def _take_id(data: Mapping[str, Any]) -> Any:
    if "_id" in data and "id" in data and data["_id"] != data["id"]:
        raise SchemaError("_id", data["_id"], f"conflicts with id {data['id']!r}; give one of them")
    if "_id" not in data and "id" not in data:
        raise SchemaError("_id", rule="is missing (every parameter and option needs an id)")
    return data["_id"] if "_id" in data else data["id"]


def _kwargs(data: Mapping[str, Any], keys: Mapping[str, str], what: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("_id", "id", "type"):
            continue
        if key not in keys:
            known = ", ".join(sorted({"_id", "type", *keys}))
            raise SchemaError(key, rule=f"is not a key of {what} (known keys: {known})")
        kwargs[keys[key]] = value
    return kwargs


def option_from_dict(data: Any) -> DropdownOption:
    """Build a `DropdownOption` from ``{_id, name, value, tooltipDescription?}``."""
    if isinstance(data, DropdownOption):
        return data
    if not isinstance(data, Mapping):
        raise SchemaError(None, data, "must be an option object {_id, name, value}")
    kwargs = _kwargs(data, _OPTION_KEYS, "a dropdown option")
    oid = _take_id(data)
    if "name" not in kwargs:
        raise SchemaError("name", rule="is missing (the name shown to people)")
    if "value" not in kwargs:
        raise SchemaError("value", rule="is missing (the value the script receives)")
    return DropdownOption(id=oid, **kwargs)


def parameter_from_dict(data: Mapping[str, Any]) -> Parameter:
    """Build a parameter from the seed's dict form; the ``type`` key picks the kind.

    Raises:
        SchemaError: unknown type or key, or a value that breaks the kind's rules.
    """
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in PARAMETER_TYPES:
        raise SchemaError("type", kind, f"must be one of {', '.join(PARAMETER_TYPES)}")
    cls = PARAMETER_TYPES[kind]
    kwargs = _kwargs(data, cls.declaration_keys(), f"a {kind} parameter")
    pid = _take_id(data)
    if "name" not in kwargs:
        raise SchemaError("name", rule="is missing (the name shown to people)")
    if issubclass(cls, DropdownParameter) and "options" not in kwargs:
        raise SchemaError("options", rule="is missing (a dropdown needs at least one option)")
    if "options" in kwargs:
        raw = kwargs["options"]
        if isinstance(raw, list | tuple):
            options = []
            for index, option in enumerate(raw):
                try:
                    options.append(option_from_dict(option))
                except SchemaError as exc:
                    raise exc.within(prefix=f"options[{index}]") from None
            kwargs["options"] = options
    return cls(id=pid, **kwargs)


def to_parameter(declaration: Any) -> Parameter:
    """A `Parameter` as is, or one built from a dict (see `parameter_from_dict`)."""
    if isinstance(declaration, Parameter):
        return declaration
    if isinstance(declaration, Mapping):
        return parameter_from_dict(declaration)
    raise SchemaError(
        None, declaration, "must be a parameter object or a dict with _id, name, type"
    )
