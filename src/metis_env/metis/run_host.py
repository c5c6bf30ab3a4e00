"""The host of one target run over the bridge: `RunHost`, and mission calls as METIS's.

A run shares its session's state (`BridgeHost`) and adds its own: the mission as METIS sent
it, the ``output`` stream and the ``mission-call`` round trips to METIS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from metis_env.runtime import (
    ContextHost,
    LoadedEnvironment,
    Mission,
    SessionInfo,
    StoreScope,
    TargetEnvConfig,
    TargetEnvStore,
    find_config,
    output_recipients,
)

__all__ = ["Peer", "RunHost", "SessionSide", "command_call"]


class Peer(Protocol):
    """The METIS side of one connection, as a host sees it."""

    def post(self, message: Mapping[str, Any]) -> None:
        """Queue ``message`` to METIS; messages leave in the order they were posted."""

    def call(self, message: Mapping[str, Any]) -> asyncio.Future[Any]:
        """Send a ``mission-call``; the future holds its ``mission-result`` or error."""


class SessionSide(Protocol):
    """What a run needs of its session's host (`metis_env.metis.host.BridgeHost`)."""

    env: LoadedEnvironment

    @property
    def session(self) -> SessionInfo: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def mission(self) -> Any: ...
    def check_live(self, instance_id: str) -> None: ...
    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore: ...
    def log(self, env_id: str, event: str, message: str) -> None: ...
    async def sleep(self, ms: float, instance_id: str) -> None: ...


def _wire(value: Any) -> Any:
    """Arguments of a mission call as JSON: components become references by ``_id``."""
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    kind = getattr(value, "component_type", None)
    if isinstance(kind, str):
        ident = getattr(value, "_id", None) or getattr(value, "id", None)
        return {"$component": {"componentType": kind, "_id": ident}}
    if isinstance(value, Mapping):
        if isinstance(value.get("componentType"), str) and "_id" in value:
            return {"$component": {"componentType": value["componentType"], "_id": value["_id"]}}
        return {str(k): _wire(v) for k, v in value.items()}
    return value


#: METIS's short forms of a command: the command's last field is implied by the name.
_SHORT_FORMS = frozenset(
    {"blockNodes", "unblockNodes", "openNode", "closeNode", "grantFileAccess", "revokeFileAccess"}
)


def command_call(command: Any) -> tuple[str, list[Any]]:
    """A `metis_env.missions` command as METIS's call: its name and positional arguments
    (components as ``{"$component": {componentType, _id}}``, what ``bridge.ts`` reads)."""
    body = dict(command.to_json())
    method = str(body.pop("method"))
    args = [_wire(value) for value in body.values()]
    if method in _SHORT_FORMS:
        args = args[:-1]
    return method, args


class RunHost:
    """The host of one target run: the session's state, plus this run's view and streams."""

    def __init__(
        self,
        session: SessionSide,
        *,
        mission: Mission | None,
        peer: Peer,
        request_id: Any,
        config_id: str | None,
    ) -> None:
        self.bridge = session
        self._mission = mission or session.mission
        self._peer = peer
        self._request_id = request_id
        self._config_id = config_id

    @property
    def session(self) -> SessionInfo:
        return self.bridge.session

    @property
    def instance_id(self) -> str:
        return self.bridge.instance_id

    def check_live(self, instance_id: str) -> None:
        self.bridge.check_live(instance_id)

    def target_env_config(self, env_id: str) -> TargetEnvConfig | None:
        """The config METIS selected when it started this run."""
        if env_id != self.bridge.env.id or not self._config_id:
            return None
        return find_config(self.bridge.env.path, self._config_id, env_id)

    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore:
        return self.bridge.store(scope, env_id)

    @property
    def mission(self) -> Any:
        return self._mission

    def apply_mission_change(
        self, env_id: str, target_id: str | None, command: object
    ) -> asyncio.Future[Any]:
        """Ask METIS to apply ``command`` (``context.<method>(…)`` there); the future holds
        METIS's result or raises its error."""
        method, args = command_call(command)
        message = {"type": "mission-call", "id": self._request_id, "method": method}
        return self._peer.call({**message, "args": args})

    def send_output(self, env_id: str, target_id: str, message: str, to: Any) -> None:
        """One ``output`` message per force ``to`` names, or one to everyone (``None``)."""
        for force_id in self._recipients(to):
            self._peer.post(
                {"type": "output", "id": self._request_id, "message": message, "to": force_id}
            )

    def _recipients(self, to: Any) -> list[str | None]:
        if isinstance(to, list | tuple) and not to:
            return []
        forces = output_recipients(self._mission, to)
        return [None] if forces is None else [force_id for force_id, _ in forces]

    def log(self, env_id: str, event: str, message: str) -> None:
        self.bridge.log(env_id, event, message)

    async def sleep(self, ms: float, instance_id: str) -> None:
        await self.bridge.sleep(ms, instance_id)


if TYPE_CHECKING:
    # When the runtime's ContextHost changes, mypy points here.
    def _run_is_a_context_host(run: RunHost) -> ContextHost:
        return run
