"""apply(): every mission-changing method at each fan-out level, each clamp, each error
(metis-missions §4), checked against the example mission's numbers."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from mission_ids import (
    AMBER,
    AMBER_CREDITS,
    AMBER_FUEL,
    BALLAST_PUMP,
    BLUE,
    BLUE_CREDITS,
    BLUE_FUEL,
    CRANE_CAB,
    CRANE_CONTROL,
    CREDITS,
    CUT_POWER,
    FLOOD,
    FUEL,
    GATEHOUSE,
    HARBOR_GATE,
    HARBOR_MAP,
    ISOLATE,
    JAM,
    LOCK_OUT,
    PUMP_ROOM,
    RADIO_MAST,
    SIGNAL_TOWER,
    SPOOF,
    TIDE_TABLE,
)

from metis_env.missions import ComponentNotFoundError, Mission, MissionChange, apply
from metis_env.missions import commands as c
from metis_env.missions.commands import ComponentRef
from metis_env.missions.views import MissionView

BLUE_NODES = [HARBOR_GATE, CRANE_CONTROL, BALLAST_PUMP, RADIO_MAST]
AMBER_NODES = [GATEHOUSE, CRANE_CAB, PUMP_ROOM, SIGNAL_TOWER]
BLUE_ACTIONS = [SPOOF, CUT_POWER, FLOOD, JAM]
AMBER_ACTIONS = [LOCK_OUT, ISOLATE]


def node(i: str) -> ComponentRef:
    return ComponentRef("node", i)


def force(i: str) -> ComponentRef:
    return ComponentRef("force", i)


def action(i: str) -> ComponentRef:
    return ComponentRef("action", i)


def pool(i: str) -> ComponentRef:
    return ComponentRef("resourcePool", i)


def whole(mission: Mission) -> ComponentRef:
    return ComponentRef("mission", mission.id)


def run(mission: Mission, command: c.MissionCommand) -> list[MissionChange]:
    return apply(mission, command, clock=lambda: 1_700_000_000_000, new_id=lambda: "alert-1")


def chance(mission: Mission, action_id: str) -> float:
    found = mission.action(action_id)
    assert found is not None
    return mission.success_chance(found[2])


def ptime(mission: Mission, action_id: str) -> float:
    found = mission.action(action_id)
    assert found is not None
    return mission.process_time(found[2])


def cost(mission: Mission, action_id: str, resource_id: str) -> float | None:
    found = mission.action(action_id)
    assert found is not None
    return mission.cost_amount(found[2], resource_id)


def balance(mission: Mission, pool_id: str) -> float:
    found = mission.pool(pool_id)
    assert found is not None
    return mission.balance(found[1])


# ---- block status (§4.6) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (node(CRANE_CONTROL), [CRANE_CONTROL]),
        (force(AMBER), AMBER_NODES),
        ("mission", BLUE_NODES + AMBER_NODES),
    ],
    ids=["node", "force", "mission"],
)
def test_block_nodes_fans_out_to_nodes_never_descendants(
    mission: Mission, target: Any, expected: list[str]
) -> None:
    """node → itself, force → its nodes, mission → every node; one record per node."""
    target = whole(mission) if target == "mission" else target
    changes = run(mission, c.block_nodes(target))
    assert [ch.id for ch in changes] == expected
    assert {k for k, v in mission.state.blocked.items() if v} == set(expected) | {PUMP_ROOM}
    assert all((ch.method, ch.field, ch.new) == ("blockNodes", "blocked", True) for ch in changes)


def test_blocking_a_node_cuts_off_its_descendants_without_flagging_them(mission: Mission) -> None:
    """Derived status: blocked (own flag), cut-off (an ancestor's), unblocked."""
    run(mission, c.block_nodes(node(HARBOR_GATE)))
    view = {n.id: n for n in MissionView(mission).all_nodes}
    assert (view[HARBOR_GATE].blocked, view[HARBOR_GATE].block_status) == (True, "blocked")
    assert (view[CRANE_CONTROL].blocked, view[CRANE_CONTROL].block_status) == (False, "cut-off")
    assert view[BALLAST_PUMP].block_status == "cut-off"
    assert view[RADIO_MAST].block_status == "unblocked"


def test_reblocking_still_records_and_unblock_clears_initially_blocked(mission: Mission) -> None:
    """No change detection: blocking a blocked node still yields a record (old == new)."""
    (again,) = run(mission, c.block_nodes(node(PUMP_ROOM)))
    assert (again.old, again.new) == (True, True)
    (cleared,) = run(mission, c.unblock_nodes(node(PUMP_ROOM)))
    assert (cleared.method, cleared.old, cleared.new) == ("unblockNodes", True, False)
    records = run(mission, c.update_node_block_status([node(PUMP_ROOM), node(GATEHOUSE)], True))
    assert [(r.method, r.id, r.new) for r in records] == [
        ("updateNodeBlockStatus", PUMP_ROOM, True),
        ("updateNodeBlockStatus", GATEHOUSE, True),
    ]


# ---- open state (§4.6) -------------------------------------------------------------------


def test_open_node_reveals_children_and_skips_opened_nodes(
    mission: Mission, caplog: pytest.LogCaptureFixture
) -> None:
    """Opening reveals the children; opening again is skipped with METIS's warning."""
    views = {n.id: n for n in MissionView(mission).all_nodes}
    assert views[CRANE_CONTROL].revealed is False
    (opened,) = run(mission, c.open_node(node(HARBOR_GATE)))
    assert (opened.method, opened.field, opened.old, opened.new) == (
        "openNode",
        "opened",
        False,
        True,
    )
    assert views[CRANE_CONTROL].revealed is True and views[BALLAST_PUMP].revealed is False
    with caplog.at_level(logging.WARNING, logger="metis_env.missions"):
        assert run(mission, c.open_node(node(HARBOR_GATE))) == []
    assert caplog.messages == [
        f'Skipping open on node "Harbor Gate" ({HARBOR_GATE}): '
        "already opened or revealAllNodes enabled"
    ]


def test_open_a_force_then_close_the_top_closes_the_whole_subtree(mission: Mission) -> None:
    """Close marks the node and every opened descendant closed (records for each)."""
    assert [ch.id for ch in run(mission, c.open_node(force(BLUE)))] == BLUE_NODES
    closed = run(mission, c.close_node(node(HARBOR_GATE)))
    assert [(ch.id, ch.old, ch.new) for ch in closed] == [
        (HARBOR_GATE, True, False),
        (CRANE_CONTROL, True, False),
        (BALLAST_PUMP, True, False),
    ]
    assert mission.state.opened[RADIO_MAST] is True
    reopened = run(mission, c.open_node(node(HARBOR_GATE)))
    assert [ch.id for ch in reopened] == [HARBOR_GATE]
    assert mission.state.opened[CRANE_CONTROL] is False  # only the children show again


def test_close_skips_closed_nodes_and_mission_fan_out(
    mission: Mission, caplog: pytest.LogCaptureFixture
) -> None:
    """Closing a closed node is a logged skip; update_node_open_state(mission) opens all."""
    with caplog.at_level(logging.WARNING, logger="metis_env.missions"):
        assert run(mission, c.close_node(node(GATEHOUSE))) == []
    assert 'Skipping close on node "Gatehouse"' in caplog.text
    assert "already closed or revealAllNodes enabled" in caplog.text
    opened = run(mission, c.update_node_open_state(whole(mission), True))
    assert [ch.id for ch in opened] == BLUE_NODES + AMBER_NODES
    assert {ch.method for ch in opened} == {"updateNodeOpenState"}


def test_reveal_all_nodes_forces_skip_open_and_close(mission: Mission) -> None:
    """A force that reveals all nodes can neither open nor close a node."""
    from dataclasses import replace

    blue = mission.definition.forces[0]
    definition = replace(
        mission.definition, forces=(replace(blue, reveal_all_nodes=True), mission.forces[1])
    )
    revealing = Mission(definition, mission.id)
    assert run(revealing, c.open_node(force(BLUE))) == []
    assert all(n.revealed for n in MissionView(revealing).forces[0].nodes)
    assert [ch.id for ch in run(revealing, c.open_node(whole(revealing)))] == AMBER_NODES


# ---- alerts (§4.7) -----------------------------------------------------------------------


def test_add_node_alert_appends_one_alert_per_resolved_node(mission: Mission) -> None:
    """Each node gets {_id, nodeId, message, severityLevel, acknowledged: false}."""
    changes = run(mission, c.add_node_alert(force(AMBER), "Crane moving", "danger"))
    assert [ch.id for ch in changes] == AMBER_NODES
    assert changes[0].new == {
        "_id": "alert-1",
        "nodeId": GATEHOUSE,
        "message": "Crane moving",
        "severityLevel": "danger",
        "acknowledged": False,
    }
    assert changes[0].old is None and changes[0].field == "alerts"
    assert [a.message for a in mission.state.alerts[CRANE_CAB]] == ["Crane moving"]


def test_a_node_listed_twice_gets_two_alerts(mission: Mission) -> None:
    """Duplicates are not removed (§4.2 rule 5); the default level is warning."""
    run(mission, c.add_node_alert([node(RADIO_MAST), force(BLUE)], "Static"))
    assert [a.severity_level for a in mission.state.alerts[RADIO_MAST]] == ["warning", "warning"]
    assert len(mission.state.alerts[HARBOR_GATE]) == 1


# ---- success chance, process time (§4.4) ----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (action(SPOOF), [SPOOF]),
        (node(CRANE_CONTROL), [SPOOF, CUT_POWER]),
        (force(BLUE), BLUE_ACTIONS),
        ("mission", BLUE_ACTIONS + AMBER_ACTIONS),
    ],
    ids=["action", "node", "force", "mission"],
)
def test_modify_success_chance_fans_out_to_actions(
    mission: Mission, target: Any, expected: list[str]
) -> None:
    """action → itself, node → its actions, force → its actions, mission → every action."""
    target = whole(mission) if target == "mission" else target
    changes = run(mission, c.modify_success_chance(target, -0.1))
    assert [ch.id for ch in changes] == expected
    first = changes[0]
    assert first.to_json()["modifier"] == {
        "type": "success-chance",
        "amount": -0.1,
        "appliedAt": 1_700_000_000_000,
        "resourceId": None,
    }
    assert first.new == pytest.approx(first.old - 0.1)
    assert all(len(mission.state.modifiers[a]) == 1 for a in expected)


def test_success_chance_is_a_fraction_clamped_on_the_total(mission: Mission) -> None:
    """Base 0.9 (Lock out crane), +0.5 then -0.5: reads 0.9, not 0.5 (clamp on read)."""
    (up,) = run(mission, c.modify_success_chance(action(LOCK_OUT), 0.5))
    assert (up.old, up.new) == (0.9, 1.0)
    (down,) = run(mission, c.modify_success_chance(action(LOCK_OUT), -0.5))
    assert down.new == pytest.approx(0.9)
    run(mission, c.modify_success_chance(action(LOCK_OUT), -5))
    assert chance(mission, LOCK_OUT) == 0.0
    (view,) = [a for a in MissionView(mission).all_actions if a.id == LOCK_OUT]
    assert (view.success_chance, view.failure_chance) == (0.0, 1.0)
    found = mission.action(LOCK_OUT)
    assert found is not None and found[2].base_success_chance == 0.9  # base never changes


def test_process_time_is_clamped_to_0_and_7199000_ms(mission: Mission) -> None:
    """clamp(base + Σ, 0, 7,199,000): the code's bound, not the docs' one hour."""
    (up,) = run(mission, c.modify_process_time(action(JAM), 10_000_000))
    assert (up.field, up.old, up.new) == ("processTime", 5000, 7_199_000)
    run(mission, c.modify_process_time(action(JAM), -20_000_000))
    assert ptime(mission, JAM) == 0
    run(mission, c.modify_process_time(action(JAM), 10_000_000))  # Σ = 0: back to base
    assert ptime(mission, JAM) == 5000
    assert ptime(mission, FLOOD) == 20000


def test_a_force_and_its_action_modify_that_action_twice(mission: Mission) -> None:
    """Passing a force and one of its actions applies the modifier to that action twice."""
    changes = run(mission, c.modify_process_time([force(BLUE), action(SPOOF)], 1000))
    assert [ch.id for ch in changes] == [*BLUE_ACTIONS, SPOOF]
    assert ptime(mission, SPOOF) == 10000
    assert (changes[-1].old, changes[-1].new) == (9000, 10000)


# ---- resource costs (§4.4) -----------------------------------------------------------------


def test_modify_resource_cost_one_modifier_per_resource_min_zero(mission: Mission) -> None:
    """One modifier per resource, applied to every action; amounts never go below 0."""
    changes = run(
        mission,
        c.modify_resource_cost(
            node(CRANE_CONTROL), [ComponentRef("resource", FUEL), {"_id": CREDITS}], -10
        ),
    )
    assert [(ch.id, ch.resource_id, ch.old, ch.new) for ch in changes] == [
        (SPOOF, FUEL, 5, 0),
        (CUT_POWER, FUEL, 0, 0),
        (SPOOF, CREDITS, 20, 10),
        (CUT_POWER, CREDITS, 40, 30),
    ]
    assert changes[0].field == "resourceCosts"
    run(mission, c.modify_resource_cost(action(SPOOF), ComponentRef("resource", FUEL), 7))
    assert cost(mission, SPOOF, FUEL) == 2  # clamped on the total: max(5 - 10 + 7, 0)
    assert cost(mission, SPOOF, CREDITS) == 10


def test_an_unknown_resource_is_accepted_and_changes_no_amount(mission: Mission) -> None:
    """Resources are not looked up (§4.2 rule 7): nothing fails, no amount moves."""
    (change,) = run(mission, c.modify_resource_cost(action(JAM), ComponentRef("resource", "x"), 9))
    assert (change.old, change.new, change.resource_id) == (None, None, "x")
    assert (cost(mission, JAM, FUEL), cost(mission, JAM, CREDITS)) == (10, 0)


# ---- pools (§4.5) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (pool(BLUE_FUEL), [BLUE_FUEL]),
        (force(AMBER), [AMBER_FUEL, AMBER_CREDITS]),
        ("mission", [BLUE_FUEL, BLUE_CREDITS, AMBER_FUEL, AMBER_CREDITS]),
    ],
    ids=["pool", "force", "mission"],
)
def test_modify_resource_pool_fans_out_to_pools(
    mission: Mission, target: Any, expected: list[str]
) -> None:
    """resourcePool → itself, force → its pools, mission → every pool."""
    target = whole(mission) if target == "mission" else target
    changes = run(mission, c.modify_resource_pool(target, 25))
    assert [ch.id for ch in changes] == expected
    assert all(ch.new == ch.old + 25 and ch.field == "balance" for ch in changes)


def test_pools_are_never_clamped_even_without_allow_negative(mission: Mission) -> None:
    """Blue Fuel (50, allowNegative false) - 80 = -30; the docs' 'stops at zero' is wrong."""
    (change,) = run(mission, c.modify_resource_pool(pool(BLUE_FUEL), -80))
    assert (change.old, change.new, change.resource_id, change.name) == (50, -30, FUEL, "Fuel")
    assert balance(mission, BLUE_FUEL) == -30
    run(mission, c.modify_resource_pool([pool(AMBER_FUEL), pool(AMBER_FUEL)], 5))
    assert balance(mission, AMBER_FUEL) == 50  # listed twice, credited twice


def test_enough_resources_follows_allow_negative_and_excluded(mission: Mission) -> None:
    """areEnoughResources: cost ≤ max(balance, 0) unless the pool allows negatives."""
    actions = {a.id: a for a in MissionView(mission).all_actions}
    assert actions[SPOOF].are_enough_resources
    run(mission, c.modify_resource_pool(pool(BLUE_FUEL), -48))  # 2 left, Spoof costs 5
    assert not actions[SPOOF].are_enough_resources
    run(mission, c.modify_resource_pool(pool(BLUE_CREDITS), -500))  # allowNegative: fine
    assert actions[JAM].are_enough_resources is False  # Jam costs 10 Fuel
    run(mission, c.modify_resource_pool(pool(BLUE_FUEL), 8))
    assert actions[JAM].are_enough_resources


# ---- file access (§4.8) --------------------------------------------------------------------


def test_grant_and_revoke_are_idempotent_per_force_and_file(mission: Mission) -> None:
    """Grant adds the force if absent, revoke removes it; a record per (force, file)."""
    harbor_map = ComponentRef("missionFile", HARBOR_MAP)
    (grant,) = run(mission, c.grant_file_access(force(AMBER), harbor_map))
    assert (grant.field, grant.old, grant.new, grant.force_id) == (
        "access",
        [BLUE],
        [BLUE, AMBER],
        AMBER,
    )
    (again,) = run(mission, c.grant_file_access(force(AMBER), harbor_map))
    assert again.old == again.new == [BLUE, AMBER]
    revoked = run(mission, c.revoke_file_access(whole(mission), [harbor_map, {"_id": TIDE_TABLE}]))
    assert [(ch.force_id, ch.id) for ch in revoked] == [
        (BLUE, HARBOR_MAP),
        (BLUE, TIDE_TABLE),
        (AMBER, HARBOR_MAP),
        (AMBER, TIDE_TABLE),
    ]
    assert mission.state.access == {HARBOR_MAP: [], TIDE_TABLE: []}
    run(mission, c.update_file_access(force(BLUE), harbor_map, True))
    assert mission.state.access[HARBOR_MAP] == [BLUE]
    assert mission.files[0].initial_access == (BLUE,)  # the definition is untouched


# ---- errors (§4.2) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "kind", "missing"),
    [
        (c.block_nodes(node("nope")), "node", "nope"),
        (c.open_node([node(HARBOR_GATE), node("nope")]), "node", "nope"),
        (c.add_node_alert(force("f?"), "x"), "force", "f?"),
        (c.modify_success_chance(action("a?"), 0.1), "action", "a?"),
        (c.modify_process_time(node("n?"), 5), "node", "n?"),
        (c.modify_resource_cost(action(ISOLATE), {"_id": FUEL}, 1), None, None),
        (c.modify_resource_pool(pool("p?"), 1), "resource pool", "p?"),
        (c.grant_file_access(force("f?"), {"_id": HARBOR_MAP}), "force", "f?"),
        (c.grant_file_access(force(BLUE), {"_id": "file?"}), "file", "file?"),
        (c.update_node_block_status(node("ROOT"), True), "node", "ROOT"),
    ],
)
def test_an_unknown_id_fails_with_metis_text_and_changes_nothing(
    mission: Mission, command: c.MissionCommand, kind: str | None, missing: str | None
) -> None:
    """`Could not find <kind> with ID "<id>" in the mission with ID "<missionId>".`"""
    if kind is None:  # control: a valid call in the same table passes
        assert run(mission, command)
        return
    before = copy.deepcopy(mission.state)
    with pytest.raises(ComponentNotFoundError) as caught:
        run(mission, command)
    assert str(caught.value) == (
        f'Could not find {kind} with ID "{missing}" in the mission with ID "{mission.id}".'
    )
    assert isinstance(caught.value, LookupError)
    assert mission.state == before  # all lookups finish before anything changes


def test_a_failing_call_after_valid_items_changes_nothing(mission: Mission) -> None:
    """Pools listed before a bad one are not credited (lookups first, §4.2 rule 4)."""
    with pytest.raises(ComponentNotFoundError):
        run(mission, c.modify_resource_pool([pool(BLUE_FUEL), pool("gone")], 10))
    assert balance(mission, BLUE_FUEL) == 50


def test_an_empty_list_is_a_silent_no_op(mission: Mission) -> None:
    """No components: no change, no record, for every method that takes a list."""
    for name, make in c.CONTEXT_METHODS.items():
        args: dict[str, list[Any]] = {
            "modify_resource_cost": [[], [], 1],
            "add_node_alert": [[], "m"],
            "grant_file_access": [[], []],
            "revoke_file_access": [[], []],
            "update_file_access": [[], [], True],
            "update_node_block_status": [[], True],
            "update_node_open_state": [[], True],
        }
        extra = args.get(name, [[], 1] if name.startswith("modify") else [[]])
        assert run(mission, make(*extra)) == [], name
    assert mission.state == type(mission.state).initial(mission.definition)


def test_the_actions_of_an_excluded_node_are_not_in_play(mission: Mission) -> None:
    """An excluded node is a placeholder in play: its actions cannot be found."""
    from dataclasses import replace

    blue = mission.definition.forces[0]
    nodes = tuple(replace(n, exclude=n.id == BALLAST_PUMP) for n in blue.nodes)
    definition = replace(mission.definition, forces=(replace(blue, nodes=nodes), mission.forces[1]))
    excluded = Mission(definition, mission.id)
    with pytest.raises(ComponentNotFoundError, match=f'action with ID "{FLOOD}"'):
        run(excluded, c.modify_success_chance(action(FLOOD), 0.1))
    assert [ch.id for ch in run(excluded, c.modify_process_time(force(BLUE), 1))] == [
        SPOOF,
        CUT_POWER,
        JAM,
    ]
    run(excluded, c.open_node(node(HARBOR_GATE)))
    run(excluded, c.open_node(node(CRANE_CONTROL)))
    views = {n.id: n for n in MissionView(excluded).all_nodes}
    assert views[BALLAST_PUMP].opened and views[BALLAST_PUMP].name == "Unnamed Node"


def test_apply_refuses_what_is_not_a_command(mission: Mission) -> None:
    """apply() takes only the commands of metis_env.missions.commands."""
    with pytest.raises(TypeError, match="not a mission command"):
        apply(mission, object())  # type: ignore[arg-type]


# ---- the whole matrix: every method × every component type it takes ---------------------

FAMILY = {
    "block_nodes": ("nodes", ()),
    "unblock_nodes": ("nodes", ()),
    "update_node_block_status": ("nodes", (True,)),
    "open_node": ("nodes", ()),
    "close_node": ("nodes", ()),
    "update_node_open_state": ("nodes", (True,)),
    "add_node_alert": ("nodes", ("m", "suspicious")),
    "modify_success_chance": ("actions", (0.05,)),
    "modify_process_time": ("actions", (500,)),
    "modify_resource_cost": ("actions", ([ComponentRef("resource", FUEL)], 1)),
    "modify_resource_pool": ("pools", (3,)),
    "grant_file_access": ("forces", ([ComponentRef("missionFile", TIDE_TABLE)],)),
    "revoke_file_access": ("forces", ([ComponentRef("missionFile", TIDE_TABLE)],)),
    "update_file_access": ("forces", ([ComponentRef("missionFile", TIDE_TABLE)], False)),
}
LEVELS: dict[str, dict[str, tuple[Any, list[str]]]] = {
    "nodes": {
        "node": (node(CRANE_CONTROL), [CRANE_CONTROL]),
        "force": (force(AMBER), AMBER_NODES),
        "mission": ("mission", BLUE_NODES + AMBER_NODES),
    },
    "actions": {
        "action": (action(SPOOF), [SPOOF]),
        "node": (node(CRANE_CONTROL), [SPOOF, CUT_POWER]),
        "force": (force(AMBER), AMBER_ACTIONS),
        "mission": ("mission", BLUE_ACTIONS + AMBER_ACTIONS),
    },
    "pools": {
        "resourcePool": (pool(BLUE_FUEL), [BLUE_FUEL]),
        "force": (force(AMBER), [AMBER_FUEL, AMBER_CREDITS]),
        "mission": ("mission", [BLUE_FUEL, BLUE_CREDITS, AMBER_FUEL, AMBER_CREDITS]),
    },
    "forces": {
        "force": (force(AMBER), [AMBER]),
        "mission": ("mission", [BLUE, AMBER]),
    },
}
MATRIX = [(name, level) for name, (family, _) in FAMILY.items() for level in LEVELS[family]]


@pytest.mark.parametrize(("name", "level"), MATRIX, ids=[f"{n}-{lv}" for n, lv in MATRIX])
def test_every_method_at_every_fan_out_level(mission: Mission, name: str, level: str) -> None:
    """Each of the fourteen methods, given each component type it takes, reaches exactly
    the components §4.2 says, in order, with one record each."""
    family, rest = FAMILY[name]
    target, expected = LEVELS[family][level]
    target = whole(mission) if target == "mission" else target
    if name == "close_node":  # closing needs opened nodes; a node closes its subtree too
        run(mission, c.update_node_open_state(whole(mission), True))
        if level == "node":
            expected = [CRANE_CONTROL, BALLAST_PUMP]
    changes = run(mission, c.CONTEXT_METHODS[name](target, *rest))
    reached = [ch.force_id for ch in changes] if family == "forces" else [ch.id for ch in changes]
    assert reached == expected
    assert {ch.method for ch in changes} == {
        "".join(w.title() if i else w for i, w in enumerate(name.split("_")))
    }
