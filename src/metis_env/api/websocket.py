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
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from metis_env.api.clock import AsyncioClock, Clock
from metis_env.api.closecodes import check_close
from metis_env.api.codec import encode
from metis_env.api.core import inputs as inp
from metis_env.api.driver import Driver, OnOpen, coerce_options, opening_link
from metis_env.api.errors import EncodeError, MetisEnvError, NotConnectedError
from metis_env.api.events import (
    ActivityEvent,
    CloseEvent,
    ConnectionChangeEvent,
    ErrorEvent,
    EventType,
    Listener,
    MessageEvent,
    OpenEvent,
    ReconnectFailedEvent,
    ReconnectingEvent,
)
from metis_env.api.handles import Handle, failed_handle, new_handle
from metis_env.api.logs import redacted_url
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.port import WireTap
from metis_env.api.requests import Correlation
from metis_env.api.state import ReadyState
from metis_env.api.stats import StatsSnapshot
from metis_env.api.subscriptions import Subscription
from metis_env.api.tracking import register_client
from metis_env.api.transport import Connector
from metis_env.api.waiting import Match, MessageStream

__all__ = ["WebSocketApi"]

E = TypeVar("E")
#: A listener of events of type E: sync, or async (scheduled as a task).
On = Callable[[E], object]

logger = logging.getLogger("metis_env.api")


class WebSocketApi:
    """A WebSocket client configured from ``configs.json`` that stays up.

    ``async with WebSocketApi.from_config(cfg) as ws:`` connects on entry and disconnects on
    exit (also on error); or call `connect` and `disconnect` yourself.

    Args:
        options: a `WebSocketApiOptions`, or a mapping of config keys (camelCase as in
            ``configs.json``, or snake_case). Keyword arguments are merged over it.
        connector: the transport to use (default: chosen by the ``transport`` option).
        clock: the source of time for keepalive, reconnect and close timers (tests inject one).
        random: returns floats in [0, 1) for reconnect jitter (tests inject one).
        on_open: called (and awaited, if async) after every open, before subscriptions are
            replayed and queued messages flushed; typical use: authenticate. When it raises,
            the connection is closed and the ``connect()`` waiting for it fails.
        headers: like the ``headers`` option, or a callable returning them, evaluated before
            every attempt (token refresh).

    Raises:
        InvalidConfigurationError: the options break a rule; the message names each key.
    """

    CONNECTING = ReadyState.CONNECTING
    OPEN = ReadyState.OPEN
    CLOSING = ReadyState.CLOSING
    CLOSED = ReadyState.CLOSED

    __slots__ = ("__weakref__", "_driver", "_options", "_url")

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
        headers_factory = kwargs.pop("headers") if callable(kwargs.get("headers")) else None
        opts = coerce_options(options, kwargs)
        # Validated options (frozen), and the URL every attempt connects to (fixed at
        # construction, as in the original).
        self._options = opts
        self._url = url = opts.url
        # Runs the connection's state machine; owns links, timers, outbox and features.
        self._driver = Driver(
            self,
            opts,
            url,
            redacted_url(url),
            connector=connector,
            clock=clock or AsyncioClock(),
            random=random or _random.random,
            headers_factory=headers_factory,
        )
        if on_open is not None:
            self._driver.hooks.append(on_open)
        register_client(self)

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
        """The URL this client connects to (secrets included: show `redacted_url`)."""
        return self._url

    @property
    def redacted_url(self) -> str:
        """The URL as shown in logs, errors and reprs: secret query values read ``***``."""
        return self._driver.shown_url

    @property
    def options(self) -> WebSocketApiOptions:
        """The validated options (immutable)."""
        return self._options

    @property
    def connection(self) -> object | None:
        """The transport library's connection object while connected (advanced use), else None."""
        link = self._driver.core.link
        transport = getattr(link, "transport", None)
        return transport.raw if transport is not None else None

    @property
    def state(self) -> ReadyState:
        """CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3)."""
        return self._driver.core.ready_state

    @property
    def is_connected(self) -> bool:
        """Whether the state is OPEN."""
        return self._driver.core.ready_state is ReadyState.OPEN

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
        return self._driver.core.attempts

    @property
    def queue_while_disconnected(self) -> bool:
        """Whether sends made while disconnected are queued."""
        return self._options.queue_while_disconnected

    @property
    def queued_message_count(self) -> int:
        """How many sends wait in the queue."""
        return len(self._driver.outbox.queue)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """The active subscriptions, in replay order."""
        return self._driver.features.subscriptions.active

    def __repr__(self) -> str:
        return f"<WebSocketApi {self.redacted_url} {self.state.name}>"

    # ------------------------------------------------------------------ connection

    def connect(self) -> Handle[None]:
        """Open the connection; returns a handle that completes when it is ready.

        Ready means: open, open hooks done, subscriptions replayed, queued messages written.
        Resolves at once when already open. A second call while a call's attempt is in
        flight fails both, as the original does (§1.6 step 3): the earlier one with
        ``Connection superseded by a new connect() call.``, this one with ``connect() called
        while a connection attempt was already in progress.``. Differs: a call during a
        background reconnect attempt, or while the connection is opening, joins it; a call
        while closing waits for the close, then connects.
        """
        handle = new_handle("connect()")
        self._driver.feed(inp.Connect(handle))
        return handle

    def disconnect(self, code: int = 1000, reason: str = "") -> Handle[None]:
        """Close the connection and stop reconnecting; queued sends fail (``Send queue cleared.``).

        Completes when the connection is closed, within ``closeTimeout`` (+0.5 s) even when
        the peer never answers the close (then the TCP connection is aborted). Pending
        requests and ``wait_for`` fail with `ClosedError`; ``messages()`` iterations end.

        Raises:
            ConfigError: ``code`` is not a close code an endpoint may send (1000-1003,
                1007-1014, 3000-4999) or ``reason`` is longer than 123 UTF-8 bytes. Nothing
                changes then (Differs: the original leaks an open socket here).
        """
        check_close(code, reason)
        driver = self._driver
        driver.outbox.clear_queue()
        driver.features.on_disconnect()
        handle = new_handle("disconnect()")
        driver.feed(inp.Disconnect(handle, code, reason))
        return handle

    async def aclose(self) -> None:
        """Same as ``await disconnect()``."""
        await self.disconnect()

    async def __aenter__(self) -> WebSocketApi:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    # ------------------------------------------------------------------ listeners

    # One overload per event name, so a misspelt name fails the type check and a listener
    # is checked against the payload type it will receive.
    @overload
    def add_event_listener(self, types: Literal["open"], listener: On[OpenEvent]) -> None: ...
    @overload
    def add_event_listener(self, types: Literal["close"], listener: On[CloseEvent]) -> None: ...
    @overload
    def add_event_listener(self, types: Literal["error"], listener: On[ErrorEvent]) -> None: ...
    @overload
    def add_event_listener(self, types: Literal["message"], listener: On[MessageEvent]) -> None: ...
    @overload
    def add_event_listener(
        self, types: Literal["connection-change"], listener: On[ConnectionChangeEvent]
    ) -> None: ...
    @overload
    def add_event_listener(
        self, types: Literal["activity"], listener: On[ActivityEvent]
    ) -> None: ...
    @overload
    def add_event_listener(
        self, types: Literal["reconnecting"], listener: On[ReconnectingEvent]
    ) -> None: ...
    @overload
    def add_event_listener(
        self, types: Literal["reconnect-failed"], listener: On[ReconnectFailedEvent]
    ) -> None: ...
    @overload
    def add_event_listener(self, types: Iterable[EventType], listener: On[Any]) -> None: ...
    def add_event_listener(self, types: str | Iterable[str], listener: Listener) -> None:
        """Call ``listener(event)`` for each event of the given type(s); async listeners allowed.

        Raises:
            ConfigError: an unknown event name, or a listener that is not callable.
        """
        self._driver.events.add(types, listener)

    def remove_event_listener(self, type_: EventType, listener: Listener) -> None:
        """Remove every registration of ``listener`` for ``type_``."""
        self._driver.events.remove(type_, listener)

    def clear_event_listeners(self, filter: Iterable[EventType] | None = None) -> int:
        """Remove all listeners, or those of the listed types; return how many were removed."""
        return self._driver.events.clear(filter)

    def add_open_hook(self, hook: OnOpen) -> None:
        """Run ``hook(client)`` after every open, before queued messages are flushed.

        When a hook raises, the connection is closed (code 1000, reason ``open hook
        failed``) and the ``connect()`` waiting for it fails with that exception; during a
        background reconnect it counts as a failed attempt.
        """
        self._driver.hooks.append(hook)

    def add_wire_tap(self, tap: WireTap) -> None:
        """Show ``tap`` this client's traffic: opens (URL redacted, request headers), every
        message sent and received, closes; in wire order (``metis-env run --record``)."""
        self._driver.taps = (*self._driver.taps, tap)

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
        driver = self._driver
        core = driver.core
        link = core.open_link
        if link is None and core.link is not None:  # opening
            if opening_link.get() is not core.link:
                return driver.outbox.enqueue(payload, bounded=False)  # keep the order
            link = core.link
        if link is not None:
            outbox = driver.outbox
            transport = link.transport  # type: ignore[attr-defined]
            try:
                if outbox.backlog or not transport.try_send(payload):
                    return outbox.write(transport, payload) or driver.sent_now()
            except MetisEnvError as exc:
                return failed_handle("send()", exc)
            stats = driver.stats
            stats.messages_out += 1
            stats.bytes_out += (
                len(payload)
                if type(payload) is bytes or payload.isascii()
                else len(payload.encode("utf-8"))  # type: ignore[union-attr]
            )
            if driver.taps:
                driver.tap("sent", payload)
            return driver.sent or driver.sent_now()
        if self._options.queue_while_disconnected:
            return driver.outbox.enqueue(payload)
        return failed_handle("send()", NotConnectedError(url=self.redacted_url))

    def send_message(self, obj: Any) -> asyncio.Future[None]:
        """Send an object as JSON (the seed's recommended spelling for objects)."""
        return self.send(obj)

    def clear_queue(self) -> int:
        """Fail every queued send with ``Send queue cleared.``; return how many there were."""
        return self._driver.outbox.clear_queue()

    # ------------------------------------------------------------------ beyond the original

    def request(
        self,
        message: Any,
        *,
        timeout: float | None = 30000,
        correlation: Correlation = "id",
        resend_on_reconnect: bool = False,
    ) -> Handle[Any]:
        """Send ``message``; the handle resolves with the ``data`` of the matching reply.

        The reply carries the same correlation id: the value of key ``correlation`` (added
        with a fresh uuid when the dict lacks it) or what ``correlation(data)`` returns.
        ``timeout`` (ms, None: no limit) covers reconnects; ``resend_on_reconnect`` sends
        it again after a drop. Raises `ConfigError` / `EncodeError` for bad input; the
        handle fails with `RequestTimeoutError`, `ConnectionClosedError`, `ClosedError` or
        the send's error. Rules: `metis_env.api.requests` and docs/patterns.md.
        """
        return self._driver.features.requests.request(
            message,
            timeout=timeout,
            correlation=correlation,
            resend_on_reconnect=resend_on_reconnect,
        )

    def wait_for(self, match: Match, *, timeout: float | None = 30000) -> Handle[Any]:
        """Return a handle resolving with the ``data`` of the next message that matches.

        Listening starts at the call, so call it before sending what provokes the answer.
        ``match`` is a message type or a predicate over ``data``; ``timeout`` in ms (None:
        no limit). Fails with `RequestTimeoutError`, `ClosedError` after ``disconnect()``,
        `ConnectionClosedError` when the client stopped for good (no reconnect), or what the
        predicate raised. See `metis_env.api.waiting`.
        """
        return self._driver.features.inbox.wait_for(match, timeout)

    def messages(
        self,
        type: str | None = None,
        *,
        match: Callable[[Any], Any] | None = None,
        max_buffer: int = 1000,
    ) -> MessageStream:
        """Iterate (``async for``) over the ``data`` of incoming messages, from now on.

        ``type`` and ``match`` select messages; ``max_buffer`` bounds what a slow consumer
        holds (the oldest is dropped and counted when full). The iteration ends normally
        after ``disconnect()`` (buffered messages first) and with `ConnectionClosedError`
        when the client stopped for good; a drop that reconnects does not end it.
        """
        return self._driver.features.inbox.messages(type, match, max_buffer)

    def subscribe(self, message: Any, *, unsubscribe: Any = None) -> Subscription:
        """Keep ``message`` in force on every connection until ``sub.cancel()``.

        Sent now when open (else on the next open) and replayed after every reconnect: after
        the open hooks, before queued messages. See `metis_env.api.subscriptions`.

        Raises:
            EncodeError: ``message`` or ``unsubscribe`` cannot be written as JSON.
        """
        return self._driver.features.subscriptions.subscribe(message, unsubscribe)

    # ------------------------------------------------------------------ statistics

    def stats(self) -> StatsSnapshot:
        """Counters: messages and bytes in/out, reconnects, queue depth and drops, RTT, uptime."""
        driver = self._driver
        return driver.stats.snapshot(
            queue_depth=len(driver.outbox.queue),
            queue_drops=driver.outbox.drops,
            reconnect_attempts=driver.core.attempts,
            now=driver.clock.time() if self.is_connected else None,
            **driver.features.stats(),
        )
