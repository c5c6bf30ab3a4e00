"""Fixtures for the CLI tests: a fixed-width CliRunner and a threaded simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cli_helpers import simulator_in_thread
from typer.testing import CliRunner

from metis_env.simulator import Simulator


@pytest.fixture
def cli() -> CliRunner:
    """A runner at a fixed width, without colours."""
    return CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "METIS_ENV_ROOT": None})


@pytest.fixture(scope="module")
def threaded_simulator() -> Iterator[Simulator]:
    """One simulator per test module, in a thread of its own."""
    with simulator_in_thread() as simulator:
        yield simulator
