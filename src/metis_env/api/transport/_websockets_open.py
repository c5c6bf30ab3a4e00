"""What opening a `websockets` connection can raise, translated to our errors.

`map_open_errors` is the one place that does it, most specific first, re-raising ``from``
the original so the library's message and traceback stay visible (httpx's
``map_httpcore_exceptions``).

Through a proxy, websockets opens TCP to the *proxy* only; the proxy opens the connection to
the server. So a refused connection, a host not found or a timeout while connecting concern
the proxy: those errors name the proxy (redacted: no password), say it was the proxy, and
still name the server the tunnel was for. A proxy that answers but will not open the tunnel
(HTTP CONNECT refused, SOCKS failure) is reported as such. The proxy in use is only worked
out on these error paths, so connecting costs nothing extra.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import ssl
from collections.abc import Iterator

from metis_env.api.errors import (
    ConfigError,
    ConnectError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    TLSError,
)
from metis_env.api.logs import redacted_url
from metis_env.api.transport.base import OpenRequest

__all__ = ["host_port", "map_open_errors"]


def host_port(url: str) -> str:
    """``host:port`` (as written) of a URL, without scheme, userinfo, path or query."""
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]


def _proxy_in_use(request: OpenRequest) -> str | None:
    """The proxy URL websockets connects through for ``request`` (None: a direct connection)."""
    if request.proxy != "env":
        return request.proxy
    from websockets.proxy import get_proxy
    from websockets.uri import parse_uri

    try:
        return get_proxy(parse_uri(request.url))
    except Exception:  # an unparsable URL fails elsewhere; here it just means "unknown"
        return None


@contextlib.contextmanager
def map_open_errors(request: OpenRequest) -> Iterator[None]:
    """Translate everything `websockets.connect` can raise into our ConnectError family."""
    from websockets.exceptions import (
        InvalidMessage,
        InvalidProxy,
        InvalidProxyStatus,
        InvalidStatus,
        InvalidURI,
        ProxyError,
        WebSocketException,
    )

    url = redacted_url(request.url)
    where = host_port(request.url)
    try:
        yield
    except InvalidProxyStatus as exc:
        status = exc.response.status_code
        proxy = redacted_url(_proxy_in_use(request) or "?")
        raise HandshakeError(
            f"The proxy {proxy} refused to open a tunnel to {where}: HTTP {status} (check the "
            "proxy's credentials and whether it allows this destination)",
            url=url,
            status=status,
        ) from exc
    except ProxyError as exc:  # the proxy answered, but not with a tunnel (HTTP or SOCKS)
        proxy = redacted_url(_proxy_in_use(request) or "?")
        detail = f"{exc}: {exc.__cause__}" if exc.__cause__ is not None else str(exc)
        raise ConnectError(
            f"The proxy {proxy} could not open a tunnel to {where}: {detail}",
            url=url,
            code="EPROXY",
        ) from exc
    except InvalidProxy as exc:
        raise ConfigError(
            "proxy", redacted_url(request.proxy or ""), f"is not a usable proxy URL: {exc}"
        ) from exc
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise HandshakeError(
            f"Unexpected server response: {status} from {where} (the server refused the "
            "WebSocket upgrade; check the URL path, credentials and headers)",
            url=url,
            status=status,
        ) from exc
    except InvalidMessage as exc:
        raise HandshakeError(
            f"Invalid handshake response from {where}: {exc} (is it a WebSocket server?)",
            url=url,
        ) from exc
    except InvalidURI as exc:
        raise ConnectError(f"Invalid URL {url!r}: {exc}", url=url) from exc
    except WebSocketException as exc:
        raise HandshakeError(f"WebSocket handshake with {where} failed: {exc}", url=url) from exc
    except ssl.SSLCertVerificationError as exc:
        raise TLSError(
            f"TLS certificate verification failed for {where}: {exc.verify_message or exc} "
            "(use a trusted certificate, set caFile to trust a private CA, or, in development "
            "only, rejectUnauthorized: false)",
            url=url,
            code="CERTIFICATE",
        ) from exc
    except ssl.SSLError as exc:
        raise TLSError(f"TLS handshake with {where} failed: {exc}", url=url) from exc
    except TimeoutError as exc:
        ms = round((request.open_timeout or 0) * 1000)
        via_proxy = _proxy_in_use(request)
        via = f" through the proxy {redacted_url(via_proxy)}" if via_proxy else ""
        raise ConnectTimeoutError(
            f"Opening handshake has timed out after {ms} ms (ETIMEDOUT) connecting to {where}{via}",
            url=url,
        ) from exc
    except OSError as exc:
        via_proxy = _proxy_in_use(request)
        if via_proxy is not None:
            raise _proxy_unreachable(exc, via_proxy, where, url) from exc
        if isinstance(exc, socket.gaierror):
            raise ConnectError(
                f"getaddrinfo ENOTFOUND {where}: {exc.strerror} (check the host name)",
                url=url,
                code="ENOTFOUND",
            ) from exc
        if exc.errno == errno.ECONNREFUSED or isinstance(exc, ConnectionRefusedError):
            raise ConnectRefusedError(
                f"connect ECONNREFUSED {where} (is the server running?)", url=url
            ) from exc
        name = errno.errorcode.get(exc.errno or 0, "ECONNECT")
        raise ConnectError(
            f"connect {name} {where}: {exc.strerror or exc}", url=url, code=name
        ) from exc


def _proxy_unreachable(exc: OSError, proxy: str, where: str, url: str) -> ConnectError:
    """The error for a proxy that could not be reached at all (DNS, refused, other OS error)."""
    shown = redacted_url(proxy)
    at = host_port(proxy)
    target = f"(the WebSocket server {where} was not contacted)"
    # python-socks reports a DNS failure as an OSError with a negative (EAI_*) errno.
    if isinstance(exc, socket.gaierror) or (exc.errno is not None and exc.errno < 0):
        return ConnectError(
            f"getaddrinfo ENOTFOUND {at}: the proxy {shown} was not found; check the proxy "
            f"option {target}",
            url=url,
            code="ENOTFOUND",
        )
    if exc.errno == errno.ECONNREFUSED or isinstance(exc, ConnectionRefusedError):
        return ConnectRefusedError(
            f"connect ECONNREFUSED {at}: the proxy {shown} refused the connection; is the proxy "
            f"running, and is the proxy option right? {target}",
            url=url,
        )
    name = errno.errorcode.get(exc.errno or 0, "ECONNECT")
    return ConnectError(
        f"connect {name} {at}: could not reach the proxy {shown}: {exc.strerror or exc} {target}",
        url=url,
        code=name,
    )
