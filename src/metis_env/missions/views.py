"""The components a target script sees (metis-missions §2), over a `Mission`.

Attributes are snake_case (``local_key``, ``success_chance``); ``to_json()`` gives a
component's own values in METIS's spelling. Snapshot values are copied when a view is built;
live ones (`_Link`) are read from the mission on every access, as in METIS: a pool view keeps
the ``balance`` it was built with, while ``mission_view.forces[0].resource_pools[0].balance``
is always current, because collections build fresh views on every read.

An excluded node is shown as METIS's placeholder (default name, no actions). Scripts see
effective values, never the ``-1`` that hidden values show in members' views. Offline there
are no executions: ``executing``, ``executed``, ``execution_status`` keep their idle values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

from metis_env.missions.mission import ROOT_ID, Mission
from metis_env.missions.model import (
    Action,
    Effect,
    Force,
    MissionFile,
    Node,
    Resource,
    ResourceCost,
    ResourcePool,
)

__all__ = [
    "ActionView",
    "ComponentView",
    "CostView",
    "EffectView",
    "ForceView",
    "MissionFileView",
    "MissionView",
    "NodeView",
    "ResourcePoolView",
    "ResourceView",
    "resolve_selections",
    "view_of",
]

T = TypeVar("T")


class _Link(Generic[T]):
    """A live attribute: computed from the view on every read."""

    def __init__(self, read: Callable[[Any], T]) -> None:
        self._read = read

    @overload
    def __get__(self, view: None, owner: type) -> _Link[T]: ...
    @overload
    def __get__(self, view: object, owner: type) -> T: ...
    def __get__(self, view: object | None, owner: type) -> T | _Link[T]:
        return self if view is None else self._read(view)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class ComponentView:
    """Base of every view: ``component_type`` (``''`` for costs and effects), ``id``/``_id``."""

    component_type = ""
    _json: tuple[str, ...] = ()  # what to_json writes, besides componentType and _id
    _m: Mission
    id: str
    name: str
    mission = _Link(lambda v: MissionView(v._m))

    @property
    def _id(self) -> str:
        return self.id

    def to_json(self) -> dict[str, Any]:
        """This component's own values in METIS's spelling (no linked components)."""
        out: dict[str, Any] = {"componentType": self.component_type} if self.component_type else {}
        out["_id"] = self.id
        out.update((_camel(name), getattr(self, name)) for name in self._json)
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} _id={self.id}>"


class MissionView(ComponentView):
    """``context.mission``: live lists of every component (``all_*`` span every force)."""

    component_type = "mission"
    _json = ("name",)
    resources = _Link(lambda v: [ResourceView(v._m, r) for r in v._m.resources])
    forces = _Link(lambda v: [ForceView(v._m, f) for f in v._m.forces])
    all_nodes = _Link(lambda v: [NodeView(v._m, f, n) for f, n in v._m.all_nodes()])
    all_actions = _Link(lambda v: [a for n in v.all_nodes for a in n.actions])
    effects = _Link(lambda v: [EffectView(v._m, e) for e in v._m.definition.effects])
    all_effects = _Link(lambda v: v.effects + [e for a in v.all_actions for e in a.effects])
    files = _Link(lambda v: [MissionFileView(v._m, f) for f in v._m.files])

    def __init__(self, mission: Mission) -> None:
        self._m, self.id, self.name = mission, mission.id, mission.name

    @property
    def mission(self) -> MissionView:  # type: ignore[override]
        return self


class ForceView(ComponentView):
    component_type = "force"
    _json = ("local_key", "name", "color")
    nodes = _Link(lambda v: [NodeView(v._m, v._f, n) for n in v._f.nodes])
    resource_pools = _Link(lambda v: [ResourcePoolView(v._m, v._f, p) for p in v._f.resource_pools])

    def __init__(self, mission: Mission, force: Force) -> None:
        self._m, self._f = mission, force
        self.id, self.local_key, self.name, self.color = (
            force.id,
            force.local_key,
            force.name,
            force.color,
        )


#: METIS's invisible root node, shown as the ``parent`` of top-level nodes (§1.3).
_ROOT = Node(ROOT_ID, "0", ROOT_ID, name="ROOT")


class NodeView(ComponentView):
    """A node. ``parent`` of a top-level node is METIS's ``ROOT`` pseudo-node (§1.3), whose
    ``_id`` no mission-changing call finds. ``blocked`` is the node's own flag;
    ``block_status`` adds ``cut-off`` (an ancestor is blocked)."""

    component_type = "node"
    _json = tuple(
        "local_key name description color device initially_blocked has_children has_siblings "
        "opened openable closable revealed blocked block_status executing executed "
        "execution_status".split()
    )
    executing = False
    executed = False
    execution_status = "unexecuted"
    execution_state = _Link(lambda v: {"status": "unexecuted"})
    position = _Link(lambda v: {"x": 0, "y": 0})
    opened = _Link(lambda v: v._is_root or v._m.is_opened(v._f, v._n))
    openable = _Link(lambda v: not v.opened and not v._f.reveal_all_nodes)
    closable = _Link(lambda v: v.opened and not v._f.reveal_all_nodes and not v._is_root)
    revealed = _Link(lambda v: v._is_root or v._m.is_revealed(v._f, v._n))
    blocked = _Link(lambda v: bool(v._m.state.blocked.get(v._n.id, False)))
    block_status = _Link(lambda v: "unblocked" if v._is_root else v._m.block_status(v._f, v._n))
    force = _Link(lambda v: ForceView(v._m, v._f))
    actions = _Link(lambda v: [ActionView(v._m, v._f, v._n, a) for a in v._m.actions_of(v._n)])
    children = _Link(lambda v: [NodeView(v._m, v._f, n) for n in v._m.children_of(v._f, v._below)])

    def __init__(self, mission: Mission, force: Force, node: Node) -> None:
        self._m, self._f, self._n = mission, force, node
        self._is_root = node.id == ROOT_ID
        self._below = None if self._is_root else node  # children_of(None) = top level
        shown = Node(node.id, node.local_key, node.prototype_id) if node.exclude else node
        self.id, self.local_key, self.name = node.id, node.local_key, shown.name
        self.description, self.color, self.device = shown.description, shown.color, shown.device
        self.initially_blocked = shown.initially_blocked
        self.has_children = self._is_root or bool(mission.children_of(force, node))
        self.has_siblings = not self._is_root and len(self._sibling_nodes(include_self=True)) > 1

    def _sibling_nodes(self, include_self: bool = False) -> list[Node]:
        if self._is_root:
            return []
        level = self._m.children_of(self._f, self._m.parent_of(self._f, self._n))
        return [n for n in level if include_self or n.id != self._n.id]

    @property
    def parent(self) -> NodeView | None:
        if self._is_root:
            return None
        parent = self._m.parent_of(self._f, self._n)
        return NodeView(self._m, self._f, _ROOT if parent is None else parent)

    @property
    def siblings(self) -> list[NodeView]:
        return [NodeView(self._m, self._f, n) for n in self._sibling_nodes()]


class ActionView(ComponentView):
    """An action with its *effective* values: ``success_chance`` a fraction 0-1,
    ``process_time`` in ms 0-7,199,000 (base + modifiers, clamped on the total, §4.4)."""

    component_type = "action"
    _json = tuple(
        "local_key name type description success_chance failure_chance process_time "
        "are_enough_resources executing execution_count execution_limit_reached".split()
    )
    executing = False
    execution_count = 0
    execution_limit_reached = False
    success_chance = _Link(lambda v: v._m.success_chance(v._a))
    failure_chance = _Link(lambda v: 1 - v._m.success_chance(v._a))
    process_time = _Link(lambda v: v._m.process_time(v._a))
    are_enough_resources = _Link(lambda v: v._m.are_enough_resources(v._f, v._a))
    force = _Link(lambda v: ForceView(v._m, v._f))
    node = _Link(lambda v: NodeView(v._m, v._f, v._n))
    resource_costs = _Link(
        lambda v: [CostView(v._m, v._f, v._n, v._a, c) for c in v._a.resource_costs]
    )
    effects = _Link(lambda v: [EffectView(v._m, e, (v._f, v._n, v._a)) for e in v._a.effects])

    def __init__(self, mission: Mission, force: Force, node: Node, action: Action) -> None:
        self._m, self._f, self._n, self._a = mission, force, node, action
        self.id, self.local_key, self.name = action.id, action.local_key, action.name
        self.type, self.description = action.type, action.description

    @property
    def location(self) -> tuple[Force, Node, Action]:
        """The stored force, node and action behind this view (for effects it hosts)."""
        return self._f, self._n, self._a


class CostView(ComponentView):
    """A cost in ``action.resource_costs`` (no ``componentType`` in METIS); ``amount`` is
    effective: max(base + modifiers for its resource, 0)."""

    _json = ("resource_id", "name", "icon", "base_amount", "amount", "hidden")
    resource = _Link(lambda v: _resource_view(v._m, v.resource_id))
    force = _Link(lambda v: ForceView(v._m, v._f))
    node = _Link(lambda v: NodeView(v._m, v._f, v._n))
    action = _Link(lambda v: ActionView(v._m, v._f, v._n, v._a))

    def __init__(
        self, mission: Mission, force: Force, node: Node, action: Action, cost: ResourceCost
    ) -> None:
        self._m, self._f, self._n, self._a = mission, force, node, action
        resource = mission.resource(cost.resource_id)
        self.id, self.resource_id = cost.id, cost.resource_id
        self.base_amount, self.hidden = cost.base_amount, cost.hidden
        self.name = "" if resource is None else resource.name
        self.icon = "" if resource is None else resource.icon
        self.amount = mission.cost_amount(action, cost.resource_id)


def _resource_view(mission: Mission, resource_id: str) -> ResourceView | None:
    found = mission.resource(resource_id)
    return None if found is None else ResourceView(mission, found)


class ResourcePoolView(ComponentView):
    """A pool; ``balance`` is a snapshot (read the pool again for a newer one)."""

    component_type = "resourcePool"
    _json = tuple(
        "local_key name resource_id initial_balance allow_negative excluded balance".split()
    )
    resource = _Link(lambda v: _resource_view(v._m, v.resource_id))
    force = _Link(lambda v: ForceView(v._m, v._f))

    def __init__(self, mission: Mission, force: Force, pool: ResourcePool) -> None:
        self._m, self._f = mission, force
        resource = mission.resource(pool.resource_id)
        self.id, self.local_key, self.resource_id = pool.id, pool.local_key, pool.resource_id
        self.name = pool.local_key if resource is None else resource.name
        self.initial_balance = pool.initial_balance
        self.allow_negative, self.excluded = pool.allow_negative, pool.excluded
        self.balance = mission.balance(pool)


class ResourceView(ComponentView):
    component_type = "resource"
    _json = ("name", "icon", "order")

    def __init__(self, mission: Mission, resource: Resource) -> None:
        self._m, self.id, self.name = mission, resource.id, resource.name
        self.icon, self.order = resource.icon, resource.order


class MissionFileView(ComponentView):
    """A file; ``initial_access`` only (METIS does not expose the current access list)."""

    component_type = "missionFile"
    _json = tuple("name original_name alias extension mimetype size initial_access".split())

    def __init__(self, mission: Mission, file: MissionFile) -> None:
        self._m, self.id, self.name, self.original_name = (
            mission,
            file.id,
            file.name,
            file.original_name,
        )
        self.alias, self.extension = file.alias, file.extension
        self.mimetype, self.size = file.mimetype, file.size
        self.initial_access = list(file.initial_access)


class EffectView(ComponentView):
    """An effect (no ``componentType``); ``source_*`` are ``None`` for mission effects, and
    ``arguments`` resolve mission-component values to views (§5.3)."""

    _json = tuple("local_key name type trigger description order target_id environment_id".split())
    host = _Link(lambda v: v.mission if v._src is None else ActionView(v._m, *v._src))
    source_force = _Link(lambda v: None if v._src is None else ForceView(v._m, v._src[0]))
    source_node = _Link(lambda v: None if v._src is None else NodeView(v._m, *v._src[:2]))
    source_action = _Link(lambda v: None if v._src is None else ActionView(v._m, *v._src))

    def __init__(
        self, mission: Mission, effect: Effect, source: tuple[Force, Node, Action] | None = None
    ) -> None:
        self._m, self._e, self._src = mission, effect, source
        self.id, self.local_key, self.name = effect.id, effect.local_key, effect.name
        self.type = "executionTriggeredEffect" if source else "sessionTriggeredEffect"
        self.trigger, self.description, self.order = (
            effect.trigger,
            effect.description,
            effect.order,
        )
        self.target_id, self.environment_id = effect.target_id, effect.environment_id

    @property
    def arguments(self) -> list[dict[str, Any]]:
        return [
            {
                "_id": a.id,
                "parameterId": a.parameter_id,
                "type": a.type,
                "value": resolve_selections(self._m, a.value)
                if a.type == "mission-component"
                else a.value,
            }
            for a in self._e.arguments
        ]


def view_of(mission: Mission, component_type: str, ids: Sequence[Any]) -> ComponentView | None:
    """The view a stored selection's ``ids`` path names (§1.7), or ``None`` if it is gone.

    Paths: mission ``[]``; force ``[forceId]``; node ``[forceId, nodeId]``; action
    ``[forceId, nodeId, actionId]``; resourcePool ``[forceId, poolId]``; resource
    ``[resourceId]``; missionFile ``[fileId]``. A node needs the right force id too.
    """
    if component_type == "mission":
        return MissionView(mission)
    first = ids[0] if ids and isinstance(ids[0], str) else ""
    if component_type == "resource" and len(ids) == 1:
        return _resource_view(mission, first)
    if component_type == "missionFile" and len(ids) == 1:
        file = mission.file(first)
        return None if file is None else MissionFileView(mission, file)
    force = mission.force(first)
    if force is None:
        return None
    if component_type == "force" and len(ids) == 1:
        return ForceView(mission, force)
    second = ids[1] if len(ids) >= 2 and isinstance(ids[1], str) else ""
    if component_type == "resourcePool" and len(ids) == 2:
        pool = mission.pool(second)
        return None if pool is None or pool[0] is not force else ResourcePoolView(mission, *pool)
    found = mission.node(second)
    if found is None or found[0] is not force:
        return None
    if component_type == "node" and len(ids) == 2:
        return NodeView(mission, *found)
    action = mission.action(ids[2]) if len(ids) == 3 and isinstance(ids[2], str) else None
    if component_type == "action" and action is not None and action[1] is found[1]:
        return ActionView(mission, *action)
    return None


def resolve_selections(mission: Mission, value: Any) -> list[ComponentView]:
    """A stored ``mission-component`` value as the list of views a script receives (§3).

    Selections that no longer resolve (deleted component, unknown type, another realm's
    force) are dropped silently, as METIS drops them; the order is kept.
    """
    out: list[ComponentView] = []
    for selection in value if isinstance(value, list) else []:
        if not isinstance(selection, dict):
            continue
        kind, ids = selection.get("componentType"), selection.get("ids")
        if isinstance(kind, str) and isinstance(ids, list):
            view = view_of(mission, kind, ids)
            if view is not None:
                out.append(view)
    return out
