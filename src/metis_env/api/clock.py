"""The one source of time for timers: keepalive, pong deadlines, reconnect delays.

Everything that waits goes through a `Clock`, so tests can run it fast or inject their own.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

__all__ = ["AsyncioClock", "Clock"]


class Clock(Protocol):
    """Reads monotonic time and sleeps, both in seconds."""

    def time(self) -> float:
        """Monotonic time in seconds."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (cancellable)."""


class AsyncioClock:
    """The event loop's clock (the default)."""

    def time(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
