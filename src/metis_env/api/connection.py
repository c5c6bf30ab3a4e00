"""One connection's plumbing: its transport callbacks, its keepalive, its opening request.

`Connection` is the `TransportListener` of one connection. Callbacks from a connection that
is no longer the client's current one are ignored, so a late event from an abandoned socket
never changes the client (reference §1.6: "each ignores events from a socket that is no
longer current").
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from metis_env._version import __version__
from metis_env.api.closecodes import check_close
from metis_env.api.errors import ConfigError, ConnectionClosedError, MessageTooBigError
from metis_env.api.events import MessageEvent
from metis_env.api.logs import log_event, redacted_url
from metis_env.api.tls import build_ssl_context
from metis_env.api.transport.base import OpenRequest, Transport

if TYPE_CHECKING:
    from metis_env.api.options import WebSocketApiOptions
    from metis_env.api.websocket import WebSocketApi

__all__ = ["Connection", "build_request", "check_close", "closed_error", "start_keepalive"]

logger = logging.getLogger("metis_env.api")

USER_AGENT = f"metis-env/{__version__}"


class Connection:
    """Transport callbacks for one connection of one client."""

    __slots__ = (
        "abort_error",
        "client",
        "closing_task",
        "ping_sent_at",
        "pong_waiter",
        "transport",
    )

    def __init__(self, client: WebSocketApi) -> None:
        self.client = client
        # Set once the transport is open.
        self.transport: Transport | None = None
        # The pong the keepalive waits for, if any.
        self.pong_waiter: asyncio.Future[None] | None = None
        # Clock time the last keepalive ping was sent (for the round-trip time).
        self.ping_sent_at = 0.0
        # The task running the graceful close, once disconnect() started one.
        self.closing_task: asyncio.Task[None] | None = None
        # Why we aborted it ourselves (keepalive timeout), reported with the 1006 close.
        self.abort_error: BaseException | None = None

    def on_message(self, data: str | bytes) -> None:
        # The receive hot path, kept flat: count, wrap, hand to features and listeners.
        client = self.client
        if client._conn is not self:
            return
        stats = client._stats
        stats.messages_in += 1
        stats.bytes_in += len(data)
        event = MessageEvent(data)
        client._features.on_message(event)
        client._events.emit(event)

    def on_pong(self, data: bytes) -> None:
        client = self.client
        if client._conn is not self:
            return
        client._stats.rtt(client._clock.time() - self.ping_sent_at)
        waiter = self.pong_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        self.client._on_close(self, code, reason, error)


async def build_request(
    options: WebSocketApiOptions, url: str, headers_factory: Callable[[], Any] | None
) -> OpenRequest:
    """The request for one attempt; ``headers_factory`` (sync or async) runs every time."""
    headers: dict[str, str] = dict(options.headers)
    if headers_factory is not None:
        produced = headers_factory()
        if inspect.isawaitable(produced):
            produced = await produced
        if not isinstance(produced, Mapping):
            raise ConfigError(
                "headers",
                type(produced).__name__,
                "the headers callable must return a dict of str to str",
            )
        headers.update({str(k): str(v) for k, v in produced.items()})
    if options.protocol == "wss" and options.reject_unauthorized is False:
        log_event(
            logger,
            logging.WARNING,
            "tls.unverified",
            url,
            "Connecting to %s without verifying its TLS certificate (rejectUnauthorized: false)",
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


def closed_error(
    url: str, code: int, reason: str, error: BaseException | None
) -> ConnectionClosedError:
    """The error that describes why a connection ended (for the ``error`` event and handles)."""
    if isinstance(error, ConnectionClosedError):
        return error
    detail = f": {error}" if error is not None else ""
    text = f"Connection to {url} closed with code {code}"
    if reason:
        text += f" ({reason})"
    if code == 1009:
        return MessageTooBigError(text + detail, url=url)
    exc = ConnectionClosedError(text + detail, url=url, code=code, reason=reason)
    if error is not None:
        exc.__cause__ = error
    return exc


def start_keepalive(client: WebSocketApi, conn: Connection) -> asyncio.Task[None] | None:
    """Start pinging ``conn`` every keepAliveInterval; None when keepalive is disabled."""
    if client.options.keep_alive_interval <= 0:
        return None
    return asyncio.get_running_loop().create_task(_keepalive(client, conn))


async def _keepalive(client: WebSocketApi, conn: Connection) -> None:
    """Ping, then wait for the pong up to keepAliveTimeout; no pong: abort (close 1006).

    Differs: the original only notices a dead peer when timeout < interval; here a peer that
    stops answering is dropped within interval + timeout, for any pair of values.
    """
    interval = client.options.keep_alive_interval / 1000
    timeout = client.options.keep_alive_timeout / 1000
    clock = client._clock
    loop = asyncio.get_running_loop()
    while client._conn is conn and conn.transport is not None:
        await clock.sleep(interval)
        if client._conn is not conn or conn.transport is None:
            return
        waiter: asyncio.Future[None] = loop.create_future()
        conn.pong_waiter = waiter
        conn.ping_sent_at = clock.time()
        try:
            await conn.transport.ping(b"")
        except ConnectionClosedError:
            return
        if timeout <= 0:
            continue
        sleeper = loop.create_task(clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
        if waiter.done():
            continue
        if client._conn is conn:
            ms = client.options.keep_alive_timeout
            log_event(
                logger,
                logging.WARNING,
                "keepalive.timeout",
                client.url,
                "%s: no pong within %d ms; dropping the connection",
                client.redacted_url,
                ms,
                timeout_ms=ms,
            )
            conn.abort_error = ConnectionClosedError(
                f"Keepalive timeout: no pong from {client.redacted_url} within {ms} ms of a "
                "ping; the connection was dropped (the peer or the network is unresponsive)",
                url=client.redacted_url,
            )
            conn.transport.abort()
        return
