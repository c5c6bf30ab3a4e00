"""One connection of a client: its transport callbacks, its keepalive, its opening request.

A `Link` is the `TransportListener` of one connection. Callbacks from a link that is no
longer the core's live link are ignored, so a late event from an abandoned socket never
changes the client (reference §1.6: "each ignores events from a socket that is no longer
current"). What the link reports goes to its `LinkHost` (the driver): messages straight to
the features and listeners, closes as an input of the core.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from metis_env._version import __version__
from metis_env.api.core.machine import ClientCore
from metis_env.api.errors import ConfigError, ConnectionClosedError
from metis_env.api.events import MessageEvent
from metis_env.api.keepalive import Keepalive
from metis_env.api.logs import log_event, redacted_url
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.stats import ClientStats
from metis_env.api.tls import build_ssl_context
from metis_env.api.transport.base import OpenRequest, Transport

__all__ = ["Link", "LinkHost", "build_request", "produce_headers"]

logger = logging.getLogger("metis_env.api")

USER_AGENT = f"metis-env/{__version__}"


class LinkHost(Protocol):
    """What a link reports to (the driver)."""

    stats: ClientStats

    def deliver(self, event: MessageEvent) -> None:
        """Hand an incoming message to the features and the listeners."""

    def link_closed(self, link: Link, code: int, reason: str, error: BaseException | None) -> None:
        """The link's connection is closed."""


class Link:
    """Transport callbacks and per-connection work for one connection."""

    __slots__ = (
        "abort_error",
        "closed",
        "core",
        "headers",
        "host",
        "keepalive",
        "opening_task",
        "transport",
    )

    def __init__(self, host: LinkHost, core: ClientCore) -> None:
        self.host = host
        # The core says whether this link is the live one (``core.link``).
        self.core = core
        # Set once the transport is open.
        self.transport: Transport | None = None
        # Pings while the connection lives (None when keepalive is off).
        self.keepalive: Keepalive | None = None
        # The task running the opening phase, if it needs one.
        self.opening_task: asyncio.Task[None] | None = None
        # Why we dropped it ourselves (keepalive timeout), reported with the 1006 close.
        self.abort_error: BaseException | None = None
        # The request headers it opened with (for wire taps).
        self.headers: Mapping[str, str] = {}
        # The close reported before the opening handshake returned, if any.
        self.closed: tuple[int, str, BaseException | None] | None = None

    def on_message(self, data: str | bytes) -> None:
        # The receive hot path, kept flat: count, wrap, hand over.
        if self.core.link is not self:
            return
        host = self.host
        stats = host.stats
        stats.messages_in += 1
        # UTF-8 bytes on the wire (wire_len, inlined: ASCII text needs no encoding to count).
        if type(data) is str and not data.isascii():
            stats.bytes_in += len(data.encode("utf-8"))
        else:
            stats.bytes_in += len(data)
        host.deliver(MessageEvent(data))

    def on_pong(self, data: bytes) -> None:
        keepalive = self.keepalive
        if keepalive is not None and self.core.link is self:
            keepalive.pong(data)

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        if self.abort_error is not None:  # we dropped it ourselves: our reason wins
            error = self.abort_error
        if self.keepalive is not None:
            self.keepalive.stop()
        if self.transport is None:
            self.closed = (code, reason, error)
            return
        self.host.link_closed(self, code, reason, error)

    def start_keepalive(self, options: WebSocketApiOptions, clock: Any, url: str) -> None:
        """Ping every keepAliveInterval (nothing when it is 0)."""
        if options.keep_alive_interval <= 0 or self.transport is None:
            return
        stats = self.host.stats
        self.keepalive = Keepalive(
            self.transport,
            options.keep_alive_interval / 1000,
            options.keep_alive_timeout / 1000,
            clock,
            stats.rtt,
            lambda timeout: self._dead(timeout, url),
        )
        self.keepalive.start()

    def _dead(self, timeout: float, url: str) -> None:
        ms = round(timeout * 1000)
        log_event(
            logger,
            logging.WARNING,
            "keepalive.timeout",
            url,
            "%s: no pong within %d ms; dropping the connection",
            url,
            ms,
            timeout_ms=ms,
        )
        self.abort_error = ConnectionClosedError(
            f"Keepalive timeout: no pong from {url} within {ms} ms of a ping; the connection "
            "was dropped (the peer or the network is unresponsive)",
            url=url,
        )
        self.abort()

    def abort(self) -> None:
        """Drop the connection now (never blocks)."""
        if self.transport is not None:
            self.transport.abort()

    def stop(self) -> None:
        """The link is down: stop its per-connection work."""
        if self.keepalive is not None:
            self.keepalive.stop()
        task = self.opening_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()


async def produce_headers(headers_factory: Callable[[], Any]) -> dict[str, str]:
    """Run a ``headers`` callable (sync or async) for one attempt; check what it returns."""
    produced = headers_factory()
    if inspect.isawaitable(produced):
        produced = await produced
    if not isinstance(produced, Mapping):
        raise ConfigError(
            "headers",
            type(produced).__name__,
            "the headers callable must return a dict of str to str",
        )
    return {str(k): str(v) for k, v in produced.items()}


def build_request(
    options: WebSocketApiOptions, url: str, produced: Mapping[str, str] | None = None
) -> OpenRequest:
    """The request for one attempt; ``produced``: the headers callable's answer, if any."""
    headers: dict[str, str] = dict(options.headers)
    if produced:
        headers.update(produced)
    if options.protocol == "wss" and options.reject_unauthorized is False:
        log_event(
            logger,
            logging.WARNING,
            "tls.unverified",
            url,
            "Connecting to %s without verifying its TLS certificate (rejectUnauthorized: "
            "false); use this only in development",
            redacted_url(url),
        )
    return OpenRequest(
        url=url,
        ssl=build_ssl_context(options),
        headers=headers,
        subprotocols=tuple(options.subprotocols),
        open_timeout=options.connect_timeout / 1000,
        close_timeout=options.close_timeout / 1000,
        max_size=options.max_message_size,
        compression=options.compression,
        proxy=options.proxy,
        user_agent=USER_AGENT,
    )
