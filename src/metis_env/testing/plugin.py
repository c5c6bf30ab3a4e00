"""The pytest plugin (entry point ``pytest11``): fixtures for testing target environments.

Importing this module is cheap: the runtime and the simulator are imported when a fixture
is first used, so the plugin costs nothing to test suites that do not use it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from metis_env.testing.fixtures import RunTarget, ScriptServer, SimulatorHandle

__all__ = ["metis_run", "metis_simulator", "metis_simulator_script"]


@pytest_asyncio.fixture
async def metis_simulator() -> AsyncIterator[SimulatorHandle]:
    """The embedded simulator on a free port of 127.0.0.1, stopped after the test."""
    from metis_env.simulator import Simulator

    async with Simulator() as simulator:
        yield SimulatorHandle(simulator)


@pytest_asyncio.fixture
async def metis_simulator_script() -> AsyncIterator[ScriptServer]:
    """``sim = await metis_simulator_script("sim.py")``: your simulator script, served on a
    free port of 127.0.0.1 until the test ends (then ``check_assertions()`` runs)."""
    server = ScriptServer()
    try:
        yield server
    finally:
        await server.stop_all()


@pytest.fixture
def metis_run() -> RunTarget:
    """``await metis_run(root, env, target, config=…, args={…}, overrides={…})``."""
    return RunTarget()
