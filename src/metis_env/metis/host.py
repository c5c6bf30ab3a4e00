"""The context host of a METIS session: the second implementation of the runtime's host.

The runtime's contexts (`TargetScriptContext`, `EnvHookContext`) do everything through a
host (`metis_env.runtime.ContextHost`): the session, the outdated-context guard, the
selected config, the stores, the mission, mission changes, outputs, hook logs and sleep.
`metis_env.runtime.LocalHost` is the local one. Here the same contexts run with
`BridgeHost` (one per METIS session, realm and environment; what hooks see) and, for each
target run, `RunHost` (the same session, plus that run's mission view, its output stream,
and its mission changes, forwarded to METIS). Nothing of the contexts is copied: a
script's ``context.block_nodes(…)`` builds the same `metis_env.missions` command as
locally, and `RunHost.apply_mission_change` sends it to METIS as a ``mission-call``; there
it returns an `asyncio.Future` of METIS's result (``await`` it to see METIS's error).
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
from typing import TYPE_CHECKING, Any

from metis_env.api.errors import MetisEnvError
from metis_env.api.tracking import ClientScope
from metis_env.metis.run_host import Peer, RunHost
from metis_env.runtime import (
    LIVE_STATES,
    REALM,
    ContextHost,
    EffectInfo,
    EnvHookContext,
    Force,
    LoadedEnvironment,
    Mission,
    MissionChangeError,
    OutdatedContextError,
    SessionInfo,
    SessionStores,
    StoreScope,
    TargetEnvConfig,
    TargetEnvStore,
    TargetScriptContext,
    find_config,
)

__all__ = [
    "MISSION_METHODS",
    "BridgeHost",
    "HookFailedError",
    "ScriptExitError",
    "TargetCancelledError",
    "mission_from_view",
]

logger = logging.getLogger("metis_env.metis")

#: The context's mission-changing methods: Python name → METIS's name (metis-behaviour §5.2).
#: METIS's short forms take one argument fewer than the command holds (its flag is implied).
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


def mission_from_view(view: Any) -> Mission:
    """The runtime's `Mission` from the view ``bridge.ts`` sends ({_id, name, forces})."""
    view = view if isinstance(view, Mapping) else {}
    forces = []
    for force in view.get("forces") or []:
        if isinstance(force, Mapping) and isinstance(force.get("_id"), str):
            name = str(force.get("name") or force["_id"])
            forces.append(Force(force["_id"], name, str(force.get("color") or "#52b1ff")))
    return Mission(str(view.get("_id") or "mission"), str(view.get("name") or ""), tuple(forces))


class BridgeHost:
    """The host of one METIS session and realm for one environment (see the module doc).

    It is what hook contexts see; each target run gets a `RunHost` over it.

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
        self._instance_id = uuid.uuid4().hex  # a METIS reset is teardown + setup: a new host
        self._mission = mission or Mission("mission", "", ())
        self.stores = SessionStores()
        self.cancel_grace_ms = cancel_grace_ms
        self._config_id = config_id
        self._state = "unstarted"
        self._log: Callable[[str], None] = self._log_here
        self._running: set[asyncio.Task[Any]] = set()  # hooks and scripts in flight
        self._context = contextvars.copy_context()  # tasks run in copies: clients tracked
        self._scope = ClientScope()
        self._context.run(self._scope.activate)

    def __repr__(self) -> str:
        return f"<BridgeHost {self.env.id} session={self.id} realm={self.realm_id} {self._state}>"

    # -- the runtime's ContextHost ---------------------------------------------------------

    @property
    def state(self) -> str:
        """unstarted → starting → started → ending → ended (guarded members need a live one)."""
        return self._state

    @property
    def session(self) -> SessionInfo:
        return SessionInfo(self.id, self.name, self._state)

    @property
    def instance_id(self) -> str:
        return self._instance_id

    def check_live(self, instance_id: str) -> None:
        if instance_id != self._instance_id:
            raise OutdatedContextError.for_instance(instance_id, self._instance_id)
        if self._state not in {str(s) for s in LIVE_STATES}:
            raise OutdatedContextError.for_state(self.id, self._state)

    def config_id(self, env_id: str) -> str | None:
        """The config METIS selected, for this environment."""
        return self._config_id if env_id == self.env.id else None

    def target_env_config(self, env_id: str) -> TargetEnvConfig | None:
        config_id = self.config_id(env_id)
        return find_config(self.env.path, config_id, env_id) if config_id else None

    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore:
        return self.stores.of(scope, REALM, env_id)

    @property
    def mission(self) -> Any:
        return self._mission

    def apply_mission_change(self, env_id: str, target_id: str | None, command: object) -> Any:
        raise MissionChangeError(
            "hooks cannot change the mission (as in METIS); a target script can"
        )

    def send_output(self, env_id: str, target_id: str, message: str, to: Any) -> None:
        raise MissionChangeError("hooks have no send_output; use context.log(message)")

    def log(self, env_id: str, event: str, message: str) -> None:
        """A hook's ``context.log``: sent to METIS as a ``log`` of the current request."""
        self._log(message)

    async def sleep(self, ms: float, instance_id: str) -> None:
        self.check_live(instance_id)
        await asyncio.sleep(max(0.0, float(ms)) / 1000)  # teardown cancels the task

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
                    await self._execute(hook(EnvHookContext(self, self.env.id, event)))
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
        kind = request.get("triggerType")
        trigger = effect.get("trigger")
        if not isinstance(trigger, str):  # METIS names the kind; pick a trigger of that kind
            trigger = "execution-success" if kind == "executionTriggeredEffect" else "session-start"
        info = EffectInfo.of(self.env.schema, target, values, trigger, request.get("triggeredBy"))
        info = dataclasses.replace(
            info,
            id=str(effect.get("_id") or info.id),
            name=effect["name"] if isinstance(effect.get("name"), str) else info.name,
        )
        context = TargetScriptContext(host, info)
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

    async def _close_clients(self) -> None:
        handles = []
        for client in list(self._scope.clients):
            with contextlib.suppress(Exception):
                handle = client.disconnect(1001, "Session teardown")
                if asyncio.isfuture(handle) or asyncio.iscoroutine(handle):
                    handles.append(asyncio.ensure_future(handle))
        if handles:
            await asyncio.wait(handles, timeout=self.cancel_grace_ms / 1000)
            for handle in handles:
                if handle.done() and not handle.cancelled():
                    handle.exception()  # retrieved: a failed close is not an error here


if TYPE_CHECKING:
    # mypy checks here that the session host is what the runtime's contexts take: when the
    # runtime's ContextHost changes, this is where the bridge's hosts must follow.
    def _host_is_a_context_host(session: BridgeHost) -> ContextHost:
        return session
