"""The mission-changing calls as frozen commands (metis-missions §4.1).

A context method builds a command and hands it to its host: the local session applies it with
`metis_env.missions.applying`; a bridge to METIS forwards ``command.to_json()``. Construction
already does what needs no mission: it turns a single component or a list into a tuple of
`ComponentRef`, raises `TypeError` for a component type the method does not take (METIS
crashes with a TypeError there too, §4.2 rule 3) and checks booleans and operands (a finite
number, as the reference advises; METIS would propagate NaN).

`CONTEXT_METHODS` maps each context method's Python name to its constructor, so the context
can expose all fourteen generically.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "ALERT_LEVELS",
    "CONTEXT_METHODS",
    "AddNodeAlert",
    "ComponentRef",
    "MissionCommand",
    "ModifyProcessTime",
    "ModifyResourceCost",
    "ModifyResourcePool",
    "ModifySuccessChance",
    "UpdateFileAccess",
    "UpdateNodeBlockStatus",
    "UpdateNodeOpenState",
    "add_node_alert",
    "block_nodes",
    "close_node",
    "grant_file_access",
    "modify_process_time",
    "modify_resource_cost",
    "modify_resource_pool",
    "modify_success_chance",
    "open_node",
    "python_name",
    "revoke_file_access",
    "to_ref",
    "unblock_nodes",
    "update_file_access",
    "update_node_block_status",
    "update_node_open_state",
]

#: Alert levels, lowest first (§4.7).
ALERT_LEVELS = ("info", "suspicious", "warning", "danger")

_TO_NODES = ("node", "force", "mission")
_TO_ACTIONS = ("action", "node", "force", "mission")
_TO_POOLS = ("resourcePool", "force", "mission")
_TO_FORCES = ("force", "mission")


def python_name(method: str) -> str:
    """``blockNodes`` → ``block_nodes``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


@dataclass(frozen=True)
class ComponentRef:
    """What a command keeps of a component: its type and ``_id`` (all METIS reads)."""

    component_type: str
    id: str

    @property
    def _id(self) -> str:
        return self.id

    def to_json(self) -> dict[str, str]:
        return {"componentType": self.component_type, "_id": self.id}


def _describe(value: Any) -> str:
    kind = getattr(value, "component_type", None)
    return f"{type(value).__name__} {value!r}"[:80] if kind is None else _a(str(kind))


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _either(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def to_ref(value: Any, *, default_type: str | None = None) -> ComponentRef | None:
    """A `ComponentRef` for a view, a ref, a METIS-style mapping or anything with
    ``component_type`` and ``id``/``_id``; ``None`` if ``value`` is none of these."""
    if isinstance(value, ComponentRef):
        return value
    if isinstance(value, Mapping):
        kind, ident = value.get("componentType", default_type), value.get("_id")
    else:
        kind = getattr(value, "component_type", default_type)
        ident = getattr(value, "id", None)
        ident = getattr(value, "_id", None) if not isinstance(ident, str) else ident
    if isinstance(kind, str) and isinstance(ident, str):
        return ComponentRef(kind, ident)
    return None


def _refs(
    value: Any,
    method: str,
    argument: str,
    accepted: tuple[str, ...] | None,
    default_type: str | None = None,
) -> tuple[ComponentRef, ...]:
    """``value`` (one component or a list) as refs; ``accepted=None``: any type, and a
    mapping without ``componentType`` counts as ``default_type``."""
    items = list(value) if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        ref = to_ref(item, default_type=default_type)
        if ref is None or (accepted is not None and ref.component_type not in accepted):
            takes = _either(accepted) + " components" if accepted else "components with an _id"
            shown = _describe(item) if ref is None else f'{_a(ref.component_type)} ("{ref.id}")'
            raise TypeError(
                f"{python_name(method)}(): {argument} takes {takes} (one or a list), not {shown}"
            )
        out.append(ref)
    return tuple(out)


def _operand(value: Any, method: str, argument: str = "operand") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{python_name(method)}(): {argument} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{python_name(method)}(): {argument} must be finite, not {value!r}")
    return value


def _flag(value: Any, method: str, argument: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{python_name(method)}(): {argument} must be True or False, not {value!r}")
    return value


class MissionCommand:
    """Base of the commands: ``method`` is METIS's name of the call that made it."""

    method: str
    kind: ClassVar[str]

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """The call in METIS's spelling, for a host that forwards it to METIS."""
        out: dict[str, Any] = {"method": self.method}
        for name, value in vars(self).items():
            if name == "method":
                continue
            key = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)
            if isinstance(value, tuple):
                value = [v.to_json() if isinstance(v, ComponentRef) else v for v in value]
            out[key] = value
        return out


@dataclass(frozen=True)
class UpdateNodeBlockStatus(MissionCommand):
    """``updateNodeBlockStatus(nodes, blocked)``; also ``blockNodes`` / ``unblockNodes``."""

    nodes: Any
    blocked: bool
    method: str = "updateNodeBlockStatus"
    kind: ClassVar[str] = "block"

    def __post_init__(self) -> None:
        self._set("nodes", _refs(self.nodes, self.method, "nodes", _TO_NODES))
        self._set("blocked", _flag(self.blocked, self.method, "blocked"))


@dataclass(frozen=True)
class UpdateNodeOpenState(MissionCommand):
    """``updateNodeOpenState(nodes, opened)``; also ``openNode`` / ``closeNode``."""

    nodes: Any
    opened: bool
    method: str = "updateNodeOpenState"
    kind: ClassVar[str] = "open"

    def __post_init__(self) -> None:
        self._set("nodes", _refs(self.nodes, self.method, "nodes", _TO_NODES))
        self._set("opened", _flag(self.opened, self.method, "opened"))


@dataclass(frozen=True)
class AddNodeAlert(MissionCommand):
    """``addNodeAlert(applyTo, message, severityLevel)``."""

    apply_to: Any
    message: str
    severity_level: str = "warning"
    method: str = "addNodeAlert"
    kind: ClassVar[str] = "alert"

    def __post_init__(self) -> None:
        self._set("apply_to", _refs(self.apply_to, self.method, "apply_to", _TO_NODES))
        if not isinstance(self.message, str):
            raise TypeError(f"add_node_alert(): message must be a string, not {self.message!r}")
        if self.severity_level not in ALERT_LEVELS:
            raise ValueError(
                f"add_node_alert(): severity_level must be one of {', '.join(ALERT_LEVELS)}, "
                f"not {self.severity_level!r}"
            )


@dataclass(frozen=True)
class _ActionModifier(MissionCommand):
    apply_to: Any
    operand: float

    def __post_init__(self) -> None:
        self._set("apply_to", _refs(self.apply_to, self.method, "apply_to", _TO_ACTIONS))
        self._set("operand", _operand(self.operand, self.method))


@dataclass(frozen=True)
class ModifySuccessChance(_ActionModifier):
    """``modifySuccessChance(applyTo, operand)``: operand is a fraction (+0.1 = +10 points)."""

    method: str = "modifySuccessChance"
    kind: ClassVar[str] = "success-chance"


@dataclass(frozen=True)
class ModifyProcessTime(_ActionModifier):
    """``modifyProcessTime(applyTo, operand)``: operand in ms."""

    method: str = "modifyProcessTime"
    kind: ClassVar[str] = "process-time"


@dataclass(frozen=True)
class ModifyResourceCost(MissionCommand):
    """``modifyResourceCost(applyTo, resources, operand)``: one modifier per resource.

    Resources are not looked up (METIS reads only their ``_id``), so any component, ref or
    mapping with an ``_id`` will do.
    """

    apply_to: Any
    resources: Any
    operand: float
    method: str = "modifyResourceCost"
    kind: ClassVar[str] = "resource-cost"

    def __post_init__(self) -> None:
        self._set("apply_to", _refs(self.apply_to, self.method, "apply_to", _TO_ACTIONS))
        self._set("resources", _refs(self.resources, self.method, "resources", None, "resource"))
        self._set("operand", _operand(self.operand, self.method))


@dataclass(frozen=True)
class ModifyResourcePool(MissionCommand):
    """``modifyResourcePool(applyTo, operand)``: balance += operand, never clamped."""

    apply_to: Any
    operand: float
    method: str = "modifyResourcePool"
    kind: ClassVar[str] = "pool"

    def __post_init__(self) -> None:
        self._set("apply_to", _refs(self.apply_to, self.method, "apply_to", _TO_POOLS))
        self._set("operand", _operand(self.operand, self.method))


@dataclass(frozen=True)
class UpdateFileAccess(MissionCommand):
    """``updateFileAccess(applyTo, files, granted)``; also grant/revoke. Files are looked
    up by ``_id`` whatever their ``componentType`` (§4.2 rule 7)."""

    apply_to: Any
    files: Any
    granted: bool
    method: str = "updateFileAccess"
    kind: ClassVar[str] = "access"

    def __post_init__(self) -> None:
        self._set("apply_to", _refs(self.apply_to, self.method, "apply_to", _TO_FORCES))
        self._set("files", _refs(self.files, self.method, "files", None, "missionFile"))
        self._set("granted", _flag(self.granted, self.method, "granted"))


# ---- one constructor per context method (the Python names of §4.1) ---------------------------


def block_nodes(nodes: Any) -> UpdateNodeBlockStatus:
    return UpdateNodeBlockStatus(nodes, True, method="blockNodes")


def unblock_nodes(nodes: Any) -> UpdateNodeBlockStatus:
    return UpdateNodeBlockStatus(nodes, False, method="unblockNodes")


def update_node_block_status(nodes: Any, blocked: bool) -> UpdateNodeBlockStatus:
    return UpdateNodeBlockStatus(nodes, blocked)


def open_node(nodes: Any) -> UpdateNodeOpenState:
    return UpdateNodeOpenState(nodes, True, method="openNode")


def close_node(nodes: Any) -> UpdateNodeOpenState:
    return UpdateNodeOpenState(nodes, False, method="closeNode")


def update_node_open_state(nodes: Any, opened: bool) -> UpdateNodeOpenState:
    return UpdateNodeOpenState(nodes, opened)


def add_node_alert(apply_to: Any, message: str, severity_level: str = "warning") -> AddNodeAlert:
    return AddNodeAlert(apply_to, message, severity_level)


def modify_success_chance(apply_to: Any, operand: float) -> ModifySuccessChance:
    return ModifySuccessChance(apply_to, operand)


def modify_process_time(apply_to: Any, operand: float) -> ModifyProcessTime:
    return ModifyProcessTime(apply_to, operand)


def modify_resource_cost(apply_to: Any, resources: Any, operand: float) -> ModifyResourceCost:
    return ModifyResourceCost(apply_to, resources, operand)


def modify_resource_pool(apply_to: Any, operand: float) -> ModifyResourcePool:
    return ModifyResourcePool(apply_to, operand)


def grant_file_access(apply_to: Any, files: Any) -> UpdateFileAccess:
    return UpdateFileAccess(apply_to, files, True, method="grantFileAccess")


def revoke_file_access(apply_to: Any, files: Any) -> UpdateFileAccess:
    return UpdateFileAccess(apply_to, files, False, method="revokeFileAccess")


def update_file_access(apply_to: Any, files: Any, granted: bool) -> UpdateFileAccess:
    return UpdateFileAccess(apply_to, files, granted)


#: Context method (Python name) → the constructor of its command, in §4.1's order.
CONTEXT_METHODS: Mapping[str, Callable[..., MissionCommand]] = {
    f.__name__: f
    for f in (
        block_nodes,
        unblock_nodes,
        update_node_block_status,
        open_node,
        close_node,
        update_node_open_state,
        add_node_alert,
        modify_success_chance,
        modify_process_time,
        modify_resource_cost,
        modify_resource_pool,
        grant_file_access,
        revoke_file_access,
        update_file_access,
    )
}
