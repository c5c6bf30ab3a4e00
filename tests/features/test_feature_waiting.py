"""ws.wait_for() and ws.messages(): waiting without polling, bounded buffers, when they end."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from feature_servers import LIMIT, Peer, Server, client, ignore, opened, ws_server

from metis_env.api import ClosedError, ConfigError, RequestTimeoutError


async def echo_json(server: Server, peer: Peer, msg: Any) -> None:
    """Send back each message; a ``{"burst": n}`` message is answered with n numbered ticks."""
    if isinstance(msg, dict) and "burst" in msg:
        for i in range(msg["burst"]):
            await peer.conn.send(json.dumps({"type": "tick", "n": i}))
        await peer.conn.send(json.dumps({"type": "done"}))
    else:
        await peer.conn.send(json.dumps(msg))


async def test_wait_for_a_type_registered_before_the_trigger() -> None:
    """wait_for('pong') listens from the call, so the answer cannot be missed."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        await ws.connect()
        reply = ws.wait_for("pong")
        ws.send({"type": "ping"})
        ws.send({"type": "pong", "v": 1})
        assert await asyncio.wait_for(reply, LIMIT) == {"type": "pong", "v": 1}
        assert ws.stats()["waiters"] == 0
        await ws.disconnect()


async def test_wait_for_a_predicate() -> None:
    """A function of data selects the message."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        await ws.connect()
        reply = ws.wait_for(lambda d: isinstance(d, dict) and d.get("v", 0) > 1)
        for v in (1, 2, 3):
            ws.send({"v": v})
        assert await asyncio.wait_for(reply, LIMIT) == {"v": 2}
        await ws.disconnect()


async def test_wait_for_times_out_with_a_clear_error() -> None:
    """No match within the timeout: RequestTimeoutError naming the type and the ms."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        await ws.connect()
        with pytest.raises(RequestTimeoutError, match=r"type 'never' within 50 ms"):
            await asyncio.wait_for(ws.wait_for("never", timeout=50), LIMIT)
        await ws.disconnect()


async def test_wait_for_fails_on_disconnect_but_spans_a_reconnect() -> None:
    """A drop and reconnect keeps the wait; disconnect() ends it with ClosedError."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        wait_open = opened(ws)
        await ws.connect()
        survivor = ws.wait_for("after")
        doomed = ws.wait_for("never")
        srv.drop()
        await wait_open(2)
        ws.send({"type": "after"})
        assert await asyncio.wait_for(survivor, LIMIT) == {"type": "after"}
        assert not doomed.done()
        await ws.disconnect()
        with pytest.raises(ClosedError):
            await asyncio.wait_for(doomed, LIMIT)


async def test_a_raising_predicate_fails_the_wait() -> None:
    """The caller sees the predicate's exception, not a silent hang."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        await ws.connect()
        reply = ws.wait_for(lambda d: d["missing"])
        ws.send({"x": 1})
        with pytest.raises(KeyError):
            await asyncio.wait_for(reply, LIMIT)
        await ws.disconnect()


async def test_messages_filters_by_type_in_order() -> None:
    """async for over messages(type=...) yields matching data in arrival order."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        await ws.connect()
        ticks = ws.messages(type="tick")
        done = ws.wait_for("done")
        ws.send({"burst": 3})
        await asyncio.wait_for(done, LIMIT)
        got = []
        async for message in ticks:
            got.append(message["n"])
            if len(got) == 3:
                break
        assert got == [0, 1, 2]
        ticks.close()
        await ws.disconnect()


async def test_overflow_drops_the_oldest_and_counts_it(caplog: pytest.LogCaptureFixture) -> None:
    """Buffer of 2, five ticks: the last two remain, three drops counted and logged once."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        await ws.connect()
        done = ws.wait_for("done")
        with caplog.at_level(logging.WARNING, logger="metis_env.api"):
            async with ws.messages(type="tick", max_buffer=2) as ticks:
                ws.send({"burst": 5})
                await asyncio.wait_for(done, LIMIT)
                assert ticks.dropped == 3 and ticks.buffered == 2
                assert [await ticks.__anext__() for _ in range(2)] == [
                    {"type": "tick", "n": 3},
                    {"type": "tick", "n": 4},
                ]
        overflow = [r for r in caplog.records if r.metis["event"] == "messages.overflow"]
        assert len(overflow) == 1
        assert ws.stats()["stream_drops"] == 3
        await ws.disconnect()


async def test_messages_end_after_disconnect_not_after_a_drop() -> None:
    """A reconnectable drop keeps iterating; disconnect() ends it after the buffer drains."""
    async with ws_server(echo_json) as srv:
        ws = client(srv.port)
        wait_open = opened(ws)
        await ws.connect()
        stream = ws.messages()
        ws.send({"n": 1})
        first = await asyncio.wait_for(stream.__anext__(), LIMIT)
        srv.drop()
        await wait_open(2)
        second = ws.wait_for(lambda d: d == {"n": 2})
        ws.send({"n": 2})
        await asyncio.wait_for(second, LIMIT)
        await ws.disconnect()
        rest = [m async for m in stream]
        assert first == {"n": 1} and rest == [{"n": 2}]


async def test_a_waiting_consumer_is_woken_by_disconnect() -> None:
    """A consumer blocked in __anext__ sees the end of iteration at disconnect()."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        await ws.connect()
        stream = ws.messages()

        async def consume() -> list[Any]:
            return [m async for m in stream]

        task = asyncio.create_task(consume())
        await asyncio.sleep(0)
        await ws.disconnect()
        assert await asyncio.wait_for(task, LIMIT) == []


async def test_bad_arguments_are_config_errors() -> None:
    """max_buffer < 1, a non-str type, a non-callable match and a bad timeout are refused."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        with pytest.raises(ConfigError, match="max_buffer"):
            ws.messages(max_buffer=0)
        with pytest.raises(ConfigError, match="type"):
            ws.messages(type=5)  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="match"):
            ws.wait_for(42)  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="timeout"):
            ws.wait_for("x", timeout=-1)
