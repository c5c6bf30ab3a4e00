"""Component specs for `mission-component` arguments on the CLI, and validComponentTypes."""

from __future__ import annotations

import pytest
from mission_ids import (
    AMBER_CREDITS,
    BLUE,
    BLUE_CREDITS,
    CRANE_CONTROL,
    CUT_POWER,
    FUEL,
    HARBOR_MAP,
    SIGNAL_TOWER,
    TIDE_TABLE,
)

from metis_env.api.errors import ConfigError
from metis_env.missions import (
    ComponentSpecError,
    Mission,
    check_component_type,
    resolve_component,
    resolve_components,
    selection_of,
    validate_component_types,
    view_of,
)


@pytest.mark.parametrize(
    ("spec", "kind", "ident"),
    [
        (CRANE_CONTROL, "node", CRANE_CONTROL),
        ("node:Crane Control", "node", CRANE_CONTROL),
        ("Crane Control", "node", CRANE_CONTROL),
        ("crane control", "node", CRANE_CONTROL),
        ("node:1/2", "node", CRANE_CONTROL),
        ("Blue Cell/Crane Control", "node", CRANE_CONTROL),
        ("Blue Cell/2/Cut crane power", "action", CUT_POWER),
        ("action:1/2/2", "action", CUT_POWER),
        ("pool:1/2", "resourcePool", BLUE_CREDITS),
        ("resourcePool:Amber Cell/Credits", "resourcePool", AMBER_CREDITS),
        ("resource:Fuel", "resource", FUEL),
        ("file:harbor-map.pdf", "missionFile", HARBOR_MAP),
        ("Tide Table.csv", "missionFile", TIDE_TABLE),
        ("force:1", "force", BLUE),
        ("Blue Cell", "force", BLUE),
        ("2/4", "node", SIGNAL_TOWER),
    ],
)
def test_a_spec_names_one_component(mission: Mission, spec: str, kind: str, ident: str) -> None:
    """By _id, by localKey or name path, by name (case-insensitive fallback), with prefixes."""
    view = resolve_component(mission, spec)
    assert (view.component_type, view.id) == (kind, ident)


def test_the_mission_by_prefix_or_name(mission: Mission) -> None:
    """`mission:` alone, or the mission's name, is the mission."""
    assert resolve_component(mission, "mission:").component_type == "mission"
    assert resolve_component(mission, "Harbor Lights Exercise").id == mission.id


def test_several_matches_list_every_candidate(mission: Mission) -> None:
    """`Fuel` is a resource and two pools: the error lists all three and how to choose."""
    with pytest.raises(ComponentSpecError) as caught:
        resolve_component(mission, "Fuel")
    error = caught.value
    assert isinstance(error, ConfigError)
    assert "matches 3 components" in str(error) and "kind prefix" in str(error)
    assert error.candidates == (
        'resourcePool "Fuel" (Blue Cell/Fuel, _id f535c88c-fa2e-481d-93c0-99a53b286314)',
        'resourcePool "Fuel" (Amber Cell/Fuel, _id 57e11a0e-954c-4acc-857e-827699d90a47)',
        f'resource "Fuel" (Fuel, _id {FUEL})',
    )
    with pytest.raises(ComponentSpecError, match="matches 2 components"):
        resolve_component(mission, "1/2")  # Blue's node 2 and Blue's pool 2


def test_nothing_matching_suggests_close_names(mission: Mission) -> None:
    """A typo: no match, and the close names are offered."""
    with pytest.raises(ComponentSpecError) as caught:
        resolve_component(mission, "node:Crane Contrl")
    assert "matches no component" in str(caught.value)
    assert "Crane Control" in caught.value.candidates
    with pytest.raises(ComponentSpecError, match=r"matches no component of the mission$"):
        resolve_component(mission, "zzzzzzzz")


def test_valid_component_types_narrow_the_candidates(mission: Mission) -> None:
    """validComponentTypes: other kinds are not candidates; a lone wrong kind is named."""
    assert resolve_component(mission, "Fuel", ["resource"]).id == FUEL
    with pytest.raises(ComponentSpecError, match="is a node; this parameter takes force"):
        resolve_component(mission, "Crane Control", ["force", "mission"])
    with pytest.raises(ComponentSpecError, match="is a mission"):
        resolve_component(mission, "mission:", ["node"])
    assert [v.id for v in resolve_components(mission, ["force:1", "force:1"], ["any"])] == [
        BLUE,
        BLUE,
    ]


def test_validate_component_types(mission: Mission) -> None:
    """None → ['any']; only the eight names of METIS; at least one."""
    assert validate_component_types() == ("any",)
    assert validate_component_types(["node", "force"]) == ("node", "force")
    for bad in ([], "node", ["nodes"], 3):
        with pytest.raises(ConfigError, match="validComponentTypes"):
            validate_component_types(bad)
    view = resolve_component(mission, "force:2")
    check_component_type(view, ["any"])
    with pytest.raises(ComponentSpecError):
        check_component_type(view, ["node"])


@pytest.mark.parametrize(
    "spec",
    [
        "mission:",
        "force:1",
        "node:1/2",
        "action:1/2/1",
        "pool:2/1",
        "resource:Fuel",
        "Tide Table.csv",
    ],
)
def test_selection_of_is_the_stored_form_that_resolves_back(mission: Mission, spec: str) -> None:
    """selection_of gives METIS's {componentType, lastKnownName, ids}; view_of walks it back."""
    view = resolve_component(mission, spec)
    selection = selection_of(view)
    assert selection["lastKnownName"] == view.name
    again = view_of(mission, selection["componentType"], selection["ids"])
    assert again is not None and (again.component_type, again.id) == (view.component_type, view.id)
