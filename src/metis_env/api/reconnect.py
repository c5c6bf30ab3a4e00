"""Auto-reconnect: when to try again, how long to wait, when to give up.

The rules (reference §1.10, with its bugs fixed):

* only after an unexpected close of an *open* connection, or a failed background attempt;
  a failed ``connect()`` the user awaits never starts a background loop;
* delay ``min(maxReconnectDelay, reconnectDelay * 2**(n-1))`` with ±20 % jitter;
* the attempt count resets when a connection opens (or, with ``minUptime``, once a
  connection stayed up that long), and on ``disconnect()``;
* beyond the original: give up after ``maxReconnectAttempts`` or ``maxReconnectTime``, or
  when the close code / handshake status says retrying is pointless (`backoff.retry_verdict`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metis_env.api.backoff import reconnect_delay, retry_verdict
from metis_env.api.clock import Clock
from metis_env.api.events import ReconnectFailedEvent, ReconnectingEvent

if TYPE_CHECKING:
    from metis_env.api.options import WebSocketApiOptions
    from metis_env.api.websocket import WebSocketApi

__all__ = ["GiveUp", "Plan", "Reconnector"]


@dataclass(frozen=True)
class Plan:
    """Try again: attempt number ``attempt`` after ``delay`` ms."""

    attempt: int
    delay: int
    cause: BaseException | None


@dataclass(frozen=True)
class GiveUp:
    """Stop reconnecting, for ``reason``."""

    attempts: int
    reason: str
    cause: BaseException | None


class Reconnector:
    """The reconnect policy and timer of one client."""

    def __init__(
        self,
        client: WebSocketApi,
        options: WebSocketApiOptions,
        clock: Clock,
        random: Callable[[], float],
    ) -> None:
        self._client = client
        self._options = options
        self._clock = clock
        self._random = random
        # Attempts since the last successful open (reconnect_attempt_count).
        self.attempts = 0
        # The task waiting out the delay, then starting the attempt.
        self._timer: asyncio.Task[None] | None = None
        # Clock time the current series of attempts began (for maxReconnectTime).
        self._series_start: float | None = None
        # Clock time the current connection opened (for minUptime).
        self._opened_at: float | None = None

    def cancel(self) -> None:
        """Cancel a scheduled attempt."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def reset(self) -> None:
        """Forget the series (disconnect())."""
        self.attempts = 0
        self._series_start = None

    def opened(self) -> None:
        """A connection opened."""
        self._opened_at = self._clock.time()
        if self._options.min_uptime <= 0:
            self.reset()

    def plan_after_close(self, code: int, error: BaseException | None) -> Plan | GiveUp | None:
        """Decide, before the close events fire, what follows an unexpected close."""
        if not self._options.auto_reconnect:
            return None
        now = self._clock.time()
        if self._opened_at is not None:
            uptime_ms = (now - self._opened_at) * 1000
            if self._options.min_uptime > 0 and uptime_ms >= self._options.min_uptime:
                self.reset()
            self._opened_at = None
        return self._plan(close_code=code, error=error)

    def after_failure(self, close_code: int | None, error: BaseException) -> None:
        """A background attempt failed: plan and start the next step."""
        if not self._options.auto_reconnect:
            return
        self.start(self._plan(close_code=close_code, error=error))

    def _plan(self, close_code: int | None, error: BaseException | None) -> Plan | GiveUp:
        verdict = retry_verdict(close_code=close_code, error=error)
        if verdict is not None:
            return GiveUp(self.attempts, verdict, error)
        limit = self._options.max_reconnect_attempts
        if limit is not None and self.attempts >= limit:
            return GiveUp(self.attempts, f"{limit} reconnect attempts failed", error)
        now = self._clock.time()
        if self._series_start is None:
            self._series_start = now
        attempt = self.attempts + 1
        delay = reconnect_delay(
            attempt, self._options.reconnect_delay, self._options.max_reconnect_delay, self._random
        )
        budget = self._options.max_reconnect_time
        if budget is not None and (now - self._series_start) * 1000 + delay > budget:
            return GiveUp(self.attempts, f"reconnecting took longer than {budget} ms", error)
        self.attempts = attempt
        return Plan(attempt, delay, error)

    def start(self, plan: Plan | GiveUp | None) -> None:
        """Announce the plan (``reconnecting`` / ``reconnect-failed``) and arm the timer."""
        if plan is None:
            return
        client = self._client
        if isinstance(plan, GiveUp):
            self._series_start = None
            client._emit(ReconnectFailedEvent(plan.attempts, plan.cause, plan.reason))
            return
        client._emit(ReconnectingEvent(plan.attempt, plan.delay, plan.cause))
        if not client._wanted:  # a listener called disconnect()
            return
        self.cancel()
        self._timer = asyncio.get_running_loop().create_task(self._wait_then_connect(plan.delay))

    async def _wait_then_connect(self, delay_ms: int) -> None:
        await self._clock.sleep(delay_ms / 1000)
        self._timer = None
        client = self._client
        if client._wanted and client._attempt is None and client._conn is None:
            client._start_attempt()
