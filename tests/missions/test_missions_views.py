"""The exposed views (metis-missions §2) and the state JSON of --mission-out."""

from __future__ import annotations

import json

from mission_ids import (
    AMBER,
    BALLAST_PUMP,
    BLUE,
    BLUE_CREDITS,
    BLUE_FUEL,
    CRANE_CONTROL,
    CUT_POWER,
    FUEL,
    HARBOR_GATE,
    HARBOR_MAP,
    PUMP_ROOM,
    RADIO_MAST,
    SPOOF,
)

from metis_env.missions import (
    Mission,
    MissionView,
    NodeView,
    apply,
    mission_state_json,
    resolve_selections,
    view_of,
)
from metis_env.missions import commands as c


def test_every_view_has_metis_component_type(mission: Mission) -> None:
    """componentType strings of §2; costs and effects have none."""
    view = MissionView(mission)
    action = view.all_actions[0]
    kinds = {
        view.component_type,
        view.forces[0].component_type,
        view.all_nodes[0].component_type,
        action.component_type,
        view.forces[0].resource_pools[0].component_type,
        view.resources[0].component_type,
        view.files[0].component_type,
    }
    assert kinds == {
        "mission",
        "force",
        "node",
        "action",
        "resourcePool",
        "resource",
        "missionFile",
    }
    assert "componentType" not in action.resource_costs[0].to_json()
    assert "componentType" not in view.effects[0].to_json()


def test_the_mission_lists_span_every_force(mission: Mission) -> None:
    """allNodes (no ROOT), allActions, effects (mission-level) and allEffects."""
    view = MissionView(mission)
    assert len(view.all_nodes) == 8 and len(view.all_actions) == 6
    assert [e.name for e in view.effects] == ["Start announcement"]
    assert len(view.all_effects) == 5
    assert view.mission is view and view.forces[1].mission.id == mission.id


def test_node_fields_and_the_root_parent_quirk(mission: Mission) -> None:
    """A top-level node's parent is the ROOT pseudo-node; its own parent is None."""
    nodes = {n.id: n for n in MissionView(mission).all_nodes}
    gate, crane = nodes[HARBOR_GATE], nodes[CRANE_CONTROL]
    root = gate.parent
    assert isinstance(root, NodeView) and (root.id, root.name, root.opened) == (
        "ROOT",
        "ROOT",
        True,
    )
    assert root.parent is None and [n.id for n in root.children] == [HARBOR_GATE, RADIO_MAST]
    assert crane.parent is not None and crane.parent.id == HARBOR_GATE
    assert [n.id for n in crane.children] == [BALLAST_PUMP]
    assert (gate.has_children, gate.has_siblings, crane.has_siblings) == (True, True, False)
    assert [n.id for n in gate.siblings] == [RADIO_MAST]
    assert (crane.device, crane.color, crane.force.id) == (True, "#7ed321", BLUE)
    assert (gate.revealed, crane.revealed, gate.openable, gate.closable) == (
        True,
        False,
        True,
        False,
    )
    assert nodes[PUMP_ROOM].blocked and nodes[PUMP_ROOM].initially_blocked
    assert gate.execution_state == {"status": "unexecuted"} and gate.position == {"x": 0, "y": 0}


def test_action_and_cost_views_show_effective_values(mission: Mission) -> None:
    """successChance/processTime/amount are effective; baseAmount stays the base."""
    apply(mission, c.modify_success_chance(c.ComponentRef("action", SPOOF), 0.25))
    apply(mission, c.modify_resource_cost(c.ComponentRef("action", SPOOF), {"_id": FUEL}, 3))
    (spoof,) = [a for a in MissionView(mission).all_actions if a.id == SPOOF]
    assert (spoof.success_chance, spoof.process_time) == (0.85, 8000)
    assert spoof.failure_chance == 1 - 0.85
    fuel = spoof.resource_costs[0]
    assert (fuel.name, fuel.base_amount, fuel.amount, fuel.hidden) == ("Fuel", 5, 8, False)
    assert fuel.action.id == SPOOF and fuel.resource is not None and fuel.resource.icon
    assert (spoof.node.id, spoof.force.id, spoof.type) == (CRANE_CONTROL, BLUE, "repeatable")
    (cut,) = [a for a in MissionView(mission).all_actions if a.id == CUT_POWER]
    assert cut.success_chance == 0.35  # hidden in members' views, real for scripts
    assert cut.resource_costs[1].hidden is True


def test_a_pool_view_keeps_its_balance_while_collections_are_live(mission: Mission) -> None:
    """Snapshot vs live: an old pool view keeps the balance it was built with."""
    force = MissionView(mission).forces[0]
    held = force.resource_pools[0]
    apply(mission, c.modify_resource_pool(c.ComponentRef("resourcePool", BLUE_FUEL), -20))
    assert held.balance == 50
    assert force.resource_pools[0].balance == 30
    assert held.resource is not None and held.resource.name == "Fuel" == held.name
    credits = force.resource_pools[1]
    assert (credits.id, credits.allow_negative, credits.initial_balance) == (
        BLUE_CREDITS,
        True,
        100,
    )


def test_file_views_expose_initial_access_only(mission: Mission) -> None:
    """Display name is alias + extension; current access is not on the view."""
    harbor, tide = MissionView(mission).files
    assert (tide.name, tide.original_name, tide.alias, tide.extension) == (
        "Tide Table.csv",
        "tide-table.csv",
        "Tide Table",
        ".csv",
    )
    assert (harbor.mimetype, harbor.size) == ("application/pdf", 48213)
    apply(mission, c.grant_file_access(c.ComponentRef("force", AMBER), {"_id": HARBOR_MAP}))
    assert MissionView(mission).files[0].initial_access == [BLUE]


def test_effect_views_resolve_their_component_arguments(mission: Mission) -> None:
    """Arguments come with mission-component values as views; source_* for action hosts."""
    view = MissionView(mission)
    start = view.effects[0]
    assert (start.type, start.source_force, start.host.component_type) == (
        "sessionTriggeredEffect",
        None,
        "mission",
    )
    ease = view.all_actions[0].effects[0]
    assert ease.type == "executionTriggeredEffect"
    assert ease.source_node is not None and ease.source_node.id == CRANE_CONTROL
    apply_to, amount = ease.arguments
    assert [v.id for v in apply_to["value"]] == [BALLAST_PUMP]
    assert (amount["parameterId"], amount["value"]) == ("amount", 15)


def test_selections_that_no_longer_resolve_are_dropped(mission: Mission) -> None:
    """Wrong force id, unknown type, deleted component: silently left out (§3)."""
    value = [
        {"componentType": "node", "lastKnownName": "x", "ids": [BLUE, CRANE_CONTROL]},
        {"componentType": "node", "lastKnownName": "x", "ids": [AMBER, CRANE_CONTROL]},
        {"componentType": "action", "lastKnownName": "x", "ids": [BLUE, CRANE_CONTROL, "gone"]},
        {"componentType": "widget", "lastKnownName": "x", "ids": []},
        {"componentType": "resourcePool", "lastKnownName": "x", "ids": [AMBER, BLUE_FUEL]},
        {"componentType": "mission", "lastKnownName": "x", "ids": []},
        "junk",
    ]
    resolved = resolve_selections(mission, value)
    assert [(v.component_type, v.id) for v in resolved] == [
        ("node", CRANE_CONTROL),
        ("mission", mission.id),
    ]
    assert resolve_selections(mission, None) == []
    assert view_of(mission, "action", [BLUE, CRANE_CONTROL, SPOOF]) is not None


def test_state_json_is_shaped_as_context_mission(mission: Mission) -> None:
    """--mission-out: pools' balance, nodes' blocked/opened/alerts, actions' effective values,
    files' access, all in METIS's spelling."""
    apply(mission, c.block_nodes(c.ComponentRef("node", CRANE_CONTROL)))
    apply(mission, c.open_node(c.ComponentRef("node", HARBOR_GATE)))
    apply(mission, c.add_node_alert(c.ComponentRef("node", HARBOR_GATE), "Gate open", "info"))
    apply(mission, c.modify_process_time(c.ComponentRef("action", SPOOF), 2000))
    apply(mission, c.modify_resource_pool(c.ComponentRef("force", BLUE), -5))
    apply(mission, c.grant_file_access(c.ComponentRef("force", AMBER), {"_id": HARBOR_MAP}))
    state = json.loads(json.dumps(mission_state_json(mission)))  # plain JSON all the way
    assert (state["componentType"], state["_id"], state["name"]) == (
        "mission",
        mission.id,
        "Harbor Lights Exercise",
    )
    blue = state["forces"][0]
    assert [p["balance"] for p in blue["resourcePools"]] == [45, 95]
    gate, crane = blue["nodes"][0], blue["nodes"][1]
    assert (gate["opened"], gate["blocked"], crane["blocked"], crane["revealed"]) == (
        True,
        False,
        True,
        True,
    )
    assert [a["message"] for a in gate["alerts"]] == ["Gate open"]
    spoof = crane["actions"][0]
    assert (spoof["successChance"], spoof["processTime"]) == (0.6, 10000)
    assert [c["amount"] for c in spoof["resourceCosts"]] == [5, 20]
    assert state["files"][0]["access"] == [BLUE, AMBER]
    assert state["files"][0]["initialAccess"] == [BLUE]
    assert [r["name"] for r in state["resources"]] == ["Fuel", "Credits"]


def test_copies_and_resets_keep_ids_and_drop_changes(mission: Mission) -> None:
    """A realm's copy has its own state; reset() returns to the session's start (§6.1)."""
    twin = mission.copy()
    apply(twin, c.block_nodes(c.ComponentRef("mission", twin.id)))
    assert not mission.state.blocked[HARBOR_GATE] and twin.state.blocked[HARBOR_GATE]
    twin.reset()
    assert twin.state == mission.state and twin.id == mission.id
    assert "Harbor Lights Exercise" in repr(mission)


def test_change_records_read_as_one_line_and_omit_absent_ids(mission: Mission) -> None:
    """describe() for the text output; to_json() leaves out ids that do not apply."""
    (block,) = apply(mission, c.block_nodes(c.ComponentRef("node", CRANE_CONTROL)))
    assert block.describe() == 'blockNodes: node "Crane Control" blocked False -> True'
    assert set(block.to_json()) == {
        "method",
        "componentType",
        "_id",
        "name",
        "field",
        "old",
        "new",
        "forceId",
    }
    (alert,) = apply(mission, c.add_node_alert(c.ComponentRef("node", HARBOR_GATE), "Hi", "info"))
    assert alert.describe() == 'addNodeAlert: node "Harbor Gate" alerts None -> [info] Hi'
    (pool,) = apply(mission, c.modify_resource_pool(c.ComponentRef("resourcePool", BLUE_FUEL), 0.5))
    assert pool.describe() == 'modifyResourcePool: resourcePool "Fuel" balance 50 -> 50.5'
