"""Running user code (hooks and scripts) as tasks: outcomes recorded, cancellation bounded.

Every hook and script runs as its own `asyncio.Task`, in a copy of the session's context
(so clients it creates register with the session). What it ends with becomes its record:

* returns → ``success``;
* raises anything, ``BaseException`` included (``SystemExit`` from ``sys.exit()``) →
  ``failure`` with ``"<Type>: <message>"`` and the traceback. The exception is caught inside
  the task: asyncio would otherwise re-raise ``SystemExit`` out of the event loop;
* raises ``KeyboardInterrupt`` → ``cancelled``, and the runner remembers it (`interrupt`) so
  the session ends cleanly and then re-raises it;
* is cancelled (teardown, a timeout) → ``cancelled``.

Cancelling is bounded: a task gets ``grace_ms`` to finish after ``cancel()``. One that
ignores cancellation (a bare ``except:`` around ``await`` in a loop) is *abandoned*: its
record says ``did not stop within N ms of cancellation; abandoned``, the runner keeps a
reference to it (`abandoned`) and the session moves on.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from metis_env.runtime.records import TaskRecord

__all__ = ["HookBatch", "TaskRunner", "abandoned_text"]

logger = logging.getLogger("metis_env.runtime")


def _now() -> datetime:
    return datetime.now(UTC)


def abandoned_text(grace_ms: int) -> str:
    """The record text of a task that ignored cancellation."""
    return f"did not stop within {grace_ms} ms of cancellation; abandoned"


@dataclass(frozen=True)
class HookBatch:
    """The hooks of one event of one environment, and their records (in order)."""

    env_id: str
    hooks: tuple[Callable[[Any], Awaitable[Any]], ...]
    records: tuple[TaskRecord, ...]

    @classmethod
    def of(
        cls, env_id: str, hooks: Sequence[Callable[[Any], Awaitable[Any]]], event: str
    ) -> HookBatch:
        """A batch with a queued record per hook (named after the function)."""
        records = tuple(
            TaskRecord("hook", getattr(h, "__name__", repr(h)), env_id, event=event) for h in hooks
        )
        return cls(env_id, tuple(hooks), records)


async def _call(fn: Callable[..., Awaitable[Any]], *args: Any) -> None:
    """Call ``fn`` inside the task, so even a synchronous failure is recorded."""
    await fn(*args)


@dataclass(frozen=True)
class _Outcome:
    """How user code ended, caught inside its task: ``error`` ``None`` for a return."""

    error: BaseException | None = None


async def _contained(work: Coroutine[Any, Any, Any]) -> _Outcome:
    """Await ``work``; everything it raises but cancellation comes back as an outcome."""
    try:
        await work
    except (asyncio.CancelledError, GeneratorExit):
        raise
    except BaseException as exc:
        return _Outcome(exc)
    return _Outcome()


class TaskRunner:
    """Runs hooks and scripts for one session.

    Args:
        grace_ms: how long a cancelled task may take to stop before it is abandoned.
        on_change: called with a record each time its status changes.
    """

    def __init__(self, *, grace_ms: int, on_change: Callable[[TaskRecord], None]) -> None:
        self.grace_ms = grace_ms
        self._on_change = on_change
        self._context: contextvars.Context | None = None  # tasks run in copies of it
        self.running: set[asyncio.Task[_Outcome]] = set()  # hook/script tasks in flight
        self.abandoned: set[asyncio.Task[Any]] = set()  # ignored cancellation; kept alive
        self.interrupt: KeyboardInterrupt | None = None  # raised by user code, re-raised later
        self.cancel_reason: str | None = None  # why running tasks were cancelled
        self._given_up: dict[asyncio.Task[Any], asyncio.Future[None]] = {}  # wakes execute()
        self._labels: dict[asyncio.Task[Any], str] = {}  # running task -> its record's label

    def bind(self, context: contextvars.Context) -> None:
        """Run every later task in a copy of ``context``."""
        self._context = context

    def _mark(self, record: TaskRecord, status: Any, error: str | None = None) -> None:
        record.status = status
        if error is not None:
            record.error = error
        if status == "running":
            record.started_at = _now()
        elif status not in ("queued", "skipped"):
            record.ended_at = _now()
        self._on_change(record)

    def _forget_label(self, task: asyncio.Task[Any]) -> None:
        self._labels.pop(task, None)

    def skip(self, record: TaskRecord, reason: str) -> None:
        """Record ``record`` as skipped for ``reason``."""
        self._mark(record, "skipped", reason)

    async def execute(
        self, record: TaskRecord, work: Coroutine[Any, Any, Any], timeout_ms: int | None = None
    ) -> None:
        """Run ``work`` as its own task and record how it ended.

        ``timeout_ms``: cancel it after that long and record a failure. If the caller is
        cancelled, the task is cancelled too (bounded by the grace period), recorded
        ``cancelled`` and the cancellation re-raised.
        """
        context = (self._context or contextvars.copy_context()).copy()
        task = asyncio.create_task(_contained(work), context=context)
        self.running.add(task)
        self._labels[task] = record.label
        task.add_done_callback(self.running.discard)
        task.add_done_callback(self._forget_label)
        given_up = asyncio.get_running_loop().create_future()  # set if someone abandons it
        self._given_up[task] = given_up
        self._mark(record, "running")
        try:
            timeout = None if timeout_ms is None else timeout_ms / 1000
            await asyncio.wait({task, given_up}, timeout=timeout, return_when="FIRST_COMPLETED")
            if not task.done() and not given_up.done():
                error = f"timed out after {timeout_ms} ms"
                if not await self.stop(task):
                    error += f"; {abandoned_text(self.grace_ms)}"
                self._mark(record, "failure", error)
            elif not task.done():
                reason = self.cancel_reason or "cancelled at session teardown"
                self._mark(record, "failure", f"{abandoned_text(self.grace_ms)} ({reason})")
            else:
                self._settle(record, task)
        except BaseException:
            reason = self.cancel_reason or "cancelled: the session was interrupted"
            stopped = False
            try:
                stopped = await self.stop(task)
            finally:
                if stopped or task.done():
                    self._mark(record, "cancelled", reason)
                else:
                    self._mark(record, "failure", f"{abandoned_text(self.grace_ms)} ({reason})")
            raise
        finally:
            self._given_up.pop(task, None)

    def _settle(self, record: TaskRecord, task: asyncio.Task[_Outcome]) -> None:
        if task.cancelled():
            self._mark(record, "cancelled", self.cancel_reason or "cancelled at session teardown")
            return
        exc = task.result().error
        if exc is None:
            self._mark(record, "success")
            return
        if isinstance(exc, KeyboardInterrupt):
            self.interrupt = self.interrupt or exc
            self._mark(record, "cancelled", "interrupted: it raised KeyboardInterrupt")
            return
        record.traceback = "".join(traceback.format_exception(exc))
        self._mark(record, "failure", f"{type(exc).__name__}: {exc}")
        logger.warning("%s failed with error: %s", record.label, record.error)

    async def run_hooks(
        self,
        batches: Sequence[HookBatch],
        context: Callable[[str], Any],
        timeout_ms: int | None,
        stop: Callable[[], bool],
    ) -> bool:
        """Run each batch's hooks in order, batches one after another; True if none failed.

        Within a batch the first failure skips the rest (METIS's rule); ``context(env_id)``
        makes each hook's context; once ``stop()`` is true the remaining hooks are skipped.
        """
        ok = True
        for batch in batches:
            for index, (hook, record) in enumerate(zip(batch.hooks, batch.records, strict=True)):
                if stop():
                    self.skip(record, "the session was interrupted")
                    ok = False
                    continue
                await self.execute(record, _call(hook, context(batch.env_id)), timeout_ms)
                if record.status != "success":
                    ok = False
                    for rest in batch.records[index + 1 :]:
                        self.skip(rest, f"an earlier {record.event} hook failed")
                    break
        return ok

    async def stop(self, task: asyncio.Task[Any]) -> bool:
        """Cancel ``task`` and wait up to the grace period; False when it was abandoned.

        Waiting survives one more cancellation of the caller (the grace period is short
        and bounded), so an interrupted teardown still stops what it can.
        """
        if task.done():
            return True
        task.cancel()
        try:
            await asyncio.wait({task}, timeout=self.grace_ms / 1000)
        except asyncio.CancelledError:
            if not task.done():
                self._abandon(task)
            raise
        if task.done():
            return True
        self._abandon(task)
        return False

    def _abandon(self, task: asyncio.Task[Any]) -> None:
        if task in self.abandoned:
            return
        self.abandoned.add(task)
        task.add_done_callback(self.abandoned.discard)
        given_up = self._given_up.get(task)
        if given_up is not None and not given_up.done():
            given_up.set_result(None)
        label = self._labels.get(task, "a task")
        logger.error("%s %s; the session goes on without it", label, abandoned_text(self.grace_ms))

    async def stop_all(self) -> None:
        """Cancel every running task (bounded by the grace period for all of them)."""
        tasks = [t for t in self.running if not t.done() and t not in self.abandoned]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=self.grace_ms / 1000)
        for task in tasks:
            if not task.done():
                self._abandon(task)

    async def supervise(
        self, work: Coroutine[Any, Any, None], timeout_ms: int | None
    ) -> str | None:
        """Run ``work`` (a session's body, which runs tasks through this runner) as a task.

        Returns ``None`` when it ended, or the timeout message after cancelling it when
        ``timeout_ms`` passed first. When the caller is cancelled, ``work`` is cancelled too
        and the cancellation re-raised. Stopping ``work`` is bounded: it waits for its own
        task's grace period, so it gets two, plus a second.
        """
        task = asyncio.create_task(work)
        bound = (2 * self.grace_ms + 1000) / 1000
        try:
            timeout = None if timeout_ms is None else timeout_ms / 1000
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except BaseException:
            self.cancel_reason = "cancelled: the session was interrupted"
            task.cancel()
            await asyncio.wait({task}, timeout=bound)
            raise
        if not done:
            self.cancel_reason = f"cancelled: the session timed out after {timeout_ms} ms"
            task.cancel()
            await asyncio.wait({task}, timeout=bound)
            return f"the session timed out after {timeout_ms} ms; running tasks were cancelled"
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
        return None

    def cancel_all_now(self) -> None:
        """Cancel every running task without waiting (the last resort of an interrupted end)."""
        for task in list(self.running):
            if not task.done():
                task.cancel()
