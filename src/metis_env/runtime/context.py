"""The ``context`` object scripts and hooks receive (metis-behaviour §5).

Both kinds share: ``session`` (id, name, state), ``config`` (``target_env_config``, re-read
on each access), ``mission`` (a minimal mission with its forces), the three stores and
``sleep(ms)``. A `TargetScriptContext` adds ``type``, ``effect`` (with ``args``),
``get_arguments`` and ``send_output``; an `EnvHookContext` adds ``event`` and ``log``.

Guarded members (``sleep``, ``send_output``, ``log``) raise `OutdatedContextError`, with the
original's text, once the session is not running any more (e.g. a listener that fires after
the session ended). Decided deviations: ``send_output(message)`` without ``to`` goes to
everyone (``Global:``); an interrupted ``sleep`` raises ``asyncio.CancelledError`` into the
script instead of freezing it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from metis_env.api.errors import ConfigError, MetisEnvError
from metis_env.runtime.configs import TargetEnvConfig, find_config
from metis_env.runtime.loader import LoadedEnvironment
from metis_env.runtime.records import OutputRecord
from metis_env.runtime.stores import SessionStores, TargetEnvStore
from metis_env.schema import TargetSchema

__all__ = [
    "ContextConfig",
    "ContextHost",
    "EffectInfo",
    "EnvHookContext",
    "EnvironmentInfo",
    "Force",
    "Mission",
    "OutdatedContextError",
    "SessionInfo",
    "TargetInfo",
    "TargetScriptContext",
]

#: States in which guarded members work (the original lets starting/resetting/ending pass).
_LIVE_STATES = ("starting", "started", "ending", "resetting")
REALM = "default"


class OutdatedContextError(MetisEnvError):
    """Raised by a guarded context member when its session is no longer running."""

    @classmethod
    def for_instance(cls, old: str, new: str) -> OutdatedContextError:
        """The original's text for a context from before a reset."""
        return cls(
            "Cannot perform target-environment callback operation. TargetEnvContext instance "
            f'ID "{old}" does not match current session instance ID "{new}".  This is likely '
            "due to delayed asynchronous code execution from the previous session instance."
        )

    @classmethod
    def for_state(cls, session_id: str, state: str) -> OutdatedContextError:
        """The original's text for a session that is not started (note the double space)."""
        return cls(
            "Cannot perform target-environment callback operation. TargetEnvContext session "
            f'"{session_id}" is not in "started" state (current state: "{state}").  This is '
            "likely due to delayed asynchronous code execution from the previous session instance."
        )


@dataclass(frozen=True)
class Force:
    """A force of the mission; outputs sent to it are prefixed ``<name with - for spaces>:``."""

    id: str
    name: str
    color: str = "#52b1ff"
    component_type: str = "force"

    @property
    def _id(self) -> str:
        return self.id

    @property
    def prefix(self) -> str:
        """``Red Team`` → ``Red-Team:``."""
        return self.name.replace(" ", "-") + ":"


@dataclass(frozen=True)
class Mission:
    """The minimal mission the runtime runs in: an id, a name and its forces."""

    id: str
    name: str
    forces: tuple[Force, ...]
    component_type: str = "mission"

    @property
    def _id(self) -> str:
        return self.id


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


@dataclass(frozen=True)
class EffectInfo:
    """The effect being run (``context.effect``); ``args`` are the resolved arguments."""

    id: str
    name: str
    target: TargetInfo
    environment: EnvironmentInfo
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def _id(self) -> str:
        return self.id


class ContextHost(Protocol):
    """What a context needs from its session (implemented by `Session`)."""

    id: str
    name: str
    instance_id: str
    mission: Mission
    stores: SessionStores

    @property
    def state(self) -> str: ...

    def config_id_for(self, env_id: str) -> str | None: ...

    def config_overrides_for(self, env_id: str) -> Mapping[str, Any]: ...

    def emit_output(self, record: OutputRecord) -> None: ...


class ContextConfig:
    """``context.config``: the session's name and the selected ``configs.json`` entry."""

    def __init__(self, host: ContextHost, env: LoadedEnvironment) -> None:
        self._host = host
        self._env = env

    @property
    def name(self) -> str:
        """The session's name."""
        return self._host.name

    @property
    def target_env_config(self) -> TargetEnvConfig | None:
        """The selected config, re-read from disk now; ``None`` when none is selected or found.

        The session's overrides for this environment (``metis-env run --set``) are merged
        over its ``data``.
        """
        config = find_config(self._env.path, self._host.config_id_for(self._env.id), self._env.id)
        overrides = self._host.config_overrides_for(self._env.id)
        if config is None or not overrides:
            return config
        return dataclasses.replace(config, raw_data={**config.raw_data, **overrides})


class _Context:
    """Members shared by script and hook contexts."""

    def __init__(self, host: ContextHost, env: LoadedEnvironment) -> None:
        self._host = host
        self._env = env
        self._instance_id = host.instance_id
        self.config = ContextConfig(host, env)

    @property
    def env_id(self) -> str:
        """The environment this context runs in."""
        return self._env.id

    @property
    def session(self) -> SessionInfo:
        """The session as it is now."""
        return SessionInfo(self._host.id, self._host.name, self._host.state)

    @property
    def mission(self) -> Mission:
        """The session's minimal mission."""
        return self._host.mission

    @property
    def local_store(self) -> TargetEnvStore:
        """Shared by this environment's hooks and targets."""
        return self._host.stores.local(REALM, self._env.id)

    @property
    def realm_store(self) -> TargetEnvStore:
        """Shared by every environment of the realm."""
        return self._host.stores.realm(REALM)

    @property
    def global_store(self) -> TargetEnvStore:
        """Shared by everything in the session."""
        return self._host.stores.global_store

    def _guard(self) -> None:
        if self._host.instance_id != self._instance_id:
            raise OutdatedContextError.for_instance(self._instance_id, self._host.instance_id)
        if self._host.state not in _LIVE_STATES:
            raise OutdatedContextError.for_state(self._host.id, self._host.state)

    async def sleep(self, ms: float) -> None:
        """Wait ``ms`` milliseconds; at session teardown the wait raises ``CancelledError``.

        Raises:
            OutdatedContextError: the session is not running any more.
        """
        self._guard()
        await asyncio.sleep(max(0.0, float(ms)) / 1000)

    def _record(self, target_id: str | None, prefix: str, message: Any, source: Any) -> None:
        now = datetime.now(UTC)
        self._host.emit_output(
            OutputRecord(now, self._env.id, target_id, prefix, str(message), source)
        )


class TargetScriptContext(_Context):
    """The context of a target script (``async def script(context)``)."""

    #: The original's trigger type for an effect run at session start.
    type = "sessionTriggeredEffect"
    #: Who triggered the effect: nobody, for session-triggered effects.
    triggered_by = None

    def __init__(
        self,
        host: ContextHost,
        env: LoadedEnvironment,
        target: TargetSchema,
        args: Mapping[str, Any],
        effect_id: str,
    ) -> None:
        super().__init__(host, env)
        self.target_id = target.id
        schema = env.schema
        self.effect = EffectInfo(
            id=effect_id,
            name=target.name,
            target=TargetInfo(target.id, target.name, target.description),
            environment=EnvironmentInfo(env.id, schema.name, schema.description, schema.version),
            args=dict(args),
        )
        self._args = dict(args)

    def get_arguments(self, ids: str | Sequence[str]) -> Any:
        """One argument's value (``None`` if unknown or its dependencies are unmet), or a
        dict of every requested id → value when given a list. Not guarded."""
        if isinstance(ids, str):
            return self._args.get(ids)
        return {i: self._args.get(i) for i in ids}

    def _forces(self, to: Any) -> list[Force] | None:
        """The forces ``to`` names, or ``None`` for global (``None``, the mission)."""
        items: Iterable[Any] = to if isinstance(to, list | tuple) else [to]
        forces: list[Force] = []
        for item in items:
            if item is None or isinstance(item, Mission):
                return None
            match = next((f for f in self.mission.forces if item in (f, f.id, f.name)), None)
            if match is None:
                known = ", ".join(f.name for f in self.mission.forces)
                raise ConfigError(
                    "to", item, f"must be the mission, a force or a force id/name ({known})"
                )
            forces.append(match)
        return forces

    def send_output(self, message: Any, to: Any = None) -> None:
        """Send ``message`` to ``to``: ``None`` or the mission (``Global:``, the default), a
        `Force`, a force id or name, or a list of them (one output per force; ``[]`` sends nothing).

        Raises:
            OutdatedContextError: the session is not running any more.
            ConfigError: ``to`` names no force of the mission.
        """
        self._guard()
        forces = self._forces(to) if not (isinstance(to, list | tuple) and not to) else []
        if forces is None:
            self._record(self.target_id, "Global:", message, "effect")
            return
        for force in forces:
            self._record(self.target_id, force.prefix, message, "effect")


class EnvHookContext(_Context):
    """The context of an ``environment-setup``/``environment-teardown`` hook.

    Hooks have no ``send_output`` (as in METIS: there is no effect to report on); they write
    to the session log with `log` instead.
    """

    def __init__(self, host: ContextHost, env: LoadedEnvironment, event: str) -> None:
        super().__init__(host, env)
        #: ``environment-setup`` or ``environment-teardown``.
        self.event = event

    def log(self, message: Any) -> None:
        """Write ``message`` to the session output, tagged as this hook's output.

        Raises:
            OutdatedContextError: the session is not running any more.
        """
        self._guard()
        self._record(None, f"{self.event}:", message, "hook")

    def __getattr__(self, name: str) -> Any:
        if name in ("send_output", "sendOutput"):
            raise AttributeError(
                "hook contexts have no send_output (there is no effect to report on, as in "
                "METIS); use context.log(message) to write to the session output"
            )
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
