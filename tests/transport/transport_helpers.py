"""Helpers of the transport conformance suite: connector lookup and a recording listener.

(Kept out of ``conftest.py`` so test modules can import them by a unique module name.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from metis_env.api.transport.base import Connector, Transport

__all__ = ["CONNECTORS", "WAIT", "Opener", "Recorder", "make_connector"]

#: The transports under test; each name maps to "module:class".
CONNECTORS = {
    "picows": "metis_env.api.transport.picows_transport:PicowsConnector",
    "websockets": "metis_env.api.transport.websockets_transport:WebsocketsConnector",
}

#: Upper bound for any single wait in these tests, in seconds.
WAIT = 2.0


def make_connector(name: str) -> Connector:
    """Build the named connector, or skip the test with the reason it cannot run."""
    module_name, _, class_name = CONNECTORS[name].partition(":")
    if name == "picows":
        pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")
    try:
        module = __import__(module_name, fromlist=[class_name])
    except ImportError as exc:
        pytest.skip(f"transport {name!r} is not available on this branch: {exc}")
    connector: Connector = getattr(module, class_name)()
    return connector


class Recorder:
    """A TransportListener that records every callback, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.messages: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.pongs: asyncio.Queue[bytes] = asyncio.Queue()
        self.closed: asyncio.Future[tuple[int, str, BaseException | None]] = (
            asyncio.get_running_loop().create_future()
        )

    def on_message(self, data: str | bytes) -> None:
        self.events.append(("message", data))
        self.messages.put_nowait(data)

    def on_pong(self, data: bytes) -> None:
        self.events.append(("pong", data))
        self.pongs.put_nowait(data)

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        self.events.append(("close", code, reason, error))
        if not self.closed.done():
            self.closed.set_result((code, reason, error))

    async def next_message(self, limit: float = WAIT) -> str | bytes:
        """The next complete message."""
        return await asyncio.wait_for(self.messages.get(), limit)

    async def wait_closed(self, limit: float = WAIT) -> tuple[int, str, BaseException | None]:
        """What on_close reported: (code, reason, error)."""
        return await asyncio.wait_for(asyncio.shield(self.closed), limit)

    def close_events(self) -> list[tuple[Any, ...]]:
        """Every on_close call seen so far."""
        return [event for event in self.events if event[0] == "close"]


Opener = Callable[..., Awaitable[tuple[Transport, Recorder]]]
