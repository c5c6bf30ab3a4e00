"""Listener registry and dispatch: order, snapshots, async listeners, raising listeners."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from api_servers import Server, ws_server
from websockets.asyncio.server import ServerConnection

from metis_env.api import ConfigError, ConnectError, ErrorEvent, WebSocketApi
from metis_env.api.events import EventEmitter, OpenEvent

pytestmark = pytest.mark.usefixtures("transport_name")


def emitter(errors: list[BaseException] | None = None) -> EventEmitter:
    return EventEmitter(lambda exc, _event: (errors if errors is not None else []).append(exc))


def test_listeners_run_in_registration_order_and_activity_follows() -> None:
    """Every listener of the type, in order, then activity naming the event."""
    em = emitter()
    seen: list[str] = []
    em.add("open", lambda e: seen.append("a"))
    em.add(["open", "close"], lambda e: seen.append("b"))
    em.add("activity", lambda e: seen.append("activity:" + e.event_type))
    em.emit(OpenEvent())
    assert seen == ["a", "b", "activity:open"]


def test_duplicates_are_called_twice_and_remove_drops_every_registration() -> None:
    """As the original: duplicate registrations are kept; removal is by identity, all of them."""
    em = emitter()
    seen: list[int] = []

    def handler(_e: Any) -> None:
        seen.append(1)

    em.add("open", handler)
    em.add("open", handler)
    em.emit(OpenEvent())
    assert seen == [1, 1]
    assert em.remove("open", handler) == 2
    em.emit(OpenEvent())
    assert seen == [1, 1]


def test_clear_returns_counts_and_filters_by_type() -> None:
    """clear_event_listeners() returns how many it removed."""
    em = emitter()
    em.add(["open", "close", "message"], print)
    em.add("error", print)
    assert em.clear(["message", "error"]) == 2
    assert em.count() == 2
    assert em.clear() == 2
    assert em.count() == 0


def test_unknown_event_type_is_a_config_error_naming_the_choices() -> None:
    """A typo in an event name fails at registration, listing the valid names."""
    em = emitter()
    with pytest.raises(ConfigError, match="'connection-change'") as info:
        em.add("conection-change", print)
    assert info.value.value == "conection-change"


def test_listener_added_during_dispatch_runs_from_the_next_dispatch() -> None:
    """Dispatch iterates a snapshot."""
    em = emitter()
    seen: list[str] = []

    def first(_e: Any) -> None:
        seen.append("first")
        em.add("open", lambda _e: seen.append("late"))

    em.add("open", first)
    em.emit(OpenEvent())
    assert seen == ["first"]
    em.emit(OpenEvent())
    assert seen == ["first", "first", "late"]


def test_a_raising_listener_does_not_stop_the_others() -> None:
    """Listener errors go to the error callback; later listeners still run."""
    errors: list[BaseException] = []
    em = emitter(errors)
    seen: list[str] = []

    def boom(_e: Any) -> None:
        raise RuntimeError("listener bug")

    em.add("open", boom)
    em.add("open", lambda _e: seen.append("after"))
    em.emit(OpenEvent())
    assert seen == ["after"]
    assert [str(e) for e in errors] == ["listener bug"]


async def _say_hello(server: Server, conn: ServerConnection) -> None:
    await conn.send('{"type":"hello"}')
    await conn.wait_closed()


async def test_raising_message_listener_becomes_an_error_event_and_delivery_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A raising listener becomes an error event (and a log line); others still get the message."""
    async with ws_server(_say_hello) as srv:
        ws = WebSocketApi(host="127.0.0.1", port=srv.port, keep_alive_interval=0)
        got: list[Any] = []
        errors: list[BaseException] = []
        done = asyncio.Event()

        def boom(_e: Any) -> None:
            raise ValueError("bad listener")

        ws.add_event_listener("message", boom)
        ws.add_event_listener("message", lambda e: (got.append(e.data), done.set()))
        ws.add_event_listener("error", lambda e: errors.append(e.error))
        with caplog.at_level(logging.WARNING, logger="metis_env.api"):
            await ws.connect()
            await asyncio.wait_for(done.wait(), 3)
        assert got == [{"type": "hello"}]
        assert [str(e) for e in errors] == ["bad listener"]
        assert any("bad listener" in r.getMessage() for r in caplog.records)
        await ws.disconnect()


async def test_raising_error_listener_is_logged_not_re_emitted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No recursion: an error listener that raises is only logged."""
    ws = WebSocketApi(port=1, keep_alive_interval=0, auto_reconnect=False)
    calls: list[int] = []

    def bad_error_listener(_e: ErrorEvent) -> None:
        calls.append(1)
        raise RuntimeError("error listener bug")

    ws.add_event_listener("error", bad_error_listener)
    with caplog.at_level(logging.WARNING, logger="metis_env.api"), pytest.raises(ConnectError):
        await ws.connect()  # refused: the failed attempt fires one error event
    assert calls == [1]
    assert any("error listener bug" in r.getMessage() for r in caplog.records)


async def test_async_listeners_run_as_tasks_and_their_errors_become_error_events() -> None:
    """Coroutine listeners are scheduled, tracked, and reported when they raise."""
    async with ws_server(_say_hello) as srv:
        ws = WebSocketApi(host="127.0.0.1", port=srv.port, keep_alive_interval=0)
        got: list[Any] = []
        errors: list[BaseException] = []
        failed = asyncio.Event()

        async def slow(event: Any) -> None:
            await asyncio.sleep(0.01)
            got.append(event.data)
            raise KeyError("async bug")

        ws.add_event_listener("message", slow)
        ws.add_event_listener("error", lambda e: (errors.append(e.error), failed.set()))
        await ws.connect()
        await asyncio.wait_for(failed.wait(), 3)
        assert got == [{"type": "hello"}]
        assert isinstance(errors[0], KeyError)
        await ws.disconnect()


async def test_listeners_persist_across_reconnects() -> None:
    """open fires again on each reconnection (listeners are kept)."""
    async with ws_server() as srv:
        ws = WebSocketApi(
            host="127.0.0.1", port=srv.port, keep_alive_interval=0, reconnect_delay=250
        )
        opens: list[int] = []
        reopened = asyncio.Event()

        def on_open(_e: Any) -> None:
            opens.append(1)
            if len(opens) == 2:
                reopened.set()

        ws.add_event_listener("open", on_open)
        await ws.connect()
        srv.connections[0].transport.abort()
        await asyncio.wait_for(reopened.wait(), 3)
        assert ws.is_connected and ws.reconnect_attempt_count == 0
        await ws.disconnect()
