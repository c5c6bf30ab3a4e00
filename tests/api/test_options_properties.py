"""Property: any JSON-like config either parses to options with a ws/wss URL or fails cleanly."""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from metis_env.api.errors import InvalidConfigurationError
from metis_env.api.options import ALIASES, KNOWN_KEYS, ConfigWarning, WebSocketApiOptions

SPELLINGS = set(ALIASES) | set(ALIASES.values())
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
# Values that often pass, so the property also reaches the success path and URL building.
PLAUSIBLE = st.sampled_from(
    ["ws", "wss", "localhost", "example.com:9000", "[::1]", "::1", "/ws", "a=1", "env", "9001", ""]
) | st.integers(min_value=0, max_value=70000)
KEYS = st.sampled_from(sorted(SPELLINGS)) | st.text(max_size=12)
CONFIGS = st.dictionaries(KEYS, PLAUSIBLE | JSON, max_size=6)
HOSTS = st.sampled_from(["", "localhost", "example.com", "10.0.0.1", "[::1]", "::1", "a.b."])
VALID = st.fixed_dictionaries(
    {},
    optional={
        "protocol": st.sampled_from(["ws", "wss"]),
        "host": HOSTS,
        "port": st.integers(1, 65535) | st.integers(1, 65535).map(str),
        "path": st.sampled_from(["", "/", "/ws", "/a/b"]),
        "query": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        "connectTimeout": st.integers(1000, 60000),
        "apiKey": st.text(max_size=10),
    },
)
# Fast and hermetic: no example database written into the worktree.
SETTINGS = settings(max_examples=300, deadline=None, database=None)


def parse_quietly(config: Any) -> WebSocketApiOptions:
    """Parse with near-miss ConfigWarnings silenced (random keys trigger them legitimately)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        return WebSocketApiOptions.parse(config)


@SETTINGS
@given(CONFIGS)
def test_parse_returns_options_with_url_or_raises_config_error(config: dict[str, Any]) -> None:
    """parse never raises anything but InvalidConfigurationError; valid options build a URL."""
    try:
        options = parse_quietly(config)
    except InvalidConfigurationError as error:
        assert error.issues
        assert str(error).startswith("Invalid WebSocket API configuration: ")
        return
    assert options.url.startswith(("ws://", "wss://"))
    assert options.extra == {k: v for k, v in config.items() if k not in SPELLINGS}
    assert set(options.redacted()) >= set(KNOWN_KEYS)


@SETTINGS
@given(JSON)
def test_parse_of_any_json_value_never_crashes(value: Any) -> None:
    """Any JSON value at the top level parses or raises InvalidConfigurationError."""
    try:
        options = parse_quietly(value)
    except InvalidConfigurationError:
        return
    assert isinstance(value, dict)
    assert options.url.startswith("ws://")


@SETTINGS
@given(VALID)
def test_valid_configs_parse_and_follow_port_precedence(config: dict[str, Any]) -> None:
    """Configs made of valid values always parse; scheme and port follow the documented rules."""
    options = parse_quietly(config)
    scheme = config.get("protocol", "ws")
    assert options.url.startswith(f"{scheme}://")
    expected = config.get("port", 443 if scheme == "wss" else 80)
    assert urlsplit(options.url).port == int(expected)
    assert options.extra == ({"apiKey": config["apiKey"]} if "apiKey" in config else {})
