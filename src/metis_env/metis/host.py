"""The context host of a METIS session: the second implementation of the runtime's host.

The runtime's contexts (`TargetScriptContext`, `EnvHookContext`) do everything through a
host (`metis_env.runtime.ContextHost`): the session's id, name, state and instance id, its
mission and stores, the selected config and where outputs go. `metis_env.runtime.Session`
is the local host. Here the same contexts run with `BridgeHost` (one per METIS session,
realm and environment) and, for each target run, `RunHost` (the same state, plus that run's
mission view, its output stream and its mission calls to METIS). The contexts are not
copied: only `BridgeScriptContext` adds the mission-changing methods, which today's runtime
context does not have yet (issue 14); once it routes them through its host, that subclass
goes and `RunHost.call_mission` is what the host offers for them.

The host's surface, kept small on purpose: ``id``, ``name``, ``instance_id``, ``mission``,
``stores``, ``state``, ``config_id_for``, ``config_overrides_for``, ``emit_output`` (the
runtime's `ContextHost`), plus ``call_mission``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from metis_env.api.errors import MetisEnvError
from metis_env.api.tracking import ClientScope, track_clients
from metis_env.runtime import (
    ContextHost,
    EnvHookContext,
    Force,
    LoadedEnvironment,
    Mission,
    OutputRecord,
    SessionStores,
    TargetScriptContext,
)

__all__ = [
    "MISSION_METHODS",
    "BridgeHost",
    "BridgeScriptContext",
    "HookFailedError",
    "Peer",
    "RunHost",
    "ScriptExitError",
    "TargetCancelledError",
    "mission_from_view",
]

logger = logging.getLogger("metis_env.metis")

#: The context's mission-changing methods: Python name → METIS's name (metis-behaviour §5.2).
MISSION_METHODS = {
    "block_nodes": "blockNodes",
    "unblock_nodes": "unblockNodes",
    "update_node_block_status": "updateNodeBlockStatus",
    "open_node": "openNode",
    "close_node": "closeNode",
    "update_node_open_state": "updateNodeOpenState",
    "add_node_alert": "addNodeAlert",
    "modify_success_chance": "modifySuccessChance",
    "modify_process_time": "modifyProcessTime",
    "modify_resource_cost": "modifyResourceCost",
    "modify_resource_pool": "modifyResourcePool",
    "grant_file_access": "grantFileAccess",
    "revoke_file_access": "revokeFileAccess",
    "update_file_access": "updateFileAccess",
}


async def _await(work: Awaitable[Any]) -> Any:
    try:
        return await work
    except SystemExit as exc:
        # asyncio re-raises SystemExit out of the event loop: it would stop the whole bridge.
        raise ScriptExitError(f"the script called sys.exit({exc.code!r})") from exc


class HookFailedError(MetisEnvError):
    """Raised when an environment hook failed; the message names the hook and the error."""

    def __init__(self, event: str, hook: str, error: BaseException) -> None:
        super().__init__(f"{event} hook '{hook}' failed: {type(error).__name__}: {error}")
        self.error = error


class ScriptExitError(MetisEnvError):
    """Raised when a script or hook calls ``sys.exit()``: that run fails, not the bridge."""


class TargetCancelledError(MetisEnvError):
    """Raised when a target was cancelled: METIS tore the session down, or the link dropped."""


class Peer(Protocol):
    """The METIS side of one connection, as a host sees it."""

    def post(self, message: Mapping[str, Any]) -> None:
        """Queue ``message`` to METIS; messages leave in the order they were posted."""

    def call(self, message: Mapping[str, Any]) -> asyncio.Future[Any]:
        """Send a ``mission-call``; the future holds its ``mission-result`` or error."""


def mission_from_view(view: Any) -> Mission:
    """The runtime's `Mission` from the view ``bridge.ts`` sends ({_id, name, forces})."""
    view = view if isinstance(view, Mapping) else {}
    forces = []
    for force in view.get("forces") or []:
        if isinstance(force, Mapping) and isinstance(force.get("_id"), str):
            name = str(force.get("name") or force["_id"])
            forces.append(Force(force["_id"], name, str(force.get("color") or "#52b1ff")))
    return Mission(str(view.get("_id") or "mission"), str(view.get("name") or ""), tuple(forces))


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


class BridgeHost:
    """The host of one METIS session and realm for one environment (see the module doc).

    Args:
        env: the loaded Python environment.
        session_id: METIS's session ``_id``.
        realm_id: the realm id ``bridge.ts`` made up.
        session_name: METIS's session name.
        config_id: the config ``_id`` METIS selected (resolved from the Python configs.json).
        mission: METIS's mission, as far as the bridge sees it.
        cancel_grace_ms: how long a cancelled script or hook may take to stop.
    """

    def __init__(
        self,
        env: LoadedEnvironment,
        *,
        session_id: str,
        realm_id: str,
        session_name: str = "",
        config_id: str | None = None,
        mission: Mission | None = None,
        cancel_grace_ms: int = 2_000,
    ) -> None:
        self.env = env
        self.id = session_id
        self.realm_id = realm_id
        self.name = session_name
        self.instance_id = uuid.uuid4().hex  # a METIS reset is teardown + setup: a new host
        self.mission = mission or Mission("mission", "", ())
        self.stores = SessionStores()
        self.cancel_grace_ms = cancel_grace_ms
        self._config_id = config_id
        self._state = "unstarted"
        self._log: Callable[[str], None] = self._log_here
        self._running: set[asyncio.Task[Any]] = set()  # hooks and scripts in flight
        self._context = contextvars.copy_context()  # tasks run in copies: clients tracked
        self._scope_cm = track_clients()
        self._scope: ClientScope = self._context.run(self._scope_cm.__enter__)

    def __repr__(self) -> str:
        return f"<BridgeHost {self.env.id} session={self.id} realm={self.realm_id} {self._state}>"

    # -- the runtime's ContextHost ---------------------------------------------------------

    @property
    def state(self) -> str:
        """unstarted → starting → started → ending → ended (guarded members need a live one)."""
        return self._state

    def config_id_for(self, env_id: str) -> str | None:
        """The config METIS selected, for this environment."""
        return self._config_id if env_id == self.env.id else None

    def config_overrides_for(self, env_id: str) -> Mapping[str, Any]:
        """None: the config's data is the Python configs.json's, as selected in METIS."""
        return {}

    def emit_output(self, record: OutputRecord) -> None:
        """A hook's ``context.log``: sent to METIS as a ``log`` of the current request."""
        self._log(record.message)

    def _log_here(self, message: str) -> None:
        logger.info("[%s] %s", self.env.id, message)

    @property
    def running(self) -> frozenset[asyncio.Task[Any]]:
        """The hooks and scripts in flight now."""
        return frozenset(self._running)

    # -- running ---------------------------------------------------------------------------

    async def _execute(self, work: Awaitable[Any]) -> None:
        """Run ``work`` as a tracked task in the host's context; re-raise what it raised."""
        task = asyncio.create_task(_await(work), context=self._context.copy())
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            await self._stop(task)
            raise
        finally:
            if inspect.iscoroutine(work) and inspect.getcoroutinestate(work) == "CORO_CREATED":
                work.close()  # cancelled before it started: not "never awaited"
        if task.cancelled():
            raise TargetCancelledError("cancelled: METIS tore the session down while it ran")
        task.result()

    async def _stop(self, task: asyncio.Task[Any]) -> None:
        task.cancel()
        await asyncio.wait({task}, timeout=self.cancel_grace_ms / 1000)
        if not task.done():
            logger.error("A task ignored cancellation for %d ms; leaving it", self.cancel_grace_ms)

    async def _run_hooks(self, event: str, log: Callable[[str], None]) -> None:
        self._log = log
        try:
            for hook in self.env.schema.hooks(event):  # type: ignore[arg-type]
                try:
                    await self._execute(hook(EnvHookContext(self, self.env, event)))
                except (Exception, TargetCancelledError) as exc:
                    raise HookFailedError(event, getattr(hook, "__name__", "?"), exc) from exc
        finally:
            self._log = self._log_here

    async def set_up(self, log: Callable[[str], None]) -> None:
        """Run the setup hooks in order; the first failure stops them.

        Raises:
            HookFailedError: a hook failed (the host is then ``ended``: nothing may run).
        """
        self._state = "starting"
        try:
            await self._run_hooks("environment-setup", log)
        except BaseException:
            await self.tear_down(log, hooks=False)
            raise
        self._state = "started"

    async def run(
        self,
        target_id: str,
        args: Mapping[str, Any],
        peer: Peer,
        request: Mapping[str, Any],
    ) -> None:
        """Run a target's script with METIS's arguments; outputs and mission calls go to ``peer``.

        Raises:
            TargetNotFoundError: no such target.
            TargetCancelledError: torn down (or the link dropped) while it ran.
            Exception: whatever the script raised.
        """
        target = self.env.target(target_id)
        if self._state != "started":
            raise TargetCancelledError(f"not run: the session is {self._state}, not started")
        values = {p.id: args.get(p.id) for p in target.parameters}
        config_id = request.get("configId")
        host = RunHost(
            self,
            mission=mission_from_view(request.get("mission")) if "mission" in request else None,
            peer=peer,
            request_id=request.get("id"),
            config_id=config_id if isinstance(config_id, str) else self._config_id,
        )
        effect = request.get("effect")
        effect = effect if isinstance(effect, Mapping) else {}
        context = BridgeScriptContext(
            host, self.env, target, values, str(effect.get("_id") or uuid.uuid4().hex)
        )
        if isinstance(effect.get("name"), str):  # the effect's own name, as METIS shows it
            context.effect = dataclasses.replace(context.effect, name=effect["name"])
        if isinstance(request.get("triggerType"), str):
            context.type = request["triggerType"]
        context.triggered_by = request.get("triggeredBy")
        await self._execute(target.run(context, values))

    async def tear_down(self, log: Callable[[str], None], *, hooks: bool = True) -> None:
        """Cancel what still runs, run the teardown hooks, close left-over clients.

        Idempotent. Raises `HookFailedError` for a failing teardown hook, after cleaning up.
        """
        if self._state in ("ending", "ended"):
            return
        self._state = "ending"
        try:
            for task in list(self._running):
                await self._stop(task)
            if hooks:
                await self._run_hooks("environment-teardown", log)
        finally:
            await self._close_clients()
            self._state = "ended"
            self.stores.clear()
            self._context.run(self._scope_cm.__exit__, None, None, None)

    async def _close_clients(self) -> None:
        for client in self._scope.open_clients():
            with contextlib.suppress(Exception):
                handle = client.disconnect(1001, "Session teardown")
                if asyncio.isfuture(handle) or asyncio.iscoroutine(handle):
                    await asyncio.wait_for(handle, self.cancel_grace_ms / 1000)


class RunHost:
    """The host of one target run: the session's state, plus this run's view and streams."""

    def __init__(
        self,
        session: BridgeHost,
        *,
        mission: Mission | None,
        peer: Peer,
        request_id: Any,
        config_id: str | None,
    ) -> None:
        self.session = session
        self.id = session.id
        self.name = session.name
        self.instance_id = session.instance_id
        self.mission = mission or session.mission
        self.stores = session.stores
        self._peer = peer
        self._request_id = request_id
        self._config_id = config_id

    @property
    def state(self) -> str:
        """The session's state, now."""
        return self.session.state

    def config_id_for(self, env_id: str) -> str | None:
        """The config METIS selected when it started this run."""
        return self._config_id if env_id == self.session.env.id else None

    def config_overrides_for(self, env_id: str) -> Mapping[str, Any]:
        """None (see `BridgeHost.config_overrides_for`)."""
        return {}

    def emit_output(self, record: OutputRecord) -> None:
        """``send_output``: one ``output`` message, to a force or (``Global:``) to everyone."""
        force = next((f for f in self.mission.forces if f.prefix == record.prefix), None)
        message = {"type": "output", "id": self._request_id, "message": record.message}
        self._peer.post({**message, "to": force.id if force is not None else None})

    def call_mission(self, method: str, args: list[Any]) -> asyncio.Future[Any]:
        """Ask METIS to run ``context.<method>(*args)``; the future holds its result or error."""
        message = {"type": "mission-call", "id": self._request_id, "method": method}
        return self._peer.call({**message, "args": _wire(args)})


class BridgeScriptContext(TargetScriptContext):
    """The runtime's script context, plus METIS's mission-changing methods over the bridge.

    Each method (``context.block_nodes(nodes)``, …, the names of `MISSION_METHODS`) starts
    the call at once and returns an `asyncio.Future`; ``await`` it for METIS's result or to
    have its error raised here. Guarded like ``send_output``.
    """

    _host: RunHost

    def __getattr__(self, name: str) -> Any:
        if name not in MISSION_METHODS:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        method = MISSION_METHODS[name]

        def call(*args: Any) -> asyncio.Future[Any]:
            self._guard()
            return self._host.call_mission(method, list(args))

        call.__name__ = name
        return call


if TYPE_CHECKING:
    # mypy checks here that both hosts are what the runtime's contexts take: when the
    # runtime's ContextHost changes, this is where the bridge's hosts must follow.
    def _hosts_are_context_hosts(session: BridgeHost, run: RunHost) -> list[ContextHost]:
        return [session, run]
