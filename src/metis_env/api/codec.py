"""JSON in and out, the way METIS's JavaScript original writes and reads it.

Outgoing (`encode`): ``str`` is sent as is (text frame); ``bytes``-like as binary; anything
else as compact JSON, byte-compatible with ``JSON.stringify``: no spaces, non-ASCII kept,
``NaN``/``Infinity`` refused. ``None`` becomes ``"null"`` (Python has no ``undefined``).

Incoming (`decode`): text that parses as JSON gives the parsed value, otherwise the text;
binary that is valid UTF-8 JSON gives the parsed value, otherwise the bytes unchanged (never a
lossy decode). ``NaN``/``Infinity`` tokens are not JSON in JavaScript, so such text stays text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from metis_env.api.errors import EncodeError

__all__ = ["Data", "DataLike", "decode", "encode"]

#: What a message payload is on the wire: text or binary.
Data = str | bytes
#: What `encode` accepts for binary frames.
BytesLike = bytes | bytearray | memoryview
#: What `send` accepts.
DataLike = Any

_encoder = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=True
)


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)
# Characters JSON.parse treats as surrounding whitespace (json.loads accepts the same set).
_JSON_WS = " \t\n\r"
_JSON_START = frozenset('{["-0123456789tfn')
_JSON_START_BYTES = frozenset(b'{["-0123456789tfn')
_FIRST_SIGNIFICANT = re.compile(rb"[^ \t\n\r]")


def encode(data: Any) -> Data:
    """Turn a message into a frame payload: ``str``/``bytes`` as is, anything else as JSON.

    Raises:
        EncodeError: the value cannot be written as JSON (circular, NaN, unknown type).
    """
    if isinstance(data, str):
        return data
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    try:
        return _encoder.encode(data)
    except (TypeError, ValueError, RecursionError) as exc:
        raise EncodeError(
            f"Cannot send {type(data).__name__} as JSON: {exc}. "
            "Send a str, bytes, or JSON-serialisable dict/list/number/bool/None."
        ) from exc


# The C scanner behind json.loads, called directly: it skips two regex matches and two
# Python frames per message (JSONDecoder.decode/raw_decode) on the receive hot path.
_scan: Callable[[str, int], tuple[Any, int]] = _decoder.scan_once  # type: ignore[attr-defined]


def _parse(text: str) -> tuple[bool, Any]:
    start = 0
    if text and text[0] not in _JSON_START:
        stripped = text.lstrip(_JSON_WS)
        if not stripped or stripped[0] not in _JSON_START:
            return False, None
        start = len(text) - len(stripped)
    elif not text:
        return False, None
    try:
        value, end = _scan(text, start)
    except (StopIteration, ValueError, RecursionError):
        return False, None
    if end != len(text) and text[end:].strip(_JSON_WS):
        return False, None  # trailing garbage: not JSON, as JSON.parse says
    return True, value


def decode(raw: Data) -> Any:
    """Parse a received payload: the JSON value when it is JSON, else ``raw`` unchanged."""
    if isinstance(raw, str):
        if raw and raw[0] in _JSON_START:  # the common case, without a detour
            try:
                value, end = _scan(raw, 0)
            except (StopIteration, ValueError, RecursionError):
                return raw
            if end == len(raw):
                return value
        ok, value = _parse(raw)
        return value if ok else raw
    # Look at the first significant byte before decoding: a failed decode of a large binary
    # payload copies all of it into the UnicodeDecodeError.
    first = _FIRST_SIGNIFICANT.search(raw)
    if first is None or raw[first.start()] not in _JSON_START_BYTES:
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    ok, value = _parse(text)
    return value if ok else raw
