"""Test your own targets with pytest: fixtures for the simulator and for running a target.

Installed with ``pip install metis-env[testing]`` (brings pytest and pytest-asyncio); the
plugin registers itself through the ``pytest11`` entry point, so the fixtures
``metis_simulator``, ``metis_simulator_script`` and ``metis_run`` are available in every
test without an import. See ``docs/testing.md``.
"""

from metis_env.testing.fixtures import RunTarget, ScriptServer, SimulatorHandle

__all__ = ["RunTarget", "ScriptServer", "SimulatorHandle"]
