"""Fault settings and malformed frames for the simulator.

`FaultSettings` is the switchboard `Simulator` reads on every handshake and message; its
methods (`Simulator.refuse_handshakes`, `set_reply_delay`, …) only flip these fields.

The frame builders return raw bytes for `Simulator.send_raw`, which writes them to the TCP
stream beneath the WebSocket protocol. Server-to-client frames are never masked (RFC 6455
§5.1), so these bytes are exactly what a client must reject:

- `INVALID_UTF8_TEXT`: a text frame whose payload is not UTF-8; a conformant client fails
  the connection with 1007 (RFC 6455 §8.1).
- `RESERVED_OPCODE`: opcode 0x3 is reserved (§5.2); the client fails with 1002.
- `FRAGMENTED_PING`: a control frame with FIN clear; control frames must not be fragmented
  (§5.5); the client fails with 1002.
- `GARBAGE`: bytes that are not a frame at all (RSV bits set without an extension, §5.2).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from metis_env.api.errors import ConfigError

__all__ = [
    "FRAGMENTED_PING",
    "GARBAGE",
    "INVALID_UTF8_TEXT",
    "RESERVED_OPCODE",
    "FaultSettings",
    "frame",
]


def check_ms(key: str, value: int, minimum: int = 0) -> int:
    """Return ``value`` if it is an integer number of milliseconds >= ``minimum``.

    Raises:
        ConfigError: it is not; the message names ``key``, the value and the rule.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(key, value, f"must be an integer number of milliseconds >= {minimum}")
    return value


@dataclass
class FaultSettings:
    """Which faults are on. Every field's default is "behave well"."""

    answer_pings: bool = True  # False: reading paused on every connection (a silent peer)
    refuse_status: int | None = None  # answer upgrades with this HTTP status instead of 101
    handshake_delay_ms: int = 0  # hold each upgrade this long before answering it
    reply_delay_ms: int = 0  # send each protocol reply this long after its message arrived
    answering: bool = True  # False: record messages, send no protocol replies


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0) -> bytes:
    """Build one unmasked frame (RFC 6455 §5.2), valid or not, as the server would send it.

    Args:
        opcode: 4-bit opcode (0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong, …).
        payload: the payload, written unmasked.
        fin: the FIN bit; ``False`` marks a fragment.
        rsv: the three RSV bits as a number 0-7 (set bits without an extension are invalid).
    """
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | (opcode & 0xF)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 2**16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


#: A text frame whose payload is not valid UTF-8 (clients close with 1007).
INVALID_UTF8_TEXT = frame(0x1, b"\xff\xfe\xfd")
#: A frame with reserved opcode 0x3 (clients close with 1002).
RESERVED_OPCODE = frame(0x3, b"reserved")
#: A ping with FIN clear: a fragmented control frame (clients close with 1002).
FRAGMENTED_PING = frame(0x9, b"frag", fin=False)
#: Bytes that do not parse as a frame header (RSV bits set, unknown opcode).
GARBAGE = b"\x7f\x7fthis is not a websocket frame\r\n"
