"""Targets that change the mission: one per family of METIS's mission-changing methods.

They need no external system: run them on the built-in mission (``metis-env run`` with no
``--mission``) or on your own ``.metis`` file, and watch the ``mission:`` lines.
"""

from __future__ import annotations

from metis_env.schema import TargetEnvSchema

environment = TargetEnvSchema(
    name="Mission Example",
    description="One target per family of METIS's mission-changing methods.",
    version="1.0.0",
)
