"""The one internal interface through which features attach to a client.

A feature (request matching, waiting and streams, subscriptions) never sees the client: it
is built with a `Port`, a few callables and values the driver hands it, and it is told what
happens through the `Feature` methods. So the core's state has one owner, and a feature
cannot break it by reading or writing another module's private attributes (websockets'
message assembler gets two callables in the same spirit).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from metis_env.api.clock import Clock
from metis_env.api.events import MessageEvent

__all__ = ["Feature", "Port", "WireTap"]


@dataclass(frozen=True, slots=True)
class Port:
    """What a feature may use of its client."""

    #: ``WebSocketApi.send``: encode and send (or queue) one message, returning its handle.
    send: Callable[[Any], asyncio.Future[None]]
    #: Take the queued (not yet written) sends whose handle is in the given set out of the
    #: send queue; returns the handles taken out.
    withdraw: Callable[[set[asyncio.Future[Any]]], list[asyncio.Future[Any]]]
    #: The link messages currently flow on (opening or open), or None.
    live: Callable[[], object | None]
    #: The source of time for timeouts.
    clock: Clock
    #: The client's URL as shown in logs and errors (secrets redacted).
    url: str
    #: Whether the client reconnects after an unexpected close (``autoReconnect``).
    auto_reconnect: bool


class Feature(Protocol):
    """What the driver tells a feature, in this order on every connection."""

    def on_message(self, event: MessageEvent) -> None:
        """A message arrived (before the ``message`` listeners run)."""

    def on_open(self, link: object) -> Awaitable[None] | None:
        """``link`` opened and the open hooks succeeded (before the send queue is flushed)."""

    def on_close(self, code: int, manual: bool) -> None:
        """The live link closed; ``manual``: by ``disconnect()`` or a failed open hook."""

    def on_stopped(self, error: BaseException) -> None:
        """The client will not reconnect on its own; waiting for messages must end."""

    def on_disconnect(self) -> None:
        """``disconnect()`` was called."""


class WireTap(Protocol):
    """Sees a client's traffic as it crosses the wire (``WebSocketApi.add_wire_tap``).

    Called synchronously, on the event loop, in wire order; an exception a tap raises is
    logged and the tap removed, never raised into the client.
    """

    def opened(self, url: str, headers: Mapping[str, str]) -> None:
        """A connection opened to ``url`` (redacted) with these request headers."""

    def sent(self, data: str | bytes) -> None:
        """A message was handed to the connection."""

    def received(self, data: str | bytes) -> None:
        """A message arrived."""

    def closed(self, code: int, reason: str) -> None:
        """The connection closed (1006: no close frame)."""
