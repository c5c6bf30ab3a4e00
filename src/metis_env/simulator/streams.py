"""`Streams`: the running streams of one connection, each a task of its own.

A stream is either a seed channel (``StartStream``: items from `protocol.stream_item`, a
``stream-end`` after the last one) or a handler's items (``Stream``: whatever the iterable
yields, nothing after). Each stops on an event, never cancelled mid-send, so a seed stream's
``stream-end`` is always its last message. Starting a stream under a name already running
replaces it silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from metis_env.simulator.actions import StartStream, Stream
from metis_env.simulator.protocol import stream_end, stream_item

__all__ = ["Streams"]


@dataclass(eq=False)
class _Stream:
    """One running stream: a seed channel (``items`` None) or a handler's items."""

    name: str
    interval_ms: int
    count: int | None  # None: until stopped or the items run out
    items: Iterator[Any] | None = None  # a handler's items; None: the seed's stream_item
    sent: int = 0  # items sent so far (the last item's seq)
    finished: bool = False  # the stream ran out by itself (a seed one sends its stream-end)
    stop: asyncio.Event = field(default_factory=asyncio.Event)  # set: stop before the next item
    task: asyncio.Task[None] | None = None


async def _wait_event(event: asyncio.Event, seconds: float) -> bool:
    """True when ``event`` is set within ``seconds``, False when time ran out.

    Uses `asyncio.wait`, not `asyncio.wait_for`: on Python 3.11 the latter can swallow a
    cancellation that arrives as the event is set, and a stream must always stop when told.
    """
    if event.is_set() or seconds <= 0:
        return event.is_set()
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
    return event.is_set()


class Streams:
    """The streams of one connection.

    Args:
        label: names the tasks (``simulator-conn-<id>``).
        send: sends one message on the connection.
        on_error: called with the stream's name and the exception when a handler's items
            fail or cannot be encoded; that stream ends.
    """

    def __init__(
        self,
        label: str,
        send: Callable[[Any], Awaitable[None]],
        on_error: Callable[[str, Exception], None],
    ) -> None:
        self._label = label
        self._send = send
        self._on_error = on_error
        self._running: dict[str, _Stream] = {}  # by name, in start order
        self._tasks: set[asyncio.Task[None]] = set()  # every stream task not yet done

    @property
    def names(self) -> list[str]:
        """The streams running now, in start order."""
        return list(self._running)

    def start(self, action: StartStream | Stream) -> None:
        """Start the stream ``action`` describes, replacing one of the same name."""
        if isinstance(action, StartStream):
            stream = _Stream(action.channel, action.interval_ms, action.count)
        else:
            stream = _Stream(action.name, action.interval_ms, None, iter(action.items))
        old = self._running.pop(stream.name, None)
        if old is not None:
            old.stop.set()  # it ends by itself before its next item; `_tasks` keeps it
        self._running[stream.name] = stream
        stream.task = asyncio.get_running_loop().create_task(
            self._run(stream), name=f"{self._label}-{stream.name}"
        )
        self._tasks.add(stream.task)
        stream.task.add_done_callback(self._tasks.discard)

    async def stop(self, name: str) -> int | None:
        """Stop stream ``name``; its item count, or ``None`` if it was not running or had
        already finished by itself (a seed stream then sent its own ``stream-end``)."""
        stream = self._running.pop(name, None)
        if stream is None or stream.task is None:
            return None
        stream.stop.set()
        # asyncio.wait: if the caller is cancelled meanwhile, that cancellation is its own
        # (awaiting the task would pass it into the stream, where it could be lost).
        await asyncio.wait({stream.task})
        return None if stream.finished else stream.sent

    async def shutdown(self) -> None:
        """Cancel every stream (stopping and replaced ones too) and wait for them."""
        tasks = list(self._tasks)
        self._running.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _next(self, stream: _Stream) -> tuple[bool, Any]:
        if stream.items is None:
            return True, stream_item(stream.name, stream.sent + 1)
        try:
            return True, next(stream.items)
        except StopIteration:
            return False, None

    async def _run(self, stream: _Stream) -> None:
        loop = asyncio.get_running_loop()
        interval = stream.interval_ms / 1000
        next_at = loop.time()
        try:
            while stream.count is None or stream.sent < stream.count:
                # Keep to the schedule, but after a stall go on from now instead of bursting.
                next_at = max(next_at + interval, loop.time())
                if await _wait_event(stream.stop, next_at - loop.time()):
                    return
                more, item = self._next(stream)
                if not more:
                    break
                stream.sent += 1
                await self._send(item)
        except Exception as exc:  # a handler's items failed, or an item cannot be encoded
            self._on_error(stream.name, exc)
            return
        finally:
            if self._running.get(stream.name) is stream and not stream.stop.is_set():
                del self._running[stream.name]
        stream.finished = True
        if stream.items is None:
            await self._send(stream_end(stream.name, stream.sent))
