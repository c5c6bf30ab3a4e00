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
import contextlib
import errno
import socket
import ssl
import sys
from collections.abc import Iterator
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
from metis_env.api.transport.base import OpenRequest, TransportListener

#: Initial read buffer per connection (bytes); see `PicowsConnector.open`.
READ_BUFFER_INIT = 2048

__all__ = ["PicowsConnector", "PicowsTransport", "State"]

_EXTRA = "needs the optional dependency: pip install 'metis-env[fast]'"
_UNSUPPORTED = "is not supported by the picows transport; use transport 'websockets'"


_listener_cls: type[PicowsTransport] | None = None


def _listener_class() -> type[PicowsTransport]:
    """Import picows and build the class it drives (once)."""
    global _listener_cls
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
        _listener_cls = _Listener
    return _listener_cls


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
        import picows

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
        try:
            with _map_open_errors(request, picows):
                async with asyncio.timeout(request.open_timeout):
                    # picows' own handshake timer also closes a socket we stopped waiting for.
                    _, conn = await picows.ws_connect(
                        factory,
                        request.url,
                        ssl_context=request.ssl,
                        websocket_handshake_timeout=request.open_timeout,
                        enable_auto_pong=True,
                        max_frame_size=max_frame_size,
                        extra_headers=_headers(request),
                        max_redirects=5,
                        # Grows exponentially when a frame does not fit. A smaller start saves
                        # idle memory but means more, smaller reads under load (see benchmarks).
                        read_buffer_init_size=READ_BUFFER_INIT,
                    )
            if not isinstance(conn, PicowsTransport):
                raise ConnectError(
                    "The server closed the connection during the opening handshake",
                    url=redacted_url(request.url),
                    code="ECONNRESET",
                )
            _check_response(conn, request)
        except BaseException:
            abandoned = True
            for built_conn in built:
                built_conn._discard()
            raise
        conn._loop.call_soon(conn._release)
        return conn


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


@contextlib.contextmanager
def _map_open_errors(request: OpenRequest, picows: Any) -> Iterator[None]:
    """Translate picows', asyncio's and the OS's errors into ours, most specific first."""
    parts = urlsplit(request.url)
    host = parts.hostname or "?"
    try:
        port = parts.port or (443 if parts.scheme == "wss" else 80)
    except ValueError:
        port = 0
    where = f"{host}:{port}"
    url = redacted_url(request.url)  # errors never show a query secret
    try:
        yield
    except ConnectError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise TLSError(
            f"TLS certificate verification failed for {where}: {exc} (use a trusted "
            "certificate, set caFile to trust a private CA, or, in development only, "
            "rejectUnauthorized: false)",
            url=url,
            code="CERTIFICATE",
        ) from exc
    except ssl.SSLError as exc:
        raise TLSError(f"TLS handshake with {where} failed: {exc}", url=url) from exc
    except TimeoutError as exc:
        if exc.errno == errno.ETIMEDOUT:  # the OS gave up on the TCP connect
            raise ConnectTimeoutError(f"connect ETIMEDOUT {where}", url=url) from exc
        ms = round((request.open_timeout or 0) * 1000)
        raise ConnectTimeoutError(
            f"Opening handshake has timed out after {ms} ms (ETIMEDOUT)", url=url
        ) from exc
    except picows.WSHandshakeError as exc:
        status = int(exc.response.status) if exc.response is not None else None
        if status is not None and status != 101:
            message = f"Unexpected server response: {status}"
        else:
            message = f"Invalid opening handshake from {where}: {exc}"
        raise HandshakeError(message, url=url, status=status) from exc
    except picows.WSError as exc:
        raise ConnectError(f"Could not open {url}: {exc}", url=url) from exc
    except socket.gaierror as exc:
        raise ConnectError(
            f"getaddrinfo ENOTFOUND {host} ({exc.strerror})", url=url, code="ENOTFOUND"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED or (
            exc.errno is None and f"[Errno {errno.ECONNREFUSED}]" in str(exc)
        ):
            raise ConnectRefusedError(f"connect ECONNREFUSED {where}", url=url) from exc
        name = errno.errorcode.get(exc.errno or 0, "ECONNECT")
        raise ConnectError(f"connect {name} {where}: {exc}", url=url, code=name) from exc
    except Exception as exc:
        raise ConnectError(f"Could not open {url}: {exc}", url=url) from exc
