"""`WebSocketApiOptions`: every setting of a `WebSocketApi`, validated in one place.

The camelCase aliases are the ``configs.json`` keys of the original (``connectTimeout``,
``rejectUnauthorized``, …, see ``metis-behaviour.md`` §1.1); the snake_case field names are
the Python spelling. Both are accepted as input, even mixed, but not for the same option twice.
Times are milliseconds, sizes bytes, as in the METIS contract.

Validation is strict, like the original's zod schema (the rules are in `option_rules`):
``"true"`` is not a boolean, ``"5000"`` is not a number, ``5000.0`` is not an integer; only
``port`` also takes a string of digits. Every problem is collected and reported together in
one `InvalidConfigurationError` whose message starts with ``Invalid WebSocket API
configuration:``. Cross-field rules: ``maxReconnectDelay >= reconnectDelay``, ``keyFile``
needs ``certFile``, and a path or query is given either inside ``host`` or as an option.
No rule ties ``keepAliveTimeout`` to ``keepAliveInterval``: the default timeout (10 s) with
a chosen interval of 5 s is a sensible config, and pong deadlines are the client's business.

Unknown keys are not errors: config ``data`` also holds a script's own settings (``apiKey``),
kept in `WebSocketApiOptions.extra`. An unknown key that looks like a misspelt option
(``conectTimeout``, ``keepaliveInterval``) raises one `ConfigWarning` naming the option it
probably means, since the misspelling would otherwise silently do nothing.

For tests that need delays below the ranges (say a 20 ms reconnect delay), pydantic's
``WebSocketApiOptions.model_construct(...)`` builds options without any validation.
"""

from __future__ import annotations

import difflib
import functools
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, cast

from pydantic import BaseModel, ConfigDict, Field

from metis_env.api.errors import ConfigIssue, InvalidConfigurationError
from metis_env.api.option_rules import BAD, CHECKERS, RANGES, split_host_cached
from metis_env.api.secrets import (
    REDACTED,
    is_secret_key,
    redact_mapping,
    redact_query,
    redact_url,
)
from metis_env.api.url import build_url, default_port

__all__ = [
    "ALIASES",
    "DEFAULTS",
    "KNOWN_KEYS",
    "RANGES",
    "ConfigWarning",
    "WebSocketApiOptions",
    "build_url",
    "default_port",
]


class ConfigWarning(UserWarning):
    """Warned when a config is valid but probably not what was meant (a misspelt key)."""


def _warn_near_miss(key: str) -> None:
    """Warn once for an unknown key that is probably a misspelling of a known one."""
    norm = re.sub(r"[-_\s]", "", key).lower()
    known = _NORMALISED.get(norm)
    if known is None and len(norm) >= 4:
        close = difflib.get_close_matches(norm, list(_NORMALISED), n=1, cutoff=0.85)
        known = _NORMALISED[close[0]] if close else None
    if known is None:
        return
    level, frame = 1, sys._getframe()
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1  # point the warning at the user's code
    message = f"unknown WebSocket API option {key!r} is ignored (kept in extra); "
    warnings.warn(message + f"did you mean {known!r}?", ConfigWarning, stacklevel=level)


def _check(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[ConfigIssue]]:
    """Split ``data`` into checked option values (by field name), extras, and issues."""
    issues: list[ConfigIssue] = []
    spelled: dict[str, str] = {}  # field name -> the key as the user spelled it
    values: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, value in data.items():
        field = _FIELD_FOR_KEY.get(key)
        if field is None:
            extras[key] = value
            _warn_near_miss(key)
        elif field in spelled:
            rule = f"repeats {spelled[field]!r}; give each option once (camelCase or snake_case)"
            issues.append(ConfigIssue(key=key, value=value, rule=rule))
        else:
            spelled[field] = key
            values[field] = CHECKERS[field](key, value, issues)

    def get(field: str) -> Any:
        return values.get(field, DEFAULTS[field])

    def name(field: str) -> str:
        return spelled.get(field, ALIASES[field])

    delay, ceiling = get("reconnect_delay"), get("max_reconnect_delay")
    if BAD not in (delay, ceiling) and ceiling < delay:
        rule = f"must be at least {name('reconnect_delay')} ({delay} ms)"
        issues.append(ConfigIssue(key=name("max_reconnect_delay"), value=ceiling, rule=rule))
    if get("key_file") not in (None, BAD) and get("cert_file") is None:
        rule = f"requires {name('cert_file')} (the client certificate the key belongs to)"
        issues.append(ConfigIssue(key=name("key_file"), value=get("key_file"), rule=rule))
    host = values.get("host")
    if isinstance(host, str) and host:  # passed its checks, so split_host succeeds
        parts = split_host_cached(host)
        for field, inline in (("path", parts.path), ("query", parts.query)):
            given = values.get(field)
            if inline and given and given is not BAD:
                rule = f"cannot be combined with a {field} inside {name('host')}; give it once"
                issues.append(ConfigIssue(key=name(field), value=given, rule=rule))
    return values, extras, issues


class WebSocketApiOptions(BaseModel):
    """Every setting of a `WebSocketApi`, validated; build it with `WebSocketApiOptions.parse`.

    The constructor validates too (``WebSocketApiOptions(connectTimeout=5000)``) and raises
    the same `InvalidConfigurationError`; pydantic's ``model_validate`` runs the same checks
    but wraps the error in its ``ValidationError``, so prefer `parse`. Instances are frozen.
    """

    # defer_build: pydantic's validator and serializer are built on first use (model_dump,
    # model_validate, JSON schema), not at import; `__init__` never needs them (see there).
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="allow", strict=True, defer_build=True
    )

    # Where to connect (see metis_env.api.url for how these make the URL)
    protocol: Literal["ws", "wss"] = "ws"
    host: str | None = None
    port: int | None = None
    path: str = ""
    query: str | dict[str, str] | None = None
    # TLS: None = verify as usual; ca_file adds CAs to trust, cert_file/key_file = client cert
    reject_unauthorized: bool | None = Field(None, alias="rejectUnauthorized")
    ca_file: str | None = Field(None, alias="caFile")
    cert_file: str | None = Field(None, alias="certFile")
    key_file: str | None = Field(None, alias="keyFile")
    # Timeouts (ms)
    connect_timeout: int = Field(10000, alias="connectTimeout")
    close_timeout: int = Field(5000, alias="closeTimeout")
    # Keepalive (ms): ping every interval; drop after timeout without a pong (0 = never)
    keep_alive_interval: int = Field(30000, alias="keepAliveInterval")
    keep_alive_timeout: int = Field(10000, alias="keepAliveTimeout")
    # Reconnect: delay doubles from reconnect_delay up to max_reconnect_delay (ms)
    auto_reconnect: bool = Field(True, alias="autoReconnect")
    reconnect_delay: int = Field(1000, alias="reconnectDelay")
    max_reconnect_delay: int = Field(30000, alias="maxReconnectDelay")
    max_reconnect_attempts: int | None = Field(None, alias="maxReconnectAttempts")
    max_reconnect_time: int | None = Field(None, alias="maxReconnectTime")
    min_uptime: int = Field(0, alias="minUptime")
    # Send queue
    queue_while_disconnected: bool = Field(False, alias="queueWhileDisconnected")
    max_queue_size: int = Field(100, alias="maxQueueSize")
    # Handshake and wire
    headers: dict[str, str] = Field(default_factory=dict)
    subprotocols: list[str] = Field(default_factory=list)
    max_message_size: int | None = Field(1048576, alias="maxMessageSize")
    compression: bool = False
    transport: Literal["auto", "websockets", "picows"] = "auto"
    proxy: str | None = None

    def __init__(self, /, **data: Any) -> None:
        """Validate ``data`` (keys in either spelling); see `parse` for the contract.

        The checkers of `option_rules` are the validation: every field has one, and each
        returns the value to store, already of the field's type (and a copy of any dict or
        list given). So the checked values are set the way pydantic's ``model_construct``
        sets them, without running pydantic's validator a second time: that keeps the
        model's schema unbuilt at import and saves its cost on every connect.
        ``tests/api/test_options_pydantic_agrees.py`` checks that pydantic's own strict
        validation accepts every value the checkers let through, unchanged.
        """
        key = _checked_key(data)
        values = _CHECKED.get(key) if key is not None else None
        if values is None:
            values, extras, issues = _check(data)
            if issues:
                raise InvalidConfigurationError(issues)
            if key is not None and not extras:
                if len(_CHECKED) >= _CHECKED_MAX:
                    _CHECKED.clear()
                _CHECKED[key] = values
        else:
            extras = {}
        fields = dict(_DEFAULT_VALUES)
        for field, factory in _DEFAULT_FACTORIES:
            fields[field] = factory()
        fields.update(values)
        _setattr = object.__setattr__
        _setattr(self, "__dict__", fields)
        _setattr(self, "__pydantic_fields_set__", set(values))
        _setattr(self, "__pydantic_extra__", extras)
        _setattr(self, "__pydantic_private__", None)

    @classmethod
    def parse(
        cls, config: Mapping[str, Any] | None = MappingProxyType({}), /, **kwargs: Any
    ) -> WebSocketApiOptions:
        """Validate a config (``configs.json`` ``data``) and keyword options into options.

        Args:
            config: the config object; camelCase or snake_case keys. Omitted means ``{}``;
                ``None`` (no config selected) is an error, as in the original.
            **kwargs: more options; they override keys of ``config`` spelt the same way.

        Raises:
            InvalidConfigurationError: listing every issue; never any other exception.
        """
        if isinstance(config, WebSocketApiOptions):
            config = config.model_dump(by_alias=True)
        if not isinstance(config, Mapping):
            rule = "must be an object (a JSON object / dict)"
            raise InvalidConfigurationError([ConfigIssue(key="config", value=config, rule=rule)])
        bad = [key for key in config if not isinstance(key, str)]
        if bad:
            rule = "has a key that is not a string"
            raise InvalidConfigurationError(
                [ConfigIssue(key="config", value=key, rule=rule) for key in bad]
            )
        return cls(**{**config, **kwargs})

    @property
    def url(self) -> str:
        """The URL `connect()` opens, built by `build_url` (memoised: every client asks once)."""
        query = self.query
        key = tuple(query.items()) if isinstance(query, dict) else query
        try:
            return _url_of(self.protocol, self.host, self.port, self.path, key)
        except TypeError:  # unhashable parts: only unvalidated options (model_construct)
            return build_url(self)

    @property
    def extra(self) -> dict[str, Any]:
        """The unknown keys (``apiKey`` …) exactly as given, for the script's own use."""
        return dict(self.__pydantic_extra__ or {})

    def redacted(self) -> dict[str, Any]:
        """Return every option (camelCase) plus the extras, with secret values as ``***``."""
        out: dict[str, Any] = {}
        for field, info in type(self).model_fields.items():
            key, value = info.alias or field, getattr(self, field)
            if field == "headers":
                value = {k: REDACTED if is_secret_key(k) else v for k, v in value.items()}
            elif field == "query":
                value = _redact_query(value)
            elif field == "proxy" and value:
                value = _redact_proxy(value)
            elif is_secret_key(key) and value is not None:
                value = REDACTED
            out[key] = value
        out.update(redact_mapping(self.extra))
        return out

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """Show only what differs from the defaults, and never a secret."""
        shown = self.redacted()
        for field, info in type(self).model_fields.items():
            if getattr(self, field) != DEFAULTS[field]:
                yield field, shown[info.alias or field]
        yield from ((key, shown[key]) for key in self.extra)


#: Checked values of recent configs made only of scalars (str, int, float, bool, None): one
#: program builds many clients from one config, and each then skips the checks. Keyed by
#: the keys, the values and their types (``True == 1``, but ``port: True`` is an error and
#: ``port: 1`` is not). Only configs without unknown keys are kept, so a misspelt key warns
#: every time.
_CHECKED: dict[tuple[Any, ...], dict[str, Any]] = {}
_CHECKED_MAX = 64


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _checked_key(data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    types = tuple(map(type, data.values()))
    if not _SCALARS.issuperset(types):  # a dict, list or tuple inside: check it every time
        return None
    return (tuple(data.items()), types)


class _UrlParts(NamedTuple):
    protocol: str
    host: str | None
    port: int | None
    path: str
    query: str | dict[str, str] | None


@functools.lru_cache(maxsize=256)
def _url_of(
    protocol: str,
    host: str | None,
    port: int | None,
    path: str,
    query: str | tuple[tuple[str, str], ...] | None,
) -> str:
    """`build_url` of these parts; ``query`` as a string or the (key, value) pairs in order."""
    shown = dict(query) if isinstance(query, tuple) else query
    return build_url(_UrlParts(protocol, host, port, path, shown))


def _redact_query(query: str | dict[str, str] | None) -> str | dict[str, str] | None:
    if isinstance(query, dict):
        return {k: REDACTED if is_secret_key(k) else v for k, v in query.items()}
    return redact_query(query) if query else query


def _redact_proxy(proxy: str) -> str:
    return redact_url(proxy)


_FIELDS = WebSocketApiOptions.model_fields
#: Python field name -> configs.json key (camelCase; the same word when there is no alias).
ALIASES: Mapping[str, str] = MappingProxyType({f: i.alias or f for f, i in _FIELDS.items()})
#: The configs.json keys this model knows, camelCase, in declaration order.
KNOWN_KEYS: tuple[str, ...] = tuple(ALIASES.values())
#: Default of every option by Python field name (do not mutate the {} and [] in it).
DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {f: i.get_default(call_default_factory=True) for f, i in _FIELDS.items()}
)
#: What `WebSocketApiOptions.__init__` starts from: plain defaults, and fields whose default
#: comes from a factory (a fresh {} or [] for each instance).
_DEFAULT_FACTORIES: tuple[tuple[str, Callable[[], Any]], ...] = tuple(
    (f, cast("Callable[[], Any]", i.default_factory))
    for f, i in _FIELDS.items()
    if i.default_factory is not None
)
_DEFAULT_VALUES = {f: i.default for f, i in _FIELDS.items() if i.default_factory is None}
_FIELD_FOR_KEY = {**{f: f for f in ALIASES}, **{a: f for f, a in ALIASES.items()}}
_NORMALISED = {key.lower(): key for key in KNOWN_KEYS}
