"""The mission's state after a run, as JSON shaped as ``context.mission`` (issue 14).

This is what ``metis-env run --mission-out FILE`` writes: METIS's spelling, the views' own
values nested the way a script walks them (mission → forces → pools and nodes → actions →
costs), plus the two things METIS keeps but does not expose to scripts: each node's
``alerts`` and each file's current ``access``. It is session state, so it is *not* a mission
file: `dump_mission` writes the definition, as METIS exports it.
"""

from __future__ import annotations

from typing import Any

from metis_env.missions.mission import Mission
from metis_env.missions.views import ActionView, ForceView, MissionView, NodeView

__all__ = ["mission_state_json"]


def mission_state_json(mission: Mission) -> dict[str, Any]:
    """The live state of every component of ``mission``, in METIS's spelling.

    Pools carry ``balance``; nodes ``opened``, ``blocked`` (and ``blockStatus``) and
    ``alerts``; actions their effective ``successChance``, ``processTime`` and
    ``resourceCosts[].amount``; files their current ``access`` (force ids).
    """
    view = MissionView(mission)
    out = view.to_json()
    out["resources"] = [r.to_json() for r in view.resources]
    out["forces"] = [_force(mission, f) for f in view.forces]
    out["files"] = [
        f.to_json() | {"access": mission.state.access.get(f.id, list(f.initial_access))}
        for f in view.files
    ]
    out["effects"] = [e.to_json() for e in view.effects]
    return out


def _force(mission: Mission, force: ForceView) -> dict[str, Any]:
    out = force.to_json()
    out["resourcePools"] = [p.to_json() for p in force.resource_pools]
    out["nodes"] = [_node(mission, n) for n in force.nodes]
    return out


def _node(mission: Mission, node: NodeView) -> dict[str, Any]:
    out = node.to_json()
    out["alerts"] = [a.to_json() for a in mission.state.alerts.get(node.id, [])]
    out["actions"] = [_action(a) for a in node.actions]
    return out


def _action(action: ActionView) -> dict[str, Any]:
    out = action.to_json()
    out["resourceCosts"] = [c.to_json() for c in action.resource_costs]
    return out
