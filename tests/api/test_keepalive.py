"""Keepalive: protocol pings; a silent peer is dropped within interval + timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from api_servers import Server, ws_server
from websockets.asyncio.server import ServerConnection

from metis_env.api import WebSocketApi
from metis_env.api.clock import AsyncioClock

pytestmark = pytest.mark.usefixtures("transport_name")


async def _go_silent(server: Server, conn: ServerConnection) -> None:
    """Upgrade, then stop reading: no pongs, no close replies (the original's no-pong server)."""
    conn.transport.pause_reading()
    await asyncio.sleep(0.6)  # longer than any interval + timeout used below
    conn.transport.abort()


async def test_responsive_peer_stays_connected_and_rtt_is_measured() -> None:
    """Original test (6a): 50/100 with a normal server stays connected past 200 ms."""
    async with ws_server() as srv:
        ws = WebSocketApi(
            host="127.0.0.1", port=srv.port, keep_alive_interval=50, keep_alive_timeout=100
        )
        closes: list[int] = []
        ws.add_event_listener("close", lambda e: closes.append(e.code))
        await ws.connect()
        await asyncio.sleep(0.3)
        assert ws.is_connected and closes == []
        assert ws.stats()["last_rtt_ms"] is not None
        await ws.disconnect()


@pytest.mark.parametrize(("interval", "timeout"), [(50, 50), (50, 150), (100, 20)])
async def test_silent_peer_is_dropped_within_interval_plus_timeout(
    interval: int, timeout: int
) -> None:
    """Any pair of values works (the original never drops when timeout > interval)."""
    async with ws_server(_go_silent) as srv:
        ws = WebSocketApi(
            host="127.0.0.1",
            port=srv.port,
            keep_alive_interval=interval,
            keep_alive_timeout=timeout,
            auto_reconnect=False,
        )
        closes: list[int] = []
        errors: list[str] = []
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda e: (closes.append(e.code), closed.set()))
        ws.add_event_listener("error", lambda e: errors.append(str(e.error)))
        loop = asyncio.get_running_loop()
        await ws.connect()
        start = loop.time()
        await asyncio.wait_for(closed.wait(), 3)
        elapsed = (loop.time() - start) * 1000
        assert interval + timeout - 10 <= elapsed < interval + timeout + 500
        assert closes == [1006]
        assert errors and "Keepalive timeout" in errors[0]


async def test_keepalive_drop_triggers_a_reconnect() -> None:
    """A keepalive-terminated connection (1006) reconnects like any unexpected close."""
    calls = 0

    async def silent_once(server: Server, conn: ServerConnection) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            await _go_silent(server, conn)
        else:
            await conn.wait_closed()

    async with ws_server(silent_once) as srv:
        ws = WebSocketApi(
            host="127.0.0.1",
            port=srv.port,
            keep_alive_interval=30,
            keep_alive_timeout=30,
            reconnect_delay=250,
        )
        opens: list[Any] = []
        reopened = asyncio.Event()
        ws.add_event_listener(
            "open", lambda e: (opens.append(e), len(opens) == 2 and reopened.set())
        )
        await ws.connect()
        await asyncio.wait_for(reopened.wait(), 3)
        assert len(srv.connections) == 2
        await ws.disconnect()


async def test_zero_interval_disables_keepalive() -> None:
    """keepAliveInterval 0: no keepalive timer ever runs (the clock is never asked to sleep)."""

    class CountingClock(AsyncioClock):
        def __init__(self) -> None:
            self.sleeps: list[float] = []

        async def sleep(self, seconds: float) -> None:
            self.sleeps.append(seconds)
            await super().sleep(seconds)

    clock = CountingClock()
    async with ws_server() as srv:
        ws = WebSocketApi(host="127.0.0.1", port=srv.port, keep_alive_interval=0, clock=clock)
        await ws.connect()
        reply = ws.wait_for(lambda _d: True, timeout=None)
        await ws.send("x")
        await reply
        assert clock.sleeps == []
        await ws.disconnect()
