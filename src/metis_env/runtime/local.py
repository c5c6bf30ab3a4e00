"""`LocalHost`: the `ContextHost` of a `Session` running in this process.

It owns what contexts share: the selected configs (read from disk on each access, with the
session's overrides merged), the three kinds of store (renewed by `renew` at a reset), the
mission view, where outputs and mission changes go (the session's event sink) and the
sleeps in flight (`release_sleeps` ends them at reset and end). Its state and id are the
session's, read through the callables it is given, so there is one owner of each.

The mission is minimal for now: an id, a name and forces (`Mission`). A mission model that
can change (``metis_env.missions``) plugs in through ``apply_change``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from metis_env.api.errors import MetisEnvError
from metis_env.runtime.configs import TargetEnvConfig, find_config
from metis_env.runtime.events import MissionChangeRecord, SessionEvent
from metis_env.runtime.host import OutdatedContextError, SessionInfo, StoreScope
from metis_env.runtime.mission import mission_view, output_recipients
from metis_env.runtime.records import OutputRecord
from metis_env.runtime.state import LIVE_STATES, SessionState
from metis_env.runtime.stores import SessionStores, TargetEnvStore

__all__ = ["REALM", "Force", "LocalHost", "Mission", "MissionChangeError"]

#: The one realm of a local session.
REALM = "default"
#: ``apply_change(mission, command) -> changes``: how a mission model applies a command.
ApplyChange = Callable[[Any, object], Any]


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

    @classmethod
    def with_forces(cls, name: str, forces: Iterable[str]) -> Mission:
        """``Mission.with_forces("m", ["Red Team"])``: force ids are the names, lower-case,
        with ``-`` for spaces."""
        return cls("mission", name, tuple(Force(n.lower().replace(" ", "-"), n) for n in forces))


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class MissionChangeError(MetisEnvError):
    """Raised when a mission change is asked of a session whose mission cannot change."""


class LocalHost:
    """The host of contexts in a local `Session` (see `ContextHost` for each member).

    Args:
        session_id: the session's permanent id.
        name: the session's name.
        state: returns the session's current state.
        env_paths: each environment's folder (where its ``configs.json`` is).
        config_ids: the selected config id per environment.
        config_overrides: keys merged over each environment's selected config ``data``.
        mission: what ``context.mission`` returns.
        apply_change: applies a mission command (``None``: changes are refused).
        emit: where outputs and mission changes go (the session's event sink).
    """

    def __init__(
        self,
        *,
        session_id: str,
        name: str,
        state: Callable[[], SessionState],
        env_paths: Mapping[str, Path],
        config_ids: Mapping[str, str | None],
        config_overrides: Mapping[str, Mapping[str, Any]],
        mission: Any,
        apply_change: ApplyChange | None,
        emit: Callable[[SessionEvent], None],
    ) -> None:
        self._session_id = session_id
        self._name = name
        self._state = state
        self._env_paths = dict(env_paths)
        self._config_ids = dict(config_ids)
        self._overrides = {k: dict(v) for k, v in config_overrides.items()}
        self._mission = mission
        self._apply_change = apply_change
        self._emit = emit
        self._instance_id = uuid.uuid4().hex  # renewed by every reset
        self.stores = SessionStores()  # replaced by renew(): a reset starts empty
        self._sleeps: set[asyncio.Future[None]] = set()  # sleeps in flight

    def __repr__(self) -> str:
        ids = f"session={self._session_id!r}, instance={self._instance_id!r}"
        return f"LocalHost({ids}, state={str(self._state())!r})"

    # -- lifecycle, called by the session -----------------------------------------------

    def renew(self) -> None:
        """A reset: new instance id, empty stores (the old ones become unreachable), the
        mission's session state back to its definition (METIS rebuilds the realms)."""
        self.stores.clear()
        self.stores = SessionStores()
        self._instance_id = uuid.uuid4().hex
        reset = getattr(self._mission, "reset", None)
        if callable(reset):
            reset()

    def release_sleeps(self) -> int:
        """End every sleep in flight (they raise ``CancelledError``); returns how many."""
        sleeps, self._sleeps = self._sleeps, set()
        for future in sleeps:
            future.cancel()
        return len(sleeps)

    def clear(self) -> None:
        """The session ended: release sleeps and empty every store."""
        self.release_sleeps()
        self.stores.clear()

    # -- ContextHost ------------------------------------------------------------------

    @property
    def session(self) -> SessionInfo:
        return SessionInfo(self._session_id, self._name, str(self._state()))

    @property
    def instance_id(self) -> str:
        return self._instance_id

    def check_live(self, instance_id: str) -> None:
        if instance_id != self._instance_id:
            raise OutdatedContextError.for_instance(instance_id, self._instance_id)
        state = self._state()
        if state not in LIVE_STATES:
            raise OutdatedContextError.for_state(self._session_id, str(state))

    def target_env_config(self, env_id: str) -> TargetEnvConfig | None:
        path = self._env_paths.get(env_id)
        if path is None:
            return None
        config = find_config(path, self._config_ids.get(env_id), env_id)
        overrides = self._overrides.get(env_id)
        if config is None or not overrides:
            return config
        return dataclasses.replace(config, raw_data={**config.raw_data, **overrides})

    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore:
        return self.stores.of(scope, REALM, env_id)

    @property
    def mission(self) -> Any:
        return mission_view(self._mission)

    @property
    def model(self) -> Any:
        """The mission object itself (a `metis_env.missions.Mission`, or the minimal one)."""
        return self._mission

    def apply_mission_change(self, env_id: str, target_id: str | None, command: object) -> Any:
        if self._apply_change is None:
            raise MissionChangeError(
                f"cannot apply {type(command).__name__}: this session's mission "
                f"({getattr(self._mission, 'name', self._mission)!r}) does not accept changes; "
                "give the Session an apply_change function (a mission model)"
            )
        changes = self._apply_change(self._mission, command)
        now = datetime.now(UTC)
        self._emit(MissionChangeRecord(now, env_id, target_id, command, changes))
        return changes

    def send_output(self, env_id: str, target_id: str, message: str, to: Any) -> None:
        forces = (
            [] if isinstance(to, list | tuple) and not to else output_recipients(self._mission, to)
        )
        now = datetime.now(UTC)
        if forces is None:
            self._emit(OutputRecord(now, env_id, target_id, "Global:", message, "effect"))
            return
        for prefix in (name.replace(" ", "-") + ":" for _, name in forces):
            self._emit(OutputRecord(now, env_id, target_id, prefix, message, "effect"))

    def log(self, env_id: str, event: str, message: str) -> None:
        now = datetime.now(UTC)
        self._emit(OutputRecord(now, env_id, None, f"{event}:", message, "hook"))

    async def sleep(self, ms: float, instance_id: str) -> None:
        try:
            self.check_live(instance_id)
        except OutdatedContextError:
            # Yield once before raising, so a script that retries in a loop around a
            # failing sleep cannot keep the event loop from running anything else.
            await asyncio.sleep(0)
            raise
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        handle = future.get_loop().call_later(max(0.0, float(ms)) / 1000, _wake, future)
        self._sleeps.add(future)
        try:
            await future
        finally:
            handle.cancel()
            self._sleeps.discard(future)
