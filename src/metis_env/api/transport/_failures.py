"""What a transport reports when a connection fails, worded once for every transport.

Both transports build their errors here, so the same fault gives the same class, the same
code and the same sentence whichever library moves the bytes; only the library's own detail
(the violation, the OS message) differs.
"""

from __future__ import annotations

from metis_env.api.errors import ConnectionClosedError, MessageTooBigError
from metis_env.api.logs import redacted_url

__all__ = ["FAILURE_CODES", "connection_lost", "protocol_failure"]

#: Close codes an endpoint sends when it fails the connection (RFC 6455 §7.4.1). When the
#: peer did not echo the close frame, a transport reports the code it sent rather than 1006,
#: so a bad frame gets the same code (and the same reconnect verdict) on every transport.
FAILURE_CODES = frozenset({1002, 1003, 1007, 1008, 1009, 1010, 1011})

# code -> (what happened, the code's name in RFC 6455 §7.4.1, what to do)
_WORDS = {
    1002: (
        "Protocol violation",
        "protocol error",
        "The server does not follow RFC 6455: fix or update it (reconnecting will not help).",
    ),
    1007: (
        "Invalid data",
        "invalid payload data",
        "The server sent text that is not UTF-8: it should send such data as binary frames.",
    ),
    1009: (
        "Message too big",
        "message too big",
        "Raise maxMessageSize (now {max_size} bytes) if messages this big are expected.",
    ),
}


def protocol_failure(
    code: int, violation: str, *, url: str, max_size: int | None
) -> ConnectionClosedError:
    """The error for a connection this side failed (RFC 6455 §7.1.7) with close ``code``.

    Args:
        code: the close code sent: 1002, 1007 or 1009 for a peer's violation; any other
            code (1011 when a listener raised) gets a plain sentence.
        violation: what the peer did, in the library's words (also the close reason sent).
        url: the connection's URL (shown redacted).
        max_size: the incoming message limit in bytes (None: unlimited), named for 1009.

    Returns:
        `MessageTooBigError` for 1009, else `ConnectionClosedError`; ``code`` and ``reason``
        hold the close code and reason sent.
    """
    where = redacted_url(url)
    words = _WORDS.get(code)
    if words is None:
        text = f"Failed the connection to {where} with code {code}: {violation}"
        return ConnectionClosedError(text, url=where, code=code, reason=violation)
    what, name, advice = words
    limit = "unlimited" if max_size is None else str(max_size)
    text = (
        f"{what} from {where}: {violation}; closed the connection with code {code} ({name}). "
        + advice.format(max_size=limit)
    )
    if code == 1009:
        return MessageTooBigError(text, url=where, reason=violation)
    return ConnectionClosedError(text, url=where, code=code, reason=violation)


def connection_lost(url: str) -> ConnectionClosedError:
    """The error for a connection that ended without a close frame (1006), not by our hand."""
    where = redacted_url(url)
    return ConnectionClosedError(
        f"The connection to {where} was lost without a close frame (1006): the server or the "
        "network dropped it",
        url=where,
    )
