"""The messages every client sends, and the raw-TCP framing.

Text messages are compact JSON of about 100 bytes, ``{"type":"tick","seq":k,"value":…,
"pad":"…"}``, built before timing starts so that generating them costs nobody anything.
Binary messages are random bytes (so a client that tries JSON on binary frames fails fast,
as it would on real binary data).

Raw TCP has no message boundaries, so the floor client frames each message with a 4-byte
big-endian length whose top bit marks binary; the echo server returns the bytes unchanged.
"""

from __future__ import annotations

import json
import os
import struct

__all__ = [
    "BINARY_FLAG",
    "HEADER",
    "TEXT_SIZE",
    "binary_payload",
    "frame_tcp",
    "text_message",
    "text_messages",
]

#: Target size in bytes of each text message.
TEXT_SIZE = 100
#: Raw-TCP frame header: unsigned 32-bit big-endian length (top bit = binary).
HEADER = struct.Struct(">I")
BINARY_FLAG = 0x8000_0000


def text_message(seq: int) -> str:
    """One ~100-byte compact JSON tick; ``seq`` lets the receiver check order."""
    head = json.dumps(
        {"type": "tick", "seq": seq, "value": seq * 0.5, "pad": ""}, separators=(",", ":")
    )
    return head[:-2] + "x" * max(0, TEXT_SIZE - len(head)) + '"}'


def text_messages(count: int, start: int = 0) -> list[str]:
    """``count`` text messages with consecutive sequence numbers from ``start``."""
    return [text_message(k) for k in range(start, start + count)]


def binary_payload(size: int) -> bytes:
    """``size`` random bytes: not UTF-8, so nobody can mistake it for JSON text."""
    return b"\xff" + os.urandom(size - 1)


def frame_tcp(payload: bytes, binary: bool = False) -> bytes:
    """Length-prefix ``payload`` for the raw-TCP echo (see the module docstring)."""
    return HEADER.pack(len(payload) | (BINARY_FLAG if binary else 0)) + payload
