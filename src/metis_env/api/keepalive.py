"""Keepalive for one connection: ping with a fresh payload, expect that pong, or drop.

Each ping carries eight fresh random bytes and only the pong that echoes them counts
(RFC 6455 §5.5.3: a pong answers the ping whose application data it carries), so a stale or
unsolicited pong can neither hide a dead peer nor skew the round-trip time.

Differs from the original: it only notices a dead peer when ``keepAliveTimeout <
keepAliveInterval``; here a peer that stops answering is dropped within interval + timeout,
for any pair of values.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from metis_env.api.clock import Clock
from metis_env.api.errors import ConnectionClosedError
from metis_env.api.transport.base import Transport

__all__ = ["Keepalive"]


class Keepalive:
    """Pings ``transport`` every ``interval`` seconds while it lives."""

    __slots__ = (
        "_clock",
        "_expected",
        "_interval",
        "_on_dead",
        "_on_rtt",
        "_sent_at",
        "_task",
        "_timeout",
        "_transport",
        "_waiter",
    )

    def __init__(
        self,
        transport: Transport,
        interval: float,
        timeout: float,
        clock: Clock,
        on_rtt: Callable[[float], None],
        on_dead: Callable[[float], None],
    ) -> None:
        self._transport = transport
        # Seconds between pings, and to wait for each pong (0: never give up).
        self._interval = interval
        self._timeout = timeout
        self._clock = clock
        # Called with the round-trip time (s) of each answered ping, and with the timeout (s)
        # when a pong did not come: the caller drops the connection.
        self._on_rtt = on_rtt
        self._on_dead = on_dead
        # The payload of the ping in flight, when it was sent, and who waits for its pong.
        self._expected: bytes | None = None
        self._sent_at = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin pinging (on the running loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        """Stop pinging; never blocks."""
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def pong(self, data: bytes) -> None:
        """A pong arrived; it counts only when it carries the payload of the ping in flight."""
        if self._expected is None or data != self._expected:
            return
        self._expected = None
        self._on_rtt(self._clock.time() - self._sent_at)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        clock = self._clock
        while True:
            await clock.sleep(self._interval)
            payload = os.urandom(8)
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiter = waiter
            self._expected = payload
            self._sent_at = clock.time()
            try:
                await self._transport.ping(payload)
            except ConnectionClosedError:
                return
            if self._timeout <= 0:
                continue
            sleeper = loop.create_task(clock.sleep(self._timeout))
            try:
                await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
            if not waiter.done():
                self._task = None
                self._on_dead(self._timeout)
                return
