"""The frozen commands: what each context method takes, and what it refuses before any
mission is involved (metis-missions §4.1-§4.2)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from metis_env.missions import CONTEXT_METHODS, ComponentRef, builtin_mission
from metis_env.missions import commands as c
from metis_env.missions.views import MissionView

KINDS = ("mission", "force", "node", "action", "resourcePool", "resource", "missionFile")

#: method → (accepted kinds of the first argument, the other arguments)
ACCEPTS: dict[str, tuple[set[str], tuple[Any, ...]]] = {
    "block_nodes": ({"node", "force", "mission"}, ()),
    "unblock_nodes": ({"node", "force", "mission"}, ()),
    "update_node_block_status": ({"node", "force", "mission"}, (True,)),
    "open_node": ({"node", "force", "mission"}, ()),
    "close_node": ({"node", "force", "mission"}, ()),
    "update_node_open_state": ({"node", "force", "mission"}, (False,)),
    "add_node_alert": ({"node", "force", "mission"}, ("msg", "info")),
    "modify_success_chance": ({"action", "node", "force", "mission"}, (0.1,)),
    "modify_process_time": ({"action", "node", "force", "mission"}, (1000,)),
    "modify_resource_cost": ({"action", "node", "force", "mission"}, ([], 5)),
    "modify_resource_pool": ({"resourcePool", "force", "mission"}, (10,)),
    "grant_file_access": ({"force", "mission"}, ([],)),
    "revoke_file_access": ({"force", "mission"}, ([],)),
    "update_file_access": ({"force", "mission"}, ([], True)),
}


def test_there_is_one_constructor_per_context_method() -> None:
    """All fourteen of §4.1, by their Python names, in the reference's order."""
    assert list(CONTEXT_METHODS) == list(ACCEPTS)


@pytest.mark.parametrize("name", list(ACCEPTS))
@pytest.mark.parametrize("kind", KINDS)
def test_each_method_takes_its_component_types_and_refuses_the_rest(name: str, kind: str) -> None:
    """An unaccepted componentType is a TypeError naming the method and the types (§4.2.3)."""
    accepted, rest = ACCEPTS[name]
    ref = ComponentRef(kind, "id-1")
    if kind in accepted:
        command = CONTEXT_METHODS[name](ref, *rest)
        assert c.python_name(command.method) == name
        assert vars(command)[dataclasses.fields(command)[0].name] == (ref,)  # type: ignore[arg-type]
        return
    with pytest.raises(TypeError) as caught:
        CONTEXT_METHODS[name](ref, *rest)
    text = str(caught.value)
    assert text.startswith(f"{name}(): ")
    assert f'{kind} ("id-1")' in text
    assert all(k in text for k in accepted)


@pytest.mark.parametrize("bad", [None, "a-node-id", 3, {"componentType": "node"}, object()])
def test_anything_that_is_not_a_component_is_a_type_error(bad: Any) -> None:
    """None (an unmet argument), bare ids and partial mappings are refused."""
    with pytest.raises(TypeError, match=r"block_nodes\(\): nodes takes"):
        c.block_nodes(bad)


def test_views_mappings_and_refs_are_all_components() -> None:
    """A view, a {componentType, _id} mapping and a ComponentRef make the same command."""
    mission = builtin_mission()
    view = MissionView(mission).forces[0]
    as_view = c.block_nodes(view)
    as_map = c.block_nodes({"componentType": "force", "_id": view.id})
    as_ref = c.block_nodes(ComponentRef("force", view.id))
    assert as_view == as_map == as_ref
    assert c.block_nodes([view, view]).nodes == (as_ref.nodes[0],) * 2


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: c.modify_success_chance([], math.nan), ValueError, "must be finite"),
        (lambda: c.modify_process_time([], math.inf), ValueError, "must be finite"),
        (lambda: c.modify_resource_pool([], "10"), TypeError, "must be a number"),
        (lambda: c.modify_resource_cost([], [], True), TypeError, "must be a number"),
        (lambda: c.update_node_block_status([], "yes"), TypeError, "True or False"),
        (lambda: c.update_node_open_state([], 1), TypeError, "True or False"),
        (lambda: c.update_file_access([], [], None), TypeError, "True or False"),
        (lambda: c.add_node_alert([], 42), TypeError, "message must be a string"),
        (lambda: c.add_node_alert([], "m", "critical"), ValueError, "info, suspicious"),
        (lambda: c.grant_file_access([], [None]), TypeError, "components with an _id"),
    ],
)
def test_bad_operands_and_flags_are_refused(make: Any, error: type, words: str) -> None:
    """Operands must be finite numbers, flags booleans, levels one of the four."""
    with pytest.raises(error, match=words):
        make()


def test_commands_are_frozen_and_say_which_call_made_them() -> None:
    """block/unblock are updateNodeBlockStatus with the flag fixed, named after the call."""
    ref = ComponentRef("node", "n")
    block = c.block_nodes(ref)
    assert (type(block), block.blocked, block.method) == (
        c.UpdateNodeBlockStatus,
        True,
        "blockNodes",
    )
    assert c.unblock_nodes(ref).method == "unblockNodes" and not c.unblock_nodes(ref).blocked
    assert c.open_node(ref).method == "openNode" and c.close_node(ref).opened is False
    assert c.grant_file_access(ComponentRef("force", "f"), []).method == "grantFileAccess"
    with pytest.raises(dataclasses.FrozenInstanceError):
        block.blocked = False  # type: ignore[misc]


def test_to_json_is_the_call_in_metis_spelling() -> None:
    """What a host forwards to METIS: method name and camelCase arguments."""
    command = c.modify_resource_cost(
        ComponentRef("node", "n1"), [ComponentRef("resource", "r1")], -3
    )
    assert command.to_json() == {
        "method": "modifyResourceCost",
        "applyTo": [{"componentType": "node", "_id": "n1"}],
        "resources": [{"componentType": "resource", "_id": "r1"}],
        "operand": -3,
    }
    bare = c.modify_resource_cost([], {"_id": "r2"}, 1).to_json()["resources"]
    assert bare == [{"componentType": "resource", "_id": "r2"}]
    files = c.grant_file_access([], [{"_id": "f1"}]).to_json()["files"]
    assert files == [{"componentType": "missionFile", "_id": "f1"}]
    alert = c.add_node_alert(ComponentRef("mission", "m"), "hi", "danger").to_json()
    assert alert == {
        "method": "addNodeAlert",
        "applyTo": [{"componentType": "mission", "_id": "m"}],
        "message": "hi",
        "severityLevel": "danger",
    }


def test_python_name_is_the_snake_case_of_metis_names() -> None:
    """blockNodes → block_nodes, for every method."""
    assert [
        c.python_name(f(ComponentRef("mission", "m"), *ACCEPTS[n][1]).method)
        for n, f in CONTEXT_METHODS.items()
    ] == list(CONTEXT_METHODS)
