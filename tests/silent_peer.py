"""A raw-socket WebSocket peer that breaks the protocol and then goes silent.

It answers the opening handshake by hand (RFC 6455 §4.2.2), writes the bytes it was given,
and from then on reads what the client sends but answers nothing and never closes TCP itself
(until the client drops it or `HOLD` passes): the worst peer for a client that waits for the
closing handshake. It parses the client's frames, so a test can check the close code the
client sent. With ``answer``, it is less silent: it writes those bytes in reply to the
client's close frame, then closes TCP (a peer that answers a close with garbage, say).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

__all__ = ["HOLD", "SilentPeer", "silent_peer"]

#: The longest a connection is held open by the peer (bounds every test's teardown).
HOLD = 5.0

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
_KEY = re.compile(rb"(?im)^sec-websocket-key:[ \t]*(\S+)")


@dataclass
class SilentPeer:
    """A running peer: where it listens and the close code each client sent."""

    port: int
    # One entry per connection: the code of the client's close frame (1005 for an empty
    # one), or None when TCP ended without a close frame.
    close_codes: asyncio.Queue[int | None] = field(default_factory=asyncio.Queue)

    def url(self, path: str = "/") -> str:
        """The ws:// URL of this peer."""
        return f"ws://127.0.0.1:{self.port}{path}"

    async def next_close_code(self, limit: float = 2.0) -> int | None:
        """The close code the next client sent (None: it sent none)."""
        return await asyncio.wait_for(self.close_codes.get(), limit)


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One masked client frame: (opcode, unmasked payload)."""
    head = await reader.readexactly(2)
    size = head[1] & 0x7F
    if size == 126:
        size = int.from_bytes(await reader.readexactly(2), "big")
    elif size == 127:
        size = int.from_bytes(await reader.readexactly(8), "big")
    mask = await reader.readexactly(4) if head[1] & 0x80 else b"\x00" * 4
    data = await reader.readexactly(size)
    return head[0] & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def _client_close_code(reader: asyncio.StreamReader) -> int | None:
    """Read client frames until its close frame (its code) or the end of TCP (None)."""
    for _ in range(1000):  # bounded: a client sends a handful of frames at most here
        try:
            opcode, payload = await _read_frame(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        if opcode == 0x8:
            return int.from_bytes(payload[:2], "big") if payload else 1005
    return None


@asynccontextmanager
async def silent_peer(payload: bytes, answer: bytes | None = None) -> AsyncIterator[SilentPeer]:
    """Serve on 127.0.0.1: handshake, write ``payload``, then read but never answer (or,
    with ``answer``, write it once the client's close frame arrived and close TCP)."""
    peers: list[SilentPeer] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(HOLD):
                request = await reader.readuntil(b"\r\n\r\n")
                found = _KEY.search(request)
                assert found is not None, request
                accept = base64.b64encode(hashlib.sha1(found.group(1) + _GUID).digest())
                writer.write(
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
                )
                writer.write(payload)
                await peers[0].close_codes.put(await _client_close_code(reader))
                if answer is not None:
                    writer.write(answer)
                    await writer.drain()
                    return
                await reader.read()  # silent to the end: wait for the client to drop TCP
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    peers.append(SilentPeer(port=server.sockets[0].getsockname()[1]))
    try:
        yield peers[0]
    finally:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), HOLD)
