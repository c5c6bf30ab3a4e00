"""Which config keys hold secrets, and how to keep their values out of output.

A key is secret when its name contains one of the words in `SECRET_WORDS` (case-insensitive,
ignoring ``-``/``_``): ``apiKey``, ``access_token``, ``Authorization``, ``password`` … Their
values are replaced by ``***`` in logs, error messages, reprs and CLI output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_WORDS", "is_secret_key", "redact_mapping", "redact_text"]

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


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` (recursively) with secret values replaced by ``***``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(key, str) and is_secret_key(key) and value is not None:
            out[key] = REDACTED
        elif isinstance(value, Mapping):
            out[key] = redact_mapping(value)
        else:
            out[key] = value
    return out


def secret_values(data: Mapping[str, Any]) -> list[str]:
    """Collect the string values of secret keys in ``data`` (recursively), longest first."""
    found: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            found.extend(secret_values(value))
        elif isinstance(key, str) and is_secret_key(key) and isinstance(value, str) and value:
            found.append(value)
    return sorted(set(found), key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (at least 4 characters) in ``text``."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text
