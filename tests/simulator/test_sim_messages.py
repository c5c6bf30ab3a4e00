"""The simulator's message protocol over a real WebSocket, with the websockets client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from metis_env.simulator import Simulator, sensor_value

TIMEOUT = 2.0  # seconds; a bound, never a wait


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(stream_interval_ms=10) as simulator:
        yield simulator


async def ask(ws: ClientConnection, message: Any) -> Any:
    await ws.send(message if isinstance(message, str | bytes) else json.dumps(message))
    return await recv(ws)


async def recv(ws: ClientConnection) -> Any:
    raw = await asyncio.wait_for(ws.recv(), TIMEOUT)
    return json.loads(raw) if isinstance(raw, str) else raw


async def test_hello_and_heartbeat(sim: Simulator) -> None:
    """hello gets welcome; heartbeat gets an ack with the same timestamp."""
    async with connect(sim.url) as ws:
        welcome = await ask(ws, {"type": "hello", "data": "Hello from METIS!"})
        assert welcome == {"type": "welcome", "server": "metis-env simulator", "version": "1.0"}
        ack = await ask(ws, {"type": "heartbeat", "timestamp": 1700000000000})
        assert ack == {"type": "heartbeat-ack", "timestamp": 1700000000000}


async def test_echo_text_and_binary(sim: Simulator) -> None:
    """echo returns the exact text; a binary frame comes back as the same bytes."""
    async with connect(sim.url) as ws:
        text = '{"type":"echo","payload":{"n":1}}'
        await ws.send(text)
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == text
        await ws.send(b"\x00\xffbinary")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == b"\x00\xffbinary"


async def test_command_and_request(sim: Simulator) -> None:
    """command gets command-response with its id; request gets response with its requestId."""
    async with connect(sim.url) as ws:
        reply = await ask(ws, {"type": "command", "id": "cmd_1", "command": "ping"})
        assert reply == {
            "type": "command-response",
            "id": "cmd_1",
            "success": True,
            "data": {"command": "ping", "output": "pong"},
        }
        failed = await ask(ws, {"type": "command", "id": "cmd_2", "command": "fail"})
        assert failed == {
            "type": "command-response",
            "id": "cmd_2",
            "success": False,
            "error": "command failed",
        }
        response = await ask(
            ws, {"type": "request", "requestId": "123", "data": {"action": "getData"}}
        )
        assert response["requestId"] == "123"
        assert response["data"]["items"][0] == {"id": 1, "value": sensor_value(1)}


async def test_errors_for_bad_messages(sim: Simulator) -> None:
    """Non-JSON text gets an error; an unknown type with an id gets an error with that id."""
    async with connect(sim.url) as ws:
        assert (await ask(ws, "hello there"))["type"] == "error"
        reply = await ask(ws, {"type": "launch", "id": 9})
        assert reply == {"type": "error", "id": 9, "error": "unknown message type 'launch'"}


async def test_stream_with_count_ends_with_stream_end(sim: Simulator) -> None:
    """subscribe with count sends subscribed, count items in order, then stream-end."""
    async with connect(sim.url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": "sensor-data", "count": 3}))
        got = [await recv(ws) for _ in range(5)]
    assert got == [
        {"type": "subscribed", "channels": ["sensor-data"]},
        *(
            {"type": "stream-data", "channel": "sensor-data", "seq": k, "value": sensor_value(k)}
            for k in (1, 2, 3)
        ),
        {"type": "stream-end", "channel": "sensor-data", "count": 3},
    ]


async def test_stream_interval_is_honoured(sim: Simulator) -> None:
    """Items of a 30 ms stream arrive no faster than the interval."""
    loop = asyncio.get_running_loop()
    async with connect(sim.url) as ws:
        start = loop.time()
        await ask(ws, {"type": "subscribe", "channel": "x", "interval": 30, "count": 3})
        for _ in range(4):
            await recv(ws)
        elapsed = loop.time() - start
    assert 0.09 <= elapsed < TIMEOUT


async def test_monitoring_channels(sim: Simulator) -> None:
    """status, metrics and alerts stream their own message types (seed's monitor example)."""
    async with connect(sim.url) as ws:
        await ws.send(
            json.dumps(
                {"type": "subscribe", "channels": ["status", "metrics", "alerts"], "count": 1}
            )
        )
        got = [await recv(ws) for _ in range(7)]
    types = {m["type"] for m in got}
    assert types == {"subscribed", "status-update", "metric", "alert", "stream-end"}
    alert = next(m for m in got if m["type"] == "alert")
    assert alert["data"]["message"] == alert["payload"]["message"]


async def test_unsubscribe_one_channel_ends_it(sim: Simulator) -> None:
    """unsubscribe sends stream-end for the channel, then unsubscribed, then no more items."""
    async with connect(sim.url) as ws:
        await ask(ws, {"type": "subscribe", "channel": "sensor-data"})
        first = await recv(ws)
        assert first["seq"] == 1
        await ws.send(json.dumps({"type": "unsubscribe", "channel": "sensor-data"}))
        tail = []
        for _ in range(10):  # bounded: items already in flight, then the end
            message = await recv(ws)
            tail.append(message)
            if message["type"] == "unsubscribed":
                break
        assert tail[-2]["type"] == "stream-end" and tail[-2]["count"] == len(tail) - 1
        assert tail[-1] == {"type": "unsubscribed", "channels": ["sensor-data"]}
        await asyncio.sleep(0.05)  # five intervals: a running stream would have sent items
        assert (await ask(ws, {"type": "heartbeat", "timestamp": 1}))["type"] == "heartbeat-ack"


async def test_unsubscribe_all(sim: Simulator) -> None:
    """unsubscribe without a channel ends every stream and lists them."""
    async with connect(sim.url) as ws:
        await ask(ws, {"type": "subscribe", "channels": ["a", "b"], "interval": 1000})
        reply = await ask(ws, {"type": "unsubscribe"})
        second = await recv(ws)
        third = await recv(ws)
    assert [reply, second] == [
        {"type": "stream-end", "channel": "a", "count": 0},
        {"type": "stream-end", "channel": "b", "count": 0},
    ]
    assert third == {"type": "unsubscribed", "channels": ["a", "b"]}


async def test_resubscribe_restarts_the_stream(sim: Simulator) -> None:
    """Subscribing to a running channel restarts it from seq 1."""
    async with connect(sim.url) as ws:
        await ask(ws, {"type": "subscribe", "channel": "s", "interval": 1000})
        reply = await ask(ws, {"type": "subscribe", "channel": "s", "count": 1})
        assert reply == {"type": "subscribed", "channels": ["s"]}
        assert (await recv(ws))["seq"] == 1
        assert await recv(ws) == {"type": "stream-end", "channel": "s", "count": 1}


async def test_valid_tokens() -> None:
    """Only listed tokens authenticate."""
    async with Simulator(valid_tokens={"abc123"}) as sim, connect(sim.url) as ws:
        bad = await ask(ws, {"type": "authenticate", "token": "nope"})
        assert bad == {"type": "authenticated", "success": False, "error": "invalid token"}
        good = await ask(ws, {"type": "authenticate", "token": "abc123"})
        assert good == {"type": "authenticated", "success": True}


async def test_require_auth() -> None:
    """With require_auth, subscribe/command/request are refused until authenticate succeeds."""
    async with Simulator(require_auth=True) as sim, connect(sim.url) as ws:
        assert await ask(ws, {"type": "subscribe", "channel": "x"}) == {
            "type": "error",
            "error": "not authenticated",
        }
        refused = await ask(ws, {"type": "request", "requestId": "r", "data": {}})
        assert refused == {"type": "error", "requestId": "r", "error": "not authenticated"}
        await ask(ws, {"type": "authenticate", "token": "t"})
        reply = await ask(ws, {"type": "command", "id": 1, "command": "status"})
        assert reply["success"] is True


async def test_broadcast_and_send_to_one(sim: Simulator) -> None:
    """broadcast reaches every client; send(conn=…) only the one named."""
    async with connect(sim.url) as one, connect(sim.url) as two:
        await sim.wait_for_connections(2)
        await sim.broadcast({"type": "alert", "data": {"message": "all"}})
        assert (await recv(one))["data"]["message"] == "all"
        assert (await recv(two))["data"]["message"] == "all"
        await sim.send("just you", conn=sim.connection_ids[1])
        assert await asyncio.wait_for(two.recv(), TIMEOUT) == "just you"
        assert (await ask(one, {"type": "heartbeat"}))["type"] == "heartbeat-ack"


async def test_received_records_every_message(sim: Simulator) -> None:
    """received holds each message with its connection, decoded data and raw payload."""
    async with connect(sim.url) as ws:
        await ask(ws, {"type": "hello"})
        await ask(ws, b"\x01")
    assert [(m.conn_id, m.data, m.raw) for m in sim.received] == [
        (1, {"type": "hello"}, '{"type": "hello"}'),
        (1, b"\x01", b"\x01"),
    ]
    assert sim.received[0].at <= sim.received[1].at
