"""The seed protocol: one received payload in, a list of actions out.

This module is the simulator's sans-I/O core: no socket, no loop, no clock. `handle_message`
reads one payload (``str`` for a text frame, ``bytes`` for a binary one), updates the
connection's `SessionState` (only ``authenticated``), and returns what the server must do, in
order (`metis_env.simulator.actions`): `Reply` (send a message), `StartStream` or
`Unsubscribe`. The server carries the actions out, so every rule below can be tested with
plain values. `SEED_HANDLERS` is the table below as data: each `Simulator` seeds its own
handler registry from it (`metis_env.simulator.registry`), so a user's handler can replace
one row without touching any other simulator.

The protocol is the one the seed's examples speak (seed §Message Patterns, §Complete
Examples). Every message is a JSON object with a ``type``; unknown fields are ignored.

============================  ===============================================================
received                      sent back
============================  ===============================================================
``hello``                     ``welcome`` (``server``, ``version``)
``authenticate`` (``token``)  ``authenticated`` (``success``; ``error`` when refused)
``subscribe``                 ``subscribed`` (``channels``), then one stream per channel
``unsubscribe``               ``stream-end`` per stopped stream, then ``unsubscribed``
``command`` (``id``)          ``command-response`` (``id``, ``success``, ``data``/``error``)
``request`` (``requestId``)   ``response`` (``requestId``, ``data`` or ``error``)
``heartbeat``                 ``heartbeat-ack`` (same ``timestamp``)
``echo``                      the same text, byte for byte
binary frame                  the same bytes, as a binary frame
anything else                 ``error`` (``error``; ``id``/``requestId`` when the message had one)
============================  ===============================================================

Bad input never raises: a field that breaks its rule gets an ``error`` reply whose ``error``
text names the message type, the field, the rule and the value, and whose ``field`` names the
field. Every number must be finite (JSON such as ``1e400`` decodes to infinity, which no
reply could carry back); ``subscribe``'s ``interval`` is a number of milliseconds, clamped to
5 ms - 1 day; its ``count`` a positive integer; channel names non-empty strings.

Values are deterministic functions of a stream's sequence number (`stream_item`), so tests can
assert the exact output.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from metis_env.api.codec import Data, decode
from metis_env.simulator.actions import Action, Reply, StartStream, Unsubscribe

__all__ = [
    "MIN_STREAM_INTERVAL_MS",
    "SEED_HANDLERS",
    "SERVER_NAME",
    "SIMULATOR_VERSION",
    "ProtocolConfig",
    "ProtocolHandler",
    "SessionState",
    "handle_message",
    "sensor_value",
    "stream_end",
    "stream_item",
]

#: ``server`` field of ``welcome``.
SERVER_NAME = "metis-env simulator"
#: ``version`` field of ``welcome``: the version of this message protocol.
SIMULATOR_VERSION = "1.0"
#: Streams never tick faster than this, whatever ``interval`` a client asks for.
MIN_STREAM_INTERVAL_MS = 5
#: Streams never tick slower than this (one day), whatever ``interval`` a client asks for.
MAX_STREAM_INTERVAL_MS = 86_400_000

# Message types that need an authenticated connection when ``require_auth`` is on.
_GUARDED = frozenset({"subscribe", "command", "request"})
_STATUSES = ("nominal", "nominal", "nominal", "degraded", "nominal", "critical")
_METRICS = ("cpu", "memory", "latency")
_ALERTS = ("temperature above threshold", "link quality degraded", "intrusion detected")
_COMMANDS = ("echo <text>", "fail", "help", "ping", "status")


@dataclass
class SessionState:
    """What the protocol remembers about one connection."""

    authenticated: bool = False  # the last ``authenticate`` succeeded


@dataclass(frozen=True)
class ProtocolConfig:
    """Server-wide protocol settings.

    Attributes:
        stream_interval_ms: interval of a stream whose ``subscribe`` gives none.
        valid_tokens: tokens ``authenticate`` accepts; ``None``: any non-empty string.
        require_auth: refuse ``subscribe``/``command``/``request`` before a successful
            ``authenticate`` with ``{"type": "error", "error": "not authenticated"}``.
    """

    stream_interval_ms: int = 100
    valid_tokens: Collection[str] | None = None
    require_auth: bool = False


def sensor_value(seq: int) -> float:
    """The value of item ``seq`` of a ``sensor-data`` (or unknown) channel: a slow sine."""
    return round(20.0 + 5.0 * math.sin(seq / 4.0), 3)


def stream_item(channel: str, seq: int) -> dict[str, Any]:
    """The ``seq``-th item (from 1) of ``channel``'s stream; every item names both.

    ``status`` gives ``status-update`` (``data.status`` and ``payload.status``, as the seed's
    examples read either), ``metrics`` gives ``metric`` (``data.name``, ``data.value``),
    ``alerts`` gives ``alert`` (``data.message``, ``payload.message``), and any other channel
    gives ``stream-data`` with a numeric ``value`` (`sensor_value`).
    """
    if channel == "status":
        status = {"status": _STATUSES[(seq - 1) % len(_STATUSES)]}
        return {
            "type": "status-update",
            "channel": channel,
            "seq": seq,
            "data": status,
            "payload": dict(status),
        }
    if channel == "metrics":
        metric = {
            "name": _METRICS[(seq - 1) % len(_METRICS)],
            "value": round(50.0 + 25.0 * math.sin(seq / 3.0), 2),
        }
        return {
            "type": "metric",
            "channel": channel,
            "seq": seq,
            "data": metric,
            "payload": dict(metric),
        }
    if channel == "alerts":
        alert = {
            "message": f"Alert {seq}: {_ALERTS[(seq - 1) % len(_ALERTS)]}",
            "severity": "critical" if seq % 3 == 0 else "warning",
        }
        return {
            "type": "alert",
            "channel": channel,
            "seq": seq,
            "data": alert,
            "payload": dict(alert),
        }
    return {"type": "stream-data", "channel": channel, "seq": seq, "value": sensor_value(seq)}


def stream_end(channel: str, count: int) -> dict[str, Any]:
    """The last message of a stream: ``count`` is how many items it sent."""
    return {"type": "stream-end", "channel": channel, "count": count}


def _error(text: str, message: dict[str, Any] | None = None, field: str | None = None) -> Reply:
    """An ``error`` reply carrying the ``id``/``requestId`` of ``message``, when it had one,
    and the name of the offending ``field``, when one field is to blame."""
    reply: dict[str, Any] = {"type": "error"}
    for key in ("id", "requestId"):
        if message is not None and key in message:
            reply[key] = message[key]
    reply["error"] = text
    if field is not None:
        reply["field"] = field
    return Reply(reply)


def _shown(value: Any) -> str:
    """``repr`` of a received value for an error text, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _non_finite(value: Any) -> tuple[str, float] | None:
    """The path and value of the first non-finite number in ``value`` (JSON like ``1e400``
    decodes to infinity, which no reply may carry), or ``None``. Iterative: a message may
    nest as deep as the JSON parser allows."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where, item
        if isinstance(item, dict):
            children = [(f"{where}.{k}" if where else str(k), v) for k, v in item.items()]
        elif isinstance(item, list):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(item)]
        else:
            continue
        stack.extend(reversed(children))  # first child on top: report the first in order
    return None


def _channels(message: dict[str, Any]) -> tuple[str, ...] | None:
    """``channel`` and ``channels`` merged, in order, duplicates dropped; ``None`` if neither.

    Raises:
        ValueError: a channel name is not a non-empty string.
    """
    names: list[Any] = []
    if "channel" in message:
        names.append(message["channel"])
    if "channels" in message:
        listed = message["channels"]
        names.extend(listed if isinstance(listed, list) else [listed])
    if not names:
        return None
    for name in names:
        if not isinstance(name, str) or not name:
            raise ValueError(f"channel names must be non-empty strings (got {_shown(name)})")
    return tuple(dict.fromkeys(names))


def _hello(message: dict[str, Any], state: SessionState, config: ProtocolConfig) -> list[Action]:
    return [Reply({"type": "welcome", "server": SERVER_NAME, "version": SIMULATOR_VERSION})]


def _authenticate(
    message: dict[str, Any], state: SessionState, config: ProtocolConfig
) -> list[Action]:
    token = message.get("token")
    ok = isinstance(token, str) and bool(token)
    if ok and config.valid_tokens is not None:
        ok = token in config.valid_tokens
    state.authenticated = ok  # the last attempt decides
    if ok:
        return [Reply({"type": "authenticated", "success": True})]
    return [Reply({"type": "authenticated", "success": False, "error": "invalid token"})]


def _subscribe(
    message: dict[str, Any], state: SessionState, config: ProtocolConfig
) -> list[Action]:
    try:
        channels = _channels(message)
    except ValueError as exc:
        return [_error(f"subscribe: {exc}", message, "channels")]
    if channels is None:
        return [_error("subscribe needs 'channel' or 'channels'", message, "channel")]
    interval = message.get("interval", config.stream_interval_ms)
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int | float)
        or not math.isfinite(interval)
    ):
        rule = "must be a finite number of milliseconds"
        text = f"subscribe: 'interval' {rule} (got {_shown(interval)})"
        return [_error(text, message, "interval")]
    count = message.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        text = f"subscribe: 'count' must be a positive integer (got {_shown(count)})"
        return [_error(text, message, "count")]
    # Finite, so int() cannot overflow; clamped to the stream's bounds (documented above).
    clamped = min(max(interval, MIN_STREAM_INTERVAL_MS), MAX_STREAM_INTERVAL_MS)
    interval_ms = int(clamped)
    actions: list[Action] = [Reply({"type": "subscribed", "channels": list(channels)})]
    actions.extend(StartStream(name, interval_ms, count) for name in channels)
    return actions


def _unsubscribe(
    message: dict[str, Any], state: SessionState, config: ProtocolConfig
) -> list[Action]:
    try:
        return [Unsubscribe(_channels(message))]
    except ValueError as exc:
        return [_error(f"unsubscribe: {exc}", message, "channels")]


def _command(message: dict[str, Any], state: SessionState, config: ProtocolConfig) -> list[Action]:
    command = message.get("command")
    reply: dict[str, Any] = {"type": "command-response", "id": message.get("id")}
    if not isinstance(command, str):
        reply.update(success=False, error="command needs a string 'command' field")
        return [Reply(reply)]
    verb, _, rest = command.strip().partition(" ")
    outputs: dict[str, Callable[[], Any]] = {
        "status": lambda: "nominal",
        "ping": lambda: "pong",
        "echo": lambda: rest,
        "help": lambda: list(_COMMANDS),
    }
    if verb in outputs:
        reply.update(success=True, data={"command": command, "output": outputs[verb]()})
    elif verb == "fail":
        reply.update(success=False, error="command failed")
    else:
        reply.update(success=False, error=f"unknown command {verb!r}; try one of {_COMMANDS}")
    return [Reply(reply)]


def _request(message: dict[str, Any], state: SessionState, config: ProtocolConfig) -> list[Action]:
    data = message.get("data")
    action = data.get("action") if isinstance(data, dict) else None
    reply: dict[str, Any] = {"type": "response", "requestId": message.get("requestId")}
    if action == "getData":
        items = [{"id": i, "value": sensor_value(i)} for i in (1, 2, 3)]
        reply["data"] = {"action": action, "items": items}
    elif action == "getStatus":
        reply["data"] = {"action": action, "status": "nominal"}
    elif action == "echo":
        reply["data"] = {"action": action, "echo": data}
    elif action is None:
        reply["error"] = "request needs 'data.action' (getData, getStatus or echo)"
    else:
        reply["error"] = f"unknown action {action!r}; try getData, getStatus or echo"
    return [Reply(reply)]


def _heartbeat(
    message: dict[str, Any], state: SessionState, config: ProtocolConfig
) -> list[Action]:
    return [Reply({"type": "heartbeat-ack", "timestamp": message.get("timestamp")})]


#: What a row of the protocol table is: the message (a JSON object with that ``type``), the
#: connection's state and the config in; the actions, in order, out. It must not raise.
ProtocolHandler = Callable[[dict[str, Any], SessionState, ProtocolConfig], list[Action]]

#: The table of the docstring, by ``type`` (``echo`` and binary frames are answered by
#: `handle_message` itself). Read-only: each simulator copies it into its own registry.
SEED_HANDLERS: Mapping[str, ProtocolHandler] = MappingProxyType(
    {
        "hello": _hello,
        "authenticate": _authenticate,
        "subscribe": _subscribe,
        "unsubscribe": _unsubscribe,
        "command": _command,
        "request": _request,
        "heartbeat": _heartbeat,
    }
)


def handle_message(
    raw: Data,
    state: SessionState,
    config: ProtocolConfig,
    handlers: Mapping[str, ProtocolHandler] = SEED_HANDLERS,
) -> list[Action]:
    """Answer one received payload.

    Args:
        raw: the payload as received: ``str`` (text frame) or ``bytes`` (binary frame).
        state: this connection's state; ``authenticate`` updates it.
        config: the server's settings.
        handlers: the rows to answer with, by ``type``; a type not in it gets the
            ``unknown message type`` error. An empty mapping gives only the fallbacks
            (echo, binary echo, errors).

    Returns:
        The actions to carry out, in order. Every message gets at least one reply.
    """
    if isinstance(raw, bytes):
        return [Reply(raw)]  # binary frames are echoed back as binary, whatever they hold
    message = decode(raw)
    if isinstance(message, str):
        return [_error("invalid JSON: send a JSON object with a 'type' field")]
    if not isinstance(message, dict):
        return [_error(f"expected a JSON object with a 'type' field, got {type(message).__name__}")]
    kind = message.get("type")
    if kind == "echo":
        return [Reply(raw)]
    bad = _non_finite(message)
    if bad is not None:
        field, number = bad
        safe = {k: v for k, v in message.items() if _non_finite(v) is None}  # ids to copy
        prefix = kind if isinstance(kind, str) else "message"
        text = f"{prefix}: '{field}' must be a finite number (got {number!r})"
        return [_error(text, safe, field)]
    handler = handlers.get(kind) if isinstance(kind, str) else None
    if handler is None:
        return [_error(f"unknown message type {_shown(kind)}", message)]
    if config.require_auth and kind in _GUARDED and not state.authenticated:
        return [_error("not authenticated", message)]
    return handler(message, state, config)
