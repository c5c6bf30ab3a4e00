"""The server goes away: killed mid-stream, restarted, refusing, or not there at all."""

from __future__ import annotations

import asyncio

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client, free_port

from metis_env.api import ConnectRefusedError, HandshakeError, WebSocketApi
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

OPENED = [("open",), ("connection-change", True)]
#: A failed (re)connect attempt, as the client reports it.
CLOSED = [("close", 1006), ("connection-change", False)]
FAILED_REFUSED = [("error", "ConnectRefusedError"), *CLOSED]
FAILED_HTTP = [("error", "HandshakeError"), *CLOSED]


def stream_items(log: EventLog) -> list[int]:
    items = [m for m in log.messages if isinstance(m, dict) and m.get("type") == "stream-data"]
    return [m["seq"] for m in items]


async def test_server_killed_mid_stream_then_back_on_the_same_port() -> None:
    """stop() while streaming: 1001, refused attempts, then a reconnect that resubscribes."""
    async with Simulator(stream_interval_ms=10) as sim:
        ws = client(sim.port)
        log = EventLog(ws, messages=True)
        await ws.connect()
        ws.subscribe({"type": "subscribe", "channel": "telemetry", "interval": 10})
        await log.until(lambda: len(stream_items(log)) >= 5)
        await sim.stop()  # killed mid-stream: every connection closes with 1001
        await log.wait_for(("reconnecting", 2))  # attempt 1 was refused: nothing listens
        assert ws.state is WebSocketApi.CONNECTING or ws.state is WebSocketApi.CLOSED
        seen = len(stream_items(log))
        await sim.start()  # same port
        await log.wait_for(("open",), 2)
        await log.until(lambda: len(stream_items(log)) >= seen + 3)  # the stream runs again
        assert log.entries == [
            *OPENED,
            ("close", 1001),
            ("connection-change", False),
            ("reconnecting", 1),
            *FAILED_REFUSED,
            ("reconnecting", 2),
            *OPENED,
        ]
        assert ws.is_connected and ws.reconnect_attempt_count == 0
        subscribes = [m for m in sim.received if m.type == "subscribe"]
        assert [m.conn_id for m in subscribes] == [1, 2]  # replayed on the new connection
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_restart_on_the_same_port_reconnects_by_itself() -> None:
    """restart(): the client sees 1001 and is back within one reconnect delay."""
    async with Simulator() as sim:
        ws = client(sim.port, random=lambda: 0.5)  # 250 ms: room for the restart
        log = EventLog(ws)
        await ws.connect()
        await sim.restart()
        await log.wait_for(("open",), 2)
        assert log.entries == [
            *OPENED,
            ("close", 1001),
            ("connection-change", False),
            ("reconnecting", 1),
            *OPENED,
        ]
        assert sim.total_connections == 2 and ws.is_connected
        ws.send({"type": "hello"})
        assert (await sim.wait_for_message("hello", LIMIT)).conn_id == 2
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_connect_to_a_closed_port_fails_clearly_and_starts_no_loop() -> None:
    """ECONNREFUSED reaches the awaited handle and the error event; no background attempts."""
    ws = client(free_port())
    log = EventLog(ws)
    with pytest.raises(ConnectRefusedError, match="ECONNREFUSED"):
        await asyncio.wait_for(ws.connect(), LIMIT)
    await asyncio.sleep(0.3)  # longer than the reconnect delay: nothing may follow
    assert log.entries == FAILED_REFUSED
    assert ws.state is WebSocketApi.CLOSED and ws.reconnect_attempt_count == 0
    COUNTS["faults survived"] += 1


async def test_handshake_refused_with_503_keeps_retrying_until_accepted() -> None:
    """503 is temporary: attempts go on (1, 2, 3…) and the client connects once accepted."""
    async with Simulator() as sim:
        ws = client(sim.port)
        log = EventLog(ws)
        await ws.connect()
        sim.refuse_handshakes(503)
        sim.drop_all()
        await log.wait_for(("reconnecting", 3))
        sim.refuse_handshakes(None)
        await log.wait_for(("open",), 2)
        assert log.entries == [
            *OPENED,
            ("error", "ConnectionClosedError"),
            ("close", 1006),
            ("connection-change", False),
            ("reconnecting", 1),
            *FAILED_HTTP,
            ("reconnecting", 2),
            *FAILED_HTTP,
            ("reconnecting", 3),
            *OPENED,
        ]
        assert all(e.status == 503 for e in log.errors[1:] if isinstance(e, HandshakeError))
        assert "503" in str(log.errors[1])
        assert ws.is_connected
        await ws.disconnect()
        COUNTS["faults survived"] += 1


@pytest.mark.parametrize("status", [401, 403])
async def test_handshake_refused_with_auth_status_gives_up(status: int) -> None:
    """401/403 will not change by retrying: one attempt, then reconnect-failed, then quiet."""
    async with Simulator() as sim:
        ws = client(sim.port)
        log = EventLog(ws)
        await ws.connect()
        sim.refuse_handshakes(status)
        sim.drop_all()
        await log.wait_for(("reconnect-failed",))
        await asyncio.sleep(0.5)  # two delays' worth: no further attempt may come
        assert log.entries == [
            *OPENED,
            ("error", "ConnectionClosedError"),
            ("close", 1006),
            ("connection-change", False),
            ("reconnecting", 1),
            *FAILED_HTTP,
            ("reconnect-failed",),
        ]
        assert log.reasons == [f"the server answered the handshake with HTTP {status}"]
        assert len(sim.handshake_headers) == 2  # the first connect and the one retry
        assert ws.state is WebSocketApi.CLOSED and ws.reconnect_attempt_count == 0
        with pytest.raises(HandshakeError, match=str(status)):  # a manual connect() reports it
            await asyncio.wait_for(ws.connect(), LIMIT)
        COUNTS["faults survived"] += 1
