"""`ContextHost`: everything a script or hook context does goes through its host.

A context (`metis_env.runtime.context`) holds no state of the session and performs no I/O
itself: it reads configs, stores, the mission, sends outputs, applies mission changes and
sleeps by asking its host, and every guarded member asks the host's guard first. Two hosts
implement this interface: `LocalHost` (`metis_env.runtime.local`), inside a `Session` of
this process, and (a later issue) a bridge whose host is a socket to a real METIS. This
module is the contract between them, in the way ``httpx``'s transport base is: small, and
documented here rather than in each implementation.

The values a host hands out (`SessionInfo`, `EffectInfo` …) are frozen snapshots.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from metis_env.api.errors import MetisEnvError
from metis_env.runtime.configs import TargetEnvConfig
from metis_env.runtime.stores import TargetEnvStore
from metis_env.schema import TargetEnvSchema, TargetSchema

__all__ = [
    "ContextHost",
    "EffectInfo",
    "EnvironmentInfo",
    "OutdatedContextError",
    "SessionInfo",
    "StoreScope",
    "TargetInfo",
    "trigger_type",
]

#: Which store: per environment, per realm, or per session (metis-behaviour §5.1).
StoreScope = Literal["local", "realm", "global"]


class OutdatedContextError(MetisEnvError):
    """Raised by a guarded context member when its session is no longer running."""

    @classmethod
    def for_instance(cls, old: str, new: str) -> OutdatedContextError:
        """METIS's text for a context from before a reset (metis-behaviour §5.5)."""
        return cls(
            "Cannot perform target-environment callback operation. TargetEnvContext instance "
            f'ID "{old}" does not match current session instance ID "{new}".  This is likely '
            "due to delayed asynchronous code execution from the previous session instance."
        )

    @classmethod
    def for_state(cls, session_id: str, state: str) -> OutdatedContextError:
        """METIS's text for a session that is not started (note the double space)."""
        return cls(
            "Cannot perform target-environment callback operation. TargetEnvContext session "
            f'"{session_id}" is not in "started" state (current state: "{state}").  This is '
            "likely due to delayed asynchronous code execution from the previous session instance."
        )


@dataclass(frozen=True)
class SessionInfo:
    """A snapshot of the session (``context.session``): ``id``/``_id``, ``name``, ``state``."""

    id: str
    name: str
    state: str

    @property
    def _id(self) -> str:
        return self.id


@dataclass(frozen=True)
class TargetInfo:
    """The target an effect runs (``context.effect.target``)."""

    id: str
    name: str
    description: str

    @property
    def _id(self) -> str:
        return self.id


@dataclass(frozen=True)
class EnvironmentInfo:
    """The environment of an effect (``context.effect.environment``)."""

    id: str
    name: str
    description: str
    version: str

    @property
    def _id(self) -> str:
        return self.id


def trigger_type(trigger: str) -> str:
    """METIS's ``context.type`` for an effect ``trigger`` (metis-behaviour §5.2)."""
    if trigger.startswith("execution-"):
        return "executionTriggeredEffect"
    return "sessionTriggeredEffect"


@dataclass(frozen=True)
class EffectInfo:
    """The effect being run (``context.effect``), as its host describes it.

    ``trigger`` is METIS's (``session-setup``, ``session-start``, ``session-teardown``,
    ``execution-initiation`` …); ``type`` and ``triggered_by`` follow from the request;
    ``args`` are the arguments bound when the script started.
    """

    id: str
    name: str
    target: TargetInfo
    environment: EnvironmentInfo
    args: dict[str, Any] = field(default_factory=dict)
    trigger: str = "session-start"
    triggered_by: Any = None
    #: The action whose execution triggered it (execution triggers only), else ``None``.
    source_action: Any = None

    @property
    def source_node(self) -> Any:
        """The node of `source_action` (``None`` for session triggers)."""
        return getattr(self.source_action, "node", None)

    @property
    def source_force(self) -> Any:
        """The force of `source_action` (``None`` for session triggers)."""
        return getattr(self.source_action, "force", None)

    @property
    def _id(self) -> str:
        return self.id

    @classmethod
    def of(
        cls,
        environment: TargetEnvSchema,
        target: TargetSchema,
        args: dict[str, Any],
        trigger: str = "session-start",
        triggered_by: Any = None,
        source_action: Any = None,
    ) -> EffectInfo:
        """A new effect (fresh id) running ``target`` of ``environment`` with ``args``."""
        return cls(
            id=uuid.uuid4().hex,
            name=target.name,
            target=TargetInfo(target.id, target.name, target.description),
            environment=EnvironmentInfo(
                environment.id or "", environment.name, environment.description, environment.version
            ),
            args=args,
            trigger=trigger,
            triggered_by=triggered_by,
            source_action=source_action,
        )

    @property
    def type(self) -> str:
        """``sessionTriggeredEffect`` or ``executionTriggeredEffect``."""
        return trigger_type(self.trigger)


class ContextHost(Protocol):
    """What a context asks of its session. Implemented by `LocalHost` (and the bridge).

    ``env_id`` names the environment a context belongs to; ``target_id`` is ``None`` for a
    hook. Members marked *guarded* are only called after `check_live` passed.
    """

    @property
    def session(self) -> SessionInfo:
        """The session as it is now."""
        ...

    @property
    def instance_id(self) -> str:
        """The current instance id; renewed by every reset."""
        ...

    def check_live(self, instance_id: str) -> None:
        """The outdated-context guard: raise `OutdatedContextError` (METIS's text) when
        ``instance_id`` is not current or the session is unstarted/ended."""
        ...

    def target_env_config(self, env_id: str) -> TargetEnvConfig | None:
        """The config selected for ``env_id``, read now; ``None`` when none is selected."""
        ...

    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore:
        """The store of that scope for a context of ``env_id``."""
        ...

    @property
    def mission(self) -> Any:
        """The mission as contexts see it (``context.mission``)."""
        ...

    def apply_mission_change(self, env_id: str, target_id: str | None, command: object) -> Any:
        """Apply a frozen mission command; returns what changed (guarded)."""
        ...

    def send_output(self, env_id: str, target_id: str, message: str, to: Any) -> None:
        """Deliver a script's output to the forces ``to`` names (guarded)."""
        ...

    def log(self, env_id: str, event: str, message: str) -> None:
        """Write a hook's line to the session output (guarded)."""
        ...

    async def sleep(self, ms: float, instance_id: str) -> None:
        """Wait ``ms`` milliseconds, guarded by ``instance_id``; ends early (raising
        ``asyncio.CancelledError``) when the session resets or ends."""
        ...
