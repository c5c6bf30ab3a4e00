"""Targets that change the mission: the context's methods, mission-component arguments,
triggers, resets and the CLI, on the built-in mission and the reference example."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from runtime_inmemory import environment
from typer.testing import CliRunner

from metis_env.cli import app
from metis_env.missions import builtin_mission, load_mission, mission_state_json
from metis_env.runtime import (
    EffectRequest,
    OutdatedContextError,
    Session,
    SessionState,
)
from metis_env.schema import ArgumentError, MissionComponentParameter

EXAMPLE = Path(__file__).resolve().parents[1] / "missions" / "data" / "example-mission.metis"
NODES = {"_id": "nodes", "name": "Nodes", "type": "mission-component"}


def node_named(mission: Any, name: str) -> Any:
    return next(n for f in mission.forces for n in f.nodes if n.name == name)


async def test_a_session_runs_on_the_built_in_mission_by_default(tmp_path: Path) -> None:
    """context.mission is a live view of the built-in mission; outputs reach its forces."""
    seen: list[Any] = []

    async def script(context: Any) -> None:
        mission = context.mission
        seen.append((mission.component_type, [f.name for f in mission.forces]))
        context.send_output("to the cell", to=mission.forces[0])
        context.send_output("to everyone", to=mission)

    env = environment("env-a", tmp_path, scripts={"t": script})
    result = await Session([env]).run([EffectRequest("env-a", "t")])
    assert result.ok, result.error
    assert seen == [("mission", ["Cyber Cell", "Grid Operators"])]
    assert [(o.prefix, o.message) for o in result.outputs] == [
        ("Cyber-Cell:", "to the cell"),
        ("Global:", "to everyone"),
    ]
    assert result.mission is not None and result.mission["name"] == "Feeder Seven Drill"


async def test_every_method_family_changes_the_mission_and_is_recorded(tmp_path: Path) -> None:
    """Nodes, alerts, actions, costs, pools and files: one call each, each change recorded."""

    async def script(context: Any) -> None:
        mission = context.mission
        cell = mission.forces[0]
        node = next(n for n in cell.nodes if n.actions)
        action = node.actions[0]
        context.block_nodes(node)
        context.add_node_alert(node, "Intrusion detected", "danger")
        context.modify_success_chance(action, 0.25)
        context.modify_process_time(action, 60_000)
        context.modify_resource_cost(action, mission.resources, 5)
        context.modify_resource_pool(cell, -10)
        context.revoke_file_access(cell, mission.files)

    env = environment("env-a", tmp_path, scripts={"t": script})
    mission = builtin_mission()
    result = await Session([env], mission=mission).run([EffectRequest("env-a", "t")])
    assert result.ok, result.error
    methods = [c["method"] for c in result.mission_changes]
    for method in (
        "blockNodes",
        "addNodeAlert",
        "modifySuccessChance",
        "modifyProcessTime",
        "modifyResourceCost",
        "modifyResourcePool",
        "revokeFileAccess",
    ):
        assert method in methods, method
    assert result.mission == mission_state_json(mission)
    alerted = [n for f in result.mission["forces"] for n in f["nodes"] if n["alerts"]]
    assert len(alerted) == 1 and alerted[0]["blocked"]


async def test_a_wrong_component_type_is_a_type_error_and_an_unknown_id_metis_text(
    tmp_path: Path,
) -> None:
    """The reference's errors reach the script: TypeError, and the not-found text."""
    caught: list[str] = []

    async def script(context: Any) -> None:
        try:
            context.block_nodes(context.mission.resources[0])
        except TypeError:
            caught.append("TypeError")
        other = load_mission(EXAMPLE)
        try:
            context.block_nodes(other.forces[0].nodes[0] if hasattr(other, "forces") else None)
        except Exception as exc:
            caught.append(str(exc))

    env = environment("env-a", tmp_path, scripts={"t": script})
    result = await Session([env]).run([EffectRequest("env-a", "t")])
    assert caught[0] == "TypeError"
    assert caught[1].startswith("Could not find node with ID") or "component" in caught[1]
    assert result.mission_changes == []


async def test_mission_component_arguments_resolve_to_views(tmp_path: Path) -> None:
    """A spec names a node; the script gets its view; a bad spec fails before any hook."""
    received: list[Any] = []

    async def script(context: Any) -> None:
        received.append(context.get_arguments("nodes"))
        context.block_nodes(context.get_arguments("nodes"))

    params = {"t": [{**NODES, "validComponentTypes": ["node"]}]}
    env = environment("env-a", tmp_path, scripts={"t": script}, parameters=params)
    mission = builtin_mission()
    result = await Session([env], mission=mission).run(
        [EffectRequest("env-a", "t", {"nodes": ("node:North Substation",)})]
    )
    assert result.ok, result.error
    [[view]] = received
    assert (view.component_type, view.name) == ("node", "North Substation")
    assert node_named(mission_state_view(mission), "North Substation").blocked
    with pytest.raises(ArgumentError, match="nodes") as bad:
        await Session([env], mission=builtin_mission()).run(
            [EffectRequest("env-a", "t", {"nodes": ("node:Nowhere",)})]
        )
    assert "Nowhere" in str(bad.value)
    with pytest.raises(ArgumentError, match="force"):  # a force is not a valid type here
        await Session([env]).run([EffectRequest("env-a", "t", {"nodes": ("Cyber Cell",)})])


def mission_state_view(mission: Any) -> Any:
    from metis_env.missions import MissionView

    return MissionView(mission)


def test_mission_component_declarations_are_checked_at_load() -> None:
    """validComponentTypes, required and multiple are checked like every other key."""
    with pytest.raises(Exception, match="validComponentTypes"):
        MissionComponentParameter(id="x", name="X", valid_component_types=["planet"])
    single = MissionComponentParameter(id="x", name="X", multiple=False)
    with pytest.raises(ArgumentError, match="one component"):
        single.validate(["a", "b"])
    assert single.validate("node:A") == ("node:A",)


async def test_hooks_get_no_mission_changing_methods(tmp_path: Path) -> None:
    """As in METIS, a hook context cannot change the mission (it can read it)."""
    seen: list[str] = []

    async def setup(context: Any) -> None:
        seen.append(context.mission.name)
        context.block_nodes(context.mission)

    async def script(context: Any) -> None:
        return None

    env = environment("env-a", tmp_path, setup=[setup], scripts={"t": script})
    result = await Session([env]).run([EffectRequest("env-a", "t")])
    assert seen == ["Feeder Seven Drill"]
    assert not result.ok and "block_nodes" in (result.tasks[0].error or "")


async def test_execution_trigger_sets_type_member_and_host_action(tmp_path: Path) -> None:
    """--trigger/--member/--action as a Python call: context.type, triggered_by, effect."""
    from metis_env.runtime import plan_mission

    seen: list[Any] = []

    async def script(context: Any) -> None:
        effect = context.effect
        seen.append(
            (
                context.type,
                context.triggered_by.username,
                effect.source_action.name,
                effect.source_node.name,
                effect.source_force.name,
            )
        )

    mission, fields = plan_mission(None, "execution-success", "alice", "action:Trip the breaker")
    env = environment("env-a", tmp_path, scripts={"t": script})
    result = await Session([env], mission=mission).run([EffectRequest("env-a", "t", **fields)])
    assert result.ok, result.error
    kind, member, action, node, force = seen[0]
    assert (kind, member, action) == ("executionTriggeredEffect", "alice", "Trip the breaker")
    assert node and force
    with pytest.raises(Exception, match="action"):
        plan_mission(None, "execution-success", None, None)


async def test_reset_releases_sleeps_outdates_contexts_and_restores_the_mission(
    tmp_path: Path,
) -> None:
    """Sleeps end early, an old context's mission call raises METIS's text, state resets."""
    contexts: list[Any] = []
    woke: list[str] = []
    sleeping = asyncio.Event()

    async def script(context: Any) -> None:
        contexts.append(context)
        context.block_nodes(context.mission)
        context.local_store.use("k", 0).value = 1
        sleeping.set()
        try:
            await context.sleep(60_000)
        except asyncio.CancelledError:
            woke.append("released")
            raise

    env = environment("env-a", tmp_path, scripts={"t": script})
    mission = builtin_mission()
    session = Session([env], mission=mission)
    initial = mission_state_json(mission)
    await session.start()
    running = asyncio.get_running_loop().create_task(
        session.run_effect(EffectRequest("env-a", "t"))
    )
    await asyncio.wait_for(sleeping.wait(), 5)
    assert mission_state_json(mission) != initial
    await asyncio.wait_for(session.reset(), 5)
    await asyncio.wait_for(running, 5)
    assert woke == ["released"] and session.state is SessionState.STARTED
    with pytest.raises(OutdatedContextError, match="does not match current session instance"):
        contexts[0].block_nodes(contexts[0].mission)
    assert mission_state_json(mission) == initial
    assert session.stores.local("default", "env-a").use("k", 0).value == 0
    await session.end()


def test_cli_run_prints_mission_changes_and_writes_the_state(tmp_path: Path) -> None:
    """run --json: one mission-change line per change; --mission-out: the state as JSON."""
    root = tmp_path / "envs"
    (root / "mission-env" / "targets" / "lock").mkdir(parents=True)
    (root / "mission-env" / "schema.py").write_text(
        "from metis_env.schema import TargetEnvSchema\n"
        "environment = TargetEnvSchema(name='M', description='d', version='1.0.0')\n"
    )
    (root / "mission-env" / "targets" / "lock" / "schema.py").write_text(
        "from metis_env.schema import TargetSchema, MissionComponentParameter\n"
        "async def script(context):\n"
        "    context.block_nodes(context.get_arguments('nodes'))\n"
        "target = TargetSchema(id='lock', name='Lock', script=script, parameters=[\n"
        "    MissionComponentParameter(id='nodes', name='Nodes', required=True)])\n"
    )
    mission_file = tmp_path / "example.metis"
    shutil.copy(EXAMPLE, mission_file)
    node = load_mission(mission_file)
    first = mission_state_view(node).forces[0].nodes[0].name
    out = tmp_path / "after.json"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "run",
            str(root),
            "mission-env",
            "lock",
            "--json",
            "--mission",
            str(mission_file),
            "--mission-out",
            str(out),
            "--arg",
            f"nodes=node:{first}",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    changes = [line for line in lines if line["type"] == "mission-change"]
    assert [(c["method"], c["field"], c["old"], c["new"]) for c in changes] == [
        ("blockNodes", "blocked", False, True)
    ]
    assert lines[-1]["type"] == "result" and lines[-1]["mission_changes"] == 1
    state = json.loads(out.read_text())
    assert any(n["blocked"] for f in state["forces"] for n in f["nodes"])
    bad = runner.invoke(app, ["run", str(root), "mission-env", "lock", "--arg", "nodes=Nowhere"])
    assert bad.exit_code == 2 and "Nowhere" in bad.output
    broken = tmp_path / "broken.metis"
    broken.write_text("{not json")
    refused = runner.invoke(
        app, ["run", str(root), "mission-env", "lock", "--mission", str(broken)]
    )
    assert refused.exit_code == 2


EXPECTED_METHODS = {
    "block-nodes": {"blockNodes"},
    "raise-alert": {"addNodeAlert"},
    "tune-actions": {"modifySuccessChance", "modifyProcessTime"},
    "adjust-resources": {"modifyResourcePool", "modifyResourceCost"},
    "file-access": {"updateFileAccess"},
}


@pytest.mark.parametrize("target_id", sorted(EXPECTED_METHODS))
async def test_each_bundled_mission_example_changes_the_built_in_mission(target_id: str) -> None:
    """The demo's arguments: each example succeeds and makes its family's changes."""
    from metis_env.cli import find_examples_root
    from metis_env.cli.demo import MISSION_ENV, MISSION_EXAMPLES
    from metis_env.runtime import run_target

    args = dict(MISSION_EXAMPLES)[target_id]
    result = await run_target(find_examples_root(), MISSION_ENV, target_id, args=args)
    assert result.ok, result.error
    assert {c["method"] for c in result.mission_changes} == EXPECTED_METHODS[target_id]
