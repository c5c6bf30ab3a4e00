"""Each fault the simulator injects, seen from a real websockets client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedError, InvalidStatus

from metis_env.api.errors import ConfigError
from metis_env.simulator import (
    FRAGMENTED_PING,
    GARBAGE,
    INVALID_UTF8_TEXT,
    RESERVED_OPCODE,
    Simulator,
)

TIMEOUT = 2.0  # seconds; a bound, never a wait


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(close_timeout=0.5) as simulator:
        yield simulator


async def heartbeat(ws: ClientConnection, stamp: int = 1) -> dict[str, object]:
    await ws.send(json.dumps({"type": "heartbeat", "timestamp": stamp}))
    reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    assert isinstance(reply, dict)
    return reply


async def closed_by(ws: ClientConnection) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as info:
        await asyncio.wait_for(ws.recv(), TIMEOUT)
    return info.value


async def test_close_all_sends_code_and_reason(sim: Simulator) -> None:
    """close_all closes each client with a close frame carrying the code and reason."""
    async with connect(sim.url) as one, connect(sim.url) as two:
        await sim.wait_for_connections(2)
        await sim.close_all(4001, "maintenance")
        for ws in (one, two):
            exc = await closed_by(ws)
            assert exc.rcvd is not None
            assert (exc.rcvd.code, exc.rcvd.reason) == (4001, "maintenance")
    await sim.wait_for_disconnects(2)
    assert sim.connection_count == 0


async def test_drop_all_gives_abnormal_closure(sim: Simulator) -> None:
    """drop_all aborts TCP: the client receives no close frame and sees 1006."""
    async with connect(sim.url) as ws:
        await sim.wait_for_connections(1)
        sim.drop_all()
        exc = await closed_by(ws)
        assert isinstance(exc, ConnectionClosedError) and exc.rcvd is None
        assert ws.close_code == 1006
    await sim.wait_for_disconnects(1)


async def test_silent_peer_answers_no_pings_until_restored(sim: Simulator) -> None:
    """set_answer_pings(False) leaves a ping unanswered; True again delivers the pong."""
    async with connect(sim.url, ping_interval=None, close_timeout=0.5) as ws:
        await heartbeat(ws)
        sim.set_answer_pings(False)
        pong = await ws.ping()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pong), 0.2)
        sim.set_answer_pings(True)
        await asyncio.wait_for(pong, TIMEOUT)
        assert (await heartbeat(ws, 2))["timestamp"] == 2


async def test_silent_peer_applies_to_new_connections(sim: Simulator) -> None:
    """A connection opened while pings go unanswered is silent from its first frame."""
    sim.set_answer_pings(False)
    async with connect(sim.url, ping_interval=None, close_timeout=0.5) as ws:
        pong = await ws.ping()
        await ws.send(json.dumps({"type": "hello"}))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(pong), 0.2)
        assert sim.received == []
        sim.set_answer_pings(True)
        await asyncio.wait_for(pong, TIMEOUT)
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["type"] == "welcome"


async def test_refuse_handshakes(sim: Simulator) -> None:
    """refuse_handshakes(503) answers upgrades with 503; None accepts again."""
    sim.refuse_handshakes(503)
    with pytest.raises(InvalidStatus) as info:
        async with connect(sim.url):
            pass
    assert info.value.response.status_code == 503
    assert sim.total_connections == 0 and len(sim.handshake_headers) == 1
    sim.refuse_handshakes(None)
    async with connect(sim.url) as ws:
        assert (await heartbeat(ws))["type"] == "heartbeat-ack"


async def test_reply_delay_is_measurable_and_keeps_order(sim: Simulator) -> None:
    """set_reply_delay(150) delays each reply by at least 150 ms, in order."""
    loop = asyncio.get_running_loop()
    sim.set_reply_delay(150)
    async with connect(sim.url) as ws:
        start = loop.time()
        for stamp in (1, 2, 3):
            await ws.send(json.dumps({"type": "heartbeat", "timestamp": stamp}))
        replies = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) for _ in range(3)]
        elapsed = loop.time() - start
        assert [r["timestamp"] for r in replies] == [1, 2, 3]
        assert 0.15 <= elapsed < TIMEOUT
        sim.set_reply_delay(0)
        start = loop.time()
        await heartbeat(ws)
        assert loop.time() - start < 0.15


async def test_reply_delay_holds_streams_behind_their_subscribed(sim: Simulator) -> None:
    """A delayed subscribe still sends subscribed before the stream's first item."""
    sim.set_reply_delay(60)
    async with connect(sim.url) as ws:
        await ws.send(json.dumps({"type": "subscribe", "channel": "c", "interval": 5, "count": 1}))
        first = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert first == {"type": "subscribed", "channels": ["c"]}


@pytest.mark.parametrize(
    ("frame", "code"),
    [(INVALID_UTF8_TEXT, 1007), (RESERVED_OPCODE, 1002), (FRAGMENTED_PING, 1002), (GARBAGE, 1002)],
    ids=["invalid-utf8", "reserved-opcode", "fragmented-ping", "garbage"],
)
async def test_send_raw_malformed_frames(sim: Simulator, frame: bytes, code: int) -> None:
    """Malformed frames written with send_raw make the client fail the connection."""
    async with connect(sim.url, close_timeout=0.5) as ws:
        await sim.wait_for_connections(1)
        await sim.send_raw(frame)
        exc = await closed_by(ws)
        assert exc.sent is not None and exc.sent.code == code


async def test_send_raw_to_one_connection(sim: Simulator) -> None:
    """send_raw(conn=…) writes to that connection only; an unknown id is a ConfigError."""
    async with connect(sim.url) as one, connect(sim.url) as two:
        await sim.wait_for_connections(2)
        await sim.send_raw(b"\x81\x02hi", conn=sim.connection_ids[0])
        assert await asyncio.wait_for(one.recv(), TIMEOUT) == "hi"
        assert (await heartbeat(two))["type"] == "heartbeat-ack"
        with pytest.raises(ConfigError, match="conn"):
            await sim.send_raw(b"", conn=999)


async def test_handshake_delay_trips_client_open_timeout(sim: Simulator) -> None:
    """set_handshake_delay makes a client's open_timeout fire; 0 restores fast handshakes."""
    sim.set_handshake_delay(1000)
    with pytest.raises(TimeoutError):
        async with connect(sim.url, open_timeout=0.1):
            pass
    sim.set_handshake_delay(0)
    async with connect(sim.url, open_timeout=1) as ws:
        assert (await heartbeat(ws))["type"] == "heartbeat-ack"


async def test_stop_answering_records_but_does_not_reply(sim: Simulator) -> None:
    """stop_answering keeps recording messages but sends no replies until resumed."""
    async with connect(sim.url) as ws:
        sim.stop_answering()
        await ws.send(json.dumps({"type": "command", "id": 1, "command": "ping"}))
        await sim.wait_for_message("command")
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.1)
        sim.resume_answering()
        assert (await heartbeat(ws))["type"] == "heartbeat-ack"


def test_fault_settings_are_validated() -> None:
    """Bad fault arguments raise ConfigError naming the argument."""
    sim = Simulator()
    with pytest.raises(ConfigError, match="ms"):
        sim.set_reply_delay(-1)
    with pytest.raises(ConfigError, match="status"):
        sim.refuse_handshakes(101)
    with pytest.raises(ConfigError, match="ms"):
        sim.set_handshake_delay(1.5)  # type: ignore[arg-type]
