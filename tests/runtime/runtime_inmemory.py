"""In-memory environments for session tests: hooks and scripts are plain Python functions,
no files, no sockets (unique module name)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from metis_env.api.tracking import register_client
from metis_env.runtime import LoadedEnvironment
from metis_env.schema import TargetEnvSchema, TargetSchema

Fn = Callable[[Any], Awaitable[None]]


def environment(
    env_id: str,
    path: Path,
    *,
    setup: Sequence[Fn] = (),
    teardown: Sequence[Fn] = (),
    scripts: dict[str, Fn] | None = None,
    parameters: dict[str, list[dict[str, Any]]] | None = None,
) -> LoadedEnvironment:
    """A loaded environment made of functions: hooks in order, one target per script."""
    schema = TargetEnvSchema(name=env_id.title())
    schema.assign_id(env_id)
    for hook in setup:
        schema.on("environment-setup", hook)
    for hook in teardown:
        schema.on("environment-teardown", hook)
    env = LoadedEnvironment(id=env_id, path=path, schema=schema, package=f"inmemory_{env_id}")
    for target_id, script in (scripts or {}).items():
        target = TargetSchema(
            id=target_id,
            name=target_id.title(),
            parameters=(parameters or {}).get(target_id, []),
            script=script,
        )
        target.assign_env(env_id)
        env.targets[target_id] = target
    return env


class StandIn:
    """A client as the session sees one: registers itself, disconnect() -> a future.

    ``listeners`` keeps what the session adds with ``add_event_listener``.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed: list[tuple[int, str]] = []
        self.listeners: dict[str, list[Callable[[Any], None]]] = {}
        self.redacted_url = f"ws://127.0.0.1:1/{name}?apiKey=***"
        register_client(self)

    def add_event_listener(self, name: str, listener: Callable[[Any], None]) -> None:
        self.listeners.setdefault(name, []).append(listener)

    def fire(self, name: str, event: Any) -> None:
        for listener in self.listeners.get(name, []):
            listener(event)

    def disconnect(self, code: int = 1000, reason: str = "") -> asyncio.Future[None]:
        self.closed.append((code, reason))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    def stats(self) -> dict[str, Any]:
        return {"messages_in": 0}

    def __repr__(self) -> str:
        return f"StandIn({self.name})"
