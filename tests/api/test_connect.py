"""connect(): success, event order, concurrency rules, and every failure shape."""

from __future__ import annotations

import asyncio
import logging

import pytest
from api_servers import free_port, hang, tcp_server, ws_server

from metis_env.api import (
    CLOSED,
    OPEN,
    ConnectAbortedError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("transport_name")


def client(port: int, **kw: object) -> WebSocketApi:
    kw.setdefault("keep_alive_interval", 0)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)  # type: ignore[arg-type]


def record(ws: WebSocketApi) -> list[str]:
    seen: list[str] = []

    def on_event(event: object) -> None:
        method = event.method  # type: ignore[attr-defined]
        if method == "activity":
            seen.append("activity:" + event.event_type)  # type: ignore[attr-defined]
        elif method == "connection-change":
            seen.append(f"connection-change:{event.is_connected}")  # type: ignore[attr-defined]
        elif method == "close":
            seen.append(f"close:{event.code}")  # type: ignore[attr-defined]
        else:
            seen.append(method)

    ws.add_event_listener(
        ["open", "close", "error", "connection-change", "activity", "reconnecting"], on_event
    )
    return seen


async def test_connect_fires_events_in_the_original_order() -> None:
    """open, activity:open, connection-change, activity:connection-change (original's test)."""
    async with ws_server() as srv:
        ws = client(srv.port)
        seen = record(ws)
        await ws.connect()
        assert ws.is_connected and ws.state == OPEN == 1
        assert seen == [
            "open",
            "activity:open",
            "connection-change:True",
            "activity:connection-change",
        ]
        await ws.disconnect()


async def test_connect_when_connected_resolves_at_once_without_a_new_connection() -> None:
    """A second connect() on an open client changes nothing."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        await ws.connect()
        assert len(srv.connections) == 1
        await ws.disconnect()


async def test_second_connect_while_pending_fails_both_with_the_original_messages() -> None:
    """Both calls settle: the earlier superseded, the later refused (reference §1.6 step 3)."""
    async with tcp_server(hang) as port:
        ws = client(port)
        first = ws.connect()
        second = ws.connect()
        results = await asyncio.wait_for(asyncio.gather(first, second, return_exceptions=True), 3)
        assert isinstance(results[0], ConnectAbortedError)
        assert str(results[0]) == "Connection superseded by a new connect() call."
        assert isinstance(results[1], ConnectAbortedError)
        assert str(results[1]) == (
            "connect() called while a connection attempt was already in progress."
        )
        assert ws.state == CLOSED


async def test_refused_connection_reports_econnrefused_and_fires_error_close_change() -> None:
    """Refused: error, close(1006), connection-change(false); the handle fails; no loop."""
    ws = client(free_port(), reconnect_delay=250)
    seen = record(ws)
    with pytest.raises(ConnectRefusedError) as info:
        await ws.connect()
    assert "ECONNREFUSED" in str(info.value)
    assert seen == [
        "error",
        "activity:error",
        "close:1006",
        "activity:close",
        "connection-change:False",
        "activity:connection-change",
    ]
    assert ws.reconnect_attempt_count == 0
    assert ws.state == CLOSED


async def test_handshake_timeout_reports_etimedout() -> None:
    """A server that never answers the upgrade: ConnectTimeoutError after connectTimeout."""
    async with tcp_server(hang) as port:
        ws = client(port, connect_timeout=1000)
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(ConnectTimeoutError) as info:
            await asyncio.wait_for(ws.connect(), 5)
        assert "ETIMEDOUT" in str(info.value)
        assert "timed out" in str(info.value)
        assert 0.9 <= loop.time() - start < 4


async def test_non_101_answer_keeps_the_http_status() -> None:
    """An upgrade answered with 503 fails with HandshakeError(status=503)."""
    async with ws_server(status=503) as srv:
        ws = client(srv.port)
        with pytest.raises(HandshakeError) as info:
            await ws.connect()
        assert info.value.status == 503
        assert "503" in str(info.value)


async def test_failed_manual_connect_after_a_success_starts_no_background_loop() -> None:
    """Differs from the original: no endless reconnect loop after a failed manual connect()."""
    async with ws_server() as srv:
        ws = client(srv.port, reconnect_delay=250)
        await ws.connect()
        await ws.disconnect()
    seen = record(ws)
    with pytest.raises(ConnectRefusedError):
        await ws.connect()
    assert "reconnecting" not in seen
    assert ws.reconnect_attempt_count == 0
    assert ws.reconnect_attempt_count == 0


async def test_headers_and_subprotocols_reach_the_server() -> None:
    """The headers and subprotocols options appear in the upgrade request."""
    async with ws_server(subprotocols=["metis.v1"]) as srv:
        ws = client(srv.port, headers={"X-Api-Key": "k-123"}, subprotocols=["metis.v1"])
        await ws.connect()
        assert srv.request_headers[0]["X-Api-Key"] == "k-123"
        assert srv.request_headers[0]["Sec-WebSocket-Protocol"] == "metis.v1"
        await ws.disconnect()


async def test_headers_callable_is_evaluated_on_every_attempt() -> None:
    """A token that changes between attempts is sent fresh each time."""
    tokens = iter(["t1", "t2"])
    async with ws_server() as srv:
        ws = client(srv.port, headers=lambda: {"Authorization": "Bearer " + next(tokens)})
        await ws.connect()
        await ws.disconnect()
        await ws.connect()
        await ws.disconnect()
        assert [h["Authorization"] for h in srv.request_headers] == ["Bearer t1", "Bearer t2"]


async def test_repr_shows_url_and_state() -> None:
    """repr names the URL and the state."""
    ws = client(8080)
    assert repr(ws) == "<WebSocketApi ws://127.0.0.1:8080 CLOSED>"


async def test_unawaited_failed_connect_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """A failed handle nobody awaited is logged as a warning, not raised into the loop."""
    ws = client(free_port())
    failed = asyncio.Event()
    ws.add_event_listener("close", lambda _e: failed.set())
    with caplog.at_level(logging.WARNING, logger="metis_env.api"):
        ws.connect()
        await asyncio.wait_for(failed.wait(), 3)
        await asyncio.sleep(0)
        import gc

        gc.collect()
    assert any("nobody awaited" in r.getMessage() for r in caplog.records)
