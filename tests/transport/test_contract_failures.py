"""The contract's failure half, for every transport: a peer that breaks the protocol and then
goes silent, a peer that never ends TCP after its close frame, and pings matched by payload.

Part of the conformance suite (each test runs once per connector, see ``conftest.py``). The
silent peer (`silent_peer`) answers nothing after its bad frame and never closes TCP, so the
only way for ``on_close`` to come is the transport's own ``close_timeout``.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from servers import TestServer, frame
from transport_helpers import WAIT, Opener

from metis_env.api.errors import ConfigError, ConnectionClosedError, MessageTooBigError
from silent_peer import silent_peer

#: close_timeout of these connections, in seconds; on_close must follow within it + 1 s.
CLOSE_TIMEOUT = 0.3
MAX_SIZE = 1000

#: name -> (what the peer sends, the close code the client must send, words naming it: each
#: library names a violation in its own words, so any of the alternatives)
VIOLATIONS = {
    "reserved-opcode": (frame(0x3, b""), 1002, ("opcode",)),
    "reserved-bits": (bytes([0xC1, 1]) + b"a", 1002, ("reserved bits",)),
    "fragmented-ping": (frame(0x9, b"p", fin=False), 1002, ("fragmented control frame",)),
    "control-frame-too-long": (frame(0x9, bytes(126)), 1002, ("control frame",)),
    "continuation-without-start": (frame(0x0, b"x"), 1002, ("continuation",)),
    "invalid-close-code": (
        frame(0x8, (999).to_bytes(2, "big")),
        1002,
        ("close code", "status code"),
    ),
    "oversized-message": (frame(0x2, bytes(2 * MAX_SIZE)), 1009, (str(MAX_SIZE),)),
    "oversized-in-fragments": (
        frame(0x2, bytes(600), fin=False) + frame(0x0, bytes(600)),
        1009,
        (str(MAX_SIZE),),
    ),
    "invalid-utf8-text": (frame(0x1, b"ok \xff\xfe"), 1007, ("utf-8",)),
    "invalid-utf8-in-fragments": (
        frame(0x1, b"ok \xe2\x82", fin=False) + frame(0x0, b"\xff"),
        1007,
        ("utf-8",),
    ),
}

#: Every transport words a violation the same way; only the violation's own words differ.
PATTERN = re.compile(
    r"^(Protocol violation|Invalid data|Message too big) from ws://127\.0\.0\.1:\d+/: .+; "
    r"closed the connection with code (1002|1007|1009) \((protocol error|invalid payload "
    r"data|message too big)\)\. \S"
)
HEADLINE = {1002: "Protocol violation", 1007: "Invalid data", 1009: "Message too big"}


@pytest.mark.parametrize("case", sorted(VIOLATIONS))
async def test_violation_then_silence_closes_within_close_timeout(
    open_ws: Opener, case: str
) -> None:
    """A violation from a peer that then goes silent: on_close within close_timeout + 1 s,
    with our error naming the violation and the code sent, and that code on the wire."""
    payload, code, words = VIOLATIONS[case]
    async with silent_peer(payload) as peer:
        _, rec = await open_ws(peer.url(), close_timeout=CLOSE_TIMEOUT, max_size=MAX_SIZE)
        start = time.monotonic()
        closed_code, reason, error = await rec.wait_closed(CLOSE_TIMEOUT + 1.0)
        assert time.monotonic() - start < CLOSE_TIMEOUT + 1.0
        assert closed_code == code
        assert reason  # the close reason sent names the violation too
        assert isinstance(error, MessageTooBigError if code == 1009 else ConnectionClosedError)
        assert type(error).__module__ == "metis_env.api.errors"  # no library type leaks
        assert (error.code, error.reason) == (code, reason)
        text = str(error)
        match = PATTERN.match(text)
        assert match is not None, text
        assert match.group(1) == HEADLINE[code] and match.group(2) == str(code)
        assert any(w in text.lower() for w in words), text
        assert await peer.next_close_code() == code
        assert rec.messages.empty()
        assert len(rec.close_events()) == 1


async def test_close_frame_then_silence_closes_within_close_timeout(open_ws: Opener) -> None:
    """The peer sends its close frame but never ends TCP: the transport echoes the code,
    gives up after close_timeout, and reports the peer's code and reason, cleanly."""
    async with silent_peer(frame(0x8, (4000).to_bytes(2, "big") + b"bye")) as peer:
        _, rec = await open_ws(peer.url(), close_timeout=CLOSE_TIMEOUT)
        start = time.monotonic()
        assert await rec.wait_closed(CLOSE_TIMEOUT + 1.0) == (4000, "bye", None)
        assert time.monotonic() - start < CLOSE_TIMEOUT + 1.0
        assert await peer.next_close_code() == 4000


async def test_ping_payload_comes_back_in_its_pong(server: TestServer, open_ws: Opener) -> None:
    """ping(X) leads to on_pong(X) for every payload, the empty one and 125 bytes included."""
    transport, rec = await open_ws(server.url("/echo"))
    for payload in [b"\x00\xffkeepalive-1", b"", bytes(range(125))]:
        await transport.ping(payload)
        assert await asyncio.wait_for(rec.pongs.get(), WAIT) == payload


async def test_pings_with_the_same_payload_outstanding(server: TestServer, open_ws: Opener) -> None:
    """Two pings with one payload before any pong: both sent, both pongs reported."""
    transport, rec = await open_ws(server.url("/echo"))
    await transport.ping(b"same")
    await transport.ping(b"same")
    assert [await asyncio.wait_for(rec.pongs.get(), WAIT) for _ in range(2)] == [b"same"] * 2


async def test_unsolicited_pong_is_reported_with_its_data(
    server: TestServer, open_ws: Opener
) -> None:
    """A pong nobody asked for reaches on_pong with its own data (the caller matches)."""
    transport, rec = await open_ws(server.url("/pong?data=not-yours"))
    assert await asyncio.wait_for(rec.pongs.get(), WAIT) == b"not-yours"
    await transport.ping(b"mine")
    assert await asyncio.wait_for(rec.pongs.get(), WAIT) == b"mine"
    assert [e for e in rec.events if e[0] == "pong"] == [("pong", b"not-yours"), ("pong", b"mine")]


async def test_ping_over_125_bytes_is_a_config_error(server: TestServer, open_ws: Opener) -> None:
    """A ping payload over 125 bytes (RFC 6455 §5.5) is refused before the wire."""
    transport, rec = await open_ws(server.url("/echo"))
    with pytest.raises(ConfigError) as info:
        await transport.ping(bytes(126))
    assert info.value.key == "data"
    await transport.send_text("still open")
    assert await rec.next_message() == "still open"
