"""Counters a client keeps about itself (``ws.stats()``)."""

from __future__ import annotations

import time
from typing import Any, TypedDict, cast

__all__ = ["ClientStats", "StatsSnapshot", "wire_len"]


def wire_len(data: str | bytes) -> int:
    """Bytes ``data`` takes on the wire: UTF-8 for text (ASCII needs no encoding to count)."""
    if type(data) is str and not data.isascii():
        return len(data.encode("utf-8"))
    return len(data)


class StatsSnapshot(TypedDict):
    """What ``ws.stats()`` returns: a plain dict with these keys (documented, stable)."""

    #: Messages received and sent (sent: handed to the connection).
    messages_in: int
    messages_out: int
    #: Payload bytes on the wire (UTF-8 for text frames).
    bytes_in: int
    bytes_out: int
    #: Successful opens; opens after the first; closes of open connections.
    connects: int
    reconnects: int
    disconnects: int
    #: Round trip of the last answered keepalive ping, in ms (None before the first).
    last_rtt_ms: float | None
    #: Epoch seconds the current connection opened, and its uptime in ms (None: not open).
    connected_since: float | None
    uptime_ms: int | None
    #: Sends waiting in the queue, and sends refused because it was full.
    queue_depth: int
    queue_drops: int
    #: Reconnect attempts since the last successful open.
    reconnect_attempts: int
    #: Requests waiting for a reply, answered, failed, timed out.
    requests_in_flight: int
    requests_completed: int
    requests_failed: int
    requests_timed_out: int
    #: Pending wait_for() calls, open messages() streams, messages they dropped.
    waiters: int
    streams: int
    stream_drops: int
    #: Active subscriptions.
    subscriptions: int


class ClientStats:
    """Plain counters, updated on the hot path: attribute increments only."""

    __slots__ = (
        "_opened_at",
        "bytes_in",
        "bytes_out",
        "connected_since",
        "connects",
        "disconnects",
        "last_rtt_ms",
        "messages_in",
        "messages_out",
    )

    def __init__(self) -> None:
        self.messages_in = 0
        self.messages_out = 0
        self.bytes_in = 0
        self.bytes_out = 0
        # Successful opens, and closes of open connections.
        self.connects = 0
        self.disconnects = 0
        # Round-trip time of the last keepalive ping, in milliseconds.
        self.last_rtt_ms: float | None = None
        # Wall-clock time (epoch seconds) the current connection opened.
        self.connected_since: float | None = None
        self._opened_at: float | None = None

    def count_in(self, data: str | bytes) -> None:
        self.messages_in += 1
        self.bytes_in += wire_len(data)

    def count_out(self, data: str | bytes) -> None:
        self.messages_out += 1
        self.bytes_out += wire_len(data)

    def rtt(self, seconds: float) -> None:
        self.last_rtt_ms = round(seconds * 1000, 3)

    def opened(self, now: float) -> None:
        self.connects += 1
        self.connected_since = time.time()
        self._opened_at = now

    def closed(self) -> None:
        self.disconnects += 1
        self.connected_since = None
        self._opened_at = None

    def snapshot(self, **extra: Any) -> StatsSnapshot:
        now = extra.pop("now", None)
        uptime = None
        if now is not None and self._opened_at is not None:
            uptime = round((now - self._opened_at) * 1000)
        return cast(
            StatsSnapshot,
            {
                "messages_in": self.messages_in,
                "messages_out": self.messages_out,
                "bytes_in": self.bytes_in,
                "bytes_out": self.bytes_out,
                "connects": self.connects,
                "reconnects": max(0, self.connects - 1),
                "disconnects": self.disconnects,
                "last_rtt_ms": self.last_rtt_ms,
                "connected_since": self.connected_since,
                "uptime_ms": uptime,
                **extra,
            },
        )
