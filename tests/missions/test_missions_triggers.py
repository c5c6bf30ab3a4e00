"""Triggers: which effects run, context.type, triggered_by, and ad-hoc effects for the CLI."""

from __future__ import annotations

import pytest
from mission_ids import BALLAST_PUMP, BLUE, CRANE_CONTROL, CUT_POWER, SPOOF

from metis_env.api.errors import ConfigError
from metis_env.missions import (
    TRIGGERS,
    Mission,
    MissionView,
    adhoc_effect,
    context_type,
    effects_for,
    resolve_component,
    selection_of,
    triggered_by,
)


def test_the_six_triggers_and_their_context_type() -> None:
    """session-* → sessionTriggeredEffect, execution-* → executionTriggeredEffect (§5.2)."""
    assert TRIGGERS == (
        "session-setup",
        "session-start",
        "session-teardown",
        "execution-initiation",
        "execution-success",
        "execution-failure",
    )
    assert [context_type(t) for t in TRIGGERS] == ["sessionTriggeredEffect"] * 3 + [
        "executionTriggeredEffect"
    ] * 3
    with pytest.raises(ConfigError, match="trigger: must be one of session-setup"):
        context_type("success")


def test_effects_for_a_trigger_in_metis_order(mission: Mission) -> None:
    """Mission effects by trigger; an action's effects by trigger, sorted by order."""
    assert [e.name for e in effects_for(mission, "session-start")] == ["Start announcement"]
    assert effects_for(mission, "session-teardown") == []
    (cut,) = [a for a in MissionView(mission).all_actions if a.id == CUT_POWER]
    assert [e.name for e in effects_for(mission, "execution-success", cut)] == [
        "Share the harbor map with Amber"
    ]
    assert [e.name for e in effects_for(mission, "execution-failure", cut)] == [
        "Crane cab locks up"
    ]
    with pytest.raises(ConfigError, match="action: is required"):
        effects_for(mission, "execution-success")


def test_triggered_by_is_none_for_session_triggers() -> None:
    """METIS: null for session-triggered effects; a member for execution-triggered ones."""
    assert triggered_by("session-start", "alice") is None
    member = triggered_by("execution-success", "alice")
    assert member is not None
    assert member.to_json() == {
        "_id": member.id,
        "name": "alice",
        "username": "alice",
        "firstName": "",
        "lastName": "",
    }
    assert member == triggered_by("execution-failure", "alice")  # stable id per username
    other = triggered_by("execution-initiation", None)
    assert other is not None and other.username == "metis"


def test_an_adhoc_effect_on_an_action_has_its_host(mission: Mission) -> None:
    """context.effect for a CLI run: host, source force/node/action and resolved arguments."""
    spoof = resolve_component(mission, f"action:{SPOOF}")
    assert spoof.component_type == "action"
    pump = resolve_component(mission, "Ballast Pump")
    effect = adhoc_effect(
        mission,
        target_id="node-alert",
        environment_id="harbor",
        trigger="execution-success",
        action=spoof,  # type: ignore[arg-type]
        arguments={"applyTo": [selection_of(pump)], "message": "hi"},
        argument_types={"applyTo": "mission-component"},
    )
    assert (effect.type, effect.trigger, effect.target_id) == (
        "executionTriggeredEffect",
        "execution-success",
        "node-alert",
    )
    assert effect.host.id == SPOOF
    assert effect.source_node is not None and effect.source_node.id == CRANE_CONTROL
    assert effect.source_force is not None and effect.source_force.id == BLUE
    apply_to, message = effect.arguments
    assert [v.id for v in apply_to["value"]] == [BALLAST_PUMP]
    assert (message["type"], message["value"]) == ("unknown", "hi")


def test_an_adhoc_effect_checks_its_host_against_the_trigger(mission: Mission) -> None:
    """Execution triggers need an action; session triggers refuse one."""
    session = adhoc_effect(mission, target_id="t", environment_id="e")
    assert (session.type, session.host.component_type, session.source_action) == (
        "sessionTriggeredEffect",
        "mission",
        None,
    )
    with pytest.raises(ConfigError, match="action: is required"):
        adhoc_effect(mission, target_id="t", environment_id="e", trigger="execution-failure")
    action = MissionView(mission).all_actions[0]
    with pytest.raises(ConfigError, match="must not be given"):
        adhoc_effect(mission, target_id="t", environment_id="e", action=action)


def test_action_effects_run_by_order_mission_effects_by_position() -> None:
    """§5.1: an action's effects sort by ``order``; mission effects keep array order."""
    from mission_ids import example_doc

    from metis_env.missions import load_mission

    doc = example_doc()
    cut = doc["forces"][0]["nodes"][1]["actions"][1]
    cut["effects"][0]["order"], cut["effects"][1]["order"] = 5, 2
    cut["effects"][1]["trigger"] = "execution-success"
    start = dict(doc["effects"][0], _id="e2", localKey="2", name="Second", order=0)
    start["arguments"] = [dict(a, _id=f"e2-{i}") for i, a in enumerate(start["arguments"])]
    doc["effects"].append(start)
    mission = load_mission(doc)
    (action,) = [a for a in MissionView(mission).all_actions if a.id == CUT_POWER]
    assert [e.order for e in effects_for(mission, "execution-success", action)] == [2, 5]
    assert [e.name for e in effects_for(mission, "session-start")] == [
        "Start announcement",
        "Second",
    ]
