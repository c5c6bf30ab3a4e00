"""Simulator lifecycle, wait helpers, recording, exports and the serve() entry point."""

from __future__ import annotations

import asyncio
import importlib
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

import metis_env.simulator as simulator_pkg
from metis_env.api.errors import ConfigError
from metis_env.simulator import ReceivedMessage, Simulator, serve

TIMEOUT = 2.0  # seconds; a bound, never a wait


async def test_url_port_and_repr() -> None:
    """Port 0 is replaced by the bound port; url and repr show it and the state."""
    sim = Simulator()
    assert repr(sim) == "<Simulator ws://127.0.0.1:0 stopped connections=0>"
    async with sim:
        assert sim.port > 0 and sim.url == f"ws://127.0.0.1:{sim.port}"
        assert sim.is_serving and repr(sim) == f"<Simulator {sim.url} serving connections=0>"
    assert not sim.is_serving
    assert Simulator("::1", 9000).url == "ws://[::1]:9000"


async def test_stop_leaves_no_tasks_and_closes_the_port() -> None:
    """stop() with a client streaming ends every task it started and frees the port."""
    before = asyncio.all_tasks()
    sim = Simulator(stream_interval_ms=5)
    await sim.start()
    async with connect(sim.url, close_timeout=0.5) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channels": ["a", "status"]}))
        sim.set_reply_delay(50)
        await ws.send(json.dumps({"type": "heartbeat"}))  # a reply still queued at stop
        await sim.wait_for_message("heartbeat")
        await sim.stop()
        with pytest.raises(ConnectionClosed) as info:
            for _ in range(1000):  # drain the stream items, bounded
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1001
    assert asyncio.all_tasks() == before
    with pytest.raises(OSError):
        await connect(sim.url, open_timeout=1)
    await sim.stop()  # idempotent
    assert sim.connection_count == 0 and sim.total_disconnects == 1


async def test_stop_is_quick_with_a_silent_connection() -> None:
    """stop() aborts connections whose reading is paused instead of waiting on them."""
    loop = asyncio.get_running_loop()
    async with Simulator() as sim, connect(sim.url, ping_interval=None, close_timeout=0.2) as ws:
        await sim.wait_for_connections(1)
        sim.set_answer_pings(False)
        start = loop.time()
        await sim.stop()
        assert loop.time() - start < 1.0
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), TIMEOUT)


async def test_restart_on_the_same_port() -> None:
    """restart() ends open connections and listens again on the same port."""
    async with Simulator() as sim:
        port = sim.port
        async with connect(sim.url) as ws:
            await sim.wait_for_connections(1)
            await sim.restart()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert sim.port == port
        async with connect(sim.url) as ws:
            await ws.send(json.dumps({"type": "hello"}))
            assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "welcome"
        assert sim.total_connections == 2
        assert [m.conn_id for m in sim.received] == [2]


async def test_wait_for_message_returns_each_match_once_in_order() -> None:
    """Earlier messages count; each match is returned once; other messages stay available."""
    async with Simulator() as sim, connect(sim.url) as ws:
        for message in ({"type": "a", "n": 1}, {"type": "b"}, {"type": "a", "n": 2}):
            await ws.send(json.dumps(message))
        first = await sim.wait_for_message("a")
        second = await sim.wait_for_message(lambda m: m.type == "a")
        other = await sim.wait_for_message("b")
        assert (first.data["n"], second.data["n"], other.type) == (1, 2, "b")
        assert isinstance(first, ReceivedMessage) and first.conn_id == 1
        with pytest.raises(TimeoutError, match="no message matching type 'a'"):
            await sim.wait_for_message("a", timeout=0.05)
        waiter = asyncio.ensure_future(sim.wait_for_message("late", timeout=TIMEOUT))
        await ws.send(json.dumps({"type": "late"}))
        assert (await waiter).type == "late"
        sim.clear_received()
        assert sim.received == []


async def test_wait_for_connections_and_disconnects() -> None:
    """The connection waiters count accepted and ended connections, and time out clearly."""
    async with Simulator() as sim:
        with pytest.raises(TimeoutError, match="expected 1 accepted connections"):
            await sim.wait_for_connections(1, timeout=0.05)
        async with connect(sim.url):
            await sim.wait_for_connections(1)
            assert sim.connection_count == 1 and sim.connection_ids == [1]
            with pytest.raises(TimeoutError, match="expected 1 ended connections"):
                await sim.wait_for_disconnects(1, timeout=0.05)
        await sim.wait_for_disconnects(1)
        assert (sim.connection_count, sim.total_connections) == (0, 1)


async def test_handshake_headers_are_recorded() -> None:
    """Each handshake's request headers are kept, names lower-cased."""
    async with Simulator() as sim:
        async with connect(sim.url, additional_headers={"Authorization": "Bearer abc"}):
            pass
        assert sim.handshake_headers[0]["authorization"] == "Bearer abc"
        assert sim.handshake_headers[0]["upgrade"] == "websocket"


async def test_serve_runs_until_cancelled() -> None:
    """serve() calls ready with its URL, answers clients, and stops cleanly on cancel."""
    before = asyncio.all_tasks()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(serve(port=0, ready=ready.set_result))
    url = await asyncio.wait_for(ready, TIMEOUT)
    async with connect(url) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "welcome"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert asyncio.all_tasks() == before
    with pytest.raises(OSError):
        await connect(url, open_timeout=1)


def test_bad_constructor_arguments() -> None:
    """A bad port, stream interval or token collection raises ConfigError naming the key."""
    with pytest.raises(ConfigError, match="port"):
        Simulator(port=70000)
    with pytest.raises(ConfigError, match="stream_interval_ms"):
        Simulator(stream_interval_ms=1)
    with pytest.raises(ConfigError, match="valid_tokens"):
        Simulator(valid_tokens="abc123")


def test_package_exports_are_the_union_of_its_modules() -> None:
    """The package's __all__ is exactly the union of its public submodules' __all__."""
    names: set[str] = set()
    public = ("actions", "context", "faults", "protocol", "recorder", "registry", "replay")
    for module in (*public, "script", "server", "serving", "transcript"):
        names |= set(importlib.import_module(f"metis_env.simulator.{module}").__all__)
    assert set(simulator_pkg.__all__) == names
    assert all(hasattr(simulator_pkg, name) for name in names)
