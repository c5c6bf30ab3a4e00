"""`WebSocketApi`: METIS's target-environment WebSocket client, in Python.

Everything the seed documents (config-driven URL, WS/WSS, TLS verification, connect timeout,
the six events, JSON parsing, connection state, close codes) plus what the original grew
(auto-reconnect with backoff and jitter, ping/pong keepalive, a send queue), without the
original's bugs (reference §1.12 and §9). Behaviour that differs is marked "Differs:".

The wire is reached only through `metis_env.api.transport` (the seam).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random as _random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from metis_env.api import connection as _ss
from metis_env.api.clock import AsyncioClock, Clock
from metis_env.api.codec import encode
from metis_env.api.errors import (
    ConfigError,
    ConnectAbortedError,
    ConnectError,
    EncodeError,
    MetisEnvError,
    NotConnectedError,
)
from metis_env.api.events import (
    CloseEvent,
    ConnectionChangeEvent,
    ErrorEvent,
    Event,
    EventEmitter,
    Listener,
    MessageEvent,
    OpenEvent,
)
from metis_env.api.handles import Handle, done_handle, failed_handle, new_handle, settle
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.outbox import Outbox
from metis_env.api.reconnect import Reconnector
from metis_env.api.state import ReadyState
from metis_env.api.stats import ClientStats
from metis_env.api.tracking import register_client
from metis_env.api.transport import Connector, get_connector

__all__ = ["WebSocketApi"]

logger = logging.getLogger("metis_env.api")

OnOpen = Callable[["WebSocketApi"], Awaitable[None] | None]

# Set while a connection's opening phase runs (open listeners, on_open hooks, resubscribe):
# sends made from that context go straight out; others wait in the queue, so the server sees
# the opening messages (e.g. authenticate) before anything else.
_opening_conn: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "metis_env_opening_conn", default=None
)


class WebSocketApi:
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
        self._done: Handle[Any] | None = None
        if opts.reject_unauthorized is False:
            logger.warning(
                "TLS certificate verification is disabled for %s (rejectUnauthorized: false); "
                "use this only in development",
                self._url,
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

    def _set_state(self, state: ReadyState) -> None:
        if state is not self._state:
            logger.debug("%s: %s -> %s", self._url, self._state.name, state.name)
            self._state = state

    def __repr__(self) -> str:
        return f"<WebSocketApi {self._url} {self._state.name}>"

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

    def _emit(self, event: Event) -> None:
        self._events.emit(event)

    def _on_listener_error(self, exc: BaseException, event: Event) -> None:
        logger.warning(
            "%s: a %r listener raised %s: %s",
            self._url,
            event.method,
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        if self._in_listener_error or event.method in ("error", "activity"):
            return  # a raising error/activity listener is logged, never re-emitted (no loops)
        self._in_listener_error = True
        try:
            self._emit(ErrorEvent(exc))
        finally:
            self._in_listener_error = False

    # ------------------------------------------------------------------ connect

    def connect(self) -> Handle[None]:
        """Open the connection; returns a handle that completes when it is ready.

        Resolves at once when already connected. A second call while a call's attempt is in
        flight fails both, as the original does (§1.6 step 3): the earlier one with
        ``Connection superseded by a new connect() call.``, this one with ``connect() called
        while a connection attempt was already in progress.``. Differs: a call during a
        background reconnect attempt joins that attempt instead.
        """
        if self._state is ReadyState.OPEN:
            return done_handle("connect()")
        self._wanted = True
        self._reconnector.cancel()
        if self._attempt is not None:
            if self._attempt_handle is None:
                handle = new_handle("connect()")
                self._attempt_handle = handle
                return handle
            earlier = self._attempt_handle
            self._attempt_handle = None
            self._attempt.cancel()
            self._attempt = None
            self._set_state(ReadyState.CLOSED)
            settle(
                earlier,
                ConnectAbortedError(
                    "Connection superseded by a new connect() call.", url=self._url
                ),
            )
            return failed_handle(
                "connect()",
                ConnectAbortedError(
                    "connect() called while a connection attempt was already in progress.",
                    url=self._url,
                ),
            )
        if self._conn is not None:  # CLOSING: abandon the old connection
            old, self._conn = self._conn, None
            if old.transport is not None:
                old.transport.abort()
        handle = new_handle("connect()")
        self._attempt_handle = handle
        self._start_attempt()
        return handle

    def _start_attempt(self) -> None:
        self._set_state(ReadyState.CONNECTING)
        self._attempt = asyncio.get_running_loop().create_task(self._run_attempt())

    async def _run_attempt(self) -> None:
        conn = _ss.Connection(self)
        try:
            request = await _ss.build_request(self._options, self._url, self._headers_factory)
            if self._connector is None:
                self._connector = get_connector(
                    self._options.transport,
                    compression=self._options.compression,
                    proxy=self._options.proxy is not None,
                )
            conn.transport = await self._connector.open(request, conn)
        except asyncio.CancelledError:
            raise
        except (ConnectError, ConfigError) as exc:
            self._attempt_failed(exc)
            return
        except Exception as exc:  # a transport bug: report it rather than lose it
            self._attempt_failed(
                ConnectError(f"Connection to {self._url} failed: {exc!r}", url=self._url)
            )
            return
        await self._opened(conn)

    def _attempt_failed(self, exc: MetisEnvError) -> None:
        self._attempt = None
        self._set_state(ReadyState.CLOSED)
        handle, self._attempt_handle = self._attempt_handle, None
        self._emit(ErrorEvent(exc))
        self._emit(CloseEvent(1006, ""))
        self._emit(ConnectionChangeEvent(False))
        if handle is not None:
            # A connect() the user is waiting for failed: report it; no background loop
            # (Differs: the original starts an endless one after any earlier success).
            settle(handle, exc)
            return
        if self._wanted:
            self._reconnector.after_failure(close_code=None, error=exc)

    async def _opened(self, conn: _ss.Connection) -> None:
        transport = conn.transport
        assert transport is not None
        self._conn = conn
        self._set_state(ReadyState.OPEN)
        self._reconnector.opened()
        self._stats.opened(self._clock.time())
        token = _opening_conn.set(conn)
        try:
            self._emit(OpenEvent())
            self._emit(ConnectionChangeEvent(True))
            for hook in list(self._on_open_hooks):
                if self._conn is not conn:
                    break
                result = hook(self)
                if result is not None:
                    await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("%s: an open hook failed: %s", self._url, exc, exc_info=exc)
            self._emit(ErrorEvent(exc))
        finally:
            _opening_conn.reset(token)
        if self._conn is conn:
            self._keepalive = _ss.start_keepalive(self, conn)
            self._outbox.flush(transport)
            await self._outbox.wait_written()
        self._attempt = None
        handle, self._attempt_handle = self._attempt_handle, None
        if handle is not None:
            settle(handle)

    # ------------------------------------------------------------------ disconnect

    def disconnect(self, code: int = 1000, reason: str = "") -> Handle[None]:
        """Close the connection and stop reconnecting; queued sends fail (``Send queue cleared.``).

        Completes within ``closeTimeout`` even when the peer never answers the close (then
        the TCP connection is aborted).

        Raises:
            ConfigError: ``code`` is not a close code an endpoint may send (1000-1003,
                1007-1014, 3000-4999) or ``reason`` is longer than 123 UTF-8 bytes. Nothing
                changes then (Differs: the original leaks an open socket here).
        """
        _ss.check_close(code, reason)
        self._wanted = False
        self._reconnector.cancel()
        self._reconnector.reset()
        self._stop_keepalive()
        self.clear_queue()
        if self._attempt is not None and self._state is ReadyState.CONNECTING:
            self._attempt.cancel()
            self._attempt = None
            self._set_state(ReadyState.CLOSED)
            error = ConnectAbortedError(
                "WebSocket was closed before the connection was established", url=self._url
            )
            handle, self._attempt_handle = self._attempt_handle, None
            self._emit(ErrorEvent(error))
            self._emit(CloseEvent(1006, ""))
            self._emit(ConnectionChangeEvent(False))
            if handle is not None:
                settle(handle, error)
            return done_handle("disconnect()")
        conn = self._conn
        if conn is None or conn.transport is None:
            self._set_state(ReadyState.CLOSED)
            return done_handle("disconnect()")
        if self._closing is not None:
            return self._closing
        self._set_state(ReadyState.CLOSING)
        self._closing = new_handle("disconnect()")
        conn.closing_task = asyncio.get_running_loop().create_task(
            conn.transport.close(code, reason)
        )
        return self._closing

    # ------------------------------------------------------------------ sending

    def send(self, data: Any) -> Handle[None]:
        """Send ``data``: ``str`` as text, bytes-like as binary, anything else as compact JSON.

        Returns a handle that completes when the message is handed to the connection.
        Fails with ``WebSocket is not connected`` when there is no open connection and
        queueing is off; with ``WebSocket send queue is full.`` when the queue is full; with
        `EncodeError` when ``data`` cannot be written as JSON.
        """
        try:
            payload = encode(data)
        except EncodeError as exc:
            return failed_handle("send()", exc)
        conn = self._conn
        if self._state is ReadyState.OPEN and conn is not None and conn.transport is not None:
            if self._attempt is None or _opening_conn.get() is conn:
                try:
                    handle = self._outbox.write(conn.transport, payload)
                except MetisEnvError as exc:
                    return failed_handle("send()", exc)
                if handle is not None:
                    return handle
                done = self._done
                if done is None:
                    done = self._done = done_handle("send()")
                return done
            return self._outbox.enqueue(payload, bounded=False)  # opening: keep the order
        if self._options.queue_while_disconnected:
            return self._outbox.enqueue(payload)
        return failed_handle("send()", NotConnectedError(url=self._url))

    def send_message(self, obj: Any) -> Handle[None]:
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
        )

    # ------------------------------------------------------------------ connection callbacks

    def _on_message(self, data: str | bytes) -> None:
        self._stats.count_in(data)
        self._events.emit(MessageEvent(data))

    def _on_close(
        self, conn: _ss.Connection, code: int, reason: str, error: BaseException | None
    ) -> None:
        if self._conn is not conn:
            return
        self._conn = None
        if conn.abort_error is not None:  # we dropped it ourselves: our reason wins
            error = conn.abort_error
        self._stop_keepalive()
        self._set_state(ReadyState.CLOSED)
        self._stats.closed()
        manual = self._closing is not None or not self._wanted
        lost = _ss.closed_error(self._url, code, reason, error)
        self._outbox.connection_lost(
            requeue=self._options.queue_while_disconnected and not manual, error=lost
        )
        if self._attempt is not None:  # closed during the opening phase
            self._attempt.cancel()
            self._attempt = None
            handle, self._attempt_handle = self._attempt_handle, None
            if handle is not None:
                settle(handle, lost)
        plan = None
        if not manual:
            plan = self._reconnector.plan_after_close(code, error)
        if error is not None and not manual:
            self._emit(ErrorEvent(lost))
        self._emit(CloseEvent(code, reason))
        self._emit(ConnectionChangeEvent(False))
        closing, self._closing = self._closing, None
        if closing is not None:
            settle(closing)
        if plan is not None:
            self._reconnector.start(plan)

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
