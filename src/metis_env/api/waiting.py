"""Waiting for messages instead of polling: `wait_for` and the `messages` iterator.

Both start listening when they are *called*, not when first awaited, so a script can call
``reply = ws.wait_for("pong")``, then send the message that triggers it, then ``await
reply`` without a race. Both see every incoming message, replies to requests included, and
neither changes what ``message`` listeners receive. They yield the message's ``data`` (the
parsed JSON, or the raw ``str``/``bytes`` when it is not JSON).

A *match* is a ``str``, which matches dicts whose ``"type"`` equals it, or a function of
``data`` returning true for the messages wanted (a function that raises ends the wait or the
iteration with its exception: the caller sees the bug).

Ending: only ``disconnect()`` ends them (wait_for fails with `ClosedError`; the iterator
yields what it already buffered, then stops). A connection that drops and reconnects does
not: waiting spans reconnects, bounded by its timeout.

Overflow rule of `MessageStream`: the buffer holds at most ``max_buffer`` messages; when a
new one arrives while it is full, the **oldest is dropped** and counted in
`MessageStream.dropped` (and ``stats()["stream_drops"]``); the first drop of a stream is
logged at WARNING. Dropping the oldest keeps a slow consumer looking at recent data, which is
what a telemetry or status stream wants; a consumer that must see everything keeps up or
raises ``max_buffer``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from metis_env.api.errors import ClosedError, ConfigError, RequestTimeoutError
from metis_env.api.events import MessageEvent
from metis_env.api.handles import Handle, new_handle, settle
from metis_env.api.logs import log_event
from metis_env.api.port import Port
from metis_env.api.requests import check_timeout

__all__ = ["Inbox", "Match", "MessageStream", "matcher"]

logger = logging.getLogger("metis_env.api")

#: What to wait for: a message ``type`` (str) or a predicate over ``data``.
Match = str | Callable[[Any], Any]


def _type_is(name: str) -> Callable[[Any], bool]:
    return lambda data: isinstance(data, dict) and data.get("type") == name


def matcher(match: Match | None, type_: str | None = None) -> Callable[[Any], bool]:
    """Combine a type name and/or a predicate into one test of ``data``."""
    tests: list[Callable[[Any], Any]] = []
    for name in (match if isinstance(match, str) else None, type_):
        if name is not None:
            tests.append(_type_is(name))
    if match is not None and not isinstance(match, str):
        if not callable(match):
            raise ConfigError("match", match, "must be a message type (str) or a function")
        tests.append(match)
    return lambda data: all(test(data) for test in tests)


def _describe(match: Match | None, type_: str | None = None) -> str:
    if isinstance(match, str):
        return f"type {match!r}"
    if type_ is not None:
        return f"type {type_!r}"
    return "the predicate " + getattr(match, "__name__", repr(match))


class MessageStream:
    """An async iterator over incoming messages (``data``), with a bounded buffer.

    Use it in ``async for``; stop early with ``break`` and `close` (or use ``async with``).
    Iteration ends after ``disconnect()`` once the buffer is drained.
    """

    def __init__(self, inbox: Inbox, test: Callable[[Any], bool], max_buffer: int) -> None:
        self._inbox = inbox
        self._test = test
        # Matching messages not yet consumed, oldest first.
        self._buffer: deque[Any] = deque()
        self.max_buffer = max_buffer
        # How many messages were dropped because the buffer was full (oldest first).
        self.dropped = 0
        self._ended = False
        self._error: BaseException | None = None
        self._ready = asyncio.Event()

    @property
    def buffered(self) -> int:
        """How many messages wait to be consumed."""
        return len(self._buffer)

    def __aiter__(self) -> MessageStream:
        return self

    async def __anext__(self) -> Any:
        while not self._buffer:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            if self._ended:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._buffer.popleft()

    def close(self) -> None:
        """Stop receiving; buffered messages are still yielded, then iteration stops."""
        self._end()
        streams = self._inbox.streams
        if streams is not None:
            streams.discard(self)

    async def aclose(self) -> None:
        """Same as `close` (for ``contextlib.aclosing`` and friends)."""
        self.close()

    async def __aenter__(self) -> MessageStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _push(self, data: Any) -> None:
        if self._ended:
            return
        try:
            wanted = self._test(data)
        except Exception as exc:
            self._error = exc
            self.close()
            self._ready.set()
            return
        if not wanted:
            return
        if len(self._buffer) >= self.max_buffer:
            self._buffer.popleft()
            self.dropped += 1
            self._inbox.drops += 1
            if self.dropped == 1:
                log_event(
                    logger,
                    logging.WARNING,
                    "messages.overflow",
                    self._inbox.port.url,
                    "messages() buffer full (max_buffer=%d): dropping the oldest message; "
                    "consume faster or raise max_buffer",
                    self.max_buffer,
                    max_buffer=self.max_buffer,
                )
        self._buffer.append(data)
        self._ready.set()

    def _end(self) -> None:
        self._ended = True
        self._ready.set()

    def _fail(self, error: BaseException) -> None:
        """End the iteration with ``error`` once the buffer is drained."""
        if not self._ended:
            self._error = error
            self._end()


class _Waiter:
    __slots__ = ("handle", "test", "timer")

    def __init__(self, handle: Handle[Any], test: Callable[[Any], bool]) -> None:
        self.handle = handle
        self.test = test
        self.timer: asyncio.Task[None] | None = None


class Inbox:
    """The waiters and message streams of one client."""

    def __init__(self, port: Port) -> None:
        self.port = port
        # Pending wait_for() calls, in the order they were made.
        self.waiters: dict[Handle[Any], _Waiter] = {}
        # Open streams; weak, so a stream the script dropped stops costing anything.
        # Created on first use: an idle client should not pay for a WeakSet (about 1 KiB).
        self.streams: weakref.WeakSet[MessageStream] | None = None
        # Messages dropped by full stream buffers (all streams, ever).
        self.drops = 0

    def wait_for(self, match: Match, timeout: float | None) -> Handle[Any]:
        """See `WebSocketApi.wait_for`."""
        timeout = check_timeout("timeout", timeout)
        if match is None:
            raise ConfigError("match", match, "must be a message type (str) or a function")
        test = matcher(match)
        handle: Handle[Any] = new_handle("wait_for()")
        waiter = _Waiter(handle, test)
        self.waiters[handle] = waiter
        handle.add_done_callback(self._forget)
        if timeout is not None:
            waiter.timer = asyncio.get_running_loop().create_task(
                self._expire(handle, timeout, _describe(match))
            )
        return handle

    def messages(
        self, type_: str | None, match: Callable[[Any], Any] | None, max_buffer: int
    ) -> MessageStream:
        """See `WebSocketApi.messages`."""
        if isinstance(max_buffer, bool) or not isinstance(max_buffer, int) or max_buffer < 1:
            raise ConfigError("max_buffer", max_buffer, "must be an integer of at least 1")
        if type_ is not None and not isinstance(type_, str):
            raise ConfigError("type", type_, "must be a message type (str) or None")
        stream = MessageStream(self, matcher(match, type_), max_buffer)
        if self.streams is None:
            self.streams = weakref.WeakSet()
        self.streams.add(stream)
        return stream

    def _forget(self, handle: asyncio.Future[Any]) -> None:
        waiter = self.waiters.pop(handle, None)  # type: ignore[call-overload]
        if waiter is not None and waiter.timer is not None:
            if waiter.timer is not asyncio.current_task():
                waiter.timer.cancel()
            waiter.timer = None

    async def _expire(self, handle: Handle[Any], timeout: float, what: str) -> None:
        await self.port.clock.sleep(timeout / 1000)
        if handle.done():
            return
        ms = f"{timeout:g}"
        log_event(
            logger,
            logging.INFO,
            "wait.timeout",
            self.port.url,
            "wait_for(%s) got no matching message within %s ms",
            what,
            ms,
            timeout_ms=timeout,
        )
        settle(
            handle,
            RequestTimeoutError(
                f"wait_for timed out: no message matching {what} within {ms} ms",
                url=self.port.url,
            ),
        )

    def on_message(self, event: MessageEvent) -> None:
        """Hand ``event.data`` to every matching waiter and to every stream."""
        streams = self.streams
        # WeakSet.__len__ is Python code; its backing set answers the hot-path question faster.
        if not self.waiters and (streams is None or not streams.data):  # type: ignore[attr-defined]
            return
        data = event.data
        for waiter in list(self.waiters.values()):
            if waiter.handle.done():
                continue
            try:
                wanted = waiter.test(data)
            except Exception as exc:
                settle(waiter.handle, exc)
                continue
            if wanted:
                waiter.handle.set_result(data)
        for stream in list(self.streams or ()):
            stream._push(data)

    def on_stopped(self, error: BaseException) -> None:
        """The client will not reconnect: waiters and streams end with ``error``."""
        for waiter in list(self.waiters.values()):
            settle(waiter.handle, error)
        for stream in list(self.streams or ()):
            stream._fail(error)

    def on_disconnect(self) -> None:
        """``disconnect()``: waiters fail with `ClosedError`; streams end after their buffer."""
        for waiter in list(self.waiters.values()):
            settle(
                waiter.handle,
                ClosedError(
                    "wait_for abandoned: disconnect() was called before a matching message arrived",
                    url=self.port.url,
                ),
            )
        for stream in list(self.streams or ()):
            stream._end()
        self.streams = None
