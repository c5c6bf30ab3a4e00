"""A server that sends bad frames: the right close code (RFC 6455), a clear error, no crash.

"Right" per RFC 6455: on a protocol violation the client *fails the connection* (§7.1.7):
it sends a close frame with the code for the fault and drops TCP. Invalid UTF-8 in a text
message is 1007 (§8.1); a reserved opcode (§5.2), a fragmented control frame (§5.5), a
continuation with nothing to continue (§5.4), reserved bits without an extension (§5.2) or
an invalid close code (§7.4) is 1002; a message over the client's size limit is 1009
(§7.4.1). The server must receive that code, and the client's close event must report it.
Garbage instead of the opening handshake is not WebSocket at all: the connect fails with a
`HandshakeError` and the close event reports 1006 (no close frame can be exchanged).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client
from websockets.asyncio.server import ServerConnection, serve

from metis_env.api import ConnectError, HandshakeError, WebSocketApi
from metis_env.simulator import (
    FRAGMENTED_PING,
    GARBAGE,
    INVALID_UTF8_TEXT,
    RESERVED_OPCODE,
    Simulator,
    frame,
)

pytestmark = pytest.mark.usefixtures("transport_name")

MIB = 1024 * 1024
OPENED = [("open",), ("connection-change", True)]


@dataclass
class RawServer:
    """A websockets server that writes raw bytes after the handshake; sees the client's code."""

    port: int = 0
    close_codes: list[int | None] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@contextlib.asynccontextmanager
async def raw_server(payload: bytes) -> AsyncIterator[RawServer]:
    state = RawServer()

    async def handler(conn: ServerConnection) -> None:
        conn.transport.write(payload)  # beneath WebSocket: exactly these bytes
        with contextlib.suppress(Exception):
            async for _ in conn:
                pass
        await conn.wait_closed()
        state.close_codes.append(conn.close_code)  # the code the client sent
        state.done.set()

    async with serve(handler, "127.0.0.1", 0, ping_interval=None, max_size=None) as srv:
        state.port = next(iter(srv.sockets)).getsockname()[1]
        yield state


#: name -> (bytes the server sends, the close code, what the error message must say)
CASES = {
    "invalid-utf8": (INVALID_UTF8_TEXT, 1007, "utf-8"),
    "invalid-utf8-across-fragments": (
        frame(0x1, b"ok \xe2\x82", fin=False) + frame(0x0, b"\xff", fin=True),
        1007,
        "utf-8",
    ),
    "reserved-opcode": (RESERVED_OPCODE, 1002, "1002"),
    "fragmented-ping": (FRAGMENTED_PING, 1002, "1002"),
    "garbage-frame": (GARBAGE, 1002, "1002"),
    "orphan-continuation": (frame(0x0, b"lost"), 1002, "1002"),
    "invalid-close-code": (frame(0x8, struct.pack("!H", 999)), 1002, "1002"),
    "oversized-2mib": (frame(0x1, b"a" * (2 * MIB)), 1009, "1009"),
    "oversized-in-fragments": (
        frame(0x2, b"b" * (MIB // 2 + 1), fin=False) + frame(0x0, b"b" * (MIB // 2)),
        1009,
        "1009",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_bad_frame_fails_the_connection_with_the_right_code(case: str) -> None:
    """The server receives the RFC's code; the client reports it, with a clear error."""
    payload, code, words = CASES[case]
    async with raw_server(payload) as srv:
        ws = client(srv.port, auto_reconnect=False)
        assert ws.options.max_message_size == MIB  # bounded by default
        log = EventLog(ws, messages=True)
        await ws.connect()
        await log.wait_for(("connection-change", False))
        await asyncio.wait_for(srv.done.wait(), LIMIT)
        assert srv.close_codes == [code]
        expected_error = "MessageTooBigError" if code == 1009 else "ConnectionClosedError"
        assert log.entries == [
            *OPENED,
            ("error", expected_error),
            ("close", code),
            ("connection-change", False),
        ]
        assert words in str(log.errors[0]).lower(), str(log.errors[0])
        assert log.messages == []  # nothing of the bad frame was delivered
        assert ws.state is WebSocketApi.CLOSED
        COUNTS["bad inputs rejected"] += 1


@pytest.mark.parametrize(
    "payload",
    [
        frame(0x1, "ok é".encode()[:-1], fin=False) + frame(0x0, "ok é".encode()[-1:]),
        frame(0x2, b"a" * MIB),  # exactly maxMessageSize: allowed
        frame(0x9, b"ping?") + frame(0x1, b'{"__class__": "x"}'),
    ],
    ids=["utf8-split-across-fragments", "exactly-1mib", "ping-then-text"],
)
async def test_valid_edge_frames_are_delivered(payload: bytes) -> None:
    """The positive controls: what the RFC allows is delivered, and the connection stays."""
    async with raw_server(payload) as srv:
        ws = client(srv.port, auto_reconnect=False)
        log = EventLog(ws, messages=True)
        await ws.connect()
        await log.until(lambda: len(log.messages) == 1)
        assert log.entries == OPENED and ws.is_connected
        assert log.messages[0] in ("ok é", b"a" * MIB, {"__class__": "x"})
        await ws.disconnect()


async def test_protocol_error_stops_reconnecting_but_too_big_reconnects() -> None:
    """Policy after a fault: 1007 is fatal (same data, same failure); 1009 is retried."""
    async with Simulator(max_size=None) as sim:
        ws = client(sim.port)
        log = EventLog(ws)
        await ws.connect()
        await sim.send(b"x" * (2 * MIB))  # through the simulator: a valid but 2 MiB message
        await log.wait_for(("open",), 2)
        await sim.send_raw(INVALID_UTF8_TEXT)
        await log.wait_for(("reconnect-failed",))
        assert log.entries == [
            *OPENED,
            ("error", "MessageTooBigError"),
            ("close", 1009),
            ("connection-change", False),
            ("reconnecting", 1),
            *OPENED,
            ("error", "ConnectionClosedError"),
            ("close", 1007),
            ("connection-change", False),
            ("reconnect-failed",),
        ]
        assert log.reasons == ["the connection was closed with code 1007"]


async def _garbage_instead_of_101(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    w.write(GARBAGE * 4)
    await w.drain()
    w.close()


async def _garbage_at_once(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    w.write(b"\x00\xff" * 64 + b"\r\n\r\n")
    await w.drain()
    await reader.read(65536)
    w.close()


async def _wrong_accept(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    w.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
    )
    await w.drain()
    await reader.read(65536)
    w.close()


async def _plain_http(reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    await w.drain()
    w.close()


Peer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.mark.parametrize(
    "peer",
    [_garbage_instead_of_101, _garbage_at_once, _wrong_accept, _plain_http],
    ids=["garbage-reply", "garbage-first", "wrong-accept", "plain-http"],
)
async def test_garbage_instead_of_a_handshake_fails_the_connect_clearly(peer: Peer) -> None:
    """Not a WebSocket server: HandshakeError to the caller and the error event, no crash."""

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await peer(reader, writer)

    server = await asyncio.start_server(run, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        ws = client(port, auto_reconnect=False)
        log = EventLog(ws)
        with pytest.raises(ConnectError) as info:
            await asyncio.wait_for(ws.connect(), LIMIT)
        error = info.value
        # picows cannot see bytes that are not HTTP: it reports the connection ended mid-handshake.
        assert isinstance(error, HandshakeError) or error.code == "ECONNRESET"
        assert "handshake" in str(error).lower() or "server response" in str(error).lower()
        assert error.url is not None and str(port) in error.url
        assert log.entries == [("error", type(error).__name__), ("close", 1006),
                               ("connection-change", False)]  # fmt: skip
        assert log.errors[0] is error
        assert ws.state is WebSocketApi.CLOSED
        COUNTS["bad inputs rejected"] += 1
    finally:
        server.close()
        await server.wait_closed()
