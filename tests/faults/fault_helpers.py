"""Shared pieces of the fault suite: a client factory, an event log, a free port, counters.

`EventLog` records every event of a client except ``activity`` as a short tuple
(``("close", 1006)``, ``("reconnecting", 2)``…) so a test compares the whole sequence at once
(httpx's event-hook tests do the same), and waits on it with a bounded timeout.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

from metis_env.api import WebSocketApi

__all__ = ["COUNTS", "LIMIT", "EventLog", "client", "free_port", "open_fds"]

#: Upper bound, in seconds, for any single wait in this suite.
LIMIT = 5.0

#: What the suite exercised, by kind ("faults survived", "inputs tried", …); printed at the end.
COUNTS: Counter[str] = Counter()

Entry = tuple[Any, ...]


def client(port: int, **kw: Any) -> WebSocketApi:
    """A client for 127.0.0.1:``port`` with short, deterministic timings (200 ms reconnects)."""
    kw.setdefault("keep_alive_interval", 0)
    kw.setdefault("reconnect_delay", 250)
    kw.setdefault("max_reconnect_delay", 1000)
    kw.setdefault("random", lambda: 0.0)  # jitter factor 0.8: the first delay is 200 ms
    return WebSocketApi(host="127.0.0.1", port=port, **kw)


def describe(event: Any) -> Entry:
    """The short tuple an event is recorded as."""
    method = event.method
    if method == "close":
        return ("close", event.code)
    if method == "connection-change":
        return ("connection-change", event.is_connected)
    if method == "error":
        return ("error", type(event.error).__name__)
    if method == "reconnecting":
        return ("reconnecting", event.attempt)
    return (method,)


class EventLog:
    """Every event of one client, in order: ``entries`` (tuples), plus the raw payloads."""

    TYPES = ("open", "close", "error", "connection-change", "reconnecting", "reconnect-failed")

    def __init__(self, ws: WebSocketApi, *, messages: bool = False) -> None:
        self.entries: list[Entry] = []
        self.errors: list[BaseException] = []  # the error of each error event
        self.reasons: list[str] = []  # the reason of each reconnect-failed
        self.messages: list[Any] = []  # data of each message (when messages=True)
        self._changed = asyncio.Event()
        ws.add_event_listener(self.TYPES, self._on_event)
        if messages:
            ws.add_event_listener("message", self._on_message)

    def _on_event(self, event: Any) -> None:
        self.entries.append(describe(event))
        if event.method == "error":
            self.errors.append(event.error)
        elif event.method == "reconnect-failed":
            self.reasons.append(event.reason)
        self._changed.set()

    def _on_message(self, event: Any) -> None:
        self.messages.append(event.data)
        self._changed.set()

    def count(self, entry: Entry) -> int:
        """How many times ``entry`` was recorded."""
        return self.entries.count(entry)

    async def until(self, check: Callable[[], bool], timeout: float = LIMIT) -> None:
        """Wait until ``check()`` is true (re-checked after every event)."""
        async with asyncio.timeout(timeout):
            while not check():
                self._changed.clear()
                await self._changed.wait()

    async def wait_for(self, entry: Entry, count: int = 1, timeout: float = LIMIT) -> None:
        """Wait until ``entry`` was recorded ``count`` times."""
        await self.until(lambda: self.count(entry) >= count, timeout)

    def since(self, start: int) -> list[Entry]:
        """The entries recorded from index ``start`` on."""
        return self.entries[start:]


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def open_fds() -> int:
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))
