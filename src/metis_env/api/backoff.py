"""Reconnect decisions as pure functions: how long to wait, and whether to try again.

`reconnect_delay` reproduces the original (§1.10 of the behaviour reference):
``min(max, base * 2**(attempt-1))`` scaled by a jitter factor in [0.8, 1.2), floored to whole
milliseconds. `retry_verdict` decides, from what ended the last connection or attempt,
whether reconnecting makes sense (websockets' ``process_exception`` idea).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from metis_env.api.errors import ConnectError, HandshakeError, TLSError

__all__ = [
    "ALWAYS_RETRY_CLOSE_CODES",
    "ALWAYS_RETRY_STATUSES",
    "FATAL_CLOSE_CODES",
    "FATAL_STATUSES",
    "reconnect_delay",
    "retry_verdict",
]

#: Close codes after which reconnecting is pointless: policy violation, bad data, auth.
FATAL_CLOSE_CODES = frozenset({1002, 1003, 1007, 1008, 1010})
#: Close codes that announce a temporary condition: always worth retrying.
ALWAYS_RETRY_CLOSE_CODES = frozenset({1001, 1012, 1013, 1014})
#: Handshake statuses that will not change by retrying (auth, not found, gone).
FATAL_STATUSES = frozenset({400, 401, 403, 404, 405, 410, 426})
#: Handshake statuses of a server that is temporarily unavailable.
ALWAYS_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def reconnect_delay(attempt: int, base_ms: int, max_ms: int, random: Callable[[], float]) -> int:
    """Delay before reconnect attempt ``attempt`` (1-based), in milliseconds, with ±20 % jitter."""
    exponent = min(max(attempt - 1, 0), 62)
    delay: int = min(max_ms, base_ms * (2**exponent))
    jittered: float = delay * (0.8 + random() * 0.4)
    return max(0, math.floor(jittered))


def retry_verdict(
    *,
    close_code: int | None,
    error: BaseException | None,
    stop_codes: frozenset[int] = FATAL_CLOSE_CODES,
    stop_statuses: frozenset[int] = FATAL_STATUSES,
) -> str | None:
    """Return ``None`` to keep reconnecting, or the reason (words) to stop for good."""
    if isinstance(error, HandshakeError) and error.status is not None:
        if error.status in ALWAYS_RETRY_STATUSES:
            return None
        if error.status in stop_statuses:
            return f"the server answered the handshake with HTTP {error.status}"
        return None
    if isinstance(error, TLSError) and error.code == "CERTIFICATE":
        return "the server's TLS certificate was rejected"
    if isinstance(error, ConnectError):
        return None
    if close_code is not None and close_code not in ALWAYS_RETRY_CLOSE_CODES:
        if close_code in stop_codes:
            return f"the connection was closed with code {close_code}"
    return None
