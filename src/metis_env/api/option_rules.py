"""The rule for each `WebSocketApiOptions` value: one checker per option, plus the ranges.

A checker takes ``(key as the user spelled it, value, issues)`` and returns the value to
store (``port`` "9001" becomes 9001, a tuple of subprotocols a list) or `BAD` after appending
a `ConfigIssue` that says, in words, what the value must be. Collecting issues instead of
raising lets `WebSocketApiOptions.parse` report every problem of a config at once.

Types are strict, like the original's zod schema: no coercion of ``"true"`` or ``"5000"``,
and an integer is an ``int`` (not a ``bool``, not ``5000.0``). Only ``port`` also takes a
string of digits, as the original does; unlike it, 0 and values above 65535 are refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from metis_env.api.errors import ConfigIssue
from metis_env.api.url import split_host

__all__ = ["BAD", "CHECKERS", "RANGES", "Checker", "split_host_cached"]

#: Inclusive integer ranges ``(min, max)`` by field name; ``None`` as max means no upper bound.
RANGES: Mapping[str, tuple[int, int | None]] = MappingProxyType(
    {
        "port": (1, 65535),
        "connect_timeout": (1000, 60000),
        "close_timeout": (0, 60000),
        "keep_alive_interval": (0, 300000),
        "keep_alive_timeout": (0, 60000),
        "reconnect_delay": (250, 60000),
        "max_reconnect_delay": (1000, 300000),
        "max_queue_size": (1, 10000),
        "max_message_size": (1, 2**31),
        "max_reconnect_attempts": (1, None),
        "max_reconnect_time": (1000, None),
        "min_uptime": (0, 3600000),
    }
)

#: `split_host` memoised: options are built once per client, usually from the same few hosts,
#: and the host is taken apart twice per build (its checker, then the path/query rule).
#: Its result is an immutable tuple; a host that fails raises again each time (not cached).
split_host_cached = functools.lru_cache(maxsize=256)(split_host)

BAD: Any = object()  # a checker's "this value failed" marker (its issue is already recorded)
Checker = Callable[[str, Any, list[ConfigIssue]], Any]
_DIGITS = re.compile(r"[0-9]{1,6}")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 §5.6.2
_HANDSHAKE_HEADERS = (
    "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version",
    "sec-websocket-accept", "sec-websocket-extensions", "sec-websocket-protocol",
)  # fmt: skip
_PROXY_SCHEMES = ("http", "https", "socks4", "socks5")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bad(issues: list[ConfigIssue], key: str, value: Any, rule: str) -> Any:
    issues.append(ConfigIssue(key=key, value=value, rule=rule))
    return BAD


def _int(field: str, unit: str = "", nullable: bool = False) -> Checker:
    low, high = RANGES[field]
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"
    rule = f"must be an integer {span}" + (f" ({unit})" if unit else "")
    rule += ", or null for no limit" if nullable else ""

    def check(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
        if value is None and nullable:
            return None
        if _is_int(value) and low <= value and (high is None or value <= high):
            return int(value)
        return _bad(issues, key, value, rule)

    return check


def _bool(nullable: bool = False) -> Checker:
    rule = "must be true or false (a JSON boolean, not a string)"
    rule += ", or null for the default" if nullable else ""

    def check(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
        if isinstance(value, bool) or (value is None and nullable):
            return value
        return _bad(issues, key, value, rule)

    return check


def _choice(*choices: str) -> Checker:
    rule = "must be " + " or ".join(repr(choice) for choice in choices)

    def check(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
        if isinstance(value, str) and value in choices:
            return value
        return _bad(issues, key, value, rule)

    return check


def _unsafe_text(text: str) -> bool:
    return any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in text)


def _file(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if value is None or (isinstance(value, str) and value):
        return value
    return _bad(issues, key, value, "must be the path of a PEM file (a non-empty string)")


def _port(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if value is None:
        return None
    number = 0
    if _is_int(value):
        number = int(value)
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    if 1 <= number <= 65535:
        return number
    rule = "must be an integer from 1 to 65535, or a string of digits in that range"
    return _bad(issues, key, value, rule)


def _host(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        rule = "must be a string: a host name or IP address, optionally with ':port'"
        return _bad(issues, key, value, rule)
    if value:  # "" means "no host" (localhost), as in the original
        try:
            split_host_cached(value)
        except ValueError as exc:
            return _bad(issues, key, value, str(exc))
    return value


def _path(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if isinstance(value, str) and not _unsafe_text(value) and not set(value) & {"?", "#"}:
        if value == "" or value.startswith("/"):
            return value
    rule = "must be empty or start with '/', without '?', '#' or whitespace (use query)"
    return _bad(issues, key, value, rule)


def _query(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and not _unsafe_text(value) and "#" not in value:
        return value
    if not isinstance(value, Mapping):
        rule = "must be a query string like 'a=1&b=2' (no '#', no spaces), or an object of strings"
        return _bad(issues, key, value, rule)
    start = len(issues)
    for name, item in value.items():
        if not isinstance(name, str) or not isinstance(item, str):
            _bad(issues, f"{key}.{name}", item, "must be a string (query values are text)")
    return dict(value) if len(issues) == start else BAD


def _headers(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if not isinstance(value, Mapping):
        return _bad(issues, key, value, "must be an object mapping header names to strings")
    start, seen = len(issues), dict[Any, str]()
    for name, item in value.items():
        sub = f"{key}.{name}"
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            _bad(issues, sub, item, "is not a valid HTTP header name")
        elif name.lower() in _HANDSHAKE_HEADERS:
            rule = "is set by the WebSocket handshake itself; use host, subprotocols or compression"
            _bad(issues, sub, item, rule)
        elif name.lower() in seen:
            _bad(issues, sub, item, f"repeats header {seen[name.lower()]!r} (names ignore case)")
        elif not isinstance(item, str) or set(item) & {"\r", "\n", "\0"}:
            _bad(issues, sub, item, "must be a string without line breaks")
        seen[name.lower() if isinstance(name, str) else name] = name
    return dict(value) if len(issues) == start else BAD


def _subprotocols(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if isinstance(value, list | tuple) and all(
        isinstance(item, str) and _TOKEN.fullmatch(item) for item in value
    ):
        if len(set(value)) == len(value):
            return list(value)
    rule = "must be a list of distinct subprotocol names (tokens such as 'graphql-ws')"
    return _bad(issues, key, value, rule)


def _proxy(key: str, value: Any, issues: list[ConfigIssue]) -> Any:
    if value is None or value == "env":
        return value
    if isinstance(value, str) and not _unsafe_text(value):
        try:
            parts = urlsplit(value)
            if parts.scheme in _PROXY_SCHEMES and parts.hostname and parts.port != 0:
                return value
        except ValueError:  # a bad port or an unclosed '[' in the URL
            pass
    rule = "must be 'env' or a proxy URL like 'http://proxy:3128' (http, https, socks4, socks5)"
    return _bad(issues, key, value, rule)


CHECKERS: dict[str, Checker] = {
    "protocol": _choice("ws", "wss"),
    "host": _host,
    "port": _port,
    "path": _path,
    "query": _query,
    "reject_unauthorized": _bool(nullable=True),
    "connect_timeout": _int("connect_timeout", "milliseconds"),
    "close_timeout": _int("close_timeout", "milliseconds"),
    "auto_reconnect": _bool(),
    "keep_alive_interval": _int("keep_alive_interval", "milliseconds; 0 disables keepalive"),
    "keep_alive_timeout": _int("keep_alive_timeout", "milliseconds; 0 never drops"),
    "reconnect_delay": _int("reconnect_delay", "milliseconds"),
    "max_reconnect_delay": _int("max_reconnect_delay", "milliseconds"),
    "queue_while_disconnected": _bool(),
    "max_queue_size": _int("max_queue_size", "messages"),
    "headers": _headers,
    "subprotocols": _subprotocols,
    "ca_file": _file,
    "cert_file": _file,
    "key_file": _file,
    "max_message_size": _int("max_message_size", "bytes", nullable=True),
    "compression": _bool(),
    "transport": _choice("auto", "websockets", "picows"),
    "max_reconnect_attempts": _int("max_reconnect_attempts", "attempts", nullable=True),
    "max_reconnect_time": _int("max_reconnect_time", "milliseconds", nullable=True),
    "min_uptime": _int("min_uptime", "milliseconds"),
    "proxy": _proxy,
}
