"""`WebSocketApi`: METIS's target-environment WebSocket client, in Python.

Everything the seed documents (config-driven URL, WS/WSS, TLS verification, connect timeout,
the six events, JSON parsing, connection state, close codes) plus what the original grew
(auto-reconnect with backoff and jitter, ping/pong keepalive, a send queue), without the
original's bugs (reference §1.12 and §9). Behaviour that differs is marked "Differs:".

The wire is reached only through `metis_env.api.transport` (the seam).
"""

from __future__ import annotations

import asyncio
import logging
import random as _random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from metis_env.api import connection as _ss
from metis_env.api.clock import AsyncioClock, Clock
from metis_env.api.codec import encode
from metis_env.api.errors import (
    EncodeError,
    MetisEnvError,
    NotConnectedError,
)
from metis_env.api.events import (
    ErrorEvent,
    Event,
    EventEmitter,
    Listener,
)
from metis_env.api.features import Features
from metis_env.api.handles import Handle, failed_handle
from metis_env.api.lifecycle import ConnectionLifecycle, OnOpen, opening_conn
from metis_env.api.logs import log_event
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.outbox import Outbox
from metis_env.api.patterns import PatternMethods
from metis_env.api.reconnect import Reconnector
from metis_env.api.state import ReadyState
from metis_env.api.stats import ClientStats
from metis_env.api.tracking import register_client
from metis_env.api.transport import Connector

__all__ = ["WebSocketApi"]

_OPEN = ReadyState.OPEN

logger = logging.getLogger("metis_env.api")


class WebSocketApi(ConnectionLifecycle, PatternMethods):
    """A WebSocket client configured from ``configs.json`` that stays up.

    Args:
        options: a `WebSocketApiOptions`, or a mapping of config keys (camelCase as in
            ``configs.json``, or snake_case). Keyword arguments are merged over it.
        connector: the transport to use (default: chosen by the ``transport`` option).
        clock: the source of time for keepalive and reconnect timers (tests inject one).
        random: returns floats in [0, 1) for reconnect jitter (tests inject one).
        on_open: called (and awaited, if async) after every open, before subscriptions are
            replayed and queued messages flushed; typical use: authenticate.
        headers: like the ``headers`` option, or a callable returning them, evaluated before
            every attempt (token refresh).

    Raises:
        InvalidConfigurationError: the options break a rule; the message names each key.
    """

    CONNECTING = ReadyState.CONNECTING
    OPEN = ReadyState.OPEN
    CLOSING = ReadyState.CLOSING
    CLOSED = ReadyState.CLOSED

    def __init__(
        self,
        options: WebSocketApiOptions | Mapping[str, Any] | None = None,
        /,
        *,
        connector: Connector | None = None,
        clock: Clock | None = None,
        random: Callable[[], float] | None = None,
        on_open: OnOpen | None = None,
        **kwargs: Any,
    ) -> None:
        headers = kwargs.get("headers")
        self._headers_factory: Callable[[], Any] | None = None
        if callable(headers):
            self._headers_factory = kwargs.pop("headers")
        if isinstance(options, WebSocketApiOptions) and not kwargs:
            opts = options
        else:
            base: Mapping[str, Any] = (
                options.model_dump(by_alias=True, exclude_unset=True) | options.extra
                if isinstance(options, WebSocketApiOptions)
                else (options if options is not None else {})
            )
            opts = WebSocketApiOptions.parse(base, **kwargs)
        # Validated options (frozen).
        self._options = opts
        # The URL every attempt connects to (fixed at construction, as in the original).
        self._url = opts.url
        # Transport; chosen lazily so a missing optional library fails at connect().
        self._connector = connector
        self._clock: Clock = clock or AsyncioClock()
        self._events = EventEmitter(self._on_listener_error)
        self._state = ReadyState.CLOSED
        # The current connection (transport + its callbacks), or None.
        self._conn: _ss.Connection | None = None
        # The task running an opening handshake and opening phase, while one runs.
        self._attempt: asyncio.Task[None] | None = None
        # The connect() handle waiting for that attempt (None for a background reconnect).
        self._attempt_handle: Handle[Any] | None = None
        # The disconnect() handle while a closing handshake runs.
        self._closing: Handle[Any] | None = None
        # Whether the user wants a connection: set by connect(), cleared by disconnect().
        self._wanted = False
        self._on_open_hooks: list[OnOpen] = [on_open] if on_open is not None else []
        self._stats = ClientStats()
        self._outbox = Outbox(opts.max_queue_size, self._stats.count_out)
        self._reconnector = Reconnector(self, opts, self._clock, random or _random.random)
        self._keepalive: asyncio.Task[None] | None = None
        self._in_listener_error = False
        # The completed future every immediately-sent send() returns (created on first use).
        self._done: asyncio.Future[None] | None = None
        # Request/response, wait_for/messages, subscriptions (signalled by the hooks below).
        self._features = Features(self)
        if opts.reject_unauthorized is False:
            log_event(
                logger,
                logging.WARNING,
                "tls.unverified",
                self._url,
                "TLS certificate verification is disabled for %s (rejectUnauthorized: false); "
                "use this only in development",
                self.redacted_url,
            )
        register_client(self)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None, **kwargs: Any) -> WebSocketApi:
        """Build a client from a ``configs.json`` entry's ``data`` (seed §Using fromConfig()).

        Raises:
            InvalidConfigurationError: message starts ``Invalid WebSocket API configuration:``
                and names every offending key, value and rule.
        """
        return cls(WebSocketApiOptions.parse(config), **kwargs)

    # ------------------------------------------------------------------ properties

    @property
    def url(self) -> str:
        """The URL this client connects to."""
        return self._url

    @property
    def options(self) -> WebSocketApiOptions:
        """The validated options (immutable)."""
        return self._options

    @property
    def connection(self) -> object | None:
        """The transport library's connection object while connected (advanced use), else None."""
        conn = self._conn
        return conn.transport.raw if conn is not None and conn.transport is not None else None

    @property
    def state(self) -> ReadyState:
        """CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3)."""
        return self._state

    @property
    def is_connected(self) -> bool:
        """Whether the state is OPEN."""
        return self._state is ReadyState.OPEN

    @property
    def connect_timeout(self) -> int:
        """Opening handshake timeout, in milliseconds."""
        return self._options.connect_timeout

    @property
    def reject_unauthorized(self) -> bool:
        """Whether TLS certificates are verified (True unless set to false; seed's default)."""
        return self._options.reject_unauthorized is not False

    @property
    def auto_reconnect(self) -> bool:
        """Whether the client reconnects after an unexpected close."""
        return self._options.auto_reconnect

    @property
    def reconnect_attempt_count(self) -> int:
        """Reconnect attempts since the last successful open."""
        return self._reconnector.attempts

    @property
    def queue_while_disconnected(self) -> bool:
        """Whether sends made while disconnected are queued."""
        return self._options.queue_while_disconnected

    @property
    def queued_message_count(self) -> int:
        """How many sends wait in the queue."""
        return len(self._outbox.queue)

    def __repr__(self) -> str:
        return f"<WebSocketApi {self.redacted_url} {self._state.name}>"

    # ------------------------------------------------------------------ listeners

    def add_event_listener(self, types: str | Iterable[str], listener: Listener) -> None:
        """Call ``listener(event)`` for each event of the given type(s); async listeners allowed."""
        self._events.add(types, listener)

    def remove_event_listener(self, type_: str, listener: Listener) -> None:
        """Remove every registration of ``listener`` for ``type_``."""
        self._events.remove(type_, listener)

    def clear_event_listeners(self, filter: Iterable[str] | None = None) -> int:
        """Remove all listeners, or those of the listed types; return how many were removed."""
        return self._events.clear(filter)

    def add_open_hook(self, hook: OnOpen) -> None:
        """Run ``hook(client)`` after every open, before queued messages are flushed."""
        self._on_open_hooks.append(hook)

    def _on_listener_error(self, exc: BaseException, event: Event) -> None:
        log_event(
            logger,
            logging.WARNING,
            "listener.error",
            self._url,
            "%s: a %r listener raised %s: %s",
            self.redacted_url,
            event.method,
            type(exc).__name__,
            exc,
            exc_info=exc,
            listener_event=event.method,
            error=type(exc).__name__,
        )
        if self._in_listener_error or event.method in ("error", "activity"):
            return  # a raising error/activity listener is logged, never re-emitted (no loops)
        self._in_listener_error = True
        try:
            self._emit(ErrorEvent(exc))
        finally:
            self._in_listener_error = False

    # ------------------------------------------------------------------ sending

    def send(self, data: Any) -> asyncio.Future[None]:
        """Send ``data``: ``str`` as text, bytes-like as binary, anything else as compact JSON.

        Returns a handle that completes when the message is handed to the connection.
        Fails with ``WebSocket is not connected`` when there is no open connection and
        queueing is off; with ``WebSocket send queue is full.`` when the queue is full; with
        `EncodeError` when ``data`` cannot be written as JSON.
        """
        if type(data) is str:  # the hot path first: text needs no encoding
            payload: str | bytes = data
        else:
            try:
                payload = encode(data)
            except EncodeError as exc:
                return failed_handle("send()", exc)
        conn = self._conn
        if self._state is _OPEN and conn is not None and conn.transport is not None:
            if self._attempt is None or opening_conn.get() is conn:
                outbox = self._outbox
                try:
                    if outbox.backlog or not conn.transport.try_send(payload):
                        return outbox.write(conn.transport, payload) or self._sent_now()
                except MetisEnvError as exc:
                    return failed_handle("send()", exc)
                stats = self._stats
                stats.messages_out += 1
                stats.bytes_out += len(payload)
                return self._sent_now()
            return self._outbox.enqueue(payload, bounded=False)  # opening: keep the order
        if self._options.queue_while_disconnected:
            return self._outbox.enqueue(payload)
        return failed_handle("send()", NotConnectedError(url=self.redacted_url))

    def _sent_now(self) -> asyncio.Future[None]:
        """Sent at once: one shared, already-completed future serves every such send."""
        done = self._done
        if done is None:
            done = self._done = asyncio.get_running_loop().create_future()
            done.set_result(None)
        return done

    def send_message(self, obj: Any) -> asyncio.Future[None]:
        """Send an object as JSON (the seed's recommended spelling for objects)."""
        return self.send(obj)

    def clear_queue(self) -> int:
        """Fail every queued send with ``Send queue cleared.``; return how many there were."""
        return self._outbox.clear_queue()

    # ------------------------------------------------------------------ statistics

    def stats(self) -> dict[str, Any]:
        """Counters: messages and bytes in/out, reconnects, queue depth and drops, RTT, uptime."""
        return self._stats.snapshot(
            queue_depth=len(self._outbox.queue),
            queue_drops=self._outbox.drops,
            reconnect_attempts=self._reconnector.attempts,
            now=self._clock.time() if self._state is ReadyState.OPEN else None,
            **self._features.stats(),
        )
