"""`TargetEnvSchema`: what an environment's ``schema.py`` declares, and its lifecycle hooks.

An environment module exposes one instance (see `metis_env.runtime.loader` for how it is
found)::

    environment = TargetEnvSchema(name="WebSocket Environment", version="1.0.0")

    @environment.on("environment-setup")
    async def connect(context): ...

The id is not declared: the loader assigns the environment's folder name (the original takes
the folder of the file that called ``create``, metis-behaviour §4.1).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, overload

from metis_env.schema.errors import SchemaError

__all__ = ["HOOK_EVENTS", "HookEvent", "HookFn", "TargetEnvSchema", "check_async"]

#: The two hook events, in lifecycle order.
HOOK_EVENTS = ("environment-setup", "environment-teardown")
HookEvent = Literal["environment-setup", "environment-teardown"]
#: A hook: ``async def hook(context: EnvHookContext) -> None``.
HookFn = Callable[[Any], Awaitable[None]]


def check_async(key: str, fn: Any, shape: str, *, owner: str | None = None) -> None:
    """Raise `SchemaError` unless ``fn`` is an ``async def`` function (or async callable)."""
    if not callable(fn):
        raise SchemaError(key, fn, f"must be an async function: {shape}", owner=owner)
    call = getattr(fn, "__call__", None)  # noqa: B004 - async callable objects count too
    if not (inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)):
        name = getattr(fn, "__name__", type(fn).__name__)
        raise SchemaError(
            key, rule=f"{name} must be declared with 'async def': {shape}", owner=owner
        )


class TargetEnvSchema:
    """A target environment: name, description, version and its hooks.

    Args:
        name: shown to people.
        description: what the environment connects to.
        version: the environment's version (semver recommended, not checked).
        multi_realm_support: the original's flag; kept and reported, not enforced.
    """

    def __init__(
        self,
        name: str,
        description: str = "",
        version: str = "1.0.0",
        *,
        multi_realm_support: bool = False,
    ) -> None:
        owner = "environment"
        if not isinstance(name, str) or not name:
            raise SchemaError("name", name, "must be a non-empty string", owner=owner)
        if not isinstance(description, str):
            raise SchemaError("description", description, "must be a string", owner=owner)
        if not isinstance(version, str) or not version:
            raise SchemaError("version", version, "must be a non-empty string", owner=owner)
        if not isinstance(multi_realm_support, bool):
            raise SchemaError(
                "multi_realm_support", multi_realm_support, "must be true or false", owner=owner
            )
        self.name = name
        self.description = description
        self.version = version
        self.multi_realm_support = multi_realm_support
        self._id: str | None = None
        self._hooks: dict[str, list[HookFn]] = {event: [] for event in HOOK_EVENTS}

    @property
    def id(self) -> str | None:
        """The folder name, once the loader has assigned it; ``None`` before."""
        return self._id

    def assign_id(self, env_id: str) -> None:
        """Set the id (the loader does this once; a different second id is an error)."""
        if self._id is not None and self._id != env_id:
            raise SchemaError(
                "id", env_id, f"is already assigned ({self._id!r})", owner="environment"
            )
        self._id = env_id

    @overload
    def on(self, event: HookEvent, fn: None = None) -> Callable[[HookFn], HookFn]: ...
    @overload
    def on(self, event: HookEvent, fn: HookFn) -> HookFn: ...

    def on(self, event: HookEvent, fn: HookFn | None = None) -> HookFn | Callable[[HookFn], HookFn]:
        """Register ``fn`` for ``event``; several hooks per event run in registration order.

        Usable as a call (``environment.on("environment-setup", connect)``) or a decorator
        (``@environment.on("environment-setup")``). Returns ``fn``.

        Raises:
            SchemaError: unknown event, or ``fn`` is not an async function.
        """
        if event not in HOOK_EVENTS:
            raise SchemaError(
                "event",
                event,
                f"must be one of {', '.join(HOOK_EVENTS)}",
                owner=f"environment '{self.name}'",
            )

        def register(hook: HookFn) -> HookFn:
            check_async(event, hook, "async def hook(context)", owner=f"environment '{self.name}'")
            self._hooks[event].append(hook)
            return hook

        return register if fn is None else register(fn)

    def hooks(self, event: HookEvent) -> tuple[HookFn, ...]:
        """The hooks registered for ``event``, in registration order."""
        return tuple(self._hooks[event])

    def __repr__(self) -> str:
        return f"TargetEnvSchema(id={self._id!r}, name={self.name!r}, version={self.version!r})"
