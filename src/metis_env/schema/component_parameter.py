"""The ``mission-component`` parameter: the user picks components of the session's mission.

Declared with ``validComponentTypes`` (a subset of `COMPONENT_TYPES`, default ``["any"]``),
``required`` (at least one component must be given) and ``multiple`` (more than one may
be given; METIS's form allows several, so the default is ``True``).

The two phases, as for every kind: `MissionComponentParameter.validate` keeps what the user
named as *references* (a spec string such as ``node:Crane Control``, a selection
``{"componentType": "node", "_id": "…"}`` or a component view); the runtime resolves them
against the session's mission when the effect is planned (an error names the parameter and
the candidates), and hands the script the components' views when it starts. The schema
layer knows no mission: it only checks the shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from metis_env.schema.errors import SchemaError
from metis_env.schema.parameter_base import Parameter

__all__ = ["COMPONENT_TYPES", "MissionComponentParameter", "component_ref"]

#: What ``validComponentTypes`` may list (METIS's names).
COMPONENT_TYPES = (
    "mission",
    "force",
    "node",
    "action",
    "missionFile",
    "resource",
    "resourcePool",
    "any",
)


def component_ref(item: Any) -> Any:
    """A reference the runtime can resolve: a spec string, a selection mapping, or None.

    A view (anything with ``component_type`` and ``id``) becomes its selection mapping.
    """
    if isinstance(item, str):
        return item if item.strip() else None
    if isinstance(item, Mapping):
        kind, ident = item.get("componentType"), item.get("_id")
        return {"componentType": kind, "_id": ident} if isinstance(ident, str) else None
    kind, ident = getattr(item, "component_type", None), getattr(item, "id", None)
    if isinstance(kind, str) and isinstance(ident, str):
        return {"componentType": kind, "_id": ident}
    return None


class MissionComponentParameter(Parameter):
    """Components of the mission; the script receives a list of their views (maybe empty)."""

    type = "mission-component"
    keys: ClassVar[Mapping[str, str]] = {
        "validComponentTypes": "valid_component_types",
        "valid_component_types": "valid_component_types",
        "required": "required",
        "multiple": "multiple",
    }
    #: Repeating ``--arg NAME=SPEC`` adds a component instead of replacing it.
    repeatable: ClassVar[bool] = True

    def __init__(
        self,
        *,
        valid_component_types: Sequence[str] = ("any",),
        required: bool = False,
        multiple: bool = True,
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if isinstance(valid_component_types, str) or not isinstance(
            valid_component_types, Sequence
        ):
            raise SchemaError(
                "validComponentTypes",
                valid_component_types,
                f"must be a list of component types ({', '.join(COMPONENT_TYPES)})",
            )
        for index, kind in enumerate(valid_component_types):
            if kind not in COMPONENT_TYPES:
                raise SchemaError(
                    f"validComponentTypes[{index}]",
                    kind,
                    f"must be one of: {', '.join(COMPONENT_TYPES)}",
                )
        self.valid_component_types = tuple(valid_component_types) or ("any",)
        for key, flag in (("required", required), ("multiple", multiple)):
            if not isinstance(flag, bool):
                raise SchemaError(key, flag, "must be true or false")
        self.required = required
        self.multiple = multiple

    def validate(self, value: Any) -> Any:
        """A tuple of references (spec strings or selections), checked for shape only."""
        items = list(value) if isinstance(value, list | tuple) else [value]
        refs = []
        for item in items:
            ref = component_ref(item)
            if ref is None:
                raise self.fail(
                    item,
                    "must name a mission component: an _id, a localKey path or a name "
                    "(optionally with a kind, e.g. 'node:Crane Control'), or a component",
                )
            refs.append(ref)
        if self.required and not refs:
            raise self.fail(value, "is required: name at least one component")
        if not self.multiple and len(refs) > 1:
            raise self.fail(value, "takes one component (multiple is false)")
        return tuple(refs)

    def bind(self, stored: Any = None) -> Any:
        """The stored references as a list (``[]`` when none was given); the runtime turns
        them into views of the session's mission."""
        return list(stored) if stored else []

    def parse_text(self, text: str) -> Any:
        """One component per ``--arg``; repeat the option for several."""
        return self.validate(text)
