"""disconnect(): close-code validation, queue rejection, bounded time, and mid-handshake."""

from __future__ import annotations

import asyncio

import pytest
from api_servers import Server, hang, tcp_server, ws_server
from websockets.asyncio.server import ServerConnection

from metis_env.api import (
    CLOSED,
    OPEN,
    ConfigError,
    ConnectAbortedError,
    SendQueueClearedError,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("transport_name")


def client(port: int, **kw: object) -> WebSocketApi:
    kw.setdefault("keep_alive_interval", 0)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2999, 5000, True, "1000"])
async def test_invalid_close_code_raises_config_error_and_changes_nothing(code: object) -> None:
    """The original leaks an open socket here; we refuse before touching anything."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        with pytest.raises(ConfigError) as info:
            ws.disconnect(code)  # type: ignore[arg-type]
        assert info.value.key == "code"
        assert "1000-1003, 1007-1014 or 3000-4999" in str(info.value)
        assert ws.state == OPEN
        await ws.send("still open")
        await srv.wait_received(1)
        await ws.disconnect()


async def test_reason_longer_than_123_bytes_is_refused() -> None:
    """Close reasons are bounded by RFC 6455 §5.5 (125-byte control payload)."""
    ws = client(1)
    with pytest.raises(ConfigError, match="123 bytes"):
        ws.disconnect(1000, "é" * 62)


async def test_close_code_and_reason_reach_the_server_and_the_close_event() -> None:
    """disconnect(4000, 'bye') is what the server sees, and what the close event reports."""
    async with ws_server() as srv:
        ws = client(srv.port)
        closes: list[tuple[int, str]] = []
        ws.add_event_listener("close", lambda e: closes.append((e.code, e.reason)))
        await ws.connect()
        await ws.disconnect(4000, "bye")
        await srv.connections[0].wait_closed()
        assert (srv.connections[0].close_code, srv.connections[0].close_reason) == (4000, "bye")
        assert closes == [(4000, "bye")]
        assert ws.state == CLOSED and ws.connection is None


async def test_disconnect_rejects_queued_sends_with_the_seed_message() -> None:
    """Queued sends fail with 'Send queue cleared.' (reference §1.7)."""
    ws = client(1, queue_while_disconnected=True)
    handles = [ws.send(f"m{i}") for i in range(3)]
    assert ws.queued_message_count == 3
    await ws.disconnect()
    for handle in handles:
        with pytest.raises(SendQueueClearedError, match=r"^Send queue cleared\.$"):
            await handle
    assert ws.queued_message_count == 0


async def test_disconnect_completes_within_close_timeout_when_the_peer_never_answers() -> None:
    """A peer that ignores the close frame is aborted after closeTimeout."""

    async def deaf(server: Server, conn: ServerConnection) -> None:
        conn.transport.pause_reading()
        await asyncio.sleep(1)
        conn.transport.abort()

    async with ws_server(deaf) as srv:
        ws = client(srv.port, close_timeout=200)
        closes: list[int] = []
        ws.add_event_listener("close", lambda e: closes.append(e.code))
        await ws.connect()
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(ws.disconnect(), 3)
        assert 0.15 <= loop.time() - start < 2
        assert closes == [1006]
        assert ws.state == CLOSED


async def test_disconnect_during_the_handshake_aborts_it() -> None:
    """connect() fails with the original's message; error, close(1006), change(false) fire."""
    async with tcp_server(hang) as port:
        ws = client(port)
        seen: list[str] = []
        ws.add_event_listener(
            ["error", "close", "connection-change"], lambda e: seen.append(e.method)
        )
        pending = ws.connect()
        await asyncio.sleep(0.05)
        await ws.disconnect()
        with pytest.raises(ConnectAbortedError) as info:
            await pending
        assert str(info.value) == "WebSocket was closed before the connection was established"
        assert seen == ["error", "close", "connection-change"]
        assert ws.state == CLOSED


async def test_disconnect_twice_and_unawaited_disconnect_both_work() -> None:
    """The seed calls ws.disconnect() without await; each call's handle settles at the close."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        first = ws.disconnect()
        second = ws.disconnect()
        assert first is not second
        assert not first.done() and not second.done()
        await asyncio.wait_for(asyncio.gather(first, second), 3)
        assert ws.state == CLOSED
        await ws.disconnect()  # already closed: resolves at once


async def test_disconnect_after_unexpected_close_cancels_reconnecting() -> None:
    """Original test (4): count 1 -> 0 and no reconnection afterwards."""
    async with ws_server() as srv:
        ws = client(srv.port, reconnect_delay=250)
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda _e: closed.set())
        await ws.connect()
        srv.connections[0].transport.abort()
        await asyncio.wait_for(closed.wait(), 3)
        assert ws.reconnect_attempt_count == 1
        await ws.disconnect()
        assert ws.reconnect_attempt_count == 0
        await asyncio.sleep(0.4)
        assert len(srv.connections) == 1
        assert ws.state == CLOSED
