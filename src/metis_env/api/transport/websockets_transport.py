"""The `websockets` transport: complete (TLS, compression, proxies) and RFC 6455 conformant.

This module is the only place that imports `websockets`, and it does so lazily, when a
connection is opened. Its exceptions are translated to `metis_env.api.errors`, most specific
first and chained (``from exc``) so the cause stays visible: when opening (proxies included)
by `_websockets_open.map_open_errors`, and for a connection this side failed by
`WebsocketsTransport._failure`.

Two gaps of websockets' client connection are filled by a subclass (`_connection_class`):

* when websockets fails a connection (a protocol violation, a message over ``max_size``) it
  sends its close frame and waits for the server to close TCP, and nothing bounds that wait
  unless we are sending or closing; the subclass aborts at websockets' own close deadline
  (``close_timeout`` after the close frame), so ``on_close`` always comes;
* websockets drops unsolicited pongs and reports a solicited one only as a future; the
  subclass reports every pong frame with its own payload to ``on_pong``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from metis_env.api.closecodes import check_close, check_ping
from metis_env.api.errors import (
    ConnectionClosedError,
)
from metis_env.api.logs import RedactingLogger, log_close_failure, redacted_url, url_secrets
from metis_env.api.transport._failures import FAILURE_CODES, connection_lost, protocol_failure
from metis_env.api.transport._tls import default_context
from metis_env.api.transport._websockets_open import map_open_errors
from metis_env.api.transport.base import OpenRequest, TransportListener

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["WebsocketsConnector", "WebsocketsTransport"]

_OPEN: Any = None  # websockets.protocol.State.OPEN, bound when the first connection opens


class WebsocketsTransport:
    """One open `websockets` client connection, read by a single reader task."""

    def __init__(
        self, conn: ClientConnection, listener: TransportListener, request: OpenRequest
    ) -> None:
        self._conn = conn
        self._listener = listener
        self._request = request
        # True once close() or abort() was called: a close we asked for is no failure.
        self._close_requested = False
        # A listener's exception from on_pong (called inside websockets' data_received).
        self._listener_error: BaseException | None = None
        # The task `start_close` runs `close` in (kept so it is not garbage-collected).
        self._closer: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        # Pongs that came with or right after the handshake wait until open() has returned.
        held: list[bytes] = conn.held_pongs  # type: ignore[attr-defined]
        conn.pong_listener = self._on_pong  # type: ignore[attr-defined]
        for data in held:
            loop.call_soon(self._on_pong, data)
        held.clear()
        self._reader = loop.create_task(self._read())

    @property
    def subprotocol(self) -> str | None:
        return self._conn.subprotocol

    @property
    def raw(self) -> object:
        return self._conn

    def try_send(self, data: str | bytes) -> bool:
        # websockets' own send() is a coroutine: awaiting it per message costs the caller
        # a task. When the write buffer has room, do what send() does for an unfragmented
        # message (frame it in the Sans-I/O protocol, write the bytes out) synchronously.
        conn = self._conn
        proto = conn.protocol
        if proto.state is not _OPEN:
            raise self._not_open("send")
        if conn.paused or conn.send_in_progress is not None:
            return False  # backpressure, or a fragmented send in progress: use send_*()
        if isinstance(data, str):
            proto.send_text(data.encode())
        else:
            proto.send_binary(data)
        conn.send_data()
        return True

    async def send_text(self, data: str) -> None:
        await self._send(data)

    async def send_bytes(self, data: bytes) -> None:
        await self._send(data)

    async def _send(self, data: str | bytes) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            await self._conn.send(data)  # str: text frame, bytes: binary frame
        except ConnectionClosed as exc:
            raise self._not_open("send") from exc

    async def ping(self, data: bytes = b"") -> None:
        """Send a ping carrying ``data`` (at most 125 bytes); its pong goes to ``on_pong``.

        The frame is written directly rather than through websockets' ``ping()``, which
        refuses a second ping with the same payload while the first is unanswered and
        matches pongs itself: here every pong is reported and the caller does the matching.
        """
        check_ping(data)
        conn = self._conn
        if conn.protocol.state is not _OPEN:
            raise self._not_open("ping")
        conn.protocol.send_ping(data)
        conn.send_data()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        from websockets.exceptions import ConnectionClosed

        check_close(code, reason)  # a code websockets refuses must fail, not hang
        self._close_requested = True
        with contextlib.suppress(ConnectionClosed):
            await self._conn.close(code, reason)
        # on_close is delivered by the reader; wait for it so "closed" means closed.
        await asyncio.shield(self._reader)

    def start_close(self, code: int = 1000, reason: str = "") -> None:
        """Begin `close` and return at once; ``on_close`` reports its end.

        websockets closes in a coroutine, so this runs `close` in a task the transport
        keeps; a failure of that task is logged at DEBUG (``on_close`` still comes).
        """
        check_close(code, reason)
        task = asyncio.get_running_loop().create_task(self.close(code, reason))
        self._closer = task
        task.add_done_callback(log_close_failure)

    def abort(self) -> None:
        self._close_requested = True
        transport = self._conn.transport
        if transport is not None:
            transport.abort()

    def _on_pong(self, data: bytes) -> None:
        try:
            self._listener.on_pong(data)
        except Exception as exc:  # a broken listener drops the connection, as on_message's
            if self._listener_error is None:
                self._listener_error = exc
            self.abort()

    def _not_open(self, what: str) -> ConnectionClosedError:
        rcvd = self._conn.protocol.close_rcvd
        code, reason = (int(rcvd.code), rcvd.reason) if rcvd is not None else (1006, "")
        word = "closed" if self._conn.protocol.state.name == "CLOSED" else "closing"
        return ConnectionClosedError(
            f"Cannot {what}: the WebSocket connection is {word} (code {code})",
            url=redacted_url(self._request.url),
            code=code,
            reason=reason,
        )

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        error: BaseException | None = None
        listener = self._listener
        try:
            async for message in self._conn:
                listener.on_message(message)
        except ConnectionClosedOK:
            pass
        except ConnectionClosed as exc:
            error = self._failure(exc)
        except Exception as exc:  # a listener bug must not kill the reader silently
            error = exc
            self.abort()
        with contextlib.suppress(Exception):
            await self._conn.wait_closed()
        if self._listener_error is not None:
            error = self._listener_error
        listener.on_close(*self._close_status(), error)

    def _failure(self, exc: Any) -> BaseException | None:
        """Our error for a connection that did not close cleanly (None: nothing went wrong)."""
        proto = self._conn.protocol
        sent = proto.close_sent
        # The library's reason: the parser's exception, or what recv() hit (invalid UTF-8).
        cause = proto.parser_exc if proto.parser_exc is not None else exc.__cause__
        if sent is not None and not proto.close_rcvd_then_sent and not self._close_requested:
            # websockets failed the connection (RFC 6455 §7.1.7): its close frame says why.
            failure = protocol_failure(
                int(sent.code), sent.reason, url=self._request.url, max_size=self._request.max_size
            )
            failure.__cause__ = cause if cause is not None else exc
            return failure
        # Echoing the peer's close (whatever its code) or a close we asked for is clean; a
        # drop without a close frame reports what broke it.
        if proto.close_rcvd is not None or self._close_requested:
            return None
        lost = connection_lost(self._request.url)
        lost.__cause__ = cause if cause is not None else exc
        return lost

    def _close_status(self) -> tuple[int, str]:
        proto = self._conn.protocol
        sent, rcvd = proto.close_sent, proto.close_rcvd
        # We failed the connection (protocol error, message too big): report our code.
        if sent is not None and sent.code in FAILURE_CODES and not proto.close_rcvd_then_sent:
            return int(sent.code), sent.reason
        if rcvd is not None:
            return int(rcvd.code), rcvd.reason
        return 1006, ""


_connection_cls: type[ClientConnection] | None = None


def _connection_class() -> type[ClientConnection]:
    """websockets' client connection with the two gaps filled (see the module docstring)."""
    global _connection_cls
    if _connection_cls is not None:
        return _connection_cls
    from websockets.asyncio.client import ClientConnection
    from websockets.frames import Frame, Opcode

    class _Connection(ClientConnection):
        # Reports each pong's payload (set by WebsocketsTransport when open() returns).
        pong_listener: Callable[[bytes], None] | None = None
        # Pongs received before that (a few at most: bounded, the rest dropped).
        held_pongs: list[bytes]
        # Aborts at close_deadline once websockets expects the server to close TCP.
        close_timer: asyncio.TimerHandle | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.held_pongs = []

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            # websockets sets close_deadline when it fails the connection (or answers the
            # server's close frame) but enforces it only inside send() and close().
            if self.close_deadline is not None and self.close_timer is None:
                self.close_timer = self.loop.call_at(self.close_deadline, self._close_expired)

        def _close_expired(self) -> None:
            self.close_timer = None
            self.set_connection_exc(TimeoutError("timed out while closing connection"))
            self.transport.abort()

        def connection_lost(self, exc: Exception | None) -> None:
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
            super().connection_lost(exc)

        def process_event(self, event: Any) -> None:
            super().process_event(event)
            if isinstance(event, Frame) and event.opcode is Opcode.PONG:
                listener = self.pong_listener
                if listener is not None:
                    listener(bytes(event.data))
                elif len(self.held_pongs) < 16:
                    self.held_pongs.append(bytes(event.data))

    _connection_cls = _Connection
    return _Connection


class WebsocketsConnector:
    """Opens connections with `websockets.asyncio.client.connect`."""

    name = "websockets"

    async def open(self, request: OpenRequest, listener: TransportListener) -> WebsocketsTransport:
        from websockets.asyncio.client import connect
        from websockets.protocol import State

        global _OPEN
        _OPEN = State.OPEN

        kwargs: dict[str, Any] = {
            "additional_headers": dict(request.headers) or None,
            "subprotocols": list(request.subprotocols) or None,
            "compression": "deflate" if request.compression else None,
            "open_timeout": request.open_timeout,
            "close_timeout": request.close_timeout,
            "max_size": request.max_size,
            # Keepalive is WebSocketApi's job (one policy for every transport).
            "ping_interval": None,
            "ping_timeout": None,
            "user_agent_header": request.user_agent,
            "proxy": _proxy_arg(request.proxy),
            # websockets logs the upgrade request at DEBUG, headers included: redact it.
            "logger": RedactingLogger(
                logging.getLogger("websockets.client"),
                request.url,
                url_secrets(request.url, request.headers),
            ),
            # Autobahn 9.x sends messages of thousands of fragments; size is bounded by max_size.
            "max_queue": 64,
            "create_connection": _connection_class(),
        }
        if request.url.startswith("wss://"):
            kwargs["ssl"] = request.ssl if request.ssl is not None else default_context()
        with map_open_errors(request):
            conn = await connect(request.url, **kwargs)
        return WebsocketsTransport(conn, listener, request)


def _proxy_arg(proxy: str | None) -> str | bool | None:
    if proxy is None:
        return None
    if proxy == "env":
        return True
    return proxy
