"""A real WebSocket server on 127.0.0.1 for the transport conformance suite.

Behaviour is chosen by path (as websockets' own test server does):

* ``/echo``                 echo every message, text as text, binary as binary
* ``/close?code=&reason=``  close at once with that code and reason
* ``/close-empty``          write an empty close frame (no status code), then close TCP
* ``/never-close``          stop reading, so our close frame is never answered
* ``/reject?status=503``    answer the upgrade with that HTTP status
* ``/slow``                 hold the upgrade answer until the server stops (handshake timeout)
* ``/fragments``            send a text message and a binary message in several fragments
* ``/send?size=&fragments=``  send one binary message of ``size`` bytes in that many fragments
* ``/invalid-utf8``         write a text frame holding invalid UTF-8 straight to the socket
* ``/ping``                 ping the client and report "pong:<data>" once its pong arrives
* ``/pong?data=``           send an unsolicited pong with that data, then echo
* ``/headers``              send a JSON object: request headers and chosen sub-protocol
* ``/drop``                 drop the TCP connection without a close frame
* ``/raw?hex=``             write these bytes (hex) straight to the socket, then wait

Every connection's close code and reason, as the server saw them, are put on ``closes``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

__all__ = ["SUBPROTOCOLS", "ClosedBy", "TestServer", "frame", "run_server"]

#: Sub-protocols the server supports, in its order of preference.
SUBPROTOCOLS = ("chat.v2", "chat.v1")

#: How long a handler may hold a connection open by itself (bounds every test's teardown).
HOLD = 3.0


@dataclass(frozen=True)
class ClosedBy:
    """How one connection ended, seen from the server."""

    path: str
    code: int | None
    reason: str | None


@dataclass
class TestServer:
    """A running server: where it listens and what it saw."""

    __test__ = False  # not a pytest class

    port: int
    scheme: str
    closes: asyncio.Queue[ClosedBy] = field(default_factory=asyncio.Queue)
    # Set at shutdown: releases handshakes held by /slow.
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/echo", host: str = "127.0.0.1") -> str:
        """The ws:// (or wss://) URL of ``path`` on this server."""
        return f"{self.scheme}://{host}:{self.port}{path}"

    async def next_close(self, limit: float = 2.0) -> ClosedBy:
        """Wait for the next connection to end and say how it ended."""
        return await asyncio.wait_for(self.closes.get(), limit)


def _query(path: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}


def _select_subprotocol(connection: ServerConnection, offered: list[str]) -> str | None:
    return next((p for p in SUBPROTOCOLS if p in offered), None)


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """An unmasked server frame (RFC 6455 §5.2), of any length."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    if size < 126:
        return bytes([first, size]) + payload
    if size < 1 << 16:
        return bytes([first, 126]) + size.to_bytes(2, "big") + payload
    return bytes([first, 127]) + size.to_bytes(8, "big") + payload


@asynccontextmanager
async def run_server(ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[TestServer]:
    """Serve on 127.0.0.1, port 0, until the block ends."""
    state: list[TestServer] = []

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        query = _query(request.path)
        if path == "/reject":
            status = HTTPStatus(int(query.get("status", "503")))
            return connection.respond(status, f"{status.phrase}\n")
        if path == "/slow":
            try:
                await asyncio.wait_for(state[0].release.wait(), HOLD)
            except TimeoutError:
                pass
        return None

    async def handler(ws: ServerConnection) -> None:
        path = urlsplit(ws.request.path).path if ws.request else "?"
        query = _query(ws.request.path) if ws.request else {}
        try:
            await _behave(ws, path, query)
            await asyncio.wait_for(ws.wait_closed(), HOLD)
        except Exception:
            ws.transport.abort()
        finally:
            await state[0].closes.put(ClosedBy(path, ws.close_code, ws.close_reason))

    async with serve(
        handler,
        "127.0.0.1",
        0,
        ssl=ssl_context,
        process_request=process_request,
        select_subprotocol=_select_subprotocol,
        max_size=None,
        compression=None,
        close_timeout=0.2,
        ping_interval=None,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        state.append(TestServer(port=port, scheme="wss" if ssl_context else "ws"))
        try:
            yield state[0]
        finally:
            state[0].release.set()
            server.close()


async def _behave(ws: ServerConnection, path: str, query: dict[str, str]) -> None:
    """Play the role the path names."""
    if path == "/echo":
        async for message in ws:
            await ws.send(message)
    elif path == "/close":
        await ws.close(int(query.get("code", "1000")), query.get("reason", ""))
    elif path == "/never-close":
        ws.transport.pause_reading()
        await asyncio.wait_for(ws.wait_closed(), HOLD)
    elif path == "/fragments":
        await ws.send(["Hel", "lo, ", "wörld"])
        await ws.send([b"\x00\x01", b"", b"\x02\xff"])
    elif path == "/send":
        size = int(query["size"])
        parts = max(1, int(query.get("fragments", "1")))
        data = bytes(i % 251 for i in range(size))
        step = -(-size // parts)
        if parts == 1:
            await ws.send(data)
        else:
            await ws.send([data[i : i + step] for i in range(0, size, step)])
    elif path == "/invalid-utf8":
        ws.transport.write(frame(0x1, b"ok \xff\xfe"))
    elif path == "/close-empty":
        ws.transport.write(frame(0x8, b""))
        ws.transport.close()
    elif path == "/drop":
        ws.transport.abort()
    elif path == "/raw":
        ws.transport.write(bytes.fromhex(query["hex"]))
    elif path == "/ping":
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, HOLD)
        await ws.send("pong:are you there")
    elif path == "/pong":
        await ws.pong(query.get("data", "").encode())
        async for message in ws:
            await ws.send(message)
    elif path == "/headers":
        assert ws.request is not None
        headers: Headers = ws.request.headers
        await ws.send(
            json.dumps(
                {
                    "headers": {k.lower(): v for k, v in headers.raw_items()},
                    "subprotocol": ws.subprotocol,
                }
            )
        )
    else:
        await ws.close(4404, f"no behaviour at {path}")
