"""One accepted connection: carries out the protocol's actions and runs its streams.

Actions from `metis_env.simulator.protocol.handle_message` go into an outbox with the time
they are due (arrival + reply delay). One sender task takes them out in order, so replies
never overtake each other and a stream starts only after its ``subscribed`` went out, even
when replies are delayed. Each stream is a task of its own that stops on an event (never
cancelled mid-send), so ``stream-end`` is always the stream's last message.

Every task lives on the session and is cancelled and awaited by `Session.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from metis_env.api.codec import encode
from metis_env.simulator.protocol import (
    Action,
    Reply,
    SessionState,
    StartStream,
    Unsubscribe,
    stream_end,
    stream_item,
)

__all__ = ["Session"]


@dataclass(eq=False)
class _Stream:
    """One running stream."""

    channel: str
    interval_ms: int
    count: int | None  # None: until unsubscribed
    sent: int = 0  # items sent so far (the last item's seq)
    finished: bool = False  # the stream reached `count` and sends its own stream-end
    stop: asyncio.Event = field(default_factory=asyncio.Event)  # set: stop before the next item
    task: asyncio.Task[None] | None = None


async def _wait_event(event: asyncio.Event, seconds: float) -> bool:
    """True when ``event`` is set within ``seconds``, False when time ran out."""
    if event.is_set() or seconds <= 0:
        return event.is_set()
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


class Session:
    """The server side of one connection, after its handshake."""

    def __init__(self, conn_id: int, connection: ServerConnection) -> None:
        self.conn_id = conn_id  # the id tests see in ReceivedMessage.conn_id
        self.connection = connection  # the websockets connection (send, close, transport)
        self.state = SessionState()  # what the protocol remembers (authentication)
        self._outbox: asyncio.Queue[tuple[float, Sequence[Action]]] = asyncio.Queue()
        self._streams: dict[str, _Stream] = {}  # running streams by channel
        self._sender = asyncio.get_running_loop().create_task(
            self._send_loop(), name=f"simulator-conn-{conn_id}-sender"
        )

    @property
    def channels(self) -> list[str]:
        """The channels streaming now, in subscription order."""
        return list(self._streams)

    def submit(self, actions: Sequence[Action], due: float) -> None:
        """Queue ``actions`` to run at loop time ``due`` (seconds), after earlier ones."""
        self._outbox.put_nowait((due, actions))

    async def send(self, message: Any) -> None:
        """Send one message (encoded by `encode`); a closed connection is not an error here."""
        with contextlib.suppress(ConnectionClosed):
            await self.connection.send(encode(message))

    async def close(self) -> None:
        """Stop the sender and every stream, and wait for them; queued replies are dropped."""
        tasks = [self._sender, *(s.task for s in self._streams.values() if s.task)]
        self._streams.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, actions = await self._outbox.get()
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for action in actions:
                await self._execute(action)

    async def _execute(self, action: Action) -> None:
        if isinstance(action, Reply):
            await self.send(action.message)
        elif isinstance(action, StartStream):
            await self._stop_stream(action.channel)  # resubscribing restarts, silently
            stream = _Stream(action.channel, action.interval_ms, action.count)
            self._streams[action.channel] = stream
            stream.task = asyncio.get_running_loop().create_task(
                self._run_stream(stream), name=f"simulator-conn-{self.conn_id}-{stream.channel}"
            )
        elif isinstance(action, Unsubscribe):
            names = list(self._streams) if action.channels is None else list(action.channels)
            for name in names:
                sent = await self._stop_stream(name)
                if sent is not None:
                    await self.send(stream_end(name, sent))
            await self.send({"type": "unsubscribed", "channels": names})

    async def _stop_stream(self, channel: str) -> int | None:
        """Stop ``channel``'s stream; its item count, or None if it was not running or
        had already finished (and sent its own ``stream-end``)."""
        stream = self._streams.pop(channel, None)
        if stream is None or stream.task is None:
            return None
        stream.stop.set()
        await stream.task
        return None if stream.finished else stream.sent

    async def _run_stream(self, stream: _Stream) -> None:
        loop = asyncio.get_running_loop()
        interval = stream.interval_ms / 1000
        next_at = loop.time()
        while stream.count is None or stream.sent < stream.count:
            # Keep to the schedule, but after a stall go on from now instead of bursting.
            next_at = max(next_at + interval, loop.time())
            if await _wait_event(stream.stop, next_at - loop.time()):
                return
            stream.sent += 1
            await self.send(stream_item(stream.channel, stream.sent))
        stream.finished = True
        if self._streams.get(stream.channel) is stream:
            del self._streams[stream.channel]
        await self.send(stream_end(stream.channel, stream.sent))
