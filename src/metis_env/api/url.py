"""Building the WebSocket URL from the options: a pure function, no I/O.

The seed's table (``websocket-api.md`` §URL Building) is binding byte for byte::

    {protocol:'ws', host:'localhost', port:8080}  ->  ws://localhost:8080
    {protocol:'wss', host:'api.example.com'}      ->  wss://api.example.com:443
    {host:'example.com:9000'}                      ->  ws://example.com:9000
    {port:3000}                                    ->  ws://localhost:3000
    {}                                             ->  ws://localhost:80

Port precedence: a port inside ``host`` > the ``port`` option > the protocol's default
(80 for ``ws``, 443 for ``wss``). So ``{host:'example.com:9000', port:1}`` still gives
``ws://example.com:9000``, and ``{protocol:'wss', port:8443}`` gives ``wss://localhost:8443``.

Where this differs from the original (``metis-behaviour.md`` §1.3), on purpose:

* The original looks for "a colon followed by a digit anywhere" in ``host``; we parse the
  host properly. So an IPv6 literal keeps its port (``{host:'[::1]', port:5}`` ->
  ``ws://[::1]:5``; the original gave ``ws://[::1]``), and a bare ``::1`` is bracketed.
* A path in ``host`` goes after the port: ``example.com/path`` -> ``ws://example.com:80/path``
  (the original built the broken ``ws://example.com/path:80``). ``example.com:9000/ws?x=1``
  still gives ``ws://example.com:9000/ws?x=1``, for configs that relied on it.
* ``path`` and ``query`` are options of their own and are appended: ``{host:'h', path:'/ws',
  query:{'a':'1'}}`` -> ``ws://h:80/ws?a=1``. A query with no path is sent as ``/?a=1``.
* An empty ``host`` counts as absent in every case, so ``{host:'', port:3000}`` ->
  ``ws://localhost:3000`` (the original ignored the port there and gave ``ws://localhost:80``).
* Hosts that cannot make a sound URL are rejected instead of being glued in: a scheme
  (``ws://x``), whitespace, credentials (``user@``), a fragment, an empty label (``a..b``),
  a port outside 1..65535 (so port 0 is an error; the original built ``ws://h:0``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import NamedTuple, Protocol
from urllib.parse import quote, urlencode

from metis_env.api.errors import ConfigError

__all__ = ["HostParts", "UrlOptions", "build_url", "default_port", "encode_query", "split_host"]

_DIGITS = re.compile(r"[0-9]+")
# Characters that RFC 3986 never allows in a reg-name (nor in any part of a host option).
_FORBIDDEN_IN_NAME = frozenset('<>"{}|\\^`[]%')


class UrlOptions(Protocol):
    """What `build_url` reads: `WebSocketApiOptions` satisfies it (so does any look-alike)."""

    @property
    def protocol(self) -> str: ...
    @property
    def host(self) -> str | None: ...
    @property
    def port(self) -> int | None: ...
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> str | Mapping[str, str] | None: ...


class HostParts(NamedTuple):
    """A ``host`` option taken apart: name as written (IPv6 bracketed), port, path, query."""

    name: str
    port: int | None
    path: str
    query: str


def default_port(protocol: str) -> int:
    """Return the port used when neither ``host`` nor ``port`` names one: 443 for wss, else 80."""
    return 443 if protocol == "wss" else 80


def _port_in_host(text: str) -> int:
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise ValueError("has a port after ':' that is not an integer from 1 to 65535")
    return int(text)


def _check_ipv6(literal: str) -> None:
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        raise ValueError(
            "has an invalid IPv6 address; write IPv6 literals as [::1] or [::1]:8080"
        ) from None


def _check_name(name: str) -> None:
    if not name:
        raise ValueError("has no host name before the port or path")
    if any(char in _FORBIDDEN_IN_NAME for char in name):
        raise ValueError("contains a character not allowed in a host name")
    labels = name.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()  # one trailing dot is the DNS root of a fully qualified name
    if "" in labels:
        raise ValueError("has an empty label (like 'a..b' or a leading '.')")


def split_host(host: str) -> HostParts:
    """Take a non-empty ``host`` option apart, or say what is wrong with it.

    Accepts ``name``, ``name:port``, ``[v6]``, ``[v6]:port``, a bare IPv6 address, each
    optionally followed by ``/path`` and ``?query`` (kept for configs written for the
    original, which could only carry a path that way).

    Raises:
        ValueError: with the rule the host breaks, in words (no key, no value).
    """
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in host):
        raise ValueError("must not contain whitespace or control characters")
    if "://" in host:
        raise ValueError("must be a host name without a scheme (put 'ws' or 'wss' in protocol)")
    if "#" in host:
        raise ValueError("must not contain a fragment ('#')")
    cut = min((i for i in (host.find("/"), host.find("?")) if i >= 0), default=len(host))
    authority, rest = host[:cut], host[cut:]
    path, _, query = rest.partition("?")
    if "@" in authority:
        raise ValueError("must not contain credentials ('user@'); send them in headers instead")
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise ValueError("has an unclosed '[' (IPv6 literals look like [::1])")
        _check_ipv6(authority[1:end])
        after = authority[end + 1 :]
        if after and not after.startswith(":"):
            raise ValueError("has text after ']' that is not ':port'")
        port = _port_in_host(after[1:]) if after else None
        return HostParts(authority[: end + 1], port, path, query)
    if authority.count(":") >= 2:  # a bare IPv6 address: bracket it, it carries no port
        _check_ipv6(authority)
        return HostParts(f"[{authority}]", None, path, query)
    name, colon, port_text = authority.partition(":")
    _check_name(name)
    return HostParts(name, _port_in_host(port_text) if colon else None, path, query)


def encode_query(query: str | Mapping[str, str] | None) -> str:
    """Return the query string without ``?``: a mapping is percent-encoded, a string kept."""
    if query is None:
        return ""
    if isinstance(query, str):
        return query.removeprefix("?")
    return urlencode(dict(query), quote_via=quote)


def build_url(options: UrlOptions) -> str:
    """Return the URL the client connects to; pure, so it is tested without a network.

    Args:
        options: the validated options (see the module docstring for every rule).

    Raises:
        ConfigError: ``host`` cannot be made into a URL. `WebSocketApiOptions.parse` checks
            this first, so validated options never raise here.
    """
    scheme = options.protocol or "ws"
    if options.host:
        try:
            name, host_port, path, query = split_host(options.host)
        except ValueError as exc:
            raise ConfigError("host", options.host, str(exc)) from None
    else:  # None and "" alike (a documented fix: the original half-ignored "")
        name, host_port, path, query = "localhost", None, "", ""
    if host_port is not None:
        port = host_port
    elif options.port is not None:
        port = options.port
    else:
        port = default_port(scheme)
    path = path or options.path
    query = query or encode_query(options.query)
    url = f"{scheme}://{name}:{port}{path}"
    if query:
        url += ("" if path else "/") + "?" + query
    return url
