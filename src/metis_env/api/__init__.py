"""What target scripts call: `WebSocketApi`, its options, events, states and errors."""

from metis_env.api.errors import *  # noqa: F403
from metis_env.api.errors import __all__ as _errors_all
from metis_env.api.events import (
    EVENT_TYPES,
    ActivityEvent,
    CloseEvent,
    ConnectionChangeEvent,
    ErrorEvent,
    EventType,
    MessageEvent,
    OpenEvent,
    ReconnectFailedEvent,
    ReconnectingEvent,
)
from metis_env.api.options import WebSocketApiOptions, build_url
from metis_env.api.port import WireTap
from metis_env.api.state import CLOSED, CLOSING, CONNECTING, OPEN, ReadyState
from metis_env.api.stats import StatsSnapshot
from metis_env.api.websocket import WebSocketApi

__all__ = [
    "CLOSED",
    "CLOSING",
    "CONNECTING",
    "EVENT_TYPES",
    "OPEN",
    "ActivityEvent",
    "CloseEvent",
    "ConnectionChangeEvent",
    "ErrorEvent",
    "EventType",
    "MessageEvent",
    "OpenEvent",
    "ReadyState",
    "ReconnectFailedEvent",
    "ReconnectingEvent",
    "StatsSnapshot",
    "WebSocketApi",
    "WebSocketApiOptions",
    "WireTap",
    "build_url",
    *_errors_all,
]
