"""Every exception metis-env raises, in one place.

The hierarchy (a builtin in brackets is a second base class, so ``except`` clauses written
for the standard library catch ours too)::

    MetisEnvError                       root: `except MetisEnvError` catches all of ours
    ├── ConfigError [ValueError]        bad input: a config key, an argument, a close code
    │   └── InvalidConfigurationError   `from_config` rejected a config (one or more issues)
    ├── EncodeError [TypeError]         a message could not be serialised to JSON
    └── WebSocketError                  something about a connection
        ├── ConnectError                an attempt to open a connection failed
        │   ├── ConnectRefusedError     nothing listens there (ECONNREFUSED)
        │   │     [ConnectionRefusedError, so also OSError]
        │   ├── ConnectTimeoutError     the handshake did not finish in time (ETIMEDOUT)
        │   │     [TimeoutError, so also OSError]
        │   ├── TLSError                TLS failed, e.g. certificate verification
        │   ├── HandshakeError          the server answered, but not with 101 (status kept)
        │   └── ConnectAbortedError     superseded, or closed before it opened
        ├── NotConnectedError           a send with no open connection and no queue
        ├── SendQueueFullError          the send queue is at maxQueueSize
        ├── SendQueueClearedError       a queued send was dropped by disconnect()/clear_queue()
        ├── ConnectionClosedError       the peer or the network broke an open connection
        │   └── MessageTooBigError      an incoming message exceeded maxMessageSize (1009)
        ├── ClosedError                 you closed it: the operation needs an open client
        └── RequestTimeoutError         a request/wait got no matching reply in time
              [TimeoutError]

No public name shadows a builtin: the refused connection is `ConnectRefusedError` (it *is*
a builtin `ConnectionRefusedError`, with ``errno`` set to ``ECONNREFUSED``), the connect
timeout a `TimeoutError` with ``errno`` ``ETIMEDOUT``. Every class pickles (its data
survives a round trip), so errors can cross process boundaries.

Messages that target scripts match on are kept verbatim from the METIS seed
(`WebSocket is not connected`, `WebSocket send queue is full.`, `Send queue cleared.`,
`Invalid WebSocket API configuration: …`). Exceptions keep their data as attributes and
build their text in ``__str__``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ClosedError",
    "ConfigError",
    "ConfigIssue",
    "ConnectAbortedError",
    "ConnectError",
    "ConnectRefusedError",
    "ConnectTimeoutError",
    "ConnectionClosedError",
    "EncodeError",
    "HandshakeError",
    "InvalidConfigurationError",
    "MessageTooBigError",
    "MetisEnvError",
    "NotConnectedError",
    "RequestTimeoutError",
    "SendQueueClearedError",
    "SendQueueFullError",
    "TLSError",
    "WebSocketError",
    "redact_value",
]

#: The prefix of every `from_config` failure, verbatim from the original (seed: Configuration
#: Errors).
CONFIG_ERROR_PREFIX = "Invalid WebSocket API configuration: "


class _Missing:
    """The "no value given" marker; pickles as the one module-level instance."""

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self) -> str:
        return "_MISSING"


_MISSING: Any = _Missing()


def redact_value(key: str | None, value: Any) -> str:
    """Render ``value`` for an error message, hiding it when ``key`` looks secret."""
    from metis_env.api.secrets import is_secret_key  # local: secrets imports nothing of errors

    if key is not None and is_secret_key(key):
        return "'***'"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class MetisEnvError(Exception):
    """Raised for every failure metis-env reports; the root of the hierarchy."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem with one input: which key, what value, which rule it breaks."""

    key: str
    rule: str
    value: Any = _MISSING

    def __str__(self) -> str:
        if self.value is _MISSING:
            return f"{self.key}: {self.rule}"
        return f"{self.key}: {self.rule} (got {redact_value(self.key, self.value)})"


class ConfigError(MetisEnvError, ValueError):
    """Raised when an input (config key, argument, close code, …) breaks a rule.

    Attributes:
        key: the offending key (dotted path for nested input), or ``None``.
        value: the offending value (never shown when the key looks secret).
        rule: what the value must be, in words.
    """

    def __init__(self, key: str | None, value: Any = _MISSING, rule: str = "") -> None:
        super().__init__(key, value, rule)
        self.key = key
        self.value = None if value is _MISSING else value
        self._has_value = value is not _MISSING
        self.rule = rule

    def __str__(self) -> str:
        subject = self.key if self.key is not None else "value"
        if not self._has_value:
            return f"{subject}: {self.rule}"
        return f"{subject}: {self.rule} (got {redact_value(self.key, self.value)})"


class InvalidConfigurationError(ConfigError):
    """Raised when `WebSocketApi.from_config` (or the constructor) rejects a config.

    The message starts with ``Invalid WebSocket API configuration:`` (the original's prefix)
    and lists every issue, one per line. ``issues`` holds them as `ConfigIssue` objects;
    ``key``/``value``/``rule`` describe the first one.
    """

    def __init__(self, issues: Sequence[ConfigIssue], prefix: str = CONFIG_ERROR_PREFIX) -> None:
        first = issues[0] if issues else ConfigIssue("config", "is invalid")
        super().__init__(first.key, first.value, first.rule)
        self.issues = tuple(issues)
        self.prefix = prefix

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.issues, self.prefix), self.__dict__

    def __str__(self) -> str:
        lines = [str(issue) for issue in self.issues]
        if len(lines) == 1:
            return self.prefix + lines[0]
        return self.prefix + f"{len(lines)} issues:\n" + "\n".join(f"  - {x}" for x in lines)


class EncodeError(MetisEnvError, TypeError):
    """Raised when a message cannot be serialised to JSON (circular, NaN, unsupported type)."""


class WebSocketError(MetisEnvError):
    """Raised for failures of a WebSocket connection; ``url`` names it when known."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        return self.message


class ConnectError(WebSocketError):
    """Raised when an attempt to open a connection fails.

    ``code`` is a short token scripts can match on (``ECONNREFUSED``, ``ETIMEDOUT``,
    ``CERTIFICATE``, ``HTTP_503``, …); the message always contains it or its words.
    """

    code: str = "ECONNECT"

    def __init__(self, message: str, *, url: str | None = None, code: str | None = None) -> None:
        super().__init__(message, url=url)
        if code is not None:
            self.code = code


class ConnectRefusedError(ConnectError, ConnectionRefusedError):
    """Raised when nothing accepts the TCP connection (the message contains ``ECONNREFUSED``).

    Also a builtin `ConnectionRefusedError` (so an `OSError`), with ``errno`` ``ECONNREFUSED``.
    """

    code = "ECONNREFUSED"

    def __init__(self, message: str, *, url: str | None = None, code: str | None = None) -> None:
        super().__init__(message, url=url, code=code)
        # OSError parses (errno, strerror) from args only when __init__ is not overridden.
        self.errno = errno.ECONNREFUSED
        self.strerror = os.strerror(errno.ECONNREFUSED)


class ConnectTimeoutError(ConnectError, TimeoutError):
    """Raised when the opening handshake does not finish within connectTimeout (``ETIMEDOUT``).

    Also a builtin `TimeoutError` (so an `OSError`), with ``errno`` ``ETIMEDOUT``.
    """

    code = "ETIMEDOUT"

    def __init__(self, message: str, *, url: str | None = None, code: str | None = None) -> None:
        super().__init__(message, url=url, code=code)
        self.errno = errno.ETIMEDOUT
        self.strerror = os.strerror(errno.ETIMEDOUT)


class TLSError(ConnectError):
    """Raised when the TLS handshake fails; verification failures mention ``certificate``."""

    code = "ETLS"


class HandshakeError(ConnectError):
    """Raised when the server answers the upgrade with something other than 101.

    ``status`` holds the HTTP status (``None`` when the answer was not HTTP at all).
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message, url=url, code=f"HTTP_{status}" if status else "EHANDSHAKE")
        self.status = status


class ConnectAbortedError(ConnectError):
    """Raised when an attempt is abandoned: superseded by another connect(), or disconnected."""

    code = "EABORTED"


class NotConnectedError(WebSocketError):
    """Raised when sending with no open connection and queueing disabled."""

    def __init__(self, message: str = "WebSocket is not connected", *, url: str | None = None):
        super().__init__(message, url=url)


class SendQueueFullError(WebSocketError):
    """Raised when a send would be queued but the queue already holds maxQueueSize messages."""

    def __init__(self, message: str = "WebSocket send queue is full.", *, url: str | None = None):
        super().__init__(message, url=url)


class SendQueueClearedError(WebSocketError):
    """Raised into queued sends dropped by ``disconnect()`` or ``clear_queue()``."""

    def __init__(self, message: str = "Send queue cleared.", *, url: str | None = None):
        super().__init__(message, url=url)


class ConnectionClosedError(WebSocketError):
    """Raised when the peer or the network broke the connection an operation was using.

    ``code`` and ``reason`` are the close code and reason seen (1006 when none was received).
    """

    def __init__(
        self, message: str, *, url: str | None = None, code: int = 1006, reason: str = ""
    ) -> None:
        super().__init__(message, url=url)
        self.code = code
        self.reason = reason


class ClosedError(WebSocketError):
    """Raised when the operation needs a client you already closed or disposed of."""


class MessageTooBigError(ConnectionClosedError):
    """Raised when an incoming message exceeded maxMessageSize: the connection was closed
    with 1009, so ``code`` is 1009 and ``except ConnectionClosedError`` catches it."""

    def __init__(
        self, message: str, *, url: str | None = None, code: int = 1009, reason: str = ""
    ) -> None:
        super().__init__(message, url=url, code=code, reason=reason)


class RequestTimeoutError(WebSocketError, TimeoutError):
    """Raised when a request or wait got no matching message within its timeout."""
