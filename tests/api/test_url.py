"""URL building: the seed's table (binding), the original's other rows, and the fixed quirks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from metis_env.api.errors import ConfigError, InvalidConfigurationError
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.options import build_url as reexported_build_url
from metis_env.api.url import HostParts, build_url, default_port, encode_query, split_host

# websocket-api.md §URL Building: byte for byte.
SEED_TABLE = [
    ({"protocol": "ws", "host": "localhost", "port": 8080}, "ws://localhost:8080"),
    ({"protocol": "wss", "host": "api.example.com"}, "wss://api.example.com:443"),
    ({"host": "example.com:9000"}, "ws://example.com:9000"),
    ({"port": 3000}, "ws://localhost:3000"),
    ({}, "ws://localhost:80"),
]

# metis-behaviour.md §1.3 verified rows we keep.
ORIGINAL_ROWS = [
    ({"host": "example.com:9000", "port": 1}, "ws://example.com:9000"),
    ({"protocol": "wss", "port": 8443}, "wss://localhost:8443"),
    ({"host": "example.com:9000/ws?x=1"}, "ws://example.com:9000/ws?x=1"),
    ({"host": "h", "port": "9001"}, "ws://h:9001"),
]

# Rows where we differ from the original on purpose (url.py's docstring lists each).
FIXED_ROWS = [
    ({"host": "", "port": 3000}, "ws://localhost:3000"),
    ({"host": "[::1]", "port": 5}, "ws://[::1]:5"),
    ({"host": "[::1]"}, "ws://[::1]:80"),
    ({"host": "[::1]:9000", "port": 5}, "ws://[::1]:9000"),
    ({"host": "::1", "port": 5}, "ws://[::1]:5"),
    ({"host": "fe80::1:2", "protocol": "wss"}, "wss://[fe80::1:2]:443"),
    ({"host": "example.com/path"}, "ws://example.com:80/path"),
    ({"host": "example.com?x=1"}, "ws://example.com:80/?x=1"),
    ({"host": "h", "path": "/ws", "query": {"a": "1"}}, "ws://h:80/ws?a=1"),
    ({"host": "h", "path": "/ws", "query": "a=1&b=2"}, "ws://h:80/ws?a=1&b=2"),
    ({"host": "h", "query": {"a": "x y", "b": "&"}}, "ws://h:80/?a=x%20y&b=%26"),
    ({"host": "h", "query": "?a=1"}, "ws://h:80/?a=1"),
    ({"host": "h", "path": "/ws", "query": {}}, "ws://h:80/ws"),
    ({"host": "h", "path": "/"}, "ws://h:80/"),
    ({"host": "example.com."}, "ws://example.com.:80"),
    ({"host": "127.0.0.1", "port": 65535}, "ws://127.0.0.1:65535"),
    ({"host": "Example.COM"}, "ws://Example.COM:80"),
]


@pytest.mark.parametrize(("config", "url"), SEED_TABLE)
def test_seed_table(config: dict[str, Any], url: str) -> None:
    """Each row of the seed's URL table gives exactly the documented URL."""
    assert WebSocketApiOptions.parse(config).url == url


@pytest.mark.parametrize(("config", "url"), ORIGINAL_ROWS)
def test_original_rows(config: dict[str, Any], url: str) -> None:
    """The original's other sensible verified rows are kept."""
    assert WebSocketApiOptions.parse(config).url == url


@pytest.mark.parametrize(("config", "url"), FIXED_ROWS)
def test_fixed_quirks(config: dict[str, Any], url: str) -> None:
    """The original's accidents are fixed as documented."""
    assert WebSocketApiOptions.parse(config).url == url


@dataclass
class Plain:
    """A look-alike of the options: build_url only reads these five attributes."""

    protocol: str = "ws"
    host: str | None = None
    port: int | None = None
    path: str = ""
    query: str | Mapping[str, str] | None = None


def test_build_url_is_pure_and_structural() -> None:
    """build_url works on any object with the five attributes and gives the same answer twice."""
    options = Plain(protocol="wss", host="x.example", port=9443, path="/a")
    assert build_url(options) == build_url(options) == "wss://x.example:9443/a"
    assert reexported_build_url is build_url


def test_build_url_without_validation_keeps_port_zero() -> None:
    """Unvalidated options (model_construct) still build: an explicit port 0 is used as given."""
    options = WebSocketApiOptions.model_construct(port=0)
    assert build_url(options) == "ws://localhost:0"


def test_build_url_rejects_bad_host_of_unvalidated_options() -> None:
    """A host that cannot make a URL raises ConfigError naming host, not a broken URL."""
    with pytest.raises(ConfigError) as info:
        build_url(Plain(host="ws://x"))
    assert info.value.key == "host"
    assert "scheme" in info.value.rule


def test_default_port() -> None:
    """wss defaults to 443; ws (and anything else) to 80, as in the original."""
    assert default_port("wss") == 443
    assert default_port("ws") == 80
    assert default_port("") == 80


def test_empty_protocol_falls_back_to_ws() -> None:
    """A falsy protocol on unvalidated options gives the ws scheme (original step 1)."""
    assert build_url(Plain(protocol="")) == "ws://localhost:80"


@pytest.mark.parametrize(
    ("host", "parts"),
    [
        ("a.b", HostParts("a.b", None, "", "")),
        ("a.b:1", HostParts("a.b", 1, "", "")),
        ("a.b:09000/x/y?q=1&r", HostParts("a.b", 9000, "/x/y", "q=1&r")),
        ("[::1]:80?z", HostParts("[::1]", 80, "", "z")),
        ("::ffff:1.2.3.4", HostParts("[::ffff:1.2.3.4]", None, "", "")),
    ],
)
def test_split_host(host: str, parts: HostParts) -> None:
    """split_host takes name, port, path and query apart."""
    assert split_host(host) == parts


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("ws://x", "scheme"),
        ("wss://x:443", "scheme"),
        ("exa mple.com", "whitespace"),
        (" example.com", "whitespace"),
        ("example.com\n", "whitespace"),
        ("a..b", "empty label"),
        (".a", "empty label"),
        (".", "empty label"),
        ("a.b:", "port"),
        ("a.b:0", "port"),
        ("a.b:65536", "port"),
        ("a.b:x", "port"),
        (":80", "no host name"),
        ("/path", "no host name"),
        ("user:pw@host", "credentials"),
        ("a.b#frag", "fragment"),
        ("[::1", "unclosed"),
        ("[::1]x", "after ']'"),
        ("[nope]", "IPv6"),
        ("1:2:3", "IPv6"),
        ("a<b", "not allowed"),
    ],
)
def test_bad_hosts_are_config_issues(host: str, words: str) -> None:
    """A host that cannot make a sound URL is one issue on host, saying why."""
    with pytest.raises(InvalidConfigurationError) as info:
        WebSocketApiOptions.parse({"host": host})
    (issue,) = info.value.issues
    assert issue.key == "host"
    assert issue.value == host
    assert words in issue.rule


def test_path_and_query_in_host_and_options_conflict() -> None:
    """A path (or query) both inside host and as an option is an issue naming the option."""
    with pytest.raises(InvalidConfigurationError) as info:
        WebSocketApiOptions.parse({"host": "h/a?b=1", "path": "/c", "query": "d=2"})
    assert [issue.key for issue in info.value.issues] == ["path", "query"]


def test_encode_query() -> None:
    """Mappings are percent-encoded (spaces as %20), strings kept, None is empty."""
    assert encode_query({"a": "1", "b c": "d/e"}) == "a=1&b%20c=d%2Fe"
    assert encode_query("x=1") == "x=1"
    assert encode_query(None) == ""
