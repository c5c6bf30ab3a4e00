"""Real servers on 127.0.0.1 for client tests: echo, scripted, silent, hanging, refusing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

Handler = Callable[[ServerConnection], Awaitable[None]]


@dataclass
class Server:
    """A running websockets server and what it saw."""

    port: int
    connections: list[ServerConnection] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    request_headers: list[Headers] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    got_message: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def wait_connections(self, n: int, timeout: float = 5.0) -> None:
        async def until() -> None:
            while len(self.connections) < n:
                self.connected.clear()
                await self.connected.wait()

        await asyncio.wait_for(until(), timeout)

    async def wait_received(self, n: int, timeout: float = 5.0) -> None:
        async def until() -> None:
            while len(self.received) < n:
                self.got_message.clear()
                await self.got_message.wait()

        await asyncio.wait_for(until(), timeout)


async def echo(server: Server, conn: ServerConnection) -> None:
    async for message in conn:
        server.received.append(message)
        server.got_message.set()
        await conn.send(message)


async def record(server: Server, conn: ServerConnection) -> None:
    async for message in conn:
        server.received.append(message)
        server.got_message.set()


@contextlib.asynccontextmanager
async def ws_server(
    handler: Callable[[Server, ServerConnection], Awaitable[None]] = echo,
    *,
    port: int = 0,
    status: int | None = None,
    **kwargs: Any,
) -> AsyncIterator[Server]:
    """Serve ``handler`` on 127.0.0.1; ``status`` refuses every upgrade with that HTTP status."""
    state: dict[str, Server] = {}

    async def run(conn: ServerConnection) -> None:
        server = state["server"]
        server.connections.append(conn)
        server.connected.set()
        with contextlib.suppress(Exception):
            await handler(server, conn)

    def process_request(conn: ServerConnection, request: Any) -> Response | None:
        state["server"].request_headers.append(request.headers)
        if status is not None:
            return conn.respond(status, "refused by test server\n")
        return None

    async with serve(
        run, "127.0.0.1", port, process_request=process_request, ping_interval=None, **kwargs
    ) as srv:
        sock = next(iter(srv.sockets))
        server = Server(port=sock.getsockname()[1])
        state["server"] = server
        yield server


@contextlib.asynccontextmanager
async def tcp_server(
    on_connect: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """A raw TCP server (for peers that never upgrade or misbehave)."""
    writers: list[asyncio.StreamWriter] = []

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        with contextlib.suppress(Exception):
            await on_connect(reader, writer)

    srv = await asyncio.start_server(run, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        for w in writers:
            w.transport.abort()
        srv.close()
        await srv.wait_closed()


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept TCP, read the request, never answer."""
    await reader.read(65536)
    await asyncio.sleep(3600)


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
