"""The one source of time for timers: keepalive, pong deadlines, reconnect delays.

Everything that waits goes through a `Clock`, so tests can run it fast or inject their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from time import monotonic as _monotonic
from typing import Protocol

__all__ = ["AsyncioClock", "Cancellable", "Clock"]


class Cancellable(Protocol):
    """A scheduled call that can be called off."""

    def cancel(self) -> None:
        """Call it off (no effect once it ran)."""


class Clock(Protocol):
    """Reads monotonic time and sleeps, both in seconds."""

    def time(self) -> float:
        """Monotonic time in seconds."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (cancellable)."""

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Call ``callback()`` on the event loop after ``seconds`` (timers of the core)."""


class AsyncioClock:
    """The event loop's clock (the default)."""

    # asyncio's loop.time() is time.monotonic(); read it without the two calls around it.
    time = staticmethod(_monotonic)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        return asyncio.get_running_loop().call_later(seconds, callback)
