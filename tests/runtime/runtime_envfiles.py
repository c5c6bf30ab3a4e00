"""Helpers shared by the runtime tests: environment file texts (unique module name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: ``write_env(env_id, {relative path: text})`` → the environment's folder.
WriteEnv = Callable[..., Path]

ENV_SCHEMA = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="My Env", description="d", version="1.0.0")
"""


def target_source(target_id: str, body: str = "pass", params: str = "[]") -> str:
    """The text of a target schema.py whose script runs ``body`` (one line)."""
    return f"""
from metis_env.schema import TargetSchema

async def script(context):
    {body}

target = TargetSchema(
    id={target_id!r}, name={target_id.title()!r}, parameters={params}, script=script
)
"""
