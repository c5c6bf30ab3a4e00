"""The floor: a plain asyncio Protocol over TCP, length-framed, parsing with ``json.loads``.

Nothing sits between the socket and the parser but the 4-byte framing of
`payloads.frame_tcp`, so this is what asyncio itself costs; no WebSocket client can beat it
on the same loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from payloads import BINARY_FLAG, HEADER, frame_tcp

from clients.base import Connection, Driver

__all__ = ["TcpConnection", "TcpDriver"]

_HEADER_SIZE = HEADER.size
_LENGTH_MASK = BINARY_FLAG - 1


class _Protocol(asyncio.Protocol):
    """Deframes echoes and hands each to the connection, with write flow control."""

    def __init__(self, owner: TcpConnection) -> None:
        self.owner = owner
        self.buffer = bytearray()
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        offset, size = 0, len(buffer)
        on_frame = self.owner.on_frame
        while size - offset >= _HEADER_SIZE:
            (word,) = HEADER.unpack_from(buffer, offset)
            end = offset + _HEADER_SIZE + (word & _LENGTH_MASK)
            if end > size:
                break
            on_frame(bytes(buffer[offset + _HEADER_SIZE : end]), bool(word & BINARY_FLAG))
            offset = end
        if offset:
            del buffer[:offset]

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.can_write.set()
        if not self.lost.done():
            self.lost.set_result(None)
        self.owner.on_lost(exc)


class TcpConnection(Connection):
    """One TCP connection to the echo server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.waiter: asyncio.Future[Any] | None = None
        self.remaining = 0
        self.last: Any = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        _, self.protocol = await loop.create_connection(
            lambda: _Protocol(self), self.host, self.port
        )

    async def close(self) -> None:
        self.protocol.transport.close()
        await self.protocol.lost

    def on_frame(self, payload: bytes, binary: bool) -> None:
        value = payload if binary else json.loads(payload.decode("utf-8"))
        if self.remaining:  # pipelining: count, resolve on the last echo
            self.remaining -= 1
            self.last = value
            if self.remaining == 0 and self.waiter is not None:
                self.waiter.set_result(value)
        elif self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(value)

    def on_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"TCP echo connection lost: {exc}"))

    async def roundtrip_text(self, message: str) -> Any:
        self.waiter = asyncio.get_running_loop().create_future()
        self.protocol.transport.write(frame_tcp(message.encode("utf-8")))
        return await self.waiter

    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        self.waiter = asyncio.get_running_loop().create_future()
        self.protocol.transport.write(frame_tcp(payload, binary=True))
        result: bytes = await self.waiter
        return result

    async def pipeline(self, messages: Sequence[str]) -> Any:
        self.waiter = asyncio.get_running_loop().create_future()
        self.remaining = len(messages)
        write, can_write = self.protocol.transport.write, self.protocol.can_write
        for message in messages:
            if not can_write.is_set():
                await can_write.wait()
            write(frame_tcp(message.encode("utf-8")))
        return await self.waiter


class TcpDriver(Driver):
    """Raw TCP connections to the byte echo."""

    def connection(self) -> TcpConnection:
        return TcpConnection(self.endpoints.host, self.endpoints.tcp_port)
