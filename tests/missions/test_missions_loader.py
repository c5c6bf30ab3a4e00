"""load_mission / dump_mission / save_mission: every container, the import builds, the rules."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mission_ids import (
    BLUE,
    BUILD37,
    CRANE_CONTROL,
    EXAMPLE,
    HARBOR_MAP,
    TIDE_TABLE,
    example_doc,
)

from metis_env.api.errors import ConfigError
from metis_env.missions import (
    MissionFormatError,
    builtin_mission,
    dump_mission,
    load_mission,
    save_mission,
)


def zipped(doc: dict[str, Any], files: dict[str, bytes] | None = None) -> bytes:
    """A `.metis.zip` as METIS exports it: data.json plus files/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.json", json.dumps(doc, indent=2))
        for name, data in (files or {}).items():
            archive.writestr(f"files/{name}", data)
    return buffer.getvalue()


# ---- containers ----


def test_the_example_loads_with_its_forces_tree_and_files() -> None:
    """The reference's example: 2 forces, 8 nodes, 6 actions, 2 resources, 2 files."""
    mission = load_mission(EXAMPLE)
    assert mission.name == "Harbor Lights Exercise"
    assert [f.name for f in mission.forces] == ["Blue Cell", "Amber Cell"]
    assert sum(len(f.nodes) for f in mission.forces) == 8
    assert sum(len(n.actions) for f in mission.forces for n in f.nodes) == 6
    assert [r.name for r in mission.resources] == ["Fuel", "Credits"]
    assert [f.name for f in mission.files] == ["harbor-map.pdf", "Tide Table.csv"]
    assert len(mission.definition.effects) == 1


def test_path_bytes_mapping_and_zip_give_the_same_definition(tmp_path: Path) -> None:
    """A path, its bytes, the parsed mapping and a .metis.zip of it are one mission."""
    archive = tmp_path / "Harbor_2026-11-30T00-00-00.metis.zip"
    archive.write_bytes(zipped(example_doc(), {"harbor-map.pdf": b"%PDF-1.4"}))
    loaded = [
        load_mission(EXAMPLE),
        load_mission(str(EXAMPLE)),
        load_mission(EXAMPLE.read_bytes()),
        load_mission(example_doc()),
        load_mission(archive),
    ]
    assert all(m.definition == loaded[0].definition for m in loaded)
    assert loaded[-1].attachments == {"harbor-map.pdf": b"%PDF-1.4"}


def test_a_mapping_is_copied_not_changed() -> None:
    """Loading runs the import builds on a copy: the caller's dict stays as it was."""
    doc = json.loads(BUILD37.read_text())
    before = json.dumps(doc, sort_keys=True)
    load_mission(doc)
    assert json.dumps(doc, sort_keys=True) == before


def test_dump_writes_the_example_back_byte_for_byte() -> None:
    """dump_mission is METIS's export shape: same keys, same order, build last."""
    original = EXAMPLE.read_text(encoding="utf-8")
    dumped = json.dumps(dump_mission(load_mission(EXAMPLE)), indent=2, ensure_ascii=False)
    assert dumped + "\n" == original or dumped == original.rstrip("\n")
    assert list(dump_mission(load_mission(EXAMPLE)))[-1] == "schemaBuildNumber"


def test_dump_never_holds_session_state(mission: Any) -> None:
    """Changes made in a session (here: every node blocked) are not part of the file."""
    from metis_env.missions import apply
    from metis_env.missions.commands import ComponentRef, block_nodes

    before = dump_mission(mission)
    apply(mission, block_nodes(ComponentRef("mission", mission.id)))
    assert dump_mission(mission) == before
    assert "blocked" not in json.dumps(before)


def test_save_mission_writes_json_and_zip_that_load_back(tmp_path: Path) -> None:
    """save_mission: .json/.metis gets the JSON; .metis.zip gets data.json and files/."""
    mission = load_mission(zipped(example_doc(), {"harbor-map.pdf": b"map"}))
    as_json = save_mission(mission, tmp_path / "out.metis")
    as_zip = save_mission(mission, tmp_path / "out.metis.zip")
    assert json.loads(as_json.read_text()) == example_doc()
    with zipfile.ZipFile(as_zip) as archive:
        assert sorted(archive.namelist()) == ["data.json", "files/harbor-map.pdf"]
    again = load_mission(as_zip)
    assert again.definition == mission.definition
    assert again.attachments == {"harbor-map.pdf": b"map"}


def test_the_mission_id_is_the_documents_or_stable() -> None:
    """A stored document's _id is kept; a file without one gets the same id every time."""
    assert load_mission(EXAMPLE).id == load_mission(EXAMPLE).id
    assert len(load_mission(EXAMPLE).id) == 24
    doc = example_doc() | {"_id": "65a0c0ffee0000000000abcd"}
    assert load_mission(doc).id == "65a0c0ffee0000000000abcd"
    assert load_mission(EXAMPLE, mission_id="m-1").id == "m-1"
    assert "_id" not in dump_mission(load_mission(doc))


def test_the_builtin_mission_loads_and_is_fresh_each_time() -> None:
    """The shipped mission: 2 forces, pools, a file, effects; a new copy per call."""
    first, second = builtin_mission(), builtin_mission()
    assert first is not second and first.definition == second.definition
    assert len(first.forces) == 2
    assert all(len(f.resource_pools) == 2 for f in first.forces)
    assert len(first.files) == 1 and first.definition.effects
    assert any(a for f in first.forces for n in f.nodes for a in n.actions)


# ---- build 37 and the import builds ----


def test_a_build_37_file_loads_through_the_import_builds() -> None:
    """Build 37 (the seeding file's shape) gains resources, pools, costs, keys and types."""
    mission = load_mission(BUILD37)
    (resource,) = mission.resources
    assert (resource.name, resource.icon) == ("Tokens", "resources/coins")  # resourceLabel
    (force,) = mission.forces
    assert force.local_key == "1"
    (pool,) = force.resource_pools
    assert (pool.initial_balance, pool.allow_negative, pool.resource_id) == (75, False, resource.id)
    hut, transmitter, _ = force.nodes
    assert [n.local_key for n in force.nodes] == ["1", "2", "3"]
    assert not hut.exclude and not hut.initially_blocked
    pick = hut.actions[0]
    assert (pick.type, pick.base_process_time, pick.base_success_chance) == (
        "repeatable",
        3000,
        0.7,
    )
    assert [(c.base_amount, c.hidden) for c in pick.resource_costs] == [(5, False)]
    assert [(c.base_amount, c.hidden) for c in transmitter.actions[0].resource_costs] == [
        (20, True)
    ]
    assert mission.files == () and mission.definition.effects == ()


def test_build_37_effects_are_migrated_like_metis_does() -> None:
    """open-node → open-state, METIS → metis, args → arguments, legacy keys → selections,
    post-execution texts → output effects, triggers renamed and numbered per trigger."""
    force = load_mission(BUILD37).forces[0]
    opener, text = force.nodes[0].actions[0].effects
    assert (opener.target_id, opener.environment_id) == ("open-state", "metis")
    assert opener.target_environment_version == "0.2.1"
    assert (opener.trigger, opener.order) == ("execution-success", 1)
    node_arg, state_arg = opener.arguments
    assert node_arg.type == "mission-component"
    assert node_arg.value == [
        {
            "componentType": "node",
            "lastKnownName": "Transmitter",
            "ids": [force.id, force.nodes[1].id],
        }
    ]
    assert (state_arg.parameter_id, state_arg.type, state_arg.value) == (
        "openState",
        "unknown",
        True,
    )
    assert (text.target_id, text.target_environment_version, text.trigger) == (
        "output",
        "0.2.0",
        "execution-success",
    )
    assert (text.order, text.local_key) == (2, "2")
    assert [a.parameter_id for a in text.arguments] == ["message", "forceMetadata"]
    assert text.arguments[1].value[0]["ids"] == [force.id]
    (failure,) = force.nodes[1].actions[0].effects  # only the non-empty failure text
    assert failure.trigger == "execution-failure"
    assert failure.arguments[0].value == "<p>Static.</p>"


def test_build_37_loads_the_same_twice() -> None:
    """Ids the import builds create are derived, not random: two loads are equal."""
    assert load_mission(BUILD37).definition == load_mission(BUILD37).definition


def test_a_migrated_file_dumps_as_build_58_and_reloads() -> None:
    """The dump of a build-37 file is a build-58 data.json that loads to the same mission."""
    mission = load_mission(BUILD37)
    dumped = dump_mission(mission)
    assert dumped["schemaBuildNumber"] == 58 and "seed" not in dumped
    assert load_mission(dumped).definition == mission.definition


def test_a_build_above_58_runs_no_import_build() -> None:
    """A file claiming build 99 is not rejected and nothing is migrated."""
    doc = example_doc() | {"schemaBuildNumber": 99}
    assert load_mission(doc).definition == load_mission(EXAMPLE).definition
    legacy = json.loads(BUILD37.read_text()) | {"schemaBuildNumber": 99}
    with pytest.raises(MissionFormatError, match="seed: is not in schema"):
        load_mission(legacy)


def test_only_builds_above_the_files_number_run() -> None:
    """Build 40 empties files: it runs for a build-39 file and not for a build-40 one."""
    assert load_mission(example_doc() | {"schemaBuildNumber": 39}).files == ()
    at_40 = load_mission(example_doc() | {"schemaBuildNumber": 40})
    assert [f.id for f in at_40.files] == [HARBOR_MAP, TIDE_TABLE]
    assert at_40.definition == load_mission(EXAMPLE).definition


# ---- errors ----


def test_a_format_error_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    """MissionFormatError is a ConfigError (a ValueError) and names the file it read."""
    path = tmp_path / "broken.metis"
    path.write_text("{not json")
    with pytest.raises(MissionFormatError) as caught:
        load_mission(path)
    assert isinstance(caught.value, ConfigError) and isinstance(caught.value, ValueError)
    assert str(path) in str(caught.value)
    assert "Error parsing JSON." in str(caught.value)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"PK\x03\x04 not really a zip", "is not a readable zip"),
        (b"\xff\xfe\x00", "Error parsing JSON."),
        (b"[1, 2]", "must be a JSON object"),
        (b"{}", "The schemaBuildNumber field is missing or invalid in the JSON."),
        (b'{"schemaBuildNumber": "58"}', "The schemaBuildNumber field is missing or invalid"),
        (b'{"schemaBuildNumber": 36}', "must be 37 or later"),
        (b"[" * 100_000 + b"]" * 100_000, "Error parsing JSON."),
    ],
)
def test_unreadable_input_is_a_format_error(data: bytes, text: str) -> None:
    """Bad zips, bad encodings, non-objects, missing or old builds: one error type."""
    with pytest.raises(MissionFormatError, match=text.replace(".", r"\.")):
        load_mission(data)


def test_a_zip_without_data_json_is_refused() -> None:
    """A .metis.zip must hold data.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("files/x.txt", "x")
    with pytest.raises(MissionFormatError, match=r"data\.json: is missing from the zip"):
        load_mission(buffer.getvalue())


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    """A path that does not exist: the error says it cannot be read."""
    with pytest.raises(MissionFormatError, match="cannot be read"):
        load_mission(tmp_path / "nope.metis")


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()
N0 = "forces.0.nodes.0"
A0 = "forces.0.nodes.1.actions.0"

RULES = [
    # (change, expected key, expected words in the rule) — one per rule of §1.9
    ("bogus", 1, "bogus", "is not in schema"),
    (f"{N0}.bogus", 1, "forces[0].nodes[0].bogus", "is not in schema"),
    (f"{N0}._id", CRANE_CONTROL, "forces[0].nodes[1]._id", "(also at forces[0].nodes[0]._id)"),
    ("forces.0.color", "#52B1FF", "forces[0].color", "must match"),
    (f"{N0}.color", "blue", "forces[0].nodes[0].color", "must match"),
    ("name", "x" * 176, "name", "at most 175 characters"),
    ("resources.0.name", "x" * 17, "resources[0].name", "at most 16 characters"),
    ("resources.0.icon", "resources/gold", "resources[0].icon", "must be one of"),
    (
        "forces.0.resourcePools.0.resourceId",
        "r",
        "forces[0].resourcePools",
        "one pool per resource",
    ),
    (
        f"{A0}.resourceCosts.1",
        _DELETE,
        f"{A0.replace('.0', '[0]').replace('.1', '[1]')}",
        "one cost",
    ),
    ("forces.0.resourcePools.0.initialBalance", -1, "initialBalance", "at least 0"),
    ("forces.0.resourcePools.0.initialBalance", 1.5, "initialBalance", "must be an integer"),
    (f"{A0}.resourceCosts.0.baseAmount", -5, "baseAmount", "at least 0"),
    ("forces", [], "forces", "at least 1 force"),
    ("forces.1.localKey", "1", "forces[1].localKey", "unique among forces"),
    ("forces.0.nodes.1.localKey", "1", "forces[0].nodes[1].localKey", "unique among the force"),
    (f"{N0}.prototypeId", "nope", "forces[0].nodes[0].prototypeId", "must name a prototype"),
    ("forces.0.nodes.3", _DELETE, "forces[0].nodes", "one node for every prototype"),
    ("prototypes.0.structureKey", "nope", "prototypes[0].structureKey", "key of structure"),
    ("structure", [], "structure", "must be an object"),
    ("forces.0.nodes.2.actions", [], "forces[0].nodes[2].actions", "when executable"),
    (f"{A0}.type", "twice", "type", "must be one of repeatable, single-use"),
    (f"{A0}.baseProcessTime", 7_199_001, "baseProcessTime", "at most 7.199e+06"),
    (f"{A0}.baseProcessTime", -1, "baseProcessTime", "at least 0"),
    (f"{A0}.baseSuccessChance", 60, "baseSuccessChance", "at most 1"),
    (f"{A0}.effects.0.trigger", "session-start", "trigger", "execution-initiation"),
    ("effects.0.trigger", "execution-success", "effects[0].trigger", "session-setup"),
    (f"{A0}.effects.0.arguments.1.value", "15", "value", "finite number or null"),
    (f"{A0}.effects.0.arguments.0.value", "node", "arguments[0].value", "must be a list"),
    ("prototypes.0.depthPadding", -1, "depthPadding", "at least 0"),
    ("files.0.alias", 3, "files[0].alias", "string or null"),
    ("forces.0.revealAllNodes", "no", "revealAllNodes", "true or false"),
]


@pytest.mark.parametrize(("path", "value", "key", "rule"), RULES, ids=[r[0] + r[3] for r in RULES])
def test_each_save_rule_is_enforced_naming_the_field(
    path: str, value: Any, key: str, rule: str
) -> None:
    """§1.9: each broken rule fails the load with the field's path and the rule in words."""
    doc = example_doc()
    _set(path, value)(doc)
    with pytest.raises(MissionFormatError) as caught:
        load_mission(doc)
    assert key in (caught.value.key or ""), str(caught.value)
    assert rule in caught.value.rule, str(caught.value)


def test_structure_deeper_than_64_is_refused() -> None:
    """Depth ≤ 64 (§1.3)."""
    doc = example_doc()
    deep: dict[str, Any] = {}
    level = deep
    for i in range(70):
        level[f"k{i}"] = {}
        level = level[f"k{i}"]
    doc["structure"]["6733f5c3-dd1d-4b2f-9821-03c788eb1300"] = deep
    with pytest.raises(MissionFormatError, match="deeper than 64"):
        load_mission(doc)


def test_missing_optional_fields_take_metis_defaults() -> None:
    """Fields METIS defaults in memory may be absent: absent effects/files are []."""
    doc = example_doc()
    del doc["effects"], doc["files"]
    node = doc["forces"][0]["nodes"][0]
    for key in ("color", "description", "device", "exclude", "initiallyBlocked"):
        del node[key]
    loaded = load_mission(doc)
    first = loaded.forces[0].nodes[0]
    assert (first.color, first.description, first.device, first.exclude) == (
        "#ffffff",
        "",
        False,
        False,
    )
    assert loaded.files == () and loaded.definition.effects == ()
    dumped = dump_mission(loaded)
    assert (dumped["files"], dumped["effects"], dumped["forces"][0]["_id"]) == ([], [], BLUE)
