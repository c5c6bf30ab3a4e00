"""The simulator's protocol core, tested with plain values: no socket, no loop."""

from __future__ import annotations

import json
from typing import Any

import pytest

from metis_env.simulator import (
    FRAGMENTED_PING,
    INVALID_UTF8_TEXT,
    RESERVED_OPCODE,
    ProtocolConfig,
    Reply,
    SessionState,
    StartStream,
    Unsubscribe,
    frame,
    handle_message,
    sensor_value,
    stream_end,
    stream_item,
)


def handle(message: Any, config: ProtocolConfig | None = None, state: SessionState | None = None):
    raw = message if isinstance(message, str | bytes) else json.dumps(message)
    return handle_message(raw, state or SessionState(), config or ProtocolConfig())


def only_reply(actions: list[Any]) -> Any:
    assert len(actions) == 1 and isinstance(actions[0], Reply), actions
    return actions[0].message


def test_hello_gets_welcome() -> None:
    """hello is answered with welcome naming the server and version."""
    assert only_reply(handle({"type": "hello", "data": "x"})) == {
        "type": "welcome",
        "server": "metis-env simulator",
        "version": "1.0",
    }


def test_authenticate_sets_state_from_last_attempt() -> None:
    """A valid token authenticates; a later invalid one revokes it."""
    state = SessionState()
    config = ProtocolConfig(valid_tokens={"good"})
    ok = only_reply(handle({"type": "authenticate", "token": "good"}, config, state))
    assert ok == {"type": "authenticated", "success": True} and state.authenticated
    bad = only_reply(handle({"type": "authenticate", "token": "bad"}, config, state))
    assert bad == {"type": "authenticated", "success": False, "error": "invalid token"}
    assert not state.authenticated


@pytest.mark.parametrize("token", ["", None, 42])
def test_authenticate_rejects_empty_or_non_string_tokens(token: Any) -> None:
    """Without valid_tokens any non-empty string works; anything else is refused."""
    assert only_reply(handle({"type": "authenticate", "token": token}))["success"] is False


def test_subscribe_merges_channels_and_clamps_interval() -> None:
    """channel and channels merge without duplicates; interval is clamped to 5 ms."""
    actions = handle(
        {"type": "subscribe", "channel": "a", "channels": ["b", "a"], "interval": 1, "count": 2}
    )
    assert actions == [
        Reply({"type": "subscribed", "channels": ["a", "b"]}),
        StartStream("a", 5, 2),
        StartStream("b", 5, 2),
    ]


def test_subscribe_defaults_to_configured_interval() -> None:
    """Without interval the stream uses stream_interval_ms and runs without count."""
    actions = handle({"type": "subscribe", "channel": "x"}, ProtocolConfig(stream_interval_ms=42))
    assert actions[1] == StartStream("x", 42, None)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "subscribe"},
        {"type": "subscribe", "channel": ""},
        {"type": "subscribe", "channels": [1]},
        {"type": "subscribe", "channel": "a", "interval": "fast"},
        {"type": "subscribe", "channel": "a", "count": 0},
        {"type": "subscribe", "channel": "a", "count": True},
    ],
)
def test_subscribe_rejects_bad_fields(message: dict[str, Any]) -> None:
    """A subscribe with no channel or a bad interval/count gets an error reply."""
    reply = only_reply(handle(message))
    assert reply["type"] == "error" and "subscribe" in reply["error"]


def test_unsubscribe_actions() -> None:
    """unsubscribe names its channels, or None for all."""
    assert handle({"type": "unsubscribe", "channel": "a"}) == [Unsubscribe(("a",))]
    assert handle({"type": "unsubscribe"}) == [Unsubscribe(None)]


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        ("status", {"success": True, "data": {"command": "status", "output": "nominal"}}),
        ("ping", {"success": True, "data": {"command": "ping", "output": "pong"}}),
        (
            "echo hi  there",
            {"success": True, "data": {"command": "echo hi  there", "output": "hi  there"}},
        ),
        ("fail", {"success": False, "error": "command failed"}),
    ],
)
def test_commands(command: str, fields: dict[str, Any]) -> None:
    """Each known command gives its documented command-response."""
    reply = only_reply(handle({"type": "command", "id": "c1", "command": command}))
    assert reply == {"type": "command-response", "id": "c1", **fields}


def test_unknown_and_missing_commands_fail_with_a_reason() -> None:
    """An unknown command names itself; a missing one says what is needed."""
    unknown = only_reply(handle({"type": "command", "id": 7, "command": "launch now"}))
    assert unknown["success"] is False and "'launch'" in unknown["error"] and unknown["id"] == 7
    missing = only_reply(handle({"type": "command", "data": "execute"}))
    assert missing["success"] is False and "'command'" in missing["error"]


def test_requests() -> None:
    """getData returns deterministic items; an unknown action gets an error."""
    ok = only_reply(handle({"type": "request", "requestId": "r", "data": {"action": "getData"}}))
    assert ok == {
        "type": "response",
        "requestId": "r",
        "data": {
            "action": "getData",
            "items": [{"id": i, "value": sensor_value(i)} for i in (1, 2, 3)],
        },
    }
    bad = only_reply(handle({"type": "request", "requestId": "r", "data": {"action": "nope"}}))
    assert set(bad) == {"type", "requestId", "error"} and "'nope'" in bad["error"]


def test_heartbeat_and_echo() -> None:
    """heartbeat is acknowledged with its timestamp; echo returns the exact text."""
    assert only_reply(handle({"type": "heartbeat", "timestamp": 5})) == {
        "type": "heartbeat-ack",
        "timestamp": 5,
    }
    text = '{ "type" : "echo", "x": [1, 2] }'
    assert only_reply(handle(text)) == text
    assert only_reply(handle(b"\xff\x00")) == b"\xff\x00"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "not json",
            {"type": "error", "error": "invalid JSON: send a JSON object with a 'type' field"},
        ),
        (
            "[1, 2]",
            {"type": "error", "error": "expected a JSON object with a 'type' field, got list"},
        ),
        (
            '{"type": "launch", "id": 3}',
            {"type": "error", "id": 3, "error": "unknown message type 'launch'"},
        ),
        (
            '{"type": "x", "requestId": "q"}',
            {"type": "error", "requestId": "q", "error": "unknown message type 'x'"},
        ),
        ('{"id": 1}', {"type": "error", "id": 1, "error": "unknown message type None"}),
    ],
)
def test_errors(raw: str, expected: dict[str, Any]) -> None:
    """Non-JSON, non-objects and unknown types get an error, keeping id/requestId."""
    assert only_reply(handle(raw)) == expected


def test_require_auth_guards_work_but_not_hello() -> None:
    """With require_auth, command is refused before authenticate and allowed after."""
    config = ProtocolConfig(require_auth=True)
    state = SessionState()
    assert only_reply(handle({"type": "hello"}, config, state))["type"] == "welcome"
    refused = only_reply(handle({"type": "command", "id": 1, "command": "ping"}, config, state))
    assert refused == {"type": "error", "id": 1, "error": "not authenticated"}
    handle({"type": "authenticate", "token": "t"}, config, state)
    allowed = only_reply(handle({"type": "command", "id": 1, "command": "ping"}, config, state))
    assert allowed["success"] is True


def test_stream_items_per_channel_kind() -> None:
    """Each channel kind produces its documented item shape, deterministically."""
    assert stream_item("sensor-data", 1) == {
        "type": "stream-data",
        "channel": "sensor-data",
        "seq": 1,
        "value": 21.237,
    }
    assert stream_item("other", 4)["value"] == sensor_value(4)
    status = stream_item("status", 4)
    assert status["type"] == "status-update" and status["data"] == status["payload"]
    assert [stream_item("status", i)["data"]["status"] for i in range(1, 7)] == [
        "nominal",
        "nominal",
        "nominal",
        "degraded",
        "nominal",
        "critical",
    ]
    metric = stream_item("metrics", 2)
    assert metric["type"] == "metric" and metric["data"]["name"] == "memory"
    alert = stream_item("alerts", 3)
    assert alert["type"] == "alert" and alert["data"]["message"].startswith("Alert 3:")
    assert stream_end("c", 2) == {"type": "stream-end", "channel": "c", "count": 2}


def test_frame_builder() -> None:
    """frame() writes RFC 6455 headers, including the 16- and 64-bit lengths."""
    assert frame(0x1, b"hi") == b"\x81\x02hi"
    assert frame(0x2, b"x" * 126)[:4] == b"\x82\x7e\x00\x7e"
    assert frame(0x2, b"x" * 65536)[:10] == b"\x82\x7f" + (65536).to_bytes(8, "big")
    assert INVALID_UTF8_TEXT[0] == 0x81 and RESERVED_OPCODE[0] == 0x83
    assert FRAGMENTED_PING[0] == 0x09
