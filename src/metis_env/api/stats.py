"""Counters a client keeps about itself (``ws.stats()``)."""

from __future__ import annotations

import time
from typing import Any

__all__ = ["ClientStats", "wire_len"]


def wire_len(data: str | bytes) -> int:
    """Bytes ``data`` takes on the wire: UTF-8 for text (ASCII needs no encoding to count)."""
    if type(data) is str and not data.isascii():
        return len(data.encode("utf-8"))
    return len(data)


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

    def snapshot(self, **extra: Any) -> dict[str, Any]:
        now = extra.pop("now", None)
        uptime = None
        if now is not None and self._opened_at is not None:
            uptime = round((now - self._opened_at) * 1000)
        return {
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
        }
