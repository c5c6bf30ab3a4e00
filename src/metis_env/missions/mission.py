"""A mission in play: the frozen definition, indexes over it, and the session state.

METIS keeps session state on its live objects; here it sits in one `MissionState` beside the
shared definition, so a realm's copy (`Mission.copy`) or a reset (`Mission.reset`) is a new
state over the same definition (metis-missions §6.1: "component ids stay the same").

Effective values are computed on every read from the base value and the modifier list,
clamped on the total (§4.4): a mission never stores a clamped intermediate.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from metis_env.missions.model import (
    PROCESS_TIME_MAX,
    Action,
    Force,
    MissionDefinition,
    MissionFile,
    Node,
    Resource,
    ResourcePool,
)

__all__ = ["ROOT_ID", "Alert", "Mission", "MissionState", "Modifier"]

#: The id of the invisible root METIS adds above the top-level nodes (never in files).
ROOT_ID = "ROOT"


@dataclass(frozen=True)
class Modifier:
    """One call's change to actions (§4.4); the same modifier goes on every resolved action."""

    type: str  # success-chance | process-time | resource-cost
    amount: float
    applied_at: int  # epoch ms
    resource_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "amount": self.amount,
            "appliedAt": self.applied_at,
            "resourceId": self.resource_id,
        }


@dataclass(frozen=True)
class Alert:
    """A node alert (§4.7). Levels, lowest first: info, suspicious, warning, danger."""

    id: str
    node_id: str
    message: str
    severity_level: str
    acknowledged: bool = False

    @property
    def _id(self) -> str:
        return self.id

    def to_json(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "nodeId": self.node_id,
            "message": self.message,
            "severityLevel": self.severity_level,
            "acknowledged": self.acknowledged,
        }


@dataclass
class MissionState:
    """Everything a session changes (§1.6); never written to a mission file."""

    opened: dict[str, bool] = field(default_factory=dict)
    blocked: dict[str, bool] = field(default_factory=dict)
    alerts: dict[str, list[Alert]] = field(default_factory=dict)
    modifiers: dict[str, list[Modifier]] = field(default_factory=dict)
    balances: dict[str, float] = field(default_factory=dict)
    access: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def initial(cls, definition: MissionDefinition) -> MissionState:
        """The state a session starts with: all closed, ``initiallyBlocked``, initial balances."""
        state = cls()
        for force in definition.forces:
            for pool in force.resource_pools:
                state.balances[pool.id] = pool.initial_balance
            for node in force.nodes:
                state.opened[node.id] = False
                state.blocked[node.id] = node.initially_blocked
                state.alerts[node.id] = []
                for action in node.actions:
                    state.modifiers[action.id] = []
        for file in definition.files:
            state.access[file.id] = list(file.initial_access)
        return state


class Mission:
    """A loaded mission: ``definition`` (stored, frozen) plus ``state`` (this session's).

    Args:
        definition: the stored mission.
        mission_id: the id METIS would give it (error texts name it).
        attachments: the bytes of ``files/`` in a ``.metis.zip``, by reference name.
    """

    def __init__(
        self,
        definition: MissionDefinition,
        mission_id: str,
        attachments: Mapping[str, bytes] | None = None,
    ) -> None:
        self.definition = definition  # the stored mission, shared by copies
        self.id = mission_id  # named by METIS's "Could not find …" texts
        self.attachments: Mapping[str, bytes] = dict(attachments or {})
        self.state = MissionState.initial(definition)  # this session's changes
        self._forces = {f.id: f for f in definition.forces}
        self._nodes: dict[str, tuple[Force, Node]] = {}
        self._actions: dict[str, tuple[Force, Node, Action]] = {}
        self._pools: dict[str, tuple[Force, ResourcePool]] = {}
        self._node_at: dict[tuple[str, str], Node] = {}
        for force in definition.forces:
            for pool in force.resource_pools:
                self._pools[pool.id] = (force, pool)
            for node in force.nodes:
                self._nodes[node.id] = (force, node)
                self._node_at[(force.id, node.prototype_id)] = node
                for action in node.actions:
                    self._actions[action.id] = (force, node, action)
        self._resources = {r.id: r for r in definition.resources}
        self._files = {f.id: f for f in definition.files}
        by_key = {p.structure_key: p.id for p in definition.prototypes}
        self._parent: dict[str, str | None] = {}
        self._children: dict[str | None, list[str]] = {None: []}

        def walk(level: Mapping[str, Any], parent: str | None) -> None:
            for key, sub in level.items():
                proto = by_key.get(key)
                if proto is None:  # a position no prototype uses holds no node
                    continue
                self._parent[proto] = parent
                self._children.setdefault(parent, []).append(proto)
                self._children.setdefault(proto, [])
                walk(sub, proto)

        walk(definition.structure, None)

    # ---- identity and copies -----------------------------------------------------------------

    @property
    def _id(self) -> str:
        return self.id

    @property
    def name(self) -> str:
        return self.definition.name

    def __repr__(self) -> str:
        return f"<Mission {self.name!r} id={self.id} forces={len(self.definition.forces)}>"

    def copy(self) -> Mission:
        """An independent copy (a realm's): same definition and ids, its own state."""
        twin = copy.copy(self)
        twin.state = copy.deepcopy(self.state)
        return twin

    def reset(self) -> None:
        """Drop every session change: the state a session starts with (§6.1)."""
        self.state = MissionState.initial(self.definition)

    # ---- lookups by id (None when absent) ----------------------------------------------------

    @property
    def forces(self) -> tuple[Force, ...]:
        return self.definition.forces

    @property
    def resources(self) -> tuple[Resource, ...]:
        return self.definition.resources

    @property
    def files(self) -> tuple[MissionFile, ...]:
        return self.definition.files

    def force(self, force_id: str) -> Force | None:
        return self._forces.get(force_id)

    def node(self, node_id: str) -> tuple[Force, Node] | None:
        """The node with ``node_id`` and its force."""
        return self._nodes.get(node_id)

    def action(self, action_id: str) -> tuple[Force, Node, Action] | None:
        """An action in play with its force and node (excluded nodes have none in play)."""
        found = self._actions.get(action_id)
        return None if found is None or found[1].exclude else found

    def pool(self, pool_id: str) -> tuple[Force, ResourcePool] | None:
        return self._pools.get(pool_id)

    def resource(self, resource_id: str) -> Resource | None:
        return self._resources.get(resource_id)

    def file(self, file_id: str) -> MissionFile | None:
        return self._files.get(file_id)

    def all_nodes(self) -> Iterator[tuple[Force, Node]]:
        for force in self.forces:
            for node in force.nodes:
                yield force, node

    def actions_of(self, node: Node) -> tuple[Action, ...]:
        """The actions a node has in play: none for an excluded node (its placeholder)."""
        return () if node.exclude else node.actions

    # ---- the tree ----------------------------------------------------------------------------

    def parent_of(self, force: Force, node: Node) -> Node | None:
        """The node of the same force one level up; ``None`` for a top-level node (ROOT)."""
        proto = self._parent.get(node.prototype_id)
        return None if proto is None else self._node_at.get((force.id, proto))

    def children_of(self, force: Force, node: Node | None) -> list[Node]:
        """The force's nodes one level down (``node=None``: the top-level nodes)."""
        key = None if node is None else node.prototype_id
        found = (self._node_at.get((force.id, p)) for p in self._children.get(key, []))
        return [n for n in found if n is not None]

    def descendants_of(self, force: Force, node: Node) -> list[Node]:
        """Every node below ``node`` in ``force``, depth first, in sibling order."""
        out: list[Node] = []
        for child in self.children_of(force, node):
            out.append(child)
            out.extend(self.descendants_of(force, child))
        return out

    # ---- derived session values --------------------------------------------------------------

    def is_opened(self, force: Force, node: Node | None) -> bool:
        """ROOT is always open; an excluded node counts as opened whenever its parent is."""
        if node is None:
            return True
        if self.state.opened.get(node.id, False):
            return True
        return node.exclude and self.is_opened(force, self.parent_of(force, node))

    def is_revealed(self, force: Force, node: Node) -> bool:
        """Visible: the force reveals all nodes, or every ancestor (ROOT included) is opened."""
        if force.reveal_all_nodes:
            return True
        parent = self.parent_of(force, node)
        while parent is not None:
            if not self.is_opened(force, parent):
                return False
            parent = self.parent_of(force, parent)
        return True

    def block_status(self, force: Force, node: Node) -> str:
        """``blocked`` (own flag), ``cut-off`` (an ancestor's flag) or ``unblocked`` (§4.6)."""
        if self.state.blocked.get(node.id, False):
            return "blocked"
        parent = self.parent_of(force, node)
        while parent is not None:
            if self.state.blocked.get(parent.id, False):
                return "cut-off"
            parent = self.parent_of(force, parent)
        return "unblocked"

    def _sum(self, action: Action, kind: str, resource_id: str | None = None) -> float:
        return sum(
            m.amount
            for m in self.state.modifiers.get(action.id, [])
            if m.type == kind and (resource_id is None or m.resource_id == resource_id)
        )

    def success_chance(self, action: Action) -> float:
        """clamp(base + Σ success-chance amounts, 0, 1): a fraction."""
        total = action.base_success_chance + self._sum(action, "success-chance")
        return min(max(total, 0.0), 1.0)

    def process_time(self, action: Action) -> float:
        """clamp(base + Σ process-time amounts, 0, 7,199,000) ms."""
        total = action.base_process_time + self._sum(action, "process-time")
        return min(max(total, 0), PROCESS_TIME_MAX)

    def cost_amount(self, action: Action, resource_id: str) -> float | None:
        """max(base + Σ resource-cost amounts for the resource, 0); ``None``: no such cost."""
        cost = next((c for c in action.resource_costs if c.resource_id == resource_id), None)
        if cost is None:
            return None
        return max(cost.base_amount + self._sum(action, "resource-cost", resource_id), 0)

    def are_enough_resources(self, force: Force, action: Action) -> bool:
        """Each cost whose pool is not excluded fits ``max(balance, 0)``, or the pool allows
        negatives; a cost with no pool passes (§4.5)."""
        pools = {p.resource_id: p for p in force.resource_pools}
        for cost in action.resource_costs:
            pool = pools.get(cost.resource_id)
            if pool is None or pool.excluded or pool.allow_negative:
                continue
            if (self.cost_amount(action, cost.resource_id) or 0) > max(self.balance(pool), 0):
                return False
        return True

    def balance(self, pool: ResourcePool) -> float:
        """The pool's live balance (never clamped, §4.5)."""
        return self.state.balances.get(pool.id, pool.initial_balance)

    def access(self, file: MissionFile) -> list[str]:
        """The force ids that can see ``file`` now."""
        return list(self.state.access.get(file.id, file.initial_access))
