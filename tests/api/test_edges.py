"""The edges issue 9 found, each pinned on both transports through the public API."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from api_servers import Server, ws_server
from websockets.asyncio.server import ServerConnection
from websockets.frames import Opcode

from metis_env.api import (
    CLOSED,
    CLOSING,
    ConnectionClosedError,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("transport_name")


def client(port: int, **kw: Any) -> WebSocketApi:
    kw.setdefault("keep_alive_interval", 0)
    kw.setdefault("reconnect_delay", 250)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)


def record(ws: WebSocketApi) -> list[str]:
    seen: list[str] = []
    ws.add_event_listener(
        ["open", "close", "error", "reconnecting", "reconnect-failed"],
        lambda e: seen.append(e.method),
    )
    return seen


async def until(ws: WebSocketApi, predicate: Any, timeout: float = 3.0) -> None:
    """Wait (bounded) until ``predicate()`` holds, checking it after each client event."""
    reached = asyncio.Event()

    def check(_event: object) -> None:
        if predicate():
            reached.set()

    ws.add_event_listener("activity", check)
    try:
        if not predicate():
            await asyncio.wait_for(reached.wait(), timeout)
    finally:
        ws.remove_event_listener("activity", check)


async def test_connect_while_closing_settles_the_disconnect_and_behaves_as_wanted() -> None:
    """Edge (1): the old disconnect() settles; a drop is retried; the next disconnect closes."""
    async with ws_server() as srv:
        ws = client(srv.port)
        seen = record(ws)
        await ws.connect()
        closing = ws.disconnect()
        assert ws.state is CLOSING
        reconnect = ws.connect()
        await asyncio.wait_for(closing, 3)
        await asyncio.wait_for(reconnect, 3)
        assert ws.is_connected and len(srv.connections) == 2
        await srv.connections[1].close(1012, "restart")  # an unexpected close: retried
        await until(ws, lambda: "reconnecting" in seen)
        await until(ws, lambda: ws.is_connected)
        assert len(srv.connections) == 3
        last = ws.disconnect()
        assert last is not closing
        await asyncio.wait_for(last, 3)
        assert ws.state is CLOSED
        await asyncio.wait_for(srv.connections[2].wait_closed(), 3)
        assert srv.connections[2].close_code == 1000


async def test_failing_open_hook_fails_connect_closes_and_logs_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Edge (3): connect() fails with the hook's error; a close frame; nothing else sent."""
    refused = PermissionError("login refused")

    async def login(ws: WebSocketApi) -> None:
        await ws.send({"type": "authenticate"})
        raise refused

    async with ws_server() as srv:
        ws = client(srv.port, on_open=login, queue_while_disconnected=True, auto_reconnect=False)
        ws.subscribe({"type": "subscribe", "channel": "status"})
        queued = ws.send({"type": "queued"})
        with caplog.at_level(logging.DEBUG, logger="metis_env.api"):
            with pytest.raises(PermissionError) as caught:
                await ws.connect()
            assert caught.value is refused
            await asyncio.wait_for(srv.connections[0].wait_closed(), 3)
            await until(ws, lambda: ws.state is CLOSED)
        assert srv.connections[0].close_code == 1000
        assert srv.received == ['{"type":"authenticate"}']
        assert not queued.done()  # waits for a good open
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "login refused" in warnings[0].getMessage()
        assert warnings[0].exc_info is None
        assert any(r.exc_info for r in caplog.records if r.levelno == logging.DEBUG)
        ws.clear_queue()
        with pytest.raises(Exception, match="Send queue cleared"):
            await queued


async def test_failing_open_hook_during_reconnect_is_a_failed_attempt() -> None:
    """Edge (3): in the background, the failure counts under the reconnect policy."""
    calls = 0

    async def hook(_ws: WebSocketApi) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise PermissionError("token expired")

    async with ws_server() as srv:
        ws = client(srv.port, on_open=hook, reconnect_delay=250, max_reconnect_attempts=2)
        seen = record(ws)
        await ws.connect()
        srv.connections[0].transport.abort()
        await until(ws, lambda: "reconnect-failed" in seen, timeout=5)
        assert seen.count("reconnecting") == 2 and calls == 3
        assert ws.state is CLOSED


async def test_streams_and_waits_end_when_the_client_stops_for_good() -> None:
    """Edge (4): no reconnect → messages() and wait_for() end with the close code."""
    async with ws_server() as srv:
        ws = client(srv.port, auto_reconnect=False)
        await ws.connect()
        stream = ws.messages()
        waiting = ws.wait_for("never", timeout=None)

        async def consume() -> list[Any]:
            return [data async for data in stream]

        consumer = asyncio.get_running_loop().create_task(consume())
        await srv.connections[0].close(4000, "maintenance")
        with pytest.raises(ConnectionClosedError) as caught:
            await asyncio.wait_for(consumer, 3)
        assert caught.value.code == 4000 and "maintenance" in str(caught.value)
        with pytest.raises(ConnectionClosedError, match="4000"):
            await asyncio.wait_for(waiting, 3)


async def test_streams_end_after_a_fatal_close_code() -> None:
    """Edge (4): a fatal code (1008) stops reconnecting; a waiting wait_for() ends."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        waiting = ws.wait_for("never", timeout=None)
        await srv.connections[0].close(1008, "policy")
        with pytest.raises(ConnectionClosedError) as caught:
            await asyncio.wait_for(waiting, 3)
        assert caught.value.code == 1008


async def test_bytes_are_counted_as_utf8_on_the_wire() -> None:
    """Edge (5): text counts its UTF-8 bytes, not characters."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        echo = ws.wait_for(lambda _d: True)
        await ws.send("héllo ✓")  # 7 characters, 10 bytes
        await echo
        stats = ws.stats()
        assert stats["bytes_out"] == 10 and stats["bytes_in"] == 10
        await ws.disconnect()


async def stale_pongs(server: Server, conn: ServerConnection) -> None:
    """Never read (so never answer a ping), but send unsolicited pongs with other data."""
    conn.transport.pause_reading()
    for _ in range(200):
        conn.transport.write(bytes([0x8A, 5]) + b"stale")
        await asyncio.sleep(0.01)


async def test_only_the_pong_of_our_ping_counts() -> None:
    """Edge (7): unsolicited pongs do not keep a silent peer alive."""
    async with ws_server(stale_pongs) as srv:
        ws = client(srv.port, keep_alive_interval=50, keep_alive_timeout=100, auto_reconnect=False)
        closed: list[int] = []
        ws.add_event_listener("close", lambda e: closed.append(e.code))
        await ws.connect()
        await until(ws, lambda: bool(closed), timeout=3)
        assert closed == [1006]
        assert ws.stats()["last_rtt_ms"] is None


async def test_keepalive_pings_carry_fresh_payloads() -> None:
    """Edge (7): every ping has new application data, and its pong gives an RTT."""
    payloads: list[bytes] = []
    three = asyncio.Event()

    async with ws_server() as srv:
        ws = client(srv.port, keep_alive_interval=20, keep_alive_timeout=500)
        await ws.connect()
        await srv.wait_connections(1)
        protocol = srv.connections[0].protocol
        original = protocol.send_frame

        def spy(frame: Any) -> None:  # the server answers each ping with a pong of its data
            if frame.opcode is Opcode.PONG:
                payloads.append(bytes(frame.data))
                if len(payloads) >= 3:
                    three.set()
            original(frame)

        protocol.send_frame = spy  # type: ignore[method-assign]
        await asyncio.wait_for(three.wait(), 3)
        assert len(set(payloads)) == len(payloads) and all(len(p) == 8 for p in payloads)
        echo = ws.wait_for("after-pongs")  # the pongs precede this echo on the wire
        await ws.send({"type": "after-pongs"})
        await asyncio.wait_for(echo, 3)
        assert ws.stats()["last_rtt_ms"] is not None
        await ws.disconnect()


async def test_async_with_connects_and_disconnects_also_on_error() -> None:
    """Edge (8): ``async with`` connects on entry and disconnects on exit, error or not."""
    async with ws_server() as srv:
        async with WebSocketApi.from_config(
            {"host": "127.0.0.1", "port": srv.port, "keepAliveInterval": 0}
        ) as ws:
            assert ws.is_connected
        assert ws.state is CLOSED
        with pytest.raises(RuntimeError, match="script bug"):
            async with client(srv.port) as ws2:
                raise RuntimeError("script bug")
        assert ws2.state is CLOSED
        ws3 = client(srv.port)
        await ws3.connect()
        await ws3.aclose()
        assert ws3.state is CLOSED
        for conn in srv.connections:
            await asyncio.wait_for(conn.wait_closed(), 3)
        assert [c.close_code for c in srv.connections] == [1000, 1000, 1000]
