"""How a client's connection comes and goes: connect, open, close, disconnect.

`WebSocketApi` inherits this; the public class holds the API surface (properties, listeners,
sending, statistics, requests), this base the connection's life (reference §1.6, §1.7,
§1.10): attempts and their failures, the opening phase, the close callback that decides on
reconnecting, and ``disconnect()``.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from metis_env.api import connection as _ss
from metis_env.api.clock import Clock
from metis_env.api.errors import ConfigError, ConnectAbortedError, ConnectError, MetisEnvError
from metis_env.api.events import (
    CloseEvent,
    ConnectionChangeEvent,
    ErrorEvent,
    Event,
    EventEmitter,
    OpenEvent,
)
from metis_env.api.features import Features
from metis_env.api.handles import Handle, done_handle, failed_handle, new_handle, settle
from metis_env.api.logs import log_event, redacted_url
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.outbox import Outbox
from metis_env.api.reconnect import Reconnector
from metis_env.api.state import ReadyState
from metis_env.api.stats import ClientStats
from metis_env.api.transport import Connector, get_connector

if TYPE_CHECKING:
    from metis_env.api.websocket import WebSocketApi

__all__ = ["ConnectionLifecycle"]

logger = logging.getLogger("metis_env.api")

OnOpen = Callable[["WebSocketApi"], Awaitable[None] | None]

# Set while a connection's opening phase runs (open listeners, on_open hooks, resubscribe):
# sends made from that context go straight out; others wait in the queue, so the server sees
# the opening messages (e.g. authenticate) before anything else.
opening_conn: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "metis_envopening_conn", default=None
)


class ConnectionLifecycle:
    """The connection half of `WebSocketApi` (attributes are set by its ``__init__``)."""

    # Validated options (frozen) and the URL every attempt connects to.
    _options: WebSocketApiOptions
    _url: str
    # Transport; chosen lazily so a missing optional library fails at connect().
    _connector: Connector | None
    _headers_factory: Callable[[], Any] | None
    _clock: Clock
    _events: EventEmitter
    _state: ReadyState
    # The current connection (transport + its callbacks), or None.
    _conn: _ss.Connection | None
    # The task running an opening handshake and opening phase, while one runs.
    _attempt: asyncio.Task[None] | None
    # The connect() handle waiting for that attempt (None for a background reconnect).
    _attempt_handle: Handle[Any] | None
    # The disconnect() handle while a closing handshake runs.
    _closing: Handle[Any] | None
    # Whether the user wants a connection: set by connect(), cleared by disconnect().
    _wanted: bool
    _on_open_hooks: list[OnOpen]
    _stats: ClientStats
    _outbox: Outbox
    _reconnector: Reconnector
    _keepalive: asyncio.Task[None] | None
    _features: Features

    def _emit(self, event: Event) -> None:
        self._events.emit(event)

    def _set_state(self, state: ReadyState) -> None:
        if state is not self._state:
            log_event(
                logger,
                logging.DEBUG,
                "state",
                self._url,
                "%s: %s -> %s",
                self.redacted_url,
                self._state.name,
                state.name,
                old_state=self._state.name,
                new_state=state.name,
            )
            self._state = state

    @property
    def redacted_url(self) -> str:
        """The URL as shown in logs, errors and reprs: secret query values read ``***``."""
        return redacted_url(self._url)

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
                    "Connection superseded by a new connect() call.", url=self.redacted_url
                ),
            )
            return failed_handle(
                "connect()",
                ConnectAbortedError(
                    "connect() called while a connection attempt was already in progress.",
                    url=self.redacted_url,
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
        conn = _ss.Connection(cast("WebSocketApi", self))
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
            if isinstance(exc, ConnectError):
                exc.url = self.redacted_url  # errors never carry a query secret
            self._attempt_failed(exc)
            return
        except Exception as exc:  # a transport bug: report it rather than lose it
            self._attempt_failed(
                ConnectError(
                    f"Connection to {self.redacted_url} failed: {exc!r}", url=self.redacted_url
                )
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
        token = opening_conn.set(conn)
        try:
            self._emit(OpenEvent())
            self._emit(ConnectionChangeEvent(True))
            for hook in list(self._on_open_hooks):
                if self._conn is not conn:
                    break
                result = hook(cast("WebSocketApi", self))
                if result is not None:
                    await result
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log_event(
                logger,
                logging.WARNING,
                "open_hook.error",
                self._url,
                "%s: an open hook failed: %s",
                self.redacted_url,
                exc,
                exc_info=exc,
                error=type(exc).__name__,
            )
            self._emit(ErrorEvent(exc))
        finally:
            opening_conn.reset(token)
        await self._features_opened(conn)
        if self._conn is conn:
            self._keepalive = _ss.start_keepalive(cast("WebSocketApi", self), conn)
            self._outbox.flush(transport)
        # The queue now sits in the backlog; from here on, sends from any task take the
        # ordinary write path, which queues behind the backlog (so none is stranded).
        self._attempt = None
        await self._outbox.wait_written()
        handle, self._attempt_handle = self._attempt_handle, None
        if handle is not None:
            settle(
                handle,
                None
                if self._conn is conn
                else ConnectAbortedError(
                    "The connection closed while queued messages were being flushed",
                    url=self.redacted_url,
                ),
            )

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
        self._outbox.clear_queue()
        self._features.on_disconnect()
        if self._attempt is not None and self._state is ReadyState.CONNECTING:
            self._attempt.cancel()
            self._attempt = None
            self._set_state(ReadyState.CLOSED)
            error = ConnectAbortedError(
                "WebSocket was closed before the connection was established", url=self.redacted_url
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

    # ------------------------------------------------------------------ connection callbacks

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
        lost = _ss.closed_error(self.redacted_url, code, reason, error)
        lost.url = self.redacted_url  # a transport's own error may carry the raw URL
        self._outbox.connection_lost(
            requeue=self._options.queue_while_disconnected and not manual, error=lost
        )
        self._features.on_close(code, manual)
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

    async def _features_opened(self, conn: _ss.Connection) -> None:
        """Replay subscriptions and re-send requests, as part of the opening phase."""
        if self._conn is not conn or self._state is not ReadyState.OPEN:
            return
        token = opening_conn.set(conn)
        try:
            await self._features.on_open(conn)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug of ours: report it, keep the connection
            log_event(
                logger,
                logging.ERROR,
                "replay.error",
                self._url,
                "%s: replaying subscriptions failed: %r",
                self.redacted_url,
                exc,
                exc_info=exc,
            )
            self._emit(ErrorEvent(exc))
        finally:
            opening_conn.reset(token)
