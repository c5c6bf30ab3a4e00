"""`apply(mission, command)`: METIS's semantics for every mission-changing call (§4).

Each handler first resolves every component (§4.2: fan-out by component type, then a lookup
by ``_id`` anywhere in the mission, METIS's text on a miss), and only then changes anything,
so a failing call changes nothing. Duplicates are kept (a pool listed twice is credited
twice); an empty list changes nothing. Every changed value becomes one `MissionChange`.

Opening a node that cannot be opened (already opened, or its force reveals all nodes) is
skipped with METIS's warning in the log, as is closing one that cannot be closed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from metis_env.missions.changes import MissionChange
from metis_env.missions.commands import (
    AddNodeAlert,
    ComponentRef,
    MissionCommand,
    ModifyProcessTime,
    ModifyResourceCost,
    ModifyResourcePool,
    ModifySuccessChance,
    UpdateFileAccess,
    UpdateNodeBlockStatus,
    UpdateNodeOpenState,
)
from metis_env.missions.errors import ComponentNotFoundError
from metis_env.missions.mission import Alert, Mission, Modifier
from metis_env.missions.model import Action, Force, MissionFile, Node, ResourcePool

__all__ = ["apply", "resolve_actions", "resolve_forces", "resolve_nodes", "resolve_pools"]

log = logging.getLogger("metis_env.missions")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_id() -> str:
    return str(uuid.uuid4())


def apply(
    mission: Mission,
    command: MissionCommand,
    *,
    clock: Callable[[], int] = _now_ms,
    new_id: Callable[[], str] = _new_id,
) -> list[MissionChange]:
    """Apply ``command`` to ``mission``'s session state; the changes, in order.

    Args:
        mission: the (realm's) mission; its ``state`` is changed in place.
        command: built by a constructor of `metis_env.missions.commands`.
        clock: epoch milliseconds for a modifier's ``appliedAt``.
        new_id: the ``_id`` of a new alert.

    Raises:
        ComponentNotFoundError: a component's ``_id`` is not in the mission (METIS's text);
            nothing has changed.
    """
    if isinstance(command, UpdateNodeBlockStatus):
        return _block(mission, command)
    if isinstance(command, UpdateNodeOpenState):
        return _open(mission, command)
    if isinstance(command, AddNodeAlert):
        return _alert(mission, command, new_id)
    if isinstance(command, ModifySuccessChance | ModifyProcessTime):
        return _modify(mission, command, clock)
    if isinstance(command, ModifyResourceCost):
        return _modify_cost(mission, command, clock)
    if isinstance(command, ModifyResourcePool):
        return _pool(mission, command)
    if isinstance(command, UpdateFileAccess):
        return _access(mission, command)
    raise TypeError(f"apply(): not a mission command: {command!r}")


# ---- resolution (§4.2) -------------------------------------------------------------------------


def _missing(mission: Mission, kind: str, ident: str) -> ComponentNotFoundError:
    return ComponentNotFoundError(kind, ident, mission.id)


def _force(mission: Mission, ident: str) -> Force:
    force = mission.force(ident)
    if force is None:
        raise _missing(mission, "force", ident)
    return force


def resolve_nodes(mission: Mission, refs: Iterable[ComponentRef]) -> list[tuple[Force, Node]]:
    """node → itself; force → its nodes; mission → every node. Never descendants."""
    ids: list[str] = []
    for ref in refs:
        if ref.component_type == "mission":
            ids += [node.id for _, node in mission.all_nodes()]
        elif ref.component_type == "force":
            ids += [node.id for node in _force(mission, ref.id).nodes]
        else:
            ids.append(ref.id)
    out = []
    for ident in ids:
        found = mission.node(ident)
        if found is None:
            raise _missing(mission, "node", ident)
        out.append(found)
    return out


def resolve_actions(
    mission: Mission, refs: Iterable[ComponentRef]
) -> list[tuple[Force, Node, Action]]:
    """action → itself; node → its actions; force → all its nodes' actions; mission → all."""
    ids: list[str] = []
    for ref in refs:
        if ref.component_type == "action":
            ids.append(ref.id)
            continue
        if ref.component_type == "node":
            found = mission.node(ref.id)
            if found is None:
                raise _missing(mission, "node", ref.id)
            nodes = [found[1]]
        elif ref.component_type == "force":
            nodes = list(_force(mission, ref.id).nodes)
        else:
            nodes = [node for _, node in mission.all_nodes()]
        ids += [action.id for node in nodes for action in mission.actions_of(node)]
    out = []
    for ident in ids:
        action = mission.action(ident)
        if action is None:
            raise _missing(mission, "action", ident)
        out.append(action)
    return out


def resolve_pools(
    mission: Mission, refs: Iterable[ComponentRef]
) -> list[tuple[Force, ResourcePool]]:
    """resourcePool → itself; force → its pools; mission → every pool of every force."""
    ids: list[str] = []
    for ref in refs:
        if ref.component_type == "mission":
            ids += [pool.id for force in mission.forces for pool in force.resource_pools]
        elif ref.component_type == "force":
            ids += [pool.id for pool in _force(mission, ref.id).resource_pools]
        else:
            ids.append(ref.id)
    out = []
    for ident in ids:
        pool = mission.pool(ident)
        if pool is None:
            raise _missing(mission, "resource pool", ident)
        out.append(pool)
    return out


def resolve_forces(mission: Mission, refs: Iterable[ComponentRef]) -> list[Force]:
    """force → itself; mission → every force."""
    out: list[Force] = []
    for ref in refs:
        if ref.component_type == "mission":
            out += mission.forces
        else:
            out.append(_force(mission, ref.id))
    return out


def _files(mission: Mission, refs: Iterable[ComponentRef]) -> list[MissionFile]:
    out = []
    for ref in refs:
        file = mission.file(ref.id)
        if file is None:
            raise _missing(mission, "file", ref.id)
        out.append(file)
    return out


# ---- the handlers ------------------------------------------------------------------------------


def _node_change(
    command: MissionCommand, force: Force, node: Node, field: str, old: Any, new: Any
) -> MissionChange:
    return MissionChange(command.method, "node", node.id, node.name, field, old, new, force.id)


def _block(mission: Mission, command: UpdateNodeBlockStatus) -> list[MissionChange]:
    changes = []
    for force, node in resolve_nodes(mission, command.nodes):
        old = mission.state.blocked.get(node.id, False)
        mission.state.blocked[node.id] = command.blocked  # no change detection (§4.6)
        changes.append(_node_change(command, force, node, "blocked", old, command.blocked))
    return changes


def _open(mission: Mission, command: UpdateNodeOpenState) -> list[MissionChange]:
    changes = []
    verb, state = ("open", "opened") if command.opened else ("close", "closed")
    for force, node in resolve_nodes(mission, command.nodes):
        opened = mission.is_opened(force, node)
        if force.reveal_all_nodes or opened == command.opened:
            log.warning(
                'Skipping %s on node "%s" (%s): already %s or revealAllNodes enabled',
                verb,
                node.name,
                node.id,
                state,
            )
            continue
        mission.state.opened[node.id] = command.opened
        changes.append(_node_change(command, force, node, "opened", opened, command.opened))
        if command.opened:
            continue
        for below in mission.descendants_of(force, node):  # close: the whole subtree
            if mission.state.opened.get(below.id, False):
                mission.state.opened[below.id] = False
                changes.append(_node_change(command, force, below, "opened", True, False))
    return changes


def _alert(
    mission: Mission, command: AddNodeAlert, new_id: Callable[[], str]
) -> list[MissionChange]:
    changes = []
    for force, node in resolve_nodes(mission, command.apply_to):
        alert = Alert(new_id(), node.id, command.message, command.severity_level)
        mission.state.alerts.setdefault(node.id, []).append(alert)
        changes.append(_node_change(command, force, node, "alerts", None, alert.to_json()))
    return changes


def _action_change(
    command: MissionCommand,
    located: tuple[Force, Node, Action],
    field: str,
    old: Any,
    new: Any,
    modifier: Modifier,
) -> MissionChange:
    force, node, action = located
    return MissionChange(
        command.method,
        "action",
        action.id,
        action.name,
        field,
        old,
        new,
        force.id,
        node.id,
        modifier.resource_id,
        {"modifier": modifier.to_json()},
    )


def _modify(
    mission: Mission,
    command: ModifySuccessChance | ModifyProcessTime,
    clock: Callable[[], int],
) -> list[MissionChange]:
    located = resolve_actions(mission, command.apply_to)
    if not located:
        return []
    modifier = Modifier(command.kind, command.operand, clock())
    if isinstance(command, ModifySuccessChance):
        field, read = "successChance", mission.success_chance
    else:
        field, read = "processTime", mission.process_time
    changes = []
    for item in located:
        action = item[2]
        old = read(action)
        mission.state.modifiers.setdefault(action.id, []).append(modifier)
        changes.append(_action_change(command, item, field, old, read(action), modifier))
    return changes


def _modify_cost(
    mission: Mission, command: ModifyResourceCost, clock: Callable[[], int]
) -> list[MissionChange]:
    located = resolve_actions(mission, command.apply_to)
    if not located:
        return []
    applied_at = clock()
    changes = []
    for resource in command.resources:  # one modifier per resource, each on every action
        modifier = Modifier(command.kind, command.operand, applied_at, resource.id)
        for item in located:
            action = item[2]
            old = mission.cost_amount(action, resource.id)
            mission.state.modifiers.setdefault(action.id, []).append(modifier)
            new = mission.cost_amount(action, resource.id)
            changes.append(_action_change(command, item, "resourceCosts", old, new, modifier))
    return changes


def _pool(mission: Mission, command: ModifyResourcePool) -> list[MissionChange]:
    changes = []
    for force, pool in resolve_pools(mission, command.apply_to):
        old = mission.balance(pool)
        mission.state.balances[pool.id] = old + command.operand  # never clamped (§4.5)
        resource = mission.resource(pool.resource_id)
        changes.append(
            MissionChange(
                command.method,
                "resourcePool",
                pool.id,
                pool.local_key if resource is None else resource.name,
                "balance",
                old,
                mission.balance(pool),
                force.id,
                resource_id=pool.resource_id,
                details={"operand": command.operand},
            )
        )
    return changes


def _access(mission: Mission, command: UpdateFileAccess) -> list[MissionChange]:
    forces = resolve_forces(mission, command.apply_to)  # forces first, then files (§4.8)
    files = _files(mission, command.files)
    changes = []
    for force in forces:
        for file in files:
            old = mission.access(file)
            new = list(old)
            if command.granted and force.id not in new:
                new.append(force.id)
            elif not command.granted and force.id in new:
                new.remove(force.id)
            mission.state.access[file.id] = new
            changes.append(
                MissionChange(
                    command.method,
                    "missionFile",
                    file.id,
                    file.name,
                    "access",
                    old,
                    new,
                    force.id,
                    details={"granted": command.granted},
                )
            )
    return changes
