"""Our `WebSocketApi`, used as target scripts use it: JSON parsing and event dispatch included.

Each echo arrives as a ``message`` event whose ``data`` is already parsed (the client's own
codec, stdlib ``json`` underneath) and whose ``raw`` is the payload; ``send`` returns an
awaitable handle, which is awaited as the docs say. ``transport`` picks the wire library
when the client offers a choice (``None``: its default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from clients.base import Connection, Driver, SkipClient

__all__ = [
    "MetisConnection",
    "MetisDriver",
    "MetisPicowsDriver",
    "MetisWebsocketsDriver",
    "load_api",
]

NOT_IMPORTABLE = "metis-env WebSocketApi not importable yet"


def load_api() -> Any:
    """Import `WebSocketApi`, or raise `SkipClient` saying why it is unavailable."""
    try:
        from metis_env.api import WebSocketApi  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise SkipClient(f"{NOT_IMPORTABLE} ({exc})") from exc
    return WebSocketApi


class MetisConnection(Connection):
    """One `WebSocketApi` instance with a ``message`` listener."""

    def __init__(
        self, api: Any, host: str, port: int, transport: str | None, driver: MetisDriver
    ) -> None:
        self.driver = driver
        options: dict[str, Any] = {"transport": transport} if transport else {}
        self.ws = api(
            host=host,
            port=port,
            auto_reconnect=False,
            keep_alive_interval=0,
            max_message_size=None,
            **options,
        )
        self.ws.add_event_listener("message", self._on_message)
        self.ws.add_event_listener("close", self._on_close)
        self.waiter: asyncio.Future[Any] | None = None
        self.remaining = 0

    def _on_message(self, event: Any) -> None:
        value = event.data  # parsed JSON for text; the bytes for (non-JSON) binary
        waiter = self.waiter
        if self.remaining:  # pipelining: count, resolve on the last echo
            self.remaining -= 1
            if self.remaining == 0 and waiter is not None:
                waiter.set_result(value)
        elif waiter is not None and not waiter.done():
            waiter.set_result(value)

    def _on_close(self, event: Any) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"WebSocketApi closed: {event!r}"))

    async def open(self) -> None:
        await self.ws.connect()
        if not self.driver.resolved:  # which library `transport: auto` picked
            self.driver.resolved = type(self.ws.connection).__module__.split(".")[0]

    async def close(self) -> None:
        await self.ws.disconnect()

    async def roundtrip_text(self, message: str) -> Any:
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        await self.ws.send(message)
        return await waiter

    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        await self.ws.send(payload)
        result: bytes = await waiter
        return result

    async def pipeline(self, messages: Sequence[str]) -> Any:
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        self.remaining = len(messages)
        send = self.ws.send
        for message in messages:
            await send(message)
        return await waiter


class MetisDriver(Driver):
    """`WebSocketApi` connections over the given transport (``None``: the default one)."""

    transport: str | None = None
    #: The library the first connection ran on (``picows`` or ``websockets``).
    resolved = ""

    def describe(self) -> dict[str, str]:
        """What the report shows beside this client's figures: the transport it ran on."""
        return {"transport": self.resolved} if self.resolved else {}

    async def start(self) -> None:
        self.api = load_api()
        try:  # options are checked at construction: a transport we lack shows up here
            self.connection()
        except (TypeError, ValueError) as exc:
            raise SkipClient(
                f"WebSocketApi(transport={self.transport!r}) is not available: {exc}"
            ) from exc

    def connection(self) -> MetisConnection:
        return MetisConnection(
            self.api, self.endpoints.host, self.endpoints.ws_port, self.transport, self
        )


class MetisPicowsDriver(MetisDriver):
    """`WebSocketApi` with ``transport="picows"``."""

    transport = "picows"


class MetisWebsocketsDriver(MetisDriver):
    """`WebSocketApi` with ``transport="websockets"``."""

    transport = "websockets"
