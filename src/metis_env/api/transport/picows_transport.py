"""The `picows` transport: the fast one, behind the same seam as ``websockets``.

picows hands us raw frames through plain synchronous callbacks and leaves several jobs to its
user (its ``guides.rst`` and the DANGER blocks in ``picows.pyx``). This adapter does them, so
the listener only ever sees what the seam promises:

* it reassembles fragmented messages (RFC 6455 §5.4) and enforces ``max_size`` across the
  fragments (picows only bounds single frames), failing with 1009;
* it validates UTF-8 of complete text messages, failing with 1007;
* it answers CLOSE frames, echoing the code (§5.5.1); picows answers PINGs (``enable_auto_pong``);
* it copies every payload before ``on_ws_frame`` returns (a ``WSFrame`` points into the read
  buffer);
* it rejects what picows lets through: continuation without a start, a new data frame inside a
  fragmented message, reserved bits without an extension (1002); picows itself rejects
  fragmented or oversized control frames and most bad close codes;
* it delivers ``on_close`` exactly once, last, and maps picows' exceptions to ours.

The receive path creates no task and no future: ``on_ws_frame`` calls the listener directly.
picows is imported lazily, so metis-env works without the ``fast`` extra. The connection
itself lives in `_picows_connection`; this module opens it and translates errors.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
import sys
from typing import Any
from urllib.parse import urlsplit

from metis_env.api.errors import (
    ConfigError,
    ConnectError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    TLSError,
)
from metis_env.api.logs import redacted_url
from metis_env.api.transport._picows_connection import PicowsTransport, State
from metis_env.api.transport._tls import default_context
from metis_env.api.transport.base import OpenRequest, TransportListener

#: Initial read buffer per connection (bytes); see `PicowsConnector.open`.
READ_BUFFER_INIT = 2048
#: picows over asyncio's own transports instead of aiofastnet: about 5 KiB less per idle
#: connection, with no CPU cost we could measure (benchmarks/README.md).
USE_AIOFASTNET = False

__all__ = ["PicowsConnector", "PicowsTransport", "State"]

_EXTRA = "needs the optional dependency: pip install 'metis-env[fast]'"
_UNSUPPORTED = "is not supported by the picows transport; use transport 'websockets'"


_listener_cls: type[PicowsTransport] | None = None
_picows: Any = None  # the picows module, once imported


def _listener_class() -> type[PicowsTransport]:
    """Import picows and build the class it drives (once)."""
    global _listener_cls, _picows
    if _listener_cls is None:
        try:
            import picows
        except ImportError as exc:
            raise ConfigError("transport", "picows", _EXTRA) from exc

        class _Listener(PicowsTransport, picows.WSListener):
            _TEXT = picows.WSMsgType.TEXT
            _BINARY = picows.WSMsgType.BINARY
            _CONTINUATION = picows.WSMsgType.CONTINUATION
            _PONG = picows.WSMsgType.PONG
            _CLOSE = picows.WSMsgType.CLOSE
            _CLOSE_CODE = picows.WSCloseCode

        _Listener.__name__ = _Listener.__qualname__ = "PicowsTransport"
        _listener_cls, _picows = _Listener, picows
    return _listener_cls


#: picows' own client logger, looked up once rather than by picows on every connect.
_CLIENT_LOGGER = logging.getLogger("picows.client")


class PicowsConnector:
    """Opens connections with picows. No compression, no proxy: use ``websockets`` for those."""

    name = "picows"

    async def open(self, request: OpenRequest, listener: TransportListener) -> PicowsTransport:
        """Open a connection; see `metis_env.api.transport.base` for the contract.

        Raises:
            ConfigError: picows is not installed, or compression/proxy was asked for.
            ConnectError: one of its subclasses, with picows' or the OS's message kept.
        """
        if request.compression:
            raise ConfigError("compression", True, _UNSUPPORTED)
        if request.proxy is not None:
            raise ConfigError("proxy", request.proxy, _UNSUPPORTED)
        cls = _listener_class()
        picows = _picows
        built: list[PicowsTransport] = []
        abandoned = False

        def factory() -> Any:  # a picows.WSListener: the class comes from _listener_class
            conn = cls(request, listener)
            if abandoned:
                conn._muted = True  # open() gave up already; on_ws_connected drops it
            built.append(conn)
            return conn

        # picows bounds single frames; the connection bounds whole messages.
        max_frame_size = sys.maxsize if request.max_size is None else request.max_size
        # open_timeout bounds TCP connect + TLS + upgrade, as asyncio.timeout would, for less
        # than half its cost (a timer that cancels this task; callgrind, benchmarks/README);
        # picows' own handshake timer also closes a socket we stopped waiting for.
        task = asyncio.current_task()
        expired = False
        guard = None
        if request.open_timeout is not None and task is not None:
            cancelling = task.cancelling()

            def expire() -> None:
                nonlocal expired
                expired = True
                task.cancel()

            guard = task.get_loop().call_later(request.open_timeout, expire)
        try:
            try:
                _, conn = await picows.ws_connect(
                    factory,
                    request.url,
                    # picows would build a new default context per wss:// connect.
                    ssl_context=request.ssl or _default_ssl(request.url),
                    websocket_handshake_timeout=request.open_timeout,
                    enable_auto_pong=True,
                    max_frame_size=max_frame_size,
                    extra_headers=_headers(request),
                    max_redirects=5,
                    # Grows exponentially when a frame does not fit. A smaller start saves
                    # idle memory but means more, smaller reads under load (see benchmarks).
                    read_buffer_init_size=READ_BUFFER_INIT,
                    use_aiofastnet=USE_AIOFASTNET,
                    logger_name=_CLIENT_LOGGER,
                )
            except asyncio.CancelledError:
                # Ours (the deadline) and nobody else's: a timeout, as asyncio.timeout says.
                if expired and task is not None and task.uncancel() <= cancelling:
                    raise TimeoutError from None
                raise
            finally:
                if guard is not None:
                    guard.cancel()
            if not isinstance(conn, PicowsTransport):
                raise ConnectError(
                    "The server closed the connection during the opening handshake",
                    url=redacted_url(request.url),
                    code="ECONNRESET",
                )
            _check_response(conn, request)
        except BaseException as exc:
            abandoned = True
            for built_conn in built:
                built_conn._discard()
            if isinstance(exc, Exception) and not isinstance(exc, ConnectError):
                raise _open_error(exc, request, picows) from exc
            raise
        if conn._held:
            conn._loop.call_soon(conn._release)  # replay what came during open(), in order
        else:
            conn._held = None  # nothing held: deliver directly from now on
        return conn


def _default_ssl(url: str) -> ssl.SSLContext | None:
    return default_context() if url.startswith("wss:") else None


def _headers(request: OpenRequest) -> list[tuple[str, str]]:
    headers = list(request.headers.items())
    if request.subprotocols:
        headers.append(("Sec-WebSocket-Protocol", ", ".join(request.subprotocols)))
    if request.user_agent is not None and all(k.lower() != "user-agent" for k, _ in headers):
        headers.append(("User-Agent", request.user_agent))
    return headers


def _check_response(conn: PicowsTransport, request: OpenRequest) -> None:
    """picows negotiates neither sub-protocols nor extensions: check what the server chose."""
    chosen = conn.subprotocol
    if chosen is not None and chosen not in request.subprotocols:
        offered = ", ".join(request.subprotocols) or "none"
        raise HandshakeError(
            f"Server selected subprotocol {chosen!r}, which was not offered (offered: {offered})",
            url=request.url,
            status=101,
        )
    assert conn._ws is not None
    extensions = conn._ws.response.headers.get("Sec-WebSocket-Extensions")
    if extensions:
        raise HandshakeError(
            f"Server accepted extensions that were not offered: {extensions}",
            url=request.url,
            status=101,
        )


def _open_error(exc: Exception, request: OpenRequest, picows: Any) -> ConnectError:
    """Translate picows', asyncio's and the OS's errors into ours, most specific first.

    Called on the error path only, so a successful open pays nothing for it.
    """
    parts = urlsplit(request.url)
    host = parts.hostname or "?"
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        port = 0
    where = f"{host}:{port}"
    url = redacted_url(request.url)  # errors never show a query secret
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TLSError(
            f"TLS certificate verification failed for {where}: {exc} (use a trusted "
            "certificate, set caFile to trust a private CA, or, in development only, "
            "rejectUnauthorized: false)",
            url=url,
            code="CERTIFICATE",
        )
    if isinstance(exc, ssl.SSLError):
        return TLSError(f"TLS handshake with {where} failed: {exc}", url=url)
    if isinstance(exc, TimeoutError):
        if exc.errno == errno.ETIMEDOUT:  # the OS gave up on the TCP connect
            return ConnectTimeoutError(f"connect ETIMEDOUT {where}", url=url)
        ms = round((request.open_timeout or 0) * 1000)
        return ConnectTimeoutError(
            f"Opening handshake has timed out after {ms} ms (ETIMEDOUT)", url=url
        )
    if isinstance(exc, picows.WSHandshakeError):
        status = int(exc.response.status) if exc.response is not None else None
        if status is not None and status != 101:
            message = f"Unexpected server response: {status}"
        else:
            message = f"Invalid opening handshake from {where}: {exc}"
        return HandshakeError(message, url=url, status=status)
    if isinstance(exc, picows.WSError):
        return ConnectError(f"Could not open {url}: {exc}", url=url)
    if isinstance(exc, socket.gaierror):
        return ConnectError(
            f"getaddrinfo ENOTFOUND {host} ({exc.strerror})", url=url, code="ENOTFOUND"
        )
    if isinstance(exc, OSError):
        if exc.errno == errno.ECONNREFUSED or (
            exc.errno is None and f"[Errno {errno.ECONNREFUSED}]" in str(exc)
        ):
            return ConnectRefusedError(f"connect ECONNREFUSED {where}", url=url)
        name = errno.errorcode.get(exc.errno or 0, "ECONNECT")
        return ConnectError(f"connect {name} {where}: {exc}", url=url, code=name)
    return ConnectError(f"Could not open {url}: {exc}", url=url)
