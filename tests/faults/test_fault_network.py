"""Network faults between client and server, injected by `FaultProxy`: half-open, RST, slow."""

from __future__ import annotations

import asyncio

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client
from fault_proxy import FaultProxy

from metis_env.api import ConnectTimeoutError, WebSocketApi
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

OPENED = [("open",), ("connection-change", True)]
LOST_AND_BACK = [
    ("error", "ConnectionClosedError"),
    ("close", 1006),
    ("connection-change", False),
    ("reconnecting", 1),
    *OPENED,
]


@pytest.mark.parametrize(("interval", "timeout"), [(100, 100), (50, 150)])
async def test_half_open_link_is_detected_within_interval_plus_timeout(
    interval: int, timeout: int
) -> None:
    """Blackholed link (TCP up, no bytes): keepalive drops it in time, then reconnects."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        ws = client(proxy.port, keep_alive_interval=interval, keep_alive_timeout=timeout)
        log = EventLog(ws)
        await ws.connect()
        await asyncio.sleep(2 * interval / 1000)  # a few healthy pings first
        assert ws.is_connected and log.entries == OPENED
        loop = asyncio.get_running_loop()
        proxy.blackhole()
        start = loop.time()
        assert len(proxy.links) == 1  # TCP stays up: only keepalive can notice
        await log.wait_for(("close", 1006))
        elapsed = loop.time() - start
        assert elapsed <= (interval + timeout) / 1000 + 0.15, elapsed
        await log.wait_for(("open",), 2)
        assert log.entries == [*OPENED, *LOST_AND_BACK]
        assert "Keepalive timeout" in str(log.errors[0])
        ws.send({"type": "hello"})
        assert (await sim.wait_for_message("hello", LIMIT)).conn_id == 2
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_half_open_link_without_keepalive_is_not_detected() -> None:
    """The control: with keepalive off a blackholed link looks open (why keepalive exists)."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        ws = client(proxy.port, keep_alive_interval=0, close_timeout=300)
        log = EventLog(ws)
        await ws.connect()
        proxy.blackhole()
        await asyncio.sleep(0.4)
        assert ws.is_connected and log.entries == OPENED
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(ws.disconnect(), LIMIT)  # no close reply: aborted at closeTimeout
        assert 0.25 <= loop.time() - start <= 1.0
        assert ws.state is WebSocketApi.CLOSED
        assert log.entries == [*OPENED, ("close", 1006), ("connection-change", False)]


async def test_connection_reset_is_reported_and_survived() -> None:
    """An RST on an open link: error + 1006, then a reconnect through the proxy."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        ws = client(proxy.port)
        log = EventLog(ws)
        await ws.connect()
        proxy.reset()
        await log.wait_for(("open",), 2)
        assert log.entries == [*OPENED, *LOST_AND_BACK]
        assert proxy.total_links == 2
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_slow_link_delays_but_loses_nothing() -> None:
    """60 ms each way: keepalive (timeout 400 ms) holds, messages arrive in order."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        proxy.set_delay(60)
        ws = client(proxy.port, keep_alive_interval=100, keep_alive_timeout=400)
        log = EventLog(ws, messages=True)
        await ws.connect()
        for n in range(20):
            ws.send({"type": "heartbeat", "timestamp": n})
        await log.until(lambda: len(log.messages) >= 20)
        await asyncio.sleep(0.3)  # a few keepalive rounds over the slow link
        assert [m["timestamp"] for m in log.messages] == list(range(20))
        assert log.entries == OPENED and ws.is_connected
        assert ws.stats()["last_rtt_ms"] >= 100  # the round trip crossed the delay twice
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_handshake_into_a_blackhole_times_out_at_connect_timeout() -> None:
    """TCP accepted, upgrade swallowed: connect() fails with ETIMEDOUT after connectTimeout."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        proxy.blackhole(new_links=True)
        ws = client(proxy.port, connect_timeout=1000, auto_reconnect=False)
        log = EventLog(ws)
        loop = asyncio.get_running_loop()
        start = loop.time()
        with pytest.raises(ConnectTimeoutError, match="ETIMEDOUT"):
            await asyncio.wait_for(ws.connect(), LIMIT)
        assert 0.9 <= loop.time() - start <= 1.5
        assert log.entries == [("error", "ConnectTimeoutError"), ("close", 1006),
                               ("connection-change", False)]  # fmt: skip
        assert ws.state is WebSocketApi.CLOSED
        COUNTS["faults survived"] += 1
