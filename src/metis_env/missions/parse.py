"""Build-58 JSON → `MissionDefinition`, enforcing METIS's save rules (metis-missions §1.9).

What loads here would also load in METIS, with one decided exception: HTML fields are kept as
given (METIS sanitises them to a tag allow-list on save; nothing here renders them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metis_env.missions._reader import REQUIRED, Obj, is_number
from metis_env.missions.errors import MissionFormatError
from metis_env.missions.model import (
    PROCESS_TIME_MAX,
    Action,
    Argument,
    Effect,
    Force,
    MissionDefinition,
    MissionFile,
    Node,
    Prototype,
    Resource,
    ResourceCost,
    ResourcePool,
)

__all__ = [
    "ACTION_TRIGGERS",
    "COMPONENT_TYPES",
    "MISSION_TRIGGERS",
    "RESOURCE_ICONS",
    "parse_definition",
]

MISSION_TRIGGERS = ("session-setup", "session-start", "session-teardown")
ACTION_TRIGGERS = ("execution-initiation", "execution-success", "execution-failure")
RESOURCE_ICONS = tuple(
    "resources/" + n
    for n in "coins trophy dollar helmet drops supplies handshake microchip raised-fist earth "
    "two-people star".split()
)
#: What a selection's ``componentType`` may be (§1.7).
COMPONENT_TYPES = ("mission", "force", "node", "action", "resourcePool", "resource", "missionFile")
ARGUMENT_TYPES = (
    "string",
    "large-string",
    "number",
    "boolean",
    "dropdown",
    "mission-component",
    "unknown",
)
COLOR = r"#[a-f0-9]{6}"
NAME_MAX = 175
#: Keys of a stored document that an export removes; kept aside, never written back.
DATABASE_KEYS = ("_id", "createdAt", "updatedAt", "launchedAt", "deleted", "__v")

_TOP = (
    "name versionNumber createdBy createdByUsername structure prototypes forces resources "
    "files effects".split()
)
_FORCE = "_id localKey introMessage name color revealAllNodes resourcePools nodes".split()
_POOL = "_id localKey resourceId initialBalance allowNegative excluded".split()
_NODE = (
    "_id localKey prototypeId name color description preExecutionText executable device "
    "exclude initiallyBlocked actions".split()
)
_ACTION = (
    "_id localKey name description type baseProcessTime processTimeHidden baseSuccessChance "
    "successChanceHidden resourceCosts opensNode opensNodeHidden effects".split()
)
_COST = "_id resourceId baseAmount hidden".split()
_EFFECT = (
    "_id localKey name description targetId environmentId targetEnvironmentVersion trigger "
    "order arguments".split()
)
_ARGUMENT = "_id parameterId type value".split()
_SELECTION = "componentType lastKnownName ids".split()
_FILE = "_id alias lastKnownName initialAccess reference".split()
_PROTOTYPE = "_id structureKey depthPadding".split()
_RESOURCE = "_id name icon order".split()


class _Ids:
    """Checks that every ``_id`` is unique across the whole document (§1.2)."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def take(self, obj: Obj) -> str:
        value = obj.string("_id")
        if not value:
            raise MissionFormatError(obj.at("_id"), value, "must not be empty")
        if value in self.seen:
            raise MissionFormatError(
                obj.at("_id"), value, f"must be unique in the mission (also at {self.seen[value]})"
            )
        self.seen[value] = obj.at("_id")
        return value


def _unique(keys: list[tuple[str, str]], what: str) -> None:
    seen: set[str] = set()
    for path, key in keys:
        if key in seen:
            raise MissionFormatError(path, key, f"must be unique among {what}")
        seen.add(key)


def _local_key(obj: Obj) -> str:
    return obj.string("localKey", pattern=r"[0-9]+")


def parse_definition(doc: Any) -> MissionDefinition:
    """Read a build-58 mission document (``schemaBuildNumber`` already removed).

    Raises:
        MissionFormatError: a field breaks a rule; its ``key`` is the field's path.
    """
    allowed = [*_TOP, *DATABASE_KEYS]
    top = Obj("", doc, allowed)
    ids = _Ids()
    name = top.string("name", max_length=NAME_MAX, trim=True)
    structure = top.get("structure", REQUIRED)
    keys = _structure_keys(structure)
    prototypes = tuple(
        _prototype(Obj(p, v, _PROTOTYPE), ids, keys) for p, v in top.items("prototypes")
    )
    resources = tuple(
        _resource(Obj(p, v, _RESOURCE), ids) for p, v in top.items("resources", [], most=8)
    )
    forces = tuple(
        _force(Obj(p, v, _FORCE), ids, resources, prototypes)
        for p, v in top.items("forces", most=8)
    )
    if not forces:
        raise MissionFormatError("forces", [], "must hold at least 1 force")
    _unique([(f"forces[{i}].localKey", f.local_key) for i, f in enumerate(forces)], "forces")
    files = tuple(_file(Obj(p, v, _FILE), ids) for p, v in top.items("files", []))
    effects = _effects(top, ids, MISSION_TRIGGERS)
    version = top.number("versionNumber", 1)
    username = top.string("createdByUsername", "metis")
    return MissionDefinition(
        name=name,
        forces=forces,
        prototypes=prototypes,
        structure=structure,
        version_number=version,
        created_by=top.get("createdBy", "000000000000000000000000"),
        created_by_username=username,
        resources=resources,
        files=files,
        effects=effects,
        extra={k: doc[k] for k in DATABASE_KEYS if k in doc},
    )


def _structure_keys(structure: Any) -> set[str]:
    """Every structure key; objects only, depth ≤ 64, no key twice (§1.3)."""
    seen: set[str] = set()
    stack: list[tuple[str, Any, int]] = [("structure", structure, 1)]
    while stack:
        path, level, depth = stack.pop()
        if not isinstance(level, dict):
            raise MissionFormatError(path, level, "must be an object (a leaf is {})")
        if depth > 64 and level:
            raise MissionFormatError(path, rule="must not nest deeper than 64 levels")
        for key, sub in level.items():
            if key in seen:
                raise MissionFormatError(f"{path}.{key}", rule="must appear once in structure")
            seen.add(key)
            stack.append((f"{path}.{key}", sub, depth + 1))
    return seen


def _prototype(obj: Obj, ids: _Ids, keys: set[str]) -> Prototype:
    proto_id = ids.take(obj)
    key = obj.string("structureKey")
    if key not in keys:
        raise MissionFormatError(obj.at("structureKey"), key, "must be a key of structure")
    padding = obj.number("depthPadding", 0, low=0, integer=True)
    return Prototype(proto_id, key, padding)


def _resource(obj: Obj, ids: _Ids) -> Resource:
    return Resource(
        ids.take(obj),
        obj.string("name", "Resources", max_length=16, trim=True),
        obj.string("icon", "resources/coins", choices=RESOURCE_ICONS),
        obj.number("order", 0),
    )


def _force(
    obj: Obj, ids: _Ids, resources: tuple[Resource, ...], prototypes: tuple[Prototype, ...]
) -> Force:
    force_id = ids.take(obj)
    local_key = _local_key(obj)
    pools = tuple(_pool(Obj(p, v, _POOL), ids) for p, v in obj.items("resourcePools", []))
    _per_resource(obj.at("resourcePools"), [p.resource_id for p in pools], resources, "pool")
    _unique(
        [(obj.at(f"resourcePools[{i}].localKey"), p.local_key) for i, p in enumerate(pools)],
        "the force's pools",
    )
    nodes = tuple(_node(Obj(p, v, _NODE), ids, resources) for p, v in obj.items("nodes"))
    if not nodes:
        raise MissionFormatError(obj.at("nodes"), [], "must hold at least 1 node")
    _unique(
        [(obj.at(f"nodes[{i}].localKey"), n.local_key) for i, n in enumerate(nodes)],
        "the force's nodes",
    )
    known = {p.id for p in prototypes}
    used: set[str] = set()
    for index, node in enumerate(nodes):
        path = obj.at(f"nodes[{index}].prototypeId")
        if node.prototype_id not in known:
            raise MissionFormatError(path, node.prototype_id, "must name a prototype")
        if node.prototype_id in used:
            raise MissionFormatError(path, node.prototype_id, "must be used once per force")
        used.add(node.prototype_id)
    missing = [p.id for p in prototypes if p.id not in used]
    if missing:
        raise MissionFormatError(obj.at("nodes"), missing, "must hold one node for every prototype")
    return Force(
        id=force_id,
        local_key=local_key,
        name=obj.string("name", "New Force", max_length=NAME_MAX, trim=True),
        color=obj.string("color", "#ffffff", pattern=COLOR),
        intro_message=obj.string("introMessage", "<p>Welcome to your force!</p>"),
        reveal_all_nodes=obj.boolean("revealAllNodes", False),
        resource_pools=pools,
        nodes=nodes,
    )


def _per_resource(
    path: str, resource_ids: list[str], resources: tuple[Resource, ...], what: str
) -> None:
    """Exactly one ``what`` per mission resource, in resource order (§1.9 rule 3)."""
    wanted = [r.id for r in resources]
    if resource_ids != wanted:
        raise MissionFormatError(
            path, resource_ids, f"must hold exactly one {what} per resource, in resource order"
        )


def _pool(obj: Obj, ids: _Ids) -> ResourcePool:
    return ResourcePool(
        id=ids.take(obj),
        local_key=_local_key(obj),
        resource_id=obj.string("resourceId"),
        initial_balance=obj.number("initialBalance", 0, low=0, integer=True),
        allow_negative=obj.boolean("allowNegative", False),
        excluded=obj.boolean("excluded", False),
    )


def _node(obj: Obj, ids: _Ids, resources: tuple[Resource, ...]) -> Node:
    node_id = ids.take(obj)
    actions = tuple(
        _action(Obj(p, v, _ACTION), ids, resources) for p, v in obj.items("actions", [])
    )
    _unique(
        [(obj.at(f"actions[{i}].localKey"), a.local_key) for i, a in enumerate(actions)],
        "the node's actions",
    )
    executable = obj.boolean("executable", False)
    if executable and not actions:
        raise MissionFormatError(obj.at("actions"), [], "must hold an action when executable")
    return Node(
        id=node_id,
        local_key=_local_key(obj),
        prototype_id=obj.string("prototypeId"),
        name=obj.string("name", "Unnamed Node", max_length=NAME_MAX, trim=True),
        color=obj.string("color", "#ffffff", pattern=COLOR),
        description=obj.string("description", ""),
        pre_execution_text=obj.string("preExecutionText", ""),
        executable=executable,
        device=obj.boolean("device", False),
        exclude=obj.boolean("exclude", False),
        initially_blocked=obj.boolean("initiallyBlocked", False),
        actions=actions,
    )


def _action(obj: Obj, ids: _Ids, resources: tuple[Resource, ...]) -> Action:
    action_id = ids.take(obj)
    costs = tuple(_cost(Obj(p, v, _COST), ids) for p, v in obj.items("resourceCosts", []))
    _per_resource(obj.at("resourceCosts"), [c.resource_id for c in costs], resources, "cost")
    return Action(
        id=action_id,
        local_key=_local_key(obj),
        name=obj.string("name", "New Action", max_length=NAME_MAX, trim=True),
        description=obj.string("description", ""),
        type=obj.string("type", "repeatable", choices=("repeatable", "single-use")),
        base_process_time=obj.number("baseProcessTime", 5000, low=0, high=PROCESS_TIME_MAX),
        process_time_hidden=obj.boolean("processTimeHidden", False),
        base_success_chance=obj.number("baseSuccessChance", 0.5, low=0, high=1),
        success_chance_hidden=obj.boolean("successChanceHidden", False),
        resource_costs=costs,
        opens_node=obj.boolean("opensNode", True),
        opens_node_hidden=obj.boolean("opensNodeHidden", False),
        effects=_effects(obj, ids, ACTION_TRIGGERS),
    )


def _cost(obj: Obj, ids: _Ids) -> ResourceCost:
    return ResourceCost(
        id=ids.take(obj),
        resource_id=obj.string("resourceId"),
        base_amount=obj.number("baseAmount", 0, low=0, integer=True),
        hidden=obj.boolean("hidden", False),
    )


def _effects(host: Obj, ids: _Ids, triggers: tuple[str, ...]) -> tuple[Effect, ...]:
    effects = tuple(
        _effect(Obj(p, v, _EFFECT), ids, triggers) for p, v in host.items("effects", [])
    )
    _unique(
        [(host.at(f"effects[{i}].localKey"), e.local_key) for i, e in enumerate(effects)],
        "the host's effects",
    )
    return effects


def _effect(obj: Obj, ids: _Ids, triggers: tuple[str, ...]) -> Effect:
    effect_id = ids.take(obj)
    arguments = tuple(_argument(Obj(p, v, _ARGUMENT), ids) for p, v in obj.items("arguments", []))
    return Effect(
        id=effect_id,
        local_key=_local_key(obj),
        name=obj.string("name", max_length=NAME_MAX, trim=True),
        target_id=obj.string("targetId"),
        environment_id=obj.string("environmentId", "INFER"),
        target_environment_version=obj.string("targetEnvironmentVersion", "0.0.0"),
        trigger=obj.string("trigger", choices=triggers),
        order=obj.number("order", 0),
        description=obj.string("description", ""),
        arguments=arguments,
    )


def _argument(obj: Obj, ids: _Ids) -> Argument:
    arg_id = ids.take(obj)
    kind = obj.string("type", choices=ARGUMENT_TYPES)
    value = obj.get("value", None)
    path = obj.at("value")
    if kind in ("string", "large-string") and not isinstance(value, str):
        raise MissionFormatError(path, value, f"must be a string for a {kind} argument")
    if kind == "number" and value is not None and not is_number(value):
        raise MissionFormatError(path, value, "must be a finite number or null")
    if kind == "boolean" and not isinstance(value, bool):
        raise MissionFormatError(path, value, "must be true or false")
    if kind == "mission-component":
        value = [_selection(Obj(p, v, _SELECTION)) for p, v in obj.items("value")]
    return Argument(arg_id, obj.string("parameterId"), kind, value)


def _selection(obj: Obj) -> Mapping[str, Any]:
    return {
        "componentType": obj.string("componentType", choices=COMPONENT_TYPES),
        "lastKnownName": obj.string("lastKnownName", ""),
        "ids": list(obj.strings("ids")),
    }


def _file(obj: Obj, ids: _Ids) -> MissionFile:
    file_id = ids.take(obj)
    alias = obj.get("alias", None)
    if alias is not None and not isinstance(alias, str):
        raise MissionFormatError(obj.at("alias"), alias, "must be a string or null")
    reference = obj.get("reference", None)
    if isinstance(reference, dict):
        ref = Obj(
            obj.at("reference"),
            reference,
            "_id name path mimetype size createdBy createdByUsername createdAt updatedAt".split(),
        )
        ref.string("_id")
        ref.string("name")
        if "size" in reference:
            ref.number("size", low=0, integer=True)
    elif reference is not None and not isinstance(reference, str):
        raise MissionFormatError(obj.at("reference"), reference, "must be an object or an id")
    return MissionFile(
        id=file_id,
        alias=alias,
        last_known_name=obj.string("lastKnownName", ""),
        initial_access=obj.strings("initialAccess", []),
        reference=reference,
    )
