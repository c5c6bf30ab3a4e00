"""send()/send_message(), the queue, and incoming message parsing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from api_servers import Server, ws_server
from websockets.asyncio.server import ServerConnection

from metis_env.api import (
    EncodeError,
    MessageEvent,
    NotConnectedError,
    SendQueueClearedError,
    SendQueueFullError,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("transport_name")


def client(port: int, **kw: Any) -> WebSocketApi:
    kw.setdefault("keep_alive_interval", 0)
    return WebSocketApi(host="127.0.0.1", port=port, **kw)


async def test_send_while_disconnected_fails_with_the_seed_message() -> None:
    """Original test (7): 'WebSocket is not connected', verbatim."""
    ws = client(1)
    with pytest.raises(NotConnectedError) as info:
        await ws.send("hello")
    assert str(info.value) == "WebSocket is not connected"


@pytest.mark.parametrize(
    ("data", "wire"),
    [
        ("plain text", "plain text"),
        ({"value": 42}, '{"value":42}'),
        ({"type": "hello", "data": "Hellö 🌍"}, '{"type":"hello","data":"Hellö 🌍"}'),
        ([1, 2.5, None, True], "[1,2.5,null,true]"),
        (None, "null"),
        (42, "42"),
        (b"\x00\x01\xff", b"\x00\x01\xff"),
        (bytearray(b"ab"), b"ab"),
        (memoryview(b"cd"), b"cd"),
    ],
)
async def test_send_writes_str_as_text_bytes_as_binary_and_the_rest_as_compact_json(
    data: Any, wire: str | bytes
) -> None:
    """Outgoing encoding matches JSON.stringify; bytes-like goes out as a binary frame."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        await ws.send(data)
        await srv.wait_received(1)
        assert srv.received == [wire]
        await ws.disconnect()


@pytest.mark.parametrize("bad", ["circular", float("nan"), float("inf"), {1, 2}, object()])
async def test_unserialisable_data_fails_the_handle_with_encode_error(bad: Any) -> None:
    """Original test (8): a circular object rejects; so do NaN, sets and arbitrary objects."""
    if bad == "circular":
        bad = {}
        bad["self"] = bad
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        with pytest.raises(EncodeError, match="Cannot send"):
            await ws.send_message(bad)
        assert ws.is_connected
        await ws.disconnect()


async def test_queue_holds_sends_until_connect_and_flushes_in_order() -> None:
    """With queueWhileDisconnected, earlier sends reach the server first, in FIFO order."""
    async with ws_server() as srv:
        ws = client(srv.port, queue_while_disconnected=True)
        handles = [ws.send({"n": i}) for i in range(5)]
        assert ws.queued_message_count == 5
        assert not any(h.done() for h in handles)
        await ws.connect()
        await asyncio.wait_for(asyncio.gather(*handles), 3)
        await ws.send({"n": 5})
        await srv.wait_received(6)
        assert srv.received == [f'{{"n":{i}}}' for i in range(6)]
        assert ws.queued_message_count == 0
        await ws.disconnect()


async def test_queue_full_fails_with_the_seed_message() -> None:
    """Past maxQueueSize: 'WebSocket send queue is full.'; earlier items stay queued."""
    ws = client(1, queue_while_disconnected=True, max_queue_size=2)
    first, second = ws.send("a"), ws.send("b")
    with pytest.raises(SendQueueFullError) as info:
        await ws.send("c")
    assert str(info.value) == "WebSocket send queue is full."
    assert ws.queued_message_count == 2
    assert ws.stats()["queue_drops"] == 1
    assert ws.clear_queue() == 2
    for handle in (first, second):
        with pytest.raises(SendQueueClearedError):
            await handle


async def test_queue_survives_a_dropped_connection_and_is_flushed_on_reconnect() -> None:
    """Messages sent while the link is down arrive after the automatic reconnect."""
    async with ws_server() as srv:
        ws = client(srv.port, queue_while_disconnected=True, reconnect_delay=250)
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda _e: closed.set())
        await ws.connect()
        srv.connections[0].transport.abort()
        await asyncio.wait_for(closed.wait(), 3)
        pending = [ws.send(f"q{i}") for i in range(3)]
        await asyncio.wait_for(asyncio.gather(*pending), 5)
        await srv.wait_received(3)
        assert srv.received == ["q0", "q1", "q2"]
        assert len(srv.connections) == 2
        await ws.disconnect()


async def _frames(server: Server, conn: ServerConnection) -> None:
    for frame in [
        '{"type":"status","v":1}',
        "plain text",
        b'{"in":"binary"}',
        b"\xff\xfe\x00",
        b"binary text",
        "42",
        '"quoted"',
        "NaN",
        "",
        " [1, 2] ",
    ]:
        await conn.send(frame)
    await conn.wait_closed()


async def test_incoming_messages_are_parsed_when_json_and_kept_raw() -> None:
    """Original test (9) plus edge cases: binary is never decoded lossily."""
    async with ws_server(_frames) as srv:
        ws = client(srv.port)
        got: list[MessageEvent] = []
        done = asyncio.Event()

        def on_message(event: MessageEvent) -> None:
            got.append(event)
            if len(got) == 10:
                done.set()

        ws.add_event_listener("message", on_message)
        await ws.connect()
        await asyncio.wait_for(done.wait(), 3)
        assert [(e.data, e.raw) for e in got] == [
            ({"type": "status", "v": 1}, '{"type":"status","v":1}'),
            ("plain text", "plain text"),
            ({"in": "binary"}, b'{"in":"binary"}'),
            (b"\xff\xfe\x00", b"\xff\xfe\x00"),
            (b"binary text", b"binary text"),
            (42, "42"),
            ("quoted", '"quoted"'),
            ("NaN", "NaN"),
            ("", ""),
            ([1, 2], " [1, 2] "),
        ]
        assert ws.stats()["messages_in"] == 10
        await ws.disconnect()


async def test_message_too_big_closes_with_1009_and_reports_an_error() -> None:
    """maxMessageSize bounds incoming messages; the error event says so."""

    async def big(server: Server, conn: ServerConnection) -> None:
        await conn.send("x" * 2000)
        await conn.wait_closed()

    async with ws_server(big) as srv:
        ws = client(srv.port, max_message_size=1000, auto_reconnect=False)
        errors: list[BaseException] = []
        closes: list[int] = []
        closed = asyncio.Event()
        ws.add_event_listener("error", lambda e: errors.append(e.error))
        ws.add_event_listener("close", lambda e: (closes.append(e.code), closed.set()))
        await ws.connect()
        await asyncio.wait_for(closed.wait(), 3)
        assert closes == [1009]
        assert errors and "1009" in str(errors[0])


async def test_send_from_another_task_during_the_flush_is_not_stranded() -> None:
    """A send made while queued messages are being flushed goes out after them, not later."""
    async with ws_server() as srv:
        ws = client(srv.port, queue_while_disconnected=True, max_queue_size=500)
        queued = [ws.send(f"q{i}") for i in range(200)]
        opened = asyncio.Event()
        ws.add_event_listener("open", lambda _e: opened.set())
        connecting = ws.connect()

        async def racer() -> None:
            await opened.wait()
            await asyncio.sleep(0)
            await ws.send("late")

        await asyncio.wait_for(asyncio.gather(connecting, racer(), *queued), 5)
        await srv.wait_received(201)
        assert srv.received[-1] == "late"
        assert srv.received[:200] == [f"q{i}" for i in range(200)]
        assert ws.queued_message_count == 0
        await ws.disconnect()
