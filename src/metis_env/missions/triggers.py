"""Triggers, the effects they run and who triggered them (metis-missions §5.1-§5.3).

What ``metis-env run --trigger … --member …`` needs: which effects of a mission a trigger
runs (mission effects in array order, action effects by ``order``), ``context.type`` for a
trigger, a `Member` for ``context.triggered_by``, and `adhoc_effect` for running a target
that no stored effect names (the CLI's usual case) with a proper ``context.effect``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metis_env.api.errors import ConfigError
from metis_env.missions.mission import Mission
from metis_env.missions.model import Argument, Effect
from metis_env.missions.parse import ACTION_TRIGGERS, MISSION_TRIGGERS
from metis_env.missions.views import ActionView, EffectView, MissionView

__all__ = [
    "ACTION_TRIGGERS",
    "MISSION_TRIGGERS",
    "TRIGGERS",
    "Member",
    "adhoc_effect",
    "context_type",
    "effects_for",
    "triggered_by",
]

#: Every trigger, session ones first (the CLI's choices; its default is ``session-start``).
TRIGGERS = (*MISSION_TRIGGERS, *ACTION_TRIGGERS)


def _check(trigger: str) -> None:
    if trigger not in TRIGGERS:
        raise ConfigError("trigger", trigger, "must be one of " + ", ".join(TRIGGERS))


def context_type(trigger: str) -> str:
    """``context.type``: ``sessionTriggeredEffect`` or ``executionTriggeredEffect`` (§5.2)."""
    _check(trigger)
    return "sessionTriggeredEffect" if trigger in MISSION_TRIGGERS else "executionTriggeredEffect"


@dataclass(frozen=True)
class Member:
    """A session member as scripts see one (``context.triggered_by``, session lists)."""

    id: str
    username: str
    name: str
    first_name: str = ""
    last_name: str = ""

    @property
    def _id(self) -> str:
        return self.id

    def to_json(self) -> dict[str, str]:
        return {
            "_id": self.id,
            "name": self.name,
            "username": self.username,
            "firstName": self.first_name,
            "lastName": self.last_name,
        }


def triggered_by(trigger: str, username: str | None) -> Member | None:
    """``context.triggered_by``: ``None`` for session triggers (METIS's rule, whatever the
    username); for execution triggers, a member named ``username`` (``metis`` when ``None``)."""
    if context_type(trigger) == "sessionTriggeredEffect":
        return None
    name = username or "metis"
    member_id = uuid.uuid5(uuid.NAMESPACE_URL, f"metis-env:member:{name}").hex[:24]
    return Member(member_id, name, name)


def effects_for(
    mission: Mission, trigger: str, action: ActionView | None = None
) -> list[EffectView]:
    """The effects ``trigger`` runs, in METIS's order.

    Session triggers: the mission's effects with that trigger, in **array order** (their
    ``order`` is not used). Execution triggers: ``action``'s effects with that trigger,
    sorted by ``order``.
    """
    _check(trigger)
    if trigger in MISSION_TRIGGERS:
        return [e for e in MissionView(mission).effects if e.trigger == trigger]
    if action is None:
        raise ConfigError("action", None, f"is required for an {trigger} trigger")
    return sorted((e for e in action.effects if e.trigger == trigger), key=lambda e: e.order)


def adhoc_effect(
    mission: Mission,
    *,
    target_id: str,
    environment_id: str,
    trigger: str = "session-start",
    action: ActionView | None = None,
    arguments: Mapping[str, Any] | None = None,
    argument_types: Mapping[str, str] | None = None,
    version: str = "0.0.0",
    name: str | None = None,
) -> EffectView:
    """An effect that runs ``target_id`` on ``trigger``, as if stored in the mission.

    Args:
        action: the host action, required for (and only allowed with) execution triggers.
        arguments: parameter id → stored value (selections for mission-component values).
        argument_types: parameter id → parameter type (``unknown`` when absent).

    Raises:
        ConfigError: an unknown trigger, or a host that does not fit it.
    """
    kind = context_type(trigger)
    if kind == "executionTriggeredEffect" and action is None:
        raise ConfigError("action", None, f"is required for an {trigger} trigger")
    if kind == "sessionTriggeredEffect" and action is not None:
        raise ConfigError("action", action.name, f"must not be given for a {trigger} trigger")
    types = argument_types or {}
    stored = tuple(
        Argument(str(uuid.uuid4()), key, types.get(key, "unknown"), value)
        for key, value in (arguments or {}).items()
    )
    effect = Effect(
        id=str(uuid.uuid4()),
        local_key="1",
        name=name or target_id,
        target_id=target_id,
        environment_id=environment_id,
        target_environment_version=version,
        trigger=trigger,
        order=1,
        arguments=stored,
    )
    source = None if action is None else action.location
    return EffectView(mission, effect, source)
