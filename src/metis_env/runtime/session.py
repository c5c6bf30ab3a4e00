"""`Session`: setup hooks → target scripts → teardown hooks, every step recorded.

Ordering and failure rules follow the original (metis-behaviour §6):

* ``environment-setup`` hooks run per environment in registration order; the first failure
  stops that environment's remaining hooks (recorded ``skipped``);
* if any setup hook failed, no script runs (effects recorded ``skipped``);
* scripts run one after another; a failing script does not stop the next;
* ``environment-teardown`` hooks always run, even after setup or script failures, per
  environment with the same stop-on-failure rule.

Ours: environments are set up one after another (the original runs them in parallel), so
records are deterministic; teardown also runs after a failed setup (the original leaves the
session stuck in ``starting``); a running script is cancelled at teardown (its ``sleep``, or
whatever it awaits, raises ``asyncio.CancelledError``; recorded ``cancelled``); a timeout or
Ctrl-C cancels what runs, still tears down, then re-raises; and every `WebSocketApi` created
inside the session is disconnected (1001, "Session teardown") after the teardown hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from metis_env.api.tracking import ClientScope, track_clients
from metis_env.runtime.context import EnvHookContext, Force, Mission, TargetScriptContext
from metis_env.runtime.loader import EnvironmentNotFoundError, LoadedEnvironment
from metis_env.runtime.records import OutputRecord, SessionResult, SessionStatus, TaskRecord
from metis_env.runtime.stores import SessionStores
from metis_env.schema import HOOK_EVENTS

__all__ = ["EffectRequest", "OutputSink", "Session"]

logger = logging.getLogger("metis_env.runtime")
OutputSink = Callable[[OutputRecord], None]
_SETUP, _TEARDOWN = HOOK_EVENTS


@dataclass(frozen=True)
class EffectRequest:
    """One target to run in a session, with the values given for its parameters."""

    env_id: str
    target_id: str
    args: Mapping[str, Any] = field(default_factory=dict)


def _client_stats(client: Any) -> dict[str, Any]:
    """``{"url": ..., **client.stats()}``; only what the client offers (stand-ins too)."""
    stats = getattr(client, "stats", None)
    url = getattr(client, "url", None)
    return {"url": url if isinstance(url, str) else repr(client), **(stats() if stats else {})}


def _now() -> datetime:
    return datetime.now(UTC)


async def _call(fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
    """Call ``fn`` inside the task, so even a synchronous failure is recorded."""
    await fn(*args)


class Session:
    """One session over one or more loaded environments.

    Use `run` for the whole lifecycle, or `start` / `run_effect` / `end` (also as
    ``async with``) to drive it step by step.

    Args:
        environments: the environments whose hooks run (each once).
        name: the session's name (``context.session.name``).
        config_ids: the selected ``configs.json`` entry per environment id.
        config_overrides: per environment id, keys merged over the selected config's
            ``data`` each time a script reads it (e.g. the demo's simulator port).
        output: called with every `OutputRecord` as it is produced (errors are logged).
        forces: names of the mission's forces (``send_output`` targets).
        teardown_timeout_ms: how long each teardown hook may run before it is cancelled and
            recorded as failed; ``None``: no limit.
        cancel_grace_ms: how long a cancelled task may take to stop before the session moves
            on without it.
        close_timeout_ms: how long disconnecting each left-over client may take.
    """

    def __init__(
        self,
        environments: Iterable[LoadedEnvironment],
        *,
        name: str = "metis-env session",
        config_ids: Mapping[str, str | None] | None = None,
        config_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        output: OutputSink | None = None,
        forces: Sequence[str] = ("Default Force",),
        # Timeouts
        teardown_timeout_ms: int | None = 30_000,
        cancel_grace_ms: int = 2_000,
        close_timeout_ms: int = 5_000,
    ) -> None:
        self.environments = {env.id: env for env in environments}
        self.id = uuid.uuid4().hex  # permanent id of the session
        self.instance_id = uuid.uuid4().hex  # the original renews it on reset; we never reset
        self.name = name
        self._config_ids = dict(config_ids or {})
        self._config_overrides = {k: dict(v) for k, v in (config_overrides or {}).items()}
        self._output = output
        self.mission = Mission(
            "mission", name, tuple(Force(n.lower().replace(" ", "-"), n) for n in forces)
        )
        self.stores = SessionStores()
        self.tasks: list[TaskRecord] = []
        self.outputs: list[OutputRecord] = []
        self.cleanup_errors: list[str] = []
        self.teardown_timeout_ms = teardown_timeout_ms
        self.cancel_grace_ms = cancel_grace_ms
        self.close_timeout_ms = close_timeout_ms
        self._state = "unstarted"
        self._setup_ok: bool | None = None
        self._running: set[asyncio.Task[Any]] = set()  # hook/effect tasks in flight
        self._cancel_reason: str | None = None  # why run() cancelled what was running
        self._context: contextvars.Context | None = None
        self._scope: ClientScope | None = None
        self._scope_cm: contextlib.AbstractContextManager[ClientScope] | None = None

    # -- what contexts read ---------------------------------------------------------------

    @property
    def state(self) -> str:
        """unstarted → starting → started → ending → ended."""
        return self._state

    def _set_state(self, state: str) -> None:
        logger.debug("session %s: %s -> %s", self.id, self._state, state)
        self._state = state

    def config_id_for(self, env_id: str) -> str | None:
        """The config id selected for ``env_id``."""
        return self._config_ids.get(env_id)

    def config_overrides_for(self, env_id: str) -> Mapping[str, Any]:
        """The keys merged over ``env_id``'s selected config ``data`` (empty: none)."""
        return self._config_overrides.get(env_id, {})

    def emit_output(self, record: OutputRecord) -> None:
        """Record ``record`` and pass it to the output sink (a failing sink is logged)."""
        self.outputs.append(record)
        if self._output is not None:
            try:
                self._output(record)
            except Exception:
                logger.exception("The session's output callback failed")

    # -- running tasks --------------------------------------------------------------------

    def _environment(self, env_id: str) -> LoadedEnvironment:
        if env_id not in self.environments:
            known = ", ".join(self.environments) or "none"
            raise EnvironmentNotFoundError("env", env_id, f"is not in this session ({known})")
        return self.environments[env_id]

    async def _execute(
        self, record: TaskRecord, work: Coroutine[Any, Any, None], timeout_ms: int | None = None
    ) -> None:
        """Run ``work`` as its own task and record how it ended. Re-raises cancellation."""
        assert self._context is not None, "the session is not started"
        task = asyncio.create_task(work, context=self._context.copy())
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        record.status, record.started_at = "running", _now()
        try:
            timeout = None if timeout_ms is None else timeout_ms / 1000
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if not done:
                await self._stop(task)
                record.status, record.error = "failure", f"timed out after {timeout_ms} ms"
        except BaseException:
            await self._stop(task)
            record.status, record.ended_at = "cancelled", _now()
            record.error = self._cancel_reason or "cancelled: the session was interrupted"
            raise
        if task.done() and record.status == "running":
            self._settle(record, task)
        record.ended_at = _now()

    def _settle(self, record: TaskRecord, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            record.status, record.error = "cancelled", "cancelled at session teardown"
            return
        exc = task.exception()
        if exc is None:
            record.status = "success"
            return
        record.status, record.error = "failure", f"{type(exc).__name__}: {exc}"
        record.traceback = "".join(traceback.format_exception(exc))
        logger.warning("%s failed with error: %s", record.label, record.error)

    async def _stop(self, task: asyncio.Task[Any]) -> None:
        """Cancel ``task`` and give it ``cancel_grace_ms`` to finish."""
        task.cancel()
        await asyncio.wait({task}, timeout=self.cancel_grace_ms / 1000)
        if not task.done():
            logger.error("A task ignored cancellation for %d ms; leaving it", self.cancel_grace_ms)

    async def _run_hooks(
        self, event: str, timeout_ms: int | None = None, announce: Sequence[TaskRecord] = ()
    ) -> bool:
        """Run ``event`` hooks of every environment; True when none failed.

        ``announce``: effect records to list (queued) after the hooks, before any hook runs.
        """
        batches = []
        for env in self.environments.values():
            hooks = env.schema.hooks(event)  # type: ignore[arg-type]
            records = [
                TaskRecord("hook", getattr(h, "__name__", repr(h)), env.id, event=event)
                for h in hooks
            ]
            self.tasks.extend(records)  # all announced (queued) before any runs
            batches.append((env, hooks, records))
        self.tasks.extend(announce)
        ok = True
        for env, hooks, records in batches:
            for index, (hook, record) in enumerate(zip(hooks, records, strict=True)):
                await self._execute(
                    record, _call(hook, EnvHookContext(self, env, event)), timeout_ms
                )
                if record.status != "success":
                    ok = False
                    for rest in records[index + 1 :]:
                        rest.status, rest.error = "skipped", f"an earlier {event} hook failed"
                    break
        return ok

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, *, announce: Sequence[TaskRecord] = ()) -> bool:
        """Run the setup hooks. Returns True when they all succeeded (scripts may run).

        ``announce``: planned effect records to list after the setup hooks (see `run`).
        """
        if self._state != "unstarted":
            raise RuntimeError(f"session already {self._state}")
        self._context = contextvars.copy_context()
        self._scope_cm = track_clients()
        self._scope = self._context.run(self._scope_cm.__enter__)
        self._set_state("starting")
        self._setup_ok = await self._run_hooks(_SETUP, announce=announce)
        if self._setup_ok:
            self._set_state("started")
        return self._setup_ok

    def plan_effect(
        self, request: EffectRequest, *, announce: bool = True
    ) -> tuple[TaskRecord, dict[str, Any]]:
        """Check ``request`` and queue its task; returns the record and resolved arguments.

        ``announce``: add the record to `tasks` now (else the caller does).

        Raises:
            EnvironmentNotFoundError / TargetNotFoundError: unknown environment or target.
            ArgumentError: an argument name or value is invalid.
        """
        env = self._environment(request.env_id)
        target = env.target(request.target_id)
        args = target.resolve_arguments(request.args)
        record = TaskRecord("effect", target.id, env.id, target_id=target.id)
        if announce:
            self.tasks.append(record)
        return record, args

    async def run_effect(
        self, request: EffectRequest, *, planned: tuple[TaskRecord, dict[str, Any]] | None = None
    ) -> TaskRecord:
        """Run one target's script (skipped unless setup succeeded). Returns its record."""
        record, args = planned or self.plan_effect(request)
        if self._state != "started":
            record.status = "skipped"
            record.error = "setup failed" if self._setup_ok is False else f"session {self._state}"
            return record
        env = self.environments[request.env_id]
        target = env.target(request.target_id)
        context = TargetScriptContext(self, env, target, args, uuid.uuid4().hex)
        await self._execute(record, target.run(context, args))
        return record

    async def end(self) -> None:
        """Cancel running scripts, run teardown hooks, close left-over clients. Idempotent."""
        if self._state in ("ending", "ended", "unstarted"):
            return
        self._set_state("ending")
        for task in list(self._running):
            await self._stop(task)
        await self._run_hooks(_TEARDOWN, self.teardown_timeout_ms)
        await self._close_clients()
        self._set_state("ended")
        self.stores.clear()
        if self._context is not None and self._scope_cm is not None:
            self._context.run(self._scope_cm.__exit__, None, None, None)

    async def _close_clients(self) -> None:
        for client in list(self._scope.clients if self._scope is not None else []):
            try:
                handle = client.disconnect(1001, "Session teardown")
                if inspect.isawaitable(handle):
                    await asyncio.wait_for(handle, self.close_timeout_ms / 1000)
            except TimeoutError:
                self.cleanup_errors.append(
                    f"{client!r}: did not close within {self.close_timeout_ms} ms"
                )
            except Exception as exc:
                self.cleanup_errors.append(f"{client!r}: {type(exc).__name__}: {exc}")

    async def __aenter__(self) -> Session:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.end()

    # -- the whole thing ------------------------------------------------------------------

    async def run(
        self, effects: Sequence[EffectRequest], *, timeout_ms: int | None = None
    ) -> SessionResult:
        """Set up once, run each effect in order, tear down once.

        Arguments are checked first: a bad one raises before any hook runs. When
        ``timeout_ms`` passes (or the caller is cancelled, e.g. Ctrl-C), whatever runs is
        cancelled, the rest is skipped, teardown still runs; cancellation is then re-raised.

        Raises:
            ArgumentError, EnvironmentNotFoundError, TargetNotFoundError: before anything ran.
        """
        plans = [(request, self.plan_effect(request, announce=False)) for request in effects]

        async def body() -> None:
            if await self.start(announce=[planned[0] for _, planned in plans]):
                for request, planned in plans:
                    await self.run_effect(request, planned=planned)

        work = asyncio.create_task(body())
        interrupted: BaseException | None = None
        error: str | None = None
        try:
            done, _ = await asyncio.wait(
                {work}, timeout=None if timeout_ms is None else timeout_ms / 1000
            )
            if not done:
                error = f"the session timed out after {timeout_ms} ms; running tasks were cancelled"
                self._cancel_reason = f"cancelled: the session timed out after {timeout_ms} ms"
                await self._stop(work)
            elif work.exception() is not None:
                raise work.exception()  # type: ignore[misc]
        except (asyncio.CancelledError, KeyboardInterrupt) as exc:
            interrupted = exc
            error = "the session was interrupted; running tasks were cancelled"
            self._cancel_reason = "cancelled: the session was interrupted"
            await self._stop(work)
        finally:
            for record in self.tasks:
                if record.status == "queued":
                    record.status, record.error = "skipped", error or "setup failed"
            await self.end()
        if interrupted is not None:
            raise interrupted
        return self.result(error)

    def result(self, error: str | None = None) -> SessionResult:
        """The session's result so far; ``error`` overrides the derived message."""
        failed = [t for t in self.tasks if t.status == "failure"]
        status: SessionStatus = "success"
        if error is not None:
            status = "cancelled"
        elif failed or self._setup_ok is False:
            status = "failure"
            error = f"{failed[0].label} failed: {failed[0].error}" if failed else "setup failed"
        clients = self._scope.clients if self._scope is not None else []
        return SessionResult(
            status,
            list(self.tasks),
            list(self.outputs),
            error,
            list(self.cleanup_errors),
            client_stats=[_client_stats(c) for c in clients],
        )

    def __repr__(self) -> str:
        return f"Session(id={self.id!r}, name={self.name!r}, state={self._state!r})"
