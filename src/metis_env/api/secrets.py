"""Which config keys hold secrets, and how to keep their values out of output.

A key is secret when its name contains one of the words in `SECRET_WORDS` (case-insensitive,
ignoring ``-``/``_``): ``apiKey``, ``access_token``, ``Authorization``, ``password`` … Their
values are replaced by ``***`` in logs, error messages, reprs and CLI output.

`redact` is the one function that makes a value safe to show, whatever it is: a config's
``data``, options, a URL, a client's stats. Besides secret keys it knows the two places a
secret hides under an innocent key: a URL's password and secret query parameters
(``proxy: "http://u:pw@host"``, ``url: "wss://h/?apiKey=…"``) and a query string
(``query: "token=abc&room=1"``). `redact_mapping` and `redact_url` are `redact` applied to a
mapping and to a URL; `secret_values` lists what `redact` hides, for scrubbing free text
(`redact_text`), such as an error message that quotes a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_WORDS",
    "is_secret_key",
    "redact",
    "redact_mapping",
    "redact_query",
    "redact_text",
    "redact_url",
    "secret_values",
]

REDACTED = "***"

#: Substrings that mark a key as secret once lower-cased with ``-``/``_`` removed.
SECRET_WORDS = (
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "authorization",
    "cookie",
    "credential",
    "privatekey",
    "key",
)

# Keys that contain "key" but are not secrets (they name files or settings).
_NOT_SECRET = frozenset({"keyfile", "keepaliveinterval", "keepalivetimeout", "keys"})


def is_secret_key(key: str) -> bool:
    """Return whether a config key's value must never be shown."""
    norm = re.sub(r"[-_\s]", "", key).lower()
    if norm in _NOT_SECRET:
        return False
    return any(word in norm for word in SECRET_WORDS)


def _is_query_key(key: str | None) -> bool:
    return key is not None and re.sub(r"[-_\s]", "", key).lower() in ("query", "querystring")


def _query_pairs(query: str) -> list[tuple[str, str, str]]:
    return [pair.partition("=") for pair in query.split("&")]


def redact_query(query: str) -> str:
    """``token=abc&room=1`` → ``token=***&room=1`` (values of secret keys hidden)."""
    return "&".join(
        key + eq + (REDACTED if eq and value and is_secret_key(unquote(key)) else value)
        for key, eq, value in _query_pairs(query)
    )


def _looks_like_url(text: str) -> bool:
    return "://" in text


def redact_url(url: str) -> str:
    """``url`` with its password and the values of secret query parameters as ``***``.

    ``ws://h:80/ws?token=abc&room=1`` → ``ws://h:80/ws?token=***&room=1``;
    ``http://user:pw@proxy:3128`` → ``http://user:***@proxy:3128``. A URL that cannot be
    parsed is returned with everything after ``?`` and before ``@`` hidden.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
    except ValueError:
        head, sep, _ = url.partition("?")
        if "@" in head:
            scheme, _, rest = head.partition("://")
            head = f"{scheme}://{REDACTED}@{rest.rpartition('@')[2]}"
        return head + (sep + REDACTED if sep else "")
    query = redact_query(parts.query) if parts.query else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact(value: Any, key: str | None = None) -> Any:
    """A copy of ``value`` that is safe to show; ``key`` is the name it is stored under.

    * under a secret key (`is_secret_key`), any value but ``None`` becomes ``***``;
    * mappings and lists are copied with each item redacted (a mapping's keys name items);
    * a string under ``query`` is a query string: its secret parameters are hidden;
    * any other string containing ``://`` is a URL: its password and secret parameters are
      hidden (`redact_url`);
    * everything else is returned as is.
    """
    if key is not None and is_secret_key(key) and value is not None:
        return REDACTED
    if isinstance(value, Mapping):
        return {k: redact(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        if _is_query_key(key):
            return redact_query(value)
        if _looks_like_url(value):
            return redact_url(value)
    return value


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` (recursively) that is safe to show (see `redact`)."""
    redacted: dict[str, Any] = redact(data)
    return redacted


def _string_secrets(text: str, key: str | None) -> list[str]:
    """The secrets `redact` would hide inside one string (query values, URL password)."""
    found: list[str] = []
    query = text
    if not _is_query_key(key):
        if not _looks_like_url(text):
            return found
        try:
            parts = urlsplit(text)
            query = parts.query
            if parts.password:
                found.append(parts.password)
        except ValueError:
            return found
    for name, eq, value in _query_pairs(query):
        if eq and value and is_secret_key(unquote(name)):
            found.extend({value, unquote(value)})
    return found


def secret_values(data: Any, key: str | None = None) -> list[str]:
    """Every string `redact` would hide in ``data`` (recursively), longest first."""
    found: list[str] = []
    if isinstance(data, Mapping):
        hidden = key is not None and is_secret_key(key)  # redact hides the whole mapping
        for k, v in data.items():
            found.extend(secret_values(v, key if hidden else k if isinstance(k, str) else None))
    elif isinstance(data, list | tuple):
        hidden = key is not None and is_secret_key(key)
        for item in data:
            found.extend(secret_values(item, key if hidden else None))
    elif isinstance(data, str) and data:
        if key is not None and is_secret_key(key):
            found.append(data)
            # "Bearer abc": the credential alone may be quoted elsewhere, too.
            found.extend(word for word in data.split(" ")[1:] if word)
        else:
            found.extend(_string_secrets(data, key))
    return sorted(set(found), key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (at least 4 characters) in ``text``."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
