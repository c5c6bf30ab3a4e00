"""The `websockets` transport: complete (TLS, compression, proxies) and RFC 6455 conformant.

This module is the only place that imports `websockets`, and it does so lazily, when a
connection is opened. Its exceptions are translated to `metis_env.api.errors` in
`_map_open_errors`, most specific first, and chained (``from exc``) so the cause stays visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import ssl
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from metis_env.api.closecodes import check_close
from metis_env.api.errors import (
    ConnectError,
    ConnectionClosedError,
    ConnectionRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    TLSError,
)
from metis_env.api.logs import RedactingLogger, redacted_url, url_secrets
from metis_env.api.transport.base import OpenRequest, TransportListener

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

__all__ = ["WebsocketsConnector", "WebsocketsTransport"]

_OPEN: Any = None  # websockets.protocol.State.OPEN, bound when the first connection opens

# Close codes we send when *we* fail the connection (RFC 6455 §7.4.1); reported as the
# close code in preference to 1006 when the peer did not echo a close frame.
_FAILURE_CODES = frozenset({1002, 1003, 1007, 1008, 1009, 1010, 1011})


def _host_port(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0]


@contextlib.contextmanager
def _map_open_errors(request: OpenRequest) -> Iterator[None]:
    """Translate everything `websockets.connect` can raise into our ConnectError family."""
    from websockets.exceptions import InvalidMessage, InvalidStatus, InvalidURI, WebSocketException

    where = _host_port(request.url)
    try:
        yield
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise HandshakeError(
            f"Unexpected server response: {status} from {where} (the server refused the "
            "WebSocket upgrade; check the URL path, credentials and headers)",
            url=request.url,
            status=status,
        ) from exc
    except InvalidMessage as exc:
        raise HandshakeError(
            f"Invalid handshake response from {where}: {exc} (is it a WebSocket server?)",
            url=request.url,
        ) from exc
    except InvalidURI as exc:
        url = redacted_url(request.url)
        raise ConnectError(f"Invalid URL {url!r}: {exc}", url=url) from exc
    except WebSocketException as exc:
        raise HandshakeError(
            f"WebSocket handshake with {where} failed: {exc}", url=request.url
        ) from exc
    except ssl.SSLCertVerificationError as exc:
        raise TLSError(
            f"TLS certificate verification failed for {where}: {exc.verify_message or exc} "
            "(use a trusted certificate, set caFile to trust a private CA, or, in development "
            "only, rejectUnauthorized: false)",
            url=request.url,
            code="CERTIFICATE",
        ) from exc
    except ssl.SSLError as exc:
        raise TLSError(f"TLS handshake with {where} failed: {exc}", url=request.url) from exc
    except TimeoutError as exc:
        ms = round((request.open_timeout or 0) * 1000)
        raise ConnectTimeoutError(
            f"Opening handshake has timed out after {ms} ms (ETIMEDOUT) connecting to {where}",
            url=request.url,
        ) from exc
    except socket.gaierror as exc:
        raise ConnectError(
            f"getaddrinfo ENOTFOUND {where}: {exc.strerror} (check the host name)",
            url=request.url,
            code="ENOTFOUND",
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED or isinstance(exc, builtins_refused()):
            raise ConnectionRefusedError(
                f"connect ECONNREFUSED {where} (is the server running?)", url=request.url
            ) from exc
        name = errno.errorcode.get(exc.errno or 0, "ECONNECT")
        raise ConnectError(
            f"connect {name} {where}: {exc.strerror or exc}", url=request.url, code=name
        ) from exc


def builtins_refused() -> type[OSError]:
    import builtins

    return builtins.ConnectionRefusedError


class WebsocketsTransport:
    """One open `websockets` client connection, read by a single reader task."""

    def __init__(self, conn: ClientConnection, listener: TransportListener) -> None:
        self._conn = conn
        self._listener = listener
        self._reader = asyncio.get_running_loop().create_task(self._read())

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
            raise ConnectionClosedError(
                "Cannot send: the connection is closed", code=conn.close_code or 1006
            )
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
            raise ConnectionClosedError(
                f"Cannot send: the connection is closed ({exc})", code=_code(exc)
            ) from exc

    async def ping(self, data: bytes = b"") -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            waiter = await self._conn.ping(data)
        except ConnectionClosed as exc:
            raise ConnectionClosedError(f"Cannot ping: the connection is closed ({exc})") from exc
        listener = self._listener

        def pong(fut: asyncio.Future[float]) -> None:
            if not fut.cancelled() and fut.exception() is None:
                listener.on_pong(data)

        waiter.add_done_callback(pong)  # type: ignore[attr-defined]

    async def close(self, code: int = 1000, reason: str = "") -> None:
        from websockets.exceptions import ConnectionClosed

        check_close(code, reason)  # a code websockets refuses must fail, not hang
        with contextlib.suppress(ConnectionClosed):
            await self._conn.close(code, reason)
        # on_close is delivered by the reader; wait for it so "closed" means closed.
        await asyncio.shield(self._reader)

    def abort(self) -> None:
        transport = self._conn.transport
        if transport is not None:
            transport.abort()

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
            error = exc.__cause__ if exc.__cause__ is not None else None
            # Only a close *we* started is our failure; echoing the peer's 1008/1011 is clean.
            we_failed = exc.sent is not None and exc.sent.code in _FAILURE_CODES
            if error is None and we_failed and not exc.rcvd_then_sent:
                error = exc
        except Exception as exc:  # a listener bug must not kill the reader silently
            error = exc
            self.abort()
        with contextlib.suppress(Exception):
            await self._conn.wait_closed()
        listener.on_close(*self._close_status(error), error)

    def _close_status(self, error: BaseException | None) -> tuple[int, str]:
        proto = self._conn.protocol
        sent, rcvd = proto.close_sent, proto.close_rcvd
        # We failed the connection (protocol error, message too big): report our code.
        if sent is not None and sent.code in _FAILURE_CODES and not proto.close_rcvd_then_sent:
            return int(sent.code), sent.reason
        if rcvd is not None:
            return int(rcvd.code), rcvd.reason
        return 1006, ""


def _code(exc: Any) -> int:
    rcvd = getattr(exc, "rcvd", None)
    return int(rcvd.code) if rcvd is not None else 1006


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
        }
        if request.url.startswith("wss://"):
            kwargs["ssl"] = request.ssl if request.ssl is not None else ssl.create_default_context()
        with _map_open_errors(request):
            conn = await connect(request.url, **kwargs)
        return WebsocketsTransport(conn, listener)


def _proxy_arg(proxy: str | None) -> str | bool | None:
    if proxy is None:
        return None
    if proxy == "env":
        return True
    return proxy
