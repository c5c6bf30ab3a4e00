"""Issue 12, simulator: bad input and failing handlers get `error` replies, never a 1011;
each simulator has its own handler registry; the recorder is bounded."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_helpers import LIMIT, Peer
from websockets.asyncio.client import connect

import metis_env.simulator as simulator_pkg
from metis_env.api.codec import encode
from metis_env.api.errors import ConfigError
from metis_env.simulator import (
    SEED_HANDLERS,
    HandlerContext,
    HandlerRegistry,
    ProtocolConfig,
    Recorder,
    Reply,
    SessionState,
    Simulator,
    StartStream,
    build_simulator,
    handle_message,
)

OVERFLOW = '{"type":"subscribe","channel":"status","interval":-1e400}'


def test_infinite_interval_gets_an_error_naming_field_value_and_rule() -> None:
    """The input of issue 12 (an OverflowError before) is an error reply, no exception."""
    [reply] = handle_message(OVERFLOW, SessionState(), ProtocolConfig())
    assert reply == Reply(
        {
            "type": "error",
            "error": "subscribe: 'interval' must be a finite number (got -inf)",
            "field": "interval",
        }
    )


@pytest.mark.parametrize(
    ("message", "field", "words"),
    [
        ({"type": "subscribe", "channel": "a", "interval": "fast"}, "interval", "finite number"),
        ({"type": "subscribe", "channel": "a", "count": 0}, "count", "positive integer"),
        ({"type": "subscribe", "channel": ""}, "channels", "non-empty strings"),
        ({"type": "heartbeat", "timestamp": 1}, None, None),
    ],
)
def test_bad_fields_are_named_in_the_error(message: Any, field: str | None, words: str) -> None:
    """Each rule's error names the field (also as 'field'), the rule and the value."""
    [reply] = [a for a in handle_message(json.dumps(message), SessionState(), ProtocolConfig())]
    assert isinstance(reply, Reply)
    if field is None:
        assert reply.message["type"] == "heartbeat-ack"
        return
    assert reply.message["field"] == field and words in reply.message["error"]


def test_a_huge_number_anywhere_is_refused_with_its_path_and_the_id_kept() -> None:
    """1e400 in a nested field: the error names the path; a finite id is still copied."""
    raw = '{"type":"request","requestId":"r1","data":{"items":[1,1e400]}}'
    [reply] = handle_message(raw, SessionState(), ProtocolConfig())
    assert isinstance(reply, Reply)
    assert reply.message == {
        "type": "error",
        "requestId": "r1",
        "error": "request: 'data.items[1]' must be a finite number (got inf)",
        "field": "data.items[1]",
    }


def test_finite_intervals_are_clamped_not_refused() -> None:
    """Out-of-range but finite intervals are clamped to 5 ms .. one day, as documented."""
    for interval, expected in ((-5, 5), (1e300, 86_400_000), (7.9, 7)):
        raw = json.dumps({"type": "subscribe", "channel": "s", "interval": interval})
        actions = handle_message(raw, SessionState(), ProtocolConfig())
        assert actions[1] == StartStream("s", expected, None)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
TYPES = st.sampled_from([*SEED_HANDLERS, "echo", "nope", ""]) | st.text(max_size=5)
FIELDS = st.sampled_from(
    ["channel", "channels", "interval", "count", "token", "command", "data", "id", "requestId"]
)


@settings(max_examples=400, deadline=None)
@given(
    kind=TYPES | JSON,
    fields=st.dictionaries(FIELDS | st.text(max_size=5), JSON, max_size=5),
    auth=st.booleans(),
)
def test_fuzz_no_json_object_crashes_the_protocol(
    kind: Any, fields: dict[str, Any], auth: bool
) -> None:
    """Any JSON object (1e400 included): at least one action, and every reply encodes."""
    # Infinity is not JSON; 1e400 is, and decodes to infinity (the input of issue 12).
    raw = json.dumps({**fields, "type": kind}).replace("Infinity", "1e400")
    config = ProtocolConfig(valid_tokens={"tok"}, require_auth=auth)
    actions = handle_message(raw, SessionState(), config)
    assert actions
    for action in actions:
        if isinstance(action, Reply):
            encode(action.message)  # raises if a reply could not be sent


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=40) | st.binary(max_size=40))
def test_fuzz_no_payload_crashes_the_protocol(raw: str | bytes) -> None:
    """Any text or binary payload gets at least one encodable reply."""
    for action in handle_message(raw, SessionState(), ProtocolConfig()):
        assert isinstance(action, Reply)
        encode(action.message)


NASTY = [
    OVERFLOW,
    '{"type":"heartbeat","timestamp":1e400}',
    '{"type":"command","id":1e400,"command":"ping"}',
    '{"type":"request","requestId":-1e999}',
    '{"type":"subscribe","channels":[[],{}]}',
    '{"type":"unsubscribe","channels":7}',
    '{"type":' + "[" * 3000 + "]" * 3000 + "}",
    "[" * 100_000,
    '{"type":"boom","id":"b1"}',
    "\u0000\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


async def test_nasty_inputs_over_the_wire_get_errors_and_the_connection_stays_open() -> None:
    """Each nasty payload (and a raising handler) gets an error reply on the same connection."""
    sim = Simulator()

    @sim.on("boom")
    def boom(ctx: HandlerContext) -> None:
        raise ValueError("the handler broke")

    async with sim, connect(sim.url) as ws:
        for raw in NASTY:
            await ws.send(raw)
            reply = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            assert reply["type"] == "error", (raw[:40], reply)
        await ws.send(json.dumps({"type": "hello"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), LIMIT))["type"] == "welcome"
        assert sim.total_disconnects == 0 and sim.total_connections == 1
    assert [(e.event, e.error) for e in sim.errors] == [("boom", "ValueError: the handler broke")]


async def test_a_failing_handler_answers_error_with_the_id_and_is_recorded() -> None:
    """sync and async handlers that raise: an error reply with the id, a record, no close."""
    sim = Simulator(seed_protocol=False)

    @sim.on("login")
    async def login(ctx: HandlerContext) -> None:
        await asyncio.sleep(0)
        raise KeyError("user")

    async with sim:
        peer = Peer(sim.url)
        await peer.ws.connect()
        reply = await peer.ask({"type": "login", "id": 42})
        assert reply == {
            "type": "error",
            "id": 42,
            "error": "simulator handler for 'login' failed: KeyError: 'user'",
        }
        assert (await peer.ask({"type": "other"}))["error"] == "unknown message type 'other'"
        assert peer.closes == []
        with pytest.raises(AssertionError, match="KeyError: 'user'"):
            sim.check_assertions()
        await peer.ws.disconnect()


def test_each_simulator_has_its_own_registry_and_the_seed_table_is_read_only() -> None:
    """A handler on one simulator leaves another's untouched; SEED_HANDLERS cannot change."""
    first, second = Simulator(), Simulator()
    first.on("hello", replace=True)(lambda ctx: ctx.reply("hi"))
    assert first.handlers is not second.handlers
    assert first.handlers.types[-1] == "hello" and second.handlers.types[0] == "hello"
    assert len(first.handlers.types) == len(second.handlers.types) == len(SEED_HANDLERS)
    with pytest.raises(TypeError):
        SEED_HANDLERS["hello"] = SEED_HANDLERS["heartbeat"]  # type: ignore[index]
    assert HandlerRegistry().types == []
    assert Simulator(seed_protocol=False).handlers.types == []


async def test_a_replaced_seed_row_answers_on_that_simulator_only() -> None:
    """sim.on('hello', replace=True) changes hello there; the seed protocol answers elsewhere."""
    custom = Simulator()
    custom.on("hello", replace=True)(lambda ctx: ctx.reply({"type": "howdy"}))
    async with custom, Simulator() as plain:
        for sim, expected in ((custom, "howdy"), (plain, "welcome")):
            async with connect(sim.url) as ws:
                await ws.send('{"type":"hello"}')
                assert json.loads(await asyncio.wait_for(ws.recv(), LIMIT))["type"] == expected


def test_the_simulator_session_no_longer_clashes_with_the_runtime_one() -> None:
    """The simulator exports no `Session`; its per-connection class is `Connection`."""
    from metis_env.simulator.connection import Connection

    assert not hasattr(simulator_pkg, "Session") and "Session" not in simulator_pkg.__all__
    assert Connection.__name__ == "Connection"


async def test_the_recorder_keeps_a_bounded_ring() -> None:
    """history=3: the last 3 messages and headers are kept; the counters count all."""
    async with Simulator(history=3) as sim:
        for round_ in range(4):
            async with connect(sim.url, additional_headers={"x-round": str(round_)}) as ws:
                for n in range(2):
                    await ws.send(json.dumps({"type": "heartbeat", "timestamp": n + 10 * round_}))
                    await asyncio.wait_for(ws.recv(), LIMIT)
        kept = [m.data["timestamp"] for m in sim.received]
        assert kept == [21, 30, 31]
        assert [h["x-round"] for h in sim.handshake_headers] == ["1", "2", "3"]
        assert sim.recorder.total_received == 8 and sim.total_connections == 4
        first = await sim.wait_for_message("heartbeat", 0.1)
        assert first.data["timestamp"] == 21  # trimmed messages are never returned


def test_history_is_checked_and_serve_keeps_the_default_ring() -> None:
    """A bad history is a ConfigError; what serve builds keeps DEFAULT_HISTORY, or the given."""
    with pytest.raises(ConfigError, match="history: must be a positive integer"):
        Recorder(0)
    assert build_simulator(port=0).recorder.history == simulator_pkg.DEFAULT_HISTORY == 10_000
    assert build_simulator(port=0, history=50).recorder.history == 50
