"""WebSocketApiOptions: defaults, ranges, strict types, issue lists, extras, warnings, redaction."""

from __future__ import annotations

import warnings
from typing import Any

import pydantic
import pytest

from metis_env.api.errors import CONFIG_ERROR_PREFIX, InvalidConfigurationError
from metis_env.api.options import (
    ALIASES,
    DEFAULTS,
    KNOWN_KEYS,
    RANGES,
    ConfigWarning,
    WebSocketApiOptions,
)

parse = WebSocketApiOptions.parse

EXPECTED_DEFAULTS: dict[str, Any] = {
    "protocol": "ws",
    "host": None,
    "port": None,
    "path": "",
    "query": None,
    "reject_unauthorized": None,
    "connect_timeout": 10000,
    "close_timeout": 5000,
    "auto_reconnect": True,
    "keep_alive_interval": 30000,
    "keep_alive_timeout": 10000,
    "reconnect_delay": 1000,
    "max_reconnect_delay": 30000,
    "queue_while_disconnected": False,
    "max_queue_size": 100,
    "headers": {},
    "subprotocols": [],
    "ca_file": None,
    "cert_file": None,
    "key_file": None,
    "max_message_size": 1048576,
    "compression": False,
    "transport": "auto",
    "max_reconnect_attempts": None,
    "max_reconnect_time": None,
    "min_uptime": 0,
    "proxy": None,
}

# (configs.json key, min, max or None when unbounded); the original's twelve plus ours.
NUMERIC = [
    ("port", 1, 65535),
    ("connectTimeout", 1000, 60000),
    ("closeTimeout", 0, 60000),
    ("keepAliveInterval", 0, 300000),
    ("keepAliveTimeout", 0, 60000),
    ("reconnectDelay", 250, 60000),
    ("maxReconnectDelay", 1000, 300000),
    ("maxQueueSize", 1, 10000),
    ("maxMessageSize", 1, 2**31),
    ("maxReconnectAttempts", 1, None),
    ("maxReconnectTime", 1000, None),
    ("minUptime", 0, 3600000),
]


def issues_of(config: Any) -> list[tuple[str, Any]]:
    """Parse ``config``, expect failure, return its issues as (key, value) pairs."""
    with pytest.raises(InvalidConfigurationError) as info:
        parse(config)
    return [(issue.key, issue.value) for issue in info.value.issues]


def valid(key: str, value: Any) -> dict[str, Any]:
    """A config holding ``key: value`` plus whatever keeps the cross-field rules satisfied."""
    config = {key: value}
    if key == "reconnectDelay":
        config["maxReconnectDelay"] = 300000
    if key == "maxReconnectDelay":
        config["reconnectDelay"] = 250
    return config


def test_every_default() -> None:
    """An empty config gives every documented default."""
    options = parse({})
    assert {f: getattr(options, f) for f in EXPECTED_DEFAULTS} == EXPECTED_DEFAULTS
    assert dict(DEFAULTS) == EXPECTED_DEFAULTS
    assert parse().model_dump() == options.model_dump()


def test_known_keys_are_the_camel_case_aliases() -> None:
    """KNOWN_KEYS lists every option by its configs.json name, the original's twelve included."""
    original = {"protocol", "host", "port", "rejectUnauthorized", "connectTimeout"}
    original |= {"autoReconnect", "keepAliveInterval", "keepAliveTimeout", "reconnectDelay"}
    original |= {"maxReconnectDelay", "queueWhileDisconnected", "maxQueueSize"}
    assert original <= set(KNOWN_KEYS)
    assert len(KNOWN_KEYS) == len(EXPECTED_DEFAULTS) == len(ALIASES)
    assert ALIASES["keep_alive_interval"] == "keepAliveInterval"
    assert ALIASES["compression"] == "compression"
    assert RANGES["connect_timeout"] == (1000, 60000)


@pytest.mark.parametrize(("key", "low", "high"), NUMERIC)
def test_range_boundaries_accepted(key: str, low: int, high: int | None) -> None:
    """The minimum and the maximum of every numeric option are accepted."""
    field = {v: k for k, v in ALIASES.items()}[key]
    for value in (low,) if high is None else (low, high):
        assert getattr(parse(valid(key, value)), field) == value
    if high is None:
        assert getattr(parse({key: 10**12}), field) == 10**12


@pytest.mark.parametrize(("key", "low", "high"), NUMERIC)
def test_range_one_past_each_end_rejected(key: str, low: int, high: int | None) -> None:
    """One below the minimum and one above the maximum are issues naming the key and value."""
    assert issues_of(valid(key, low - 1))[0] == (key, low - 1)
    if high is not None:
        assert issues_of(valid(key, high + 1))[0] == (key, high + 1)


NOT_INTEGERS = [True, False, 5000.0, "5000", [5000], {}]


@pytest.mark.parametrize(
    ("key", "value"),
    [(key, v) for key, _, _ in NUMERIC for v in NOT_INTEGERS if (key, v) != ("port", "5000")],
)
def test_integers_are_strict(key: str, value: Any) -> None:
    """Booleans, floats (even whole), strings and containers are not integers (port aside)."""
    assert issues_of({key: value}) == [(key, value)]


def test_range_rule_is_in_words() -> None:
    """The rule names the range and the unit, after the original's prefix."""
    with pytest.raises(InvalidConfigurationError) as info:
        parse({"connectTimeout": 500})
    assert info.value.rule == "must be an integer from 1000 to 60000 (milliseconds)"
    assert str(info.value) == (
        CONFIG_ERROR_PREFIX + "connectTimeout: must be an integer from 1000 to 60000 "
        "(milliseconds) (got 500)"
    )


@pytest.mark.parametrize("key", ["maxMessageSize", "maxReconnectAttempts", "maxReconnectTime"])
def test_nullable_limits(key: str) -> None:
    """null disables the limits that say so."""
    field = {v: k for k, v in ALIASES.items()}[key]
    assert getattr(parse({key: None}), field) is None


@pytest.mark.parametrize("key", ["connectTimeout", "autoReconnect", "protocol", "headers"])
def test_null_is_not_a_default(key: str) -> None:
    """null for an option that has no 'none' meaning is an issue, as in the original's schema."""
    assert issues_of({key: None}) == [(key, None)]


@pytest.mark.parametrize(
    ("value", "port"), [("9001", 9001), ("1", 1), ("65535", 65535), ("0080", 80), (443, 443)]
)
def test_port_accepts_digit_strings(value: Any, port: int) -> None:
    """port takes an int or a string of digits, stored as int."""
    assert parse({"port": value}).port == port


@pytest.mark.parametrize(
    "value", ["0", "99999", "65536", " 80", "80 ", "8o", "", "-1", "+80", "١٢٣", "9" * 5000, 0]
)
def test_port_rejects_bad_strings_and_zero(value: Any) -> None:
    """Port 0, out-of-range digits, spaces, signs and non-ASCII digits are issues."""
    assert issues_of({"port": value}) == [("port", value)]


@pytest.mark.parametrize(
    "key", ["rejectUnauthorized", "autoReconnect", "queueWhileDisconnected", "compression"]
)
@pytest.mark.parametrize("value", ["true", 1, 0, "false"])
def test_booleans_are_strict(key: str, value: Any) -> None:
    """ "true", 1 and 0 are not booleans."""
    assert issues_of({key: value}) == [(key, value)]


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"protocol": "WSS"}, "protocol"),
        ({"protocol": "http"}, "protocol"),
        ({"transport": "aiohttp"}, "transport"),
        ({"host": 5}, "host"),
        ({"path": "ws"}, "path"),
        ({"path": "/a?b"}, "path"),
        ({"path": "/a b"}, "path"),
        ({"query": "a=1#x"}, "query"),
        ({"query": 5}, "query"),
        ({"query": {"a": 1}}, "query.a"),
        ({"headers": ["x"]}, "headers"),
        ({"headers": {"X-A": 1}}, "headers.X-A"),
        ({"headers": {"X-A": "a\r\nInjected: 1"}}, "headers.X-A"),
        ({"headers": {"Bad Name": "x"}}, "headers.Bad Name"),
        ({"headers": {"Sec-WebSocket-Key": "x"}}, "headers.Sec-WebSocket-Key"),
        ({"subprotocols": "chat"}, "subprotocols"),
        ({"subprotocols": ["a", "a"]}, "subprotocols"),
        ({"subprotocols": ["a b"]}, "subprotocols"),
        ({"caFile": ""}, "caFile"),
        ({"certFile": 5}, "certFile"),
        ({"proxy": "ftp://p:21"}, "proxy"),
        ({"proxy": "p:3128"}, "proxy"),
        ({"proxy": "http://p:99999"}, "proxy"),
        ({"proxy": "http://"}, "proxy"),
        ({"proxy": True}, "proxy"),
    ],
)
def test_other_options_reject_bad_values(config: dict[str, Any], key: str) -> None:
    """Each non-numeric option has a rule; the issue names the (dotted) key."""
    assert [k for k, _ in issues_of(config)] == [key]


def test_repeated_header_names_ignore_case() -> None:
    """Two spellings of one header are an issue on the second."""
    assert issues_of({"headers": {"X-A": "1", "x-a": "2"}}) == [("headers.x-a", "2")]


def test_other_options_accept_good_values() -> None:
    """The new options take their documented forms."""
    options = parse(
        {
            "protocol": "wss",
            "path": "/ws",
            "query": {"a": "1"},
            "headers": {"Authorization": "Bearer t", "X-Trace": ""},
            "subprotocols": ("graphql-ws", "chat"),
            "caFile": "ca.pem",
            "certFile": "c.pem",
            "keyFile": "k.pem",
            "transport": "picows",
            "proxy": "socks5://user:pw@[::1]:1080",
            "rejectUnauthorized": False,
        }
    )
    assert options.subprotocols == ["graphql-ws", "chat"]
    assert options.headers == {"Authorization": "Bearer t", "X-Trace": ""}
    assert (options.key_file, options.reject_unauthorized) == ("k.pem", False)
    assert parse({"proxy": "env"}).proxy == "env"


def test_multiple_issues_listed_with_keys() -> None:
    """Every issue is reported at once, each naming its key, after the exact prefix."""
    config = {"connectTimeout": 500, "port": "0", "autoReconnect": "yes", "protocol": "tcp"}
    with pytest.raises(InvalidConfigurationError) as info:
        parse(config)
    error = info.value
    assert [issue.key for issue in error.issues] == list(config)
    text = str(error)
    assert text.startswith("Invalid WebSocket API configuration: ")
    assert all(f"{key}:" in text for key in config)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("config", [None, [], "host=x", 5, ("port", 1)])
def test_non_mapping_is_one_issue(config: Any) -> None:
    """None or a non-object config is one issue on 'config'."""
    with pytest.raises(InvalidConfigurationError) as info:
        parse(config)
    (issue,) = info.value.issues
    assert (issue.key, issue.rule) == ("config", "must be an object (a JSON object / dict)")
    assert str(info.value).startswith(CONFIG_ERROR_PREFIX)


def test_non_string_key_is_an_issue() -> None:
    """A mapping key that is not a string is an issue, not a TypeError."""
    assert issues_of({1: "x"}) == [("config", 1)]


def test_cross_field_reconnect_delays() -> None:
    """maxReconnectDelay below reconnectDelay is an issue naming maxReconnectDelay."""
    assert issues_of({"reconnectDelay": 40000}) == [("maxReconnectDelay", 30000)]
    assert issues_of({"reconnect_delay": 5000, "max_reconnect_delay": 4000}) == [
        ("max_reconnect_delay", 4000)
    ]
    assert parse({"reconnectDelay": 5000, "maxReconnectDelay": 5000}).reconnect_delay == 5000


def test_cross_field_key_file_needs_cert_file() -> None:
    """keyFile without certFile is an issue; with it, fine."""
    assert issues_of({"keyFile": "k.pem"}) == [("keyFile", "k.pem")]
    assert parse({"keyFile": "k.pem", "certFile": "c.pem"}).cert_file == "c.pem"


def test_camel_and_snake_case_both_accepted_and_mixable() -> None:
    """camelCase and snake_case keys both work, mixed in one config and in kwargs."""
    options = parse({"connectTimeout": 2000, "keep_alive_interval": 0}, max_queue_size=5)
    assert (options.connect_timeout, options.keep_alive_interval, options.max_queue_size) == (
        2000,
        0,
        5,
    )
    assert WebSocketApiOptions(autoReconnect=False, close_timeout=0).auto_reconnect is False


def test_same_option_twice_is_an_issue() -> None:
    """One option under both spellings is an issue on the second spelling."""
    assert issues_of({"connectTimeout": 2000, "connect_timeout": 3000}) == [
        ("connect_timeout", 3000)
    ]


def test_kwargs_override_same_spelling() -> None:
    """A keyword with the config's own spelling replaces the config's value."""
    assert parse({"port": 1}, port=2).port == 2


def test_constructor_validates_like_parse() -> None:
    """The constructor raises the same InvalidConfigurationError, never a pydantic error."""
    with pytest.raises(InvalidConfigurationError):
        WebSocketApiOptions(connectTimeout=5)


def test_parse_accepts_options() -> None:
    """Parsing existing options (with overrides) keeps their values and extras."""
    first = parse({"host": "h", "apiKey": "k"})
    second = parse(first, port=9)
    assert (second.host, second.port, second.extra) == ("h", 9, {"apiKey": "k"})


def test_unknown_keys_kept_in_extra() -> None:
    """Unknown keys are no error and stay available exactly as given."""
    nested = {"a": [1, {"b": None}]}
    options = parse({"apiKey": "secret", "name": "x", "nested": nested, "url": "u"})
    assert options.extra == {"apiKey": "secret", "name": "x", "nested": nested, "url": "u"}
    assert options.url == "ws://localhost:80"
    assert "apiKey" not in KNOWN_KEYS


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("conectTimeout", "connectTimeout"),
        ("keepaliveInterval", "keepAliveInterval"),
        ("rejectUnauthorised", "rejectUnauthorized"),
        ("keep-alive-timeout", "keepAliveTimeout"),
        ("Port", "port"),
        ("connect_timout", "connectTimeout"),
        ("header", "headers"),
    ],
)
def test_near_miss_warns_once(key: str, meant: str) -> None:
    """A misspelt option warns once, naming the key and the option it probably means."""
    with pytest.warns(ConfigWarning) as record:
        options = parse({key: 1})
    assert len(record) == 1
    message = str(record[0].message)
    assert repr(key) in message and repr(meant) in message
    assert record[0].filename == __file__
    assert options.extra == {key: 1}


def test_no_warning_for_plain_unknown_keys() -> None:
    """apiKey and other script settings do not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse({"apiKey": "k", "token": "t", "name": "n", "timeout": 5, "pat": 1, "x": 2})


def test_redacted_hides_secrets() -> None:
    """redacted() hides apiKey, tokens, secret headers and query values, proxy passwords."""
    options = parse(
        {
            "host": "h",
            "apiKey": "k-123",
            "token": "t-123",
            "nested": {"password": "p"},
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "z", "X-Trace": "1"},
            "query": "token=abc&x=1",
            "proxy": "http://user:pw@proxy:3128",
            "keyFile": "k.pem",
            "certFile": "c.pem",
        }
    )
    shown = options.redacted()
    assert shown["apiKey"] == shown["token"] == "***"
    assert shown["nested"] == {"password": "***"}
    assert shown["headers"] == {"Authorization": "***", "X-Api-Key": "***", "X-Trace": "1"}
    assert shown["query"] == "token=***&x=1"
    assert shown["proxy"] == "http://user:***@proxy:3128"
    assert shown["keyFile"] == "k.pem"  # a path, not a secret
    assert shown["connectTimeout"] == 10000 and set(KNOWN_KEYS) <= set(shown)
    assert parse({"query": {"api_key": "v"}}).redacted()["query"] == {"api_key": "***"}
    assert options.headers["Authorization"] == "Bearer abc"  # the options keep the real value


def test_repr_shows_non_defaults_and_no_secrets() -> None:
    """repr/str list what differs from the defaults and never a secret value."""
    options = parse({"host": "h", "apiKey": "k-123", "headers": {"Authorization": "abc"}})
    text = repr(options)
    assert text.startswith("WebSocketApiOptions(")
    assert "host='h'" in text and "apiKey='***'" in text
    assert "k-123" not in text and "abc" not in text and "k-123" not in str(options)
    assert "connect_timeout" not in text


def test_secret_values_hidden_in_error_messages() -> None:
    """A bad value under a secret-looking header is not shown in the error message."""
    with pytest.raises(InvalidConfigurationError) as info:
        parse({"headers": {"Authorization": "Bearer abc\n"}})
    assert "abc" not in str(info.value)


def test_frozen() -> None:
    """Options cannot be changed after validation."""
    options = parse({"port": 1})
    with pytest.raises(pydantic.ValidationError):
        options.port = 2  # type: ignore[misc]
    assert options.port == 1


def test_input_dicts_are_copied() -> None:
    """Changing the caller's headers dict afterwards does not change the options."""
    headers = {"X-A": "1"}
    options = parse({"headers": headers})
    headers["X-A"] = "2"
    assert options.headers == {"X-A": "1"}


def test_equal_scalar_configs_still_get_their_own_options() -> None:
    """Checks of a repeated config are memoised; the options objects and their dicts are not."""
    first = parse({"host": "h", "port": 1})
    second = parse({"host": "h", "port": 1})
    assert first == second and first is not second
    first.headers["X-Leak"] = "1"  # misuse of a frozen model's dict: it stays in that object
    assert second.headers == {} and parse({"host": "h", "port": 1}).headers == {}


def test_a_memoised_config_does_not_let_a_bad_lookalike_through() -> None:
    """``True == 1`` and ``hash(True) == hash(1)``: the memo keys on types too."""
    assert parse({"port": 1}).port == 1
    with pytest.raises(InvalidConfigurationError, match="port"):
        parse({"port": True})
    for _ in range(2):  # a bad config is checked (and refused) every time
        with pytest.raises(InvalidConfigurationError, match="connectTimeout"):
            parse({"connectTimeout": -1})


def test_a_misspelt_key_warns_every_time() -> None:
    """Configs with unknown keys are not memoised, so the near-miss warning is not lost."""
    for _ in range(2):
        with pytest.warns(ConfigWarning, match="conectTimeout"):
            parse({"conectTimeout": 5})
