"""Auto-reconnect: backoff with jitter, resets, policy limits, and never after disconnect()."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from api_servers import Server, free_port, ws_server
from websockets.asyncio.server import ServerConnection

from metis_env.api import WebSocketApi
from metis_env.api.backoff import reconnect_delay, retry_verdict
from metis_env.api.errors import ConnectRefusedError, HandshakeError

pytestmark = pytest.mark.usefixtures("transport_name")


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 1000), (2, 2000), (3, 4000), (4, 8000), (5, 16000), (6, 30000), (50, 30000)],
)
def test_backoff_doubles_up_to_the_ceiling(attempt: int, expected: int) -> None:
    """min(max, base * 2**(n-1)) with the jitter factor fixed at 1.0."""
    assert reconnect_delay(attempt, 1000, 30000, lambda: 0.5) == expected


def test_jitter_stays_within_plus_minus_twenty_percent() -> None:
    """Factor in [0.8, 1.2)."""
    assert reconnect_delay(1, 1000, 30000, lambda: 0.0) == 800
    assert reconnect_delay(1, 1000, 30000, lambda: 0.999999) == 1199


def test_retry_verdict_stops_on_fatal_codes_and_statuses_only() -> None:
    """1008 and HTTP 401/403 stop; 1001/1006/1012 and 503 keep going."""
    assert retry_verdict(close_code=1008, error=None) is not None
    assert retry_verdict(close_code=1006, error=None) is None
    assert retry_verdict(close_code=1001, error=None) is None
    assert retry_verdict(close_code=1012, error=None) is None
    assert retry_verdict(close_code=None, error=HandshakeError("x", status=401)) is not None
    assert retry_verdict(close_code=None, error=HandshakeError("x", status=503)) is None
    assert retry_verdict(close_code=None, error=ConnectRefusedError("x")) is None


def client(port: int, **kw: Any) -> WebSocketApi:
    kw.setdefault("keep_alive_interval", 0)
    kw.setdefault("reconnect_delay", 250)
    kw.setdefault("max_reconnect_delay", 1000)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)


async def test_unexpected_close_reconnects_and_resets_the_count() -> None:
    """Original test (3): count > 0 at the close event, 0 after the reconnect."""
    async with ws_server() as srv:
        ws = client(srv.port, random=lambda: 0.5)
        at_close: list[int] = []
        plans: list[tuple[int, int]] = []
        reopened = asyncio.Event()
        ws.add_event_listener("close", lambda _e: at_close.append(ws.reconnect_attempt_count))
        ws.add_event_listener("reconnecting", lambda e: plans.append((e.attempt, e.delay)))
        await ws.connect()
        ws.add_event_listener("open", lambda _e: reopened.set())
        srv.connections[0].transport.abort()
        await asyncio.wait_for(reopened.wait(), 3)
        assert at_close == [1]
        assert plans == [(1, 250)]
        assert ws.reconnect_attempt_count == 0
        assert ws.stats()["reconnects"] == 1
        await ws.disconnect()


async def test_auto_reconnect_false_stays_disconnected() -> None:
    """Original test (5)."""
    async with ws_server() as srv:
        ws = client(srv.port, auto_reconnect=False)
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda _e: closed.set())
        await ws.connect()
        srv.connections[0].transport.abort()
        await asyncio.wait_for(closed.wait(), 3)
        await asyncio.sleep(0.35)
        assert not ws.is_connected and ws.reconnect_attempt_count == 0
        assert len(srv.connections) == 1


async def test_failed_attempts_continue_the_series_until_the_server_returns() -> None:
    """The server goes away and comes back on the same port: the client finds it again."""
    port = free_port()
    async with ws_server(port=port) as srv:
        ws = client(srv.port, random=lambda: 0.0)
        attempts: list[int] = []
        second = asyncio.Event()

        def on_reconnecting(event: Any) -> None:
            attempts.append(event.attempt)
            if event.attempt == 2:
                second.set()

        ws.add_event_listener("reconnecting", on_reconnecting)
        await ws.connect()
    # Server gone: attempts fail (refused) and keep being scheduled.
    await asyncio.wait_for(second.wait(), 5)
    reopened = asyncio.Event()
    ws.add_event_listener("open", lambda _e: reopened.set())
    async with ws_server(port=port):
        await asyncio.wait_for(reopened.wait(), 5)
        assert ws.is_connected
        assert attempts[:2] == [1, 2]
        await ws.disconnect()


async def test_max_reconnect_attempts_gives_up_with_reconnect_failed() -> None:
    """After maxReconnectAttempts failures, reconnect-failed fires and attempts stop."""
    port = free_port()
    async with ws_server(port=port):
        ws = client(port, max_reconnect_attempts=1, random=lambda: 0.0)
        await ws.connect()
    failed = asyncio.Event()
    gave_up: list[Any] = []
    ws.add_event_listener("reconnect-failed", lambda e: (gave_up.append(e), failed.set()))
    await asyncio.wait_for(failed.wait(), 5)
    assert gave_up[0].attempts == 1
    assert "1 reconnect attempts failed" in gave_up[0].reason
    assert ws.reconnect_attempt_count == 0


async def _close_1008(server: Server, conn: ServerConnection) -> None:
    await conn.close(1008, "policy")


async def test_policy_violation_close_stops_reconnecting() -> None:
    """A 1008 close means retrying is pointless: reconnect-failed, no new attempt."""
    async with ws_server(_close_1008) as srv:
        ws = client(srv.port)
        reasons: list[str] = []
        failed = asyncio.Event()
        ws.add_event_listener(
            "reconnect-failed", lambda e: (reasons.append(e.reason), failed.set())
        )
        await ws.connect()
        await asyncio.wait_for(failed.wait(), 3)
        assert reasons == ["the connection was closed with code 1008"]
        await asyncio.sleep(0.3)
        assert len(srv.connections) == 1


async def test_going_away_close_reconnects() -> None:
    """1001 (server restarting) is always retried."""
    async with ws_server() as srv:
        ws = client(srv.port)
        reopened = asyncio.Event()
        await ws.connect()
        ws.add_event_listener("open", lambda _e: reopened.set())
        await srv.connections[0].close(1001, "restart")
        await asyncio.wait_for(reopened.wait(), 3)
        assert len(srv.connections) == 2
        await ws.disconnect()


async def test_connect_during_a_scheduled_reconnect_connects_now() -> None:
    """A manual connect() cancels the pending delay and connects at once."""
    async with ws_server() as srv:
        ws = client(srv.port, reconnect_delay=60000, max_reconnect_delay=60000)
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda _e: closed.set())
        await ws.connect()
        srv.connections[0].transport.abort()
        await asyncio.wait_for(closed.wait(), 3)
        await asyncio.wait_for(ws.connect(), 3)
        assert ws.is_connected and ws.reconnect_attempt_count == 0
        await ws.disconnect()
