"""The outgoing path: one ordered line of messages from `send()` to the transport.

Two parts, one order:

* the **queue** holds sends made while there is no open connection (``queueWhileDisconnected``),
  bounded by ``maxQueueSize``; it is flushed in FIFO order on the next open;
* the **backlog** holds messages the transport could not take at once (``try_send`` returned
  False: write buffer full, or a library with only an async send); one writer task empties it
  in order. While the backlog is not empty, new messages join it, so none overtakes another.

When a connection breaks, messages still in the backlog go back to the front of the queue if
queueing is enabled (nothing promised is lost), else their handles fail.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from metis_env.api.errors import (
    ConnectionClosedError,
    SendQueueClearedError,
    SendQueueFullError,
    WebSocketError,
)
from metis_env.api.handles import Handle, failed_handle, new_handle, settle
from metis_env.api.transport.base import Transport

__all__ = ["Outbox"]

Item = tuple[str | bytes, Handle[Any] | None]


class Outbox:
    """Queue + backlog for one client. Not thread-safe; lives on the client's event loop."""

    def __init__(self, max_queue: int, on_sent: Callable[[str | bytes], None]) -> None:
        # Sends waiting for a connection (FIFO), each with the handle its caller holds.
        # Both deques start as an empty tuple and become deques on first use: an idle
        # client should not pay 1.5 KiB for two empty deques.
        self.queue: deque[Item] | tuple[()] = ()
        # Sends accepted for the current connection but not yet written (FIFO).
        self.backlog: deque[Item] | tuple[()] = ()
        # Capacity of `queue` (maxQueueSize).
        self.max_queue = max_queue
        # Called after each message is handed to the transport (statistics).
        self._on_sent = on_sent
        # The task emptying `backlog`, while there is one.
        self._writer: asyncio.Task[None] | None = None
        # Counts sends refused because the queue was full.
        self.drops = 0

    def enqueue(self, payload: str | bytes, *, bounded: bool = True) -> Handle[Any]:
        """Hold ``payload`` until the next open; fail at once when the queue is full."""
        if bounded and len(self.queue) >= self.max_queue:
            self.drops += 1
            return failed_handle("send()", SendQueueFullError())
        handle = new_handle("send()")
        self._queue().append((payload, handle))
        return handle

    def write(self, transport: Transport, payload: str | bytes) -> Handle[Any] | None:
        """Send on an open connection, in order. Returns None when it was sent at once."""
        if not self.backlog and transport.try_send(payload):
            self._on_sent(payload)
            return None
        handle = new_handle("send()")
        self._backlog().append((payload, handle))
        self._ensure_writer(transport)
        return handle

    def flush(self, transport: Transport) -> None:
        """Move the whole queue behind the backlog (called when a connection opens)."""
        queue, self.queue = self.queue, ()
        for payload, handle in queue:
            if not self.backlog and transport.try_send(payload):
                self._on_sent(payload)
                if handle is not None:
                    settle(handle)
            else:
                self._backlog().append((payload, handle))
        if self.backlog:
            self._ensure_writer(transport)

    async def wait_written(self) -> None:
        """Wait until the backlog is empty (or its writer stopped)."""
        writer = self._writer
        if writer is not None:
            # wait() neither raises the writer's outcome nor cancels it if we are cancelled.
            await asyncio.wait({writer})

    def connection_lost(self, requeue: bool, error: WebSocketError) -> None:
        """The connection broke: requeue what was not written, or fail it."""
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        pending = list(self.backlog)
        self.backlog = ()
        if requeue:
            self._queue().extendleft(reversed(pending))
            return
        for _, handle in pending:
            if handle is not None:
                settle(handle, error)

    def clear_queue(self) -> int:
        """Fail every queued send with ``Send queue cleared.``; return how many."""
        if not self.queue:
            return 0  # the common case (every disconnect): no error object to build
        items = list(self.queue)
        self.queue = ()
        error = SendQueueClearedError()
        for _, handle in items:
            if handle is not None:
                settle(handle, error)
        return len(items)

    def replace_queue(self, items: list[Item]) -> None:
        """Keep only ``items`` in the queue, in this order."""
        self.queue = deque(items) if items else ()

    def _queue(self) -> deque[Item]:
        queue = self.queue
        if isinstance(queue, tuple):
            queue = self.queue = deque()
        return queue

    def _backlog(self) -> deque[Item]:
        backlog = self.backlog
        if isinstance(backlog, tuple):
            backlog = self.backlog = deque()
        return backlog

    def _ensure_writer(self, transport: Transport) -> None:
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._write_backlog(transport))

    async def _write_backlog(self, transport: Transport) -> None:
        backlog = self._backlog()
        try:
            while backlog:
                payload, handle = backlog[0]
                if isinstance(payload, str):
                    await transport.send_text(payload)
                else:
                    await transport.send_bytes(payload)
                if backlog and backlog[0][1] is handle:
                    backlog.popleft()
                self._on_sent(payload)
                if handle is not None:
                    settle(handle)
        except ConnectionClosedError:
            pass  # connection_lost() decides what happens to the rest
        finally:
            if self._writer is asyncio.current_task():
                self._writer = None
