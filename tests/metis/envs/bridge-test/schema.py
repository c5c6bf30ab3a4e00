"""An environment for the bridge tests: hooks that record what ran, targets for each path."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetEnvSchema

environment = TargetEnvSchema(
    name="Bridge Test",
    description="Targets the bridge tests run from Node.",
    version="2.1.0",
)

#: What the hooks saw, in order (the tests read it).
EVENTS: list[str] = []


@environment.on("environment-setup")
async def remember_setup(context: Any) -> None:
    EVENTS.append(f"setup {context.session.id}")
    if context.config.target_env_config is None:
        raise RuntimeError("No configuration selected.")
    context.local_store.use("runs", 0)
    context.log(f"set up {context.session.id}")


@environment.on("environment-teardown")
async def remember_teardown(context: Any) -> None:
    runs = context.local_store.use("runs", 0).value
    EVENTS.append(f"teardown {context.session.id} runs={runs}")
