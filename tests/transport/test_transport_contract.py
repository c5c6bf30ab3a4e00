"""The conformance suite every transport must pass (the contract of `api/transport/base.py`).

Each test runs once per connector (see ``conftest.py``), against a real server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time

import pytest
import trustme
from servers import TestServer, frame
from transport_helpers import WAIT, Opener

from metis_env.api.errors import (
    ConfigError,
    ConnectionClosedError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    TLSError,
)
from metis_env.api.transport.base import Connector, OpenRequest

MIB = 1024 * 1024


async def test_echo_text_and_binary(server: TestServer, open_ws: Opener) -> None:
    """Text comes back as str, binary as bytes, empty messages included."""
    transport, rec = await open_ws(server.url("/echo"))
    for message in ["hello", "", "wörld ✓", b"\x00\xff\x10", b""]:
        if isinstance(message, str):
            await transport.send_text(message)
        else:
            await transport.send_bytes(message)
        received = await rec.next_message()
        assert received == message
        assert type(received) is type(message)


async def test_echo_one_mebibyte(server: TestServer, open_ws: Opener) -> None:
    """A 1 MiB message (exactly the default max_size) goes and comes back whole."""
    transport, rec = await open_ws(server.url("/echo"))
    text = "a" * MIB
    await transport.send_text(text)
    assert await rec.next_message() == text
    data = bytes(range(256)) * (MIB // 256)
    await transport.send_bytes(data)
    assert await rec.next_message() == data


async def test_fragments_are_reassembled(server: TestServer, open_ws: Opener) -> None:
    """Fragmented text and binary messages arrive as one message each."""
    _, rec = await open_ws(server.url("/fragments"))
    assert await rec.next_message() == "Hello, wörld"
    assert await rec.next_message() == b"\x00\x01\x02\xff"


async def test_fragmented_message_under_max_size(server: TestServer, open_ws: Opener) -> None:
    """A message under max_size in several fragments is delivered."""
    _, rec = await open_ws(server.url("/send?size=900&fragments=3"), max_size=1000)
    assert await rec.next_message() == bytes(i % 251 for i in range(900))


async def test_on_close_exactly_once_and_last(server: TestServer, open_ws: Opener) -> None:
    """on_close comes once, after every message, even when close() and abort() repeat."""
    transport, rec = await open_ws(server.url("/echo"))
    await transport.send_text("one")
    await transport.send_text("two")
    assert await rec.next_message() == "one"
    assert await rec.next_message() == "two"
    await transport.close()
    await transport.close()
    transport.abort()
    await rec.wait_closed()
    await asyncio.sleep(0.02)  # a window for a duplicate on_close to show up
    assert rec.events == [("message", "one"), ("message", "two"), ("close", 1000, "", None)]


async def test_client_close_code_reaches_server(server: TestServer, open_ws: Opener) -> None:
    """close(code, reason) is seen by the server, echoed back, and reported cleanly."""
    transport, rec = await open_ws(server.url("/echo"))
    await transport.close(4001, "client bye")
    assert await rec.wait_closed() == (4001, "client bye", None)
    closed = await server.next_close()
    assert (closed.code, closed.reason) == (4001, "client bye")


async def test_server_close_code_reaches_client(server: TestServer, open_ws: Opener) -> None:
    """The server's close code and reason arrive in on_close."""
    _, rec = await open_ws(server.url("/close?code=4000&reason=bye"))
    code, reason, _ = await rec.wait_closed()
    assert (code, reason) == (4000, "bye")
    closed = await server.next_close()
    assert closed.code == 4000  # the transport echoed the code (RFC 6455 §5.5.1)


async def test_server_normal_close_is_clean(server: TestServer, open_ws: Opener) -> None:
    """A 1000 close from the server reports no error."""
    _, rec = await open_ws(server.url("/close?code=1000"))
    assert await rec.wait_closed() == (1000, "", None)


async def test_empty_close_frame_reports_1005(server: TestServer, open_ws: Opener) -> None:
    """A close frame without a status code is reported as 1005."""
    _, rec = await open_ws(server.url("/close-empty"))
    code, reason, _ = await rec.wait_closed()
    assert (code, reason) == (1005, "")


async def test_close_timeout_when_peer_never_answers(server: TestServer, open_ws: Opener) -> None:
    """close() gives up after close_timeout and aborts: on_close reports 1006."""
    transport, rec = await open_ws(server.url("/never-close"), close_timeout=0.2)
    start = time.monotonic()
    await asyncio.wait_for(transport.close(), WAIT)
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 1.0
    code, _, _ = await rec.wait_closed()
    assert code == 1006
    assert len(rec.close_events()) == 1


async def test_start_close_returns_at_once_and_on_close_reports_the_end(
    server: TestServer, open_ws: Opener
) -> None:
    """start_close() writes the close frame without waiting; on_close then reports it once."""
    transport, rec = await open_ws(server.url("/echo"))
    transport.start_close(4002, "started")
    assert not rec.closed.done()  # nothing is reported before the loop runs
    assert await rec.wait_closed() == (4002, "started", None)
    closed = await server.next_close()
    assert (closed.code, closed.reason) == (4002, "started")
    transport.start_close()  # again, once closed: nothing happens
    await asyncio.sleep(0.02)  # a window for a duplicate on_close to show up
    assert len(rec.close_events()) == 1


async def test_start_close_is_bounded_when_peer_never_answers(
    server: TestServer, open_ws: Opener
) -> None:
    """start_close() against a silent peer: on_close reports 1006 after close_timeout."""
    transport, rec = await open_ws(server.url("/never-close"), close_timeout=0.2)
    start = time.monotonic()
    transport.start_close()
    code, _, _ = await rec.wait_closed()
    assert code == 1006
    assert 0.15 <= time.monotonic() - start < 1.0


async def test_start_close_rejects_a_bad_code_and_changes_nothing(
    server: TestServer, open_ws: Opener
) -> None:
    """A code an endpoint may not send fails at once, as close() does; the link stays open."""
    transport, rec = await open_ws(server.url("/echo"))
    with pytest.raises(ConfigError):
        transport.start_close(1005)
    await transport.send_text("still open")
    assert await rec.next_message() == "still open"


async def test_abort_reports_1006(server: TestServer, open_ws: Opener) -> None:
    """abort() returns at once, never raises when repeated, and on_close reports 1006."""
    transport, rec = await open_ws(server.url("/echo"))
    transport.abort()
    transport.abort()
    code, reason, _ = await rec.wait_closed()
    assert (code, reason) == (1006, "")
    transport.abort()
    assert len(rec.close_events()) == 1


async def test_lost_connection_reports_1006_with_error(server: TestServer, open_ws: Opener) -> None:
    """A TCP drop without a close frame reports 1006 and our error (the library's as cause)."""
    _, rec = await open_ws(server.url("/drop"))
    code, _, error = await rec.wait_closed()
    assert code == 1006
    assert isinstance(error, ConnectionClosedError) and error.code == 1006
    assert str(error).startswith(f"The connection to {server.url('/drop')} was lost without")


async def test_max_size_fails_with_1009(server: TestServer, open_ws: Opener) -> None:
    """A message over max_size closes the connection with 1009 and is not delivered."""
    _, rec = await open_ws(server.url("/send?size=2000"), max_size=1000)
    code, _, error = await rec.wait_closed()
    assert code == 1009
    assert error is not None
    assert (await server.next_close()).code == 1009
    assert rec.messages.empty()


async def test_max_size_counts_all_fragments(server: TestServer, open_ws: Opener) -> None:
    """Fragments each under max_size but together over it fail with 1009."""
    _, rec = await open_ws(server.url("/send?size=2000&fragments=4"), max_size=1000)
    code, _, error = await rec.wait_closed()
    assert code == 1009
    assert error is not None
    assert (await server.next_close()).code == 1009
    assert rec.messages.empty()


async def test_invalid_utf8_fails_with_1007(server: TestServer, open_ws: Opener) -> None:
    """A text message that is not UTF-8 closes the connection with 1007."""
    _, rec = await open_ws(server.url("/invalid-utf8"))
    code, _, error = await rec.wait_closed()
    assert code == 1007
    assert error is not None
    assert (await server.next_close()).code == 1007
    assert rec.messages.empty()


PROTOCOL_ERRORS = {
    "continuation-without-start": frame(0x0, b"x"),
    "data-frame-inside-fragmented": frame(0x1, b"a", fin=False) + frame(0x1, b"b"),
    "reserved-bit-set": bytes([0xC1, 1]) + b"a",
    "close-code-1006-on-wire": frame(0x8, (1006).to_bytes(2, "big")),
    "close-code-999": frame(0x8, (999).to_bytes(2, "big")),
}


@pytest.mark.parametrize("case", sorted(PROTOCOL_ERRORS))
async def test_protocol_errors_fail_with_1002(
    server: TestServer, open_ws: Opener, case: str
) -> None:
    """Frames that break RFC 6455 close the connection with 1002."""
    _, rec = await open_ws(server.url(f"/raw?hex={PROTOCOL_ERRORS[case].hex()}"))
    _, _, error = await rec.wait_closed()
    assert error is not None
    assert (await server.next_close()).code == 1002
    assert rec.messages.empty()


async def test_refused_connection(connector: Connector) -> None:
    """Nothing listening: ConnectRefusedError naming ECONNREFUSED and host:port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = OpenRequest(url=f"ws://127.0.0.1:{port}/", open_timeout=WAIT)
    with pytest.raises(ConnectRefusedError) as info:
        await connector.open(request, _NoListener())
    assert "ECONNREFUSED" in str(info.value)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert info.value.__cause__ is not None


async def test_handshake_timeout(server: TestServer, connector: Connector) -> None:
    """A server that never answers the upgrade: ConnectTimeoutError with ETIMEDOUT and ms."""
    request = OpenRequest(url=server.url("/slow"), open_timeout=0.2)
    start = time.monotonic()
    with pytest.raises(ConnectTimeoutError) as info:
        await connector.open(request, _NoListener())
    assert time.monotonic() - start < 1.0
    assert "ETIMEDOUT" in str(info.value)
    assert "200 ms" in str(info.value)


async def test_handshake_timeout_leaves_the_task_uncancelled(
    server: TestServer, connector: Connector
) -> None:
    """After an open timeout the caller's task is not left half-cancelled (``cancelling()``)."""
    task = asyncio.current_task()
    assert task is not None
    with pytest.raises(ConnectTimeoutError):
        await connector.open(OpenRequest(url=server.url("/slow"), open_timeout=0.1), _NoListener())
    assert task.cancelling() == 0
    await asyncio.sleep(0)  # a cancellation left pending would be raised here


async def test_cancelling_an_open_is_a_cancellation_not_a_timeout(
    server: TestServer, connector: Connector
) -> None:
    """Cancelling the task that opens raises CancelledError, and quickly, never a timeout."""
    request = OpenRequest(url=server.url("/slow"), open_timeout=5.0)
    opening = asyncio.ensure_future(connector.open(request, _NoListener()))
    await asyncio.sleep(0.1)
    opening.cancel()
    start = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(opening, WAIT)
    assert time.monotonic() - start < 1.0


async def test_http_503_is_a_handshake_error(server: TestServer, connector: Connector) -> None:
    """A 503 answer to the upgrade: HandshakeError with status 503."""
    request = OpenRequest(url=server.url("/reject?status=503"), open_timeout=WAIT)
    with pytest.raises(HandshakeError) as info:
        await connector.open(request, _NoListener())
    assert info.value.status == 503
    assert "503" in str(info.value)
    assert info.value.__cause__ is not None


async def test_tls_untrusted_certificate_rejected(
    tls_server: TestServer, connector: Connector
) -> None:
    """A certificate from an unknown CA: TLSError that mentions the certificate."""
    request = OpenRequest(
        url=tls_server.url("/echo"), ssl=ssl.create_default_context(), open_timeout=WAIT
    )
    with pytest.raises(TLSError) as info:
        await connector.open(request, _NoListener())
    assert "certificate" in str(info.value).lower()


async def test_tls_trusted_ca_works(
    tls_server: TestServer, ca: trustme.CA, open_ws: Opener
) -> None:
    """With the CA trusted, wss:// connects and echoes."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    transport, rec = await open_ws(tls_server.url("/echo"), ssl=context)
    await transport.send_text("secure")
    assert await rec.next_message() == "secure"
    await transport.close()
    assert (await rec.wait_closed())[0] == 1000


async def test_headers_and_subprotocol(server: TestServer, open_ws: Opener) -> None:
    """Extra headers and User-Agent reach the server; the chosen sub-protocol is exposed."""
    transport, rec = await open_ws(
        server.url("/headers"),
        headers={"X-Metis-Test": "yes"},
        subprotocols=["nope", "chat.v1"],
        user_agent="metis-env-test/1",
    )
    seen = json.loads(await rec.next_message())
    assert seen["headers"]["x-metis-test"] == "yes"
    assert seen["headers"]["user-agent"] == "metis-env-test/1"
    assert seen["subprotocol"] == "chat.v1"
    assert transport.subprotocol == "chat.v1"


async def test_no_subprotocol_offered(server: TestServer, open_ws: Opener) -> None:
    """Without an offer, no sub-protocol is selected."""
    transport, rec = await open_ws(server.url("/headers"))
    assert json.loads(await rec.next_message())["subprotocol"] is None
    assert transport.subprotocol is None


async def test_send_after_close_raises(server: TestServer, open_ws: Opener) -> None:
    """Sends and pings after the connection closed raise ConnectionClosedError."""
    transport, rec = await open_ws(server.url("/echo"))
    await transport.close()
    await rec.wait_closed()
    with pytest.raises(ConnectionClosedError):
        await transport.send_text("late")
    with pytest.raises(ConnectionClosedError):
        await transport.send_bytes(b"late")
    with pytest.raises(ConnectionClosedError):
        await transport.ping()


async def test_send_after_peer_closed_raises(server: TestServer, open_ws: Opener) -> None:
    """Sending after the server closed raises ConnectionClosedError carrying the code."""
    transport, rec = await open_ws(server.url("/close?code=4002&reason=gone"))
    await rec.wait_closed()
    with pytest.raises(ConnectionClosedError) as info:
        await transport.send_text("late")
    assert info.value.code == 4002


async def test_ping_reports_pong(server: TestServer, open_ws: Opener) -> None:
    """ping(data) leads to on_pong(data)."""
    transport, rec = await open_ws(server.url("/echo"))
    await transport.ping(b"abc")
    assert await asyncio.wait_for(rec.pongs.get(), WAIT) == b"abc"


async def test_server_ping_is_answered(server: TestServer, open_ws: Opener) -> None:
    """The transport answers the server's ping by itself."""
    _, rec = await open_ws(server.url("/ping"))
    assert await rec.next_message() == "pong:are you there"


async def test_sends_wait_for_buffer_space(server: TestServer, open_ws: Opener) -> None:
    """When the peer stops reading, a send eventually waits instead of buffering forever."""
    transport, _ = await open_ws(server.url("/never-close"))
    chunk = bytes(256 * 1024)
    blocked = False
    for _ in range(64):  # at most 16 MiB before giving up
        try:
            await asyncio.wait_for(transport.send_bytes(chunk), 0.1)
        except TimeoutError:
            blocked = True
            break
    assert blocked
    transport.abort()


async def test_no_callback_before_open_returns(server: TestServer, open_ws: Opener) -> None:
    """Messages the server sends at once wait until open() has returned, then arrive."""
    _, rec = await open_ws(server.url("/fragments"))
    assert rec.events == []
    assert await rec.next_message() == "Hello, wörld"


async def test_try_send(server: TestServer, open_ws: Opener) -> None:
    """try_send sends now (True) or not at all (False), and raises once closed."""
    transport, rec = await open_ws(server.url("/echo"))
    for message in ["fast", b"path"]:
        if transport.try_send(message):
            assert await rec.next_message() == message
    await transport.close()
    with pytest.raises(ConnectionClosedError):
        transport.try_send("late")


class _NoListener:
    """A listener for opens that must fail: any callback is a bug."""

    def on_message(self, data: str | bytes) -> None:
        raise AssertionError(f"unexpected message {data!r}")

    def on_pong(self, data: bytes) -> None:
        raise AssertionError(f"unexpected pong {data!r}")

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        raise AssertionError(f"unexpected close {code}")
