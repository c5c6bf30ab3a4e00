"""What target scripts call: `WebSocketApi`, its options, events, states and errors.

The errors are imported with the package (they are small and everything needs them); every
other name is imported from its module on first access (PEP 562 ``__getattr__``), so
``import metis_env.api`` alone does not pay for asyncio, pydantic or the client, and
``from metis_env.api import WebSocketApi`` pays for exactly what the client needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from metis_env.api.errors import *  # noqa: F403
from metis_env.api.errors import __all__ as _errors_all

if TYPE_CHECKING:
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

#: The module each lazily imported name comes from (relative to this package).
_SOURCES = {
    **dict.fromkeys(
        (
            "EVENT_TYPES",
            "ActivityEvent",
            "CloseEvent",
            "ConnectionChangeEvent",
            "ErrorEvent",
            "EventType",
            "MessageEvent",
            "OpenEvent",
            "ReconnectFailedEvent",
            "ReconnectingEvent",
        ),
        "events",
    ),
    "WebSocketApiOptions": "options",
    "build_url": "options",
    **dict.fromkeys(("CLOSED", "CLOSING", "CONNECTING", "OPEN", "ReadyState"), "state"),
    "WebSocketApi": "websocket",
    "WireTap": "port",
    "StatsSnapshot": "stats",
}


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module on first access, then keep it in this namespace."""
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and the module's own dunders."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
