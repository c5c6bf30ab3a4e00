"""Raw ``aiohttp`` (``ClientSession.ws_connect``), used the way its documentation shows.

One session for the whole process, as aiohttp recommends; autoping on (the default, it
only answers pings), no heartbeat, ``compress=0``, ``max_msg_size`` raised for 1 MiB.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from clients.base import Connection, Driver

__all__ = ["AiohttpConnection", "AiohttpDriver"]

MAX_SIZE = 4 * 1024 * 1024


class AiohttpConnection(Connection):
    """One aiohttp WebSocket connection."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url
        self.ws: aiohttp.ClientWebSocketResponse

    async def open(self) -> None:
        self.ws = await self.session.ws_connect(
            self.url, autoping=True, compress=0, max_msg_size=MAX_SIZE
        )

    async def close(self) -> None:
        await self.ws.close()

    async def _receive(self) -> aiohttp.WSMessage:
        msg = await self.ws.receive()
        if msg.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            raise ConnectionError(f"aiohttp: expected an echo, got {msg.type!r} {msg.data!r}")
        return msg

    async def roundtrip_text(self, message: str) -> Any:
        await self.ws.send_str(message)
        return json.loads((await self._receive()).data)

    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        await self.ws.send_bytes(payload)
        echo = (await self._receive()).data
        assert isinstance(echo, bytes)
        return echo

    async def pipeline(self, messages: Sequence[str]) -> Any:
        ws = self.ws

        async def write() -> None:
            for message in messages:
                await ws.send_str(message)

        writer = asyncio.create_task(write())
        try:
            last = None
            receive, loads = self._receive, json.loads
            for _ in range(len(messages)):
                last = loads((await receive()).data)
            await writer
        finally:
            writer.cancel()
        return last


class AiohttpDriver(Driver):
    """aiohttp connections sharing one ClientSession."""

    async def start(self) -> None:
        # limit=0: the idle scenario holds 1,000 upgraded connections at once.
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def stop(self) -> None:
        await self.session.close()

    def connection(self) -> AiohttpConnection:
        return AiohttpConnection(self.session, self.endpoints.ws_url)
