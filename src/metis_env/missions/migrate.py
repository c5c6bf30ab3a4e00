"""METIS's import builds 38-58, for files of build 37 or later (metis-missions §1.11).

Every build ``N`` greater than the file's ``schemaBuildNumber`` runs, in ascending order; the
file's number is read once. A file claiming a build above 58 runs nothing. Builds that add a
field set it only when it is absent, except where a comment says "always".

The reference groups some builds (``32-36, 38``, ``39, 41, 46, 47``, …) without saying which
number does what; for a build-37 file all of them run, so the split below only matters for
files of builds 38-57 and follows the order of the reference's table. Ids that a build creates
are uuid5s derived from the owner's id, so loading the same file twice gives the same ids.
Builds run synchronously and any failure fails the load (METIS lets some escape, §1.11).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["CURRENT_BUILD", "OLDEST_BUILD", "migrate"]

CURRENT_BUILD = 58
OLDEST_BUILD = 37  # the seeding file's build; older ones need builds we do not run

_Doc = dict[str, Any]


def _dicts(value: Any) -> Iterator[_Doc]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _forces(doc: _Doc) -> Iterator[_Doc]:
    yield from _dicts(doc.get("forces"))


def _nodes(doc: _Doc) -> Iterator[tuple[_Doc, _Doc]]:
    for force in _forces(doc):
        for node in _dicts(force.get("nodes")):
            yield force, node


def _actions(doc: _Doc) -> Iterator[tuple[_Doc, _Doc, _Doc]]:
    for force, node in _nodes(doc):
        for action in _dicts(node.get("actions")):
            yield force, node, action


def _effects(doc: _Doc) -> Iterator[tuple[_Doc | None, _Doc]]:
    """Every effect with its host action (``None`` for mission-level effects)."""
    for effect in _dicts(doc.get("effects")):
        yield None, effect
    for _, _, action in _actions(doc):
        for effect in _dicts(action.get("effects")):
            yield action, effect


def _new_id(owner: Any, purpose: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"metis-env:{owner}:{purpose}"))


def _b38_defaults(doc: _Doc) -> None:
    doc.setdefault("resourceLabel", "Resources")
    for _, _, action in _actions(doc):
        action.setdefault("opensNode", True)
        for key in ("processTimeHidden", "successChanceHidden", "opensNodeHidden"):
            action.setdefault(key, False)
        action.setdefault("resourceCostHidden", False)
    for _, effect in _effects(doc):
        effect.setdefault("trigger", "success")
        effect.setdefault("environmentId", "INFER")


def _b39_exclude(doc: _Doc) -> None:
    for _, node in _nodes(doc):
        node.setdefault("exclude", False)


def _b40_files(doc: _Doc) -> None:
    doc["files"] = []  # always: files older than 40 carry no files


def _b41_allow_negative(doc: _Doc) -> None:
    for force in _forces(doc):
        force.setdefault("allowNegativeResources", False)


def _number_local_keys(items: list[_Doc]) -> None:
    for position, item in enumerate(items, start=1):
        item.setdefault("localKey", str(position))


def _b42_local_keys(doc: _Doc) -> None:
    _number_local_keys(list(_forces(doc)))
    for force in _forces(doc):
        _number_local_keys(list(_dicts(force.get("nodes"))))
    for _, node in _nodes(doc):
        _number_local_keys(list(_dicts(node.get("actions"))))
    _number_local_keys(list(_dicts(doc.get("effects"))))
    for _, _, action in _actions(doc):
        _number_local_keys(list(_dicts(action.get("effects"))))


def _b44_created_by(doc: _Doc) -> None:
    doc.setdefault("createdBy", "000000000000000000000000")
    doc.setdefault("createdByUsername", "metis")


def _b45_versions(doc: _Doc) -> None:
    for _, effect in _effects(doc):
        version = effect.get("targetEnvironmentVersion")
        if isinstance(version, str) and re.fullmatch(r"\d+\.\d+", version):
            effect["targetEnvironmentVersion"] = version + ".0"


def _b46_action_type(doc: _Doc) -> None:
    for _, _, action in _actions(doc):
        action.setdefault("type", "repeatable")


def _b47_initially_blocked(doc: _Doc) -> None:
    for _, node in _nodes(doc):
        node.setdefault("initiallyBlocked", False)


def _b49_texts_to_effects(doc: _Doc) -> None:
    """Each non-empty post-execution text becomes an ``output`` effect of the action."""
    for _, _, action in _actions(doc):
        for key, trigger in (
            ("postExecutionSuccessText", "success"),
            ("postExecutionFailureText", "failure"),
        ):
            text = action.pop(key, "")
            if not isinstance(text, str) or not text.strip():
                continue
            effects = action.setdefault("effects", [])
            if not isinstance(effects, list):
                continue
            keys = [int(e["localKey"]) for e in _dicts(effects) if str(e.get("localKey")).isdigit()]
            effects.append(
                {
                    "_id": _new_id(action.get("_id"), key),
                    "localKey": str(max(keys, default=0) + 1),
                    "name": f"Post-execution {trigger} text",
                    "description": "",
                    "targetId": "output",
                    "environmentId": "metis",
                    "targetEnvironmentVersion": "0.2.0",
                    "trigger": trigger,
                    "order": 1,
                    "args": {"message": text, "forceMetadata": {"forceKey": "self"}},
                }
            )


_TRIGGERS = {
    "immediate": "execution-initiation",
    "success": "execution-success",
    "failure": "execution-failure",
}


def _b50_triggers(doc: _Doc) -> None:
    for _, effect in _effects(doc):
        trigger = effect.get("trigger")
        if isinstance(trigger, str) and trigger in _TRIGGERS:
            effect["trigger"] = _TRIGGERS[trigger]


def _b51_order(doc: _Doc) -> None:
    hosts = [list(_dicts(doc.get("effects")))]
    hosts += [list(_dicts(a.get("effects"))) for _, _, a in _actions(doc)]
    for effects in hosts:
        counts: dict[str, int] = {}
        for effect in effects:  # always: numbered from 1 per trigger, in array order
            trigger = str(effect.get("trigger"))
            counts[trigger] = counts.get(trigger, 0) + 1
            effect["order"] = counts[trigger]


def _b52_open_state(doc: _Doc) -> None:
    for _, effect in _effects(doc):
        args = effect.get("args")
        if effect.get("targetId") == "open-node" and isinstance(args, dict):
            effect["targetId"] = "open-state"
            if "openNode" in args:
                args["openState"] = args.pop("openNode")
            effect["targetEnvironmentVersion"] = "0.2.1"


def _b53_metis_environment(doc: _Doc) -> None:
    for _, effect in _effects(doc):
        if effect.get("environmentId") == "METIS":
            effect["environmentId"] = "metis"
        args = effect.get("args")
        if effect.get("targetId") == "award" and isinstance(args, dict):
            effect["targetId"] = "resource-pool"
            effect["args"] = {"operation": "award", **args}


def _b55_resources(doc: _Doc) -> None:
    """One resource per mission, one pool per force, one cost per action, from the scalar
    fields (which go in any case; a document that already has resources keeps them)."""
    label = doc.pop("resourceLabel", "Resources")
    resource_id = _new_id(doc.get("name"), "resource")
    create = "resources" not in doc
    if create:
        doc["resources"] = [
            {"_id": resource_id, "name": label, "icon": "resources/coins", "order": 0}
        ]
    for force in _forces(doc):
        pool = {
            "_id": _new_id(force.get("_id"), "pool"),
            "localKey": "1",
            "resourceId": resource_id,
            "initialBalance": force.pop("initialResources", 100),
            "allowNegative": force.pop("allowNegativeResources", False),
            "excluded": False,
        }
        if create:
            force.setdefault("resourcePools", [pool])
    for _, _, action in _actions(doc):
        cost = {
            "_id": _new_id(action.get("_id"), "cost"),
            "resourceId": resource_id,
            "baseAmount": action.pop("resourceCost", 0),
            "hidden": action.pop("resourceCostHidden", False),
        }
        if create:
            action.setdefault("resourceCosts", [cost])


def _b56_seed(doc: _Doc) -> None:
    doc.pop("seed", None)


def _b57_base_values(doc: _Doc) -> None:
    for _, _, action in _actions(doc):
        for old, new in (
            ("processTime", "baseProcessTime"),
            ("successChance", "baseSuccessChance"),
        ):
            if old in action:
                value = action.pop(old)
                action.setdefault(new, value)


def _b58_arguments(doc: _Doc) -> None:
    """Effect ``args`` objects become ``arguments`` lists; component metadata → selections."""
    for host_action, effect in _effects(doc):
        args = effect.pop("args", None)
        if not isinstance(args, dict) or "arguments" in effect:
            continue
        arguments = []
        for parameter_id, value in args.items():
            selection = _selection(doc, host_action, value)
            arguments.append(
                {
                    "_id": _new_id(effect.get("_id"), f"argument:{parameter_id}"),
                    "parameterId": parameter_id,
                    "type": "unknown" if selection is None else "mission-component",
                    "value": value if selection is None else selection,
                }
            )
        effect["arguments"] = arguments


_LEGACY = ("forceKey", "nodeKey", "actionKey", "poolKey", "fileId", "resourceId")


def _selection(doc: _Doc, host: _Doc | None, value: Any) -> list[dict[str, Any]] | None:
    """A legacy component reference as a selection list; ``[]`` if it resolves to nothing."""
    if not isinstance(value, dict) or not any(key in value for key in _LEGACY):
        return None
    if "fileId" in value:
        found = [f for f in _dicts(doc.get("files")) if f.get("_id") == value["fileId"]]
        return [_pick("missionFile", f, [f.get("_id")]) for f in found[:1]]
    if "resourceId" in value and "forceKey" not in value:
        found = [r for r in _dicts(doc.get("resources")) if r.get("_id") == value["resourceId"]]
        return [_pick("resource", r, [r.get("_id")]) for r in found[:1]]
    host_force = host_node = None
    for owner, holder, candidate in _actions(doc):
        if candidate is host:
            host_force, host_node = owner, holder
    force = _by_key(list(_forces(doc)), value.get("forceKey"), host_force)
    if force is None:
        return []
    if "poolKey" in value:
        pool = _by_key(list(_dicts(force.get("resourcePools"))), value["poolKey"], None)
        return (
            []
            if pool is None
            else [_pick("resourcePool", pool, [force.get("_id"), pool.get("_id")])]
        )
    if "nodeKey" not in value:
        return [_pick("force", force, [force.get("_id")])]
    node = _by_key(list(_dicts(force.get("nodes"))), value["nodeKey"], host_node)
    if node is None:
        return []
    if "actionKey" not in value:
        return [_pick("node", node, [force.get("_id"), node.get("_id")])]
    action = _by_key(list(_dicts(node.get("actions"))), value["actionKey"], host)
    if action is None:
        return []
    return [_pick("action", action, [force.get("_id"), node.get("_id"), action.get("_id")])]


def _by_key(items: list[_Doc], key: Any, self_item: _Doc | None) -> _Doc | None:
    if key == "self":
        return self_item if any(i is self_item for i in items) else None
    return next((i for i in items if i.get("localKey") == key), None)


def _pick(kind: str, item: _Doc, ids: list[Any]) -> dict[str, Any]:
    name = item.get("name") if isinstance(item.get("name"), str) else ""
    return {"componentType": kind, "lastKnownName": name, "ids": ids}


BUILDS: dict[int, Callable[[_Doc], None]] = {
    38: _b38_defaults,
    39: _b39_exclude,
    40: _b40_files,
    41: _b41_allow_negative,
    42: _b42_local_keys,
    44: _b44_created_by,
    45: _b45_versions,
    46: _b46_action_type,
    47: _b47_initially_blocked,
    49: _b49_texts_to_effects,
    50: _b50_triggers,
    51: _b51_order,
    52: _b52_open_state,
    53: _b53_metis_environment,
    55: _b55_resources,
    56: _b56_seed,
    57: _b57_base_values,
    58: _b58_arguments,
}


def migrate(doc: _Doc, build: float) -> list[int]:
    """Run every import build above ``build`` on ``doc`` in place; the builds that ran."""
    ran = []
    for number, step in sorted(BUILDS.items()):
        if number > build:
            step(doc)
            ran.append(number)
    doc.setdefault("effects", [])
    doc.setdefault("files", [])
    return ran
