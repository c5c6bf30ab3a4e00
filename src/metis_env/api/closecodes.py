"""Which close codes and reasons an endpoint may send (RFC 6455 §7.4, §5.5)."""

from __future__ import annotations

from metis_env.api.errors import ConfigError

__all__ = ["check_close", "check_ping", "is_sendable_close_code"]


def is_sendable_close_code(code: int) -> bool:
    """Whether an endpoint may put ``code`` in a close frame it sends."""
    return code in (1000, 1001, 1002, 1003) or 1007 <= code <= 1014 or 3000 <= code <= 4999


def check_close(code: int, reason: str) -> None:
    """Reject close codes an endpoint may not send (RFC 6455 §7.4) and over-long reasons."""
    rule = "must be an integer close code: 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)"
    if isinstance(code, bool) or not isinstance(code, int):
        raise ConfigError("code", code, rule)
    if not is_sendable_close_code(code):
        raise ConfigError("code", code, rule)
    if not isinstance(reason, str):
        raise ConfigError("reason", reason, "must be a string")
    if len(reason.encode("utf-8")) > 123:
        raise ConfigError("reason", reason, "must be at most 123 bytes in UTF-8 (RFC 6455 §5.5)")


def check_ping(data: bytes) -> None:
    """Reject a ping payload over 125 bytes (a control frame's limit, RFC 6455 §5.5)."""
    if len(data) > 125:
        raise ConfigError("data", data, "a ping payload is at most 125 bytes (RFC 6455 §5.5)")
