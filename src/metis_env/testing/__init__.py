"""Test your own targets with pytest: fixtures for the simulator and for running a target.

Installed with ``pip install metis-env[testing]`` (brings pytest and pytest-asyncio); the
plugin registers itself through the ``pytest11`` entry point, so the fixtures
``metis_simulator``, ``metis_run`` and ``metis_simulator_script`` are available in every
test without an import. See ``docs/testing.md``.
"""

from metis_env.testing.fixtures import RunTarget, SimulatorHandle

__all__ = ["RunTarget", "SimulatorHandle"]
