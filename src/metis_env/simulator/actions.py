"""What a simulator connection can be told to do: frozen actions, carried out in order.

The seed protocol (`metis_env.simulator.protocol`) returns them from plain functions; a user's
handler produces them through its `metis_env.simulator.context.HandlerContext`
(``ctx.reply(...)``, ``ctx.stream(...)``, ``ctx.close(...)``, ``ctx.drop()``). One sender per
connection (`metis_env.simulator.connection`) carries them out, so they never overtake each
other: a ``close`` queued after a reply goes out after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Action", "Close", "Drop", "Reply", "StartStream", "Stream", "Unsubscribe"]


@dataclass(frozen=True)
class Reply:
    """Send ``message``: a ``str``/``bytes`` payload as is, anything else as JSON."""

    message: Any


@dataclass(frozen=True)
class StartStream:
    """Start (or restart, from ``seq`` 1) the seed protocol's stream of ``channel``.

    Attributes:
        channel: the channel name; its kind decides the items (`protocol.stream_item`).
        interval_ms: time between items, already clamped to `protocol.MIN_STREAM_INTERVAL_MS`.
        count: stop after this many items with a ``stream-end``; ``None``: run until
            unsubscribed or disconnected.
    """

    channel: str
    interval_ms: int
    count: int | None = None


@dataclass(frozen=True)
class Unsubscribe:
    """Stop the streams of ``channels`` (``None``: all), ``stream-end`` each, then acknowledge.

    The server sends ``{"type": "unsubscribed", "channels": [...]}`` last, listing
    ``channels`` when given (idempotent: a channel that was not streaming is listed too), or
    the streams it stopped when ``channels`` is ``None``.
    """

    channels: tuple[str, ...] | None


@dataclass(frozen=True)
class Stream:
    """Send each of ``items`` (as `Reply` does), ``interval_ms`` apart, beside other replies.

    The first item goes ``interval_ms`` after the stream starts. The stream runs as a task of
    its own until the items run out, the connection ends, or a new `Stream` with the same
    ``name`` replaces it. ``items`` may be any iterable, an endless generator included.
    """

    items: Iterable[Any]
    interval_ms: int
    name: str = ""


@dataclass(frozen=True)
class Close:
    """Close the connection with a close frame carrying ``code`` and ``reason``."""

    code: int = 1000
    reason: str = ""


@dataclass(frozen=True)
class Drop:
    """Abort the TCP connection without a close frame (the client sees 1006)."""


Action = Reply | StartStream | Unsubscribe | Stream | Close | Drop
