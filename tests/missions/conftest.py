"""Fixtures for the missions tests: the reference's example mission, fresh per test."""

from __future__ import annotations

import pytest
from mission_ids import EXAMPLE

from metis_env.missions import Mission, load_mission


@pytest.fixture
def mission() -> Mission:
    """The example mission, fresh for each test."""
    return load_mission(EXAMPLE)
