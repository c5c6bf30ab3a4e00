"""pydantic's own strict validation accepts, unchanged, every value the option checkers store.

`WebSocketApiOptions.__init__` stores the checkers' values without running pydantic's
validator (it used to run it as a backstop, at a cost on every connect). This property keeps
the backstop as a test: a plain pydantic model with the same fields and config must validate
the dumped options to the very same values.
"""

from __future__ import annotations

from typing import Any

import pydantic
from hypothesis import given, settings
from hypothesis import strategies as st

from metis_env.api.options import WebSocketApiOptions

TWIN = pydantic.create_model(  # same fields, same strict config, pydantic's own __init__
    "Twin",
    __config__=pydantic.ConfigDict(strict=True, populate_by_name=True, extra="allow"),
    **{name: (info.annotation, info) for name, info in WebSocketApiOptions.model_fields.items()},
)
NAMES = st.text("abcXYZ-_", min_size=1, max_size=6)
TOKENS = st.text("abcdefghij-", min_size=1, max_size=6)
MS = st.integers(1000, 60000)
VALID = st.fixed_dictionaries(
    {},
    optional={
        "protocol": st.sampled_from(["ws", "wss"]),
        "host": st.sampled_from(["", "localhost", "h:9000", "[::1]:5", "::1", "a.b/p"]),
        "port": st.integers(1, 65535) | st.integers(1, 65535).map(str) | st.none(),
        "query": st.none() | st.dictionaries(NAMES, NAMES, max_size=2) | st.just("a=1"),
        "rejectUnauthorized": st.none() | st.booleans(),
        "caFile": st.none() | st.just("ca.pem"),
        "certFile": st.none() | st.just("c.pem"),
        "connectTimeout": MS,
        "closeTimeout": st.integers(0, 60000),
        "keepAliveInterval": st.integers(0, 300000),
        "keepAliveTimeout": st.integers(0, 60000),
        "autoReconnect": st.booleans(),
        "reconnectDelay": st.integers(250, 1000),
        "maxReconnectAttempts": st.none() | st.integers(1, 10),
        "maxReconnectTime": st.none() | MS,
        "minUptime": st.integers(0, 3600000),
        "queueWhileDisconnected": st.booleans(),
        "maxQueueSize": st.integers(1, 10000),
        "headers": st.dictionaries(st.sampled_from(["X-A", "X-B"]), NAMES, max_size=2),
        "subprotocols": st.lists(TOKENS, unique=True, max_size=3).map(tuple) | st.just([]),
        "maxMessageSize": st.none() | st.integers(1, 2**31),
        "compression": st.booleans(),
        "transport": st.sampled_from(["auto", "websockets", "picows"]),
        "proxy": st.none() | st.sampled_from(["env", "http://p:3128", "socks5://u:pw@p:1080"]),
        "apiKey": st.text(max_size=5),
    },
)


@settings(max_examples=300, deadline=None, database=None)
@given(VALID)
def test_pydantic_accepts_every_checked_value_unchanged(config: dict[str, Any]) -> None:
    """Strict pydantic validation of the stored values gives the same values back."""
    options = WebSocketApiOptions.parse(config)
    dumped = options.model_dump()
    twin = TWIN.model_validate(dumped)
    assert twin.model_dump() == dumped
    for name in WebSocketApiOptions.model_fields:
        assert type(getattr(twin, name)) is type(getattr(options, name)), name


def test_fields_set_and_extras_as_pydantic_records_them() -> None:
    """exclude_unset and the extras behave as with pydantic's own __init__."""
    options = WebSocketApiOptions.parse({"port": "9001", "autoReconnect": False, "apiKey": "k"})
    assert options.model_fields_set == {"port", "auto_reconnect"}
    assert options.model_dump(by_alias=True, exclude_unset=True) == {
        "port": 9001,
        "autoReconnect": False,
        "apiKey": "k",
    }
    assert options.model_extra == {"apiKey": "k"}


def test_default_containers_are_not_shared() -> None:
    """Each instance gets its own default headers dict and subprotocols list."""
    first, second = WebSocketApiOptions(), WebSocketApiOptions()
    assert first.headers == {} and first.headers is not second.headers
    assert first.subprotocols == [] and first.subprotocols is not second.subprotocols


def test_model_validate_still_reports_through_pydantic() -> None:
    """model_validate runs the same checks (through __init__) and wraps them as pydantic does."""
    assert WebSocketApiOptions.model_validate({"connectTimeout": 2000}).connect_timeout == 2000
    try:
        WebSocketApiOptions.model_validate({"connectTimeout": 5})
    except pydantic.ValidationError as exc:
        assert "connectTimeout" in str(exc)
    else:
        raise AssertionError("an invalid config validated")
