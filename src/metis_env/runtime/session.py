"""`Session`: setup hooks → target scripts → teardown hooks, as one explicit state machine.

The state is one `SessionState` behind one setter (every change is checked against
`TRANSITIONS` and logged ``old -> new`` at DEBUG). `start`, `reset` and `end` are *phases*:
they take one lock, so they run one at a time (``end()`` during ``start()`` waits for the
setup hooks, then tears everything down). Contexts reach the session only through its
`LocalHost`; everything it reports goes to one `EventSink`.

Ordering and failure rules follow METIS (metis-behaviour §6), with the deviations listed in
``docs/runtime.md``: environments are set up one after another; teardown also runs after a
failed setup; at teardown sleeps end and running scripts are cancelled (one that ignores
cancellation is abandoned after ``cancel_grace_ms``); clients created in the session are
closed; `end` completes even when it is itself cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from metis_env.missions import Mission as MissionModel
from metis_env.runtime import mission as mission_glue
from metis_env.runtime.clients import SessionClients
from metis_env.runtime.context import EnvHookContext, TargetScriptContext
from metis_env.runtime.events import (
    EventSink,
    MissionChangeRecord,
    SessionEvent,
    TaskEvent,
    emit_safely,
)
from metis_env.runtime.host import EffectInfo
from metis_env.runtime.loader import EnvironmentNotFoundError, LoadedEnvironment
from metis_env.runtime.local import LocalHost, Mission
from metis_env.runtime.records import OutputRecord, SessionResult, TaskRecord
from metis_env.runtime.state import SessionState, check_transition
from metis_env.runtime.stores import SessionStores
from metis_env.runtime.tasks import HookBatch, TaskRunner
from metis_env.schema import HOOK_EVENTS, PlannedArguments

__all__ = ["EffectRequest", "OutputSink", "Session"]

logger = logging.getLogger("metis_env.runtime")
OutputSink = Callable[[OutputRecord], None]
_SETUP, _TEARDOWN = HOOK_EVENTS
S = SessionState


@dataclass(frozen=True)
class EffectRequest:
    """One target to run in a session, with the values given for its parameters.

    ``trigger`` is METIS's effect trigger (``session-start``, ``execution-initiation`` …):
    it decides ``context.type``; ``triggered_by`` is who triggered an execution effect.
    """

    env_id: str
    target_id: str
    args: Mapping[str, Any] = field(default_factory=dict)
    trigger: str = "session-start"
    triggered_by: Any = None
    #: The host action of an execution-triggered effect (a component view), else None.
    action: Any = None


class Session:
    """One session over one or more loaded environments.

    Use `run` for the whole lifecycle, or `start` / `run_effect` / `reset` / `end` (also
    as ``async with``) to drive it step by step.

    Args:
        environments: the environments whose hooks run (each once per setup).
        name: the session's name (``context.session.name``).
        config_ids: the selected ``configs.json`` entry per environment id.
        config_overrides: per environment id, keys merged over the selected config's
            ``data`` each time a script reads it (e.g. the demo's simulator port).
        output: called with every `OutputRecord` as it is produced (errors are logged).
        events: the event sink: tasks, outputs, mission changes, client events.
        forces: names of the forces of a minimal mission (no nodes, no changes), used when
            no ``mission`` is given; when neither is given, the built-in mission
            (`metis_env.missions.builtin_mission`).
        mission: the mission contexts see: a `metis_env.missions.Mission` (changes apply
            to it), or any object with ``forces``.
        apply_change: ``(mission, command) -> changes``; ``None``: `metis_env.missions.apply`
            for a mission model, else changes are refused.
        teardown_timeout_ms: how long each teardown hook may run before it is cancelled and
            recorded as failed; ``None``: no limit.
        cancel_grace_ms: how long a cancelled task may take to stop before it is abandoned.
        close_timeout_ms: how long disconnecting each left-over client may take.
        on_client: called with each client created in the session (``--record`` taps it).
    """

    def __init__(
        self,
        environments: Iterable[LoadedEnvironment],
        *,
        name: str = "metis-env session",
        config_ids: Mapping[str, str | None] | None = None,
        config_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        output: OutputSink | None = None,
        events: EventSink | None = None,
        forces: Sequence[str] | None = None,
        mission: Any = None,
        apply_change: Callable[[Any, object], Any] | None = None,
        # Timeouts
        teardown_timeout_ms: int | None = 30_000,
        cancel_grace_ms: int = 1_000,
        close_timeout_ms: int = 5_000,
        on_client: Callable[[Any], None] | None = None,
    ) -> None:
        self.environments = {env.id: env for env in environments}
        self.id = uuid.uuid4().hex  # permanent id of the session
        self.name = name
        self._state = S.UNSTARTED  # one owner of the state: the `state` setter
        self._output = output  # the caller's output callback (kept for run_target)
        self._events = events  # the one event sink
        minimal = Mission.with_forces(name, forces) if forces is not None else None
        model = mission_glue.session_mission(mission, minimal)
        self.host = LocalHost(
            session_id=self.id,
            name=name,
            state=lambda: self._state,
            env_paths={env.id: env.path for env in self.environments.values()},
            config_ids=config_ids or {},
            config_overrides=config_overrides or {},
            mission=model,
            apply_change=apply_change
            or (mission_glue.apply_mission_change if isinstance(model, MissionModel) else None),
            emit=self._emit,
        )
        self.tasks: list[TaskRecord] = []  # every task, in announcement order
        self.outputs: list[OutputRecord] = []  # every output, in order
        self.mission_changes: list[dict[str, Any]] = []  # every mission change, as JSON
        self.teardown_timeout_ms = teardown_timeout_ms
        self.cancel_grace_ms = cancel_grace_ms
        self.close_timeout_ms = close_timeout_ms
        self._lock = asyncio.Lock()  # one phase (start, reset, end) at a time
        self._runner = TaskRunner(grace_ms=cancel_grace_ms, on_change=self._task_changed)
        self.clients = SessionClients(self._emit, close_timeout_ms, on_client)
        self._context = contextvars.copy_context()  # hooks and scripts run in copies of it
        self.clients.activate_in(self._context)
        self._runner.bind(self._context)
        self._setup_ok: bool | None = None  # result of the last setup; None before one
        self._error: str | None = None  # set by run(): a timeout or an interrupt
        self._result: SessionResult | None = None  # set once, when the session has ended

    # -- state ------------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """Where the session is (see `SessionState`; compares equal to its string)."""
        return self._state

    @state.setter
    def state(self, new: SessionState) -> None:
        check_transition(self.id, self._state, new)
        logger.debug("session %s: %s -> %s", self.id, self._state, new)
        self._state = new

    @property
    def instance_id(self) -> str:
        """Renewed by every `reset`; contexts made before it are outdated."""
        return self.host.instance_id

    @property
    def stores(self) -> SessionStores:
        """The current instance's stores (a reset starts new, empty ones)."""
        return self.host.stores

    @property
    def mission(self) -> Any:
        """The mission contexts see."""
        return self.host.mission

    @property
    def cleanup_errors(self) -> list[str]:
        """Failures closing left-over clients (never raised)."""
        return self.clients.errors

    @property
    def abandoned_tasks(self) -> int:
        """How many tasks ignored cancellation and still run."""
        return len(self._runner.abandoned)

    # -- events -----------------------------------------------------------------------

    def _emit(self, record: SessionEvent) -> None:
        if isinstance(record, MissionChangeRecord):
            self.mission_changes.extend(mission_glue.changes_json(record.changes))
        if isinstance(record, OutputRecord):
            self.outputs.append(record)
            if self._output is not None:
                try:
                    self._output(record)
                except Exception:
                    logger.exception("The session's output callback failed")
        emit_safely(self._events, record)

    def _task_changed(self, record: TaskRecord) -> None:
        emit_safely(self._events, TaskEvent.of(record))

    # -- running tasks --------------------------------------------------------------------

    def _environment(self, env_id: str) -> LoadedEnvironment:
        if env_id not in self.environments:
            known = ", ".join(self.environments) or "none"
            raise EnvironmentNotFoundError("env", env_id, f"is not in this session ({known})")
        return self.environments[env_id]

    async def _run_hooks(
        self, event: str, timeout_ms: int | None = None, announce: Sequence[TaskRecord] = ()
    ) -> bool:
        """Run ``event`` hooks of every environment; True when none failed.

        ``announce``: effect records to list (queued) after the hooks, before any hook runs.
        """
        batches = [
            HookBatch.of(env.id, env.schema.hooks(event), event)  # type: ignore[arg-type]
            for env in self.environments.values()
        ]
        for record in [r for batch in batches for r in batch.records] + list(announce):
            self.tasks.append(record)  # all announced (queued) before any runs
            self._task_changed(record)

        def context(env_id: str) -> EnvHookContext:
            return EnvHookContext(self.host, env_id, event)

        def stop() -> bool:  # teardown hooks run even after a KeyboardInterrupt
            interrupted = event == _SETUP and self._runner.interrupt is not None
            return self._result is not None or interrupted

        return await self._runner.run_hooks(batches, context, timeout_ms, stop)

    async def _tear_down(self) -> None:
        """Teardown (end and reset): sleeps end, scripts are cancelled, teardown hooks run."""
        self.host.release_sleeps()
        await self._runner.stop_all()
        await self._run_hooks(_TEARDOWN, self.teardown_timeout_ms)

    # -- phases ---------------------------------------------------------------------------

    async def start(self, *, announce: Sequence[TaskRecord] = ()) -> bool:
        """Run the setup hooks. Returns True when they all succeeded (scripts may run).

        ``announce``: planned effect records to list after the setup hooks (see `run`).

        Raises:
            SessionStateError: the session was started before.
        """
        async with self._lock:
            self.state = S.STARTING
            self._setup_ok = await self._run_hooks(_SETUP, announce=announce)
            if self._setup_ok and self._state is S.STARTING:
                self.state = S.STARTED
            return self._setup_ok

    async def reset(self) -> bool:
        """Tear down, renew the instance id and the stores, set up again (METIS's reset).

        Contexts made before the reset are outdated (`OutdatedContextError`). Returns True
        when the new setup succeeded; otherwise the session stays ``resetting`` (scripts are
        skipped) until `end`.

        Raises:
            SessionStateError: the session is not ``started``.
        """
        async with self._lock:
            self.state = S.RESETTING
            await self._tear_down()
            self.host.renew()
            self._setup_ok = await self._run_hooks(_SETUP)
            if self._setup_ok and self._state is S.RESETTING:
                self.state = S.STARTED
            return self._setup_ok

    async def end(self) -> SessionResult:
        """Cancel running scripts, run teardown hooks, close left-over clients; the result.

        Idempotent: a second call returns the same result. Complete even when cancelled:
        what could not be awaited is done at once, then the cancellation propagates.
        """
        if self._result is not None:
            return self._result
        try:
            async with self._lock:
                if self._result is None and self._state is not S.UNSTARTED:
                    self.state = S.ENDING
                    await self._tear_down()
                    await self.clients.close_all()
        finally:
            self._finish()
        assert self._result is not None
        return self._result

    def _finish(self) -> None:
        """The end of `end`, synchronous, so it completes whatever interrupted it."""
        if self._result is not None:
            return
        self._runner.cancel_all_now()
        for record in self.tasks:
            if record.status == "queued":
                self._runner.skip(record, self._error or "the session ended before it ran")
        self.clients.close_now()
        self.host.clear()
        if self._state not in (S.ENDING, S.ENDED, S.UNSTARTED):
            self.state = S.ENDING
        self.state = S.ENDED
        self._result = self.result()

    async def __aenter__(self) -> Session:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.end()

    # -- effects --------------------------------------------------------------------------

    def plan_effect(
        self, request: EffectRequest, *, announce: bool = True
    ) -> tuple[TaskRecord, PlannedArguments]:
        """Check ``request`` and queue its task; returns the record and the checked
        arguments (bound when the script starts).

        ``announce``: add the record to `tasks` now (else the caller does).

        Raises:
            EnvironmentNotFoundError / TargetNotFoundError: unknown environment or target.
            ArgumentError: an argument name or value is invalid.
        """
        env = self._environment(request.env_id)
        target = env.target(request.target_id)
        planned = mission_glue.resolve_mission_arguments(
            target.plan_arguments(request.args), self.host.model, target.id
        )
        record = TaskRecord("effect", target.id, env.id, target_id=target.id)
        if announce:
            self.tasks.append(record)
            self._task_changed(record)
        return record, planned

    async def run_effect(
        self, request: EffectRequest, *, planned: tuple[TaskRecord, PlannedArguments] | None = None
    ) -> TaskRecord:
        """Run one target's script (skipped unless the session is started). Its record."""
        record, arguments = planned or self.plan_effect(request)
        if self._state is not S.STARTED or self._result is not None:
            why = "setup failed" if self._setup_ok is False else f"session {self._state}"
            self._runner.skip(record, why)
            return record
        env = self.environments[request.env_id]
        target = env.target(request.target_id)
        values, read = mission_glue.bind_arguments(arguments, self.host.model)
        effect = EffectInfo.of(
            env.schema, target, values, request.trigger, request.triggered_by, request.action
        )
        context = TargetScriptContext(self.host, effect, read)
        await self._runner.execute(record, target.run(context, effect.args))
        return record

    # -- the whole thing ------------------------------------------------------------------

    async def run(
        self, effects: Sequence[EffectRequest], *, timeout_ms: int | None = None
    ) -> SessionResult:
        """Set up once, run each effect in order, tear down once; the result.

        Arguments are checked first: a bad one raises before any hook runs. When
        ``timeout_ms`` passes (or the caller is cancelled, e.g. Ctrl-C), whatever runs is
        cancelled, the rest is skipped, teardown still runs; cancellation (or a
        ``KeyboardInterrupt`` raised by a script) is then re-raised.

        Raises:
            ArgumentError, EnvironmentNotFoundError, TargetNotFoundError: before anything ran.
        """
        plans = [(request, self.plan_effect(request, announce=False)) for request in effects]

        async def body() -> None:
            if not await self.start(announce=[planned[0] for _, planned in plans]):
                for _, (record, _) in plans:
                    self._runner.skip(record, "setup failed")
                return
            for request, planned in plans:
                if self._runner.interrupt is not None:
                    break
                await self.run_effect(request, planned=planned)

        interrupted: BaseException | None = None
        try:
            self._error = await self._runner.supervise(body(), timeout_ms)
        except (asyncio.CancelledError, KeyboardInterrupt) as exc:
            interrupted = exc
            self._error = "the session was interrupted; running tasks were cancelled"
        finally:
            if self._runner.interrupt is not None and self._error is None:
                self._error = "the session was interrupted; running tasks were cancelled"
            result = await self.end()
        if interrupted is not None:
            raise interrupted
        if self._runner.interrupt is not None:
            raise self._runner.interrupt
        return result

    def result(self, error: str | None = None) -> SessionResult:
        """The session's result so far; ``error`` overrides the derived message."""
        return SessionResult.derive(
            self.tasks,
            self.outputs,
            error=error or self._error,
            setup_failed=self._setup_ok is False,
            cleanup_errors=self.clients.errors,
            client_stats=self.clients.stats(),
            mission_changes=self.mission_changes,
            mission=mission_glue.mission_state(self.host.model),
        )

    def __repr__(self) -> str:
        return f"Session(id={self.id!r}, name={self.name!r}, state={str(self._state)!r})"
