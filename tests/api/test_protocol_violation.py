"""A server that breaks the protocol and then goes silent, seen through the public API only.

Issue 9, edge 2: the client must not stay OPEN waiting for a closing handshake that never
comes. It fails the connection with the RFC's code, gives the peer ``closeTimeout`` to
answer, then drops TCP: CLOSED within closeTimeout + 1 s, one ``error`` event naming the
violation and one ``close`` event with the code it sent. Same on both transports.

Only events, ``state`` and options are used, so the test holds whatever the client's inside.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from metis_env.api import (
    CLOSED,
    CloseEvent,
    ConnectionClosedError,
    ErrorEvent,
    MessageTooBigError,
    WebSocketApi,
)
from silent_peer import silent_peer

#: closeTimeout of the client, in ms; CLOSED must follow within it + 1 s.
CLOSE_TIMEOUT_MS = 300
MAX_SIZE = 1000


def _frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """An unmasked server frame (RFC 6455 §5.2), payload under 64 KiB."""
    first = (0x80 if fin else 0) | opcode
    if len(payload) < 126:
        return bytes([first, len(payload)]) + payload
    return bytes([first, 126]) + len(payload).to_bytes(2, "big") + payload


#: name -> (what the server sends, the close code the client must send, words naming it)
CASES = {
    "reserved-opcode": (_frame(0x3, b""), 1002, "opcode"),
    "fragmented-ping": (_frame(0x9, b"p", fin=False), 1002, "fragmented"),
    "continuation-without-start": (_frame(0x0, b"x"), 1002, "continuation"),
    "oversized-message": (_frame(0x2, bytes(2 * MAX_SIZE)), 1009, str(MAX_SIZE)),
    "invalid-utf8-text": (_frame(0x1, b"ok \xff\xfe"), 1007, "utf-8"),
}


@pytest.mark.parametrize("transport", ["websockets", "picows"])
@pytest.mark.parametrize("case", sorted(CASES))
async def test_violation_then_silence_ends_closed_within_close_timeout(
    transport: str, case: str
) -> None:
    """CLOSED within closeTimeout + 1 s; error names the violation; close has the code sent."""
    if transport == "picows":
        pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")
    payload, code, words = CASES[case]
    async with silent_peer(payload) as peer:
        ws = WebSocketApi.from_config(
            {
                "host": "127.0.0.1",
                "port": peer.port,
                "transport": transport,
                "closeTimeout": CLOSE_TIMEOUT_MS,
                "maxMessageSize": MAX_SIZE,
                "autoReconnect": False,
                "keepAliveInterval": 0,
            }
        )
        events: list[Any] = []
        closed = asyncio.Event()

        def on_event(event: Any) -> None:
            events.append(event)
            if event.method == "close":
                closed.set()

        ws.add_event_listener(["error", "close"], on_event)
        await asyncio.wait_for(ws.connect(), 2.0)
        start = time.monotonic()
        await asyncio.wait_for(closed.wait(), CLOSE_TIMEOUT_MS / 1000 + 1.0)
        assert time.monotonic() - start < CLOSE_TIMEOUT_MS / 1000 + 1.0
        assert ws.state == CLOSED
        assert [type(e) for e in events] == [ErrorEvent, CloseEvent]
        error, close = events[0].error, events[1]
        assert close.code == code
        assert isinstance(error, MessageTooBigError if code == 1009 else ConnectionClosedError)
        assert error.code == code
        text = str(error)
        assert f"closed the connection with code {code}" in text, text
        assert words in text.lower(), text
        assert await peer.next_close_code() == code
