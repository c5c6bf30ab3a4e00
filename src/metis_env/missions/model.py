"""The stored definition of a METIS mission (metis-missions.md §1.2-§1.8), as frozen values.

These classes are what a `.metis` file says, after the import builds have run: base values
only. What changes during a session (opened, blocked, alerts, modifiers, balances, access)
lives in `metis_env.missions.state`, so the definition can be shared by every copy of a
mission and written back unchanged (`dump_mission`).

Python names are snake_case (``base_success_chance``); the ids are ``id`` with an ``_id``
alias, as elsewhere in metis-env.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PROCESS_TIME_MAX",
    "Action",
    "Argument",
    "Effect",
    "Force",
    "MissionDefinition",
    "MissionFile",
    "Node",
    "Prototype",
    "Resource",
    "ResourceCost",
    "ResourcePool",
]

#: The longest process time METIS allows, in ms (1 h 59 min 59 s; `MissionAction.ts`).
PROCESS_TIME_MAX = 7_199_000


class _HasId:
    id: str

    @property
    def _id(self) -> str:
        """METIS's spelling of ``id``."""
        return self.id


@dataclass(frozen=True)
class Resource(_HasId):
    """One of the mission's currencies (`resources[]`)."""

    id: str
    name: str
    icon: str = "resources/coins"
    order: float = 0


@dataclass(frozen=True)
class ResourcePool(_HasId):
    """A force's holding of one resource (`forces[].resourcePools[]`); ``balance`` is state."""

    id: str
    local_key: str
    resource_id: str
    initial_balance: int = 0
    allow_negative: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class ResourceCost(_HasId):
    """What an action costs in one resource (`actions[].resourceCosts[]`)."""

    id: str
    resource_id: str
    base_amount: int = 0
    hidden: bool = False


@dataclass(frozen=True)
class Argument(_HasId):
    """A stored effect argument: ``value`` is JSON as stored (selections for components)."""

    id: str
    parameter_id: str
    type: str
    value: Any = None


@dataclass(frozen=True)
class Effect(_HasId):
    """A mission-level or action-level effect (§1.7)."""

    id: str
    local_key: str
    name: str
    target_id: str
    environment_id: str
    target_environment_version: str
    trigger: str
    order: float = 0
    description: str = ""
    arguments: tuple[Argument, ...] = ()


@dataclass(frozen=True)
class Action(_HasId):
    """An action of a node, with its *base* values (effective ones need session state)."""

    id: str
    local_key: str
    name: str = "New Action"
    description: str = ""
    type: str = "repeatable"
    base_process_time: float = 5000
    process_time_hidden: bool = False
    base_success_chance: float = 0.5
    success_chance_hidden: bool = False
    resource_costs: tuple[ResourceCost, ...] = ()
    opens_node: bool = True
    opens_node_hidden: bool = False
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Node(_HasId):
    """One force's node at one tree position (``prototype_id``)."""

    id: str
    local_key: str
    prototype_id: str
    name: str = "Unnamed Node"
    color: str = "#ffffff"
    description: str = ""
    pre_execution_text: str = ""
    executable: bool = False
    device: bool = False
    exclude: bool = False
    initially_blocked: bool = False
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Force(_HasId):
    """A force: its pools (one per resource, in resource order) and its nodes."""

    id: str
    local_key: str
    name: str = "New Force"
    color: str = "#ffffff"
    intro_message: str = "<p>Welcome to your force!</p>"
    reveal_all_nodes: bool = False
    resource_pools: tuple[ResourcePool, ...] = ()
    nodes: tuple[Node, ...] = ()


@dataclass(frozen=True)
class Prototype(_HasId):
    """One position of the tree: ``structure_key`` places it in ``structure``."""

    id: str
    structure_key: str
    depth_padding: int = 0


@dataclass(frozen=True)
class MissionFile(_HasId):
    """An attached file (§1.8). ``reference`` is the stored object (export) or an oid string."""

    id: str
    alias: str | None
    last_known_name: str
    initial_access: tuple[str, ...] = ()
    reference: Any = None

    @property
    def _reference(self) -> Mapping[str, Any]:
        return self.reference if isinstance(self.reference, Mapping) else {}

    @property
    def original_name(self) -> str:
        """The stored file's name, or the last name seen when the reference is gone."""
        name = self._reference.get("name")
        return name if isinstance(name, str) else self.last_known_name

    @property
    def extension(self) -> str:
        """From the last ``.`` of the original name, lower-cased, dot included; ``''`` if none."""
        name = self.original_name
        return name[name.rfind(".") :].lower() if "." in name else ""

    @property
    def name(self) -> str:
        """What users see: alias + extension when an alias is set, else the original name."""
        return self.alias + self.extension if self.alias else self.original_name

    @property
    def mimetype(self) -> str | None:
        value = self._reference.get("mimetype")
        return value if isinstance(value, str) else None

    @property
    def size(self) -> int | None:
        value = self._reference.get("size")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class MissionDefinition:
    """The whole stored mission: what `dump_mission` writes back as ``data.json``.

    ``structure`` is the nested object of structure keys (§1.3), kept as read.
    ``extra`` holds the database-only keys a stored document may carry (``_id``,
    ``createdAt``, …), which an export removes.
    """

    name: str
    forces: tuple[Force, ...]
    prototypes: tuple[Prototype, ...]
    structure: Mapping[str, Any]
    version_number: float = 1
    created_by: Any = "000000000000000000000000"
    created_by_username: str = "metis"
    resources: tuple[Resource, ...] = ()
    files: tuple[MissionFile, ...] = ()
    effects: tuple[Effect, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
