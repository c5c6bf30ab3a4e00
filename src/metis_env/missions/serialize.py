"""The definition back to METIS's stored JSON, keys in the order METIS's schema writes them."""

from __future__ import annotations

import copy
from typing import Any

from metis_env.missions.model import (
    Action,
    Argument,
    Effect,
    Force,
    MissionDefinition,
    MissionFile,
    Node,
    ResourceCost,
    ResourcePool,
)

__all__ = ["definition_to_json", "effect_to_json"]


def definition_to_json(mission: MissionDefinition) -> dict[str, Any]:
    """The stored document (build 58 shape, without ``schemaBuildNumber``)."""
    return {
        "name": mission.name,
        "versionNumber": mission.version_number,
        "createdBy": copy.deepcopy(mission.created_by),
        "createdByUsername": mission.created_by_username,
        "structure": copy.deepcopy(dict(mission.structure)),
        "prototypes": [
            {"_id": p.id, "structureKey": p.structure_key, "depthPadding": p.depth_padding}
            for p in mission.prototypes
        ],
        "forces": [_force(f) for f in mission.forces],
        "resources": [
            {"_id": r.id, "name": r.name, "icon": r.icon, "order": r.order}
            for r in mission.resources
        ],
        "files": [_file(f) for f in mission.files],
        "effects": [effect_to_json(e) for e in mission.effects],
    }


def _force(force: Force) -> dict[str, Any]:
    return {
        "_id": force.id,
        "localKey": force.local_key,
        "introMessage": force.intro_message,
        "name": force.name,
        "color": force.color,
        "revealAllNodes": force.reveal_all_nodes,
        "resourcePools": [_pool(p) for p in force.resource_pools],
        "nodes": [_node(n) for n in force.nodes],
    }


def _pool(pool: ResourcePool) -> dict[str, Any]:
    return {
        "_id": pool.id,
        "localKey": pool.local_key,
        "resourceId": pool.resource_id,
        "initialBalance": pool.initial_balance,
        "allowNegative": pool.allow_negative,
        "excluded": pool.excluded,
    }


def _node(node: Node) -> dict[str, Any]:
    return {
        "_id": node.id,
        "localKey": node.local_key,
        "prototypeId": node.prototype_id,
        "name": node.name,
        "color": node.color,
        "description": node.description,
        "preExecutionText": node.pre_execution_text,
        "executable": node.executable,
        "device": node.device,
        "exclude": node.exclude,
        "initiallyBlocked": node.initially_blocked,
        "actions": [_action(a) for a in node.actions],
    }


def _action(action: Action) -> dict[str, Any]:
    return {
        "_id": action.id,
        "name": action.name,
        "description": action.description,
        "type": action.type,
        "baseProcessTime": action.base_process_time,
        "processTimeHidden": action.process_time_hidden,
        "baseSuccessChance": action.base_success_chance,
        "successChanceHidden": action.success_chance_hidden,
        "resourceCosts": [_cost(c) for c in action.resource_costs],
        "opensNode": action.opens_node,
        "opensNodeHidden": action.opens_node_hidden,
        "localKey": action.local_key,
        "effects": [effect_to_json(e) for e in action.effects],
    }


def _cost(cost: ResourceCost) -> dict[str, Any]:
    return {
        "_id": cost.id,
        "resourceId": cost.resource_id,
        "baseAmount": cost.base_amount,
        "hidden": cost.hidden,
    }


def effect_to_json(effect: Effect) -> dict[str, Any]:
    """An effect as stored (§1.7)."""
    return {
        "_id": effect.id,
        "targetId": effect.target_id,
        "environmentId": effect.environment_id,
        "targetEnvironmentVersion": effect.target_environment_version,
        "name": effect.name,
        "trigger": effect.trigger,
        "order": effect.order,
        "description": effect.description,
        "arguments": [_argument(a) for a in effect.arguments],
        "localKey": effect.local_key,
    }


def _argument(argument: Argument) -> dict[str, Any]:
    return {
        "_id": argument.id,
        "parameterId": argument.parameter_id,
        "type": argument.type,
        "value": copy.deepcopy(argument.value),
    }


def _file(file: MissionFile) -> dict[str, Any]:
    return {
        "_id": file.id,
        "alias": file.alias,
        "lastKnownName": file.last_known_name,
        "initialAccess": list(file.initial_access),
        "reference": copy.deepcopy(file.reference),
    }
