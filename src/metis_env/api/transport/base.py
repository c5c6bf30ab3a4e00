"""The seam between `WebSocketApi` and the library that moves the bytes.

`WebSocketApi` never imports a WebSocket library. It asks a `Connector` to open a connection
described by an `OpenRequest`, hands it a `TransportListener`, and gets back a `Transport`.

Contract for every implementation (tested once for all by ``tests/transport/``):

* ``Connector.open`` completes the opening handshake within ``request.open_timeout`` seconds
  or raises one of `metis_env.api.errors.ConnectError`'s subclasses, with the library's own
  message kept and its exception chained (``raise … from exc``). No library exception ever
  escapes the module.
* Once open, the transport calls the listener's plain (non-async) methods on the event loop:
  ``on_message`` with each *complete* message as an owned ``str`` (text) or ``bytes`` (binary)
  (fragments reassembled, no borrowed buffers); ``on_pong`` for each pong; and ``on_close``
  exactly once, last, with the close code (1006 when no close frame was received), the reason,
  and the error that caused it (``None`` for a clean close).
* The transport answers pings and close frames itself, and enforces ``max_size``
  (closing with 1009) and UTF-8 validity of text (closing with 1007); other protocol
  violations close with 1002. Having failed the connection, it reports ``on_close`` within
  ``close_timeout`` even when the peer never answers, with that code and an error naming the
  violation and the code: `MessageTooBigError` for 1009, else `ConnectionClosedError`, worded
  the same by every transport. Only our errors reach the listener, the library's as cause.
* ``ping(data)`` sends exactly ``data`` (at most 125 bytes, else `ConfigError`); every pong
  frame that arrives, answer or not, goes to ``on_pong`` with its own payload: matching a
  pong to its ping is the caller's job.
* ``try_send`` and ``send_*`` raise `metis_env.api.errors.ConnectionClosedError` once the
  connection is not open;
  they may wait for write buffer space (backpressure).
* ``close`` performs the closing handshake and returns when the connection is closed; when the
  peer does not answer within ``request.close_timeout`` it aborts. ``start_close`` does the
  same without waiting (the client closes this way): it returns at once and ``on_close``
  reports the end. ``abort`` drops the TCP connection at once, never blocks and never
  raises; ``on_close`` then reports 1006.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Connector", "OpenRequest", "Transport", "TransportListener"]


@dataclass(frozen=True)
class OpenRequest:
    """Everything a transport needs to open one connection."""

    url: str
    # TLS: a context for wss URLs, None for ws.
    ssl: ssl.SSLContext | None = None
    # Extra HTTP headers of the upgrade request.
    headers: Mapping[str, str] = field(default_factory=dict)
    # Offered sub-protocols, in preference order.
    subprotocols: Sequence[str] = ()
    # Seconds to complete TCP + TLS + HTTP upgrade; None waits forever.
    open_timeout: float | None = 10.0
    # Seconds to wait for the peer's close frame before aborting.
    close_timeout: float | None = 5.0
    # Largest incoming message in bytes; None means unlimited.
    max_size: int | None = 1024 * 1024
    # Offer permessage-deflate (RFC 7692).
    compression: bool = False
    # Proxy URL (http://, socks5://…), or None for a direct connection.
    proxy: str | None = None
    # Value of the User-Agent header; None omits it.
    user_agent: str | None = None


class TransportListener(Protocol):
    """What a transport calls back. Plain methods, called on the event loop, never re-entered."""

    def on_message(self, data: str | bytes) -> None:
        """A complete message arrived: ``str`` for text frames, ``bytes`` for binary."""

    def on_pong(self, data: bytes) -> None:
        """A pong arrived, solicited or not; ``data`` is its own payload."""

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        """The connection is closed; called exactly once, after every other callback."""


class Transport(Protocol):
    """One open connection."""

    @property
    def subprotocol(self) -> str | None:
        """The sub-protocol the server selected, if any."""

    @property
    def raw(self) -> object:
        """The library's own connection object (for advanced use; not stable API)."""

    def try_send(self, data: str | bytes) -> bool:
        """Send one message now if that needs no waiting; else send nothing and return False.

        The fast path: a transport whose library writes synchronously (picows) returns True
        unless writing is paused for backpressure. Returning False always is correct (the
        caller then uses ``send_text``/``send_bytes``). Raises `ConnectionClosedError` when
        the connection is not open.
        """

    async def send_text(self, data: str) -> None:
        """Send one text message."""

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary message."""

    async def ping(self, data: bytes = b"") -> None:
        """Send a ping carrying ``data`` (at most 125 bytes); pongs go to ``on_pong``."""

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close gracefully (closing handshake, bounded by ``close_timeout``)."""

    def start_close(self, code: int = 1000, reason: str = "") -> None:
        """Begin `close` and return at once; ``on_close`` reports the end."""

    def abort(self) -> None:
        """Drop the TCP connection now, without a closing handshake."""


class Connector(Protocol):
    """Opens connections for one library."""

    name: str

    async def open(self, request: OpenRequest, listener: TransportListener) -> Transport:
        """Open a connection and start delivering callbacks to ``listener``."""
