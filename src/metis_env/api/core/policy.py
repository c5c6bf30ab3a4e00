"""Whether and when to reconnect: a pure decision over the reconnect options.

The rules (behaviour reference §1.10, with the original's bugs fixed):

* only after an unexpected close of an open connection, a failed background attempt, or an
  open hook that failed during a background reconnect; a ``connect()`` the user awaits never
  starts a background loop when it fails;
* delay ``min(maxReconnectDelay, reconnectDelay * 2**(n-1))`` with ±20 % jitter
  (`metis_env.api.backoff.reconnect_delay`);
* beyond the original: give up after ``maxReconnectAttempts`` or ``maxReconnectTime``, or when
  the close code or handshake status says retrying is pointless
  (`metis_env.api.backoff.retry_verdict`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from metis_env.api.backoff import reconnect_delay, retry_verdict
from metis_env.api.core.states import Series

__all__ = ["GiveUp", "ReconnectPolicy", "Retry"]


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after ``delay`` ms; ``series`` counts this attempt."""

    delay: int
    series: Series


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop reconnecting for ``reason`` after ``attempts`` attempts."""

    attempts: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """The reconnect options (milliseconds) and the jitter source."""

    auto_reconnect: bool = True
    reconnect_delay: int = 1000
    max_reconnect_delay: int = 30000
    max_reconnect_attempts: int | None = None
    max_reconnect_time: int | None = None
    min_uptime: int = 0
    random: Callable[[], float] = lambda: 0.5

    def decide(
        self, series: Series, *, close_code: int | None, error: BaseException | None, now: float
    ) -> Retry | GiveUp | None:
        """What follows a loss: None when auto-reconnect is off, else retry or give up."""
        if not self.auto_reconnect:
            return None
        verdict = retry_verdict(close_code=close_code, error=error)
        if verdict is not None:
            return GiveUp(series.attempts, verdict)
        limit = self.max_reconnect_attempts
        if limit is not None and series.attempts >= limit:
            return GiveUp(series.attempts, f"{limit} reconnect attempts failed")
        started = series.started if series.started is not None else now
        attempt = series.attempts + 1
        delay = reconnect_delay(
            attempt, self.reconnect_delay, self.max_reconnect_delay, self.random
        )
        budget = self.max_reconnect_time
        if budget is not None and (now - started) * 1000 + delay > budget:
            return GiveUp(series.attempts, f"reconnecting took longer than {budget} ms")
        return Retry(delay, Series(attempt, started))

    def after_uptime(self, series: Series, opened_at: float, now: float) -> Series:
        """The series to continue after a connection that was up since ``opened_at``."""
        if self.min_uptime <= 0:
            return Series()
        if (now - opened_at) * 1000 >= self.min_uptime:
            return Series()
        return series
