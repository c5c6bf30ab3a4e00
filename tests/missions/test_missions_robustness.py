"""Loader robustness: whatever the input, a Mission or a MissionFormatError, nothing else."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mission_ids import example_doc

from metis_env.missions import Mission, MissionFormatError, load_mission

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
EXAMPLE = example_doc()


def _load(source: Any) -> None:
    try:
        assert isinstance(load_mission(source), Mission)
    except MissionFormatError as error:
        assert str(error)  # a message that names something


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_value_loads_or_is_a_format_error(value: Any) -> None:
    """Random JSON as a mapping or as file bytes: only MissionFormatError escapes."""
    if isinstance(value, dict):
        _load(value)
        _load(value | {"schemaBuildNumber": 37})
        _load(value | {"schemaBuildNumber": 58})
    _load(json.dumps(value).encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_load_or_are_a_format_error(data: bytes) -> None:
    """Random bytes (with or without the zip magic)."""
    _load(data)
    _load(b"PK" + data)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, (*prefix, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out += _paths(sub, (*prefix, index))
    return out


PATHS = [p for p in _paths(EXAMPLE) if p]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON, st.sampled_from([37, 45, 58]))
def test_any_field_of_the_example_replaced_loads_or_is_a_format_error(
    path: tuple[Any, ...], value: Any, build: int
) -> None:
    """One field of a real mission swapped for random JSON, run through any import chain."""
    doc = copy.deepcopy(EXAMPLE)
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    doc["schemaBuildNumber"] = build if path != ("schemaBuildNumber",) else value
    _load(doc)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PATHS))
def test_any_field_of_the_example_deleted_loads_or_is_a_format_error(path: tuple[Any, ...]) -> None:
    """Missing fields: defaults or a 'is required' error."""
    doc = copy.deepcopy(EXAMPLE)
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    _load(doc)
