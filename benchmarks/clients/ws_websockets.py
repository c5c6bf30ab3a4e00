"""Raw ``websockets`` (asyncio implementation), used the way its documentation shows.

Keepalive pings off (nobody else pings during a cell), no compression (the server offers
none anyway), ``max_size`` raised so the 1 MiB echo is allowed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from clients.base import Connection, Driver

__all__ = ["WebsocketsConnection", "WebsocketsDriver"]

MAX_SIZE = 4 * 1024 * 1024


class WebsocketsConnection(Connection):
    """One ``websockets.asyncio.client`` connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ws: ClientConnection

    async def open(self) -> None:
        self.ws = await connect(self.url, ping_interval=None, compression=None, max_size=MAX_SIZE)

    async def close(self) -> None:
        await self.ws.close()

    async def roundtrip_text(self, message: str) -> Any:
        await self.ws.send(message)
        return json.loads(await self.ws.recv())

    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        await self.ws.send(payload)
        echo = await self.ws.recv()
        assert isinstance(echo, bytes)
        return echo

    async def pipeline(self, messages: Sequence[str]) -> Any:
        ws = self.ws

        async def write() -> None:
            for message in messages:
                await ws.send(message)

        writer = asyncio.create_task(write())
        try:
            last = None
            recv, loads = ws.recv, json.loads
            for _ in range(len(messages)):
                last = loads(await recv())
            await writer
        finally:
            writer.cancel()
        return last


class WebsocketsDriver(Driver):
    """``websockets`` connections; nothing shared between them."""

    def connection(self) -> WebsocketsConnection:
        return WebsocketsConnection(self.endpoints.ws_url)
