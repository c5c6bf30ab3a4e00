"""Real servers on 127.0.0.1 for the feature tests: a scripted WebSocket server, a proxy."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers

from metis_env.api import WebSocketApi

#: Upper bound for any single wait in these tests (seconds).
LIMIT = 5.0


@dataclass
class Peer:
    """What one server-side connection saw."""

    conn: ServerConnection
    headers: Headers
    path: str
    received: list[Any] = field(default_factory=list)


@dataclass
class Server:
    """A running server: every connection and every (JSON-decoded) message it received."""

    port: int
    peers: list[Peer] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def received(self) -> list[Any]:
        return [m for p in self.peers for m in p.received]

    async def until(self, check: Callable[[], bool], timeout: float = LIMIT) -> None:
        """Wait (bounded) until ``check()`` is true; re-checked after each server change."""

        async def loop() -> None:
            while not check():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)

    def drop(self, index: int = -1) -> None:
        """Drop a connection's TCP without a close frame (a network failure)."""
        transport = self.peers[index].conn.transport
        assert transport is not None
        transport.abort()


Reply = Callable[[Server, Peer, Any], Awaitable[None]]


async def answer_requests(server: Server, peer: Peer, msg: Any) -> None:
    """Reply to ``{"type": "request", <id key>: x}`` with a response carrying the same ids."""
    if isinstance(msg, dict) and msg.get("type") == "request":
        reply = {k: v for k, v in msg.items() if k in ("id", "requestId", "meta")}
        await peer.conn.send(json.dumps({"type": "response", **reply, "ok": True}))


async def ignore(server: Server, peer: Peer, msg: Any) -> None:
    """Record only."""


@contextlib.asynccontextmanager
async def ws_server(reply: Reply = answer_requests) -> AsyncIterator[Server]:
    """Serve on 127.0.0.1 (port 0); record every message, then call ``reply`` for it."""
    holder: dict[str, Server] = {}

    async def handler(conn: ServerConnection) -> None:
        server = holder["server"]
        assert conn.request is not None
        peer = Peer(conn, conn.request.headers, conn.request.path)
        server.peers.append(peer)
        server.changed.set()
        with contextlib.suppress(Exception):
            async for raw in conn:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    msg = raw
                peer.received.append(msg)
                server.changed.set()
                await reply(server, peer, msg)
        server.changed.set()

    async with serve(handler, "127.0.0.1", 0, ping_interval=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        holder["server"] = Server(port)
        yield holder["server"]


def client(port: int, **kw: Any) -> WebSocketApi:
    """A client for 127.0.0.1:port: first reconnect after 250 ms, no keepalive pings."""
    kw.setdefault("keep_alive_interval", 0)
    kw.setdefault("reconnect_delay", 250)
    kw.setdefault("max_reconnect_delay", 1000)
    kw.setdefault("random", lambda: 0.5)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)


def opened(ws: WebSocketApi) -> Callable[[int], Awaitable[None]]:
    """Return ``wait(n)``: wait until the client fired its n-th ``open`` event."""
    count = [0]
    event = asyncio.Event()

    def on_open(_e: object) -> None:
        count[0] += 1
        event.set()

    ws.add_event_listener("open", on_open)

    async def wait(n: int) -> None:
        async def loop() -> None:
            while count[0] < n:
                event.clear()
                await event.wait()

        await asyncio.wait_for(loop(), LIMIT)

    return wait


@dataclass
class ProxyLog:
    """What a test proxy saw: the first request line (HTTP) or target (SOCKS5) per tunnel."""

    port: int
    lines: list[str] = field(default_factory=list)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


async def _tunnel(
    host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    up_reader, up_writer = await asyncio.open_connection(host, port)
    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


@contextlib.asynccontextmanager
async def http_connect_proxy() -> AsyncIterator[ProxyLog]:
    """A tiny HTTP CONNECT proxy on 127.0.0.1 that records each CONNECT line."""
    log = ProxyLog(0)
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        head = await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        log.lines.append(line)
        method, target, _ = line.split(" ", 2)
        if method != "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            writer.close()
            return
        host, _, port = target.rpartition(":")
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await _tunnel(host, int(port), reader, writer)

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    log.port = srv.sockets[0].getsockname()[1]
    try:
        yield log
    finally:
        srv.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def socks5_proxy() -> AsyncIterator[ProxyLog]:
    """A tiny SOCKS5 proxy (no auth, CONNECT only, RFC 1928) recording ``host:port`` targets."""
    log = ProxyLog(0)
    tasks: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        _version, count = await reader.readexactly(2)
        await reader.readexactly(count)
        writer.write(b"\x05\x00")  # version 5, method "no authentication"
        _version, command, _, atyp = await reader.readexactly(4)
        if command != 1:  # only CONNECT
            writer.close()
            return
        if atyp == 1:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        elif atyp == 3:
            (size,) = await reader.readexactly(1)
            host = (await reader.readexactly(size)).decode()
        else:
            writer.close()
            return
        port = int.from_bytes(await reader.readexactly(2), "big")
        log.lines.append(f"{host}:{port}")
        writer.write(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        await writer.drain()
        await _tunnel(host, port, reader, writer)

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    log.port = srv.sockets[0].getsockname()[1]
    try:
        yield log
    finally:
        srv.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
