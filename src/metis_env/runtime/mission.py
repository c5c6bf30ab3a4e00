"""The session's mission: `metis_env.missions` plugged into the runtime.

A local session runs on a mission model (`metis_env.missions.Mission`: a definition and
its session state). This module is the seam between that model and the runtime:

* `MISSION_COMPONENT` arguments are resolved against the mission when an effect is planned
  (`resolve_planned`: a spec such as ``node:Crane Control`` becomes METIS's stored
  selection, or an `ArgumentError` names the parameter and the candidates), and handed to
  the script as component views when it starts (`expose`);
* `forces_of` lists what ``send_output(to=…)`` may name;
* `change` applies a mission command and returns the `MissionChange` records.

A session given some other mission object (the minimal one of older code, or a test's)
keeps working: every function here leaves non-model missions alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from metis_env.api.errors import ConfigError
from metis_env.missions import (
    TRIGGERS,
    ComponentSpecError,
    MissionView,
    apply,
    builtin_mission,
    load_mission,
    mission_state_json,
    resolve_component,
    resolve_selections,
    selection_of,
    triggered_by,
)
from metis_env.missions import Mission as MissionModel
from metis_env.schema import ArgumentError, MissionComponentParameter, PlannedArguments

__all__ = [
    "apply_mission_change",
    "bind_arguments",
    "changes_json",
    "expose_mission_arguments",
    "mission_forces",
    "mission_state",
    "mission_view",
    "output_recipients",
    "plan_mission",
    "resolve_mission_arguments",
    "session_mission",
]


def session_mission(mission: Any, minimal: Any) -> Any:
    """The mission a session runs on: the one given; else the minimal one made from the
    given force names (``minimal``, when not None); else METIS-like built-in mission."""
    if mission is not None:
        return mission
    if minimal is not None:
        return minimal
    return builtin_mission()


def mission_view(mission: Any) -> Any:
    """What ``context.mission`` returns: a fresh `MissionView` of a model, else the object."""
    return MissionView(mission) if isinstance(mission, MissionModel) else mission


def apply_mission_change(mission: Any, command: object) -> Any:
    """Apply ``command`` to a mission model; the list of `MissionChange` records."""
    return apply(mission, command)  # type: ignore[arg-type]


def _select(mission: MissionModel, ref: Any, parameter: MissionComponentParameter) -> Any:
    if isinstance(ref, Mapping) and "ids" in ref:
        return dict(ref)  # already METIS's stored selection
    if isinstance(ref, Mapping):
        spec = f"{ref.get('componentType')}:{ref.get('_id')}"
    else:
        spec = str(ref)
    view = resolve_component(mission, spec, parameter.valid_component_types)
    return selection_of(view)


def resolve_mission_arguments(
    planned: PlannedArguments, mission: Any, target_id: str | None = None
) -> PlannedArguments:
    """Phase one for ``mission-component`` arguments: references → stored selections.

    Raises:
        ArgumentError: a reference names no component, several, or one of a type the
            parameter does not take (the message lists the candidates); a required one is
            missing.
    """
    if not isinstance(mission, MissionModel):
        return planned
    stored = dict(planned.stored)
    for parameter in planned.parameters:
        if not isinstance(parameter, MissionComponentParameter):
            continue
        refs = stored.get(parameter.id)
        if not refs:
            if parameter.required:
                raise ArgumentError(
                    parameter.id,
                    rule="is required: name at least one component of the mission",
                    target_id=target_id,
                )
            continue
        try:
            stored[parameter.id] = [_select(mission, ref, parameter) for ref in refs]
        except ComponentSpecError as exc:
            rule = str(exc)  # names the spec, the rule and the candidates
            raise ArgumentError(parameter.id, exc.key, rule, target_id=target_id) from None
    return PlannedArguments(planned.parameters, stored)


def expose_mission_arguments(
    parameters: Sequence[Any], values: dict[str, Any], mission: Any
) -> dict[str, Any]:
    """Phase two for ``mission-component`` arguments: selections → the views of now."""
    if not isinstance(mission, MissionModel):
        return values
    for parameter in parameters:
        if isinstance(parameter, MissionComponentParameter) and values.get(parameter.id):
            values[parameter.id] = resolve_selections(mission, values[parameter.id])
    return values


def mission_forces(mission: Any) -> list[tuple[str, str]]:
    """``(id, name)`` of each force ``send_output`` may name."""
    if isinstance(mission, MissionModel):
        return [(force.id, force.name) for force in MissionView(mission).forces]
    return [(force.id, force.name) for force in getattr(mission, "forces", ())]


def changes_json(changes: Any) -> list[dict[str, Any]]:
    """The JSON of each `MissionChange` a host returned (others are left out)."""
    items = changes if isinstance(changes, list | tuple) else []
    return [c.to_json() for c in items if hasattr(c, "to_json")]


def mission_state(mission: Any) -> dict[str, Any] | None:
    """The mission's state as ``context.mission`` exposes it, in METIS's spelling; ``None``
    for a mission without a model."""
    return mission_state_json(mission) if isinstance(mission, MissionModel) else None


def bind_arguments(
    arguments: PlannedArguments, mission: Any
) -> tuple[dict[str, Any], Callable[[str], Any]]:
    """Phase two at script start: the values now, and a reader that binds again at each
    ``get_arguments`` call (component views of the mission as it is then)."""
    values = expose_mission_arguments(arguments.parameters, arguments.bind().values, mission)

    def read(parameter_id: str) -> Any:
        value = {parameter_id: arguments.value(parameter_id)}
        return expose_mission_arguments(arguments.parameters, value, mission)[parameter_id]

    return values, read


def plan_mission(
    mission: Any, trigger: str, member: str | None, action: str | None
) -> tuple[MissionModel, dict[str, Any]]:
    """The mission model and the `EffectRequest` fields of ``metis-env run``'s
    ``--mission``/``--trigger``/``--member``/``--action``.

    Raises:
        ConfigError: an unknown trigger; ``--action`` missing for an execution trigger (or
            given for a session trigger); a spec naming no action; `MissionFormatError`.
    """
    model = (
        mission
        if isinstance(mission, MissionModel)
        else (builtin_mission() if mission is None else load_mission(mission))
    )
    if trigger not in TRIGGERS:
        raise ConfigError("trigger", trigger, f"must be one of: {', '.join(TRIGGERS)}")
    execution = trigger.startswith("execution-")
    if execution and not action:
        raise ConfigError(
            "action", None, f"is required for the {trigger} trigger (the action that ran)"
        )
    if action and not execution:
        raise ConfigError("action", action, f"is only for execution triggers, not {trigger}")
    host = resolve_component(model, action, ("action",)) if action else None
    fields = {"trigger": trigger, "triggered_by": triggered_by(trigger, member), "action": host}
    return model, fields


def output_recipients(mission: Any, to: Any) -> list[tuple[str, str]] | None:
    """The forces ``send_output(message, to)`` reaches: ``(id, name)`` of each, or ``None``
    for everyone (``to`` is ``None``, the mission or its view, or a list holding one).

    Raises:
        ConfigError: an item of ``to`` names no force of the mission.
    """
    items = to if isinstance(to, list | tuple) else [to]
    known = mission_forces(mission)
    forces: list[tuple[str, str]] = []
    for item in items:
        kind = getattr(item, "component_type", None)
        if item is None or item is mission or kind == "mission":
            return None
        key = getattr(item, "id", item) if kind == "force" else item
        match = next(((i, n) for i, n in known if key in (i, n)), None)
        if match is None:
            names = ", ".join(n for _, n in known)
            raise ConfigError(
                "to", item, f"must be the mission, a force or a force id/name ({names})"
            )
        forces.append(match)
    return forces
